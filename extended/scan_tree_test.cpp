// Scanner on fake trees (pure v2 and hybrid v1+v2, built from testdata) and on this machine's
// real /proc, with both FileReader backends.
#include "extended/scan_tree.h"

#include <gtest/gtest.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <sstream>

#include "extended/scan_fake_tree.h"
#include "extended/uring_reader.h"

namespace oomguard::extended {
namespace {

std::string describe(const ProcessInfo& p, const ScanResult& scan) {
  std::ostringstream o;
  o << p.pid << " ppid=" << p.ppid << " st=" << p.state << " flags=" << p.flags
    << " start=" << p.start_time_ticks << " kt=" << p.kernel_thread << " uid=" << p.uid
    << " adj=" << p.oom_score_adj << " rss=" << p.rss_bytes << "/" << p.rss_anon_bytes << "/"
    << p.rss_file_bytes << "/" << p.rss_shmem_bytes << " swap=" << p.swap_bytes
    << " comm=" << p.comm << " cmd=" << p.cmdline << " cg=/" << scan.cgroups[p.cgroup].path
    << " v1=" << p.memcg_v1_path;
  return o.str();
}

std::string describe(const ScanResult& scan) {
  std::ostringstream o;
  for (const CgroupInfo& c : scan.cgroups) {
    o << "cg /" << c.path << " id=" << c.id << " parent=" << c.parent
      << " src=" << static_cast<int>(c.size_source) << " usage=" << c.usage_bytes
      << " swap=" << c.swap_bytes << " limit=" << c.limit_bytes << " anon=" << c.stat.anon_bytes
      << " file=" << c.stat.file_bytes << " group=" << c.oom_group
      << " xattr=" << c.xattr_priority.value_or(-1) << " size=" << c.size_bytes
      << " children=" << c.children.size() << " procs=" << c.processes.size() << "\n";
  }
  for (const ProcessInfo& p : scan.processes) o << describe(p, scan) << "\n";
  o << "vanished " << scan.stats.vanished_cgroups << "/" << scan.stats.vanished_processes
    << " unreadable " << scan.stats.unreadable << "\n";
  return o.str();
}

std::unique_ptr<FileReader> uring_or_skip() {
  auto r = make_uring_reader(UringParams{});
  if (!r) return nullptr;
  return std::move(r.value());
}

FakeTree make_tree(bool hybrid) {
  auto tree = FakeTree::create(
      FakeTreeParams{.testdata_dir = OOMGUARD_EXTENDED_TESTDATA, .hybrid = hybrid});
  EXPECT_TRUE(tree) << (tree ? "" : tree.error().message);
  return std::move(tree.value());
}

// root: init(1), kthreadd(2), a kworker; user.slice/{session(manager), build(group: cc1 x2)};
// system.slice/db.
void populate(FakeTree& t) {
  const std::uint64_t mib = 1 << 20;
  for (const FakeCgroup& c : {FakeCgroup{.path = "user.slice", .usage_bytes = 900 * mib},
                              FakeCgroup{.path = "user.slice/session", .usage_bytes = 100 * mib},
                              FakeCgroup{.path = "user.slice/build",
                              .usage_bytes = 800 * mib,
                              .swap_bytes = 16 * mib,
                              .limit_bytes = 2048 * mib,
                              .oom_group = true},
                              FakeCgroup{.path = "system.slice", .usage_bytes = 300 * mib},
                              FakeCgroup{.path = "system.slice/db", .usage_bytes = 300 * mib}}) {
    ASSERT_TRUE(t.add_cgroup(c));
  }
  for (const FakeProcess& p :
       {FakeProcess{.pid = 1, .ppid = 0, .comm = "init", .cmdline = "/sbin/init", .rss_kb = 8000},
        FakeProcess{.pid = 2, .ppid = 0, .comm = "kthreadd", .kernel_thread = true},
        FakeProcess{.pid = 10, .ppid = 2, .comm = "kworker/0:0H-kb", .kernel_thread = true},
        FakeProcess{.pid = 100,
        .comm = "gnome-session",
        .cmdline = "gnome-session --x",
        .uid = 1000,
        .rss_kb = 90000,
        .cgroup = "user.slice/session"},
        FakeProcess{.pid = 201,
        .ppid = 100,
        .comm = "cc1plus",
        .cmdline = "cc1plus a.cc",
        .uid = 1000,
        .oom_score_adj = 200,
        .rss_kb = 400000,
        .swap_kb = 8000,
        .cgroup = "user.slice/build",
        .start_time_ticks = 5000},
        FakeProcess{.pid = 202,
        .ppid = 100,
        .comm = "cc1plus",
        .cmdline = "cc1plus b.cc",
        .uid = 1000,
        .oom_score_adj = 200,
        .rss_kb = 380000,
        .cgroup = "user.slice/build",
        .start_time_ticks = 5001},
        FakeProcess{.pid = 300,
        .comm = "postgres",
        .cmdline = "postgres -D /db",
        .uid = 110,
        .oom_score_adj = -500,
        .rss_kb = 290000,
        .cgroup = "system.slice/db"}}) {
    ASSERT_TRUE(t.add_process(p));
  }
}

struct Readers {
  std::unique_ptr<FileReader> plain = make_plain_reader();
  std::unique_ptr<FileReader> uring = uring_or_skip();
};

ScanResult scan_with(const FakeTree& t, FileReader* reader, const std::string& scope = "") {
  Scanner scanner(ScannerParams{.proc = t.proc(),
                                .cgroups = t.cgroups(),
                                .reader = reader,
                                .options = ScanOptions{.scope = scope, .batch_pids = 3}});
  auto r = scanner.scan();
  EXPECT_TRUE(r) << (r ? "" : r.error().message);
  return r ? std::move(r.value()) : ScanResult{};
}

const ProcessInfo* find_pid(const ScanResult& s, pid_t pid) {
  for (const ProcessInfo& p : s.processes) {
    if (p.pid == pid) return &p;
  }
  return nullptr;
}

const CgroupInfo* find_cgroup(const ScanResult& s, const std::string& path) {
  for (const CgroupInfo& c : s.cgroups) {
    if (c.path == path) return &c;
  }
  return nullptr;
}

TEST(ScannerFake, V2TreeFields) {
  FakeTree t = make_tree(false);
  populate(t);
  Readers readers;
  EXPECT_EQ(scan_with(t, readers.plain.get()).last_pid, 0u) << "no loadavg: not known";
  std::ofstream(t.dir() + "/proc/loadavg") << "0.52 0.58 0.59 2/245 8123\n";
  const ScanResult s = scan_with(t, readers.plain.get());
  EXPECT_EQ(s.last_pid, 8123u);
  ASSERT_EQ(s.cgroups.size(), 6u);
  EXPECT_EQ(s.cgroups[0].path, "");
  EXPECT_EQ(s.processes.size(), 7u);
  EXPECT_EQ(s.stats.vanished_processes, 0u);
  EXPECT_EQ(s.stats.unreadable, 0u);

  const CgroupInfo* build = find_cgroup(s, "user.slice/build");
  ASSERT_NE(build, nullptr);
  struct stat st {};
  ASSERT_EQ(::stat((t.dir() + "/cgroup2/user.slice/build").c_str(), &st), 0);
  EXPECT_EQ(build->id, st.st_ino);
  EXPECT_EQ(build->size_source, SizeSource::kV2);
  EXPECT_EQ(build->usage_bytes, 800u << 20);
  EXPECT_EQ(build->swap_bytes, 16u << 20);
  EXPECT_EQ(build->size_bytes, 816u << 20);
  EXPECT_EQ(build->limit_bytes, 2048u << 20);
  EXPECT_TRUE(build->oom_group);
  EXPECT_EQ(build->stat.anon_bytes, 600u << 20);
  EXPECT_EQ(build->events.oom_kill, 2u);
  EXPECT_EQ(build->processes.size(), 2u);
  EXPECT_EQ(s.cgroups[static_cast<std::size_t>(build->parent)].path, "user.slice");

  const ProcessInfo* cc = find_pid(s, 201);
  ASSERT_NE(cc, nullptr);
  EXPECT_EQ(cc->comm, "cc1plus");
  EXPECT_EQ(cc->cmdline, "cc1plus a.cc");
  EXPECT_EQ(cc->ppid, 100);
  EXPECT_EQ(cc->uid, 1000u);
  EXPECT_EQ(cc->oom_score_adj, 200);
  EXPECT_EQ(cc->rss_bytes, 400000u * 1024);
  EXPECT_EQ(cc->swap_bytes, 8000u * 1024);
  EXPECT_EQ(cc->rss_swap_bytes(), 408000u * 1024);
  EXPECT_EQ(cc->start_time_ticks, 5000u);
  EXPECT_EQ(s.cgroups[cc->cgroup].path, "user.slice/build");
  EXPECT_FALSE(cc->kernel_thread);
  ASSERT_NE(find_pid(s, 10), nullptr);
  EXPECT_TRUE(find_pid(s, 10)->kernel_thread);
  EXPECT_TRUE(find_pid(s, 2)->kernel_thread);
  EXPECT_FALSE(find_pid(s, 1)->kernel_thread);
}

TEST(ScannerFake, HybridTakesMemoryFromV1) {
  FakeTree t = make_tree(true);
  populate(t);
  Readers readers;
  const ScanResult s = scan_with(t, readers.plain.get());
  const CgroupInfo* build = find_cgroup(s, "user.slice/build");
  ASSERT_NE(build, nullptr);
  EXPECT_EQ(build->size_source, SizeSource::kV1);
  EXPECT_EQ(build->usage_bytes, 800u << 20);
  EXPECT_EQ(build->swap_bytes, 16u << 20);  // v1 total_swap
  EXPECT_EQ(build->limit_bytes, 2048u << 20);
  EXPECT_FALSE(build->oom_group);  // no memory.oom.group on v1
  EXPECT_EQ(build->stat.anon_bytes, 600u << 20);
  EXPECT_EQ(s.cgroups[0].limit_bytes, kNoLimit);  // v1 "unlimited"
  EXPECT_EQ(find_pid(s, 201)->memcg_v1_path, "user.slice/build");
}

TEST(ScannerFake, ProcessSumWhenNoMemoryAccounting) {
  FakeTree t = make_tree(false);
  populate(t);
  std::filesystem::remove(t.dir() + "/cgroup2/user.slice/session/memory.current");
  Readers readers;
  const ScanResult s = scan_with(t, readers.plain.get());
  const CgroupInfo* session = find_cgroup(s, "user.slice/session");
  ASSERT_NE(session, nullptr);
  EXPECT_EQ(session->size_source, SizeSource::kProcessSum);
  EXPECT_EQ(session->size_bytes, 90000u * 1024);
}

TEST(ScannerFake, BackendsAgree) {
  for (bool hybrid : {false, true}) {
    FakeTree t = make_tree(hybrid);
    populate(t);
    Readers readers;
    if (!readers.uring) GTEST_SKIP() << "io_uring unavailable on this kernel";
    const std::string plain = describe(scan_with(t, readers.plain.get()));
    const std::string uring = describe(scan_with(t, readers.uring.get()));
    EXPECT_EQ(plain, uring) << "hybrid=" << hybrid;
    EXPECT_NE(plain.find("cc1plus a.cc"), std::string::npos);
  }
}

// Wraps a reader and runs `hook` before the n-th read_all call (0-based).
class HookedReader final : public FileReader {
 public:
  HookedReader(FileReader* inner, int call, std::function<void()> hook)
      : inner_(inner), call_(call), hook_(std::move(hook)) {}
  void read_all(std::span<FileRead> reads) override {
    if (calls_++ == call_) hook_();
    inner_->read_all(reads);
  }
  std::string_view name() const override { return inner_->name(); }
  bool reads_to_eof() const override { return inner_->reads_to_eof(); }

