// extended/explain.h — the ranking as a human-readable table with reasons, for
// `oomguard-extended --explain` and `oomguardctl rank`. Pure formatting.
//
//   #  KIND     PID    COMM             CGROUP              PRIO  SOURCE   RULE        SIZE
//   GROWTH/s  BADNESS  NOTE 1  process  4242   cc1plus          /user.slice/build    100  rule #2
//   compilers  1.2G  +10.0M    1.5G
#pragma once

#include <cstddef>
#include <string>

#include "extended/model.h"

namespace oomguard::extended {

struct ExplainOptions {
  std::size_t max_rows = 50;  // 0 = all
  bool show_cmdline = false;  // adds the command line under each process row
};

// "1.5G", "512.0M", "12K", "0" (binary units).
std::string format_bytes(std::uint64_t bytes);
// Priority source: "rule", "xattr", "adj", "default".
const char* reason_name(shm::Reason reason);

std::string explain(const Ranking& ranking, const ExplainOptions& options = {});

}  // namespace oomguard::extended
