#include "extended/scan_reader.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>

#include "extended/uring_reader.h"

namespace oomguard::extended {
namespace {

constexpr int kOpenFlags = O_RDONLY | O_CLOEXEC | O_NOFOLLOW;

// Reads into buf until full or EOF; returns bytes read or -errno.
std::int32_t read_into(int fd, char* buf, std::uint32_t capacity) {
  std::uint32_t len = 0;
  while (len < capacity) {
    const ssize_t n = read(fd, buf + len, capacity - len);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return -errno;
    if (n == 0) break;
    len += static_cast<std::uint32_t>(n);
  }
  return static_cast<std::int32_t>(len);
}

class PlainReader final : public FileReader {
 public:
  void read_all(std::span<FileRead> reads) override {
    for (FileRead& r : reads) {
      const int fd = openat(r.dirfd, r.path, kOpenFlags);
      if (fd < 0) {
        r.result = -errno;
        continue;
      }
      r.result = read_into(fd, r.buf, r.capacity);
      close(fd);
    }
  }
  std::string_view name() const override { return "plain"; }
  bool reads_to_eof() const override { return true; }
};

}  // namespace

std::unique_ptr<FileReader> make_plain_reader() { return std::make_unique<PlainReader>(); }

std::unique_ptr<FileReader> make_reader(ReaderKind kind, std::string* note) {
  if (kind == ReaderKind::kPlain) return make_plain_reader();
  auto uring = make_uring_reader(UringParams{});
  if (uring) return std::move(uring.value());
  if (note) *note = "io_uring unavailable (" + uring.error().message + "): using plain reads";
  return make_plain_reader();
}

int read_whole_file(int dirfd, const char* path, std::string* out) {
  const int fd = openat(dirfd, path, kOpenFlags);
  if (fd < 0) return -errno;
  out->clear();
  char chunk[8192];
  int rc = 0;
  for (;;) {
    const ssize_t n = read(fd, chunk, sizeof chunk);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) rc = -errno;
    if (n <= 0) break;
    out->append(chunk, static_cast<std::size_t>(n));
  }
  close(fd);
  return rc;
}

}  // namespace oomguard::extended
