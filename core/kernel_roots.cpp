#include "core/kernel_roots.h"

#include <fcntl.h>
#include <linux/magic.h>
#include <sys/statfs.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <initializer_list>

namespace oomguard {
namespace {

constexpr int kDirFlags = O_RDONLY | O_DIRECTORY | O_CLOEXEC;

bool is_fs(const char* path, long magic) {
  struct statfs st {};
  return statfs(path, &st) == 0 && st.f_type == magic;
}

int open_dir(const char* path, int* out) {
  int fd = open(path, kDirFlags);
  if (fd < 0) return -errno;
  *out = fd;
  return 0;
}

}  // namespace

int open_proc_root(const char* path, ProcRoot* out) {
  if (std::strcmp(path, "auto") == 0) path = "/proc";
  return open_dir(path, &out->dirfd);
}

int open_cgroup_root(const char* v2_path, const char* v1_memory_path, CgroupRoot* out) {
  if (std::strcmp(v2_path, "auto") == 0) {
    if (is_fs("/sys/fs/cgroup", CGROUP2_SUPER_MAGIC)) {
      v2_path = "/sys/fs/cgroup";
    } else if (is_fs("/sys/fs/cgroup/unified", CGROUP2_SUPER_MAGIC)) {
      v2_path = "/sys/fs/cgroup/unified";
    } else {
      return -ENOENT;
    }
  }
  if (int rc = open_dir(v2_path, &out->v2_dirfd); rc < 0) return rc;
  if (std::strcmp(v1_memory_path, "none") == 0) return 0;
  if (std::strcmp(v1_memory_path, "auto") == 0) {
    if (!is_fs("/sys/fs/cgroup/memory", CGROUP_SUPER_MAGIC)) return 0;
    v1_memory_path = "/sys/fs/cgroup/memory";
  }
  return open_dir(v1_memory_path, &out->v1_memory_dirfd);
}

void close_fd(int* fd) {
  if (*fd >= 0) close(*fd);
  *fd = -1;
}

void close_roots(ProcRoot* proc, CgroupRoot* cgroup) {
  for (int* fd : {&proc->dirfd, &cgroup->v2_dirfd, &cgroup->v1_memory_dirfd}) close_fd(fd);
}

ssize_t pread_whole(int fd, std::span<char> buf) {
  if (buf.empty()) return -EINVAL;
  std::size_t len = 0;
  for (;;) {
    const std::size_t room = buf.size() - 1 - len;
    if (room == 0) {
      // Full: the file fits only if it ends exactly here.
      char extra = 0;
      ssize_t n = pread(fd, &extra, 1, static_cast<off_t>(len));
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) return -errno;
      if (n > 0) return -EFBIG;
      break;
    }
    ssize_t n = pread(fd, buf.data() + len, room, static_cast<off_t>(len));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return -errno;
    if (n == 0) break;
    len += static_cast<std::size_t>(n);
  }
  buf[len] = '\0';
  return static_cast<ssize_t>(len);
}

ssize_t read_file_at(int dirfd, const char* relpath, std::span<char> buf) {
  int fd = openat(dirfd, relpath, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
  if (fd < 0) return -errno;
  ssize_t n = pread_whole(fd, buf);
  close(fd);
  return n;
}

int write_file_at(int dirfd, const char* relpath, const char* text, std::size_t len) {
  int fd = openat(dirfd, relpath, O_WRONLY | O_CLOEXEC | O_NOFOLLOW);
  if (fd < 0) return -errno;
  ssize_t n = write(fd, text, len);
  int rc = n < 0 ? -errno : (static_cast<std::size_t>(n) == len ? 0 : -EIO);
  close(fd);
  return rc;
}

}  // namespace oomguard
