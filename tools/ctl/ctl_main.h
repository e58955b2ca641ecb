// tools/ctl/ctl_main: oomguardctl from arguments to output and exit status (main.cpp only
// forwards), so tests run whole commands in-process.
#pragma once

#include <string>
#include <vector>

namespace oomguard::ctl {

// Runs one command; appends to *out (stdout) and *err (stderr); returns the exit status
// (cli.h kExit*).
int ctl_main(const std::vector<std::string>& args, std::string* out, std::string* err);

}  // namespace oomguard::ctl
