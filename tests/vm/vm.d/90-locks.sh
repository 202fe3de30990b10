# SPDX-License-Identifier: GPL-2.0
# shellcheck disable=SC2154 # NAME_pid, NAME_port...: set by eval in start_listener, start_exporter
# uevscope locks on Debian's kernels (sourced by vm-tests.sh, busybox sh, no
# jq): the contention tier attaches, and where fentry or kprobes exist the
# uevent broadcast itself is timed: one netlink_broadcast() per listening
# netns per untagged uevent, so two listening namespaces and 10 uevents make
# exactly 20 timed calls (nothing else listens in the VM). The 10 uevents
# are counted exactly; in a second run, so are 2 netns created.
start_listener lk_host -- || fail "setup" "locks: host listener"
start_listener lk_ns unshare -n -- || fail "setup" "locks: netns listener"
"$UEVSCOPE" locks -d 8 >"$T/lk.out" 2>"$T/lk.err" &
lk_pid=$!
PIDS="$PIDS $lk_pid"
wait_for "timing lock contention via\|cannot time" "$T/lk.err" 600
sleep 0.5
"$H/uevgen" -n 10 >/dev/null
wait $lk_pid
lk_rc=$?
echo "--- uevscope locks -d 8 (exit $lk_rc)"
cat "$T/lk.err" "$T/lk.out"
echo "---"
lk_tier=$(sed -n 's/^uevscope: locks: timing lock contention via \([^+]*\)+.*/\1/p' "$T/lk.err")
info "locks_tier=${lk_tier:-none}"
if [ $lk_rc = 0 ] && [ -n "$lk_tier" ]; then
	pass "locks: contention tier attaches ($lk_tier)"
else
	fail "locks: contention tier attaches" "exit $lk_rc: $(cat "$T/lk.err")"
	echo "--- uevscope -v locks -d 1: the verifier's reasons"
	timeout 120 "$UEVSCOPE" -v locks -d 1 2>&1 | grep -v '^[0-9]*: (' | tail -40
	echo "---"
fi
grep -q "^[0-9:]* total [0-9.]*s  uevents 10 " "$T/lk.out" &&
	pass "locks: exactly the 10 uevents counted" ||
	fail "locks: exactly the 10 uevents counted" "$(head -1 "$T/lk.out")"
bc_tier=$(sed -n 's/^uevscope: locks: timing each uevent broadcast via \(.*\)$/\1/p' "$T/lk.err")
case "$(works fexit/netlink_broadcast)$(works kprobe/netlink_broadcast)" in
*yes*)
	calls=$(sed -n 's/^broadcast ([^)]*): \([0-9]*\) calls.*/\1/p' "$T/lk.out")
	[ -n "$bc_tier" ] && [ "$calls" = 20 ] &&
		pass "locks: broadcast timed via $bc_tier, one call per listening netns per uevent (20)" ||
		fail "locks: broadcast timed, one call per listening netns per uevent (20)" \
			"tier '$bc_tier', calls '$calls'"
	;;
*)
	grep -q "broadcast timing unavailable on this kernel" "$T/lk.err" &&
		pass "locks: says broadcast timing is unavailable" ||
		fail "locks: says broadcast timing is unavailable" "$(cat "$T/lk.err")"
	;;
esac
# The broadcast fallback forced (--tier), where this kernel has kprobes:
# the same 20 calls for 10 uevents into the two listening namespaces.
if [ "$(works kprobe/netlink_broadcast)" = yes ]; then
	"$UEVSCOPE" locks --no-churn --tier kprobe/netlink_broadcast -d 8 >"$T/lkk.out" 2>"$T/lkk.err" &
	lk_pid=$!
	PIDS="$PIDS $lk_pid"
	wait_for "timing lock contention via\|cannot time" "$T/lkk.err" 600
	sleep 0.5
	"$H/uevgen" -n 10 >/dev/null
	wait $lk_pid
	calls=$(sed -n 's/^broadcast ([^)]*): \([0-9]*\) calls.*/\1/p' "$T/lkk.out")
	grep -q "^uevscope: locks: timing each uevent broadcast via kprobe/netlink_broadcast" "$T/lkk.err" &&
		[ "$calls" = 20 ] &&
		pass "locks: forced kprobe/netlink_broadcast times the same 20 calls" ||
		fail "locks: forced kprobe/netlink_broadcast times the same 20 calls" "calls '$calls': $(cat "$T/lkk.err")"
else
	skip "locks: forced kprobe/netlink_broadcast times the same 20 calls" "$(why_not kprobe/netlink_broadcast)"
fi
# Netns churn, in a run of its own (a new netns makes uevents of its own:
# its loopback device): two made with unshare -n, two struct net allocated.
"$UEVSCOPE" locks -d 6 >"$T/lk2.out" 2>"$T/lk2.err" &
lk_pid=$!
PIDS="$PIDS $lk_pid"
wait_for "timing lock contention via\|cannot time" "$T/lk2.err" 600
sleep 0.5
unshare -n true
unshare -n true
wait $lk_pid
grep -q "^[0-9:]* total .*  netns created 2 " "$T/lk2.out" &&
	pass "locks: exactly the 2 netns created counted" ||
	fail "locks: exactly the 2 netns created counted" "$(grep churn "$T/lk2.err") $(head -1 "$T/lk2.out")"
kill "$lk_host_pid" "$lk_ns_pid" 2>/dev/null
wait "$lk_host_pid" "$lk_ns_pid" 2>/dev/null
