# SPDX-License-Identifier: GPL-2.0
# uevscope devices, bad input: one line saying what is wrong, exit 2; no
# privileges: one line, exit 1. The policy in force is left exactly as it was.
SUITE=devices-errors
. "$(dirname "$0")/lib.sh"
require_root
. "$(dirname "$0")/devices.inc"


# What is in force, to compare after every rejected command.
snapshot() {
	{
		"$UEVSCOPE" devices list
		ls "$PIN_DIR"
		command -v bpftool >/dev/null && bpftool cgroup show "$BOX" && bpftool cgroup show "$OTHER"
	} >"$1" 2>&1
}

devices deny --cgroup "$BOX" c 1:3 rwm || fail "setup" "$(cat "$T/dev.err")"
snapshot "$T/before"

expect 2 "say allow, deny, list or flush" devices
expect 2 "unknown action 'permit'" devices permit --cgroup "$BOX" c 1:3 r
expect 2 "bad device type 'x': use c (char), b (block) or a (both)" devices deny --cgroup "$BOX" x 1:3 r
expect 2 "bad device number '1': use MAJOR:MINOR" devices deny --cgroup "$BOX" c 1 r
expect 2 "bad device number '1:3x'" devices deny --cgroup "$BOX" c 1:3x r
expect 2 "bad device number '5000:1': MAJOR (0-4095)" devices deny --cgroup "$BOX" c 5000:1 r
expect 2 "bad access 'rwx': use some of r (read), w (write), m (mknod)" devices deny --cgroup "$BOX" c 1:3 rwx
expect 2 "bad access 'rr'" devices allow --cgroup "$BOX" c 1:5 rr
expect 2 "empty access" devices allow --cgroup "$BOX" c 1:5 ''
expect 2 "TYPE MAJOR:MINOR ACCESS (e.g. 'c 1:3 rwm'), got 2 words" devices deny --cgroup "$BOX" c 1:3
expect 2 "got 4 words" devices deny --cgroup "$BOX" c 1:3 r w
expect 2 "needs a cgroup (--cgroup PATH)" devices deny c 1:3 r
expect 2 "option '--cgroup' needs a value" devices deny c 1:3 r --cgroup
expect 2 "is not a cgroup v2 directory (cgroup v2 is mounted at $ROOT)" devices deny --cgroup "$TOP/none" c 1:3 r
expect 2 "is not a cgroup v2 directory" devices deny --cgroup /proc c 1:3 r
v1=$(sed -n 's/^[^ ]* [^ ]* [^ ]* [^ ]* \([^ ]*\) .* - cgroup .*/\1/p' /proc/self/mountinfo | head -1)
if [ -n "$v1" ]; then
	expect 2 "'$v1' is not a cgroup v2 directory" devices deny --cgroup "$v1" c 1:3 r
else
	skip "cgroup v1 directory refused" "no cgroup v1 hierarchy mounted here"
fi
expect 2 "--cgroup goes with allow or deny, not list" devices list --cgroup "$BOX"
expect 2 "INTERVAL wants a positive number of seconds, not 'soon'" devices list soon
expect 2 "COUNT wants a positive number, not '0'" devices list 1 0
expect 2 "unexpected argument '3'" devices list 1 2 3
expect 2 "unexpected argument 'now'" devices flush now
expect 2 "--hook is link or prog-attach, not 'lsm'" devices --hook lsm deny --cgroup "$BOX" c 1:3 r
expect 2 "unknown option '--bogus'" devices list --bogus

snapshot "$T/after"
cmp -s "$T/before" "$T/after" && pass "rejected commands changed nothing" ||
	fail "rejected commands changed nothing" "$(diff "$T/before" "$T/after" | head -5)"

if command -v setpriv >/dev/null; then
	for args in "deny --cgroup $BOX c 1:5 r" "list" "flush"; do
		# shellcheck disable=SC2086 # word splitting of args wanted
		setpriv --reuid=65534 --regid=65534 --clear-groups "$UEVSCOPE" devices $args >"$T/out" 2>"$T/err"
		rc=$?
		if [ $rc = 1 ] && [ "$(wc -l <"$T/err")" = 1 ] && grep -q "devices needs root" "$T/err"; then
			pass "devices ${args%% *} without privileges says so, exit 1"
		else
			fail "devices ${args%% *} without privileges says so, exit 1" "rc=$rc $(cat "$T/err")"
		fi
	done
	snapshot "$T/after"
	cmp -s "$T/before" "$T/after" && pass "unprivileged attempts changed nothing" ||
		fail "unprivileged attempts changed nothing" "$(diff "$T/before" "$T/after" | head -5)"
else
	for a in deny list flush; do
		skip "devices $a without privileges says so, exit 1" "needs setpriv to drop privileges"
	done
	skip "unprivileged attempts changed nothing" "needs setpriv to drop privileges"
fi

# bpffs gone from under us (a private mount namespace): an environment error, exit 1.
if command -v unshare >/dev/null && unshare -m true 2>/dev/null; then
	unshare -m sh -c "umount /sys/fs/bpf && \"$UEVSCOPE\" devices allow --cgroup \"$OTHER\" c 1:5 r" \
		>"$T/out" 2>"$T/err"
	rc=$?
	if [ $rc = 1 ] && [ "$(wc -l <"$T/err")" = 1 ] && grep -q "bpffs is not mounted at /sys/fs/bpf" "$T/err"; then
		pass "no bpffs: says how to mount it, exit 1"
	else
		fail "no bpffs: says how to mount it, exit 1" "rc=$rc $(cat "$T/err")"
	fi
fi

"$UEVSCOPE" devices --help >"$T/out" 2>&1 && grep -q "^EXAMPLES:" "$T/out" &&
	pass "devices --help has EXAMPLES" || fail "devices --help has EXAMPLES" "$(head -3 "$T/out")"
"$UEVSCOPE" --help | grep -q "^  devices " && pass "uevscope --help lists devices" ||
	fail "uevscope --help lists devices" "$("$UEVSCOPE" --help | head -8)"
