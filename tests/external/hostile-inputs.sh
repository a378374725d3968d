#!/usr/bin/env bash
# Feeds i2kit the inputs a hostile or broken repository could hold and prints, for each, the
# exit code, wall time and peak memory, so the figures are on record in every CI log. It fails
# if any input crashes i2kit (exit other than 0, 1 or 2), or takes more than the README's bounds
# for any input up to the 8 MiB cap: 1 s and 100 MB (97,656 KiB) of peak memory. The bounds are
# stated for a release build, so that is what runs (I2KIT_BIN overrides).
# Usage: bash tests/external/hostile-inputs.sh   (from the repository root)
set -euo pipefail
root=$(pwd)
max_seconds=1
max_kib=97656
if [ -z "${I2KIT_BIN:-}" ]; then
  cargo build --release --quiet
fi
bin="${I2KIT_BIN:-$root/target/release/i2kit}"
command -v /usr/bin/time >/dev/null || { apt-get update -qq && apt-get install -y -qq time >/dev/null; }
work=$(mktemp -d)
trap 'chmod -R u+w "$work"; rm -rf "$work"' EXIT
cd "$work"
python3 - <<'PY'
bomb = "a0: &a0 [x, x, x, x, x, x, x, x, x]\n" + "".join(
    f"a{i}: &a{i} [{', '.join([f'*a{i-1}'] * 9)}]\n" for i in range(1, 12))
open("alias-bomb.yaml", "w").write(bomb)
open("deep-flow.yaml", "w").write("[" * 100_000)
open("deep-block.yaml", "w").write("".join("  " * i + "a:\n" for i in range(5000)))
with open("50mb.yaml", "w") as f:
    f.write("name: big\ncontainers:\n  web: {image: nginx:1.27.3}\n")
    f.write(("# " + "x" * 98 + "\n") * 500_000)
open("invalid-utf8.yaml", "wb").write(b"name: caf\xe9\ncontainers: {}\n")
open("bom.yaml", "wb").write(b"\xef\xbb\xbfname: bom\ncontainers:\n  web: {image: nginx:1.27.3}\n")
open("same-name-twice.yaml", "w").write("name: web\ncontainers:\n  a: {image: nginx:1.27.3}\n---\nname: web\ncontainers:\n  a: {image: nginx:1.27.3}\n")
open("binary.yaml", "wb").write(bytes(range(256)) * 64)
# An application spread over many files: the limits bound it as a whole.
import os
os.makedirs("many-files")
for i in range(1001):
    open(f"many-files/{i:04}.yaml", "w").write(f"name: web{i}\ncontainers:\n  a: {{image: nginx:1.27.3}}\n")
# The credential scan reads every ConfigMap value: runs of key-id prefixes and unclosed
# references must stay linear.
import json
for name, chunk in [("credential-shapes", "AKIA"), ("open-references", "$(${{{")]:
    value = chunk * (900_000 // len(chunk))
    open(f"{name}.yaml", "w").write("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: h}\ndata:\n  API_TOKEN: " + json.dumps(value) + "\n  app.properties: " + json.dumps(value + "\npassword=" + value + "\n") + "\n")
os.makedirs("many-megabytes")
for i in range(20):
    open(f"many-megabytes/{i:02}.yaml", "w").write(f"name: web{i}\ncontainers:\n  a: {{image: nginx:1.27.3}}\n" + ("# " + "x" * 98 + "\n") * 10_000)
os.makedirs("many-nodes")
for i in range(20):
    open(f"many-nodes/{i:02}.yaml", "w").write("".join(f"k{i}_{j}: {j}\n" for j in range(15_000)))
# Issue 16's reproducers: what multiplies inside i2kit rather than in the input.
def deployment(env="", extra_container="", extra_pod=""):
    return ("apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web}\nspec:\n  selector: {matchLabels: {app: web}}\n"
            "  template:\n    metadata: {labels: {app: web}}\n    spec:\n      containers:\n      - name: web\n        image: nginx:1.27.3\n"
            + extra_container + "        env:\n" + env + extra_pod)
def doubling(count):
    # Each variable is the one before it twice.
    return deployment("        - {name: A0, value: " + "x" * 64 + "}\n" + "".join(
        f"        - {{name: A{i}, value: \"$(A{i-1})$(A{i-1})\"}}\n" for i in range(1, count + 1)))
open("env-doubling.yaml", "w").write(doubling(21))
open("env-doubling-2k.yaml", "w").write(doubling(40))
# 36,000 variables (7.6 MB), each referring 25 times to one that is not defined.
open("env-7mb.yaml", "w").write(deployment("".join(
    f"        - {{name: V{i}, value: \"{'$(NOPE)' * 25}\"}}\n" for i in range(36_000))))
# The largest input that compiles: one short manifest of 99,000 variables (7.6 MB), every one
# of which reaches the LinuxKit file.
open("largest-accepted.yaml", "w").write(
    "name: big\ncontainers:\n  web:\n    image: nginx:1.27.3\n    env:\n"
    + "".join(f"      - V{i:06d}={'x' * 60}\n" for i in range(99_000)))
# A 1 MiB ConfigMap read by 60 volumes and 60 envFrom entries of one container.
big_map = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: big}\ndata:\n" + "".join(
    f"  k{i}: \"{'y' * 1000}\"\n" for i in range(1000)) + "---\n"
