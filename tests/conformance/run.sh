#!/usr/bin/env bash
# End-to-end conformance: compile every examples/*.yaml and every golden fixture that compiles,
# lint the template, deploy it to a local
# CloudFormation emulator (moto), check what was created against the manifest, check that every
# call declared in tests/conformance/calls/<stem>.yaml gets through (reachability.py), check the
# files and variables each VM gets from ConfigMaps in its LinuxKit file (check_config.py), update one
# stack, deploy one manifest again into a VPC whose cluster.local zone exists already (admitting
# another stack's VMs and a peered range into its internal load balancers), and scan
# every template with checkov (an unexplained finding fails the run).
#
#   bash tests/conformance/run.sh            from the repository root
#
# Environment:
#   I2KIT_BIN        an i2kit binary to use instead of `cargo build --release`
#   UPDATE_EXAMPLE   the manifest whose replicas the update step changes (examples/nginx.yaml)
#   SHARED_ZONE_EXAMPLE  the manifest deployed with an existing cluster.local zone (examples/voting-app.yaml)
#   PYTHON           the interpreter that makes the venv (python3)
#   CONFORMANCE_ONLY an extended regular expression: deploy only the manifests whose staged stem
#                    (nginx, fixture-k8s-hpa, bundle-gke-hello-app) matches it, and skip the
#                    update and shared-zone steps unless their manifest is among them. For working
#                    on one feature; CI runs everything.
#
# Writes target/conformance/ (templates, logs, checkov results) and target/conformance-summary.txt.
# Closes with `reachability: N calls checked, M reached`, then the last line
# `conformance: N passed, M failed` (reachability's calls and undeclared uses counted in it);
# the exit status is 1 when M > 0.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$ROOT"
HERE=tests/conformance
VENV=target/conformance-venv
WORK=target/conformance
SUMMARY=target/conformance-summary.txt
REGION=us-east-1
ZONE_SUFFIX=example.com
UPDATE_EXAMPLE=${UPDATE_EXAMPLE:-examples/nginx.yaml}
SHARED_ZONE_EXAMPLE=${SHARED_ZONE_EXAMPLE:-examples/voting-app.yaml}
STARTED=$SECONDS

PASSED=0
FAILED=0
FAILURES=()
SKIPS=()
REACH_CALLS=0
REACH_REACHED=0
declare -A REACH_CHECKED=()
MOTO_PID=""
CHECKOV_PID=""

log() { printf '%s\n' "$*"; }
pass() { PASSED=$((PASSED + 1)); log "  ok    $*"; }
fail() { FAILED=$((FAILED + 1)); FAILURES+=("$*"); log "  FAIL  $*"; }

