#include "core/notify.h"

#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <cstddef>
#include <cstdlib>
#include <cstring>

#include "core/log.h"

namespace oomguard::core {
namespace {

bool env_u64(const char* name, std::uint64_t* out) {
  const char* v = std::getenv(name);
  if (v == nullptr) return false;
  const char* end = v + std::strlen(v);
  auto [p, ec] = std::from_chars(v, end, *out);
  return ec == std::errc() && p == end;
}

}  // namespace

Notifier::~Notifier() {
  if (fd_ >= 0) close(fd_);
}

int Notifier::init() {
  const char* path = std::getenv("NOTIFY_SOCKET");
  if (path == nullptr || path[0] == '\0') return 0;
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  const std::size_t len = std::strlen(path);
  if (len >= sizeof addr.sun_path || (path[0] != '/' && path[0] != '@')) return -EINVAL;
  std::memcpy(addr.sun_path, path, len);
  if (path[0] == '@') addr.sun_path[0] = '\0';  // abstract namespace
  fd_ = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (fd_ < 0) return -errno;
  const auto addr_len = static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + len);
  if (connect(fd_, reinterpret_cast<const sockaddr*>(&addr), addr_len) != 0) {
    const int err = errno;
    close(fd_);
    fd_ = -1;
    return -err;
  }
  std::uint64_t usec = 0;
  std::uint64_t pid = 0;
  if (env_u64("WATCHDOG_USEC", &usec) &&
      (!env_u64("WATCHDOG_PID", &pid) || pid == static_cast<std::uint64_t>(getpid()))) {
    interval_ns_ = usec * 1000 / 2;
  }
  return 0;
}

void Notifier::send(const char* text) {
  if (fd_ < 0) return;
  if (::send(fd_, text, std::strlen(text), MSG_NOSIGNAL) < 0 && errno != EAGAIN) {
    log_line("WARNING: sd_notify '%s' failed: %s", text, errno_text(errno));
  }
}

void Notifier::ready() { send("READY=1\nSTATUS=watching"); }

void Notifier::stopping() { send("STOPPING=1"); }

void Notifier::tick(std::uint64_t now_ns) {
  if (interval_ns_ == 0 || now_ns < next_ns_) return;
  send("WATCHDOG=1");
  next_ns_ = now_ns + interval_ns_;
}

}  // namespace oomguard::core
