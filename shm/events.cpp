#include "shm/events.h"

#include <algorithm>
#include <atomic>

#include "shm/word_ops.h"

namespace oomguard::shm {
namespace {

static_assert(sizeof(KillEvent) % detail::kWordBytes == 0);
inline constexpr std::uint64_t kMask = kEventCapacity - 1;

std::byte* record_bytes(Region& region, std::uint64_t index) {
  return reinterpret_cast<std::byte*>(
      &region.event_record(static_cast<std::uint32_t>(index & kMask)));
}

}  // namespace

// ---- producer --------------------------------------------------------------------------------

EventProducer::EventProducer(Region& region)
    : region_(&region),
      // Relaxed: core is the only writer of head and dropped; a previous core would have created
      // its own region.
      head_(region.usable() ? region.event_control().head.load(std::memory_order_relaxed) : 0),
      dropped_(region.usable() ? region.event_control().dropped.load(std::memory_order_relaxed)
                               : 0) {}

bool EventProducer::push(const KillEvent& event) {
  if (!region_->usable()) {
    ++dropped_;
    return false;
  }
  EventControl& control = region_->event_control();
  // P1: acquire, pairs with the consumer's C3: its copies of records < tail happen before we
  // overwrite those slots below.
  const std::uint64_t tail = control.tail.load(std::memory_order_acquire);
  // In flight = head - tail, computed modulo 2^64: a tail ahead of head wraps to a huge value, so
  // "ahead", "too far behind" and "full" are all the one test below.
  if (head_ - tail >= kEventCapacity) {
    ++dropped_;
    // Release: a consumer that reads this count with acquire (EventConsumer::dropped) sees the
    // records pushed before it.
    control.dropped.store(dropped_, std::memory_order_release);
    return false;
  }
  // P2: the record, relaxed word stores (the consumer is not reading this slot: it is outside
  // [tail, head), and P1 ordered the consumer's last reads of it before these stores).
  detail::store_words(record_bytes(*region_, head_), reinterpret_cast<const std::byte*>(&event),
                      sizeof(KillEvent));
  // P3: release, pairs with the consumer's C1: a consumer that sees the new head sees the record.
  ++head_;
  control.head.store(head_, std::memory_order_release);
  return true;
}

// ---- consumer --------------------------------------------------------------------------------

EventConsumer::EventConsumer(Region& region)
    : region_(&region),
      // Acquire: pairs with a previous consumer's C3 (a restarted extended).
      tail_(region.usable() ? region.event_control().tail.load(std::memory_order_acquire) : 0) {}

std::uint64_t EventConsumer::dropped() const {
  if (!region_->usable()) return 0;
  return region_->event_control().dropped.load(std::memory_order_acquire);
}

std::size_t EventConsumer::drain(std::span<KillEvent> out) {
  if (!region_->usable()) return 0;
  EventControl& control = region_->event_control();
  // C1: acquire, pairs with P3: every record below head is completely written.
  const std::uint64_t head = control.head.load(std::memory_order_acquire);
  const std::uint64_t available = head - tail_;  // modulo 2^64, like the producer's test
  if (available > kEventCapacity) {
    // Not something core writes: skip what cannot be trusted and start again at head.
    ++resync_count_;
    tail_ = head;
    control.tail.store(tail_, std::memory_order_release);
    return 0;
  }
  const std::size_t n = static_cast<std::size_t>(std::min<std::uint64_t>(available, out.size()));
  // C2: relaxed word loads; the producer does not touch [tail, head) until C3 releases it.
  for (std::size_t i = 0; i < n; ++i) {
    detail::load_words(reinterpret_cast<std::byte*>(&out[i]), record_bytes(*region_, tail_ + i),
                       sizeof(KillEvent));
  }
  if (n == 0) return 0;
  // C3: release, pairs with the producer's P1: our loads above happen before it reuses the slots.
  tail_ += n;
  control.tail.store(tail_, std::memory_order_release);
  return n;
}

}  // namespace oomguard::shm
