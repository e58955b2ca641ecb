# vm.dry_run: with --dry-run oomguard decides but sends no signal. A hog exhausts the whole guest
# (zram on); oomguard must log "DRY RUN, would kill #1" for the hog with its reason (trigger,
# stall, ranking, priority) while the hog keeps running, and write the would-be kill to the kill
# log with dry_run true; the test then ends the hog itself (cgroup.kill) before the kernel would.
# shellcheck source=lib.sh
. "$OOMGUARD_VM_LIB"
out=${OOMGUARD_VM_OUT:-/tmp}
conf=/tmp/oomguard.toml
hogcg=$(vm_cgroup_create work/hog) || vm_fail "create /work/hog"
rm -f "$out/kills.jsonl"
cat >"$conf" <<TOML
[core]
scope = "/"
own_cgroup = "/oomguard"

[output]
kill_log = "$out/kills.jsonl"
TOML
vm_check "oomguard-core --dry-run starts" vm_oomguard_start "$conf" --dry-run
vm_check "the core says dry-run on" grep -q 'dry-run on' "$VM_CORE_LOG"
mem_mib=$(awk '$1 == "MemTotal:" { print int($2 / 1024) }' /proc/meminfo)
vm_cgroup_exec "$hogcg" "$VM_BIN/hog" --json --comm hog anon --total-mib $((3 * mem_mib)) \
  --rate-mib 50 --retouch >"$out/hog.log" 2>&1 &
job=$!
vm_check "the hog runs in /work/hog" vm_wait_until 10 grep -q . "$hogcg/cgroup.procs"
hog=$(head -n 1 "$hogcg/cgroup.procs")
vm_check "a would-be kill is logged" \
  vm_wait_until 60 grep -q 'DRY RUN, would kill #1:' "$VM_CORE_LOG"
vm_check "the hog is still alive after it" kill -0 "$hog"
line=$(grep 'DRY RUN, would kill #1:' "$VM_CORE_LOG")
expected="would kill #1: pid $hog (hog) cgroup /work/hog, [0-9]* MiB rss+swap; ranking gen [0-9]*,"
expected="$expected priority 500; trigger memory_[a-z]*: stall [0-9]* ms in 1000 ms;"
expected="$expected .*no signal sent"
vm_check "the line names the hog and the reason: $line" \
  sh -c "echo '$line' | grep -q '$expected'"
record="\"kill_id\":1,.*\"victim\":{\"pid\":$hog,.*\"trigger\":{.*\"dry_run\":true"
vm_check "the kill log records it as a dry run with its trigger" \
  vm_wait_until 10 grep -q "$record" "$out/kills.jsonl"
echo 1 >"$hogcg/cgroup.kill"
wait "$job"
vm_check "the hog was ended by the test (status $?), oomguard sent no signal" \
  test "$(vm_core_kills)" -eq 0
vm_check "oomguard-core stops cleanly" vm_oomguard_stop
vm_finish
