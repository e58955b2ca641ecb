// Runs a parsed invocation: sets the process name, joins cgroups, runs every mode on its own
// thread, prints progress each interval and a summary at the end. Returns the exit code
// (0 every mode finished, 1 runtime error).
#pragma once

#include "tools/hog/cli.h"

namespace oomguard::hog {

int run_invocation(const Invocation& invocation);

}  // namespace oomguard::hog
