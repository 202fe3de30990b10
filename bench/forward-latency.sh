#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Forwarding latency (host delivery to container delivery, p50/p99) and flood
# throughput of `uevscope forward`, side by side in one run with a plain
# listen-and-inject loop (tests/helpers/fwdloop.c, what LXD's forkuevent does).
# The target is a network namespace owned by a user namespace of its own
# (unshare -Urn), which the kernel sends no uevents: every uevent its listener
# gets was forwarded. fwdlat (tests/helpers/fwdlat.c) fires the uevents and
# listens on the host and in the target.
# usage: bench/forward-latency.sh [BUILD_DIR] [PACED_COUNT] [FLOOD_COUNT] [ROUNDS]
# Run it under the test lock: flock /run/lock/uevscope-tests.lock bench/forward-latency.sh
set -u
BUILD=${1:-build}
PACED=${2:-2000}
FLOOD=${3:-20000}
ROUNDS=${4:-2}
H=$BUILD/tests
OUT=$(mktemp -d /tmp/uevscope-fwdbench.XXXXXX)
[ "$(id -u)" = 0 ] || { echo "bench: needs root" >&2; exit 1; }

unshare -Urn sleep 100000 &
NSPID=$!
FPID=
cleanup() {
	[ -n "$FPID" ] && kill "$FPID" 2>/dev/null && wait "$FPID" 2>/dev/null
	kill "$NSPID" 2>/dev/null
	wait 2>/dev/null
	rm -rf "$OUT"
}
trap cleanup EXIT
trap 'exit 143' HUP INT TERM
n=0
while [ "$(readlink "/proc/$NSPID/ns/net")" = "$(readlink /proc/self/ns/net)" ]; do
	n=$((n + 1))
	[ $n -gt 50 ] && { echo "bench: unshare did not start" >&2; exit 1; }
	sleep 0.1
done
NS=/proc/$NSPID/ns/net

# start WHICH: the forwarder under test in the background, once it serves.
start() {
	rm -f "$OUT/fwd.out"
	case $1 in
	uevscope) "$BUILD/uevscope" forward --to "$NSPID" -m 'SUBSYSTEM=="mem"' >"$OUT/fwd.out" 2>&1 & ;;
	fwdloop) "$H/fwdloop" "$NS" >"$OUT/fwd.out" 2>&1 & ;;
	esac
	FPID=$!
	n=0
	while ! grep -q '^ready\|^forwarding .* format' "$OUT/fwd.out" 2>/dev/null; do
		n=$((n + 1))
		[ $n -gt 100 ] && { cat "$OUT/fwd.out" >&2; exit 1; }
		sleep 0.1
	done
}

stop() {
	kill "$FPID"
	wait "$FPID"
	FPID=
}

field() {
	sed -n "s/.* $1=\([^ ]*\).*/\1/p"
}

printf '%-6s %-9s %8s %9s %9s %9s %8s %8s %10s\n' round forwarder paced p50_us p99_us max_us flood lost rate/s
for r in $(seq "$ROUNDS"); do
	for w in fwdloop uevscope; do
		start $w
		p=$("$H/fwdlat" -n "$PACED" "$NS")
		f=$("$H/fwdlat" -f -n "$FLOOD" -w 2000 "$NS")
		stop
		printf '%-6s %-9s %8s %9s %9s %9s %8s %8s %10s\n' "$r" "$w" \
			"$(echo "$p" | field received)" "$(echo "$p" | field p50_us)" \
			"$(echo "$p" | field p99_us)" "$(echo "$p" | field max_us)" \
			"$(echo "$f" | field received)" "$(echo "$f" | field lost)" \
			"$(echo "$f" | field rate)"
	done
done
