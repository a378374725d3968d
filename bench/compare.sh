#!/usr/bin/env bash
# Whole-process benchmarks, side by side in one run, printed as markdown (BENCHMARKS.md):
#   1. i2kit compile of the paper's manifest vs bench/troposphere_peer.py on the same YAML;
#   2. i2kit validate of 1,000 manifest files in one call vs check-jsonschema on the same files;
#   3. scaling over 1, 10, 100, 1,000 deployments: validate as separate files, compile as one
#      multi-document file; time and peak memory (max RSS).
# Times are hyperfine medians (--warmup, --export-json); memory is the median of /usr/bin/time's
# %M over a few runs. Everything it makes goes under target/: inputs and results in
# target/bench/, the Python tools in target/bench-venv/.
#
# Usage: bash bench/compare.sh            (about 3 minutes once the tools are installed)
#   RUNS=N        runs per fast command (default 100); slow commands get RUNS/5, at least 10
#   SKIP_BUILD=1  use the existing target/release/i2kit
set -euo pipefail
cd "$(dirname "$0")/.."

OUT=target/bench
VENV=target/bench-venv
I2KIT=target/release/i2kit
SCHEMA=schema/i2kit.schema.json
RUNS=${RUNS:-100}
SLOW_RUNS=$(( RUNS / 5 > 10 ? RUNS / 5 : 10 ))
# Pinned so that every run compares against the same peers.
PY_PACKAGES=(troposphere==4.11.1 PyYAML==6.0.3 check-jsonschema==0.39.0)

log() { printf '%s\n' "$*" >&2; }

apt_install() {
  local sudo=()
  [ "$(id -u)" -eq 0 ] || sudo=(sudo)
  "${sudo[@]}" apt-get update -qq >/dev/null
  DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -qq "$@" >/dev/null
}

