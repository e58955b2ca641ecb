#include "tools/ctl/cli.h"

#include <gtest/gtest.h>

namespace oomguard::ctl {
namespace {

CtlOptions parse_ok(const std::vector<std::string>& args) {
  const CliParse p = parse_cli(args);
  EXPECT_TRUE(p.options.has_value()) << p.error;
  return p.options.value_or(CtlOptions{});
}

std::string parse_error(const std::vector<std::string>& args) {
  const CliParse p = parse_cli(args);
  EXPECT_FALSE(p.options.has_value());
  return p.error;
}

TEST(CtlCli, StatusIsTheDefaultCommand) {
  const CtlOptions o = parse_ok({});
  EXPECT_EQ(o.command, Command::kStatus);
  EXPECT_FALSE(o.json);
  EXPECT_FALSE(o.pid.has_value());
  EXPECT_EQ(o.proc_root, "/proc");
}

TEST(CtlCli, CommandsAndCommonOptionsAnywhere) {
  CtlOptions o = parse_ok({"--json", "rank", "--pid", "42", "--limit=10"});
  EXPECT_EQ(o.command, Command::kRank);
  EXPECT_TRUE(o.json);
  EXPECT_EQ(o.pid, 42);
  EXPECT_EQ(o.limit, 10u);

  o = parse_ok({"kills", "--since", "10m", "--config=/etc/x.toml", "--kill-log", "/tmp/k"});
  EXPECT_EQ(o.command, Command::kKills);
  EXPECT_EQ(o.since, "10m");
  EXPECT_EQ(o.config_path, "/etc/x.toml");
  EXPECT_EQ(o.kill_log, "/tmp/k");

  EXPECT_EQ(parse_ok({"status", "--help"}).command, Command::kHelp);
  EXPECT_EQ(parse_ok({"help"}).command, Command::kHelp);
}

TEST(CtlCli, RejectsBadUsage) {
  EXPECT_NE(parse_error({"frobnicate"}).find("unknown argument 'frobnicate'"), std::string::npos);
  EXPECT_NE(parse_error({"--pid", "0"}).find("not a process id"), std::string::npos);
  EXPECT_NE(parse_error({"--pid", "12x"}).find("not a process id"), std::string::npos);
  EXPECT_NE(parse_error({"--pid"}).find("needs a value"), std::string::npos);
  EXPECT_NE(parse_error({"--limit", "-1"}).find("not a count"), std::string::npos);
  EXPECT_NE(parse_error({"--json=1"}).find("takes no value"), std::string::npos);
  EXPECT_NE(parse_error({"status", "rank"}).find("one command at a time"), std::string::npos);
  EXPECT_NE(parse_error({"rank", "--since", "1h"}).find("'kills' only"), std::string::npos);
  EXPECT_NE(parse_error({"--config="}).find("non-empty"), std::string::npos);
}

TEST(CtlCli, UsageNamesEveryCommandAndOption) {
  const std::string u = usage_text();
  for (const char* word : {"status", "rank", "kills", "--json", "--pid", "--config", "--kill-log",
                           "--limit", "--since", "--help"}) {
    EXPECT_NE(u.find(word), std::string::npos) << word;
  }
}

}  // namespace
}  // namespace oomguard::ctl
