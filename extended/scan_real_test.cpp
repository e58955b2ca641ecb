// Scanner against a real cgroup this test creates (root only; label privileged): a sandbox with
// 1500 sleeping processes, killed via cgroup.kill and removed afterwards.
#include <gtest/gtest.h>
#include <unistd.h>

#include "extended/bench/bench_sandbox.h"
#include "extended/scan_tree.h"
#include "extended/uring_reader.h"

namespace oomguard::extended {
namespace {

// A real cgroup whose cgroup.procs is longer than a page: the io_uring backend's single read
// returns only the first page of that seq_file, and the scanner must still see every process.
TEST(ScannerRealCgroup, LongCgroupProcs) {
  if (geteuid() != 0 || access("/sys/fs/cgroup/unified", W_OK) != 0) {
    GTEST_SKIP() << "needs root and a writable /sys/fs/cgroup/unified";
  }
  ProcRoot proc;
  CgroupRoot cgroups;
  ASSERT_EQ(open_proc_root("auto", &proc), 0);
  ASSERT_EQ(open_cgroup_root("auto", "auto", &cgroups), 0);
  auto uring = make_uring_reader(UringParams{});
  if (!uring) GTEST_SKIP() << "io_uring unavailable: " << uring.error().message;
  auto plain = make_plain_reader();
  bench::Sandbox sandbox;
  const std::string name = "oomguard-scan-test-" + std::to_string(getpid());
  const std::string v1 = access("/sys/fs/cgroup/memory", W_OK) == 0 ? "/sys/fs/cgroup/memory" : "";
  if (auto err = sandbox.create(
          bench::SandboxParams{.name = name, .v1_memory_root = v1, .limit_bytes = 512u << 20});
      !err.empty()) {
    GTEST_SKIP() << err;
  }
  ASSERT_EQ(sandbox.spawn(1500), "");  // ~10 KiB of cgroup.procs
  for (FileReader* reader : {plain.get(), uring.value().get()}) {
    Scanner scanner(ScannerParams{
        .proc = proc, .cgroups = cgroups, .reader = reader, .options = ScanOptions{.scope = name}});
    auto s = scanner.scan();
    ASSERT_TRUE(s) << s.error().message;
    EXPECT_EQ(s->processes.size(), 1501u) << reader->name();
    EXPECT_EQ(s->stats.unreadable, 0u);
  }
  sandbox.destroy();
  close_roots(&proc, &cgroups);
}

}  // namespace
}  // namespace oomguard::extended
