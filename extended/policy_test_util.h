// Test helpers for the pure policy tests: an in-memory ScanResult builder and a config factory.
#pragma once

#include <gtest/gtest.h>

#include <string>

#include "config/load.h"
#include "extended/model.h"
#include "extended/policy.h"
#include "extended/policy_rank.h"

namespace oomguard::extended::testing {

inline constexpr std::uint64_t kMiB = 1 << 20;

struct Proc {
  pid_t pid = 0;
  std::string comm;
  std::uint64_t rss_mib = 0;
  int adj = 0;
  pid_t ppid = 1;
  std::uint32_t uid = 1000;
  std::string cmdline{};
  bool kernel_thread = false;
  std::uint64_t start = 0;  // 0 = pid * 10
};

class ScanBuilder {
 public:
  ScanBuilder() { scan_.cgroups.push_back(CgroupInfo{.path = "", .id = 1}); }

  // Adds cgroup `path` (its parent must exist) with a v2 size.
  ScanBuilder& cgroup(const std::string& path, std::uint64_t size_mib, bool oom_group = false,
                      std::optional<int> xattr = std::nullopt) {
    const std::size_t parent =
        index(path.substr(0, path.rfind('/') == std::string::npos ? 0 : path.rfind('/')));
    CgroupInfo c{
        .path = path, .id = 100 + scan_.cgroups.size(), .parent = static_cast<int>(parent)};
    c.size_source = SizeSource::kV2;
    c.usage_bytes = c.size_bytes = size_mib * kMiB;
    c.oom_group = oom_group;
    c.xattr_priority = xattr;
    scan_.cgroups[parent].children.push_back(scan_.cgroups.size());
    scan_.cgroups.push_back(std::move(c));
    return *this;
  }
  ScanBuilder& process(const std::string& cgroup, const Proc& p) {
    ProcessInfo info;
    info.pid = p.pid;
    info.ppid = p.ppid;
    info.state = 'S';
    info.start_time_ticks = p.start ? p.start : static_cast<std::uint64_t>(p.pid) * 10;
    info.kernel_thread = p.kernel_thread;
    info.uid = p.uid;
    info.oom_score_adj = p.adj;
    info.rss_bytes = p.rss_mib * kMiB;
    info.comm = p.comm;
    info.cmdline = p.cmdline.empty() ? p.comm : p.cmdline;
    info.cgroup = index(cgroup);
    scan_.cgroups[info.cgroup].processes.push_back(scan_.processes.size());
    scan_.processes.push_back(std::move(info));
    return *this;
  }
  ScanBuilder& at(std::uint64_t time_ns) {
    scan_.time_ns = time_ns;
    return *this;
  }
  std::size_t index(const std::string& path) const {
    for (std::size_t i = 0; i < scan_.cgroups.size(); ++i) {
      if (scan_.cgroups[i].path == path) return i;
    }
    ADD_FAILURE() << "no cgroup " << path;
    return 0;
  }
  ScanResult& scan() { return scan_; }

 private:
  ScanResult scan_;
};

inline config::Config test_config() {
  config::Config c = config::defaults();
  c.core.protected_comms.clear();
  c.extended.rules.clear();
  c.extended.growth_weight = 0;
  return c;
}

inline config::Rule rule(std::string name) {
  config::Rule r;
  r.name = std::move(name);
  return r;
}

inline Policy compile_or_die(const config::Config& c) {
  auto p = Policy::compile(c.extended, c.core);
  EXPECT_TRUE(p) << (p ? "" : p.error().message);
  return std::move(p.value());
}

inline Ranking rank_of(ScanResult& scan, const config::Config& c, OwnProcesses own = {},
                       const GrowthTracker* growth = nullptr) {
  Policy policy = compile_or_die(c);
  return rank(RankParams{.scan = &scan, .policy = &policy, .growth = growth, .own = own});
}

// "p:PID" for processes, "c:/path" for cgroups, in ranking order.
inline std::vector<std::string> order(const Ranking& r) {
  std::vector<std::string> out;
  for (const RankedEntry& e : r.entries) {
    out.push_back(e.kind == shm::EntryKind::kProcess ? "p:" + std::to_string(e.pid)
                                                     : "c:/" + e.cgroup_path);
  }
  return out;
}

}  // namespace oomguard::extended::testing