# --- tools -------------------------------------------------------------------------------
missing=()
command -v hyperfine >/dev/null || missing+=(hyperfine)
[ -x /usr/bin/time ] || missing+=(time)
if [ ${#missing[@]} -gt 0 ]; then
  log "installing ${missing[*]} with apt"
  apt_install "${missing[@]}"
fi

if [ -z "${SKIP_BUILD:-}" ]; then
  log "building i2kit (release)"
  cargo build --release --quiet
fi

if [ ! -x "$VENV/bin/python" ]; then
  log "creating $VENV"
  python3 -m venv "$VENV"
fi
if ! "$VENV/bin/python" -m pip freeze 2>/dev/null | grep -qix "troposphere==4.11.1"; then
  log "installing ${PY_PACKAGES[*]} into $VENV"
  "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check "${PY_PACKAGES[@]}"
fi
PY="$VENV/bin/python"
CHECK_JSONSCHEMA="$VENV/bin/check-jsonschema"

# --- inputs and sanity checks ------------------------------------------------------------
mkdir -p "$OUT"
rm -f "$OUT"/*.json "$OUT"/memory.tsv "$OUT"/exit-codes.tsv
"$PY" bench/make_inputs.py "$OUT"
files() { tr '\n' ' ' < "$OUT/files-$1.txt"; }
FILES_1000=$(files 1000)

log "checking that the peers do the same job"
"$I2KIT" compile "$OUT/paper.yaml" > "$OUT/paper.i2kit.cloudformation.json"
"$PY" bench/troposphere_peer.py "$OUT/paper.yaml" > "$OUT/paper.troposphere.cloudformation.json"
"$PY" - "$OUT/paper.i2kit.cloudformation.json" "$OUT/paper.troposphere.cloudformation.json" <<'EOF'
import json, sys
a, b = (json.load(open(path)) for path in sys.argv[1:3])
# The same job: the same resources (logical ids and types). Anything less and the timing would
# compare different work, so stop.
def resources(t):
    return {k: v["Type"] for k, v in t["Resources"].items()}
if resources(a) != resources(b):
    sys.exit("troposphere_peer.py builds other resources than i2kit compile for the paper's manifest: "
             "update bench/troposphere_peer.py")
print(f"  same {len(a['Resources'])} resources", file=sys.stderr)
# Drift below that (i2kit's template changed since the peer was written) only warns.
def paths(x, y, at=""):
    if isinstance(x, dict) and isinstance(y, dict):
        for key in sorted(set(x) | set(y)):
            yield from paths(x.get(key), y.get(key), f"{at}/{key}")
    elif isinstance(x, list) and isinstance(y, list) and len(x) == len(y):
        for i, (p, q) in enumerate(zip(x, y)):
            yield from paths(p, q, f"{at}/{i}")
    elif x != y:
        yield at
drift = list(paths(a, b))
if drift:
    print(f"  warning: the templates differ at {len(drift)} place(s), e.g. {', '.join(drift[:5])}; "
          "update bench/troposphere_peer.py", file=sys.stderr)
else:
    print("  and equal as JSON", file=sys.stderr)
EOF
# shellcheck disable=SC2086  # word splitting of the file list is intended
"$I2KIT" validate $FILES_1000
# shellcheck disable=SC2086
"$CHECK_JSONSCHEMA" --schemafile "$SCHEMA" $FILES_1000 >/dev/null
log "  i2kit validate and check-jsonschema both accept the 1,000 files"

# --- machine -----------------------------------------------------------------------------
{
  echo "nproc=$(nproc)"
  echo "cpu=$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//')"
  echo "memory_kb=$(grep MemTotal /proc/meminfo | awk '{print $2}')"
  echo "kernel=$(uname -r)"
  echo "load_before=$(cut -d' ' -f1-3 /proc/loadavg)"
  echo "i2kit=$("$I2KIT" --version)"
  echo "rustc=$(rustc --version)"
  echo "python=$("$PY" --version)"
  echo "troposphere=$("$PY" -c 'import troposphere; print(troposphere.__version__)')"
  echo "pyyaml=$("$PY" -c 'import yaml; print(yaml.__version__, "(libyaml)" if yaml.__with_libyaml__ else "")')"
  echo "check_jsonschema=$("$CHECK_JSONSCHEMA" --version)"
  echo "hyperfine=$(hyperfine --version)"
} > "$OUT/machine.txt"

# --- time --------------------------------------------------------------------------------
HF=(hyperfine --style none --shell=none)

log "1/3 compile: i2kit vs troposphere ($RUNS and $SLOW_RUNS runs)"
"${HF[@]}" --warmup 10 --runs "$RUNS" --export-json "$OUT/compile-i2kit.json" \
  -n "i2kit compile" "$I2KIT compile $OUT/paper.yaml" >/dev/null
"${HF[@]}" --warmup 3 --runs "$SLOW_RUNS" --export-json "$OUT/compile-troposphere.json" \
  -n "troposphere" "$PY bench/troposphere_peer.py $OUT/paper.yaml" >/dev/null

log "2/3 validate 1,000 files: i2kit vs check-jsonschema ($SLOW_RUNS runs)"
"${HF[@]}" --warmup 2 --runs "$SLOW_RUNS" --export-json "$OUT/validate.json" \
  -n "i2kit validate" "$I2KIT validate $FILES_1000" \
  -n "check-jsonschema" "$CHECK_JSONSCHEMA --schemafile $SCHEMA $FILES_1000" >/dev/null

log "3/3 scaling: 1, 10, 100, 1000 deployments"
for n in 1 10 100 1000; do
  # Past CloudFormation's per-template quotas (500 resources, 200 parameters and outputs)
  # compile does all the work, then reports I2K018 and exits 1: -i keeps those runs.
  runs=$RUNS
  [ "$n" -ge 100 ] && runs=$SLOW_RUNS
  "${HF[@]}" -i --warmup 3 --runs "$runs" --export-json "$OUT/scale-$n.json" \
    -n "validate $n files" "$I2KIT validate $(files "$n")" \
    -n "compile $n documents" "$I2KIT compile $OUT/docs-$n.yaml" >/dev/null 2>&1
  set +e
  # shellcheck disable=SC2046
  "$I2KIT" validate $(files "$n") >/dev/null 2>&1
  printf 'validate %s files\t%s\n' "$n" $? >> "$OUT/exit-codes.tsv"
  "$I2KIT" compile "$OUT/docs-$n.yaml" >/dev/null 2>"$OUT/docs-$n.stderr"
  printf 'compile %s documents\t%s\n' "$n" $? >> "$OUT/exit-codes.tsv"
  set -e
done

# --- memory ------------------------------------------------------------------------------
# Median max RSS (KiB) of 5 runs.
peak() {
  local label=$1
  shift
  local values=()
  for _ in 1 2 3 4 5; do
    /usr/bin/time -f %M -o "$OUT/rss.tmp" "$@" >/dev/null 2>&1 || true
    values+=("$(tail -n1 "$OUT/rss.tmp")")
  done
  printf '%s\t%s\n' "$label" "$(printf '%s\n' "${values[@]}" | sort -n | sed -n 3p)" >> "$OUT/memory.tsv"
}
log "peak memory"
peak "i2kit compile" "$I2KIT" compile "$OUT/paper.yaml"
peak "troposphere" "$PY" bench/troposphere_peer.py "$OUT/paper.yaml"
# shellcheck disable=SC2086
peak "i2kit validate" "$I2KIT" validate $FILES_1000
# shellcheck disable=SC2086
peak "check-jsonschema" "$CHECK_JSONSCHEMA" --schemafile "$SCHEMA" $FILES_1000
for n in 1 10 100 1000; do
  # shellcheck disable=SC2046
  peak "validate $n files" "$I2KIT" validate $(files "$n")
  peak "compile $n documents" "$I2KIT" compile "$OUT/docs-$n.yaml"
done
rm -f "$OUT/rss.tmp"
echo "load_after=$(cut -d' ' -f1-3 /proc/loadavg)" >> "$OUT/machine.txt"

"$PY" bench/report.py "$OUT"
