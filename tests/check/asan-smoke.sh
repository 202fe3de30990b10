#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# shellcheck disable=SC2154 # NAME_pid, NAME_port...: set by eval in start_listener, start_exporter
# The sanitizer build's smoke run: trace, report, listeners, filter, devices, locks and export
# of ASAN_BUILD/uevscope (make asan: ASan + UBSan), each attached for a second or two while
# real uevents flow to a real listener. Any sanitizer report, or an exit other than 0, is a
# failure; each command must also have seen the uevents (a positive control), so a smoke run
# that traced nothing cannot pass. One "PASS check: asan-smoke-NAME" line per command.
# Root; fires host-wide uevents: run it under the tests' lock (make check does).
# usage: tests/check/asan-smoke.sh ASAN_BUILD BUILD
SUITE=check
ASAN_BUILD=$1
BUILD=$2
. "$(dirname "$0")/../integration/lib.sh"
UEVSCOPE=$ASAN_BUILD/uevscope
ASAN_OPTIONS=detect_leaks=1:abort_on_error=1
UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1
export ASAN_OPTIONS UBSAN_OPTIONS

if [ "$(id -u)" != 0 ]; then
	fail "asan-smoke" "needs root (loads BPF programs); run 'sudo make check'"
	exit 1
fi
for f in "$UEVSCOPE" "$H/uevlisten"; do
	[ -x "$f" ] || { fail "asan-smoke" "$f not built (make asan; make)"; exit 1; }
done
for d in filter devices; do
	if [ -e "/sys/fs/bpf/uevscope/$d" ]; then
		fail "asan-smoke" "a $d policy is in force already; 'uevscope $d flush' removes it"
		exit 1
	fi
done
trap '"$UEVSCOPE" filter flush >/dev/null 2>&1; "$UEVSCOPE" devices flush >/dev/null 2>&1; cleanup' EXIT
bad=0

# san NAME ARGS...: uevscope ARGS under the sanitizers; false, with a FAIL line, on any report
# or a non-zero exit. Output in $T/NAME.out and $T/NAME.err.
san() {
	name=$1
	shift
	timeout 60 "$UEVSCOPE" "$@" >"$T/$name.out" 2>"$T/$name.err" </dev/null
	san_check "$name" $?
}

# san_check NAME RC: the verdict on $T/NAME.err and an exit status.
san_check() {
	report=$(grep -m1 -E 'ERROR: (Address|Leak)Sanitizer|runtime error:|SUMMARY: (Address|Leak|Undefined)' "$T/$1.err")
	if [ -n "$report" ]; then
		fail "asan-smoke-$1" "$report (see below)"
		sed 's/^/    /' "$T/$1.err" | head -40
	elif [ "$2" != 0 ]; then
		fail "asan-smoke-$1" "exit $2: $(tail -1 "$T/$1.err")"
	else
		return 0
	fi
	bad=1
	return 1
}

# verdict NAME CONDITION-TEXT: PASS, or FAIL saying what the positive control missed.
verdict() {
	if [ "$2" = ok ]; then
		pass "asan-smoke-$1"
	else
		fail "asan-smoke-$1" "$2"
		bad=1
	fi
}

# Real uevents all along: a synthetic one every 50 ms with our own SYNTH_UUID, to a real listener.
UUID=$(cat /proc/sys/kernel/random/uuid)
start_listener smoke -- -q || { fail "asan-smoke" "uevlisten did not start"; exit 1; }
(while :; do echo "change $UUID SMOKE=1" >/sys/class/mem/null/uevent; sleep 0.05; done) &
PIDS="$PIDS $!"

if san trace trace -p -j -d 2; then
	grep -q "$UUID" "$T/trace.out" && verdict trace ok ||
		verdict trace "no delivery of our uevents in 2 s of trace -p -j"
fi

if san report report -j 1 2; then
	grep -q '"mem"' "$T/report.out" && verdict report ok ||
		verdict report "SUBSYSTEM mem not counted in two reports"
fi

if san listeners listeners -j; then
	grep -q "\"portid\": *${smoke_portid}[,}]" "$T/listeners.out" && verdict listeners ok ||
		verdict listeners "our listener (portid $smoke_portid) not listed"
fi

new_netns uevscope-asan-
if san filter-add filter add --netns "$NS" --no-watch 'SUBSYSTEM=="mem"' deny &&
	san filter-list filter list -j && san filter-status filter status -j 1 2 &&
	san filter-flush filter flush; then
	grep -q 'SUBSYSTEM' "$T/filter-list.out" && verdict filter ok ||
		verdict filter "the rule added is not in filter list -j"
fi

ROOT=$(cgroup2_root)
if [ -z "$ROOT" ]; then
	fail "asan-smoke-devices" "no cgroup v2 hierarchy mounted"
	bad=1
else
	new_cgroup "$ROOT" "uevscope-asan-$$"
	if san devices-deny devices deny --cgroup "$CG" c 1:7 w &&
		san devices-list devices list -j 1 2 && san devices-flush devices flush; then
		grep -q '1:7\|"minor": *7' "$T/devices-list.out" && verdict devices ok ||
			verdict devices "the rule added is not in devices list -j"
	fi
fi

if san locks locks -d 2 -j; then
	grep -q '"uevents": *[1-9]' "$T/locks.out" && verdict locks ok ||
		verdict locks "no uevent counted in 2 s: $(head -c 200 "$T/locks.out")"
fi

"$UEVSCOPE" export --listen 127.0.0.1:0 -i 1 -c 3 >"$T/export.out" 2>"$T/export.err" </dev/null &
exp_pid=$!
PIDS="$PIDS $exp_pid"
got=""
if wait_for "serving http://" "$T/export.err" 300; then
	port=$(sed -n 's|.*serving http://127.0.0.1:\([0-9]*\)/metrics.*|\1|p' "$T/export.err")
	sleep 1.2
	got=$(curl -sf --compressed --max-time 20 "http://127.0.0.1:$port/metrics" |
		grep -c '^uevscope_deliveries_total{.*subsystem="mem"')
fi
wait $exp_pid
if san_check export $?; then
	[ "${got:-0}" -gt 0 ] && verdict export ok ||
		verdict export "no uevscope_deliveries_total of SUBSYSTEM mem scraped (gzip)"
fi
exit $bad
