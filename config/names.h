// Internal to config/: the spelling of every enum value in the TOML file, indexed by the enum's
// numeric value. Shared by the loader and to_toml so both always agree.
#pragma once

#include <array>
#include <cstddef>
#include <string_view>

#include "config/core_config.h"
#include "config/extended_config.h"

namespace oomguard::config::internal {

inline constexpr std::array<std::string_view, 4> kMonitorKindNames = {"pressure", "mem_available",
                                                                      "swap_free", "cgroup_usage"};
inline constexpr std::array<std::string_view, 3> kResourceNames = {"memory", "io", "cpu"};
inline constexpr std::array<std::string_view, 2> kStallNames = {"some", "full"};
inline constexpr std::array<std::string_view, 2> kFallbackNames = {"largest", "oom_score"};
inline constexpr std::array<std::string_view, 4> kActionNames = {"rank", "prefer", "avoid",
                                                                 "protect"};
inline constexpr std::array<std::string_view, 2> kKillModeNames = {"process", "group"};

template <std::size_t N, typename Enum>
constexpr std::string_view name_of(const std::array<std::string_view, N>& names, Enum value) {
  return names[static_cast<std::size_t>(value)];
}

}  // namespace oomguard::config::internal
