// check_config_main(): `--check-config` of both binaries.
#include <cstdio>

#include "config/load.h"

namespace oomguard::config {
namespace {

void write_all(std::FILE* stream, const std::string& text) {
  std::fwrite(text.data(), 1, text.size(), stream);
  std::fflush(stream);
}

}  // namespace

int check_config_main(const std::string& path) {
  try {
    const LoadResult result = load_file(path);
    if (result.config) {
      write_all(stdout, "# checked: " + path + "\n" + to_toml(*result.config));
      return 0;
    }
    std::string text;
    for (const Error& error : result.errors) text += error.to_string() + "\n";
    const std::size_t count = result.errors.size();
    text += path + ": " + std::to_string(count) + (count == 1 ? " error" : " errors") +
            ", configuration not valid\n";
    write_all(stderr, text);
  } catch (...) {
    std::fputs("oomguard: out of memory while checking the configuration\n", stderr);
  }
  return 2;
}

}  // namespace oomguard::config
