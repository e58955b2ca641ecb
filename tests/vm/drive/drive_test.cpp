// Unit tests of oomguard_vm_drive's pure parts: the command line and the figures derived from a
// timeline (the peer baseline's definitions).
#include <gtest/gtest.h>
#include <signal.h>

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "tests/vm/drive/spec.h"
#include "tests/vm/drive/timeline.h"

namespace oomguard::vmdrive {
namespace {

std::string parse(std::vector<std::string_view> args, DriveSpec* out) {
  return parse_args(args, out);
}

TEST(DriveSpec, ParsesRolesAndOptions) {
  DriveSpec s;
  ASSERT_EQ(parse({"--out", "/tmp/o", "--timeout-s", "60", "--settle-s", "1.5", "--role", "canary",
                   "work/canary", "canary", "/bin/hog --json canary", "--role", "hog",
                   "/sys/fs/cgroup/work/hog", "target", "  /bin/hog  anon --total-mib 64 "},
                  &s),
            "");
  EXPECT_EQ(s.out_dir, "/tmp/o");
  EXPECT_EQ(s.timeout_s, 60);
  EXPECT_EQ(s.settle_s, 1.5);
  ASSERT_EQ(s.roles.size(), 2u);
  EXPECT_EQ(s.roles[0].cgroup_dir, "/sys/fs/cgroup/work/canary");
  EXPECT_TRUE(s.roles[0].canary && s.roles[0].first && s.roles[0].keep);
  EXPECT_FALSE(s.roles[0].target);
  EXPECT_EQ(s.roles[1].cgroup_dir, "/sys/fs/cgroup/work/hog");
  EXPECT_EQ(s.roles[1].argv, (std::vector<std::string>{"/bin/hog", "anon", "--total-mib", "64"}));
  EXPECT_TRUE(s.roles[1].target);
}

TEST(DriveSpec, RefusesBadInput) {
  const std::string hog = "/bin/hog anon";
  struct Case {
    std::vector<std::string_view> args;
    std::string_view error_part;
  } cases[] = {
      {{"--role", "a", "-", "target", hog}, "--out is required"},
      {{"--out", "/o", "--role", "a", "-", "keep", hog}, "at least one role must be a target"},
      {{"--out", "/o", "--role", "a", "-", "target,bogus", hog}, "unknown role flag 'bogus'"},
      {{"--out", "/o", "--role", "a", "-", "target,keep", hog}, "both target and keep"},
      {{"--out", "/o", "--role", "a", "-", "target", hog, "--role", "a", "-", "-", hog},
       "duplicate role name"},
      {{"--out", "/o", "--role", "a/b", "-", "target", hog}, "bad role name"},
      {{"--out", "/o", "--role", "a", "-", "target"}, "needs NAME CGROUP FLAGS CMDLINE"},
      {{"--out", "/o", "--role", "a", "-", "target", "  "}, "empty command line"},
      {{"--out", "/o", "--timeout-s", "-1"}, "bad --timeout-s"},
      {{"--out"}, "needs a value"},
  };
  for (const Case& c : cases) {
    DriveSpec s;
    const std::string e = parse(c.args, &s);
    EXPECT_NE(e.find(c.error_part), std::string::npos) << "got '" << e << "'";
  }
}

TEST(DriveTimeline, ParsesPressureAndHogLines) {
  const auto p = parse_pressure(
      "some avg10=12.50 avg60=1.00 avg300=0.00 total=123456\n"
      "full avg10=3.25 avg60=0.50 avg300=0.00 total=7890\n");
  ASSERT_TRUE(p.has_value());
  EXPECT_DOUBLE_EQ(p->some.avg10, 12.5);
  EXPECT_EQ(p->some.total_us, 123456u);
  EXPECT_EQ(p->full.total_us, 7890u);
  EXPECT_FALSE(parse_pressure("some avg10=1 total=5\n").has_value());
  EXPECT_FALSE(parse_pressure("full avg10=1 total=5\nsome avg10=1 total=5\n").has_value());

  const auto c = parse_canary_line(
      R"({"type":"progress","mode":"canary","pid":7,"t_s":3.000,"phase":"run","held_mib":0.250,)"
      R"("rate_mib_s":0.000,"stall_ms":41.500,"max_stall_ms":90.000,"late_ms":1.0})");
  ASSERT_TRUE(c.has_value());
  EXPECT_DOUBLE_EQ(c->t_s, 3.0);
  EXPECT_DOUBLE_EQ(c->stall_ms, 41.5);  // not max_stall_ms
  EXPECT_FALSE(c->mono_s.has_value());
  const auto d = parse_canary_line(
      R"({"type":"progress","mode":"canary","pid":7,"t_s":2.000,"mono_s":1234.500,"phase":"run",)"
      R"("stall_ms":3.000,"max_stall_ms":3.000,"iterations":200})");
  ASSERT_TRUE(d && d->mono_s);
  EXPECT_DOUBLE_EQ(*d->mono_s, 1234.5);
  EXPECT_FALSE(parse_canary_line(R"({"type":"progress","mode":"anon","t_s":1,"stall_ms":2})"));
  EXPECT_TRUE(is_ready_line(R"({"type":"progress","mode":"anon","phase":"hold"})"));
  EXPECT_TRUE(is_ready_line(R"({"type":"progress","mode":"canary","phase":"run"})"));
  EXPECT_FALSE(is_ready_line(R"({"type":"progress","mode":"anon","phase":"alloc"})"));
}

RoleRecord role(const char* name, bool target, bool keep, std::optional<double> end_s, int status,
                bool by_drive = false) {
  RoleRecord r;
  r.spec.name = name;
  r.spec.target = target;
  r.spec.keep = keep;
  r.end_s = end_s;
  r.wait_status = status;
  r.killed_by_drive = by_drive;
  return r;
}

constexpr int kSigkill = SIGKILL;  // wait status of a SIGKILLed process
constexpr int kSigterm = SIGTERM;  // ... SIGTERMed
constexpr int kExit0 = 0;          // exited with 0
constexpr int kExit1 = 1 << 8;     // exited with 1

// PSI every 100 ms for 10 s; "some" stalls 50 ms per interval from 3.0 s on, "full" 20 ms.
std::vector<PsiPoint> ramp() {
  std::vector<PsiPoint> psi;
  std::uint64_t some = 1000, full = 500;
  for (int i = 0; i <= 100; ++i) {
    const double t = i / 10.0;
    if (i > 30) {
      some += 50'000;
      full += 20'000;
    } else if (i > 0) {
      some += 5'000;  // 5 ms: below the onset threshold
    }
    psi.push_back({.t_s = t, .some_us = some, .full_us = full});
  }
  return psi;
}

TEST(DriveTimeline, KilledTargetGivesOnsetReliefAndStalls) {
  Timeline t;
  t.psi = ramp();
  t.roles = {role("canary", false, true, 12.0, kSigkill, true),
             role("hog", true, false, 6.05, kSigkill)};
  for (auto [t_s, stall_ms] :
       {std::pair{-0.5, 900.0}, {1.0, 20.0}, {6.0, 300.0}, {9.5, 50.0}, {12.0, 800.0}}) {
    t.canary.push_back(CanaryPoint{.t_s = t_s, .stall_ms = stall_ms, .mono_s = std::nullopt});
  }
  t.incident_end_s = 6.05;
  t.stop_s = 9.1;
  const Summary s = summarize(t);
  ASSERT_TRUE(s.onset_s && s.relief_s && s.ttr_s);
  EXPECT_DOUBLE_EQ(*s.onset_s, 3.1);
  EXPECT_DOUBLE_EQ(*s.relief_s, 6.05);
  EXPECT_NEAR(*s.ttr_s, 2.95, 1e-9);
  EXPECT_EQ(s.outcome, "killed");
  // Totals at the first sample at or after relief (6.1 s): 30 x 5 ms + 31 x 50 ms of "some".
  EXPECT_DOUBLE_EQ(s.some_ms, 30 * 5 + 31 * 50);
  EXPECT_DOUBLE_EQ(s.full_ms, 31 * 20);
  EXPECT_DOUBLE_EQ(s.worst_full_step_ms, 20);
  EXPECT_NEAR(s.max_sample_gap_ms, 100, 1e-6);
  // Canary intervals before the start and after the end of watching do not count.
  ASSERT_TRUE(s.canary_worst_ms.has_value());
  EXPECT_DOUBLE_EQ(*s.canary_worst_ms, 300);
  EXPECT_EQ(s.kills, 1);
  EXPECT_EQ(s.victims, std::vector<std::string>{"hog"});
  EXPECT_TRUE(s.wrong.empty());
  EXPECT_NE(result_line(s).find("victims=hog wrong=- "), std::string::npos) << result_line(s);
}

TEST(DriveTimeline, WrongVictimsAndLastKillIsRelief) {
  Timeline t;
  t.psi = ramp();
  t.roles = {role("session", false, true, 4.0, kSigkill), role("cc1.1", true, false, 7.0, kExit0),
             role("cc1.2", true, false, 5.0, kSigterm), role("cc1.3", true, false, 8.5, kExit1)};
  t.incident_end_s = 8.5;
  t.stop_s = 11.5;
  const Summary s = summarize(t);
  EXPECT_EQ(s.outcome, "killed");
  EXPECT_EQ(s.kills, 2);
  EXPECT_EQ(s.victims, (std::vector<std::string>{"session", "cc1.2"}));
  EXPECT_EQ(s.wrong, std::vector<std::string>{"session"});
  ASSERT_TRUE(s.relief_s.has_value());
  EXPECT_DOUBLE_EQ(*s.relief_s, 5.0);  // the last kill, not the workers' own ends
  EXPECT_FALSE(s.canary_worst_ms.has_value());
  EXPECT_NE(result_line(s).find("canary_worst_ms=- "), std::string::npos);
}

TEST(DriveTimeline, AWrongKillIsReliefTooButNotAKillAfterTheIncident) {
  Timeline t;
  t.psi = ramp();
  t.roles = {role("canary", false, true, 9.5, kSigkill),
             role("session", false, true, 4.0, kSigkill), role("cc1.1", true, false, 8.0, kExit0)};
  t.incident_end_s = 8.0;
  t.stop_s = 11.0;
  const Summary s = summarize(t);
  EXPECT_EQ(s.outcome, "killed");
  ASSERT_TRUE(s.relief_s.has_value());
  EXPECT_DOUBLE_EQ(*s.relief_s, 4.0);
  EXPECT_EQ(s.kills, 2);
  EXPECT_EQ(s.wrong, (std::vector<std::string>{"session", "canary"}));
}

TEST(DriveTimeline, NoKillIsExitedOrTimeout) {
  Timeline t;
  t.psi = ramp();
  t.roles = {role("spike", true, false, 9.0, kExit0)};
  t.incident_end_s = 9.0;
  Summary s = summarize(t);
  EXPECT_EQ(s.outcome, "exited");
  EXPECT_FALSE(s.relief_s.has_value());
  EXPECT_FALSE(s.ttr_s.has_value());
  EXPECT_DOUBLE_EQ(s.end_s, 9.0);
  EXPECT_EQ(s.kills, 0);

  t.roles = {role("hog", true, false, 10.0, kSigkill, true)};
  t.incident_end_s.reset();
  t.timeout_s = 10.0;
  s = summarize(t);
  EXPECT_EQ(s.outcome, "timeout");
  EXPECT_EQ(s.kills, 0);  // the drive's own kill is not a kill
  EXPECT_DOUBLE_EQ(s.end_s, 10.0);
  EXPECT_NE(result_line(s).find("relief_s=- ttr_s=- outcome=timeout"), std::string::npos);
}

TEST(DriveTimeline, RoleLines) {
  RoleRecord r = role("hog", true, false, 6.05, kSigkill);
  r.pid = 42;
  r.start_s = 0.001;
  EXPECT_EQ(role_line(r), "ROLE name=hog pid=42 flags=target start_s=0.00 end_s=6.05 how=SIGKILL");
  r = role("canary", false, true, 9.0, kSigkill, true);
  r.spec.canary = r.spec.first = true;
  EXPECT_NE(role_line(r).find("flags=canary "), std::string::npos);
  EXPECT_NE(role_line(r).find("how=SIGKILL(drive)"), std::string::npos);
  r = role("x", true, false, std::nullopt, 0);
  EXPECT_NE(role_line(r).find("end_s=- how=running"), std::string::npos);
}

}  // namespace
}  // namespace oomguard::vmdrive
