"""A small offline schema of the Kubernetes objects oomguard's DaemonSet manifest uses
(ConfigMap v1, DaemonSet apps/v1 and the PodSpec fields beneath), after the API reference:
every field's type, the required ones and the enumerations. Unknown fields are errors, so a
misspelt key (hostPid, volumeMount) is caught. It covers what this manifest and its likely edits
use, not the whole API: a field the API has but this schema lacks is reported as unknown, and
belongs added here."""
import re

QUANTITY = re.compile(r"^[0-9]+(\.[0-9]+)?(m|k|M|G|T|P|Ki|Mi|Gi|Ti|Pi)?$")
DNS_LABEL = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")

STR, INT, BOOL = "string", "integer", "boolean"
STR_MAP = ("map", STR)
ANY = "any"


def enum(*values):
    return ("enum", values)


def lst(item):
    return ("list", item)


def obj(fields, required=()):
    return ("object", fields, set(required))


META = obj({"name": STR, "namespace": STR, "labels": STR_MAP, "annotations": STR_MAP})
SELECTOR = obj({"matchLabels": STR_MAP, "matchExpressions": lst(ANY)})
INT_OR_STR = ("int-or-string",)
RESOURCES = obj({"requests": ("map", "quantity"), "limits": ("map", "quantity")})
PROBE = obj({"exec": obj({"command": lst(STR)}, ["command"]), "httpGet": ANY, "tcpSocket": ANY,
             "initialDelaySeconds": INT, "periodSeconds": INT, "timeoutSeconds": INT,
             "failureThreshold": INT, "successThreshold": INT})
SECURITY = obj({
    "privileged": BOOL, "allowPrivilegeEscalation": BOOL, "readOnlyRootFilesystem": BOOL,
    "runAsUser": INT, "runAsGroup": INT, "runAsNonRoot": BOOL,
    "capabilities": obj({"add": lst(STR), "drop": lst(STR)}),
    "seccompProfile": obj({"type": enum("RuntimeDefault", "Unconfined", "Localhost"),
                           "localhostProfile": STR}, ["type"]),
    "procMount": enum("Default", "Unmasked")})
CONTAINER = obj({
    "name": STR, "image": STR, "imagePullPolicy": enum("Always", "IfNotPresent", "Never"),
    "command": lst(STR), "args": lst(STR), "workingDir": STR,
    "env": lst(obj({"name": STR, "value": STR, "valueFrom": ANY}, ["name"])),
    "securityContext": SECURITY, "resources": RESOURCES,
    "readinessProbe": PROBE, "livenessProbe": PROBE, "startupProbe": PROBE,
    "volumeMounts": lst(obj({"name": STR, "mountPath": STR, "readOnly": BOOL, "subPath": STR,
                             "mountPropagation": enum("None", "HostToContainer",
                                                      "Bidirectional")},
                            ["name", "mountPath"])),
    "ports": lst(ANY), "terminationMessagePolicy": enum("File", "FallbackToLogsOnError")},
    ["name", "image"])
VOLUME = obj({
    "name": STR,
    "configMap": obj({"name": STR, "items": lst(ANY), "defaultMode": INT, "optional": BOOL}),
    "hostPath": obj({"path": STR, "type": enum("", "DirectoryOrCreate", "Directory",
                                               "FileOrCreate", "File", "Socket", "CharDevice",
                                               "BlockDevice")}, ["path"]),
    "emptyDir": ANY}, ["name"])
TOLERATION = obj({"key": STR, "operator": enum("Exists", "Equal"), "value": STR,
                  "effect": enum("NoSchedule", "PreferNoSchedule", "NoExecute"),
                  "tolerationSeconds": INT})
