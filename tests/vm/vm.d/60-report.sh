# SPDX-License-Identifier: GPL-2.0
# shellcheck disable=SC2154 # NAME_pid, NAME_port...: set by eval in start_listener, start_exporter
# Sourced by vm-tests.sh (busybox sh, no jq): uevscope report on a kernel
# whose delivery tier may differ from the build host's, with emission
# traced: uevents broadcast to no listener, emit-to-delivery latency.
start_listener rh -- -q || fail "report: setup" "host listener: $(cat "$T/rh.out")"
start_listener rn unshare -n -- -q || fail "report: setup" "netns listener: $(cat "$T/rn.out")"
# The socket inventory's two walks (docs/probing.md, plan "listeners") on this kernel: each
# lists both listeners as their namespace's /proc/PID/net/netlink shows them (portid, drops),
# with their holder.
for lw in iter/task_file iter/netlink; do
	"$UEVSCOPE" listeners --tier "$lw" >"$T/lw.out" 2>&1
	lw_ok=1
	for l in rh rn; do
		eval "lw_p=\$${l}_pid lw_n=\$${l}_netns lw_o=\$${l}_portid"
		# shellcheck disable=SC2016 # awk's own $2, not the shell's
		lw_want=$(awk -v o="$lw_o" '$2 == 15 && $3 == o { print $9 }' "/proc/$lw_p/net/netlink")
		lw_got=$(awk -v n="$lw_n" -v o="$lw_o" '$1 == n && $3 == o { print $7, $10 }' "$T/lw.out")
		case "$lw_got" in
		"$lw_want $lw_p/uevlisten:"*) [ -n "$lw_want" ] || lw_ok=0 ;;
		*) lw_ok=0 ;;
		esac
	done
	[ $lw_ok = 1 ] && pass "listeners --tier $lw: both listeners as /proc/PID/net/netlink shows them, with their holder" ||
		fail "listeners --tier $lw: both listeners as /proc/PID/net/netlink shows them, with their holder" "$(cat "$T/lw.out")"
done
"$UEVSCOPE" report 1 >"$T/rep.out" 2>"$T/rep.err" &
rep_pid=$!
PIDS="$PIDS $rep_pid"
if wait_for "NETNS .*LISTENERS" "$T/rep.out" 600; then
	# shellcheck disable=SC2034 # three times, i unused
	for i in 1 2 3; do
		fire_uevent "$(new_uuid)"
	done
	# A new netns broadcasts its loopback's own uevents (tagged with it) to
	# nobody: count those in a netns left alone, then inject into another.
	bare_netns=$(unshare -Urn stat -L -c %i /proc/self/ns/net)
	unshare -Urn "$H/uevinject" add /devices/virtual/uevtest/nol uevtest >"$T/rep-inj.out" 2>&1 ||
		fail "report: setup" "injection: $(cat "$T/rep-inj.out")"
	nol_netns=$(sed -n 's/^sent .*netns=\([0-9]*\).*/\1/p' "$T/rep-inj.out")
	sleep 2.5 # two intervals: every SEQNUM settled and read
	kill -INT $rep_pid
	wait $rep_pid
	rc=$?
	# The last interval: from its header line to the end.
	awk '/NETNS .*LISTENERS/ { n = NR } { line[NR] = $0 } END { for (i = n; i <= NR; i++) print line[i] }' \
		"$T/rep.out" >"$T/rep.last"
	echo "--- uevscope report, last interval (exit $rc)"
	cat "$T/rep.err" "$T/rep.last"
	echo "---"
	[ $rc = 0 ] && pass "report: SIGINT ends it with exit 0" || fail "report: SIGINT ends it with exit 0" "exit $rc"
	grep -q "aggregating uevent deliveries via $DELIVERY_TIER\$" "$T/rep.err" &&
		pass "report: same delivery tier as trace ($DELIVERY_TIER)" ||
		fail "report: same delivery tier as trace ($DELIVERY_TIER)" "$(cat "$T/rep.err")"
	got=$(awk -v a="$rh_netns" -v b="$rn_netns" 'NF >= 9 && ($1 == a || $1 == b) { print $1, $3, $4 }' "$T/rep.last" |
		sort | tr '\n' ' ')
	want=$(printf '%s 1 3\n%s 1 3\n' "$rh_netns" "$rn_netns" | sort | tr '\n' ' ')
	[ "$got" = "$want" ] && pass "report: 3 uevents delivered in each of the 2 namespaces" ||
		fail "report: 3 uevents delivered in each of the 2 namespaces" "want [$want] got [$got]"
	grep -q "fan-out of 3 SEQNUMs (0 still being delivered): 2 netns x3; 2 sockets x3\$" "$T/rep.last" &&
		pass "report: fan-out, each SEQNUM reached 2 namespaces and 2 sockets" ||
		fail "report: fan-out, each SEQNUM reached 2 namespaces and 2 sockets" "$(grep fan-out "$T/rep.last")"
	if [ "$EMISSION_TIER" != none ]; then
		grep -q "aggregating uevent emissions via $EMISSION_TIER\$" "$T/rep.err" &&
			pass "report: same emission tier as trace ($EMISSION_TIER)" ||
			fail "report: same emission tier as trace ($EMISSION_TIER)" "$(cat "$T/rep.err")"
		bare=$(sed -n "s/^  netns $bare_netns: \([0-9]*\) uevent(s) emitted with no listener/\1/p" "$T/rep.last")
		nol=$(sed -n "s/^  netns $nol_netns: \([0-9]*\) uevent(s) emitted with no listener/\1/p" "$T/rep.last")
		[ -n "$bare" ] && [ "$nol" = $((bare + 1)) ] &&
			pass "report: an injection into a netns without listener counted as emitted with no listener" ||
			fail "report: an injection into a netns without listener counted as emitted with no listener" \
				"netns $nol_netns: $nol, a bare netns: $bare: $(grep 'no listener' "$T/rep.last" | tr '\n' ' ')"
		info "report: a new netns broadcasts $bare uevent(s) of its own to no listener"
		lat=$(grep "emit-to-delivery latency" "$T/rep.last")
		n=$(echo "$lat" | sed 's/^[^:]*://' | tr ' ' '\n' | grep -v '^\[' | awk '{ s += $1 } END { print s + 0 }')
		[ "$n" = 6 ] && pass "report: emit-to-delivery latency histogram holds the 6 deliveries" ||
			fail "report: emit-to-delivery latency histogram holds the 6 deliveries" "[$lat]"
		info "report latency: $lat"
	else
		skip "report: emission" "no emission tier on this kernel"
	fi
