// Last-resort cleanup for tests and tools that change the machine (cgroups, processes, swap):
// a fixed-size registry of what to undo, and signal handlers that undo it with async-signal-safe
// system calls only (write, kill, swapoff, rmdir, nanosleep) and then die by the same signal.
//
// RAII objects (Sandbox, ZramSwap, ...) undo their own state on every normal path and register
// it here while it exists, so SIGINT / SIGTERM / SIGHUP / SIGQUIT, and crashes (SIGSEGV, SIGBUS,
// SIGABRT, SIGFPE, SIGILL), leave nothing behind either. SIGKILL cannot be caught: tools sweep
// what a killed earlier run left (see tools/scenario/sweep.h).
//
// Registration is meant for one thread (the test's main thread); the handler only reads slots
// whose `used` flag is set, and entries are published with a release store.
#pragma once

#include <sys/types.h>

namespace oomguard::testing::emergency {

// Installs the handlers once (idempotent). Call before creating anything worth undoing.
void install_handlers();

// A cgroup directory (either hierarchy). In cleanup, every registered cgroup2 dir gets
// "1" > cgroup.kill; then all are emptied and removed, most recently registered first (so
// children before parents). Returns a slot id (>= 0), or -1 when the registry is full or the
// path is too long. `path` must be absolute.
int add_cgroup(const char* path);

// A process to SIGKILL in cleanup (e.g. a daemon outside any registered cgroup).
int add_pid(pid_t pid);

// A swap device to swapoff in cleanup; `zram_id` >= 0 also resets that zram device and hot-
// removes it (/sys/class/zram-control/hot_remove).
int add_swap(const char* device_path, int zram_id);

// A file to unlink in cleanup (e.g. an owner marker that would otherwise outlive its device).
int add_file(const char* path);

// Forgets a slot (after the owner undid its state itself).
void remove(int slot);

// Undoes everything registered, in the order above (files last). Async-signal-safe; also callable
// directly.
void run_cleanup();

}  // namespace oomguard::testing::emergency
