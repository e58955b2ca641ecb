#include "extended/policy_rank.h"

#include <algorithm>
#include <cmath>

namespace oomguard::extended {
namespace {

struct Candidate {
  bool is_process = false;
  std::size_t index = 0;  // into scan.processes or scan.cgroups
  int priority = 0;
  std::uint64_t badness = 0;
};

class RankBuilder {
 public:
  explicit RankBuilder(const RankParams& p)
      : p_(p), scan_(*p.scan), policy_(*p.policy), n_cg_(scan_.cgroups.size()) {}
  Ranking run();

 private:
  std::optional<std::size_t> start() const;
  void decide_cgroups(std::size_t start);
  void decide_processes();
  void count_subtrees();
  std::optional<std::string> process_protection(const ProcessInfo& p) const;
  std::uint64_t badness(std::uint64_t size, std::int64_t growth) const;
  std::int64_t process_growth(const ProcessInfo& p) const;
  std::int64_t cgroup_growth(const CgroupInfo& c) const;
  bool can_kill_group(std::size_t cg) const;
  void emit_level(std::size_t cg);
  void emit_process(std::size_t i);
  void emit_cgroup(std::size_t cg, const Decision& d, std::string note);
  bool in_walk(std::size_t cg) const { return walk_[cg] != 0; }

