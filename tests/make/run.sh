#!/usr/bin/env bash
# Runs examples/Makefile as a user would, with stand-ins for linuxkit and aws that record
# their calls, and checks that make rebuilds only what changed.
# Usage: bash tests/make/run.sh   (from the repository root)
set -euo pipefail
root=$(pwd)
bin="${I2KIT_BIN:-$root/target/debug/i2kit}"
[ -x "$bin" ] || cargo build --quiet
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/bin" "$work/app"
calls="$work/calls.log"
cat > "$work/bin/linuxkit" <<SH
#!/usr/bin/env bash
echo "linuxkit \$*" >> "$calls"
case "\$1" in
  build) name=\$(echo "\$*" | sed -n 's/.*--name \([^ ]*\).*/\1/p'); touch "\$name.raw" ;;
  push) echo "Created AMI: ami-0123456789abcdef0" ;;
esac
SH
cat > "$work/bin/aws" <<SH
#!/usr/bin/env bash
echo "aws \$*" >> "$calls"
SH
chmod +x "$work/bin/linuxkit" "$work/bin/aws"
cp examples/Makefile "$work/app/"
cp examples/voting-app.yaml "$work/app/"
export PATH="$work/bin:$PATH"
run_make() { make -s -C "$work/app" APP=voting-app I2KIT="$bin" BUCKET=b VPC=vpc-1 SUBNETS=subnet-1,subnet-2 ZONE=example.com "$@" >/dev/null; }

failed=0
check() { if eval "$2"; then echo "ok: $1"; else echo "FAILED: $1"; failed=$((failed + 1)); fi; }

run_make deploy
check "first deploy builds and pushes all five images" "[ \$(grep -c '^linuxkit build' $calls) -eq 5 ] && [ \$(grep -c '^linuxkit push' $calls) -eq 5 ]"
check "the deploy passes every image id as a parameter" "grep -q 'VoteImageId=ami-0123456789abcdef0' $calls && grep -q 'ResultImageId=ami-' $calls"
: > "$calls"
run_make deploy
check "an unchanged manifest rebuilds no image" "! grep -q '^linuxkit build' $calls"
: > "$calls"
sleep 1
sed -i 's/replicas: 2/replicas: 4/' "$work/app/voting-app.yaml"
run_make deploy
check "changing replicas rebuilds no image (only the template changed)" "! grep -q '^linuxkit build' $calls && grep -q '^aws cloudformation deploy' $calls"
: > "$calls"
sleep 1
sed -i 's|redis:7.4.2-alpine|redis:7.4.3-alpine|' "$work/app/voting-app.yaml"
run_make deploy
check "changing one image rebuilds exactly that VM image" "[ \$(grep -c '^linuxkit build' $calls) -eq 1 ] && grep -q 'linuxkit build --format aws --name redis' $calls"
check "make check passes on fresh outputs" "make -s -C $work/app APP=voting-app I2KIT=$bin check >/dev/null 2>&1"
echo "# edited" >> "$work/app/voting-app.yaml"
sed -i 's/replicas: 4/replicas: 5/' "$work/app/voting-app.yaml"
check "make check fails on stale outputs" "! make -s -C $work/app APP=voting-app I2KIT=$bin check >/dev/null 2>&1"

# The template goes through the image bucket, so CloudFormation takes it whatever its size
# (inline templates stop at 51,200 bytes), and PARAMS reach the deploy.
: > "$calls"
sed -i 's/replicas: 5/replicas: 6/' "$work/app/voting-app.yaml"
run_make deploy PARAMS="ResultCertificateArn=arn:aws:acm:us-east-1:123456789012:certificate/x"
check "the deploy uploads the template to the bucket and passes PARAMS" "grep -q '^aws cloudformation deploy .*--s3-bucket b .*ResultCertificateArn=arn:aws:acm' $calls"

# A directory application builds into its own directory, and APP.args reaches the compiler
# (--strict makes the shop's warnings errors, so the compile must then fail).
cp -r examples/shop "$work/app/"
check "make compile APP=shop compiles the directory into build/shop" "make -s -C $work/app APP=shop I2KIT=$bin compile >/dev/null 2>&1 && [ -f $work/app/build/shop/shop.cloudformation.json ] && [ -f $work/app/build/shop/storefront.linuxkit.yml ] && [ -f $work/app/build/voting-app/voting-app.cloudformation.json ]"
# make compares modification times, which this file system may give two files written in
# one tick alike: a second apart, the new file is newer.
sleep 1
printf -- '--strict\n' >"$work/app/shop.args"
check "shop.args reaches i2kit compile" "! make -s -C $work/app APP=shop I2KIT=$bin compile >/dev/null 2>&1"
echo "makefile: $((10 - failed)) passed, $failed failed"
[ "$failed" -eq 0 ]
