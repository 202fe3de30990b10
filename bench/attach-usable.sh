#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Attach-to-usable and detach time of `uevscope attach`, in one invocation for
# both ways device access is controlled: a crun container on cgroup v1
# (devices.allow) and a runc container on cgroup v2 (runc's cgroup/dev program
# replaced by uevscope's), both from tests/integration/container.inc (user,
# net, mount, pid namespaces), and for both kinds of device: a mem char node
# (1:11, which neither runtime allows) and a loop block device made with
# loop-control. Per round: `uevscope attach` for one device, timed from the
# command's start until it returns (access, node and add event are all done by
# then), then an open() inside the container that must succeed, then a detach
# (timed too) after which the open must fail. Median, p90 and the worst, in ms.
# It makes a loop device (a host-wide uevent), runs containers and changes the
# device pins: run it under the test lock,
#   flock /run/lock/uevscope-tests.lock bench/attach-usable.sh
# usage: [MODES="v1 v2"] bench/attach-usable.sh [BUILD_DIR] [ROUNDS]
set -u
BUILD=${1:-build}
ROUNDS=${2:-20}
SUITE=bench-attach
. "$(dirname "$0")/../tests/integration/lib.sh"
. "$(dirname "$0")/../tests/integration/container.inc"
[ "$(id -u)" = 0 ] || { echo "bench: needs root" >&2; exit 1; }
[ -e /sys/fs/bpf/uevscope/devices ] && { echo "bench: a device policy is in force already" >&2; exit 1; }
KMSG=/dev/uevbench-kmsg-$$
L=3300
while [ -e "/sys/block/loop$L" ]; do L=$((L + 1)); done
trap 'ctr_cleanup; rm -f "$KMSG"; "$H/loopctl" remove "$L" >/dev/null 2>&1; cleanup' EXIT
mknod "$KMSG" c 1 11
"$H/loopctl" add "$L" >/dev/null || { echo "bench: loopctl add $L failed" >&2; exit 1; }
LOOP=/dev/loop$L
i=0
while [ ! -b "$LOOP" ] && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
echo "bench: $(nproc) CPUs, load $(cut -d' ' -f1-3 /proc/loadavg), kernel $(uname -r), $ROUNDS rounds"
# failed WHAT: counts a failed round and says why on stderr.
failed() {
	bad=$((bad + 1))
	echo "bench: $mode $dev round $r: $1" | tr '\n' ' ' >&2
	echo >&2
}
ms() { echo "$1 $2" | awk '{ printf "%.1f", ($2 - $1) / 1e6 }'; }
for mode in ${MODES:-v1 v2}; do
	CTR_CGROUP=$mode
	name=b$mode
	ctr_start "$name" sleep 3600 || { echo "bench: $(ctr_runtime) run failed" >&2; exit 1; }
	for dev in "$KMSG" "$LOOP"; do
		: >"$T/att"
		: >"$T/det"
		bad=0
		r=0
		while [ $r -lt "$ROUNDS" ]; do
			t0=$(date +%s%N)
			"$UEVSCOPE" attach --container "$CTR_PID" --runtime-root "$CTR_DIR/state" \
				"$dev" 2>"$T/e" || failed "attach: $(cat "$T/e")"
			t1=$(date +%s%N)
			ctr_exec "$name" /h/devopen w:"$dev" >"$T/o" 2>&1
			grep -q ' ok$' "$T/o" || failed "open after attach: $(cat "$T/o")"
			t2=$(date +%s%N)
			"$UEVSCOPE" detach --container "$CTR_PID" "$dev" 2>"$T/e" || failed "detach: $(cat "$T/e")"
			t3=$(date +%s%N)
			ctr_exec "$name" /h/devopen w:"$dev" >"$T/o" 2>&1
			grep -q ' ok$' "$T/o" && failed "open after detach: $(cat "$T/o")"
			ms "$t0" "$t1" >>"$T/att"
			echo >>"$T/att"
			ms "$t2" "$t3" >>"$T/det"
			echo >>"$T/det"
			r=$((r + 1))
		done
		for f in att det; do
			sort -n "$T/$f" | awk -v dev="$dev" -v f="$f" -v bad="$bad" \
				-v how="$mode $(ctr_runtime)" '
				{ v[NR] = $1 } END {
				printf "%s %s %s: rounds %d median %.1f ms p90 %.1f ms max %.1f ms failures %d\n",
				    how, dev, f == "att" ? "attach" : "detach", NR, v[int((NR + 1) / 2)],
				    v[int(NR * 0.9 + 0.5)], v[NR], bad }'
		done
	done
	"$UEVSCOPE" -v attach --container "$CTR_PID" --runtime-root "$CTR_DIR/state" "$LOOP" 2>&1 |
		grep ' ms' | sed "s/^/$mode $(ctr_runtime) /"
	"$UEVSCOPE" detach --container "$CTR_PID" "$LOOP" 2>/dev/null
	ctr_stop "$name"
done
echo "bench: load after $(cut -d' ' -f1-3 /proc/loadavg)"
