// extended/scan_tree.h — the scanner: one pass over the scope's cgroup2 subtree and the processes
// in it, through the ProcRoot/CgroupRoot seam (core/kernel_roots.h) and a batched FileReader.
//
// Per cgroup (path relative to the cgroup2 root): the directory itself (st_ino = cgroup id,
// the user.oomguard.priority xattr, subdirectories), cgroup.procs, and memory.{current,
// swap.current,max,stat,events,oom.group}; on hybrid hosts also the v1 memcg directory of the same
// path (memory.{usage_in_bytes,limit_in_bytes,stat}), which wins for usage/limit/stat when present.
// Per process listed in a cgroup.procs: /proc/PID/{stat,status,oom_score_adj,cgroup,cmdline}.
// comm comes from stat (the same task->comm as /proc/PID/comm, one file fewer per process). The
// process's cgroup is the one its /proc/PID/cgroup names at read time (a process that moved out
// of the scanned tree is skipped). Vanished cgroups and processes are skipped and counted.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <unordered_map>
#include <vector>

#include "core/kernel_roots.h"
#include "extended/model.h"
#include "extended/scan_reader.h"

namespace oomguard::extended {

struct ScanOptions {
  std::string scope{};           // relative to the cgroup roots; "" or "/" = the whole machine
  bool read_cmdline = true;      // needed by cmdline rules and explain; truncated at 4 KiB
  bool read_xattr = true;        // user.oomguard.priority on cgroup dirs (ExtendedConfig)
  std::size_t batch_pids = 256;  // processes per FileReader::read_all call
};

struct ScannerParams {
  ProcRoot proc{};
  CgroupRoot cgroups{};
  FileReader* reader = nullptr;  // not owned; must outlive the Scanner
  ScanOptions options{};
};

class Scanner {
 public:
  explicit Scanner(ScannerParams params);

  // One full scan. Fails only when the scope's cgroup directory cannot be opened.
  Result<ScanResult> scan();

  const ScanOptions& options() const { return params_.options; }

 private:
  struct Node {  // a cgroup directory found by the walk
    std::string path{};
    std::uint64_t id = 0;
    int parent = -1;  // index into the walk's nodes
    std::optional<int> xattr_priority{};
    bool gone = false;
    std::vector<pid_t> pids{};  // from cgroup.procs
  };
  Result<std::vector<Node>> walk(ScanStats* stats) const;
  void read_cgroups(std::vector<Node>* nodes, ScanResult* out);
  void read_cgroup_batch(std::span<Node> nodes, ScanResult* out);
  void collect_cgroup(std::span<const FileRead* const> files, Node* node, ScanResult* out);
  static std::size_t cgroup_bytes();
  void read_processes(std::vector<pid_t> pids, ScanResult* out);
  void read_process_batch(std::span<const pid_t> pids, ScanResult* out);
  void collect_process(pid_t pid, std::span<const FileRead> files, ScanResult* out);
  static void finish_sizes(ScanResult* out);
  char* buffer(std::size_t offset) { return arena_.data() + offset; }

  ScannerParams params_;
  std::vector<char> arena_{};                // file buffers, reused across batches and scans
  std::vector<char> paths_{};                // fixed-size path slots for process files
  std::vector<std::string> path_strings_{};  // cgroup file paths
  std::vector<FileRead> reads_{};
  std::vector<CgroupInfo> pending_{};  // live cgroups of the walk, in walk order
  std::unordered_map<std::string, std::size_t> index_by_path_{};  // path -> ScanResult::cgroups
};

}  // namespace oomguard::extended
