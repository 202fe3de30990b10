# SPDX-License-Identifier: GPL-2.0
# shellcheck disable=SC2154 # NAME_pid, NAME_port...: set by eval in start_listener, start_exporter
# uevscope listeners: every uevent socket in every netns, with the numbers
# each namespace's /proc/net/netlink shows (portid, groups, fill, drops,
# inode), the holding process, socket filters and their lock.
SUITE=listeners
. "$(dirname "$0")/lib.sh"
require_root
require_jq

new_netns uevlsa
NSA=$NS
start_listener plain ip netns exec "$NSA" -- || fail "setup" "plain listener"
start_listener filt ip netns exec "$NSA" -- -F || fail "setup" "filtered listener"
start_listener locked ip netns exec "$NSA" -- -F -L || fail "setup" "locked listener"
start_listener tiny ip netns exec "$NSA" -- -P -b 1 -q || fail "setup" "tiny listener"
start_listener host -- || fail "setup" "host listener"
start_listener shared ip netns exec "$NSA" -- -K -q || fail "setup" "shared listener"
shared_child=$(sed -n 's/^ready.* child=\([0-9]*\).*/\1/p' "$T/shared.out")
start_listener userns unshare -Urn -- || fail "setup" "user-namespaced listener"
"$H/uevgen" -n 50 >/dev/null

"$UEVSCOPE" listeners -j >"$T/l.json" 2>"$T/l.err"
rc=$?
"$UEVSCOPE" listeners >"$T/l.txt" 2>>"$T/l.err"
[ $rc = 0 ] && jq -e '.type == "listeners"' "$T/l.json" >/dev/null &&
	pass "listeners -j exits 0 with one JSON document" ||
	fail "listeners -j exits 0 with one JSON document" "rc=$rc $(cat "$T/l.err")"

# proc_rows NETNS_RUNNER...: "portid groups rmem drops inode" of user uevent sockets.
proc_rows() {
	# shellcheck disable=SC2016 # awk's own $2, not the shell's
	"$@" awk '$2 == 15 && $3 != 0 { print $3, $4, $5, $9, $10 }' /proc/net/netlink | sort
}
tool_rows() {
	jq -r ".sockets[] | select(.netns.inode == $1) |
		\"\\(.portid) \\(.groups) \\(.rmem_alloc) \\(.drops) \\(.sock_inode)\"" "$T/l.json" |
		awk '{ printf "%s %08x %s %s %s\n", $1, $2, $3, $4, $5 }' | sort
}

want=$(proc_rows ip netns exec "$NSA")
got=$(tool_rows "$plain_netns")
n=$(echo "$got" | grep -c .)
[ "$got" = "$want" ] && [ "$n" = 5 ] && pass "named netns: the 5 sockets match its /proc/net/netlink" ||
	fail "named netns: the 5 sockets match its /proc/net/netlink" "want [$want] got [$got]"

# shellcheck disable=SC2016 # awk's own \$2, not the shell's
drops=$(ip netns exec "$NSA" awk -v p="$tiny_portid" '$2 == 15 && $3 == p { print $9 }' /proc/net/netlink)
got=$(jq -r ".sockets[] | select(.portid == $tiny_portid and .netns.inode == $tiny_netns) | \"\\(.drops) \\(.rcvbuf) \\(.rmem_alloc > 0)\"" "$T/l.json")
[ -n "$drops" ] && [ "$drops" -gt 0 ] && [ "$got" = "$drops $(sed -n 's/.*rcvbuf=\([0-9]*\).*/\1/p' "$T/tiny.out") true" ] &&
	pass "overrun listener: drops, rcvbuf and fill as the kernel counts them" ||
	fail "overrun listener: drops, rcvbuf and fill as the kernel counts them" "proc drops=$drops got [$got]"

want=$(proc_rows nsenter -t "$userns_pid" -n)
got=$(tool_rows "$userns_netns")
[ -n "$got" ] && [ "$got" = "$want" ] && pass "user-namespaced netns matches its /proc/net/netlink" ||
	fail "user-namespaced netns matches its /proc/net/netlink" "want [$want] got [$got]"

