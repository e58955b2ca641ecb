#include "extended/scan_fake_tree.h"

#include <sys/xattr.h>

#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <vector>

namespace oomguard::extended {
namespace {

namespace fs = std::filesystem;

bool write_text(const fs::path& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << text;
  return out.good();
}

bool append_text(const fs::path& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary | std::ios::app);
  out << text;
  return out.good();
}

std::vector<std::string> split(const std::string& s, char sep) {
  std::vector<std::string> out;
  std::istringstream in(s);
  for (std::string item; std::getline(in, item, sep);) out.push_back(item);
  return out;
}

// Replaces the value of "Key:\t..." lines (status) or "key value" lines (memory.stat).
std::string replace_values(const std::string& text, char sep,
                           const std::vector<std::pair<std::string, std::string>>& values) {
  std::string out;
  for (const std::string& line : split(text, '\n')) {
    std::string replaced = line;
    for (const auto& [key, value] : values) {
      if (line.rfind(key + sep, 0) == 0) replaced = key + sep + value;
    }
    out += replaced + "\n";
  }
  return out;
}

std::string render_stat(const std::string& tmpl, const FakeProcess& p) {
  auto fields = split(tmpl.substr(tmpl.rfind(')') + 2), ' ');
  fields[0] = std::string(1, p.state);
  fields[1] = std::to_string(p.ppid);
  fields[6] = std::to_string(p.kernel_thread ? 0x00208040u : 0x00400000u);
  fields[19] = std::to_string(p.start_time_ticks);
  fields[21] = std::to_string(p.rss_kb / 4);
  std::string out = std::to_string(p.pid) + " (" + p.comm + ")";
  for (const std::string& f : fields) out += " " + f;
  while (!out.empty() && out.back() == '\n') out.pop_back();
  return out + "\n";
}

// "\t<value>" / "\t<n> kB" (appended piecewise: "literal" + string trips GCC 12 -Wrestrict).
std::string tab(std::string_view value) {
  std::string out = "\t";
  out += value;
  return out;
}
std::string tab_kb(std::uint64_t kb) {
  std::string out = tab(std::to_string(kb));
  out += " kB";
  return out;
}

std::string render_status(const std::string& tmpl, const FakeProcess& p) {
  const std::uint64_t file_kb = p.rss_kb / 4;
  const std::string uid = tab(std::to_string(p.uid));
  std::string state = tab(std::string(1, p.state));
  state += p.state == 'S' ? " (sleeping)" : " (zombie)";
  std::vector<std::pair<std::string, std::string>> values = {
      {"Name", tab(p.comm)},
      {"State", state},
      {"Tgid", tab(std::to_string(p.pid))},
      {"Pid", tab(std::to_string(p.pid))},
      {"PPid", tab(std::to_string(p.ppid))},
      {"Uid", uid + uid + uid + uid},
  };
  if (!p.kernel_thread) {
    values.insert(values.end(), {
                                    {"VmRSS", tab_kb(p.rss_kb)},
                                    {"RssAnon", tab_kb(p.rss_kb - file_kb)},
                                    {"RssFile", tab_kb(file_kb)},
                                    {"RssShmem", tab_kb(0)},
                                    {"VmSwap", tab_kb(p.swap_kb)},
                                });
  }
  return replace_values(tmpl, ':', values);
}

std::string cmdline_bytes(const std::string& cmdline) {
  std::string out;
  for (const std::string& arg : split(cmdline, ' ')) out += arg + '\0';
  return out;
}

}  // namespace

Result<FakeTree> FakeTree::create(const FakeTreeParams& params) {
  FakeTree tree;
  if (auto r = tree.init(params); !r) return r.error();
  return tree;
}

FakeTree::FakeTree(FakeTree&& other) noexcept
    : dir_(std::move(other.dir_)),
      testdata_(std::move(other.testdata_)),
      hybrid_(other.hybrid_),
      stat_tmpl_(std::move(other.stat_tmpl_)),
      status_tmpl_(std::move(other.status_tmpl_)),
      kthread_status_tmpl_(std::move(other.kthread_status_tmpl_)),
      v1_stat_tmpl_(std::move(other.v1_stat_tmpl_)),
      v2_stat_tmpl_(std::move(other.v2_stat_tmpl_)),
      v2_events_tmpl_(std::move(other.v2_events_tmpl_)),
      proc_(other.proc_),
      cgroups_(other.cgroups_) {
  other.dir_.clear();
  other.proc_ = ProcRoot{};
  other.cgroups_ = CgroupRoot{};
}

FakeTree::~FakeTree() {
  close_roots(&proc_, &cgroups_);
  if (dir_.empty()) return;
  std::error_code ec;
  fs::remove_all(dir_, ec);
}

