#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# shellcheck disable=SC2154 # NAME_pid, NAME_port...: set by eval in start_listener, start_exporter
# Runs inside the test VM as root, with busybox only (no jq, no bash): the
# attach tiers the build machine's kernel refuses (fentry/kprobe delivery
# fallbacks, emission records) against a real Debian kernel. Every check
# prints PASS/FAIL/SKIP like the host suites; INFO lines feed the host's table.
# Nothing else listens for uevents in the VM (no udevd), so counts are exact.
# usage: vm-tests.sh LABEL EXPECTED_DELIVERY_TIER [EXPECTED_FILTER_TIER [PARTS [EXPECTED_EVAL
#        [FORCE_EVAL]]]]
# PARTS (comma-separated vm.d names without .sh): only features, then those.
# EXPECTED_EVAL: the filter evaluator build (eval/bpf_loop, eval/bounded) the boot must use;
# FORCE_EVAL: that build forced with filter add --tier where the kernel has the other too.
SUITE=vm-$1
WANT_DELIVERY=$2
# shellcheck disable=SC2034 # read by vm.d/70-enforce.sh and 76-attacks.sh
WANT_FILTER=${3:-lsm/socket_sock_rcv_skb}
PARTS=$4
# shellcheck disable=SC2034 # read by vm.d/70-enforce.sh and 76-attacks.sh
WANT_EVAL=${5:-eval/bpf_loop}
# shellcheck disable=SC2034 # read by vm.d/70-enforce.sh and 76-attacks.sh
FORCE_EVAL=$6
BUILD=/uev
# shellcheck source=../integration/lib.sh
. /uev/lib.sh

# A kernel-made UUID: synthetic uevents insist on a valid one, and busybox's
# date may not do %N for lib.sh's new_uuid.
new_uuid() {
	cat /proc/sys/kernel/random/uuid
}

# Under TCG a load with its verification takes seconds: wait up to 60 s.
TRACE_WAIT=600

# A check that hangs says where. The harness stops a VM after VM_IDLE (90) s without
# console output, and the log then ends at the last check that passed (the 6.1 hang in
# CI took a VM run to find). So after STALL_S without a check result, once per stall,
# the console gets every test process (state, syscall, kernel stack) and the blocked
# tasks (sysrq w).
STALL_S=60
on_result() {
	cut -d. -f1 /proc/uptime >"$T/result.at"
}
stall_dump() {
	echo "=== STALL: no check result for ${STALL_S} s; the test processes:"
	for d in /proc/[0-9]*; do
		cmd=$(tr '\0' ' ' <"$d/cmdline" 2>/dev/null | cut -c1-100)
		[ -n "$cmd" ] || continue # a kernel thread
		echo "--- ${d#/proc/} $cmd"
		echo "    $(grep '^State' "$d/status") syscall $(cut -d' ' -f1 "$d/syscall" 2>/dev/null)"
		sed 's/^/    /' "$d/stack" 2>/dev/null
	done
	echo w >/proc/sysrq-trigger 2>/dev/null
	echo "=== STALL end"
}
stall_watch() {
	dumped=
	while kill -0 "$1" 2>/dev/null; do
		sleep 5
		at=$(cat "$T/result.at" 2>/dev/null) || continue
		now=$(cut -d. -f1 /proc/uptime)
		if [ $((now - at)) -lt "$STALL_S" ]; then
			dumped=
		elif [ "$dumped" != "$at" ]; then
			stall_dump
			dumped=$at
		fi
	done
}
on_result
stall_watch $$ &
PIDS="$PIDS $!"

# wait_count PATTERN FILE N [TENTHS] is lib.sh's: until FILE has N lines
# matching PATTERN (10 s), false after that.

ns_ino() {
	stat -L -c %i "/proc/$1/ns/$2"
}

