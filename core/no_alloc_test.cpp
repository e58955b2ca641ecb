// Proof that the core's steady state never touches the heap. Every allocation entry point of
// libc and every operator new/delete is interposed here; the counter is armed only around
// steady-state wake-ups (CoreLoop::run_once) and disarmed while the test itself rewrites fake
// kernel files. The run covers: calm polling, spikes, sustained pressure, kills of ranked
// processes and groups, stale and garbage rankings (fallback scans), releases and timeouts, and
// restarts of a crashing extended child.
#include <execinfo.h>
#include <gtest/gtest.h>
#include <malloc.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <new>

#include "core/testing/core_harness.h"
#include "shm/events.h"

extern "C" {
void* __libc_malloc(size_t);
void* __libc_calloc(size_t, size_t);
void* __libc_realloc(void*, size_t);
void* __libc_memalign(size_t, size_t);
void* __libc_valloc(size_t);
void* __libc_pvalloc(size_t);
void __libc_free(void*);
}

namespace {

std::atomic<bool> g_armed{false};
std::atomic<std::uint64_t> g_allocations{0};
void* g_first_stack[32];
int g_first_depth = 0;

void note() {
  if (!g_armed.load(std::memory_order_relaxed)) return;
  if (g_allocations.fetch_add(1) == 0) {
    g_armed = false;  // backtrace() must not recurse into the count
    g_first_depth = backtrace(g_first_stack, 32);
    g_armed = true;
  }
}

void* checked(void* p) {
  if (p == nullptr) throw std::bad_alloc();
  return p;
}

}  // namespace

extern "C" {
void* malloc(size_t n) {
  note();
  return __libc_malloc(n);
}
void* calloc(size_t a, size_t b) {
  note();
  return __libc_calloc(a, b);
}
void* realloc(void* p, size_t n) {
  note();
  return __libc_realloc(p, n);
}
void free(void* p) {
  if (p != nullptr) note();
  __libc_free(p);
}
void* aligned_alloc(size_t align, size_t n) {
  note();
  return __libc_memalign(align, n);
}
void* memalign(size_t align, size_t n) {
  note();
  return __libc_memalign(align, n);
}
int posix_memalign(void** out, size_t align, size_t n) {
  note();
  void* p = __libc_memalign(align, n);
  if (p == nullptr) return ENOMEM;
  *out = p;
  return 0;
}
void* valloc(size_t n) {
  note();
  return __libc_valloc(n);
}
void* pvalloc(size_t n) {
  note();
  return __libc_pvalloc(n);
}
}

void* operator new(std::size_t n) { return checked(malloc(n)); }
void* operator new[](std::size_t n) { return checked(malloc(n)); }
void* operator new(std::size_t n, const std::nothrow_t&) noexcept { return malloc(n); }
void* operator new[](std::size_t n, const std::nothrow_t&) noexcept { return malloc(n); }
void* operator new(std::size_t n, std::align_val_t a) {
  return checked(aligned_alloc(static_cast<size_t>(a), n));
}
void* operator new[](std::size_t n, std::align_val_t a) {
  return checked(aligned_alloc(static_cast<size_t>(a), n));
}
void* operator new(std::size_t n, std::align_val_t a, const std::nothrow_t&) noexcept {
  return aligned_alloc(static_cast<size_t>(a), n);
}
void* operator new[](std::size_t n, std::align_val_t a, const std::nothrow_t&) noexcept {
  return aligned_alloc(static_cast<size_t>(a), n);
}
void operator delete(void* p) noexcept { free(p); }
void operator delete[](void* p) noexcept { free(p); }
void operator delete(void* p, std::size_t) noexcept { free(p); }
void operator delete[](void* p, std::size_t) noexcept { free(p); }
void operator delete(void* p, std::align_val_t) noexcept { free(p); }
void operator delete[](void* p, std::align_val_t) noexcept { free(p); }
void operator delete(void* p, std::size_t, std::align_val_t) noexcept { free(p); }
void operator delete[](void* p, std::size_t, std::align_val_t) noexcept { free(p); }
void operator delete(void* p, const std::nothrow_t&) noexcept { free(p); }
void operator delete[](void* p, const std::nothrow_t&) noexcept { free(p); }

