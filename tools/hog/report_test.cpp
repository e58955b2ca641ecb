#include "tools/hog/report.h"

#include <gtest/gtest.h>

#include "tools/hog/json.h"

namespace oomguard::hog {
namespace {

ProgressHead head() {
  return ProgressHead{.mode = "anon",
                      .pid = 77,
                      .t_s = 2.0004,
                      .phase = "alloc",
                      .held_mib = 200,
                      .rate_mib_s = 99.5,
                      .stall_ms = 1.25,
                      .max_stall_ms = 3.5};
}

TEST(HogReport, ProgressJson) {
  const Fields f = progress_fields(head(), {{"total_mib", std::uint64_t{800}}});
  EXPECT_EQ(render_progress(f, true),
            R"({"type":"progress","mode":"anon","pid":77,"t_s":2.000,"phase":"alloc",)"
            R"("held_mib":200.000,"rate_mib_s":99.500,"stall_ms":1.250,"max_stall_ms":3.500,)"
            R"("total_mib":800})"
            "\n");
}

TEST(HogReport, ProgressText) {
  const Fields f = progress_fields(head(), {{"note", std::string("two words")}});
  EXPECT_EQ(render_progress(f, false),
            "[     2.0s] anon   phase=alloc held_mib=200.00 rate_mib_s=99.50 stall_ms=1.25 "
            "max_stall_ms=3.50 note=\"two words\"\n");
}

TEST(HogReport, SummaryJsonParsesBack) {
  std::vector<Fields> modes = {{{"mode", std::string("spike")}, {"spikes", std::uint64_t{3}}},
                               {{"mode", std::string("fanout")},
                                {"worker_status", Nested{R"([{"pid":5,"signal":9}])", "5:SIGKILL"}},
                                {"alloc_s", Null{}},
                                {"random", true}}};
  const std::string line = render_summary(
      SummaryHead{.pid = 9, .elapsed_s = 1.5, .exit_code = 1, .error = "fanout: boom"}, modes,
      true);
  ASSERT_EQ(line.back(), '\n');
  auto v = parse_json(line);
  ASSERT_TRUE(v.ok()) << v.error().message << " in " << line;
  EXPECT_EQ(v->find("type")->as_string(), "summary");
  EXPECT_EQ(v->find("exit_code")->as_number(), 1);
  EXPECT_EQ(v->find("error")->as_string(), "fanout: boom");
  const auto& m = v->find("modes")->items();
  ASSERT_EQ(m.size(), 2u);
  EXPECT_EQ(m[0].find("spikes")->as_number(), 3);
  EXPECT_EQ(m[1].find("worker_status")->items()[0].find("signal")->as_number(), 9);
  EXPECT_TRUE(m[1].find("alloc_s")->is_null());
  EXPECT_TRUE(m[1].find("random")->as_bool());

  auto ok = parse_json(
      render_summary(SummaryHead{.pid = 9, .elapsed_s = 0, .exit_code = 0, .error = ""}, {}, true));
  ASSERT_TRUE(ok.ok());
  EXPECT_TRUE(ok->find("error")->is_null());
  EXPECT_TRUE(ok->find("modes")->items().empty());
}

TEST(HogReport, SummaryText) {
  std::vector<Fields> modes = {{{"mode", std::string("fanout")},
                                {"worker_status", Nested{"[]", "5:SIGKILL,6:exit0"}},
                                {"alloc_s", Null{}}}};
  EXPECT_EQ(render_summary(SummaryHead{.pid = 9, .elapsed_s = 1.5, .exit_code = 0, .error = ""},
                           modes, false),
            "summary pid=9 elapsed_s=1.50 exit_code=0\n"
            "  mode=fanout worker_status=5:SIGKILL,6:exit0 alloc_s=-\n");
}

}  // namespace
}  // namespace oomguard::hog
