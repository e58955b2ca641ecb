// systemd's notification protocol (sd_notify) without libsystemd and without allocation: the
// NOTIFY_SOCKET is connected once at start-up; READY=1 after start-up, WATCHDOG=1 at half the
// WATCHDOG_USEC interval from the steady-state loop, STOPPING=1 on exit. A no-op when not run
// by systemd.
#pragma once

#include <cstdint>

namespace oomguard::core {

class Notifier {
 public:
  Notifier() = default;
  Notifier(const Notifier&) = delete;
  Notifier& operator=(const Notifier&) = delete;
  ~Notifier();

  // Reads NOTIFY_SOCKET / WATCHDOG_USEC / WATCHDOG_PID. 0, or -errno if the socket is unusable.
  int init();
  void ready();
  void stopping();
  // Sends WATCHDOG=1 when due.
  void tick(std::uint64_t now_ns);
  // Longest time the loop may sleep without missing a watchdog ping; 0 = no watchdog.
  std::uint64_t watchdog_interval_ns() const { return interval_ns_; }
  bool enabled() const { return fd_ >= 0; }

 private:
  void send(const char* text);

  int fd_ = -1;
  std::uint64_t interval_ns_ = 0;
  std::uint64_t next_ns_ = 0;
};

}  // namespace oomguard::core
