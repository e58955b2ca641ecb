// extended/daemon_ranker: the daemon's Ranker over the real kernel — Scanner (scan_tree.h, with
// the io_uring reader, or plain reads where io_uring is unavailable), Policy (policy.h),
// GrowthTracker (growth.h) and rank (policy_rank.h). The kernel roots and the scanner are
// re-opened when CoreConfig's roots or scope change, the policy is recompiled when the rules
// change (a SIGHUP reload), and growth history survives reloads.
#pragma once

#include <sys/types.h>

#include <memory>
#include <optional>
#include <string>
#include <utility>

#include "core/kernel_roots.h"
#include "extended/daemon_log.h"
#include "extended/daemon_scan.h"
#include "extended/growth.h"
#include "extended/policy.h"
#include "extended/scan_reader.h"
#include "extended/scan_tree.h"

namespace oomguard::extended {

class SystemRanker : public Ranker {
 public:
  struct Params {
    pid_t core_pid = 0;  // from the region header; 0 = unknown (--explain)
    ReaderKind reader = ReaderKind::kUring;
    LogFn log = log_to_stderr;  // the reader choice, once (called on the scan thread)
  };
  explicit SystemRanker(Params params) : params_(std::move(params)), growth_(0) {}
  ~SystemRanker() override;
  SystemRanker(const SystemRanker&) = delete;
  SystemRanker& operator=(const SystemRanker&) = delete;

  Result<RankOutcome> scan_and_rank(const config::Config& config) override;

 private:
  std::optional<Error> prepare_scanner(const config::Config& config);
  std::optional<Error> prepare_policy(const config::Config& config);

  Params params_;
  std::unique_ptr<FileReader> reader_;
  ProcRoot proc_{};
  CgroupRoot cgroups_{};
  std::unique_ptr<Scanner> scanner_;
  std::optional<config::CoreConfig> scanner_core_;  // what the scanner was opened with
  bool scanner_xattr_ = true;
  std::optional<Policy> policy_;
  std::optional<config::Config> policy_config_;  // what the policy was compiled from
  GrowthTracker growth_;
};

}  // namespace oomguard::extended
