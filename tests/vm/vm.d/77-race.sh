# SPDX-License-Identifier: GPL-2.0
# shellcheck disable=SC2153,SC2034 # WANT_FILTER: set by vm-tests.sh; CGROUPS: read by cleanup (lib.sh)
# The new-socket race and the attacks on the hold (issue 14, part 3), the
# checks of tests/integration/77-filter-new-socket.sh (race.inc), on the tier
# this boot expects ($WANT_FILTER): held at socket() on the socket-filter tier
# (the -nolsm boots), no window on the LSM tier, where the same race and
# attacks must leak nothing either. Sourced by vm-tests.sh (busybox sh), the
# checks run in a subshell with a T of their own, as a host suite does.
# Scaled down for TCG, where a window costs about 50 times what it costs on
# the host (200 windows took 90 s on a very loaded one): 100 windows (host
# 1,000), 5 runs of 10 per attack (host 20 of 20), 20 windows after them (host
# 100).
if ! command -v nsenter >/dev/null; then
	skip "race: all" "busybox without nsenter"
else
	(
		T=$(mktemp -d /tmp/uevscope-race.XXXXXX)
		PIDS=""
		CGROUPS=""
		trap '"$UEVSCOPE" filter flush >/dev/null 2>&1; cleanup' EXIT
		"$UEVSCOPE" filter flush >/dev/null 2>&1
		# The netns: a process that only holds it (busybox unshare -n execs in place).
		unshare -n sleep 3600 &
		PIDS="$PIDS $!"
		rc_holder=$!
		n=0
		while [ "$(ns_ino "$rc_holder" net)" = "$(ns_ino self net)" ] && [ $n -lt 100 ]; do
			n=$((n + 1))
			sleep 0.1
		done
		RACE_NS=$(ns_ino "$rc_holder" net)
		if ! timeout 300 "$UEVSCOPE" filter add --netns "$RACE_NS" 'SUBSYSTEM=="racedeny"' deny \
			>"$T/add.out" 2>&1; then
			fail "race: setup" "filter add: $(cat "$T/add.out")"
			exit 0
		fi
		case $WANT_FILTER in
		lsm/*) RACE_TIER=lsm ;;
		*) RACE_TIER=socket_filter ;;
		esac
		RACE_IN="nsenter -t $rc_holder -n"
		RACE_N=100
		RACE_RUNS=5
		RACE_RUN_N=10
		RACE_AFTER=20
		# shellcheck source=../../integration/race.inc
		. /uev/race.inc
	)
fi
