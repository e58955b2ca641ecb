#include "tests/support/emergency.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/swap.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstring>
#include <ctime>
#include <initializer_list>

namespace oomguard::testing::emergency {
namespace {

enum class Kind : int { kCgroup, kPid, kSwap, kFile };

constexpr int kSlots = 64;
constexpr std::size_t kPathBytes = 256;

struct Slot {
  std::atomic<int> used{0};
  Kind kind = Kind::kCgroup;
  pid_t pid = 0;
  int zram_id = -1;
  char path[kPathBytes] = {};
};

Slot g_slots[kSlots];
std::atomic<int> g_sequence[kSlots];  // registration order, for children-before-parents
std::atomic<int> g_next_sequence{1};
std::atomic<bool> g_installed{false};
std::atomic<bool> g_cleaning{false};

constexpr int kSignals[] = {SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGSEGV,
                            SIGBUS, SIGABRT, SIGFPE, SIGILL};

void sleep_ms(long ms) {
  timespec ts{.tv_sec = ms / 1000, .tv_nsec = (ms % 1000) * 1'000'000};
  while (nanosleep(&ts, &ts) != 0 && errno == EINTR) {
  }
}

// path + "/" + file into out; false if it does not fit.
bool join(char* out, std::size_t size, const char* path, const char* file) {
  const std::size_t a = std::strlen(path);
  const std::size_t b = std::strlen(file);
  if (a + 1 + b + 1 > size) return false;
  std::memcpy(out, path, a);
  out[a] = '/';
  std::memcpy(out + a + 1, file, b + 1);
  return true;
}

void write_file(const char* path, const char* text) {
  const int fd = open(path, O_WRONLY | O_CLOEXEC);
  if (fd < 0) return;
  (void)!write(fd, text, std::strlen(text));
  close(fd);
}

// True when <dir>/cgroup.procs is empty or unreadable (gone).
bool cgroup_empty(const char* dir) {
  char file[kPathBytes + 32];
  if (!join(file, sizeof file, dir, "cgroup.procs")) return true;
  const int fd = open(file, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return true;
  char buf[16];
  const ssize_t n = read(fd, buf, sizeof buf);
  close(fd);
  return n <= 0;
}

// Decimal text of v >= 0 (out: at least 12 bytes).
void format_int(int v, char* out) {
  char digits[12];
  int n = 0;
  do {
    digits[n++] = static_cast<char>('0' + v % 10);
    v /= 10;
  } while (v > 0 && n < 11);
  for (int i = 0; i < n; ++i) out[i] = digits[n - 1 - i];
  out[n] = '\0';
}

int add(Kind kind, const char* path, pid_t pid, int zram_id) {
  if (path != nullptr && std::strlen(path) >= kPathBytes) return -1;
  for (int i = 0; i < kSlots; ++i) {
    Slot& s = g_slots[i];
    if (s.used.load(std::memory_order_acquire) != 0) continue;
    s.kind = kind;
    s.pid = pid;
    s.zram_id = zram_id;
    std::memset(s.path, 0, sizeof s.path);
    if (path != nullptr) std::memcpy(s.path, path, std::strlen(path));
    g_sequence[i].store(g_next_sequence.fetch_add(1), std::memory_order_relaxed);
    s.used.store(1, std::memory_order_release);
    return i;
  }
  return -1;
}

void kill_everything() {
  for (Slot& s : g_slots) {
    if (s.used.load(std::memory_order_acquire) == 0) continue;
    if (s.kind == Kind::kPid && s.pid > 0) kill(s.pid, SIGKILL);
    if (s.kind != Kind::kCgroup) continue;
    char file[kPathBytes + 32];
    if (join(file, sizeof file, s.path, "cgroup.kill")) write_file(file, "1");
  }
  // Bounded wait (3 s) until every registered cgroup is empty.
  for (int round = 0; round < 150; ++round) {
    bool empty = true;
    for (Slot& s : g_slots) {
      if (s.used.load(std::memory_order_acquire) != 0 && s.kind == Kind::kCgroup) {
        empty = empty && cgroup_empty(s.path);
      }
    }
    if (empty) return;
    sleep_ms(20);
  }
}

void undo_swaps() {
  for (Slot& s : g_slots) {
    if (s.used.load(std::memory_order_acquire) == 0 || s.kind != Kind::kSwap) continue;
    for (int attempt = 0; attempt < 20 && swapoff(s.path) != 0 && errno != EINVAL; ++attempt) {
      sleep_ms(100);  // EBUSY/ENOMEM while pages come back: retry
    }
    if (s.zram_id < 0) continue;
    char id[12];
    format_int(s.zram_id, id);
    char reset[64] = "/sys/block/zram";
    std::strcat(reset, id);
    std::strcat(reset, "/reset");
    write_file(reset, "1");
    write_file("/sys/class/zram-control/hot_remove", id);
  }
}

void remove_cgroups() {
  // Newest registration first: children were registered after their parents.
  for (int round = 0; round < kSlots; ++round) {
    int newest = -1;
    int newest_seq = 0;
    for (int i = 0; i < kSlots; ++i) {
      const Slot& s = g_slots[i];
      if (s.used.load(std::memory_order_acquire) == 0 || s.kind != Kind::kCgroup) continue;
      const int seq = g_sequence[i].load(std::memory_order_relaxed);
      if (seq > newest_seq) {
        newest = i;
        newest_seq = seq;
      }
    }
    if (newest < 0) return;
    for (int attempt = 0; attempt < 20 && rmdir(g_slots[newest].path) != 0 && errno == EBUSY;
         ++attempt) {
      sleep_ms(50);
    }
    g_slots[newest].used.store(0, std::memory_order_release);
  }
}

void on_signal(int sig) {
  run_cleanup();
  signal(sig, SIG_DFL);
  raise(sig);
}

}  // namespace

void install_handlers() {
  if (g_installed.exchange(true)) return;
  struct sigaction sa {};
  sa.sa_handler = on_signal;
  sigemptyset(&sa.sa_mask);
  for (int sig : kSignals) sigaddset(&sa.sa_mask, sig);
  sa.sa_flags = static_cast<int>(SA_RESETHAND);
  for (int sig : kSignals) sigaction(sig, &sa, nullptr);
}

int add_cgroup(const char* path) { return add(Kind::kCgroup, path, 0, -1); }
int add_pid(pid_t pid) { return add(Kind::kPid, nullptr, pid, -1); }
int add_file(const char* path) { return add(Kind::kFile, path, 0, -1); }
int add_swap(const char* device_path, int zram_id) {
  return add(Kind::kSwap, device_path, 0, zram_id);
}

void remove(int slot) {
  if (slot >= 0 && slot < kSlots) g_slots[slot].used.store(0, std::memory_order_release);
}

void run_cleanup() {
  if (g_cleaning.exchange(true)) return;  // a second signal while cleaning: let the first finish
  kill_everything();
  undo_swaps();
  remove_cgroups();
  for (Slot& s : g_slots) {
    if (s.used.load(std::memory_order_acquire) != 0 && s.kind == Kind::kFile) {
      unlink(s.path);
      s.used.store(0, std::memory_order_release);
    }
  }
  g_cleaning.store(false);
}

}  // namespace oomguard::testing::emergency
