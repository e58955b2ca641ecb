#include "shm/rankings.h"

#include <algorithm>
#include <atomic>
#include <cstring>

#include "shm/crc32c.h"
#include "shm/word_ops.h"

namespace oomguard::shm {
namespace {

using detail::load_word;
using detail::load_words;
using detail::store_word;
using detail::store_words;
using detail::thread_fence;

static_assert(sizeof(RankingEntry) % detail::kWordBytes == 0);
static_assert(offsetof(RankingSlot, entries) == sizeof(SnapshotHeader));
// count and crc32c travel as one word (count in the low half: little-endian).
static_assert(offsetof(SnapshotHeader, crc32c) == offsetof(SnapshotHeader, count) + 4);
static_assert(offsetof(SnapshotHeader, count) % detail::kWordBytes == 0);

template <std::size_t N>
bool has_nul(const char (&s)[N]) {
  return std::memchr(s, '\0', N) != nullptr;
}

const std::byte* slot_bytes(const Region& region, std::uint64_t generation) {
  return reinterpret_cast<const std::byte*>(
      &region.slot(static_cast<std::uint32_t>(generation % kRankingSlots)));
}

}  // namespace

std::uint32_t snapshot_crc32c(std::uint64_t generation, std::uint64_t created_ns,
                              std::span<const RankingEntry> entries) {
  std::byte prefix[20];
  const auto count = static_cast<std::uint32_t>(entries.size());
  std::memcpy(prefix, &generation, 8);
  std::memcpy(prefix + 8, &created_ns, 8);
  std::memcpy(prefix + 16, &count, 4);
  return crc32c(std::as_bytes(entries), crc32c(prefix));
}

bool entry_well_formed(const RankingEntry& e) {
  const bool kind_ok = e.kind == static_cast<std::uint8_t>(EntryKind::kProcess) ||
                       e.kind == static_cast<std::uint8_t>(EntryKind::kCgroup);
  const bool mode_ok = e.kill_mode == static_cast<std::uint8_t>(KillMode::kProcess) ||
                       e.kill_mode == static_cast<std::uint8_t>(KillMode::kGroup);
  const bool reason_ok = e.reason >= static_cast<std::uint16_t>(Reason::kRule) &&
                         e.reason <= static_cast<std::uint16_t>(Reason::kDefault);
  const bool pid_ok = e.kind != static_cast<std::uint8_t>(EntryKind::kProcess) || e.pid > 0;
  return kind_ok && mode_ok && reason_ok && pid_ok && has_nul(e.comm) && has_nul(e.cgroup_path);
}

// ---- writer ----------------------------------------------------------------------------------

RankingWriter::RankingWriter(Region& region)
    : region_(&region),
      // Acquire: pairs with the W4 of a previous writer (a restarted extended), so its slots'
      // contents are ordered before ours. Only one writer runs at a time.
      next_generation_(
          region.usable()
              ? region.ranking_control().head_generation.load(std::memory_order_acquire) + 1
              : 1) {}

std::uint64_t RankingWriter::publish(std::span<const RankingEntry> entries,
                                     std::uint64_t created_ns, std::uint64_t last_pid) {
  // next_generation_ == 0: head_generation was UINT64_MAX (only a corrupted region gets there).
  if (!region_->usable() || entries.size() > kRankingCapacity || next_generation_ == 0) return 0;
  const std::uint64_t g = next_generation_++;
  const auto count = static_cast<std::uint32_t>(entries.size());
  const std::uint32_t crc = snapshot_crc32c(g, created_ns, entries);
  RankingSlot& slot = region_->slot(static_cast<std::uint32_t>(g % kRankingSlots));
  auto* base = reinterpret_cast<std::byte*>(&slot);

  // W1: mark the slot as being written. The release fence orders this store before every
  // payload store of W2; it pairs with the reader's acquire fence R4: a reader whose R3 loaded
  // any word stored by W2 then sees sequence >= 2g-1 at R5 and drops its copy.
  slot.header.sequence.store(2 * g - 1, std::memory_order_relaxed);
  thread_fence(std::memory_order_release);

  // W2: the payload, relaxed word stores (never memcpy: readers load it concurrently).
  store_word(base + offsetof(SnapshotHeader, generation), g);
  store_word(base + offsetof(SnapshotHeader, created_ns), created_ns);
  store_word(base + offsetof(SnapshotHeader, count), (std::uint64_t{crc} << 32) | count);
  store_word(base + offsetof(SnapshotHeader, last_pid), last_pid);
  store_words(base + offsetof(RankingSlot, entries),
              reinterpret_cast<const std::byte*>(entries.data()), entries.size_bytes());

  // W3: the slot is complete. Release: pairs with the reader's acquire load R2; a reader that
  // sees 2g sees all of W2.
  slot.header.sequence.store(2 * g, std::memory_order_release);

  // W4: publish. Release: pairs with the reader's acquire load R1; a reader that sees head == g
  // also sees W3 (sequence == 2g, or the odd/even value of a later write to this slot).
  region_->ranking_control().head_generation.store(g, std::memory_order_release);
  return g;
}

// ---- reader ----------------------------------------------------------------------------------

RankingReader::RankingReader(const Region& region, std::uint32_t max_retries)
    : region_(&region), max_retries_(max_retries) {}

ReadStatus RankingReader::invalid() {
  ++invalid_count_;
  return ReadStatus::kInvalid;
}

ReadStatus RankingReader::read() {
  if (!region_->usable()) return invalid();
  const RankingControl& control = region_->ranking_control();
  for (std::uint32_t attempt = 0; attempt <= max_retries_; ++attempt) {
    // R1: acquire, pairs with W4.
    const std::uint64_t g = control.head_generation.load(std::memory_order_acquire);
    if (good_ != nullptr) {
      if (g == good_->generation) return ReadStatus::kUnchanged;
      if (g < good_->generation) return invalid();  // generations never go back
    } else if (g == 0) {
      return ReadStatus::kNone;
    }
    switch (copy_slot(g)) {
      case Attempt::kCopied:
        good_ = scratch_;
        scratch_ = good_ == &buffers_[0] ? &buffers_[1] : &buffers_[0];
        return ReadStatus::kNew;
      case Attempt::kBad:
        return invalid();
      case Attempt::kLapped:
        ++retry_count_;
        break;
    }
  }
  ++torn_count_;
  return ReadStatus::kTorn;
}

RankingReader::Attempt RankingReader::copy_slot(std::uint64_t g) {
  const std::byte* base = slot_bytes(*region_, g);
  const auto& sequence = reinterpret_cast<const RankingSlot*>(base)->header.sequence;

  // R2: acquire, pairs with W3: seeing 2g means all of generation g's payload is visible.
  const std::uint64_t s1 = sequence.load(std::memory_order_acquire);
  if (s1 != 2 * g) return Attempt::kLapped;  // being rewritten for g + kRankingSlots (or later)

  // R3: copy into the private buffer with relaxed word loads; count is clamped before use, so a
  // torn or hostile count can never make the copy leave the slot.
  const std::uint64_t generation = load_word(base + offsetof(SnapshotHeader, generation));
  const std::uint64_t created_ns = load_word(base + offsetof(SnapshotHeader, created_ns));
  const std::uint64_t count_crc = load_word(base + offsetof(SnapshotHeader, count));
  const std::uint64_t last_pid = load_word(base + offsetof(SnapshotHeader, last_pid));
  const auto count = static_cast<std::uint32_t>(count_crc);
  const auto crc = static_cast<std::uint32_t>(count_crc >> 32);
  const std::uint32_t n = std::min(count, kRankingCapacity);
  load_words(reinterpret_cast<std::byte*>(scratch_->entries), base + offsetof(RankingSlot, entries),
             n * sizeof(RankingEntry));

  // R4: acquire fence, pairs with W1's release fence: if R3 saw any word of a newer write, R5
  // sees that write's odd sequence (or later).
  thread_fence(std::memory_order_acquire);
  // R5: relaxed is enough after the fence.
  if (sequence.load(std::memory_order_relaxed) != s1) return Attempt::kLapped;

  // R6: the copy is stable; now judge it.
  scratch_->generation = generation;
  scratch_->created_ns = created_ns;
  scratch_->last_pid = last_pid;
  scratch_->count = count;
  if (generation != g || count > kRankingCapacity) return Attempt::kBad;
  const std::span<const RankingEntry> entries(scratch_->entries, count);
  if (snapshot_crc32c(generation, created_ns, entries) != crc) return Attempt::kBad;
  for (const RankingEntry& e : entries) {
    if (!entry_well_formed(e)) return Attempt::kBad;
  }
  return Attempt::kCopied;
}

}  // namespace oomguard::shm
