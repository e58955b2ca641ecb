#include "extended/growth.h"

#include <algorithm>
#include <limits>

namespace oomguard::extended {
namespace {

template <typename Map>
void forget_unseen(Map* map, std::uint64_t generation) {
  std::erase_if(*map, [&](const auto& kv) { return kv.second.seen_generation != generation; });
}

}  // namespace

void GrowthTracker::add(History* h, std::uint64_t time_ns, std::uint64_t bytes) const {
  auto& s = h->samples;
  if (!s.empty() && time_ns <= s.back().time_ns) return;  // same scan fed twice, or clock oddity
  // Thinning: if the newest two samples are closer than window/16, the newest is replaced.
  const std::uint64_t spacing = window_ns_ / 16;
  if (s.size() >= 2 && s.back().time_ns - s[s.size() - 2].time_ns < spacing) {
    s.back() = Sample{time_ns, bytes};
  } else {
    s.push_back(Sample{time_ns, bytes});
  }
  const std::uint64_t horizon = time_ns > window_ns_ ? time_ns - window_ns_ : 0;
  const auto first_kept =
      std::find_if(s.begin(), s.end(), [&](const Sample& x) { return x.time_ns >= horizon; });
  s.erase(s.begin(), first_kept);
}

void GrowthTracker::record(const ScanResult& scan) {
  ++generation_;
  for (const ProcessInfo& p : scan.processes) {
    History& h = processes_[ProcessKey{p.pid, p.start_time_ticks}];
    h.seen_generation = generation_;
    add(&h, scan.time_ns, p.rss_swap_bytes());
  }
  for (const CgroupInfo& c : scan.cgroups) {
    History& h = cgroups_[c.id];
    h.seen_generation = generation_;
    add(&h, scan.time_ns, c.size_bytes);
  }
  forget_unseen(&processes_, generation_);
  forget_unseen(&cgroups_, generation_);
}

std::int64_t GrowthTracker::rate(const History& h) const {
  const std::vector<Sample>& s = h.samples;
  if (s.size() < 2) return 0;
  const Sample& newest = s.back();
  const std::uint64_t span_ns = newest.time_ns - s.front().time_ns;
  if (span_ns == 0 || span_ns < window_ns_ / 10) return 0;
  // Baselines: every older sample at least window/32 before the newest (s.front() always is, as
  // span >= window/10). Slopes are bytes/s; lo and hi bound them.
  const std::uint64_t min_age_ns = window_ns_ / 32;
  double lo = std::numeric_limits<double>::infinity();
  double hi = -lo;
  for (std::size_t i = 0; i + 1 < s.size(); ++i) {
    const std::uint64_t age_ns = newest.time_ns - s[i].time_ns;
    if (age_ns < min_age_ns) break;  // the rest are younger still
    const double delta = static_cast<double>(newest.bytes) - static_cast<double>(s[i].bytes);
    const double slope = delta * 1e9 / static_cast<double>(age_ns);
    lo = std::min(lo, slope);
    hi = std::max(hi, slope);
  }
  // The slope nearest zero; 0 when they disagree in sign (no sustained growth or shrinking).
  if (lo > 0) return static_cast<std::int64_t>(lo);
  if (hi < 0) return static_cast<std::int64_t>(hi);
  return 0;
}

std::int64_t GrowthTracker::process_growth(pid_t pid, std::uint64_t start_time_ticks) const {
  auto it = processes_.find(ProcessKey{pid, start_time_ticks});
  return it == processes_.end() ? 0 : rate(it->second);
}

std::int64_t GrowthTracker::cgroup_growth(std::uint64_t cgroup_id) const {
  auto it = cgroups_.find(cgroup_id);
  return it == cgroups_.end() ? 0 : rate(it->second);
}

}  // namespace oomguard::extended
