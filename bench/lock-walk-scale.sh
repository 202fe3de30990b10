#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# The what-if figures of `uevscope locks` checked: the storm of
# bench/lock-storm.sh (no netns churn, so every walk has the same size) at
# 10 to 80 listening namespaces, one `uevscope locks -j` each, and the
# calibration size CAL once more at the end. From one run it predicts the
# walk (the time uevent_sock_mutex is held per uevent for it) at every size:
#   linear     the first size's mean step (first to last delivery) times N - 1:
#              the model before the walk was split, for comparison
#   as now     CAL's on-CPU step, listeners asleep as often as then: (N - 1) (b + f w)
#   asleep     every delivery wakes its listener: (N - 1) (b + w), the what-if
#              for more namespaces (a slower uevent rate lets listeners sleep)
# b is the step with no wake-up, w one wake-up, f wake-ups per step, all
# fitted by locks (docs/locks.md); w needs a size whose walks wake enough
# listeners to fit it (CAL). The tolerance is derived from CAL's repeat: how
# far two runs of one size differ. Writes a CSV (and a PNG with gnuplot,
# make bench-deps) to OUT_DIR and prints a table for bench/RESULTS.md.
# Ratios within one run: the machine is shared.
# Take the tests lock first: flock /run/lock/uevscope-tests.lock bench/lock-walk-scale.sh
# usage: bench/lock-walk-scale.sh [BUILD_DIR [OUT_DIR]]
#   SIZES="10 20 30 40 60 80"  listening namespaces per storm; CAL=30 (one of SIZES)
#   SECONDS_=4; WRITERS=2; OUT_DIR=bench/results (lock-walk-scale.csv, .png)
set -u
BUILD=${1:-build}
HERE=$(dirname "$0")
RES=${2:-$HERE/results}
# shellcheck source=bench/lib.sh
. "$HERE/lib.sh"
SIZES=${SIZES:-10 20 30 40 60 80}
CAL=${CAL:-30}
DUR=${SECONDS_:-4}
[ "$(id -u)" = 0 ] || { echo "lock-walk-scale: needs root" >&2; exit 1; }
command -v jq >/dev/null || { echo "lock-walk-scale: needs jq" >&2; exit 1; }
mkdir -p "$RES" || exit 1
OUT=$(mktemp -d /tmp/uevscope-walk.XXXXXX)
STORM=""
# shellcheck disable=SC2317 # run by the EXIT trap
cleanup() {
	[ -n "$STORM" ] && kill "$STORM" 2>/dev/null && wait "$STORM" 2>/dev/null
	rm -rf "$OUT"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# run N TAG: one storm of N listening namespaces, one locks report into $OUT/TAG.json.
run() {
	NAMESPACES=$1 CHURNERS=0 STORM_ONLY=1 DURATION=$((DUR + 15)) "$HERE/lock-storm.sh" "$BUILD" \
		>"$OUT/storm$2.out" 2>&1 &
	STORM=$!
	i=0
	while ! grep -q "storm: running" "$OUT/storm$2.out" 2>/dev/null; do
		i=$((i + 1))
		[ $i -lt 900 ] || { echo "lock-walk-scale: storm of $1 did not start" >&2; exit 1; }
		sleep 0.1
	done
	"$BUILD/uevscope" locks -j --no-churn -d "$DUR" >"$OUT/$2.json" 2>"$OUT/$2.err" ||
		{ echo "lock-walk-scale: $(tail -1 "$OUT/$2.err")" >&2; exit 1; }
	kill "$STORM" 2>/dev/null
	wait "$STORM" 2>/dev/null
	STORM=""
}

first=""
for n in $SIZES; do
	[ -n "$first" ] || first=$n
	run "$n" "n$n"
done
[ -s "$OUT/n$CAL.json" ] || { echo "lock-walk-scale: CAL=$CAL is not one of SIZES" >&2; exit 1; }
run "$CAL" repeat

# One CSV row per run: what locks measured, then the predictions (linear from the first
# size, as now and asleep from CAL).
CSV=$RES/lock-walk-scale.csv
echo "namespaces,walks,uevents_per_s,bound_sockets,walk_ns,on_cpu_ns,off_cpu_ns,yielded_walks,preempted_walks,wakeups_per_step,step_base_ns,wakeup_ns,linear_ns,as_now_ns,asleep_ns" >"$CSV"
for tag in $(for n in $SIZES; do echo "n$n"; done) repeat; do
	jq -r --slurpfile f "$OUT/n$first.json" --slurpfile b "$OUT/n$CAL.json" '
		($b[0].walk) as $c | .walk as $w |
		($c.per_namespace_without_wakeups_ns // 0) as $cb | ($c.wakeup_ns // 0) as $cw |
		($w.by_namespaces | max_by(.count)) as $m |
		($m.namespaces - 1) as $k |
		[$m.namespaces, $m.count, .uevents_per_s, $w.bound_sockets, $m.mean_ns,
		 $m.on_cpu.mean_ns, ($m.off_cpu.total_ns / ([$m.count, 1] | max) | round),
		 $m.yielded.count, $m.preempted.count, $w.wakeups_per_namespace,
		 ($w.per_namespace_without_wakeups_ns // ""), ($w.wakeup_ns // ""),
		 ($f[0].walk.per_namespace_ns * $k | round),
		 (($cb + $c.wakeups_per_namespace * $cw) * $k | round),
		 (($cb + $cw) * $k | round)] | @csv' "$OUT/$tag.json"
done >>"$CSV"
cp "$OUT/n$CAL.json" "$RES/lock-walk-scale-cal.json"

# The tolerance: CAL's two runs differ by d (relative); one run's sd is then about
# d / sqrt(2), and a prediction from one run against another run differs by sqrt(2) sd:
# 2 sd of that difference is 2 d. Floored at 10%.
TOL=$(awk -F, -v cal="$CAL" '$1 == cal && !a { a = $6; next } END { d = ($6 - a) / ((a + $6) / 2);
	if (d < 0) d = -d; t = 2 * d; if (t < 0.1) t = 0.1; printf "%.3f", t }' "$CSV")

echo "workload: bench/lock-storm.sh, CHURNERS=0, WRITERS=${WRITERS:-2}, ${DUR}s per size; $(uname -r), $(nproc) CPUs; tolerance $TOL (twice the on-CPU walk's spread between the two runs of $CAL)"
echo
echo "| listening netns | walks | uevents/s | bound sockets | walk (measured) | on CPU | off CPU | wake-ups per step | step without wake-up | one wake-up | linear from $first | as now from $CAL | asleep from $CAL | asleep within tolerance (sizes above $CAL) |"
echo "| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |"
awk -F, -v tol="$TOL" -v cal="$CAL" 'NR > 1 {
	us = 1000; e = ($15 - $5) / $5
	ok = $1 <= cal ? "-" : (e <= tol && e >= -tol) ? "yes" : "no"
	printf "| %s%s | %s | %s | %s | %.2f us | %.2f us | %.2f us | %.3f | %.0f ns | %.0f ns | %.2f us (%+.0f%%) | %.2f us (%+.0f%%) | %.2f us (%+.0f%%) | %s |\n",
		$1, (NR == lines) ? " (repeat)" : "", $2, $3, $4, $5 / us, $6 / us, $7 / us, $10, $11, $12,
		$13 / us, ($13 - $5) / $5 * 100, $14 / us, ($14 - $5) / $5 * 100, $15 / us, e * 100, ok
}' lines="$(wc -l <"$CSV")" "$CSV"
echo
plot lock-walk-scale "tol=$TOL; last=$(echo "$SIZES" | wc -w)"
