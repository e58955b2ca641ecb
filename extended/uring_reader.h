// extended/uring_reader.h — the io_uring FileReader. Each file is one linked chain of three
// requests on a direct descriptor (no fd in the process's table):
//   openat_direct(slot) --LINK--> read(fixed slot, caller's buffer) --HARDLINK-->
//   close_direct(slot)
// so a batch of files costs one io_uring_enter per ring-full instead of three syscalls per file.
// A failed open cancels its read and close (the slot was never filled); a failed read still
// closes (hard link). Up to `max_in_flight` files are in flight; slots are reused as chains
// complete. Needs kernel >= 5.19 for the sparse file table (falls back to registering -1 fds).
#pragma once

#include <memory>

#include "extended/model.h"
#include "extended/scan_reader.h"

namespace oomguard::extended {

struct UringParams {
  unsigned ring_entries = 512;  // SQ entries (CQ is twice that)
  unsigned max_in_flight =
      160;  // files in flight = registered direct-descriptor slots (3 SQEs each)
};

// Fails (with the reason, e.g. "io_uring_queue_init: Operation not permitted") when io_uring is
// unavailable: kernel too old, disabled by sysctl/seccomp, or out of memory-lock limit.
Result<std::unique_ptr<FileReader>> make_uring_reader(const UringParams& params);

}  // namespace oomguard::extended
