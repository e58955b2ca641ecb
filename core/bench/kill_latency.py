#!/usr/bin/env python3
"""Core kill-path figures on this host (run as root, from a release build):

  decision  : N small victims (64 MiB) killed one after another; prints trigger -> decision ->
              signal latency p50/p99 (from the kill log's stage timestamps).
  mrelease  : a 1 GiB victim killed R times with process_mrelease and R times without,
              alternating; prints signal -> memory released p50/max for both.
  idle      : oomguard-core (+ extended) idle for S seconds; prints CPU time used and the
              core's VmRSS / VmLck.

Each victim runs in a sandbox cgroup this script creates (v1 memcg + cgroup2 dir on hybrid
hosts, memory.max on pure v2; limit 1.5 GiB) and removes on exit.

usage: kill_latency.py BIN_DIR [decision N] [mrelease R] [idle S]
"""
import json, os, signal, statistics, subprocess, sys, tempfile, time

MIB = 1 << 20


def fs_type(path):
    try:
        return subprocess.run(["stat", "-f", "-c", "%T", path], capture_output=True,
                              text=True).stdout.strip()
    except OSError:
        return ""


class Sandbox:
    def __init__(self, limit):
        self.name = f"oomguard-bench-core-{os.getpid()}"
        if fs_type("/sys/fs/cgroup") == "cgroup2fs":
            self.v2, self.v1 = "/sys/fs/cgroup", None
        else:
            self.v2, self.v1 = "/sys/fs/cgroup/unified", "/sys/fs/cgroup/memory"
        os.mkdir(f"{self.v2}/{self.name}")
        if self.v1:
            os.mkdir(f"{self.v1}/{self.name}")
            self.write(f"{self.v1}/{self.name}/memory.limit_in_bytes", limit)
        else:
            self.write(f"{self.v2}/{self.name}/memory.max", limit)

    @staticmethod
    def write(path, value):
        with open(path, "w") as f:
            f.write(str(value))

    def close(self):
        d = f"{self.v2}/{self.name}"
        if os.path.isdir(d):
            self.write(f"{d}/cgroup.kill", 1)
            for _ in range(50):
                if not open(f"{d}/cgroup.procs").read().strip():
                    break
                time.sleep(0.1)
            os.rmdir(d)
        if self.v1 and os.path.isdir(f"{self.v1}/{self.name}"):
            os.rmdir(f"{self.v1}/{self.name}")


def start_core(bins, sandbox, work, percent, mrelease, extended=True):
    cfg = f"{work}/oomguard.toml"
    with open(cfg, "w") as f:
        f.write(f"""[core]
scope = "/{sandbox.name}"
kmsg = false
sched_fifo_priority = 10
cooldown_ms = 0
process_mrelease = {"true" if mrelease else "false"}
extended = {"true" if extended else "false"}
[[core.monitors]]
name = "sandbox_usage"
kind = "cgroup_usage"
cgroup = "/{sandbox.name}"
percent = {percent}
[extended]
scan_interval_ms = 200
scan_interval_pressure_ms = 100
[output]
kill_log = "{work}/kills.jsonl"
""")
    log = open(f"{work}/core.log", "w")
    core = subprocess.Popen([f"{bins}/oomguard-core", "--config", cfg], stderr=log)
    time.sleep(1.5)
    return core


def stop(core):
    core.send_signal(signal.SIGTERM)
    core.wait(timeout=10)


def run_victims(bins, sandbox, count, mib):
    for _ in range(count):
        hog = subprocess.Popen([f"{bins}/hog", "--cgroup", sandbox.name, "--comm", "victim",
                                "--quiet", "anon", "--total-mib", str(mib), "--hold"])
        hog.wait(timeout=60)
        if hog.returncode != -signal.SIGKILL:
            raise RuntimeError(f"victim exited with {hog.returncode}, not SIGKILL")


def kills(work):
    time.sleep(1.0)  # extended writes the kill log after the release event
    with open(f"{work}/kills.jsonl") as f:
        return [json.loads(l) for l in f if l.strip()]


def pct(values, p):
    values = sorted(values)
    return values[min(len(values) - 1, int(round(p / 100 * (len(values) - 1))))]


def decision(bins, n):
    sb = Sandbox(1536 * MIB)
    with tempfile.TemporaryDirectory() as work:
        try:
            core = start_core(bins, sb, work, percent=2, mrelease=True)
            run_victims(bins, sb, n, 64)
            stop(core)
            ks = kills(work)
        finally:
            sb.close()
    print(f"decision latency over {len(ks)} kills of 64 MiB victims:")
    for source in ("ranking", "fallback"):
        sel = [k["durations_ms"] for k in ks if k["source"] == source]
        if not sel:
            continue
        d = [x["trigger_to_decision"] for x in sel]
        s = [x["trigger_to_decision"] + x["decision_to_signal"] for x in sel]
        print(f"  {source:8} (n={len(sel):3}): trigger wake-up -> decision p50 {pct(d, 50):.3f} ms"
              f" p99 {pct(d, 99):.3f} ms; -> signal sent p50 {pct(s, 50):.3f} ms"
              f" p99 {pct(s, 99):.3f} ms")


def mrelease(bins, runs):
    result = {True: [], False: []}
    for i in range(2 * runs):
        use = i % 2 == 0
        sb = Sandbox(1536 * MIB)
        with tempfile.TemporaryDirectory() as work:
            try:
                core = start_core(bins, sb, work, percent=50, mrelease=use, extended=False)
                run_victims(bins, sb, 1, 1024)
                stop(core)
                ks = kills(work) if os.path.exists(f"{work}/kills.jsonl") else []
                log = open(f"{work}/core.log").read()
            finally:
                sb.close()
        # --no-extended: no kill log; take the core's own "released" line.
        for line in log.splitlines():
            if "released:" in line and "ms after the signal" in line:
                ms = float(line.split(" ms after the signal")[0].split(", ")[-1])
                result[use].append(ms)
    for use in (True, False):
        v = result[use]
        print(f"1 GiB victim, signal -> memory released, {'with' if use else 'without'} "
              f"process_mrelease: p50 {statistics.median(v):.1f} ms, min {min(v):.1f}, "
              f"max {max(v):.1f} (n={len(v)})")


def idle(bins, seconds):
    sb = Sandbox(1536 * MIB)
    with tempfile.TemporaryDirectory() as work:
        try:
            core = start_core(bins, sb, work, percent=90, mrelease=True)
            tck = os.sysconf("SC_CLK_TCK")

            def cpu(pid):
                f = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
                return (int(f[11]) + int(f[12])) / tck

            ext = int(open(f"/proc/{core.pid}/task/{core.pid}/children").read().split()[0])
            c0, e0 = cpu(core.pid), cpu(ext)
            time.sleep(seconds)
            c1, e1 = cpu(core.pid), cpu(ext)
            status = dict(l.split(":", 1) for l in open(f"/proc/{core.pid}/status"))
            stop(core)
        finally:
            sb.close()
    print(f"idle {seconds} s: core CPU {1000 * (c1 - c0):.0f} ms ({100 * (c1 - c0) / seconds:.3f} %),"
          f" extended CPU {1000 * (e1 - e0):.0f} ms ({100 * (e1 - e0) / seconds:.3f} %)")
    print(f"core memory: VmRSS {status['VmRSS'].strip()}, VmLck {status['VmLck'].strip()}")


def main():
    bins, args = sys.argv[1], sys.argv[2:]
    for what, n in zip(args[::2], args[1::2]):
        {"decision": decision, "mrelease": mrelease, "idle": idle}[what](bins, int(n))


if __name__ == "__main__":
    main()
