#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# The socket inventory's two walks against the number of network namespaces (issue 17, goal 5):
# `uevscope listeners -j` (start, load, one full inventory, JSON) with --tier iter/task_file (one
# walk of every process's files) and --tier iter/netlink (the netlink table entered in every
# netns), alternated REPS times per size, in one invocation. Per size N in SIZES: N empty
# namespaces (ip netns add, added, not made again). Then, at the largest N, a hostile process
# holding FDS open files of /dev/null (tests/helpers/uevhold fds): what one process can add to
# the one walk (every file of every process passes through its program).
# Prints a markdown table (median, min and max ms, and iter/task_file's median over
# iter/netlink's) and writes OUT_DIR/listeners-scale.csv.
# Take the tests lock first (namespaces, BPF): flock -o /run/lock/uevscope-tests.lock
# bench/listeners-scale.sh
# usage: bench/listeners-scale.sh [BUILD_DIR]
#   SIZES="10 100 1000" (ascending), REPS=5, FDS=100000 (0: no hostile run), OUT_DIR=bench/results
# Exit status: 0 done; 1 environment (not root, no lock, a tool missing, a run failed); 2 bad
# usage.
set -u
BUILD=${1:-build}
SIZES=${SIZES:-10 100 1000}
REPS=${REPS:-5}
FDS=${FDS:-100000}
HERE=$(dirname "$0")
RES=${OUT_DIR:-$HERE/results}
H=$BUILD/tests
die() {
	echo "listeners-scale: $1" >&2
	exit "${2:-1}"
}
case "$REPS$FDS$(echo "$SIZES" | tr -d ' ')" in
'' | *[!0-9]*) die "SIZES, REPS and FDS are whole numbers" 2 ;;
esac
[ "$REPS" -gt 0 ] || die "REPS must be at least 1" 2
[ "$(id -u)" = 0 ] || die "needs root (namespaces, BPF)"
. "$HERE/lib.sh"
lock_held || die "take the tests lock first: flock -o /run/lock/uevscope-tests.lock bench/listeners-scale.sh ..."
[ -x "$BUILD/uevscope" ] && [ -x "$H/uevhold" ] || die "build $BUILD/uevscope and the test helpers first"
mkdir -p "$RES" || exit 1
OUT=$(mktemp -d /tmp/uevscope-lscale.XXXXXX) || exit 1
NSPFX=uevlscale$$_
MADE=0
HPID=
# shellcheck disable=SC2317 # run by the EXIT trap
cleanup() {
	[ -n "$HPID" ] && kill "$HPID" 2>/dev/null && wait "$HPID" 2>/dev/null
	netns_del_all "$NSPFX" $MADE
	rm -rf "$OUT"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

grow() {
	while [ $MADE -lt "$1" ]; do
		ip netns add "$NSPFX$MADE" || die "ip netns add $NSPFX$MADE failed"
		MADE=$((MADE + 1))
	done
}

# once TIER: ms of one `listeners -j --tier TIER`, its socket count checked against the other's.
once() {
	t0=$(date +%s%N)
	"$BUILD/uevscope" listeners -j --tier "$1" >"$OUT/l.json" 2>"$OUT/l.err" ||
		die "listeners --tier $1 failed: $(cat "$OUT/l.err")"
	t1=$(date +%s%N)
	echo $(((t1 - t0) / 1000000))
}

# stats FILE: "median min max" of the numbers in FILE.
stats() {
	sort -n "$1" | awk '{ v[NR] = $1 } END { printf "%d %d %d\n", v[int((NR + 1) / 2)], v[1], v[NR] }'
}

# measure LABEL: REPS alternated runs of each tier; a CSV row per tier, a table row.
measure() {
	: >"$OUT/files.ms"
	: >"$OUT/netlink.ms"
	r=0
	while [ $r -lt "$REPS" ]; do
		once iter/task_file >>"$OUT/files.ms"
		once iter/netlink >>"$OUT/netlink.ms"
		r=$((r + 1))
	done
	# shellcheck disable=SC2046 # split on purpose: three numbers from each stats
	set -- "$1" $(stats "$OUT/files.ms") $(stats "$OUT/netlink.ms")
	echo "$1,iter/task_file,$2,$3,$4" >>"$CSV"
	echo "$1,iter/netlink,$5,$6,$7" >>"$CSV"
	ratio=$(awk -v a="$2" -v b="$5" 'BEGIN { printf "%.2f", b ? a / b : 0 }')
	echo "| $1 | $2 ($3-$4) | $5 ($6-$7) | $ratio |" >>"$OUT/table"
}

CSV=$RES/listeners-scale.csv
echo "case,tier,median_ms,min_ms,max_ms" >"$CSV"
: >"$OUT/table"
for n in $SIZES; do
	grow "$n"
	measure "$n netns"
done
if [ "$FDS" -gt 0 ]; then
	rm -f "$OUT/hold.out"
	"$H/uevhold" fds "$FDS" >"$OUT/hold.out" 2>&1 &
	HPID=$!
	while ! grep -q '^ready' "$OUT/hold.out" 2>/dev/null; do
		kill -0 $HPID 2>/dev/null || die "uevhold fds $FDS did not start: $(cat "$OUT/hold.out")"
		sleep 0.05
	done
	measure "$MADE netns + $FDS fds"
fi
echo "| case | iter/task_file ms, median (min-max) | iter/netlink ms | task_file / netlink |"
echo "| --- | ---: | ---: | ---: |"
cat "$OUT/table"
echo "(REPS=$REPS alternated runs each; $(uname -r); CSV: $CSV)"
