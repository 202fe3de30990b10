# SPDX-License-Identifier: GPL-2.0
# uevscope attach/detach with real containers (container.inc: user, net,
# mount, pid namespaces): a loop block device and a mem char node (1:11, which
# the runtimes do not allow), first through cgroup v1 devices.allow (crun),
# then through cgroup v2 where runc's own cgroup/dev program is replaced. The truth: open() inside
# the container, a listener inside it, devices.list, the runtime's denies.
SUITE=attach
. "$(dirname "$0")/lib.sh"
require_root
require_jq
for t in crun runc losetup busybox unshare; do
	command -v $t >/dev/null || { skip "all" "needs $t"; exit 0; }
done
. "$(dirname "$0")/container.inc"
PIN_DIR=/sys/fs/bpf/uevscope/devices
KMSG=/dev/uevattach-kmsg-$$
PORT=/dev/uevattach-port-$$
trap 'ctr_cleanup; rm -f "$KMSG" "$PORT" /run/uevscope/attached; [ -n "$LOOP" ] && losetup -d "$LOOP" 2>/dev/null; for l in $FLOOPS; do "$H/loopctl" remove "$l" >/dev/null 2>&1; done; cleanup' EXIT
LOOP=
FLOOPS=
mknod "$KMSG" c 1 11 && mknod "$PORT" c 1 4 || { fail "setup" "mknod"; exit 0; }
truncate -s 4M "$T/disk" && LOOP=$(losetup -f --show "$T/disk") || { fail "setup" "losetup"; exit 0; }
[ -e /run/uevscope/attached ] && { skip "all" "devices are attached already (/run/uevscope/attached)"; exit 0; }

