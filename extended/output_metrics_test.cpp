#include "extended/output_metrics.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>
#include <cmath>
#include <cstdlib>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <thread>

namespace oomguard::extended {
namespace {

constexpr std::uint64_t kSec = 1'000'000'000;

struct Sample {
  std::string name;
  std::string labels;  // as written between the braces
  double value = 0;
};

struct Parsed {
  std::vector<Sample> samples;
  std::map<std::string, std::string> types;  // family -> type
  std::set<std::string> helps;
};

// The family a sample belongs to (histogram samples carry _bucket/_sum/_count).
std::string family_of(const std::string& name, const std::map<std::string, std::string>& types) {
  for (const char* suffix : {"_bucket", "_sum", "_count"}) {
    const std::string s(suffix);
    if (name.size() > s.size() && name.ends_with(s)) {
      const std::string base = name.substr(0, name.size() - s.size());
      if (types.count(base) != 0 && types.at(base) == "histogram") return base;
    }
  }
  return name;
}

// Parses the text format strictly enough for these tests; fails the test on a bad line and on a
// sample whose family had no HELP and TYPE before it.
Parsed parse(const std::string& text) {
  Parsed out;
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("# HELP ", 0) == 0) {
      out.helps.insert(line.substr(7, line.find(' ', 7) - 7));
      continue;
    }
    if (line.rfind("# TYPE ", 0) == 0) {
      const std::size_t sp = line.find(' ', 7);
      out.types[line.substr(7, sp - 7)] = line.substr(sp + 1);
      continue;
    }
    Sample s;
    const std::size_t brace = line.find('{');
    const std::size_t space = line.rfind(' ');
    EXPECT_NE(space, std::string::npos) << line;
    if (brace != std::string::npos && brace < space) {
      s.name = line.substr(0, brace);
      const std::size_t close = line.find('}', brace);
      s.labels = line.substr(brace + 1, close - brace - 1);
    } else {
      s.name = line.substr(0, space);
    }
    const std::string value = line.substr(space + 1);
    s.value = value == "+Inf" ? INFINITY : std::strtod(value.c_str(), nullptr);
    const std::string family = family_of(s.name, out.types);
    EXPECT_EQ(out.types.count(family), 1u) << "no TYPE before " << line;
    EXPECT_EQ(out.helps.count(family), 1u) << "no HELP before " << line;
    out.samples.push_back(s);
  }
  return out;
}

std::vector<Sample> find(const Parsed& p, const std::string& name) {
  std::vector<Sample> out;
  for (const Sample& s : p.samples) {
    if (s.name == name) out.push_back(s);
  }
  return out;
}

shm::KillEvent kill_event(shm::VictimSource source, std::uint16_t reason, std::uint32_t flags) {
  shm::KillEvent e{};
  e.kill_id = 1;
  e.source = static_cast<std::uint8_t>(source);
  e.reason = reason;
  e.flags = flags;
  e.trigger_ns = 10 * kSec;
  e.released_ns = 10 * kSec + 300'000'000;  // 0.3 s to relief
  return e;
}

void expect_monotonic_histogram(const Parsed& p, const std::string& name) {
  const std::vector<Sample> buckets = find(p, name + "_bucket");
  ASSERT_GE(buckets.size(), 2u) << name;
  double previous_le = -INFINITY;
  double previous_count = 0;
  for (const Sample& b : buckets) {
    ASSERT_EQ(b.labels.rfind("le=\"", 0), 0u) << b.labels;
    const std::string le = b.labels.substr(4, b.labels.size() - 5);
    const double bound = le == "+Inf" ? INFINITY : std::strtod(le.c_str(), nullptr);
    EXPECT_GT(bound, previous_le) << name << " bounds ascend";
    EXPECT_GE(b.value, previous_count) << name << " buckets are cumulative";
    previous_le = bound;
    previous_count = b.value;
  }
  EXPECT_EQ(previous_le, INFINITY) << name << " ends with +Inf";
  const std::vector<Sample> count = find(p, name + "_count");
  ASSERT_EQ(count.size(), 1u);
  EXPECT_EQ(count[0].value, previous_count) << name << " +Inf bucket == _count";
  EXPECT_EQ(find(p, name + "_sum").size(), 1u);
}

