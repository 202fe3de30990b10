# SPDX-License-Identifier: GPL-2.0
# shellcheck disable=SC2154 # NAME_pid, NAME_port...: set by eval in start_listener, start_exporter
# Sourced by vm-tests.sh (busybox sh, no jq): uevscope export --textfile on
# Debian's kernels, where emission and the broadcast can be traced: the
# families the build host cannot serve (broadcasts with no listener,
# emit-to-delivery latency, netlink_broadcast() time) hold exact counts.
# 10 uevents into 2 listening namespaces: 20 deliveries, 20 broadcasts.
expect_vm_line() {
	"$UEVSCOPE" "$@" >"$T/exp.out" 2>"$T/exp.err"
	rc=$?
	[ $rc = 2 ] && [ "$(wc -l <"$T/exp.err")" = 1 ] && grep -q "built without an HTTP server" "$T/exp.err" &&
		pass "export: the static build refuses --listen in one line, exit 2" ||
		fail "export: the static build refuses --listen in one line, exit 2" "exit $rc: $(cat "$T/exp.err")"
}
expect_vm_line export --listen 127.0.0.1:9464

# tf_sample SERIES-PREFIX: the sum of the textfile's samples starting with it.
tf_sample() {
	awk -v p="$1" 'index($0, p) == 1 { s += $NF; n++ } END { if (n) print s }' "$T/tf/uevscope.prom"
}

start_listener xh -- -q || fail "export: setup" "host listener"
start_listener xn unshare -n -- -q || fail "export: setup" "netns listener"
mkdir -p "$T/tf"
"$UEVSCOPE" export --textfile "$T/tf" --interval 0.5 --locks >"$T/xp.out" 2>"$T/xp.err" &
xp_pid=$!
PIDS="$PIDS $xp_pid"
if wait_for "writing .*uevscope.prom" "$T/xp.err" 600 && wait_for uevscope_build_info "$T/tf/uevscope.prom" 100; then
	sleep 0.5
	"$H/uevgen" -n 10 >/dev/null
	bare_netns=$(unshare -Urn stat -L -c %i /proc/self/ns/net)
	unshare -Urn "$H/uevinject" add /devices/virtual/uevtest/xnol uevtest >"$T/xp-inj.out" 2>&1 ||
		fail "export: setup" "injection: $(cat "$T/xp-inj.out")"
	nol_netns=$(sed -n 's/^sent .*netns=\([0-9]*\).*/\1/p' "$T/xp-inj.out")
	sleep 2.5 # settled and written
	echo "--- uevscope export --textfile (uevscope_ lines with a value other than 0)"
	cat "$T/xp.err"
	grep -v '^#' "$T/tf/uevscope.prom" | grep -v ' 0$' | grep -v '_bucket' | head -40
	echo "---"
	got="$(tf_sample "uevscope_deliveries_total{netns=\"$xh_netns\"") $(tf_sample "uevscope_deliveries_total{netns=\"$xn_netns\"")"
	[ "$got" = "10 10" ] && pass "export: 10 deliveries served in each of the 2 namespaces" ||
		fail "export: 10 deliveries served in each of the 2 namespaces" "got [$got]"
	if [ "$EMISSION_TIER" != none ]; then
		got=$(tf_sample "uevscope_bpf_program_attached{component=\"report_emission\",attach_type=\"$EMISSION_TIER\"}")
		[ "$got" = 1 ] && pass "export: emission served as attached via $EMISSION_TIER" ||
			fail "export: emission served as attached via $EMISSION_TIER" "[$got]"
		bare=$(tf_sample "uevscope_broadcasts_no_listener_total{netns=\"$bare_netns\"")
		nol=$(tf_sample "uevscope_broadcasts_no_listener_total{netns=\"$nol_netns\"")
		[ -n "$bare" ] && [ "$nol" = $((bare + 1)) ] &&
			pass "export: the injection into a netns without listener served as no listener" ||
			fail "export: the injection into a netns without listener served as no listener" \
				"netns $nol_netns: [$nol], a bare netns: [$bare]"
		got="$(tf_sample "uevscope_broadcasts_total{netns=\"$xn_netns\"") $(tf_sample uevscope_delivery_latency_seconds_count) $(tf_sample 'uevscope_delivery_latency_seconds_bucket{le="+Inf"}')"
		[ "$got" = "10 20 20" ] && pass "export: 10 broadcasts into a listening netns, latency histogram of the 20 deliveries" ||
			fail "export: 10 broadcasts into a listening netns, latency histogram of the 20 deliveries" "got [$got]"
		sum=$(tf_sample uevscope_delivery_latency_seconds_sum)
		awk -v s="$sum" 'BEGIN { exit !(s > 0 && s < 1) }' && pass "export: latency sum in seconds" && info "export: latency sum in seconds ($sum)" ||
			fail "export: latency sum in seconds" "[$sum]"
	else
		skip "export: emission" "no emission tier on this kernel"
	fi
	case "$(works fexit/netlink_broadcast)$(works kprobe/netlink_broadcast)" in
	*yes*)
		got=$(tf_sample uevscope_netlink_broadcast_seconds_count)
		# 20 into the listening namespaces, plus the injection and the bare netns's own
		[ -n "$got" ] && [ "$got" -ge 20 ] && pass "export --locks: netlink_broadcast() timed" && info "export --locks: netlink_broadcast() timed ($got calls)" ||
			fail "export --locks: netlink_broadcast() timed" "[$got]"
		;;
	*) skip "export --locks: netlink_broadcast() timed" "no fentry or kprobe on netlink_broadcast" ;;
	esac
	kill -TERM $xp_pid
	wait $xp_pid
	rc=$?
	[ $rc = 0 ] && [ ! -e "$T/tf/uevscope.prom" ] && pass "export: SIGTERM: exit 0, textfile removed" ||
		fail "export: SIGTERM: exit 0, textfile removed" "exit $rc"
else
	fail "export: starts and writes its textfile" "$(cat "$T/xp.err")"
	kill $xp_pid 2>/dev/null
fi
kill "$xh_pid" "$xn_pid" 2>/dev/null
wait "$xh_pid" "$xn_pid" 2>/dev/null
