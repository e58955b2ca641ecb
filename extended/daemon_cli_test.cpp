#include "extended/daemon_cli.h"

#include <gtest/gtest.h>

#include "config/load.h"

namespace oomguard::extended {
namespace {

TEST(Cli, DaemonNeedsShmFd) {
  const CliParse p = parse_cli({"--config", "/etc/x.toml", "--shm-fd", "3"});
  ASSERT_TRUE(p.options) << p.error;
  EXPECT_EQ(p.options->mode, CliMode::kDaemon);
  EXPECT_EQ(p.options->config_path, "/etc/x.toml");
  EXPECT_EQ(p.options->shm_fd, 3);

  const CliParse missing = parse_cli({});
  EXPECT_FALSE(missing.options);
  EXPECT_NE(missing.error.find("--shm-fd is required"), std::string::npos);
}

TEST(Cli, ModesAndDefaults) {
  const CliParse check = parse_cli({"--check-config"});
  ASSERT_TRUE(check.options);
  EXPECT_EQ(check.options->mode, CliMode::kCheckConfig);
  EXPECT_EQ(check.options->config_path, config::kDefaultPath);
  EXPECT_EQ(parse_cli({"--explain", "--config=/tmp/a.toml"}).options->mode, CliMode::kExplain);
  EXPECT_EQ(parse_cli({"--explain", "--config=/tmp/a.toml"}).options->config_path, "/tmp/a.toml");
  EXPECT_EQ(parse_cli({"--shm-fd=7"}).options->shm_fd, 7);
  EXPECT_EQ(parse_cli({"-h"}).options->mode, CliMode::kHelp);
  EXPECT_NE(usage_text().find("--shm-fd N"), std::string::npos);
}

TEST(Cli, UsageErrors) {
  for (const std::vector<std::string>& args : std::vector<std::vector<std::string>>{
           {"--shm-fd"},
           {"--shm-fd", "x3"},
           {"--shm-fd", "-1"},
           {"--config"},
           {"--config="},
           {"--bogus"},
           {"--explain", "--check-config"},
           {"--help=1"},
       }) {
    const CliParse p = parse_cli(args);
    EXPECT_FALSE(p.options) << args[0];
    EXPECT_FALSE(p.error.empty()) << args[0];
  }
}

}  // namespace
}  // namespace oomguard::extended
