# SPDX-License-Identifier: GPL-2.0
# attach/detach when things go wrong part way, with a real crun container
# (cgroup v1) and a real runc one (cgroup v2), paused or killed at each step by
# the fault points (UEVSCOPE_FAULT=STEP:stop|:kill, docs/tests.md):
# - the device removed for real (loop-control's LOOP_CTL_REMOVE) before each
#   step: one line, exit 1, nothing left (devices.list as before, no node
#   inside, no event, no state);
# - the container gone before each step: the same;
# - attach and detach SIGKILLed at each step: the journal left behind is found
#   by the next attach, detach or `devices list`, which says so and rolls the
#   attach back or completes the detach, judged by devices.list, a real open()
#   from the container's cgroup, the node inside, what a listener inside got
#   (with an attach and detach of a control device as the positive control
#   of each window) and, on v2, runc's own program back alone on its cgroup;
# - a hostile container root: one that replaces the node with a symlink out of
#   its /dev, one whose listener never reads while it floods its own netns.
SUITE=attach-faults
. "$(dirname "$0")/lib.sh"
require_root
require_jq
for t in crun runc busybox unshare bpftool; do
	command -v $t >/dev/null || { skip "all" "needs $t"; exit 0; }
done
[ -w /dev/loop-control ] || { skip "all" "needs /dev/loop-control (loop devices)"; exit 0; }
. "$(dirname "$0")/container.inc"
KMSG=/dev/uevfault-kmsg-$$
JOURNAL=/run/uevscope/attach.journal
LOOPS=""
trap 'ctr_cleanup; rm -f "$KMSG" /run/uevscope/attached "$JOURNAL"; for l in $LOOPS; do "$H/loopctl" remove "$l" >/dev/null 2>&1; done; cleanup' EXIT
[ -e /run/uevscope/attached ] && { skip "all" "devices are attached already (/run/uevscope/attached)"; exit 0; }
mknod "$KMSG" c 1 11 || { fail "setup" "mknod"; exit 0; }

check() {
	[ "$2" = "$3" ] && pass "$1" || fail "$1" "want '$2', got '$3'"
}
# new_loop: a loop device of our own (number in $L), made through loop-control.
new_loop() {
	L=3100
	while [ -e "/sys/block/loop$L" ]; do L=$((L + 1)); done
	"$H/loopctl" add "$L" >/dev/null || { fail "setup" "loopctl add $L"; exit 0; }
	LOOPS="$LOOPS $L"
	i=0
	while [ ! -b "/dev/loop$L" ] && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
}
# wait_stopped PID: until the process is stopped (SIGSTOP) at its fault point.
wait_stopped() {
	i=0
	while [ $i -lt 150 ] && ! sed 's/.*) //' "/proc/$1/stat" 2>/dev/null | grep -q '^T'; do
		sleep 0.1
		i=$((i + 1))
	done
}
# errlines FILE: stderr without the fault point's own lines.
errlines() {
	grep -v 'fault point' "$1"
}
# attached: how many devices `devices list` shows attached.
attached() {
	"$UEVSCOPE" devices list 2>/dev/null | grep -c '^attached'
}
# state: "clean" when neither the state file nor the journal exists.
state() {
	s=""
	[ -e /run/uevscope/attached ] && s="${s}state:$(tr '\t\n' ' ;' </run/uevscope/attached)"
	[ -e "$JOURNAL" ] && s="${s}journal:$(tr '\t\n' ' ;' <"$JOURNAL")"
	echo "${s:-clean}"
}
# inside OP:PATH: what open() says inside the container c1.
inside() {
	ctr_exec c1 /h/devopen "$1" 2>&1 | awk '{print $4}'
}
# from_cgroup OP:PATH: what open() says for a host process in c1's v1 devices cgroup.
from_cgroup() {
	sh -c 'echo $$ >"$1/cgroup.procs" && shift && exec "$@"' sh "$V1" "$H/devopen" "$1" |
		awk '{print $4}'
}
# mark: the uevents the listener in c1 got so far.
mark() {
	MARK=$(count_lines '^uevent' "$T/l.ev")
}
# window: the uevents it got since mark, once the control (CTL attached and
# detached again, fired after them) has arrived: "add CTL;remove CTL;" alone
# when nothing else came.
window() {
	c0=$(count_lines "action=remove devpath=$CTLPATH " "$T/l.ev")
	"$UEVSCOPE" attach --container "$PID1" "$CTL" 2>/dev/null &&
		"$UEVSCOPE" detach --container "$PID1" "$CTL" 2>/dev/null
	wait_count "action=remove devpath=$CTLPATH " "$T/l.ev" $((c0 + 1)) 100 || echo "control-lost"
	grep '^uevent' "$T/l.ev" | tail -n +$((MARK + 1)) |
		sed 's/.* action=\([a-z]*\) devpath=\([^ ]*\).*/\1 \2/' |
		sed -e "s|$CTLPATH|CTL|" -e 's|/devices/virtual/mem/kmsg|KMSG|' \
			-e 's|/devices/virtual/block/loop[0-9]*|LOOP|' | tr '\n' ';'
}

