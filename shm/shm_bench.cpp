// shm_bench: per-operation latency of the shm channel, p50/p99/p99.9/max over N operations,
// each timed with clock_gettime(CLOCK_MONOTONIC):
//   publish   RankingWriter::publish of a 256-entry snapshot (CRC32C + copy into the slot)
//   read      RankingReader::read of a new 256-entry generation (copy + CRC32C + validation)
//   unchanged RankingReader::read when nothing new was published
//   push      EventProducer::push of one KillEvent;  drain  EventConsumer::drain of one record
// Usage: shm_bench [OPS] (default 100000). Single-threaded, on a real memfd region.
#include <time.h>

#include <algorithm>
#include <array>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <vector>

#include "shm/crc32c.h"
#include "shm/events.h"
#include "shm/rankings.h"
#include "shm/region.h"
#include "shm/test_support.h"

namespace oomguard::shm {
namespace {

std::uint64_t now_ns() {
  timespec ts{};
  ::clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<std::uint64_t>(ts.tv_sec) * 1'000'000'000 +
         static_cast<std::uint64_t>(ts.tv_nsec);
}

void report(const char* name, std::vector<std::uint64_t>& ns) {
  std::sort(ns.begin(), ns.end());
  auto pct = [&](double p) {
    return ns[std::min(ns.size() - 1,
                       static_cast<std::size_t>(p * static_cast<double>(ns.size())))];
  };
  std::printf("%-10s n=%zu  p50 %7.2f us  p99 %7.2f us  p99.9 %7.2f us  max %8.2f us\n", name,
              ns.size(), static_cast<double>(pct(0.50)) / 1e3, static_cast<double>(pct(0.99)) / 1e3,
              static_cast<double>(pct(0.999)) / 1e3, static_cast<double>(ns.back()) / 1e3);
}

int run(std::size_t ops) {
  Region region;
  if (const int rc = Region::create(1, now_ns(), &region); rc != 0) {
    std::fprintf(stderr, "Region::create: %d\n", rc);
    return 1;
  }
  auto entries = std::make_unique<std::array<RankingEntry, kRankingCapacity>>();
  for (std::uint32_t i = 0; i < kRankingCapacity; ++i) (*entries)[i] = testing::make_entry(1, i);
  RankingWriter writer(region);
  auto reader = std::make_unique<RankingReader>(region);
  std::vector<std::uint64_t> publish(ops), read(ops), unchanged(ops), push(ops), drain(ops);
  bool ok = true;
  for (std::size_t i = 0; i < ops; ++i) {
    std::uint64_t t0 = now_ns();
    const std::uint64_t g = writer.publish(*entries, t0);
    std::uint64_t t1 = now_ns();
    const ReadStatus s = reader->read();
    std::uint64_t t2 = now_ns();
    const ReadStatus s2 = reader->read();
    std::uint64_t t3 = now_ns();
    ok = ok && g != 0 && s == ReadStatus::kNew && s2 == ReadStatus::kUnchanged &&
         reader->last_good()->count == kRankingCapacity;
    publish[i] = t1 - t0;
    read[i] = t2 - t1;
    unchanged[i] = t3 - t2;
  }
  EventProducer producer(region);
  EventConsumer consumer(region);
  const KillEvent event = testing::make_event(7);
  KillEvent out[1];
  for (std::size_t i = 0; i < ops; ++i) {
    std::uint64_t t0 = now_ns();
    const bool pushed = producer.push(event);
    std::uint64_t t1 = now_ns();
    const std::size_t n = consumer.drain(out);
    std::uint64_t t2 = now_ns();
    ok = ok && pushed && n == 1;
    push[i] = t1 - t0;
    drain[i] = t2 - t1;
  }
  if (!ok) {
    std::fprintf(stderr, "shm_bench: an operation failed\n");
    return 1;
  }
  std::printf("snapshot: %u entries, %zu bytes; crc32c: %s\n", kRankingCapacity,
              sizeof(SnapshotHeader) + sizeof(RankingEntry) * kRankingCapacity,
              crc32c_hw_available() ? "sse4.2" : "table");
  report("publish", publish);
  report("read", read);
  report("unchanged", unchanged);
  report("push", push);
  report("drain", drain);
  return 0;
}

}  // namespace
}  // namespace oomguard::shm

int main(int argc, char** argv) {
  const std::size_t ops = argc > 1 ? std::strtoull(argv[1], nullptr, 10) : 100'000;
  if (ops == 0) {
    std::fprintf(stderr, "usage: shm_bench [OPS > 0]\n");
    return 2;
  }
  return oomguard::shm::run(ops);
}
