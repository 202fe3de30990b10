# SPDX-License-Identifier: GPL-2.0
# shellcheck disable=SC2154 # NAME_pid, NAME_port...: set by eval in start_listener, start_exporter
# uevscope export: /metrics values equal to the uevents the test makes itself
# (per netns, SUBSYSTEM/ACTION, origin; listeners, isolation, bytes, fan-out),
# promtool accepts the scrape and the textfile, /healthz and the other paths,
# and the same counts as report -j (one model).
SUITE='export'
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/export.inc"
require_root
require_jq
require_tools curl promtool

new_netns uevxa
NSA=$NS
new_netns uevxb
NSB=$NS
start_listener a1 ip netns exec "$NSA" -- -q || fail "setup" "listener a1"
start_listener a2 ip netns exec "$NSA" -- -q || fail "setup" "listener a2"
start_listener b1 ip netns exec "$NSB" -- || fail "setup" "listener b1"
start_listener c unshare -Urn -- || fail "setup" "user-namespaced listener"
c_userns=$(stat -L -c %i "/proc/$c_pid/ns/user")
a_userns=$(stat -L -c %i "/proc/$a1_pid/ns/user")

mkdir "$T/tf"
start_exporter x --textfile "$T/tf" --interval 0.5 ||
	{ fail "setup" "export did not serve: $(cat "$T/x.err")"; exit 0; }
start_exporter capped --max-series 2 || { fail "setup" "capped export: $(cat "$T/capped.err")"; exit 0; }
"$UEVSCOPE" report -j 0.5 >"$T/r.out" 2>"$T/r.err" &
R=$!
PIDS="$PIDS $R"
wait_for '"type":"report"' "$T/r.out" 100 || { fail "setup" "report did not start: $(cat "$T/r.err")"; exit 0; }

# The namespaces a kernel uevent reaches: /proc/net/netlink in each netns, not uevscope.
uevent_truth
N_ALL=$TRUTH_NETNS
fire_known 5 200
inject_from "$c_pid" exp || fail "setup" "injection: $(cat "$T/inject.out")"

# Until every SEQNUM has settled into the fan-out histogram.
n=0
while :; do
	scrape "$x_port" >"$T/m.txt"
	[ "$(sample "$T/m.txt" uevscope_fanout_namespaces_count)" = $((KT + 1)) ] &&
		[ "$(sample "$T/m.txt" uevscope_fanout_pending)" = 0 ] && break
	n=$((n + 1))
	[ $n -gt 80 ] && break
	sleep 0.1
done

# ns_labels NETNS USERNS CONTAINER: the three netns labels, as served.
ns_labels() {
	echo "netns=\"$1\",userns=\"$2\",container=\"$3\""
}
LA=$(ns_labels "$a1_netns" "$a_userns" "$NSA")
LB=$(ns_labels "$b1_netns" "$a_userns" "$NSB")
c_cgroup=$(sed -n 's/^0:://p' "/proc/$c_pid/cgroup")
LC=$(ns_labels "$c_netns" "$c_userns" "$c_cgroup")

# A payload the listener dequeued before the program read it (rare: three
# programs run per delivery here) is counted as subsystem "unknown".
# named NETNS-LABELS: deliveries as mem/change plus those unnamed, and the family's total there.
named() {
	echo "$(($(prefix_sum "$T/m.txt" "uevscope_deliveries_total{$1,subsystem=\"mem\",action=\"change\",origin=\"kernel\"}") + \
		$(prefix_sum "$T/m.txt" "uevscope_deliveries_total{$1,subsystem=\"unknown\",action=\"unknown\",origin=\"kernel\"}"))) $(prefix_sum "$T/m.txt" "uevscope_deliveries_total{$1,")"
}
got="$(named "$LA") $(sample "$T/m.txt" "uevscope_listeners{$LA}")"
[ "$got" = "$((2 * KT)) $((2 * KT)) 2" ] && pass "netns with 2 listeners: deliveries per SUBSYSTEM/ACTION, listeners" ||
	fail "netns with 2 listeners: deliveries per SUBSYSTEM/ACTION, listeners" "want [$((2 * KT)) $((2 * KT)) 2] got [$got]"
b_bytes=$(sed -n 's/^uevent .* len=\([0-9]*\)$/\1/p' "$T/b1.out" | awk '{ s += $1 } END { print s }')
got="$(named "$LB") $(sample "$T/m.txt" "uevscope_delivered_bytes_total{$LB}")"
[ "$got" = "$KT $KT $b_bytes" ] && pass "netns with 1 listener: deliveries, bytes as received, named by /run/netns" ||
	fail "netns with 1 listener: deliveries, bytes as received, named by /run/netns" "want [$KT $KT $b_bytes] got [$got]"
