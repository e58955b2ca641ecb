#include "extended/daemon.h"

#include <gtest/gtest.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <mutex>
#include <sstream>
#include <thread>

#include "extended/daemon_time.h"
#include "shm/events.h"
#include "shm/heartbeat.h"
#include "shm/rankings.h"

namespace oomguard::extended {
namespace {

using std::chrono::milliseconds;

std::string read_text(const std::string& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

// Returns the ranking it is told to, after an optional delay; records what it saw.
class FakeRanker : public Ranker {
 public:
  explicit FakeRanker(milliseconds delay) : delay_(delay) {}
  Result<RankOutcome> scan_and_rank(const config::Config& config) override {
    calls_.fetch_add(1);
    last_top_k_.store(config.extended.top_k);
    std::this_thread::sleep_for(delay_);
    RankOutcome out;
    for (int i = 0; i < 10; ++i) {
      RankedEntry e;
      e.pid = 1000 + i;
      e.start_time_ticks = 5;
      e.cgroup_path = "test.slice";
      e.comm = "victim";
      e.rule_name = i == 0 ? "first-rule" : "";
      out.ranking.entries.push_back(e);
    }
    out.ranking.scan_time_ns = monotonic_ns();
    out.scan.vanished_processes = 2;
    return out;
  }
  int calls() const { return calls_.load(); }
  std::uint32_t last_top_k() const { return last_top_k_.load(); }

 private:
  milliseconds delay_;
  std::atomic<int> calls_{0};
  std::atomic<std::uint32_t> last_top_k_{0};
};

class DaemonTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/oomguard-daemon-XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
    config_path_ = dir_ + "/oomguard.toml";
    configs_ = std::make_unique<ConfigStore>(config_path_);
    write_config(4);
  }
  void TearDown() override {
    if (thread_.joinable()) {
      daemon_->request_stop();
      thread_.join();
    }
    std::system(("rm -rf " + dir_).c_str());
  }

  void write_config(std::uint32_t top_k, const std::string& extra = "") {
    std::ofstream(config_path_, std::ios::trunc)
        << "[extended]\nscan_interval_ms = 200\nscan_interval_pressure_ms = 100\ntop_k = " << top_k
        << "\n[output]\nkill_log = \"" << dir_ << "/log/kills.jsonl\"\n"
        << "metrics_file = \"" << dir_ << "/metrics/oomguard.prom\"\n"
        << "metrics_interval_ms = 1000\n"
        << "postkill_hook = [\"/bin/sh\", \"-c\", \"echo $OOMGUARD_KILL_ID >> " << dir_
        << "/postkill\"]\n"
        << extra;
  }

  // The fixture owns the ranker: the daemon (and its scan thread) runs until TearDown, after the
  // test body's locals are gone.
  void start(pid_t core_pid, milliseconds scan_delay) {
    ranker_ = std::make_unique<FakeRanker>(scan_delay);
    ASSERT_EQ(shm::Region::create(core_pid, monotonic_ns(), &region_), 0);
    ASSERT_TRUE(configs_->load().ok);
    daemon_ = std::make_unique<Daemon>(DaemonParams{.configs = configs_.get(),
                                                    .region = &region_,
                                                    .ranker = ranker_.get(),
                                                    .handle_signals = false,
                                                    .watch_core = true,
                                                    .join_cgroup = false,
                                                    .log = [this](std::string_view line) {
                                                      std::lock_guard lock(log_mutex_);
                                                      log_.emplace_back(line);
                                                    }});
  }
  void run() {
    thread_ = std::thread([this] { exit_status_ = daemon_->run(); });
  }
  bool logged(const std::string& needle) {
    std::lock_guard lock(log_mutex_);
    for (const std::string& line : log_) {
      if (line.find(needle) != std::string::npos) return true;
    }
    return false;
  }
  template <typename Pred>
  static bool eventually(Pred pred, milliseconds limit = milliseconds(5000)) {
    const auto end = std::chrono::steady_clock::now() + limit;
    while (std::chrono::steady_clock::now() < end) {
      if (pred()) return true;
      std::this_thread::sleep_for(milliseconds(10));
    }
    return pred();
  }

