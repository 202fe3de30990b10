# SPDX-License-Identifier: GPL-2.0
# Least privilege (issue 18): each command runs as uid 0 with exactly the
# capabilities docs/install.md lists for it (setpriv --bounding-set), and does
# its real work: trace sees a uevent, listeners a socket in another netns and
# its process, filter keeps a uevent from a listener, devices a device node
# from a cgroup. Without any one of them it refuses before loading anything:
# exit 1, one line naming the missing capability. The units' bounding sets are
# read from the unit files and run the same way.
# shellcheck disable=SC2154 # ns_pid, ns_netns: set by start_listener through eval
SUITE=caps
. "$(dirname "$0")/lib.sh"
require_root
require_jq
command -v setpriv >/dev/null || { skip "all" "needs setpriv (util-linux)"; exit 0; }
. "$(dirname "$0")/enforce.inc"
# shellcheck disable=SC2016 # evaluated at exit by enforce.inc
ENFORCE_EXIT='"$UEVSCOPE" devices flush >/dev/null 2>&1'
SRC=$(cd "$(dirname "$0")/../.." && pwd)
"$UEVSCOPE" devices flush >/dev/null 2>&1

# The sets of docs/install.md, lowercase without CAP_, comma-separated.
SOCKETS=sys_admin,sys_ptrace
LOCKS=bpf,perfmon,syslog
FILTER=net_admin,sys_admin,sys_ptrace
POLICY=net_admin,sys_admin,sys_ptrace,dac_read_search
DEVICES=bpf,net_admin,dac_read_search,dac_override
FEATURES=bpf,perfmon,net_admin,dac_override

# drop CAPS: the setpriv words that leave uid 0 exactly CAPS (setpriv execs, so
# a command started in the background with them keeps its pid for kill -INT).
drop() {
	echo "setpriv --inh-caps=-all --ambient-caps=-all --bounding-set=-all$(echo ",$1" | sed 's/,\([a-z_]\)/,+\1/g; s/,$//') --"
}
# with CAPS CMD...: CMD as uid 0 whose capabilities are exactly CAPS.
with() {
	d=$(drop "$1")
	shift
	$d "$@"
}

# refuses NAME CAPS ARGS...: with each capability of CAPS left out in turn,
# 'uevscope ARGS' exits 1 with one line that names it, and prints nothing else.
refuses() {
	name=$1
	caps=$2
	shift 2
	what="uevscope $*"
	bad=""
	for c in $(echo "$caps" | tr , ' '); do
		others=$(echo ",$caps," | sed "s/,$c,/,/; s/^,//; s/,$//")
		C=CAP_$(echo "$c" | tr '[:lower:]' '[:upper:]')
		with "$others" "$UEVSCOPE" "$@" >"$T/r.out" 2>"$T/r.err" </dev/null
		rc=$?
		if [ $rc != 1 ] || [ "$(wc -l <"$T/r.err")" != 1 ] || [ -s "$T/r.out" ] ||
			! grep -q "^uevscope: $name needs root or .*; missing $C: run it with sudo or grant those capabilities$" "$T/r.err"; then
			bad="$bad without $C: rc=$rc $(head -1 "$T/r.err");"
		fi
	done
	[ -z "$bad" ] && pass "'$what' without any one of $caps: exit 1, one line naming it" ||
		fail "'$what' without any one of $caps: exit 1, one line naming it" "$bad"
}

new_netns uevcap
start_listener ns ip netns exec "$NS" -- || { fail "setup" "listener in $NS"; exit 0; }
start_listener host || { fail "setup" "listener on the host"; exit 0; }

# fire_kept: a /dev/null uevent that the host listener gets (waited for) and
# the netns listener does not (0.3 s later, as the filter suites do).
fire_kept() {
	hb=$(count_lines "devpath=$NULLDEV " "$T/host.out")
	nb=$(count_lines "devpath=$NULLDEV " "$T/ns.out")
	fire_uevent "$(new_uuid "$1")"
	n=0
	while [ "$(count_lines "devpath=$NULLDEV " "$T/host.out")" -le "$hb" ]; do
		n=$((n + 1))
		[ $n -gt 50 ] && { KEPT="the host listener got nothing"; return 1; }
		sleep 0.1
	done
	sleep 0.3
	KEPT="$(($(count_lines "devpath=$NULLDEV " "$T/ns.out") - nb)) reached the netns listener"
	[ "$(count_lines "devpath=$NULLDEV " "$T/ns.out")" = "$nb" ]
}

