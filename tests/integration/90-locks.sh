# SPDX-License-Identifier: GPL-2.0
# uevscope locks: contention on the uevent paths under a storm of netns churn
# and uevent writers, attributed to uevent_sock_mutex by its stacks and
# filtered in the kernel; consistent totals; nothing on the uevent paths
# without the storm; exact uevent and netns counts; fallback tier; usage errors.
SUITE=locks
. "$(dirname "$0")/lib.sh"
require_root
require_jq
STORM="$(dirname "$0")/../../bench/lock-storm.sh"

# check_consistent FILE NAME: in every report and lock, the histogram sums to
# the count, max >= mean, total >= max; the listed call paths and tasks sum to
# the count when all are listed.
check_consistent() {
	bad=$(jq -c '.locks[] | select(
		([.hist[].count] | add) != .count or .max_ns < .mean_ns or .total_ns < .max_ns or
		(.paths_total == (.paths | length) and ([.paths[].count] | add) != .count) or
		(.tasks_total == (.tasks | length) and ([.tasks[].count] | add) != .count) or
		any(.paths[]; .max_ns < .mean_ns)) | {addr, count, max_ns, mean_ns}' "$1")
	[ -z "$bad" ] && pass "$2: histogram sums to the count, max >= mean, paths and tasks sum up" ||
		fail "$2: histogram sums to the count, max >= mean, paths and tasks sum up" "$bad"
}

# --- Without the storm: one writer alone contends with nobody on the uevent
# paths, and the uevent count is exactly what it wrote.
"$UEVSCOPE" locks -j -a --top 50 -d 3 >"$T/quiet.json" 2>"$T/quiet.err" &
lpid=$!
PIDS="$PIDS $lpid"
wait_for "timing lock contention via" "$T/quiet.err" 150 || fail "setup" "$(cat "$T/quiet.err")"
sleep 0.3
"$H/uevgen" -n 50 >/dev/null
wait $lpid
rc=$?
[ $rc = 0 ] && [ "$(jq -r .type "$T/quiet.json")" = total ] &&
	pass "-d ends with one total report and exit 0" ||
	fail "-d ends with one total report and exit 0" "rc=$rc $(cat "$T/quiet.err")"
n=$(jq '[.locks[] | select(.uevent_path or .identified != null)] | length' "$T/quiet.json")
[ "$n" = 0 ] && pass "without the storm no uevent-path contention is reported" ||
	fail "without the storm no uevent-path contention is reported" "$(jq -c '.locks[] | select(.uevent_path)' "$T/quiet.json")"
[ "$(jq .filter "$T/quiet.json")" = null ] && ! grep -q "uevent_sock_mutex is lock" "$T/quiet.err" &&
	pass "without the storm the lock is not identified and nothing is filtered" ||
	fail "without the storm the lock is not identified and nothing is filtered" "$(jq -c .filter "$T/quiet.json")"
got=$(jq .uevents "$T/quiet.json")
[ "$got" = 50 ] && pass "uevent count over the run is exact (50 written)" ||
	fail "uevent count over the run is exact (50 written)" "got $got"
check_consistent "$T/quiet.json" quiet

