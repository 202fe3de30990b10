# SPDX-License-Identifier: GPL-2.0
# uevscope devices: the policy lives in bpffs, not in a process. A uevscope
# killed with SIGKILL leaves it in force; the next run sees the same rules and
# adds no duplicate rule or program. Scopes on nested cgroups intersect.
SUITE=devices-persist
. "$(dirname "$0")/lib.sh"
require_root
. "$(dirname "$0")/devices.inc"

# attached CGROUP_DIR: how many of our programs are attached there.
attached() {
	if command -v bpftool >/dev/null; then
		bpftool cgroup show "$1" | grep -c device_policy
	else
		# shellcheck disable=SC2010 # pin names are ours: link-/prog- and digits
		ls "$PIN_DIR" | grep -c -e "-$(stat -c %i "$1")\$"
	fi
}

devices deny --cgroup "$BOX" c 1:3 rwm && devices allow --cgroup "$BOX" c 1:5 r ||
	fail "setup" "$(cat "$T/dev.err")"
"$H/devopen" -c "$BOX" -n 2 r:/dev/null r:/dev/zero >"$T/a"
"$UEVSCOPE" devices list >"$T/before"

# A periodic list is the only uevscope that runs for long: SIGKILL it mid-run.
"$UEVSCOPE" devices list 0.05 >"$T/periodic" 2>&1 &
lp=$!
PIDS="$PIDS $lp"
wait_for "^RULE" "$T/periodic" 50
kill -9 $lp
wait $lp 2>/dev/null
"$UEVSCOPE" devices list -j 0.05 >"$T/periodic2" 2>&1 &
lp=$!
wait_for "generation" "$T/periodic2" 50
kill -INT $lp
wait $lp
rc=$?
[ $rc = 0 ] && [ "$(grep -c '"generation"' "$T/periodic2")" -ge 1 ] &&
	pass "a periodic list ends on SIGINT with exit 0" ||
	fail "a periodic list ends on SIGINT with exit 0" "rc=$rc $(head -2 "$T/periodic2")"
"$H/devopen" -c "$BOX" r:/dev/null r:/dev/zero >"$T/b"
[ "$(tr '\n' ' ' <"$T/b")" = "open r /dev/null EPERM open r /dev/zero ok " ] &&
	pass "policy in force after uevscope is killed with SIGKILL" ||
	fail "policy in force after uevscope is killed with SIGKILL" "$(cat "$T/b")"
"$UEVSCOPE" devices list >"$T/after"
awk '$1 == 1 { $8 = $8 - 1 } $1 == 2 { $7 = $7 - 1 } { $1 = $1; print }' "$T/after" >"$T/after.adj"
awk '{ $1 = $1; print }' "$T/before" >"$T/before.adj"
cmp -s "$T/before.adj" "$T/after.adj" && pass "a new uevscope lists the same rules, counters up by the opens since" ||
	fail "a new uevscope lists the same rules, counters up by the opens since" "$(cat "$T/before" "$T/after")"
[ "$(awk '$1 == 1 { print $8 } $1 == 2 { print $7 }' "$T/after" | tr '\n' ' ')" = "3 3 " ] &&
	pass "counters: 3 denied, 3 allowed, as opened" || fail "counters: 3 denied, 3 allowed, as opened" "$(cat "$T/after")"

# The same rule again: nothing changes, nothing doubles.
devices deny --cgroup "$BOX_REL" c 1:3 rwm
rc=$?
[ $rc = 0 ] && grep -q "is rule 1 already; nothing changed" "$T/dev.err" &&
	pass "adding a rule that is in force already says so, exit 0" ||
	fail "adding a rule that is in force already says so, exit 0" "rc=$rc $(cat "$T/dev.err")"
"$UEVSCOPE" devices list >"$T/again"
[ "$(grep -c '^[0-9]' "$T/again")" = 2 ] && pass "still two rules" || fail "still two rules" "$(cat "$T/again")"
[ "$(attached "$BOX")" = 1 ] && pass "one program on the scope after restarts and repeats" ||
	fail "one program on the scope after restarts and repeats" "$(attached "$BOX")"

# A second scope gets a program of its own; nested scopes intersect: the
# parent's deny holds even where the child's rule allows (ALLOW_MULTI: every
# program in the effective array must allow).
devices deny --cgroup "$TOP" c 1:7 w && devices allow --cgroup "$BOX" c 1:7 rw ||
	fail "setup" "$(cat "$T/dev.err")"
# shellcheck disable=SC2010 # pin names are ours: link-/prog- and digits
[ "$(attached "$TOP")" = 1 ] && [ "$(ls "$PIN_DIR" | grep -c '^link-')" = 2 ] &&
	pass "one program per scope cgroup" || fail "one program per scope cgroup" "$(ls "$PIN_DIR")"
"$H/devopen" -c "$BOX" w:/dev/full r:/dev/full >"$T/c"
"$H/devopen" -c "$OTHER" w:/dev/full r:/dev/null >"$T/d"
[ "$(tr '\n' ' ' <"$T/c")" = "open w /dev/full EPERM open r /dev/full ok " ] &&
	pass "parent scope's deny holds in a child scope that allows" ||
	fail "parent scope's deny holds in a child scope that allows" "$(cat "$T/c")"
[ "$(tr '\n' ' ' <"$T/d")" = "open w /dev/full EPERM open r /dev/null ok " ] &&
	pass "parent scope covers its other children, child scope's rules do not" ||
	fail "parent scope covers its other children, child scope's rules do not" "$(cat "$T/d")"
"$UEVSCOPE" devices list >"$T/nested"
got=$(awk '$1 ~ /^[0-9]/ { print $1, $2, $3, $7, $8 }' "$T/nested" | tr '\n' ';')
want="1 $BOX_REL deny 0 3;2 $BOX_REL allow 3 0;3 ${TOP#"$ROOT"} deny 0 2;4 $BOX_REL allow 2 0;"
[ "$got" = "$want" ] && pass "each scope's program counted its own decision" ||
	fail "each scope's program counted its own decision" "want [$want] got [$got]"

devices flush
assert_nothing_left "flush of two scopes"
