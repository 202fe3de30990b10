#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Cost of `uevscope trace -j > file` at full uevent rate, as a ratio against
# a baseline run in the same invocation: one listener, one generator writing
# /sys/class/mem/null/uevent as fast as it can, with and without the tracer.
# Also: deliveries the trace captured out of those that happened.
# usage: bench/trace-rate.sh [BUILD_DIR] [SECONDS] [ROUNDS]
#   KEEP=1 keeps the traces; TRACE_ARGS adds trace options; TRACE_OUT=/dev/null
#   drops the output (then "captured" is the tracer's own count).
set -u
BUILD=${1:-build}
SECS=${2:-5}
ROUNDS=${3:-3}
H=$BUILD/tests
# The trace file goes to tmpfs: on disk, writeback of the last round's
# gigabyte would steal CPU from the next round's baseline.
TMP=/tmp
[ -d /dev/shm ] && TMP=/dev/shm
OUT=$(mktemp -d "$TMP/uevscope-bench.XXXXXX")
trap '[ -n "${KEEP:-}" ] || rm -rf "$OUT"' EXIT
[ -n "${KEEP:-}" ] && echo "keeping $OUT"
[ "$(id -u)" = 0 ] || { echo "bench: needs root" >&2; exit 1; }

# The generator runs on CPU 0 and the listener on CPU 1 in both runs: left
# to the scheduler, the baseline alone swings by 40% from run to run. The
# tracer is not pinned: it competes for the two CPUs as it would on a host.
. "$(dirname "$0")/lib.sh"

printf '%-6s %12s %12s %7s %12s %12s %8s %8s\n' round base/s traced/s ratio delivered captured ringbuf gone
# This host's speed drifts by tens of percent within minutes (other guests),
# so each traced run sits between two baseline runs and is compared with
# their mean.
baseline() {
	listen_start
	gen_rate
	listen_stop >/dev/null
}
for r in $(seq "$ROUNDS"); do
	base1=$(baseline)

	listen_start
	# A stale trace.err from the last round would start the generator before
	# this tracer has attached.
	rm -f "$OUT/trace.err"
	# shellcheck disable=SC2086 # TRACE_ARGS is a list of words
	"$BUILD/uevscope" trace -j ${TRACE_ARGS:-} >"${TRACE_OUT:-$OUT/trace.json}" 2>"$OUT/trace.err" &
	TPID=$!
	while ! grep -q 'tracing uevent deliveries via' "$OUT/trace.err" 2>/dev/null; do
		kill -0 $TPID 2>/dev/null || { cat "$OUT/trace.err" >&2; listen_stop >/dev/null; exit 1; }
		sleep 0.05
	done
	traced=$(gen_rate)
	sleep 0.5
	kill -INT $TPID
	wait $TPID
	delivered=$(listen_stop)
	base2=$(baseline)
	base=$(((base1 + base2) / 2))
	summary=$(tail -1 "$OUT/trace.err")
	captured=$(echo "$summary" | sed -n 's/.* \([0-9]*\) deliveries traced.*/\1/p')
	[ -z "${TRACE_OUT:-}" ] && captured=$(grep -c '"type":"delivery"' "$OUT/trace.json")
	ringbuf=$(echo "$summary" | sed -n 's/.*lost: \([0-9]*\) (ring buffer full).*/\1/p')
	gone=$(echo "$summary" | sed -n 's/.*, \([0-9]*\) payloads gone.*/\1/p')
	ratio=$(awk -v a="$traced" -v b="$base" 'BEGIN { printf "%.3f", a / b }')
	printf '%-6s %12s %12s %7s %12s %12s %8s %8s\n' "$r" "$base" "$traced" "$ratio" \
		"$delivered" "$captured" "$ringbuf" "$gone"
	echo "$ratio $delivered $captured" >>"$OUT/rounds"
	[ -n "${KEEP:-}" ] || rm -f "$OUT/trace.json"
done
sort -n "$OUT/rounds" | awk '{ r[NR] = $1; d += $2; c += $3 }
	END { printf "median ratio %.3f (min %.3f, max %.3f); captured %d of %d deliveries, missing %d\n",
		r[int((NR + 1) / 2)], r[1], r[NR], c, d, d - c }'
