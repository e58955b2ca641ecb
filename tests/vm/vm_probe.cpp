// oomguard_vm_probe: a small dynamically linked C++ helper for the vm tests. It runs inside the
// User-Mode-Linux guest (tools/vm/run -u) and so also proves that host-built binaries linked
// against Debian's libstdc++, liburing, toml++ and (when enabled) jemalloc run there.
//
//   oomguard_vm_probe alloc MIB [PASSES]         touch MIB MiB of anonymous memory PASSES times
//   oomguard_vm_probe psi-trigger FILE SPEC SEC   arm a PSI trigger, wait SEC s for an event
//   oomguard_vm_probe libs                        io_uring read, toml++ parse, jemalloc stats
//
// Exit status 0 on success; alloc and libs print what they did, psi-trigger prints "armed" and
// then "event after N ms" (exit 0) or "no event" (exit 3); 2 on a usage or system error.
#include <fcntl.h>
#include <liburing.h>
#include <poll.h>
#include <sys/mman.h>
#include <toml++/toml.h>
#include <unistd.h>

#include <charconv>
#include <chrono>
#include <cstddef>
#include <cstdio>
#include <cstring>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#ifdef OOMGUARD_VM_PROBE_JEMALLOC
#include <jemalloc/jemalloc.h>
#endif

namespace {

constexpr int kUsageError = 2;
constexpr int kNoEvent = 3;
constexpr std::size_t kPageBytes = 4096;
constexpr std::size_t kMibBytes = 1024 * 1024;

using Clock = std::chrono::steady_clock;

bool parse_number(std::string_view text, long& out) {
  const char* end = text.data() + text.size();
  auto [ptr, ec] = std::from_chars(text.data(), end, out);
  return ec == std::errc{} && ptr == end && out >= 0;
}

long elapsed_ms(Clock::time_point since) {
  return static_cast<long>(
      std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - since).count());
}

