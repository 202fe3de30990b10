# SPDX-License-Identifier: GPL-2.0
# shellcheck disable=SC2154 # NAME_pid...: set by eval in start_listener
# Issue 14's attacks (tests/integration/76-filter-attacks.sh) on the tier this
# boot expects ($WANT_FILTER): crafted uevents injected into a netns with deny
# rules reach no listener there, while a control injected right after each,
# to the same listener, arrives and is waited for. Sourced by vm-tests.sh
# (busybox sh, no jq, no udevadm).
if ! command -v nsenter >/dev/null; then
	skip "attacks: all" "busybox without nsenter"
else
	start_listener atk unshare -n -- || fail "setup" "attacks: netns listener"
	atk_craft() {
		nsenter -t "$atk_pid" -n "$H/uevcraft" "$@" >>"$T/atk-craft.out" 2>&1
	}
	# atk_verdict NAME DEVPATH: after a control, DEVPATH never reached the listener.
	atk_verdict() {
		atk_craft "add@/devices/virtual/ctl/$1" ACTION=add "DEVPATH=/devices/virtual/ctl/$1" \
			SUBSYSTEM=ctl
		if ! wait_for "devpath=/devices/virtual/ctl/$1 " "$T/atk.out" 300; then
			fail "attacks: $2" "the control did not arrive: $(tail -2 "$T/atk-craft.out")"
			return
		fi
		got=$(count_lines "devpath=$3 " "$T/atk.out")
		[ "$got" = 0 ] && pass "attacks: $2" || fail "attacks: $2" "the listener got $got, want 0"
	}
	timeout 120 "$UEVSCOPE" filter add ${FORCE_EVAL:+--tier=$FORCE_EVAL} --netns "$atk_netns" 'SUBSYSTEM=="bar"' deny >"$T/atk-add.out" 2>&1 &&
		timeout 120 "$UEVSCOPE" filter add ${FORCE_EVAL:+--tier=$FORCE_EVAL} --netns "$atk_netns" 'UEVTAG=="evil"' deny \
			>>"$T/atk-add.out" 2>&1 || fail "setup" "attacks: $(cat "$T/atk-add.out")"
	atk_craft 'ab@/\x02' ACTION=add DEVPATH=/devices/virtual/bar/fake SUBSYSTEM=bar
	atk_verdict c1 "a fake ack (bytes 4-5 02 00) is denied" /devices/virtual/bar/fake
	atk_craft add@/devices/virtual/foo/rep ACTION=add DEVPATH=/devices/virtual/foo/rep \
		SUBSYSTEM=foo SUBSYSTEM=bar
	atk_verdict c2 "a repeated key is judged by its last value" /devices/virtual/foo/rep
	fill=""
	i=0
	while [ $i -lt 140 ]; do
		fill="$fill F$i=1"
		i=$((i + 1))
	done
	# shellcheck disable=SC2086 # one word per filler
	atk_craft add@/devices/virtual/foo/segs ACTION=add DEVPATH=/devices/virtual/foo/segs \
		SUBSYSTEM=foo $fill UEVTAG=evil
	atk_verdict c3 "a key after 128 segments is not missed" /devices/virtual/foo/segs
	n=$("$UEVSCOPE" filter status | sed -n 's/^denied: \([0-9]*\) too large.*/\1/p')
	[ "${n:-0}" -ge 1 ] && pass "attacks: status counts what was too large to evaluate" ||
		fail "attacks: status counts what was too large to evaluate" "$("$UEVSCOPE" filter status | head -4)"
	"$UEVSCOPE" filter flush >/dev/null 2>&1
	kill "$atk_pid" 2>/dev/null
fi