open("config-map-copies.yaml", "w").write(big_map + deployment(
    "        - {name: A, value: a}\n",
    "        envFrom:\n" + "".join(f"        - {{prefix: P{i}_, configMapRef: {{name: big}}}}\n" for i in range(60))
    + "        volumeMounts:\n" + "".join(f"        - {{name: v{i}, mountPath: /etc/v{i}}}\n" for i in range(60)),
    "      volumes:\n" + "".join(f"      - {{name: v{i}, configMap: {{name: big}}}}\n" for i in range(60))))
# 5,000 aliases of one 700 KB string; sixty nested anchors around one 7 MB string.
open("alias-bytes.yaml", "w").write("name: web\ncontainers:\n  web: {image: nginx:1.27.3}\nx-big: &s "
    + "x" * 700_000 + "\nx-copies: [" + ", ".join(["*s"] * 5000) + "]\n")
open("anchor-nesting.yaml", "w").write("".join(f"{'  ' * d}k{d}: &a{d}\n" for d in range(60))
    + "  " * 60 + "leaf: " + "x" * 7_000_000 + "\n")
# An 8 MB flow sequence; a flow mapping of 500,000 keys on one line.
open("flow-sequence-8mb.yaml", "w").write("[" + "1," * (4 * 1024 * 1024 - 2) + "1]")
open("flow-mapping-500k.yaml", "w").write("{" + ", ".join(f"k{i}: {i}" for i in range(500_000)) + "}\n")
# AWS's quotas are checked as the emitter plans the template, after inference: what the
# readers' own bounds let through must still be refused quickly. 500 Deployments, each with a
# Service (i2kit reads at most 500 workloads; a template holds 99)...
def app(name):
    return (f"apiVersion: apps/v1\nkind: Deployment\nmetadata: {{name: {name}}}\nspec:\n  selector: {{matchLabels: {{app: {name}}}}}\n"
            f"  template:\n    metadata: {{labels: {{app: {name}}}}}\n    spec:\n      containers: [{{name: web, image: \"nginx:1.27.3\", ports: [{{containerPort: 8080}}]}}]\n"
            f"---\napiVersion: v1\nkind: Service\nmetadata: {{name: {name}}}\nspec:\n  selector: {{app: {name}}}\n  ports: [{{port: 80, targetPort: 8080}}]\n---\n")
open("deployments-500.yaml", "w").write("".join(app(f"web{i}") for i in range(500)))
# ...one Ingress of 5,000 hosts, each with its own path (an ALB holds 100 rules), in the
# Kubernetes semantics' order, whose host fallbacks are the costlier to plan...
open("ingress-5000-rules.yaml", "w").write(app("web") + "apiVersion: networking.k8s.io/v1\nkind: Ingress\nmetadata: {name: web}\nspec:\n  rules:\n" + "".join(
    f"  - host: h{i}.example.com\n    http: {{paths: [{{path: /p{i}, pathType: Prefix, backend: {{service: {{name: web, port: {{number: 80}}}}}}}}]}}\n" for i in range(5000)))
# ...and one of 1,000 ranges (i2kit's bound; a security group holds 60) on 50 ports.
open("ingress-1000-ranges.yaml", "w").write(app("web") + "apiVersion: networking.k8s.io/v1\nkind: Ingress\nmetadata:\n  name: web\n  annotations:\n"
    + "    alb.ingress.kubernetes.io/listen-ports: '[" + ", ".join(f'{{"HTTP": {1000 + i}}}' for i in range(50)) + "]'\n"
    + "    alb.ingress.kubernetes.io/inbound-cidrs: " + ",".join(f"10.{i // 256}.{i % 256}.0/24" for i in range(1000)) + "\n"
    + "spec:\n  ingressClassName: alb\n  defaultBackend: {service: {name: web, port: {number: 80}}}\n")
