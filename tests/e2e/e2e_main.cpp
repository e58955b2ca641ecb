// main() of the e2e suite: the gtest run, whose environment prints this process's summary
// table at the end; plus two modes CTest uses around the per-test processes:
//   e2e_test --reset-results    empties the results file (CTest fixture set-up)
//   e2e_test --print-summary    prints the table of every run in the results file (clean-up)
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>

#include "tests/e2e/e2e_support.h"

namespace {

class SummaryEnvironment : public ::testing::Environment {
 public:
  void TearDown() override {
    const std::string table = oomguard::e2e::summary_of_process();
    if (!table.empty()) std::printf("\ne2e summary (this process):\n%s", table.c_str());
    std::error_code ec;  // the work directory, if every run's logs were removed
    std::filesystem::remove("/tmp/oomguard-e2e/" + std::to_string(getpid()), ec);
  }
};

}  // namespace

int main(int argc, char** argv) {
  if (argc == 2 && std::strcmp(argv[1], "--reset-results") == 0) {
    std::ofstream(oomguard::e2e::results_path(), std::ios::trunc);
    return 0;
  }
  if (argc == 2 && std::strcmp(argv[1], "--print-summary") == 0) {
    const std::string table = oomguard::e2e::summary_of_file(oomguard::e2e::results_path());
    std::printf("e2e summary (%s):\n%s", oomguard::e2e::results_path().c_str(),
                table.empty() ? "no scenario ran\n" : table.c_str());
    return 0;
  }
  ::testing::InitGoogleTest(&argc, argv);
  ::testing::AddGlobalTestEnvironment(new SummaryEnvironment);
  return RUN_ALL_TESTS();
}
