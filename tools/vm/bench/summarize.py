#!/usr/bin/env python3
"""Summarizes tools/vm/bench results.txt (RUN lines) into one markdown table.

    summarize.py RESULTS [--runs]

Per scenario and killer: median (min-max) over the runs of time to relief (relief - onset), PSI
"full" stall from the incident's start to relief, the canary's worst stall, kills per incident;
how many runs killed only correct victims; and each median divided by oomguard's. --runs also
lists every run.
"""
import statistics
import sys

KILLER_ORDER = ["kernel", "earlyoom", "oomd", "nohang", "oomguard"]
SCENARIO_ORDER = ["thrash", "fanout", "leak"]


def parse(path):
    runs = {}
    with open(path, encoding="utf-8") as f:
        for line in f:
            if not line.startswith("RUN "):
                continue
            fields = dict(kv.split("=", 1) for kv in line.split()[1:] if "=" in kv)
            # a repeated run (same scenario, killer, round) replaces the earlier one
            runs[(fields["scenario"], fields["killer"], fields["round"])] = fields
    return list(runs.values())


def number(run, key, scale=1.0):
    value = run.get(key, "-")
    return None if value in ("-", "") else float(value) * scale


def stat(values, digits):
    values = [v for v in values if v is not None]
    if not values:
        return "n/a", None
    med = statistics.median(values)
    if len(values) == 1:
        return f"{med:.{digits}f}", med
    return f"{med:.{digits}f} ({min(values):.{digits}f}-{max(values):.{digits}f})", med


def ratio(value, base):
    if value is None or base is None:
        return "n/a"
    if base == 0:
        return "inf" if value > 0 else "1.0"
    return f"{value / base:.1f}"


def correct(run):
    return run.get("outcome") == "killed" and run.get("wrong") == "-"


def row(scenario, killer, runs):
    ok = [r for r in runs if r.get("rc") == "0" and "outcome" in r]
    ttr, ttr_m = stat([number(r, "ttr_s") for r in ok], 2)
    full, full_m = stat([number(r, "full_ms", 1e-3) for r in ok], 2)
    canary, canary_m = stat([number(r, "canary_worst_ms") for r in ok], 0)
    kills, _ = stat([number(r, "kills") for r in ok], 0)
    kernel = sum(int(r.get("kernel_oom_kills", "0")) for r in ok)
    if kernel and killer != "kernel":
        kills += f", kernel {kernel}"
    right = sum(1 for r in ok if correct(r))
    verdict = f"{right}/{len(ok)}"
    misses = [r.get("outcome") for r in ok if r.get("outcome") != "killed"]
    wrong = sorted({v for r in ok if r.get("wrong", "-") != "-" for v in r["wrong"].split(",")})
    if wrong:
        verdict += " (killed " + ",".join(wrong) + ")"
    if misses:
        verdict += f" ({len(misses)} {'/'.join(sorted(set(misses)))})"
    failed = len(runs) - len(ok)
    runs_text = str(len(ok)) + (f" (+{failed} failed)" if failed else "")
    return [scenario, killer, runs_text, ttr, full, canary, kills, verdict], (ttr_m, full_m, canary_m)


def table(runs):
    groups = {}
    for r in runs:
        groups.setdefault((r["scenario"], r["killer"]), []).append(r)

    def order(key):
        s, k = key
        return (SCENARIO_ORDER.index(s) if s in SCENARIO_ORDER else 99, s,
                KILLER_ORDER.index(k) if k in KILLER_ORDER else 99, k)

    rows, medians = [], {}
    for key in sorted(groups, key=order):
        cells, meds = row(key[0], key[1], groups[key])
        rows.append((key, cells))
        medians[key] = meds
    header = ["scenario", "killer", "runs", "time to relief s", "PSI full stall s",
              "canary worst ms", "kills/incident", "victim correct",
              "ttr / oomguard", "full / oomguard", "canary / oomguard"]
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    for (scenario, killer), cells in rows:
        base = medians.get((scenario, "oomguard"), (None, None, None))
        mine = medians[(scenario, killer)]
        cells += [ratio(mine[i], base[i]) if killer != "oomguard" else "1" for i in range(3)]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def listing(runs):
    keys = ["onset_s", "relief_s", "ttr_s", "outcome", "full_ms", "canary_worst_ms", "kills",
            "victims", "wrong", "kernel_oom_kills", "alive_at_end", "kills_logged"]
    out = []
    for r in sorted(runs, key=lambda r: (r["scenario"], r["killer"], int(r["round"]))):
        out.append(f"{r['scenario']}/{r['killer']}-{r['round']}: rc={r.get('rc')} " +
                   " ".join(f"{k}={r[k]}" for k in keys if k in r))
    return "\n".join(out)


def main(argv):
    if len(argv) < 2 or argv[1] in ("-h", "--help"):
        print(__doc__.strip(), file=sys.stderr)
        return 2
    runs = parse(argv[1])
    if not runs:
        print(f"no RUN lines in {argv[1]}", file=sys.stderr)
        return 1
    print(table(runs))
    if "--runs" in argv[2:]:
        print()
        print(listing(runs))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