# --- features: what this kernel allows, and that probing neither hangs nor crashes.
timeout 120 "$UEVSCOPE" features >"$T/features.out" 2>&1
rc=$?
timeout 120 "$UEVSCOPE" features -v >"$T/features-v.out" 2>&1
rcv=$?
# Which uevent-path functions this kernel keeps out of line (fentry targets).
echo "--- uevent and netlink broadcast symbols in /proc/kallsyms"
grep -E ' (kobject_uevent[a-z_]*|uevent_net[a-z_]*|alloc_uevent_skb|netlink_broadcast[a-z_]*|__netlink_sendskb|netlink_has_listeners|sock_def_readable|__mutex_lock_slowpath)$' /proc/kallsyms | sed 's/^[0-9a-f]* //'
echo "--- uevscope features -v (exit $rcv)"
cat "$T/features-v.out"
echo "---"
if [ $rc = 0 ] && [ $rcv = 0 ] && grep -q '^trace  *delivery' "$T/features.out"; then
	pass "features and features -v run to the end"
else
	fail "features and features -v run to the end" "exit $rc and $rcv (124: hung, 139: crashed)"
fi
planned=$(awk '$1 == "trace" && $2 == "delivery" { print $3 }' "$T/features.out")
planned_emit=$(awk '$1 == "trace" && $2 == "emission" { print $3 }' "$T/features.out")
# A probe line that says "no" must say why on the same line.
bad=$(awk '/^[a-z_]+\// && $2 == "no" && NF < 3 { print $1 }' "$T/features.out")
[ -z "$bad" ] && pass "features gives a reason for every refused attach point" ||
	fail "features gives a reason for every refused attach point" "none for: $bad"
works() {
	awk -v p="$1" '$1 == p { print $2 }' "$T/features.out"
}
# why_not TIER: the reason features gives, joined from its wrapped lines.
why_not() {
	awk -v p="$1" '$1 == p { on = 1; sub(/^[^ ]+ +no +/, ""); r = $0; next }
		on && /^  / { sub(/^ +/, ""); r = r " " $0; next } { on = 0 } END { print r }' \
		"$T/features.out"
}

# --- one file per feature (report, enforcement, locks, ...), each sourced in
# order with this file's helpers and variables in scope; then the kernel log.
run_parts() {
	for part in /uev/vm.d/*.sh; do
		[ -e "$part" ] || continue
		case ",${PARTS:-$(basename "$part" .sh)}," in
		*",$(basename "$part" .sh),"*) ;;
		*) continue ;;
		esac
		echo "--- $(basename "$part")"
		t0=$(cut -d. -f1 /proc/uptime)
		# shellcheck source=/dev/null # each part is checked on its own
		. "$part"
		# What each part costs under this accelerator (the matrix has a time limit).
		info "part $(basename "$part" .sh) took $(($(cut -d. -f1 /proc/uptime) - t0)) s"
	done
	# The kernel said nothing bad about any of it.
	dmesg | grep -E 'BUG:|WARNING:|Oops:|general protection fault|Call Trace:' >"$T/dmesg.bad"
	if [ -s "$T/dmesg.bad" ]; then
		fail "kernel log clean" "$(head -1 "$T/dmesg.bad")"
		echo "--- dmesg"
		dmesg
		echo "---"
	else
		pass "kernel log clean"
	fi
}
if [ -n "$PARTS" ]; then
	run_parts
	exit 0
fi

# --- deliveries: a listener in the initial netns and one in a second netns
# owned by the initial user namespace; one synthetic kernel uevent reaches both.
start_listener host -- || fail "setup" "host listener: $(cat "$T/host.out")"
start_listener ns unshare -n -- || fail "setup" "netns listener: $(cat "$T/ns.out")"

# delivery_round NAME TRACE_ARGS...: one uevent, both deliveries traced and
# nothing else; sets TIER and EMIT_TIER from what trace said it attached.
delivery_round() {
	name=$1
	shift
	U=$(new_uuid)
	TIER=""
	EMIT_TIER=""
	if ! start_trace "$name" -m "SYNTH_UUID==\"$U\"" "$@"; then
		fail "$name: trace starts" "$(cat "$T/$name.err")"
		return 1
	fi
	TIER=$(sed -n 's/^uevscope: tracing uevent deliveries via \([^ ]*\).*/\1/p' "$T/$name.err")
	EMIT_TIER=$(sed -n 's/^uevscope: tracing uevent emissions via \([^ ]*\).*/\1/p' "$T/$name.err")
	seq_before=$(count_lines "^uevent seqnum" "$T/host.out")
	fire_uevent "$U"
	wait_count ' rx=' "$T/$name.out" 2
	[ -n "$EMIT_TIER" ] && wait_count ' EMIT ' "$T/$name.out" 2
	sleep 0.5
	stop_trace
	seq=$(sed -n 's/^uevent seqnum=\([0-9]*\).*/\1/p' "$T/host.out" | sed -n "$((seq_before + 1))p")
	got=$(sed -n 's/.* netns=\([0-9]*\).* rx=\([0-9]*\)\/.*/\1 \2/p' "$T/$name.out" | sort)
	want=$(printf '%s %s\n%s %s\n' "$host_netns" "$host_pid" "$ns_netns" "$ns_pid" | sort)
	[ "$got" = "$want" ] && pass "$name: exactly the two deliveries, right netns and receivers" ||
		fail "$name: exactly the two deliveries, right netns and receivers" "want [$want] got [$got]"
	got=$(grep ' rx=' "$T/$name.out" | awk '{ print $2, $3, $4, $5 }' | sort -u)
	want="seq=$seq change /devices/virtual/mem/null (mem)"
	n=$(grep ' rx=' "$T/$name.out" | grep -c ' origin=kernel ')
	[ "$got" = "$want" ] && [ "$n" = 2 ] &&
		pass "$name: seqnum, action, devpath, subsystem, origin=kernel" ||
		fail "$name: seqnum, action, devpath, subsystem, origin=kernel" "want [$want] got [$got]"
	[ "$TRACE_RC" = 0 ] && pass "$name: SIGINT ends the trace with exit 0" ||
		fail "$name: SIGINT ends the trace with exit 0" "exit $TRACE_RC: $(tail -3 "$T/$name.err")"
	[ -n "$EMIT_TIER" ] || return 0
	# An untagged uevent is broadcast once per netns with a listener.
	got=$(sed -n 's/.* EMIT netns=\([0-9]*\).* result=\([a-z_]*\) deliveries=\([0-9]*\).*/\1 \2 \3/p' \
		"$T/$name.out" | sort)
	want=$(printf '%s delivered 1\n%s delivered 1\n' "$host_netns" "$ns_netns" | sort)
	[ "$got" = "$want" ] && pass "$name: one emission per listening netns, each with its delivery count" ||
		fail "$name: one emission per listening netns, each with its delivery count" "want [$want] got [$got]"
}

