// oomguard_vm_drive: see tests/vm/drive/spec.h.
#include <sys/stat.h>

#include <cstdio>
#include <cstring>
#include <string>
#include <string_view>
#include <vector>

#include "tests/vm/drive/canary.h"
#include "tests/vm/drive/runner.h"
#include "tests/vm/drive/spec.h"
#include "tests/vm/drive/timeline.h"

int main(int argc, char** argv) {
  using namespace oomguard::vmdrive;
  const std::vector<std::string_view> args(argv + 1, argv + argc);
  if (args.size() == 1 && (args[0] == "--help" || args[0] == "-h")) {
    std::fputs(kUsage, stdout);
    return 0;
  }
  if (!args.empty() && args[0] == "canary") {
    CanarySpec canary;
    if (std::string e = parse_canary_args(std::span(args).subspan(1), &canary); !e.empty()) {
      std::fprintf(stderr, "oomguard_vm_drive: %s\n%s", e.c_str(), kUsage);
      return 2;
    }
    return run_canary(canary);
  }
  DriveSpec spec;
  if (std::string e = parse_args(args, &spec); !e.empty()) {
    std::fprintf(stderr, "oomguard_vm_drive: %s\n%s", e.c_str(), kUsage);
    return 2;
  }
  mkdir(spec.out_dir.c_str(), 0755);
  Timeline timeline;
  std::string error;
  {
    Runner runner(spec);
    error = runner.run(&timeline);
  }  // every role is stopped and reaped here
  if (!error.empty()) {
    std::fprintf(stderr, "oomguard_vm_drive: %s\n", error.c_str());
    return 1;
  }
  std::string report;
  for (const RoleRecord& r : timeline.roles) report += role_line(r) + "\n";
  report += result_line(summarize(timeline)) + "\n";
  std::fputs(report.c_str(), stdout);
  const std::string path = spec.out_dir + "/result.txt";
  if (std::FILE* f = std::fopen(path.c_str(), "we")) {
    std::fputs(report.c_str(), f);
    std::fclose(f);
  }
  return 0;
}
