#!/usr/bin/env python3
"""Does every VM carry the configuration its pod reads from ConfigMaps, judged on the compiled
LinuxKit file (moto runs no VMs: the LinuxKit file is what the VM boots, so it is the deployed
artifact for this)?

    check_config.py --manifest FILE.yaml --out-dir COMPILE_DIR

Expectations are re-derived here from the manifest alone, following Kubernetes' own rules (not
i2kit's code): the kubelet's MakePayload (configMap volumes: every key, or `items` key -> path,
`defaultMode` 0644 unless written, an item's `mode` over it, the later of two items with one path
winning, a missing key skipped only when the volume is optional), its AtomicWriter (paths
cleaned, directories 0755), subPath (a path naming nothing becomes an empty directory) and
makeEnvironmentVariables (envFrom sources in order, each key after its prefix, then env in order,
a later definition replacing an earlier one, `$(VAR)` expanded in `value` and in command/args,
never in values read from a ConfigMap; binaryData defines no variable). Modes are read as
kubectl reads YAML (1.1: `0644` is 420, as PyYAML reads it too; `0o644` as Go's ParseInt).

Per Deployment it checks, on `<deployment>.linuxkit.yml`:
  - files: the entries under etc/i2kit/volumes/ are exactly the mounted config volumes' files
    and directories, with their contents and modes;
  - binds: every container mounting a config volume binds `<volume dir>[/<subPath>]` read-only
    at its mountPath;
  - env: every variable the container gets from a ConfigMap (or a value expanded from one) is
    set to that value; every variable an optional, absent ConfigMap or Secret would define is
    unset; a command line is expanded from the final environment.

Prints one `ok`/`FAIL` line per check and closes with `check_config totals passed=N failed=M`;
exits 1 when M > 0.
"""

import argparse
import base64
import os
import re
import sys

import yaml

import manifest_model

VOLUME_ROOT = "etc/i2kit/volumes"
DEFAULT_MODE = 0o644
DIRECTORY_MODE = 0o755


class Checks:
    def __init__(self):
        self.passed = self.failed = 0
        self.prefix = ""

    def check(self, condition, what, detail=""):
        if condition:
            self.passed += 1
            print(f"  ok    {self.prefix}{what}")
        else:
            self.failed += 1
            print(f"  FAIL  {self.prefix}{what}{': ' + detail if detail else ''}")
        return bool(condition)


# ---------------------------------------------------------------- Kubernetes' rules, restated


def file_mode(value, default):
    """A mode as kubectl reads it: PyYAML already reads `0644` as 420 (YAML 1.1); a scalar it
    leaves as text (`0o600`) is read as Go's strconv.ParseInt(text, 0, 64) would."""
    if value is None:
        return default
    if isinstance(value, int):
        return value
    text = str(value).replace("_", "")
    if re.fullmatch(r"[-+]?0[0-7]+", text):
        return int(text, 8)
    return int(text, 0)


def clean(path):
    """Go's path.Clean for the relative, `..`-free paths Kubernetes accepts."""
    return "/".join(part for part in str(path).split("/") if part not in ("", "."))


def config_map_data(config_map):
    """key -> (text or bytes): `data` as written, `binaryData` decoded."""
    entries = {str(k): ("" if v is None else str(v)) for k, v in (config_map.get("data") or {}).items()}
    for key, encoded in (config_map.get("binaryData") or {}).items():
        entries[str(key)] = base64.b64decode("".join(str(encoded).split()))
    return entries


def expand(text, variables):
    """The kubelet's $(VAR) expansion (third_party/forked/golang/expansion)."""
    out, i = [], 0
    while i < len(text):
        if text[i] == "$" and i + 1 < len(text):
            if text[i + 1] == "$":
                out.append("$")
                i += 2
                continue
            if text[i + 1] == "(":
                end = text.find(")", i + 2)
                if end != -1:
                    name = text[i + 2 : end]
                    out.append(variables[name] if name in variables else text[i : end + 1])
                    i = end + 1
                    continue
        out.append(text[i])
        i += 1
    return "".join(out)


def payload(volume_source, config_map):
    """MakePayload: relative path -> (bytes or text, mode)."""
    default = file_mode(volume_source.get("defaultMode"), DEFAULT_MODE)
    data = config_map_data(config_map)
    items = volume_source.get("items") or []
    if not items:
        return {key: (value, default) for key, value in data.items()}
    files = {}
    for item in items:
        if item["key"] not in data:
            continue  # optional (else i2kit refuses the manifest, as the kubelet fails the pod)
        files[clean(item["path"])] = (data[item["key"]], file_mode(item.get("mode"), default))
    return files