FORCED_EMIT=""
delivery_round default
DELIVERY_TIER=$TIER
EMISSION_TIER=${EMIT_TIER:-none}
info "delivery_tier=$DELIVERY_TIER"
info "emission_tier=$EMISSION_TIER"
[ "$DELIVERY_TIER" = "$WANT_DELIVERY" ] && pass "delivery tier is $WANT_DELIVERY" ||
	fail "delivery tier is $WANT_DELIVERY" "trace chose '$DELIVERY_TIER'"
[ "$planned" = "$DELIVERY_TIER" ] && pass "features and trace agree on the delivery tier" ||
	fail "features and trace agree on the delivery tier" "features: $planned, trace: $DELIVERY_TIER"
case $EMISSION_TIER in
fexit/* | kprobe/*)
	pass "emission tracing attaches" && info "emission tracing attaches ($EMISSION_TIER)"
	[ "$planned_emit" = "$EMISSION_TIER" ] &&
		pass "features and trace agree on the emission tier" ||
		fail "features and trace agree on the emission tier" "features: $planned_emit, trace: $EMISSION_TIER"
	;;
*)
	fail "emission tracing attaches" "$(grep emission "$T/default.err")"
	;;
esac
echo "--- trace output, default tiers"
cat "$T/default.err" "$T/default.out"
echo "---"

# Every other delivery tier this kernel allows, forced: the fallbacks must
# trace the very same deliveries.
for tier in fentry/__netlink_sendskb tp_btf/sk_data_ready raw_tp/sk_data_ready \
	kprobe/__netlink_sendskb fentry/sock_def_readable kprobe/sock_def_readable; do
	[ "$tier" = "$DELIVERY_TIER" ] && continue
	# fentry/__netlink_sendskb is tier-fentry, fentry/sock_def_readable tier-fentry-readable.
	short=$(echo "$tier" | sed 's/^\([a-z_]*\)\/sock_def_readable$/\1-readable/; s/^\([a-z_]*\)\/.*/\1/')
	if [ "$(works "$tier")" != yes ]; then
		skip "tier $tier" "not available on this kernel: $(why_not "$tier")"
		continue
	fi
	delivery_round "tier-$short" --tier "$tier" --no-emission
	[ "$TIER" = "$tier" ] && pass "tier-$short: trace used the forced tier" ||
		fail "tier-$short: trace used the forced tier" "got '$TIER'"