# A Service without a selector whose Endpoints subset lists 30,000 addresses and 2,000 ports,
# checked against 2,000 Service ports: the check costs the lists' sum, not their product.
def selectorless(shift):
    ports = ", ".join(f"{{name: p{i}, port: {1000 + i}}}" for i in range(2000))
    service_ports = ", ".join(f"{{name: p{i}, port: {1000 + i + shift}}}" for i in range(2000))
    addresses = ", ".join(f"{{ip: 10.{i // 65536}.{(i // 256) % 256}.{i % 256}}}" for i in range(1, 30_001))
    return (app("web") + f"apiVersion: v1\nkind: Service\nmetadata: {{name: db}}\nspec:\n  ports: [{service_ports}]\n---\n"
            + f"apiVersion: v1\nkind: Endpoints\nmetadata: {{name: db}}\nsubsets:\n- addresses: [{addresses}]\n  ports: [{ports}]\n")
open("endpoints-30k-by-2k.yaml", "w").write(selectorless(0))
open("endpoints-ports-differ.yaml", "w").write(selectorless(1))
PY
mkdir a-directory read-only
cp bom.yaml read-only-input.yaml
chmod a-w read-only
failed=0
printf '%-22s %-22s %5s %9s %10s\n' input command exit seconds peak-KiB
run() {
  local name=$1; shift
  local status
  set +e
  timeout 10 /usr/bin/time -f '%e %M' -o time.txt "$bin" "$@" >/dev/null 2>stderr.txt
  status=$?
  set -e
  read -r seconds memory < <(tail -n 1 time.txt) || { seconds=-; memory=-; }
  printf '%-22s %-22s %5s %9s %10s\n' "$name" "$1" "$status" "$seconds" "$memory"
  case $status in 0|1|2) ;; *) echo "  crashed or hung:"; head -3 stderr.txt; failed=1 ;; esac
  if [ "$status" -ne 0 ] && [ ! -s stderr.txt ]; then echo "  exit $status without a message"; failed=1; fi
  if [ "$seconds" = - ] || awk -v s="$seconds" -v m="$max_seconds" 'BEGIN { exit !(s > m) }'; then
    echo "  over ${max_seconds} s"; failed=1
  fi
  if [ "$memory" = - ] || [ "$memory" -gt "$max_kib" ]; then echo "  over ${max_kib} KiB"; failed=1; fi
}
run alias-bomb validate alias-bomb.yaml
run deep-flow validate deep-flow.yaml
run deep-block validate deep-block.yaml
run 50mb validate 50mb.yaml
run invalid-utf8 validate invalid-utf8.yaml
run bom validate bom.yaml
run same-name-twice validate same-name-twice.yaml
run binary validate binary.yaml
run credential-shapes validate credential-shapes.yaml
run open-references validate open-references.yaml
run directory validate a-directory
run many-files validate many-files
run many-megabytes validate many-megabytes
run many-nodes validate -R many-nodes
run missing validate no-such-file.yaml
run env-doubling compile env-doubling.yaml --out-dir out
run env-doubling-2k compile env-doubling-2k.yaml --out-dir out
run env-7mb compile env-7mb.yaml --out-dir out
run largest-accepted compile largest-accepted.yaml --out-dir out
run config-map-copies compile config-map-copies.yaml --out-dir out
run alias-bytes validate alias-bytes.yaml
run anchor-nesting validate anchor-nesting.yaml
run flow-sequence-8mb validate flow-sequence-8mb.yaml
run flow-mapping-500k validate flow-mapping-500k.yaml
run deployments-500 compile deployments-500.yaml --out-dir out
run ingress-5000-rules compile ingress-5000-rules.yaml --out-dir out
run ingress-1000-ranges compile ingress-1000-ranges.yaml --out-dir out
run endpoints-30k-by-2k compile endpoints-30k-by-2k.yaml --out-dir out
run endpoints-ports-differ compile endpoints-ports-differ.yaml --out-dir out
if [ "$(id -u)" -ne 0 ]; then
  run unwritable-out-dir compile read-only-input.yaml --out-dir read-only/out
else
  # root ignores permission bits: a file where the directory should be is unwritable for all.
  touch blocker
  run unwritable-out-dir compile read-only-input.yaml --out-dir blocker/out
fi
leftovers=$(find . -name '*.tmp' | wc -l)
[ "$leftovers" -eq 0 ] || { echo "temporary files left behind"; failed=1; }
echo "hostile inputs: $([ $failed -eq 0 ] && echo all handled || echo FAILED)"
exit $failed
