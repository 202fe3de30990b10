# SPDX-License-Identifier: GPL-2.0
# shellcheck disable=SC2154,SC2034,SC2153 # l_netns: set by eval in start_listener; CRASH_*: read by crash.inc; WANT_FILTER: set by vm-tests.sh
# Crash consistency of filter, policy and devices on this kernel and filter
# tier: the checks of tests/integration/78-crash-consistency.sh (crash.inc),
# judged by a real listener and real open()s. Sourced by vm-tests.sh (busybox
# sh); the checks run in a subshell with a T, cgroups and traps of their own
# (enforce.inc and devices.inc, as a host suite has them).
# Under TCG a fault point costs 5-10 s on a loaded host (a dozen uevscope
# runs), 20 s on a very loaded one, so the VMs run fewer cases: filter flush
# (start, devices-write, filter-write, commit, cleanup, unpin: the tier's
# program detached) in every boot, and in the -nolsm boots, which run fewer
# parts, also policy apply (filter-attach, where socket filters are attached).
# devices-attach, a step of the device rules that no filter tier changes, is
# killed on the host only. Then policy apply failing at each step
# (filter-attach included), and the two add/flush races, 2 rounds each (host:
# all nine cases, 20 rounds). Each case starts from a policy applied over the
# last (CRASH_FRESH=0), not from a fresh load of the filter program.
(
	T=$(mktemp -d /tmp/uevscope-crash.XXXXXX)
	PIDS=""
	CGROUPS=""
	# shellcheck source=../../integration/enforce.inc
	. /uev/enforce.inc
	# shellcheck source=../../integration/devices.inc
	. /uev/devices.inc
	trap '"$UEVSCOPE" filter flush >/dev/null 2>&1; "$UEVSCOPE" devices flush >/dev/null 2>&1; cleanup' EXIT
	start_listener l unshare -n -- || {
		fail "crash: setup" "listener: $(cat "$T/l.out")"
		exit 0
	}
	CRASH_NS=$l_netns
	CRASH_ROUNDS=2
	CRASH_FRESH=0
	CRASH_VERBOSE=1
	CRASH_CASES="filter flush"
	case $WANT_FILTER in
	socket_filter/*) CRASH_CASES="policy apply|$CRASH_CASES" ;;
	esac
	# shellcheck source=../../integration/crash.inc
	. /uev/crash.inc
)
