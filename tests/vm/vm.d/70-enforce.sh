# SPDX-License-Identifier: GPL-2.0
# shellcheck disable=SC2154,SC2153 # NAME_pid, NAME_port...: set by eval in start_listener, start_exporter; WANT_FILTER: set by vm-tests.sh
# Enforcement on Debian's kernels, on the tier the boot expects ($WANT_FILTER):
# booted with BPF LSM on, `filter` must pick lsm/socket_sock_rcv_skb (no socket
# filter, no window); booted without it, socket filters and the watcher. Both
# deny for sockets made before and after the rule; flush removes it. Sourced
# by vm-tests.sh (busybox sh, no jq).
want_filter=$(awk '$1 == "filter" && $2 == "enforce" { print $3 }' "$T/features.out")
info "filter_tier=${want_filter:-none}"
[ "$want_filter" = "$WANT_FILTER" ] && pass "filter: features plans $WANT_FILTER" ||
	fail "filter: features plans $WANT_FILTER" "planned [$want_filter]: $(why_not lsm/socket_sock_rcv_skb)"
if [ "$WANT_FILTER" = lsm/socket_sock_rcv_skb ]; then
	FT=LSM
	FLATE="from its first uevent"
	FPIN=lsm_link
	FNOPIN=sockfilter
else
	FT="socket filter"
	FLATE="once the watcher covered it"
	FPIN=sockfilter
	FNOPIN=lsm_link
fi
# enf_covered PID: the watcher (socket filter tier) lists a socket of PID; at once under LSM.
enf_covered() {
	n=0
	while [ "$FT" != LSM ] && [ $n -lt 100 ] &&
		! "$UEVSCOPE" filter status | awk -v p="$1" '$2 == p && /filtered/ { f = 1 } END { exit !f }'; do
		n=$((n + 1))
		sleep 0.1
	done
}

enf_fire() {
	i=0
	while [ $i -lt "$1" ]; do echo change >/sys/class/mem/null/uevent; i=$((i + 1)); done
}
start_listener enf_in unshare -n -- || fail "setup" "filter: netns listener"
start_listener enf_out -- || fail "setup" "filter: host listener"
timeout 120 "$UEVSCOPE" filter add ${FORCE_EVAL:+--tier=$FORCE_EVAL} --netns "$enf_in_netns" 'SUBSYSTEM=="mem"' deny >"$T/enf-add.out" 2>&1
rc=$?
if [ $rc = 0 ] && grep -q "enforced by ${WANT_FILTER%%/*}" "$T/enf-add.out"; then
	pass "filter: add chooses the $FT tier"
else
	fail "filter: add chooses the $FT tier" "exit $rc: $(cat "$T/enf-add.out")"
	echo "--- uevscope -v filter add: the verifier's reasons"
	"$UEVSCOPE" filter flush >/dev/null 2>&1
	timeout 120 "$UEVSCOPE" -v filter add --netns "$enf_in_netns" deny 2>&1 | grep -v '^libbpf: \(prog\|sec\|map\|elf\|CO-RE\)' | grep -B8 'END PROG LOAD LOG\|refused' | head -60
	"$UEVSCOPE" filter flush >/dev/null 2>&1
	timeout 120 "$UEVSCOPE" filter add ${FORCE_EVAL:+--tier=$FORCE_EVAL} --netns "$enf_in_netns" 'SUBSYSTEM=="mem"' deny >/dev/null 2>&1
	echo "---"
fi
# The evaluator build: bounded loops without bpf_loop() (5.17), or where --tier forced them.
enf_eval=$("$UEVSCOPE" filter status | sed -n 's/^evaluator: //p')
info "filter_eval=${enf_eval:-none}"
[ "$enf_eval" = "$WANT_EVAL" ] && pass "filter: the evaluator is $WANT_EVAL${FORCE_EVAL:+ (forced)}" ||
	fail "filter: the evaluator is $WANT_EVAL${FORCE_EVAL:+ (forced)}" "filter status says [$enf_eval]"
[ -e "/sys/fs/bpf/uevscope/filter/$FPIN" ] && [ ! -e "/sys/fs/bpf/uevscope/filter/$FNOPIN" ] &&
	pass "filter: the $FT program stays pinned ($FPIN)" ||
	fail "filter: the $FT program stays pinned ($FPIN)" "$(ls /sys/fs/bpf/uevscope/filter)"

enf_fire 3
wait_count "devpath=/devices/virtual/mem/null " "$T/enf_out.out" 3
sleep 0.5
got="$(count_lines "devpath=/devices/virtual/mem/null " "$T/enf_in.out") $(count_lines "devpath=/devices/virtual/mem/null " "$T/enf_out.out")"
[ "$got" = "0 3" ] && pass "filter: $FT denies in the scoped netns only" ||
	fail "filter: $FT denies in the scoped netns only" "in/out got $got, want 0 3"

