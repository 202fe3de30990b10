# SPDX-License-Identifier: GPL-2.0
# Shared by the integration tests: POSIX sh, so they also run under busybox.
# Each test script sets SUITE, sources this file and calls pass/fail/skip.
BUILD=${BUILD:-build}
UEVSCOPE=$BUILD/uevscope
H=$BUILD/tests
T=$(mktemp -d /tmp/uevscope-test.XXXXXX)
PIDS=""
NETNS_NAMES=""
CGROUPS=""

# on_result: run at each check's result; the VM's stall watch redefines it.
on_result() { :; }
pass() {
	on_result
	echo "PASS $SUITE: $1"
}
fail() {
	on_result
	echo "FAIL $SUITE: $1: $2"
}
skip() {
	on_result
	echo "SKIP $SUITE: $1: $2"
}
# info TEXT: a measured value beside a check (a time, a count, the tier in use). The check's
# NAME stays the same on PASS, FAIL and SKIP (the runner pairs a FAIL with the rerun's PASS
# by it: docs/tests.md), so what varies from run to run goes here or in the FAIL's detail.
info() { echo "INFO $SUITE: $1"; }

cleanup() {
	# A jq that could not parse its input fails the suite, whatever the check
	# that called it compared (see jq below).
	if [ -s "$T/jq.failed" ]; then
		while IFS= read -r l; do fail "every jq input parses" "$l"; done <"$T/jq.failed"
	fi
	for p in $PIDS; do kill "$p" 2>/dev/null; done
	wait 2>/dev/null
	for n in $NETNS_NAMES; do ip netns del "$n" 2>/dev/null; done
	for c in $CGROUPS; do rmdir "$c" 2>/dev/null; done
	rm -rf "$T"
}
trap cleanup EXIT
# The runner's time limit sends TERM to the suite's process group: leave
# through the EXIT trap, so the namespaces and cgroups go all the same.
trap 'exit 143' HUP INT TERM

# Integration tests load BPF programs and create namespaces: root only.
require_root() {
	if [ "$(id -u)" != 0 ]; then
		skip "all" "needs root (loads BPF programs, creates namespaces); run 'sudo make test'"
		exit 0
	fi
}

# JSON checks read the trace with jq.
require_jq() {
	command -v jq >/dev/null && return 0
	skip "all" "needs jq to read the JSON trace"
	exit 0
}

# jq, checked: its parse and filter errors go to stderr, and a check that
# counts or compares its output could pass on garbage. Any exit but 0 (and 1
# under -e, "false or null", the caller's to judge) is written down and turned
# into a FAIL line at exit. A poll that may read a line still being written
# uses `command jq`, and its final read goes through this one.
jq() {
	command jq "$@"
	jq_rc=$?
	[ $jq_rc = 0 ] && return 0
	case " $* " in *" -e "*) [ $jq_rc = 1 ] && return 1 ;; esac
	echo "jq $* -> exit $jq_rc" >>"$T/jq.failed"
	return $jq_rc
}

# expect CODE PATTERN ARGS...: uevscope ARGS exits with CODE and says exactly
# one line on stderr, matching PATTERN (a grep pattern); nothing on stdin.
expect() {
	code=$1
	pattern=$2
	shift 2
	"$UEVSCOPE" "$@" >"$T/out" 2>"$T/err" </dev/null
	rc=$?
	lines=$(wc -l <"$T/err")
	if [ $rc = "$code" ] && [ "$lines" = 1 ] && grep -q -e "$pattern" "$T/err"; then
		pass "uevscope $* -> exit $code"
	else
		fail "uevscope $* -> exit $code" "rc=$rc, $lines lines: $(head -2 "$T/err")"
	fi
}

# progs_gone REGEX: true once no loaded BPF program's line in `bpftool prog
# show` matches REGEX; $LEFT is how many still do. The kernel frees a detached
# program from a deferred work item (after an RCU grace period): up to 5 s.
progs_gone() {
	n=0
	while LEFT=$(bpftool prog show 2>/dev/null | grep -cE "$1") && [ "$LEFT" != 0 ] &&
		[ $n -lt 50 ]; do
		n=$((n + 1))
		sleep 0.1
	done
	[ "$LEFT" = 0 ]
}

