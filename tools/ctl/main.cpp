// oomguardctl: status, ranking and kills of a running oomguard (see tools/ctl/cli.h).
#include <cstdio>
#include <string>
#include <vector>

#include "tools/ctl/ctl_main.h"

int main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  std::string out, err;
  const int status = oomguard::ctl::ctl_main(args, &out, &err);
  std::fwrite(out.data(), 1, out.size(), stdout);
  std::fwrite(err.data(), 1, err.size(), stderr);
  return status;
}
