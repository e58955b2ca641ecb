#include "tests/vm/drive/spec.h"

#include <charconv>
#include <cmath>

namespace oomguard::vmdrive {

const char* const kUsage =
    "usage: oomguard_vm_drive --out DIR [--psi FILE] [--timeout-s S] [--settle-s S]\n"
    "                         [--warm-s S] --role NAME CGROUP FLAGS CMDLINE [--role ...]\n"
    "  --out DIR        role logs (NAME.log), psi.log (100 ms samples), result.txt\n"
    "  --psi FILE       pressure file sampled every 100 ms (default /proc/pressure/memory)\n"
    "  --timeout-s S    incident limit; targets still running then are killed (200)\n"
    "  --settle-s S     watched after the incident ended (3)\n"
    "  --warm-s S       quiet time after the first roles are ready (2)\n"
    "  --role NAME CGROUP FLAGS CMDLINE\n"
    "      NAME     [A-Za-z0-9_.-]+, unique; its output goes to DIR/NAME.log\n"
    "      CGROUP   cgroup2 directory, absolute or below /sys/fs/cgroup; '-' = the drive's\n"
    "      FLAGS    '-' or a comma list of: target (the incident ends when every target\n"
    "               ended), keep (must survive), first (started and ready before the\n"
    "               incident: a `hog --json` line with phase hold/retouch/run), canary (`hog\n"
    "               --json canary` or `oomguard_vm_drive canary`: its stall_ms is the canary\n"
    "               figure; implies first, keep)\n"
    "      CMDLINE  the command and its arguments separated by blanks (no quoting)\n"
    "Prints one ROLE line per role and a RESULT line (also to DIR/result.txt).\n"
    "\n"
    "       oomguard_vm_drive canary [--period-ms 10] [--ws-mib 16] [--pages 4]\n"
    "  the peer baseline's canary: every period touch PAGES pages rotating through WS MiB;\n"
    "  prints each second's worst stall as a hog --json canary progress line\n";

namespace {

bool parse_seconds(std::string_view text, double* out) {
  double v = 0;
  const char* end = text.data() + text.size();
  auto [ptr, ec] = std::from_chars(text.data(), end, v);
  if (ec != std::errc{} || ptr != end || !std::isfinite(v) || v < 0 || v > 86400) return false;
  *out = v;
  return true;
}

bool valid_name(std::string_view name) {
  if (name.empty() || name.size() > 64) return false;
  for (char c : name) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    c == '_' || c == '.' || c == '-';
    if (!ok) return false;
  }
  return true;
}

std::vector<std::string> split_blanks(std::string_view text) {
  std::vector<std::string> words;
  std::size_t i = 0;
  while (i < text.size()) {
    while (i < text.size() && (text[i] == ' ' || text[i] == '\t')) ++i;
    std::size_t j = i;
    while (j < text.size() && text[j] != ' ' && text[j] != '\t') ++j;
    if (j > i) words.emplace_back(text.substr(i, j - i));
    i = j;
  }
  return words;
}

std::string parse_flags(std::string_view flags, RoleSpec* role) {
  if (flags == "-") return "";
  std::size_t i = 0;
  while (i <= flags.size()) {
    const std::size_t comma = std::min(flags.find(',', i), flags.size());
    const std::string_view f = flags.substr(i, comma - i);
    if (f == "target") {
      role->target = true;
    } else if (f == "keep") {
      role->keep = true;
    } else if (f == "first") {
      role->first = true;
    } else if (f == "canary") {
      role->canary = role->first = role->keep = true;
    } else {
      return "unknown role flag '" + std::string(f) + "'";
    }
    i = comma + 1;
  }
  if (role->target && role->keep) return "a role cannot be both target and keep";
  if (role->target && role->first) return "a target role starts with the incident, not first";
  return "";
}

std::string parse_role(std::span<const std::string_view> a, const DriveSpec& spec, RoleSpec* role) {
  role->name = std::string(a[0]);
  if (!valid_name(a[0])) return "bad role name '" + role->name + "'";
  for (const RoleSpec& r : spec.roles) {
    if (r.name == role->name) return "duplicate role name '" + role->name + "'";
  }
  if (a[1] != "-") {
    role->cgroup_dir =
        a[1].front() == '/' ? std::string(a[1]) : spec.cgroup_root + "/" + std::string(a[1]);
  }
  if (std::string e = parse_flags(a[2], role); !e.empty()) return role->name + ": " + e;
  role->argv = split_blanks(a[3]);
  if (role->argv.empty()) return role->name + ": empty command line";
  return "";
}

std::string parse_option(std::string_view key, std::string_view value, DriveSpec* out) {
  if (key == "--out") {
    out->out_dir = std::string(value);
  } else if (key == "--psi") {
    out->psi_path = std::string(value);
  } else if (key == "--timeout-s" || key == "--settle-s" || key == "--warm-s") {
    double* field = key == "--timeout-s"  ? &out->timeout_s
                    : key == "--settle-s" ? &out->settle_s
                                          : &out->warm_s;
    if (!parse_seconds(value, field))
      return "bad " + std::string(key) + " '" + std::string(value) + "'";
  } else {
    return "unknown option '" + std::string(key) + "'";
  }
  return "";
}

}  // namespace

std::string parse_args(std::span<const std::string_view> args, DriveSpec* out) {
  std::size_t i = 0;
  while (i < args.size()) {
    const std::string_view key = args[i];
    if (key == "--role") {
      if (i + 5 > args.size()) return "--role needs NAME CGROUP FLAGS CMDLINE";
      RoleSpec role;
      if (std::string e = parse_role(args.subspan(i + 1, 4), *out, &role); !e.empty()) return e;
      out->roles.push_back(std::move(role));
      i += 5;
      continue;
    }
    if (i + 1 >= args.size()) return "option '" + std::string(key) + "' needs a value";
    if (std::string e = parse_option(key, args[i + 1], out); !e.empty()) return e;
    i += 2;
  }
  if (out->out_dir.empty()) return "--out is required";
  bool any_target = false;
  for (const RoleSpec& r : out->roles) any_target = any_target || r.target;
  if (!any_target) return "at least one role must be a target";
  return "";
}

}  // namespace oomguard::vmdrive
