#!/usr/bin/env python3
"""Offline checks of the fleet files:
  * the DaemonSet manifest against a structural schema (k8s_schema.py) and what oomguard needs
    from a node (hostPID, privileges, the host's /sys/fs/cgroup read-write, the host cgroup
    namespace, the config file where --config says, hostPath dirs for the kill log and metrics);
  * its ConfigMap carries the Kubernetes preset verbatim;
  * the Prometheus alert rules: structure, severities, and every metric they use is one
    oomguard-extended writes (extended/output_metrics.cpp); `promtool check rules` and
    `promtool test rules` too when promtool is installed (Debian package prometheus), or
    OOMGUARD_PROMTOOL names it;
  * docs/metrics.md documents exactly the metrics extended writes.
Exit 0 ok, 1 failed, 77 skipped (python3-yaml missing)."""
import argparse
import os
import re
import shutil
import subprocess
import sys
import tomllib

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import k8s_schema  # noqa: E402

try:
    import yaml
except ImportError:
    print("SKIP: python3-yaml is not installed (Debian package python3-yaml)")
    sys.exit(77)

CAPABILITIES = {"KILL", "SYS_NICE", "IPC_LOCK", "SYS_RESOURCE", "SYS_PTRACE", "DAC_OVERRIDE",
                "SYS_ADMIN"}  # SYS_ADMIN: nsenter into the host's cgroup namespace
SEVERITIES = {"critical", "warning", "info"}
DURATION = re.compile(r"^([0-9]+(ms|s|m|h|d|w|y))+$")


def metric_names(source):
    return set(re.findall(r'"(oomguard_[a-z0-9_]+)', open(source).read()))


def check_daemonset(path, preset_path):
    docs = [d for d in yaml.safe_load_all(open(path)) if d is not None]
    errors = []
    for i, d in enumerate(docs):
        errors += k8s_schema.validate_document(d, i)
    if errors:
        return errors
    by_kind = {d["kind"]: d for d in docs}
    if set(by_kind) != {"ConfigMap", "DaemonSet"} or len(docs) != 2:
        return [f"expected one ConfigMap and one DaemonSet, got {[d['kind'] for d in docs]}"]
    cm, ds = by_kind["ConfigMap"], by_kind["DaemonSet"]
    preset = open(preset_path).read()
    if cm.get("data", {}).get("oomguard.toml") != preset:
        errors.append("the ConfigMap's oomguard.toml differs from " + preset_path)
    if cm["metadata"].get("namespace") != ds["metadata"].get("namespace"):
        errors.append("ConfigMap and DaemonSet are in different namespaces")
    spec, pod = ds["spec"], ds["spec"]["template"]["spec"]
    labels = ds["spec"]["template"].get("metadata", {}).get("labels", {})
    for k, v in spec["selector"].get("matchLabels", {}).items():
        if labels.get(k) != v:
            errors.append(f"selector {k}={v} does not select the pod template")
    if pod.get("hostPID") is not True:
        errors.append("hostPID must be true (the node's processes are the victims)")
    volumes = {v["name"]: v for v in pod.get("volumes", [])}
    if len(pod["containers"]) != 1:
        errors.append("expected one container")
    c = pod["containers"][0]
    sec = c.get("securityContext", {})
    caps = set(sec.get("capabilities", {}).get("add", []))
    if sec.get("privileged") is not True and not CAPABILITIES <= caps:
        errors.append(f"needs privileged: true or capabilities {sorted(CAPABILITIES - caps)}")
    if sec.get("seccompProfile", {}).get("type") == "RuntimeDefault":
        errors.append("seccompProfile RuntimeDefault may refuse process_mrelease")
    if "cpu" in c.get("resources", {}).get("limits", {}):
        errors.append("no CPU limit: extended must not be throttled during an incident")
    mounts = {}
    for m in c.get("volumeMounts", []):
        if m["name"] not in volumes:
            errors.append(f"volumeMount {m['name']} names no volume")
            continue
        mounts[m["mountPath"]] = (volumes[m["name"]], m)
    unused = set(volumes) - {m["name"] for m in c.get("volumeMounts", [])}
    if unused:
        errors.append(f"volumes not mounted: {sorted(unused)}")
    cgroup = mounts.get("/sys/fs/cgroup")
    if not cgroup or cgroup[0].get("hostPath", {}).get("path") != "/sys/fs/cgroup" or \
            cgroup[1].get("readOnly"):
        errors.append("the host's /sys/fs/cgroup must be mounted read-write at /sys/fs/cgroup")
    cmd = c.get("command", []) + c.get("args", [])
    if cmd[:3] != ["nsenter", "--cgroup=/proc/1/ns/cgroup", "--"]:
        errors.append("the command must start with nsenter --cgroup=/proc/1/ns/cgroup --")
    if not any(a.endswith("/oomguard-core") for a in cmd) or "--config" not in cmd:
        errors.append("the command must run oomguard-core --config FILE")
    else:
        config = cmd[cmd.index("--config") + 1]
        mount = mounts.get(os.path.dirname(config))
        if not mount or mount[0].get("configMap", {}).get("name") != cm["metadata"]["name"] \
                or os.path.basename(config) not in cm["data"]:
            errors.append(f"--config {config} is not the ConfigMap's key in a mounted volume")
    output = tomllib.loads(preset).get("output", {})
    for key in ("kill_log", "metrics_file"):
        d = os.path.dirname(output.get(key, ""))
        if output.get(key) and ("hostPath" not in mounts.get(d, ({}, {}))[0]):
            errors.append(f"output.{key} directory {d} is not a hostPath mount")
    return errors


