# vm.server*: the real server case. oomguard watches the whole machine (scope "/", the default
# monitors: memory "full" >= 100 ms in 1 s, or "some" >= 300 ms in 1 s with MemAvailable < 5 %);
# a hog grows at 50 MiB/s towards 3 x RAM (zram swap on); the canary (the peer baseline's:
# 4 pages every 10 ms rotating through 16 MiB) runs in its own cgroup. oomguard_vm_drive
# measures. Expected: exactly one kill, the hog's, by oomguard (not the kernel), the canary
# alive, and bounded stalls:
#   * canary worst stall <= 2000 ms and PSI "full" stall from the hog's start to its death
#     <= 3000 ms. The trigger fires after 100 ms of "full" stall within a 1 s window and the kill
#     with process_mrelease takes about 0.1 s, but this guest adds up to about 2 s of its own:
#     UML 6.1 cannot preempt kernel code (PREEMPT_NONE; no preemption on ARCH=um), so the
#     SCHED_FIFO core waits while another task reclaims in the kernel (an epoll_wait with a
#     100 ms timer returned after 1.14 s, seen with strace), and a fallback scan (some 300 /proc
#     opens and reads, each allocating kernel memory) once took 1.76 s, presumably waiting in
#     reclaim or for the CPU. The kernel alone lets "full" stall
#     reach 10-20 s (docs/benchmarks.md), so the bounds still catch a core that did not act;
#   * time to relief (death - onset) <= 3 s.
#   ext-stale and ext-stopped-early get 10 s for both: their rankings send the core scanning
#   /proc for processes newer than them (as the fallback scan does), and each open under this
#   pressure may block in reclaim behind a non-preemptible hog. Trigger to decision in this
#   guest, 2026-12-06: 2.56-7.40 s (4 runs) while the scan also read kernel threads; then
#   0.005, 0.011, 7.53 and, keeping the stale ranking, 0.002 s (ext-stale); 0.007 s and, with
#   another guest running on the host, 3.74 s (ext-stopped-early). The other ranking paths
#   open fewer than 10 files and keep 3 s. On the host the fallback decides in 1.4 ms (p50,
#   core/bench/kill_latency.py) and the e2e core-alone and ext-stopped runs relieve in 0.5-0.6 s
#   (docs/benchmarks.md).
#   sh server.sh MODE
#   MODE  normal          core + extended
#         ext-stopped     extended SIGSTOPped once its ranking has the hog first: the core
#                         kills from that last ranking, which it trusts for 60 s here
#         ext-stale       extended SIGSTOPped before the hog starts, rankings stale after 1 s:
#                         the core keeps the stale ranking's priorities, sees the hog started
#                         after its scan and is larger than its choice, and kills the hog
#         ext-stopped-early  extended SIGSTOPped as the hog starts, rankings trusted for 60 s
#                         (a loaded host can stretch the incident past the default 10 s, and
#                         then the ranking is stale): the last ranking has no hog; the core sees the
#                         hog started after that ranking's scan and is larger than its first
#                         entry, and kills the hog (docs/benchmarks.md, "Findings" 1)
# shellcheck source=lib.sh
. "$OOMGUARD_VM_LIB"
mode=${1:-normal}
out=${OOMGUARD_VM_OUT:-/tmp}
conf=/tmp/oomguard.toml
bound_s=3
case $mode in
  normal) stale_ms=10000 ;;
  ext-stopped) stale_ms=60000 ;;
  ext-stale) stale_ms=1000 bound_s=10 ;;
  ext-stopped-early) stale_ms=60000 bound_s=10 ;;
  *) vm_fail "unknown mode $mode"; vm_finish ;;
esac
mem_mib=$(awk '$1 == "MemTotal:" { print int($2 / 1024) }' /proc/meminfo)
hog_mib=$((3 * mem_mib))
mkdir -p "$VM_CGROOT/work/hog" "$VM_CGROOT/work/canary"
echo +memory >"$VM_CGROOT/work/cgroup.subtree_control"
cat >"$conf" <<TOML
[core]
scope = "/"
own_cgroup = "/oomguard"
ranking_stale_ms = $stale_ms

