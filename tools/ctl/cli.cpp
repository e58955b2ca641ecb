#include "tools/ctl/cli.h"

#include <charconv>
#include <string_view>

#include "config/load.h"

namespace oomguard::ctl {
namespace {

CliParse fail(std::string message) { return CliParse{.options = std::nullopt, .error = message}; }

template <typename T>
std::optional<T> parse_number(std::string_view text) {
  T value{};
  const auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || ptr != text.data() + text.size()) return std::nullopt;
  return value;
}

std::optional<Command> command_named(std::string_view word) {
  if (word == "status") return Command::kStatus;
  if (word == "rank") return Command::kRank;
  if (word == "kills") return Command::kKills;
  if (word == "help") return Command::kHelp;
  return std::nullopt;
}

// Applies one option that takes a value; returns an error message or "".
std::string apply_value(std::string_view name, const std::string& value, CtlOptions& o) {
  if (name == "--pid") {
    const auto pid = parse_number<pid_t>(value);
    if (!pid || *pid <= 0) return "--pid: not a process id: '" + value + "'";
    o.pid = pid;
  } else if (name == "--config") {
    o.config_path = value;
  } else if (name == "--kill-log") {
    o.kill_log = value;
  } else if (name == "--since") {
    o.since = value;
  } else if (name == "--limit") {
    const auto n = parse_number<std::size_t>(value);
    if (!n) return "--limit: not a count: '" + value + "'";
    o.limit = n;
  } else {  // --proc-root
    o.proc_root = value;
  }
  return value.empty() ? std::string(name) + " needs a non-empty value" : "";
}

bool takes_value(std::string_view name) {
  return name == "--pid" || name == "--config" || name == "--kill-log" || name == "--since" ||
         name == "--limit" || name == "--proc-root";
}

}  // namespace

CliParse parse_cli(const std::vector<std::string>& args) {
  CtlOptions o;
  std::optional<Command> command;
  for (std::size_t i = 0; i < args.size(); ++i) {
    std::string_view arg = args[i];
    std::optional<std::string> inline_value;
    if (const std::size_t eq = arg.find('='); arg.starts_with("--") && eq != arg.npos) {
      inline_value = std::string(arg.substr(eq + 1));
      arg = arg.substr(0, eq);
    }
    if (takes_value(arg)) {
      if (!inline_value && i + 1 >= args.size()) return fail(std::string(arg) + " needs a value");
      const std::string value = inline_value ? *inline_value : args[++i];
      if (std::string e = apply_value(arg, value, o); !e.empty()) return fail(e);
    } else if (inline_value) {
      return fail(std::string(arg) + " takes no value");
    } else if (arg == "--json") {
      o.json = true;
    } else if (arg == "--help" || arg == "-h") {
      command = Command::kHelp;
    } else if (const auto c = command_named(arg); c && !arg.starts_with("-")) {
      if (command && *command != Command::kHelp) {
        return fail("one command at a time (status, rank or kills)");
      }
      if (!command) command = c;
    } else {
      return fail("unknown argument '" + std::string(arg) + "'");
    }
  }
  o.command = command.value_or(Command::kStatus);
  if (o.since && o.command != Command::kKills) return fail("--since applies to 'kills' only");
  return CliParse{.options = o, .error = {}};
}

std::string usage_text() {
  return "usage: oomguardctl [OPTIONS] [status]      health of oomguard-core and -extended\n"
         "       oomguardctl [OPTIONS] rank          the live victim ranking, with reasons\n"
         "       oomguardctl [OPTIONS] kills [--since DURATION|TIMESTAMP]\n"
         "                                           recent kills from the kill log\n"
         "\n"
         "Reads the running core's shared region (read-only, through /proc/PID/fd) and the\n"
         "JSON-lines kill log. Needs root (or CAP_SYS_PTRACE and read access to the log).\n"
         "\n"
         "Options:\n"
         "  --json             machine-readable output (one JSON object)\n"
         "  --pid PID          the oomguard-core to inspect (default: the one running)\n"
         "  --config FILE      configuration, for the kill log path, rule names and health\n"
         "                     limits (default: the file the running core was started with,\n"
         "                     else " +
         std::string(config::kDefaultPath) +
         ")\n"
         "  --kill-log FILE    kill log to read (default: output.kill_log of the configuration)\n"
         "  --limit N          rows of rank and kills (default all), kills in status "
         "(default 5)\n"
         "  --since WHEN       kills: only kills at or after WHEN: a duration ago (90s, 10m,\n"
         "                     2h, 7d, 1h30m) or a time (2024-05-01T12:00:00Z, 2024-05-01,\n"
         "                     \"2024-05-01 12:00\" in UTC, @UNIX_SECONDS)\n"
         "  -h, --help         this text\n"
         "\n"
         "Exit status: 0 ok; 1 error (oomguard not running, no access, unreadable log);\n"
         "2 usage error; 3 (status) running, but a health problem was found.\n";
}

}  // namespace oomguard::ctl
