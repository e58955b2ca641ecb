// tools/ctl/render: oomguardctl's output, as aligned text tables for people and as one JSON
// object for programs (--json). Pure formatting of what state.h and killlog.h read.
#pragma once

#include <sys/types.h>

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "tools/ctl/killlog.h"
#include "tools/ctl/state.h"

namespace oomguard::ctl {

// Aligned columns, two spaces apart; columns named in `right` are right-aligned.
class Table {
 public:
  Table(std::vector<std::string> header, std::vector<bool> right_aligned);
  void add(std::vector<std::string> row);
  std::string render(const std::string& indent = "") const;
  std::size_t rows() const { return rows_.size(); }

 private:
  std::vector<std::string> header_;
  std::vector<bool> right_;
  std::vector<std::vector<std::string>> rows_;
};

// "1.5G", "512.0M", "12K", "0" (binary units).
std::string format_bytes(std::uint64_t bytes);
// Growth per second: "+10.0M", "-1.2K", "0".
std::string format_growth(std::int64_t bytes_per_s);
// realtime ns -> "2024-05-01 12:00:00" UTC.
std::string format_utc(std::int64_t realtime_ns);

struct StatusView {
  pid_t pid = 0;  // the process whose region was opened
  const RegionState* state = nullptr;
  Liveness live{};
  Health health{};
  // Protections not in this mask and not achieved show as "off" (turned off by configuration).
  std::uint32_t expected_protections = ~0u;
  std::uint64_t now_ns = 0;  // CLOCK_MONOTONIC
  std::string config_path{};
  std::string config_note{};     // e.g. "not found: defaults used"
  std::string kill_log_path{};   // "" = kill log off
  std::string kill_log_error{};  // why the log could not be read
  std::vector<KillEntry> last_kills{};
  std::size_t total_kills = 0;  // in the log
};
std::string render_status_text(const StatusView& v);
std::string render_status_json(const StatusView& v);

struct RankView {
  const RegionState* state = nullptr;
  std::uint64_t now_ns = 0;
  std::vector<std::string> rule_names{};  // rules[i] -> rule_index i + 1; may be empty
  std::size_t limit = 0;                  // 0 = all
};
std::string render_rank_text(const RankView& v);
std::string render_rank_json(const RankView& v);

// Entries in the given order; the JSON form is {"kill_log", "files", "bad_lines", "kills":[...]}
// with each kill the log's own object.
std::string render_kills_text(const std::vector<KillEntry>& kills, const std::string& indent = "");
std::string render_kills_json(const KillLog& log, const std::string& path,
                              const std::vector<KillEntry>& kills);

// The names shown for a reason code / kill mode / entry kind of the ABI.
const char* reason_label(std::uint16_t reason);  // rule|xattr|oom_score_adj|default|?
const char* kill_mode_label(std::uint8_t mode);  // process|group|?
const char* kind_label(std::uint8_t kind);       // process|cgroup|?

}  // namespace oomguard::ctl
