// shm/events: kill/decision records from core to extended — a single-producer single-consumer
// ring in the style of the kernel perf ring / io_uring.
//
// Free-running 64-bit head (written by core only) and tail (written by extended only); record
// i lives at i & (kEventCapacity - 1). Pairings (numbers refer to events.cpp):
//   producer P1 tail (acquire; pairs with C3) — the consumer is done with records < tail
//            P2 record words (relaxed)
//            P3 head = head + 1 (release; pairs with C1)
//   consumer C1 head (acquire; pairs with P3) — records < head are complete
//            C2 copy records [tail, head) (relaxed word loads)
//            C3 tail = tail + n (release; pairs with P1)
// The producer never blocks and never trusts tail: a full ring, or a tail ahead of head or more
// than kEventCapacity behind it (a buggy or hostile consumer), drops the record and counts it.
// Producer and consumer keep a pointer to their Region: it must outlive them and not be moved.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

#include "shm/abi.h"
#include "shm/region.h"

namespace oomguard::shm {

class EventProducer {  // core
 public:
  // Continues from the region's head and dropped count.
  explicit EventProducer(Region& region);

  // Never blocks, never allocates. Returns false (and counts a drop) when the ring is full,
  // the tail is implausible, or the region is not usable.
  bool push(const KillEvent& event);
  std::uint64_t dropped() const { return dropped_; }

 private:
  Region* region_;
  std::uint64_t head_;
  std::uint64_t dropped_;
};

class EventConsumer {  // extended
 public:
  // Continues from the region's tail (a restarted extended does not see old records again).
  explicit EventConsumer(Region& region);

  // Copies up to out.size() records, oldest first, then publishes the new tail; returns how many.
  // A head more than kEventCapacity ahead of the tail (or behind it) cannot come from core: the
  // consumer then skips to head, counts a resync and returns 0.
  std::size_t drain(std::span<KillEvent> out);
  std::uint64_t dropped() const;  // the producer's count (acquire)
  std::uint64_t resync_count() const { return resync_count_; }

 private:
  Region* region_;
  std::uint64_t tail_;
  std::uint64_t resync_count_ = 0;
};

}  // namespace oomguard::shm