done

# The emission tier not chosen by default, forced, when this kernel allows it.
for tier in fexit/netlink_broadcast kprobe/netlink_broadcast; do
	[ "$tier" = "$EMISSION_TIER" ] && continue
	short=emit-$(echo "$tier" | sed 's/^\([a-z_]*\)\/.*/\1/')
	if [ "$(works "$tier")" != yes ]; then
		skip "tier $tier" "not available on this kernel: $(why_not "$tier")"
		continue
	fi
	delivery_round "$short" --tier "$tier"
	[ "$EMIT_TIER" = "$tier" ] && pass "$short: trace used the forced emission tier" ||
		fail "$short: trace used the forced emission tier" "got '$EMIT_TIER': $(cat "$T/$short.err")"
	FORCED_EMIT="$FORCED_EMIT $tier"
done

# --netns is filtered in the kernel, by the delivery and the emission programs alike.
U=$(new_uuid)
if start_trace flt --netns "/proc/$ns_pid/ns/net" -m "SYNTH_UUID==\"$U\""; then
	fire_uevent "$U"
	wait_count ' rx=' "$T/flt.out" 1
	[ "$EMISSION_TIER" != none ] && wait_count ' EMIT ' "$T/flt.out" 1
	sleep 0.5
	stop_trace
	got=$(sed -n 's/.* netns=\([0-9]*\).* rx=\([0-9]*\)\/.*/\1 \2/p' "$T/flt.out")
	[ "$got" = "$ns_netns $ns_pid" ] && pass "--netns keeps only that netns' delivery" ||
		fail "--netns keeps only that netns' delivery" "want [$ns_netns $ns_pid] got [$got]"
	if [ "$EMISSION_TIER" != none ]; then
		got=$(sed -n 's/.* EMIT netns=\([0-9]*\).*/\1/p' "$T/flt.out")
		[ "$got" = "$ns_netns" ] && pass "--netns keeps only that netns' emission" ||
			fail "--netns keeps only that netns' emission" "want [$ns_netns] got [$got]"
	fi
else
	fail "--netns keeps only that netns' delivery" "trace: $(cat "$T/flt.err")"
fi

kill "$host_pid" "$ns_pid" 2>/dev/null
wait "$host_pid" "$ns_pid" 2>/dev/null

# --- emissions without a listener. Untagged uevents (most devices) are not
# even broadcast then: uevent_net_broadcast_untagged() skips every netns
# without a listener. A uevent of a net device is tagged with its netns and
# broadcast there regardless, and netlink_broadcast() returns -ESRCH.
# no_listener_round NAME TRACE_ARGS...
no_listener_round() {
	name=$1
	shift
	U2=$(new_uuid)
	U3=$(new_uuid)
	init_netns=$(ns_ino self net)
	start_trace "$name" -j -m "SYNTH_UUID==\"$U2|$U3\"" "$@" ||
		fail "setup" "trace: $(cat "$T/$name.err")"
	echo "change $U2 TEST=1" >/sys/class/mem/null/uevent
	echo "change $U3 TEST=1" >/sys/class/net/lo/uevent
	wait_for '"emission"' "$T/$name.out" 100
	sleep 0.5
	stop_trace
	[ "$TRACE_RC" = 0 ] && pass "$name: SIGINT ends the trace with exit 0" ||
		fail "$name: SIGINT ends the trace with exit 0" "exit $TRACE_RC"
	lo=$(grep '"devpath":"/devices/virtual/net/lo"' "$T/$name.out")
	if echo "$lo" | grep -q '"type":"emission"' &&
		echo "$lo" | grep -q '"result":"no_listener","retval":-3,"deliveries":0' &&
		echo "$lo" | grep -q "\"netns\":{\"inode\":$init_netns,"; then
		pass "$name: uevent with no listener: emission record, retval -ESRCH, 0 deliveries"
	else
		fail "$name: uevent with no listener: emission record, retval -ESRCH, 0 deliveries" \
			"$(cat "$T/$name.out" "$T/$name.err")"
	fi
	n=$(count_lines '/devices/virtual/mem/null' "$T/$name.out")
	[ "$n" = 0 ] && pass "$name: untagged uevent with no listener anywhere is not broadcast at all" ||
		fail "$name: untagged uevent with no listener anywhere is not broadcast at all" "$n records"
	[ "$(count_lines '"type":"delivery"' "$T/$name.out")" = 0 ] &&
		pass "$name: no listener, no delivery record" ||
		fail "$name: no listener, no delivery record" "$(cat "$T/$name.out")"
}