# trace: a real uevent, seen by a trace holding only SOCKETS.
$(drop $SOCKETS) "$UEVSCOPE" trace -p >"$T/trace.out" 2>"$T/trace.err" &
TRACE_PID=$!
PIDS="$PIDS $TRACE_PID"
if wait_for "tracing uevent deliveries via\|cannot trace\|needs root" "$T/trace.err" 150 &&
	! grep -q "cannot trace\|needs root" "$T/trace.err"; then
	u=$(new_uuid 1)
	fire_uevent "$u"
	if wait_for "$u" "$T/trace.out" 50 && [ "$(grep -c . "$T/trace.err")" = 2 ]; then
		pass "trace with exactly $SOCKETS sees a real uevent, no complaint"
	else
		fail "trace with exactly $SOCKETS sees a real uevent, no complaint" "$(head -3 "$T/trace.err" | tr '\n' ' ')"
	fi
else
	fail "trace with exactly $SOCKETS sees a real uevent, no complaint" "trace with exactly $SOCKETS attaches: $(head -2 "$T/trace.err")"
fi
stop_trace
refuses trace $SOCKETS trace
# The positive control of the filter checks below: unfiltered, the netns listener hears /dev/null.
wait_for "devpath=$NULLDEV " "$T/ns.out" 50 && pass "unfiltered, the netns listener hears /dev/null's uevents" ||
	fail "unfiltered, the netns listener hears /dev/null's uevents" "$(tail -2 "$T/ns.out")"

# listeners: the socket in the other netns, with the process that holds it.
if with $SOCKETS "$UEVSCOPE" listeners -j >"$T/l.json" 2>"$T/l.err" &&
	jq -e --argjson pid "$ns_pid" --argjson netns "$ns_netns" \
		'[.sockets[] | select(.netns.inode == $netns and any(.processes[]?; .pid == $pid))] | length == 1' \
		"$T/l.json" >/dev/null && [ ! -s "$T/l.err" ]; then
	pass "listeners with exactly $SOCKETS lists the socket in another netns" && info "listeners with exactly $SOCKETS lists the socket in netns $ns_netns and its process"
else
	fail "listeners with exactly $SOCKETS lists the socket in another netns" \
		"$(head -2 "$T/l.err") $(jq -c --argjson n "$ns_netns" '[.sockets[] | select(.netns.inode == $n)]' "$T/l.json" 2>&1 | cut -c1-200)"
fi
refuses listeners $SOCKETS listeners

if with $SOCKETS "$UEVSCOPE" report -j 1 1 >"$T/rep.json" 2>"$T/rep.err" && jq -e . "$T/rep.json" >/dev/null; then
	pass "report with exactly $SOCKETS: one JSON document"
else
	fail "report with exactly $SOCKETS: one JSON document" "$(head -2 "$T/rep.err")"
fi
refuses report $SOCKETS report -j 1 1
# top without a terminal is report, and says so.
refuses report $SOCKETS top

if with $LOCKS "$UEVSCOPE" locks -j -d 1 >"$T/locks.json" 2>"$T/locks.err" && jq -e . "$T/locks.json" >/dev/null; then
	pass "locks with exactly $LOCKS: one JSON report"
else
	fail "locks with exactly $LOCKS: one JSON report" "$(head -2 "$T/locks.err")"
fi
refuses locks $LOCKS locks -d 1

# export, with the bounding set and the command line of its unit.
unit=$SRC/deploy/systemd/uevscope-export.service
ucaps=$(sed -n 's/^CapabilityBoundingSet=//p' "$unit" | tr 'A-Z ' 'a-z,' | sed 's/cap_//g')
uargs=$(sed -n 's|^ExecStart=/usr/sbin/uevscope ||p' "$unit" | sed 's/127.0.0.1:9464/127.0.0.1:0/')
[ "$ucaps" = "$SOCKETS" ] && pass "the export unit's bounding set is export's" && info "the export unit's bounding set is export's: $ucaps" ||
	fail "the export unit's bounding set is export's" "unit: $ucaps, export: $SOCKETS"
