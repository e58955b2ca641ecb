// Scanner: the cgroup walk, the cgroup files and the assembly of a ScanResult. The per-process
// reads are in scan_procs.cpp.
#include "extended/scan_tree.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstring>
#include <deque>

#include "core/parse.h"
#include "extended/scan_parse.h"

namespace oomguard::extended {
namespace {

constexpr char kPriorityXattr[] = "user.oomguard.priority";

enum CgroupFileIndex : std::size_t {
  kProcs,
  kCurrent,
  kSwapCurrent,
  kMax,
  kStat,
  kEvents,
  kOomGroup,  // v2
  kV1Usage,
  kV1Limit,
  kV1Stat,  // v1 memcg
  kCgroupFileCount
};
struct CgroupFile {
  const char* name;
  std::uint32_t capacity;
  bool v1;
};
constexpr std::array<CgroupFile, kCgroupFileCount> kCgroupFiles = {{
    {"cgroup.procs", 16384, false},
    {"memory.current", 64, false},
    {"memory.swap.current", 64, false},
    {"memory.max", 64, false},
    {"memory.stat", 8192, false},
    {"memory.events", 512, false},
    {"memory.oom.group", 16, false},
    {"memory.usage_in_bytes", 64, true},
    {"memory.limit_in_bytes", 64, true},
    {"memory.stat", 8192, true},
}};
constexpr std::size_t kCgroupBatch = 64;

std::string normalize(std::string_view path) {
  while (!path.empty() && path.front() == '/') path.remove_prefix(1);
  while (!path.empty() && path.back() == '/') path.remove_suffix(1);
  return std::string(path);
}

std::string join(const std::string& dir, const char* name) {
  return dir.empty() ? std::string(name) : dir + "/" + name;
}

// Subdirectory names of an open directory, sorted (the fd is consumed).
std::vector<std::string> subdirs(int fd) {
  std::vector<std::string> names;
  DIR* dir = fdopendir(fd);
  if (dir == nullptr) {
    close(fd);
    return names;
  }
  while (const dirent* e = readdir(dir)) {
    if (std::strcmp(e->d_name, ".") == 0 || std::strcmp(e->d_name, "..") == 0) continue;
    bool is_dir = e->d_type == DT_DIR;
    if (e->d_type == DT_UNKNOWN) {
      struct stat st {};
      is_dir = fstatat(dirfd(dir), e->d_name, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISDIR(st.st_mode);
    }
    if (is_dir) names.emplace_back(e->d_name);
  }
  closedir(dir);
  std::sort(names.begin(), names.end());
  return names;
}

std::optional<int> read_priority_xattr(int fd, ScanStats* stats) {
  char value[32];
  const ssize_t n = fgetxattr(fd, kPriorityXattr, value, sizeof value);
  if (n < 0) return std::nullopt;  // ENODATA (unset), ENOTSUP: no priority
  auto prio = parse_priority_xattr(std::string_view(value, static_cast<std::size_t>(n)));
  if (!prio) ++stats->unreadable;
  return prio;
}

std::uint64_t monotonic_ns() {
  timespec ts{};
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<std::uint64_t>(ts.tv_sec) * 1'000'000'000u +
         static_cast<std::uint64_t>(ts.tv_nsec);
}

// Fills a CgroupInfo's memory fields from its files' texts; `texts[i]` empty when unreadable.
void fill_memory(const std::array<std::string_view, kCgroupFileCount>& texts, CgroupInfo* cg) {
  if (auto usage = parse_u64(texts[kV1Usage])) {
    cg->size_source = SizeSource::kV1;
    cg->usage_bytes = *usage;
    cg->limit_bytes = parse_limit(texts[kV1Limit]).value_or(kNoLimit);
    if (auto stat = parse_memory_stat(texts[kV1Stat])) cg->stat = *stat;
    cg->swap_bytes = cg->stat.swap_bytes;
  } else if (auto current = parse_u64(texts[kCurrent])) {
    cg->size_source = SizeSource::kV2;
    cg->usage_bytes = *current;
    cg->swap_bytes = parse_u64(texts[kSwapCurrent]).value_or(0);
    cg->limit_bytes = parse_limit(texts[kMax]).value_or(kNoLimit);
    if (auto stat = parse_memory_stat(texts[kStat])) cg->stat = *stat;
  } else if (auto stat = parse_memory_stat(texts[kStat])) {
    cg->stat = *stat;  // e.g. the v2 root: memory.stat but no memory.current
  }
  if (auto events = parse_memory_events(texts[kEvents])) cg->events = *events;
  cg->oom_group = parse_u64(texts[kOomGroup]).value_or(0) == 1;
}

}  // namespace

Scanner::Scanner(ScannerParams params) : params_(std::move(params)) {
  params_.options.scope = normalize(params_.options.scope);
  if (params_.options.batch_pids == 0) params_.options.batch_pids = 1;
}

Result<std::vector<Scanner::Node>> Scanner::walk(ScanStats* stats) const {
  std::vector<Node> nodes;
  std::deque<std::size_t> queue;
  nodes.push_back(Node{.path = params_.options.scope});
  queue.push_back(0);
  while (!queue.empty()) {
    const std::size_t i = queue.front();
    queue.pop_front();
    const std::string& path = nodes[i].path;
    const int fd = openat(params_.cgroups.v2_dirfd, path.empty() ? "." : path.c_str(),
                          O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    struct stat st {};
    if (fd < 0 || fstat(fd, &st) != 0) {
      const int err = errno;
      if (fd >= 0) close(fd);
      if (i == 0) return Error{"cannot open scope cgroup '/" + path + "': " + std::strerror(err)};
      nodes[i].gone = true;
      ++stats->vanished_cgroups;
      continue;
    }
    nodes[i].id = st.st_ino;
    if (params_.options.read_xattr) nodes[i].xattr_priority = read_priority_xattr(fd, stats);
    for (std::string& name : subdirs(fd)) {
      nodes.push_back(
          Node{.path = join(nodes[i].path, name.c_str()), .parent = static_cast<int>(i)});
      queue.push_back(nodes.size() - 1);
    }
  }
  return nodes;
}

std::size_t Scanner::cgroup_bytes() {
  std::size_t per_node = 0;
  for (const CgroupFile& f : kCgroupFiles) per_node += f.capacity;
  return per_node;
}

void Scanner::read_cgroups(std::vector<Node>* nodes, ScanResult* out) {
  for (std::size_t first = 0; first < nodes->size(); first += kCgroupBatch) {
    const std::size_t count = std::min(kCgroupBatch, nodes->size() - first);
    read_cgroup_batch(std::span(*nodes).subspan(first, count), out);
  }
}

// Reads the files of up to kCgroupBatch nodes in one read_all call.
void Scanner::read_cgroup_batch(std::span<Node> nodes, ScanResult* out) {
  const bool v1 = params_.cgroups.v1_memory_dirfd >= 0;
  const std::size_t per_node = cgroup_bytes();
  arena_.resize(std::max(arena_.size(), nodes.size() * per_node));
  path_strings_.resize(std::max(path_strings_.size(), nodes.size() * kCgroupFileCount));
  reads_.clear();
  std::vector<std::size_t> slot(nodes.size() * kCgroupFileCount, SIZE_MAX);
  for (std::size_t n = 0; n < nodes.size(); ++n) {
    if (nodes[n].gone) continue;
    std::size_t offset = n * per_node;
    for (std::size_t f = 0; f < kCgroupFileCount; ++f) {
      const CgroupFile& file = kCgroupFiles[f];
      offset += file.capacity;
      if (file.v1 && !v1) continue;  // no v1 hierarchy
      std::string& path = path_strings_[n * kCgroupFileCount + f];
      path = join(nodes[n].path, file.name);
      slot[n * kCgroupFileCount + f] = reads_.size();
      reads_.push_back(
          FileRead{.dirfd = file.v1 ? params_.cgroups.v1_memory_dirfd : params_.cgroups.v2_dirfd,
                   .path = path.c_str(),
                   .buf = buffer(offset - file.capacity),
                   .capacity = file.capacity});
    }
  }
  params_.reader->read_all(reads_);
  out->stats.files_read += reads_.size();
  for (std::size_t n = 0; n < nodes.size(); ++n) {
    if (nodes[n].gone) continue;
    std::array<const FileRead*, kCgroupFileCount> files{};
    for (std::size_t f = 0; f < kCgroupFileCount; ++f) {
      const std::size_t k = slot[n * kCgroupFileCount + f];
      files[f] = k == SIZE_MAX ? nullptr : &reads_[k];
    }
    collect_cgroup(files, &nodes[n], out);
  }
}

// Turns one node's read files into a pending CgroupInfo (or marks the node gone).
void Scanner::collect_cgroup(std::span<const FileRead* const> files, Node* node, ScanResult* out) {
  const FileRead& procs = *files[kProcs];
  if (procs.result < 0) {
    node->gone = true;  // removed between the walk and the read
    ++out->stats.vanished_cgroups;
    return;
  }
  // cgroup.procs is a paged seq_file: one read returns at most a page (>= 4 KiB). A result of
  // 1 KiB or more may therefore be a prefix unless the reader reads to EOF: re-read it whole.
  constexpr std::int32_t kMaybePaged = 1024;
  std::string_view procs_text = procs.text();
  std::string overflow;
  const bool maybe_short = !params_.reader->reads_to_eof() && procs.result >= kMaybePaged;
  if ((procs.full() || maybe_short) && read_whole_file(procs.dirfd, procs.path, &overflow) == 0) {
    procs_text = overflow;
  }
  if (auto pids = parse_pid_list(procs_text)) {
    node->pids = std::move(*pids);
  } else {
    ++out->stats.unreadable;
  }
  CgroupInfo cg{.path = node->path, .id = node->id, .xattr_priority = node->xattr_priority};
  std::array<std::string_view, kCgroupFileCount> texts{};
  for (std::size_t f = 0; f < kCgroupFileCount; ++f) {
    // An overflowing file is ignored rather than misread.
    if (files[f] != nullptr && !files[f]->full()) texts[f] = files[f]->text();
  }
  fill_memory(texts, &cg);
  pending_.push_back(std::move(cg));
}

Result<ScanResult> Scanner::scan() {
  ScanResult out;
  out.time_ns = monotonic_ns();
  // Before listing any process: pids after this one are new to this scan (core checks them).
  std::int32_t last_pid = 0;
  if (core::read_loadavg_last_pid(params_.proc.dirfd, "loadavg", &last_pid)) {
    out.last_pid = static_cast<std::uint64_t>(last_pid);
  }
  auto nodes = walk(&out.stats);
  if (!nodes) return nodes.error();
  pending_.clear();
  read_cgroups(&nodes.value(), &out);
  // Keep the live nodes whose parent is live too (rmdir needs empty children, so a gone parent
  // means gone children), remapping indices; parents come before children in walk order.
  std::vector<int> remap(nodes->size(), -1);
  std::size_t next_pending = 0;
  std::vector<pid_t> pids;
  for (std::size_t i = 0; i < nodes->size(); ++i) {
    Node& node = (*nodes)[i];
    if (node.gone) continue;
    CgroupInfo cg = std::move(pending_[next_pending++]);
    if (node.parent >= 0 && remap[static_cast<std::size_t>(node.parent)] < 0) {
      ++out.stats.vanished_cgroups;
      continue;
    }
    remap[i] = static_cast<int>(out.cgroups.size());
    cg.parent = node.parent < 0 ? -1 : remap[static_cast<std::size_t>(node.parent)];
    if (cg.parent >= 0)
      out.cgroups[static_cast<std::size_t>(cg.parent)].children.push_back(out.cgroups.size());
    out.cgroups.push_back(std::move(cg));
    pids.insert(pids.end(), node.pids.begin(), node.pids.end());
  }
  index_by_path_.clear();
  for (std::size_t i = 0; i < out.cgroups.size(); ++i) index_by_path_[out.cgroups[i].path] = i;
  read_processes(std::move(pids), &out);
  finish_sizes(&out);
  out.stats.cgroups = out.cgroups.size();
  out.stats.processes = out.processes.size();
  out.stats.duration_ns = monotonic_ns() - out.time_ns;
  return out;
}

}  // namespace oomguard::extended
