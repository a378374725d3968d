set -u
missing=0
umask 077
root=/run/i2kit
stage=$root/.stage
rm -rf "$stage" "$root/pod" && mkdir -p "$stage" || exit 1
fail() { echo "i2kit-boot: $*" >&2; exit 1; }
imds() {
  curl -sf --retry 10 --retry-connrefused --retry-delay 1 -H "X-aws-ec2-metadata-token: $token" "http://169.254.169.254/latest/meta-data/$1"
}
token=$(curl -sf --retry 10 --retry-connrefused --retry-delay 1 -X PUT -H 'X-aws-ec2-metadata-token-ttl-seconds: 300' http://169.254.169.254/latest/api/token) || fail 'no IMDSv2 token'
AWS_REGION=$(imds placement/region) || fail 'no region from IMDS'
export AWS_REGION
field() {
  case $1 in
    pod-name) curl -sf -H "X-aws-ec2-metadata-token: $token" http://169.254.169.254/latest/meta-data/tags/instance/i2kit-pod-name || imds instance-id ;;
    pod-uid) imds instance-id ;;
    pod-ip) imds local-ipv4 ;;
    node-name) imds local-hostname ;;
    *) return 1 ;;
  esac
}
secret() {
  case $1 in
    secrets-manager) out=$(aws secretsmanager get-secret-value --secret-id "$2" --output json 2>"$stage/.err") ;;
    parameter-store) out=$(aws ssm get-parameter --name "$2" --with-decryption --output json 2>"$stage/.err") ;;
    *) return 1 ;;
  esac
  status=$?
  if [ "$status" -ne 0 ]; then
    if grep -q 'ResourceNotFoundException\|ParameterNotFound' "$stage/.err"; then missing=1; else missing=0; fi
    cat "$stage/.err" >&2
    rm -f "$stage/.err"
    return 2
  fi
  rm -f "$stage/.err"
  object=$(printf '%s' "$out" | jq -e '(.SecretString // .Parameter.Value) | fromjson | objects' 2>/dev/null) || fail "secret $2 of $1 is not a JSON object of keys"
}
has_key() { printf '%s' "$object" | jq -e --arg k "$1" 'has($k)' >/dev/null 2>&1; }
key_value() { printf '%s' "$object" | jq -j --arg k "$1" '.[$k] | if type == "string" then . else tojson end' 2>/dev/null; }
keys_of() { printf '%s' "$object" | jq -r 'keys[] | select(. != "." and . != ".." and (explode | all(. == 45 or . == 46 or . == 95 or (. >= 48 and . <= 57) or (. >= 65 and . <= 90) or (. >= 97 and . <= 122))))' 2>/dev/null; }
put() { mkdir -p "$(dirname "$2")" && key_value "$1" > "$2" && chmod "$3" "$2"; }
dir=
seq=0
next() { seq=$((seq + 1)); file=$(printf '%s/%06d' "$dir" "$seq"); }
while [ "$#" -gt 0 ]; do
  case $1 in
    dir)
      dir=$stage/env/$2; seq=0
      mkdir -p "$dir" && printf '%s:%s\n' "$3" "$4" > "$dir/.owner" || fail "cannot make $2"
      shift 4 ;;
    field)
      next
      { printf '%s=' "$2" && field "$3"; } > "$file" || fail "no $3 for $2"
      shift 3 ;;
    key)
      next
      if ! secret "$3" "$4"; then
        [ "$6" = optional ] && [ "$missing" = 1 ] && { shift 6; continue; }
        fail "cannot fetch $4 from $3 for $2"
      fi
      if has_key "$5"; then
        { printf '%s=' "$2" && key_value "$5"; } > "$file" || fail "cannot write $2"
      elif [ "$6" != optional ]; then
        fail "secret $4 of $3 has no key $5 for $2"
      fi
      shift 6 ;;
    keys)
      next
      if ! secret "$3" "$4"; then
        [ "$5" = optional ] && [ "$missing" = 1 ] && { shift 6; continue; }
        fail "cannot fetch $4 from $3 for its keys"
      fi
      later=$6
      index=0
      for k in $(keys_of); do
        name=$2$k
        case "
$later
" in *"
$name
"*) continue ;; esac
        index=$((index + 1))
        { printf '%s=' "$name" && key_value "$k"; } > "$(printf '%s.%06d' "$file" "$index")" || fail "cannot write $name"
      done
      shift 6 ;;
    volume)
      vdir=$stage/volumes/$2
      mkdir -p "$vdir" || fail "cannot make volume $2"
      if ! secret "$3" "$4"; then
        [ "$5" = optional ] && [ "$missing" = 1 ] && { shift 6; continue; }
        fail "cannot fetch $4 from $3 for volume $2"
      fi
      for k in $(keys_of); do
        put "$k" "$vdir/$k" "$6" || fail "cannot write $k of volume $2"
      done
      shift 6 ;;
    item)
      vdir=$stage/volumes/$2
      mkdir -p "$vdir" || fail "cannot make volume $2"
      if ! secret "$3" "$4"; then
        [ "$8" = optional ] && [ "$missing" = 1 ] && { shift 8; continue; }
        fail "cannot fetch $4 from $3 for volume $2"
      fi
      if has_key "$5"; then
        put "$5" "$vdir/$6" "$7" || fail "cannot write $6 of volume $2"
      elif [ "$8" != optional ]; then
        fail "secret $4 of $3 has no key $5 for volume $2"
      fi
      shift 8 ;;
    mkvol)
      mkdir -p "$stage/volumes/$2" || fail "cannot make volume $2"
      shift 2 ;;
    info)
      f=$stage/volumes/$2/$3
      mkdir -p "$(dirname "$f")" && field "$5" > "$f" && chmod "$4" "$f" || fail "no $5 for volume $2"
      shift 5 ;;
    text)
      f=$stage/volumes/$2/$3
      mkdir -p "$(dirname "$f")" && printf '%s' "$5" > "$f" && chmod "$4" "$f" || fail "cannot write $3 of volume $2"
      shift 5 ;;
    *) fail "unknown step $1" ;;
  esac
done
[ ! -d "$stage/volumes" ] || find "$stage/volumes" -type d -exec chmod 0755 {} + || fail 'cannot open the volumes'
for owner in "$stage"/env/*/.owner; do
  [ -f "$owner" ] || continue
  d=${owner%/.owner}
  ids=$(cat "$owner") && rm -f "$owner" || fail "cannot read $owner"
  chmod 0400 "$d"/* 2>/dev/null
  chmod 0500 "$d" && chown -R "$ids" "$d" || fail "cannot hand $d to $ids"
done
chmod 0755 "$stage" && { [ ! -d "$stage/env" ] || chmod 0755 "$stage/env"; } && mv "$stage" "$root/pod" || fail 'cannot publish the values'
