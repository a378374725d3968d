#!/usr/bin/env bash
# A newcomer's path through the README, on this clone: install i2kit as the README says
# (`cargo install --path .`), then run the installed binary on every example, as the README and
# examples/Makefile do (a file or a directory, with its `.args` if it has one), and the Makefile
# on a directory example. Fails when the README stops saying how to install.
# Usage: bash tests/readme/run.sh   (from the repository root)
set -euo pipefail
root=$(pwd)
grep -q 'cargo install --path \.' README.md || {
  echo "README no longer says how to install i2kit (cargo install --path .)"
  exit 1
}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
# The same release build CI's other steps use, so the install compiles nothing twice.
CARGO_TARGET_DIR="$root/target" cargo install --quiet --locked --path . --root "$work/install"
export PATH="$work/install/bin:$PATH"
[ "$(command -v i2kit)" = "$work/install/bin/i2kit" ]

compiled=0
failed=0
for example in examples/*.yaml examples/*/; do
  example=${example%/}
  stem=$(basename "$example" .yaml)
  args=()
  [ ! -f "examples/$stem.args" ] || mapfile -t args <"examples/$stem.args"
  if i2kit compile "$example" "${args[@]}" --out-dir "$work/out/$stem" 2>"$work/stderr"; then
    compiled=$((compiled + 1))
  else
    echo "FAILED: i2kit compile $example ${args[*]}"
    cat "$work/stderr"
    failed=$((failed + 1))
  fi
done
if make -s -C examples compile APP=shop I2KIT=i2kit BUILD="$work/make-shop" >/dev/null 2>&1 &&
  [ -f "$work/make-shop/shop.cloudformation.json" ]; then
  compiled=$((compiled + 1))
else
  echo "FAILED: make -C examples compile APP=shop"
  failed=$((failed + 1))
fi
echo "readme: the installed i2kit compiled $compiled examples, $failed failed"
[ "$failed" -eq 0 ]
