#include "tools/ctl/locate.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fstream>

#include "tools/ctl/ctl_test_util.h"

namespace oomguard::ctl {
namespace {

using testing::TempDir;

// A fake /proc entry: exe symlink (dangling is fine: only the link text is read), stat, comm.
void add_proc(const std::string& root, pid_t pid, const std::string& exe, pid_t ppid = 1,
              char state = 'S') {
  const std::string dir = root + "/" + std::to_string(pid);
  ASSERT_EQ(mkdir(dir.c_str(), 0755), 0);
  ASSERT_EQ(symlink(exe.c_str(), (dir + "/exe").c_str()), 0);
  std::ofstream(dir + "/stat") << pid << " (x y) " << state << " " << ppid << " 1 1 0 -1\n";
  std::ofstream(dir + "/comm") << exe.substr(exe.rfind('/') + 1) << "\n";
}

std::vector<pid_t> pids(const std::vector<CoreCandidate>& cores) {
  std::vector<pid_t> out;
  for (const CoreCandidate& c : cores) out.push_back(c.pid);
  return out;
}

TEST(CtlLocate, FindsCoresByExecutableName) {
  TempDir proc;
  add_proc(proc.path(), 100, "/usr/sbin/oomguard-core");
  add_proc(proc.path(), 200, "/usr/sbin/oomguard-extended", 100);
  add_proc(proc.path(), 300, "/opt/old/oomguard-core (deleted)");  // upgraded under it
  add_proc(proc.path(), 400, "/usr/bin/oomguard-core-wrapper");
  add_proc(proc.path(), 101, "/usr/sbin/oomguard-core", 100);  // forked, not exec'ed yet
  ASSERT_EQ(mkdir((proc.path() + "/self").c_str(), 0755), 0);
  const std::vector<CoreCandidate> cores = find_cores(proc.path());
  EXPECT_EQ(pids(cores), (std::vector<pid_t>{100, 300}));
  EXPECT_TRUE(cores[0].exe_readable);
}

TEST(CtlLocate, ChooseCoreExplainsNoneAndSeveral) {
  TempDir proc;
  auto none = choose_core(proc.path(), std::nullopt);
  ASSERT_FALSE(none);
  EXPECT_NE(none.error().message.find("oomguard is not running"), std::string::npos);

  add_proc(proc.path(), 100, "/usr/sbin/oomguard-core");
  auto one = choose_core(proc.path(), std::nullopt);
  ASSERT_TRUE(one) << one.error().message;
  EXPECT_EQ(*one, 100);

  add_proc(proc.path(), 300, "/usr/local/sbin/oomguard-core");
  auto two = choose_core(proc.path(), std::nullopt);
  ASSERT_FALSE(two);
  EXPECT_NE(two.error().message.find("2 oomguard-core processes run (pids 100, 300)"),
            std::string::npos);
  EXPECT_NE(two.error().message.find("--pid"), std::string::npos);

  auto chosen = choose_core(proc.path(), 300);
  ASSERT_TRUE(chosen);
  EXPECT_EQ(*chosen, 300);
  auto missing = choose_core(proc.path(), 999);
  ASSERT_FALSE(missing);
  EXPECT_NE(missing.error().message.find("no process 999"), std::string::npos);
}

TEST(CtlLocate, OpensTheRegionOfALiveProcess) {
  auto before = open_region_fd("/proc", getpid());
  ASSERT_FALSE(before);  // no region yet in this process
  EXPECT_NE(before.error().message.find("holds no oomguard region"), std::string::npos);

  testing::FakeDaemons d;
  auto fd = open_region_fd("/proc", getpid());
  ASSERT_TRUE(fd) << fd.error().message;
  shm::Region ro;
  EXPECT_EQ(shm::Region::attach(*fd, shm::Access::kReadOnly, &ro), 0);
  close(*fd);
  EXPECT_EQ(ro.header().core_pid, getpid());
}

TEST(CtlLocate, GoneProcess) {
  TempDir proc;
  auto fd = open_region_fd(proc.path(), 12345);
  ASSERT_FALSE(fd);
  EXPECT_NE(fd.error().message.find("process 12345 is gone"), std::string::npos);
}

TEST(CtlLocate, ConfigArgumentOfTheCore) {
  TempDir proc;
  add_proc(proc.path(), 100, "/usr/sbin/oomguard-core");
  const std::string dir = proc.path() + "/100";
  const std::string args[] = {"oomguard-core", "--dry-run", "--config", "/etc/og/a.toml"};
  {
    std::ofstream cmdline(dir + "/cmdline", std::ios::binary);
    for (const std::string& a : args) cmdline << a << '\0';
  }
  EXPECT_EQ(core_config_arg(proc.path(), 100), "/etc/og/a.toml");

  std::ofstream(dir + "/cmdline", std::ios::binary)
      << "oomguard-core" << '\0' << "--config=rel/b.toml" << '\0';
  ASSERT_EQ(symlink("/srv/og", (dir + "/cwd").c_str()), 0);
  EXPECT_EQ(core_config_arg(proc.path(), 100), "/srv/og/rel/b.toml");

  std::ofstream(dir + "/cmdline", std::ios::binary) << "oomguard-core" << '\0';
  EXPECT_EQ(core_config_arg(proc.path(), 100), "");
}

TEST(CtlLocate, ProcessAlive) {
  TempDir proc;
  add_proc(proc.path(), 100, "/x", 1, 'S');
  add_proc(proc.path(), 101, "/x", 1, 'Z');
  EXPECT_TRUE(process_alive(proc.path(), 100));
  EXPECT_FALSE(process_alive(proc.path(), 101));
  EXPECT_FALSE(process_alive(proc.path(), 102));
  EXPECT_TRUE(process_alive("/proc", getpid()));
}

}  // namespace
}  // namespace oomguard::ctl
