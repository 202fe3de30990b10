# SPDX-License-Identifier: GPL-2.0
# The kernel program reserves each record in a size class that fits the
# uevent (payload room 0, 256, 512, 1024, 2048 bytes): a uevent of each size
# arrives whole, its last property intact, and one too big for the kernel's
# 2048-byte environment is refused by the kernel itself, not cut by us.
SUITE=trace-payloads
. "$(dirname "$0")/lib.sh"
require_root
require_jq

# big_value N: N letters (synthetic uevent values refuse '-' and spaces).
big_value() {
	head -c "$1" /dev/zero | tr '\0' 'x'
}

start_listener host -- || fail "setup" "host listener"
for size in 40 300 700 1400; do
	U=$(new_uuid "$size")
	V=$(big_value "$size")
	start_trace "p$size" -j -p -m "SYNTH_UUID==\"$U\"" || { fail "setup" "trace"; continue; }
	echo "change $U FIRST=1 LAST=$V" >/sys/class/mem/null/uevent
	wait_for '"type":"delivery"' "$T/p$size.out" 30
	stop_trace
	got=$(jq -r 'select(.type=="delivery") | [.truncated, .payload,
		(.properties | map(select(.[0]=="SYNTH_ARG_LAST")) | .[0][1] | length),
		(.properties | map(.[0]) | index("SEQNUM") != null)] | map(tostring) | join(" ")' "$T/p$size.out")
	[ "$got" = "false true $size true" ] && pass "a uevent with a $size-byte value arrives whole" ||
		fail "a uevent with a $size-byte value arrives whole" "truncated payload length seqnum = [$got]"
done

# The kernel caps a uevent's environment at 2048 bytes: past that it sends
# nothing, so the trace must show nothing either. Its positive control: a small
# uevent with the same SYNTH_UUID, written after it, must be traced (records
# leave the ring buffer in the order they were reserved), and waited for.
U=$(new_uuid 9)
start_trace huge -j -p -m "SYNTH_UUID==\"$U\"" || fail "setup" "trace"
echo "change $U LAST=$(big_value 2100)" >/sys/class/mem/null/uevent 2>/dev/null
echo "change $U CONTROL=1" >/sys/class/mem/null/uevent
wait_for '"type":"delivery"' "$T/huge.out" 50
stop_trace
got=$(jq -r 'select(.type=="delivery") | [.properties[][0] | select(startswith("SYNTH_ARG_"))] | join(",")' \
	"$T/huge.out" | sort | uniq -c | tr -s ' ')
[ "$got" = " 1 SYNTH_ARG_CONTROL" ] &&
	pass "a uevent over the kernel's 2048 bytes is never sent, and never traced" ||
	fail "a uevent over the kernel's 2048 bytes is never sent, and never traced" "traced [$got], want the control only"
