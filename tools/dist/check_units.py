#!/usr/bin/env python3
"""Checks oomguard.service / oomguard.slice: `systemd-analyze verify` must print nothing (it
reports unknown keys, bad values, missing executables and man pages only as messages), the unit
must keep what oomguard needs (Type=notify, watchdog, reload by SIGHUP, the six capabilities,
no sandboxing option that breaks cgroups, /dev/kmsg or SCHED_FIFO), and the expanded system call
filter must allow every call the daemons make (the failure mode of a peer: seccomp killed the
daemon on process_mrelease). Exit 0 ok, 1 failed, 77 skipped (no systemd-analyze)."""
import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile

CAPABILITIES = {"CAP_KILL", "CAP_SYS_NICE", "CAP_IPC_LOCK", "CAP_SYS_RESOURCE",
                "CAP_SYS_PTRACE", "CAP_DAC_OVERRIDE"}
# Options that would break oomguard (see the comment in the unit).
FORBIDDEN = {"ProtectControlGroups", "ProtectKernelTunables", "ProtectKernelLogs",
             "PrivateDevices", "ProtectProc", "ProcSubset", "RestrictRealtime",
             "MemoryDenyWriteExecute", "PrivateNetwork", "PrivatePIDs", "PrivateUsers",
             "DynamicUser", "User"}
# System calls of oomguard-core, oomguard-extended and their hooks' spawning.
SYSCALLS = """process_mrelease pidfd_open pidfd_send_signal kill tgkill waitid wait4
  io_uring_setup io_uring_enter io_uring_register mlockall munlockall sched_setscheduler
  sched_getscheduler setpriority prctl memfd_create fcntl ftruncate fchmod mmap munmap mprotect
  madvise epoll_create1 epoll_ctl epoll_wait epoll_pwait timerfd_create timerfd_settime
  signalfd4 rt_sigprocmask rt_sigaction eventfd2 poll ppoll openat read pread64 write writev
  close close_range newfstatat fstat statfs fstatfs getdents64 readlinkat fgetxattr getxattr
  lgetxattr mkdirat unlinkat renameat renameat2 socket connect sendto sendmsg clone clone3 vfork
  execve dup2 dup3 pipe2 getpid getppid gettid clock_gettime clock_nanosleep nanosleep
  getrandom prlimit64 setrlimit futex exit_group""".split()


def fail(msg):
    print("FAIL: " + msg)
    return 1


def parse_unit(path):
    """[(section, key, value)] in file order (repeated keys kept)."""
    entries, section = [], None
    with open(path) as f:
        for raw in f:
            line = raw.strip()
            if not line or line[0] in "#;":
                continue
            if line.startswith("[") and line.endswith("]"):
                section = line[1:-1]
                continue
            key, _, value = line.partition("=")
            entries.append((section, key.strip(), value.strip()))
    return entries


def values(entries, section, key):
    return [v for s, k, v in entries if s == section and k == key]


def one(entries, section, key):
    v = values(entries, section, key)
    return v[-1] if v else None


def expand_filter(items, cache={}):
    """The set of system calls a SystemCallFilter= allow list names (groups expanded)."""
    out = set()
    for item in items:
        if not item.startswith("@"):
            out.add(item)
            continue
        if item not in cache:
            text = subprocess.run(["systemd-analyze", "syscall-filter", item], check=True,
                                  capture_output=True, text=True).stdout.splitlines()
            cache[item] = [l.strip() for l in text[1:] if l.strip() and not l.strip().startswith("#")]
        out |= expand_filter(cache[item])
    return out