[output]
kill_log = "$out/kills.jsonl"
TOML
vm_check "oomguard-core starts" vm_oomguard_start "$conf"
ext=$(vm_oomguard_extended_pid)
oom_before=$(vm_oom_kills)
case $mode in
  ext-stale) kill -STOP "$ext"; sleep 2 ;;  # the last ranking is older than ranking_stale_ms
esac
rm -f "$out/hog.log" "$out/canary.log" "$out/result.txt"
"$VM_DRIVE" --out "$out" --timeout-s 90 \
  --role canary work/canary canary "$VM_DRIVE canary" \
  --role hog work/hog target \
  "$VM_BIN/hog --json --comm hog anon --total-mib $hog_mib --rate-mib 50 --retouch" \
  >"$out/drive.out" 2>&1 &
drive=$!
if [ "$mode" = ext-stopped-early ]; then
  # Stopped as the hog starts: no ranking will ever have it.
  vm_check "the hog starts" vm_wait_until 30 test -e "$out/hog.log"
  vm_check "extended SIGSTOPped" kill -STOP "$ext"
fi
if [ "$mode" = ext-stopped ]; then
  # Stopped once its ranking has the hog first (it grows from nothing, so the rankings published
  # before it started do not have it).
  vm_check "extended ranks the hog first" vm_wait_until 30 sh -c \
    "'$VM_BIN/oomguardctl' rank >'$out/rank-before-stop.txt' 2>&1 &&
     awk '\$1 == 1 && \$4 == \"hog\" { f = 1 } END { exit !f }' '$out/rank-before-stop.txt'"
  vm_check "extended SIGSTOPped" kill -STOP "$ext"
fi
wait "$drive"
vm_check "the drive completed" test $? -eq 0
cat "$out/drive.out"
[ "$mode" = normal ] || kill -CONT "$ext"
vm_check "one kill: the hog (victims=$(vm_result victims))" test "$(vm_result victims)" = hog
vm_check "the canary was not killed" test "$(vm_result wrong)" = -
vm_check "oomguard killed it: one kill line" test "$(vm_core_kills)" -eq 1
vm_check "the kernel's OOM killer never ran" test "$(vm_oom_kills)" -eq "$oom_before"
line=$(grep 'kill #1:' "$VM_CORE_LOG")
case $mode in
  normal|ext-stopped)
    vm_check "the victim came from extended's ranking: $line" \
      sh -c "echo '$line' | grep -q 'pid [0-9]* (hog) cgroup /work/hog, .*; ranking gen'" ;;
  ext-stale|ext-stopped-early)
    vm_check "the victim came from the core's scan for newer processes: $line" \
      sh -c "echo '$line' | grep -q 'pid [0-9]* (hog) cgroup /work/hog, .*; newer than ranking gen'" ;;
esac
case $mode in
  ext-stale)
    vm_check "the core said the ranking is stale" grep -q 'ranking is stale' "$VM_CORE_LOG" ;;
esac
case $mode in
  ext-stale|ext-stopped-early)
    vm_check "the core said why" grep -q 'predates pid [0-9]* (hog, .*choosing the newer' \
      "$VM_CORE_LOG" ;;
esac
canary=$(vm_result canary_worst_ms) full=$(vm_result full_ms) ttr=$(vm_result ttr_s)
vm_check "canary worst stall $canary ms <= 2000 ms" vm_le "$canary" 2000
vm_check "PSI full stall until relief $full ms <= $((bound_s * 1000)) ms" \
  vm_le "$full" $((bound_s * 1000))
vm_check "time to relief $ttr s <= $bound_s s" vm_le "$ttr" "$bound_s"
[ "$mode" = normal ] || vm_check "extended was not restarted (it was only stopped)" \
  test "$(vm_oomguard_extended_pid)" = "$ext"
vm_check "oomguard-core stops cleanly" vm_oomguard_stop
vm_finish
