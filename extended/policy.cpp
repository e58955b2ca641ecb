#include "extended/policy.h"

#include <fnmatch.h>

#include <algorithm>

namespace oomguard::extended {
namespace {

std::string normalize(std::string_view path) {
  while (!path.empty() && path.front() == '/') path.remove_prefix(1);
  while (!path.empty() && path.back() == '/') path.remove_suffix(1);
  return std::string(path);
}

const char* action_name(config::RuleAction action) {
  switch (action) {
    case config::RuleAction::kRank:
      return "rank";
    case config::RuleAction::kPrefer:
      return "prefer";
    case config::RuleAction::kAvoid:
      return "avoid";
    case config::RuleAction::kProtect:
      return "protect";
  }
  return "?";
}

bool search(const regex_t* re, const std::string& text) {
  return regexec(re, text.c_str(), 0, nullptr, 0) == 0;
}

}  // namespace

void Policy::RegexDeleter::operator()(regex_t* re) const {
  regfree(re);
  delete re;
}

int priority_from_oom_score_adj(int oom_score_adj) {
  const int adj = std::clamp(oom_score_adj, -1000, 1000);
  return (1000 - adj) / 2;
}

bool path_within(const std::string& path, const std::string& ancestor) {
  if (ancestor.empty()) return true;
  return path.size() >= ancestor.size() && path.compare(0, ancestor.size(), ancestor) == 0 &&
         (path.size() == ancestor.size() || path[ancestor.size()] == '/');
}

Result<Policy> Policy::compile(const config::ExtendedConfig& extended,
                               const config::CoreConfig& core) {
  Policy policy;
  for (std::size_t i = 0; i < extended.rules.size(); ++i) {
    CompiledRule compiled{.rule = extended.rules[i]};
    const config::Rule& rule = compiled.rule;
    for (auto [source, target, key] :
         {std::tuple{&rule.comm_regex, &compiled.comm, "comm"},
          std::tuple{&rule.cmdline_regex, &compiled.cmdline, "cmdline"}}) {
      if (!source->has_value()) continue;
      Regex re(new regex_t{});
      if (int rc = regcomp(re.get(), (*source)->c_str(), REG_EXTENDED | REG_NOSUB); rc != 0) {
        char msg[256];
        regerror(rc, re.get(), msg, sizeof msg);
        delete re.release();  // regcomp failed: nothing to regfree
        return Error{"rules[" + std::to_string(i) + "] (" + rule.name + "): " + key + ": " + msg};
      }
      *target = std::move(re);
    }
    compiled.process_matchers = rule.comm_regex || rule.cmdline_regex || rule.uid;
    policy.rules_.push_back(std::move(compiled));
  }
  for (const auto& comm : core.protected_comms) policy.protected_comms_.emplace_back(comm.view());
  for (const auto& path : core.protected_cgroups) {
    policy.protected_cgroups_.push_back(normalize(path.view()));
  }
  policy.scope_ = normalize(core.scope.view());
  policy.priority_xattr_ = extended.priority_xattr;
  policy.growth_weight_ = extended.growth_weight;
  policy.growth_window_ms_ = extended.growth_window_ms;
  return policy;
}

const std::string& Policy::rule_name(std::uint32_t rule_index) const {
  static const std::string kNone;
  if (rule_index == 0 || rule_index > rules_.size()) return kNone;
  return rules_[rule_index - 1].rule.name;
}

Decision Policy::from_rule(const CompiledRule& r, std::uint32_t index) {
  Decision d;
  d.rule_index = index;
  if (r.rule.kill_mode == config::KillMode::kGroup) d.kill_mode = shm::KillMode::kGroup;
  d.why = "rule '" + r.rule.name + "' (" + action_name(r.rule.action) + ")";
  switch (r.rule.action) {
    case config::RuleAction::kProtect:
      d.is_protected = true;
      break;
    case config::RuleAction::kPrefer:
      d.priority = r.rule.priority.value_or(config::kPriorityMin);
      d.reason = shm::Reason::kRule;
      break;
    case config::RuleAction::kAvoid:
      d.priority = r.rule.priority.value_or(config::kPriorityMax);
      d.reason = shm::Reason::kRule;
      break;
    case config::RuleAction::kRank:
      if (r.rule.priority) {
        d.priority = *r.rule.priority;
        d.reason = shm::Reason::kRule;
      }
      break;
  }
  d.priority = std::clamp(d.priority, config::kPriorityMin, config::kPriorityMax);
  return d;
}

Decision Policy::decide_cgroup(const CgroupInfo& cgroup) const {
  for (const std::string& p : protected_cgroups_) {
    if (path_within(cgroup.path, p)) {
      return Decision{.is_protected = true, .why = "protected_cgroups '/" + p + "'"};
    }
  }
  const std::string rooted = cgroup.rooted_path();
  Decision d;
  for (std::size_t i = 0; i < rules_.size(); ++i) {
    const CompiledRule& r = rules_[i];
    if (r.process_matchers || !r.rule.cgroup_glob) continue;
    if (fnmatch(r.rule.cgroup_glob->c_str(), rooted.c_str(), 0) != 0) continue;
    d = from_rule(r, static_cast<std::uint32_t>(i + 1));
    break;
  }
  if (d.reason == shm::Reason::kDefault && priority_xattr_ && cgroup.xattr_priority) {
    d.priority = *cgroup.xattr_priority;
    d.reason = shm::Reason::kXattr;
  }
  if (d.kill_mode == shm::KillMode::kProcess && cgroup.oom_group) {
    d.kill_mode = shm::KillMode::kGroup;
    if (d.why.empty()) d.why = "memory.oom.group=1";
  }
  return d;
}

bool Policy::matches_process(const CompiledRule& r, const ProcessInfo& p,
                             const std::string& rooted_cgroup) const {
  if (r.rule.cgroup_glob && fnmatch(r.rule.cgroup_glob->c_str(), rooted_cgroup.c_str(), 0) != 0) {
    return false;
  }
  if (r.comm && !search(r.comm.get(), p.comm)) return false;
  if (r.cmdline && !search(r.cmdline.get(), p.cmdline)) return false;
  if (r.rule.uid && *r.rule.uid != p.uid) return false;
  return true;
}

Decision Policy::decide_process(const ProcessInfo& process, const CgroupInfo& cgroup) const {
  if (std::find(protected_comms_.begin(), protected_comms_.end(), process.comm) !=
      protected_comms_.end()) {
    return Decision{.is_protected = true, .why = "protected_comms '" + process.comm + "'"};
  }
  const std::string rooted = cgroup.rooted_path();
  Decision d;
  for (std::size_t i = 0; i < rules_.size(); ++i) {
    if (!matches_process(rules_[i], process, rooted)) continue;
    d = from_rule(rules_[i], static_cast<std::uint32_t>(i + 1));
    break;
  }
  if (d.reason == shm::Reason::kDefault) {
    d.priority = priority_from_oom_score_adj(process.oom_score_adj);
    d.reason = shm::Reason::kOomScoreAdj;
  }
  return d;
}

}  // namespace oomguard::extended
