#include "tests/vm/drive/timeline.h"

#include <signal.h>
#include <string.h>
#include <sys/wait.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdio>

namespace oomguard::vmdrive {
namespace {

// The number after `key` (e.g. "total=") in text, or nullopt.
template <typename T>
std::optional<T> number_after(std::string_view text, std::string_view key) {
  const std::size_t at = text.find(key);
  if (at == std::string_view::npos) return std::nullopt;
  const char* begin = text.data() + at + key.size();
  const char* end = text.data() + text.size();
  T v{};
  auto [ptr, ec] = std::from_chars(begin, end, v);
  if (ec != std::errc{} || ptr == begin) return std::nullopt;
  return v;
}

std::optional<PressureLine> parse_pressure_line(std::string_view line, std::string_view kind) {
  if (line.substr(0, kind.size() + 1) != std::string(kind) + " ") return std::nullopt;
  const auto avg10 = number_after<double>(line, "avg10=");
  const auto total = number_after<std::uint64_t>(line, "total=");
  if (!avg10 || !total) return std::nullopt;
  return PressureLine{.avg10 = *avg10, .total_us = *total};
}

std::string fmt(const char* format, double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, format, v);
  return buf;
}

std::string opt(const std::optional<double>& v, const char* format) {
  return v ? fmt(format, *v) : "-";
}

std::string joined(const std::vector<std::string>& words) {
  if (words.empty()) return "-";
  std::string s;
  for (const std::string& w : words) s += (s.empty() ? "" : ",") + w;
  return s;
}

std::string how(const RoleRecord& r) {
  if (!r.end_s) return "running";
  if (WIFSIGNALED(r.wait_status)) {
    const char* abbrev = sigabbrev_np(WTERMSIG(r.wait_status));
    std::string s = abbrev != nullptr ? std::string("SIG") + abbrev
                                      : "SIG" + std::to_string(WTERMSIG(r.wait_status));
    return r.killed_by_drive ? s + "(drive)" : s;
  }
  return "exit" + std::to_string(WEXITSTATUS(r.wait_status));
}

// The first sample at or after t (the last one if none).
const PsiPoint& at_or_after(const std::vector<PsiPoint>& psi, double t) {
  for (const PsiPoint& p : psi) {
    if (p.t_s >= t) return p;
  }
  return psi.back();
}

void stalls(const Timeline& t, Summary* s) {
  if (t.psi.empty()) return;
  const PsiPoint& start = t.psi.front();
  const PsiPoint& end = at_or_after(t.psi, s->end_s);
  s->some_ms = static_cast<double>(end.some_us - start.some_us) / 1000.0;
  s->full_ms = static_cast<double>(end.full_us - start.full_us) / 1000.0;
  for (std::size_t i = 1; i < t.psi.size(); ++i) {
    const PsiPoint& p = t.psi[i];
    const double d_some = static_cast<double>(p.some_us - t.psi[i - 1].some_us) / 1000.0;
    const double d_full = static_cast<double>(p.full_us - t.psi[i - 1].full_us) / 1000.0;
    if (!s->onset_s && d_some > kOnsetSomeMs) s->onset_s = p.t_s;
    if (p.t_s <= end.t_s) {
      s->worst_full_step_ms = std::max(s->worst_full_step_ms, d_full);
      s->max_sample_gap_ms = std::max(s->max_sample_gap_ms, (p.t_s - t.psi[i - 1].t_s) * 1000.0);
    }
  }
}

void kills(const Timeline& t, double incident_end_s, Summary* s) {
  std::vector<const RoleRecord*> killed;
  for (const RoleRecord& r : t.roles) {
    if (r.end_s && WIFSIGNALED(r.wait_status) && !r.killed_by_drive) killed.push_back(&r);
  }
  std::stable_sort(killed.begin(), killed.end(),
                   [](const RoleRecord* a, const RoleRecord* b) { return *a->end_s < *b->end_s; });
  for (const RoleRecord* r : killed) {
    s->victims.push_back(r->spec.name);
    if (r->spec.keep) s->wrong.push_back(r->spec.name);
    // Relief: the last kill that ended the incident, right victim or not (a kill while the
    // drive watches the aftermath is counted, but relieved nothing).
    if (*r->end_s <= incident_end_s) s->relief_s = std::max(s->relief_s.value_or(0), *r->end_s);
  }
  s->kills = static_cast<int>(killed.size());
}

}  // namespace

