#include "extended/growth.h"

#include <algorithm>

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
  if (h.samples.size() < 2) return 0;
  const Sample& a = h.samples.front();
  const Sample& b = h.samples.back();
  const std::uint64_t span_ns = b.time_ns - a.time_ns;
  if (span_ns == 0 || span_ns < window_ns_ / 10) return 0;
  const double delta = static_cast<double>(b.bytes) - static_cast<double>(a.bytes);
  return static_cast<std::int64_t>(delta * 1e9 / static_cast<double>(span_ns));
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
