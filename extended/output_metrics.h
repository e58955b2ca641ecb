// extended/output_metrics: Prometheus text-format metrics (exposition format 0.0.4) for
// node_exporter's textfile collector, written atomically: the whole text goes into "<file>.tmp"
// in the same directory, then rename(2) replaces the file, so a reader sees the old or the new
// file, never a partial one (and the collector ignores the temp name: it does not end in .prom).
//
// Metric names (each with HELP and TYPE lines):
//   oomguard_extended_up                         gauge   1 while running; 0 in the file written
//                                                        at a clean exit
//   oomguard_kills_total{source,reason,dry_run}  counter kills seen (failed kills excluded);
//                                                        source ranking|fallback, reason rule|
//                                                        xattr|oom_score_adj|default|none,
//                                                        dry_run 0|1
//   oomguard_fallback_kills_total                counter kills whose victim came from core's
//                                                        fallback scan
//   oomguard_kill_failures_total                 counter kill attempts that failed (kill_errno)
//   oomguard_release_timeouts_total              counter kills whose memory was not released in
//                                                        core's release_timeout
//   oomguard_time_to_relief_seconds              histogram trigger -> memory released
//   oomguard_ranking_generation                  gauge   last published generation (0 = none)
//   oomguard_ranking_age_seconds                 gauge   age of the last published ranking
//                                                        (absent until the first one)
//   oomguard_scans_total, oomguard_scan_failures_total  counter
//   oomguard_scan_duration_seconds               histogram duration of scan + rank
//   oomguard_scan_last_duration_seconds          gauge   the last one
//   oomguard_scan_vanished_total                 counter processes/cgroups gone mid-scan
//   oomguard_events_dropped_total                counter kill events core dropped (ring full)
//   oomguard_jemalloc_allocated_bytes            gauge   jemalloc stats.allocated (absent in
//   oomguard_jemalloc_resident_bytes             gauge   builds without jemalloc)
//   oomguard_core_heartbeat_age_seconds          gauge   now - core's heartbeat in the region
//   oomguard_core_protection{protection}         gauge   0/1 per mlock|memory_min|sched_fifo|
//                                                        oom_score_adj|psi_triggers
//   oomguard_core_dry_run                        gauge   core runs with dry_run
//   oomguard_hook_runs_total{hook,result}        counter hook prekill|postkill, result ok|
//                                                        failed|timeout|spawn_error|skipped
//   oomguard_config_reloads_total{result}        counter SIGHUP reloads, result ok|error
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <tuple>
#include <vector>

#include "extended/jemalloc.h"
#include "shm/abi.h"

namespace oomguard::extended {

// Cumulative-on-render histogram with fixed upper bounds (ascending; +Inf is implicit).
class Histogram {
 public:
  explicit Histogram(std::vector<double> upper_bounds);
  void observe(double value);
  const std::vector<double>& upper_bounds() const { return bounds_; }
  // Per bucket (not cumulative); one more than upper_bounds() for +Inf.
  const std::vector<std::uint64_t>& bucket_counts() const { return counts_; }
  double sum() const { return sum_; }
  std::uint64_t count() const { return count_; }

 private:
  std::vector<double> bounds_;
  std::vector<std::uint64_t> counts_;
  double sum_ = 0;
  std::uint64_t count_ = 0;
};

// Values sampled when the file is rendered.
struct MetricsLive {
  std::uint64_t now_ns = 0;             // CLOCK_MONOTONIC
  std::uint64_t core_heartbeat_ns = 0;  // 0 = unknown (no region)
  std::uint32_t core_protections = 0;   // shm::ProtectionBit mask
  std::uint32_t core_flags = 0;         // shm::CoreFlag mask
  std::uint64_t events_dropped = 0;
  std::optional<AllocatorStats> allocator{};
  bool up = true;
};

class Metrics {
 public:
  Metrics();

  // A kill seen for the first time (either phase).
  void count_kill(const shm::KillEvent& event);
  // A completed kill: time to relief, or a release timeout.
  void observe_release(const shm::KillEvent& event);
  void set_published(std::uint64_t generation, std::uint64_t created_ns);
  void observe_scan(std::uint64_t duration_ns, std::uint64_t vanished, bool failed);
  void count_hook(std::string_view hook, std::string_view result);
  void count_config_reload(bool ok);

  std::string render(const MetricsLive& live) const;

  const Histogram& time_to_relief() const { return time_to_relief_; }

 private:
  std::string render_kills() const;
  std::string render_scans(const MetricsLive& live) const;
  std::string render_core(const MetricsLive& live) const;
  std::string render_misc() const;

  using KillLabels = std::tuple<std::string, std::string, int>;  // source, reason, dry_run
  std::map<KillLabels, std::uint64_t> kills_;
  std::map<std::pair<std::string, std::string>, std::uint64_t> hooks_;
  std::uint64_t fallback_kills_ = 0;
  std::uint64_t kill_failures_ = 0;
  std::uint64_t release_timeouts_ = 0;
  Histogram time_to_relief_;
  std::uint64_t generation_ = 0;
  std::uint64_t generation_created_ns_ = 0;
  std::uint64_t scans_ = 0;
  std::uint64_t scan_failures_ = 0;
  std::uint64_t scan_vanished_ = 0;
  double last_scan_seconds_ = 0;
  Histogram scan_duration_;
  std::uint64_t reloads_ok_ = 0;
  std::uint64_t reloads_error_ = 0;
};

// Writes text to "<path>.tmp" (creating the directory if missing) and renames it over path.
// 0 or -errno.
int write_file_atomically(const std::string& path, std::string_view text);

// Prometheus sample value: shortest round-trip decimal, "+Inf", "-Inf" or "NaN".
std::string prometheus_number(double value);

}  // namespace oomguard::extended
