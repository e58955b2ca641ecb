# Guest-side smoke test of the vm rig (registered as vm.smoke, run with -z 64): a pure cgroup v2
# hierarchy with memory/cpu/io/pids, PSI, a memcg OOM kill, a 2 s-window PSI trigger that fires,
# cgroup.kill, zram swap, and a host-built dynamic C++ binary.
# shellcheck source=lib.sh
. "$OOMGUARD_VM_LIB"
out=${OOMGUARD_VM_OUT:-/tmp}

# --- the hierarchy ---------------------------------------------------------------------------
vm_check "cgroup2 mounted at /sys/fs/cgroup" \
  awk '$2 == "/sys/fs/cgroup" && $3 == "cgroup2" { found = 1 } END { exit !found }' /proc/mounts
vm_check "no cgroup v1 hierarchy mounted" awk '$3 == "cgroup" { exit 1 }' /proc/mounts
vm_check "the command runs in the root cgroup (0::/)" grep -qx '0::/' /proc/self/cgroup
for c in memory cpu io pids; do
  vm_check "controller $c enabled in the root's subtree_control" \
    grep -qw "$c" "$VM_CGROOT/cgroup.subtree_control"
done
for r in memory cpu io; do
  vm_check "/proc/pressure/$r present" grep -q '^some avg10=' "/proc/pressure/$r"
done
vm_check "/proc/pressure/memory has a full line" grep -q '^full avg10=' /proc/pressure/memory
vm_check "zram swap is on" grep -q '^/dev/zram0 ' /proc/swaps

# --- host-built dynamic C++ binary (run -u) ----------------------------------------------------
vm_check "host-built C++ binary runs (libstdc++, liburing, toml++, jemalloc)" "$VM_PROBE" libs

# --- memcg OOM kill ------------------------------------------------------------------------------
cg=$(vm_cgroup_create smoke-oom memory.max=32M memory.swap.max=0) || vm_fail "create smoke-oom"
for f in memory.min memory.low memory.high memory.max memory.current memory.events \
         memory.pressure memory.oom.group memory.swap.max cgroup.kill; do
  vm_check "$f present in a child cgroup" test -e "$cg/$f"
done
vm_check "memory.pressure readable" grep -q '^full avg10=' "$cg/memory.pressure"
vm_cgroup_exec "$cg" "$VM_PROBE" alloc 64 >"$out/oom-alloc.log" 2>&1
rc=$?
vm_check "a 64 MiB allocator in a 32M cgroup is SIGKILLed (status $rc)" test "$rc" -eq 137
oom_kills=$(vm_cgroup_key "$cg" memory.events oom_kill)
vm_check "memory.events oom_kill = $oom_kills >= 1" test "${oom_kills:-0}" -ge 1
vm_check "smoke-oom removed" vm_cgroup_destroy "$cg"

# --- PSI trigger with a 2 s window, under zram thrash ------------------------------------------
cg=$(vm_cgroup_create smoke-psi memory.max=24M) || vm_fail "create smoke-psi"
"$VM_PROBE" psi-trigger "$cg/memory.pressure" "some 50000 2000000" 60 >"$out/psi-trigger.log" 2>&1 &
trigger=$!
vm_check "PSI trigger 'some 50000 2000000' armed" \
  vm_wait_until 10 grep -q armed "$out/psi-trigger.log"
vm_cgroup_exec "$cg" "$VM_PROBE" alloc 48 1000 >"$out/psi-alloc.log" 2>&1 &
hog=$!
wait "$trigger"
rc=$?
vm_check "PSI trigger fired: $(tail -n 1 "$out/psi-trigger.log")" test "$rc" -eq 0
stall_us=$(sed -n 's/^some .*total=\([0-9]*\)$/\1/p' "$cg/memory.pressure")
vm_check "memory.pressure some total = $stall_us us >= the trigger's 50 ms" \
  test "${stall_us:-0}" -ge 50000
vm_check "the thrashing cgroup swaps to zram" \
  vm_wait_until 30 sh -c "[ \$(cat '$cg/memory.swap.current') -gt 0 ]"

# --- cgroup.kill -------------------------------------------------------------------------------
vm_cgroup_exec "$cg" sh -c 'sleep 600 & sleep 600 & wait' &
sleepers=$!
vm_check "the hog, a shell and two sleeps in smoke-psi" \
  vm_wait_until 5 sh -c "[ \$(wc -l <'$cg/cgroup.procs') -ge 4 ]"
echo 1 >"$cg/cgroup.kill"
wait "$hog" 2>/dev/null
rc=$?
vm_check "cgroup.kill killed the hog (status $rc)" test "$rc" -eq 137
wait "$sleepers" 2>/dev/null
rc=$?
vm_check "cgroup.kill killed the sleepers' shell (status $rc)" test "$rc" -eq 137
vm_check "smoke-psi empty after cgroup.kill" vm_wait_until 5 vm_cgroup_empty "$cg"
vm_check "smoke-psi removed" rmdir "$cg"

vm_finish
