# vm.group_kill: group victims on cgroup v2. The cgroup_usage monitor (memory.current minus
# inactive file against memory.max) of /work fires at 70 %; the victims are whole cgroups:
#   1. /work/batch, whose rule says kill = "group": killed with cgroup.kill;
#   2. /work/grp with memory.oom.group = 1 and no rule: reported and killed as a group victim.
# Each time every member dies (the hog parent and its fanout workers), the small process in
# /work/keep survives, and the kernel's memcg OOM killer never acts.
# shellcheck source=lib.sh
. "$OOMGUARD_VM_LIB"
out=${OOMGUARD_VM_OUT:-/tmp}
conf=/tmp/oomguard.toml
work=$(vm_cgroup_create work memory.max=160M memory.swap.max=0) || vm_fail "create /work"
echo +memory >"$work/cgroup.subtree_control"
for c in batch grp keep; do mkdir "$work/$c" || vm_fail "create /work/$c"; done
echo 1 >"$work/grp/memory.oom.group"
cat >"$conf" <<TOML
[core]
scope = "/work"
own_cgroup = "/oomguard"

[[core.monitors]]
name = "work_usage"
kind = "cgroup_usage"
cgroup = "/work"
percent = 70

[output]
kill_log = "$out/kills.jsonl"

[[rules]]
name = "batch as a group"
cgroup = "/work/batch"
kill = "group"
TOML
rm -f "$out/kills.jsonl"
vm_cgroup_exec "$work/keep" "$VM_BIN/hog" --json --comm keeper anon --total-mib 16 --hold \
  >"$out/keep.log" 2>&1 &
keeper=$!
vm_check "oomguard-core starts" vm_oomguard_start "$conf"
oom_before=$(vm_oom_kills)

# group_incident N CGROUP COMM WORKERS MIB: a hog fanout in CGROUP grows until kill #N.
group_incident() {
  vm_cgroup_exec "$work/$2" "$VM_BIN/hog" --json --comm "$3" fanout --workers "$4" \
    --worker-mib "$5" --rate-mib 10 --worker-comm "$3-w" >"$out/$3.log" 2>&1 &
  _parent=$!
  if [ "$2" = grp ]; then
    # While it grows, the ranking shows the cgroup as one entry and why.
    vm_check "oomguardctl rank shows /work/grp as one cgroup entry, kill mode group" \
      vm_wait_until 20 sh -c "'$VM_BIN/oomguardctl' rank >'$out/rank.txt' 2>&1 &&
        awk '\$2 == \"cgroup\" && / \\/work\\/grp / && / group / { f = 1 } END { exit !f }' \
          '$out/rank.txt'"
  fi
  vm_check "kill #$1 happens" vm_wait_until 60 grep -q "kill #$1 released" "$VM_CORE_LOG"
  wait "$_parent"
  _rc=$?
  vm_check "the $2 hog parent was SIGKILLed (status $_rc)" test "$_rc" -eq 137
  vm_check "every member of /work/$2 died" vm_wait_until 5 vm_cgroup_empty "$work/$2"
  _line=$(grep "kill #$1:" "$VM_CORE_LOG")
  vm_check "kill #$1 is a group kill of /work/$2: $_line" \
    sh -c "echo '$_line' | grep -q 'kill #$1: group of [0-9]* (.*) cgroup /work/$2,'"
  vm_check "kill #$1 was triggered by work_usage" \
    sh -c "echo '$_line' | grep -q 'trigger work_usage'"
  vm_check "the keeper survives kill #$1" kill -0 "$keeper"
}

group_incident 1 batch batch 3 40
group_incident 2 grp grouped 2 50
vm_check "the kill log has 2 group records (extended writes them within a few seconds)" \
  vm_wait_until 10 sh -c "[ \$(grep -c '\"kill_mode\":\"group\"' '$out/kills.jsonl') -eq 2 ]"
group='"kind":"cgroup","kill_mode":"group"'
vm_check "kill #1's record: cgroup work/batch by the rule" grep -q \
  "\"kill_id\":1,.*\"cgroup\":\"work/batch\",$group.*\"rule\":\"batch as a group\"" \
  "$out/kills.jsonl"
vm_check "kill #2's record: cgroup work/grp, no rule (memory.oom.group)" grep -q \
  "\"kill_id\":2,.*\"cgroup\":\"work/grp\",$group.*\"rule\":null" "$out/kills.jsonl"
vm_check "no memcg OOM kill in /work (memory.events oom_kill = 0)" \
  test "$(vm_cgroup_key "$work" memory.events oom_kill)" -eq 0
vm_check "no kernel OOM kill" test "$(vm_oom_kills)" -eq "$oom_before"
vm_check "oomguard-core stops cleanly" vm_oomguard_stop
kill "$keeper"
vm_finish
