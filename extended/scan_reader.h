// extended/scan_reader.h — batched whole-file reads, the scanner's only I/O for file contents.
// Two backends with one interface: io_uring (uring_reader.h: open+read+close linked per file,
// direct descriptors, many files per submission) and plain openat/pread/close (here), which is
// also the fallback when io_uring is unavailable.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>

namespace oomguard::extended {

// One file to read: `path` relative to `dirfd`, into buf[0, capacity). The reader sets
// `result` to the number of bytes read or -errno. result == capacity means the file may be
// longer: the caller decides (re-read or truncate); see also FileReader::reads_to_eof.
// The buffer is not NUL-terminated.
struct FileRead {
  int dirfd = -1;
  const char* path = nullptr;  // must stay valid until read_all returns
  char* buf = nullptr;
  std::uint32_t capacity = 0;
  std::int32_t result = 0;

  std::string_view text() const {
    return result > 0 ? std::string_view(buf, static_cast<std::size_t>(result))
                      : std::string_view();
  }
  bool full() const { return result >= 0 && static_cast<std::uint32_t>(result) == capacity; }
};

class FileReader {
 public:
  virtual ~FileReader() = default;
  // Reads every entry of `reads`, in any order, and returns when all are done.
  virtual void read_all(std::span<FileRead> reads) = 0;
  virtual std::string_view name() const = 0;
  // True when a result below capacity is always the whole file. The io_uring backend issues one
  // read per file, and a paged seq_file (e.g. cgroup.procs) returns at most one page per read,
  // so there a result below capacity may still be a prefix of a longer file.
  virtual bool reads_to_eof() const = 0;
};

enum class ReaderKind : std::uint8_t { kUring, kPlain };

// openat + pread loop + close, one file after the other.
std::unique_ptr<FileReader> make_plain_reader();

// The preferred reader: io_uring unless `kind` is kPlain or io_uring cannot be set up, in which
// case `*note` (if given) receives one line saying why the plain reader is used.
std::unique_ptr<FileReader> make_reader(ReaderKind kind, std::string* note);

// Reads a whole file of any size into a string with plain I/O (for files that overflowed their
// batch buffer, e.g. a long cgroup.procs). Returns 0 or -errno.
int read_whole_file(int dirfd, const char* path, std::string* out);

}  // namespace oomguard::extended
