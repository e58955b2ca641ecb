// extended/bench/bench_sandbox.h — a sandbox cgroup for scan_bench's real processes: a cgroup v1
// memcg dir with a memory limit plus a cgroup2 dir of the same name (for cgroup.kill), filled by a
// spawner child with N sleeping processes. Everything it created is killed (cgroup.kill, or
// SIGKILL per pid without cgroup.kill) and removed by the destructor, by SIGINT/SIGTERM/SIGHUP, and
// at exit().
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <string>

namespace oomguard::extended::bench {

struct SandboxParams {
  std::string name;                                      // cgroup dir name under both roots
  std::string v1_memory_root = "/sys/fs/cgroup/memory";  // "" = no v1 memcg
  std::string v2_root = "/sys/fs/cgroup/unified";
  std::uint64_t limit_bytes = 1ull << 30;  // v1 memory.limit_in_bytes
};

class Sandbox {
 public:
  // Creates the cgroups; "" on success, else why not (nothing is left behind).
  std::string create(const SandboxParams& params);
  // Forks a spawner into the sandbox that forks `count` sleeping children; waits until all are
  // in cgroup.procs. "" on success.
  std::string spawn(std::size_t count);
  // Kills everything in the sandbox, reaps, removes the cgroups. Idempotent.
  void destroy();
  ~Sandbox() { destroy(); }

  const std::string& name() const { return name_; }

 private:
  std::string name_;
  std::string v1_dir_;
  std::string v2_dir_;
  pid_t spawner_ = -1;
};

}  // namespace oomguard::extended::bench
