# SPDX-License-Identifier: GPL-2.0
# shellcheck disable=SC2154 # NAME_pid, NAME_port...: set by eval in start_listener, start_exporter
# uevscope export beside the policies and the lock: a filter rule's denials
# and a device rule's refusals served per rule, equal to what the test did
# and to `filter status` / `devices list`; with --locks, network namespaces
# created counted exactly and the lock wait histogram served; promtool
# accepts it all; flushing the policies takes their series away.
SUITE=export-policy
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/export.inc"
require_root
require_jq
require_tools curl promtool
. "$(dirname "$0")/devices.inc"
# shellcheck disable=SC2016,SC2089 # a command for enforce.inc's EXIT trap to eval
ENFORCE_EXIT='"$UEVSCOPE" devices flush >/dev/null 2>&1'
. "$(dirname "$0")/enforce.inc"

# fresh PORT FILE: a scrape taken after the next readout (interval 0.3 s).
fresh() {
	sleep 0.7
	scrape "$1" >"$2"
}

new_netns uevepa
NSA=$NS
start_listener a ip netns exec "$NSA" -- -q || fail "setup" "listener a"
start_exporter x --locks --interval 0.3 || { fail "setup" "export did not serve: $(cat "$T/x.err")"; exit 0; }

# --- A filter rule: 3 uevents denied in one netns.
"$UEVSCOPE" filter add --netns "$NSA" 'SUBSYSTEM=="mem"' deny >"$T/add.out" 2>&1 ||
	fail "setup" "filter add: $(cat "$T/add.out")"
fire 3
fresh "$x_port" "$T/f.txt"
"$UEVSCOPE" filter status -j >"$T/st.json"
id=$(jq -r '.rules[0].id' "$T/st.json")
denied=$(jq -r '.rules[0].denied' "$T/st.json")
got=$(grep "^uevscope_filter_rule_uevents_total{rule=\"$id\",.*verdict=\"denied\"}" "$T/f.txt" | awk '{ print $NF }')
[ "$got" = 3 ] && [ "$denied" = 3 ] && pass "filter: denials per rule served, equal to filter status (3)" ||
	fail "filter: denials per rule served, equal to filter status (3)" "metric [$got] status [$denied]"
text=$(jq -r '.rules[0].rule' "$T/st.json" | sed 's/"/\\"/g')
got=$(grep -cxF "uevscope_filter_rule_uevents_total{rule=\"$id\",text=\"$text\",verdict=\"allowed\"} 0" "$T/f.txt")
[ "$got" = 1 ] && pass "filter: the rule's text as a label, quotes escaped" ||
	fail "filter: the rule's text as a label, quotes escaped" "want text=\"$text\": $(grep '^uevscope_filter_rule' "$T/f.txt")"
case "$(jq -r .tier "$T/st.json")" in
lsm) want='component="filter",attach_type="lsm/socket_sock_rcv_skb"' ;;
*) want='component="filter",attach_type="socket_filter"' ;;
esac
got=$(sample "$T/f.txt" "uevscope_bpf_program_attached{$want}")
[ "$got" = 1 ] && pass "filter: the hook in use served as attached" && info "filter: the hook in use served as attached ($want)" ||
	fail "filter: the hook in use served as attached" "$(grep '^uevscope_bpf_program_attached' "$T/f.txt")"
got=$(sample "$T/f.txt" uevscope_filter_evaluated_total)
[ "${got:-0}" -ge 3 ] && pass "filter: uevents evaluated served" && info "filter: uevents evaluated served ($got)" || fail "filter: uevents evaluated served" "[$got]"