ctr_start c1 sleep 3600 || { fail "container starts" "$(head -2 "$T/ctr/c1/start.err")"; exit 0; }
PID1=$CTR_PID
V1=$(ctr_cgroup c1)
cp "$V1/devices.list" "$T/list.before"
new_loop
CTL=/dev/loop$L
CTLPATH=/devices/virtual/block/loop$L
ctr_exec c1 /h/uevlisten -t 600000 >"$T/l.ev" 2>&1 &
PIDS="$PIDS $!"
wait_for "^ready" "$T/l.ev" 100 || { fail "setup" "listener in c1"; exit 0; }
# listsame: devices.list of c1 as before the suite.
listsame() {
	[ "$(cat "$V1/devices.list")" = "$(cat "$T/list.before")" ] && echo same || echo changed
}

# 1. The device removed for real while attach is stopped before a step.
for step in access node event; do
	new_loop
	dev=/dev/loop$L
	mark
	UEVSCOPE_FAULT=attach-$step:stop "$UEVSCOPE" attach --container "$PID1" "$dev" \
		>"$T/out" 2>"$T/err" &
	ap=$!
	wait_stopped $ap
	"$H/loopctl" remove "$L" >/dev/null && LOOPS=${LOOPS% "$L"}
	kill -CONT $ap
	wait $ap
	rc=$?
	check "device removed before the $step step: exit 1, one line saying it went away" \
		"1 1 1" "$rc $(errlines "$T/err" | wc -l) $(errlines "$T/err" | grep -c "loop$L went away")"
	check "device removed before the $step step: nothing left (devices.list, node, state, devices list)" \
		"same ENOENT clean 0" "$(listsame) $(inside r:"$dev") $(state) $(attached)"
	check "device removed before the $step step: the listener got no event of it (control seen)" \
		"add CTL;remove CTL;" "$(window)"
done

# 2. The container gone while attach is stopped before a step.
for step in access node event; do
	ctr_start "g$step" sleep 3600 || { fail "container g$step starts" "$(head -2 "$T/ctr/g$step/start.err")"; continue; }
	gpid=$CTR_PID
	UEVSCOPE_FAULT=attach-$step:stop "$UEVSCOPE" attach --container "$gpid" "$KMSG" \
		>"$T/out" 2>"$T/err" &
	ap=$!
	wait_stopped $ap
	ctr_stop "g$step"
	kill -CONT $ap
	wait $ap
	rc=$?
	check "container gone before the $step step: exit 1, one line saying it went away" \
		"1 1 1" "$rc $(errlines "$T/err" | wc -l) $(errlines "$T/err" | grep -c "container $gpid .*went away")"
	check "container gone before the $step step: nothing left (state, devices list, its cgroup)" \
		"clean 0 gone" "$(state) $(attached) $([ -e "$(ctr_cgroup "g$step")" ] && echo there || echo gone)"
done