// Touches every page of MIB MiB, PASSES times; a memory cgroup limit or the guest's OOM killer
// ends it with SIGKILL (MAP_NORESERVE: overcommit never refuses it up front). Progress goes to
// stdout every 16 MiB of the first pass.
int run_alloc(long mib, long passes) {
  const std::size_t bytes = static_cast<std::size_t>(mib) * kMibBytes;
  void* mem = mmap(nullptr, bytes, PROT_READ | PROT_WRITE,
                   MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
  if (mem == MAP_FAILED) {
    std::perror("alloc: mmap");
    return kUsageError;
  }
  std::span<unsigned char> area(static_cast<unsigned char*>(mem), bytes);
  const auto start = Clock::now();
  for (long pass = 0; pass < passes; ++pass) {
    for (std::size_t offset = 0; offset < bytes; offset += kPageBytes) {
      area[offset] = static_cast<unsigned char>(pass + 1);
      if (pass == 0 && offset % (16 * kMibBytes) == 0) {
        std::printf("alloc: %zu MiB touched (%ld ms)\n", offset / kMibBytes, elapsed_ms(start));
        std::fflush(stdout);
      }
    }
  }
  std::printf("alloc: done, %ld MiB x %ld passes in %ld ms\n", mib, passes, elapsed_ms(start));
  munmap(mem, bytes);
  return 0;
}

// Arms SPEC (e.g. "some 150000 2000000") on a pressure file and waits for one event.
int run_psi_trigger(const char* path, std::string_view spec, long wait_s) {
  const int fd = open(path, O_RDWR | O_NONBLOCK | O_CLOEXEC);
  if (fd < 0) {
    std::perror("psi-trigger: open");
    return kUsageError;
  }
  const std::string trigger(spec);
  if (write(fd, trigger.c_str(), trigger.size() + 1) < 0) {
    std::perror("psi-trigger: arm");
    close(fd);
    return kUsageError;
  }
  std::printf("psi-trigger: armed '%s' on %s\n", trigger.c_str(), path);
  std::fflush(stdout);
  const auto start = Clock::now();
  int rc = kNoEvent;
  while (elapsed_ms(start) < wait_s * 1000) {
    pollfd pfd{.fd = fd, .events = POLLPRI, .revents = 0};
    const int ready = poll(&pfd, 1, 500);
    if (ready < 0 || (ready > 0 && (pfd.revents & POLLERR) != 0)) {
      std::printf("psi-trigger: poll failed (%s)\n", ready < 0 ? std::strerror(errno) : "POLLERR");
      rc = kUsageError;
      break;
    }
    if (ready > 0 && (pfd.revents & POLLPRI) != 0) {
      std::printf("psi-trigger: event after %ld ms\n", elapsed_ms(start));
      rc = 0;
      break;
    }
  }
  if (rc == kNoEvent) std::printf("psi-trigger: no event within %ld s\n", wait_s);
  close(fd);
  return rc;
}

// Reads a file through io_uring; returns the text or an empty string (and prints why).
std::string uring_read(const char* path) {
  io_uring ring{};
  if (const int rc = io_uring_queue_init(4, &ring, 0); rc < 0) {
    std::printf("libs: io_uring_queue_init: %s\n", std::strerror(-rc));
    return {};
  }
  std::string text;
  std::vector<char> buffer(4096);
  const int fd = open(path, O_RDONLY | O_CLOEXEC);
  io_uring_sqe* sqe = io_uring_get_sqe(&ring);
  if (fd >= 0 && sqe != nullptr) {
    io_uring_prep_read(sqe, fd, buffer.data(), static_cast<unsigned>(buffer.size()), 0);
    io_uring_cqe* cqe = nullptr;
    if (io_uring_submit(&ring) == 1 && io_uring_wait_cqe(&ring, &cqe) == 0) {
      if (cqe->res > 0) text.assign(buffer.data(), static_cast<std::size_t>(cqe->res));
      io_uring_cqe_seen(&ring, cqe);
    }
  }
  if (fd >= 0) close(fd);
  io_uring_queue_exit(&ring);
  if (text.empty()) std::printf("libs: io_uring read of %s failed\n", path);
  return text;
}

int run_libs() {
  int failures = 0;
  const std::string pressure = uring_read("/proc/pressure/memory");
  if (pressure.rfind("some ", 0) == 0) {
    std::printf("libs: io_uring read /proc/pressure/memory: %.*s\n",
                static_cast<int>(pressure.find('\n')), pressure.c_str());
  } else {
    ++failures;
  }
  const toml::parse_result parsed = toml::parse("[probe]\nwindow_ms = 2000\n");
  const auto window_ms = parsed["probe"]["window_ms"].value<long>();
  if (window_ms == 2000) {
    std::printf("libs: toml++ parsed window_ms = %ld\n", *window_ms);
  } else {
    std::printf("libs: toml++ parse failed\n");
    ++failures;
  }
#ifdef OOMGUARD_VM_PROBE_JEMALLOC
  const char* version = nullptr;
  std::size_t size = sizeof(version);
  if (mallctl("version", static_cast<void*>(&version), &size, nullptr, 0) == 0) {
    std::printf("libs: jemalloc %s\n", version);
  } else {
    std::printf("libs: jemalloc mallctl failed\n");
    ++failures;
  }
#else
  std::printf("libs: built without jemalloc\n");
#endif
  return failures == 0 ? 0 : 1;
}

int usage() {
  std::fprintf(
      stderr,
      "usage: oomguard_vm_probe alloc MIB [PASSES] | psi-trigger FILE SPEC SECONDS | libs\n");
  return kUsageError;
}

}  // namespace

int main(int argc, char** argv) {
  const std::vector<std::string_view> args(argv + 1, argv + argc);
  long first = 0;
  long second = 1;
  if (args.size() >= 2 && args[0] == "alloc" && parse_number(args[1], first) && first > 0 &&
      (args.size() == 2 || (args.size() == 3 && parse_number(args[2], second) && second > 0))) {
    return run_alloc(first, second);
  }
  if (args.size() == 4 && args[0] == "psi-trigger" && parse_number(args[3], first)) {
    return run_psi_trigger(argv[2], args[2], first);
  }
  if (args.size() == 1 && args[0] == "libs") return run_libs();
  return usage();
}
