// scan_bench: full scan + rank time with the io_uring and the plain FileReader.
//   1. >= 5000 real processes: tiny sleepers spawned into a sandbox cgroup this program creates
//      (v1 memcg with a 1 GiB limit + cgroup2 dir), killed via cgroup.kill and removed on every
//      path (normal exit, error, SIGINT/SIGTERM/SIGHUP).
//   2. a 10 000-process fake tree (cgroup v2 layout, kernel text from extended/testdata) on tmpfs.
// Prints the median of several scans per backend (backends alternate, so drift hits both).
//
// usage: scan_bench [--real N] [--fake N] [--scans K] [--no-real]
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "config/load.h"
#include "extended/bench/bench_sandbox.h"
#include "extended/growth.h"
#include "extended/policy_rank.h"
#include "extended/scan_fake_tree.h"
#include "extended/scan_tree.h"
#include "extended/uring_reader.h"

namespace oomguard::extended::bench {
namespace {

struct Options {
  std::size_t real = 5000;
  std::size_t fake = 10000;
  int scans = 9;
  bool run_real = true;
};

double now_ms() {
  timespec ts{};
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<double>(ts.tv_sec) * 1e3 + static_cast<double>(ts.tv_nsec) / 1e6;
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v.empty() ? 0 : v[v.size() / 2];
}

struct Timing {
  std::vector<double> scan_ms, rank_ms;
  std::size_t processes = 0, files = 0, entries = 0, vanished = 0;
};

// Scans `scans` times with each reader, alternating, and prints one line per reader.
bool measure(const char* label, const ScannerParams& base, int scans, OwnProcesses own) {
  auto uring = make_uring_reader(UringParams{});
  if (!uring) std::printf("note: io_uring unavailable: %s\n", uring.error().message.c_str());
  auto plain = make_plain_reader();
  std::vector<FileReader*> readers = {plain.get()};
  if (uring) readers.insert(readers.begin(), uring.value().get());
  config::Config cfg = config::defaults();
  auto policy = Policy::compile(cfg.extended, cfg.core);
  if (!policy) return false;
  std::vector<Timing> t(readers.size());
  std::vector<GrowthTracker> growth(readers.size(), GrowthTracker(cfg.extended.growth_window_ms));
  for (int k = 0; k < scans; ++k) {
    for (std::size_t r = 0; r < readers.size(); ++r) {
      ScannerParams params = base;
      params.reader = readers[r];
      Scanner scanner(params);
      const double t0 = now_ms();
      auto scan = scanner.scan();
      const double t1 = now_ms();
      if (!scan) {
        std::fprintf(stderr, "scan failed: %s\n", scan.error().message.c_str());
        return false;
      }
      growth[r].record(*scan);
      const Ranking ranking = rank(RankParams{
          .scan = &scan.value(), .policy = &policy.value(), .growth = &growth[r], .own = own});
      const double t2 = now_ms();
      t[r].scan_ms.push_back(t1 - t0);
      t[r].rank_ms.push_back(t2 - t1);
      t[r].processes = scan->processes.size();
      t[r].files = scan->stats.files_read;
      t[r].entries = ranking.entries.size();
      t[r].vanished += scan->stats.vanished_processes;
    }
  }
  for (std::size_t r = 0; r < readers.size(); ++r) {
    const double scan = median(t[r].scan_ms), rank_ms = median(t[r].rank_ms);
    std::printf(
        "%-34s %-8s %6zu procs %7zu files  scan %8.2f ms  rank %6.2f ms  total %8.2f ms"
        "  (%zu ranked, %zu vanished over %d scans)\n",
        label, std::string(readers[r]->name()).c_str(), t[r].processes, t[r].files, scan, rank_ms,
        scan + rank_ms, t[r].entries, t[r].vanished, scans);
  }
  return true;
}

bool bench_real(const Options& o) {
  Sandbox sandbox;
  const std::string name = "oomguard-scan-bench-" + std::to_string(getpid());
  if (auto err = sandbox.create(SandboxParams{.name = name}); !err.empty()) {
    std::printf("real processes: skipped (%s)\n", err.c_str());
    return true;
  }
  const double t0 = now_ms();
  if (auto err = sandbox.spawn(o.real); !err.empty()) {
    std::fprintf(stderr, "spawning %zu processes failed: %s\n", o.real, err.c_str());
    return false;
  }
  std::printf("spawned %zu sleepers in /%s (v1 memcg limit 1 GiB + cgroup2) in %.0f ms\n", o.real,
              name.c_str(), now_ms() - t0);
  const OwnProcesses self{.extended_pid = getpid()};  // as oomguard-extended would
  ProcRoot proc;
  CgroupRoot cgroups;
  if (open_proc_root("auto", &proc) < 0 || open_cgroup_root("auto", "auto", &cgroups) < 0) {
    std::fprintf(stderr, "cannot open /proc or the cgroup roots\n");
    return false;
  }
  const bool ok =
      measure("real, scope = the sandbox",
              ScannerParams{.proc = proc, .cgroups = cgroups, .options = {.scope = name}}, o.scans,
              self) &&
      measure("real, whole machine", ScannerParams{.proc = proc, .cgroups = cgroups}, o.scans,
              self);
  close_roots(&proc, &cgroups);
  sandbox.destroy();
  return ok;
}

bool bench_fake(const Options& o) {
  const double t0 = now_ms();
  auto tree = FakeTree::create(FakeTreeParams{.testdata_dir = OOMGUARD_EXTENDED_TESTDATA});
  if (!tree) {
    std::fprintf(stderr, "fake tree: %s\n", tree.error().message.c_str());
    return false;
  }
  constexpr std::size_t kPerCgroup = 100;
  for (std::size_t i = 0; i < o.fake; ++i) {
    const std::string cg = "bench.slice/job-" + std::to_string(i / kPerCgroup);
    if (i == 0 && !tree->add_cgroup(FakeCgroup{.path = "bench.slice"})) return false;
    if (i % kPerCgroup == 0 && !tree->add_cgroup(FakeCgroup{.path = cg, .usage_bytes = 1 << 30})) {
      return false;
    }
    const auto pid = static_cast<pid_t>(1000 + i);
    if (!tree->add_process(FakeProcess{.pid = pid,
                                       .comm = "worker",
                                       .cmdline = "worker --id",
                                       .rss_kb = 1000 + i,
                                       .cgroup = cg})) {
      return false;
    }
  }
  std::printf("fake tree: %zu processes in %zu cgroups under %s, built in %.0f ms\n", o.fake,
              o.fake / kPerCgroup + 2, tree->dir().c_str(), now_ms() - t0);
  // The fake pids are not real processes: this one's pid must not exclude one of them.
  return measure("fake v2 tree", ScannerParams{.proc = tree->proc(), .cgroups = tree->cgroups()},
                 o.scans, OwnProcesses{});
}

Options parse(int argc, char** argv) {
  Options o;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    const bool has_value = i + 1 < argc;
    if (a == "--real" && has_value)
      o.real = std::strtoul(argv[++i], nullptr, 10);
    else if (a == "--fake" && has_value)
      o.fake = std::strtoul(argv[++i], nullptr, 10);
    else if (a == "--scans" && has_value)
      o.scans = std::atoi(argv[++i]);
    else if (a == "--no-real")
      o.run_real = false;
    else {
      std::fprintf(stderr, "usage: scan_bench [--real N] [--fake N] [--scans K] [--no-real]\n");
      std::exit(2);
    }
  }
  o.scans = std::max(o.scans, 1);
  return o;
}

}  // namespace
}  // namespace oomguard::extended::bench

int main(int argc, char** argv) {
  using namespace oomguard::extended::bench;  // NOLINT(google-build-using-namespace)
  const Options o = parse(argc, argv);
  std::printf(
      "scan_bench: median of %d scans per backend (scan = cgroups + /proc reads + parse;"
      " rank = policy over the scan)\n",
      o.scans);
  if (o.run_real && !bench_real(o)) return 1;
  if (o.fake > 0 && !bench_fake(o)) return 1;
  return 0;
}
