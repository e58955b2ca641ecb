// check_config_main: exit codes and what goes to stdout / stderr.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <sstream>

#include "config/load.h"
#include "config/load_test_util.h"

namespace oomguard::config {
namespace {

// Redirects fd 1 and 2 into temporary files while alive.
class CapturedOutput {
 public:
  CapturedOutput() {
    std::fflush(stdout);
    std::fflush(stderr);
    saved_out_ = dup(1);
    saved_err_ = dup(2);
    out_ = std::tmpfile();
    err_ = std::tmpfile();
    dup2(fileno(out_), 1);
    dup2(fileno(err_), 2);
  }
  ~CapturedOutput() {
    restore();
    std::fclose(out_);
    std::fclose(err_);
  }
  void restore() {
    if (saved_out_ < 0) return;
    std::fflush(stdout);
    std::fflush(stderr);
    dup2(saved_out_, 1);
    dup2(saved_err_, 2);
    close(saved_out_);
    close(saved_err_);
    saved_out_ = saved_err_ = -1;
  }
  std::string out() { return read(out_); }
  std::string err() { return read(err_); }

 private:
  static std::string read(std::FILE* file) {
    std::string text;
    std::rewind(file);
    char buf[4096];
    std::size_t n;
    while ((n = std::fread(buf, 1, sizeof buf, file)) > 0) text.append(buf, n);
    return text;
  }
  int saved_out_ = -1;
  int saved_err_ = -1;
  std::FILE* out_ = nullptr;
  std::FILE* err_ = nullptr;
};

std::string write_temp(const std::string& text) {
  char path[] = "/tmp/oomguard-config-test-XXXXXX";
  const int fd = mkstemp(path);
  EXPECT_GE(fd, 0);
  EXPECT_EQ(write(fd, text.data(), text.size()), static_cast<ssize_t>(text.size()));
  close(fd);
  return path;
}

TEST(CheckConfig, ValidFilePrintsEffectiveConfigAndReturns0) {
  CapturedOutput captured;
  const int rc = check_config_main(OOMGUARD_SAMPLE_CONFIG);
  captured.restore();
  EXPECT_EQ(rc, 0);
  const std::string out = captured.out();
  EXPECT_EQ(captured.err(), "");
  EXPECT_NE(out.find(to_toml(defaults())), std::string::npos) << out;
  // What was printed loads again to the same configuration.
  const LoadResult reloaded = load_string(out, "stdout");
  ASSERT_TRUE(reloaded.config);
  EXPECT_EQ(*reloaded.config, defaults());
}

TEST(CheckConfig, InvalidFilePrintsEveryErrorAndReturns2) {
  const std::string path = write_temp("[core]\npoll_min_ms = 5\nkmsg = 1\n");
  CapturedOutput captured;
  const int rc = check_config_main(path);
  captured.restore();
  unlink(path.c_str());
  EXPECT_EQ(rc, 2);
  EXPECT_EQ(captured.out(), "");
  EXPECT_EQ(captured.err(),
            path + ":2:15: core.poll_min_ms: must be between 10 and 1000 (milliseconds), got 5\n" +
                path + ":3:8: core.kmsg: expected a boolean (true or false), got an integer\n" +
                path + ": 2 errors, configuration not valid\n");
}

TEST(CheckConfig, MissingFileReturns2) {
  CapturedOutput captured;
  const int rc = check_config_main("/nonexistent-oomguard-dir/x.toml");
  captured.restore();
  EXPECT_EQ(rc, 2);
  EXPECT_EQ(captured.out(), "");
  EXPECT_NE(captured.err().find("/nonexistent-oomguard-dir/x.toml: cannot read: No such file"),
            std::string::npos)
      << captured.err();
}

}  // namespace
}  // namespace oomguard::config
