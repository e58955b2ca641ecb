#include "tools/ctl/render.h"

#include <time.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <ctime>

#include "shm/abi.h"
#include "tools/hog/json.h"

namespace oomguard::ctl {

Table::Table(std::vector<std::string> header, std::vector<bool> right_aligned)
    : header_(std::move(header)), right_(std::move(right_aligned)) {
  right_.resize(header_.size(), false);
}

void Table::add(std::vector<std::string> row) {
  row.resize(header_.size());
  rows_.push_back(std::move(row));
}

std::string Table::render(const std::string& indent) const {
  std::vector<std::size_t> width(header_.size());
  for (std::size_t c = 0; c < header_.size(); ++c) width[c] = header_[c].size();
  for (const auto& row : rows_) {
    for (std::size_t c = 0; c < row.size(); ++c) width[c] = std::max(width[c], row[c].size());
  }
  std::string out;
  auto line = [&](const std::vector<std::string>& cells) {
    std::string text = indent;
    for (std::size_t c = 0; c < cells.size(); ++c) {
      const std::string pad(width[c] - cells[c].size(), ' ');
      const bool last = c + 1 == cells.size();
      text += right_[c] ? pad + cells[c] : cells[c] + (last ? "" : pad);
      if (!last) text += "  ";
    }
    while (!text.empty() && text.back() == ' ') text.pop_back();
    out += text + "\n";
  };
  line(header_);
  for (const auto& row : rows_) line(row);
  return out;
}

std::string format_bytes(std::uint64_t bytes) {
  static constexpr const char* kUnits[] = {"K", "M", "G", "T", "P"};
  if (bytes < 1024) return std::to_string(bytes);
  double v = static_cast<double>(bytes) / 1024;
  std::size_t unit = 0;
  while (v >= 1024 && unit + 1 < std::size(kUnits)) {
    v /= 1024;
    ++unit;
  }
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f%s", v, kUnits[unit]);
  return buf;
}

std::string format_growth(std::int64_t bytes_per_s) {
  if (bytes_per_s == 0) return "0";
  const std::uint64_t magnitude = bytes_per_s < 0
                                      ? static_cast<std::uint64_t>(-(bytes_per_s + 1)) + 1
                                      : static_cast<std::uint64_t>(bytes_per_s);
  return (bytes_per_s < 0 ? "-" : "+") + format_bytes(magnitude);
}

std::string format_utc(std::int64_t realtime_ns) {
  const time_t seconds = static_cast<time_t>(realtime_ns / 1'000'000'000);
  tm t{};
  gmtime_r(&seconds, &t);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%d %H:%M:%S", &t);
  return buf;
}

const char* reason_label(std::uint16_t reason) {
  switch (static_cast<shm::Reason>(reason)) {
    case shm::Reason::kRule:
      return "rule";
    case shm::Reason::kXattr:
      return "xattr";
    case shm::Reason::kOomScoreAdj:
      return "oom_score_adj";
    case shm::Reason::kDefault:
      return "default";
  }
  return "?";
}

const char* kill_mode_label(std::uint8_t mode) {
  switch (static_cast<shm::KillMode>(mode)) {
    case shm::KillMode::kProcess:
      return "process";
    case shm::KillMode::kGroup:
      return "group";
  }
  return "?";
}

const char* kind_label(std::uint8_t kind) {
  switch (static_cast<shm::EntryKind>(kind)) {
    case shm::EntryKind::kProcess:
      return "process";
    case shm::EntryKind::kCgroup:
      return "cgroup";
  }
  return "?";
}

std::string render_kills_text(const std::vector<KillEntry>& kills, const std::string& indent) {
  Table table({"TIME (UTC)", "ID", "PID", "COMM", "CGROUP", "SOURCE", "REASON", "RULE", "PRIO",
               "SIZE", "FREED", "RELIEF", "NOTE"},
              {false, true, true, false, false, false, false, false, true, true, true, true});
  for (const KillEntry& k : kills) {
    std::string note;
    auto add = [&note](const char* word) { note += (note.empty() ? "" : ",") + std::string(word); };
    if (k.dry_run) add("dry-run");
    if (k.kill_failed) add(("failed errno " + std::to_string(k.kill_errno)).c_str());
    if (k.release_timed_out) add("release-timeout");
    if (!k.complete) add("incomplete");
    if (k.kind == "cgroup" || k.kill_mode == "group") add("group");
    char relief[32] = "-";
    if (k.time_to_relief_ms) std::snprintf(relief, sizeof relief, "%.0f ms", *k.time_to_relief_ms);
    table.add({k.time_ns ? format_utc(*k.time_ns) : k.time, std::to_string(k.kill_id),
               k.pid != 0 ? std::to_string(k.pid) : "-", k.comm.empty() ? "-" : k.comm,
               "/" + k.cgroup, k.source, k.reason.empty() ? "-" : k.reason,
               k.rule.empty() ? "-" : k.rule, std::to_string(k.priority),
               format_bytes(k.rss_swap_bytes), format_bytes(k.freed_bytes), relief,
               note.empty() ? "-" : note});
  }
  return table.render(indent);
}

std::string render_kills_json(const KillLog& log, const std::string& path,
                              const std::vector<KillEntry>& kills) {
  std::vector<std::string> files, objects;
  for (const std::string& f : log.files) {
    std::string quoted;
    hog::append_json_string(quoted, f);
    files.push_back(quoted);
  }
  for (const KillEntry& k : kills) objects.push_back(k.raw);
  hog::JsonObject o;
  o.add_string("kill_log", path)
      .add_raw("files", hog::json_array(files))
      .add_uint("bad_lines", log.bad_lines)
      .add_raw("kills", hog::json_array(objects));
  return o.str() + "\n";
}

}  // namespace oomguard::ctl