if [ "$EMISSION_TIER" != none ]; then
	no_listener_round nol
	for tier in $FORCED_EMIT; do
		no_listener_round "nol-$(echo "$tier" | sed 's/^\([a-z_]*\)\/.*/\1/')" --tier "$tier"
	done
else
	skip "uevent with no listener: emission record" "no emission tier on this kernel"
fi

# --- overrun: a paused listener with the smallest receive buffer takes one
# uevent of a burst and loses the rest; trace names it with the kernel's
# own drop count, and the emissions account for every uevent.
start_listener tiny -- -P -b 1 -q || fail "setup" "paused listener: $(cat "$T/tiny.out")"
U6=$(new_uuid)
start_trace ovr -m "SYNTH_UUID==\"$U6\"" || fail "setup" "trace: $(cat "$T/ovr.err")"
"$H/uevgen" -n 50 -w "change $U6 TEST=1" >/dev/null
wait_for ' OVERRUN ' "$T/ovr.out" 50
sleep 0.8 # two periodic socket scans
drops=$(awk -v p="$tiny_portid" '$2 == 15 && $3 == p { print $9 }' /proc/net/netlink)
stop_trace
lost=$(sed -n 's/.* OVERRUN lost=\([0-9]*\) .*/\1/p' "$T/ovr.out" | awk '{ s += $1 } END { print s + 0 }')
who=$(sed -n 's/.* OVERRUN .* netns=\([0-9]*\).* rx=\([0-9]*\)\/.*/\1 \2/p' "$T/ovr.out" | sort -u)
delivered=$(grep ' seq=' "$T/ovr.out" | grep -c ' rx=')
if [ -n "$drops" ] && [ "$drops" -gt 40 ] && [ "$lost" = "$drops" ] &&
	[ "$who" = "$tiny_netns $tiny_pid" ]; then
	pass "overrun named, with the kernel's drop count" && info "overrun named, with the kernel's drop count ($drops)"
else
	fail "overrun named, with the kernel's drop count" \
		"/proc/net/netlink Drops=$drops, traced lost=$lost by [$who], want [$tiny_netns $tiny_pid]"
fi
[ "$((delivered + lost))" = 50 ] && pass "overrun: deliveries and losses add up to the burst" ||
	fail "overrun: deliveries and losses add up to the burst" "$delivered delivered, $lost lost"
if [ "$EMISSION_TIER" != none ]; then
	n=$(count_lines ' EMIT ' "$T/ovr.out")
	sum=$(sed -n 's/.* EMIT .* deliveries=\([0-9]*\).*/\1/p' "$T/ovr.out" | awk '{ s += $1 } END { print s + 0 }')
	[ "$n" = 50 ] && [ "$sum" = "$delivered" ] &&
		pass "overrun: one emission per uevent, their delivery counts sum to the deliveries" ||
		fail "overrun: one emission per uevent, their delivery counts sum to the deliveries" \
			"$n emissions, $sum deliveries counted, $delivered traced"
	# netlink_broadcast() says -ESRCH for a uevent every listener overran, too.
	info "overrun: emission results: $(sed -n 's/.* EMIT .* result=\([a-z_]*\) .*/\1/p' "$T/ovr.out" |
		sort | uniq -c | tr -s ' \n' ' ')"
fi
kill "$tiny_pid" 2>/dev/null

