// thrash: page-cache thrash. Maps a file (created or extended to --file-mib) and reads one byte
// of every page in a loop, sequentially (MADV_SEQUENTIAL) or in random order (MADV_RANDOM).
// held_mib is the mapping's resident page cache (mincore, sampled about once a second).
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <vector>

#include "tools/hog/memory.h"
#include "tools/hog/mode.h"

namespace oomguard::hog {
namespace {

constexpr std::size_t kGroupPages = 256;  // pages per timed step

class Fd {
 public:
  explicit Fd(int fd) : fd_(fd) {}
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  ~Fd() {
    if (fd_ >= 0) close(fd_);
  }
  int get() const { return fd_; }

 private:
  int fd_;
};

class Mapping {
 public:
  Mapping(void* p, std::size_t n) : p_(static_cast<const char*>(p)), n_(n) {}
  Mapping(const Mapping&) = delete;
  Mapping& operator=(const Mapping&) = delete;
  ~Mapping() { munmap(const_cast<char*>(p_), n_); }
  const char* data() const { return p_; }
  std::size_t size() const { return n_; }

 private:
  const char* p_;
  std::size_t n_;
};

class ThrashMode final : public Mode {
 public:
  explicit ThrashMode(const ThrashSpec& spec) : spec_(spec) {}
  std::string_view name() const override { return "thrash"; }

  Result<void> run(const StopFlag& stop) override {
    Fd fd(open(spec_.file.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600));
    if (fd.get() < 0) return errno_error("open " + spec_.file, errno);
    const std::size_t bytes = spec_.file_mib * kMiB;
    stats_.set_phase(Phase::kAlloc);
    if (auto r = fill(fd.get(), bytes, stop); !r || stop.requested()) return r;
    void* p = mmap(nullptr, bytes, PROT_READ, MAP_SHARED, fd.get(), 0);
    if (p == MAP_FAILED) return errno_error("mmap " + spec_.file, errno);
    Mapping map(p, bytes);
    if (spec_.remove && unlink(spec_.file.c_str()) != 0) {
      return errno_error("unlink " + spec_.file, errno);
    }
    madvise(p, bytes, spec_.random ? MADV_RANDOM : MADV_SEQUENTIAL);
    stats_.set_phase(Phase::kRead);
    read_loop(map, stop);
    if (!stop.requested()) stats_.set_phase(Phase::kDone);
    return {};
  }

  Fields progress_extra() override {
    const std::uint64_t passes = passes_.load();
    const std::int64_t now = now_ns();
    const std::int64_t since = last_t_ > 0 ? last_t_ : read_start_ns_.load();
    const double dt = static_cast<double>(now - since) / 1e9;
    const double rate = since > 0 && dt > 0 ? static_cast<double>(passes - last_passes_) / dt : 0;
    last_t_ = now;
    last_passes_ = passes;
    return {{"file_mib", spec_.file_mib}, {"passes", passes}, {"passes_per_s", rate}};
  }

  Fields summary_extra() override {
    const double read_s = static_cast<double>(read_ns_.load()) / 1e9;
    const std::uint64_t passes = passes_.load();
    return {{"file_mib", spec_.file_mib},
            {"random", spec_.random},
            {"created_mib", created_bytes_ / kMiB},
            {"passes", passes},
            {"passes_per_s", read_s > 0 ? static_cast<double>(passes) / read_s : 0.0}};
  }

 private:
  // Extends the file to `bytes` with real (non-sparse) data.
  Result<void> fill(int fd, std::size_t bytes, const StopFlag& stop) {
    struct stat st {};
    if (fstat(fd, &st) != 0) return errno_error("fstat " + spec_.file, errno);
    std::vector<char> block(kMiB, 'h');
    auto off = static_cast<std::size_t>(st.st_size);
    while (off < bytes && !stop.requested()) {
      const std::size_t n = std::min<std::size_t>(block.size(), bytes - off);
      const ssize_t w = pwrite(fd, block.data(), n, static_cast<off_t>(off));
      if (w < 0 && errno == EINTR) continue;
      if (w <= 0) return errno_error("write " + spec_.file, w < 0 ? errno : EIO);
      off += static_cast<std::size_t>(w);
      created_bytes_ += static_cast<std::uint64_t>(w);
    }
    return {};
  }

  void sample_resident(const Mapping& map, std::vector<unsigned char>& vec) {
    if (mincore(const_cast<char*>(map.data()), map.size(), vec.data()) != 0) return;
    std::uint64_t pages = 0;
    for (unsigned char c : vec) pages += c & 1U;
    stats_.set_held(pages * page_bytes());
  }

  void read_loop(const Mapping& map, const StopFlag& stop) {
    const std::size_t page = page_bytes();
    const std::size_t pages = map.size() / page;
    std::vector<unsigned char> resident(pages);
    const auto deadline = deadline_after(spec_.duration_s);
    const std::int64_t start = now_ns();
    read_start_ns_.store(start);
    std::int64_t next_sample = start;
    std::uint64_t rng = 0x9E3779B97F4A7C15ULL ^ static_cast<std::uint64_t>(start);
    volatile const char* base = map.data();
    unsigned sink = 0;
    while (!spec_.passes || passes_.load() < *spec_.passes) {
      for (std::size_t i = 0; i < pages; i += kGroupPages) {
        const std::int64_t now = now_ns();
        if (stop.requested() || (deadline && now >= *deadline)) return finish(start, sink);
        if (now >= next_sample) {
          sample_resident(map, resident);
          next_sample = now + 1'000'000'000;
        }
        const std::int64_t t0 = now_ns();
        const std::size_t n = std::min(kGroupPages, pages - i);
        for (std::size_t k = 0; k < n; ++k) {
          std::size_t idx = i + k;
          if (spec_.random) {
            rng ^= rng << 13, rng ^= rng >> 7, rng ^= rng << 17;  // xorshift64
            idx = static_cast<std::size_t>(rng % pages);
          }
          sink += static_cast<unsigned char>(base[idx * page]);
        }
        stats_.note_stall(static_cast<std::uint64_t>(now_ns() - t0));
        stats_.add_work(n * page);
      }
      passes_.fetch_add(1, std::memory_order_relaxed);
    }
    finish(start, sink);
  }

  void finish(std::int64_t start, unsigned sink) {
    read_ns_.store(now_ns() - start);
    sink_ = sink;  // keeps the reads observable
  }

  ThrashSpec spec_;
  std::atomic<std::uint64_t> passes_{0};
  std::atomic<std::int64_t> read_ns_{0};
  std::atomic<std::int64_t> read_start_ns_{0};
  std::uint64_t created_bytes_ = 0;
  unsigned sink_ = 0;
  std::int64_t last_t_ = 0;  // reporter thread only
  std::uint64_t last_passes_ = 0;
};

}  // namespace

std::unique_ptr<Mode> make_thrash_mode(const ThrashSpec& spec) {
  return std::make_unique<ThrashMode>(spec);
}

}  // namespace oomguard::hog
