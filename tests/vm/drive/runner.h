// runner: the drive's processes and its 100 ms sampling loop. Every role is a direct child, so
// SIGCHLD (through a signalfd) gives each death's time exactly; PSI is read with pread every
// 100 ms on absolute deadlines (never faster), MemAvailable/SwapFree every 500 ms, all logged to
// <out>/psi.log in the baseline's columns at the end.
#pragma once

#include <signal.h>

#include <cstdio>
#include <string>
#include <vector>

#include "tests/vm/drive/spec.h"
#include "tests/vm/drive/timeline.h"

namespace oomguard::vmdrive {

class Runner {
 public:
  explicit Runner(const DriveSpec& spec) : spec_(spec) {}
  ~Runner();
  Runner(const Runner&) = delete;
  Runner& operator=(const Runner&) = delete;

  // Runs the incident; fills *out. Returns "" or the set-up error (processes are cleaned up).
  std::string run(Timeline* out);

 private:
  std::string open_files();
  std::string spawn(std::size_t index);
  std::string wait_ready(std::size_t index);
  std::string start_first_roles();
  bool reap(double now_s);
  void sample(double t_s, long tick);
  void watch_incident(Timeline* out);
  void stop_all();
  void read_canary(Timeline* out) const;
  void write_psi_log() const;
  double now_s() const;  // on the incident's clock (seconds since t0_)

  DriveSpec spec_;
  Timeline tl_;
  sigset_t child_mask_{};  // the signal mask children start with
  int signal_fd_ = -1;
  int psi_fd_ = -1;
  int meminfo_fd_ = -1;
  char read_buf_[4096] = {};
  struct LogRow {
    double t_s = 0;
    Pressure pressure;
    long avail_mib = -1;  // every 5th sample
    long swap_free_mib = -1;
  };
  std::vector<LogRow> rows_;  // psi.log, written at the end
  double t0_mono_ = 0;        // monotonic seconds of the incident's start
  double canary_start_mono_ = -1;
};

// Monotonic clock, seconds.
double monotonic_s();

}  // namespace oomguard::vmdrive
