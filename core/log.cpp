#include "core/log.h"

#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include <cerrno>
#include <cstdarg>
#include <cstdio>

namespace oomguard::core {
namespace {

int g_kmsg_fd = -1;

int format_line(char* buf, std::size_t size, const char* fmt, va_list ap) {
  int prefix = std::snprintf(buf, size, "oomguard-core: ");
  int n = std::vsnprintf(buf + prefix, size - static_cast<std::size_t>(prefix) - 1, fmt, ap);
  if (n < 0) n = 0;
  std::size_t len = static_cast<std::size_t>(prefix + n);
  if (len > size - 2) len = size - 2;  // truncated: keep room for the newline
  buf[len++] = '\n';
  return static_cast<int>(len);
}

void write_all(int fd, const char* buf, int len) {
  // A short write to a tty or kmsg is not worth retrying in the kill path beyond EINTR.
  while (write(fd, buf, static_cast<std::size_t>(len)) < 0 && errno == EINTR) {
  }
}

void vlog(bool to_kmsg, const char* fmt, va_list ap) {
  char buf[512];
  const int len = format_line(buf, sizeof buf, fmt, ap);
  write_all(STDERR_FILENO, buf, len);
  if (to_kmsg && g_kmsg_fd >= 0) write_all(g_kmsg_fd, buf, len);
}

}  // namespace

bool log_open_kmsg() {
  g_kmsg_fd = open("/dev/kmsg", O_WRONLY | O_CLOEXEC | O_NONBLOCK);
  return g_kmsg_fd >= 0;
}

void log_close_kmsg() {
  if (g_kmsg_fd >= 0) close(g_kmsg_fd);
  g_kmsg_fd = -1;
}

void log_line(const char* fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  vlog(false, fmt, ap);
  va_end(ap);
}

void log_kill_line(const char* fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  vlog(true, fmt, ap);
  va_end(ap);
}

const char* errno_text(int err) {
  const char* text = strerrordesc_np(err);
  return text != nullptr ? text : "unknown error";
}

}  // namespace oomguard::core