want=$(proc_rows | awk -v p="$host_portid" '$1 == p')
got=$(tool_rows "$host_netns" | awk -v p="$host_portid" '$1 == p')
[ -n "$got" ] && [ "$got" = "$want" ] && pass "initial netns listener matches /proc/net/netlink" ||
	fail "initial netns listener matches /proc/net/netlink" "want [$want] got [$got]"

# Every listener we started, with its holder, owner userns and netns name.
userns_ino=$(stat -L -c %i "/proc/$userns_pid/ns/user")
init_userns=$(stat -L -c %i "/proc/$host_pid/ns/user")
bad=""
for l in plain filt locked tiny host userns; do
	eval "pid=\$${l}_pid portid=\$${l}_portid netns=\$${l}_netns"
	got=$(jq -r ".sockets[] | select(.portid == $portid and .netns.inode == $netns) |
		[.processes[] | \"\\(.pid)/\\(.comm)\"] | join(\",\")" "$T/l.json")
	[ "$got" = "$pid/uevlisten" ] || bad="$bad $l: want $pid/uevlisten got [$got];"
done
[ -z "$bad" ] && pass "every socket names its holding process" ||
	fail "every socket names its holding process" "$bad"
got=$(jq -r ".sockets[] | select(.netns.inode == $userns_netns) | \"\\(.userns) \\(.netns.name) \\(.netns.container.pid) \\(.netns.container.comm)\"" "$T/l.json")
[ "$got" = "$userns_ino null $userns_pid uevlisten" ] &&
	pass "user-namespaced netns: owner userns and container (first process, comm)" ||
	fail "user-namespaced netns: owner userns and container (first process, comm)" "got [$got]"
got=$(jq -r ".sockets[] | select(.netns.inode == $plain_netns) | \"\\(.userns) \\(.netns.name)\"" "$T/l.json" | sort -u)
[ "$got" = "$init_userns $NSA" ] && pass "named netns: /run/netns name and initial userns" ||
	fail "named netns: /run/netns name and initial userns" "got [$got]"

got=$(jq -r ".sockets[] | select(.portid == $shared_portid and .netns.inode == $shared_netns) |
	[.processes[] | \"\\(.pid)/\\(.comm)\"] | sort | join(\" \")" "$T/l.json")
want=$(printf '%s/uevlisten\n%s/uevlisten\n' "$shared_pid" "$shared_child" | sort | tr '\n' ' ' | sed 's/ $//')
[ -n "$shared_child" ] && [ "$got" = "$want" ] && pass "a socket two processes hold lists both" ||
	fail "a socket two processes hold lists both" "want [$want] got [$got]"

# Socket filters: none, attached, attached and locked (SO_LOCK_FILTER).
got=""
for l in plain filt locked; do
	eval "portid=\$${l}_portid"
	got="$got $(jq -r ".sockets[] | select(.portid == $portid and .netns.inode == $plain_netns) | \"\\(.filter.attached)/\\(.filter.locked)\"" "$T/l.json")"
done
[ "$got" = " false/false true/false true/true" ] && pass "socket filter attached and locked are shown" ||
	fail "socket filter attached and locked are shown" "got [$got]"
got=$(awk -v p="$locked_portid" -v n="$locked_netns" '$1 == n && $3 == p { print $8 }' "$T/l.txt")
got2=$(awk -v p="$filt_portid" -v n="$filt_netns" '$1 == n && $3 == p { print $8 }' "$T/l.txt")
[ "$got $got2" = "locked yes" ] && pass "text output: FILTER column" || fail "text output: FILTER column" "got [$got $got2]"
got=$(awk -v p="$userns_portid" -v n="$userns_netns" '$1 == n && $3 == p { print $9, $10 }' "$T/l.txt")
case "$got" in
"$userns_pid/uevlisten:"*" $userns_pid/uevlisten:"*) pass "text output: container name and process" ;;
*) fail "text output: container name and process" "got [$got]" ;;
esac
n=$(jq '.count' "$T/l.json")
m=$(jq '.sockets | length' "$T/l.json")
[ "$n" = "$m" ] && [ "$n" -ge 7 ] && pass "count matches the list" || fail "count matches the list" "count=$n list=$m"

