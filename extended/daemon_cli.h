// extended/daemon_cli: the command line of oomguard-extended.
//
//   oomguard-extended [--config FILE] --shm-fd N   run as core's ranker (core starts it so)
//   oomguard-extended [--config FILE] --check-config
//   oomguard-extended [--config FILE] --explain     one scan + rank, printed with reasons
//   oomguard-extended --help
// Options also take the --name=value form. Usage errors exit with status 2.
#pragma once

#include <optional>
#include <string>
#include <vector>

namespace oomguard::extended {

inline constexpr int kExitOk = 0;
inline constexpr int kExitFailure = 1;  // runtime failure (e.g. the region cannot be attached)
inline constexpr int kExitUsage = 2;    // usage or configuration error

enum class CliMode { kDaemon, kCheckConfig, kExplain, kHelp };

struct CliOptions {
  CliMode mode = CliMode::kDaemon;
  std::string config_path{};  // config::kDefaultPath unless given
  std::optional<int> shm_fd{};
};

struct CliParse {
  std::optional<CliOptions> options{};
  std::string error{};  // set when options is empty: one line, without the program name
};

CliParse parse_cli(const std::vector<std::string>& args);  // args without argv[0]
std::string usage_text();

}  // namespace oomguard::extended
