# SPDX-License-Identifier: GPL-2.0
# Bad input: one line on stderr saying what is wrong, exit 2; missing
# privileges: one line, exit 1. Nothing is loaded in either case.
SUITE=cli-errors
. "$(dirname "$0")/lib.sh"


expect 2 "unknown option '--bogus'" trace --bogus
expect 2 "unknown option '-z'" trace -z
expect 2 "option '-m' needs a value" trace -m
expect 2 "option '--netns' needs a value" trace --netns
expect 2 "bad match expression: .*use == or !=" trace -m 'SUBSYSTEM="block"'
expect 2 "bad match expression: .*unterminated" trace -m 'ACTION=="add'
expect 2 "no such network namespace" trace --netns /run/netns/does-not-exist-$$
expect 2 "not a namespace inode" trace --netns 0
expect 2 "is not a cgroup v2 directory" trace --cgroup /does/not/exist/$$
expect 2 "-c wants a positive count" trace -c 0
expect 2 "-d wants a positive number of seconds" trace -d soon
expect 2 "unknown tier 'fentry/bogus'; the tiers are: fentry/__netlink_sendskb, tp_btf/sk_data_ready" trace --tier fentry/bogus
expect 2 "--buffer-mb wants a power of two" trace --buffer-mb 3
expect 2 "unexpected argument 'extra'" trace extra
expect 2 "unknown command 'tarce'" tarce
expect 2 "unknown option '-x'" features -x

if [ "$(id -u)" = 0 ] && command -v setpriv >/dev/null; then
	for cmd in trace features; do
		setpriv --reuid=65534 --regid=65534 --clear-groups "$UEVSCOPE" $cmd >"$T/out" 2>"$T/err"
		rc=$?
		if [ $rc = 1 ] && [ "$(wc -l <"$T/err")" = 1 ] && grep -q "needs root" "$T/err"; then
			pass "$cmd without privileges says so, exit 1"
		else
			fail "$cmd without privileges says so, exit 1" "rc=$rc $(cat "$T/err")"
		fi
	done
else
	for cmd in trace features; do
		skip "$cmd without privileges says so, exit 1" "needs root and setpriv to drop privileges"
	done
fi

"$UEVSCOPE" trace --help >"$T/out" 2>&1 && grep -q "^EXAMPLES:" "$T/out" && pass "trace --help has EXAMPLES" ||
	fail "trace --help has EXAMPLES" "$(head -3 "$T/out")"
