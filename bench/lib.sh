# SPDX-License-Identifier: GPL-2.0
# Sourced by the rate benchmarks: the listener and the generator, pinned the
# same way in every one (listener CPU 1, generator CPU 0), so their numbers
# compare. Needs H (test helpers), OUT (scratch folder) and SECS.
#
# Unpinned, the scheduler moved the two around and the baseline alone swung
# by 40% from run to run.

# listen_start: a listener with a 64 MiB buffer, so it does not overrun; pid in LPID.
listen_start() {
	rm -f "$OUT/listen.out" # a stale "ready" would not wait for this one
	taskset -c 1 "$H/uevlisten" -q -b 67108864 >"$OUT/listen.out" &
	LPID=$!
	while ! grep -q '^ready' "$OUT/listen.out" 2>/dev/null; do
		kill -0 $LPID 2>/dev/null || { echo "bench: the listener did not start" >&2; exit 1; }
		sleep 0.05
	done
}

# listen_stop: stops it and prints how many uevents it received.
listen_stop() {
	kill -TERM "$LPID"
	wait "$LPID"
	LPID=
	sed -n 's/^total=\([0-9]*\).*/\1/p' "$OUT/listen.out"
}

# gen_rate: writes /sys/class/mem/null/uevent for SECS seconds; prints uevents/s.
gen_rate() {
	taskset -c 0 "$H/uevgen" -d "$SECS" | sed -n 's/.*rate=\([0-9]*\).*/\1/p'
}

# netns_del_all PREFIX COUNT: deletes the named namespaces PREFIX0 .. PREFIX(COUNT-1), each
# bench's cleanup of what it made.
netns_del_all() {
	_i=0
	while [ "$_i" -lt "$2" ]; do
		ip netns del "$1$_i" 2>/dev/null
		_i=$((_i + 1))
	done
}

# lock_held: the tests lock is held by an ancestor (a flood outside it breaks the suites that count
# host-wide uevents). It cannot be taken here: a caller's flock holds it on another description.
lock_held() {
	p=$PPID
	while [ "${p:-0}" -gt 1 ]; do
		tr '\0' ' ' <"/proc/$p/cmdline" 2>/dev/null | grep -q 'flock .*uevscope-tests\.lock' && return
		p=$(awk '$1 == "PPid:" { print $2 }' "/proc/$p/status" 2>/dev/null)
	done
	return 1
}

# plot NAME VARS: bench/NAME.gp draws $CSV into $RES/NAME.png, where gnuplot is installed (make
# bench-deps); VARS are more gnuplot assignments ("secs=3; rounds=5").
plot() {
	if command -v gnuplot >/dev/null; then
		gnuplot -e "csv='$CSV'; png='$RES/$1.png'; $2" "$HERE/$1.gp" && echo "plot: $RES/$1.png"
	else
		echo "$1: no gnuplot (make bench-deps): CSV only" >&2
	fi
}
