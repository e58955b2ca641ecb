#include "extended/uring_reader.h"

#include <fcntl.h>
#include <liburing.h>

#include <cerrno>
#include <cstring>
#include <vector>

namespace oomguard::extended {
namespace {

// No O_CLOEXEC: the kernel refuses it for direct descriptors (they are never in the fd table).
constexpr int kOpenFlags = O_RDONLY | O_NOFOLLOW;
enum Op : std::uint64_t { kOpOpen = 0, kOpRead = 1, kOpClose = 2 };
constexpr unsigned kSqesPerFile = 3;

std::uint64_t tag(unsigned slot, Op op) { return (std::uint64_t{slot} << 2) | op; }

std::string errno_text(const char* what, int negative_errno) {
  return std::string(what) + ": " + std::strerror(-negative_errno);
}

class UringReader final : public FileReader {
 public:
  ~UringReader() override {
    if (ring_ok_) io_uring_queue_exit(&ring_);
  }

  static Result<std::unique_ptr<FileReader>> create(const UringParams& params) {
    auto reader = std::unique_ptr<UringReader>(new UringReader());
    if (auto err = reader->init(params); !err.empty()) return Error{err};
    return std::unique_ptr<FileReader>(std::move(reader));
  }

  void read_all(std::span<FileRead> reads) override;
  std::string_view name() const override { return "io_uring"; }
  bool reads_to_eof() const override { return false; }

 private:
  struct Slot {
    std::size_t read_index = 0;
    unsigned cqes_left = 0;  // 0 = slot free
    std::int32_t open_res = 0;
    std::int32_t read_res = 0;
  };

  UringReader() = default;
  std::string init(const UringParams& params);
  void queue_file(std::span<FileRead> reads, std::size_t index);
  std::size_t reap(std::span<FileRead> reads);
  std::size_t abandon_in_flight(std::span<FileRead> reads);

  io_uring ring_{};
  bool ring_ok_ = false;
  bool broken_ = false;  // gave up on the ring after repeated submission failures: plain reads
  std::vector<Slot> slots_;
  std::vector<unsigned> free_slots_;
};

std::string UringReader::init(const UringParams& params) {
  io_uring_params p{};
  p.flags = IORING_SETUP_SUBMIT_ALL | IORING_SETUP_COOP_TASKRUN;
  int rc = io_uring_queue_init_params(params.ring_entries, &ring_, &p);
  if (rc == -EINVAL) {  // kernel older than 5.19: no such flags
    p = io_uring_params{};
    rc = io_uring_queue_init_params(params.ring_entries, &ring_, &p);
  }
  if (rc < 0) return errno_text("io_uring_queue_init", rc);
  ring_ok_ = true;
  const unsigned slots = params.max_in_flight;
  if (slots == 0 || slots * kSqesPerFile > params.ring_entries) {
    return "max_in_flight must be in [1, ring_entries / 3]";
  }
  rc = io_uring_register_files_sparse(&ring_, slots);
  if (rc < 0) {
    std::vector<int> empty(slots, -1);
    rc = io_uring_register_files(&ring_, empty.data(), slots);
  }
  if (rc < 0) return errno_text("io_uring_register_files", rc);
  slots_.resize(slots);
  for (unsigned i = slots; i > 0; --i) free_slots_.push_back(i - 1);
  return {};
}

void UringReader::queue_file(std::span<FileRead> reads, std::size_t index) {
  const unsigned slot = free_slots_.back();
  free_slots_.pop_back();
  slots_[slot] = Slot{.read_index = index, .cqes_left = kSqesPerFile};
  FileRead& r = reads[index];

  io_uring_sqe* open = io_uring_get_sqe(&ring_);
  io_uring_prep_openat_direct(open, r.dirfd, r.path, kOpenFlags, 0, slot);
  open->flags |= IOSQE_IO_LINK;
  io_uring_sqe_set_data64(open, tag(slot, kOpOpen));

  io_uring_sqe* read = io_uring_get_sqe(&ring_);
  io_uring_prep_read(read, static_cast<int>(slot), r.buf, r.capacity, 0);
  read->flags |= IOSQE_FIXED_FILE | IOSQE_IO_HARDLINK;
  io_uring_sqe_set_data64(read, tag(slot, kOpRead));

  io_uring_sqe* close = io_uring_get_sqe(&ring_);
  io_uring_prep_close_direct(close, slot);
  io_uring_sqe_set_data64(close, tag(slot, kOpClose));
}

// Consumes every available completion; returns how many files finished.
std::size_t UringReader::reap(std::span<FileRead> reads) {
  std::size_t finished = 0;
  unsigned head = 0;
  unsigned seen = 0;
  io_uring_cqe* cqe = nullptr;
  io_uring_for_each_cqe(&ring_, head, cqe) {
    ++seen;
    const std::uint64_t data = io_uring_cqe_get_data64(cqe);
    const auto slot = static_cast<unsigned>(data >> 2);
    Slot& s = slots_[slot];
    if ((data & 3) == kOpOpen) s.open_res = cqe->res;
    if ((data & 3) == kOpRead) s.read_res = cqe->res;
    if (--s.cqes_left > 0) continue;
    reads[s.read_index].result = s.open_res < 0 ? s.open_res : s.read_res;
    free_slots_.push_back(slot);
    ++finished;
  }
  io_uring_cq_advance(&ring_, seen);
  return finished;
}

// Gives up on files whose chains never completed (only after repeated submission failures):
// they report -EIO. Their slots are not reused.
std::size_t UringReader::abandon_in_flight(std::span<FileRead> reads) {
  std::size_t abandoned = 0;
  for (Slot& s : slots_) {
    if (s.cqes_left == 0) continue;
    reads[s.read_index].result = -EIO;
    s.cqes_left = 0;
    ++abandoned;
  }
  return abandoned;
}

void UringReader::read_all(std::span<FileRead> reads) {
  constexpr int kMaxFailedSubmits = 1000;
  if (broken_) {
    make_plain_reader()->read_all(reads);
    return;
  }
  std::size_t next = 0;
  std::size_t done = 0;
  int failed_submits = 0;
  while (done < reads.size()) {
    if (failed_submits > kMaxFailedSubmits) {
      abandon_in_flight(reads);
      broken_ = true;
      make_plain_reader()->read_all(reads.subspan(next));
      return;
    }
    while (next < reads.size() && !free_slots_.empty() &&
           io_uring_sq_space_left(&ring_) >= kSqesPerFile) {
      queue_file(reads, next++);
    }
    const int rc = io_uring_submit_and_wait(&ring_, 1);
    if (rc < 0) ++failed_submits;
    if (rc < 0 && rc != -EINTR && rc != -EAGAIN && rc != -EBUSY) {
      // Not expected with valid requests. Files not yet queued are read plainly; the ones in
      // flight are still reaped below, so no buffer is left in the kernel's hands.
      auto plain = make_plain_reader();
      plain->read_all(reads.subspan(next));
      done += reads.size() - next;
      next = reads.size();
    }
    done += reap(reads);
  }
}

}  // namespace

Result<std::unique_ptr<FileReader>> make_uring_reader(const UringParams& params) {
  return UringReader::create(params);
}

}  // namespace oomguard::extended
