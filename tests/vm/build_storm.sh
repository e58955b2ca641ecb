# vm.build_storm: a big interactive session that matters (rule: priority 900 > the default 500)
# and a build's compiler workers (hog fanout-like, one process each) that together exhaust the
# whole guest (zram swap on). oomguard watches the machine (scope "/", default monitors).
# Expected: only workers die (at least one), never the session though it is the largest
# process, the canary survives, and the kernel's OOM killer never acts.
#   sh build_storm.sh [MODE]
#   MODE  normal     core + extended
#         ext-stale  extended SIGSTOPped once its ranking has the session and every worker, and
#                    rankings stale after 1 s: the core keeps the stale ranking's priorities and
#                    re-reads the workers' sizes (the guest benchmark's fanout once lost the
#                    session to a fallback scan when a slowed extended's ranking went stale)
# shellcheck source=lib.sh
. "$OOMGUARD_VM_LIB"
mode=${1:-normal}
out=${OOMGUARD_VM_OUT:-/tmp}
conf=/tmp/oomguard.toml
case $mode in
  normal) stale_ms=10000 ;;
  ext-stale) stale_ms=1000 ;;
  *) vm_fail "unknown mode $mode"; vm_finish ;;
esac
mkdir -p "$VM_CGROOT/work/session" "$VM_CGROOT/work/build" "$VM_CGROOT/work/canary"
echo +memory >"$VM_CGROOT/work/cgroup.subtree_control"
mem_mib=$(awk '$1 == "MemTotal:" { print int($2 / 1024) }' /proc/meminfo)
session_mib=$((mem_mib * 2 / 5))
worker_mib=$((mem_mib * 2 / 5 - 8))
cat >"$conf" <<TOML
[core]
scope = "/"
own_cgroup = "/oomguard"
ranking_stale_ms = $stale_ms

[output]
kill_log = "$out/kills.jsonl"

[[rules]]
name = "interactive session"
cgroup = "/work/session"
priority = 900
TOML
vm_check "oomguard-core starts" vm_oomguard_start "$conf"
ext=$(vm_oomguard_extended_pid)
oom_before=$(vm_oom_kills)
hog="$VM_BIN/hog --json"
set -- --role canary work/canary canary "$VM_DRIVE canary" \
  --role session work/session first,keep "$hog --comm session anon --total-mib $session_mib --hold"
for i in 1 2 3 4; do
  set -- "$@" --role "cc1.$i" work/build target \
    "$hog --comm cc1 anon --total-mib $worker_mib --rate-mib 15 --hold-s 5"
done
"$VM_DRIVE" --out "$out" --timeout-s 120 "$@" >"$out/drive.out" 2>&1 &
drive=$!
if [ "$mode" = ext-stale ]; then
  vm_check "extended ranks the session and 4 workers" vm_wait_until 30 sh -c \
    "'$VM_BIN/oomguardctl' rank >'$out/rank-before-stop.txt' 2>&1 &&
     awk '\$4 == \"cc1\" { w++ } \$4 == \"session\" { s = 1 } END { exit !(w == 4 && s) }' \
       '$out/rank-before-stop.txt'"
  vm_check "extended SIGSTOPped" kill -STOP "$ext"
fi
wait "$drive"
vm_check "the drive completed" test $? -eq 0
cat "$out/drive.out"
[ "$mode" = normal ] || kill -CONT "$ext"
victims=$(vm_result victims)
vm_check "the session ($session_mib MiB) and the canary survive (wrong=$(vm_result wrong))" \
  test "$(vm_result wrong)" = -
vm_check "at least one worker ($worker_mib MiB) was killed (victims=$victims)" \
  test "$(vm_result kills)" -ge 1
# shellcheck disable=SC2317 # called through vm_check
only_workers() { ! echo "$victims" | tr ',' '\n' | grep -qv '^cc1\.'; }
vm_check "only workers were killed" only_workers
vm_check "every core kill took a process in /work/build" \
  test "$(grep -c 'kill #[0-9]*: pid [0-9]* (cc1) cgroup /work/build,' "$VM_CORE_LOG")" -eq \
  "$(vm_core_kills)"
if [ "$mode" = ext-stale ]; then
  vm_check "the kills came from the stale ranking" \
    grep -q 'ranking is stale .*keeping its priorities' "$VM_CORE_LOG"
fi
vm_check "the kernel's OOM killer never ran" test "$(vm_oom_kills)" -eq "$oom_before"
grep -E 'kill #|ranking is stale' "$VM_CORE_LOG"
vm_check "oomguard-core stops cleanly" vm_oomguard_stop
vm_finish
