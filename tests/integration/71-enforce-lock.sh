# SPDX-License-Identifier: GPL-2.0
# shellcheck disable=SC2154 # NAME_pid, NAME_port...: set by eval in start_listener, start_exporter
# --lock: the socket's owner cannot take the filter off (SO_LOCK_FILTER);
# a socket with a filter of its own is left untouched and reported unless
# --replace; flush says which locked sockets keep the program.
SUITE=enforce-lock
. "$(dirname "$0")/lib.sh"
require_root
require_jq
. "$(dirname "$0")/enforce.inc"

if [ "$("$UEVSCOPE" features | awk '$1 == "filter" && $2 == "enforce" { print $3 }')" != \
	"socket_filter/netlink_uevent" ]; then
	skip "all" "this kernel enforces with BPF LSM: no socket filters to lock or replace"
	exit 0
fi

new_netns uevlock
start_listener locked ip netns exec "$NS" -- --try-detach || fail "setup" "listener"
start_listener loose ip netns exec "$NS" -- --try-detach || fail "setup" "listener"
"$UEVSCOPE" filter add --no-watch --pid "$locked_pid" --lock deny >"$T/add1.out" 2>&1
"$UEVSCOPE" filter add --no-watch --pid "$loose_pid" deny >"$T/add2.out" 2>&1

kill -USR2 "$locked_pid" "$loose_pid"
wait_for "^detach=" "$T/locked.out" 30
wait_for "^detach=" "$T/loose.out" 30
got="$(sed -n 's/^detach=//p' "$T/locked.out") $(sed -n 's/^detach=//p' "$T/loose.out")"
[ "$got" = "EPERM ok" ] && pass "with --lock the owner's SO_DETACH_FILTER fails, without it works" ||
	fail "with --lock the owner's SO_DETACH_FILTER fails, without it works" "locked/loose: $got, want EPERM ok"
fire 2
# The detached socket is the positive control: both sockets get each uevent in
# one broadcast, so once it has both, the locked one's verdicts are made.
wait_count "devpath=$NULLDEV " "$T/loose.out" 2 50
got="$(count_lines "devpath=$NULLDEV " "$T/locked.out") $(count_lines "devpath=$NULLDEV " "$T/loose.out")"
[ "$got" = "0 2" ] && pass "the locked socket stays filtered, the detached one is not" ||
	fail "the locked socket stays filtered, the detached one is not" "locked/loose got $got, want 0 2"

# A listener with a classic filter of its own, like udevd's.
start_listener own ip netns exec "$NS" -- --own-filter || fail "setup" "listener with a filter"
"$UEVSCOPE" filter add --no-watch --pid "$own_pid" deny >"$T/add3.out" 2>&1
rc=$?
if [ $rc = 0 ] && grep -q "socket:\[$own_ino\] of pid $own_pid (uevlisten) has a filter of its own: left untouched" "$T/add3.out" &&
	grep -q "1 left alone" "$T/add3.out"; then
	pass "a socket with its own filter is reported and left alone"
else
	fail "a socket with its own filter is reported and left alone" "exit $rc: $(cat "$T/add3.out")"
fi
fire 3
wait_count "devpath=$NULLDEV " "$T/own.out" 3 50
[ "$(count_lines "devpath=$NULLDEV " "$T/own.out")" = 3 ] && pass "its own filter still decides" ||
	fail "its own filter still decides" "got $(count_lines "devpath=$NULLDEV " "$T/own.out") of 3"
state=$("$UEVSCOPE" filter status -j | jq -r ".sockets[] | select(.pid == $own_pid) | .state")
[ "$state" = "refused: own filter" ] && pass "status lists it as refused" ||
	fail "status lists it as refused" "state [$state]"

# --replace: the next rule for it may replace the socket's filter.
"$UEVSCOPE" filter flush >/dev/null
start_listener own2 ip netns exec "$NS" -- --own-filter || fail "setup" "listener with a filter"
"$UEVSCOPE" filter add --no-watch --pid "$own2_pid" --replace deny >"$T/add4.out" 2>&1
# Positive control: the loose listener (no rule since the flush) in the same netns.
base=$(count_lines "devpath=$NULLDEV " "$T/loose.out")
fire 2
ctl=0
wait_count "devpath=$NULLDEV " "$T/loose.out" $((base + 2)) 50 && ctl=1
state=$("$UEVSCOPE" filter status -j | jq -r ".sockets[] | select(.pid == $own2_pid) | .state")
if [ $ctl = 1 ] && grep -q "1 own filter(s) replaced" "$T/add4.out" && [ "$state" = "filtered, replaced" ] &&
	[ "$(count_lines "devpath=$NULLDEV " "$T/own2.out")" = 0 ]; then
	pass "--replace replaces it and says so"
else
	fail "--replace replaces it and says so" "state [$state], $(count_lines "devpath=$NULLDEV " "$T/own2.out") delivered, control arrived: $ctl: $(cat "$T/add4.out")"
fi

# flush cannot unlock: it says which socket keeps the (rule-less) program.
start_listener locked2 ip netns exec "$NS" -- || fail "setup" "listener"
"$UEVSCOPE" filter add --no-watch --pid "$locked2_pid" --lock deny >/dev/null 2>&1
"$UEVSCOPE" filter flush >"$T/flush.out" 2>&1
grep -q "1 locked socket(s) keep the (now rule-less) program until they close" "$T/flush.out" &&
	[ ! -e /sys/fs/bpf/uevscope/filter ] && pass "flush reports locked sockets and removes every pin" ||
	fail "flush reports locked sockets and removes every pin" "$(cat "$T/flush.out")"
fire 1
wait_for "devpath=$NULLDEV " "$T/locked2.out" 30 && pass "a locked socket gets every uevent after flush" ||
	fail "a locked socket gets every uevent after flush" "nothing arrived"
kill "$locked2_pid" "$locked_pid" 2>/dev/null
wait "$locked2_pid" "$locked_pid" 2>/dev/null
sleep 0.2
[ "$(bpftool prog show 2>/dev/null | grep -c uev_sock_filter)" = 0 ] &&
	pass "the program goes when the locked sockets close" ||
	fail "the program goes when the locked sockets close" "$(bpftool prog show | grep uev_sock_filter)"