namespace oomguard::core {
namespace {

using testing::ChildProcess;
using testing::CoreHarness;

// Runs one steady-state wake-up with the counter armed.
void armed_step(CoreHarness& h, std::uint64_t ms) {
  g_armed = true;
  h.step(ms);
  g_armed = false;
}

void report_first_allocation() {
  if (g_allocations == 0) return;
  std::fprintf(stderr, "first allocation in the steady state, from:\n");
  backtrace_symbols_fd(g_first_stack, g_first_depth, STDERR_FILENO);
}

TEST(InterposerSelfTest, CountsWhatTheSteadyStateMustNotDo) {
  g_allocations = 0;
  g_armed = true;
  void* p = malloc(16);
  free(p);
  int* q = new int(1);
  delete q;
  std::string s(64, 'x');  // a std::string in the loop would be caught like this
  g_armed = false;
  EXPECT_GE(g_allocations.load(), 5u);
  g_allocations = 0;
}

TEST(NoAllocation, TenThousandSteadyStateWakeUps) {
  void* warm[4];
  backtrace(warm, 4);  // loads the unwinder now, not inside the armed region
  ChildProcess hog_a;
  ChildProcess hog_b;
  ChildProcess group_member;
  CoreHarness h(
      [](const testing::TempTree& t, config::CoreConfig& c) {
        t.write("cgroup2/sandbox/batch/cgroup.events", "populated 1\nfrozen 0\n");
        t.write("cgroup2/sandbox/batch/cgroup.procs", "");
        config::MonitorConfig floor;
        floor.name.assign("available_low");
        floor.kind = config::MonitorKind::kMemAvailable;
        floor.percent = 1;
        c.monitors.push_back(floor);
        config::MonitorConfig usage;
        usage.name.assign("sandbox_usage");
        usage.kind = config::MonitorKind::kCgroupUsage;
        usage.cgroup.assign("sandbox");
        usage.percent = 99;
        c.monitors.push_back(usage);
      },
      "/bin/true");  // an "extended" that exits at once: restarts with backoff all along
  for (const ChildProcess* c : {&hog_a, &hog_b}) {
    write_fake_process(h.tree(), {.pid = c->pid(),
                                  .start_time_ticks = c->start_time_ticks(),
                                  .comm = "hog",
                                  .cgroup = "sandbox",
                                  .rss_kb = 100 * 1024});
  }
  struct stat st {};
  ASSERT_EQ(stat(h.tree().path("cgroup2/sandbox/batch").c_str(), &st), 0);
  shm::RankingEntry entries[3] = {
      testing::process_entry(hog_a.pid(), hog_a.start_time_ticks(), "hog", "sandbox"),
      testing::process_entry(hog_b.pid(), hog_b.start_time_ticks(), "hog", "sandbox"),
      {}};
  entries[2].kind = static_cast<std::uint8_t>(shm::EntryKind::kCgroup);
  entries[2].kill_mode = static_cast<std::uint8_t>(shm::KillMode::kGroup);
  entries[2].reason = static_cast<std::uint16_t>(shm::Reason::kRule);
  entries[2].cgroup_id = st.st_ino;
  std::strcpy(entries[2].cgroup_path, "sandbox/batch");
  std::strcpy(entries[2].comm, "batch");
  h.step(0);

  shm::EventConsumer consumer(h.region());
  shm::KillEvent events[shm::kEventCapacity];
  std::size_t from_ranking = 0;
  std::size_t from_fallback = 0;
  std::size_t groups = 0;
  std::size_t newer = 0;                 // chosen over the ranking: started after its scan, larger
  std::size_t stale = 0;                 // from a stale ranking
  ::testing::internal::CaptureStderr();  // the log says which paths ran
  g_allocations = 0;
  std::uint64_t wakeups = 0;
  for (int round = 0; round < 25; ++round) {
    switch (round % 5) {
      case 0:  // fresh ranking: process victims; every other time hog_b is newer than it
        h.publish(entries, 2, 0, round % 10 == 5 ? hog_a.pid() : 0);
        break;
      case 1:  // fresh ranking: a group victim first
        h.publish(entries + 2, 1);
        break;
      case 2:  // stale ranking: its priorities with sizes read now; from before ABI 1.1: fallback
        h.publish(entries, 2, 60'000, round % 10 == 2 ? -1 : 0);
        break;
      case 3: {  // garbage in the slot: the reader rejects it, the fallback decides
        shm::RankingSlot& slot = h.region().slot(0);
        std::memset(&slot.entries[0], 0xA5, sizeof(shm::RankingEntry));
        shm::RankingSlot& other = h.region().slot(1);
        std::memset(&other.entries[0], 0x5A, sizeof(shm::RankingEntry));
        break;
      }
      default:  // no new ranking; the kill is never released: the timeout path
        break;
    }
    for (int i = 0; i < 400; ++i, ++wakeups) {
      // Calm, then a spike, then sustained 60 % stall; releases in even rounds but every fifth,
      // so a kill of round 5k-1 times out in round 5k.
      const std::uint64_t stall = i < 100 ? 0 : (i < 110 ? 5 : 60);
      h.set_pressure(h.some_us() + 10 * 1000 * stall / 100);
      // Timeout rounds: the victim's memory comes back but it does not exit. In rounds 10k+5
      // it lingers into the next round (the usage regrows after that); in rounds 10k it exits
      // at the round's end (its exit counts as its release).
      h.killer().release_all((round % 2 == 0 && round % 5 != 0 && i % 50 == 0) ||
                             (round % 10 == 0 && i == 390));
      if (round % 5 == 4 && i == 200) h.tree().write("cgroup2/sandbox/memory.current", "1048576\n");
      armed_step(h, 10);
    }
    if (round % 5 == 0) h.tree().write("cgroup2/sandbox/memory.current", "104857600\n");
    for (std::size_t i = 0, n = consumer.drain(events); i < n; ++i) {
      if (events[i].phase != static_cast<std::uint8_t>(shm::EventPhase::kKilled)) continue;
      const bool ranked =
          events[i].source == static_cast<std::uint8_t>(shm::VictimSource::kRanking);
      (ranked ? from_ranking : from_fallback) += 1;
      newer += round % 10 == 5 && !ranked && events[i].pid == hog_b.pid() ? 1u : 0u;
      stale += round % 10 == 7 && ranked ? 1u : 0u;
      groups += events[i].kind == static_cast<std::uint8_t>(shm::EntryKind::kCgroup) ? 1 : 0;
    }
  }
  const std::string log = ::testing::internal::GetCapturedStderr();
  report_first_allocation();
  EXPECT_EQ(g_allocations.load(), 0u);
  EXPECT_EQ(wakeups, 10'000u);
  // The run exercised what it claims: kills, fallbacks, restarts.
  EXPECT_GE(h.killer().count(), 10u);
  EXPECT_GE(from_ranking, 2u);
  EXPECT_GE(from_fallback, 2u);
  EXPECT_GE(groups, 1u);
  EXPECT_GE(newer, 1u);
  EXPECT_GE(stale, 1u);
  const auto count = [&](const char* what) {
    std::size_t n = 0;
    for (std::size_t at = log.find(what); at != std::string::npos; at = log.find(what, at + 1)) ++n;
    return n;
  };
  EXPECT_GE(count("still exiting but"), 2u) << log;  // lingering
  EXPECT_GE(count("exited at last"), 1u) << log;
  ASSERT_NE(h.supervisor(), nullptr);
  EXPECT_GE(h.supervisor()->restarts(), 5u);
}

}  // namespace
}  // namespace oomguard::core
