// oomguardctl rank: the newest ranking snapshot in the region, with the reasons of each entry.
#include <cstdio>
#include <cstring>

#include "shm/abi.h"
#include "tools/ctl/render.h"
#include "tools/hog/json.h"

namespace oomguard::ctl {
namespace {

std::string bounded(const char* text, std::size_t size) {
  return std::string(text, strnlen(text, size));
}

std::string rule_label(const RankView& v, std::uint32_t rule_index) {
  if (rule_index == 0) return "";
  if (rule_index <= v.rule_names.size()) return v.rule_names[rule_index - 1];
  return "#" + std::to_string(rule_index);
}

std::uint32_t shown(const RankView& v) {
  const std::uint32_t count = v.state->ranking->count;
  return v.limit == 0 || v.limit >= count ? count : static_cast<std::uint32_t>(v.limit);
}

std::uint64_t age(std::uint64_t now_ns, std::uint64_t then_ns) {
  return now_ns > then_ns ? now_ns - then_ns : 0;
}

}  // namespace

std::string render_rank_text(const RankView& v) {
  const RegionState& s = *v.state;
  if (s.ranking == nullptr) {
    return s.head_generation == 0
               ? "no ranking published yet (oomguard-extended publishes one per scan)\n"
               : "ranking generation " + std::to_string(s.head_generation) +
                     " could not be read (torn or invalid)\n";
  }
  const shm::Snapshot& snap = *s.ranking;
  std::string out = "ranking generation " + std::to_string(snap.generation) + ", " +
                    format_age(age(v.now_ns, snap.created_ns)) + " old, " +
                    std::to_string(snap.count) + " entries (first is killed first)\n";
  Table table({"#", "KIND", "PID", "COMM", "CGROUP", "PRIO", "REASON", "RULE", "KILL", "SIZE",
               "GROWTH/s", "BADNESS"},
              {true, false, true, false, false, true, false, false, false, true, true, true});
  for (std::uint32_t i = 0; i < shown(v); ++i) {
    const shm::RankingEntry& e = snap.entries[i];
    const bool process = e.kind == static_cast<std::uint8_t>(shm::EntryKind::kProcess);
    std::string rule = rule_label(v, e.rule_index);
    if (e.rule_index != 0 && rule.front() != '#')
      rule = "#" + std::to_string(e.rule_index) + " " + rule;
    table.add({std::to_string(i + 1), kind_label(e.kind), process ? std::to_string(e.pid) : "-",
               process ? bounded(e.comm, sizeof e.comm) : "-",
               "/" + bounded(e.cgroup_path, sizeof e.cgroup_path), std::to_string(e.priority),
               reason_label(e.reason), rule.empty() ? "-" : rule, kill_mode_label(e.kill_mode),
               format_bytes(e.rss_swap_bytes), format_growth(e.growth_bytes_per_s),
               format_bytes(e.badness)});
  }
  out += table.render();
  if (shown(v) < snap.count) {
    out += "(" + std::to_string(snap.count - shown(v)) + " more; --limit 0 shows all)\n";
  }
  return out;
}

std::string render_rank_json(const RankView& v) {
  const RegionState& s = *v.state;
  hog::JsonObject o;
  o.add_uint("head_generation", s.head_generation);
  if (s.ranking == nullptr) {
    o.add_null("generation").add_null("age_ms").add_raw("entries", "[]");
    return o.str() + "\n";
  }
  const shm::Snapshot& snap = *s.ranking;
  std::vector<std::string> entries;
  for (std::uint32_t i = 0; i < shown(v); ++i) {
    const shm::RankingEntry& e = snap.entries[i];
    hog::JsonObject j;
    j.add_uint("rank", i + 1)
        .add_string("kind", kind_label(e.kind))
        .add_int("pid", e.pid)
        .add_uint("start_time_ticks", e.start_time_ticks)
        .add_string("comm", bounded(e.comm, sizeof e.comm))
        .add_string("cgroup", "/" + bounded(e.cgroup_path, sizeof e.cgroup_path))
        .add_uint("cgroup_id", e.cgroup_id)
        .add_int("priority", e.priority)
        .add_string("reason", reason_label(e.reason))
        .add_uint("rule_index", e.rule_index);
    if (const std::string rule = rule_label(v, e.rule_index);
        e.rule_index != 0 && e.rule_index <= v.rule_names.size()) {
      j.add_string("rule", rule);
    } else {
      j.add_null("rule");
    }
    j.add_string("kill_mode", kill_mode_label(e.kill_mode))
        .add_uint("badness", e.badness)
        .add_uint("rss_swap_bytes", e.rss_swap_bytes)
        .add_int("growth_bytes_per_s", e.growth_bytes_per_s);
    entries.push_back(j.str());
  }
  o.add_uint("generation", snap.generation)
      .add_double("age_ms", static_cast<double>(age(v.now_ns, snap.created_ns)) / 1e6, 1)
      .add_uint("count", snap.count)
      .add_raw("entries", hog::json_array(entries));
  return o.str() + "\n";
}

}  // namespace oomguard::ctl
