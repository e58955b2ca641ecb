// The one seam between oomguard and the kernel's file interfaces: every /proc and cgroup file
// is opened relative to a directory fd held here. Production opens /proc and the cgroup mounts;
// tests open a temporary tree of captured kernel text. Allocation-free after open.
#pragma once

#include <sys/types.h>

#include <cstddef>
#include <span>

namespace oomguard {

struct ProcRoot {
  int dirfd = -1;
};

// A hybrid host has the memory controller on cgroup v1 and PSI/cgroup.kill on cgroup2; a pure
// v2 host has only v2_dirfd. Absent hierarchies are -1.
struct CgroupRoot {
  int v2_dirfd = -1;
  int v1_memory_dirfd = -1;
};

// path "auto" = /proc. Returns 0 or -errno.
int open_proc_root(const char* path, ProcRoot* out);
// v2_path "auto" = /sys/fs/cgroup if it is a cgroup2 mount, else /sys/fs/cgroup/unified if that
// is one. v1_path "auto" = /sys/fs/cgroup/memory if it is a cgroup v1 mount, "none" = absent.
// Returns 0 or -errno (-ENOENT when no cgroup2 hierarchy is found).
int open_cgroup_root(const char* v2_path, const char* v1_memory_path, CgroupRoot* out);
void close_roots(ProcRoot* proc, CgroupRoot* cgroup);
// Closes *fd if open and marks it closed (-1).
void close_fd(int* fd);

// Reads the whole file `relpath` (relative to dirfd) into buf with pread, NUL-terminates it and
// returns its length, or -errno; -EFBIG if it does not fit (buf.size() - 1 bytes at most).
ssize_t read_file_at(int dirfd, const char* relpath, std::span<char> buf);
// Same for an fd opened earlier, reading from offset 0 (for files kept open, e.g. PSI).
ssize_t pread_whole(int fd, std::span<char> buf);
// Writes `text` to `relpath` (O_WRONLY, no creation). Returns 0 or -errno.
int write_file_at(int dirfd, const char* relpath, const char* text, std::size_t len);

}  // namespace oomguard