# A socket made after the rule, in the same netns: covered with no watcher
# involved under LSM, once the watcher attached under socket filters.
if command -v nsenter >/dev/null; then
	start_listener enf_late nsenter -t "$enf_in_pid" -n -- || fail "setup" "filter: late listener"
	enf_covered "$enf_late_pid"
	enf_fire 2
	wait_count "devpath=/devices/virtual/mem/null " "$T/enf_out.out" 5
	sleep 0.5
	[ "$(count_lines "devpath=/devices/virtual/mem/null " "$T/enf_late.out")" = 0 ] &&
		pass "filter: a socket made after the rule is denied $FLATE" ||
		fail "filter: a socket made after the rule is denied $FLATE" "$(cat "$T/enf_late.out")"
	want_denied=7 # 3, then 2 for each of the two sockets
else
	skip "filter: a socket made after the rule is denied $FLATE" "busybox without nsenter"
	want_denied=3
fi
denied=$("$UEVSCOPE" filter status | awk '$1 == "1" && $4 == "netns='"$enf_in_netns"'" { print $3 }')
[ "$denied" = "$want_denied" ] && pass "filter: status counts what the $FT denied" ||
	fail "filter: status counts what the $FT denied" "denied [$denied], want $want_denied: $("$UEVSCOPE" filter status)"

# Deny everything in that netns: the LSM hook sees every socket, the injector's own
# too, whose ack (a unicast, through the same hook) must still arrive.
"$UEVSCOPE" filter add ${FORCE_EVAL:+--tier=$FORCE_EVAL} --netns "$enf_in_netns" deny >/dev/null 2>&1
if command -v nsenter >/dev/null; then
	nsenter -t "$enf_in_pid" -n "$H/uevinject" add /devices/virtual/uevtest/enf uevtest >"$T/enf-inj.out" 2>&1
	rc=$?
	sleep 0.5
	[ $rc = 0 ] && grep -q "ack=0" "$T/enf-inj.out" &&
		[ "$(count_lines "devpath=/devices/virtual/uevtest/enf" "$T/enf_in.out")" = 0 ] &&
		pass "filter: injected uevent denied, the injector's ack still passes" ||
		fail "filter: injected uevent denied, the injector's ack still passes" "exit $rc: $(cat "$T/enf-inj.out")"
fi

"$UEVSCOPE" filter flush >"$T/enf-flush.out" 2>&1
enf_fire 1
wait_count "devpath=/devices/virtual/mem/null " "$T/enf_in.out" 1
[ ! -e /sys/fs/bpf/uevscope/filter ] && [ "$(count_lines "devpath=/devices/virtual/mem/null " "$T/enf_in.out")" = 1 ] &&
	pass "filter: flush unpins and the uevents flow again" ||
	fail "filter: flush unpins and the uevents flow again" "$(cat "$T/enf-flush.out"); $(ls /sys/fs/bpf/uevscope 2>&1)"
# Cgroup and pid scopes under LSM: the program reads the cgroup from the
# socket itself and the pid from the facts recorded when the rule was added.
enf_root=$(cgroup2_root)
if [ -n "$enf_root" ]; then
	new_cgroup "$enf_root" "uevenf$$"
	printf 'echo $$ > %s/cgroup.procs && exec "$@"\n' "$CG" >"$T/enf-incg.sh"
	start_listener enf_cg sh "$T/enf-incg.sh" -- || fail "setup" "filter: listener in the cgroup"
	start_listener enf_pid -- || fail "setup" "filter: listener for the pid scope"
	start_listener enf_free -- || fail "setup" "filter: listener in no scope"
	timeout 120 "$UEVSCOPE" filter add ${FORCE_EVAL:+--tier=$FORCE_EVAL} --cgroup "$CG" 'SUBSYSTEM=="mem"' deny >"$T/enf-scopes.out" 2>&1 &&
		timeout 120 "$UEVSCOPE" filter add ${FORCE_EVAL:+--tier=$FORCE_EVAL} --pid "$enf_pid_pid" 'SUBSYSTEM=="mem"' deny \
			>>"$T/enf-scopes.out" 2>&1 || fail "setup" "filter: scoped rules: $(cat "$T/enf-scopes.out")"
	enf_fire 2
	wait_count "devpath=/devices/virtual/mem/null " "$T/enf_free.out" 2
	sleep 0.5
	n=/devices/virtual/mem/null
	got="$(count_lines "devpath=$n " "$T/enf_cg.out") $(count_lines "devpath=$n " "$T/enf_pid.out") $(count_lines "devpath=$n " "$T/enf_free.out")"
	[ "$got" = "0 0 2" ] && pass "filter: $FT denies by cgroup scope and by pid scope, nowhere else" ||
		fail "filter: $FT denies by cgroup scope and by pid scope, nowhere else" "cgroup/pid/free got $got, want 0 0 2"
	"$UEVSCOPE" filter flush >/dev/null 2>&1
	kill "$enf_cg_pid" "$enf_pid_pid" "$enf_free_pid" 2>/dev/null
else
	skip "filter: $FT denies by cgroup scope and by pid scope, nowhere else" "no cgroup v2 mounted in the VM"
fi
# shellcheck disable=SC2086 # no late listener: no word
kill "$enf_in_pid" "$enf_out_pid" ${enf_late_pid:-} 2>/dev/null
