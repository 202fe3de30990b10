# SPDX-License-Identifier: GPL-2.0
# uevscope devices from two processes at once, starting from nothing (both
# racing to create the pinned maps), each adding its own rules to its own
# cgroup: every rule lands exactly once, one program per cgroup.
SUITE=devices-concurrent
. "$(dirname "$0")/lib.sh"
require_root
. "$(dirname "$0")/devices.inc"

N=15
# adder CGROUP_DIR FIRST_MINOR: N deny rules c 1:FIRST.. r, one uevscope each.
adder() {
	i=0
	while [ $i -lt $N ]; do
		"$UEVSCOPE" devices deny --cgroup "$1" c "1:$(($2 + i))" r >/dev/null 2>>"$T/errors.$2" ||
			echo "exit $? for 1:$(($2 + i))" >>"$T/errors.$2"
		i=$((i + 1))
	done
}
adder "$BOX" 100 &
p1=$!
adder "$OTHER" 200 &
p2=$!
wait $p1 $p2
grep -v "enforced via\|rule .*: deny" "$T/errors.100" "$T/errors.200" >"$T/errors"
[ -s "$T/errors" ] && fail "every concurrent add succeeds" "$(head -3 "$T/errors")" ||
	pass "every concurrent add succeeds"

"$UEVSCOPE" devices list >"$T/list"
got=$(awk '$1 ~ /^[0-9]/ { print $2, $5 }' "$T/list" | sort | uniq -c | awk '$1 != 1' | wc -l)
total=$(grep -c '^[0-9]' "$T/list")
[ "$total" = $((2 * N)) ] && [ "$got" = 0 ] && pass "all $((2 * N)) rules present, none twice" ||
	fail "all $((2 * N)) rules present, none twice" "$total rules, $got duplicates: $(cat "$T/list")"
for base in 100 200; do
	[ $base = 100 ] && scope=$BOX_REL || scope=${OTHER#"$ROOT"}
	want=$(i=0; while [ $i -lt $N ]; do echo "1:$((base + i))"; i=$((i + 1)); done)
	got=$(awk -v s="$scope" '$2 == s { print $5 }' "$T/list")
	# shellcheck disable=SC2086,SC2116 # echo $got joins the lines into one
	[ "$got" = "$want" ] && pass "$scope: its rules in the order it added them" ||
		fail "$scope: its rules in the order it added them" "got $(echo $got)"
done
# shellcheck disable=SC2010 # pin names are ours: link-/prog- and digits
[ "$(ls "$PIN_DIR" | grep -c '^link-')" = 2 ] && pass "one program per cgroup" ||
	fail "one program per cgroup" "$(ls "$PIN_DIR")"

# Every rule is enforced: the last one of each cgroup, by a node of our own.
mknod "$T/last-box" c 1 $((100 + N - 1)) && mknod "$T/last-other" c 1 $((200 + N - 1)) ||
	fail "setup" "mknod"
"$H/devopen" -c "$BOX" r:"$T/last-box" r:"$T/last-other" >"$T/a"
got=$(sed 's/ [^ ]*last-/ /' "$T/a" | tr '\n' ' ')
[ "$got" = "open r box EPERM open r other ENXIO " ] || [ "$got" = "open r box EPERM open r other ENODEV " ] ||
	[ "$got" = "open r box EPERM open r other ok " ] && pass "the last rule added to a cgroup is enforced there only" ||
	fail "the last rule added to a cgroup is enforced there only" "$got"

devices flush
assert_nothing_left "flush after concurrent adds"
