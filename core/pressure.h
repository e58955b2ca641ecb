// One PSI file (system-wide /proc/pressure/X or a cgroup's X.pressure), sampled by polling its
// cumulative total= counters into a preallocated ring. Stall within any window up to the ring's
// span is computed from two samples, counting only samples taken after the last reset — so
// after a kill the stall that led to it is never counted again ("a fresh window").
#pragma once

#include <cstdint>
#include <span>

#include "config/core_config.h"

namespace oomguard::core {

// Reading a pressure file more often than about once per jiffy corrupts its accounting.
inline constexpr std::uint64_t kMinPressureReadIntervalNs = 10'000'000;

struct PsiSample {
  std::uint64_t t_ns;
  std::uint64_t some_us;
  std::uint64_t full_us;
};

struct Stall {
  std::uint64_t stall_us = 0;
  std::uint64_t span_ns = 0;  // >= the window asked for
};

class PressureFile {
 public:
  // `storage` (caller-owned, preallocated) bounds the history: it must hold at least
  // longest_window / poll_min + 2 samples.
  int open(int dirfd, const char* relpath, std::span<PsiSample> storage);
  void close();
  int fd() const { return fd_; }

  // Reads the totals unless the last read was less than kMinPressureReadIntervalNs ago.
  // 0 = sampled, -EAGAIN = too soon, otherwise -errno / -EPROTO (unparsable).
  int sample(std::uint64_t now_ns);
  // Appends a sample directly (used by sample(); tests feed histories with it).
  void push(const PsiSample& s);
  // Later windows only count samples taken at or after t_ns.
  void reset(std::uint64_t t_ns) { reset_ns_ = t_ns; }

  // Stall of `kind` over the newest window_ns of history; false while the history since the
  // last reset does not span the window yet.
  bool stall(config::StallKind kind, std::uint64_t window_ns, Stall* out) const;
  // The newest sample grew the "some" total: pressure is rising.
  bool rising() const { return rising_; }

 private:
  const PsiSample& at(std::size_t age) const;  // 0 = newest

  int fd_ = -1;
  std::span<PsiSample> ring_;
  std::size_t head_ = 0;  // next write position
  std::size_t count_ = 0;
  std::uint64_t last_read_ns_ = 0;
  std::uint64_t reset_ns_ = 0;
  bool rising_ = false;
};

// Arms a kernel PSI trigger ("some|full <threshold_us> <window_us>") on a new fd of the file.
// Returns the fd (poll for EPOLLPRI) or -errno (-EINVAL: window refused, e.g. sub-2 s windows
// without CAP_SYS_RESOURCE).
int arm_psi_trigger(int dirfd, const char* relpath, config::StallKind kind,
                    std::uint64_t threshold_us, std::uint64_t window_us);

}  // namespace oomguard::core
