b=/.i2kit/busybox
d=$1
shift
n=$#
for f in "$d"/*; do
  [ -f "$f" ] || continue
  v=$("$b" cat "$f" && echo .) || exit 111
  set -- "$@" "${v%.}"
done
while [ "$n" -gt 0 ]; do
  set -- "$@" "$1"
  shift
  n=$((n - 1))
done
exec "$b" env -- "$@"
