#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# The global uevent lock under load: network namespaces with uevent listeners
# created and destroyed in a loop while writers fire uevents, measured with
# `uevscope locks` and, where they work on this kernel, Debian's klockstat
# (libbpf-tools) and `perf lock contention -b` (linux-perf) on the same
# workload, one after the other. Prints a table for a patch description.
# usage: bench/lock-storm.sh [BUILD_DIR]
#   NAMESPACES=20  standing network namespaces, each with LISTENERS listeners
#   LISTENERS=1    uevent listeners per standing namespace
#   CHURNERS=2     loops creating and destroying a netns with one listener in it
#   WRITERS=2      loops writing /sys/class/mem/null/uevent
#   SECONDS_=5     duration of each measured run (SECONDS is taken by the shell)
#   TOOLS="uevscope klockstat perf"  which measurements to run
#   INSTALL=1      apt-get install libbpf-tools and linux-perf when missing
#   STORM_ONLY=1   just the workload, for DURATION seconds, no measurement
#                  (the integration tests drive it this way)
set -u
BUILD=${1:-build}
H=$BUILD/tests
NAMESPACES=${NAMESPACES:-20}
LISTENERS=${LISTENERS:-1}
CHURNERS=${CHURNERS:-2}
WRITERS=${WRITERS:-2}
DUR=${SECONDS_:-5}
TOOLS=${TOOLS:-uevscope klockstat perf}
[ "$(id -u)" = 0 ] || { echo "lock-storm: needs root (namespaces, BPF)" >&2; exit 1; }
[ -x "$H/uevgen" ] && [ -x "$H/uevlisten" ] || { echo "lock-storm: build first: make $H/uevgen $H/uevlisten" >&2; exit 1; }

OUT=$(mktemp -d /tmp/uevscope-storm.XXXXXX)
NSPFX=uevstorm$$_
STANDING=""
WORKERS=""

stop_workers() {
	for p in $WORKERS; do kill "$p" 2>/dev/null; done
	for p in $WORKERS; do wait "$p" 2>/dev/null; done
	WORKERS=""
}

