#include "shm/region.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "shm/events.h"
#include "shm/heartbeat.h"
#include "shm/rankings.h"
#include "shm/test_support.h"

namespace oomguard::shm {
namespace {

Region created(std::int32_t pid = 4242, std::uint64_t now_ns = 777) {
  Region r;
  EXPECT_EQ(Region::create(pid, now_ns, &r), 0);
  return r;
}

// A sealed memfd of `bytes` holding a copy of a valid header (for size/seal refusals).
int memfd_with_header(std::size_t bytes, unsigned seals) {
  const int fd = ::memfd_create("oomguard-test", MFD_CLOEXEC | MFD_ALLOW_SEALING);
  EXPECT_GE(fd, 0);
  EXPECT_EQ(::ftruncate(fd, static_cast<off_t>(bytes)), 0);
  Region good = created();
  EXPECT_EQ(::pwrite(fd, good.bytes().data(), kHeaderBytes, 0), static_cast<ssize_t>(kHeaderBytes));
  if (seals != 0) {
    EXPECT_EQ(::fcntl(fd, F_ADD_SEALS, seals), 0);
  }
  return fd;
}

TEST(Region, CreateSealsTheMemfdAndRestrictsItsMode) {
  Region r = created();
  ASSERT_TRUE(r.usable());
  ASSERT_GE(r.fd(), 0);
  EXPECT_EQ(::fcntl(r.fd(), F_GET_SEALS), F_SEAL_GROW | F_SEAL_SHRINK | F_SEAL_SEAL);
  struct stat st {};
  ASSERT_EQ(::fstat(r.fd(), &st), 0);
  EXPECT_EQ(st.st_mode & 07777, 0600u);
  EXPECT_EQ(st.st_size, static_cast<off_t>(kRegionBytes));
  EXPECT_NE(::fcntl(r.fd(), F_GETFD) & FD_CLOEXEC, 0);
  // The seals hold: no resize, no removing or adding seals.
  EXPECT_EQ(::ftruncate(r.fd(), 4096), -1);
  EXPECT_EQ(errno, EPERM);
  EXPECT_EQ(::ftruncate(r.fd(), static_cast<off_t>(kRegionBytes) * 2), -1);
  EXPECT_EQ(errno, EPERM);
  EXPECT_EQ(::fcntl(r.fd(), F_ADD_SEALS, F_SEAL_WRITE), -1);
  EXPECT_EQ(errno, EPERM);
}

TEST(Region, CreateInitialisesTheHeader) {
  Region r = created(4242, 777);
  const Header& h = r.header();
  EXPECT_EQ(h.magic, kMagic);
  EXPECT_EQ(h.abi_major, kAbiMajor);
  EXPECT_EQ(h.abi_minor, kAbiMinor);
  EXPECT_EQ(h.header_bytes, kHeaderBytes);
  EXPECT_EQ(h.total_bytes, kRegionBytes);
  EXPECT_EQ(h.rankings_offset, kRankingsOffset);
  EXPECT_EQ(h.ranking_slots, kRankingSlots);
  EXPECT_EQ(h.ranking_slot_bytes, sizeof(RankingSlot));
  EXPECT_EQ(h.ranking_capacity, kRankingCapacity);
  EXPECT_EQ(h.events_offset, kEventsOffset);
  EXPECT_EQ(h.event_capacity, kEventCapacity);
  EXPECT_EQ(h.event_bytes, sizeof(KillEvent));
  EXPECT_EQ(h.core_pid, 4242);
  EXPECT_EQ(h.core_start_ns, 777u);
  EXPECT_EQ(core_heartbeat_ns(r), 777u);
  EXPECT_EQ(extended_heartbeat_ns(r), 0u);
  EXPECT_EQ(r.ranking_control().head_generation.load(), 0u);
  EXPECT_EQ(validate_layout(r.bytes()), 0);
}

TEST(Region, AttachReadWriteSharesTheMapping) {
  Region core = created();
  Region ext;
  ASSERT_EQ(Region::attach(core.fd(), Access::kReadWrite, &ext), 0);
  EXPECT_NE(ext.fd(), core.fd());  // its own duplicate
  EXPECT_NE(::fcntl(ext.fd(), F_GETFD) & FD_CLOEXEC, 0);
  EXPECT_NE(ext.bytes().data(), core.bytes().data());
  beat_extended(ext, 123456);
  EXPECT_EQ(extended_heartbeat_ns(core), 123456u);
  beat_core(core, 99);
  EXPECT_EQ(core_heartbeat_ns(ext), 99u);
}

TEST(Region, AttachReadOnlyCannotWrite) {
  Region core = created();
  Region ctl;
  ASSERT_EQ(Region::attach(core.fd(), Access::kReadOnly, &ctl), 0);
  EXPECT_EQ(ctl.access(), Access::kReadOnly);
  EXPECT_EQ(ctl.header().core_pid, 4242);
  const pid_t child = ::fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    beat_extended(ctl, 1);  // must fault
    ::_exit(0);
  }
  int status = 0;
  ASSERT_EQ(::waitpid(child, &status, 0), child);
  // SIGSEGV, or a sanitizer's SEGV handler exiting non-zero: never a clean exit.
  EXPECT_FALSE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
  EXPECT_EQ(extended_heartbeat_ns(core), 0u);
}

TEST(Region, AttachRefusesBadMagic) {
  Region core = created();
  core.header().magic = 0x12345678;
  Region r;
  EXPECT_EQ(Region::attach(core.fd(), Access::kReadOnly, &r), -EPROTO);
  EXPECT_FALSE(r.usable());
}

TEST(Region, AttachRefusesWrongAbiMajor) {
  Region core = created();
  core.header().abi_major = kAbiMajor + 1;
  Region r;
  EXPECT_EQ(Region::attach(core.fd(), Access::kReadWrite, &r), -EPROTO);
  core.header().abi_major = kAbiMajor;
  core.header().abi_minor = kAbiMinor + 1;  // a newer minor is compatible
  EXPECT_EQ(Region::attach(core.fd(), Access::kReadWrite, &r), 0);
}

TEST(Region, AttachRefusesWrongSize) {
  const int bigger = memfd_with_header(kRegionBytes + 4096, F_SEAL_GROW | F_SEAL_SHRINK);
  const int smaller = memfd_with_header(kRegionBytes - 8, F_SEAL_GROW | F_SEAL_SHRINK);
  Region r;
  EXPECT_EQ(Region::attach(bigger, Access::kReadOnly, &r), -EPROTO);
  EXPECT_EQ(Region::attach(smaller, Access::kReadOnly, &r), -EPROTO);
  ::close(bigger);
  ::close(smaller);
}

TEST(Region, AttachRefusesAnUnsealedOrNonMemfd) {
  const int unsealed = memfd_with_header(kRegionBytes, 0);
  Region r;
  EXPECT_EQ(Region::attach(unsealed, Access::kReadOnly, &r), -EPROTO);
  // The same file once sealed is accepted: the refusal was about the seal alone.
  ASSERT_EQ(::fcntl(unsealed, F_ADD_SEALS, F_SEAL_SHRINK), 0);
  EXPECT_EQ(Region::attach(unsealed, Access::kReadOnly, &r), 0);
  ::close(unsealed);
  int pipe_fds[2];
  ASSERT_EQ(::pipe(pipe_fds), 0);
  EXPECT_EQ(Region::attach(pipe_fds[0], Access::kReadOnly, &r), -EPROTO);
  ::close(pipe_fds[0]);
  ::close(pipe_fds[1]);
  EXPECT_EQ(Region::attach(-1, Access::kReadOnly, &r), -EBADF);
}

TEST(Region, ValidateLayoutChecksEveryLayoutField) {
  Region good = created();
  auto buf = testing::make_region_buffer();
  std::memcpy(buf->bytes, good.bytes().data(), kRegionBytes);
  const std::span<const std::byte> all(buf->bytes, kRegionBytes);
  ASSERT_EQ(validate_layout(all), 0);
  EXPECT_EQ(validate_layout(all.first(kRegionBytes - 1)), -EPROTO);
  EXPECT_EQ(validate_layout({}), -EPROTO);
  // Every layout field (byte offsets within Header) matters; core_pid and later do not.
  for (std::size_t off = 0; off < offsetof(Header, core_pid); ++off) {
    if (off >= offsetof(Header, abi_minor) && off < offsetof(Header, header_bytes)) continue;
    if (off >= offsetof(Header, reserved0) && off < offsetof(Header, total_bytes)) continue;
    buf->bytes[off] ^= std::byte{0x01};
    EXPECT_EQ(validate_layout(all), -EPROTO) << "header byte " << off;
    buf->bytes[off] ^= std::byte{0x01};
  }
  EXPECT_EQ(validate_layout(all), 0);
}

TEST(Region, ViewNeedsSizeAndAlignment) {
  auto buf = testing::make_region_buffer();
  EXPECT_TRUE(Region::view(buf->bytes, kRegionBytes).usable());
  EXPECT_EQ(Region::view(buf->bytes, kRegionBytes).fd(), -1);
  EXPECT_FALSE(Region::view(buf->bytes, kRegionBytes - 1).usable());
  EXPECT_FALSE(Region::view(nullptr, kRegionBytes).usable());
  auto big = std::make_unique<testing::RegionBuffer[]>(2);
  EXPECT_FALSE(Region::view(big[0].bytes + 8, kRegionBytes).usable());
}

TEST(Region, EverythingOverAnUnusableViewIsInert) {
  Region bad = Region::view(nullptr, 0);
  RankingReader reader(bad);
  EXPECT_EQ(reader.read(), ReadStatus::kInvalid);
  EXPECT_EQ(reader.invalid_count(), 1u);
  RankingWriter writer(bad);
  RankingEntry e = testing::make_entry(1, 0);
  EXPECT_EQ(writer.publish({&e, 1}, 5), 0u);
  EventProducer producer(bad);
  EXPECT_FALSE(producer.push(testing::make_event(1)));
  EXPECT_EQ(producer.dropped(), 1u);
  EventConsumer consumer(bad);
  KillEvent out[4];
  EXPECT_EQ(consumer.drain(out), 0u);
}

TEST(Region, MoveTransfersOwnership) {
  Region a = created();
  const int fd = a.fd();
  Region b(std::move(a));
  EXPECT_FALSE(a.usable());  // NOLINT(bugprone-use-after-move): moved-from state is specified
  EXPECT_EQ(a.fd(), -1);
  EXPECT_EQ(b.fd(), fd);
  Region c;
  c = std::move(b);
  EXPECT_EQ(c.fd(), fd);
  EXPECT_EQ(validate_layout(c.bytes()), 0);
  c = Region{};
  EXPECT_EQ(::fcntl(fd, F_GETFD), -1);  // closed
  EXPECT_EQ(errno, EBADF);
}

TEST(Region, IndicesWrapInsideTheRegion) {
  auto buf = testing::make_region_buffer();
  Region r = Region::view(buf->bytes, kRegionBytes);
  EXPECT_EQ(&r.slot(kRankingSlots), &r.slot(0));
  EXPECT_EQ(&r.slot(kRankingSlots + 1), &r.slot(1));
  EXPECT_EQ(&r.event_record(kEventCapacity + 3), &r.event_record(3));
  EXPECT_EQ(reinterpret_cast<std::byte*>(&r.event_record(kEventCapacity - 1)) + sizeof(KillEvent),
            buf->bytes + kRegionBytes);
}

}  // namespace
}  // namespace oomguard::shm