POD_SPEC = obj({
    "containers": lst(CONTAINER), "initContainers": lst(CONTAINER), "volumes": lst(VOLUME),
    "hostPID": BOOL, "hostNetwork": BOOL, "hostIPC": BOOL, "priorityClassName": STR,
    "tolerations": lst(TOLERATION), "terminationGracePeriodSeconds": INT,
    "serviceAccountName": STR, "nodeSelector": STR_MAP, "affinity": ANY,
    "securityContext": ANY, "dnsPolicy": STR, "restartPolicy": enum("Always")},
    ["containers"])
DAEMONSET = obj({
    "apiVersion": STR, "kind": STR, "metadata": META,
    "spec": obj({
        "selector": SELECTOR,
        "template": obj({"metadata": META, "spec": POD_SPEC}, ["spec"]),
        "updateStrategy": obj({"type": enum("RollingUpdate", "OnDelete"),
                               "rollingUpdate": obj({"maxUnavailable": INT_OR_STR,
                                                     "maxSurge": INT_OR_STR})}),
        "minReadySeconds": INT, "revisionHistoryLimit": INT}, ["selector", "template"])},
    ["apiVersion", "kind", "metadata", "spec"])
CONFIGMAP = obj({"apiVersion": STR, "kind": STR, "metadata": META, "data": STR_MAP,
                 "binaryData": STR_MAP, "immutable": BOOL},
                ["apiVersion", "kind", "metadata"])

KINDS = {("v1", "ConfigMap"): CONFIGMAP, ("apps/v1", "DaemonSet"): DAEMONSET}


def validate(value, schema, path, errors):
    """Appends "path: problem" strings for everything in value that does not fit schema."""
    if schema == ANY:
        return
    if schema == STR:
        ok = isinstance(value, str)
    elif schema == INT:
        ok = isinstance(value, int) and not isinstance(value, bool)
    elif schema == BOOL:
        ok = isinstance(value, bool)
    elif schema == "quantity":
        ok = isinstance(value, (str, int)) and QUANTITY.match(str(value)) is not None
    elif schema[0] == "int-or-string":
        ok = isinstance(value, (int, str)) and not isinstance(value, bool)
    elif schema[0] == "enum":
        ok = value in schema[1]
    elif schema[0] == "list":
        if not isinstance(value, list):
            errors.append(f"{path}: expected a list, got {type(value).__name__}")
            return
        for i, item in enumerate(value):
            validate(item, schema[1], f"{path}[{i}]", errors)
        return
    elif schema[0] == "map":
        if not isinstance(value, dict):
            errors.append(f"{path}: expected a map, got {type(value).__name__}")
            return
        for k, v in value.items():
            validate(v, schema[1], f"{path}.{k}", errors)
        return
    else:  # object
        _, fields, required = schema
        if not isinstance(value, dict):
            errors.append(f"{path}: expected an object, got {type(value).__name__}")
            return
        for k in sorted(required - value.keys()):
            errors.append(f"{path}: required field '{k}' missing")
        for k, v in value.items():
            if k not in fields:
                errors.append(f"{path}: unknown field '{k}'")
            else:
                validate(v, fields[k], f"{path}.{k}", errors)
        return
    if not ok:
        want = schema if isinstance(schema, str) else f"one of {list(schema[1])}"
        errors.append(f"{path}: {value!r} is not {want}")


def validate_document(doc, index):
    errors = []
    if not isinstance(doc, dict):
        return [f"document {index}: not an object"]
    schema = KINDS.get((doc.get("apiVersion"), doc.get("kind")))
    name = f"{doc.get('kind')}/{(doc.get('metadata') or {}).get('name')}"
    if schema is None:
        return [f"document {index}: unsupported apiVersion/kind {doc.get('apiVersion')}/"
                f"{doc.get('kind')}"]
    validate(doc, schema, name, errors)
    meta_name = (doc.get("metadata") or {}).get("name", "")
    if not DNS_LABEL.match(meta_name or ""):
        errors.append(f"{name}: metadata.name {meta_name!r} is not a DNS label")
    return errors