TEST(Metrics, RendersEveryFamilyWithLabelsAndHistograms) {
  Metrics m;
  m.count_kill(kill_event(shm::VictimSource::kRanking, 1, 0));
  m.count_kill(kill_event(shm::VictimSource::kRanking, 1, 0));
  m.count_kill(kill_event(shm::VictimSource::kFallback, 0, shm::kEventDryRun));
  m.count_kill(kill_event(shm::VictimSource::kRanking, 3, shm::kEventKillFailed));
  m.observe_release(kill_event(shm::VictimSource::kRanking, 1, 0));
  m.observe_release(kill_event(shm::VictimSource::kRanking, 1, shm::kEventReleaseTimedOut));
  m.set_published(42, 100 * kSec);
  m.observe_scan(20'000'000, 3, false);
  m.observe_scan(7'000'000, 0, true);
  m.count_hook("postkill", "timeout");
  m.count_config_reload(false);
  const MetricsLive live{
      .now_ns = 102 * kSec,
      .core_heartbeat_ns = 101 * kSec + 500'000'000,
      .core_protections = shm::kProtMlock | shm::kProtSchedFifo,
      .core_flags = 0,
      .events_dropped = 5,
      .allocator = AllocatorStats{.allocated_bytes = 1000, .resident_bytes = 4096},
      .up = true};
  const Parsed p = parse(m.render(live));

  const std::map<std::string, std::string> expected_types = {
      {"oomguard_extended_up", "gauge"},
      {"oomguard_kills_total", "counter"},
      {"oomguard_fallback_kills_total", "counter"},
      {"oomguard_kill_failures_total", "counter"},
      {"oomguard_release_timeouts_total", "counter"},
      {"oomguard_time_to_relief_seconds", "histogram"},
      {"oomguard_ranking_generation", "gauge"},
      {"oomguard_ranking_age_seconds", "gauge"},
      {"oomguard_scans_total", "counter"},
      {"oomguard_scan_failures_total", "counter"},
      {"oomguard_scan_duration_seconds", "histogram"},
      {"oomguard_scan_last_duration_seconds", "gauge"},
      {"oomguard_scan_vanished_total", "counter"},
      {"oomguard_events_dropped_total", "counter"},
      {"oomguard_jemalloc_allocated_bytes", "gauge"},
      {"oomguard_jemalloc_resident_bytes", "gauge"},
      {"oomguard_core_heartbeat_age_seconds", "gauge"},
      {"oomguard_core_protection", "gauge"},
      {"oomguard_core_dry_run", "gauge"},
      {"oomguard_hook_runs_total", "counter"},
      {"oomguard_config_reloads_total", "counter"},
  };
  EXPECT_EQ(p.types, expected_types);

  std::map<std::string, double> kills;
  for (const Sample& s : find(p, "oomguard_kills_total")) kills[s.labels] = s.value;
  const std::map<std::string, double> expected_kills = {
      {R"(source="ranking",reason="rule",dry_run="0")", 2},
      {R"(source="fallback",reason="none",dry_run="1")", 1}};
  EXPECT_EQ(kills, expected_kills);
  EXPECT_EQ(find(p, "oomguard_fallback_kills_total")[0].value, 1);
  EXPECT_EQ(find(p, "oomguard_kill_failures_total")[0].value, 1);
  EXPECT_EQ(find(p, "oomguard_release_timeouts_total")[0].value, 1);
  EXPECT_EQ(find(p, "oomguard_ranking_generation")[0].value, 42);
  EXPECT_DOUBLE_EQ(find(p, "oomguard_ranking_age_seconds")[0].value, 2.0);
  EXPECT_DOUBLE_EQ(find(p, "oomguard_core_heartbeat_age_seconds")[0].value, 0.5);
  EXPECT_EQ(find(p, "oomguard_events_dropped_total")[0].value, 5);
  EXPECT_EQ(find(p, "oomguard_scan_vanished_total")[0].value, 3);
  EXPECT_EQ(find(p, "oomguard_scan_failures_total")[0].value, 1);
  EXPECT_DOUBLE_EQ(find(p, "oomguard_scan_last_duration_seconds")[0].value, 0.007);
  EXPECT_EQ(find(p, "oomguard_jemalloc_resident_bytes")[0].value, 4096);
  EXPECT_EQ(find(p, "oomguard_extended_up")[0].value, 1);

  std::map<std::string, double> protections;
  for (const Sample& s : find(p, "oomguard_core_protection")) protections[s.labels] = s.value;
  EXPECT_EQ(protections, (std::map<std::string, double>{{R"(protection="mlock")", 1},
                                                        {R"(protection="memory_min")", 0},
                                                        {R"(protection="sched_fifo")", 1},
                                                        {R"(protection="oom_score_adj")", 0},
                                                        {R"(protection="psi_triggers")", 0}}));
  EXPECT_EQ(find(p, "oomguard_hook_runs_total")[0].labels, R"(hook="postkill",result="timeout")");

  expect_monotonic_histogram(p, "oomguard_time_to_relief_seconds");
  expect_monotonic_histogram(p, "oomguard_scan_duration_seconds");
  // 0.3 s lands in le="0.5" but not in le="0.25".
  for (const Sample& b : find(p, "oomguard_time_to_relief_seconds_bucket")) {
    if (b.labels == R"(le="0.25")") {
      EXPECT_EQ(b.value, 0);
    }
    if (b.labels == R"(le="0.5")") {
      EXPECT_EQ(b.value, 1);
    }
  }
  EXPECT_DOUBLE_EQ(find(p, "oomguard_time_to_relief_seconds_sum")[0].value, 0.3);
}

