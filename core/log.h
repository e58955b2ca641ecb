// Allocation-free logging: printf-style into a stack buffer, one write(2) per line. Used at
// start-up and in the steady state alike. Lines go to stderr and, when enabled, /dev/kmsg.
#pragma once

namespace oomguard::core {

// Opens /dev/kmsg for kill lines; false (and kmsg stays off) if it is not writable.
bool log_open_kmsg();
void log_close_kmsg();

// One line to stderr ("oomguard-core: " prefix added).
void log_line(const char* fmt, ...) __attribute__((format(printf, 1, 2)));
// One line to stderr and to /dev/kmsg when open.
void log_kill_line(const char* fmt, ...) __attribute__((format(printf, 1, 2)));

// Text for an errno value, without allocation.
const char* errno_text(int err);

}  // namespace oomguard::core
