# SPDX-License-Identifier: GPL-2.0
# shellcheck disable=SC2154 # NAME_pid, NAME_port...: set by eval in start_listener, start_exporter
# uevscope export on a host whose listeners and namespaces come and go:
# sockets that closed leave the socket map (12 short-lived listeners and an
# anchor through a map of 8, nothing lost); a namespace with no listener for --retire
# seconds leaves every map and its series go, its counts kept in the
# uevscope_retired_* totals; when it gets a listener again it starts over.
SUITE=export-churn
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/export.inc"
require_root
require_tools curl promtool

new_netns uevcha
NSA=$NS
start_exporter x --max-entries 8 --retire 1 --interval 0.3 ||
	{ fail "setup" "export did not serve: $(cat "$T/x.err")"; exit 0; }

# One short-lived listener at a time, each for one uevent: 12 sockets through an
# 8-entry map. An anchor listener stays throughout, so the netns is never idle
# for --retire, however slow a loaded machine makes the listeners' starts
# (without it the netns was once retired mid-way, its count split); the
# anchor's own lines are the truth of its deliveries.
N=12
start_listener anchor ip netns exec "$NSA" -- || fail "setup" "anchor listener"
i=0
while [ $i -lt $N ]; do
	start_listener "l$i" ip netns exec "$NSA" -- -n 1 || fail "setup" "listener $i"
	fire_uevent "$(new_uuid $i)"
	wait_for '^total=1' "$T/l$i.out" 50 || fail "setup" "listener $i got nothing"
	sleep 0.7 # two readouts: its entry is gone before the next socket comes
	i=$((i + 1))
done
wait_count '^uevent ' "$T/anchor.out" $N 100 || fail "setup" "the anchor did not get the $N uevents"
kill "$anchor_pid"
wait_for '^total=' "$T/anchor.out" 50
A=$(count_lines '^uevent ' "$T/anchor.out")
netns=$(sed -n 's/^ready.* netns=\([0-9]*\).*/\1/p' "$T/l0.out")
scrape "$x_port" >"$T/m1.txt"
got="$(prefix_sum "$T/m1.txt" "uevscope_deliveries_total{netns=\"$netns\"") $(sample "$T/m1.txt" 'uevscope_lost_total{component="report",reason="socket_map_full"}')"
[ "$got" = "$((N + A)) 0" ] && pass "$N short-lived sockets (and an anchor) through a socket map of 8: all counted, none lost" && info "$N short-lived sockets (and an anchor) through a socket map of 8: all $((N + A)) deliveries counted, none lost" ||
	fail "$N short-lived sockets (and an anchor) through a socket map of 8: all counted, none lost" "deliveries, socket_map_full: [$got], want [$((N + A)) 0]"

# No listener in it any more: retired after --retire 1.
n=0
while [ $n -lt 50 ]; do
	scrape "$x_port" >"$T/m2.txt"
	[ "$(grep -c "netns=\"$netns\"" "$T/m2.txt")" = 0 ] && break
	n=$((n + 1))
	sleep 0.1
done
got="$(grep -c "netns=\"$netns\"" "$T/m2.txt") $(sample "$T/m2.txt" uevscope_retired_netns_total) $(sample "$T/m2.txt" uevscope_retired_deliveries_total)"
[ "$got" = "0 1 $((N + A))" ] && pass "an idle netns is retired: its series gone, its deliveries in the retired totals" && info "an idle netns is retired: its series gone, its $((N + A)) deliveries in the retired totals" ||
	fail "an idle netns is retired: its series gone, its deliveries in the retired totals" "series, netns, deliveries: [$got], want [0 1 $((N + A))]"
if promtool check metrics <"$T/m2.txt" >"$T/pt.out" 2>&1; then
	pass "promtool accepts the metrics after a retirement"
else
	fail "promtool accepts the metrics after a retirement" "$(head -3 "$T/pt.out")"
fi

# A listener again: the namespace starts over, the retired totals stay.
start_listener back ip netns exec "$NSA" -- -n 2 || fail "setup" "listener back"
fire_uevent "$(new_uuid 20)"
fire_uevent "$(new_uuid 21)"
wait_for '^total=2' "$T/back.out" 50
sleep 0.7
scrape "$x_port" >"$T/m3.txt"
got="$(prefix_sum "$T/m3.txt" "uevscope_deliveries_total{netns=\"$netns\"") $(sample "$T/m3.txt" uevscope_retired_deliveries_total)"
[ "$got" = "2 $((N + A))" ] && pass "the netns back with a listener starts over, the retired total stays" && info "the netns back with a listener starts over (2), the retired total stays ($((N + A)))" ||
	fail "the netns back with a listener starts over, the retired total stays" "[$got]"

# report shares the model: the retired totals in its JSON too.
"$UEVSCOPE" report -j --retire 0.5 0.3 >"$T/r.out" 2>"$T/r.err" &
R=$!
PIDS="$PIDS $R"
wait_for '"type":"report"' "$T/r.out" 100
start_listener r1 ip netns exec "$NSA" -- -n 1 || fail "setup" "listener r1"
fire_uevent "$(new_uuid 30)"
wait_for '^total=1' "$T/r1.out" 50
n=0
while [ $n -lt 40 ] && [ "$(tail -1 "$T/r.out" | command jq -r .retired.netns 2>/dev/null)" != 1 ]; do
	n=$((n + 1))
	sleep 0.1
done
kill -INT $R
wait $R
got=$(tail -1 "$T/r.out" | jq -r '"\(.retired.netns) \(.retired.delivered) \([.netns[] | select(.inode == '"$netns"')] | length)"')
[ "$got" = "1 1 0" ] && pass "report -j --retire: the idle netns in .retired, not in .netns" ||
	fail "report -j --retire: the idle netns in .retired, not in .netns" "[$got] $(cat "$T/r.err")"
expect 2 "retire wants a number of seconds" report --retire soon
