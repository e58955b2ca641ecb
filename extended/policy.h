// extended/policy.h — the compiled policy: which priority, kill mode and protection each cgroup
// and each process gets. Pure: decisions are functions of the scanned data and the configuration
// (rules from ExtendedConfig; scope, protected_comms and protected_cgroups from CoreConfig, which
// extended honours so core never receives an entry it would reject). Regexes are compiled once,
// in Policy::compile. The hierarchical ordering itself is in policy_rank.h.
//
// Rule semantics (first matching rule wins, in file order):
//  - A process matches a rule when every matcher the rule has matches: `cgroup` (fnmatch(3),
//    flags 0, so '*' also matches '/') on the '/'-rooted path of the process's cgroup, `comm`
//    and `cmdline` (POSIX ERE, searched), `uid` (real uid).
//  - A cgroup matches a rule that has a `cgroup` glob and no process matcher (comm, cmdline, uid)
//    when the glob matches the cgroup's '/'-rooted path.
//  - Priority: prefer -> 0, avoid -> 1000, rank with a priority -> it. A rank rule without a
//    priority still applies its kill mode, and the priority falls through to the next source:
//    for a cgroup the xattr user.oomguard.priority (when priority_xattr) else 500; for a process
//    (1000 - oom_score_adj) / 2 (adj 1000 -> 0, 0 -> 500, -1000 -> 1000).
//  - protect: never a victim; on a cgroup it removes the whole subtree.
#pragma once

#include <regex.h>
#include <sys/types.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "config/load.h"
#include "extended/model.h"

namespace oomguard::extended {

// What the policy decided for one cgroup or process.
struct Decision {
  int priority = config::kPriorityDefault;
  shm::Reason reason = shm::Reason::kDefault;
  std::uint32_t rule_index = 0;  // 1-based; 0 = no rule matched
  shm::KillMode kill_mode = shm::KillMode::kProcess;
  bool is_protected = false;  // protect rule, protected comm / cgroup (see why)
  std::string why;            // for protected ones and explain: "rule 'db' (protect)", ...
};

class Policy {
 public:
  // Compiles the rules' regexes. Fails with "rules[i] (name): comm: <regerror>" on a bad regex
  // (the config loader validates them too; this is the last line of defence).
  static Result<Policy> compile(const config::ExtendedConfig& extended,
                                const config::CoreConfig& core);

  Decision decide_cgroup(const CgroupInfo& cgroup) const;
  Decision decide_process(const ProcessInfo& process, const CgroupInfo& cgroup) const;

  // The rule's name for a 1-based index ("" for 0).
  const std::string& rule_name(std::uint32_t rule_index) const;

  const std::string& scope() const { return scope_; }  // relative, no leading/trailing '/'
  double growth_weight() const { return growth_weight_; }
  std::uint32_t growth_window_ms() const { return growth_window_ms_; }

 private:
  struct RegexDeleter {
    void operator()(regex_t* re) const;
  };
  using Regex = std::unique_ptr<regex_t, RegexDeleter>;
  struct CompiledRule {
    config::Rule rule{};
    Regex comm{};
    Regex cmdline{};
    bool process_matchers = false;  // has comm, cmdline or uid
  };

  bool matches_process(const CompiledRule& r, const ProcessInfo& p,
                       const std::string& rooted_cgroup) const;
  static Decision from_rule(const CompiledRule& r, std::uint32_t index);

  std::vector<CompiledRule> rules_;
  std::vector<std::string> protected_comms_;
  std::vector<std::string> protected_cgroups_;  // relative, no leading/trailing '/'
  std::string scope_;
  bool priority_xattr_ = true;
  double growth_weight_ = 0;
  std::uint32_t growth_window_ms_ = 0;
};

// Maps oom_score_adj [-1000, 1000] to a priority [0, 1000]: (1000 - adj) / 2.
int priority_from_oom_score_adj(int oom_score_adj);
// "a/b" is "a" or below it (relative paths, no leading '/'; "" contains everything).
bool path_within(const std::string& path, const std::string& ancestor);

}  // namespace oomguard::extended