cleanup() {
	stop_workers
	for p in $STANDING; do kill "$p" 2>/dev/null; done
	wait 2>/dev/null
	i=0
	while [ $i -lt "$NAMESPACES" ]; do
		ip netns del "$NSPFX$i" 2>/dev/null
		i=$((i + 1))
	done
	rm -rf "$OUT"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# Standing namespaces: every untagged uevent walks each of them under the lock.
i=0
while [ $i -lt "$NAMESPACES" ]; do
	ip netns add "$NSPFX$i" || exit 1
	l=0
	while [ $l -lt "$LISTENERS" ]; do
		ip netns exec "$NSPFX$i" "$H/uevlisten" -q -b 4194304 >/dev/null 2>&1 &
		STANDING="$STANDING $!"
		l=$((l + 1))
	done
	i=$((i + 1))
done

# start_workers SECONDS: churners and writers for that long.
start_workers() {
	end=$(($(date +%s) + $1))
	c=0
	while [ $c -lt "$CHURNERS" ]; do
		# Each pass: a new netns (uevent_net_init), a listener that takes one
		# uevent, then the netns goes away (uevent_net_exit in cleanup_net).
		(while [ "$(date +%s)" -lt $end ]; do
			unshare -n "$H/uevlisten" -q -n 1 -t 200 >/dev/null 2>&1
		done) &
		WORKERS="$WORKERS $!"
		c=$((c + 1))
	done
	w=0
	while [ $w -lt "$WRITERS" ]; do
		"$H/uevgen" -d "$1" >"$OUT/gen$w.out" 2>&1 &
		WORKERS="$WORKERS $!"
		w=$((w + 1))
	done
}

if [ -n "${STORM_ONLY:-}" ]; then
	start_workers "${DURATION:-$DUR}"
	for p in $WORKERS; do wait "$p"; done
	exit 0
fi

# install_tool PACKAGE COMMAND: the measurement tools are the bench's, not deps.
install_tool() {
	command -v "$2" >/dev/null && return 0
	[ -n "${INSTALL:-1}" ] || return 1
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$1" \
		>/dev/null 2>&1
	command -v "$2" >/dev/null
}

row() { printf '| %-34s | %12s | %14s | %12s | %10s | %s |\n' "$@"; }

echo "workload: $NAMESPACES netns x $LISTENERS listeners, $CHURNERS netns churn loops, $WRITERS uevent writers, ${DUR}s per tool; $(uname -r), $(nproc) CPUs"
echo
row "tool (lock)" "contentions" "total wait" "max wait" "mean" "uevents/s, netns/s"
row "---" "---" "---" "---" "---" "---"

for tool in $TOOLS; do
	case $tool in
	uevscope)
		start_workers "$DUR"
		"$BUILD/uevscope" locks -j -d "$DUR" >"$OUT/locks.json" 2>"$OUT/locks.err"
		stop_workers
		if command -v jq >/dev/null && [ -s "$OUT/locks.json" ]; then
			jq -r '. as $r | (.locks[] | select(.identified == "uevent_sock_mutex")) as $l |
				[("uevscope locks (uevent_sock_mutex)"), ($l.count|tostring),
				 (($l.total_ns/1e6*100|round/100|tostring) + " ms"),
				 (($l.max_ns/1e3*10|round/10|tostring) + " us"),
				 (($l.mean_ns/1e3*100|round/100|tostring) + " us"),
				 (($r.uevents_per_s|round|tostring) + ", +" + ($r.netns_created_per_s|tostring) +
				  " -" + ($r.netns_destroyed_per_s|tostring))] | @tsv' "$OUT/locks.json" |
				while IFS="$(printf '\t')" read -r a b c d e f; do row "$a" "$b" "$c" "$d" "$e" "$f"; done
			jq -r '.locks[] | select(.identified == "uevent_sock_mutex") | .paths[] |
				"    path: \(.count) contentions, \(.total_ns/1e6*100|round/100) ms: \(.frames[0:4] | map(sub("\\+0x.*";"")) | join(" <- "))"' \
				"$OUT/locks.json" >"$OUT/paths.txt"
		else
			row "uevscope locks" "see below" "" "" "" ""
			cat "$OUT/locks.json" "$OUT/locks.err"
		fi
		;;
	klockstat)
		if ! install_tool libbpf-tools klockstat; then
			row "klockstat" "not installed" "" "" "" ""
			continue
		fi
		start_workers "$DUR"
		timeout $((DUR + 20)) klockstat -d "$DUR" -n 3 -s 3 >"$OUT/klockstat.out" 2>&1
		rc=$?
		stop_workers
		if [ $rc != 0 ] || ! grep -q "Avg Wait" "$OUT/klockstat.out"; then
			row "klockstat" "fails here" "" "" "" "$(grep -m1 -iE 'fail|error|denied' "$OUT/klockstat.out" | cut -c1-60)"
		else
			row "klockstat" "see below" "" "" "" ""
			echo '```' >>"$OUT/tools.txt"
			head -40 "$OUT/klockstat.out" >>"$OUT/tools.txt"
			echo '```' >>"$OUT/tools.txt"
		fi
		;;
	perf)
		if ! install_tool linux-perf perf; then
			row "perf lock contention -b" "not installed" "" "" "" ""
			continue
		fi
		start_workers "$DUR"
		timeout $((DUR + 30)) perf lock contention -b -a -E 5 -- sleep "$DUR" >"$OUT/perf.out" 2>&1
		rc=$?
		stop_workers
		if [ $rc != 0 ] || ! grep -q "contended" "$OUT/perf.out"; then
			row "perf lock contention -b" "fails here" "" "" "" "$(grep -m1 -iE 'fail|error|denied|not' "$OUT/perf.out" | cut -c1-60)"
		else
			# the row perf attributes to the uevent paths (kobject_uevent_env caller)
			awk '/kobject_uevent_env|uevent_net/ && !done { print; done = 1 }' "$OUT/perf.out" >"$OUT/perf.row"
			row "perf lock contention -b" "see below" "" "" "" ""
			echo '```' >>"$OUT/tools.txt"
			head -12 "$OUT/perf.out" >>"$OUT/tools.txt"
			echo '```' >>"$OUT/tools.txt"
		fi
		;;
	esac
done
echo
[ -s "$OUT/paths.txt" ] && cat "$OUT/paths.txt"
[ -s "$OUT/tools.txt" ] && cat "$OUT/tools.txt"
for f in "$OUT"/gen*.out; do [ -f "$f" ] && sed 's/^/writer: /' "$f"; done | tail -n "$WRITERS"
exit 0
