#include "tools/hog/report.h"

#include <cstdio>

#include "tools/hog/json.h"
#include "tools/hog/overloaded.h"

namespace oomguard::hog {
namespace {

std::string value_text(const FieldValue& value) {
  return std::visit(Overloaded{
                        [](std::int64_t v) { return std::to_string(v); },
                        [](std::uint64_t v) { return std::to_string(v); },
                        [](double v) { return json_number(v, 2); },
                        [](bool v) { return std::string(v ? "true" : "false"); },
                        [](const std::string& v) {
                          if (!v.empty() && v.find_first_of(" \t\n\"") == std::string::npos)
                            return v;
                          std::string quoted;
                          append_json_string(quoted, v);
                          return quoted;
                        },
                        [](Null) { return std::string("-"); },
                        [](const Nested& v) { return v.text; },
                    },
                    value);
}

}  // namespace

std::string fields_to_json(const Fields& fields) {
  JsonObject obj;
  for (const Field& f : fields) {
    std::visit(Overloaded{
                   [&](std::int64_t v) { obj.add_int(f.key, v); },
                   [&](std::uint64_t v) { obj.add_uint(f.key, v); },
                   [&](double v) { obj.add_double(f.key, v); },
                   [&](bool v) { obj.add_bool(f.key, v); },
                   [&](const std::string& v) { obj.add_string(f.key, v); },
                   [&](Null) { obj.add_null(f.key); },
                   [&](const Nested& v) { obj.add_raw(f.key, v.json); },
               },
               f.value);
  }
  return obj.str();
}

std::string fields_to_text(const Fields& fields) {
  std::string out;
  for (const Field& f : fields) {
    if (!out.empty()) out.push_back(' ');
    out += f.key;
    out.push_back('=');
    out += value_text(f.value);
  }
  return out;
}

Fields progress_fields(const ProgressHead& head, const Fields& extra) {
  Fields out = {
      {"type", std::string("progress")},
      {"mode", std::string(head.mode)},
      {"pid", head.pid},
      {"t_s", head.t_s},
      {"phase", std::string(head.phase)},
      {"held_mib", head.held_mib},
      {"rate_mib_s", head.rate_mib_s},
      {"stall_ms", head.stall_ms},
      {"max_stall_ms", head.max_stall_ms},
  };
  out.insert(out.end(), extra.begin(), extra.end());
  return out;
}

std::string render_progress(const Fields& progress, bool json) {
  if (json) return fields_to_json(progress) + "\n";
  std::string mode;
  double t_s = 0;
  Fields rest;
  for (const Field& f : progress) {
    if (f.key == "mode") {
      mode = value_text(f.value);
    } else if (f.key == "t_s" && std::holds_alternative<double>(f.value)) {
      t_s = std::get<double>(f.value);
    } else if (f.key != "type" && f.key != "pid") {
      rest.push_back(f);
    }
  }
  char head[64];
  std::snprintf(head, sizeof head, "[%8.1fs] %-6s ", t_s, mode.c_str());
  return head + fields_to_text(rest) + "\n";
}

std::string render_summary(const SummaryHead& head, const std::vector<Fields>& modes, bool json) {
  if (json) {
    std::vector<std::string> items;
    items.reserve(modes.size());
    for (const Fields& m : modes) items.push_back(fields_to_json(m));
    Fields top = {{"type", std::string("summary")},
                  {"pid", head.pid},
                  {"elapsed_s", head.elapsed_s},
                  {"exit_code", std::int64_t{head.exit_code}},
                  {"error", head.error.empty() ? FieldValue(Null{}) : FieldValue(head.error)},
                  {"modes", Nested{json_array(items), ""}}};
    return fields_to_json(top) + "\n";
  }
  Fields top = {{"pid", head.pid},
                {"elapsed_s", head.elapsed_s},
                {"exit_code", std::int64_t{head.exit_code}}};
  if (!head.error.empty()) top.push_back({"error", head.error});
  std::string out = "summary " + fields_to_text(top) + "\n";
  for (const Fields& m : modes) out += "  " + fields_to_text(m) + "\n";
  return out;
}

}  // namespace oomguard::hog