def check_settings(service, slice_):
    errors = []
    want = {("Service", "Type"): "notify", ("Service", "NotifyAccess"): "main",
            ("Service", "Restart"): "on-failure", ("Service", "Slice"): "oomguard.slice",
            ("Service", "CPUSchedulingPolicy"): "fifo", ("Service", "KillMode"): "mixed",
            ("Service", "SystemCallErrorNumber"): "EPERM",
            ("Service", "CPUSchedulingResetOnFork"): "yes",
            ("Service", "NoNewPrivileges"): "yes"}
    for (section, key), value in want.items():
        if one(service, section, key) != value:
            errors.append(f"[{section}] {key}= is {one(service, section, key)!r}, want {value!r}")
    for key in ("WatchdogSec", "MemoryMin", "CPUSchedulingPriority"):
        if not one(service, "Service", key):
            errors.append(f"[Service] {key}= missing")
    if not one(slice_, "Slice", "MemoryMin"):
        errors.append("oomguard.slice: [Slice] MemoryMin= missing")
    reload = one(service, "Service", "ExecReload") or ""
    if "-HUP" not in reload or "$MAINPID" not in reload:
        errors.append(f"ExecReload= does not send SIGHUP to $MAINPID: {reload!r}")
    caps = set(" ".join(values(service, "Service", "CapabilityBoundingSet")).split())
    if caps != CAPABILITIES:
        errors.append(f"CapabilityBoundingSet= is {sorted(caps)}, want {sorted(CAPABILITIES)}")
    for section, key, value in service:
        if key in FORBIDDEN and value not in ("no", "false", "0", ""):
            errors.append(f"{key}={value} breaks oomguard (see the unit's comments)")
    return errors


def check_filter(service):
    items = " ".join(values(service, "Service", "SystemCallFilter")).split()
    if not items:
        return []
    if any(i.startswith("~") for i in items):
        return ["SystemCallFilter= deny lists are not checked here: use an allow list"]
    allowed = expand_filter(items)
    missing = [s for s in SYSCALLS if s not in allowed]
    return [f"SystemCallFilter= refuses {', '.join(missing)}"] if missing else []


def verify(args, tmp):
    unit = open(args.unit).read().replace("@OOMGUARD_SBINDIR@", args.sbindir)
    unit = unit.replace("@OOMGUARD_CONFIG_FILE@", args.config)
    if re.search(r"@[A-Z_]+@", unit):
        return [f"unsubstituted @VARIABLE@ left in {args.unit}"]
    service = os.path.join(tmp, "oomguard.service")
    with open(service, "w") as f:
        f.write(unit)
    shutil.copy(args.slice, os.path.join(tmp, "oomguard.slice"))
    # Documentation=man:... is verified with `man`: give it the pages of this tree.
    for page in os.listdir(args.man_dir):
        section = page.rsplit(".", 1)[-1]
        if section.isdigit():
            os.makedirs(os.path.join(tmp, "man", "man" + section), exist_ok=True)
            shutil.copy(os.path.join(args.man_dir, page), os.path.join(tmp, "man", "man" + section))
    env = dict(os.environ, MANPATH=os.path.join(tmp, "man"), SYSTEMD_LOG_COLOR="0")
    r = subprocess.run(["systemd-analyze", "verify", service, os.path.join(tmp, "oomguard.slice")],
                       capture_output=True, text=True, env=env, cwd=tmp)
    out = (r.stdout + r.stderr).strip()
    print(f"systemd-analyze verify: exit {r.returncode}, output: {out or '(none)'}")
    return [] if r.returncode == 0 and not out else [f"systemd-analyze verify: {out}"]


def main():
    p = argparse.ArgumentParser()
    for a in ("--unit", "--slice", "--sbindir", "--config", "--man-dir"):
        p.add_argument(a, required=True)
    args = p.parse_args()
    if shutil.which("systemd-analyze") is None:
        print("SKIP: systemd-analyze not installed (Debian package systemd)")
        return 77
    service = parse_unit(args.unit)
    errors = check_settings(service, parse_unit(args.slice)) + check_filter(service)
    with tempfile.TemporaryDirectory(prefix="oomguard-units-") as tmp:
        errors += verify(args, tmp)
    for e in errors:
        fail(e)
    if not errors:
        print(f"ok: settings, filter allows all {len(SYSCALLS)} calls, verify clean")
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
