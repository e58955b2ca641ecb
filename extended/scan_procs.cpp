// Scanner: the per-process reads (/proc/PID/{stat,status,oom_score_adj,cgroup,cmdline}) and the
// cgroup sizes that depend on them.
#include <algorithm>
#include <array>
#include <cerrno>
#include <cstdio>

#include "extended/scan_parse.h"
#include "extended/scan_tree.h"

namespace oomguard::extended {
namespace {

enum ProcFileIndex : std::size_t { kStat, kStatus, kAdj, kCgroup, kCmdline, kProcFileCount };
struct ProcFile {
  const char* name;
  std::uint32_t capacity;
};
constexpr std::array<ProcFile, kProcFileCount> kProcFiles = {{
    {"stat", 2048},
    {"status", 4096},
    {"oom_score_adj", 32},
    {"cgroup", 4096},
    {"cmdline", 4096},  // longer command lines are truncated (used for regexes and explain)
}};
constexpr std::size_t kPathSlot = 32;  // "4194304/oom_score_adj" + NUL fits

constexpr std::size_t proc_bytes() {
  std::size_t total = 0;
  for (const ProcFile& f : kProcFiles) total += f.capacity;
  return total;
}

// A process whose files disappear (or read as empty) has exited: not an error.
bool vanished_errno(int negative_errno) {
  return negative_errno == -ENOENT || negative_errno == -ESRCH || negative_errno == -ENODEV;
}

enum class Outcome { kOk, kVanished, kUnreadable };

Outcome failure(const FileRead& r) {
  if (r.result == 0 || vanished_errno(r.result)) return Outcome::kVanished;
  return Outcome::kUnreadable;
}

// The text of a file that must be complete: re-read with plain I/O when it filled its buffer.
std::string_view whole_text(const FileRead& r, std::string* overflow) {
  if (r.full() && read_whole_file(r.dirfd, r.path, overflow) == 0) return *overflow;
  return r.text();
}

}  // namespace

void Scanner::read_processes(std::vector<pid_t> pids, ScanResult* out) {
  std::sort(pids.begin(), pids.end());
  pids.erase(std::unique(pids.begin(), pids.end()), pids.end());  // moved mid-scan: listed twice
  out->processes.reserve(pids.size());
  const std::size_t batch = params_.options.batch_pids;
  for (std::size_t first = 0; first < pids.size(); first += batch) {
    const std::size_t count = std::min(batch, pids.size() - first);
    read_process_batch(std::span<const pid_t>(pids).subspan(first, count), out);
  }
  for (std::size_t i = 0; i < out->processes.size(); ++i) {
    out->cgroups[out->processes[i].cgroup].processes.push_back(i);
  }
}

void Scanner::read_process_batch(std::span<const pid_t> pids, ScanResult* out) {
  const std::size_t files = params_.options.read_cmdline ? kProcFileCount : kCmdline;
  arena_.resize(std::max(arena_.size(), pids.size() * proc_bytes()));
  paths_.resize(std::max(paths_.size(), pids.size() * kProcFileCount * kPathSlot));
  reads_.assign(pids.size() * kProcFileCount, FileRead{});
  std::size_t queued = 0;
  for (std::size_t p = 0; p < pids.size(); ++p) {
    std::size_t offset = p * proc_bytes();
    for (std::size_t f = 0; f < files; ++f) {
      char* path = paths_.data() + (p * kProcFileCount + f) * kPathSlot;
      std::snprintf(path, kPathSlot, "%d/%s", pids[p], kProcFiles[f].name);
      reads_[queued++] = FileRead{.dirfd = params_.proc.dirfd,
                                  .path = path,
                                  .buf = buffer(offset),
                                  .capacity = kProcFiles[f].capacity};
      offset += kProcFiles[f].capacity;
    }
  }
  reads_.resize(queued);
  params_.reader->read_all(reads_);
  out->stats.files_read += queued;
  std::array<FileRead, kProcFileCount> one{};
  for (std::size_t p = 0; p < pids.size(); ++p) {
    std::copy_n(reads_.begin() + static_cast<std::ptrdiff_t>(p * files), files, one.begin());
    if (files == kCmdline) one[kCmdline] = FileRead{};  // not read: empty, result 0
    collect_process(pids[p], one, out);
  }
}

void Scanner::collect_process(pid_t pid, std::span<const FileRead> files, ScanResult* out) {
  Outcome outcome = Outcome::kOk;
  const bool want_cmdline = params_.options.read_cmdline;
  for (std::size_t f = 0; f < kProcFileCount && outcome == Outcome::kOk; ++f) {
    const bool may_be_empty = f == kCmdline;  // kernel threads and zombies have no cmdline
    if (f == kCmdline && !want_cmdline) continue;
    if (files[f].result < 0 || (files[f].result == 0 && !may_be_empty)) {
      outcome = failure(files[f]);
    }
  }
  std::string overflow;
  const auto stat = outcome == Outcome::kOk ? parse_stat(files[kStat].text()) : std::nullopt;
  const auto status = stat ? parse_status(whole_text(files[kStatus], &overflow)) : std::nullopt;
  const auto adj = status ? parse_oom_score_adj(files[kAdj].text()) : std::nullopt;
  const auto cgroup = adj ? parse_proc_cgroup(whole_text(files[kCgroup], &overflow)) : ProcCgroup{};
  if (outcome == Outcome::kOk &&
      (!stat || stat->pid != pid || !status || !adj || !cgroup.v2_path)) {
    outcome = Outcome::kUnreadable;
  }
  const auto where =
      outcome == Outcome::kOk ? index_by_path_.find(*cgroup.v2_path) : index_by_path_.end();
  if (outcome == Outcome::kOk && where == index_by_path_.end()) {
    outcome = Outcome::kVanished;  // moved out of the scanned tree (or into a new cgroup)
  }
  if (outcome != Outcome::kOk) {
    ++(outcome == Outcome::kVanished ? out->stats.vanished_processes : out->stats.unreadable);
    return;
  }
  ProcessInfo p;
  p.pid = pid;
  p.ppid = stat->ppid;
  p.state = stat->state;
  p.flags = stat->flags;
  p.start_time_ticks = stat->start_time_ticks;
  p.kernel_thread = (stat->flags & kPfKthread) != 0 || pid == 2 || stat->ppid == 2 ||
                    status->kthread.value_or(false);
  p.uid = status->uid;
  p.oom_score_adj = *adj;
  p.rss_bytes = status->rss_kb * 1024;
  p.rss_anon_bytes = status->rss_anon_kb * 1024;
  p.rss_file_bytes = status->rss_file_kb * 1024;
  p.rss_shmem_bytes = status->rss_shmem_kb * 1024;
  p.swap_bytes = status->swap_kb * 1024;
  p.comm = stat->comm;
  if (want_cmdline) p.cmdline = parse_cmdline(files[kCmdline].text());
  p.cgroup = where->second;
  p.memcg_v1_path = cgroup.memcg_v1_path.value_or("");
  out->processes.push_back(std::move(p));
}

void Scanner::finish_sizes(ScanResult* out) {
  // Children come after their parents: a reverse pass sums subtrees bottom-up.
  std::vector<std::uint64_t> subtree(out->cgroups.size(), 0);
  for (std::size_t i = out->cgroups.size(); i-- > 0;) {
    CgroupInfo& cg = out->cgroups[i];
    for (std::size_t p : cg.processes) subtree[i] += out->processes[p].rss_swap_bytes();
    for (std::size_t c : cg.children) subtree[i] += subtree[c];
    cg.size_bytes =
        cg.size_source == SizeSource::kProcessSum ? subtree[i] : cg.usage_bytes + cg.swap_bytes;
  }
}

}  // namespace oomguard::extended
