# vm.priorities: priority beats size. In /work (memory.max 192M, no swap) an important job
# (rule: priority 900) holds 110 MiB; then a batch job (rule: priority 100) grows to 100 MiB.
# The cgroup_usage monitor of /work fires at 85 %. Expected: the smaller, low-priority batch job
# dies, the larger important one survives, and the memcg OOM killer (which would pick the
# largest) never acts.
# shellcheck source=lib.sh
. "$OOMGUARD_VM_LIB"
out=${OOMGUARD_VM_OUT:-/tmp}
conf=/tmp/oomguard.toml
work=$(vm_cgroup_create work memory.max=192M memory.swap.max=0) || vm_fail "create /work"
echo +memory >"$work/cgroup.subtree_control"
mkdir "$work/high" "$work/low"
cat >"$conf" <<TOML
[core]
scope = "/work"
own_cgroup = "/oomguard"

[[core.monitors]]
name = "work_usage"
kind = "cgroup_usage"
cgroup = "/work"
percent = 85

[output]
kill_log = "$out/kills.jsonl"

[[rules]]
name = "important"
cgroup = "/work/high"
priority = 900

[[rules]]
name = "batch"
cgroup = "/work/low"
priority = 100
TOML
vm_check "oomguard-core starts" vm_oomguard_start "$conf"
hog="$VM_BIN/hog --json"
"$VM_DRIVE" --out "$out" --psi "$work/memory.pressure" --timeout-s 60 \
  --role high work/high first,keep "$hog --comm important anon --total-mib 110 --hold" \
  --role low work/low target "$hog --comm batch anon --total-mib 100 --rate-mib 20 --hold-s 10"
vm_check "the drive completed" test $? -eq 0
vm_check "the batch job was killed (victims=$(vm_result victims))" test "$(vm_result victims)" = low
line=$(grep 'kill #1:' "$VM_CORE_LOG")
size=$(echo "$line" | sed -n 's/.* \([0-9]*\) MiB rss+swap.*/\1/p')
vm_check "by oomguard, priority 100, rule 'batch': $line" \
  sh -c "echo '$line' | grep -q 'pid [0-9]* (batch) cgroup /work/low, .* priority 100;'"
vm_check "the victim ($size MiB) was smaller than the survivor (110 MiB)" \
  test "${size:-999}" -lt 110
vm_check "one kill" test "$(vm_core_kills)" -eq 1
vm_check "no memcg OOM kill in /work" test "$(vm_cgroup_key "$work" memory.events oom_kill)" -eq 0
vm_check "oomguard-core stops cleanly" vm_oomguard_stop
vm_finish
