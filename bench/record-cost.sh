#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Cost of `uevscope record` against no watcher and against `uevscope trace -j`,
# in one run: one listener and one generator writing /sys/class/mem/null/uevent
# as fast as it can (pinned as in bench/lib.sh), first alone, then beside
# `trace -j > file`, then beside `record -o file`, then alone again. Ratios are
# generator rates against the mean of the two baselines; also the bytes each
# watcher wrote per delivery, and deliveries captured out of those delivered.
# usage: bench/record-cost.sh [BUILD_DIR] [SECONDS] [ROUNDS]
set -u
BUILD=${1:-build}
SECS=${2:-5}
ROUNDS=${3:-3}
H=$BUILD/tests
TMP=/tmp
[ -d /dev/shm ] && TMP=/dev/shm
OUT=$(mktemp -d "$TMP/uevscope-bench.XXXXXX")
trap 'rm -rf "$OUT"' EXIT
[ "$(id -u)" = 0 ] || { echo "bench: needs root" >&2; exit 1; }
. "$(dirname "$0")/lib.sh"

baseline() {
	listen_start
	gen_rate
	listen_stop >/dev/null
}

# shellcheck disable=SC2034 # RATE and the others are read by the caller
# watched NAME CMD...: the generator's rate beside CMD (a tracer writing
# $OUT/NAME.data); sets RATE, DELIVERED, CAPTURED, BYTES.
watched() {
	name=$1
	shift
	listen_start
	rm -f "$OUT/$name.err"
	"$@" 2>"$OUT/$name.err" &
	WPID=$!
	while ! grep -q 'tracing uevent deliveries via' "$OUT/$name.err" 2>/dev/null; do
		kill -0 $WPID 2>/dev/null || { cat "$OUT/$name.err" >&2; listen_stop >/dev/null; exit 1; }
		sleep 0.05
	done
	RATE=$(gen_rate)
	sleep 0.5
	kill -INT $WPID
	wait $WPID
	DELIVERED=$(listen_stop)
	BYTES=$(stat -c %s "$OUT/$name.data")
	# trace: "N deliveries traced, M shown"; record: "recorded M deliveries".
	CAPTURED=$(tail -1 "$OUT/$name.err" |
		sed -n 's/.* traced, \([0-9]*\) shown.*/\1/p; s/^uevscope: recorded \([0-9]*\) deliveries.*/\1/p')
	rm -f "$OUT/$name.data"
}

printf '%-6s %10s %10s %7s %10s %7s %9s %9s %s\n' round base/s trace-j/s ratio record/s ratio \
	B/deliv-j B/deliv-r 'captured(j,r)/delivered'
for r in $(seq "$ROUNDS"); do
	b1=$(baseline)
	watched trace sh -c "exec \"$BUILD/uevscope\" trace -j >\"$OUT/trace.data\""
	tr=$RATE td=$DELIVERED tc=$CAPTURED tb=$BYTES
	watched record "$BUILD/uevscope" record -o "$OUT/record.data"
	rr=$RATE rd=$DELIVERED rc=$CAPTURED rb=$BYTES
	b2=$(baseline)
	base=$(((b1 + b2) / 2))
	line=$(awk -v b="$base" -v tr="$tr" -v rr="$rr" -v tb="$tb" -v tc="$tc" -v rb="$rb" -v rc="$rc" \
		'BEGIN { printf "%.3f %.3f %.0f %.0f", tr / b, rr / b, tb / (tc ? tc : 1), rb / (rc ? rc : 1) }')
	# shellcheck disable=SC2086 # four words
	set -- $line
	printf '%-6s %10s %10s %7s %10s %7s %9s %9s %s\n' "$r" "$base" "$tr" "$1" "$rr" "$2" "$3" "$4" \
		"$tc/$td,$rc/$rd"
	echo "$1 $2" >>"$OUT/rounds"
done
mt=$(sort -n -k1,1 "$OUT/rounds" | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }')
mr=$(sort -n -k2,2 "$OUT/rounds" | awk '{ v[NR] = $2 } END { print v[int((NR + 1) / 2)] }')
echo "median ratio against no watcher: trace -j $mt, record $mr"
