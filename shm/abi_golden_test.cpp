// The ABI golden test: every offset, size, alignment, constant and enum value of abi.h, written
// down per (abi_major, abi_minor). Changing any of them without bumping the ABI (and adding a
// table for the new version here) fails with "layout changed without an ABI bump".
#include <gtest/gtest.h>

#include <cstddef>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include "shm/abi.h"

namespace oomguard::shm {
namespace {

// A field: (offset, size). A constant or enum value: (value, size). A type: (alignof, sizeof).
struct Row {
  std::string_view name;
  std::uint64_t a;
  std::uint64_t b;
  bool operator==(const Row&) const = default;
};

struct GoldenTable {
  std::uint16_t major;
  std::uint16_t minor;
  std::vector<Row> rows;
};

// ---- the checked-in tables (never edit a released one; add a new one on a bump) --------------
const std::vector<GoldenTable>& golden_tables() {
  static const std::vector<GoldenTable> tables = {
      {1,
       0,
       {
           {"Header", 8, 256},
           {"Header.magic", 0, 4},
           {"Header.abi_major", 4, 2},
           {"Header.abi_minor", 6, 2},
           {"Header.header_bytes", 8, 4},
           {"Header.reserved0", 12, 4},
           {"Header.total_bytes", 16, 8},
           {"Header.rankings_offset", 24, 4},
           {"Header.ranking_slots", 28, 4},
           {"Header.ranking_slot_bytes", 32, 4},
           {"Header.ranking_capacity", 36, 4},
           {"Header.events_offset", 40, 4},
           {"Header.event_capacity", 44, 4},
           {"Header.event_bytes", 48, 4},
           {"Header.core_pid", 52, 4},
           {"Header.core_start_ns", 56, 8},
           {"Header.core_heartbeat_ns", 64, 8},
           {"Header.core_protections", 72, 4},
           {"Header.core_flags", 76, 4},
           {"Header.extended_pid", 80, 4},
           {"Header.reserved1", 84, 4},
           {"Header.extended_heartbeat_ns", 88, 8},
           {"Header.reserved", 96, 160},

           {"RankingEntry", 8, 384},
           {"RankingEntry.kind", 0, 1},
           {"RankingEntry.kill_mode", 1, 1},
           {"RankingEntry.reason", 2, 2},
           {"RankingEntry.pid", 4, 4},
           {"RankingEntry.start_time_ticks", 8, 8},
           {"RankingEntry.cgroup_id", 16, 8},
           {"RankingEntry.priority", 24, 4},
           {"RankingEntry.rule_index", 28, 4},
           {"RankingEntry.badness", 32, 8},
           {"RankingEntry.rss_swap_bytes", 40, 8},
           {"RankingEntry.growth_bytes_per_s", 48, 8},
           {"RankingEntry.comm", 56, 16},
           {"RankingEntry.cgroup_path", 72, 256},
           {"RankingEntry.reserved", 328, 56},

           {"RankingControl", 8, 64},
           {"RankingControl.head_generation", 0, 8},
           {"RankingControl.reserved", 8, 56},

           {"SnapshotHeader", 8, 64},
           {"SnapshotHeader.sequence", 0, 8},
           {"SnapshotHeader.generation", 8, 8},
           {"SnapshotHeader.created_ns", 16, 8},
           {"SnapshotHeader.count", 24, 4},
           {"SnapshotHeader.crc32c", 28, 4},
           {"SnapshotHeader.reserved", 32, 32},

           {"RankingSlot", 8, 98368},
           {"RankingSlot.header", 0, 64},
           {"RankingSlot.entries", 64, 98304},

           {"KillEvent", 8, 512},
           {"KillEvent.kill_id", 0, 8},
           {"KillEvent.phase", 8, 1},
           {"KillEvent.source", 9, 1},
           {"KillEvent.kind", 10, 1},
           {"KillEvent.kill_mode", 11, 1},
           {"KillEvent.trigger_index", 12, 2},
           {"KillEvent.reason", 14, 2},
           {"KillEvent.pid", 16, 4},
           {"KillEvent.monitor_mask", 20, 4},
           {"KillEvent.start_time_ticks", 24, 8},
           {"KillEvent.cgroup_id", 32, 8},
           {"KillEvent.ranking_generation", 40, 8},
           {"KillEvent.priority", 48, 4},
           {"KillEvent.flags", 52, 4},
           {"KillEvent.kill_errno", 56, 4},
           {"KillEvent.mrelease_errno", 60, 4},
           {"KillEvent.rss_swap_bytes", 64, 8},
           {"KillEvent.freed_bytes", 72, 8},
           {"KillEvent.stall_us", 80, 4},
           {"KillEvent.window_us", 84, 4},
           {"KillEvent.trigger_ns", 88, 8},
           {"KillEvent.decision_ns", 96, 8},
           {"KillEvent.signal_ns", 104, 8},
           {"KillEvent.mrelease_ns", 112, 8},
           {"KillEvent.released_ns", 120, 8},
           {"KillEvent.comm", 128, 16},
           {"KillEvent.cgroup_path", 144, 256},
           {"KillEvent.reserved", 400, 112},

           {"EventControl", 64, 192},
           {"EventControl.head", 0, 8},
           {"EventControl.tail", 64, 8},
           {"EventControl.dropped", 128, 8},
           {"EventControl.reserved", 136, 56},

           {"kHeaderBytes", 256, 8},
           {"kRankingsOffset", 256, 8},
           {"kSlotsOffset", 320, 8},
           {"kEventsOffset", 197056, 8},
           {"kEventRecordsOffset", 197248, 8},
           {"kRegionBytes", 328320, 8},
           {"kMagic", 0x474D4F4F, 4},
           {"kRankingSlots", 2, 4},
           {"kRankingCapacity", 256, 4},
           {"kEventCapacity", 256, 4},
           {"kCgroupPathBytes", 256, 8},
           {"kCommBytes", 16, 8},

           {"EntryKind::kProcess", 1, 1},
           {"EntryKind::kCgroup", 2, 1},
           {"KillMode::kProcess", 1, 1},
           {"KillMode::kGroup", 2, 1},
           {"Reason::kRule", 1, 2},
           {"Reason::kXattr", 2, 2},
           {"Reason::kOomScoreAdj", 3, 2},
           {"Reason::kDefault", 4, 2},
           {"EventPhase::kKilled", 1, 1},
           {"EventPhase::kReleased", 2, 1},
           {"VictimSource::kRanking", 1, 1},
           {"VictimSource::kFallback", 2, 1},
           {"kEventDryRun", 1, 4},
           {"kEventReleaseTimedOut", 2, 4},
           {"kEventKillFailed", 4, 4},
           {"kProtMlock", 1, 4},
           {"kProtMemoryMin", 2, 4},
           {"kProtSchedFifo", 4, 4},
           {"kProtOomScoreAdj", 8, 4},
           {"kProtPsiTriggers", 16, 4},
           {"kFlagDryRun", 1, 4},
           {"kFlagNoExtended", 2, 4},
       }},
  };
  return tables;
}

// ---- what the compiler says today ---------------------------------------------------------------
#define OOMG_TYPE(T) \
  Row { #T, alignof(T), sizeof(T) }
#define OOMG_FIELD(T, f) \
  Row { #T "." #f, offsetof(T, f), sizeof(T::f) }
#define OOMG_CONST(c) \
  Row { #c, static_cast < std::uint64_t>(c), sizeof(c) }

std::vector<Row> computed_layout() {
  return {
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
}

#undef OOMG_TYPE
#undef OOMG_FIELD
#undef OOMG_CONST

const GoldenTable* table_for(std::uint16_t major, std::uint16_t minor) {
  for (const GoldenTable& t : golden_tables()) {
    if (t.major == major && t.minor == minor) return &t;
  }
  return nullptr;
}

// Empty if equal, else one line per difference.
std::string diff(const std::vector<Row>& golden, const std::vector<Row>& now) {
  std::ostringstream out;
  const std::size_t n = std::max(golden.size(), now.size());
  for (std::size_t i = 0; i < n; ++i) {
    if (i < golden.size() && i < now.size() && golden[i] == now[i]) continue;
    out << "  row " << i << ": golden ";
    if (i < golden.size())
      out << golden[i].name << " (" << golden[i].a << ", " << golden[i].b << ")";
    out << " / now ";
    if (i < now.size()) out << now[i].name << " (" << now[i].a << ", " << now[i].b << ")";
    out << "\n";
  }
  return out.str();
}

TEST(AbiGolden, CurrentVersionHasATable) {
  ASSERT_NE(table_for(kAbiMajor, kAbiMinor), nullptr)
      << "no golden table for ABI " << kAbiMajor << "." << kAbiMinor
      << ": add one to shm/abi_golden_test.cpp (keep the old ones)";
}

TEST(AbiGolden, LayoutMatchesTheTableOfTheCurrentVersion) {
  const GoldenTable* golden = table_for(kAbiMajor, kAbiMinor);
  ASSERT_NE(golden, nullptr);
  const std::string d = diff(golden->rows, computed_layout());
  EXPECT_TRUE(d.empty()) << "layout changed without an ABI bump (ABI " << kAbiMajor << "."
                         << kAbiMinor << "):\n"
                         << d;
}

TEST(AbiGolden, DiffReportsAChangedRow) {
  // The comparison itself must be able to fail.
  std::vector<Row> changed = computed_layout();
  changed[1].a += 4;
  EXPECT_FALSE(diff(computed_layout(), changed).empty());
  std::vector<Row> shorter = computed_layout();
  shorter.pop_back();
  EXPECT_FALSE(diff(computed_layout(), shorter).empty());
}

}  // namespace
}  // namespace oomguard::shm
