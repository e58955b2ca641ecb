// Error classes of the loader: each test asserts file, line, column, key and message.
#include <gtest/gtest.h>
#include <regex.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "config/load.h"
#include "config/load_test_util.h"

namespace oomguard::config {
namespace {

using testing::has_error;
using testing::load;

TEST(Errors, SyntaxErrorHasPositionAndNoKey) {
  const LoadResult result = load(
      "[core]\n"
      "poll_min_ms = 20\n"
      "poll_max_ms = = 30\n");
  ASSERT_FALSE(result.config);
  ASSERT_EQ(result.errors.size(), 1u) << testing::all_errors(result);
  const Error& error = result.errors[0];
  EXPECT_EQ(error.file, "test.toml");
  EXPECT_EQ(error.line, 3u);
  EXPECT_GT(error.column, 0u);
  EXPECT_EQ(error.key, "");
  EXPECT_NE(error.message.find("TOML syntax error"), std::string::npos) << error.message;
}

TEST(Errors, DuplicateKeyIsASyntaxError) {
  const LoadResult result = load("[core]\ndry_run = true\ndry_run = false\n");
  ASSERT_EQ(result.errors.size(), 1u);
  EXPECT_EQ(result.errors[0].line, 3u);
  EXPECT_NE(result.errors[0].message.find("dry_run"), std::string::npos);
}

TEST(Errors, WrongTypes) {
  const LoadResult result = load(
      "[core]\n"
      "poll_min_ms = \"20\"\n"
      "dry_run = 1\n"
      "protected_comms = \"sshd\"\n"
      "protected_cgroups = [\"/a\", 7]\n"
      "[output]\n"
      "metrics_interval_ms = 5000.0\n"
      "[extended]\n"
      "growth_weight = \"heavy\"\n");
  EXPECT_TRUE(has_error(result, 2, 15, "core.poll_min_ms", "expected an integer, got a string"));
  EXPECT_TRUE(has_error(result, 3, 11, "core.dry_run",
                        "expected a boolean (true or false), got an integer"));
  EXPECT_TRUE(has_error(result, 4, 19, "core.protected_comms",
                        "expected an array of strings, got a string"));
  EXPECT_TRUE(
      has_error(result, 5, 28, "core.protected_cgroups[1]", "expected a string, got an integer"));
  EXPECT_TRUE(has_error(result, 7, 23, "output.metrics_interval_ms",
                        "expected an integer, got a floating-point number"));
  EXPECT_TRUE(
      has_error(result, 9, 17, "extended.growth_weight", "expected a number, got a string"));
  EXPECT_EQ(result.errors.size(), 6u) << testing::all_errors(result);
}

TEST(Errors, SectionsOfTheWrongType) {
  const LoadResult result = load(
      "core = 5\n"
      "rules = \"none\"\n"
      "[extended.cgroup]\n"
      "x = 1\n");
  EXPECT_TRUE(has_error(result, 1, 8, "core", "expected a table ([core]), got an integer"));
  EXPECT_TRUE(
      has_error(result, 2, 9, "rules", "expected an array of tables ([[rules]]), got a string"));
  EXPECT_TRUE(has_error(result, 3, 1, "extended.cgroup", "expected a string, got a table"));
}

TEST(Errors, UnknownKeysWithSuggestions) {
  const LoadResult result = load(
      "zzz = 1\n"
      "[core]\n"
      "poll_min = 20\n"
      "[outptu]\n"
      "kill_log = \"\"\n"
      "[[core.monitors]]\n"
      "name = \"m\"\n"
      "kind = \"mem_available\"\n"
      "percent = 3\n"
      "precent = 4\n"
      "[[rules]]\n"
      "comm = \"x\"\n"
      "priorty = 3\n");
  EXPECT_TRUE(has_error(result, 1, 1, "zzz", "unknown key 'zzz'"));
  EXPECT_TRUE(has_error(result, 3, 1, "core.poll_min",
                        "unknown key 'poll_min' (did you mean 'poll_min_ms'?)"));
  EXPECT_TRUE(has_error(result, 4, 2, "outptu", "unknown table 'outptu' (did you mean 'output'?)"));
  EXPECT_TRUE(has_error(result, 10, 1, "core.monitors[0].precent",
                        "unknown key 'precent' (did you mean 'percent'?)"));
  EXPECT_TRUE(has_error(result, 13, 1, "rules[0].priorty", "(did you mean 'priority'?)"));
  for (const Error& error : result.errors) {
    if (error.key == "zzz") {
      EXPECT_EQ(error.message.find("did you mean"), std::string::npos);
    }
  }
  EXPECT_EQ(result.errors.size(), 5u) << testing::all_errors(result);
}

TEST(Errors, UnknownSubTableInsideCore) {
  const LoadResult result = load("[core.monitor]\nname = \"x\"\n");
  EXPECT_TRUE(has_error(result, 1, 7, "core.monitor",
                        "unknown table 'monitor' (did you mean 'monitors'?)"));
}

TEST(Errors, OutOfRangeValues) {
  const LoadResult result = load(
      "[core]\n"
      "memory_min_mib = -5\n"
      "sched_fifo_priority = 120\n"
      "fallback_max_procs = 0\n"
      "fallback = \"larges\"\n"
      "[extended]\n"
      "top_k = 1000\n"
      "growth_weight = 100.5\n"
      "memory_high_mib = 2000000\n");
  EXPECT_TRUE(
      has_error(result, 2, 18, "core.memory_min_mib", "must be between 0 and 4096 (MiB), got -5"));
  EXPECT_TRUE(has_error(result, 3, 23, "core.sched_fifo_priority",
                        "must be between 0 and 99 (0 = off), got 120"));
  EXPECT_TRUE(has_error(result, 4, 22, "core.fallback_max_procs", "must be between 1 and 4194304"));
  EXPECT_TRUE(has_error(result, 5, 12, "core.fallback",
                        "must be one of \"largest\", \"oom_score\"; got \"larges\" (did you mean "
                        "\"largest\"?)"));
  EXPECT_TRUE(
      has_error(result, 7, 9, "extended.top_k", "must be between 1 and 256 (entries), got 1000"));
  EXPECT_TRUE(
      has_error(result, 8, 17, "extended.growth_weight", "must be between 0 and 100, got 100.5"));
  EXPECT_TRUE(
      has_error(result, 9, 19, "extended.memory_high_mib", "must be between 0 and 1048576"));
  EXPECT_EQ(result.errors.size(), 7u) << testing::all_errors(result);
}

TEST(Errors, ToStringOfTheDocumentedExample) {
  const LoadResult result = load_string(
      "[core]\n"
      "\n"
      "[[core.monitors]]\n"
      "name = \"m\"\n"
      "kind = \"pressure\"\n"
      "stall = \"some\"\n"
      "threshold_ms = 100\n"
      "window_ms = 200\n",
      "/etc/oomguard/oomguard.toml");
  ASSERT_EQ(result.errors.size(), 1u) << testing::all_errors(result);
  EXPECT_EQ(result.errors[0].to_string(),
            "/etc/oomguard/oomguard.toml:8:13: core.monitors[0].window_ms: must be between 500 and "
            "10000 (milliseconds), got 200");
}

TEST(Errors, Conflicts) {
  const LoadResult result = load(
      "[core]\n"
      "poll_min_ms = 50\n"
      "poll_max_ms = 20\n"
      "extended_restart_min_ms = 2000\n"
      "extended_restart_max_ms = 1000\n"
      "[extended]\n"
      "scan_interval_ms = 500\n"
      "scan_interval_pressure_ms = 600\n");
  EXPECT_TRUE(
      has_error(result, 3, 15, "core.poll_max_ms", "must be at least poll_min_ms (50), got 20"));
  EXPECT_TRUE(has_error(result, 5, 27, "core.extended_restart_max_ms",
                        "must be at least extended_restart_min_ms (2000), got 1000"));
  EXPECT_TRUE(has_error(result, 8, 29, "extended.scan_interval_pressure_ms",
                        "must be at most scan_interval_ms (500), got 600"));
  EXPECT_EQ(result.errors.size(), 3u) << testing::all_errors(result);
}

TEST(Errors, ConflictWithADefaultIsReportedAtTheKeyThatIsSet) {
  const LoadResult result = load("[core]\npoll_min_ms = 200\n");
  EXPECT_TRUE(has_error(result, 2, 15, "core.poll_min_ms",
                        "must be at most poll_max_ms (100, the default), got 200"));
}

TEST(Errors, RuleConflicts) {
  const LoadResult result = load(
      "[[rules]]\n"
      "comm = \"a\"\n"
      "action = \"protect\"\n"
      "priority = 10\n"
      "kill = \"group\"\n"
      "[[rules]]\n"
      "comm = \"b\"\n"
      "action = \"avoid\"\n"
      "priority = 10\n"
      "kill = \"group\"\n");
  EXPECT_TRUE(has_error(result, 4, 12, "rules[0].priority", "conflicts with action = \"protect\""));
  EXPECT_TRUE(has_error(result, 5, 8, "rules[0].kill", "conflicts with action = \"protect\""));
  EXPECT_TRUE(has_error(result, 9, 12, "rules[1].priority", "conflicts with action = \"avoid\""));
  EXPECT_EQ(result.errors.size(), 3u) << testing::all_errors(result);  // avoid + kill is fine
}

TEST(Errors, InvalidGlobsAndRegexes) {
  const LoadResult result = load(
      "[[rules]]\n"
      "cgroup = \"/user.slice/[abc\"\n"
      "[[rules]]\n"
      "comm = \"(unclosed\"\n"
      "cmdline = \"a{2,1}\"\n"
      "[[rules]]\n"
      "cgroup = \"system.slice/*\"\n"
      "comm = \"\"\n");
  EXPECT_TRUE(has_error(result, 2, 10, "rules[0].cgroup", "unbalanced '[' at offset 12"));
  regex_t regex;
  const int rc = regcomp(&regex, "(unclosed", REG_EXTENDED | REG_NOSUB);
  ASSERT_NE(rc, 0);
  char text[256];
  regerror(rc, &regex, text, sizeof text);
  EXPECT_TRUE(has_error(result, 4, 8, "rules[1].comm", text));
  EXPECT_TRUE(has_error(result, 4, 8, "rules[1].comm", "invalid regular expression"));
  EXPECT_TRUE(has_error(result, 5, 11, "rules[1].cmdline", "invalid regular expression"));
  EXPECT_TRUE(has_error(result, 7, 10, "rules[2].cgroup", "must start with '/' or a wildcard"));
  EXPECT_TRUE(has_error(result, 8, 8, "rules[2].comm", "must not be empty"));
}

TEST(Errors, CapacityOverflows) {
  std::string text = "[core]\nprotected_comms = [";
  for (int i = 0; i < 33; ++i) text += (i == 0 ? "\"p" : ", \"p") + std::to_string(i) + "\"";
  text += "]\nprotected_cgroups = [\"/" + std::string(256, 'x') + "\"]\n";
  text += "[extended]\ncgroup = \"/" + std::string(300, 'y') + "\"\n";
  const LoadResult result = load(text);
  EXPECT_TRUE(has_error(result, 2, 0, "core.protected_comms[32]", "too many entries: at most 32"));
  EXPECT_TRUE(has_error(result, 3, 22, "core.protected_cgroups[0]",
                        "cgroup path must be at most 255 bytes, got 256"));
  EXPECT_TRUE(has_error(result, 5, 10, "extended.cgroup", "at most 255 bytes, got 300"));
  EXPECT_EQ(result.errors.size(), 3u) << testing::all_errors(result);
}

TEST(Errors, CommLongerThan15Bytes) {
  const LoadResult result =
      load("[core]\nprotected_comms = [\"sshd\", \"a-very-long-daemon\", \"\"]\n");
  EXPECT_TRUE(has_error(result, 2, 28, "core.protected_comms[1]",
                        "a comm must be 1 to 15 bytes (the kernel truncates names to 15), got 18"));
  EXPECT_TRUE(has_error(result, 2, 50, "core.protected_comms[2]", "got 0 bytes"));
}

TEST(Errors, InvalidPaths) {
  const LoadResult result = load(
      "[core]\n"
      "scope = \"/a/../b\"\n"
      "own_cgroup = \"/\"\n"
      "proc_root = \"proc\"\n"
      "memcg_v1_root = \"off\"\n"
      "extended_path = \"oomguard-extended\"\n"
      "protected_cgroups = [\"/\", \"a//b\"]\n"
      "[output]\n"
      "kill_log = \"kills.jsonl\"\n"
      "prekill_hook = [\"notify\"]\n");
  EXPECT_TRUE(has_error(result, 2, 9, "core.scope", "must not contain '.' or '..' components"));
  EXPECT_TRUE(has_error(result, 3, 14, "core.own_cgroup", "must name a cgroup below the root"));
  EXPECT_TRUE(has_error(result, 4, 13, "core.proc_root", "must be \"auto\" or an absolute path"));
  EXPECT_TRUE(has_error(result, 5, 17, "core.memcg_v1_root",
                        "must be \"auto\", \"none\" or an absolute path, got \"off\""));
  EXPECT_TRUE(has_error(result, 6, 17, "core.extended_path", "must be an absolute path or \"\""));
  EXPECT_TRUE(has_error(result, 7, 22, "core.protected_cgroups[0]", "would protect every process"));
  EXPECT_TRUE(has_error(result, 7, 27, "core.protected_cgroups[1]", "empty path component"));
  EXPECT_TRUE(has_error(result, 9, 12, "output.kill_log", "must be an absolute path"));
  EXPECT_TRUE(
      has_error(result, 10, 17, "output.prekill_hook[0]", "the program must be an absolute path"));
  EXPECT_EQ(result.errors.size(), 9u) << testing::all_errors(result);
}

TEST(Errors, RuleWithoutMatcherAndBadValues) {
  const LoadResult result = load(
      "[[rules]]\n"
      "name = \"nothing\"\n"
      "priority = 1001\n"
      "action = \"kill\"\n"
      "kill = \"all\"\n"
      "[[rules]]\n"
      "uid = -1\n"
      "name = \"\"\n");
  EXPECT_TRUE(has_error(result, 1, 1, "rules[0]",
                        "a rule needs at least one matcher: cgroup, comm, cmdline or uid"));
  EXPECT_TRUE(has_error(result, 3, 12, "rules[0].priority",
                        "must be between 0 and 1000 (lower is killed first), got 1001"));
  EXPECT_TRUE(has_error(result, 4, 10, "rules[0].action", "must be one of \"rank\", \"prefer\""));
  EXPECT_TRUE(has_error(result, 5, 8, "rules[0].kill", "must be one of \"process\", \"group\""));
  EXPECT_TRUE(has_error(result, 7, 7, "rules[1].uid", "must be between 0 and 4294967294"));
  EXPECT_TRUE(has_error(result, 8, 8, "rules[1].name", "must not be empty"));
  EXPECT_EQ(result.errors.size(), 6u) << testing::all_errors(result);
}

TEST(Errors, AllErrorsOfAFileAreReportedInOrder) {
  const LoadResult result = load(
      "[core]\n"
      "poll_min_ms = 5\n"
      "kmsg = \"yes\"\n"
      "[extended]\n"
      "top_k = 0\n"
      "[output]\n"
      "hook_timeout_ms = 1\n"
      "[[rules]]\n"
      "comm = \"[\"\n");
  ASSERT_EQ(result.errors.size(), 5u) << testing::all_errors(result);
  const std::uint32_t lines[] = {2, 3, 5, 7, 9};
  for (std::size_t i = 0; i < 5; ++i) EXPECT_EQ(result.errors[i].line, lines[i]);
}

TEST(Errors, MissingFileNamesPathAndErrno) {
  const std::string path = "/nonexistent-oomguard-dir/oomguard.toml";
  const LoadResult result = load_file(path);
  ASSERT_FALSE(result.config);
  ASSERT_EQ(result.errors.size(), 1u);
  EXPECT_EQ(result.errors[0].file, path);
  EXPECT_EQ(result.errors[0].line, 0u);
  EXPECT_NE(result.errors[0].message.find(std::strerror(ENOENT)), std::string::npos);
  EXPECT_EQ(result.errors[0].to_string(), path + ": cannot read: " + std::strerror(ENOENT));
}

TEST(Errors, OversizedFileIsRefused) {
  char path[] = "/tmp/oomguard-config-test-XXXXXX";
  const int fd = mkstemp(path);
  ASSERT_GE(fd, 0);
  const std::string comment = "#" + std::string(kMaxFileBytes, 'x') + "\n";
  ASSERT_EQ(write(fd, comment.data(), comment.size()), static_cast<ssize_t>(comment.size()));
  close(fd);
  const LoadResult result = load_file(path);
  unlink(path);
  ASSERT_EQ(result.errors.size(), 1u);
  EXPECT_EQ(result.errors[0].file, path);
  EXPECT_NE(result.errors[0].message.find("larger than 1048576 bytes"), std::string::npos);
}

TEST(Errors, DirectoryIsNotAFile) {
  const LoadResult result = load_file("/");
  ASSERT_EQ(result.errors.size(), 1u);
  EXPECT_NE(result.errors[0].message.find(std::strerror(EISDIR)), std::string::npos);
}

TEST(Errors, ToStringLeavesOutUnknownParts) {
  EXPECT_EQ((Error{.file = "f", .line = 3, .column = 0, .key = "", .message = "m"}.to_string()),
            "f:3: m");
  EXPECT_EQ((Error{.file = "f", .line = 3, .column = 4, .key = "k", .message = "m"}.to_string()),
            "f:3:4: k: m");
}

}  // namespace
}  // namespace oomguard::config
