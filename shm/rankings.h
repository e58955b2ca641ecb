// shm/rankings: extended publishes its victim ranking, core reads the newest complete one.
//
// Protocol (a seqcount latch over kRankingSlots slots; numbers refer to the comments in
// rankings.cpp). Generation g (1, 2, ...) is written into slot g % kRankingSlots:
//   writer  W1 slot.sequence = 2g-1 (relaxed), release fence
//           W2 payload: generation, created_ns, count|crc32c, last_pid, entries — relaxed
//              8-byte stores
//           W3 slot.sequence = 2g (release)
//           W4 head_generation = g (release)
//   reader  R1 g = head_generation (acquire; pairs with W4)
//           R2 s1 = slot.sequence (acquire; pairs with W3), must be 2g
//           R3 copy the slot with relaxed 8-byte loads into a private buffer
//           R4 acquire fence (pairs with W1's release fence)
//           R5 s2 = slot.sequence (relaxed), must equal s1 — else the writer lapped the reader
//           R6 validate the private copy (generation, count, CRC32C, every entry), then swap it in
// A reader never waits: a lapped copy is retried (at most max_retries times), a bad one refused,
// and either way the last good snapshot stays. A writer killed mid-write leaves its slot odd and
// head_generation on the previous complete generation, which lives in the other slot.
// Single writer: one extended at a time (a restarted one continues after head_generation).
// Writers and readers keep a pointer to their Region: it must outlive them and not be moved.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

#include "shm/abi.h"
#include "shm/region.h"

namespace oomguard::shm {

// A reader's private copy of one generation.
struct Snapshot {
  std::uint64_t generation;
  std::uint64_t created_ns;
  std::uint64_t last_pid;  // SnapshotHeader::last_pid: 0 = not known
  std::uint32_t count;
  RankingEntry entries[kRankingCapacity];
};

// The checksum stored in SnapshotHeader::crc32c: CRC32C over generation (8 bytes LE),
// created_ns (8), count (4, = entries.size()) and then the bytes of entries[0, count).
std::uint32_t snapshot_crc32c(std::uint64_t generation, std::uint64_t created_ns,
                              std::span<const RankingEntry> entries);

// What the reader checks of every entry: kind, kill_mode and reason are enum values,
// comm and cgroup_path hold a NUL, and a process entry has pid > 0. (Identity, protection and
// pid > 1 are core's policy checks on top.)
bool entry_well_formed(const RankingEntry& e);

class RankingWriter {  // extended
 public:
  // Continues after the region's head_generation (a restarted extended never reuses one).
  explicit RankingWriter(Region& region);

  // Publishes entries with created_ns (CLOCK_MONOTONIC) and last_pid (the newest pid when the
  // scan began, 0 = not known) and returns its generation; returns 0 and
  // writes nothing if entries.size() > kRankingCapacity, the region is not usable or the
  // generations are exhausted (a corrupted head_generation of UINT64_MAX). The entries are not
  // validated here: the reader does that.
  std::uint64_t publish(std::span<const RankingEntry> entries, std::uint64_t created_ns,
                        std::uint64_t last_pid = 0);

  std::uint64_t last_generation() const { return next_generation_ - 1; }

 private:
  Region* region_;
  std::uint64_t next_generation_;
};

// kNew: a newer valid snapshot is now last_good(). kUnchanged: head is last_good()'s generation.
// kNone: nothing published yet. kTorn: every attempt was lapped by the writer (retries
// exhausted). kInvalid: a stable slot failed validation (generation, count, CRC32C, entries),
// head went backwards, or the region is not usable. last_good() is kept on all but kNew.
enum class ReadStatus : std::uint8_t { kNew, kUnchanged, kNone, kTorn, kInvalid };

class RankingReader {  // core
 public:
  // Holds two Snapshot buffers (~192 KiB): allocate the reader at start-up (static or once).
  explicit RankingReader(const Region& region, std::uint32_t max_retries = 8);
  RankingReader(const RankingReader&) = delete;
  RankingReader& operator=(const RankingReader&) = delete;

  // Never allocates; at most 1 + max_retries copies of one slot.
  ReadStatus read();

  const Snapshot* last_good() const { return good_; }  // nullptr until a valid one was read
  std::uint64_t torn_count() const { return torn_count_; }
  std::uint64_t invalid_count() const { return invalid_count_; }
  std::uint64_t retry_count() const { return retry_count_; }  // lapped attempts, for tests

 private:
  enum class Attempt : std::uint8_t { kCopied, kLapped, kBad };
  Attempt copy_slot(std::uint64_t generation);
  ReadStatus invalid();

  const Region* region_;
  std::uint32_t max_retries_;
  Snapshot buffers_[2]{};
  Snapshot* good_ = nullptr;
  Snapshot* scratch_ = &buffers_[0];
  std::uint64_t torn_count_ = 0;
  std::uint64_t invalid_count_ = 0;
  std::uint64_t retry_count_ = 0;
};

}  // namespace oomguard::shm