# shellcheck disable=SC2086
$(drop "$ucaps") "$UEVSCOPE" $uargs -i 0.2 >"$T/exp.out" 2>"$T/exp.err" &
EXP_PID=$!
PIDS="$PIDS $EXP_PID"
port=""
if wait_for "listening\|serving\|http://" "$T/exp.err" 100; then
	port=$(grep -o '127.0.0.1:[0-9]*' "$T/exp.err" | head -1 | cut -d: -f2)
fi
got=""
n=0
while [ -n "$port" ] && [ $n -lt 50 ]; do
	got=$(curl -s "http://127.0.0.1:$port/metrics" | grep -c "^uevscope_listeners{.*netns=\"$ns_netns\"")
	[ "$got" -ge 1 ] 2>/dev/null && break
	n=$((n + 1))
	sleep 0.1
done
if [ "${got:-0}" -ge 1 ] 2>/dev/null; then
	pass "export as its unit runs it serves the listener of another netns" && info "export as its unit runs it ($ucaps) serves the listener of netns $ns_netns"
else
	fail "export as its unit runs it serves the listener of another netns" "port=$port $(head -3 "$T/exp.err" | tr '\n' ' ')"
fi
kill -INT "$EXP_PID" 2>/dev/null
wait "$EXP_PID" 2>/dev/null
refuses export $SOCKETS export -c 1

# filter: the netns listener no longer hears a uevent the host listener hears.
if with $FILTER "$UEVSCOPE" filter add --netns "$NS" --no-watch 'SUBSYSTEM=="mem"' deny >"$T/f.out" 2>"$T/f.err" &&
	grep -q "on 1 new" "$T/f.out"; then
	if fire_kept 2; then
		pass "filter with exactly $FILTER keeps a uevent from the netns listener (the host's got it)"
	else
		fail "filter with exactly $FILTER keeps a uevent from the netns listener (the host's got it)" "$KEPT"
	fi
else
	fail "filter with exactly $FILTER keeps a uevent from the netns listener (the host's got it)" "filter add with exactly $FILTER covers the netns listener: $(cat "$T/f.out" "$T/f.err" | head -3 | tr '\n' ' ')"
fi
with $FILTER "$UEVSCOPE" filter list >/dev/null 2>"$T/fl.err" && with $FILTER "$UEVSCOPE" filter flush >/dev/null 2>>"$T/fl.err" &&
	! "$UEVSCOPE" filter list 2>/dev/null | grep -q "netns=$NS" &&
	pass "filter list and flush with exactly $FILTER" || fail "filter list and flush with exactly $FILTER" "$(head -2 "$T/fl.err")"
refuses "filter add" $FILTER filter add --netns "$NS" deny
refuses "filter flush" $FILTER filter flush

