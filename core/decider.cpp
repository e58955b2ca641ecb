#include "core/decider.h"

namespace oomguard::core {

bool Decider::should_kill(std::uint64_t now_ns, bool trigger_fired) {
  if (phase_ == Phase::kHolding && now_ns >= deadline_ns_) phase_ = Phase::kWatching;
  return phase_ == Phase::kWatching && trigger_fired;
}

void Decider::killed(std::uint64_t now_ns) {
  phase_ = Phase::kAwaitingRelease;
  deadline_ns_ = now_ns + params_.release_timeout_ns;
}

void Decider::kill_failed(std::uint64_t now_ns) {
  phase_ = Phase::kHolding;
  deadline_ns_ = now_ns + params_.retry_pause_ns;
}

void Decider::released(std::uint64_t now_ns) {
  phase_ = Phase::kHolding;
  deadline_ns_ = now_ns + params_.cooldown_ns;
}

bool Decider::release_overdue(std::uint64_t now_ns) const {
  return phase_ == Phase::kAwaitingRelease && now_ns >= deadline_ns_;
}

}  // namespace oomguard::core
