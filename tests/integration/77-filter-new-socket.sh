# SPDX-License-Identifier: GPL-2.0
# No window for new sockets on the socket-filter tier (issue 14, part 3). A
# deny rule on SUBSYSTEM=="racedeny" for one netns; uevrace (tests/helpers)
# creates a uevent socket there, joins group 1, injects a denied uevent and an
# allowed control, and reads until the control: 1,000 times, while a child
# injects denied uevents without pause. A denied uevent read is a leak; the
# control must arrive in every window. Then the attacks of a hostile container:
# a sibling sending SIGCONT to the held task without pause, the socket passed
# to another process that binds it, and a thread that binds the descriptor
# before socket() has returned it. Each must leak nothing: the run completes
# with every control, or the kernel killed the attacker (fail closed).
SUITE=filter-new-socket
. "$(dirname "$0")/lib.sh"
require_root
. "$(dirname "$0")/enforce.inc"

new_netns uevrace
if ! "$UEVSCOPE" filter add --netns "$NS" 'SUBSYSTEM=="racedeny"' deny >"$T/add.out" 2>&1; then
	fail "setup" "filter add: $(cat "$T/add.out")"
	exit 0
fi
tier=$("$UEVSCOPE" filter status | sed -n 's/^tier: //p')
case $tier in
socket_filter*) ;;
*)
	skip "all" "the LSM tier has no window for new sockets (tier $tier)"
	exit 0
	;;
esac

# The checks, shared with the VMs booted without BPF LSM (tests/vm/vm.d/77-race.sh).
RACE_IN="ip netns exec $NS"
RACE_NS=$NS
RACE_TIER=socket_filter
. "$(dirname "$0")/race.inc"
