#include "extended/daemon_config.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>

namespace oomguard::extended {
namespace {

class ConfigStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/oomguard-cfg-XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
    path_ = dir_ + "/oomguard.toml";
  }
  void TearDown() override { std::system(("rm -rf " + dir_).c_str()); }
  void write(const std::string& text) { std::ofstream(path_, std::ios::trunc) << text; }
  std::string dir_;
  std::string path_;
};

TEST_F(ConfigStoreTest, ReloadKeepsTheLastGoodConfigurationOnError) {
  write("[extended]\nscan_interval_ms = 2000\n");
  ConfigStore store(path_);
  EXPECT_EQ(store.current(), nullptr);
  const ConfigStore::Outcome first = store.load();
  ASSERT_TRUE(first.ok);
  EXPECT_TRUE(first.changed);
  EXPECT_EQ(store.generation(), 1u);
  const auto good = store.current();
  ASSERT_NE(good, nullptr);
  EXPECT_EQ(good->extended.scan_interval_ms, 2000u);

  // Line 3 holds a wrong type, line 4 an unknown key: both reported with file:line.
  write("[extended]\n# comment\nscan_interval_ms = \"fast\"\nno_such_key = 1\n");
  const ConfigStore::Outcome bad = store.load();
  EXPECT_FALSE(bad.ok);
  EXPECT_FALSE(bad.changed);
  ASSERT_GE(bad.errors.size(), 2u);
  EXPECT_EQ(bad.errors[0].rfind(path_ + ":3:", 0), 0u) << bad.errors[0];
  bool line4 = false;
  for (const std::string& e : bad.errors) line4 = line4 || e.rfind(path_ + ":4:", 0) == 0;
  EXPECT_TRUE(line4);
  EXPECT_EQ(store.current(), good) << "the last good configuration stays";
  EXPECT_EQ(store.generation(), 1u);

  // A missing file is an error too, and still keeps it.
  unlink(path_.c_str());
  const ConfigStore::Outcome missing = store.load();
  EXPECT_FALSE(missing.ok);
  ASSERT_FALSE(missing.errors.empty());
  EXPECT_NE(missing.errors[0].find(path_), std::string::npos);
  EXPECT_EQ(store.current(), good);

  write("[extended]\nscan_interval_ms = 2000\n");
  const ConfigStore::Outcome same = store.load();
  EXPECT_TRUE(same.ok);
  EXPECT_FALSE(same.changed);
  EXPECT_EQ(store.current(), good);

  write("[extended]\nscan_interval_ms = 3000\n");
  const ConfigStore::Outcome changed = store.load();
  EXPECT_TRUE(changed.ok);
  EXPECT_TRUE(changed.changed);
  EXPECT_EQ(store.current()->extended.scan_interval_ms, 3000u);
  EXPECT_EQ(store.generation(), 2u);
}

}  // namespace
}  // namespace oomguard::extended
