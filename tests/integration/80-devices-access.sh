# SPDX-License-Identifier: GPL-2.0
# uevscope devices: a cgroup/dev program decides which device nodes the
# processes of a real cgroup v2 (and its descendants) may open or create.
# devopen joins a fresh cgroup, then opens; counts are what it did.
SUITE=devices-access
. "$(dirname "$0")/lib.sh"
require_root
. "$(dirname "$0")/devices.inc"

# opens NAME CGROUP_DIR [devopen ARGS]: output in $T/NAME
opens() {
	name=$1
	dir=$2
	shift 2
	"$H/devopen" -c "$dir" "$@" >"$T/$name" 2>&1
}

# check NAME WHAT WANT GOT
check() {
	[ "$3" = "$4" ] && pass "$2" || fail "$2" "want $3, got $4: $(head -5 "$T/$1" 2>/dev/null)"
}

# counter RULE allowed|denied: from `devices list` (columns: id cgroup action type num access allowed denied hook)
counter() {
	"$UEVSCOPE" devices list | awk -v id="$1" -v f="$2" \
		'$1 == id { print (f == "allowed" ? $7 : $8) }'
}

# --- deny c 1:3: /dev/null refused with EPERM, /dev/zero (1:5) opens.
devices deny --cgroup "$BOX" c 1:3 rwm || fail "deny c 1:3 rwm" "$(cat "$T/dev.err")"
grep -q "rule 1: deny c 1:3 rwm on $BOX_REL, enforced via cgroup/dev (link)" "$T/dev.err" &&
	pass "deny says which hook enforces it" || fail "deny says which hook enforces it" "$(cat "$T/dev.err")"
N=3
opens a "$BOX" -n $N r:/dev/null rw:/dev/null r:/dev/zero
check a "/dev/null read: EPERM each time" $N "$(count_lines '^open r /dev/null EPERM$' "$T/a")"
check a "/dev/null read-write: EPERM each time" $N "$(count_lines '^open rw /dev/null EPERM$' "$T/a")"
check a "/dev/zero (1:5) opens" $N "$(count_lines '^open r /dev/zero ok$' "$T/a")"
check a "denied counter = refused opens" $((2 * N)) "$(counter 1 denied)"
check a "no allowed count on a deny rule" 0 "$(counter 1 allowed)"

# --- scope: a child cgroup is covered, a sibling is not.
new_cgroup "$BOX" child
CHILD=$CG
opens b "$CHILD" r:/dev/null
check b "descendant cgroup: /dev/null EPERM" 1 "$(count_lines '^open r /dev/null EPERM$' "$T/b")"
opens c "$OTHER" r:/dev/null
check c "sibling cgroup: /dev/null opens" 1 "$(count_lines '^open r /dev/null ok$' "$T/c")"
"$H/devopen" r:/dev/null >"$T/d"
check d "outside every scope: /dev/null opens" 1 "$(count_lines '^open r /dev/null ok$' "$T/d")"
check b "denied counter counts the descendant only" $((2 * N + 1)) "$(counter 1 denied)"

# --- an allow rule counts what it allowed; access it does not cover entirely falls through.
devices allow --cgroup "$BOX_REL" c 1:5 r || fail "allow c 1:5 r" "$(cat "$T/dev.err")"
opens e "$BOX" -n 4 r:/dev/zero rw:/dev/zero
check e "/dev/zero read and read-write open" 8 "$(count_lines '^open r*w* /dev/zero ok$' "$T/e")"
check e "allowed counter = read-only opens (rw is not covered by 'r')" 4 "$(counter 2 allowed)"
check e "earlier counters kept across a change" $((2 * N + 1)) "$(counter 1 denied)"

# --- a deny rule refuses only the access it names: deny w on /dev/full (1:7).
devices deny --cgroup "$BOX" c 1:7 w || fail "deny c 1:7 w" "$(cat "$T/dev.err")"
opens f "$BOX" r:/dev/full w:/dev/full rw:/dev/full
got=$(tr '\n' ' ' <"$T/f")
want="open r /dev/full ok open w /dev/full EPERM open rw /dev/full EPERM "
check f "deny w: read opens, write and read-write refused" "$want" "$got"

# --- first match wins: allow r, then deny rwm, on /dev/urandom (1:9).
devices allow --cgroup "$BOX" c 1:9 r && devices deny --cgroup "$BOX" c 1:9 rwm ||
	fail "allow then deny 1:9" "$(cat "$T/dev.err")"
