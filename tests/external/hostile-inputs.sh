#!/usr/bin/env bash
# Feeds i2kit the inputs a hostile or broken repository could hold and prints, for each, the
# exit code, wall time and peak memory, so the figures are on record in every CI log. It fails
# if any input crashes i2kit (exit other than 1 or 2), or hangs (a 10 s guard, not a benchmark).
# Usage: bash tests/external/hostile-inputs.sh   (from the repository root)
set -euo pipefail
root=$(pwd)
bin="${I2KIT_BIN:-$root/target/debug/i2kit}"
command -v /usr/bin/time >/dev/null || { apt-get update -qq && apt-get install -y -qq time >/dev/null; }
[ -x "$bin" ] || cargo build --quiet
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
