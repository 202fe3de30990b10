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


# The two socket walks (docs/probing.md, plan "listeners"): the one walk of every
# process's files (iter/task_file) and the per-netns walk (iter/netlink), each
# against /proc/net/netlink read inside each namespace. 30 named namespaces with
# a listener each (every 10th overrun, so drops are compared), a socket whose
# first holder passed it over SCM_RIGHTS and exited, and a netns reachable only
# through its process (unshare -n, no name).
NS30=""
i=1
while [ $i -le 30 ]; do
	new_netns "uevlw$i-"
	NS30="$NS30 $NS"
	if [ $((i % 10)) = 0 ]; then
		start_listener "w$i" ip netns exec "$NS" -- -P -b 1 -q || fail "setup" "listener in $NS"
	else
		start_listener "w$i" ip netns exec "$NS" -- -q || fail "setup" "listener in $NS"
	fi
	i=$((i + 1))
done
rm -f "$T/pass.out"
ip netns exec "$NSA" "$H/uevhold" pass >"$T/pass.out" 2>&1 || fail "setup" "uevhold pass"
pass_pid=$(sed -n 's/^ready pid=\([0-9]*\).*/\1/p' "$T/pass.out")
pass_ino=$(sed -n 's/^ready.* ino=\([0-9]*\).*/\1/p' "$T/pass.out")
PIDS="$PIDS $pass_pid"
start_listener procns unshare -n -- -q || fail "setup" "listener in an unnamed netns"
"$H/uevgen" -n 20 >/dev/null

# truth: "netns portid drops inode" of every user uevent socket in the namespaces above.
truth() {
	for n in $NS30 "$NSA"; do
		ino=$(stat -L -c %i "/run/netns/$n")
		# shellcheck disable=SC2016 # awk's own $2, not the shell's
		ip netns exec "$n" awk -v ns="$ino" '$2 == 15 && $3 != 0 { print ns, $3, $9, $10 }' /proc/net/netlink
	done
	# shellcheck disable=SC2016
	nsenter -t "$procns_pid" -n awk -v ns="$procns_netns" '$2 == 15 && $3 != 0 { print ns, $3, $9, $10 }' /proc/net/netlink
}
# walk_rows FILE: the same rows from a listeners -j document, for those namespaces only.
walk_rows() {
	jq -r '.sockets[] | "\(.netns.inode) \(.portid) \(.drops) \(.sock_inode)"' "$1" |
		grep -E "^($(truth | awk '{ print $1 }' | sort -u | paste -sd '|')) "
}
for tier in iter/task_file iter/netlink; do
	f="$T/walk-$(echo "$tier" | tr / -).json"
	"$UEVSCOPE" listeners --tier "$tier" -j >"$f" 2>"$T/walk.err" || fail "listeners --tier $tier" "$(cat "$T/walk.err")"
	want=$(truth | sort)
	got=$(walk_rows "$f" | sort)
	n=$(echo "$want" | grep -c .)
	dropped=$(echo "$want" | awk '$3 > 0' | grep -c .)
	# 30 + 5 in NSA (plain, filt, locked, tiny, shared) + passed + the unnamed netns's one.
	[ "$n" = 37 ] && [ "$dropped" -ge 4 ] && [ "$got" = "$want" ] &&
		[ "$(jq -r .tier "$f")" = "$tier" ] &&
		pass "$tier: 32 namespaces' sockets (inode, portid, drops) are their /proc/net/netlink" ||
		fail "$tier: 32 namespaces' sockets (inode, portid, drops) are their /proc/net/netlink" \
			"n=$n dropped=$dropped tier=$(jq -r .tier "$f") diff: $(echo "$want" >"$T/w"; echo "$got" >"$T/g"; diff "$T/w" "$T/g" | tr '\n' ' ')"
	got=$(jq -r ".sockets[] | select(.sock_inode == $pass_ino) | [.processes[] | \"\\(.pid)/\\(.comm)\"] | join(\",\")" "$f")
	[ -n "$pass_pid" ] && [ "$got" = "$pass_pid/uevhold" ] &&
		pass "$tier: a socket passed over SCM_RIGHTS, first holder gone, names its receiver" ||
		fail "$tier: a socket passed over SCM_RIGHTS, first holder gone, names its receiver" "want $pass_pid/uevhold got [$got]"
