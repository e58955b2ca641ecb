#include "core/pressure.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>

#include "core/kernel_roots.h"
#include "core/parse.h"

namespace oomguard::core {

int PressureFile::open(int dirfd, const char* relpath, std::span<PsiSample> storage) {
  if (storage.size() < 2) return -EINVAL;
  int fd = openat(dirfd, relpath, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return -errno;
  fd_ = fd;
  ring_ = storage;
  return 0;
}

void PressureFile::close() {
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
}

int PressureFile::sample(std::uint64_t now_ns) {
  if (last_read_ns_ != 0 && now_ns - last_read_ns_ < kMinPressureReadIntervalNs) return -EAGAIN;
  char buf[256];
  ssize_t n = pread_whole(fd_, buf);
  if (n < 0) return static_cast<int>(n);
  last_read_ns_ = now_ns;
  PsiTotals totals;
  if (!parse_psi({buf, static_cast<std::size_t>(n)}, &totals)) return -EPROTO;
  push({.t_ns = now_ns, .some_us = totals.some_us, .full_us = totals.full_us});
  return 0;
}

void PressureFile::push(const PsiSample& s) {
  rising_ = count_ > 0 && s.some_us > at(0).some_us;
  ring_[head_] = s;
  head_ = (head_ + 1) % ring_.size();
  if (count_ < ring_.size()) ++count_;
}

const PsiSample& PressureFile::at(std::size_t age) const {
  return ring_[(head_ + ring_.size() - 1 - age) % ring_.size()];
}

bool PressureFile::stall(config::StallKind kind, std::uint64_t window_ns, Stall* out) const {
  if (count_ < 2) return false;
  const PsiSample& newest = at(0);
  if (newest.t_ns < window_ns) return false;
  const std::uint64_t start = newest.t_ns - window_ns;
  // The newest sample at or before the window start is the baseline.
  for (std::size_t age = 1; age < count_; ++age) {
    const PsiSample& s = at(age);
    if (s.t_ns < reset_ns_) return false;
    if (s.t_ns > start) continue;
    const bool full = kind == config::StallKind::kFull;
    const std::uint64_t now_total = full ? newest.full_us : newest.some_us;
    const std::uint64_t base_total = full ? s.full_us : s.some_us;
    out->stall_us = now_total >= base_total ? now_total - base_total : 0;
    out->span_ns = newest.t_ns - s.t_ns;
    return true;
  }
  return false;
}

int arm_psi_trigger(int dirfd, const char* relpath, config::StallKind kind,
                    std::uint64_t threshold_us, std::uint64_t window_us) {
  char spec[64];
  int len = std::snprintf(
      spec, sizeof spec, "%s %llu %llu", kind == config::StallKind::kFull ? "full" : "some",
      static_cast<unsigned long long>(threshold_us), static_cast<unsigned long long>(window_us));
  int fd = openat(dirfd, relpath, O_RDWR | O_NONBLOCK | O_CLOEXEC);
  if (fd < 0) return -errno;
  // The kernel expects the terminating NUL to be part of the write.
  if (write(fd, spec, static_cast<std::size_t>(len) + 1) < 0) {
    int err = errno;
    ::close(fd);
    return -err;
  }
  return fd;
}

}  // namespace oomguard::core