FINISHED=""
cleanup() {
    local status=$?
    if [[ -z "$FINISHED" ]]; then
        # Stopped before the end (an error, a signal): still close with the line CI reads.
        log "conformance run aborted (exit $status) after $((SECONDS - STARTED)) s"
        echo "conformance: $PASSED passed, $((FAILED + 1)) failed"
        [[ "$status" -ne 0 ]] || status=1
    fi
    if [[ -n "$CHECKOV_PID" ]] && kill -0 "$CHECKOV_PID" 2>/dev/null; then
        kill "$CHECKOV_PID" 2>/dev/null || true
        wait "$CHECKOV_PID" 2>/dev/null || true
    fi
    if [[ -n "$MOTO_PID" ]] && kill -0 "$MOTO_PID" 2>/dev/null; then
        kill "$MOTO_PID" 2>/dev/null || true
        wait "$MOTO_PID" 2>/dev/null || true
    fi
    exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM HUP

# ------------------------------------------------------------------------------------ tools
make_venv() {
    local python=${PYTHON:-python3}
    rm -rf "$VENV"
    if ! "$python" -m venv "$VENV" 2>/dev/null; then
        # A Python without ensurepip (Debian without python3-venv): bootstrap virtualenv into
        # target/ rather than into the system's site-packages.
        rm -rf "$VENV"
        log "python -m venv is unavailable; using virtualenv"
        "$python" -m pip install --quiet --disable-pip-version-check --target target/conformance-virtualenv virtualenv
        PYTHONPATH=target/conformance-virtualenv "$python" -m virtualenv --quiet "$VENV"
    fi
}

requirements_hash=$(cat "$HERE/requirements.txt" | cksum | cut -d' ' -f1)
if [[ ! -x "$VENV/bin/python" || "$(cat "$VENV/.requirements-hash" 2>/dev/null)" != "$requirements_hash" ]]; then
    log "== installing $HERE/requirements.txt into $VENV (first run: a few minutes)"
    make_venv
    "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check -r "$HERE/requirements.txt"
    echo "$requirements_hash" >"$VENV/.requirements-hash"
fi
VPY="$VENV/bin/python"
AWS_BIN="$VENV/bin/aws"

if [[ -n "${I2KIT_BIN:-}" ]]; then
    I2KIT=$I2KIT_BIN
else
    log "== cargo build --release"
    cargo build --release --quiet
    I2KIT=target/release/i2kit
fi

rm -rf "$WORK"
mkdir -p "$WORK"

# ------------------------------------------------------------------------------------ emulator
export AWS_ACCESS_KEY_ID=testing AWS_SECRET_ACCESS_KEY=testing AWS_SECURITY_TOKEN=testing \
    AWS_SESSION_TOKEN=testing AWS_DEFAULT_REGION=$REGION AWS_REGION=$REGION \
    AWS_CONFIG_FILE=/dev/null AWS_SHARED_CREDENTIALS_FILE=/dev/null AWS_EC2_METADATA_DISABLED=true \
    AWS_PAGER=""
unset AWS_PROFILE AWS_DEFAULT_PROFILE AWS_ENDPOINT_URL || true

PORT=$("$VPY" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
ENDPOINT="http://127.0.0.1:$PORT"
"$VPY" "$HERE/moto_server.py" -H 127.0.0.1 -p "$PORT" >"$WORK/moto.log" 2>&1 &
MOTO_PID=$!
for _ in $(seq 1 100); do
    if "$VPY" -c "import urllib.request; urllib.request.urlopen('$ENDPOINT/moto-api/', timeout=1)" 2>/dev/null; then
        break
    fi
    if ! kill -0 "$MOTO_PID" 2>/dev/null; then
        cat "$WORK/moto.log"
        log "moto_server exited"
        exit 1
    fi
    sleep 0.2
done
log "== moto on $ENDPOINT (pid $MOTO_PID)"

aws() { "$AWS_BIN" --endpoint-url "$ENDPOINT" "$@"; }

VPC_ID=$(aws ec2 describe-vpcs --filters Name=is-default,Values=true --query 'Vpcs[0].VpcId' --output text)
# One subnet per Availability Zone, the first two zones.
SUBNETS=$(aws ec2 describe-subnets --filters "Name=vpc-id,Values=$VPC_ID" \
    --query 'Subnets[].[AvailabilityZone,SubnetId]' --output text |
    sort | awk '!seen[$1]++ && n < 2 { print $2; n++ }' | paste -sd, -)
# (awk, not head: head closing the pipe early would be a SIGPIPE failure under pipefail)
ZONES=$(aws ec2 describe-subnets --subnet-ids ${SUBNETS//,/ } --query 'Subnets[].AvailabilityZone' --output text)
IMAGES=$(aws ec2 describe-images --query 'Images[].ImageId' --output text | tr '\t' '\n' | sort | awk 'NR <= 8' | paste -sd, -)
CERTIFICATE_ARN=$(aws acm request-certificate --domain-name "$ZONE_SUFFIX" \
    --subject-alternative-names "*.$ZONE_SUFFIX" --validation-method DNS \
    --query CertificateArn --output text)
# Templates over the 51,200-byte inline limit are deployed through a bucket, as users must.
TEMPLATE_BUCKET=i2kit-conformance-templates
aws s3 mb "s3://$TEMPLATE_BUCKET" >/dev/null
log "   VPC $VPC_ID, subnets $SUBNETS, certificate $CERTIFICATE_ARN, template bucket $TEMPLATE_BUCKET"
if [[ "$VPC_ID" != vpc-* || "$SUBNETS" != *,* || -z "$IMAGES" || "$CERTIFICATE_ARN" != arn:* ]]; then
    fail "emulator setup: need a default VPC, two subnets in different AZs, an AMI and a certificate"
    exit 1
fi

# Each example gets its own hosted zone: examples may share deployment names (redis), and two
# stacks cannot own one record.
create_zone() {
    aws route53 create-hosted-zone --name "$1" --caller-reference "conformance-$1-$RANDOM" \
        --query HostedZone.Id --output text >/dev/null
}

stack_name() { printf 'conf-%s' "$(printf '%s' "$1" | tr -c 'A-Za-z0-9-' '-')"; }

# Every stack gets a VPC of its own (10.N.0.0/16, one subnet in each of the default VPC's first
# two zones): each stack's private cluster.local zone is associated with its VPC, Route 53 allows
# one private zone of a name per VPC, and two examples' redis.default.svc.cluster.local must not
# answer for each other. Sets STACK_VPC and STACK_SUBNETS.
VPC_SEQ=0
make_vpc() {
    local made
    VPC_SEQ=$((VPC_SEQ + 1))
    # One Python start instead of five aws CLI starts (~1 s each) for every stack.
    made=$("$VPY" "$HERE/make_vpc.py" "$ENDPOINT" "$VPC_SEQ" $ZONES)
    read -r STACK_VPC STACK_SUBNETS <<<"$made"
    [[ "$STACK_VPC" == vpc-* && "$STACK_SUBNETS" == subnet-*,subnet-* ]]
}

# The stem a manifest is staged and reported under: its file name without .yaml, a staged
# fixture directory's name, or bundle-<folder> for a corpus bundle (passed to i2kit as --name).
declare -A STEM_OF=()
stem_of() {
    if [[ -n "${STEM_OF[$1]:-}" ]]; then printf '%s' "${STEM_OF[$1]}"; else basename "$1" .yaml; fi
}

# compile MANIFEST OUT_DIR → prints the template path; counts one check. MANIFEST is a file or a
# directory, which i2kit reads as one application.
compile() {
    local manifest=$1 out=$2 stem
    stem=$(stem_of "$manifest")
    mkdir -p "$out"
    # A fixture's own extra arguments (an image lock), one per line, as tests/golden.rs passes them.
    local -a extra=()
    [[ -z "${EXTRA_ARGS[$stem]:-}" ]] || mapfile -t extra <<<"${EXTRA_ARGS[$stem]}"
    if ! "$I2KIT" compile "$manifest" --out-dir "$out" "${extra[@]}" >"$out/compile.log" 2>&1; then
        sed 's/^/        /' "$out/compile.log"
        fail "$stem: i2kit compile"
        return 1
    fi
    local template="$out/$stem.cloudformation.json" name missing="" names
    if [[ ! -s "$template" ]] || ! "$VPY" -m json.tool "$template" >/dev/null 2>&1; then
        fail "$stem: i2kit compile wrote no valid JSON template at $template"
        return 1
    fi
    names=$("$VPY" "$HERE/assert_stack.py" --manifest "$manifest" --list-deployments)
    for name in $names; do
        [[ -s "$out/$name.linuxkit.yml" ]] || missing+=" $name.linuxkit.yml"
    done
    if [[ -n "$missing" ]]; then
        fail "$stem: i2kit compile wrote no$missing in $out"
        return 1
    fi
    pass "$stem: i2kit compile (template + LinuxKit files for $(printf '%s' "$names" | paste -sd' ' -))"
}

# deploy STEM TEMPLATE STACK ZONE VPC SUBNETS [Key=Value ...]
deploy() {
    local stem=$1 template=$2 stack=$3 zone=$4 vpc=$5 subnets=$6
    shift 6
    local log=$WORK/$stem.deploy.log
    local -a parameters
    if ! "$VPY" "$HERE/parameters.py" "$template" --vpc "$vpc" --subnets "$subnets" --zone "$zone" \
        --certificate-arn "$CERTIFICATE_ARN" --images "$IMAGES" >"$WORK/$stem.parameters" 2>"$log"; then
        sed 's/^/        /' "$log"
        fail "$stem: fill every template parameter"
        return 1
    fi
    mapfile -t parameters <"$WORK/$stem.parameters"
    parameters+=("$@")
    # Over CloudFormation's inline limit, deploy it as the README says and as i2kit's warning
    # tells: `--s3-bucket`, which uploads the template first (to the emulator's S3, addressed
    # as localhost so that moto reads the template URL back path-style).
    local -a upload=()
    if [[ $(wc -c <"$template") -gt 51200 ]]; then
        upload=(--s3-bucket "$TEMPLATE_BUCKET")
        log "   note: $template is $(wc -c <"$template") bytes (> 51200 inline limit); deploying it through s3://$TEMPLATE_BUCKET"
    fi
    # As the README's recipe: a template with IAM resources (an instance profile) needs the
    # capability, which CloudFormation refuses to assume.
    local -a capabilities=()
    if grep -q '"AWS::IAM::' "$template"; then capabilities=(--capabilities CAPABILITY_IAM); fi
    if AWS_ENDPOINT_URL_S3="http://localhost:$PORT" aws cloudformation deploy --template-file "$template" \
        --stack-name "$stack" "${capabilities[@]}" "${upload[@]}" \
        --no-fail-on-empty-changeset --parameter-overrides "${parameters[@]}" >>"$log" 2>&1; then
        pass "$stem: aws cloudformation deploy ($stack; ${parameters[*]})"
    else
        sed 's/^/        /' "$log"
        aws cloudformation describe-stack-events --stack-name "$stack" \
            --query 'StackEvents[?contains(ResourceStatus, `FAILED`)].[LogicalResourceId,ResourceStatusReason]' \
            --output text 2>/dev/null | sed 's/^/        /' || true
        tail -n 20 "$WORK/moto.log" | sed 's/^/        moto: /'
        fail "$stem: aws cloudformation deploy ($stack)"
        return 1
    fi
}

# assert MANIFEST STACK ZONE [assert_stack options]
assert_stack() {
    local manifest=$1 stack=$2 zone=$3
    shift 3
    local output status=0
    output=$("$VPY" "$HERE/assert_stack.py" --endpoint "$ENDPOINT" --manifest "$manifest" --stack "$stack" \
        --zone "$zone" --certificate-arn "$CERTIFICATE_ARN" "$@" 2>&1) || status=$?
    printf '%s\n' "$output" | grep -v '^assert_stack totals' || true
    local totals
    totals=$(printf '%s\n' "$output" | grep '^assert_stack totals' || true)
    if [[ -z "$totals" ]]; then
        fail "$stack: assert_stack.py crashed (exit $status)"
        # Counted as a failure; returning non-zero here would end the whole run under set -e.
        return 0
    fi
    local p f s
    p=$(sed -E 's/.*passed=([0-9]+).*/\1/' <<<"$totals")
    f=$(sed -E 's/.*failed=([0-9]+).*/\1/' <<<"$totals")
    s=$(sed -E 's/.*skipped=([0-9]+).*/\1/' <<<"$totals")
    PASSED=$((PASSED + p))
    FAILED=$((FAILED + f))
    [[ "$f" -eq 0 ]] || FAILURES+=("$stack: $f assertion(s), see above")
    while IFS= read -r line; do SKIPS+=("$line"); done < <(printf '%s\n' "$output" | grep '^  skip' || true)
    log "   $stack: $p passed, $f failed, $s skipped"
}

# reachability STEM MANIFEST STACK OUT_DIR [reachability.py options]: the declared calls, when
# calls/STEM.yaml exists
reachability() {
    local stem=$1 manifest=$2 stack=$3 out=$4 calls=$HERE/calls/$1.yaml
    shift 4
    [[ -f "$calls" ]] || return 0
    REACH_CHECKED[$stem]=1
    local output status=0 totals n m k
    output=$("$VPY" "$HERE/reachability.py" --endpoint "$ENDPOINT" --manifest "$manifest" --stack "$stack" \
        --out-dir "$out" --calls "$calls" "$@" 2>&1) || status=$?
    printf '%s\n' "$output" | grep -v '^reachability totals' || true
    totals=$(printf '%s\n' "$output" | grep '^reachability totals' || true)
    if [[ -z "$totals" ]]; then
        fail "$stack: reachability.py crashed (exit $status)"
        # Counted as a failure; returning non-zero here would end the whole run under set -e.
        return 0
    fi
    n=$(sed -E 's/.*calls=([0-9]+).*/\1/' <<<"$totals")
    m=$(sed -E 's/.*reached=([0-9]+).*/\1/' <<<"$totals")
    k=$(sed -E 's/.*failed=([0-9]+).*/\1/' <<<"$totals")
    REACH_CALLS=$((REACH_CALLS + n))
    REACH_REACHED=$((REACH_REACHED + m))
    PASSED=$((PASSED + m))
    FAILED=$((FAILED + k))
    [[ "$k" -eq 0 ]] || FAILURES+=("$stack: $k unreachable or undeclared call(s), see above")
    log "   $stack: $n calls, $m reached, $k failed"
}

# check_config MANIFEST OUT_DIR: the files, binds and variables each VM gets from ConfigMaps,
# recomputed from the manifest (check_config.py) and checked on the compiled LinuxKit files
check_config() {
    local manifest=$1 out=$2 output status=0 totals p f
    output=$("$VPY" "$HERE/check_config.py" --manifest "$manifest" --out-dir "$out" 2>&1) || status=$?
    printf '%s\n' "$output" | grep -v '^check_config totals' || true
    totals=$(printf '%s\n' "$output" | grep '^check_config totals' || true)
    if [[ -z "$totals" ]]; then
        fail "$(stem_of "$manifest"): check_config.py crashed (exit $status)"
        return 0
    fi
    p=$(sed -E 's/.*passed=([0-9]+).*/\1/' <<<"$totals")
    f=$(sed -E 's/.*failed=([0-9]+).*/\1/' <<<"$totals")
    PASSED=$((PASSED + p))
    FAILED=$((FAILED + f))
    [[ "$f" -eq 0 ]] || FAILURES+=("$(stem_of "$manifest"): $f config check(s), see above")
}

# ------------------------------------------------------------------------------------ compile + lint
shopt -s nullglob
# examples/*/ are applications kept as a directory of files (`kubectl apply -f DIR`).
MANIFESTS=(examples/*.yaml examples/*/)
if [[ ${#MANIFESTS[@]} -eq 0 ]]; then
    fail "no examples/*.yaml"
fi
declare -A EXTRA_ARGS=()
# An example's own arguments (--allow-unenforced for the shop's NetworkPolicy), one a line.
for manifest in "${MANIFESTS[@]}"; do
    stem=$(stem_of "$manifest")
    [[ ! -f "examples/$stem.args" ]] || EXTRA_ARGS[$stem]=$(cat "examples/$stem.args")
done
# Every golden fixture that compiles (it has expected/ outputs) deploys too. Fixtures are all
# called input.yaml (or inputs/, a directory, or stdin.yaml, a piped stream), so each is staged
# under its folder's name: fixture-<folder>.yaml, or the directory fixture-<folder>/.
mkdir -p "$WORK/fixtures"
# A certificate ARN written in a fixture names no certificate in the emulator (AWS would refuse
# it too): stage each fixture file with the emulator's certificate instead.
stage_fixture() { sed -E "s#arn:aws:acm:[A-Za-z0-9:/_-]+#$CERTIFICATE_ARN#g" "$1" >"$2"; }
for expected in tests/fixtures/*/expected; do
    fixture=$(basename "$(dirname "$expected")")
    if [[ -f "tests/fixtures/$fixture/args" ]]; then
        # Arguments naming a file of the fixture (an image lock) are made absolute.
        EXTRA_ARGS[fixture-$fixture]=$(while IFS= read -r argument; do
            [[ -n "$argument" ]] || continue
            if [[ -f "tests/fixtures/$fixture/$argument" ]]; then
                printf '%s\n' "$ROOT/tests/fixtures/$fixture/$argument"
            else
                printf '%s\n' "$argument"
            fi
        done <"tests/fixtures/$fixture/args")
    fi
    if [[ -d "tests/fixtures/$fixture/inputs" ]]; then
        # A directory fixture: every file staged (hidden ones and subdirectories too, so that
        # i2kit's own rules decide what is read), under the name i2kit takes for the template.
        staged="$WORK/fixtures/fixture-$fixture"
        mkdir -p "$staged"
        (cd "tests/fixtures/$fixture/inputs" && find . -type f) | while IFS= read -r part; do
            mkdir -p "$(dirname "$staged/$part")"
            stage_fixture "tests/fixtures/$fixture/inputs/$part" "$staged/$part"
        done
        MANIFESTS+=("$staged")
    else
        input="tests/fixtures/$fixture/input.yaml"
        [[ -f "$input" ]] || input="tests/fixtures/$fixture/stdin.yaml"
        stage_fixture "$input" "$WORK/fixtures/fixture-$fixture.yaml"
        MANIFESTS+=("$WORK/fixtures/fixture-$fixture.yaml")
    fi
done
# Applications others wrote (../shared/corpus/bundles): each folder is passed to i2kit as it is,
# one application as `kubectl apply -f DIR` takes it, named bundle-<folder>. Bundles i2kit
# refuses (kinds it does not compile yet) are listed, not deployed:
# tests/external/check-outputs.sh checks that they fail at a located line.
SHARED_BUNDLES=${I2KIT_SHARED:-$ROOT/../shared}/corpus/bundles
for bundle in "$SHARED_BUNDLES"/*/; do
    bundle=${bundle%/}
    [[ -d "$bundle" ]] || continue
    stem="bundle-$(basename "$bundle")"
    STEM_OF[$bundle]=$stem
    EXTRA_ARGS[$stem]=$(printf '%s\n' --name "$stem")
    if "$I2KIT" validate "$bundle" >/dev/null 2>&1; then
        MANIFESTS+=("$bundle")
    else
        log "   bundle $(basename "$bundle"): refused by i2kit validate, not deployed"
    fi
done
if [[ -n "${CONFORMANCE_ONLY:-}" ]]; then
    SELECTED=()
    for manifest in "${MANIFESTS[@]}"; do
        if [[ "$(stem_of "$manifest")" =~ $CONFORMANCE_ONLY ]]; then SELECTED+=("$manifest"); fi
    done
    MANIFESTS=("${SELECTED[@]}")
    log "   CONFORMANCE_ONLY=$CONFORMANCE_ONLY: ${#MANIFESTS[@]} manifest(s)"
fi
declare -A TEMPLATE_OF=() VPC_OF=() SUBNETS_OF=()
log "== compile and cfn-lint"
for manifest in "${MANIFESTS[@]}"; do
    stem=$(stem_of "$manifest")
    compile "$manifest" "$WORK/$stem" || continue
    template="$WORK/$stem/$stem.cloudformation.json"
    TEMPLATE_OF[$stem]=$template
    lint_status=0
    "$VENV/bin/cfn-lint" --format parseable "$template" >"$WORK/$stem.cfn-lint.txt" 2>&1 || lint_status=$?
    # cfn-lint's exit status is a bit set: 2 errors, 4 warnings, 8 informational.
    if (((lint_status & 2) || (lint_status & 1))); then
        sed 's/^/        /' "$WORK/$stem.cfn-lint.txt"
        fail "$stem: cfn-lint (exit $lint_status)"
    else
        if [[ -s "$WORK/$stem.cfn-lint.txt" ]]; then
            sed 's/^/        cfn-lint: /' "$WORK/$stem.cfn-lint.txt"
        fi
        if ((lint_status)); then
            pass "$stem: cfn-lint (warnings or notes only, exit $lint_status)"
        else
            pass "$stem: cfn-lint"
        fi
    fi
done

# checkov is slow to start (~10 s a template): scan in the background while moto deploys.
run_checkov() {
    local stem template child=""
    trap - EXIT INT HUP
    trap '[[ -z "$child" ]] || kill "$child" 2>/dev/null; exit 143' TERM
    for stem in "$@"; do
        template=${TEMPLATE_OF[$stem]}
        "$VENV/bin/checkov" -f "$template" --framework cloudformation --skip-download --compact \
            -o cli -o json --output-file-path "$WORK/checkov-$stem" >"$WORK/checkov-$stem.log" 2>&1 &
        child=$!
        wait "$child" || true
        child=""
    done
}
run_checkov "${!TEMPLATE_OF[@]}" &
CHECKOV_PID=$!

# ------------------------------------------------------------------------------------ deploy + assert
log "== deploy and assert"
for manifest in "${MANIFESTS[@]}"; do
    stem=$(stem_of "$manifest")
    [[ -n "${TEMPLATE_OF[$stem]:-}" ]] || continue
    zone="$stem.$ZONE_SUFFIX"
    stack=$(stack_name "$stem")
    create_zone "$zone"
    if ! make_vpc; then
        fail "$stem: create a VPC with two subnets for the stack"
        continue
    fi
    VPC_OF[$stem]=$STACK_VPC
    SUBNETS_OF[$stem]=$STACK_SUBNETS
    # An instance profile needs its role to exist: make the roles the manifest names.
    "$VPY" "$HERE/check_scaling.py" create-roles --endpoint "$ENDPOINT" --manifest "$manifest" >>"$WORK/$stem.deploy.log" 2>&1 ||
        fail "$stem: create the IAM roles the manifest names"
    deploy "$stem" "${TEMPLATE_OF[$stem]}" "$stack" "$zone" "$STACK_VPC" "$STACK_SUBNETS" || continue
    assert_stack "$manifest" "$stack" "$zone"
    reachability "$stem" "$manifest" "$stack" "$WORK/$stem"
    check_config "$manifest" "$WORK/$stem"
done

# ------------------------------------------------------------------------------------ update
log "== update: change replicas of $UPDATE_EXAMPLE and redeploy"
update_stem=$(basename "$UPDATE_EXAMPLE" .yaml)
if [[ -n "${CONFORMANCE_ONLY:-}" && -z "${TEMPLATE_OF[$update_stem]:-}" ]]; then
    log "   skipped: $update_stem is not selected by CONFORMANCE_ONLY"
elif [[ -z "${TEMPLATE_OF[$update_stem]:-}" ]]; then
    fail "update: $UPDATE_EXAMPLE was not compiled and deployed above"
else
    mkdir -p "$WORK/update"
    updated_manifest="$WORK/update/$update_stem.yaml"
    # Every deployment's replicas + 2 (absent means 1): i2kit documents' `replicas`, Kubernetes
    # Deployments' `spec.replicas` (also inside a List). The copy loses comments, nothing else.
    if ! "$VPY" "$HERE/bump_replicas.py" "$UPDATE_EXAMPLE" "$updated_manifest" >"$WORK/update/replicas.txt"
    then
        fail "update: could not change the replicas of $UPDATE_EXAMPLE"
    fi
    log "   replicas: $(cat "$WORK/update/replicas.txt")"
    if [[ -s "$updated_manifest" ]] && compile "$updated_manifest" "$WORK/update/out"; then
        if deploy "$update_stem-update" "$WORK/update/out/$update_stem.cloudformation.json" \
            "$(stack_name "$update_stem")" "$update_stem.$ZONE_SUFFIX" "${VPC_OF[$update_stem]}" "${SUBNETS_OF[$update_stem]}"; then
            assert_stack "$updated_manifest" "$(stack_name "$update_stem")" "$update_stem.$ZONE_SUFFIX" \
                --expect-status UPDATE_COMPLETE
            reachability "$update_stem" "$updated_manifest" "$(stack_name "$update_stem")" "$WORK/update/out"
        fi
    fi
fi

# ------------------------------------------------------------------------------------ shared zone
# A VPC holds one private zone of a name, so a second application in a VPC passes the first one's
# zone as ClusterDnsZoneId: the stack must then make no zone and put its records in that one.
# Its internal load balancers admit, besides its own VMs, the first application's VMs (their
# group, as that stack's ApplicationSecurityGroupId output gives it, passed as
# InternalClientSecurityGroupId) and a peered range (InternalClientCidr): exactly those.
log "== shared cluster.local: deploy $SHARED_ZONE_EXAMPLE again with ClusterDnsZoneId of an existing zone, admitting another stack's VMs"
shared_stem=$(basename "$SHARED_ZONE_EXAMPLE" .yaml)
if [[ -n "${CONFORMANCE_ONLY:-}" && -z "${TEMPLATE_OF[$shared_stem]:-}" ]]; then
    log "   skipped: $shared_stem is not selected by CONFORMANCE_ONLY"
elif [[ -z "${TEMPLATE_OF[$shared_stem]:-}" ]]; then
    fail "shared zone: $SHARED_ZONE_EXAMPLE was not compiled above"
elif ! make_vpc; then
    fail "shared zone: create a VPC with two subnets"
else
    # A VPC makes the zone private in Route 53; moto also wants PrivateZone=true, or it ignores
    # the VPC and makes a public zone (AWS accepts both together).
    shared_zone_id=$(aws route53 create-hosted-zone --name cluster.local --vpc "VPCRegion=$REGION,VPCId=$STACK_VPC" \
        --hosted-zone-config PrivateZone=true --caller-reference "conformance-shared-$RANDOM" --query HostedZone.Id --output text)
    shared_zone_id=${shared_zone_id#/hostedzone/}
    other_vms=$(aws ec2 create-security-group --group-name "conformance-other-stack-$RANDOM" --vpc-id "$STACK_VPC" \
        --description "another application's VMs" --query GroupId --output text)
    peered_range=10.250.0.0/16
    shared_stack=$(stack_name "$shared_stem-shared-zone")
    create_zone "$shared_stem-shared.$ZONE_SUFFIX"
    if deploy "$shared_stem-shared-zone" "${TEMPLATE_OF[$shared_stem]}" "$shared_stack" "$shared_stem-shared.$ZONE_SUFFIX" \
        "$STACK_VPC" "$STACK_SUBNETS" "ClusterDnsZoneId=$shared_zone_id" \
        "InternalClientSecurityGroupId=$other_vms" "InternalClientCidr=$peered_range"; then
        own_zones=$(aws cloudformation describe-stack-resources --stack-name "$shared_stack" \
            --query 'length(StackResources[?ResourceType==`AWS::Route53::HostedZone`])' --output text)
        if [[ "$own_zones" == 0 ]]; then
            pass "$shared_stack: makes no hosted zone when ClusterDnsZoneId is given"
        else
            fail "$shared_stack: made $own_zones hosted zone(s) although ClusterDnsZoneId=$shared_zone_id"
        fi
        assert_stack "$SHARED_ZONE_EXAMPLE" "$shared_stack" "$shared_stem-shared.$ZONE_SUFFIX" \
            --cluster-dns-zone-id "$shared_zone_id" \
            --internal-client-security-group "$other_vms" --internal-client-cidr "$peered_range"
        reachability "$shared_stem" "$SHARED_ZONE_EXAMPLE" "$shared_stack" "$WORK/$shared_stem" \
            --internal-client-security-group "$other_vms" --internal-client-cidr "$peered_range"
    fi
fi

# A calls file whose manifest was never deployed checks nothing: say so rather than pass quietly.
for calls in "$HERE"/calls/*.yaml; do
    stem=$(basename "$calls" .yaml)
    [[ -z "${CONFORMANCE_ONLY:-}" || "$stem" =~ $CONFORMANCE_ONLY ]] || continue
    [[ -n "${REACH_CHECKED[$stem]:-}" ]] || fail "reachability: $calls matches no deployed manifest (stem $stem)"
done

# ------------------------------------------------------------------------------------ checkov
log "== checkov (a finding not explained in the template's Metadata fails the run)"
wait "$CHECKOV_PID" || true
CHECKOV_PID=""
CHECKOV_REPORT=$("$VPY" "$HERE/checkov_report.py" "$WORK" "${!TEMPLATE_OF[@]}")
printf '%s\n' "$CHECKOV_REPORT"
checkov_failed=$(printf '%s\n' "$CHECKOV_REPORT" | sed -n 's/.*checkov summary: passed=[0-9]* failed=\([0-9]*\).*scan_errors=\([0-9]*\).*/\1 \2/p')
read -r unexplained scan_errors <<<"${checkov_failed:-1 1}"
if [[ "$unexplained" -eq 0 && "$scan_errors" -eq 0 ]]; then
    pass "checkov: no unexplained finding in ${#TEMPLATE_OF[@]} templates"
else
    fail "checkov: $unexplained unexplained finding(s), $scan_errors scan error(s)"
fi

# ------------------------------------------------------------------------------------ summary
{
    echo "i2kit conformance $(date -u +%Y-%m-%dT%H:%M:%SZ) ($((SECONDS - STARTED)) s)"
    echo "examples: ${MANIFESTS[*]}"
    echo "failures:"
    if [[ ${#FAILURES[@]} -eq 0 ]]; then echo "  none"; else printf '  %s\n' "${FAILURES[@]}"; fi
    echo "skipped assertions (moto limits):"
    if [[ ${#SKIPS[@]} -eq 0 ]]; then echo "  none"; else printf '%s\n' "${SKIPS[@]}"; fi
    echo "checkov:"
    printf '%s\n' "$CHECKOV_REPORT"
    echo "reachability: $REACH_CALLS calls checked, $REACH_REACHED reached"
    echo "conformance: $PASSED passed, $FAILED failed"
} >"$SUMMARY"
log "== summary in $SUMMARY ($((SECONDS - STARTED)) s)"
if [[ ${#FAILURES[@]} -gt 0 ]]; then
    printf '   failed: %s\n' "${FAILURES[@]}"
fi
FINISHED=1
echo "reachability: $REACH_CALLS calls checked, $REACH_REACHED reached"
echo "conformance: $PASSED passed, $FAILED failed"
[[ "$FAILED" -eq 0 ]]