# 3. SIGKILL at each step; the next command (devices list, attach or detach)
# finds the journal, says so, and rolls back (attach) or completes (detach).
# expect_after STEP: what the listener gets, as the kill leaves it and the
# recovery completes it: an add that may have gone out is taken back.
for case in "attach-access devices" "attach-node attach" "attach-event detach" "attach-save devices" \
	"detach-access devices" "detach-node attach" "detach-event detach" "detach-save devices"; do
	step=${case% *}
	by=${case#* }
	mark
	if [ "${step%%-*}" = detach ]; then
		"$UEVSCOPE" attach --container "$PID1" "$KMSG" 2>/dev/null ||
			fail "$step: setup attach" "$(cat "$T/err")"
		UEVSCOPE_FAULT=$step:kill "$UEVSCOPE" detach --container "$PID1" "$KMSG" >"$T/out" 2>"$T/err"
		rc=$?
		want_ev="add KMSG;remove KMSG;"
		want_say="interrupted detach of c 1:11 $KMSG .*: completed"
	else
		UEVSCOPE_FAULT=$step:kill "$UEVSCOPE" attach --container "$PID1" "$KMSG" >"$T/out" 2>"$T/err"
		rc=$?
		case $step in
		attach-event) want_ev="remove KMSG;" ;;
		attach-save) want_ev="add KMSG;remove KMSG;" ;;
		*) want_ev="" ;;
		esac
		want_say="interrupted attach of c 1:11 $KMSG .*: rolled back"
	fi
	check "$step: killed (SIGKILL), the journal is left" "137 yes" "$rc $([ -s "$JOURNAL" ] && echo yes || echo no)"
	case $by in
	devices) "$UEVSCOPE" devices list >"$T/out" 2>"$T/err" ;;
	attach) "$UEVSCOPE" attach --container "$PID1" "$CTL" >"$T/out" 2>"$T/err" &&
		"$UEVSCOPE" detach --container "$PID1" "$CTL" >/dev/null 2>&1 ;;
	detach) "$UEVSCOPE" detach --container "$PID1" "$KMSG" >"$T/out" 2>"$T/err" ;;
	esac
	byname=$by
	[ "$by" = devices ] && byname="devices list"
	check "$step: the next $byname says it found the interrupted change and what it did" \
		"1" "$(grep -c "$want_say" "$T/err")"
	check "$step: wholly detached (devices.list, node inside, open() from its cgroup, state, devices list)" \
		"same ENOENT EPERM clean 0" \
		"$(listsame) $(inside w:"$KMSG") $(from_cgroup w:"$KMSG") $(state) $(attached)"
	# The recovering attach attached and detached CTL itself; then the control.
	[ "$by" = attach ] && want_ev="${want_ev}add CTL;remove CTL;"
	check "$step: the listener's events (control seen)" "${want_ev}add CTL;remove CTL;" "$(window)"
	"$UEVSCOPE" devices list >/dev/null 2>"$T/err"
	check "$step: resolved once: the list after says nothing more" "0" "$(grep -c interrupted "$T/err")"
done

# 4. A hostile container root (all capabilities in its user namespace: nsenter
# -U -m) replaces the bind-mounted node with a symlink to a file the host can
# see; detach leaves that file alone, says the node is not its own, revokes
# access all the same.
echo victim >"$T/ctr/c1/io/victim"
"$UEVSCOPE" attach --container "$PID1" "$KMSG" 2>/dev/null
nsenter -t "$PID1" -U -m -p sh -c "umount '$KMSG' && rm '$KMSG' && ln -s /io/victim '$KMSG'" 2>"$T/err" ||
	fail "hostile: replace the node" "$(cat "$T/err")"
"$UEVSCOPE" detach --container "$PID1" "$KMSG" >"$T/out" 2>"$T/err"
rc=$?
check "hostile node swap: detach exits 0, says the node is not its own, the host file survives, access revoked" \
	"0 1 victim EPERM clean" \
	"$rc $(grep -c 'not the node attach made' "$T/err") $(cat "$T/ctr/c1/io/victim") $(from_cgroup w:"$KMSG") $(state)"
nsenter -t "$PID1" -U -m -p rm -f "$KMSG"

# A listener that never reads (a 1-byte buffer, full) while the container's
# root floods its own netns: attach is not held up, a reading listener (the
# suite's) gets the add, the full one counts what it lost.
start_listener full nsenter -t "$PID1" -U -n -- -P -b 1 -t 60000 ||
	{ fail "setup" "full listener"; exit 0; }
i=0
while [ $i -lt 20 ]; do
	nsenter -t "$PID1" -U -n "$H/uevinject" add "/devices/virtual/uevtest/flood$i" uevtest >/dev/null 2>&1
	i=$((i + 1))
done
mark
"$UEVSCOPE" attach --container "$PID1" "$KMSG" >"$T/out" 2>"$T/err"
rc=$?
"$UEVSCOPE" detach --container "$PID1" "$KMSG" >/dev/null 2>&1
# shellcheck disable=SC2154 # set by start_listener
kill -USR1 "$full_pid"
kill -TERM "$full_pid"
wait_for "^total=" "$T/full.out" 100
check "flooded, unread listener: attach exits 0, the reading listener got add and remove (control seen)" \
	"0 add KMSG;remove KMSG;add CTL;remove CTL;" "$rc $(window)"
