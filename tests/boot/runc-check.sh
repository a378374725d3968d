#!/usr/bin/env bash
# Runs compiled boot values under runc (see runc_check.py). Needs root, runc, busybox-static,
# jq, unshare and python3-yaml: `.ci/run` installs them.
set -euo pipefail
cd "$(dirname "$0")/../.."
cargo build --quiet
busybox=$(command -v busybox)
file -L "$busybox" 2>/dev/null | grep -q 'statically linked' || { echo "busybox is not static: apt-get install busybox-static" >&2; exit 1; }
python3 -c 'import yaml' 2>/dev/null || { echo "python3 has no yaml module: pip install pyyaml (or apt-get install python3-yaml)" >&2; exit 1; }
[ "$(id -u)" = 0 ] || { echo "runs runc and unshare: run as root" >&2; exit 1; }
exec python3 tests/boot/runc_check.py "$PWD/target/debug/i2kit" "$busybox"
