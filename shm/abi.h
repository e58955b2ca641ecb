// The shared-memory ABI between oomguard-core and oomguard-extended (and oomguardctl, read-only).
//
// A long-term contract: one memfd region created and sealed by core, laid out as
//
//   Header | RankingControl | RankingSlot[ranking_slots] | EventControl | KillEvent[event_capacity]
//
// Rules: fixed-width little-endian integers only (every supported target is little-endian; a
// static_assert below refuses others); no pointers, no bool; enums have a fixed underlying type
// and are validated on read; every offset and size is asserted here and in the golden test
// (shm/abi_golden_test.cpp). Atomics are only 4/8-byte naturally aligned lock-free integers.
// Changing the layout requires an abi_major bump; adding meaning to reserved fields, an
// abi_minor bump. There is no inter-process locking: a writer that dies mid-write loses that
// write, it never corrupts what a reader accepts (sequence numbers + CRC32C, see rankings.h).
#pragma once

#include <atomic>
#include <bit>
#include <cstddef>
#include <cstdint>

namespace oomguard::shm {

static_assert(std::endian::native == std::endian::little, "the shm ABI is little-endian");
static_assert(std::atomic<std::uint64_t>::is_always_lock_free);
static_assert(std::atomic<std::uint32_t>::is_always_lock_free);
static_assert(std::atomic<std::int32_t>::is_always_lock_free);

inline constexpr std::uint32_t kMagic = 0x474D4F4F;  // "OOMG" in memory order
inline constexpr std::uint16_t kAbiMajor = 1;
inline constexpr std::uint16_t kAbiMinor = 1;

inline constexpr std::uint32_t kRankingSlots = 2;       // the seqcount latch
inline constexpr std::uint32_t kRankingCapacity = 256;  // entries per snapshot
inline constexpr std::uint32_t kEventCapacity = 256;    // power of two
inline constexpr std::size_t kCgroupPathBytes = 256;    // incl. NUL
inline constexpr std::size_t kCommBytes = 16;           // TASK_COMM_LEN, incl. NUL

// ---- header -------------------------------------------------------------------------------
// Written once by core before the region is shared, except the fields marked atomic.
struct Header {
  std::uint32_t magic;
  std::uint16_t abi_major;
  std::uint16_t abi_minor;
  std::uint32_t header_bytes;
  std::uint32_t reserved0;
  std::uint64_t total_bytes;
  std::uint32_t rankings_offset;  // of RankingControl
  std::uint32_t ranking_slots;
  std::uint32_t ranking_slot_bytes;
  std::uint32_t ranking_capacity;
  std::uint32_t events_offset;  // of EventControl
  std::uint32_t event_capacity;
  std::uint32_t event_bytes;
  std::int32_t core_pid;
  std::uint64_t core_start_ns;  // CLOCK_MONOTONIC
  // Written by core: its loop time (CLOCK_MONOTONIC ns), once per wakeup; for oomguardctl.
  std::atomic<std::uint64_t> core_heartbeat_ns;
  std::uint32_t core_protections;  // ProtectionBit mask of what start-up achieved
  std::uint32_t core_flags;        // CoreFlag mask
  // Written by core when it (re)starts extended; 0 while none runs.
  std::atomic<std::int32_t> extended_pid;
  std::uint32_t reserved1;
  // Written by extended once per loop (CLOCK_MONOTONIC ns); core treats an old one as stale.
  std::atomic<std::uint64_t> extended_heartbeat_ns;
  std::uint64_t reserved[20];
};

enum ProtectionBit : std::uint32_t {
  kProtMlock = 1u << 0,
  kProtMemoryMin = 1u << 1,
  kProtSchedFifo = 1u << 2,
  kProtOomScoreAdj = 1u << 3,
  kProtPsiTriggers = 1u << 4,  // sub-2 s PSI triggers armed (else polling)
};
enum CoreFlag : std::uint32_t {
  kFlagDryRun = 1u << 0,
  kFlagNoExtended = 1u << 1,
};

// ---- rankings (extended -> core) ------------------------------------------------------------
enum class EntryKind : std::uint8_t { kProcess = 1, kCgroup = 2 };
enum class KillMode : std::uint8_t { kProcess = 1, kGroup = 2 };
// How the entry's priority was decided.
enum class Reason : std::uint16_t {
  kRule = 1,         // rules[rule_index - 1]
  kXattr = 2,        // user.oomguard.priority on the cgroup
  kOomScoreAdj = 3,  // mapped from /proc/PID/oom_score_adj
  kDefault = 4,
};

struct RankingEntry {
  std::uint8_t kind;               // EntryKind
  std::uint8_t kill_mode;          // KillMode
  std::uint16_t reason;            // Reason
  std::int32_t pid;                // kProcess: the victim; kCgroup: 0
  std::uint64_t start_time_ticks;  // kProcess: /proc/PID/stat field 22
  std::uint64_t cgroup_id;         // inode of the cgroup2 directory (process: its own cgroup)
  std::int32_t priority;           // lower is killed first
  std::uint32_t rule_index;        // 1-based; 0 = no rule
  std::uint64_t badness;           // rank key within a priority (bytes, growth-adjusted)
  std::uint64_t rss_swap_bytes;
  std::int64_t growth_bytes_per_s;
  char comm[kCommBytes];               // NUL-terminated
  char cgroup_path[kCgroupPathBytes];  // NUL-terminated, relative to the cgroup2 root, no '/'
  std::uint64_t reserved[7];
};

struct RankingControl {
  // Newest completely written generation; 0 = nothing published yet. Release by the writer.
  std::atomic<std::uint64_t> head_generation;
  std::uint64_t reserved[7];
};

struct SnapshotHeader {
  // 2*g while slot holds complete generation g; 2*g-1 while g is being written.
  std::atomic<std::uint64_t> sequence;
  std::uint64_t generation;
  std::uint64_t created_ns;  // CLOCK_MONOTONIC, by extended
  std::uint32_t count;       // <= ranking_capacity
  std::uint32_t crc32c;      // over generation, created_ns, count and entries[0, count)
  // ABI 1.1: the newest pid the kernel had handed out when the scan began (/proc/loadavg);
  // pids after it are processes the ranking cannot know. 0 = not known (a 1.0 writer). Not
  // under crc32c (1.0 readers check it without this field); the sequence rules out tearing.
  std::uint64_t last_pid;
  std::uint64_t reserved[3];
};

struct RankingSlot {
  SnapshotHeader header;
  RankingEntry entries[kRankingCapacity];
};

// ---- events (core -> extended) --------------------------------------------------------------
enum class EventPhase : std::uint8_t {
  kKilled = 1,    // signal sent (and mrelease returned); released_ns not yet known
  kReleased = 2,  // the victim's memory is gone (or release_timeout passed: see flags)
};
enum class VictimSource : std::uint8_t { kRanking = 1, kFallback = 2 };
enum EventFlag : std::uint32_t {
  kEventDryRun = 1u << 0,
  kEventReleaseTimedOut = 1u << 1,
  kEventKillFailed = 1u << 2,  // kill_errno says why
};

struct KillEvent {
  std::uint64_t kill_id;   // 1-based; both phases of one kill share it
  std::uint8_t phase;      // EventPhase
  std::uint8_t source;     // VictimSource
  std::uint8_t kind;       // EntryKind
  std::uint8_t kill_mode;  // KillMode
  std::uint16_t trigger_index;
  std::uint16_t reason;  // Reason (ranking) or 0 (fallback)
  std::int32_t pid;
  std::uint32_t monitor_mask;  // monitors firing at the decision (bit i = monitors[i])
  std::uint64_t start_time_ticks;
  std::uint64_t cgroup_id;
  std::uint64_t ranking_generation;  // 0 = fallback
  std::int32_t priority;
  std::uint32_t flags;           // EventFlag
  std::int32_t kill_errno;       // 0 or errno of the failed kill
  std::int32_t mrelease_errno;   // 0, or errno of process_mrelease (ESRCH: already releasing)
  std::uint64_t rss_swap_bytes;  // victim size at the decision
  std::uint64_t freed_bytes;     // observed drop of usage between decision and release
  std::uint32_t stall_us;        // stall in the firing monitor's window at the decision
  std::uint32_t window_us;
  // CLOCK_MONOTONIC ns of each stage; 0 = not reached.
  std::uint64_t trigger_ns;
  std::uint64_t decision_ns;
  std::uint64_t signal_ns;
  std::uint64_t mrelease_ns;
  std::uint64_t released_ns;
  char comm[kCommBytes];
  char cgroup_path[kCgroupPathBytes];
  std::uint64_t reserved[14];
};

struct EventControl {
  // Producer (core) and consumer (extended) indices, free-running; slot = index % capacity.
  alignas(64) std::atomic<std::uint64_t> head;     // written by core only
  alignas(64) std::atomic<std::uint64_t> tail;     // written by extended only
  alignas(64) std::atomic<std::uint64_t> dropped;  // written by core only
  std::uint64_t reserved[7];
};

// ---- layout ----------------------------------------------------------------------------------
inline constexpr std::size_t kHeaderBytes = 256;
inline constexpr std::size_t kRankingsOffset = kHeaderBytes;
inline constexpr std::size_t kSlotsOffset = kRankingsOffset + sizeof(RankingControl);
inline constexpr std::size_t kEventsOffset = kSlotsOffset + kRankingSlots * sizeof(RankingSlot);
inline constexpr std::size_t kEventRecordsOffset = kEventsOffset + sizeof(EventControl);
inline constexpr std::size_t kRegionBytes =
    kEventRecordsOffset + kEventCapacity * sizeof(KillEvent);

static_assert(sizeof(Header) == kHeaderBytes);
static_assert(offsetof(Header, magic) == 0);
static_assert(offsetof(Header, abi_major) == 4);
static_assert(offsetof(Header, abi_minor) == 6);
static_assert(offsetof(Header, header_bytes) == 8);
static_assert(offsetof(Header, total_bytes) == 16);
static_assert(offsetof(Header, rankings_offset) == 24);
static_assert(offsetof(Header, ranking_slots) == 28);
static_assert(offsetof(Header, ranking_slot_bytes) == 32);
static_assert(offsetof(Header, ranking_capacity) == 36);
static_assert(offsetof(Header, events_offset) == 40);
static_assert(offsetof(Header, event_capacity) == 44);
static_assert(offsetof(Header, event_bytes) == 48);
static_assert(offsetof(Header, core_pid) == 52);
static_assert(offsetof(Header, core_start_ns) == 56);
static_assert(offsetof(Header, core_heartbeat_ns) == 64);
static_assert(offsetof(Header, core_protections) == 72);
static_assert(offsetof(Header, core_flags) == 76);
static_assert(offsetof(Header, extended_pid) == 80);
static_assert(offsetof(Header, extended_heartbeat_ns) == 88);

static_assert(sizeof(RankingEntry) == 384);
static_assert(offsetof(RankingEntry, kind) == 0);
static_assert(offsetof(RankingEntry, kill_mode) == 1);
static_assert(offsetof(RankingEntry, reason) == 2);
static_assert(offsetof(RankingEntry, pid) == 4);
static_assert(offsetof(RankingEntry, start_time_ticks) == 8);
static_assert(offsetof(RankingEntry, cgroup_id) == 16);
static_assert(offsetof(RankingEntry, priority) == 24);
static_assert(offsetof(RankingEntry, rule_index) == 28);
static_assert(offsetof(RankingEntry, badness) == 32);
static_assert(offsetof(RankingEntry, rss_swap_bytes) == 40);
static_assert(offsetof(RankingEntry, growth_bytes_per_s) == 48);
static_assert(offsetof(RankingEntry, comm) == 56);
static_assert(offsetof(RankingEntry, cgroup_path) == 72);

static_assert(sizeof(RankingControl) == 64);
static_assert(sizeof(SnapshotHeader) == 64);
static_assert(offsetof(SnapshotHeader, sequence) == 0);
static_assert(offsetof(SnapshotHeader, generation) == 8);
static_assert(offsetof(SnapshotHeader, created_ns) == 16);
static_assert(offsetof(SnapshotHeader, count) == 24);
static_assert(offsetof(SnapshotHeader, crc32c) == 28);
static_assert(offsetof(SnapshotHeader, last_pid) == 32);
static_assert(sizeof(RankingSlot) == 64 + kRankingCapacity * 384);

static_assert(sizeof(KillEvent) == 512);
static_assert(offsetof(KillEvent, kill_id) == 0);
static_assert(offsetof(KillEvent, phase) == 8);
static_assert(offsetof(KillEvent, source) == 9);
static_assert(offsetof(KillEvent, kind) == 10);
static_assert(offsetof(KillEvent, kill_mode) == 11);
static_assert(offsetof(KillEvent, trigger_index) == 12);
static_assert(offsetof(KillEvent, reason) == 14);
static_assert(offsetof(KillEvent, pid) == 16);
static_assert(offsetof(KillEvent, monitor_mask) == 20);
static_assert(offsetof(KillEvent, start_time_ticks) == 24);
static_assert(offsetof(KillEvent, cgroup_id) == 32);
static_assert(offsetof(KillEvent, ranking_generation) == 40);
static_assert(offsetof(KillEvent, priority) == 48);
static_assert(offsetof(KillEvent, flags) == 52);
static_assert(offsetof(KillEvent, kill_errno) == 56);
static_assert(offsetof(KillEvent, mrelease_errno) == 60);
static_assert(offsetof(KillEvent, rss_swap_bytes) == 64);
static_assert(offsetof(KillEvent, freed_bytes) == 72);
static_assert(offsetof(KillEvent, stall_us) == 80);
static_assert(offsetof(KillEvent, window_us) == 84);
static_assert(offsetof(KillEvent, trigger_ns) == 88);
static_assert(offsetof(KillEvent, decision_ns) == 96);
static_assert(offsetof(KillEvent, signal_ns) == 104);
static_assert(offsetof(KillEvent, mrelease_ns) == 112);
static_assert(offsetof(KillEvent, released_ns) == 120);
static_assert(offsetof(KillEvent, comm) == 128);
static_assert(offsetof(KillEvent, cgroup_path) == 144);

static_assert(sizeof(EventControl) == 192);
static_assert(offsetof(EventControl, head) == 0);
static_assert(offsetof(EventControl, tail) == 64);
static_assert(offsetof(EventControl, dropped) == 128);
static_assert((kEventCapacity & (kEventCapacity - 1)) == 0);

static_assert(kRankingsOffset == 256);
static_assert(kSlotsOffset == 320);
static_assert(kEventsOffset == 320 + 2 * 98368);
static_assert(kRegionBytes == kEventsOffset + 192 + 256 * 512);

}  // namespace oomguard::shm