def expected_files(pod, namespace, config_maps):
    """Every file and directory under etc/i2kit/volumes/: path -> ("dir", mode) or (text, mode)."""
    mounted = {m.get("name") for c in (pod.get("containers") or []) + (pod.get("initContainers") or [])
               for m in c.get("volumeMounts") or []}
    expected = {}
    for volume in pod.get("volumes") or []:
        name = volume.get("name")
        # A Secret is never in a compiled input: its volume is fetched at boot, not built in.
        if "configMap" not in volume:
            continue
        if name not in mounted or f"{VOLUME_ROOT}/{name}" in expected:
            continue
        root = f"{VOLUME_ROOT}/{name}"
        expected[root] = ("dir", DIRECTORY_MODE)
        source = volume.get("configMap") or {}
        config_map = config_maps.get((namespace, source.get("name")))
        files = payload(source, config_map) if config_map is not None else {}
        for path, (value, mode) in files.items():
            parts = path.split("/")
            for depth in range(1, len(parts)):
                expected[f"{root}/{'/'.join(parts[:depth])}"] = ("dir", DIRECTORY_MODE)
            text = value.decode("utf-8") if isinstance(value, bytes) else value
            expected[f"{root}/{path}"] = (text, mode)
        for container in (pod.get("containers") or []) + (pod.get("initContainers") or []):
            for mount in container.get("volumeMounts") or []:
                sub = clean(mount.get("subPath") or "")
                if mount.get("name") != name or not sub or f"{root}/{sub}" in expected:
                    continue
                # The kubelet makes a directory for a subPath naming nothing.
                parts = sub.split("/")
                for depth in range(1, len(parts) + 1):
                    expected.setdefault(f"{root}/{'/'.join(parts[:depth])}", ("dir", DIRECTORY_MODE))
    return expected


def expected_env(container, namespace, config_maps):
    """(variables, unset): the container's variables with their values, in makeEnvironmentVariables'
    terms, and the names that optional references to absent objects or keys leave unset."""
    variables, unset = {}, set()
    for source in container.get("envFrom") or []:
        if "secretRef" in source:
            continue
        config_map = config_maps.get((namespace, (source.get("configMapRef") or {}).get("name")))
        for key, value in ((config_map or {}).get("data") or {}).items():
            variables[(source.get("prefix") or "") + str(key)] = "" if value is None else str(value)
    for entry in container.get("env") or []:
        name, value_from = entry["name"], entry.get("valueFrom") or {}
        if (value_from.get("fieldRef") or {}).get("fieldPath") == "metadata.namespace":
            # The Downward API: the pod's namespace (kubernetes.io, "Expose Pod Information to
            # Containers Through Environment Variables"); never expanded, like any valueFrom.
            variables[name] = namespace
            continue
        if "secretKeyRef" in value_from or "fieldRef" in value_from or "resourceFieldRef" in value_from:
            # Known only at boot (a Secret, the VM's own fields: boot_variables), or from the
            # pod's other fields, which this check does not re-derive.
            variables.pop(name, None)
            continue
        if "configMapKeyRef" not in value_from:
            value = "" if entry.get("value") is None else str(entry["value"])
            variables[name] = expand(value, variables)
            continue
        reference = value_from.get("configMapKeyRef") or {}
        data = (config_maps.get((namespace, reference.get("name"))) or {}).get("data") or {}
        if reference.get("key") in data:
            variables[name] = str(data[reference["key"]])
        else:
            variables.pop(name, None)
            unset.add(name)
    return variables, unset - set(variables)


# Pod fields the kubelet fills in that differ per VM, so i2kit delivers them at boot
# (README "Boot-time values and Secrets").
BOOT_FIELDS = {"metadata.name", "metadata.uid", "status.podIP", "status.podIPs", "status.hostIP",
               "status.hostIPs", "spec.nodeName"}
# Where a wrapped container finds the static busybox that sets its boot values, and where the
# boot step puts a Secret volume's files (README "Boot-time values and Secrets").
WRAPPER = "/.i2kit/busybox"
BOOT_VOLUME_ROOT = "/run/i2kit/pod/volumes"


def boot_variables(container):
    """Names whose values only the VM knows: Secrets' keys, the VM's own pod fields (an
    envFrom.secretRef's keys are unknown here, so not listed)."""
    names = set()
    for entry in container.get("env") or []:
        value_from = entry.get("valueFrom") or {}
        if "secretKeyRef" in value_from or (value_from.get("fieldRef") or {}).get("fieldPath") in BOOT_FIELDS:
            names.add(entry["name"])
    return names


def compiled_environment(service):
    """(variables, argv) as the container will get them: a wrapped container's compiled
    variables are the wrapper's `NAME=value` arguments before `--`, and its program the words
    after; otherwise LinuxKit's env and command."""
    command = service.get("command") or []
    if command[:1] == [WRAPPER] and "--" in command:
        split = command.index("--")
        pairs = [word for word in command[5:split] if "=" in word]
        return dict(pair.partition("=")[::2] for pair in pairs), command[split + 1:]
    return dict(pair.partition("=")[::2] for pair in service.get("env") or []), command


# ---------------------------------------------------------------- the check


