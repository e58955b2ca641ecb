// extended/publish: puts the top K of a ranking into the shared region (shm::RankingWriter) and
// remembers what it published, so a kill event can be matched back to its ranking entry (the
// kill log's "rule"). History keeps the last kHistory generations: core uses the newest fresh
// one, so a kill names one of these unless extended restarted in between.
#pragma once

#include <sys/types.h>

#include <cstddef>
#include <cstdint>
#include <deque>
#include <string>
#include <vector>

#include "extended/model.h"
#include "shm/abi.h"
#include "shm/rankings.h"
#include "shm/region.h"

namespace oomguard::extended {

// Fills `out` from `entry`. False (out unspecified) when the entry cannot be represented: a
// cgroup path too long for the ABI (a truncated path would name another cgroup).
bool to_ranking_entry(const RankedEntry& entry, shm::RankingEntry* out);

class Publisher {
 public:
  static constexpr std::size_t kHistory = 16;

  explicit Publisher(shm::Region& region) : writer_(region) {}

  struct Published {
    std::uint64_t generation = 0;  // 0 = nothing written
    std::size_t count = 0;         // entries published
    std::size_t skipped = 0;       // entries among the top K that did not fit the ABI
  };
  // Publishes the first min(top_k, kRankingCapacity) representable entries with created_ns and
  // the ranking's scan_last_pid.
  Published publish(const Ranking& ranking, std::uint32_t top_k, std::uint64_t created_ns);

  // The rule name of the published entry the event's victim came from; "" when the generation
  // is unknown, no entry matches, or the entry had no rule.
  std::string rule_for(const shm::KillEvent& event) const;

  std::uint64_t last_generation() const { return writer_.last_generation(); }

 private:
  struct Identity {
    shm::EntryKind kind;
    pid_t pid;
    std::uint64_t start_time_ticks;
    std::uint64_t cgroup_id;
    std::string rule_name;
  };
  struct Generation {
    std::uint64_t generation;
    std::vector<Identity> entries;
  };
  shm::RankingWriter writer_;
  std::deque<Generation> history_;  // oldest first
  std::vector<shm::RankingEntry> buffer_;
};

}  // namespace oomguard::extended
