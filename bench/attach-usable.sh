#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Attach-to-usable time of `uevscope attach`: a crun container (container.inc:
# user, net, mount, pid namespaces; cgroup v1 devices), a mem char
# node (1:11) and a loop block device. Per round: the time `uevscope attach`
# takes for one device, until it returns (access, node and add event are all
# done by then), then an open() inside the container that must succeed, then
# a detach (timed too) after which the open must fail. Medians and the worst.
# It injects uevents into the container's netns only, but runs containers:
# run it under the test lock, flock /run/lock/uevscope-tests.lock bench/attach-usable.sh
# usage: [LOOP_DEV=0] bench/attach-usable.sh [BUILD_DIR] [ROUNDS]
set -u
BUILD=${1:-build}
ROUNDS=${2:-20}
SUITE=bench-attach
. "$(dirname "$0")/../tests/integration/lib.sh"
. "$(dirname "$0")/../tests/integration/container.inc"
[ "$(id -u)" = 0 ] || { echo "bench: needs root" >&2; exit 1; }
KMSG=/dev/uevbench-kmsg-$$
LOOP=
trap 'ctr_cleanup; rm -f "$KMSG"; [ -n "$LOOP" ] && losetup -d "$LOOP"; cleanup' EXIT
mknod "$KMSG" c 1 11
# LOOP_DEV=0: the mem node only (no losetup, so no host-wide uevent at all).
if [ "${LOOP_DEV:-1}" = 1 ]; then
	truncate -s 4M "$T/disk"
	LOOP=$(losetup -f --show "$T/disk")
fi
ctr_start b1 sleep 3600 || { echo "bench: crun run failed" >&2; exit 1; }
ms() { echo "$1 $2" | awk '{ printf "%.1f", ($2 - $1) / 1e6 }'; }
for dev in "$KMSG" $LOOP; do
	: >"$T/att"
	: >"$T/det"
	bad=0
	r=0
	while [ $r -lt "$ROUNDS" ]; do
		t0=$(date +%s%N)
		"$UEVSCOPE" attach --container "$CTR_PID" "$dev" 2>/dev/null || bad=$((bad + 1))
		t1=$(date +%s%N)
		ctr_exec b1 /h/devopen w:"$dev" | grep -q ' ok$' || bad=$((bad + 1))
		t2=$(date +%s%N)
		"$UEVSCOPE" detach --container "$CTR_PID" "$dev" 2>/dev/null || bad=$((bad + 1))
		t3=$(date +%s%N)
		ctr_exec b1 /h/devopen w:"$dev" | grep -q ' ok$' && bad=$((bad + 1))
		ms "$t0" "$t1" >>"$T/att"
		echo >>"$T/att"
		ms "$t2" "$t3" >>"$T/det"
		echo >>"$T/det"
		r=$((r + 1))
	done
	for f in att det; do
		sort -n "$T/$f" | awk -v dev="$dev" -v f="$f" -v bad="$bad" '
			{ v[NR] = $1 } END {
			printf "%s %s: rounds %d median %.1f ms p90 %.1f ms max %.1f ms failures %d\n",
			    dev, f == "att" ? "attach" : "detach", NR, v[int((NR + 1) / 2)],
			    v[int(NR * 0.9 + 0.5)], v[NR], bad }'
	done
done
"$UEVSCOPE" -v attach --container "$CTR_PID" "$KMSG" 2>&1 | grep ' ms'
"$UEVSCOPE" detach --container "$CTR_PID" "$KMSG" 2>/dev/null
