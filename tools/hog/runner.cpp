#include "tools/hog/runner.h"

#include <sys/prctl.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "tools/hog/cgroup_join.h"
#include "tools/hog/mode.h"
#include "tools/hog/pacing.h"

namespace oomguard::hog {
namespace {

using Clock = std::chrono::steady_clock;

double mib(std::uint64_t bytes) { return static_cast<double>(bytes) / static_cast<double>(kMiB); }
double ms(std::uint64_t ns) { return static_cast<double>(ns) / 1e6; }

void write_all(const std::string& text) {
  std::size_t off = 0;
  while (off < text.size()) {
    const ssize_t n = write(STDOUT_FILENO, text.data() + off, text.size() - off);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return;
    off += static_cast<std::size_t>(n);
  }
}

struct Slot {
  std::unique_ptr<Mode> mode;
  std::string error;            // set by the mode thread before it signals completion
  std::uint64_t last_work = 0;  // reporter thread only
  Clock::time_point last_time;
};

class Runner {
 public:
  explicit Runner(const Invocation& inv) : common_(inv.common), start_(Clock::now()) {
    for (const ModeSpec& spec : inv.modes) {
      Slot slot;
      slot.mode = make_mode(spec);
      slot.last_time = start_;
      slots_.push_back(std::move(slot));
    }
  }

  int run() {
    if (auto r = prepare(); !r) return finish(r.error().message);
    std::vector<std::thread> threads;
    running_ = slots_.size();
    for (Slot& slot : slots_) threads.emplace_back([this, &slot] { run_mode(slot); });
    report_until_done();
    for (std::thread& t : threads) t.join();
    std::string error;
    for (const Slot& slot : slots_) {
      if (!slot.error.empty() && error.empty()) error = slot.error;
    }
    return finish(error);
  }

 private:
  Result<void> prepare() {
    if (!common_.comm.empty() && prctl(PR_SET_NAME, common_.comm.c_str(), 0, 0, 0) != 0) {
      return errno_error("prctl(PR_SET_NAME)", errno);
    }
    if (common_.cgroups.empty()) return {};
    auto joined = join_cgroups(common_.cgroups, detect_cgroup_hierarchies());
    if (!joined) return joined.error();
    return {};
  }

  void run_mode(Slot& slot) {
    Result<void> r = slot.mode->run(stop_);
    slot.mode->stats().set_held(0);  // every mode's memory (and workers) is gone after run()
    std::lock_guard lock(mu_);
    if (!r) {
      slot.mode->stats().set_phase(Phase::kError);
      slot.error = std::string(slot.mode->name()) + ": " + r.error().message;
      stop_.request();
    }
    --running_;
    cv_.notify_all();
  }

  void report_until_done() {
    const auto interval = std::chrono::milliseconds(common_.interval_ms);
    auto next = start_ + interval;
    std::unique_lock lock(mu_);
    while (!cv_.wait_until(lock, next, [this] { return running_ == 0; })) {
      lock.unlock();
      const auto now = Clock::now();
      for (Slot& slot : slots_) print_progress(slot, now);
      next += interval;
      if (next <= now) next = now + interval;
      lock.lock();
    }
  }

  void print_progress(Slot& slot, Clock::time_point now) {
    ModeStats& s = slot.mode->stats();
    const std::uint64_t work = s.work();
    const auto dt = std::chrono::duration_cast<std::chrono::nanoseconds>(now - slot.last_time);
    ProgressHead head{.mode = slot.mode->name(),
                      .pid = getpid(),
                      .t_s = seconds_since_start(now),
                      .phase = phase_name(s.phase()),
                      .held_mib = mib(s.held()),
                      .rate_mib_s = mib_per_s(work - slot.last_work, dt.count()),
                      .stall_ms = ms(s.take_window_stall()),
                      .max_stall_ms = ms(s.max_stall())};
    slot.last_work = work;
    slot.last_time = now;
    Fields extra = slot.mode->progress_extra();
    if (common_.quiet) return;
    write_all(render_progress(progress_fields(head, extra), common_.json));
  }

  double seconds_since_start(Clock::time_point t) const {
    return std::chrono::duration<double>(t - start_).count();
  }

  int finish(const std::string& error) {
    const int code = error.empty() ? 0 : 1;
    if (!error.empty()) std::fprintf(stderr, "hog: error: %s\n", error.c_str());
    if (common_.quiet) return code;
    std::vector<Fields> modes;
    for (Slot& slot : slots_) {
      ModeStats& s = slot.mode->stats();
      Fields f = {{"mode", std::string(slot.mode->name())},
                  {"phase", std::string(phase_name(s.phase()))},
                  {"max_held_mib", mib(s.max_held())},
                  {"work_mib", mib(s.work())},
                  {"max_stall_ms", ms(s.max_stall())}};
      Fields extra = slot.mode->summary_extra();
      f.insert(f.end(), extra.begin(), extra.end());
      if (!slot.error.empty()) f.push_back({"error", slot.error});
      modes.push_back(std::move(f));
    }
    SummaryHead head{.pid = getpid(),
                     .elapsed_s = seconds_since_start(Clock::now()),
                     .exit_code = code,
                     .error = error};
    write_all(render_summary(head, modes, common_.json));
    return code;
  }

  CommonOptions common_;
  Clock::time_point start_;
  std::vector<Slot> slots_;
  StopFlag stop_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::size_t running_ = 0;  // guarded by mu_
};

}  // namespace

int run_invocation(const Invocation& invocation) { return Runner(invocation).run(); }

}  // namespace oomguard::hog
