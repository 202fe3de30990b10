# SPDX-License-Identifier: GPL-2.0
# shellcheck disable=SC2154 # NAME_pid, NAME_port...: set by eval in start_listener, start_exporter
# Policy files: check and apply; a bad file is rejected with FILE:LINE and
# changes nothing; apply replaces the whole policy; usage errors of filter.
SUITE=policy-file
. "$(dirname "$0")/lib.sh"
require_root
require_jq
# shellcheck disable=SC2016,SC2089 # a command for enforce.inc's EXIT trap to eval
ENFORCE_EXIT='[ -n "$OWN_DEVICES" ] && "$UEVSCOPE" devices flush >/dev/null 2>&1'
. "$(dirname "$0")/enforce.inc"
OWN_DEVICES=""

new_netns uevpol
start_listener l ip netns exec "$NS" -- || fail "setup" "listener"

cat >"$T/good.policy" <<POL
# zero passes, the rest of mem does not
filter netns=$NS allow DEVPATH=="$ZERODEV"

filter netns=/run/netns/$NS deny SUBSYSTEM=="mem"
POL
out=$("$UEVSCOPE" policy check "$T/good.policy" 2>&1)
rc=$?
[ $rc = 0 ] && [ "$out" = "$T/good.policy: 2 filter rule(s), 0 devices rule(s), ok" ] && [ ! -e /sys/fs/bpf/uevscope/filter ] &&
	pass "policy check accepts a good file and loads nothing" ||
	fail "policy check accepts a good file and loads nothing" "exit $rc: $out"

"$UEVSCOPE" policy apply "$T/good.policy" >"$T/apply.out" 2>&1 || fail "apply" "$(cat "$T/apply.out")"
echo change >/sys/class/mem/null/uevent
echo change >/sys/class/mem/zero/uevent
# /dev/zero's uevent, fired after /dev/null's to the same socket, is the
# positive control: once it is in, /dev/null's verdict was made.
wait_for "devpath=$ZERODEV " "$T/l.out" 30
got="$(count_lines "devpath=$NULLDEV " "$T/l.out") $(count_lines "devpath=$ZERODEV " "$T/l.out")"
[ "$got" = "0 1" ] && pass "policy apply enforces the file's rules in order" ||
	fail "policy apply enforces the file's rules in order" "null/zero $got, want 0 1"
"$UEVSCOPE" filter list -j | jq -c '[.rules[] | [.id, .action]]' >"$T/before"

# Each bad file: exit 2, FILE:LINE: reason, the policy unchanged.
check_bad() {
	name=$1
	want=$2
	out=$("$UEVSCOPE" policy apply "$T/$name" 2>&1)
	rc=$?
	"$UEVSCOPE" filter list -j | jq -c '[.rules[] | [.id, .action]]' >"$T/after"
	if [ $rc = 2 ] && [ "$out" = "uevscope: $T/$name:$want" ] && cmp -s "$T/before" "$T/after"; then
		pass "bad file rejected, nothing changed: $want"
	else
		fail "bad file rejected, nothing changed: $want" "exit $rc: [$out] rules $(cat "$T/after")"
	fi
}
printf 'filter netns=%s deny\n# ok so far\nfilter netns=%s deny SUBSYSTEM="block"\n' "$NS" "$NS" >"$T/bad1"
check_bad bad1 "3: '=' at column 10 assigns in udev rules: use == or != to match"
printf 'filter netns=no-such-ns-%s deny\n' $$ >"$T/bad2"
check_bad bad2 "1: --netns no-such-ns-$$: no such network namespace (give an inode, /proc/PID/ns/net, /run/netns/NAME or NAME)"
printf 'filter netns=%s deny\ndevices netns=%s deny c 1:3 rwm\n' "$NS" "$NS" >"$T/bad3"
check_bad bad3 "2: devices rules take a cgroup=PATH scope, not 'netns=$NS'"
printf 'filter netns=%s deny\ndevices cgroup=/ deny c 1:3 rwx\n' "$NS" >"$T/bad5"
out=$("$UEVSCOPE" policy apply "$T/bad5" 2>&1)
rc=$?
"$UEVSCOPE" filter list -j | jq -c '[.rules[] | [.id, .action]]' >"$T/after"
case "$out" in "uevscope: $T/bad5:2: "*) ok=1 ;; *) ok=0 ;; esac
[ $rc = 2 ] && [ $ok = 1 ] && cmp -s "$T/before" "$T/after" &&
	pass "a bad devices line is reported by line and changes nothing" ||
	fail "a bad devices line is reported by line and changes nothing" "exit $rc: [$out]"
printf 'filter netns=%s deny DEVNAME=="sd?"\n' "$NS" >"$T/bad4"
check_bad bad4 "1: pattern 'sd?' of DEVNAME cannot be evaluated in the kernel: use a literal, PREFIX*, *SUFFIX or * (alternatives with |)"

# apply replaces everything: one allow-all rule, new ids.
printf 'filter netns=%s allow\n' "$NS" >"$T/open.policy"
"$UEVSCOPE" policy apply "$T/open.policy" >/dev/null 2>&1
got=$("$UEVSCOPE" filter list -j | jq -c '[.rules[] | [.id, .action]]')
[ "$got" = '[[3,"allow"]]' ] && pass "policy apply replaces the whole policy" ||
	fail "policy apply replaces the whole policy" "rules $got"
