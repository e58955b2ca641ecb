#include "tests/vm/drive/canary.h"

#include <sys/mman.h>
#include <sys/prctl.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cstdio>
#include <cstring>

namespace oomguard::vmdrive {
namespace {

constexpr std::int64_t kNsPerMs = 1'000'000;
constexpr std::int64_t kNsPerS = 1'000'000'000;

std::int64_t now_ns() {
  timespec ts{};
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<std::int64_t>(ts.tv_sec) * kNsPerS + ts.tv_nsec;
}

bool parse_int(std::string_view text, int low, int high, int* out) {
  int v = 0;
  const char* end = text.data() + text.size();
  auto [ptr, ec] = std::from_chars(text.data(), end, v);
  if (ec != std::errc{} || ptr != end || v < low || v > high) return false;
  *out = v;
  return true;
}

void print_interval(std::int64_t start_ns, std::int64_t at_ns, double stall_ms, double max_ms,
                    long ticks) {
  std::printf(
      "{\"type\":\"progress\",\"mode\":\"canary\",\"pid\":%d,\"t_s\":%.3f,\"mono_s\":%.3f,"
      "\"phase\":\"run\",\"stall_ms\":%.3f,\"max_stall_ms\":%.3f,\"iterations\":%ld}\n",
      static_cast<int>(getpid()), static_cast<double>(at_ns - start_ns) / 1e9,
      static_cast<double>(at_ns) / 1e9, stall_ms, max_ms, ticks);
  std::fflush(stdout);
}

}  // namespace

std::string parse_canary_args(std::span<const std::string_view> args, CanarySpec* out) {
  for (std::size_t i = 0; i < args.size(); i += 2) {
    if (i + 1 >= args.size()) return "option '" + std::string(args[i]) + "' needs a value";
    const std::string_view key = args[i], value = args[i + 1];
    const bool ok = key == "--period-ms" ? parse_int(value, 1, 10000, &out->period_ms)
                    : key == "--ws-mib"  ? parse_int(value, 1, 1024, &out->ws_mib)
                    : key == "--pages"   ? parse_int(value, 1, 1 << 18, &out->pages)
                                         : false;
    if (!ok) return "bad canary option '" + std::string(key) + " " + std::string(value) + "'";
  }
  return "";
}

int run_canary(const CanarySpec& spec) {
  prctl(PR_SET_NAME, "canary");
  const std::size_t page = static_cast<std::size_t>(sysconf(_SC_PAGESIZE));
  const std::size_t bytes = static_cast<std::size_t>(spec.ws_mib) << 20;
  const std::size_t npages = bytes / page;
  void* mem = mmap(nullptr, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (mem == MAP_FAILED) {
    std::fprintf(stderr, "canary: mmap: %s\n", std::strerror(errno));
    return 1;
  }
  madvise(mem, bytes, MADV_NOHUGEPAGE);
  volatile unsigned char* ws = static_cast<unsigned char*>(mem);
  for (std::size_t i = 0; i < npages; ++i) ws[i * page] = 1;
  const std::int64_t start = now_ns();
  const std::int64_t period = spec.period_ms * kNsPerMs;
  std::int64_t deadline = start, next_report = start + kNsPerS;
  double window_ms = 0, max_ms = 0;
  long ticks = 0;
  std::size_t index = 0;
  print_interval(start, start, 0, 0, 0);
  while (true) {
    deadline += period;
    const timespec ts{.tv_sec = deadline / kNsPerS, .tv_nsec = deadline % kNsPerS};
    while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, nullptr) == EINTR) {
    }
    for (int k = 0; k < spec.pages; ++k) {
      ws[index * page] = static_cast<unsigned char>(ws[index * page] + 1);
      index = (index + 1) % npages;
    }
    const std::int64_t done = now_ns();
    const double stall_ms = static_cast<double>(std::max<std::int64_t>(0, done - deadline)) / 1e6;
    ++ticks;
    window_ms = std::max(window_ms, stall_ms);
    max_ms = std::max(max_ms, stall_ms);
    if (done - deadline > period) deadline = done;  // fell behind: re-anchor
    if (done >= next_report) {
      print_interval(start, done, window_ms, max_ms, ticks);
      window_ms = 0;
      next_report = done + kNsPerS - (done - next_report) % kNsPerS;
    }
  }
}

}  // namespace oomguard::vmdrive
