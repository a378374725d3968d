#!/usr/bin/env bash
# Runs the i2kit-validate hook through the real pre-commit tool, as a user's repository would:
# it must pass on the examples and fail, naming the line, on a bad manifest.
# Usage: bash tests/precommit/run.sh   (from the repository root)
set -euo pipefail
root=$(pwd)
venv="$root/target/precommit-venv"
if [ ! -x "$venv/bin/pre-commit" ]; then
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet --disable-pip-version-check pre-commit==4.7.0
fi
# pre-commit builds the hook with `cargo install`; keep its cache between runs.
export PRE_COMMIT_HOME="$root/target/pre-commit-home"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

cd "$work"
git init --quiet
git config user.email ci@example.com
git config user.name ci
cp "$root"/examples/*.yaml .
cat > bad.yaml <<'YAML'
name: Bad_Name
replica: 2
containers:
  web: {image: nginx:1.27.3, ports: [70000]}
YAML
git add .

good=$(ls "$root"/examples/*.yaml | xargs -n1 basename)
# shellcheck disable=SC2086
if ! "$venv/bin/pre-commit" try-repo "$root" i2kit-validate --files $good > "$work/good.log" 2>&1; then
  cat "$work/good.log"
  echo "pre-commit: the hook failed on the examples"
  exit 1
fi
if "$venv/bin/pre-commit" try-repo "$root" i2kit-validate --files bad.yaml > "$work/bad.log" 2>&1; then
  cat "$work/bad.log"
  echo "pre-commit: the hook passed a bad manifest"
  exit 1
fi
grep -q 'bad.yaml:2:1: error: unknown field `replica`' "$work/bad.log" || { cat "$work/bad.log"; echo "pre-commit: no located error"; exit 1; }
echo "pre-commit: 2 passed, 0 failed"