Result<bool> FakeTree::init(const FakeTreeParams& params) {
  testdata_ = params.testdata_dir;
  hybrid_ = params.hybrid;
  std::error_code ec;
  fs::path base = params.base_dir;
  if (base.empty())
    base = fs::is_directory("/dev/shm", ec) ? "/dev/shm" : fs::temp_directory_path();
  std::string pattern = (base / "oomguard-fake-XXXXXX").string();
  if (mkdtemp(pattern.data()) == nullptr) return Error{"mkdtemp: " + std::string(strerror(errno))};
  dir_ = pattern;
  stat_tmpl_ = read_template("6.18/proc_sleep_stat");
  status_tmpl_ = read_template("6.18/proc_sleep_status");
  kthread_status_tmpl_ = read_template("6.18/proc_kworker_status");
  v1_stat_tmpl_ = read_template("6.18/v1_memory_stat");
  v2_stat_tmpl_ = read_template("v2_6.1/memory.stat");
  v2_events_tmpl_ = read_template("v2_6.1/memory.events");
  if (stat_tmpl_.empty() || status_tmpl_.empty() || v2_stat_tmpl_.empty()) {
    return Error{"testdata templates missing under " + testdata_};
  }
  for (const char* sub : {"proc", "cgroup2", "memory"}) fs::create_directory(dir_ + "/" + sub, ec);
  if (ec) return Error{"mkdir in " + dir_ + ": " + ec.message()};
  const std::string proc = dir_ + "/proc";
  const std::string v2 = dir_ + "/cgroup2";
  const std::string v1 = hybrid_ ? dir_ + "/memory" : std::string("none");
  if (open_proc_root(proc.c_str(), &proc_) < 0 ||
      open_cgroup_root(v2.c_str(), v1.c_str(), &cgroups_) < 0) {
    return Error{"cannot open the fake roots in " + dir_};
  }
  if (auto r = add_cgroup(FakeCgroup{.path = ""}); !r) return r.error();
  return true;
}

std::string FakeTree::read_template(const char* rel) const {
  std::ifstream in(testdata_ + "/" + rel, std::ios::binary);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

Result<bool> FakeTree::add_cgroup(const FakeCgroup& cg) {
  const fs::path v2 = fs::path(dir_) / "cgroup2" / cg.path;
  std::error_code ec;
  if (!cg.path.empty() && !fs::create_directory(v2, ec)) {
    return Error{"cannot create cgroup " + v2.string() + ": " + ec.message()};
  }
  write_text(v2 / "cgroup.procs", "");
  const std::string limit = cg.limit_bytes == kNoLimit ? "max" : std::to_string(cg.limit_bytes);
  const std::string anon = std::to_string(cg.usage_bytes / 4 * 3);
  const std::string file = std::to_string(cg.usage_bytes / 4);
  if (hybrid_) {
    const fs::path v1 = fs::path(dir_) / "memory" / cg.path;
    if (!cg.path.empty()) fs::create_directory(v1, ec);
    const std::string v1_limit =
        cg.limit_bytes == kNoLimit ? "9223372036854771712" : std::to_string(cg.limit_bytes);
    write_text(v1 / "memory.usage_in_bytes", std::to_string(cg.usage_bytes) + "\n");
    write_text(v1 / "memory.limit_in_bytes", v1_limit + "\n");
    write_text(v1 / "memory.stat", replace_values(v1_stat_tmpl_, ' ',
                                                  {{"total_rss", anon},
                                                   {"total_cache", file},
                                                   {"total_swap", std::to_string(cg.swap_bytes)}}));
  } else if (!cg.path.empty()) {  // the v2 root has no memory.current
    write_text(v2 / "memory.current", std::to_string(cg.usage_bytes) + "\n");
    write_text(v2 / "memory.swap.current", std::to_string(cg.swap_bytes) + "\n");
    write_text(v2 / "memory.max", limit + "\n");
    write_text(v2 / "memory.stat",
               replace_values(v2_stat_tmpl_, ' ', {{"anon", anon}, {"file", file}}));
    write_text(v2 / "memory.events", v2_events_tmpl_);
    write_text(v2 / "memory.oom.group", cg.oom_group ? "1\n" : "0\n");
  }
  if (cg.xattr_priority && !set_xattr(cg.path, *cg.xattr_priority)) {
    return Error{"user xattrs unsupported under " + dir_};
  }
  return true;
}

Result<bool> FakeTree::add_process(const FakeProcess& p) {
  const fs::path v2 = fs::path(dir_) / "cgroup2" / p.cgroup;
  if (!fs::is_directory(v2)) return Error{"no cgroup '" + p.cgroup + "'"};
  const fs::path pdir = fs::path(dir_) / "proc" / std::to_string(p.pid);
  std::error_code ec;
  if (!fs::create_directory(pdir, ec)) return Error{"cannot create " + pdir.string()};
  const std::string& status_tmpl = p.kernel_thread ? kthread_status_tmpl_ : status_tmpl_;
  std::string cgroup_file = "0::/" + p.cgroup + "\n";
  if (hybrid_) cgroup_file = "4:memory:/" + p.cgroup + "\n" + cgroup_file;
  const bool ok = write_text(pdir / "stat", render_stat(stat_tmpl_, p)) &&
                  write_text(pdir / "status", render_status(status_tmpl, p)) &&
                  write_text(pdir / "oom_score_adj", std::to_string(p.oom_score_adj) + "\n") &&
                  write_text(pdir / "cgroup", cgroup_file) &&
                  write_text(pdir / "cmdline", p.kernel_thread ? "" : cmdline_bytes(p.cmdline)) &&
                  append_text(v2 / "cgroup.procs", std::to_string(p.pid) + "\n");
  if (!ok) return Error{"cannot write the files of pid " + std::to_string(p.pid)};
  return true;
}

void FakeTree::remove_process_dir(pid_t pid) {
  std::error_code ec;
  fs::remove_all(fs::path(dir_) / "proc" / std::to_string(pid), ec);
}

bool FakeTree::set_xattr(const std::string& cgroup, const std::string& value) {
  const std::string path = (fs::path(dir_) / "cgroup2" / cgroup).string();
  return setxattr(path.c_str(), "user.oomguard.priority", value.data(), value.size(), 0) == 0;
}

}  // namespace oomguard::extended
