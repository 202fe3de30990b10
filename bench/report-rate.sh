#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Cost of `uevscope report` at full uevent rate: one listener pinned to CPU 1,
# one generator pinned to CPU 0, alone, then with report running, then alone
# again (this host's speed drifts: compare with the mean of both baselines).
# Also the aggregation program's own time per run (kernel.bpf_stats_enabled).
# Run it under the test lock: flock /run/lock/uevscope-tests.lock bench/report-rate.sh
# usage: bench/report-rate.sh [BUILD_DIR] [SECONDS] [ROUNDS]
set -u
BUILD=${1:-build}
SECS=${2:-3}
ROUNDS=${3:-3}
H=$BUILD/tests

rate() {
	taskset -c 0 "$H/uevgen" -d "$SECS" | sed -n 's/.*rate=\([0-9]*\).*/\1/p'
}

taskset -c 1 "$H/uevlisten" -q >/dev/null &
L=$!
trap 'kill $L 2>/dev/null' EXIT
sleep 0.3
echo "round base1 report base2 ratio ns_per_run"
r=1
while [ $r -le "$ROUNDS" ]; do
	a=$(rate)
	"$BUILD/uevscope" report -j 1 >/dev/null 2>&1 &
	R=$!
	sleep 1.5
	sysctl -qw kernel.bpf_stats_enabled=1
	b=$(rate)
	ns=$(bpftool prog show name report_tp_btf 2>/dev/null |
		sed -n 's/.*run_time_ns \([0-9]*\) run_cnt \([0-9]*\).*/\1 \2/p' |
		awk '$2 > 0 { printf "%d", $1 / $2 }')
	sysctl -qw kernel.bpf_stats_enabled=0
	kill -INT $R
	wait $R
	c=$(rate)
	echo "$r $a $b $c $(echo "$a $b $c" | awk '{ printf "%.3f", $2 / (($1 + $3) / 2) }') ${ns:--}"
	r=$((r + 1))
done