done
a=$(jq -c '[.sockets[] | del(.netns.container)] | sort_by(.sock_inode)' "$T/walk-iter-task_file.json")
b=$(jq -c '[.sockets[] | del(.netns.container)] | sort_by(.sock_inode)' "$T/walk-iter-netlink.json")
[ "$a" = "$b" ] && [ "$(echo "$a" | jq length)" -ge 37 ] &&
	pass "both walks list the same sockets with the same fields and holders" ||
	fail "both walks list the same sockets with the same fields and holders" "$(echo "$a" | jq length) vs $(echo "$b" | jq length)"

# What each walk misses (docs/listeners.md): a socket in flight in SCM_RIGHTS
# (no process holds it) is seen by the per-netns walk only; a netns that only a
# socket keeps (its process went back, no name) by the one walk only.
rm -f "$T/inflight.out" "$T/away.out"
ip netns exec "$NSA" "$H/uevhold" inflight >"$T/inflight.out" 2>&1 &
PIDS="$PIDS $!"
"$H/uevhold" away >"$T/away.out" 2>&1 &
PIDS="$PIDS $!"
wait_for "^ready" "$T/inflight.out" 50 && wait_for "^row" "$T/away.out" 50 || fail "setup" "uevhold inflight/away"
inflight_ino=$(sed -n 's/^ready.* ino=\([0-9]*\).*/\1/p' "$T/inflight.out")
away_ino=$(sed -n 's/^ready.* ino=\([0-9]*\).*/\1/p' "$T/away.out")
away_netns=$(sed -n 's/^ready.* netns=\([0-9]*\).*/\1/p' "$T/away.out")
"$UEVSCOPE" listeners --tier iter/task_file -j >"$T/m-files.json" 2>>"$T/walk.err"
"$UEVSCOPE" listeners --tier iter/netlink -j >"$T/m-netlink.json" 2>>"$T/walk.err"
seen() { jq -r ".sockets[] | select(.sock_inode == $2) | \"\\(.netns.inode) \\(.portid) \\(.drops) \\(.sock_inode)\"" "$1"; }
# shellcheck disable=SC2016
want=$(ip netns exec "$NSA" awk -v i="$inflight_ino" -v ns="$plain_netns" '$2 == 15 && $10 == i { print ns, $3, $9, $10 }' /proc/net/netlink)
got_n=$(seen "$T/m-netlink.json" "$inflight_ino")
got_f=$(seen "$T/m-files.json" "$inflight_ino")
[ -n "$want" ] && [ "$got_n" = "$want" ] && [ -z "$got_f" ] &&
	pass "in flight in SCM_RIGHTS: the per-netns walk lists it as /proc/net/netlink does, the one walk cannot" ||
	fail "in flight in SCM_RIGHTS: the per-netns walk lists it as /proc/net/netlink does, the one walk cannot" \
		"want [$want] netlink [$got_n] task_file [$got_f]"
want=$(sed -n "s/^row \\([0-9]*\\) \\([0-9]*\\) $away_ino\$/$away_netns \\1 \\2 $away_ino/p" "$T/away.out")
got_n=$(seen "$T/m-netlink.json" "$away_ino")
got_f=$(seen "$T/m-files.json" "$away_ino")
[ -n "$want" ] && [ "$got_f" = "$want" ] && [ -z "$got_n" ] &&
	pass "netns kept by its socket alone: the one walk lists it as its /proc/net/netlink does, the per-netns walk cannot" ||
	fail "netns kept by its socket alone: the one walk lists it as its /proc/net/netlink does, the per-netns walk cannot" \
		"want [$want] task_file [$got_f] netlink [$got_n]"

"$UEVSCOPE" listeners --tier iter/udp >/dev/null 2>"$T/bad.err"
rc=$?
[ $rc = 2 ] && [ "$(wc -l <"$T/bad.err")" = 1 ] && grep -q "iter/task_file or iter/netlink" "$T/bad.err" &&
	UEVSCOPE_INVENTORY_TIER=iter/netlink "$UEVSCOPE" listeners -j | jq -e '.tier == "iter/netlink"' >/dev/null &&
	"$UEVSCOPE" listeners -j | jq -e '.tier == "iter/task_file"' >/dev/null &&
	pass "the walk is chosen (task_file first), forced with --tier or UEVSCOPE_INVENTORY_TIER; a bad one: exit 2, one line" ||
	fail "the walk is chosen (task_file first), forced with --tier or UEVSCOPE_INVENTORY_TIER; a bad one: exit 2, one line" "rc=$rc $(cat "$T/bad.err")"
