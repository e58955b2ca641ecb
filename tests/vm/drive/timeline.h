// timeline: what one incident recorded (PSI samples, the roles' ends, the canary's stalls) and
// the figures derived from it with the peer baseline's definitions. Pure: unit tested on made-up
// timelines. Times are seconds since the incident's start (the non-first roles' spawn).
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "tests/vm/drive/spec.h"

namespace oomguard::vmdrive {

// One line of a pressure file.
struct PressureLine {
  double avg10 = 0;
  std::uint64_t total_us = 0;
};
struct Pressure {
  PressureLine some;
  PressureLine full;
};
// Parses "some avg10=.. avg60=.. avg300=.. total=N\nfull ...". Nullopt on malformed text.
std::optional<Pressure> parse_pressure(std::string_view text);

struct PsiPoint {
  double t_s = 0;
  std::uint64_t some_us = 0;
  std::uint64_t full_us = 0;
};

struct RoleRecord {
  RoleSpec spec;
  pid_t pid = 0;
  double start_s = 0;
  std::optional<double> end_s;  // reaped
  int wait_status = 0;
  bool killed_by_drive = false;  // the drive's own clean-up or timeout kill
};

// The canary's worst stall over one progress interval ending at t_s.
struct CanaryPoint {
  double t_s = 0;
  double stall_ms = 0;
  std::optional<double> mono_s;  // CLOCK_MONOTONIC of the interval's end, when the line has it
};

// A `hog --json` progress line of a canary: {"t_s": seconds since hog start, "stall_ms": worst
// stall of the interval}; `oomguard_vm_drive canary` adds "mono_s" (CLOCK_MONOTONIC seconds).
// Nullopt for other lines.
std::optional<CanaryPoint> parse_canary_line(std::string_view line);
// True for a `hog --json` progress line whose phase shows the role holds its memory (or the
// canary runs): "hold", "retouch" or "run".
bool is_ready_line(std::string_view line);

struct Timeline {
  std::vector<PsiPoint> psi;  // psi[0] is the incident's start (t = 0)
  std::vector<RoleRecord> roles;
  std::vector<CanaryPoint> canary;       // on the incident's clock
  std::optional<double> incident_end_s;  // every target ended (nullopt: timed out)
  double timeout_s = 0;
  double stop_s = 0;  // when the drive stopped watching (incident end + settle)
  std::int64_t kernel_oom_kills = 0;
};

struct Summary {
  std::optional<double> onset_s;
  // death of the last role killed by a signal (not by the drive) until the incident's end
  std::optional<double> relief_s;
  std::optional<double> ttr_s;  // relief - onset
  std::string outcome;          // "killed", "exited", "timeout"
  double end_s = 0;             // end of the stall window: relief, else the incident's end
  double some_ms = 0;
  double full_ms = 0;
  // "full" stall between two consecutive samples, worst in [0, end]: nominally 100 ms apart,
  // further when the drive itself was held up (then max_sample_gap_ms says by how much).
  double worst_full_step_ms = 0;
  double max_sample_gap_ms = 0;
  std::optional<double> canary_worst_ms;
  int kills = 0;
  std::vector<std::string> victims;  // names of roles killed by a signal, in order of death
  std::vector<std::string> wrong;    // of those, the keep / canary roles
  std::int64_t kernel_oom_kills = 0;
};

// More than this much "some" stall in one 100 ms interval is the incident's onset.
inline constexpr double kOnsetSomeMs = 10.0;

Summary summarize(const Timeline& t);
// "ROLE name=.. pid=.. flags=.. start_s=.. end_s=.. how=SIGKILL|exit0|running"
std::string role_line(const RoleRecord& r);
// "RESULT onset_s=.. relief_s=.. ttr_s=.. outcome=.. ..." (missing values are "-").
std::string result_line(const Summary& s);

}  // namespace oomguard::vmdrive