 private:
  FileReader* inner_;
  int call_;
  int calls_ = 0;
  std::function<void()> hook_;
};

TEST(ScannerFake, VanishingProcessAndCgroupMidScan) {
  Readers readers;
  for (FileReader* inner : {readers.plain.get(), readers.uring.get()}) {
    if (inner == nullptr) continue;
    FakeTree t = make_tree(false);
    populate(t);
    ASSERT_TRUE(t.add_cgroup(FakeCgroup{.path = "tmp.scope", .usage_bytes = 1 << 20}));
    ASSERT_TRUE(t.add_process(
        FakeProcess{.pid = 400, .comm = "short", .rss_kb = 10, .cgroup = "tmp.scope"}));
    // Call 0 reads the cgroup files (after the walk): tmp.scope disappears first. Call 1 reads
    // the first process batch (pids 1, 2, 10): pid 10 exits before it.
    HookedReader cgroup_gone(inner, 0, [&] {
      std::filesystem::remove_all(t.dir() + "/cgroup2/tmp.scope");
      t.remove_process_dir(400);
    });
    HookedReader pid_gone(&cgroup_gone, 1, [&] { t.remove_process_dir(10); });
    const ScanResult s = scan_with(t, &pid_gone);
    EXPECT_EQ(s.stats.vanished_cgroups, 1u) << inner->name();
    EXPECT_EQ(s.stats.vanished_processes, 1u) << inner->name();  // pid 10; 400 is not listed
    EXPECT_EQ(s.stats.unreadable, 0u);
    EXPECT_EQ(find_pid(s, 10), nullptr);
    EXPECT_EQ(find_cgroup(s, "tmp.scope"), nullptr);
    EXPECT_EQ(s.processes.size(), 6u);
  }
}

TEST(ScannerFake, ListedButExitedProcess) {
  FakeTree t = make_tree(false);
  populate(t);
  t.remove_process_dir(300);  // still in cgroup.procs
  Readers readers;
  const ScanResult s = scan_with(t, readers.plain.get());
  EXPECT_EQ(s.stats.vanished_processes, 1u);
  EXPECT_EQ(find_pid(s, 300), nullptr);
  EXPECT_NE(find_cgroup(s, "system.slice/db"), nullptr);
}

TEST(ScannerFake, ScopeLimitsTheWalk) {
  FakeTree t = make_tree(false);
  populate(t);
  Readers readers;
  const ScanResult s = scan_with(t, readers.plain.get(), "/user.slice/");
  ASSERT_EQ(s.cgroups.size(), 3u);
  EXPECT_EQ(s.cgroups[0].path, "user.slice");
  EXPECT_EQ(s.processes.size(), 3u);
  EXPECT_EQ(find_pid(s, 1), nullptr);
  Scanner missing(ScannerParams{.proc = t.proc(),
                                .cgroups = t.cgroups(),
                                .reader = readers.plain.get(),
                                .options = ScanOptions{.scope = "nope"}});
  auto r = missing.scan();
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("/nope"), std::string::npos);
}

TEST(ScannerFake, PriorityXattr) {
  FakeTree t = make_tree(false);
  populate(t);
  if (!t.set_xattr("system.slice/db", "900")) GTEST_SKIP() << "no user xattrs in " << t.dir();
  ASSERT_TRUE(t.set_xattr("user.slice", "bogus"));
  Readers readers;
  const ScanResult s = scan_with(t, readers.plain.get());
  EXPECT_EQ(find_cgroup(s, "system.slice/db")->xattr_priority, 900);
  EXPECT_FALSE(find_cgroup(s, "user.slice")->xattr_priority);
  EXPECT_FALSE(find_cgroup(s, "system.slice")->xattr_priority);
  EXPECT_EQ(s.stats.unreadable, 1u);  // the bogus value
}

TEST(ScannerFake, LongCgroupProcsIsReadWhole) {
  FakeTree t = make_tree(false);
  ASSERT_TRUE(t.add_cgroup(FakeCgroup{.path = "big"}));
  // 3000 pids x 5-6 bytes > the 16 KiB batch buffer of cgroup.procs.
  for (pid_t pid = 10000; pid < 13000; ++pid) {
    ASSERT_TRUE(t.add_process(FakeProcess{.pid = pid, .comm = "w", .rss_kb = 4, .cgroup = "big"}));
  }
  Readers readers;
  for (FileReader* r : {readers.plain.get(), readers.uring.get()}) {
    if (r == nullptr) continue;
    const ScanResult s = scan_with(t, r);
    EXPECT_EQ(s.processes.size(), 3000u) << r->name();
    EXPECT_EQ(s.stats.unreadable, 0u);
  }
}

// ---- the real kernel ---------------------------------------------------------------------------
class ScannerReal : public ::testing::Test {
 protected:
  void SetUp() override {
    if (open_proc_root("auto", &proc_) < 0 || open_cgroup_root("auto", "auto", &cgroups_) < 0) {
      GTEST_SKIP() << "no /proc or cgroup2 mount";
    }
    uring_ = uring_or_skip();
    if (!uring_) GTEST_SKIP() << "io_uring unavailable";
  }
  void TearDown() override { close_roots(&proc_, &cgroups_); }
  ScanResult scan(FileReader* reader, const std::string& scope) {
    Scanner scanner(ScannerParams{.proc = proc_,
                                  .cgroups = cgroups_,
                                  .reader = reader,
                                  .options = ScanOptions{.scope = scope}});
    auto r = scanner.scan();
    EXPECT_TRUE(r) << (r ? "" : r.error().message);
    return r ? std::move(r.value()) : ScanResult{};
  }
  ProcRoot proc_;
  CgroupRoot cgroups_;
  std::unique_ptr<FileReader> uring_;
  std::unique_ptr<FileReader> plain_ = make_plain_reader();
};

TEST_F(ScannerReal, BackendsAgreeOnThisMachine) {
  // Sleeping children of known content; their records must match exactly.
  std::vector<pid_t> children;
  for (int i = 0; i < 5; ++i) {
    const pid_t pid = fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) {
      execlp("sleep", "sleep", "60", static_cast<char*>(nullptr));
      _exit(127);
    }
    children.push_back(pid);
  }
  usleep(200 * 1000);  // let them exec
  // Scope: the cgroup2 cgroup this process is in.
  std::string own;
  {
    std::string text;
    ASSERT_EQ(read_whole_file(proc_.dirfd, "self/cgroup", &text), 0);
    own = text.substr(text.find("0::/") + 4);
    own = own.substr(0, own.find('\n'));
  }
  const ScanResult a = scan(plain_.get(), own);
  const ScanResult b = scan(uring_.get(), own);
  for (pid_t pid : children) kill(pid, SIGKILL);
  for (pid_t pid : children) waitpid(pid, nullptr, 0);

