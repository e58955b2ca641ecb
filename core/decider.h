// The kill/hold state machine, pure and clock-driven. A firing trigger leads to one kill; the
// next kill is allowed only after the victim's memory is released (or the release timeout
// passes), a cooldown, and monitors whose windows restart at the release — so the stall that
// caused the first kill never causes a second one.
#pragma once

#include <cstdint>

namespace oomguard::core {

class Decider {
 public:
  enum class Phase : std::uint8_t {
    kWatching,         // kill when a trigger fires
    kAwaitingRelease,  // a victim was signalled; wait until its memory is gone
    kHolding,          // after a release (cooldown) or a failed attempt (retry pause)
  };
  struct Params {
    std::uint64_t release_timeout_ns;
    std::uint64_t cooldown_ns;
    std::uint64_t retry_pause_ns;  // after a decision found no killable victim
  };

  explicit Decider(const Params& params) : params_(params) {}

  // True when the caller should choose and kill a victim now.
  bool should_kill(std::uint64_t now_ns, bool trigger_fired);
  void killed(std::uint64_t now_ns);
  void kill_failed(std::uint64_t now_ns);
  // The victim's memory is gone (or the wait timed out): the caller resets its monitors.
  void released(std::uint64_t now_ns);
  bool release_overdue(std::uint64_t now_ns) const;

  Phase phase() const { return phase_; }

 private:
  Params params_;
  Phase phase_ = Phase::kWatching;
  std::uint64_t deadline_ns_ = 0;
};

}  // namespace oomguard::core
