#include "extended/output_metrics.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cmath>
#include <utility>

#include "extended/output_killlog.h"

namespace oomguard::extended {
namespace {

const std::vector<double> kReliefBuckets = {0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60};
const std::vector<double> kScanBuckets = {0.001, 0.0025, 0.005, 0.01, 0.025, 0.05,
                                          0.1,   0.25,   0.5,   1,    2.5,   5};

struct ProtectionName {
  std::uint32_t bit;
  const char* name;
};
constexpr ProtectionName kProtections[] = {
    {shm::kProtMlock, "mlock"},
    {shm::kProtMemoryMin, "memory_min"},
    {shm::kProtSchedFifo, "sched_fifo"},
    {shm::kProtOomScoreAdj, "oom_score_adj"},
    {shm::kProtPsiTriggers, "psi_triggers"},
};

double seconds_between(std::uint64_t from_ns, std::uint64_t to_ns) {
  return to_ns > from_ns ? static_cast<double>(to_ns - from_ns) / 1e9 : 0.0;
}

// Label values here are fixed words or numbers; escape anyway as the format requires.
std::string label_value(std::string_view value) {
  std::string out;
  for (const char c : value) {
    if (c == '\\' || c == '"') out += '\\';
    if (c == '\n') {
      out += "\\n";
      continue;
    }
    out += c;
  }
  return out;
}

class Text {
 public:
  void family(std::string_view name, std::string_view type, std::string_view help) {
    out_.append("# HELP ").append(name).append(" ").append(help).append("\n");
    out_.append("# TYPE ").append(name).append(" ").append(type).append("\n");
  }
  void sample(std::string_view name, std::string_view labels, double value) {
    out_.append(name);
    if (!labels.empty()) out_.append("{").append(labels).append("}");
    out_.append(" ").append(prometheus_number(value)).append("\n");
  }
  void sample(std::string_view name, std::string_view labels, std::uint64_t value) {
    out_.append(name);
    if (!labels.empty()) out_.append("{").append(labels).append("}");
    out_.append(" ").append(std::to_string(value)).append("\n");
  }
  void histogram(std::string_view name, const Histogram& h) {
    std::uint64_t cumulative = 0;
    const auto& bounds = h.upper_bounds();
    for (std::size_t i = 0; i < bounds.size(); ++i) {
      cumulative += h.bucket_counts()[i];
      sample(std::string(name) + "_bucket", "le=\"" + prometheus_number(bounds[i]) + "\"",
             cumulative);
    }
    sample(std::string(name) + "_bucket", "le=\"+Inf\"", h.count());
    sample(std::string(name) + "_sum", "", h.sum());
    sample(std::string(name) + "_count", "", h.count());
  }
  std::string take() { return std::move(out_); }