got=$(grep -c "^uevscope_deliveries_total{netns=\"$c_netns\"" "$T/m.txt")
v=$(sample "$T/m.txt" "uevscope_deliveries_total{$LC,subsystem=\"uevtest\",action=\"add\",origin=\"injected\"}")
[ "$got" = 1 ] && [ "$v" = 1 ] &&
	pass "user-namespaced netns: the injected uevent only, origin injected, container = its cgroup" ||
	fail "user-namespaced netns: the injected uevent only, origin injected, container = its cgroup" \
		"$got series, value [$v]: $(grep "netns=\"$c_netns\"" "$T/m.txt" | head -3)"
got="$(sample "$T/m.txt" "uevscope_netns_isolated{$LC}") $(sample "$T/m.txt" "uevscope_netns_isolated{$LA}")"
[ "$got" = "1 0" ] && pass "isolation: 1 for the user-namespaced netns, 0 for the others" ||
	fail "isolation: 1 for the user-namespaced netns, 0 for the others" "got [$got]"
got=$(grep -c 'origin="injected"' "$T/m.txt")
[ "$got" = 1 ] && pass "injected counted nowhere else" || fail "injected counted nowhere else" "$got series"

# Every kernel uevent reached every listening initial-userns namespace; the injection one.
# ($N_ALL: from /proc/net/netlink in each netns, read before the uevents were made.)
got="$(sample "$T/m.txt" "uevscope_fanout_namespaces_bucket{le=\"$((N_ALL - 1))\"}") $(sample "$T/m.txt" "uevscope_fanout_namespaces_bucket{le=\"$N_ALL\"}") $(sample "$T/m.txt" uevscope_fanout_namespaces_sum)"
want="1 $((KT + 1)) $((KT * N_ALL + 1))"
[ "$got" = "$want" ] && pass "fan-out histogram: cumulative buckets and exact sum" ||
	fail "fan-out histogram: cumulative buckets and exact sum" "want [$want] got [$got] ($N_ALL namespaces)"

if promtool check metrics <"$T/m.txt" >"$T/promtool.out" 2>&1; then
	pass "promtool check metrics accepts /metrics"
else
	fail "promtool check metrics accepts /metrics" "$(head -5 "$T/promtool.out")"
fi
got=$(grep -v '^#' "$T/m.txt" | grep -cE '[{,](pid|devpath|seqnum|DEVPATH|SEQNUM)=')
[ "$got" = 0 ] && pass "no PID, DEVPATH or SEQNUM label" || fail "no PID, DEVPATH or SEQNUM label" "$got series"
got="$(family_sum "$T/m.txt" uevscope_lost_total) $(family_sum "$T/m.txt" uevscope_bpf_missed_runs_total) $(grep -c '^uevscope_lost_total{component="report"' "$T/m.txt")"
[ "$got" = "0 0 5" ] && pass "loss counters served, every reason, all zero here" ||
	fail "loss counters served, every reason, all zero here" "got [$got]"
planned=$("$UEVSCOPE" features -j | jq -r '.plans[] | select(.subcommand=="report" and .job=="delivery") | .uses')
got=$(sample "$T/m.txt" "uevscope_bpf_program_attached{component=\"report_delivery\",attach_type=\"$planned\"}")
[ "$got" = 1 ] && pass "programs attached: the delivery tier features predicts ($planned)" ||
	fail "programs attached: the delivery tier features predicts ($planned)" "$(grep '^uevscope_bpf_program_attached' "$T/m.txt")"
got=$(grep -c "^uevscope_build_info{version=\"[0-9.]*\",libbpf_version=\"[0-9]*\.[0-9]*\",kernel=\"$(uname -r)\"} 1$" "$T/m.txt")
[ "$got" = 1 ] && pass "build info: version, libbpf, kernel" || fail "build info: version, libbpf, kernel" "$(grep build_info "$T/m.txt")"

# --max-series 2: the first two label sets kept, the rest summed into "other", and counted.
# Two exporters count on their own (a payload read too late is "unknown" in one
# of them only), so the capped one may have seen more label sets, never fewer.
scrape "$x_port" >"$T/m1.txt"
scrape "$capped_port" >"$T/c.txt"
all=$(grep -c '^uevscope_deliveries_total{' "$T/m1.txt")
n=$(grep -c '^uevscope_deliveries_total{' "$T/c.txt")
folded=$(sample "$T/c.txt" 'uevscope_exporter_series_folded{metric="uevscope_deliveries_total"}')
other=$(grep -c '^uevscope_deliveries_total{netns="other",userns="other",container="other",subsystem="other",action="other",origin="other"}' "$T/c.txt")
sums="$(family_sum "$T/c.txt" uevscope_deliveries_total) $(family_sum "$T/m1.txt" uevscope_deliveries_total)"
if [ "$all" -gt 2 ] && [ "$n" = 3 ] && [ "$other" = 1 ] && [ "${folded:-0}" -ge $((all - 2)) ] &&
	[ "${sums% *}" = "${sums#* }" ]; then
	pass "--max-series 2: 2 series + 'other', the rest folded and counted" && info "--max-series 2: 2 series + 'other' (uncapped: $all), $folded folded and counted, same total"
