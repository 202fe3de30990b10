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
#   SECONDS_=5     duration of the measured window (SECONDS is taken by the shell)
#   TOOLS="uevscope klockstat perf"  which tools watch the window (side by side)
#   INSTALL=1      apt-get install libbpf-tools and linux-perf when missing
#   STORM_ONLY=1   just the workload, for DURATION seconds, no measurement
#                  (the integration tests drive it this way)
#   LISTEN_OPTS=   more uevlisten options for the standing listeners ("-I 10":
#                  listeners that drain every 10 ms and are never woken)
#   PIN=split      writers on CPU 0, standing listeners on the other CPUs
#   PACED=1        writers that sleep 2 ms after each uevent: the listeners
#                  keep up and sleep, so every delivery wakes one
#   DARK=0         uevent listeners in network namespaces owned by a user
#                  namespace of their own (unshare -Urn): bound to the uevent
#                  group, so on the kernel's one list of bound uevent sockets
#                  that every netlink_broadcast() scans, but sent no kernel
#                  uevent (such a netns is not on uevent_sock_list)
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

LPIN=""
WPIN=""
if [ "${PIN:-}" = split ]; then
	LPIN="taskset -c 1-$(($(nproc) - 1))"
	WPIN="taskset -c 0"
fi
. "$(dirname "$0")/lib.sh" # netns_del_all
OUT=$(mktemp -d /tmp/uevscope-storm.XXXXXX)
NSPFX=uevstorm$$_
STANDING=""
WORKERS=""

stop_workers() {
	for p in $WORKERS; do kill "$p" 2>/dev/null; done
	for p in $WORKERS; do wait "$p" 2>/dev/null; done
	WORKERS=""
}

# shellcheck disable=SC2317 # run by the EXIT trap
cleanup() {
	stop_workers
	for p in $STANDING; do kill "$p" 2>/dev/null; done
	wait 2>/dev/null
	netns_del_all "$NSPFX" "$NAMESPACES"
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
		# shellcheck disable=SC2086 # LPIN and LISTEN_OPTS are word lists
		ip netns exec "$NSPFX$i" $LPIN "$H/uevlisten" -q -b 4194304 ${LISTEN_OPTS:-} \
			>/dev/null 2>&1 &
		STANDING="$STANDING $!"
		l=$((l + 1))
	done
	i=$((i + 1))
done

d=0
while [ $d -lt "${DARK:-0}" ]; do
	unshare -Urn "$H/uevlisten" -q >/dev/null 2>&1 &
	STANDING="$STANDING $!"
	d=$((d + 1))
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
		if [ -n "${PACED:-}" ]; then
			(while [ "$(date +%s)" -lt $end ]; do
				echo change >/sys/class/mem/null/uevent
				sleep 0.002
			done) &
		else
			$WPIN "$H/uevgen" -d "$1" >"$OUT/gen$w.out" 2>&1 &
		fi
		WORKERS="$WORKERS $!"
		w=$((w + 1))
	done
}

if [ -n "${STORM_ONLY:-}" ]; then
	start_workers "${DURATION:-$DUR}"
	# Tests wait for this line before they measure, so that their whole
	# window lies inside the storm whatever the machine's speed.
	echo "storm: running"
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

row() { printf '| %-44s | %11s | %11s | %11s | %10s | %s |\n' "$@"; }

# All tools watch the same window of the same workload, side by side: their
# totals can be compared, and each one's overhead weighs on all of them.
has() { case " $TOOLS " in *" $1 "*) return 0 ;; esac; return 1; }
has klockstat && ! install_tool libbpf-tools klockstat && KLOCK_MISSING=1
has perf && ! install_tool linux-perf perf && PERF_MISSING=1
start_workers "$DUR"
TOOL_PIDS=""
if has uevscope; then
	"$BUILD/uevscope" locks -j -d "$DUR" >"$OUT/locks.json" 2>"$OUT/locks.err" &
	TOOL_PIDS="$TOOL_PIDS $!"
fi
if has klockstat && [ -z "${KLOCK_MISSING:-}" ]; then
	timeout $((DUR + 20)) klockstat -d "$DUR" -n 5 -s 3 >"$OUT/klockstat.out" 2>&1 &
	TOOL_PIDS="$TOOL_PIDS $!"
fi
PERF_MODE=""
if has perf && [ -z "${PERF_MISSING:-}" ]; then
	# -b (BPF) first; Debian's perf is often built without it (BUILD_BPF_SKEL):
	# then record the lock tracepoints and report afterwards.
	if perf lock contention -h 2>&1 | grep -q "not built-in because no BUILD_BPF_SKEL"; then
		PERF_MODE="record"
		timeout $((DUR + 30)) perf lock record -o "$OUT/perf.data" -a -- sleep "$DUR" \
			>/dev/null 2>"$OUT/perf.rec" &
	else
		PERF_MODE="-b"
		timeout $((DUR + 30)) perf lock contention -b -a -E 8 -- sleep "$DUR" \
			>"$OUT/perf.out" 2>&1 &
	fi
	TOOL_PIDS="$TOOL_PIDS $!"
