#include "tools/hog/cli.h"

#include <charconv>
#include <cmath>
#include <cstdio>
#include <functional>
#include <limits>

#include "tools/hog/overloaded.h"

namespace oomguard::hog {
namespace {

using Setter = std::function<Result<void>(std::string_view option, std::string_view value)>;

struct OptionDef {
  std::string_view name;
  bool takes_value;
  Setter set;
};

Error usage(std::string message) { return Error{std::move(message)}; }

Result<std::uint64_t> parse_u64(std::string_view option, std::string_view text) {
  std::uint64_t value = 0;
  const char* end = text.data() + text.size();
  auto [ptr, ec] = std::from_chars(text.data(), end, value);
  if (text.empty() || ec != std::errc() || ptr != end) {
    return usage(std::string(option) + ": expected a non-negative integer, got '" +
                 std::string(text) + "'");
  }
  return value;
}

Result<double> parse_double(std::string_view option, std::string_view text) {
  double value = 0;
  const char* end = text.data() + text.size();
  auto [ptr, ec] = std::from_chars(text.data(), end, value);
  if (text.empty() || ec != std::errc() || ptr != end || !std::isfinite(value) || value < 0) {
    return usage(std::string(option) + ": expected a non-negative number, got '" +
                 std::string(text) + "'");
  }
  return value;
}

template <typename T>
Setter uint_into(T& out) {
  return [&out](std::string_view option, std::string_view value) -> Result<void> {
    auto parsed = parse_u64(option, value);
    if (!parsed) return parsed.error();
    if (*parsed > static_cast<std::uint64_t>(std::numeric_limits<T>::max())) {
      return usage(std::string(option) + ": value too large");
    }
    out = static_cast<T>(*parsed);
    return {};
  };
}

template <typename T>
Setter optional_uint_into(std::optional<T>& out) {
  return [&out](std::string_view option, std::string_view value) -> Result<void> {
    T tmp{};
    if (auto r = uint_into(tmp)(option, value); !r) return r;
    out = tmp;
    return {};
  };
}

Setter double_into(double& out) {
  return [&out](std::string_view option, std::string_view value) -> Result<void> {
    auto parsed = parse_double(option, value);
    if (!parsed) return parsed.error();
    out = *parsed;
    return {};
  };
}

Setter optional_double_into(std::optional<double>& out) {
  return [&out](std::string_view option, std::string_view value) -> Result<void> {
    auto parsed = parse_double(option, value);
    if (!parsed) return parsed.error();
    out = *parsed;
    return {};
  };
}

Setter flag_into(bool& out) {
  return [&out](std::string_view, std::string_view) -> Result<void> {
    out = true;
    return {};
  };
}

Setter string_into(std::string& out) {
  return [&out](std::string_view option, std::string_view value) -> Result<void> {
    if (value.empty()) return usage(std::string(option) + ": expected a non-empty value");
    out = std::string(value);
    return {};
  };
}

std::vector<OptionDef> common_options(CommonOptions& c) {
  return {
      {"--cgroup", true,
       [&c](std::string_view option, std::string_view value) -> Result<void> {
         if (value.empty()) return usage(std::string(option) + ": expected a cgroup path");
         c.cgroups.emplace_back(value);
         return {};
       }},
      {"--comm", true,
       [&c](std::string_view option, std::string_view value) -> Result<void> {
         if (value.empty() || value.size() > 15) {
           return usage(std::string(option) + ": the name must be 1..15 bytes");
         }
         c.comm = std::string(value);
         return {};
       }},
      {"--json", false, flag_into(c.json)},
      {"--quiet", false, flag_into(c.quiet)},
      {"--interval-ms", true, uint_into(c.interval_ms)},
  };
}

std::vector<OptionDef> mode_options(ModeSpec& spec) {
  return std::visit(Overloaded{
                        [](AnonSpec& s) -> std::vector<OptionDef> {
                          return {{"--total-mib", true, uint_into(s.total_mib)},
                                  {"--rate-mib", true, double_into(s.rate_mib_s)},
                                  {"--hold", false,
                                   [&s](auto, auto) -> Result<void> {
                                     s.retouch = false;
                                     return {};
                                   }},
                                  {"--retouch", false, flag_into(s.retouch)},
                                  {"--hold-s", true, optional_double_into(s.hold_s)}};
                        },
                        [](ThrashSpec& s) -> std::vector<OptionDef> {
                          return {{"--file", true, string_into(s.file)},
                                  {"--file-mib", true, uint_into(s.file_mib)},
                                  {"--random", false, flag_into(s.random)},
                                  {"--remove", false, flag_into(s.remove)},
                                  {"--passes", true, optional_uint_into(s.passes)},
                                  {"--duration-s", true, optional_double_into(s.duration_s)}};
                        },
                        [](LeakSpec& s) -> std::vector<OptionDef> {
                          return {{"--rate-mib", true, double_into(s.rate_mib_s)}};
                        },
                        [](SpikeSpec& s) -> std::vector<OptionDef> {
                          return {{"--mib", true, uint_into(s.mib)},
                                  {"--rate-mib", true, double_into(s.rate_mib_s)},
                                  {"--hold-ms", true, uint_into(s.hold_ms)},
                                  {"--repeat", true, uint_into(s.repeat)},
                                  {"--every-ms", true, uint_into(s.every_ms)}};
                        },
                        [](FanoutSpec& s) -> std::vector<OptionDef> {
                          return {{"--workers", true, uint_into(s.workers)},
                                  {"--worker-mib", true, uint_into(s.worker_mib)},
                                  {"--worker-comm", true, string_into(s.worker_comm)},
                                  {"--rate-mib", true, double_into(s.rate_mib_s)},
                                  {"--retouch", false, flag_into(s.retouch)},
                                  {"--hold-s", true, optional_double_into(s.hold_s)}};
                        },
                        [](CanarySpec& s) -> std::vector<OptionDef> {
                          return {{"--period-ms", true, uint_into(s.period_ms)},
                                  {"--ws-kib", true, uint_into(s.ws_kib)},
                                  {"--duration-s", true, optional_double_into(s.duration_s)}};
                        },
                    },
                    spec);
}

std::optional<ModeSpec> new_mode(std::string_view name) {
  if (name == "anon") return AnonSpec{};
  if (name == "thrash") return ThrashSpec{};
  if (name == "leak") return LeakSpec{};
  if (name == "spike") return SpikeSpec{};
  if (name == "fanout") return FanoutSpec{};
  if (name == "canary") return CanarySpec{};
  return std::nullopt;
}

Result<void> require(bool condition, std::string_view mode, std::string_view what) {
  if (condition) return {};
  return usage(std::string(mode) + ": " + std::string(what));
}

Result<void> validate(const ModeSpec& spec) {
  return std::visit(
      Overloaded{
          [](const AnonSpec& s) {
            return require(s.total_mib > 0, "anon", "--total-mib N is required (N > 0)");
          },
          [](const ThrashSpec& s) {
            return require(s.file_mib > 0, "thrash", "--file-mib N is required (N > 0)");
          },
          [](const LeakSpec& s) {
            return require(s.rate_mib_s > 0, "leak", "--rate-mib must be > 0");
          },
          [](const SpikeSpec& s) -> Result<void> {
            if (auto r = require(s.mib > 0, "spike", "--mib N is required (N > 0)"); !r) return r;
            return require(s.repeat >= 1, "spike", "--repeat must be >= 1");
          },
          [](const FanoutSpec& s) -> Result<void> {
            if (auto r = require(s.workers >= 1 && s.workers <= 4096, "fanout",
                                 "--workers N is required (1..4096)");
                !r) {
              return r;
            }
            if (auto r = require(s.worker_comm.size() <= 15, "fanout",
                                 "--worker-comm must be at most 15 bytes");
                !r) {
              return r;
            }
            return require(s.worker_mib > 0, "fanout", "--worker-mib M is required (M > 0)");
          },
          [](const CanarySpec& s) -> Result<void> {
            if (auto r = require(s.period_ms >= 1, "canary", "--period-ms must be >= 1"); !r) {
              return r;
            }
            return require(s.ws_kib >= 4, "canary", "--ws-kib must be >= 4");
          },
      },
      spec);
}

const OptionDef* find_option(const std::vector<OptionDef>& table, std::string_view name) {
  for (const OptionDef& def : table) {
    if (def.name == name) return &def;
  }
  return nullptr;
}

// Applies `token` (and maybe the next argument) from the mode table or the common table.
// Returns how many arguments were consumed.
Result<std::size_t> apply_option(std::span<const std::string_view> rest,
                                 const std::vector<OptionDef>& mode_table,
                                 const std::vector<OptionDef>& common_table,
                                 std::string_view context) {
  std::string_view token = rest[0];
  std::string_view name = token;
  std::optional<std::string_view> inline_value;
  if (auto eq = token.find('='); eq != std::string_view::npos) {
    name = token.substr(0, eq);
    inline_value = token.substr(eq + 1);
  }
  const OptionDef* def = find_option(mode_table, name);
  if (def == nullptr) def = find_option(common_table, name);
  if (def == nullptr) {
    return usage("unknown option '" + std::string(name) + "' " + std::string(context));
  }
  if (!def->takes_value) {
    if (inline_value) return usage(std::string(name) + " takes no value");
    if (auto r = def->set(name, {}); !r) return r.error();
    return std::size_t{1};
  }
  if (inline_value) {
    if (auto r = def->set(name, *inline_value); !r) return r.error();
    return std::size_t{1};
  }
  if (rest.size() < 2) return usage(std::string(name) + " needs a value");
  if (auto r = def->set(name, rest[1]); !r) return r.error();
  return std::size_t{2};
}

std::string format_double(double value) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.17g", value);
  return buf;
}

}  // namespace