# --- A device rule: /dev/null refused twice in one cgroup.
devices deny --cgroup "$BOX" c 1:3 rwm || fail "setup" "devices deny: $(cat "$T/dev.err")"
"$H/devopen" -c "$BOX" r:/dev/null r:/dev/null >"$T/open.out" 2>&1
fresh "$x_port" "$T/d.txt"
listed=$("$UEVSCOPE" devices list | awk '$1 == 1 { print $8 }')
got=$(grep '^uevscope_device_access_total{.*rule="deny c 1:3 rwm",verdict="denied"}' "$T/d.txt")
[ "$(grep -c EPERM "$T/open.out")" = 2 ] && [ "${got##* }" = 2 ] && [ "$listed" = 2 ] &&
	pass "devices: refusals per rule served, equal to devices list (2)" ||
	fail "devices: refusals per rule served, equal to devices list (2)" "[$got] list [$listed] $(cat "$T/open.out")"
case "$got" in
*"cgroup=\"$BOX_REL\""* | *"cgroup=\"$BOX\""*) pass "devices: the rule's cgroup as a label" ;;
*) fail "devices: the rule's cgroup as a label" "[$got], cgroup $BOX_REL" ;;
esac
got=$(sample "$T/d.txt" 'uevscope_bpf_program_attached{component="devices",attach_type="cgroup/dev"}')
[ "$got" = 1 ] && pass "devices: served as attached" || fail "devices: served as attached" "[$got]"

# --- --locks: netns churn counted exactly, the lock wait histogram consistent.
c0=$(sample "$T/d.txt" uevscope_netns_created_total)
for i in 1 2 3; do
	ip netns add "uevepc$i$$" && NETNS_NAMES="$NETNS_NAMES uevepc$i$$"
done
fresh "$x_port" "$T/l.txt"
c1=$(sample "$T/l.txt" uevscope_netns_created_total)
if [ -z "$c0" ]; then
	skip "locks: 3 network namespaces created, 3 counted" "netns churn not countable here: $(grep churn "$T/x.err")"
else
	[ $((c1 - c0)) = 3 ] && pass "locks: 3 network namespaces created, 3 counted" ||
		fail "locks: 3 network namespaces created, 3 counted" "$c0 -> $c1"
fi
inf=$(sample "$T/l.txt" 'uevscope_lock_wait_seconds_bucket{lock="uevent_sock_mutex",le="+Inf"}')
cnt=$(sample "$T/l.txt" 'uevscope_lock_wait_seconds_count{lock="uevent_sock_mutex"}')
[ -n "$inf" ] && [ "$inf" = "$cnt" ] && pass "locks: uevent_sock_mutex wait histogram served" && info "locks: uevent_sock_mutex wait histogram served ($cnt waits)" ||
	fail "locks: uevent_sock_mutex wait histogram served" "+Inf [$inf] count [$cnt]"
got=$(grep -c '^uevscope_bpf_program_attached{component="locks_contention",attach_type="[a-z_]*/contention_begin"} 1$' "$T/l.txt")
[ "$got" = 1 ] && pass "locks: the contention tier served as attached" ||
	fail "locks: the contention tier served as attached" "$(grep '^uevscope_bpf_program_attached' "$T/l.txt")"
if promtool check metrics <"$T/l.txt" >"$T/pt.out" 2>&1; then
	pass "promtool accepts the metrics with filter, devices and locks"
else
	fail "promtool accepts the metrics with filter, devices and locks" "$(head -5 "$T/pt.out")"
fi

# --- Flushed: the policies' series go, the families stay listed.
"$UEVSCOPE" filter flush >/dev/null 2>&1
"$UEVSCOPE" devices flush >/dev/null 2>&1
fresh "$x_port" "$T/e.txt"
got="$(grep -c '^uevscope_filter_rule_uevents_total{' "$T/e.txt") $(grep -c '^uevscope_device_access_total{' "$T/e.txt") $(grep -c '^# TYPE uevscope_filter_rule_uevents_total counter' "$T/e.txt")"
got="$got $(sample "$T/e.txt" 'uevscope_bpf_program_attached{component="filter",attach_type="none"}')"
[ "$got" = "0 0 1 0" ] && pass "after flush: no policy series, families still listed, filter not attached" ||
	fail "after flush: no policy series, families still listed, filter not attached" "[$got]"
kill -TERM "$x_pid"
wait "$x_pid"