# devices: /dev/null denied in a cgroup, /dev/zero still opens there.
root=$(cgroup2_root)
if [ -n "$root" ]; then
	new_cgroup "$root" "uevcap-$$"
	new_cgroup "$CG" "inner"
	if with $DEVICES "$UEVSCOPE" devices deny --cgroup "/uevcap-$$" c 1:3 rwm >"$T/d.out" 2>"$T/d.err"; then
		"$H/devopen" -c "$CG" r:/dev/zero r:/dev/null >"$T/open" 2>&1
		if grep -qx "open r /dev/zero ok" "$T/open" && grep -qx "open r /dev/null EPERM" "$T/open"; then
			pass "devices with exactly $DEVICES: /dev/null refused in the cgroup, /dev/zero opens"
		else
			fail "devices with exactly $DEVICES: /dev/null refused in the cgroup, /dev/zero opens" "$(tr '\n' ' ' <"$T/open")"
		fi
	else
		fail "devices with exactly $DEVICES: /dev/null refused in the cgroup, /dev/zero opens" "devices deny with exactly $DEVICES: $(head -2 "$T/d.err")"
	fi
	with $DEVICES "$UEVSCOPE" devices flush >/dev/null 2>"$T/df.err" && "$H/devopen" -c "$CG" r:/dev/null | grep -qx "open r /dev/null ok" &&
		pass "devices flush with exactly $DEVICES: /dev/null opens again" || fail "devices flush with exactly $DEVICES: /dev/null opens again" "$(head -2 "$T/df.err")"
	refuses devices $DEVICES devices deny --cgroup "/uevcap-$$" c 1:3 rwm

	# policy apply, with the bounding set of the policy unit.
	unit=$SRC/deploy/systemd/uevscope-policy.service
	ucaps=$(sed -n 's/^CapabilityBoundingSet=//p' "$unit" | tr 'A-Z ' 'a-z,' | sed 's/cap_//g')
	[ "$ucaps" = "$POLICY" ] && pass "the policy unit's bounding set is policy apply's" && info "the policy unit's bounding set is policy apply's: $ucaps" ||
		fail "the policy unit's bounding set is policy apply's" "unit: $ucaps, policy: $POLICY"
	printf 'filter netns=%s deny SUBSYSTEM=="mem"\ndevices cgroup=/uevcap-%s deny c 1:3 rwm\n' "$NS" $$ >"$T/policy"
	if with "$ucaps" "$UEVSCOPE" policy apply --no-watch "$T/policy" >"$T/p.out" 2>"$T/p.err"; then
		"$H/devopen" -c "$CG" r:/dev/null >"$T/open" 2>&1
		if fire_kept 3 && grep -qx "open r /dev/null EPERM" "$T/open"; then
			pass "policy apply with the unit's $ucaps: both rules in force"
		else
			fail "policy apply with the unit's $ucaps: both rules in force" "$KEPT; $(tr '\n' ' ' <"$T/open")"
		fi
	else
		fail "policy apply with the unit's $ucaps: both rules in force" "$(head -2 "$T/p.err")"
	fi
	"$UEVSCOPE" filter flush >/dev/null 2>&1
	"$UEVSCOPE" devices flush >/dev/null 2>&1
	refuses "policy apply" $POLICY policy apply "$T/policy"
else
	skip "devices and policy" "no cgroup v2 mount"
fi

# The unit's bad input: a policy file that is missing, or not a file: one line (the journal's), exit 2.
for f in "$T/no-such-policy" "$T"; do
	what="a missing file"
	[ -d "$f" ] && what="a directory"
	with "$POLICY" "$UEVSCOPE" policy apply "$f" >"$T/b.out" 2>"$T/b.err"
	rc=$?
	if [ $rc = 2 ] && [ "$(wc -l <"$T/b.err")" = 1 ] && grep -q "^uevscope: .*$f" "$T/b.err"; then
		pass "policy apply of $what: exit 2, one line naming the file" && info "policy apply of $what: $(cut -c1-80 "$T/b.err")"
	else
		fail "policy apply of $what: exit 2, one line naming the file" "rc=$rc $(head -2 "$T/b.err" | tr '\n' ' ')"
	fi
done
# policy check needs no capability at all, not even root.
if setpriv --reuid=65534 --regid=65534 --clear-groups --inh-caps=-all --bounding-set=-all \
	"$UEVSCOPE" policy check "$SRC/deploy/policy.example" >/dev/null 2>"$T/c.err"; then
	pass "policy check runs as nobody with no capability"
else
	fail "policy check runs as nobody with no capability" "$(head -1 "$T/c.err")"
fi

# features: the same plans as root's.
"$UEVSCOPE" features -j | jq -c .plans >"$T/plans.root"
if with $FEATURES "$UEVSCOPE" features -j >"$T/feat.json" 2>"$T/feat.err" &&
	[ "$(jq -c .plans "$T/feat.json")" = "$(cat "$T/plans.root")" ]; then
	pass "features with exactly $FEATURES chooses what root chooses"
else
	fail "features with exactly $FEATURES chooses what root chooses" "$(head -2 "$T/feat.err")"
fi
refuses features $FEATURES features
