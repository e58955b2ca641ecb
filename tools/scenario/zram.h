// tools/scenario/zram: a zram swap device of our own for the swap-thrash scenario. It is
// hot-added (zram-control), bounded (disksize and mem_limit: zram memory is not charged to any
// memcg), enabled with swapon, and on every exit path swapped off, reset and hot-removed: by the
// destructor, by the emergency signal handler (tests/support/emergency.h), and after a SIGKILL
// by the next run's sweep (a marker file names the owner pid).
#pragma once

#include <cstdint>
#include <string>

namespace oomguard::scenario {

struct ZramParams {
  std::uint64_t disksize_bytes = 0;   // swap size
  std::uint64_t mem_limit_bytes = 0;  // most memory the device may use for compressed data
};

// Where ZramSwap leaves its owner markers ("zram<N>.owner" holding the owner's pid).
constexpr const char* kZramMarkerDir = "/run/oomguard-scenario";

class ZramSwap {
 public:
  // Why a zram swap cannot be set up here, or "".
  static std::string unavailable_reason();
  // "" and *out enabled, or the error (then nothing is left enabled).
  static std::string enable(const ZramParams& params, ZramSwap* out);

  ZramSwap() = default;
  ~ZramSwap();
  ZramSwap(const ZramSwap&) = delete;
  ZramSwap& operator=(const ZramSwap&) = delete;

  bool active() const { return id_ >= 0; }
  std::string device() const { return "/dev/zram" + std::to_string(id_); }
  // swapoff, reset, hot_remove; "" or what failed. Idempotent.
  std::string disable();
  // /proc/swaps before enable(), to compare with afterwards.
  const std::string& swaps_before() const { return swaps_before_; }

 private:
  int id_ = -1;
  int slot_ = -1;         // emergency registrations: the device
  int marker_slot_ = -1;  // ... and its owner marker
  bool swapped_on_ = false;
  std::string swaps_before_;
};

// Undoes the zram devices whose marker names a process that no longer exists. Returns one line
// per device handled.
std::string sweep_stale_zram();

std::string read_proc_swaps();

}  // namespace oomguard::scenario