else
	fail "report: starts" "$(cat "$T/rep.err")"
	kill $rep_pid 2>/dev/null
fi
kill "$rh_pid" "$rn_pid" 2>/dev/null
wait "$rh_pid" "$rn_pid" 2>/dev/null

# The tiers for kernels without sk_data_ready and __netlink_sendskb (5.10), forced where this
# kernel has the first choice too: the same exact per-netns counts.
for tier in fentry/sock_def_readable kprobe/sock_def_readable; do
	[ "$tier" = "$DELIVERY_TIER" ] && continue
	if [ "$(works "$tier")" != yes ]; then
		skip "report: tier $tier" "not available on this kernel: $(why_not "$tier")"
		continue
	fi
	start_listener rfh -- -q || fail "report: setup" "host listener: $(cat "$T/rfh.out")"
	start_listener rfn unshare -n -- -q || fail "report: setup" "netns listener: $(cat "$T/rfn.out")"
	rm -f "$T/repf.out" "$T/repf.err" # see wait_for: every tier writes these
	"$UEVSCOPE" report --tier "$tier" --no-emission 1 >"$T/repf.out" 2>"$T/repf.err" &
	repf_pid=$!
	PIDS="$PIDS $repf_pid"
	if wait_for "NETNS .*LISTENERS" "$T/repf.out" 600; then
		fire_uevent "$(new_uuid)"
		fire_uevent "$(new_uuid)"
		sleep 2.5 # two intervals: every SEQNUM settled and read
		kill -INT $repf_pid
		wait $repf_pid
		awk '/NETNS .*LISTENERS/ { n = NR } { line[NR] = $0 } END { for (i = n; i <= NR; i++) print line[i] }' \
			"$T/repf.out" >"$T/repf.last"
		got=$(awk -v a="$rfh_netns" -v b="$rfn_netns" 'NF >= 9 && ($1 == a || $1 == b) { print $1, $3, $4 }' \
			"$T/repf.last" | sort | tr '\n' ' ')
		want=$(printf '%s 1 2\n%s 1 2\n' "$rfh_netns" "$rfn_netns" | sort | tr '\n' ' ')
		grep -q "aggregating uevent deliveries via $tier\$" "$T/repf.err" && [ "$got" = "$want" ] &&
			pass "report: forced $tier: 2 uevents delivered in each of the 2 namespaces" ||
			fail "report: forced $tier: 2 uevents delivered in each of the 2 namespaces" \
				"want [$want] got [$got]: $(cat "$T/repf.err" "$T/repf.last")"
	else
		fail "report: forced $tier: 2 uevents delivered in each of the 2 namespaces" "$(cat "$T/repf.err")"
		kill $repf_pid 2>/dev/null
	fi
	kill "$rfh_pid" "$rfn_pid" 2>/dev/null
	wait "$rfh_pid" "$rfn_pid" 2>/dev/null
done