  std::string dir_;
  std::string config_path_;
  std::unique_ptr<ConfigStore> configs_;
  shm::Region region_;
  std::unique_ptr<FakeRanker> ranker_;
  std::unique_ptr<Daemon> daemon_;
  std::thread thread_;
  int exit_status_ = -1;
  std::mutex log_mutex_;
  std::vector<std::string> log_;
};

shm::KillEvent event(std::uint64_t kill_id, shm::EventPhase phase) {
  shm::KillEvent e{};
  e.kill_id = kill_id;
  e.phase = static_cast<std::uint8_t>(phase);
  e.source = static_cast<std::uint8_t>(shm::VictimSource::kRanking);
  e.kind = static_cast<std::uint8_t>(shm::EntryKind::kProcess);
  e.kill_mode = static_cast<std::uint8_t>(shm::KillMode::kProcess);
  e.reason = static_cast<std::uint16_t>(shm::Reason::kRule);
  e.pid = 4242;
  e.monitor_mask = 1;
  e.trigger_ns = 1'000'000'000;
  e.decision_ns = 1'001'000'000;
  e.signal_ns = 1'002'000'000;
  if (phase == shm::EventPhase::kReleased) e.released_ns = 1'400'000'000;  // 0.4 s to relief
  std::strcpy(e.comm, "hog");
  std::strcpy(e.cgroup_path, "test.slice");
  return e;
}

TEST_F(DaemonTest, DrainsEventsIntoLogMetricsAndHooks) {
  start(getpid(), milliseconds(0));
  shm::EventProducer core(region_);
  ASSERT_TRUE(core.push(event(1, shm::EventPhase::kKilled)));
  ASSERT_TRUE(core.push(event(1, shm::EventPhase::kReleased)));
  // Fill the ring with first phases of other kills, then overflow it by 3.
  for (std::uint64_t id = 100; id < 100 + shm::kEventCapacity - 2; ++id) {
    ASSERT_TRUE(core.push(event(id, shm::EventPhase::kKilled)));
  }
  for (int i = 0; i < 3; ++i) EXPECT_FALSE(core.push(event(999, shm::EventPhase::kKilled)));
  run();

  const std::string log_path = dir_ + "/log/kills.jsonl";
  const std::string metrics_path = dir_ + "/metrics/oomguard.prom";
  ASSERT_TRUE(eventually([&] { return !read_text(log_path).empty(); }));
  const std::string first_line = read_text(log_path).substr(0, read_text(log_path).find('\n'));
  EXPECT_NE(first_line.find(R"("kill_id":1,"complete":true,"phase":"released")"), std::string::npos)
      << first_line;
  EXPECT_NE(first_line.find(R"("time_to_relief":400.000)"), std::string::npos) << first_line;
  ASSERT_TRUE(eventually([&] {
    return read_text(metrics_path).find("oomguard_events_dropped_total 3\n") != std::string::npos;
  })) << read_text(metrics_path);
  ASSERT_TRUE(eventually([&] { return read_text(dir_ + "/postkill") == "1\n"; }))
      << "postkill hook ran once, for kill 1";
  EXPECT_TRUE(logged("dropped 3 kill event(s)"));
  const std::string metrics = read_text(metrics_path);
  EXPECT_NE(metrics.find(R"(oomguard_kills_total{source="ranking",reason="rule",dry_run="0"} )" +
                         std::to_string(shm::kEventCapacity - 1)),
            std::string::npos)
      << metrics;
  EXPECT_NE(metrics.find("oomguard_time_to_relief_seconds_count 1\n"), std::string::npos);
  EXPECT_NE(metrics.find("oomguard_extended_up 1\n"), std::string::npos);

  daemon_->request_stop();
  thread_.join();
  EXPECT_EQ(exit_status_, 0);
  // The first phases whose second never came are written at exit, marked incomplete.
  const std::string log = read_text(log_path);
  std::size_t lines = 0;
  std::size_t incomplete = 0;
  for (std::size_t at = 0; (at = log.find('\n', at)) != std::string::npos; ++at) ++lines;
  for (std::size_t at = 0; (at = log.find(R"("complete":false)", at)) != std::string::npos; ++at) {
    ++incomplete;
  }
  EXPECT_EQ(lines, shm::kEventCapacity - 1);
  EXPECT_EQ(incomplete, shm::kEventCapacity - 2);
  EXPECT_NE(read_text(metrics_path).find("oomguard_extended_up 0\n"), std::string::npos);
  EXPECT_EQ(region_.event_control().tail.load(), shm::kEventCapacity) << "consumed";
}

TEST_F(DaemonTest, HeartbeatStaysFreshWhileAScanIsSlow) {
  start(getpid(), milliseconds(1500));
  FakeRanker& ranker = *ranker_;
  run();
  ASSERT_TRUE(eventually([&] { return shm::extended_heartbeat_ns(region_) != 0; }));
  // Watch the heartbeat through the whole first scan (1.5 s) and into the second, until the
  // first scan's ranking is published.
  shm::RankingReader reader(region_);
  std::uint64_t worst_age_ns = 0;
  const auto end = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  while (std::chrono::steady_clock::now() < end) {
    const std::uint64_t now = monotonic_ns();
    const std::uint64_t beat = shm::extended_heartbeat_ns(region_);
    worst_age_ns = std::max(worst_age_ns, now > beat ? now - beat : 0);
    reader.read();
    if (reader.last_good() != nullptr && ranker.calls() >= 2) break;
    std::this_thread::sleep_for(milliseconds(20));
  }
  ASSERT_NE(reader.last_good(), nullptr) << "the slow scan's ranking was published";
  EXPECT_EQ(reader.last_good()->count, 4u) << "top_k = 4";
  EXPECT_EQ(reader.last_good()->entries[0].pid, 1000);
  // Beats come every 250 ms whatever the scan does; the bound leaves room for a loaded
  // (sanitizer, parallel ctest) machine and is still far below the 1.5 s a scan blocks.
  EXPECT_LT(worst_age_ns, 700'000'000u);
}

TEST_F(DaemonTest, ReloadKeepsTheLastGoodConfigurationAndAppliesAGoodOne) {
  start(getpid(), milliseconds(0));
  FakeRanker& ranker = *ranker_;
  run();
  ASSERT_TRUE(eventually([&] { return ranker.calls() >= 1; }));
  EXPECT_EQ(ranker.last_top_k(), 4u);

  std::ofstream(config_path_, std::ios::trunc) << "[extended]\ntop_k = 0\n";  // out of range
  daemon_->request_reload();
  ASSERT_TRUE(eventually([&] { return logged("reload failed"); }));
  EXPECT_TRUE(logged(config_path_ + ":2:")) << "each error with file:line";
  const int calls = ranker.calls();
  ASSERT_TRUE(eventually([&] { return ranker.calls() >= calls + 2; }));
  EXPECT_EQ(ranker.last_top_k(), 4u) << "still the last good configuration";

  write_config(7);
  daemon_->request_reload();
  ASSERT_TRUE(eventually([&] { return ranker.last_top_k() == 7u; }));
  EXPECT_TRUE(logged("configuration reloaded"));
  shm::RankingReader reader(region_);
  ASSERT_TRUE(eventually([&] {
    reader.read();
    return reader.last_good() != nullptr && reader.last_good()->count == 7u;
  }));
  ASSERT_TRUE(eventually([&] {
    return read_text(dir_ + "/metrics/oomguard.prom")
               .find(R"(oomguard_config_reloads_total{result="error"} 1)") != std::string::npos;
  }));
}

TEST_F(DaemonTest, ExitsByItselfWhenCoreIsGone) {
  pid_t core = 0;
  char arg0[] = "sleep";
  char arg1[] = "30";
  char* argv[] = {arg0, arg1, nullptr};
  ASSERT_EQ(posix_spawnp(&core, "sleep", nullptr, nullptr, argv, environ), 0);
  start(core, milliseconds(0));
  run();
  ASSERT_TRUE(eventually([&] { return shm::extended_heartbeat_ns(region_) != 0; }));
  ASSERT_EQ(kill(core, SIGKILL), 0);
  ASSERT_EQ(waitpid(core, nullptr, 0), core);
  const auto killed = std::chrono::steady_clock::now();
  thread_.join();  // returns on its own
  EXPECT_LT(std::chrono::steady_clock::now() - killed, milliseconds(2000));
  EXPECT_EQ(exit_status_, 0);
  EXPECT_TRUE(logged("is gone: exiting"));
}

// The scan thread samples <proc_root>/pressure/memory once per scan and scans every
// scan_interval_pressure_ms while it rises (avg10 above avg60), scan_interval_ms otherwise.
TEST_F(DaemonTest, ScansFasterWhilePressureRises) {
  const std::string proc = dir_ + "/proc";
  std::system(("mkdir -p " + proc + "/pressure").c_str());
  const std::string psi = proc + "/pressure/memory";
  std::ofstream(psi) << "some avg10=0.00 avg60=0.00 avg300=0.00 total=0\n"
                     << "full avg10=0.00 avg60=0.00 avg300=0.00 total=0\n";
  std::ofstream(config_path_, std::ios::trunc)
      << "[core]\nproc_root = \"" << proc << "\"\n"
      << "[extended]\nscan_interval_ms = 1000\nscan_interval_pressure_ms = 100\n"
      << "[output]\nkill_log = \"\"\n";
  start(getpid(), milliseconds(0));
  FakeRanker& ranker = *ranker_;
  run();
  std::this_thread::sleep_for(milliseconds(700));
  const int calm = ranker.calls();
  EXPECT_EQ(calm, 1) << "calm: one scan at start, the next after 1000 ms";

  std::ofstream(psi, std::ios::trunc) << "some avg10=8.00 avg60=2.00 avg300=0.50 total=900\n"
                                      << "full avg10=1.00 avg60=0.20 avg300=0.00 total=100\n";
  // The calm wait ends at ~1000 ms; from then on scans come every 100 ms (~12 in 1.5 s).
  std::this_thread::sleep_for(milliseconds(1500));
  EXPECT_GE(ranker.calls() - calm, 4) << "rising: every 100 ms after the first sample";
}

}  // namespace
}  // namespace oomguard::extended