def check_deployment(checks, raw, config_maps, out_dir):
    metadata = raw.get("metadata") or {}
    name, namespace = metadata["name"], metadata.get("namespace") or "default"
    pod = ((raw.get("spec") or {}).get("template") or {}).get("spec") or {}
    checks.prefix = f"{name}: "
    path = os.path.join(out_dir, f"{name}.linuxkit.yml")
    if not checks.check(os.path.isfile(path), "LinuxKit file written", path):
        return
    with open(path, encoding="utf-8") as handle:
        linuxkit = yaml.safe_load(handle)
    actual = {}
    for entry in linuxkit.get("files") or []:
        if entry["path"].startswith(VOLUME_ROOT + "/"):
            content = "dir" if entry.get("directory") else entry.get("contents")
            actual[entry["path"]] = (content, int(str(entry.get("mode")), 8))
    expected = expected_files(pod, namespace, config_maps)
    differing = sorted(p for p in set(actual) | set(expected) if actual.get(p) != expected.get(p))
    checks.check(not differing, f"image files under /{VOLUME_ROOT} ({len(expected)} expected)",
                 "; ".join(f"{p}: expected {expected.get(p)!r}, got {actual.get(p)!r}" for p in differing[:5]))
    services = {s["name"]: s for s in (linuxkit.get("services") or []) + (linuxkit.get("onboot") or [])}
    config_volumes = {v["name"] for v in pod.get("volumes") or [] if "configMap" in v}
    secret_volumes = {v["name"] for v in pod.get("volumes") or [] if "secret" in v}
    for container in (pod.get("initContainers") or []) + (pod.get("containers") or []):
        service = services.get(container["name"])
        if not checks.check(service is not None, f"container {container['name']} is a LinuxKit service"):
            continue
        binds = service.get("binds") or []
        for mount in container.get("volumeMounts") or []:
            if mount.get("name") not in config_volumes | secret_volumes:
                continue
            sub = clean(mount.get("subPath") or "")
            root = BOOT_VOLUME_ROOT if mount["name"] in secret_volumes else f"/{VOLUME_ROOT}"
            source = f"{root}/{mount['name']}" + (f"/{sub}" if sub else "")
            bind = f"{source}:{mount['mountPath']}:ro"
            checks.check(bind in binds, f"{container['name']} binds {bind}", f"binds {binds}")
        wanted, unset = expected_env(container, namespace, config_maps)
        written, program = compiled_environment(service)
        at_boot = boot_variables(container)
        if at_boot:
            checks.check(program != (service.get("command") or []),
                         f"{container['name']} runs through the boot wrapper, which sets {sorted(at_boot)}",
                         f"command {service.get('command')!r}")
            baked = sorted(at_boot & set(written))
            checks.check(not baked, f"{container['name']}'s boot values are not compiled in", f"compiled: {baked}")
        wrong = {k: (v, written.get(k)) for k, v in wanted.items() if written.get(k) != v}
        from_config = sum(1 for c in container.get("envFrom") or [] if "configMapRef" in c) + sum(
            1 for e in container.get("env") or [] if "configMapKeyRef" in (e.get("valueFrom") or {}))
        checks.check(not wrong, f"{container['name']} gets its {len(wanted)} variable(s) ({from_config} ConfigMap reference(s))",
                     "; ".join(f"{k}: expected {v!r}, got {w!r}" for k, (v, w) in list(wrong.items())[:5]))
        if unset:
            present = sorted(unset & set(written))
            checks.check(not present, f"{container['name']} leaves {sorted(unset)} unset", f"set: {present}")
        if container.get("command"):
            argv = [expand(str(word), wanted) for word in (container.get("command") or []) + (container.get("args") or [])]
            checks.check(program == argv, f"{container['name']} command expanded from its environment",
                         f"expected {argv!r}, got {program!r}")


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--manifest", required=True)
    parser.add_argument("--out-dir", required=True, help="i2kit compile's output directory (the LinuxKit files)")
    args = parser.parse_args()
    # A file or a directory of files, as i2kit reads it.
    documents = manifest_model.load_documents(args.manifest)
    objects = list(manifest_model.kubernetes_objects([d for d in documents if manifest_model.is_kubernetes(d)]))
    config_maps = {
        ((o.get("metadata") or {}).get("namespace") or "default", (o.get("metadata") or {}).get("name")): o
        for o in objects if o.get("kind") == "ConfigMap"
    }
    deployments = [o for o in objects if o.get("kind") == "Deployment"]
    print(f"check_config: {args.manifest}: {len(deployments)} Deployment(s), {len(config_maps)} ConfigMap(s)")
    checks = Checks()
    for raw in deployments:
        try:
            check_deployment(checks, raw, config_maps, args.out_dir)
        except Exception as error:  # noqa: BLE001 - one broken Deployment must not hide the others
            checks.check(False, "checked", f"{type(error).__name__}: {error}")
    print(f"check_config totals passed={checks.passed} failed={checks.failed}")
    return 1 if checks.failed else 0


if __name__ == "__main__":
    sys.exit(main())