# --- injection: a uevent sent from inside a netns owned by a new user
# namespace, once with a listener there and once without.
start_listener uns unshare -Urn -- || fail "setup" "user-namespaced listener: $(cat "$T/uns.out")"
uns_userns=$(ns_ino "$uns_pid" user)
U4=$(new_uuid)
U5=$(new_uuid)
start_trace inj -m "SYNTH_UUID==\"$U4|$U5\"" || fail "setup" "trace: $(cat "$T/inj.err")"
nsenter -t "$uns_pid" -U -n "$H/uevinject" add /devices/virtual/uevtest/inj uevtest \
	"SYNTH_UUID=$U4" >"$T/inject.out" 2>&1 || fail "setup" "injection: $(cat "$T/inject.out")"
inj_pid=$(sed -n 's/^sent pid=\([0-9]*\).*/\1/p' "$T/inject.out")
unshare -Urn "$H/uevinject" add /devices/virtual/uevtest/nol uevtest "SYNTH_UUID=$U5" \
	>"$T/inject2.out" 2>&1 || fail "setup" "injection without listener: $(cat "$T/inject2.out")"
inj2_pid=$(sed -n 's/^sent pid=\([0-9]*\).*/\1/p' "$T/inject2.out")
inj2_netns=$(sed -n 's/^sent .*netns=\([0-9]*\).*/\1/p' "$T/inject2.out")
wait_for "uevent seqnum" "$T/uns.out" 50
wait_count ' EMIT ' "$T/inj.out" 2
sleep 0.5
stop_trace
[ "$TRACE_RC" = 0 ] && pass "inj: SIGINT ends the trace with exit 0" ||
	fail "inj: SIGINT ends the trace with exit 0" "exit $TRACE_RC"
got=$(grep ' rx=' "$T/inj.out" | sed -n 's/.* netns=\([0-9]*\)[^ ]* userns=\([0-9]*\) rx=\([0-9]*\)\/.* origin=\([a-z]*\) tx=\([0-9]*\)\/\([^ ]*\) .*/\1 \2 \3 \4 \5 \6/p')
want="$uns_netns $uns_userns $uns_pid injected $inj_pid uevinject"
[ "$got" = "$want" ] && pass "injected uevent traced as injected, with its netns, user namespace and injector" ||
	fail "injected uevent traced as injected, with its netns, user namespace and injector" \
		"want [$want] got [$got]: $(cat "$T/inj.out")"
if [ "$EMISSION_TIER" != none ]; then
	got=$(sed -n 's/.* EMIT netns=\([0-9]*\).* result=\([a-z_]*\) deliveries=\([0-9]*\) origin=\([a-z]*\) tx=\([0-9]*\)\/.*/\1 \2 \3 \4 \5/p' \
		"$T/inj.out" | sort)
	want=$(printf '%s delivered 1 injected %s\n%s no_listener 0 injected %s\n' \
		"$uns_netns" "$inj_pid" "$inj2_netns" "$inj2_pid" | sort)
	[ "$got" = "$want" ] && pass "injections give emissions: delivered to 1, and to no listener" ||
		fail "injections give emissions: delivered to 1, and to no listener" "want [$want] got [$got]"
fi
echo "--- trace output, injections"
cat "$T/inj.err" "$T/inj.out"
echo "---"

# --- -v: one line with a reason for each tier refused before the chosen one.
timeout 120 "$UEVSCOPE" trace -v -d 1 >/dev/null 2>"$T/v.err"
rc=$?
refused=$(grep -c "tier .* refused: ." "$T/v.err")
want=0
for tier in fentry/__netlink_sendskb tp_btf/sk_data_ready raw_tp/sk_data_ready \
	kprobe/__netlink_sendskb fentry/sock_def_readable kprobe/sock_def_readable; do
	[ "$tier" = "$DELIVERY_TIER" ] && break
	want=$((want + 1))
done
[ "$EMISSION_TIER" = kprobe/netlink_broadcast ] && want=$((want + 1))
if [ $rc = 0 ] && [ "$refused" = "$want" ]; then
	pass "trace -v gives one reason per refused tier ($want)"
else
	fail "trace -v gives one reason per refused tier ($want)" "exit $rc, $refused lines: $(grep refused "$T/v.err")"
fi
echo "--- trace -v -d 1 (exit $rc)"
cat "$T/v.err"
echo "---"

run_parts
exit 0
