#!/usr/bin/env bash
# Runs i2kit's pre-commit hooks through the real pre-commit tool, as a user's repository would,
# in both layouts the README documents:
#   - i2kit-validate, each changed file an application of its own: passes on the examples, and
#     fails on a bad manifest naming its line;
#   - i2kit-validate-application, a directory as one application (pass_filenames: false, the
#     directory in args): passes with --strict on a bundle of one-object files whose Service
#     selects a Deployment in another file, and fails on a bundle whose second file holds an
#     error, naming that file's line.
# Usage: bash tests/precommit/run.sh   (from the repository root)
set -euo pipefail
root=$(pwd)
venv="$root/target/precommit-venv"
if [ ! -x "$venv/bin/pre-commit" ]; then
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet --disable-pip-version-check pre-commit==4.7.0
fi
# pre-commit builds the hook with `cargo install`; keep its cache, and cargo's build directory,
# between runs.
export PRE_COMMIT_HOME="$root/target/pre-commit-home"
export CARGO_TARGET_DIR="$root/target/precommit-build"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# The hooks' repository as the working tree has it, committed or not (what `pre-commit try-repo`
# does): pre-commit installs hooks from a repository at a revision, and a configuration with
# `args` needs a real one.
hooks="$work/hooks"
mkdir -p "$hooks"
(cd "$root" && git ls-files -z --cached --others --exclude-standard |
  while IFS= read -r -d '' file; do [ -f "$file" ] && printf '%s\0' "$file"; done |
  tar --null -T - -cf -) | tar -xf - -C "$hooks"
git -C "$hooks" init --quiet
git -C "$hooks" add -A
git -C "$hooks" -c user.email=ci@example.com -c user.name=ci commit --quiet -m snapshot
rev=$(git -C "$hooks" rev-parse HEAD)

repo="$work/repo"
mkdir -p "$repo/manifests" "$repo/shop" "$repo/broken"
cd "$repo"
git init --quiet
git config user.email ci@example.com
git config user.name ci
cp "$root"/examples/*.yaml manifests/
cat > manifests/bad.yaml <<'YAML'
name: Bad_Name
replica: 2
containers:
  web: {image: nginx:1.27.3, ports: [70000]}
YAML
cat > shop/web-deployment.yaml <<'YAML'
apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers:
      - {name: web, image: "nginx:1.27.3", ports: [{name: http, containerPort: 80}]}
YAML
cat > shop/web-service.yaml <<'YAML'
apiVersion: v1
kind: Service
metadata: {name: web}
spec:
  selector: {app: web}
  ports:
  - {port: 80, targetPort: http}
YAML
cp shop/web-deployment.yaml broken/1-deployment.yaml
sed 's/targetPort: http/targetPort: htpp/' shop/web-service.yaml > broken/2-service.yaml
cat > .pre-commit-config.yaml <<YAML
repos:
  - repo: $hooks
    rev: $rev
    hooks:
      - id: i2kit-validate
        files: ^manifests/
      - id: i2kit-validate-application
        alias: shop
        args: [--strict, shop/]
        files: ^shop/
      - id: i2kit-validate-application
        alias: broken
        args: [broken/]
        files: ^broken/
YAML
git add .

passed=0
failed=0
# expect NAME pass|fail HOOK FILE... [-- PATTERN]: run one hook on the files; PATTERN must be in its output.
expect() {
  local name=$1 outcome=$2 hook=$3 pattern="" status=0
  shift 3
  local -a files=()
  while [ $# -gt 0 ]; do
    if [ "$1" = "--" ]; then pattern=$2; break; fi
    files+=("$1")
    shift
  done
  "$venv/bin/pre-commit" run "$hook" --files "${files[@]}" >"$work/$name.log" 2>&1 || status=$?
  if { [ "$outcome" = pass ] && [ "$status" -eq 0 ]; } || { [ "$outcome" = fail ] && [ "$status" -ne 0 ]; }; then
    if [ -z "$pattern" ] || grep -qF -- "$pattern" "$work/$name.log"; then
      passed=$((passed + 1))
      return
    fi
  fi
  cat "$work/$name.log"
  echo "pre-commit: $name: expected the hook to $outcome${pattern:+ with \`$pattern\`}"
  failed=$((failed + 1))
}

examples=()
for example in "$root"/examples/*.yaml; do examples+=("manifests/$(basename "$example")"); done
expect each-file-examples pass i2kit-validate "${examples[@]}"
expect each-file-bad fail i2kit-validate manifests/bad.yaml -- 'manifests/bad.yaml:2:1: error: unknown field `replica`'
expect application-bundle pass shop shop/web-service.yaml
expect application-error fail broken broken/1-deployment.yaml -- 'broken/2-service.yaml:7:28: error: targetPort `htpp` names no container port'
echo "pre-commit: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
