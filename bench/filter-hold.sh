#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# What holding a task at socket() costs it (bpf/filter_watch.bpf.c): the time
# of socket(AF_NETLINK, SOCK_DGRAM, NETLINK_KOBJECT_UEVENT) with no policy, then
# with a socket-filter policy and its watcher, in one run, as a ratio. The hold
# applies to every new uevent socket on the host, in the rule's scope or not:
# both are measured. Root; takes the test lock (it attaches BPF programs).
# Usage: bench/filter-hold.sh [BUILD] [N]
set -eu
BUILD=${1:-build}
N=${2:-2000}
UEVSCOPE=$BUILD/uevscope
H=$BUILD/tests
NS=uevhold$$

exec 9>/run/lock/uevscope-tests.lock
flock 9
cleanup() {
	"$UEVSCOPE" filter flush >/dev/null 2>&1 || true
	ip netns del "$NS" 2>/dev/null || true
}
trap cleanup EXIT
"$UEVSCOPE" filter flush >/dev/null 2>&1 || true
ip netns add "$NS"

med() { sed -n 's/^socket_us median \([0-9.]*\).*/\1/p'; }
run() { ip netns exec "$1" taskset -c 0 "$H/uevrace" time "$N"; }

base=$(run "$NS")
"$UEVSCOPE" filter add --netns "$NS" 'SUBSYSTEM=="racedeny"' deny >/dev/null
tier=$("$UEVSCOPE" filter status -j | jq -r .tier)
held_in=$(run "$NS")
held_out=$(taskset -c 0 "$H/uevrace" time "$N") # the host netns: no rule there
"$UEVSCOPE" filter status | grep '^new sockets'
"$UEVSCOPE" filter flush >/dev/null
after=$(run "$NS")

echo "tier $tier, $N sockets each, socket() in microseconds (median p90 max):"
echo "  no policy:                $base"
echo "  policy, socket in scope:  $held_in"
echo "  policy, out of scope:     $held_out"
echo "  no policy again:          $after"
b=$(echo "$base" | med)
i=$(echo "$held_in" | med)
o=$(echo "$held_out" | med)
echo "ratio of medians: in scope $(echo "scale=1; $i / $b" | bc), out of scope $(echo "scale=1; $o / $b" | bc)"