# check NAME WANT GOT
check() {
	[ "$2" = "$3" ] && pass "$1" || fail "$1" "want '$2', got '$3'"
}
# opens NAME OPS...: what open() says inside the container, one line.
opens() {
	n=$1
	shift
	ctr_exec "$n" /h/devopen "$@" 2>&1 | tr '\n' ' '
}
# listen NAME: a uevent listener inside the container, output in $T/NAME.ev.
listen() {
	ctr_exec "$1" /h/uevlisten -t 60000 >"$T/$1.ev" 2>&1 &
	PIDS="$PIDS $!"
	wait_for_line "$T/$1.ev" ready
}
wait_for_line() {
	i=0
	while [ $i -lt 100 ] && ! grep -q "$2" "$1" 2>/dev/null; do sleep 0.1; i=$((i + 1)); done
}
events() {
	grep '^uevent' "$T/$1.ev" | sed 's/.* action=\([a-z]*\) devpath=\([^ ]*\).*/\1 \2/' | tr '\n' ';'
}
# one_container NAME MODE: the whole cycle on one container.
one_container() {
	n=$1
	mode=$2
	CTR_CGROUP=$mode
	ctr_start "$n" sleep 3600 ||
		{ fail "$mode: container starts" "$(head -2 "$T/ctr/$n/start.err")"; return; }
	pid=$CTR_PID
	cgdir=$(ctr_cgroup "$n")
	CTR_CG=${cgdir#/sys/fs/cgroup/unified}
	CTR_CG=${CTR_CG#/sys/fs/cgroup/devices}
	[ "$mode" = v2 ] &&
		RUNC_PROG=$(bpftool cgroup show "$cgdir" | awk '$2 == "cgroup_device" {print $1}')
	listen "$n"
	v1=$cgdir
	[ "$mode" = v1 ] && cp "$v1/devices.list" "$T/list.before"
	check "$mode: before attach the nodes are absent" \
		"open w $KMSG ENOENT open r $LOOP ENOENT " "$(opens "$n" w:"$KMSG" r:"$LOOP")"
	"$UEVSCOPE" attach --container "$pid" --runtime-root "$CTR_DIR/state" "$KMSG" "$LOOP" >"$T/out" 2>"$T/err"
	rc=$?
	check "$mode: attach exits 0, one line per device" "0 2" "$rc $(wc -l <"$T/err")"
	check "$mode: after attach the container opens both (real open())" \
		"open w $KMSG ok open rw $LOOP ok " "$(opens "$n" w:"$KMSG" rw:"$LOOP")"
	# A host process in the container's cgroup: the runtime's rules decide.
	if [ "$mode" = v1 ]; then
		got=$(sh -c 'echo $$ >"$1/cgroup.procs" && shift && exec "$@"' sh "$v1" \
			"$H/devopen" r:"$PORT" r:/dev/null w:"$KMSG" | awk '{print $4}' | tr '\n' ' ')
	else
		got=$("$H/devopen" -c "$cgdir" r:"$PORT" r:/dev/null w:"$KMSG" |
			awk '{print $4}' | tr '\n' ' ')
	fi
	check "$mode: in the container's cgroup the runtime still denies 1:4, allows 1:3, and 1:11 is allowed" \
		"EPERM ok ok " "$got"
	wait_for_line "$T/$n.ev" "action=add devpath=/devices/virtual/block"
	check "$mode: the container's listener got both adds" \
		"add /devices/virtual/mem/kmsg;add /devices/virtual/block/${LOOP#/dev/};" "$(events "$n")"
	"$UEVSCOPE" devices list >"$T/list"
	grep -q "attached.*$CTR_CG" "$T/list" && pass "$mode: devices list shows the attached devices and for whom" ||
		fail "$mode: devices list shows the attached devices and for whom" "$(cat "$T/list")"
	"$UEVSCOPE" attach --container "$pid" "$LOOP" >"$T/out" 2>"$T/err"
	check "$mode: attaching again: exit 2, already attached" "2 1" "$? $(grep -c 'already' "$T/err")"
	"$UEVSCOPE" detach --container "$pid" "$KMSG" "$LOOP" >"$T/out" 2>"$T/err"
	check "$mode: detach exits 0" "0" "$?"
	o=$(opens "$n" w:"$KMSG" r:"$LOOP")
	case "$o" in
	"open w $KMSG "E*" open r $LOOP "E*) pass "$mode: after detach open fails" && info "$mode: after detach open fails ($o)" ;;
	*) fail "$mode: after detach open fails" "$o" ;;
	esac
	wait_for_line "$T/$n.ev" "action=remove devpath=/devices/virtual/mem"
	check "$mode: the listener got both removes in the order detached, nothing else" \
		"add /devices/virtual/mem/kmsg;add /devices/virtual/block/${LOOP#/dev/};remove /devices/virtual/mem/kmsg;remove /devices/virtual/block/${LOOP#/dev/};" \
		"$(events "$n")"
	if [ "$mode" = v1 ]; then
		# cmp would trust the size cgroupfs gives (0): compare what reads give.
		[ "$(cat "$T/list.before")" = "$(cat "$v1/devices.list")" ] && pass "v1: devices.list is exactly as before" ||
			fail "v1: devices.list is exactly as before" "$(diff "$T/list.before" "$v1/devices.list" | tr '\n' ' ')"
	else
		got=$(bpftool cgroup show "$cgdir" | awk '$2 == "cgroup_device" {print $1}')
		check "v2: runc's own program is attached again, ours is gone" "$RUNC_PROG" "$got"
		[ ! -e "$PIN_DIR" ] && [ ! -e /sys/fs/bpf/uevscope/attach ] && pass "v2: no pin left" ||
			fail "v2: no pin left" "$(ls -R /sys/fs/bpf/uevscope)"
	fi
	"$UEVSCOPE" detach --container "$pid" "$LOOP" >"$T/out" 2>"$T/err"
	check "$mode: detaching again: exit 2, not attached" "2 1" "$? $(grep -c 'not attached' "$T/err")"
}

one_container c1 v1

pid=$CTR_PID
# The udev format: sd-device (udevadm monitor --udev) in the container's user
# and network namespaces receives add and remove.
if command -v udevadm >/dev/null; then
	nsenter -t "$pid" -U -n timeout 30 udevadm monitor --udev --property >"$T/udev.out" 2>&1 &
	PIDS="$PIDS $!"
	i=0
	while [ $i -lt 100 ] && ! nsenter -t "$pid" -n cat /proc/net/netlink | awk '$2 == 15 && $4 ~ /2$/' | grep -q .; do
		sleep 0.1
		i=$((i + 1))
	done
	"$UEVSCOPE" attach --container "$pid" "$KMSG" 2>/dev/null
	"$UEVSCOPE" detach --container "$pid" "$KMSG" 2>/dev/null
	wait_for_line "$T/udev.out" "ACTION=remove"
	check "udevadm monitor --udev in the container gets add and remove, DEVNAME the node" \
		"ACTION=add DEVNAME=$KMSG ACTION=remove DEVNAME=$KMSG " \
		"$(grep -e '^ACTION=' -e '^DEVNAME=' "$T/udev.out" | tr '\n' ' ')"
else
	skip "udevadm monitor --udev in the container gets add and remove, DEVNAME the node" "no udevadm (apt-get install udev)"
fi

