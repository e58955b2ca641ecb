// hog's command line: `hog [COMMON OPTIONS] MODE [MODE OPTIONS] [MODE [MODE OPTIONS]...]`.
// Parsing is pure (no I/O) and produces plain specs; every mode named on the command line runs
// concurrently in the same process. Usage errors come back as Error (exit code 2).
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "tools/hog/result.h"

namespace oomguard::hog {

// anon: allocate + touch anonymous memory at a rate up to a total, then hold or retouch.
struct AnonSpec {
  std::uint64_t total_mib = 0;   // required, > 0
  double rate_mib_s = 0;         // 0 = as fast as possible
  bool retouch = false;          // after the total: keep touching (default: hold)
  std::optional<double> hold_s;  // time spent holding/retouching; empty = forever
};

// thrash: page-cache thrash by re-reading an mmapped file in a loop.
struct ThrashSpec {
  std::string file = "hog-thrash.dat";  // created (filled) if missing or shorter
  std::uint64_t file_mib = 0;           // required, > 0
  bool random = false;                  // MADV_RANDOM + random page order (default sequential)
  bool remove = false;                  // unlink the file once mapped (gone even if killed)
  std::optional<std::uint64_t> passes;  // empty = forever
  std::optional<double> duration_s;     // empty = forever
};

// leak: slow growth forever.
struct LeakSpec {
  double rate_mib_s = 1;  // > 0
};

// spike: allocate quickly, hold briefly, release; optionally repeated.
struct SpikeSpec {
  std::uint64_t mib = 0;  // required, > 0
  double rate_mib_s = 0;  // 0 = as fast as possible
  std::uint64_t hold_ms = 1000;
  std::uint64_t repeat = 1;    // >= 1
  std::uint64_t every_ms = 0;  // start-to-start period; 0 = back to back
};

// fanout: N worker processes of M MiB each (the "make -j20" case).
struct FanoutSpec {
  std::uint32_t workers = 0;     // required, 1..4096
  std::uint64_t worker_mib = 0;  // required, > 0
  std::string worker_comm = "hog-worker";
  double rate_mib_s = 0;  // per worker; 0 = as fast as possible
  bool retouch = false;
  std::optional<double> hold_s;  // per worker, after its allocation; empty = forever
};

// canary: measures its own scheduling / page-fault stall.
struct CanarySpec {
  std::uint64_t period_ms = 10;      // >= 1
  std::uint64_t ws_kib = 256;        // working set touched every period, >= 4
  std::optional<double> duration_s;  // empty = forever
};

using ModeSpec = std::variant<AnonSpec, ThrashSpec, LeakSpec, SpikeSpec, FanoutSpec, CanarySpec>;

struct CommonOptions {
  std::vector<std::string> cgroups;  // --cgroup, in order
  std::string comm;                  // --comm; empty = unchanged
  bool json = false;
  bool quiet = false;                // no progress and no summary on stdout
  std::uint64_t interval_ms = 1000;  // progress period
};

struct Invocation {
  bool help = false;  // --help anywhere: print usage, exit 0
  CommonOptions common;
  std::vector<ModeSpec> modes;  // at least one unless help
};

// args excludes argv[0].
Result<Invocation> parse_command_line(std::span<const std::string_view> args);

std::string_view mode_name(const ModeSpec& spec);

// The full --help text.
std::string_view usage_text();

// Rebuilds the argument list of an `anon` run (used by fanout to start its workers).
std::vector<std::string> anon_worker_args(const FanoutSpec& spec);

}  // namespace oomguard::hog
