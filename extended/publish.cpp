#include "extended/publish.h"

#include <algorithm>
#include <cstring>

namespace oomguard::extended {
namespace {

// Copies text into a NUL-terminated field, cutting it if needed. False if it was cut.
template <std::size_t N>
bool copy_field(const std::string& text, char (&field)[N]) {
  const std::size_t n = std::min(text.size(), N - 1);
  std::memcpy(field, text.data(), n);
  std::memset(field + n, 0, N - n);
  return n == text.size();
}

}  // namespace

bool to_ranking_entry(const RankedEntry& entry, shm::RankingEntry* out) {
  *out = shm::RankingEntry{};
  out->kind = static_cast<std::uint8_t>(entry.kind);
  out->kill_mode = static_cast<std::uint8_t>(entry.kill_mode);
  out->reason = static_cast<std::uint16_t>(entry.reason);
  out->pid = entry.pid;
  out->start_time_ticks = entry.start_time_ticks;
  out->cgroup_id = entry.cgroup_id;
  out->priority = entry.priority;
  out->rule_index = entry.rule_index;
  out->badness = entry.badness;
  out->rss_swap_bytes = entry.rss_swap_bytes;
  out->growth_bytes_per_s = entry.growth_bytes_per_s;
  copy_field(entry.comm, out->comm);  // comm is informative (TASK_COMM_LEN anyway)
  return copy_field(entry.cgroup_path, out->cgroup_path);
}

Publisher::Published Publisher::publish(const Ranking& ranking, std::uint32_t top_k,
                                        std::uint64_t created_ns) {
  const std::size_t limit = std::min<std::size_t>(top_k, shm::kRankingCapacity);
  Published result;
  buffer_.clear();
  Generation remembered;
  for (const RankedEntry& entry : ranking.entries) {
    if (buffer_.size() == limit) break;
    shm::RankingEntry shm_entry;
    if (!to_ranking_entry(entry, &shm_entry)) {
      ++result.skipped;
      continue;
    }
    buffer_.push_back(shm_entry);
    remembered.entries.push_back(Identity{.kind = entry.kind,
                                          .pid = entry.pid,
                                          .start_time_ticks = entry.start_time_ticks,
                                          .cgroup_id = entry.cgroup_id,
                                          .rule_name = entry.rule_name});
  }
  result.generation = writer_.publish(buffer_, created_ns, ranking.scan_last_pid);
  if (result.generation == 0) return result;
  result.count = buffer_.size();
  remembered.generation = result.generation;
  history_.push_back(std::move(remembered));
  while (history_.size() > kHistory) history_.pop_front();
  return result;
}

std::string Publisher::rule_for(const shm::KillEvent& event) const {
  if (event.ranking_generation == 0) return "";
  for (const Generation& g : history_) {
    if (g.generation != event.ranking_generation) continue;
    for (const Identity& id : g.entries) {
      const bool same =
          static_cast<std::uint8_t>(id.kind) == event.kind &&
          (id.kind == shm::EntryKind::kCgroup
               ? id.cgroup_id == event.cgroup_id
               : id.pid == event.pid && id.start_time_ticks == event.start_time_ticks);
      if (same) return id.rule_name;
    }
  }
  return "";
}

}  // namespace oomguard::extended