 private:
  std::string out_;
};

}  // namespace

std::string prometheus_number(double value) {
  if (std::isnan(value)) return "NaN";
  if (std::isinf(value)) return value > 0 ? "+Inf" : "-Inf";
  char buf[64];
  const auto result = std::to_chars(buf, buf + sizeof buf, value);
  return {buf, result.ptr};
}

Histogram::Histogram(std::vector<double> upper_bounds)
    : bounds_(std::move(upper_bounds)), counts_(bounds_.size() + 1, 0) {}

void Histogram::observe(double value) {
  const auto it = std::lower_bound(bounds_.begin(), bounds_.end(), value);  // first bound >= v
  ++counts_[static_cast<std::size_t>(it - bounds_.begin())];
  sum_ += value;
  ++count_;
}

Metrics::Metrics() : time_to_relief_(kReliefBuckets), scan_duration_(kScanBuckets) {}

void Metrics::count_kill(const shm::KillEvent& event) {
  if ((event.flags & shm::kEventKillFailed) != 0) {
    ++kill_failures_;
    return;
  }
  const bool dry_run = (event.flags & shm::kEventDryRun) != 0;
  ++kills_[{std::string(event_source_name(event.source)),
            std::string(event_reason_name(event.reason)), dry_run ? 1 : 0}];
  if (event.source == static_cast<std::uint8_t>(shm::VictimSource::kFallback)) ++fallback_kills_;
}

void Metrics::observe_release(const shm::KillEvent& event) {
  if ((event.flags & shm::kEventKillFailed) != 0) return;
  if ((event.flags & shm::kEventReleaseTimedOut) != 0) {
    ++release_timeouts_;
    return;
  }
  if (event.trigger_ns == 0 || event.released_ns < event.trigger_ns) return;
  time_to_relief_.observe(seconds_between(event.trigger_ns, event.released_ns));
}

void Metrics::set_published(std::uint64_t generation, std::uint64_t created_ns) {
  generation_ = generation;
  generation_created_ns_ = created_ns;
}

void Metrics::observe_scan(std::uint64_t duration_ns, std::uint64_t vanished, bool failed) {
  ++scans_;
  if (failed) ++scan_failures_;
  scan_vanished_ += vanished;
  last_scan_seconds_ = static_cast<double>(duration_ns) / 1e9;
  scan_duration_.observe(last_scan_seconds_);
}

void Metrics::count_hook(std::string_view hook, std::string_view result) {
  ++hooks_[{std::string(hook), std::string(result)}];
}

void Metrics::count_config_reload(bool ok) { ++(ok ? reloads_ok_ : reloads_error_); }

std::string Metrics::render(const MetricsLive& live) const {
  Text t;
  t.family("oomguard_extended_up", "gauge", "1 while oomguard-extended runs.");
  t.sample("oomguard_extended_up", "", std::uint64_t{live.up ? 1u : 0u});
  return t.take() + render_kills() + render_scans(live) + render_core(live) + render_misc();
}

std::string Metrics::render_kills() const {
  Text t;
  t.family("oomguard_kills_total", "counter", "Kills by victim source, priority reason, dry run.");
  for (const auto& [labels, count] : kills_) {
    const auto& [source, reason, dry_run] = labels;
    t.sample("oomguard_kills_total",
             "source=\"" + label_value(source) + "\",reason=\"" + label_value(reason) +
                 "\",dry_run=\"" + std::to_string(dry_run) + "\"",
             count);
  }
  t.family("oomguard_fallback_kills_total", "counter", "Kills whose victim came from fallback.");
  t.sample("oomguard_fallback_kills_total", "", fallback_kills_);
  t.family("oomguard_kill_failures_total", "counter", "Kill attempts that failed.");
  t.sample("oomguard_kill_failures_total", "", kill_failures_);
  t.family("oomguard_release_timeouts_total", "counter",
           "Kills whose memory was not released within release_timeout.");
  t.sample("oomguard_release_timeouts_total", "", release_timeouts_);
  t.family("oomguard_time_to_relief_seconds", "histogram",
           "Time from trigger to the victim's memory being released.");
  t.histogram("oomguard_time_to_relief_seconds", time_to_relief_);
  return t.take();
}

std::string Metrics::render_scans(const MetricsLive& live) const {
  Text t;
  t.family("oomguard_ranking_generation", "gauge", "Last published ranking generation.");
  t.sample("oomguard_ranking_generation", "", generation_);
  t.family("oomguard_ranking_age_seconds", "gauge", "Age of the last published ranking.");
  if (generation_ != 0) {
    t.sample("oomguard_ranking_age_seconds", "",
             seconds_between(generation_created_ns_, live.now_ns));
  }
  t.family("oomguard_scans_total", "counter", "Scans (scan + rank) run.");
  t.sample("oomguard_scans_total", "", scans_);
  t.family("oomguard_scan_failures_total", "counter", "Scans that failed.");
  t.sample("oomguard_scan_failures_total", "", scan_failures_);
  t.family("oomguard_scan_duration_seconds", "histogram", "Duration of scan + rank.");
  t.histogram("oomguard_scan_duration_seconds", scan_duration_);
  t.family("oomguard_scan_last_duration_seconds", "gauge", "Duration of the last scan + rank.");
  t.sample("oomguard_scan_last_duration_seconds", "", last_scan_seconds_);
  t.family("oomguard_scan_vanished_total", "counter",
           "Processes and cgroups that vanished while scanned.");
  t.sample("oomguard_scan_vanished_total", "", scan_vanished_);
  t.family("oomguard_events_dropped_total", "counter",
           "Kill events core dropped because the ring was full.");
  t.sample("oomguard_events_dropped_total", "", live.events_dropped);
  return t.take();
}

std::string Metrics::render_core(const MetricsLive& live) const {
  Text t;
  if (live.allocator) {
    t.family("oomguard_jemalloc_allocated_bytes", "gauge", "jemalloc stats.allocated.");
    t.sample("oomguard_jemalloc_allocated_bytes", "", live.allocator->allocated_bytes);
    t.family("oomguard_jemalloc_resident_bytes", "gauge", "jemalloc stats.resident.");
    t.sample("oomguard_jemalloc_resident_bytes", "", live.allocator->resident_bytes);
  }
  t.family("oomguard_core_heartbeat_age_seconds", "gauge", "Age of core's heartbeat.");
  if (live.core_heartbeat_ns != 0) {
    t.sample("oomguard_core_heartbeat_age_seconds", "",
             seconds_between(live.core_heartbeat_ns, live.now_ns));
  }
  t.family("oomguard_core_protection", "gauge", "Protections core achieved at start (0/1).");
  for (const auto& p : kProtections) {
    t.sample("oomguard_core_protection", std::string("protection=\"") + p.name + "\"",
             std::uint64_t{(live.core_protections & p.bit) != 0 ? 1u : 0u});
  }
  t.family("oomguard_core_dry_run", "gauge", "1 when core only pretends to kill.");
  t.sample("oomguard_core_dry_run", "",
           std::uint64_t{(live.core_flags & shm::kFlagDryRun) != 0 ? 1u : 0u});
  return t.take();
}

std::string Metrics::render_misc() const {
  Text t;
  t.family("oomguard_hook_runs_total", "counter", "Hook runs by hook and result.");
  for (const auto& [labels, count] : hooks_) {
    t.sample(
        "oomguard_hook_runs_total",
        "hook=\"" + label_value(labels.first) + "\",result=\"" + label_value(labels.second) + "\"",
        count);
  }
  t.family("oomguard_config_reloads_total", "counter", "Configuration reloads (SIGHUP).");
  t.sample("oomguard_config_reloads_total", "result=\"ok\"", reloads_ok_);
  t.sample("oomguard_config_reloads_total", "result=\"error\"", reloads_error_);
  return t.take();
}

int write_file_atomically(const std::string& path, std::string_view text) {
  if (const int rc = make_parent_dirs(path); rc != 0) return rc;
  const std::string tmp = path + ".tmp";
  const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return -errno;
  std::size_t done = 0;
  while (done < text.size()) {
    const ssize_t n = ::write(fd, text.data() + done, text.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      const int err = n < 0 ? errno : ENOSPC;
      ::close(fd);
      ::unlink(tmp.c_str());
      return -err;
    }
    done += static_cast<std::size_t>(n);
  }
  if (::close(fd) != 0) {
    const int err = errno;
    ::unlink(tmp.c_str());
    return -err;
  }
  // rename(2) replaces path atomically: readers open either the old or the new inode.
  if (::rename(tmp.c_str(), path.c_str()) != 0) {
    const int err = errno;
    ::unlink(tmp.c_str());
    return -err;
  }
  return 0;
}

}  // namespace oomguard::extended
