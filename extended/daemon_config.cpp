#include "extended/daemon_config.h"

namespace oomguard::extended {

ConfigStore::Outcome ConfigStore::load() {
  config::LoadResult result = config::load_file(path_);
  Outcome outcome;
  if (!result.config) {
    for (const config::Error& error : result.errors) outcome.errors.push_back(error.to_string());
    if (outcome.errors.empty()) outcome.errors.push_back(path_ + ": could not be loaded");
    return outcome;
  }
  outcome.ok = true;
  std::lock_guard lock(mutex_);
  if (current_ && *current_ == *result.config) return outcome;
  current_ = std::make_shared<const config::Config>(std::move(*result.config));
  ++generation_;
  outcome.changed = true;
  return outcome;
}

void ConfigStore::set(config::Config config) {
  std::lock_guard lock(mutex_);
  current_ = std::make_shared<const config::Config>(std::move(config));
  ++generation_;
}

std::shared_ptr<const config::Config> ConfigStore::current() const {
  std::lock_guard lock(mutex_);
  return current_;
}

std::uint64_t ConfigStore::generation() const {
  std::lock_guard lock(mutex_);
  return generation_;
}

}  // namespace oomguard::extended
