# SPDX-License-Identifier: GPL-2.0
# uevscope devices on Debian's kernels (sourced by vm-tests.sh, busybox sh):
# cgroup/dev through a bpf_link and through the BPF_PROG_ATTACH fallback,
# composition with another device program, flush leaving nothing.
dv_root=$(cgroup2_root)
dv_pins=/sys/fs/bpf/uevscope/devices
if [ -z "$dv_root" ]; then
	skip "devices: all" "no cgroup v2 mounted in the VM"
elif [ "$(works cgroup/dev)" != yes ]; then
	skip "devices: all" "cgroup/dev refused here: $(why_not cgroup/dev)"
else
	new_cgroup "$dv_root" "uevscope-devices-$$"
	dv_cg=$CG
	# dv_round HOOK: deny /dev/null, check EPERM, counters, hook, flush.
	dv_round() {
		"$UEVSCOPE" devices --hook "$1" deny --cgroup "$dv_cg" c 1:3 rwm >"$T/dv.out" 2>"$T/dv.err"
		grep -q "enforced via cgroup/dev ($1)" "$T/dv.err" && pass "devices $1: attached" ||
			fail "devices $1: attached" "$(cat "$T/dv.err")"
		"$H/devopen" -c "$dv_cg" -n 2 r:/dev/null r:/dev/zero >"$T/dv.a"
		got=$(tr '\n' ' ' <"$T/dv.a")
		want="open r /dev/null EPERM open r /dev/zero ok open r /dev/null EPERM open r /dev/zero ok "
		[ "$got" = "$want" ] && pass "devices $1: /dev/null EPERM, /dev/zero opens" ||
			fail "devices $1: /dev/null EPERM, /dev/zero opens" "$got"
		got=$("$UEVSCOPE" devices list | awk '$1 == 1 { print $8, $9 }')
		[ "$got" = "2 $1" ] && pass "devices $1: list counts 2 denied" ||
			fail "devices $1: list counts 2 denied" "$got"
		"$UEVSCOPE" devices flush >/dev/null 2>&1
		"$H/devopen" -c "$dv_cg" r:/dev/null >"$T/dv.b"
		[ "$(cat "$T/dv.b")" = "open r /dev/null ok" ] && [ ! -e "$dv_pins" ] &&
			pass "devices $1: flush restores access, no pins left" ||
			fail "devices $1: flush restores access, no pins left" "$(cat "$T/dv.b") $(ls "$dv_pins" 2>&1)"
	}
	dv_round link
	dv_round prog-attach
	# Another program on the same cgroup (as a runtime's): both must allow.
	# devprog raises RLIMIT_MEMLOCK as runtimes do: before 5.11 the flushed round's
	# maps, still charged to root until the kernel frees them, made its load fail
	# with EPERM at the default 64 KiB (issue 21).
	if "$H/devprog" attach "$dv_cg" 1 5 2>"$T/dv.perr"; then
		"$UEVSCOPE" devices deny --cgroup "$dv_cg" c 1:3 rwm >/dev/null 2>&1
		"$H/devopen" -c "$dv_cg" r:/dev/zero r:/dev/null r:/dev/full >"$T/dv.c"
		"$UEVSCOPE" devices flush >/dev/null 2>&1
		"$H/devopen" -c "$dv_cg" r:/dev/zero r:/dev/null >>"$T/dv.c"
		got=$(tr '\n' ' ' <"$T/dv.c")
		want="open r /dev/zero EPERM open r /dev/null EPERM open r /dev/full ok open r /dev/zero EPERM open r /dev/null ok "
		[ "$got" = "$want" ] && pass "devices: composes with another device program; flush leaves it" ||
			fail "devices: composes with another device program; flush leaves it" "$got"
		"$H/devprog" detach "$dv_cg" >/dev/null
	else
		fail "devices: composes with another device program; flush leaves it" "devprog attach failed: $(cat "$T/dv.perr")"
	fi
	"$UEVSCOPE" devices flush >/dev/null 2>&1
	rmdir "$dv_cg"
fi
