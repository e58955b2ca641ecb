// canary: `oomguard_vm_drive canary`, what a user of the machine feels, measured as the peer
// baseline's canary did (research/baseline/src/canary.c): every period it wakes at an absolute
// deadline and writes one byte in each of PAGES pages of its working set, rotating through it,
// so each page is touched again only every (ws pages / PAGES) periods and, under pressure, may
// have been swapped out by then. stall = end of the touches - the deadline; after a stall longer
// than a period the deadline is re-anchored (no catch-up burst). Once a second it prints the
// interval's worst stall as a `hog --json` canary progress line ("t_s", "stall_ms", ...), which
// the drive reads like hog's own canary.
//
// hog's canary (tools/hog) uses the same stall definition and re-anchoring but touches its whole
// working set every period (256 KiB by default), which stays hot and is never swapped out: it
// measures scheduling delay, not the cost of touching memory that pressure pushed out. With
// --pages equal to the working set's pages this canary measures exactly what hog's does.
#pragma once

#include <span>
#include <string>
#include <string_view>

namespace oomguard::vmdrive {

struct CanarySpec {
  int period_ms = 10;
  int ws_mib = 16;
  int pages = 4;  // touched per period
};

// Parses the arguments after "canary". Returns "" or what is wrong.
std::string parse_canary_args(std::span<const std::string_view> args, CanarySpec* out);

// Runs until killed. Returns an exit status on a set-up error only.
int run_canary(const CanarySpec& spec);

}  // namespace oomguard::vmdrive
