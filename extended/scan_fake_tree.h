// extended/scan_fake_tree.h — test and benchmark support: a fake /proc + cgroup tree in a temp
// directory, written in the kernel's own text formats (status, stat and memory.stat are rendered
// from the captured templates in extended/testdata), for Scanner tests and scan_bench. Either a
// pure cgroup v2 layout (memory.* files in the cgroup2 dirs) or a hybrid one (cgroup2 dirs with
// only cgroup.procs; memory.usage_in_bytes/limit_in_bytes/stat in a v1 memcg tree).
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <optional>
#include <string>

#include "core/kernel_roots.h"
#include "extended/model.h"

namespace oomguard::extended {

struct FakeProcess {
  pid_t pid = 0;
  pid_t ppid = 1;
  std::string comm{};
  std::string cmdline{};  // space-separated; written NUL-separated
  std::uint32_t uid = 0;
  int oom_score_adj = 0;
  std::uint64_t rss_kb = 0;
  std::uint64_t swap_kb = 0;
  std::string cgroup{};  // relative to the cgroup2 root; the cgroup must exist
  std::uint64_t start_time_ticks = 1000;
  bool kernel_thread = false;
  char state = 'S';
};

struct FakeCgroup {
  std::string path{};  // relative, e.g. "user.slice/build"
  std::uint64_t usage_bytes = 0;
  std::uint64_t swap_bytes = 0;
  std::uint64_t limit_bytes = kNoLimit;
  bool oom_group = false;
  std::optional<std::string> xattr_priority{};  // raw value of user.oomguard.priority
};

struct FakeTreeParams {
  std::string testdata_dir{};  // extended/testdata
  bool hybrid = false;
  // Where the tree is created; empty = /dev/shm when it is a directory (tmpfs: tens of thousands
  // of small files are written fast), else $TMPDIR.
  std::string base_dir{};
};

class FakeTree {
 public:
  // Creates an empty tree (with the root cgroup) under params.base_dir.
  static Result<FakeTree> create(const FakeTreeParams& params);
  FakeTree(FakeTree&& other) noexcept;
  FakeTree& operator=(FakeTree&&) = delete;
  FakeTree(const FakeTree&) = delete;
  ~FakeTree();  // removes the directory and closes the roots

  // Both fail with a message (e.g. missing parent cgroup); the tree stays consistent.
  Result<bool> add_cgroup(const FakeCgroup& cgroup);
  Result<bool> add_process(const FakeProcess& process);
  // The process "exits": its /proc directory disappears, cgroup.procs still lists it.
  void remove_process_dir(pid_t pid);
  // Sets user.oomguard.priority on a cgroup2 dir; false if the filesystem refuses user xattrs.
  bool set_xattr(const std::string& cgroup, const std::string& value);

  const std::string& dir() const { return dir_; }
  const ProcRoot& proc() const { return proc_; }
  const CgroupRoot& cgroups() const { return cgroups_; }

 private:
  FakeTree() = default;
  Result<bool> init(const FakeTreeParams& params);
  std::string read_template(const char* rel) const;

  std::string dir_{};
  std::string testdata_{};
  bool hybrid_ = false;
  // Captured templates, read once.
  std::string stat_tmpl_{}, status_tmpl_{}, kthread_status_tmpl_{}, v1_stat_tmpl_{},
      v2_stat_tmpl_{}, v2_events_tmpl_{};
  ProcRoot proc_{};
  CgroupRoot cgroups_{};
};

}  // namespace oomguard::extended
