# SPDX-License-Identifier: GPL-2.0
# shellcheck disable=SC2154,SC2034,SC2153 # l_netns: set by eval in start_listener; CRASH_*: read by crash.inc; WANT_FILTER: set by vm-tests.sh
# Crash consistency of filter, policy and devices on this kernel and filter
# tier: the checks of tests/integration/78-crash-consistency.sh (crash.inc),
# judged by a real listener and real open()s. Sourced by vm-tests.sh (busybox
# sh); the checks run in a subshell with a T, cgroups and traps of their own
# (enforce.inc and devices.inc, as a host suite has them).
# Under TCG a fault point costs 5-10 s (a dozen uevscope runs), so the VMs run
# the cases that between them pass every fault point: policy apply (start,
# devices-write, filter-write, filter-attach, commit, cleanup) and filter flush
# (unpin, the tier's program detached) in every boot, and devices deny on a
# cgroup with no rule yet (devices-attach, which no filter tier changes) in
# the shorter -nolsm boots; then policy apply failing at each step, and the
# two add/flush races, 2 rounds each (host: all nine cases, 20 rounds). Each
# case starts from a policy applied over the last (CRASH_FRESH=0), not from a
# fresh load of the filter program.
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
	CRASH_CASES="policy apply|filter flush"
	case $WANT_FILTER in
	socket_filter/*) CRASH_CASES="$CRASH_CASES|devices deny (first rule of a cgroup)" ;;
	esac
	# shellcheck source=../../integration/crash.inc
	. /uev/crash.inc
)
