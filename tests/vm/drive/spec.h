// tests/vm/drive: oomguard_vm_drive, the guest-side measuring harness of the vm tests and of the
// guest benchmark (tools/vm/bench). It starts the processes of one memory incident in their
// cgroups, samples the machine's PSI every 100 ms and reports the incident with the peer
// baseline's definitions (research/baseline/src/drive.c): onset = first 100 ms interval with more
// than 10 ms of "some" stall; relief = death of the last process killed; stall = delta of the
// total= counters from the incident's start to relief.
//
// spec: the command line, parsed into plain data (pure, unit tested).
#pragma once

#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace oomguard::vmdrive {

// One process of the incident. Its stdout and stderr go to <out>/<name>.log.
struct RoleSpec {
  std::string name;
  std::string cgroup_dir;  // absolute cgroup2 directory to start in; "" = the drive's own
  std::vector<std::string> argv;
  bool target = false;  // the incident is over when every target has ended
  bool keep = false;    // must survive: its death by a signal is a wrong kill
  bool first = false;   // started before the incident; the incident waits until it is ready
  bool canary = false;  // a `hog canary --json`: its stalls are the canary figure (implies
                        // first and keep)
};

struct DriveSpec {
  std::string out_dir;
  std::string psi_path = "/proc/pressure/memory";
  std::string cgroup_root = "/sys/fs/cgroup";
  double timeout_s = 200;  // incident limit: targets still running then are killed
  double settle_s = 3;     // watched after the incident (a second kill would show here)
  double warm_s = 2;       // quiet time between the first roles being ready and the incident
  double ready_timeout_s = 120;
  std::vector<RoleSpec> roles;
};

// Parses the arguments after the program name. Returns "" or what is wrong.
std::string parse_args(std::span<const std::string_view> args, DriveSpec* out);

// The --help text.
extern const char* const kUsage;

}  // namespace oomguard::vmdrive
