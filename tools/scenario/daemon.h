// tools/scenario/daemon: oomguard-core (which starts oomguard-extended itself) for one run, its
// log, fault injection into extended, and a read-only view of the shared region (extended's pid
// and heartbeat, the ranking generation) attached through /proc/<core>/fd like oomguardctl.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "shm/rankings.h"
#include "shm/region.h"
#include "tools/scenario/daemon_log.h"
#include "tools/scenario/process.h"
#include "tools/scenario/spec.h"

namespace oomguard::scenario {

struct DaemonParams {
  std::string core_path;
  std::string config_path;
  Mode mode = Mode::kOomguard;
  std::vector<std::string> cgroup_dirs;  // where core (and so extended) starts
  std::string log_path;                  // core's and extended's stdout + stderr
};

// A core line with the time it was seen (seconds on the runner's clock).
struct SeenLine {
  double t_s = 0;
  std::string text;
  CoreLine parsed;
};

class Daemon {
 public:
  Daemon() = default;
  ~Daemon() { stop(); }
  Daemon(const Daemon&) = delete;
  Daemon& operator=(const Daemon&) = delete;

  std::string start(const DaemonParams& params);  // "" or the error
  // Waits until core logged its steady state and, when extended runs, extended has a fresh
  // heartbeat and a published ranking. `now_s` gives the runner's clock for the seen lines.
  std::string wait_ready(double timeout_s, double (*now_s)());
  // Reads new log lines, stamped with t_s; returns them (all are also kept).
  std::vector<SeenLine> poll_log(double t_s);
  const std::vector<SeenLine>& lines() const { return lines_; }
  std::string log_text() const;

  pid_t core_pid() const { return core_.pid(); }
  bool core_running() { return !core_.poll(); }
  pid_t extended_pid() const;  // from the region; 0 while none runs / not attached
  // Age of extended's heartbeat (s); nullopt before the first beat or without the region.
  std::optional<double> extended_heartbeat_age_s() const;
  std::uint64_t ranking_generation() const;
  int extended_starts() const;  // "extended: started" lines so far
  // The newest valid ranking as one line ("gen G, N entries, created A s ago: pid P (comm) cgroup
  // C prio Q rss R MiB badness B MiB growth G MiB/s; ..."), if its generation differs from
  // *seen (then *seen is updated); "" otherwise. For the run's rankings.log.
  std::string new_ranking_text(std::uint64_t* seen, std::size_t max_entries);

  // SIGCONT extended (a stopped one must be able to exit), SIGTERM core, bounded wait, SIGKILL.
  // Returns a description of anything that did not end cleanly ("" if all did).
  std::string stop();

 private:
  bool attach_region();

  Process core_;
  std::optional<FileTail> log_;
  shm::Region region_;
  std::unique_ptr<shm::RankingReader> reader_;
  std::vector<SeenLine> lines_;
  Mode mode_ = Mode::kOomguard;
  bool stopped_ = true;
};

}  // namespace oomguard::scenario
