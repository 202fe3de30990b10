#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Cost of `uevscope trace -j > file` at full uevent rate, as a ratio against
# a baseline run in the same invocation: one listener, one generator writing
# /sys/class/mem/null/uevent as fast as it can, with and without the tracer.
# Also: deliveries the trace captured out of those that happened.
# usage: bench/trace-rate.sh [BUILD_DIR] [SECONDS] [ROUNDS]
set -u
BUILD=${1:-build}
SECS=${2:-5}
ROUNDS=${3:-3}
H=$BUILD/tests
OUT=$(mktemp -d /tmp/uevscope-bench.XXXXXX)
trap '[ -n "${KEEP:-}" ] || rm -rf "$OUT"' EXIT
[ -n "${KEEP:-}" ] && echo "keeping $OUT"
[ "$(id -u)" = 0 ] || { echo "bench: needs root" >&2; exit 1; }

# listen_start: a listener with a 64 MiB buffer, so it does not overrun.
listen_start() {
	"$H/uevlisten" -q -b 67108864 >"$OUT/listen.out" &
	LPID=$!
	while ! grep -q '^ready' "$OUT/listen.out" 2>/dev/null; do sleep 0.05; done
}
listen_stop() {
	kill -TERM $LPID
	wait $LPID
	sed -n 's/^total=\([0-9]*\).*/\1/p' "$OUT/listen.out"
}
gen_rate() {
	"$H/uevgen" -d "$SECS" | sed -n 's/.*rate=\([0-9]*\).*/\1/p'
}

printf '%-6s %12s %12s %7s %12s %12s %8s %8s\n' round base/s traced/s ratio delivered captured ringbuf gone
for r in $(seq "$ROUNDS"); do
	listen_start
	base=$(gen_rate)
	listen_stop >/dev/null

	listen_start
	"$BUILD/uevscope" trace -j >"$OUT/trace.json" 2>"$OUT/trace.err" &
	TPID=$!
	while ! grep -q 'tracing uevent deliveries via' "$OUT/trace.err" 2>/dev/null; do sleep 0.05; done
	traced=$(gen_rate)
	sleep 0.5
	kill -INT $TPID
	wait $TPID
	delivered=$(listen_stop)
	captured=$(grep -c '"type":"delivery"' "$OUT/trace.json")
	summary=$(tail -1 "$OUT/trace.json")
	ringbuf=$(echo "$summary" | sed -n 's/.*"lost_ringbuf_full":\([0-9]*\).*/\1/p')
	gone=$(echo "$summary" | sed -n 's/.*"payload_gone":\([0-9]*\).*/\1/p')
	ratio=$(awk -v a="$traced" -v b="$base" 'BEGIN { printf "%.3f", a / b }')
	printf '%-6s %12s %12s %7s %12s %12s %8s %8s\n' "$r" "$base" "$traced" "$ratio" \
		"$delivered" "$captured" "$ringbuf" "$gone"
done
