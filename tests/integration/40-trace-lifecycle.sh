# SPDX-License-Identifier: GPL-2.0
# shellcheck disable=SC2154 # NAME_pid, NAME_port...: set by eval in start_listener, start_exporter
# Attach tiers, stopping (-c, -d, SIGINT), clean detach, and the same choice
# reported by `uevscope features`.
SUITE=trace-lifecycle
. "$(dirname "$0")/lib.sh"
require_root

start_listener host -- || fail "setup" "host listener"

# The fallback tier traces the same deliveries as the first choice: the second
# delivery tier this kernel offers (raw_tp/sk_data_ready where the tracepoint
# exists, a kprobe or fentry where it does not).
FALLBACK=$(plan_tiers trace delivery | sed -n 2p)
U=$(new_uuid 7)
if [ -z "$FALLBACK" ]; then
	skip "fallback tier traces the delivery" "this kernel offers one delivery tier only: $(plan_tiers trace delivery)"
elif start_trace raw --tier "$FALLBACK" -m "SYNTH_UUID==\"$U\""; then
	fire_uevent "$U"
	wait_for "rx=$host_pid/" "$T/raw.out" 30
	stop_trace
	if grep -q "via $FALLBACK" "$T/raw.err" && [ "$(grep -c "rx=$host_pid/uevlisten" "$T/raw.out")" = 1 ]; then
		pass "fallback tier traces the delivery" && info "fallback tier ($FALLBACK) traces the delivery"
	else
		fail "fallback tier traces the delivery" "fallback tier ($FALLBACK) traces the delivery: $(cat "$T/raw.err" "$T/raw.out")"
	fi
else
	fail "fallback tier traces the delivery" "fallback tier ($FALLBACK) traces the delivery: $(cat "$T/raw.err")"
fi

# SIGINT: summary line, exit 0, none of our programs left in the kernel.
U=$(new_uuid 8)
start_trace sig -m "SYNTH_UUID==\"$U\"" || fail "setup" "trace"
fire_uevent "$U"
wait_for "seq=" "$T/sig.out" 30
stop_trace
if [ "$TRACE_RC" = 0 ] && grep -q "^uevscope: 1 deliveries traced, 1 shown, 0 not matching; lost: 0 " "$T/sig.err"; then
	pass "SIGINT prints the summary and exits 0"
else
	fail "SIGINT prints the summary and exits 0" "rc=$TRACE_RC $(tail -1 "$T/sig.err")"
fi
if command -v bpftool >/dev/null; then
	progs_gone 'sk_data_ready_|dump_uevent_socks|broadcast_' &&
		pass "no program of ours remains after exit" ||
		fail "no program of ours remains after exit" "$LEFT programs left"
else
	skip "no program of ours remains after exit" "bpftool not installed"
fi

# -c stops after COUNT deliveries, -d after SECONDS, both on their own.
U=$(new_uuid 9)
"$UEVSCOPE" trace -c 2 -m "SYNTH_UUID==\"$U\"" >"$T/c.out" 2>"$T/c.err" &
cpid=$!
wait_for "tracing uevent deliveries via" "$T/c.err" 150
fire_uevent "$U"
fire_uevent "$U"
fire_uevent "$U"
n=0
while kill -0 $cpid 2>/dev/null && [ $n -lt 50 ]; do sleep 0.1; n=$((n + 1)); done
if ! kill -0 $cpid 2>/dev/null && wait $cpid && [ "$(grep -c 'seq=' "$T/c.out")" = 2 ]; then
	pass "-c stops after COUNT deliveries"
else
	kill $cpid 2>/dev/null
	fail "-c stops after COUNT deliveries" "$(cat "$T/c.out")"
fi
start=$(date +%s)
timeout 20 "$UEVSCOPE" trace -d 1 >/dev/null 2>"$T/d.err"
rc=$?
took=$(($(date +%s) - start))
[ $rc = 0 ] && [ $took -le 6 ] && pass "-d stops after SECONDS" || fail "-d stops after SECONDS" "rc=$rc after ${took}s"

# Emission: said once at start, whichever way this kernel goes.
n=$(grep -c "emission" "$T/d.err")
[ "$n" = 1 ] && pass "emission availability said once at start" || fail "emission availability said once at start" "$(cat "$T/d.err")"

# features predicts the tier trace picks.
if command -v jq >/dev/null; then
	planned=$("$UEVSCOPE" features -j | jq -r '.plans[] | select(.subcommand=="trace" and .job=="delivery") | .uses')
	used=$(sed -n 's/^uevscope: tracing uevent deliveries via \([^ ]*\).*/\1/p' "$T/d.err")
	[ -n "$used" ] && [ "$planned" = "$used" ] && pass "features and trace agree on the delivery tier" ||
		fail "features and trace agree on the delivery tier" "features: $planned, trace: $used"
else
	skip "features and trace agree on the delivery tier" "needs jq"
fi

# A stop that comes the moment a watcher speaks ends it with exit 0. Whoever reads
# its first line may stop it at once, and a background job of a shell starts with
# SIGINT ignored: a SIGINT before the handler is in place is lost, and the watcher
# runs on (locks did, in CI). Its stderr here is a pipe filled to the brim, so its
# first word blocks it; SIGINT comes then, and only then is the pipe drained.
mkfifo "$T/full.fifo"
for cmd in "locks --no-churn" "trace -j" "report -j 1" "export --textfile $T --interval 1"; do
	name=${cmd%% *}
	exec 7<>"$T/full.fifo"
	dd if=/dev/zero of=/dev/fd/7 bs=4096 count=4096 oflag=nonblock 2>/dev/null # until EAGAIN
	# shellcheck disable=SC2086 # cmd is words
	"$UEVSCOPE" $cmd >"$T/early-$name.out" 2>&7 7>&- &
	epid=$!
	n=0
	while [ "$(cut -d' ' -f1 "/proc/$epid/syscall" 2>/dev/null)" != 1 ] && [ $n -lt 300 ]; do
		sleep 0.1
		n=$((n + 1))
	done
	blocked=$(cut -d' ' -f1 "/proc/$epid/syscall" 2>/dev/null)
	kill -INT $epid
	cat "$T/full.fifo" >"$T/early-$name.err" 7>&- &
	rpid=$!
	exec 7>&-
	n=0
	while kill -0 $epid 2>/dev/null && [ $n -lt 200 ]; do sleep 0.1; n=$((n + 1)); done
	kill -KILL $epid 2>/dev/null && ended=no || ended=yes
	wait $epid
	rc=$?
	wait $rpid # the reader ends with the watcher
	if [ "$blocked" = 1 ] && [ "$ended" = yes ] && [ $rc = 0 ]; then
		pass "$name: a SIGINT the moment it speaks ends it with exit 0"
	else
		fail "$name: a SIGINT the moment it speaks ends it with exit 0" \
			"blocked in write: $blocked, ended within 20 s: $ended, rc $rc: $(tr -d '\0' <"$T/early-$name.err" | head -3)"
	fi
done