# --- netns churn. The struct net of a destroyed netns is freed at the next
# netns teardown on kernels that defer it (net_complete_free() in
# cleanup_net()), immediately on others: either way every teardown frees
# exactly one earlier netns here, one at a time. A first teardown flushes
# whatever an earlier test left deferred; then three netns, each created and
# destroyed, must count 3 created and 3 destroyed.
"$UEVSCOPE" locks -j 0.2 >"$T/churn.json" 2>"$T/churn.err" &
lpid=$!
PIDS="$PIDS $lpid"
wait_for "timing lock contention via" "$T/churn.err" 150 || fail "setup" "$(cat "$T/churn.err")"
churn_sum() {
	jq -s -r '"\([.[].netns_created] | add // 0) \([.[].netns_destroyed] | add // 0)"' "$T/churn.json"
}
# destroyed_reaches N: waits (5 s at most) until N destroyed are counted.
destroyed_reaches() {
	n=0
	while [ "$(churn_sum | cut -d' ' -f2)" -lt "$1" ] && [ $n -lt 50 ]; do
		n=$((n + 1))
		sleep 0.1
	done
}
if grep -q "netns churn counted" "$T/churn.err"; then
	ip netns add "uevlk$$_0" && ip netns del "uevlk$$_0"
	sleep 1.5
	base=$(churn_sum)
	d0=${base#* }
	for i in 1 2 3; do
		ip netns add "uevlk$$_$i" && ip netns del "uevlk$$_$i"
		destroyed_reaches $((d0 + i))
	done
	sleep 1 # quiet: nothing beyond these may show up
	kill -INT $lpid
	wait $lpid
	now=$(churn_sum)
	got="$((${now% *} - ${base% *})) $((${now#* } - d0))"
	[ "$got" = "3 3" ] && pass "netns churn is exact: 3 created, 3 destroyed" ||
		fail "netns churn is exact: 3 created, 3 destroyed" "got $got (before: $base, after: $now)"
else
	kill -INT $lpid
	wait $lpid
	skip "netns churn is exact: 3 created, 3 destroyed" "$(grep churn "$T/churn.err")"
fi

# storm_start: the lock storm of bench/lock-storm.sh (10 namespaces, netns
# churn, uevent writers), running once this returns; storm_stop ends it. A
# measurement between the two lies wholly inside the storm however slowly the
# machine sets it up, so contention on 2 cores is certain.
storm_start() {
	NAMESPACES=10 STORM_ONLY=1 DURATION=120 sh "$STORM" "$BUILD" >"$T/storm.out" 2>&1 &
	spid=$!
	PIDS="$PIDS $spid"
	wait_for "^storm: running" "$T/storm.out" 600 ||
		fail "setup" "the storm did not start in 60 s: $(head -3 "$T/storm.out")"
}
storm_stop() {
	kill -TERM "$spid" 2>/dev/null
	wait "$spid" 2>/dev/null
}

# --- Under the storm.
storm_start
"$UEVSCOPE" locks -j --top 50 1 3 >"$T/storm.json" 2>"$T/storm.err"
rc=$?
storm_stop
mutex=$(jq -r '.locks[] | select(.identified == "uevent_sock_mutex") | .addr' "$T/storm.json" | sort -u)
ok=0
[ -n "$mutex" ] && grep -q "uevent_sock_mutex is lock $mutex" "$T/storm.err" && ok=1
if [ $ok = 1 ]; then
	pass "under the storm uevent_sock_mutex is identified by its waiters' stacks"
else
	fail "under the storm uevent_sock_mutex is identified by its waiters' stacks" \
		"$(cat "$T/storm.err") $(jq -c '[.locks[] | {addr, identified, uevent_path, count}]' "$T/storm.json")"
fi
[ $rc = 0 ] && [ "$(jq -r .type "$T/storm.json" | sort -u)" = interval ] &&
	[ "$(wc -l <"$T/storm.json")" = 3 ] &&
	pass "INTERVAL COUNT gives COUNT interval reports" ||
	fail "INTERVAL COUNT gives COUNT interval reports" "rc=$rc $(wc -l <"$T/storm.json") lines"
if [ $ok = 1 ]; then
	n=$(jq --arg m "$mutex" '[.locks[] | select(.addr == $m) | .paths[] |
		select(.uevent_fn == "kobject_uevent_env" and .uevent_path and .count > 0)] | length' "$T/storm.json" |
		awk '{ s += $1 } END { print s + 0 }')
	[ "$n" -gt 0 ] && pass "contention attributed to the uevent path kobject_uevent_env" ||
		fail "contention attributed to the uevent path kobject_uevent_env" "no such path"
	# The frames are kernel function names with offsets, the waiting one a mutex lock.
	bad=$(jq -r --arg m "$mutex" '.locks[] | select(.addr == $m) | .paths[] | select(.stack_id >= 0) |
		select((.frames | length) < 3 or (.frames[0] | test("mutex_lock") | not) or
		any(.frames[0:3][]; test("^[A-Za-z_][A-Za-z0-9_.]*\\+0x[0-9a-f]+$") | not)) | .frames[0:3] | join(" ")' \
		"$T/storm.json")
	[ -z "$bad" ] && pass "stacks are symbolized to kernel function names" ||
		fail "stacks are symbolized to kernel function names" "$bad"
	# Once filtered, the later reports hold that lock only.
	others=$(jq -r --arg m "$mutex" 'select(.filter.lock == $m) | .locks[] | select(.addr != $m) | .count' \
		"$T/storm.json" | tail -n +1 | wc -l)
	last=$(tail -1 "$T/storm.json" | jq -r --arg m "$mutex" '[.locks[] | select(.addr != $m)] | length')
	[ "$(tail -1 "$T/storm.json" | jq -r .filter.lock)" = "$mutex" ] && [ "$last" = 0 ] &&
		pass "after identification only uevent_sock_mutex is counted in the kernel" ||
		fail "after identification only uevent_sock_mutex is counted in the kernel" "$others reports with other locks, last has $last"
	n=$(jq -s '[.[] | select(.uevents > 0 and .netns_created > 0)] | length' "$T/storm.json")
	[ "$n" -ge 1 ] && pass "uevent rate and netns churn shown beside the contention" ||
		fail "uevent rate and netns churn shown beside the contention" "$(jq -c '{uevents, netns_created}' "$T/storm.json")"
	n=$(jq -s '[.[] | .locks[] | .tasks[] | select(.comm == "uevgen")] | length' "$T/storm.json")
	[ "$n" -ge 1 ] && pass "contending tasks named (uevgen, the writers)" ||
		fail "contending tasks named (uevgen, the writers)" "none"
	check_consistent "$T/storm.json" storm
fi
n=$(jq -s '[.[] | select(.not_recorded | has("stack_capture_failed") and has("lock_map_full") and .generation_raced == 0)] | length' "$T/storm.json")
[ "$n" = 3 ] && pass "what the kernel side could not record is shown, and no wait lost to a generation race" ||
	fail "what the kernel side could not record is shown, and no wait lost to a generation race" "$n"

# --- Text output under load: names the lock and how it was identified.
storm_start
"$UEVSCOPE" locks -d 2 >"$T/text.out" 2>"$T/text.err"
storm_stop
if grep -q "uevent_sock_mutex (no kallsyms data symbol; identified by its waiters: mutex_lock called from" "$T/text.out" ||
	grep -q "uevent_sock_mutex (kallsyms)" "$T/text.out"; then
	pass "text report names uevent_sock_mutex and says how it was identified"
else
	fail "text report names uevent_sock_mutex and says how it was identified" "$(head -20 "$T/text.out")"
fi

# --- The fallback tier and a clean exit.
"$UEVSCOPE" locks --tier raw_tp/contention_begin -d 1 >"$T/raw.out" 2>"$T/raw.err"
rc=$?
[ $rc = 0 ] && grep -q "via raw_tp/contention_begin" "$T/raw.err" && grep -q "^not recorded:" "$T/raw.out" &&
	pass "raw_tp fallback tier runs" || fail "raw_tp fallback tier runs" "rc=$rc $(cat "$T/raw.err")"
# A forced broadcast tier the kernel refuses: contention is still timed, the
# refusal is said in one line (make vmtest runs it where kprobes exist).
if [ "$("$UEVSCOPE" features | awk '$1 == "kprobe/netlink_broadcast" { print $2 }')" = no ]; then
	"$UEVSCOPE" locks --no-churn --tier kprobe/netlink_broadcast -d 1 >"$T/kp.out" 2>"$T/kp.err"
	rc=$?
	[ $rc = 0 ] && grep -q "broadcast timing unavailable on this kernel" "$T/kp.err" &&
		grep -q "^broadcast: not timed" "$T/kp.out" &&
		pass "a refused forced broadcast tier falls back to no broadcast timing" ||
		fail "a refused forced broadcast tier falls back to no broadcast timing" "rc=$rc $(cat "$T/kp.err")"
fi
"$UEVSCOPE" locks --no-churn -j -d 2 >"$T/nochurn.json" 2>"$T/nochurn.err" &
lpid=$!
PIDS="$PIDS $lpid"
wait_for "timing lock contention via" "$T/nochurn.err" 150
progs=$(bpftool prog show 2>/dev/null | grep -oE 'name (contention_begin_btf|net_alloc_btf)' | sort -u | tr '\n' ' ')
wait $lpid
[ "$(jq .netns_created "$T/nochurn.json")" = null ] && grep -q "netns churn not counted (--no-churn)" "$T/nochurn.err" &&
	[ "$progs" = "name contention_begin_btf " ] &&
	pass "--no-churn leaves the slab tracepoints alone and says so" ||
	fail "--no-churn leaves the slab tracepoints alone and says so" "programs: $progs; $(cat "$T/nochurn.err")"
if command -v bpftool >/dev/null; then
	progs_gone 'contention_|net_alloc_btf|net_free_btf' &&
		pass "no program of ours remains after exit" ||
		fail "no program of ours remains after exit" "$LEFT programs left"
fi

# --- Usage errors: exit 2, one line, nothing loaded.
for args in "-d 0" "-d x" "--top 0" "0" "1 0" "1 2 3" "--tier fentry/contention_begin" "--bogus"; do
	# shellcheck disable=SC2086
	"$UEVSCOPE" locks $args >"$T/u.out" 2>"$T/u.err"
	rc=$?
	if [ $rc = 2 ] && [ "$(wc -l <"$T/u.err")" = 1 ] && grep -q "^uevscope: locks: " "$T/u.err" &&
		[ ! -s "$T/u.out" ]; then
		pass "usage error '$args': exit 2, one line"
	else
		fail "usage error '$args': exit 2, one line" "rc=$rc $(cat "$T/u.err")"
	fi
done
"$UEVSCOPE" locks --help | grep -q "^EXAMPLES:" && pass "--help has EXAMPLES" ||
	fail "--help has EXAMPLES" "missing"
