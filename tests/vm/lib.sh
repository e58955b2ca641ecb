# shellcheck shell=sh
# tests/vm/lib.sh: helpers for test scripts that run inside the guest (busybox sh, as root, in
# the root cgroup of a pure cgroup v2 hierarchy). oomguard_vm_test() passes its path:
#   . "$OOMGUARD_VM_LIB"
# Report each check with vm_check / vm_ok / vm_fail and end with vm_finish, which prints
# "N passed, N failed" and exits non-zero if anything failed. vm_skip REASON exits 77 (CTest
# counts the test as skipped). Keep memory sizes to tens of MiB: a first-touch page fault costs
# about 170 us in the guest.

# shellcheck disable=SC2034 # used by the scripts that source this file
VM_CGROOT=/sys/fs/cgroup
VM_PROBE=${OOMGUARD_BUILD_DIR:-}/bin/oomguard_vm_probe
vm_passed=0
vm_failed=0

vm_ok() { vm_passed=$((vm_passed + 1)); echo "ok: $*"; }
vm_fail() { vm_failed=$((vm_failed + 1)); echo "FAIL: $*"; }
vm_skip() { echo "SKIPPED: $*"; exit 77; }

# vm_check DESCRIPTION CMD...: runs CMD; ok if it succeeds.
vm_check() {
  _vm_desc=$1
  shift
  if "$@"; then vm_ok "$_vm_desc"; else vm_fail "$_vm_desc (exit $?: $*)"; fi
}

vm_finish() {
  echo "$vm_passed passed, $vm_failed failed"
  [ "$vm_failed" -eq 0 ] && [ "$vm_passed" -gt 0 ]
  exit $?
}

# vm_wait_until SECONDS CMD...: polls CMD every 0.1 s until it succeeds; fails after SECONDS.
vm_wait_until() {
  _vm_left=$(($1 * 10))
  shift
  while ! "$@"; do
    _vm_left=$((_vm_left - 1))
    [ "$_vm_left" -gt 0 ] || return 1
    sleep 0.1
  done
}

# vm_cgroup_create NAME [FILE=VALUE...]: creates $VM_CGROOT/NAME (parents too), writes each
# FILE=VALUE into it (e.g. memory.max=32M) and prints its path.
vm_cgroup_create() {
  _vm_cg=$VM_CGROOT/$1
  shift
  mkdir -p "$_vm_cg" || return 1
  for _vm_kv in "$@"; do
    echo "${_vm_kv#*=}" >"$_vm_cg/${_vm_kv%%=*}" || return 1
  done
  echo "$_vm_cg"
}

# vm_cgroup_exec CGROUP CMD...: runs CMD inside CGROUP (use `&` to start it in the background).
vm_cgroup_exec() {
  sh -c 'echo $$ >"$0/cgroup.procs" && exec "$@"' "$@"
}

# vm_cgroup_key CGROUP FILE KEY: the value of KEY in a flat-keyed file such as memory.events.
vm_cgroup_key() {
  awk -v key="$3" '$1 == key { print $2; found = 1 } END { exit !found }' "$1/$2"
}

vm_cgroup_empty() { [ "$(vm_cgroup_key "$1" cgroup.events populated)" = 0 ]; }

# vm_cgroup_destroy CGROUP: kills everything in it (cgroup.kill), waits, removes it.
vm_cgroup_destroy() {
  [ -d "$1" ] || return 0
  echo 1 >"$1/cgroup.kill"
  vm_wait_until 5 vm_cgroup_empty "$1" && rmdir "$1"
}

# ---- oomguard in the guest --------------------------------------------------------------------
VM_BIN=${OOMGUARD_BUILD_DIR:-}/bin
VM_DRIVE=$VM_BIN/oomguard_vm_drive
VM_CORE_LOG=${OOMGUARD_VM_OUT:-/tmp}/core.log
VM_CORE_PID=

# vm_oomguard_start CONFIG [CORE ARGS...]: starts oomguard-core (which starts extended) with its
# output in $VM_CORE_LOG; waits until the core is in its steady state and, unless
# --no-extended, extended has published its first ranking (1.5 s after it runs).
vm_oomguard_start() {
  _vm_conf=$1
  shift
  "$VM_BIN/oomguard-core" --config "$_vm_conf" "$@" >"$VM_CORE_LOG" 2>&1 &
  VM_CORE_PID=$!
  vm_wait_until 15 grep -qs 'steady state' "$VM_CORE_LOG" || return 1
  case " $* " in *" --no-extended "*) return 0 ;; esac
  grep -q 'extended off' "$VM_CORE_LOG" && return 0
  vm_wait_until 15 grep -q 'oomguard-extended: running' "$VM_CORE_LOG" || return 1
  sleep 1.5
}

# vm_oomguard_extended_pid: the pid of the extended the core started last.
vm_oomguard_extended_pid() {
  sed -n 's/^oomguard-core: extended: started .* (pid \([0-9]*\)).*/\1/p' "$VM_CORE_LOG" | tail -n 1
}

# vm_oomguard_stop: SIGTERM to the core; returns its exit status (0 = a clean stop).
vm_oomguard_stop() {
  [ -n "$VM_CORE_PID" ] || return 0
  kill -TERM "$VM_CORE_PID" 2>/dev/null
  wait "$VM_CORE_PID"
  _vm_rc=$?
  VM_CORE_PID=
  return "$_vm_rc"
}

# vm_core_kills: how many "kill #N:" lines the core printed (dry-run lines not included).
vm_core_kills() { grep -c '^oomguard-core: kill #[0-9]*:' "$VM_CORE_LOG"; }

# vm_oom_kills: the kernel's OOM kill count (/proc/vmstat oom_kill).
vm_oom_kills() { awk '$1 == "oom_kill" { print $2 }' /proc/vmstat; }

# vm_result KEY: a field of the drive's RESULT line in $OOMGUARD_VM_OUT/result.txt.
vm_result() {
  sed -n 's/^RESULT //p' "${OOMGUARD_VM_OUT:-/tmp}/result.txt" | tr ' ' '\n' |
    sed -n "s/^$1=//p"
}

# vm_le A B: A <= B for decimal numbers ("-" is never <=).
vm_le() { awk -v a="$1" -v b="$2" 'BEGIN { exit !(a != "-" && a + 0 <= b + 0) }'; }
