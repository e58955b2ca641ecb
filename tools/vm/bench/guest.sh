# shellcheck shell=sh
# Guest side of the benchmark (tools/vm/bench/run): one incident under one killer in a fresh
# guest. Runs with busybox sh as root in the guest's root cgroup, cwd /mnt/test (this directory).
#   sh guest.sh KILLER SCENARIO
#   KILLER    kernel | earlyoom | oomd | nohang | oomguard
#   SCENARIO  thrash | fanout | leak
# Environment: OOMGUARD_BUILD_DIR (host build tree, mounted), BENCH_OUT (default /mnt/out).
# Prints the drive's ROLE and RESULT lines, then KILLER and KMSG lines; logs go to BENCH_OUT.
killer=$1
scenario=$2
bin=${OOMGUARD_BUILD_DIR:?}/bin
out=${BENCH_OUT:-/mnt/out}
cg=/sys/fs/cgroup
hog="$bin/hog --json"

die() { echo "guest.sh: $*" >&2; exit 2; }

# cgroups NAME...: work/NAME for each, with the memory controller enabled in work.
cgroups() {
  mkdir -p "$cg/work" || die "cannot create $cg/work"
  echo +memory >"$cg/work/cgroup.subtree_control"
  for name in "$@"; do mkdir -p "$cg/work/$name" || die "cannot create $cg/work/$name"; done
}

# The scenarios: add_args collects the drive's arguments (one per line in $args). Every
# scenario has the canary in work/canary: the peer baseline's (oomguard_vm_drive canary: every
# 10 ms, 4 pages rotating through 16 MiB; see tests/vm/drive/canary.h). Sizes are for a 512 MiB
# guest with 512 MiB of zram.
nl='
'
args=
add_args() { for a in "$@"; do args="$args$a$nl"; done; }
scenario_args() {
  add_args --role canary work/canary canary "$bin/oomguard_vm_drive canary"
  case $scenario in
    thrash)  # scenario A of the peer baseline: one hog grows to 1536 MiB at 50 MiB/s
      cgroups hog canary
      add_args --timeout-s 200 --role hog work/hog target \
        "$hog --comm hog anon --total-mib 1536 --rate-mib 50 --retouch" ;;
    fanout)  # a big interactive session, then 6 compiler-like workers of 150 MiB each
      cgroups session build canary
      add_args --timeout-s 200 --role session work/session first,keep \
        "$hog --comm session anon --total-mib 200 --hold"
      for i in 1 2 3 4 5 6; do
        add_args --role "cc1.$i" work/build target \
          "$hog --comm cc1 anon --total-mib 150 --rate-mib 20 --hold-s 15"
      done ;;
    leak)  # a static 200 MiB service and a process leaking 10 MiB/s
      cgroups static leak canary
      add_args --timeout-s 240 --role static work/static first,keep \
        "$hog --comm static anon --total-mib 200 --hold" \
        --role leaker work/leak target "$hog --comm leaker leak --rate-mib 10" ;;
    *) die "unknown scenario '$scenario'" ;;
  esac
}

# The killers, started in the guest's root cgroup (oomguard-core moves itself into /oomguard).
start_killer() {
  case $killer in
    kernel) return 0 ;;
    earlyoom)  # Debian 1.7, defaults (-m 10 -s 10: SIGTERM at <= 10 % available and free swap)
      /usr/bin/earlyoom -r 1 >"$out/killer.log" 2>&1 & ;;
    oomd)  # Debian 0.5.0 with oomd.json (see there)
      mkdir -p /run/oomd
      /usr/bin/oomd --config /mnt/test/oomd.json --interval 1 --runtime-dir /run/oomd \
        --kmsg-override "$out/oomd-kmsg.log" >"$out/killer.log" 2>&1 & ;;
    nohang)  # Debian 0.2.0 with its packaged /etc/nohang/nohang.conf (bound in by run)
      /usr/bin/python3 /usr/sbin/nohang --monitor --config /etc/nohang/nohang.conf \
        >"$out/killer.log" 2>&1 & ;;
    oomguard)
      "$bin/oomguard-core" --config /mnt/test/oomguard.toml >"$out/killer.log" 2>&1 & ;;
    *) die "unknown killer '$killer'" ;;
  esac
  killer_pid=$!
  # Ready: oomguard says so; the others get the baseline's 2 s.
  i=0
  while [ $i -lt 50 ]; do
    [ "$killer" != oomguard ] && [ $i -ge 20 ] && break
    grep -q 'steady state' "$out/killer.log" 2>/dev/null &&
      grep -q 'oomguard-extended: running' "$out/killer.log" && break
    kill -0 "$killer_pid" 2>/dev/null || break
    sleep 0.1
    i=$((i + 1))
  done
  kill -0 "$killer_pid" 2>/dev/null || die "$killer did not start: $(tail -n 5 "$out/killer.log")"
}

killer_pid=
start_killer
scenario_args
set -f
IFS=$nl
# shellcheck disable=SC2086 # one argument per line
set -- $args
unset IFS
set +f
"$bin/oomguard_vm_drive" --out "$out" "$@"
rc=$?
alive=-
if [ -n "$killer_pid" ]; then
  alive=n
  kill -0 "$killer_pid" 2>/dev/null && alive=y
  kill "$killer_pid" 2>/dev/null
  wait "$killer_pid" 2>/dev/null
fi
logged=0
case $killer in
  earlyoom) logged=$(grep -c 'sending SIG[A-Z]* to process' "$out/killer.log") ;;
  oomd) logged=$(grep -c 'oomd kill' "$out/oomd-kmsg.log" 2>/dev/null) ;;
  # nohang: one "OK; total response time" per signal sent; its "[ OK ] Sending SIG... to NAME: N"
  # lines are cumulative statistics, repeated after every action and at exit.
  nohang) logged=$(grep -c '^OK; total response time' "$out/killer.log") ;;
  oomguard) logged=$(grep -c '^oomguard-core: kill #[0-9]*:' "$out/killer.log") ;;
esac
echo "KILLER name=$killer alive_at_end=$alive kills_logged=${logged:-0}"
dmesg >"$out/dmesg.log"
grep -E 'Killed process|invoked oom-killer' "$out/dmesg.log" | sed 's/^/KMSG /'
echo 1 >"$cg/work/cgroup.kill" 2>/dev/null
exit "$rc"
