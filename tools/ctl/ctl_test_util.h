// Test helpers for oomguardctl: a region created in this process (so /proc/self/fd holds
// "/memfd:oomguard (deleted)") filled as a running core and extended would fill it, and
// temporary directories.
#pragma once

#include <gtest/gtest.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include <cstring>
#include <filesystem>
#include <string>
#include <vector>

#include "shm/heartbeat.h"
#include "shm/rankings.h"
#include "shm/region.h"

namespace oomguard::ctl::testing {

inline constexpr std::uint64_t kMiB = 1 << 20;
inline constexpr std::uint64_t kNsPerMs = 1'000'000;

inline std::uint64_t now_ns() {
  timespec ts{};
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<std::uint64_t>(ts.tv_sec) * 1'000'000'000u +
         static_cast<std::uint64_t>(ts.tv_nsec);
}

struct EntrySpec {
  shm::EntryKind kind = shm::EntryKind::kProcess;
  std::int32_t pid = 0;
  const char* comm = "";
  const char* cgroup = "";  // relative, no leading '/'
  std::int32_t priority = 500;
  shm::Reason reason = shm::Reason::kDefault;
  std::uint32_t rule_index = 0;
  shm::KillMode kill_mode = shm::KillMode::kProcess;
  std::uint64_t rss_swap_bytes = 0;
  std::int64_t growth_bytes_per_s = 0;
};

inline shm::RankingEntry make_entry(const EntrySpec& s) {
  shm::RankingEntry e{};
  e.kind = static_cast<std::uint8_t>(s.kind);
  e.kill_mode = static_cast<std::uint8_t>(s.kill_mode);
  e.reason = static_cast<std::uint16_t>(s.reason);
  e.pid = s.pid;
  e.start_time_ticks = 1000 + static_cast<std::uint64_t>(s.pid);
  e.cgroup_id = 77;
  e.priority = s.priority;
  e.rule_index = s.rule_index;
  e.rss_swap_bytes = s.rss_swap_bytes;
  e.badness = s.rss_swap_bytes +
              static_cast<std::uint64_t>(std::max<std::int64_t>(0, s.growth_bytes_per_s * 30));
  e.growth_bytes_per_s = s.growth_bytes_per_s;
  std::strncpy(e.comm, s.comm, sizeof e.comm - 1);
  std::strncpy(e.cgroup_path, s.cgroup, sizeof e.cgroup_path - 1);
  return e;
}

// A region as a healthy pair of daemons leaves it: core = this process, extended = `extended`
// (default: this process too, so it is alive), fresh heartbeats, every protection, one ranking.
class FakeDaemons {
 public:
  explicit FakeDaemons(pid_t extended = getpid()) {
    EXPECT_EQ(shm::Region::create(getpid(), now_ns(), &region_), 0);
    shm::Header& h = region_.header();
    h.core_protections = shm::kProtMlock | shm::kProtMemoryMin | shm::kProtSchedFifo |
                         shm::kProtOomScoreAdj | shm::kProtPsiTriggers;
    h.core_flags = 0;
    h.extended_pid.store(extended);
    beat();
  }
  void beat(std::uint64_t age_ms = 0) {
    shm::beat_core(region_, now_ns() - age_ms * kNsPerMs);
    shm::beat_extended(region_, now_ns() - age_ms * kNsPerMs);
  }
  std::uint64_t publish(const std::vector<EntrySpec>& specs, std::uint64_t age_ms = 0) {
    std::vector<shm::RankingEntry> entries;
    for (const EntrySpec& s : specs) entries.push_back(make_entry(s));
    shm::RankingWriter writer(region_);
    return writer.publish(entries, now_ns() - age_ms * kNsPerMs);
  }
  shm::Region& region() { return region_; }
  shm::Header& header() { return region_.header(); }

 private:
  shm::Region region_;
};

// The ranking most tests use: two processes and a group.
inline std::vector<EntrySpec> sample_ranking() {
  return {
      {.pid = 4242,
       .comm = "cc1plus",
       .cgroup = "user.slice/build",
       .priority = 100,
       .reason = shm::Reason::kRule,
       .rule_index = 2,
       .rss_swap_bytes = 1536 * kMiB,
       .growth_bytes_per_s = 10 * static_cast<std::int64_t>(kMiB)},
      {.kind = shm::EntryKind::kCgroup,
       .cgroup = "system.slice/batch.service",
       .priority = 300,
       .reason = shm::Reason::kXattr,
       .kill_mode = shm::KillMode::kGroup,
       .rss_swap_bytes = 800 * kMiB},
      {.pid = 77,
       .comm = "python3",
       .cgroup = "user.slice",
       .priority = 500,
       .reason = shm::Reason::kOomScoreAdj,
       .rss_swap_bytes = 300 * kMiB,
       .growth_bytes_per_s = -1024},
  };
}

class TempDir {
 public:
  TempDir() {
    char tmpl[] = "/tmp/oomguardctl-test-XXXXXX";
    EXPECT_NE(mkdtemp(tmpl), nullptr);
    path_ = tmpl;
  }
  ~TempDir() { std::filesystem::remove_all(path_); }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

}  // namespace oomguard::ctl::testing
