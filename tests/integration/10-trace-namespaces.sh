# SPDX-License-Identifier: GPL-2.0
# shellcheck disable=SC2154 # NAME_pid, NAME_port...: set by eval in start_listener, start_exporter
# Deliveries across namespaces: a netns owned by the initial user namespace
# gets kernel uevents, one owned by a new user namespace gets none, and an
# injection there is traced as injected, tagged with the injector.
SUITE=trace-namespaces
. "$(dirname "$0")/lib.sh"
require_root
require_jq

new_netns uevtest
U1=$(new_uuid 1)
U2=$(new_uuid 2)

start_trace ns -j -p -m "SYNTH_UUID==\"$U1|$U2\"" || { fail "setup" "trace did not start: $(cat "$T/ns.err")"; exit 0; }
start_listener host -- || fail "setup" "host listener"
start_listener named ip netns exec "$NS" -- || fail "setup" "named netns listener"
start_listener userns unshare -Urn -- || fail "setup" "user-namespaced listener"
userns_ino=$(stat -L -c %i "/proc/$userns_pid/ns/user")

fire_uevent "$U1"
wait_for "uevent seqnum" "$T/host.out" 30
wait_for "uevent seqnum" "$T/named.out" 30
seq1=$(sed -n 's/^uevent seqnum=\([0-9]*\).*/\1/p' "$T/host.out" | head -1)

nsenter -t "$userns_pid" -U -n --preserve-credentials "$H/uevinject" add /devices/virtual/uevtest/inj uevtest \
	"SYNTH_UUID=$U2" >"$T/inject.out" 2>&1 || fail "setup" "injection failed: $(cat "$T/inject.out")"
inj_pid=$(sed -n 's/^sent pid=\([0-9]*\).*/\1/p' "$T/inject.out")
wait_for "uevent seqnum" "$T/userns.out" 30
sleep 0.3
stop_trace

D="$T/ns.out"
jq -c 'select(.type=="delivery" and .properties != null)' "$D" >"$T/deliveries.json" 2>"$T/jq.err" ||
	fail "json parses" "$(cat "$T/jq.err")"
k1=$(jq -r "select([.properties[][1]] | index(\"$U1\")) | \"\\(.netns.inode) \\(.receiver.pid)\"" "$T/deliveries.json" | sort)
want=$(printf '%s %s\n%s %s\n' "$host_netns" "$host_pid" "$named_netns" "$named_pid" | sort)
if [ "$k1" = "$want" ]; then
	pass "kernel uevent reaches exactly the init-userns netns listeners"
else
	fail "kernel uevent reaches exactly the init-userns netns listeners" "want [$want] got [$k1]"
fi

got=$(jq -r "select(.netns.inode == $named_netns) | .netns.name" "$T/deliveries.json" | head -1)
[ "$got" = "$NS" ] && pass "netns named from /run/netns" || fail "netns named from /run/netns" "got '$got'"

got=$(jq -r "select([.properties[][1]] | index(\"$U1\")) | \"\\(.seqnum) \\(.origin.kind) \\(.action) \\(.subsystem) \\(.devpath)\"" "$T/deliveries.json" | sort -u)
want="$seq1 kernel change mem /devices/virtual/mem/null"
[ "$got" = "$want" ] && pass "kernel delivery fields" || fail "kernel delivery fields" "want [$want] got [$got]"

got=$(grep -c "^uevent seqnum" "$T/userns.out")
n=$(jq -r "select(.netns.inode == $userns_netns and .origin.kind == \"kernel\")" "$T/deliveries.json" | grep -c '"type"')
# Its positive control: the same file holds the injected delivery there.
inj=$(jq -r "select(.netns.inode == $userns_netns and .origin.kind == \"injected\") | .seqnum" "$T/deliveries.json" | grep -c .)
if [ "$n" = 0 ] && [ "$got" = 1 ] && [ "$inj" = 1 ]; then
	pass "user-namespaced netns gets no kernel uevent"
else
	fail "user-namespaced netns gets no kernel uevent" "traced kernel deliveries there: $n, listener got $got (want only the injected one)"
fi

got=$(jq -r "select([.properties[][1]] | index(\"$U2\")) | \"\\(.origin.kind) \\(.netns.inode) \\(.userns) \\(.receiver.pid) \\(.origin.pid) \\(.origin.comm) \\(.origin.netns) \\(.origin.userns) \\(.action) \\(.subsystem)\"" "$T/deliveries.json")
want="injected $userns_netns $userns_ino $userns_pid $inj_pid uevinject $userns_netns $userns_ino add uevtest"
[ "$got" = "$want" ] && pass "injected uevent tagged with its netns, user namespace and injector" ||
	fail "injected uevent tagged with its netns, user namespace and injector" "want [$want] got [$got]"
got=$(jq -r "select([.properties[][1]] | index(\"$U2\")) | \"\\(.netns.name) \\(.netns.container.pid) \\(.netns.container.comm)\"" "$T/deliveries.json")
[ "$got" = "null $userns_pid uevlisten" ] && pass "JSON names an unnamed netns by its container: the first process in it" ||
	fail "JSON names an unnamed netns by its container: the first process in it" "want [null $userns_pid uevlisten] got [$got]"

n=$(jq -r '.type' "$D" | grep -c .)
[ "$n" = "$(wc -l <"$D")" ] || n="$n of $(wc -l <"$D")"
bad=$(jq -r 'select(.type=="delivery") | select(.time_ns == null or .seqnum == null or .netns.inode == null or .userns == null or .receiver.portid == null or .receiver.cgroup == null or .origin.comm == null) | .seqnum' "$T/deliveries.json" | grep -c .)
[ "$n" -ge 4 ] 2>/dev/null && [ "$bad" = 0 ] && pass "every JSON line parses and carries the fields" ||
	fail "every JSON line parses and carries the fields" "$n lines, $bad incomplete"
last=$(tail -1 "$D" | jq -r '"\(.type) \(.deliveries) \(.lost_ringbuf_full) \(.missed_runs)"')
[ "$last" = "summary 3 0 0" ] && pass "JSON summary counts the deliveries" || fail "JSON summary counts the deliveries" "got [$last]"

# Text names the same netns the way listeners, report and top do: PID/COMM:CGROUP.
U3=$(new_uuid 3)
if start_trace txt -m "SYNTH_UUID==\"$U3\""; then
	nsenter -t "$userns_pid" -U -n --preserve-credentials "$H/uevinject" add /devices/virtual/uevtest/inj uevtest \
		"SYNTH_UUID=$U3" >/dev/null 2>&1
	wait_for " rx=$userns_pid/" "$T/txt.out" 50
	stop_trace
	grep -q " netns=$userns_netns\[$userns_pid/uevlisten:[^] ]*\] userns=$userns_ino " "$T/txt.out" &&
		pass "text names an unnamed netns by its container" ||
		fail "text names an unnamed netns by its container" "$(head -2 "$T/txt.out")"
else
	fail "text names an unnamed netns by its container" "trace did not start: $(cat "$T/txt.err")"
fi
