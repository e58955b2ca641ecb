// extended/daemon_log: extended's diagnostics — one line per message on stderr, prefixed
// "oomguard-extended: ", written with one write(2) so lines from hooks sharing stderr do not
// interleave mid-line. The daemon takes a LogFn so tests can capture the lines.
#pragma once

#include <functional>
#include <string_view>

namespace oomguard::extended {

using LogFn = std::function<void(std::string_view line)>;

void log_to_stderr(std::string_view line);

}  // namespace oomguard::extended
