#include "config/core_config.h"
#include "config/sections.h"
#include "config/validate.h"

namespace oomguard::config::internal {

bool check_cgroup(Diagnostics& diag, const toml::source_region& where, const std::string& key,
                  std::string_view text, std::string_view root_refusal, std::string& stored) {
  CgroupPath normalized = normalize_cgroup_path(text);
  if (!normalized.error.empty()) {
    diag.add(where, key, "invalid cgroup path " + quoted(text) + ": " + normalized.error);
    return false;
  }
  if (normalized.path.empty() && !root_refusal.empty()) {
    diag.add(where, key, std::string(root_refusal));
    return false;
  }
  constexpr std::size_t kMax = kPathBytes - 1;
  if (normalized.path.size() > kMax) {
    diag.add(where, key,
             "cgroup path must be at most " + std::to_string(kMax) + " bytes, got " +
                 std::to_string(normalized.path.size()));
    return false;
  }
  stored = std::move(normalized.path);
  return true;
}

Read read_cgroup(TableReader& reader, std::string_view key, std::string_view root_refusal,
                 std::string& stored) {
  std::string text;
  const Read read = reader.string(key, text);
  if (read != Read::kOk) return read;
  if (!check_cgroup(reader.diag(), reader.where(key), reader.key_path(key), text, root_refusal,
                    stored)) {
    return Read::kInvalid;
  }
  return Read::kOk;
}

Read read_optional_path(TableReader& reader, std::string_view key, std::size_t max_bytes,
                        std::string& out) {
  std::string text;
  const Read read = reader.string(key, text);
  if (read != Read::kOk) return read;
  if (!text.empty() && (text.front() != '/' || text.find('\0') != std::string::npos)) {
    reader.error(key, "must be an absolute path or \"\", got " + quoted(text));
    return Read::kInvalid;
  }
  if (text.size() > max_bytes) {
    reader.error(key, "must be at most " + std::to_string(max_bytes) + " bytes, got " +
                          std::to_string(text.size()));
    return Read::kInvalid;
  }
  out = std::move(text);
  return Read::kOk;
}

void check_order(TableReader& reader, const OrderedPair& pair) {
  if (pair.low_read == Read::kInvalid || pair.high_read == Read::kInvalid) return;
  if (pair.strict ? pair.low < pair.high : pair.low <= pair.high) return;
  const bool low_set = pair.low_read == Read::kOk;
  const bool high_set = pair.high_read == Read::kOk;
  const bool at_low = pair.report_at_low ? low_set : !high_set;
  const auto value_of = [](std::int64_t value, bool set) {
    return std::to_string(value) + (set ? "" : ", the default");
  };
  if (at_low) {
    reader.error(pair.low_key,
                 std::string(pair.strict ? "must be less than " : "must be at most ") +
                     std::string(pair.high_key) + " (" + value_of(pair.high, high_set) + "), got " +
                     std::to_string(pair.low));
  } else {
    reader.error(pair.high_key,
                 std::string(pair.strict ? "must be greater than " : "must be at least ") +
                     std::string(pair.low_key) + " (" + value_of(pair.low, low_set) + "), got " +
                     std::to_string(pair.high));
  }
}

}  // namespace oomguard::config::internal