drops=$(sed -n 's/^total=.* drops=\([0-9]*\).*/\1/p' "$T/full.out")
[ "${drops:-0}" -gt 0 ] && pass "the flooded listener lost uevents" && info "the flooded listener lost uevents (drops=$drops): its own doing" ||
	fail "the flooded listener lost uevents" "$(tail -1 "$T/full.out")"

# 6. A device removed for real after attach's last check while no --follow runs
# (LOOP_CTL_REMOVE: a real remove uevent, which the container never hears: its
# netns gets no kernel uevents). Its record, allow and node would stay, and a
# later device of its number would open through them. The next command that
# holds the attach lock (devices list here, then detach, then attach) detaches
# it and says so in one line; a control device attached beside it stays.
# report, which only reads, marks it gone until then.
unlist() {
	LOOPS=$(echo " $LOOPS " | sed "s/ $1 / /;s/^ *//;s/ *$//")
}
# rec MINOR: how many state lines record b 7:MINOR.
rec() {
	awk -F '\t' -v m="$1" '$5 == 7 && $6 == m' /run/uevscope/attached 2>/dev/null | wc -l
}
new_loop
GL=$L
new_loop
KL=$L
"$UEVSCOPE" attach --container "$PID1" "/dev/loop$GL" "/dev/loop$KL" 2>"$T/err" ||
	fail "gone: setup attach" "$(cat "$T/err")"
mark
"$H/loopctl" remove "$GL" >/dev/null && unlist "$GL"
"$UEVSCOPE" report -j 0.2 1 >"$T/r.json" 2>"$T/r.err"
check "gone: report -j, which only reads, marks the removed device gone and the control attached" \
	"7:$GL gone;7:$KL attached;" \
	"$(jq -r '.attached[] | "\(.major):\(.minor) \(.state)"' "$T/r.json" | sort | tr '\n' ';')"
