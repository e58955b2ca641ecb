// shm/region: one mapping of the shared region (see abi.h for the layout).
//
// core creates the region (a sealed memfd, mode 0600) before it starts extended and hands the fd
// over by inheritance or SCM_RIGHTS; extended attaches read-write, oomguardctl read-only. Views
// over caller memory serve the tests and the fuzzer. Readers and writers always use the
// compile-time layout of abi.h; the header's own offsets are only ever compared against it.
// libc only, no exceptions, no allocation.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

#include "shm/abi.h"

namespace oomguard::shm {

enum class Access : std::uint8_t { kReadOnly, kReadWrite };

// Checks a region someone else wrote: size, magic, abi_major and every layout field of the
// header against the compile-time layout (abi_minor may differ). Reads with memcpy, so any
// alignment and any size is fine. 0 or -EPROTO.
int validate_layout(std::span<const std::byte> region);

// Owns one mapping (and, except for views, one fd) of the region; move-only.
class Region {
 public:
  Region() = default;
  ~Region();
  Region(Region&& other) noexcept;
  Region& operator=(Region&& other) noexcept;
  Region(const Region&) = delete;
  Region& operator=(const Region&) = delete;

  // core: memfd_create("oomguard", MFD_CLOEXEC | MFD_ALLOW_SEALING), fchmod 0600,
  // ftruncate(kRegionBytes), seals F_SEAL_GROW | F_SEAL_SHRINK | F_SEAL_SEAL, mmap read-write,
  // header initialised (core_heartbeat_ns = core_start_ns = now_ns). 0 or -errno; *out is
  // untouched on failure.
  static int create(std::int32_t core_pid, std::uint64_t now_ns, Region* out);

  // extended (kReadWrite) / oomguardctl (kReadOnly). Never takes ownership of `fd`: the Region
  // keeps its own O_CLOEXEC duplicate. Checks fstat size == kRegionBytes and that the memfd is
  // sealed against shrinking (a shrink would SIGBUS every reader), maps it, runs
  // validate_layout(). 0 or -errno (-EPROTO: wrong size, missing seal, bad magic/ABI/layout).
  static int attach(int fd, Access access, Region* out);

  // Non-owning view over caller memory. Usable only when size >= kRegionBytes and base is
  // 64-byte aligned (EventControl's alignment); otherwise usable() is false and the readers and
  // writers over it do nothing (see their docs).
  static Region view(std::byte* base, std::size_t size);

  bool usable() const { return base_ != nullptr; }
  int fd() const { return fd_; }  // -1 for views
  Access access() const { return access_; }
  std::span<const std::byte> bytes() const { return {base_, usable() ? kRegionBytes : 0}; }

  // All below require usable(). Indices are reduced modulo the slot/record count, so they can
  // never leave the region.
  Header& header();
  const Header& header() const;
  RankingControl& ranking_control();
  const RankingControl& ranking_control() const;
  RankingSlot& slot(std::uint32_t i);
  const RankingSlot& slot(std::uint32_t i) const;
  EventControl& event_control();
  const EventControl& event_control() const;
  KillEvent& event_record(std::uint32_t i);
  const KillEvent& event_record(std::uint32_t i) const;

 private:
  Region(std::byte* base, std::size_t map_bytes, int fd, Access access)
      : base_(base), map_bytes_(map_bytes), fd_(fd), access_(access) {}
  void reset();

  std::byte* base_ = nullptr;
  std::size_t map_bytes_ = 0;  // 0 for views (nothing to unmap)
  int fd_ = -1;
  Access access_ = Access::kReadWrite;
};

}  // namespace oomguard::shm