  ASSERT_NE(find_pid(a, getpid()), nullptr);
  EXPECT_GE(a.processes.size(), 6u);
  std::map<std::pair<pid_t, std::uint64_t>, const ProcessInfo*> in_b;
  for (const ProcessInfo& p : b.processes) in_b[{p.pid, p.start_time_ticks}] = &p;
  std::size_t common = 0;
  for (const ProcessInfo& p : a.processes) {
    auto it = in_b.find({p.pid, p.start_time_ticks});
    if (it == in_b.end()) continue;  // exited or started between the scans
    ++common;
    const ProcessInfo& q = *it->second;
    // A kworker's comm names its current work item (6.18), so it changes between scans.
    if (!p.kernel_thread) {
      EXPECT_EQ(p.comm, q.comm);
    }
    EXPECT_EQ(p.ppid, q.ppid);
    EXPECT_EQ(p.uid, q.uid);
    EXPECT_EQ(p.kernel_thread, q.kernel_thread);
    EXPECT_EQ(a.cgroups[p.cgroup].path, b.cgroups[q.cgroup].path);
  }
  EXPECT_GE(common, a.processes.size() * 9 / 10);
  for (pid_t pid : children) {
    const ProcessInfo* p = find_pid(a, pid);
    const ProcessInfo* q = find_pid(b, pid);
    ASSERT_NE(p, nullptr);
    ASSERT_NE(q, nullptr);
    EXPECT_EQ(p->comm, "sleep");
    EXPECT_EQ(p->cmdline, "sleep 60");
    EXPECT_EQ(p->ppid, getpid());
    EXPECT_GT(p->rss_bytes, 0u);
    EXPECT_EQ(describe(*p, a), describe(*q, b));
  }
}

TEST_F(ScannerReal, WholeMachineHasInitAndKernelThreads) {
  const ScanResult a = scan(plain_.get(), "");
  const ScanResult b = scan(uring_.get(), "");
  for (const ScanResult* s : {&a, &b}) {
    const ProcessInfo* init = find_pid(*s, 1);
    ASSERT_NE(init, nullptr);
    EXPECT_FALSE(init->kernel_thread);
    const ProcessInfo* kthreadd = find_pid(*s, 2);
    if (kthreadd != nullptr) {  // absent in a pid namespace
      EXPECT_TRUE(kthreadd->kernel_thread);
    }
    EXPECT_EQ(s->stats.unreadable, 0u);
    EXPECT_EQ(s->cgroups[0].path, "");
  }
  EXPECT_EQ(a.cgroups[0].id, b.cgroups[0].id);
}

}  // namespace
}  // namespace oomguard::extended