TEST(Metrics, AbsentValuesAreLeftOutNotFaked) {
  const Metrics m;
  MetricsLive live;
  live.now_ns = 5 * kSec;
  live.up = false;
  const Parsed p = parse(m.render(live));
  EXPECT_TRUE(find(p, "oomguard_ranking_age_seconds").empty());
  EXPECT_TRUE(find(p, "oomguard_core_heartbeat_age_seconds").empty());
  EXPECT_EQ(p.types.count("oomguard_jemalloc_allocated_bytes"), 0u);
  EXPECT_EQ(find(p, "oomguard_extended_up")[0].value, 0);
  EXPECT_EQ(find(p, "oomguard_ranking_generation")[0].value, 0);
}

TEST(Metrics, NumberFormat) {
  EXPECT_EQ(prometheus_number(0.05), "0.05");
  EXPECT_EQ(prometheus_number(60), "60");
  EXPECT_EQ(prometheus_number(INFINITY), "+Inf");
  EXPECT_EQ(prometheus_number(NAN), "NaN");
}

class MetricsFileTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/oomguard-metrics-XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
  }
  void TearDown() override { std::system(("rm -rf " + dir_).c_str()); }
  std::string dir_;
};

// Two different complete texts are written in turn while a reader keeps reading: every read sees
// one of them whole, never a mix or a prefix.
TEST_F(MetricsFileTest, ReplacementIsAtomic) {
  const std::string path = dir_ + "/sub/oomguard.prom";
  const std::string a = std::string(200'000, 'a') + "\n# end a\n";
  const std::string b = std::string(150'000, 'b') + "\n# end b\n";
  ASSERT_EQ(write_file_atomically(path, a), 0);
  std::atomic<bool> done{false};
  std::atomic<int> reads{0};
  std::atomic<int> bad{0};
  std::thread reader([&] {
    while (!done.load()) {
      std::ifstream in(path);
      std::stringstream text;
      text << in.rdbuf();
      if (text.str() != a && text.str() != b) bad.fetch_add(1);
      reads.fetch_add(1);
    }
  });
  for (int i = 0; i < 300; ++i) ASSERT_EQ(write_file_atomically(path, i % 2 ? a : b), 0);
  while (reads.load() < 50) std::this_thread::yield();
  done.store(true);
  reader.join();
  EXPECT_EQ(bad.load(), 0) << "of " << reads.load() << " reads";
  EXPECT_NE(access((path + ".tmp").c_str(), F_OK), 0) << "no temp file left behind";
}

TEST_F(MetricsFileTest, UnwritableDirectoryIsAnError) {
  const std::string blocker = dir_ + "/file";
  std::ofstream(blocker) << "x";
  EXPECT_EQ(write_file_atomically(blocker + "/oomguard.prom", "x"), -ENOTDIR);
}

}  // namespace
}  // namespace oomguard::extended
