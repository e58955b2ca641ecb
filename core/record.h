// Records every kill twice — when the signal is sent and when the memory is gone — as a
// KillEvent in the shm events ring (for extended's kill log and metrics) and as one readable
// line on stderr and /dev/kmsg. Allocation-free.
#pragma once

#include <cstdint>

#include "config/core_config.h"
#include "core/killer.h"
#include "core/victim.h"
#include "shm/abi.h"

namespace oomguard::shm {
class EventProducer;
}

namespace oomguard::core {

// Why and when a kill was decided.
struct Decision {
  std::uint64_t trigger_ns = 0;   // the wake-up that saw the trigger fire
  std::uint64_t decision_ns = 0;  // victim chosen and checked
  int trigger_index = -1;
  std::uint32_t monitor_mask = 0;
  std::uint64_t stall_us = 0;  // of the trigger's first pressure monitor, if any
  std::uint64_t window_us = 0;
  std::uint64_t usage_before = 0;  // scope usage at the decision, for freed_bytes
  bool dry_run = false;
};

class KillRecorder {
 public:
  KillRecorder(const config::CoreConfig& config, shm::EventProducer* producer)
      : config_(config), producer_(producer) {}

  void killed(const Victim& v, const Decision& d, const KillReport& r);
  void released(std::uint64_t released_ns, std::uint64_t usage_after, bool timed_out);
  const shm::KillEvent& current() const { return event_; }
  std::uint64_t kills() const { return event_.kill_id; }

 private:
  void push();

  const config::CoreConfig& config_;
  shm::EventProducer* producer_;
  shm::KillEvent event_{};
  std::uint64_t usage_before_ = 0;
};

}  // namespace oomguard::core