# new_netns PREFIX: a named netns owned by the initial user namespace, in $NS, removed at exit.
new_netns() {
	NS=$1$$
	ip netns add "$NS" || { fail "setup" "ip netns add $NS failed"; exit 0; }
	NETNS_NAMES="$NETNS_NAMES $NS"
}

# wait_for PATTERN FILE [TENTHS]: until grep finds PATTERN in FILE.
#
# A file that a background job writes and wait_for reads must be removed first,
# in the caller: the job's own redirection truncates it only once the job runs,
# and by then wait_for may have matched the words of the file's previous writer
# (6.1 VM: a forced locks tier "attached" at once, from the last tier's file).
wait_for() {
	n=0
	while ! grep -q "$1" "$2" 2>/dev/null; do
		n=$((n + 1))
		[ $n -gt "${3:-100}" ] && return 1
		sleep 0.1
	done
	return 0
}

# wait_count PATTERN FILE N [TENTHS]: until FILE has at least N lines matching
# PATTERN: how a positive control is waited for (never slept on). A "nothing
# arrived" check is judged once its control, fired after it in the same
# window, has arrived.
wait_count() {
	n=0
	while [ "$(count_lines "$1" "$2")" -lt "$3" ]; do
		n=$((n + 1))
		[ $n -gt "${4:-100}" ] && return 1
		sleep 0.1
	done
	return 0
}

# start_trace NAME ARGS...: runs uevscope trace in the background until attached;
# false when it could not attach. TRACE_WAIT (tenths of a second, 150) bounds the
# wait: under QEMU without KVM a load and its verification take seconds.
start_trace() {
	name=$1
	shift
	rm -f "$T/$name.out" "$T/$name.err" # see wait_for
	"$UEVSCOPE" trace "$@" >"$T/$name.out" 2>"$T/$name.err" &
	TRACE_PID=$!
	PIDS="$PIDS $TRACE_PID"
	wait_for "tracing uevent deliveries via\|cannot trace" "$T/$name.err" "${TRACE_WAIT:-150}" &&
		! grep -q "cannot trace" "$T/$name.err"
}

stop_trace() {
	kill -INT "$TRACE_PID" 2>/dev/null
	wait "$TRACE_PID"
	# shellcheck disable=SC2034 # for the suites
	TRACE_RC=$?
}

