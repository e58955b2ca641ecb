# vm.thrash: page-cache thrash on cgroup v2. In /work (memory.max 96M) a process re-reads a
# 128 MiB file (on hostfs: its pages are re-read from the host after eviction, like a disk) in a
# loop, so /work thrashes on refaults; the canary runs in /work/canary. oomguard watches /work's
# own memory.pressure ("full" >= 100 ms in 1 s, a sub-2 s kernel trigger on a cgroup file).
# Expected: the thrashing process dies by oomguard's kill, the canary survives, no memcg OOM.
# shellcheck source=lib.sh
. "$OOMGUARD_VM_LIB"
out=${OOMGUARD_VM_OUT:-/tmp}
conf=/tmp/oomguard.toml
file=$out/thrash.dat
work=$(vm_cgroup_create work memory.max=96M memory.swap.max=0) || vm_fail "create /work"
echo +memory >"$work/cgroup.subtree_control"
mkdir "$work/thrash" "$work/canary"
# The file is written outside /work and dropped from the page cache: the incident starts cold.
dd if=/dev/urandom of="$file" bs=1M count=128 2>/dev/null
vm_check "a 128 MiB file on hostfs" test "$(wc -c <"$file")" -eq $((128 << 20))
sync
echo 3 >/proc/sys/vm/drop_caches
cat >"$conf" <<TOML
[core]
scope = "/work"
own_cgroup = "/oomguard"

[[core.monitors]]
name = "work_full"
kind = "pressure"
stall = "full"
threshold_ms = 100
window_ms = 1000
cgroup = "/work"

[output]
kill_log = "$out/kills.jsonl"
TOML
vm_check "oomguard-core starts" vm_oomguard_start "$conf"
vm_check "its /work trigger is a kernel trigger" \
  grep -q 'monitor work_full: .* on work: kernel trigger armed' "$VM_CORE_LOG"
"$VM_DRIVE" --out "$out" --psi "$work/memory.pressure" --timeout-s 90 \
  --role canary work/canary canary "$VM_DRIVE canary --ws-mib 8" \
  --role thrash work/thrash target \
  "$VM_BIN/hog --json --comm thrash thrash --file $file --file-mib 128 --remove --duration-s 80"
vm_check "the drive completed" test $? -eq 0
vm_check "the thrashing process was killed (victims=$(vm_result victims))" \
  test "$(vm_result victims)" = thrash
vm_check "by oomguard, for the /work trigger" \
  grep -q 'kill #1: pid [0-9]* (thrash) cgroup /work/thrash, .*trigger work_full' "$VM_CORE_LOG"
vm_check "one kill" test "$(vm_core_kills)" -eq 1
vm_check "no memcg OOM kill in /work" test "$(vm_cgroup_key "$work" memory.events oom_kill)" -eq 0
vm_check "oomguard-core stops cleanly" vm_oomguard_stop
rm -f "$file"
vm_finish