mkdir -p "$T/prom"
"$UEVSCOPE" export --textfile "$T/prom" --interval 0.2 >/dev/null 2>"$T/x.err" &
X=$!
PIDS="$PIDS $X"
wait_for 'uevscope_attached_device{' "$T/prom/uevscope.prom" 150
check "gone: export, which only reads, labels the removed device state=\"gone\" and the control \"attached\"" \
	"b 7:$GL gone;b 7:$KL attached;" \
	"$(sed -n 's/^uevscope_attached_device{.*device="\([^"]*\)".*state="\([a-z]*\)".*/\1 \2/p' "$T/prom/uevscope.prom" | sort | tr '\n' ';')"
kill "$X"
wait "$X" 2>/dev/null
"$UEVSCOPE" devices list >"$T/list" 2>"$T/err"
rc=$?
check "gone: the next devices list exits 0 and says in one line that it detached the removed device" \
	"0 1 1" "$rc $(wc -l <"$T/err") $(grep -c "b 7:$GL /dev/loop$GL detached from .*the device is gone (removed from the host); access restored (v1), node removed, remove sent" "$T/err")"
check "gone: only the control stays attached (devices list, state, devices.list)" "0 1 0 1 0 1" \
	"$(grep -c "^attached b 7:$GL " "$T/list") $(grep -c "^attached b 7:$KL " "$T/list") $(rec "$GL") $(rec "$KL") $(grep -c "^b 7:$GL " "$V1/devices.list") $(grep -c "^b 7:$KL " "$V1/devices.list")"
check "gone: the removed device's node is gone inside, the control still opens" "ENOENT ok" \
	"$(inside r:/dev/loop$GL) $(inside r:/dev/loop$KL)"
check "gone: the listener got the removed device's remove, nothing of the control (control seen)" \
	"remove LOOP;add CTL;remove CTL;" "$(window)"
"$UEVSCOPE" devices list >/dev/null 2>"$T/err"
check "gone: resolved once: the list after says nothing more" "0" "$(wc -l <"$T/err")"
# A hostile root in the container's user namespace cannot make the node again:
# its /dev is nodev and mknod of a device is refused in a user namespace.
nsenter -t "$PID1" -U -m mknod "/dev/loop$GL" b 7 "$GL" >/dev/null 2>&1
check "hostile: root in the container's user namespace cannot make the gone device's node again" \
	"1 ENOENT" "$? $(inside r:/dev/loop$GL)"

# detach of a device removed since: exit 0, one line, nothing left of it.
new_loop
DL=$L
"$UEVSCOPE" attach --container "$PID1" "/dev/loop$DL" 2>"$T/err" ||
	fail "gone: setup attach" "$(cat "$T/err")"
mark
"$H/loopctl" remove "$DL" >/dev/null && unlist "$DL"
"$UEVSCOPE" detach --container "$PID1" "/dev/loop$DL" >"$T/out" 2>"$T/err"
rc=$?
check "gone: detach of a removed device exits 0 with one line; the control's record stays" "0 1 1 0 1" \
	"$rc $(wc -l <"$T/err") $(grep -c "loop$DL detached from .*the device is gone (removed from the host)" "$T/err") $(rec "$DL") $(rec "$KL")"
check "gone: detach of a removed device: node gone inside, devices.list without it, its remove heard (control seen)" \
	"ENOENT 0 remove LOOP;add CTL;remove CTL;" \
	"$(inside r:/dev/loop$DL) $(grep -c "^b 7:$DL " "$V1/devices.list") $(window)"

# Replaced: the same name and number made again while the old record stands.
# The old allow and bind-mounted node reach the new device until a command
# holding the attach lock runs (the hazard, seen: the positive control). attach
# of the new one tells them apart by the sysfs inode: detaches the old record
# (not "attached already"), attaches the new one.
new_loop
RL=$L
"$UEVSCOPE" attach --container "$PID1" "/dev/loop$RL" 2>"$T/err" ||
	fail "replaced: setup attach" "$(cat "$T/err")"
"$H/loopctl" remove "$RL" >/dev/null && unlist "$RL"
"$H/loopctl" add "$RL" >/dev/null && LOOPS="$LOOPS $RL"
i=0
while [ ! -b "/dev/loop$RL" ] && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
check "replaced: before any command runs, the old record's node and allow open the new device" \
	"ok" "$(inside r:/dev/loop$RL)"
mark
"$UEVSCOPE" attach --container "$PID1" "/dev/loop$RL" >"$T/out" 2>"$T/err"
rc=$?
check "replaced: attach of the new device exits 0, detaches the old record (replaced), attaches the new" \
	"0 2 1 1" "$rc $(wc -l <"$T/err") $(grep -c "loop$RL detached from .*the device is gone (replaced: b 7:$RL is another device now)" "$T/err") $(grep -c "loop$RL attached to" "$T/err")"
check "replaced: one record, with the new device's sysfs inode; the listener got remove, then add" \
	"1 $(stat -c %i "/sys/dev/block/7:$RL/uevent") remove LOOP;add LOOP;add CTL;remove CTL;" \
	"$(rec "$RL") $(awk -F '\t' -v m="$RL" '$5 == 7 && $6 == m {print $12}' /run/uevscope/attached) $(window)"
"$UEVSCOPE" detach --container "$PID1" --all >/dev/null 2>"$T/err"
check "gone: after detach --all, devices.list exactly as before, nothing recorded" "same clean" \
	"$(listsame) $(state)"

# 7. --follow's container exits: its first process killed (the kernel takes
# its pid namespace with it; crun keeps the cgroup until delete). follow
# notices through its pidfd, detaches what the container was given, says one
# line, exits 0. Making its pid 1 exit is all a root in the container's user
# namespace can do here: it ends the whole container, which is this case.
if ! ctr_start f1 sleep 3600; then
	fail "follow: container f1 starts" "$(head -2 "$T/ctr/f1/start.err")"
else
	fpid=$CTR_PID
	FV1=$(ctr_cgroup f1)
	cp "$FV1/devices.list" "$T/f1.before"
	new_loop
	FL=$L
	"$UEVSCOPE" attach --container "$fpid" --follow -m "KERNEL==\"loop$FL\"" >"$T/follow.out" 2>&1 &
	FPID=$!
	PIDS="$PIDS $FPID"
	wait_for following "$T/follow.out" 150
	check "follow: the matching device is attached as it starts" "1 1" \
		"$(grep -c "loop$FL attached to" "$T/follow.out") $(grep -c "^b 7:$FL " "$FV1/devices.list")"
	kill -KILL "$fpid"
	if wait_for "follow ends" "$T/follow.out" 150; then
		wait "$FPID"
		rc=$?
	else
		kill "$FPID"
		wait "$FPID"
		rc="none within 15 s"
	fi
	check "follow: its container exited: exit 0, one line saying so" "0 1" \
		"$rc $(grep -c "container $fpid (.*) exited: 1 device detached, 0 forgotten with its cgroup; --follow ends" "$T/follow.out")"
	check "follow: its container exited: no record, the cgroup's devices.list as before" "clean same" \
		"$(state) $([ "$(cat "$FV1/devices.list")" = "$(cat "$T/f1.before")" ] && echo same || echo changed)"
	ctr_stop f1
	# Whatever a failure above left, so that the sections below start clean.
	"$UEVSCOPE" detach --container "$fpid" --all >/dev/null 2>&1
fi

CTR_CGROUP=v1
ctr_stop c1

# 5. cgroup v2 (runc): SIGKILL at attach's steps, and at the policy's commit
# point inside the access step. Truth: runc's program alone on the cgroup
# again, no pin, no rule, open() from the cgroup denied.
CTR_CGROUP=v2
if [ -e /sys/fs/bpf/uevscope/devices ]; then
	skip "v2" "a device policy is in force already (/sys/fs/bpf/uevscope/devices)"
elif ! ctr_start c2 sleep 3600; then
	fail "v2: container starts" "$(head -2 "$T/ctr/c2/start.err")"
else
	pid2=$CTR_PID
	cg2=$(ctr_cgroup c2)
	progs() { bpftool cgroup show "$cg2" | awk '$2 == "cgroup_device" {print $1}' | tr '\n' ' '; }
	runc_prog=$(progs)
	for step in attach-access commit attach-node attach-event attach-save; do
		UEVSCOPE_FAULT=$step:kill "$UEVSCOPE" attach --container "$pid2" \
			--runtime-root "$CTR_DIR/state" "$KMSG" >"$T/out" 2>"$T/err"
		rc=$?
		"$UEVSCOPE" devices list >"$T/out" 2>"$T/err"
		said=$(grep -c "interrupted attach of c 1:11 $KMSG .*: rolled back" "$T/err")
		rules=$(grep -c '^[0-9]' "$T/out")
		opened=$("$H/devopen" -c "$cg2" w:"$KMSG" | awk '{print $4}')
		pins=$(find /sys/fs/bpf/uevscope/attach -mindepth 1 2>/dev/null | wc -l)
		check "v2 $step: killed, rolled back by devices list: runc's program alone, no pin, no rule, open() denied, clean" \
			"137 1 $runc_prog 0 0 EPERM clean" "$rc $said $(progs) $pins $rules $opened $(state)"
	done
	# --follow on runc's container, which is then deleted (its cgroup goes)
	# while follow is stopped: waking, it finds the container exited and its
	# cgroup gone, and forgets: our rules for the cgroup and the pin go.
	new_loop
	VL=$L
	"$UEVSCOPE" attach --container "$pid2" --runtime-root "$CTR_DIR/state" --follow \
		-m "KERNEL==\"loop$VL\"" >"$T/follow2.out" 2>&1 &
	F2=$!
	PIDS="$PIDS $F2"
	wait_for following "$T/follow2.out" 150
	pins=$(find /sys/fs/bpf/uevscope/attach -mindepth 1 2>/dev/null | wc -l)
	check "v2 follow: the matching device is attached as it starts, runc's program pinned aside" "1 1" \
		"$(grep -c "loop$VL attached to" "$T/follow2.out") $pins"
	kill -STOP "$F2"
	ctr_stop c2
	kill -CONT "$F2"
	if wait_for "follow ends" "$T/follow2.out" 150; then
		wait "$F2"
		rc=$?
	else
		kill "$F2"
		wait "$F2"
		rc="none within 15 s"
	fi
	"$UEVSCOPE" devices list >"$T/out" 2>"$T/err"
	pins=$(find /sys/fs/bpf/uevscope/attach -mindepth 1 2>/dev/null | wc -l)
	check "v2 follow: its container deleted: exit 0, one line: forgotten with its cgroup" "0 1" \
		"$rc $(grep -c "container $pid2 (.*) exited: 0 devices detached, 1 forgotten with its cgroup; --follow ends" "$T/follow2.out")"
	check "v2 follow: its container deleted: no record, no pin, no uevscope device rule" "clean 0 0" \
		"$(state) $pins $(grep -c '^[0-9]' "$T/out")"
	# Whatever a failure above left (our rules, the pin): a container gone is forgotten.
	"$UEVSCOPE" detach --container "$pid2" --all >/dev/null 2>&1
fi