else
	fail "--max-series 2: 2 series + 'other', the rest folded and counted" \
		"uncapped $all, capped $n, folded [$folded], other [$other], totals [$sums]"
fi
got=$(sample "$T/c.txt" 'uevscope_exporter_series_folded{metric="uevscope_listeners"}')
[ -n "$got" ] && [ "$(grep -c '^uevscope_listeners{' "$T/c.txt")" -le 3 ] &&
	pass "--max-series applies to every labeled family" && info "--max-series applies to every labeled family (listeners: $got folded)" ||
	fail "--max-series applies to every labeled family" "$(grep '^uevscope_listeners' "$T/c.txt")"

# report -j reads the same model: the same counts.
sleep 1.2
scrape "$x_port" >"$T/m2.txt"
kill -INT $R
wait $R
got=$(tail -1 "$T/r.out" | jq -r "[.netns[] | select(.inode == $a1_netns or .inode == $b1_netns or .inode == $c_netns) | .delivered] | add")
want=$(grep -E "^uevscope_deliveries_total\{netns=\"($a1_netns|$b1_netns|$c_netns)\"" "$T/m2.txt" | awk '{ s += $NF } END { print s }')
[ "$got" = "$want" ] && [ "$got" = $((3 * KT + 1)) ] && pass "report -j counts what /metrics serves" ||
	fail "report -j counts what /metrics serves" "report [$got] metrics [$want] made $((3 * KT + 1))"

# The textfile: the same metrics, replaced whole each interval.
sleep 0.6
if [ -f "$T/tf/uevscope.prom" ] && promtool check metrics <"$T/tf/uevscope.prom" >"$T/pt.out" 2>&1; then
	got=$(prefix_sum "$T/tf/uevscope.prom" "uevscope_deliveries_total{$LA,")
	[ "$got" = $((2 * KT)) ] && pass "textfile: promtool accepts it, same values" ||
		fail "textfile: promtool accepts it, same values" "got [$got]"
else
	fail "textfile: promtool accepts it, same values" "$(ls "$T/tf") $(head -3 "$T/pt.out" 2>/dev/null)"
fi
got=$(find "$T/tf" -name '*.tmp' | wc -l)
[ "$got" = 0 ] && pass "textfile: no temporary file left beside it" || fail "textfile: no temporary file left beside it" "$got"

got="$(scrape "$x_port" /healthz) $(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$x_port/nope") $(curl -s -o /dev/null -w '%{http_code}' -X POST "http://127.0.0.1:$x_port/metrics")"
[ "$got" = "ok 404 405" ] && pass "/healthz ok, unknown path 404, POST 405" || fail "/healthz ok, unknown path 404, POST 405" "got [$got]"
# gzip when the client asks (Prometheus always does), plain text otherwise.
curl -s -H 'Accept-Encoding: gzip' -D "$T/gz.h" -o "$T/m.gz" "http://127.0.0.1:$x_port/metrics"
curl -s -D "$T/plain.h" -o "$T/plain.txt" "http://127.0.0.1:$x_port/metrics"
if grep -qi '^content-encoding: gzip' "$T/gz.h" && ! grep -qi '^content-encoding' "$T/plain.h" &&
	gzip -dc "$T/m.gz" | promtool check metrics >/dev/null 2>&1 &&
	[ "$(gzip -dc "$T/m.gz" | grep -c '^# TYPE')" = "$(grep -c '^# TYPE' "$T/plain.txt")" ]; then
	pass "gzip for a client that accepts it, plain otherwise" && info "gzip for a client that accepts it ($(wc -c <"$T/m.gz") of $(wc -c <"$T/plain.txt") bytes), plain otherwise"
else
	fail "gzip for a client that accepts it, plain otherwise" "$(grep -i encoding "$T/gz.h" "$T/plain.h")"
fi
got=$(curl -s -o /dev/null -w '%{content_type}' "http://127.0.0.1:$x_port/metrics")
[ "$got" = "text/plain; version=0.0.4; charset=utf-8" ] && pass "content type of the text format 0.0.4" ||
	fail "content type of the text format 0.0.4" "[$got]"

kill -TERM "$capped_pid"
wait "$capped_pid"
kill -TERM "$x_pid"
wait "$x_pid"
rc=$?
[ $rc = 0 ] && [ ! -e "$T/tf/uevscope.prom" ] && progs_gone 'name report_' &&
	pass "SIGTERM: exit 0, textfile removed, programs gone" ||
	fail "SIGTERM: exit 0, textfile removed, programs gone" "rc=$rc, $(ls "$T/tf"), $LEFT programs"