echo change >/sys/class/mem/null/uevent
wait_for "devpath=$NULLDEV " "$T/l.out" 30 && pass "the replaced policy takes effect" ||
	fail "the replaced policy takes effect" "no uevent"
"$UEVSCOPE" filter status -j 0.1 3 >"$T/periodic.json"
got="$(wc -l <"$T/periodic.json") $(jq -s '[.[].rules[0].id] | map(tostring) | join(",")' -r "$T/periodic.json")"
[ "$got" = "3 3,3,3" ] && pass "filter status INTERVAL COUNT prints COUNT reports" ||
	fail "filter status INTERVAL COUNT prints COUNT reports" "[$got]"
"$UEVSCOPE" filter flush >/dev/null

# Usage errors: one line, exit 2, nothing pinned.
usage_err() {
	want=$1
	shift
	out=$("$UEVSCOPE" "$@" 2>&1)
	rc=$?
	if [ $rc = 2 ] && [ "$out" = "uevscope: filter: $want; see 'uevscope filter --help'" ] &&
		[ ! -e /sys/fs/bpf/uevscope/filter ]; then
		pass "usage: $*"
	else
		fail "usage: $*" "exit $rc: [$out]"
	fi
}
usage_err "a rule needs a scope: --netns NS, --cgroup PATH or --pid PID" filter add deny
usage_err "give one scope: --netns, --cgroup or --pid" filter add --netns 1 --pid 1 deny
usage_err "action 'drop' is neither allow nor deny" filter add --netns 1 drop
usage_err "a rule ends with its action: allow or deny" filter add --netns 1
usage_err "pid '0' is not a process id" filter add --pid 0 deny
usage_err "del takes one rule ID (see 'uevscope filter list')" filter del x
usage_err "unknown command 'nuke'" filter nuke
usage_err "unknown option '--frobnicate'" filter add --frobnicate --netns 1 deny
usage_err "option '--netns' needs a value" filter add --netns
usage_err "INTERVAL wants seconds > 0, not '0'" filter status 0
usage_err "COUNT wants a positive number, not 'x'" filter status 1 x
out=$("$UEVSCOPE" filter status 2>&1)
[ "$out" = "no filter policy loaded" ] && pass "status without a policy says so" ||
	fail "status without a policy says so" "[$out]"
"$UEVSCOPE" filter --help | grep -q '^EXAMPLES:' && "$UEVSCOPE" policy --help | grep -q '^EXAMPLES:' &&
	pass "filter and policy --help have EXAMPLES" || fail "filter and policy --help have EXAMPLES" ""

# One policy for a container: no mem uevents reach it, and it cannot open /dev/null (c 1:3).
ROOT=$(cgroup2_root)
if [ -z "$ROOT" ] || [ -e /sys/fs/bpf/uevscope/devices ]; then
	skip "one file denies uevents and device access" "no cgroup v2, or a device policy is in force"
	exit 0
fi
# shellcheck disable=SC2034 # read by ENFORCE_EXIT
OWN_DEVICES=1
new_cgroup "$ROOT" "uevpol-$$"
BOX=$CG
REL=${BOX#"$ROOT"}
printf 'echo $$ > %s/cgroup.procs && exec "$@"\n' "$BOX" >"$T/incg.sh"
start_listener boxed sh "$T/incg.sh" -- || fail "setup" "listener in the cgroup"
cat >"$T/box.policy" <<POL
filter  cgroup=$REL deny SUBSYSTEM=="mem"
devices cgroup=$REL deny c 1:3 rwm
POL
"$UEVSCOPE" policy apply "$T/box.policy" >"$T/box.out" 2>&1
rc=$?
# Positive control: the listener in $NS, outside the cgroup, gets the same uevent.
base=$(count_lines "devpath=$NULLDEV " "$T/l.out")
echo change >/sys/class/mem/null/uevent
ctl=0
wait_count "devpath=$NULLDEV " "$T/l.out" $((base + 1)) 50 && ctl=1
"$H/devopen" -c "$BOX" r:/dev/null r:/dev/zero >"$T/open.out" 2>&1
if [ $rc = 0 ] && [ $ctl = 1 ] && grep -q "1 devices rule(s), enforced via cgroup/dev" "$T/box.out" &&
	[ "$(count_lines "devpath=$NULLDEV " "$T/boxed.out")" = 0 ] &&
	grep -q "^open r /dev/null EPERM$" "$T/open.out" && grep -q "^open r /dev/zero ok$" "$T/open.out"; then
	pass "one file denies uevents and device access"
else
	fail "one file denies uevents and device access" "exit $rc, control arrived: $ctl: $(cat "$T/box.out" "$T/open.out")"
fi
"$UEVSCOPE" policy apply "$T/open.policy" >/dev/null 2>&1
"$H/devopen" -c "$BOX" r:/dev/null >"$T/open2.out" 2>&1
[ "$("$UEVSCOPE" devices list 2>&1)" = "no device rules" ] && grep -q "^open r /dev/null ok$" "$T/open2.out" &&
	pass "a file without devices lines removes the device rules" ||
	fail "a file without devices lines removes the device rules" "$("$UEVSCOPE" devices list 2>&1) $(cat "$T/open2.out")"
kill "$boxed_pid" 2>/dev/null
wait "$boxed_pid" 2>/dev/null
