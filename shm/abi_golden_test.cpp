// The ABI golden test: every type size/alignment, field offset/size, constant and enum value of
// abi.h is compared with the rows for (kAbiMajor, kAbiMinor) in shm/abi_golden.txt. Any change
// without an ABI bump (and the new version's rows appended to the file) fails with
// "layout changed without an ABI bump".
#include <gtest/gtest.h>

#include <cstddef>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <utility>

#include "shm/abi.h"

namespace oomguard::shm {
namespace {

// A type: (alignof, sizeof). A field: (offset, size). A constant or enum value: (value, sizeof).
struct Row {
  const char* name;
  std::uint64_t a;
  std::uint64_t b;
};
using Table = std::map<std::string, std::pair<std::uint64_t, std::uint64_t>>;

#define OOMG_TYPE(T) \
  Row { #T, alignof(T), sizeof(T) }
#define OOMG_FIELD(T, f) \
  Row { #T "." #f, offsetof(T, f), sizeof(T::f) }
#define OOMG_CONST(c) \
  Row { #c, static_cast < std::uint64_t>(c), sizeof(c) }

// What the compiler says today.
const Row kComputed[] = {
    OOMG_TYPE(Header),
    OOMG_FIELD(Header, magic),
    OOMG_FIELD(Header, abi_major),
    OOMG_FIELD(Header, abi_minor),
    OOMG_FIELD(Header, header_bytes),
    OOMG_FIELD(Header, reserved0),
    OOMG_FIELD(Header, total_bytes),
    OOMG_FIELD(Header, rankings_offset),
    OOMG_FIELD(Header, ranking_slots),
    OOMG_FIELD(Header, ranking_slot_bytes),
    OOMG_FIELD(Header, ranking_capacity),
    OOMG_FIELD(Header, events_offset),
    OOMG_FIELD(Header, event_capacity),
    OOMG_FIELD(Header, event_bytes),
    OOMG_FIELD(Header, core_pid),
    OOMG_FIELD(Header, core_start_ns),
    OOMG_FIELD(Header, core_heartbeat_ns),
    OOMG_FIELD(Header, core_protections),
    OOMG_FIELD(Header, core_flags),
    OOMG_FIELD(Header, extended_pid),
    OOMG_FIELD(Header, reserved1),
    OOMG_FIELD(Header, extended_heartbeat_ns),
    OOMG_FIELD(Header, reserved),

    OOMG_TYPE(RankingEntry),
    OOMG_FIELD(RankingEntry, kind),
    OOMG_FIELD(RankingEntry, kill_mode),
    OOMG_FIELD(RankingEntry, reason),
    OOMG_FIELD(RankingEntry, pid),
    OOMG_FIELD(RankingEntry, start_time_ticks),
    OOMG_FIELD(RankingEntry, cgroup_id),
    OOMG_FIELD(RankingEntry, priority),
    OOMG_FIELD(RankingEntry, rule_index),
    OOMG_FIELD(RankingEntry, badness),
    OOMG_FIELD(RankingEntry, rss_swap_bytes),
    OOMG_FIELD(RankingEntry, growth_bytes_per_s),
    OOMG_FIELD(RankingEntry, comm),
    OOMG_FIELD(RankingEntry, cgroup_path),
    OOMG_FIELD(RankingEntry, reserved),

    OOMG_TYPE(RankingControl),
    OOMG_FIELD(RankingControl, head_generation),
    OOMG_FIELD(RankingControl, reserved),

    OOMG_TYPE(SnapshotHeader),
    OOMG_FIELD(SnapshotHeader, sequence),
    OOMG_FIELD(SnapshotHeader, generation),
    OOMG_FIELD(SnapshotHeader, created_ns),
    OOMG_FIELD(SnapshotHeader, count),
    OOMG_FIELD(SnapshotHeader, crc32c),
    OOMG_FIELD(SnapshotHeader, last_pid),
    OOMG_FIELD(SnapshotHeader, reserved),

    OOMG_TYPE(RankingSlot),
    OOMG_FIELD(RankingSlot, header),
    OOMG_FIELD(RankingSlot, entries),

    OOMG_TYPE(KillEvent),
    OOMG_FIELD(KillEvent, kill_id),
    OOMG_FIELD(KillEvent, phase),
    OOMG_FIELD(KillEvent, source),
    OOMG_FIELD(KillEvent, kind),
    OOMG_FIELD(KillEvent, kill_mode),
    OOMG_FIELD(KillEvent, trigger_index),
    OOMG_FIELD(KillEvent, reason),
    OOMG_FIELD(KillEvent, pid),
    OOMG_FIELD(KillEvent, monitor_mask),
    OOMG_FIELD(KillEvent, start_time_ticks),
    OOMG_FIELD(KillEvent, cgroup_id),
    OOMG_FIELD(KillEvent, ranking_generation),
    OOMG_FIELD(KillEvent, priority),
    OOMG_FIELD(KillEvent, flags),
    OOMG_FIELD(KillEvent, kill_errno),
    OOMG_FIELD(KillEvent, mrelease_errno),
    OOMG_FIELD(KillEvent, rss_swap_bytes),
    OOMG_FIELD(KillEvent, freed_bytes),
    OOMG_FIELD(KillEvent, stall_us),
    OOMG_FIELD(KillEvent, window_us),
    OOMG_FIELD(KillEvent, trigger_ns),
    OOMG_FIELD(KillEvent, decision_ns),
    OOMG_FIELD(KillEvent, signal_ns),
    OOMG_FIELD(KillEvent, mrelease_ns),
    OOMG_FIELD(KillEvent, released_ns),
    OOMG_FIELD(KillEvent, comm),
    OOMG_FIELD(KillEvent, cgroup_path),
    OOMG_FIELD(KillEvent, reserved),

    OOMG_TYPE(EventControl),
    OOMG_FIELD(EventControl, head),
    OOMG_FIELD(EventControl, tail),
    OOMG_FIELD(EventControl, dropped),
    OOMG_FIELD(EventControl, reserved),

    OOMG_CONST(kHeaderBytes),
    OOMG_CONST(kRankingsOffset),
    OOMG_CONST(kSlotsOffset),
    OOMG_CONST(kEventsOffset),
    OOMG_CONST(kEventRecordsOffset),
    OOMG_CONST(kRegionBytes),
    OOMG_CONST(kMagic),
    OOMG_CONST(kRankingSlots),
    OOMG_CONST(kRankingCapacity),
    OOMG_CONST(kEventCapacity),
    OOMG_CONST(kCgroupPathBytes),
    OOMG_CONST(kCommBytes),

    OOMG_CONST(EntryKind::kProcess),
    OOMG_CONST(EntryKind::kCgroup),
    OOMG_CONST(KillMode::kProcess),
    OOMG_CONST(KillMode::kGroup),
    OOMG_CONST(Reason::kRule),
    OOMG_CONST(Reason::kXattr),
    OOMG_CONST(Reason::kOomScoreAdj),
    OOMG_CONST(Reason::kDefault),
    OOMG_CONST(EventPhase::kKilled),
    OOMG_CONST(EventPhase::kReleased),
    OOMG_CONST(VictimSource::kRanking),
    OOMG_CONST(VictimSource::kFallback),
    OOMG_CONST(kEventDryRun),
    OOMG_CONST(kEventReleaseTimedOut),
    OOMG_CONST(kEventKillFailed),
    OOMG_CONST(kProtMlock),
    OOMG_CONST(kProtMemoryMin),
    OOMG_CONST(kProtSchedFifo),
    OOMG_CONST(kProtOomScoreAdj),
    OOMG_CONST(kProtPsiTriggers),
    OOMG_CONST(kFlagDryRun),
    OOMG_CONST(kFlagNoExtended),
};

#undef OOMG_TYPE
#undef OOMG_FIELD
#undef OOMG_CONST

std::string version_string(unsigned major, unsigned minor) {
  return std::to_string(major) + "." + std::to_string(minor);
}

// The rows of `version` in the golden file.
Table golden_rows(const std::string& version) {
  std::ifstream in(OOMGUARD_SHM_ABI_GOLDEN);
  EXPECT_TRUE(in.good()) << "cannot read " << OOMGUARD_SHM_ABI_GOLDEN;
  Table rows;
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#') continue;
    std::istringstream fields(line);
    std::string v, name;
    std::uint64_t a = 0, b = 0;
    EXPECT_TRUE(fields >> v >> name >> a >> b) << "bad golden line: " << line;
    if (v == version) {
      EXPECT_TRUE(rows.emplace(name, std::pair{a, b}).second) << "duplicate row " << name;
    }
  }
  return rows;
}

Table computed_rows() {
  Table rows;
  for (const Row& r : kComputed) rows.emplace(r.name, std::pair{r.a, r.b});
  return rows;
}

// Empty if equal, else one line per difference.
std::string diff(const Table& golden, const Table& now) {
  std::ostringstream out;
  for (const auto& [name, g] : golden) {
    const auto it = now.find(name);
    if (it == now.end()) {
      out << "  gone: " << name << "\n";
    } else if (it->second != g) {
      out << "  " << name << ": golden (" << g.first << ", " << g.second << "), now ("
          << it->second.first << ", " << it->second.second << ")\n";
    }
  }
  for (const auto& [name, n] : now) {
    if (golden.count(name) == 0)
      out << "  new: " << name << " (" << n.first << ", " << n.second << ")\n";
  }
  return out.str();
}

TEST(AbiGolden, LayoutMatchesTheGoldenRowsOfTheCurrentVersion) {
  const std::string version = version_string(kAbiMajor, kAbiMinor);
  const Table golden = golden_rows(version);
  const Table now = computed_rows();
  ASSERT_EQ(now.size(), std::size(kComputed)) << "duplicate names in kComputed";
  ASSERT_FALSE(golden.empty()) << "no rows for ABI " << version << " in "
                               << OOMGUARD_SHM_ABI_GOLDEN;
  const std::string d = diff(golden, now);
  if (d.empty()) return;
  std::ostringstream rows;
  for (const Row& r : kComputed)
    rows << version << " " << r.name << " " << r.a << " " << r.b << "\n";
  ADD_FAILURE() << "layout changed without an ABI bump (ABI " << version << "):\n"
                << d << "If intended: bump kAbiMajor (layout) or kAbiMinor (meaning) in abi.h and "
                << "append the new version's rows to shm/abi_golden.txt:\n"
                << rows.str();
}

TEST(AbiGolden, DiffSeesEveryKindOfChange) {
  // The comparison itself must be able to fail.
  const Table now = computed_rows();
  EXPECT_TRUE(diff(now, now).empty());
  Table changed = now;
  changed["Header.magic"].first += 4;
  EXPECT_NE(diff(changed, now).find("Header.magic"), std::string::npos);
  Table fewer = now;
  fewer.erase("KillEvent.reserved");
  EXPECT_NE(diff(fewer, now).find("new: KillEvent.reserved"), std::string::npos);
  Table more = now;
  more["KillEvent.gone_field"] = {1, 2};
  EXPECT_NE(diff(more, now).find("gone: KillEvent.gone_field"), std::string::npos);
}

}  // namespace
}  // namespace oomguard::shm