Result<Invocation> parse_command_line(std::span<const std::string_view> args) {
  Invocation inv;
  for (std::string_view a : args) {
    if (a == "--") break;
    if (a == "-h" || a == "--help") {
      inv.help = true;
      return inv;
    }
  }
  const std::vector<OptionDef> common_table = common_options(inv.common);
  std::vector<OptionDef> mode_table;
  std::string context = "before the first mode";
  std::size_t i = 0;
  while (i < args.size()) {
    std::string_view token = args[i];
    if (std::optional<ModeSpec> mode = new_mode(token)) {
      if (!inv.modes.empty()) {
        if (auto r = validate(inv.modes.back()); !r) return r.error();
      }
      inv.modes.push_back(std::move(*mode));
      mode_table = mode_options(inv.modes.back());
      context = "for mode " + std::string(token);
      ++i;
      continue;
    }
    if (!token.starts_with("--")) {
      return usage("unexpected argument '" + std::string(token) +
                   "' (modes: anon thrash leak spike fanout canary)");
    }
    auto consumed = apply_option(args.subspan(i), mode_table, common_table, context);
    if (!consumed) return consumed.error();
    i += *consumed;
  }
  if (inv.modes.empty()) return usage("no mode given (see --help)");
  if (auto r = validate(inv.modes.back()); !r) return r.error();
  if (inv.common.interval_ms == 0) return usage("--interval-ms must be > 0");
  return inv;
}

std::string_view mode_name(const ModeSpec& spec) {
  static constexpr std::string_view kNames[] = {"anon",  "thrash", "leak",
                                                "spike", "fanout", "canary"};
  static_assert(std::variant_size_v<ModeSpec> == std::size(kNames));
  return kNames[spec.index()];
}

std::vector<std::string> anon_worker_args(const FanoutSpec& spec) {
  std::vector<std::string> args = {"--comm",      spec.worker_comm,
                                   "--quiet",     "anon",
                                   "--total-mib", std::to_string(spec.worker_mib),
                                   "--rate-mib",  format_double(spec.rate_mib_s)};
  if (spec.retouch) args.emplace_back("--retouch");
  if (spec.hold_s) {
    args.emplace_back("--hold-s");
    args.push_back(format_double(*spec.hold_s));
  }
  return args;
}

}  // namespace oomguard::hog
