// tools/ctl/cli: the command line of oomguardctl.
//
//   oomguardctl [COMMON] status [--limit N]
//   oomguardctl [COMMON] rank [--limit N]
//   oomguardctl [COMMON] kills [--since DURATION|TIMESTAMP] [--limit N]
// COMMON (anywhere on the line): --json, --pid PID, --config FILE, --kill-log FILE,
// --proc-root DIR (tests). Options also take the --name=value form. Usage errors exit with 2.
#pragma once

#include <sys/types.h>

#include <cstddef>
#include <optional>
#include <string>
#include <vector>

namespace oomguard::ctl {

inline constexpr int kExitOk = 0;
inline constexpr int kExitError = 1;     // not running, no access, unreadable log, ...
inline constexpr int kExitUsage = 2;     // usage error
inline constexpr int kExitDegraded = 3;  // status: running, but a health problem was found

enum class Command { kStatus, kRank, kKills, kHelp };

struct CtlOptions {
  Command command = Command::kStatus;
  bool json = false;
  std::optional<pid_t> pid{};          // --pid: the core to inspect
  std::string config_path{};           // --config; "" = the running core's, else the default
  std::string kill_log{};              // --kill-log; "" = from the configuration
  std::optional<std::string> since{};  // kills --since, unparsed (see killlog.h parse_since)
  // --limit: rows of rank / kills (0 = all), last kills shown by status (default 5).
  std::optional<std::size_t> limit{};
  std::string proc_root = "/proc";  // --proc-root, for tests
};

struct CliParse {
  std::optional<CtlOptions> options{};
  std::string error{};  // set when options is empty: one line, without the program name
};

CliParse parse_cli(const std::vector<std::string>& args);  // args without argv[0]
std::string usage_text();

}  // namespace oomguard::ctl
