# vm.spike: transient spikes must not be killed. oomguard watches the whole guest (scope "/",
# default monitors); a process allocates nearly all available memory (MemAvailable - 48 MiB),
# holds it 1 s and frees it, three times; the canary runs. Expected: no kill at all (the spike
# process ends by itself), and no kernel OOM kill.
# shellcheck source=lib.sh
. "$OOMGUARD_VM_LIB"
out=${OOMGUARD_VM_OUT:-/tmp}
conf=/tmp/oomguard.toml
mkdir -p "$VM_CGROOT/work/spike" "$VM_CGROOT/work/canary"
echo +memory >"$VM_CGROOT/work/cgroup.subtree_control"
cat >"$conf" <<TOML
[core]
scope = "/"
own_cgroup = "/oomguard"

[output]
kill_log = "$out/kills.jsonl"
TOML
vm_check "oomguard-core starts" vm_oomguard_start "$conf"
oom_before=$(vm_oom_kills)
avail=$(awk '$1 == "MemAvailable:" { print int($2 / 1024) }' /proc/meminfo)
spike_mib=$((avail - 48))
"$VM_DRIVE" --out "$out" --timeout-s 120 \
  --role canary work/canary canary "$VM_DRIVE canary" \
  --role spike work/spike target \
  "$VM_BIN/hog --json --comm spike spike --mib $spike_mib --hold-ms 1000 --repeat 3"
vm_check "the drive completed" test $? -eq 0
vm_check "the spikes ($spike_mib MiB of $avail MiB available) ended by themselves" \
  test "$(vm_result outcome)" = exited
vm_check "nothing was killed (victims=$(vm_result victims))" test "$(vm_result kills)" -eq 0
vm_check "oomguard decided no kill" test "$(vm_core_kills)" -eq 0
vm_check "the spike process exited 0" grep -q 'name=spike .*how=exit0' "$out/result.txt"
vm_check "the kernel's OOM killer never ran" test "$(vm_oom_kills)" -eq "$oom_before"
vm_check "oomguard-core stops cleanly" vm_oomguard_stop
vm_finish
