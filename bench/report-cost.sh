#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Delivery program cost of `uevscope report` against `uevscope trace`, side by
# side in one invocation: per round, the generator alone, with report, with
# trace (the order of the two flips every round), alone again. Per tool: the
# uevent rate against the mean of the two baselines, and the kernel's own
# time per program run (kernel.bpf_stats_enabled, run_time_ns / run_cnt of the
# program this tool loaded, over the generator's run only), then medians.
# One listener pinned to CPU 1, the generator pinned to CPU 0, both tools
# unpinned with their output thrown away.
# Each round also runs the three floors of bench/hook_floor.bpf.c on the same
# hook (attached and empty; one per-CPU count; a count per network namespace):
# what any program there costs, whatever it does. Rounds go to
# bench/results/report-cost.csv. `make bench-cost` builds the floors and runs it.
# Run it under the test lock: flock /run/lock/uevscope-tests.lock bench/report-cost.sh
# usage: bench/report-cost.sh [BUILD_DIR] [SECONDS] [ROUNDS]
set -u
BUILD=${1:-build}
SECS=${2:-3}
ROUNDS=${3:-5}
H=$BUILD/tests
[ "$(id -u)" = 0 ] || { echo "bench: needs root" >&2; exit 1; }
if ! command -v jq >/dev/null || ! command -v bpftool >/dev/null; then
	echo "bench: needs jq and bpftool" >&2
	exit 1
fi
[ -x "$BUILD/bench/hookfloor" ] || { echo "bench: no $BUILD/bench/hookfloor (make bench-cost)" >&2; exit 1; }
RES=$(dirname "$0")/results
CSV=$RES/report-cost.csv
OUT=$(mktemp -d /tmp/uevscope-cost.XXXXXX)
STATS=$(sysctl -n kernel.bpf_stats_enabled)
LPID=
cleanup() {
	[ -n "$LPID" ] && kill "$LPID" 2>/dev/null && wait "$LPID" 2>/dev/null
	sysctl -qw kernel.bpf_stats_enabled="$STATS"
	rm -rf "$OUT"
}
trap cleanup EXIT
trap 'exit 1' INT TERM
sysctl -qw kernel.bpf_stats_enabled=1

. "$(dirname "$0")/lib.sh"
listen_start
# prog_stats NAME ID: "run_time_ns run_cnt" of that program.
prog_stats() {
	bpftool prog show id "$2" -j | jq -r '"\(.run_time_ns // 0) \(.run_cnt // 0)"'
}
# measure PROG READY CMD...: "rate ns_per_run" with CMD running (PROG is the program it loads).
measure() {
	prog=$1 ready=$2
	shift 2
	before=$(bpftool prog show -j | jq -r --arg n "$prog" '[.[] | select(.name == $n) | .id] | max // 0')
	rm -f "$OUT/tool.err"
	"$@" >/dev/null 2>"$OUT/tool.err" &
	TPID=$!
	while ! grep -q "$ready" "$OUT/tool.err" 2>/dev/null; do
		kill -0 $TPID 2>/dev/null || { cat "$OUT/tool.err" >&2; exit 1; }
		sleep 0.05
	done
	id=$(bpftool prog show -j | jq -r --arg n "$prog" --argjson b "$before" \
		'[.[] | select(.name == $n and .id > $b) | .id] | max // empty')
	[ -n "$id" ] || { echo "bench: no new program $prog" >&2; exit 1; }
	s0=$(prog_stats "$prog" "$id")
	rate=$(gen_rate)
	s1=$(prog_stats "$prog" "$id")
	kill -INT $TPID
	wait $TPID
	echo "$rate $s0 $s1" | awk '{ n = $5 - $3; printf "%d %d\n", $1, n ? ($4 - $2) / n : 0 }'
}
run_report() { measure report_tp_btf 'aggregating uevent deliveries' "$BUILD/uevscope" report -j 1; }
run_trace() { measure sk_data_ready_btf 'tracing uevent deliveries via' "$BUILD/uevscope" trace -j; }
# The floors (bench/hook_floor.bpf.c): the same hook with less done than any tool can do.
run_floor() { measure "$1" 'hookfloor: attached' "$BUILD/bench/hookfloor" "$1"; }

printf '%-5s %7s %7s %7s %7s %7s %7s %8s %8s %8s %8s %8s\n' round base/s report trace \
	empty count netns rep.ns tra.ns empty.ns count.ns netns.ns
echo "round,base_per_s,report_ratio,trace_ratio,empty_ratio,count_ratio,netns_ratio,report_ns,trace_ns,empty_ns,count_ns,netns_ns" >"$CSV"
for r in $(seq "$ROUNDS"); do
	b1=$(gen_rate)
	if [ $((r % 2)) = 1 ]; then
		rep=$(run_report) || exit 1
		tra=$(run_trace) || exit 1
	else
		tra=$(run_trace) || exit 1
		rep=$(run_report) || exit 1
	fi
	emp=$(run_floor floor_empty) || exit 1
	cnt=$(run_floor floor_count) || exit 1
	net=$(run_floor floor_netns) || exit 1
	b2=$(gen_rate)
	echo "$r $b1 $b2 $rep $tra $emp $cnt $net" | awk -v csv="$CSV" '{ base = ($2 + $3) / 2
		printf "%-5s %7d %7.3f %7.3f %7.3f %7.3f %7.3f %8d %8d %8d %8d %8d\n", $1, base,
			$4 / base, $6 / base, $8 / base, $10 / base, $12 / base, $5, $7, $9, $11, $13
		printf "%s,%d,%.3f,%.3f,%.3f,%.3f,%.3f,%d,%d,%d,%d,%d\n", $1, base, $4 / base,
			$6 / base, $8 / base, $10 / base, $12 / base, $5, $7, $9, $11, $13 >> csv }' |
		tee -a "$OUT/rounds"
done
# median COLUMN: of the rounds' values in that column.
median() {
	sort -n -k"$1","$1" "$OUT/rounds" | awk -v c="$1" '{ v[NR] = $c }
		END { print NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}
echo "median rate ratio: report $(median 3), trace $(median 4);" \
	"floors: empty $(median 5), count $(median 6), netns $(median 7)"
echo "median ns per run: report $(median 8), trace $(median 9);" \
	"floors: empty $(median 10), count $(median 11), netns $(median 12)"
echo "csv: $CSV"