std::optional<Pressure> parse_pressure(std::string_view text) {
  const std::size_t nl = text.find('\n');
  if (nl == std::string_view::npos) return std::nullopt;
  const auto some = parse_pressure_line(text.substr(0, nl), "some");
  const auto full = parse_pressure_line(text.substr(nl + 1), "full");
  if (!some || !full) return std::nullopt;
  return Pressure{.some = *some, .full = *full};
}

std::optional<CanaryPoint> parse_canary_line(std::string_view line) {
  if (line.find("\"type\":\"progress\"") == std::string_view::npos ||
      line.find("\"mode\":\"canary\"") == std::string_view::npos) {
    return std::nullopt;
  }
  const auto t = number_after<double>(line, "\"t_s\":");
  const auto stall = number_after<double>(line, "\"stall_ms\":");
  if (!t || !stall) return std::nullopt;
  return CanaryPoint{
      .t_s = *t, .stall_ms = *stall, .mono_s = number_after<double>(line, "\"mono_s\":")};
}

bool is_ready_line(std::string_view line) {
  return line.find("\"type\":\"progress\"") != std::string_view::npos &&
         (line.find("\"phase\":\"hold\"") != std::string_view::npos ||
          line.find("\"phase\":\"retouch\"") != std::string_view::npos ||
          line.find("\"phase\":\"run\"") != std::string_view::npos);
}

Summary summarize(const Timeline& t) {
  Summary s;
  s.kernel_oom_kills = t.kernel_oom_kills;
  kills(t, t.incident_end_s.value_or(t.timeout_s), &s);
  bool any_timeout = false;
  for (const RoleRecord& r : t.roles)
    any_timeout = any_timeout || (r.spec.target && r.killed_by_drive);
  if (s.relief_s) {
    s.outcome = "killed";
    s.end_s = *s.relief_s;
  } else {
    s.outcome = any_timeout || !t.incident_end_s ? "timeout" : "exited";
    s.end_s = t.incident_end_s.value_or(t.timeout_s);
  }
  stalls(t, &s);
  if (s.onset_s && s.relief_s && *s.relief_s >= *s.onset_s) s.ttr_s = *s.relief_s - *s.onset_s;
  for (const CanaryPoint& c : t.canary) {
    // Intervals (about 1 s long) that end after the incident's start and begin before the end
    // of watching.
    if (c.t_s > 0 && c.t_s - 1.0 <= t.stop_s) {
      s.canary_worst_ms = std::max(s.canary_worst_ms.value_or(0), c.stall_ms);
    }
  }
  return s;
}

std::string role_line(const RoleRecord& r) {
  std::vector<std::string> flags;
  if (r.spec.target) flags.emplace_back("target");
  if (r.spec.canary) flags.emplace_back("canary");
  if (r.spec.keep && !r.spec.canary) flags.emplace_back("keep");
  if (r.spec.first && !r.spec.canary) flags.emplace_back("first");
  return "ROLE name=" + r.spec.name + " pid=" + std::to_string(r.pid) + " flags=" + joined(flags) +
         " start_s=" + fmt("%.2f", r.start_s) + " end_s=" + opt(r.end_s, "%.2f") + " how=" + how(r);
}

std::string result_line(const Summary& s) {
  return "RESULT onset_s=" + opt(s.onset_s, "%.2f") + " relief_s=" + opt(s.relief_s, "%.2f") +
         " ttr_s=" + opt(s.ttr_s, "%.2f") + " outcome=" + s.outcome +
         " end_s=" + fmt("%.2f", s.end_s) + " full_ms=" + fmt("%.0f", s.full_ms) +
         " some_ms=" + fmt("%.0f", s.some_ms) +
         " worst_full_step_ms=" + fmt("%.0f", s.worst_full_step_ms) +
         " max_sample_gap_ms=" + fmt("%.0f", s.max_sample_gap_ms) +
         " canary_worst_ms=" + opt(s.canary_worst_ms, "%.1f") +
         " kills=" + std::to_string(s.kills) + " victims=" + joined(s.victims) +
         " wrong=" + joined(s.wrong) + " kernel_oom_kills=" + std::to_string(s.kernel_oom_kills);
}

}  // namespace oomguard::vmdrive
