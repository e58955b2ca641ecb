#include "extended/daemon_cli.h"

#include <charconv>
#include <string_view>

#include "config/load.h"

namespace oomguard::extended {
namespace {

CliParse fail(std::string message) { return CliParse{.options = std::nullopt, .error = message}; }

std::optional<int> parse_fd(std::string_view text) {
  int value = -1;
  const auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || ptr != text.data() + text.size() || value < 0) return std::nullopt;
  return value;
}

// Sets the mode once: two modes on one command line are an error.
bool set_mode(CliOptions& options, CliMode mode, bool& mode_set) {
  if (mode_set && options.mode != mode) return false;
  options.mode = mode;
  mode_set = true;
  return true;
}

}  // namespace

CliParse parse_cli(const std::vector<std::string>& args) {
  CliOptions options;
  options.config_path = config::kDefaultPath;
  bool mode_set = false;
  for (std::size_t i = 0; i < args.size(); ++i) {
    std::string_view arg = args[i];
    std::optional<std::string_view> inline_value;
    if (const std::size_t eq = arg.find('=');
        arg.starts_with("--") && eq != std::string_view::npos) {
      inline_value = arg.substr(eq + 1);
      arg = arg.substr(0, eq);
    }
    const auto value = [&]() -> std::optional<std::string> {
      if (inline_value) return std::string(*inline_value);
      if (i + 1 >= args.size()) return std::nullopt;
      return args[++i];
    };
    if (arg == "--config") {
      const auto v = value();
      if (!v || v->empty()) return fail("--config needs a file name");
      options.config_path = *v;
    } else if (arg == "--shm-fd") {
      const auto v = value();
      if (!v) return fail("--shm-fd needs a file descriptor number");
      const auto fd = parse_fd(*v);
      if (!fd) return fail("--shm-fd: not a file descriptor number: '" + *v + "'");
      options.shm_fd = fd;
    } else if (inline_value) {
      return fail(std::string(arg) + " takes no value");
    } else if (arg == "--check-config" || arg == "--explain" || arg == "--help" || arg == "-h") {
      const CliMode mode = arg == "--check-config" ? CliMode::kCheckConfig
                           : arg == "--explain"    ? CliMode::kExplain
                                                   : CliMode::kHelp;
      if (!set_mode(options, mode, mode_set)) {
        return fail("--check-config, --explain and --help exclude each other");
      }
    } else {
      return fail("unknown argument '" + std::string(arg) + "'");
    }
  }
  if (options.mode == CliMode::kDaemon && !options.shm_fd) {
    return fail("--shm-fd is required to run as a daemon (oomguard-core starts extended with it)");
  }
  return CliParse{.options = options, .error = {}};
}

std::string usage_text() {
  return "usage: oomguard-extended [--config FILE] --shm-fd N\n"
         "       oomguard-extended [--config FILE] --check-config\n"
         "       oomguard-extended [--config FILE] --explain\n"
         "       oomguard-extended --help\n"
         "\n"
         "The ranking and reporting half of oomguard. oomguard-core starts it with the shared\n"
         "region inherited as --shm-fd and restarts it when it exits.\n"
         "\n"
         "  --config FILE   configuration (default " +
         std::string(config::kDefaultPath) +
         ")\n"
         "  --shm-fd N      the shared region's memfd, inherited from oomguard-core\n"
         "  --check-config  validate FILE, print the effective configuration, exit 0 or 2\n"
         "  --explain       scan and rank once, print the ranking with reasons, exit\n"
         "  --help          this text\n"
         "\n"
         "Signals: SIGHUP reloads the configuration (an invalid one is reported and the last\n"
         "good one stays) and reopens the kill log; SIGTERM and SIGINT exit cleanly.\n"
         "Exit status: 0 ok (also when core is gone), 1 runtime failure, 2 usage or config "
         "error.\n";
}

}  // namespace oomguard::extended
