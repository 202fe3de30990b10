#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# uevscope locks and perf on the same lock storm, in the same window, event
# by event: `uevscope locks --events` and `perf lock record -k CLOCK_MONOTONIC`
# (Debian's perf has no -b here: no BUILD_BPF_SKEL) watch one storm
# (bench/lock-storm.sh STORM_ONLY=1) side by side; bench/lock-compare.py cuts
# both to the window they share and compares them per call path.
# Take the tests lock first: flock /run/lock/uevscope-tests.lock bench/lock-perf-match.sh
# usage: bench/lock-perf-match.sh [BUILD_DIR [OUT_DIR]]
#   SECONDS_=6   the measured window; NAMESPACES, WRITERS, CHURNERS as lock-storm.sh
#   OUT_DIR      keeps locks.json, events.txt, perf.data, perf.txt, compare.json, compare.txt
set -u
BUILD=${1:-build}
OUT=${2:-}
DUR=${SECONDS_:-6}
HERE=$(dirname "$0")
[ "$(id -u)" = 0 ] || { echo "lock-perf-match: needs root" >&2; exit 1; }
command -v perf >/dev/null || { echo "lock-perf-match: perf missing: apt-get install linux-perf" >&2; exit 1; }
KEEP=1
[ -n "$OUT" ] || { OUT=$(mktemp -d /tmp/uevscope-match.XXXXXX); KEEP=""; }
mkdir -p "$OUT"
STORM=""
# shellcheck disable=SC2317 # run by the EXIT trap
cleanup() {
	[ -n "$STORM" ] && kill "$STORM" 2>/dev/null && wait "$STORM" 2>/dev/null
	[ -n "$KEEP" ] || rm -rf "$OUT"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# The storm outlives both tools: uevscope's load and perf's start lie inside it.
STORM_ONLY=1 DURATION=$((DUR + 30)) "$HERE/lock-storm.sh" "$BUILD" >"$OUT/storm.out" 2>&1 &
STORM=$!
i=0
while ! grep -q "storm: running" "$OUT/storm.out" 2>/dev/null; do
	i=$((i + 1))
	[ $i -lt 600 ] || { echo "lock-perf-match: the storm did not start" >&2; exit 1; }
	sleep 0.1
done
# perf records from before uevscope starts until after it ends: on a loaded host
# uevscope's start-up took 6 s and perf's 4 s, so fixed durations left windows of
# 0.36 s, or none (2026-12-02). Its workload, a sleep, is ended when uevscope is done.
perf lock record -k CLOCK_MONOTONIC -o "$OUT/perf.data" -a -- sleep $((DUR + 600)) \
	>/dev/null 2>"$OUT/perf.rec" &
PERF=$!
"$BUILD/uevscope" locks -j -d "$DUR" --events "$OUT/events.txt" >"$OUT/locks.json" 2>"$OUT/locks.err"
rc=$?
for c in $(ps -o pid= --ppid "$PERF"); do kill "$c" 2>/dev/null; done
wait "$PERF"
prc=$?
[ $prc = 143 ] && prc=0 # perf exits with its workload's status: the sleep we ended
kill "$STORM" 2>/dev/null
wait "$STORM" 2>/dev/null
STORM=""
[ $rc = 0 ] || { echo "lock-perf-match: uevscope locks failed: $(tail -1 "$OUT/locks.err")" >&2; exit 1; }
[ $prc = 0 ] || { echo "lock-perf-match: perf lock record failed: $(tail -1 "$OUT/perf.rec")" >&2; exit 1; }
perf script -i "$OUT/perf.data" --ns >"$OUT/perf.txt" 2>"$OUT/perf.script.err"
# perf's own report of the same data: every row (-E), and as bench/lock-storm.sh read it (-E 8).
perf lock contention -i "$OUT/perf.data" -E 100000 >"$OUT/perf-report.txt" 2>&1
perf lock contention -i "$OUT/perf.data" -E 8 >"$OUT/perf-report8.txt" 2>&1
perf report -i "$OUT/perf.data" --stats 2>/dev/null | grep -i lost >"$OUT/perf.lost"
python3 "$HERE/lock-compare.py" "$OUT/events.txt" "$OUT/perf.txt" --json >"$OUT/compare.json" || exit 1
python3 "$HERE/lock-compare.py" "$OUT/events.txt" "$OUT/perf.txt" | tee "$OUT/compare.txt"
echo "perf lost: $(tr '\n' ' ' <"$OUT/perf.lost")"
grep -h "missed\|not recorded" "$OUT/locks.err" 2>/dev/null
jq -c '{uevents, uevents_per_s, missed_runs, not_recorded, walk: (.walk | {count, namespaces_mean, mean_ns, per_namespace_ns, what_if})}' "$OUT/locks.json"
exit 0
