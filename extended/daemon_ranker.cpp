#include "extended/daemon_ranker.h"

#include <unistd.h>

#include <cstring>

#include "extended/policy_rank.h"

namespace oomguard::extended {
namespace {

// The CoreConfig fields the scanner depends on.
bool same_scan_inputs(const config::CoreConfig& a, const config::CoreConfig& b) {
  return a.scope == b.scope && a.proc_root == b.proc_root && a.cgroup2_root == b.cgroup2_root &&
         a.memcg_v1_root == b.memcg_v1_root;
}

}  // namespace

SystemRanker::~SystemRanker() {
  scanner_.reset();
  close_roots(&proc_, &cgroups_);
}

std::optional<Error> SystemRanker::prepare_scanner(const config::Config& config) {
  const bool xattr = config.extended.priority_xattr;
  if (scanner_ && scanner_core_ && same_scan_inputs(*scanner_core_, config.core) &&
      scanner_xattr_ == xattr) {
    return std::nullopt;
  }
  scanner_.reset();
  close_roots(&proc_, &cgroups_);
  if (!reader_) {
    std::string note;
    reader_ = make_reader(params_.reader, &note);
    params_.log(note.empty() ? "file reader: " + std::string(reader_->name()) : note);
  }
  const config::CoreConfig& core = config.core;
  if (const int rc = open_proc_root(core.proc_root.c_str(), &proc_); rc < 0) {
    return Error{std::string("proc root ") + core.proc_root.c_str() + ": " + std::strerror(-rc)};
  }
  if (const int rc =
          open_cgroup_root(core.cgroup2_root.c_str(), core.memcg_v1_root.c_str(), &cgroups_);
      rc < 0) {
    return Error{std::string("cgroup roots ") + core.cgroup2_root.c_str() + ", " +
                 core.memcg_v1_root.c_str() + ": " + std::strerror(-rc)};
  }
  ScanOptions options;
  options.scope = std::string(core.scope.view());
  options.read_xattr = xattr;
  scanner_ = std::make_unique<Scanner>(ScannerParams{
      .proc = proc_, .cgroups = cgroups_, .reader = reader_.get(), .options = options});
  scanner_core_ = core;
  scanner_xattr_ = xattr;
  return std::nullopt;
}

std::optional<Error> SystemRanker::prepare_policy(const config::Config& config) {
  if (policy_ && policy_config_ && *policy_config_ == config) return std::nullopt;
  Result<Policy> compiled = Policy::compile(config.extended, config.core);
  if (!compiled) return compiled.error();
  policy_.emplace(std::move(*compiled));
  policy_config_ = config;
  growth_.set_window_ms(config.extended.growth_window_ms);
  return std::nullopt;
}

Result<RankOutcome> SystemRanker::scan_and_rank(const config::Config& config) {
  if (auto error = prepare_scanner(config)) return *error;
  if (auto error = prepare_policy(config)) return *error;
  Result<ScanResult> scan = scanner_->scan();
  if (!scan) return scan.error();
  growth_.record(*scan);
  RankOutcome out;
  out.ranking =
      rank(RankParams{.scan = &*scan,
                      .policy = &*policy_,
                      .growth = &growth_,
                      .own = OwnProcesses{.extended_pid = getpid(), .core_pid = params_.core_pid}});
  out.scan = scan->stats;
  return out;
}

}  // namespace oomguard::extended