  const RankParams& p_;
  const ScanResult& scan_;
  const Policy& policy_;
  std::size_t n_cg_;
  std::size_t start_ = 0;
  std::vector<char> walk_;  // cgroup is in the scope and not excluded by protection
  std::vector<Decision> cg_dec_;
  std::vector<Decision> proc_dec_;
  std::vector<char> rankable_;        // per process
  std::vector<char> protected_proc_;  // per process: a live process that must not be killed
  std::vector<std::uint32_t> rankable_below_;  // per cgroup: rankable processes in the subtree
  std::vector<char> protected_below_;          // per cgroup: subtree holds something protected
  std::vector<char> group_emitted_;
  Ranking out_;
};

std::optional<std::size_t> RankBuilder::start() const {
  const std::string& scope = policy_.scope();
  for (std::size_t i = 0; i < n_cg_; ++i) {
    if (scan_.cgroups[i].path == scope) return i;
  }
  // A scan of a subtree of the scope is ranked from its own root.
  if (n_cg_ > 0 && path_within(scan_.cgroups[0].path, scope)) return 0;
  return std::nullopt;
}

void RankBuilder::decide_cgroups(std::size_t start) {
  walk_.assign(n_cg_, 0);
  cg_dec_.assign(n_cg_, Decision{});
  walk_[start] = 1;
  cg_dec_[start] = policy_.decide_cgroup(scan_.cgroups[start]);
  if (cg_dec_[start].is_protected) {
    walk_[start] = 0;
    ++out_.stats.protected_cgroups;
  }
  // Parents come before children in the scan, so one forward pass suffices.
  for (std::size_t i = start + 1; i < n_cg_; ++i) {
    const int parent = scan_.cgroups[i].parent;
    if (parent < 0 || !in_walk(static_cast<std::size_t>(parent))) continue;
    cg_dec_[i] = policy_.decide_cgroup(scan_.cgroups[i]);
    if (cg_dec_[i].is_protected) {
      ++out_.stats.protected_cgroups;
      continue;
    }
    walk_[i] = 1;
  }
}

std::optional<std::string> RankBuilder::process_protection(const ProcessInfo& p) const {
  if (p.pid == 1) return "pid 1";
  if (p.kernel_thread) return "kernel thread";
  if (p.pid == p_.own.extended_pid) return "oomguard-extended";
  if (p.pid == p_.own.core_pid) return "oomguard-core";
  if (p_.own.extended_pid > 0 && p.ppid == p_.own.extended_pid) return "oomguard-extended hook";
  return std::nullopt;
}

void RankBuilder::decide_processes() {
  const std::size_t n = scan_.processes.size();
  proc_dec_.assign(n, Decision{});
  rankable_.assign(n, 0);
  protected_proc_.assign(n, 0);
  for (std::size_t i = 0; i < n; ++i) {
    const ProcessInfo& p = scan_.processes[i];
    if (p.state == 'Z' || p.state == 'X') continue;  // no memory left to free
    if (!in_walk(p.cgroup)) {
      // Inside a protected subtree (or outside the scope): never ranked; a killed group above
      // would take it along, so it still counts as protected there.
      protected_proc_[i] = 1;
      continue;
    }
    if (auto why = process_protection(p)) {
      protected_proc_[i] = 1;
      proc_dec_[i] = Decision{.is_protected = true, .why = *why};
    } else {
      proc_dec_[i] = policy_.decide_process(p, scan_.cgroups[p.cgroup]);
      protected_proc_[i] = proc_dec_[i].is_protected;
    }
    if (protected_proc_[i]) {
      ++out_.stats.protected_processes;
    } else {
      rankable_[i] = 1;
    }
  }
}

void RankBuilder::count_subtrees() {
  rankable_below_.assign(n_cg_, 0);
  protected_below_.assign(n_cg_, 0);
  for (std::size_t i = 0; i < scan_.processes.size(); ++i) {
    const std::size_t cg = scan_.processes[i].cgroup;
    rankable_below_[cg] += rankable_[i] ? 1u : 0u;
    protected_below_[cg] |= protected_proc_[i];
  }
  for (std::size_t i = n_cg_; i-- > 1;) {  // children after parents: bottom-up
    const int parent = scan_.cgroups[i].parent;
    if (parent < 0) continue;
    rankable_below_[static_cast<std::size_t>(parent)] += rankable_below_[i];
    protected_below_[static_cast<std::size_t>(parent)] |= protected_below_[i];
  }
}

std::uint64_t RankBuilder::badness(std::uint64_t size, std::int64_t growth) const {
  const double window_s = policy_.growth_window_ms() / 1000.0;
  const double projected =
      static_cast<double>(size) +
      policy_.growth_weight() * static_cast<double>(std::max<std::int64_t>(growth, 0)) * window_s;
  if (!(projected < 9.2e18)) return UINT64_MAX / 2;
  return static_cast<std::uint64_t>(std::llround(projected));
}

std::int64_t RankBuilder::process_growth(const ProcessInfo& p) const {
  return p_.growth ? p_.growth->process_growth(p.pid, p.start_time_ticks) : 0;
}

std::int64_t RankBuilder::cgroup_growth(const CgroupInfo& c) const {
  return p_.growth ? p_.growth->cgroup_growth(c.id) : 0;
}

bool RankBuilder::can_kill_group(std::size_t cg) const {
  return cg != start_ && !scan_.cgroups[cg].path.empty() && !protected_below_[cg];
}

void RankBuilder::emit_cgroup(std::size_t cg, const Decision& d, std::string note) {
  const CgroupInfo& c = scan_.cgroups[cg];
  const std::int64_t growth = cgroup_growth(c);
  group_emitted_[cg] = 1;
  out_.entries.push_back(RankedEntry{.kind = shm::EntryKind::kCgroup,
                                     .kill_mode = shm::KillMode::kGroup,
                                     .reason = d.reason,
                                     .cgroup_id = c.id,
                                     .cgroup_path = c.path,
                                     .priority = d.priority,
                                     .rule_index = d.rule_index,
                                     .rule_name = policy_.rule_name(d.rule_index),
                                     .badness = badness(c.size_bytes, growth),
                                     .rss_swap_bytes = c.size_bytes,
                                     .growth_bytes_per_s = growth,
                                     .note = std::move(note)});
}

void RankBuilder::emit_process(std::size_t i) {
  const ProcessInfo& p = scan_.processes[i];
  const Decision& d = proc_dec_[i];
  if (d.kill_mode == shm::KillMode::kGroup) {
    if (group_emitted_[p.cgroup]) return;  // its cgroup is already in the ranking
    if (can_kill_group(p.cgroup)) {
      emit_cgroup(p.cgroup, d, "group of pid " + std::to_string(p.pid) + " (" + p.comm + ")");
      return;
    }
    ++out_.stats.demoted_groups;
  }
  const std::int64_t growth = process_growth(p);
  std::string note;
  if (d.kill_mode == shm::KillMode::kGroup) note = "group refused: protected member or root";
  out_.entries.push_back(RankedEntry{.kind = shm::EntryKind::kProcess,
                                     .kill_mode = shm::KillMode::kProcess,
                                     .reason = d.reason,
                                     .pid = p.pid,
                                     .start_time_ticks = p.start_time_ticks,
                                     .cgroup_id = scan_.cgroups[p.cgroup].id,
                                     .cgroup_path = scan_.cgroups[p.cgroup].path,
                                     .priority = d.priority,
                                     .rule_index = d.rule_index,
                                     .rule_name = policy_.rule_name(d.rule_index),
                                     .badness = badness(p.rss_swap_bytes(), growth),
                                     .rss_swap_bytes = p.rss_swap_bytes(),
                                     .growth_bytes_per_s = growth,
                                     .comm = p.comm,
                                     .uid = p.uid,
                                     .oom_score_adj = p.oom_score_adj,
                                     .cmdline = p.cmdline,
                                     .note = std::move(note)});
}

void RankBuilder::emit_level(std::size_t cg) {
  const CgroupInfo& level = scan_.cgroups[cg];
  std::vector<Candidate> candidates;
  for (std::size_t i : level.processes) {
    if (!rankable_[i]) continue;
    const ProcessInfo& p = scan_.processes[i];
    candidates.push_back(Candidate{.is_process = true,
                                   .index = i,
                                   .priority = proc_dec_[i].priority,
                                   .badness = badness(p.rss_swap_bytes(), process_growth(p))});
  }
  for (std::size_t c : level.children) {
    if (!in_walk(c) || rankable_below_[c] == 0) continue;
    const CgroupInfo& child = scan_.cgroups[c];
    candidates.push_back(Candidate{.is_process = false,
                                   .index = c,
                                   .priority = cg_dec_[c].priority,
                                   .badness = badness(child.size_bytes, cgroup_growth(child))});
  }
  std::sort(candidates.begin(), candidates.end(), [&](const Candidate& a, const Candidate& b) {
    if (a.priority != b.priority) return a.priority < b.priority;
    if (a.badness != b.badness) return a.badness > b.badness;
    if (a.is_process != b.is_process) return a.is_process;
    if (a.is_process) return scan_.processes[a.index].pid < scan_.processes[b.index].pid;
    return scan_.cgroups[a.index].path < scan_.cgroups[b.index].path;
  });
  for (const Candidate& c : candidates) {
    if (c.is_process) {
      emit_process(c.index);
    } else if (cg_dec_[c.index].kill_mode == shm::KillMode::kGroup && can_kill_group(c.index)) {
      emit_cgroup(c.index, cg_dec_[c.index], cg_dec_[c.index].why);
    } else {
      if (cg_dec_[c.index].kill_mode == shm::KillMode::kGroup) ++out_.stats.demoted_groups;
      emit_level(c.index);
    }
  }
}

Ranking RankBuilder::run() {
  out_.scan_time_ns = scan_.time_ns;
  out_.scan_last_pid = scan_.last_pid;
  const auto first = start();
  if (!first) return std::move(out_);
  start_ = *first;
  group_emitted_.assign(n_cg_, 0);
  decide_cgroups(start_);
  decide_processes();
  count_subtrees();
  if (in_walk(start_)) emit_level(start_);
  out_.stats.candidates = out_.entries.size();
  return std::move(out_);
}

}  // namespace

Ranking rank(const RankParams& params) { return RankBuilder(params).run(); }

}  // namespace oomguard::extended