# Bad input: one line, the documented exit code, nothing changed.
CTR_CGROUP=v1
cp "$(ctr_cgroup c1)/devices.list" "$T/list.before"
expect 1 "no process 999999999" attach --container 999999999 "$KMSG"
expect 2 "not a device node" attach --container "$pid" "$T/disk"
expect 1 "no device '/dev/uevattach-none'" attach --container "$pid" /dev/uevattach-none
expect 2 "not attached" detach --container "$pid" "$KMSG"
expect 2 "say which devices" attach --container "$pid"
if command -v setpriv >/dev/null; then
	setpriv --reuid 65534 --regid 65534 --clear-groups "$UEVSCOPE" attach --container "$pid" "$KMSG" \
		>"$T/out" 2>"$T/err"
	check "not root: exit 1, one line" "1 1" "$? $(wc -l <"$T/err")"
fi
unshare -n sleep 60 &
bare=$!
PIDS="$PIDS $bare"
expect 1 "no device control" attach --container "$bare" "$KMSG"
# The device gone before it could be attached: the loop device's sysfs path.
expect 1 "not a device in /sys/devices" attach --container "$pid" /sys/devices/virtual/block/uevattach-none
[ "$(cat "$T/list.before")" = "$(cat "$(ctr_cgroup c1)/devices.list")" ] && [ ! -e /run/uevscope/attached ] &&
	pass "after the bad input nothing changed (devices.list, state file)" ||
	fail "after the bad input nothing changed (devices.list, state file)" "$(cat /run/uevscope/attached 2>/dev/null)"

# --follow: loop devices made later (loop-control, LOOP_CTL_ADD) are attached
# as they appear and detached as they leave: LOOP_CTL_REMOVE deletes the
# disk, whose kobject goes with a real remove uevent (losetup -d makes none).
# The second device stays: the control of every "gone" check.
n=2000
while [ -e /sys/block/loop$n ] || [ -e /sys/block/loop$((n + 1)) ]; do n=$((n + 2)); done
m=$((n + 1))
ctr_exec c1 /h/uevlisten -t 60000 >"$T/fol.ev" 2>&1 &
PIDS="$PIDS $!"
wait_for_line "$T/fol.ev" ready
"$UEVSCOPE" attach --container "$pid" --follow -m "KERNEL==\"loop$n|loop$m\"" >"$T/follow.out" 2>&1 &
FPID=$!
PIDS="$PIDS $FPID"
wait_for_line "$T/follow.out" following
"$H/loopctl" add $n >/dev/null && FLOOPS="$n"
"$H/loopctl" add $m >/dev/null && FLOOPS="$FLOOPS $m"
wait_for_line "$T/follow.out" "loop$n attached"
wait_for_line "$T/follow.out" "loop$m attached"
check "--follow attaches two loop devices made later; the container opens both" \
	"open r /dev/loop$n ok open r /dev/loop$m ok " "$(opens c1 r:/dev/loop$n r:/dev/loop$m)"
"$H/loopctl" remove $n >/dev/null && FLOOPS=$m
wait_for_line "$T/follow.out" "loop$n detached"
check "--follow: the removed device's node is gone inside, the other one still opens" \
	"open r /dev/loop$n ENOENT open r /dev/loop$m ok " "$(opens c1 r:/dev/loop$n r:/dev/loop$m)"
wait_for_line "$T/fol.ev" "action=remove devpath=/devices/virtual/block/loop$n"
check "--follow: the container's listener got both adds, then the removed one's remove" \
	"add /devices/virtual/block/loop$n;add /devices/virtual/block/loop$m;remove /devices/virtual/block/loop$n;" \
	"$(events fol)"
"$UEVSCOPE" devices list >"$T/list" 2>&1
check "--follow: devices list and the state show the remaining device only" "0 1 0 1" \
	"$(grep -c "^attached b 7:$n " "$T/list") $(grep -c "^attached b 7:$m " "$T/list") $(grep -c "	7	$n	" /run/uevscope/attached) $(grep -c "	7	$m	" /run/uevscope/attached)"
check "--follow: the cgroup's devices.list no longer allows the removed one, still the other" "0 1" \
	"$(grep -c "^b 7:$n " "$(ctr_cgroup c1)/devices.list") $(grep -c "^b 7:$m " "$(ctr_cgroup c1)/devices.list")"
kill "$FPID"
wait "$FPID" 2>/dev/null
"$UEVSCOPE" detach --container "$pid" --all >/dev/null 2>&1
"$H/loopctl" remove $m >/dev/null && FLOOPS=

CTR_CGROUP=v1
ctr_stop c1
# cgroup v2: runc attaches its program; attach replaces it, detach restores it.
if [ -e "$PIN_DIR" ]; then
	skip "v2" "a device policy is in force already ($PIN_DIR)"
elif ! command -v bpftool >/dev/null; then
	skip "v2" "needs bpftool"
else
	one_container c2 v2
fi
