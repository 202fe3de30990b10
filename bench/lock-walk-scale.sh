#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# The what-if figures of `uevscope locks` checked: the storm of
# bench/lock-storm.sh at 10, 20 and 40 listening namespaces (no netns churn,
# so every walk has the same size), one `uevscope locks -j` each; the time
# per namespace measured at the first size predicts the walk (the time
# uevent_sock_mutex is held per uevent for it) at the others. Prints a table
# for bench/RESULTS.md. Ratios within one run: the machine is shared.
# Take the tests lock first: flock /run/lock/uevscope-tests.lock bench/lock-walk-scale.sh
# usage: bench/lock-walk-scale.sh [BUILD_DIR]
#   SIZES="10 20 40"  listening namespaces per storm; SECONDS_=5; WRITERS=2
set -u
BUILD=${1:-build}
SIZES=${SIZES:-10 20 40}
DUR=${SECONDS_:-5}
HERE=$(dirname "$0")
[ "$(id -u)" = 0 ] || { echo "lock-walk-scale: needs root" >&2; exit 1; }
command -v jq >/dev/null || { echo "lock-walk-scale: needs jq" >&2; exit 1; }
OUT=$(mktemp -d /tmp/uevscope-walk.XXXXXX)
STORM=""
# shellcheck disable=SC2317 # run by the EXIT trap
cleanup() {
	[ -n "$STORM" ] && kill "$STORM" 2>/dev/null && wait "$STORM" 2>/dev/null
	rm -rf "$OUT"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

for n in $SIZES; do
	NAMESPACES=$n CHURNERS=0 STORM_ONLY=1 DURATION=$((DUR + 15)) "$HERE/lock-storm.sh" "$BUILD" \
		>"$OUT/storm$n.out" 2>&1 &
	STORM=$!
	i=0
	while ! grep -q "storm: running" "$OUT/storm$n.out" 2>/dev/null; do
		i=$((i + 1))
		[ $i -lt 900 ] || { echo "lock-walk-scale: storm of $n did not start" >&2; exit 1; }
		sleep 0.1
	done
	"$BUILD/uevscope" locks -j --no-churn -d "$DUR" >"$OUT/locks$n.json" 2>"$OUT/locks$n.err" ||
		{ echo "lock-walk-scale: $(tail -1 "$OUT/locks$n.err")" >&2; exit 1; }
	kill "$STORM" 2>/dev/null
	wait "$STORM" 2>/dev/null
	STORM=""
done

echo "workload: bench/lock-storm.sh, CHURNERS=0, WRITERS=${WRITERS:-2}, ${DUR}s per size; $(uname -r), $(nproc) CPUs"
echo
echo "| listening netns (walk size) | walks | uevents/s | mean walk (measured) | per namespace | predicted from the first size | error | mutex held for walks | uevent_sock_mutex contentions, mean wait |"
echo "| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |"
first=""
for n in $SIZES; do
	f=$OUT/locks$n.json
	[ -n "$first" ] || first=$f
	jq -r --slurpfile b "$first" '
		def us: . / 1000 | . * 100 | round / 100 | tostring + " us";
		($b[0].walk.per_namespace_ns) as $step |
		(.walk.by_namespaces | max_by(.count)) as $m |
		($step * ($m.namespaces - 1)) as $pred |
		([.locks[] | select(.identified == "uevent_sock_mutex")][0]) as $l |
		"| \($m.namespaces) | \($m.count) | \(.uevents_per_s) | \($m.mean_ns | us) | \(.walk.per_namespace_ns | us) | \($pred | us) | \(if $m.mean_ns > 0 then (($pred - $m.mean_ns) / $m.mean_ns * 1000 | round / 10 | tostring) + "%" else "-" end) | \(.uevents_per_s * $m.mean_ns / 1e7 | . * 10 | round / 10 | tostring)% | \(if $l then "\($l.count), \($l.mean_ns | us)" else "none" end) |"' "$f"
done