# start_listener NAME [WRAPPER...] -- [uevlisten ARGS]: waits for its ready line.
start_listener() {
	name=$1
	shift
	wrap=""
	while [ $# -gt 0 ] && [ "$1" != "--" ]; do
		wrap="$wrap $1"
		shift
	done
	[ "$1" = "--" ] && shift
	rm -f "$T/$name.out" # see wait_for
	$wrap "$H/uevlisten" "$@" >"$T/$name.out" 2>&1 &
	PIDS="$PIDS $!"
	wait_for "^ready" "$T/$name.out" 50 || return 1
	eval "${name}_pid=\$(sed -n 's/^ready pid=\([0-9]*\).*/\1/p' \"\$T/\$name.out\")"
	eval "${name}_netns=\$(sed -n 's/^ready.* netns=\([0-9]*\).*/\1/p' \"\$T/\$name.out\")"
	eval "${name}_ino=\$(sed -n 's/^ready.* ino=\([0-9]*\).*/\1/p' \"\$T/\$name.out\")"
	eval "${name}_portid=\$(sed -n 's/^ready.* portid=\([0-9]*\).*/\1/p' \"\$T/\$name.out\")"
}

# A synthetic kernel uevent with a unique SYNTH_UUID, so a test can pick out its own.
new_uuid() {
	printf '%08x-%04x-4%03x-8%03x-%012x' "$$" "$(($(date +%s) % 65536))" \
		"$((${1:-0} % 4096))" "$(($(date +%N | sed 's/^0*//') % 4096))" "$(date +%s%N | cut -c1-12)"
}

fire_uevent() {
	echo "change $1 TEST=1" >/sys/class/mem/null/uevent
}

# fire_known K BURST: K uevents each with its own SYNTH_UUID, then BURST as fast
# as uevgen goes; KT is their sum.
fire_known() {
	i=0
	while [ $i -lt "$1" ]; do
		fire_uevent "$(new_uuid $i)"
		i=$((i + 1))
	done
	"$H/uevgen" -n "$2" >/dev/null
	# shellcheck disable=SC2034 # for the suites
	KT=$(($1 + $2))
}

# inject_from PID NAME: one "add" uevent (SUBSYSTEM uevtest, A=1) injected from
# PID's user and network namespaces; false, with the reason in $T/inject.out, if refused.
inject_from() {
	nsenter -t "$1" -U -n --preserve-credentials "$H/uevinject" add "/devices/virtual/uevtest/$2" \
		uevtest A=1 >"$T/inject.out" 2>&1
}

# count_lines PATTERN FILE
count_lines() {
	grep -c "$1" "$2" 2>/dev/null || true
}

# uevent_truth: the fan-out of a kernel uevent, from /proc/net/netlink read
# inside each network namespace (every process's and every /run/netns name),
# not from uevscope. Kernel uevents go into namespaces owned by the initial
# user namespace (nsowner asks the kernel), to each NETLINK_KOBJECT_UEVENT
# (protocol 15) socket there with a portid (0 is the kernel's own) that is
# subscribed to group 1. Writes "NETNS_INODE SOCKETS" per namespace with one
# or more to $T/truth; TRUTH_NETNS and TRUTH_SOCKS are their count and sum.
uevent_truth() {
	"$H/nsowner" /proc/self/ns/net /run/netns/* /proc/[0-9]*/ns/net 2>/dev/null |
		awk -v u="$(stat -L -c %i /proc/self/ns/user)" '$2 == u { print $1, $3 }' >"$T/netns.list"
	: >"$T/truth"
	: >"$T/truth.done"
	while read -r ino path; do
		grep -qx "$ino" "$T/truth.done" && continue
		nsenter --net="$path" cat /proc/net/netlink >"$T/netlink" 2>/dev/null || continue
		echo "$ino" >>"$T/truth.done"
		n=$(awk '$2 == 15 && $3 != 0 && $4 ~ /[13579bdfBDF]$/' "$T/netlink" | wc -l)
		[ "$n" -gt 0 ] && echo "$ino $n" >>"$T/truth"
	done <"$T/netns.list"
	# shellcheck disable=SC2034 # read by the suites that call uevent_truth
	TRUTH_NETNS=$(wc -l <"$T/truth")
	# shellcheck disable=SC2034 # likewise
	TRUTH_SOCKS=$(awk '{ s += $2 } END { print s + 0 }' "$T/truth")
}

# plan_tiers SUBCOMMAND JOB: the attach tiers of a job that this kernel loads,
# first choice first, one a line (features -j probes each; on a kernel without
# sock:sk_data_ready, 6.1 say, the sk_data_ready tiers are not among them).
plan_tiers() {
	"$UEVSCOPE" features -j >"$T/features.json" &&
		jq -r --arg s "$1" --arg j "$2" '. as $f | .plans[] | select(.subcommand == $s and .job == $j) |
			.tiers[] | . as $t | select(any($f.probes[]; .name == $t and .ok))' "$T/features.json"
}

# The cgroup v2 mount point, from /proc/self/mountinfo (hybrid hosts have it
# at /sys/fs/cgroup/unified, the VM at /sys/fs/cgroup); empty when none.
cgroup2_root() {
	sed -n 's/^[^ ]* [^ ]* [^ ]* [^ ]* \([^ ]*\) .* - cgroup2 .*/\1/p' /proc/self/mountinfo | head -1
}

# new_cgroup PARENT_DIR NAME: a fresh cgroup directory in $CG, removed at exit
# (children before their parents: the list is kept newest first).
new_cgroup() {
	CG=$1/$2
	mkdir "$CG" || { fail "setup" "mkdir $CG failed"; exit 0; }
	CGROUPS="$CG $CGROUPS"
}
