# vm.core_protection: oomguard-core protects itself on a pure cgroup v2 machine where it has every
# capability: its own cgroup with memory.min, mlockall, SCHED_FIFO, oom_score_adj -1000 and PSI
# kernel triggers with sub-2 s windows (system-wide and on a cgroup); extended does not inherit
# the real-time policy nor the oom_score_adj; SIGTERM stops both cleanly.
# shellcheck source=lib.sh
. "$OOMGUARD_VM_LIB"
out=${OOMGUARD_VM_OUT:-/tmp}
conf=/tmp/oomguard.toml
mkdir -p "$VM_CGROOT/work"
cat >"$conf" <<TOML
[core]
scope = "/"
own_cgroup = "/oomguard"
memory_min_mib = 32
sched_fifo_priority = 10

[[core.monitors]]
name = "memory_full"
kind = "pressure"
stall = "full"
threshold_ms = 100
window_ms = 1000

[[core.monitors]]
name = "work_some"
kind = "pressure"
stall = "some"
threshold_ms = 50
window_ms = 500
cgroup = "/work"

[output]
kill_log = "$out/kills.jsonl"
TOML
vm_check "oomguard-core starts and reaches its steady state" vm_oomguard_start "$conf"
core=$VM_CORE_PID
ext=$(vm_oomguard_extended_pid)
log=$VM_CORE_LOG
armed=': kernel trigger armed'
for line in 'cgroup: ok, moved into /oomguard' 'memory.min: ok, 32 MiB on /oomguard' \
            'mlockall: ok' 'SCHED_FIFO: ok, priority 10' 'oom_score_adj: ok, -1000' \
            "monitor memory_full: pressure memory full 100ms/1000ms on system$armed" \
            "monitor work_some: pressure memory some 50ms/500ms on work$armed" \
            'psi triggers: ok'; do
  vm_check "core says '$line'" grep -qF "$line" "$log"
done
vm_check "no WARNING at start" sh -c "! grep -q WARNING '$log'"
vm_check "/oomguard memory.min = 32 MiB" test "$(cat "$VM_CGROOT/oomguard/memory.min")" = 33554432
vm_check "the core runs in /oomguard" grep -qx '0::/oomguard' "/proc/$core/cgroup"
vm_check "the core is listed in /oomguard/cgroup.procs" grep -qx "$core" \
  "$VM_CGROOT/oomguard/cgroup.procs"
vm_check "/proc/$core/oom_score_adj = -1000" test "$(cat "/proc/$core/oom_score_adj")" = -1000
locked=$(awk '$1 == "VmLck:" { print $2 }' "/proc/$core/status")
rss=$(awk '$1 == "VmRSS:" { print $2 }' "/proc/$core/status")
# (the vDSO pages count in VmRSS but cannot be locked)
vm_check "the core's memory is locked (VmLck $locked kB of VmRSS $rss kB)" \
  test "${locked:-0}" -gt 0 -a $((${locked:-0} * 100)) -ge $((${rss:-1} * 98))
# /proc/PID/stat fields 40 and 41: rt_priority and policy (1 = SCHED_FIFO); the comm field
# has no blanks here.
vm_check "the core runs SCHED_FIFO priority 10" \
  test "$(awk '{ print $41 "/" $40 }' "/proc/$core/stat")" = 1/10
vm_check "extended runs (pid ${ext:-?})" kill -0 "${ext:-0}"
vm_check "extended's oom_score_adj is 0 (the core's -1000 is not inherited)" \
  test "$(cat "/proc/${ext:-0}/oom_score_adj")" = 0
vm_check "extended is SCHED_OTHER (the real-time policy is not inherited)" \
  test "$(awk '{ print $41 }' "/proc/${ext:-0}/stat")" = 0
"$VM_BIN/oomguardctl" status >"$out/ctl-status.txt" 2>&1
vm_check "oomguardctl status says OK" grep -q 'oomguard: OK' "$out/ctl-status.txt"
vm_check "oomguardctl status: every protection yes" grep -q \
  'protections: mlock yes, memory_min yes, sched_fifo yes, oom_score_adj yes, psi_triggers yes' \
  "$out/ctl-status.txt"
vm_oomguard_stop
rc=$?
vm_check "SIGTERM stops the core cleanly (exit $rc)" test "$rc" -eq 0
vm_check "extended stopped with the core" vm_wait_until 5 sh -c "! kill -0 ${ext:-0} 2>/dev/null"
vm_check "/oomguard is empty afterwards" vm_wait_until 5 vm_cgroup_empty "$VM_CGROOT/oomguard"
vm_finish
