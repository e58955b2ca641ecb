#include "shm/region.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <utility>

namespace oomguard::shm {
namespace {

inline constexpr std::size_t kBaseAlignment = 64;  // alignof(EventControl)
static_assert(kEventsOffset % kBaseAlignment == 0 && kSlotsOffset % 8 == 0 &&
              kEventRecordsOffset % 8 == 0);

template <typename T>
T load_field(std::span<const std::byte> region, std::size_t offset) {
  T v{};
  std::memcpy(&v, region.data() + offset, sizeof v);
  return v;
}

int close_keep_errno(int fd, int rc) {
  ::close(fd);
  return rc;
}

void init_header(Header& h, std::int32_t core_pid, std::uint64_t now_ns) {
  h.magic = kMagic;
  h.abi_major = kAbiMajor;
  h.abi_minor = kAbiMinor;
  h.header_bytes = static_cast<std::uint32_t>(kHeaderBytes);
  h.total_bytes = kRegionBytes;
  h.rankings_offset = static_cast<std::uint32_t>(kRankingsOffset);
  h.ranking_slots = kRankingSlots;
  h.ranking_slot_bytes = static_cast<std::uint32_t>(sizeof(RankingSlot));
  h.ranking_capacity = kRankingCapacity;
  h.events_offset = static_cast<std::uint32_t>(kEventsOffset);
  h.event_capacity = kEventCapacity;
  h.event_bytes = static_cast<std::uint32_t>(sizeof(KillEvent));
  h.core_pid = core_pid;
  h.core_start_ns = now_ns;
  // Relaxed: nobody else can see the region before core hands the fd over (fork/sendmsg order
  // everything before them).
  h.core_heartbeat_ns.store(now_ns, std::memory_order_relaxed);
}

}  // namespace

int validate_layout(std::span<const std::byte> region) {
  if (region.size() < kRegionBytes) return -EPROTO;
  const bool ok =
      load_field<std::uint32_t>(region, offsetof(Header, magic)) == kMagic &&
      load_field<std::uint16_t>(region, offsetof(Header, abi_major)) == kAbiMajor &&
      load_field<std::uint32_t>(region, offsetof(Header, header_bytes)) == kHeaderBytes &&
      load_field<std::uint64_t>(region, offsetof(Header, total_bytes)) == kRegionBytes &&
      load_field<std::uint32_t>(region, offsetof(Header, rankings_offset)) == kRankingsOffset &&
      load_field<std::uint32_t>(region, offsetof(Header, ranking_slots)) == kRankingSlots &&
      load_field<std::uint32_t>(region, offsetof(Header, ranking_slot_bytes)) ==
          sizeof(RankingSlot) &&
      load_field<std::uint32_t>(region, offsetof(Header, ranking_capacity)) == kRankingCapacity &&
      load_field<std::uint32_t>(region, offsetof(Header, events_offset)) == kEventsOffset &&
      load_field<std::uint32_t>(region, offsetof(Header, event_capacity)) == kEventCapacity &&
      load_field<std::uint32_t>(region, offsetof(Header, event_bytes)) == sizeof(KillEvent);
  return ok ? 0 : -EPROTO;
}

Region::~Region() { reset(); }

Region::Region(Region&& other) noexcept
    : base_(std::exchange(other.base_, nullptr)),
      map_bytes_(std::exchange(other.map_bytes_, 0)),
      fd_(std::exchange(other.fd_, -1)),
      access_(other.access_) {}

Region& Region::operator=(Region&& other) noexcept {
  if (this != &other) {
    reset();
    base_ = std::exchange(other.base_, nullptr);
    map_bytes_ = std::exchange(other.map_bytes_, 0);
    fd_ = std::exchange(other.fd_, -1);
    access_ = other.access_;
  }
  return *this;
}

void Region::reset() {
  if (map_bytes_ != 0) ::munmap(base_, map_bytes_);
  if (fd_ >= 0) ::close(fd_);
  base_ = nullptr;
  map_bytes_ = 0;
  fd_ = -1;
}

int Region::create(std::int32_t core_pid, std::uint64_t now_ns, Region* out) {
  const int fd = ::memfd_create("oomguard", MFD_CLOEXEC | MFD_ALLOW_SEALING);
  if (fd < 0) return -errno;
  if (::fchmod(fd, 0600) != 0 || ::ftruncate(fd, static_cast<off_t>(kRegionBytes)) != 0 ||
      ::fcntl(fd, F_ADD_SEALS, F_SEAL_GROW | F_SEAL_SHRINK | F_SEAL_SEAL) != 0) {
    return close_keep_errno(fd, -errno);
  }
  void* p = ::mmap(nullptr, kRegionBytes, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
  if (p == MAP_FAILED) return close_keep_errno(fd, -errno);
  Region r(static_cast<std::byte*>(p), kRegionBytes, fd, Access::kReadWrite);
  // The memfd is zero-filled: every sequence, index and counter starts at 0.
  init_header(r.header(), core_pid, now_ns);
  *out = std::move(r);
  return 0;
}

int Region::attach(int fd, Access access, Region* out) {
  struct stat st {};
  if (::fstat(fd, &st) != 0) return -errno;
  if (!S_ISREG(st.st_mode) || st.st_size != static_cast<off_t>(kRegionBytes)) return -EPROTO;
  const int seals = ::fcntl(fd, F_GET_SEALS);
  if (seals < 0) return errno == EINVAL ? -EPROTO : -errno;  // EINVAL: not a sealable file
  if ((seals & F_SEAL_SHRINK) == 0) return -EPROTO;
  const int own_fd = ::fcntl(fd, F_DUPFD_CLOEXEC, 0);
  if (own_fd < 0) return -errno;
  const int prot = access == Access::kReadOnly ? PROT_READ : PROT_READ | PROT_WRITE;
  void* p = ::mmap(nullptr, kRegionBytes, prot, MAP_SHARED, own_fd, 0);
  if (p == MAP_FAILED) return close_keep_errno(own_fd, -errno);
  Region r(static_cast<std::byte*>(p), kRegionBytes, own_fd, access);
  if (const int rc = validate_layout(r.bytes()); rc != 0) return rc;  // r unmaps and closes
  *out = std::move(r);
  return 0;
}

Region Region::view(std::byte* base, std::size_t size) {
  const auto addr = reinterpret_cast<std::uintptr_t>(base);
  if (base == nullptr || size < kRegionBytes || addr % kBaseAlignment != 0) return Region{};
  return Region(base, 0, -1, Access::kReadWrite);
}

Header& Region::header() { return *reinterpret_cast<Header*>(base_); }
const Header& Region::header() const { return *reinterpret_cast<const Header*>(base_); }

RankingControl& Region::ranking_control() {
  return *reinterpret_cast<RankingControl*>(base_ + kRankingsOffset);
}
const RankingControl& Region::ranking_control() const {
  return *reinterpret_cast<const RankingControl*>(base_ + kRankingsOffset);
}

RankingSlot& Region::slot(std::uint32_t i) {
  const std::size_t at = kSlotsOffset + (i % kRankingSlots) * sizeof(RankingSlot);
  return *reinterpret_cast<RankingSlot*>(base_ + at);
}
const RankingSlot& Region::slot(std::uint32_t i) const {
  const std::size_t at = kSlotsOffset + (i % kRankingSlots) * sizeof(RankingSlot);
  return *reinterpret_cast<const RankingSlot*>(base_ + at);
}

EventControl& Region::event_control() {
  return *reinterpret_cast<EventControl*>(base_ + kEventsOffset);
}
const EventControl& Region::event_control() const {
  return *reinterpret_cast<const EventControl*>(base_ + kEventsOffset);
}

KillEvent& Region::event_record(std::uint32_t i) {
  const std::size_t at = kEventRecordsOffset + (i & (kEventCapacity - 1)) * sizeof(KillEvent);
  return *reinterpret_cast<KillEvent*>(base_ + at);
}
const KillEvent& Region::event_record(std::uint32_t i) const {
  const std::size_t at = kEventRecordsOffset + (i & (kEventCapacity - 1)) * sizeof(KillEvent);
  return *reinterpret_cast<const KillEvent*>(base_ + at);
}

}  // namespace oomguard::shm
