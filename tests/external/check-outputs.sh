#!/usr/bin/env bash
# Checks i2kit's outputs with the real validators rather than our own beliefs:
#   - cfn-lint (AWS's resource specification) on every template,
#   - LinuxKit's own schema and build rules (shared/tools/check-linuxkit) on every image file,
#   - check-jsonschema: every example validates against schema/ with an independent validator,
#   - the shared corpus of real Kubernetes manifests: each compiles or fails with exit 1.
# Usage: bash tests/external/check-outputs.sh   (from the repository root)
set -euo pipefail
root=$(pwd)
shared="${I2KIT_SHARED:-$root/../shared}"
venv="$root/target/external-venv"
if [ ! -x "$venv/bin/cfn-lint" ] || ! cmp -s tests/external/requirements.txt "$venv/requirements.txt"; then
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet --disable-pip-version-check -r tests/external/requirements.txt
  cp tests/external/requirements.txt "$venv/requirements.txt"
fi
export PATH="$venv/bin:$PATH"
bin="${I2KIT_BIN:-$root/target/debug/i2kit}"
[ -x "$bin" ] || cargo build --quiet
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

failed=0
checked_templates=0
checked_images=0

# Golden fixtures already hold the expected outputs.
mapfile -t templates < <(ls tests/fixtures/*/expected/*.json)
mapfile -t images < <(ls tests/fixtures/*/expected/*.yml)

# Examples: compile them fresh.
# examples/*/ are applications kept as a directory of files, compiled as one. An example's own
# arguments (e.g. --allow-unenforced), one a line, are in
# examples/<stem>.args.
for example in examples/*.yaml examples/*/; do
  stem=$(basename "$example" .yaml)
  out="$work/examples/$stem"
  extra=()
  [ ! -f "examples/$stem.args" ] || mapfile -t extra < "examples/$stem.args"
  "$bin" compile "$example" --out-dir "$out" "${extra[@]}"
  templates+=("$out"/*.json)
  images+=("$out"/*.yml)
done

if cfn-lint -- "${templates[@]}"; then
  checked_templates=${#templates[@]}
else
  echo "cfn-lint found problems"; failed=1
fi
if python3 "$shared/tools/check-linuxkit" "${images[@]}"; then
  checked_images=${#images[@]}
else
  echo "check-linuxkit found problems"; failed=1
fi
# check-jsonschema reads one document per file, so multi-document examples are split first;
# only i2kit manifests are schema documents.
python3 - "$work/documents" examples/*.yaml <<'PY'
import os, sys, yaml
target = sys.argv[1]
os.makedirs(target, exist_ok=True)
for path in sys.argv[2:]:
    stem = os.path.splitext(os.path.basename(path))[0]
    with open(path) as handle:
        for index, document in enumerate(yaml.safe_load_all(handle)):
            # Kubernetes documents are checked by i2kit validate, not by the manifest schema.
            if isinstance(document, dict) and ("apiVersion" in document or "kind" in document):
                continue
            if document is not None:
                with open(os.path.join(target, f"{stem}-{index}.yaml"), "w") as out:
                    yaml.safe_dump(document, out)
PY
if ! check-jsonschema --schemafile schema/i2kit.schema.json "$work"/documents/*.yaml; then
  echo "an example does not validate against schema/i2kit.schema.json"; failed=1
fi

# Real manifests written by others: each compiles to outputs the validators accept, or is
# refused with exit 1 and a located error. Anything else (a crash, exit 2) fails.
corpus_ok=0
corpus_refused=0
# check_corpus STEM ARGUMENT...: compile the arguments (a file, or a bundle folder and its name).
check_corpus() {
  local stem=$1 out="$work/corpus/$1" status
  shift
  set +e
  "$bin" compile "$@" --out-dir "$out" 2>"$work/stderr"
  status=$?
  set -e
  case $status in
    0)
      corpus_ok=$((corpus_ok + 1))
      cfn-lint -- "$out"/*.json || { echo "cfn-lint rejects output of $stem"; failed=1; }
      python3 "$shared/tools/check-linuxkit" "$out"/*.yml >/dev/null || { echo "check-linuxkit rejects output of $stem"; failed=1; }
      ;;
    1)
      corpus_refused=$((corpus_refused + 1))
      grep -qE '^[^ ]+:[0-9]+:[0-9]+: error: ' "$work/stderr" || { echo "$stem: refused without a located error:"; cat "$work/stderr"; failed=1; }
      ;;
    *)
      echo "$stem: exit $status"; cat "$work/stderr"; failed=1
      ;;
  esac
}
if [ -d "$shared/corpus" ]; then
  while IFS= read -r manifest; do
    check_corpus "$(basename "$manifest" .yaml)" "$manifest"
  done < <(find "$shared/corpus" -path "$shared/corpus/bundles" -prune -o -name '*.yaml' -print | sort)
  # A bundle is a folder applied as one application (`kubectl apply -f DIR`): i2kit reads the
  # folder itself, named after it.
  for bundle in "$shared/corpus/bundles"/*/; do
    [ -d "$bundle" ] || continue
    name="bundle-$(basename "$bundle")"
    check_corpus "$name" "${bundle%/}" --name "$name"
  done
fi

echo "external checks: $checked_templates templates (cfn-lint), $checked_images LinuxKit files (check-linuxkit), corpus: $corpus_ok compiled, $corpus_refused refused with a located error"
exit $failed
