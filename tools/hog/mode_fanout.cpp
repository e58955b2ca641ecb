// fanout: N worker processes of M MiB each under this process (the "make -j20" case). Each
// worker is this binary re-executed as `hog --comm NAME --quiet anon ...`, so it inherits the
// cgroups joined by the parent. Workers get SIGKILL when the parent dies (PR_SET_PDEATHSIG).
// The parent reaps them and reports how each ended.
#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <charconv>
#include <mutex>
#include <vector>

#include "tools/hog/json.h"
#include "tools/hog/memory.h"
#include "tools/hog/mode.h"

namespace oomguard::hog {
namespace {

constexpr std::int64_t kPollNs = 50'000'000;
constexpr std::int64_t kRssSampleNs = 500'000'000;

struct Worker {
  pid_t pid = -1;
  bool ended = false;
  int exit_code = -1;  // when exited
  int signal = 0;      // when killed by a signal
};

std::string signal_name(int sig) {
  const char* abbrev = sigabbrev_np(sig);
  return abbrev != nullptr ? std::string("SIG") + abbrev : "SIG" + std::to_string(sig);
}

// Resident bytes of `pid` from /proc/PID/statm, 0 if unreadable (e.g. already gone).
std::uint64_t rss_bytes(pid_t pid) {
  const std::string path = "/proc/" + std::to_string(pid) + "/statm";
  const int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return 0;
  char buf[256];
  const ssize_t n = read(fd, buf, sizeof buf - 1);
  close(fd);
  if (n <= 0) return 0;
  std::string_view text(buf, static_cast<std::size_t>(n));
  const auto sp = text.find(' ');
  if (sp == std::string_view::npos) return 0;
  std::uint64_t pages = 0;
  std::from_chars(text.data() + sp + 1, text.data() + text.size(), pages);
  return pages * page_bytes();
}

class FanoutMode final : public Mode {
 public:
  explicit FanoutMode(const FanoutSpec& spec) : spec_(spec) {}
  std::string_view name() const override { return "fanout"; }

  Result<void> run(const StopFlag& stop) override {
    stats_.set_phase(Phase::kAlloc);
    if (auto r = spawn_all(); !r) {
      kill_all();
      reap_until_done(stop);
      return r;
    }
    stats_.set_phase(Phase::kRun);
    reap_until_done(stop);
    if (stop.requested()) return {};
    stats_.set_phase(Phase::kDone);
    std::lock_guard lock(mu_);
    for (const Worker& w : workers_) {
      if (w.signal == 0 && w.exit_code != 0) {
        return Error{"fanout: worker " + std::to_string(w.pid) + " exited with status " +
                     std::to_string(w.exit_code)};
      }
    }
    return {};
  }

  Fields progress_extra() override {
    std::lock_guard lock(mu_);
    Counts c = count();
    return {{"workers", std::uint64_t{workers_.size()}},
            {"alive", c.alive},
            {"exited_ok", c.ok},
            {"exited_error", c.error},
            {"killed", c.killed}};
  }

  Fields summary_extra() override {
    std::lock_guard lock(mu_);
    Counts c = count();
    std::vector<std::string> items;
    std::string text;
    for (const Worker& w : workers_) {
      JsonObject o;
      o.add_int("pid", w.pid);
      if (w.signal != 0) {
        o.add_null("exit_code")
            .add_int("signal", w.signal)
            .add_string("signal_name", signal_name(w.signal));
      } else {
        o.add_int("exit_code", w.exit_code).add_null("signal").add_null("signal_name");
      }
      items.push_back(o.str());
      text += (text.empty() ? "" : ",") + std::to_string(w.pid) + ":" +
              (w.signal != 0 ? signal_name(w.signal) : "exit" + std::to_string(w.exit_code));
    }
    return {{"workers", std::uint64_t{workers_.size()}},
            {"worker_mib", spec_.worker_mib},
            {"exited_ok", c.ok},
            {"exited_error", c.error},
            {"killed", c.killed},
            {"worker_status", Nested{json_array(items), text}}};
  }

 private:
  struct Counts {
    std::uint64_t alive = 0, ok = 0, error = 0, killed = 0;
  };

  Counts count() const {
    Counts c;
    for (const Worker& w : workers_) {
      if (!w.ended)
        ++c.alive;
      else if (w.signal != 0)
        ++c.killed;
      else if (w.exit_code == 0)
        ++c.ok;
      else
        ++c.error;
    }
    return c;
  }

  Result<void> spawn_all() {
    std::vector<std::string> args = anon_worker_args(spec_);
    args.insert(args.begin(), "hog");
    std::vector<char*> argv;
    for (std::string& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    const pid_t parent = getpid();
    for (std::uint32_t i = 0; i < spec_.workers; ++i) {
      const pid_t pid = fork();
      if (pid < 0) return errno_error("fork", errno);
      if (pid == 0) {
        // Child of a multithreaded process: async-signal-safe calls only until exec.
        prctl(PR_SET_PDEATHSIG, SIGKILL);
        if (getppid() != parent) _exit(127);
        execv("/proc/self/exe", argv.data());
        _exit(127);
      }
      std::lock_guard lock(mu_);
      workers_.push_back(Worker{.pid = pid, .ended = false, .exit_code = -1, .signal = 0});
    }
    return {};
  }

  void kill_all() {
    std::lock_guard lock(mu_);
    for (const Worker& w : workers_) {
      if (!w.ended) ::kill(w.pid, SIGKILL);
    }
  }

  // Reaps what has ended; returns the number still alive and their summed RSS.
  std::pair<std::size_t, std::uint64_t> reap_some(bool sample_rss) {
    std::lock_guard lock(mu_);
    std::size_t alive = 0;
    std::uint64_t rss = 0;
    for (Worker& w : workers_) {
      if (w.ended) continue;
      int status = 0;
      if (waitpid(w.pid, &status, WNOHANG) == w.pid) {
        w.ended = true;
        if (WIFSIGNALED(status))
          w.signal = WTERMSIG(status);
        else
          w.exit_code = WEXITSTATUS(status);
        continue;
      }
      ++alive;
      if (sample_rss) rss += rss_bytes(w.pid);
    }
    return {alive, rss};
  }

  void reap_until_done(const StopFlag& stop) {
    std::int64_t next_rss = 0;
    std::uint64_t prev_rss = 0;
    bool killed = false;
    while (true) {
      const std::int64_t now = now_ns();
      const bool sample = now >= next_rss;
      auto [alive, rss] = reap_some(sample);
      if (sample) {
        stats_.set_held(rss);
        if (rss > prev_rss) stats_.add_work(rss - prev_rss);  // growth feeds rate_mib_s
        prev_rss = rss;
        next_rss = now + kRssSampleNs;
      }
      if (alive == 0) return;
      if (stop.requested() && !killed) {
        kill_all();
        killed = true;
      }
      const timespec ts{.tv_sec = 0, .tv_nsec = kPollNs};
      nanosleep(&ts, nullptr);
    }
  }

  FanoutSpec spec_;
  std::mutex mu_;  // guards workers_ (mode thread writes, reporter reads)
  std::vector<Worker> workers_;
};

}  // namespace

std::unique_ptr<Mode> make_fanout_mode(const FanoutSpec& spec) {
  return std::make_unique<FanoutMode>(spec);
}

}  // namespace oomguard::hog
