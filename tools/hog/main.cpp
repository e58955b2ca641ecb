// hog: memory stress tool for trying oomguard (see usage.cpp / README.md).
#include <cstdio>
#include <string_view>
#include <vector>

#include "tools/hog/cli.h"
#include "tools/hog/runner.h"

int main(int argc, char** argv) {
  using namespace oomguard::hog;
  std::vector<std::string_view> args(argv + 1, argv + argc);
  Result<Invocation> inv = parse_command_line(args);
  if (!inv) {
    std::fprintf(stderr, "hog: usage error: %s\n(see hog --help)\n", inv.error().message.c_str());
    return 2;
  }
  if (inv->help) {
    std::fwrite(usage_text().data(), 1, usage_text().size(), stdout);
    return 0;
  }
  return run_invocation(*inv);
}
