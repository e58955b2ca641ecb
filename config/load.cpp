// load_file / load_string: TOML syntax via toml++ (its exceptions end here), then the sections.
#include "config/load.h"

#include <fcntl.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstring>
#include <new>

#include "config/sections.h"

namespace oomguard::config {
namespace internal {
namespace {

constexpr std::array<std::string_view, 4> kTopKeys = {"core", "extended", "rules", "output"};

}  // namespace

void parse_document(const toml::table& root, Diagnostics& diag, Config& config) {
  TableReader reader(root, "", kTopKeys, diag);
  if (const toml::table* core = reader.table("core")) parse_core(*core, diag, config.core);
  if (const toml::table* extended = reader.table("extended")) {
    parse_extended(*extended, diag, config.extended);
  }
  parse_rules(reader, config.extended.rules);
  if (const toml::table* output = reader.table("output")) {
    parse_output(*output, diag, config.extended.output);
  }
  reader.report_unknown();
}

}  // namespace internal

namespace {

LoadResult single_error(std::string_view file, std::string message) noexcept {
  LoadResult result;
  try {
    result.errors.push_back(Error{.file = std::string(file),
                                  .line = 0,
                                  .column = 0,
                                  .key = {},
                                  .message = std::move(message)});
  } catch (...) {
    // No memory even for the message: the result still has no config, which is what callers
    // test first.
  }
  return result;
}

// Reads the whole file into `out`; 0 or an errno value (EFBIG when over kMaxFileBytes).
int read_whole_file(const std::string& path, std::string& out) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return errno;
  int error = 0;
  std::array<char, 16384> buf;
  while (true) {
    const ssize_t n = ::read(fd, buf.data(), buf.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      error = errno;
      break;
    }
    if (n == 0) break;
    if (out.size() + static_cast<std::size_t>(n) > kMaxFileBytes) {
      error = EFBIG;
      break;
    }
    out.append(buf.data(), static_cast<std::size_t>(n));
  }
  ::close(fd);
  return error;
}

}  // namespace

std::string Error::to_string() const {
  std::string text = file;
  if (line != 0) {
    text += ":" + std::to_string(line);
    if (column != 0) text += ":" + std::to_string(column);
  }
  text += ": ";
  if (!key.empty()) text += key + ": ";
  return text + message;
}

LoadResult load_string(std::string_view toml, std::string_view source_name) noexcept {
  try {
    internal::Diagnostics diag{std::string(source_name)};
    toml::table root;
    try {
      root = toml::parse(toml, source_name);
    } catch (const toml::parse_error& error) {
      diag.add(error.source(), "", "TOML syntax error: " + std::string(error.description()));
      return LoadResult{.config = std::nullopt, .errors = diag.take()};
    }
    Config config = defaults();
    internal::parse_document(root, diag, config);
    if (!diag.empty()) return LoadResult{.config = std::nullopt, .errors = diag.take()};
    return LoadResult{.config = std::move(config), .errors = {}};
  } catch (const std::bad_alloc&) {
    return single_error(source_name, "out of memory while reading the configuration");
  } catch (const std::exception& error) {
    return single_error(source_name, std::string("internal error: ") + error.what());
  } catch (...) {
    return single_error(source_name, "internal error");
  }
}

LoadResult load_file(const std::string& path) noexcept {
  try {
    std::string text;
    const int error = read_whole_file(path, text);
    if (error == EFBIG) {
      return single_error(path, "cannot read: larger than " + std::to_string(kMaxFileBytes) +
                                    " bytes, not a configuration file");
    }
    if (error != 0) return single_error(path, std::string("cannot read: ") + std::strerror(error));
    return load_string(text, path);
  } catch (...) {
    return single_error(path, "out of memory while reading the configuration");
  }
}

}  // namespace oomguard::config
