b=/.i2kit/busybox
d=$1
shift
s=0
while [ "$#" -gt 0 ] && [ "$1" != -- ]; do
  set -- "$@" "$1"
  shift
  s=$((s + 1))
done
shift
n=$(($# - s))
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