def check_alerts(path, test_path, metrics):
    doc = yaml.safe_load(open(path))
    errors, names = [], set()
    if not isinstance(doc, dict) or not isinstance(doc.get("groups"), list):
        return ["alert rules: top level must be {groups: [...]}"]
    for g in doc["groups"]:
        if set(g) - {"name", "rules", "interval"} or not isinstance(g.get("rules"), list):
            errors.append(f"group {g.get('name')}: unexpected keys or no rules")
            continue
        for r in g["rules"]:
            where = f"{g['name']}/{r.get('alert')}"
            allowed = {"alert", "expr", "for", "labels", "annotations", "keep_firing_for"}
            if set(r) - allowed or "alert" not in r or not isinstance(r.get("expr"), str):
                errors.append(f"{where}: needs alert and expr, only {sorted(allowed)}")
                continue
            if r["alert"] in names:
                errors.append(f"{where}: duplicate alert name")
            names.add(r["alert"])
            if "for" in r and not DURATION.match(str(r["for"])):
                errors.append(f"{where}: for: {r['for']!r} is not a duration")
            if r.get("labels", {}).get("severity") not in SEVERITIES:
                errors.append(f"{where}: labels.severity must be one of {sorted(SEVERITIES)}")
            if "summary" not in r.get("annotations", {}):
                errors.append(f"{where}: annotations.summary missing")
            for m in re.findall(r"\b(oomguard_[a-z0-9_]+)", r["expr"]):
                base = re.sub(r"_(bucket|sum|count)$", "", m)
                if m not in metrics and base not in metrics:
                    errors.append(f"{where}: {m} is not a metric oomguard-extended writes")
    promtool = os.environ.get("OOMGUARD_PROMTOOL") or shutil.which("promtool")
    if promtool is None:
        print("note: promtool not installed (Debian package prometheus): rules checked "
              "structurally only")
        return errors
    for args in (["check", "rules", os.path.basename(path)],
                 ["test", "rules", os.path.basename(test_path)]):
        r = subprocess.run([promtool] + args, capture_output=True, text=True,
                           cwd=os.path.dirname(os.path.abspath(path)))
        print(f"promtool {' '.join(args)}: exit {r.returncode}")
        if r.returncode != 0:
            errors.append(f"promtool {' '.join(args)}:\n{r.stdout}{r.stderr}")
    return errors


def check_metrics_doc(path, metrics):
    documented = set(re.findall(r"\b(oomguard_[a-z0-9_]+)", open(path).read()))
    documented = {re.sub(r"_(bucket|sum|count)$", "", m) for m in documented}
    errors = []
    if metrics - documented:
        errors.append(f"{path}: not documented: {sorted(metrics - documented)}")
    if documented - metrics:
        errors.append(f"{path}: documents metrics extended does not write: "
                      f"{sorted(documented - metrics)}")
    return errors


def main():
    p = argparse.ArgumentParser()
    for a in ("--daemonset", "--preset", "--alerts", "--alerts-test", "--metrics-source",
              "--metrics-doc"):
        p.add_argument(a, required=True)
    args = p.parse_args()
    metrics = metric_names(args.metrics_source)
    if len(metrics) < 10:
        print(f"FAIL: only {len(metrics)} metric names found in {args.metrics_source}")
        return 1
    errors = check_daemonset(args.daemonset, args.preset)
    errors += check_alerts(args.alerts, args.alerts_test, metrics)
    errors += check_metrics_doc(args.metrics_doc, metrics)
    for e in errors:
        print("FAIL: " + e)
    if not errors:
        print(f"ok: DaemonSet + ConfigMap, alert rules, {len(metrics)} metrics documented")
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
