// libFuzzer target: arbitrary bytes as the shared region, fed to validate_layout, RankingReader,
// EventConsumer and EventProducer (through Region::view). Beyond "no crash, no UB" (ASan/UBSan),
// it aborts when a reader/writer breaks its contract on hostile content.
//
// Input: byte 0 = flags, the rest is scattered over the region's interesting fields (windows
// below, in order; the rest of the region is zero):
//   bit 0  overwrite the header with a valid one   bit 1  make head's slot sequence, generation
//   bit 2  publish with a RankingWriter afterwards        and CRC consistent (reach entry checks)
//   bits 3-4 the reader's max_retries
// Built and run by tools/fuzz-shm.
#include <cerrno>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <new>
#include <span>

#include "shm/events.h"
#include "shm/rankings.h"
#include "shm/region.h"

namespace oomguard::shm {
namespace {

struct alignas(64) Buffer {
  std::byte bytes[kRegionBytes];
};

struct Window {
  std::size_t offset;
  std::size_t bytes;
};

constexpr std::size_t kSlot1 = kSlotsOffset + sizeof(RankingSlot);
constexpr Window kWindows[] = {
    {kRankingsOffset, 8},                                  // head_generation
    {kEventsOffset + offsetof(EventControl, head), 8},     //
    {kEventsOffset + offsetof(EventControl, tail), 8},     //
    {kEventsOffset + offsetof(EventControl, dropped), 8},  //
    {kSlotsOffset, sizeof(SnapshotHeader)},                // slot 0 header
    {kSlot1, sizeof(SnapshotHeader)},                      // slot 1 header
    {kSlotsOffset + sizeof(SnapshotHeader), 2 * sizeof(RankingEntry)},
    {kSlot1 + sizeof(SnapshotHeader), 2 * sizeof(RankingEntry)},
    {0, kHeaderBytes},
    {kEventRecordsOffset, 2 * sizeof(KillEvent)},
};

void check(bool ok) {
  if (!ok) std::abort();
}

void scatter(std::span<const std::byte> in, Buffer& buf) {
  for (const Window& w : kWindows) {
    const std::size_t n = in.size() < w.bytes ? in.size() : w.bytes;
    std::memcpy(buf.bytes + w.offset, in.data(), n);
    in = in.subspan(n);
  }
}

// A header as core writes it, made once from a real region.
const std::byte* valid_header() {
  static std::byte header[kHeaderBytes];
  static const bool made = [] {
    Region good;
    check(Region::create(1, 1, &good) == 0);
    std::memcpy(header, good.bytes().data(), kHeaderBytes);
    return true;
  }();
  check(made);
  return header;
}

// Makes the slot head points at look complete: sequence 2g, generation g, a matching CRC.
void make_head_consistent(Region& region) {
  const std::uint64_t g = region.ranking_control().head_generation.load();
  RankingSlot& slot = region.slot(static_cast<std::uint32_t>(g % kRankingSlots));
  slot.header.sequence.store(2 * g);
  slot.header.generation = g;
  const std::uint32_t n =
      slot.header.count < kRankingCapacity ? slot.header.count : kRankingCapacity;
  slot.header.crc32c = snapshot_crc32c(g, slot.header.created_ns, {slot.entries, n});
}

void fuzz_rankings(Region& region, std::uint8_t flags) {
  // A fresh reader per input, in static storage (a 192 KiB allocation per input is slow).
  alignas(RankingReader) static unsigned char storage[sizeof(RankingReader)];
  struct Destroy {
    void operator()(RankingReader* r) const { r->~RankingReader(); }
  };
  const std::unique_ptr<RankingReader, Destroy> reader(
      new (storage) RankingReader(region, (flags >> 3) & 3u));
  for (int round = 0; round < 2; ++round) {
    const Snapshot* before = reader->last_good();
    const std::uint64_t head = region.ranking_control().head_generation.load();
    const ReadStatus status = reader->read();
    const Snapshot* s = reader->last_good();
    if (status == ReadStatus::kNew) {
      check(s != nullptr && s != before && s->generation == head && s->count <= kRankingCapacity);
      const RankingSlot& slot = region.slot(static_cast<std::uint32_t>(head % kRankingSlots));
      check(snapshot_crc32c(s->generation, s->created_ns, {s->entries, s->count}) ==
            slot.header.crc32c);
      for (std::uint32_t i = 0; i < s->count; ++i) check(entry_well_formed(s->entries[i]));
    } else {
      check(s == before);
      check(status != ReadStatus::kNone || (s == nullptr && head == 0));
    }
  }
  if ((flags & 4) == 0) return;
  RankingWriter writer(region);
  RankingEntry e{};
  e.kind = static_cast<std::uint8_t>(EntryKind::kProcess);
  e.kill_mode = static_cast<std::uint8_t>(KillMode::kProcess);
  e.reason = static_cast<std::uint16_t>(Reason::kDefault);
  e.pid = 1234;
  const std::uint64_t g = writer.publish({&e, 1}, 5);
  if (g == 0) return;  // head was UINT64_MAX
  check(reader->read() == ReadStatus::kNew && reader->last_good()->generation == g &&
        reader->last_good()->count == 1 && reader->last_good()->entries[0].pid == 1234);
}

void fuzz_events(Region& region) {
  EventControl& ctl = region.event_control();
  EventConsumer consumer(region);
  static KillEvent out[kEventCapacity + 8];
  const std::uint64_t tail = ctl.tail.load();
  const std::uint64_t head = ctl.head.load();
  const std::size_t n = consumer.drain(out);
  check(n <= kEventCapacity);
  if (consumer.resync_count() == 0) {
    check(ctl.tail.load() == tail + n && n == head - tail);
  } else {
    check(n == 0 && ctl.tail.load() == head);
  }
  // Put the fuzzed tail back for the producer (the consumer may have moved it).
  ctl.tail.store(tail);
  EventProducer producer(region);
  KillEvent e{};
  e.kill_id = 77;
  const std::uint64_t dropped = ctl.dropped.load();
  if (producer.push(e)) {
    check(ctl.head.load() == head + 1 && head - tail < kEventCapacity);
    check(region.event_record(static_cast<std::uint32_t>(head & (kEventCapacity - 1))).kill_id ==
          77);
  } else {
    check(ctl.head.load() == head && ctl.dropped.load() == dropped + 1);
  }
}

}  // namespace
}  // namespace oomguard::shm

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace oomguard::shm;
  const std::span<const std::byte> input(reinterpret_cast<const std::byte*>(data), size);
  (void)validate_layout(input);  // the raw bytes: any length, any alignment
  if (size == 0) return 0;

  static Buffer* buf = new Buffer;
  std::memset(buf->bytes, 0, kRegionBytes);
  const std::uint8_t flags = data[0];
  scatter(input.subspan(1), *buf);
  if ((flags & 1) != 0) std::memcpy(buf->bytes, valid_header(), kHeaderBytes);
  Region region = Region::view(buf->bytes, kRegionBytes);
  check(region.usable());
  const int rc = validate_layout(region.bytes());
  check(rc == 0 || rc == -EPROTO);
  if ((flags & 1) != 0) check(rc == 0);
  if ((flags & 2) != 0) make_head_consistent(region);
  fuzz_rankings(region, flags);
  fuzz_events(region);
  return 0;
}
