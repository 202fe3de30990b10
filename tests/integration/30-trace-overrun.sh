# SPDX-License-Identifier: GPL-2.0
# shellcheck disable=SC2154 # NAME_pid, NAME_port...: set by eval in start_listener, start_exporter
# A listener whose receive buffer is full loses uevents (netlink_overrun()):
# trace reports it, with the count the kernel shows in /proc/net/netlink.
SUITE=trace-overrun
. "$(dirname "$0")/lib.sh"
require_root
require_jq

new_netns uevovr
start_listener tiny ip netns exec "$NS" -- -P -b 1 -q || { fail "setup" "paused listener"; exit 0; }
start_trace ovr -j --netns "$NS" || { fail "setup" "trace: $(cat "$T/ovr.err")"; exit 0; }
"$H/uevgen" -n 200 >/dev/null
sleep 0.8 # two periodic socket scans
# shellcheck disable=SC2016 # awk's own \$2, not the shell's
drops=$(ip netns exec "$NS" awk -v p="$tiny_portid" '$2 == 15 && $3 == p { print $9 }' /proc/net/netlink)
stop_trace
lost=$(jq -s "[.[] | select(.type==\"overrun\" and .receiver.portid == $tiny_portid) | .lost] | add" "$T/ovr.out")
who=$(jq -r "select(.type==\"overrun\") | \"\\(.netns.inode) \\(.receiver.pid)\"" "$T/ovr.out" | sort -u)
if [ -n "$drops" ] && [ "$drops" -gt 100 ] && [ "$lost" = "$drops" ]; then
	pass "overrun reported with the kernel's drop count"
else
	fail "overrun reported with the kernel's drop count" "/proc/net/netlink Drops=$drops, traced lost=$lost"
fi
[ "$who" = "$tiny_netns $tiny_pid" ] && pass "overrun names the listener and its netns" ||
	fail "overrun names the listener and its netns" "got [$who]"
got=$(tail -1 "$T/ovr.out" | jq -r '.receiver_overruns')
[ "$got" = "$drops" ] && pass "summary counts receiver overruns" || fail "summary counts receiver overruns" "got $got want $drops"
