# SPDX-License-Identifier: GPL-2.0
# Crash consistency of filter, policy and devices: every command that changes
# the policy is SIGKILLed at each of its fault points (UEVSCOPE_FAULT, see
# docs/tests.md), and policy apply is made to fail at each of them. Afterwards
# the old or the new policy is wholly in force, judged by the independent truth
# (what a real listener in a netns receives, with /dev/full's uevent as the
# positive control of each window; real open()s from a cgroup), `filter list`,
# `filter status` and `devices list` say the same, an unfinished change is
# reported until the next command repairs it, and that next command
# completes. Then `filter add` and `filter flush` race from two shells.
SUITE=crash-consistency
. "$(dirname "$0")/lib.sh"
require_root
. "$(dirname "$0")/enforce.inc"
. "$(dirname "$0")/devices.inc"
trap '"$UEVSCOPE" filter flush >/dev/null 2>&1; "$UEVSCOPE" devices flush >/dev/null 2>&1; cleanup' EXIT

new_netns uevcrash
start_listener l ip netns exec "$NS" -- || {
	fail "setup" "listener"
	exit 0
}
CRASH_NS=$NS
# The checks, shared with the VMs (tests/vm/vm.d/78-crash.sh).
. "$(dirname "$0")/crash.inc"
