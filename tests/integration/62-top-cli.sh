# SPDX-License-Identifier: GPL-2.0
# shellcheck disable=SC2154 # NAME_pid, NAME_port...: set by eval in start_listener, start_exporter
# uevscope top in a pseudo-terminal (tmux): rows render, TAB switches to
# listeners, q quits with exit 0; without a terminal it prints report's
# output. A full aggregation map is counted and shown. Bad input: exit 2.
SUITE=top-cli
. "$(dirname "$0")/lib.sh"

expect 2 "the interval must be a positive number of seconds, not '0'" report 0
expect 2 "the count must be a positive number, not '0'" report 1 0
expect 2 "unexpected argument '3'" report 1 2 3
expect 2 "unknown tier 'fentry/bogus'" report --tier fentry/bogus
expect 2 "--max-entries wants a number" report --max-entries 0
expect 2 "unknown option '-x'" report -x
expect 2 "takes an interval only" top 1 5
expect 2 "unexpected argument 'extra'" listeners extra
expect 2 "unknown option '--bogus'" listeners --bogus
if [ "$(id -u)" = 0 ] && command -v setpriv >/dev/null; then
	for cmd in listeners report top; do
		setpriv --reuid=65534 --regid=65534 --clear-groups "$UEVSCOPE" $cmd >"$T/out" 2>"$T/err" </dev/null
		rc=$?
		[ $rc = 1 ] && grep -q "needs root" "$T/err" && pass "$cmd without root -> exit 1" ||
			fail "$cmd without root -> exit 1" "rc=$rc $(cat "$T/err")"
	done
fi

require_root
new_netns uevtop
start_listener l ip netns exec "$NS" -- -q || { fail "setup" "listener"; exit 0; }

if command -v tmux >/dev/null; then
	S=uevscope-top-$$
	tmux new-session -d -s "$S" -x 180 -y 40 "$UEVSCOPE top 0.3; echo rc=\$? >$T/top.rc"
	screen() {
		tmux capture-pane -p -t "$S" >"$T/screen" 2>/dev/null
	}
	# until_screen PATTERN: waits up to 10 s for PATTERN on the screen.
	until_screen() {
		n=0
		while screen && ! grep -q "$1" "$T/screen" && [ $n -lt 100 ]; do
			sleep 0.1
			n=$((n + 1))
		done
		grep -q "$1" "$T/screen"
	}
	until_screen "NETNS .*LISTENERS" && pass "top draws the namespace view" ||
		fail "top draws the namespace view" "$(cat "$T/screen" "$T/top.rc" 2>/dev/null | head -5)"
	fire_uevent "$(new_uuid 1)"
	fire_uevent "$(new_uuid 2)"
	fire_uevent "$(new_uuid 3)"
	# NETNS USERNS LISTENERS DELIV/s DELIVERED ... NAME
	until_screen "^$l_netns  *[0-9]*  *1  *[0-9.]*  *3 .* $NS" &&
		pass "top: a row for the netns with its listener, 3 deliveries and its name" ||
		fail "top: a row for the netns with its listener, 3 deliveries and its name" "$(cat "$T/screen")"
	tmux send-keys -t "$S" Tab
	until_screen "^$l_netns  *$l_portid .* $l_pid/uevlisten" &&
		pass "top: TAB switches to one row per listener" ||
		fail "top: TAB switches to one row per listener" "$(cat "$T/screen")"
	tmux send-keys -t "$S" s
	until_screen "sort: delivered" && pass "top: s changes the sort" || fail "top: s changes the sort" "$(head -1 "$T/screen")"
	tmux send-keys -t "$S" q
	n=0
	while [ ! -s "$T/top.rc" ] && [ $n -lt 50 ]; do
		sleep 0.1
		n=$((n + 1))
	done
	[ "$(cat "$T/top.rc" 2>/dev/null)" = "rc=0" ] && pass "top: q quits with exit 0" ||
		fail "top: q quits with exit 0" "$(cat "$T/top.rc" 2>/dev/null)"
	tmux kill-session -t "$S" 2>/dev/null
else
	skip "top in a terminal" "needs tmux"
fi

"$UEVSCOPE" top 0.3 >"$T/plain.out" 2>"$T/plain.err" </dev/null &
P=$!
PIDS="$PIDS $P"
wait_for "NETNS .*LISTENERS" "$T/plain.out" 100
kill -INT $P
wait $P
rc=$?
[ $rc = 0 ] && grep -q "^ *$l_netns .* $NS\$" "$T/plain.out" && pass "top without a terminal prints report's rows" ||
	fail "top without a terminal prints report's rows" "rc=$rc $(head -3 "$T/plain.out") $(cat "$T/plain.err")"

# One entry per map: every netns beyond the first is counted as overflow, not lost.
require_jq
start_listener host -- -q || fail "setup" "host listener"
"$UEVSCOPE" report -j --max-entries 1 0.3 >"$T/full.out" 2>"$T/full.err" &
P=$!
PIDS="$PIDS $P"
wait_for '"type":"report"' "$T/full.out" 100
fire_uevent "$(new_uuid 4)"
fire_uevent "$(new_uuid 5)"
sleep 0.8
kill -INT $P
wait $P
got=$(tail -1 "$T/full.out" | jq -r '[.counters.deliveries, ([.netns[].delivered] | add) + .counters.netns_map_full, .counters.netns_map_full > 0] | map(tostring) | join(" ")')
d=$(tail -1 "$T/full.out" | jq -r .counters.deliveries)
[ "$got" = "$d $d true" ] && [ "$d" -ge 4 ] && pass "full netns map: overflow counted, deliveries add up" ||
	fail "full netns map: overflow counted, deliveries add up" "got [$got]"
"$UEVSCOPE" report --max-entries 1 1 1 >"$T/full.txt" 2>"$T/full-txt.err" &
P=$!
PIDS="$PIDS $P"
wait_for "aggregating uevent deliveries" "$T/full-txt.err" 100
fire_uevent "$(new_uuid 6)"
fire_uevent "$(new_uuid 7)"
wait $P
grep -q "MAP FULL, detail lost: netns_map_full=[1-9]" "$T/full.txt" && pass "full map shown in the text output" ||
	fail "full map shown in the text output" "$(cat "$T/full-txt.err" "$T/full.txt")"