fi
for p in $TOOL_PIDS; do wait "$p"; done
stop_workers
[ "$PERF_MODE" = record ] && timeout 600 perf lock contention -i "$OUT/perf.data" -E 8 \
	>"$OUT/perf.out" 2>&1

echo "workload: $NAMESPACES netns x $LISTENERS listeners, $CHURNERS netns churn loops, $WRITERS uevent writers, ${DUR}s, tools side by side; $(uname -r), $(nproc) CPUs"
echo
row "tool (lock, or call path by caller)" "contentions" "total wait" "max wait" "mean wait" "uevents/s, netns/s"
row "---" "---:" "---:" "---:" "---:" "---"
if has uevscope; then
	if command -v jq >/dev/null && [ -s "$OUT/locks.json" ]; then
		# The lock, then each call path into it, named by its caller like perf's rows.
		jq -r 'def t: if . >= 1e6 then (. / 1e4 | round / 100 | tostring) + " ms"
				else (. / 10 | round / 100 | tostring) + " us" end;
			def r(n; s; rate): [n, (s.count | tostring), (s.total_ns | t), (s.max_ns | t),
				(s.mean_ns | t), rate] | @tsv;
			. as $r | .locks[] | select(.identified == "uevent_sock_mutex") |
			r("uevscope locks: uevent_sock_mutex"; .;
			  "\($r.uevents_per_s | round), +\($r.netns_created_per_s) -\($r.netns_destroyed_per_s)"),
			(.paths[] | r("  uevscope: \(.frames[1] // "?" | sub("\\+0x.*"; ""))"; .; ""))' \
			"$OUT/locks.json" |
			while IFS="$(printf '\t')" read -r a b c d e f; do row "$a" "$b" "$c" "$d" "$e" "$f"; done
		grep -q '"identified":"uevent_sock_mutex"' "$OUT/locks.json" ||
			row "uevscope locks" "no contention on uevent_sock_mutex" "" "" "" ""
	else
		row "uevscope locks" "failed" "" "" "" "$(head -1 "$OUT/locks.err")"
	fi
fi
if has klockstat; then
	if [ -n "${KLOCK_MISSING:-}" ]; then
		row "klockstat" "not installed" "" "" "" ""
	elif ! grep -q "Avg Wait" "$OUT/klockstat.out"; then
		row "klockstat" "fails here" "" "" "" "$(grep -m1 -iE 'fail|error|denied' "$OUT/klockstat.out" | sed 's/^libbpf: //' | cut -c1-70)"
	else
		grep -E -A3 "kobject_uevent_env|uevent_net_init|uevent_net_exit" "$OUT/klockstat.out" | head -20 >"$OUT/klock.rows"
		row "klockstat" "below" "" "" "" ""
	fi
fi
if has perf; then
	if [ -n "${PERF_MISSING:-}" ]; then
		row "perf lock contention" "not installed" "" "" "" ""
	elif ! grep -q "contended" "$OUT/perf.out" 2>/dev/null; then
		row "perf lock contention ($PERF_MODE)" "fails here" "" "" "" "$(cat "$OUT/perf.out" "$OUT/perf.rec" 2>/dev/null | grep -m1 -iE 'fail|error|denied|not' | cut -c1-60)"
	else
		# perf names no lock here: its rows whose caller is on the uevent
		# paths. It skips frames to find a caller (--stack-skip), so
		# kobject_uevent_env shows as kobject_synth_uevent or uevent_store,
		# uevent_net_init as ops_init, uevent_net_exit as ops_undo_list or
		# cleanup_net; other locks taken there (setup_net, cleanup_net) land
		# in rows of their own that look the same.
		awk '$9 ~ /^(uevent_store|kobject_synth_uevent|kobject_uevent[a-z_]*|uevent_net[a-z_]*|setup_net|cleanup_net|ops_init|ops_undo_list)\+/ {
			printf "| %-44s | %11s | %11s | %11s | %10s | |\n", "  perf (" m "): " $8 " " $9, $1, $2 " " $3, $4 " " $5, $6 " " $7 }' \
			m="$PERF_MODE" "$OUT/perf.out"
	fi
fi
echo
[ -s "$OUT/klock.rows" ] && { echo '```'; cat "$OUT/klock.rows"; echo '```'; }
if [ -s "$OUT/perf.out" ] && grep -q contended "$OUT/perf.out"; then
	echo "perf lock contention ($PERF_MODE), first rows:"
	echo '```'
	grep -v '^$' "$OUT/perf.out" | head -9
	echo '```'
fi
for f in "$OUT"/gen*.out; do [ -f "$f" ] && sed 's/^/writer: /' "$f"; done
exit 0