opens g "$BOX" r:/dev/urandom w:/dev/urandom
got=$(tr '\n' ' ' <"$T/g")
check g "first match wins: allow r before deny rwm" "open r /dev/urandom ok open w /dev/urandom EPERM " "$got"
check g "the allow rule counted the read" 1 "$(counter 4 allowed)"
check g "the deny rule counted the write" 1 "$(counter 5 denied)"

# --- block devices: deny b *:* rwm. A node of a block major no driver has
# (4000) opens with ENXIO when allowed, EPERM when the program refuses.
mknod "$T/blk" b 4000 0 || fail "setup" "mknod"
opens h "$OTHER" r:"$T/blk"
devices deny --cgroup "$BOX" b '*:*' rwm || fail "deny b *:* rwm" "$(cat "$T/dev.err")"
opens i "$BOX" r:"$T/blk" m:"$T/blk2":b:8:0 m:"$T/chr2":c:1:5
opens j "$OTHER" r:"$T/blk" m:"$T/blk2":b:8:0
check h "block node allowed: ENXIO from the driver" "open r $T/blk ENXIO" "$(cat "$T/h")"
got=$(tr '\n' ' ' <"$T/i")
want="open r $T/blk EPERM mknod b 8:0 $T/blk2 EPERM mknod c 1:5 $T/chr2 ok "
check i "deny b *:*: open and mknod of block nodes refused, char mknod not" "$want" "$got"
got=$(tr '\n' ' ' <"$T/j")
check j "deny b *:* leaves the sibling alone" "open r $T/blk ENXIO mknod b 8:0 $T/blk2 ok " "$got"
check i "block deny counted open and mknod" 2 "$(counter 6 denied)"

# JSON says the same, with null for wildcards.
if command -v jq >/dev/null; then
	"$UEVSCOPE" devices list -j >"$T/list.json"
	got=$(jq -c '[.rules[] | [.id, .action, .type, .major, .minor, .access, .allowed, .denied, .hook]]' "$T/list.json")
	want="[[1,\"deny\",\"c\",1,3,\"rwm\",0,$((2 * N + 1)),\"link\"],[2,\"allow\",\"c\",1,5,\"r\",4,0,\"link\"],[3,\"deny\",\"c\",1,7,\"w\",0,2,\"link\"],[4,\"allow\",\"c\",1,9,\"r\",1,0,\"link\"],[5,\"deny\",\"c\",1,9,\"rwm\",0,1,\"link\"],[6,\"deny\",\"b\",null,null,\"rwm\",0,2,\"link\"]]"
	check list.json "list -j: every rule with its counters" "$want" "$got"
else
	skip "list -j: every rule with its counters" "needs jq"
fi

# --- one program for the scope, with BPF_F_ALLOW_MULTI semantics.
if command -v bpftool >/dev/null; then
	check none "one cgroup_device program attached to the scope, multi" 1 \
		"$(bpftool cgroup show "$BOX" | grep 'device_policy' | grep -c 'cgroup_device *multi')"
fi

# --- flush: access back, and nothing of ours left.
devices flush || fail "flush" "$(cat "$T/dev.err")"
opens k "$BOX" r:/dev/null w:/dev/full r:"$T/blk"
got=$(tr '\n' ' ' <"$T/k")
check k "flush restores access" "open r /dev/null ok open w /dev/full ok open r $T/blk ENXIO " "$got"
assert_nothing_left "flush"

# --- the fallback hook, forced: BPF_PROG_ATTACH with ALLOW_MULTI, program pinned.
devices --hook prog-attach deny --cgroup "$BOX" c 1:3 r || fail "prog-attach" "$(cat "$T/dev.err")"
grep -q "enforced via cgroup/dev (prog-attach)" "$T/dev.err" && pass "prog-attach: says so" ||
	fail "prog-attach: says so" "$(cat "$T/dev.err")"
[ -e "$PIN_DIR/prog-$(stat -c %i "$BOX")" ] && pass "prog-attach: program pinned per cgroup" ||
	fail "prog-attach: program pinned per cgroup" "$(ls "$PIN_DIR")"
opens l "$BOX" r:/dev/null w:/dev/null
check l "prog-attach: read refused, write opens" "open r /dev/null EPERM open w /dev/null ok " "$(tr '\n' ' ' <"$T/l")"
check l "prog-attach: counted" 1 "$(counter 1 denied)"
devices flush || fail "flush" "$(cat "$T/dev.err")"
opens m "$BOX" r:/dev/null
check m "prog-attach: flush restores access" "open r /dev/null ok" "$(cat "$T/m")"
assert_nothing_left "prog-attach flush"
