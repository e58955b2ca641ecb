// extended/daemon_config: the configuration extended runs with, and its reload on SIGHUP. A new
// file replaces the current configuration only when it loads without errors; otherwise every
// error is returned (config::Error::to_string: "file:line:column: key: message") and the last
// good configuration stays. Thread-safe: the scan thread takes current() before each scan.
#pragma once

#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "config/load.h"

namespace oomguard::extended {

class ConfigStore {
 public:
  explicit ConfigStore(std::string path) : path_(std::move(path)) {}

  struct Outcome {
    bool ok = false;
    bool changed = false;             // ok and different from the previous configuration
    std::vector<std::string> errors;  // one line each, file:line:column first
  };
  // Loads (first call) or reloads the file.
  Outcome load();
  // Installs a configuration directly (tests, --explain with defaults).
  void set(config::Config config);

  // nullptr until a load succeeded.
  std::shared_ptr<const config::Config> current() const;
  // 0 until a load succeeded; +1 with every change.
  std::uint64_t generation() const;
  const std::string& path() const { return path_; }

 private:
  const std::string path_;
  mutable std::mutex mutex_;
  std::shared_ptr<const config::Config> current_;
  std::uint64_t generation_ = 0;
};

}  // namespace oomguard::extended
