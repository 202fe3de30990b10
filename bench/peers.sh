#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# uevscope side by side with its peers, in one run: each watcher beside the pinned listener and
# generator of bench/lib.sh (the generator writes /sys/class/mem/null/uevent as fast as it
# can), between two runs with no watcher, and compared with their mean (this host's speed
# drifts by tens of percent within minutes). Per watcher and round:
#   ratio      the uevent rate with the watcher against the mean of the two baselines
#   captured   deliveries the watcher captured or counted, out of those the listener received:
#              trace -j: delivery records in its output; report -j 1: its last document's
#              `delivered` for the listener's netns; export: uevscope_deliveries_total of that
#              netns, scraped once at the end; record: "recorded N deliveries"; bpftrace: the
#              lines its one-liner printed; udevadm: the KERNEL[...] events it printed
#   no_payload captured without the uevent's text (trace's and record's "payloads gone";
#              bpftrace: the receive queue already empty), "-" for the counters
#   peak_rss_kib, cpu_s  VmHWM and utime + stime (all threads) of the watcher's process, read
#              from /proc once the generator stopped and the watcher drained its backlog
#   lag_s      how long after the generator stopped the watcher still wrote its backlog (a
#              watcher that falls behind pays part of its cost after the measured run: its
#              CPU seconds include it); "-" for report and export, which print no backlog
#   attach_ms  exec to attached, CLOCK_MONOTONIC (tests/helpers/readyat, 1 ms polls): uevscope's
#              "... uevent deliveries via" line, udevadm's "KERNEL - the kernel uevent" (printed
#              after its socket is bound; "monitor will print ..." comes before), bpftrace's
#              program on the tracepoint in `bpftool perf list` (its "Attaching N probes" line
#              comes before the attach, polled every 10 ms)
# The bpftrace one-liner: the tracepoint:sock:sk_data_ready that uevscope attaches as tp_btf
# here (this kernel allows tracepoints only), filtered to AF_NETLINK (16) and
# NETLINK_KOBJECT_UEVENT (15) sockets, one line per delivery with the receiving netns, portid
# and the uevent's first string (ACTION@DEVPATH) read from the skb just queued: the nearest to
# uevscope trace's record a one-liner gets.
# Writes OUT_DIR/peers.csv (a row per watcher per round, then a `median` row per watcher:
# medians of rates, ratio, RSS, CPU and attach time, the ratio's min and max, and the totals
# over the rounds of delivered, captured and no_payload) and, with gnuplot (make bench-deps),
# OUT_DIR/peers.png (bench/peers.gp); prints a markdown table of the medians.
# Take the tests lock first: flock -o /run/lock/uevscope-tests.lock bench/peers.sh
# usage: bench/peers.sh [BUILD_DIR] [SECS] [ROUNDS]
#   SECS (default 5) and ROUNDS (3) also from the environment; PEERS="trace report export
#   record bpftrace udevadm" chooses the watchers (the order rotates by one each round);
#   OUT_DIR=bench/results.
# Exit status: 0 done; 1 environment: not root, not under the tests lock, a tool missing, a
# watcher that did not start or attach; 2 bad usage. A peer that is not installed is refused, not skipped: a table
# without it is not the comparison asked for. Leave it out on purpose with PEERS=...
set -u
BUILD=${1:-build}
SECS=${2:-${SECS:-5}}
ROUNDS=${3:-${ROUNDS:-3}}
PEERS=${PEERS:-trace report export record bpftrace udevadm}
HERE=$(dirname "$0")
RES=${OUT_DIR:-$HERE/results}
H=$BUILD/tests
die() {
	echo "peers: $1" >&2
	exit "${2:-1}"
}
case "$SECS$ROUNDS" in
*[!0-9]*) die "SECS and ROUNDS are whole numbers (usage: bench/peers.sh [BUILD_DIR] [SECS] [ROUNDS])" 2 ;;
esac
[ "$SECS" -gt 0 ] && [ "$ROUNDS" -gt 0 ] || die "SECS and ROUNDS must be at least 1" 2
for p in $PEERS; do
	case $p in
	trace | report | export | record | bpftrace | udevadm) ;;
	*) die "unknown watcher '$p' in PEERS (trace report export record bpftrace udevadm)" 2 ;;
	esac
done
[ "$(id -u)" = 0 ] || die "needs root (it attaches BPF programs and floods uevents)"
# shellcheck source=bench/lib.sh
. "$HERE/lib.sh"
lock_held || die "take the tests lock first: flock -o /run/lock/uevscope-tests.lock bench/peers.sh ..."
[ -x "$BUILD/uevscope" ] && [ -x "$H/readyat" ] && [ -x "$H/uevgen" ] ||
	die "build $BUILD/uevscope and the test helpers first (make bench-peers does)"
need() {
	for t in "$@"; do
		command -v "$t" >/dev/null || die "$t is not installed: make bench-deps test-deps, or PEERS=... without the peer that needs it"
	done
}
need jq taskset
for p in $PEERS; do
	case $p in
	export) need curl ;;
	bpftrace) need bpftrace bpftool ;;
	udevadm) need udevadm ;;
	esac
done
mkdir -p "$RES" || exit 1
TMP=/tmp
[ -d /dev/shm ] && TMP=/dev/shm # trace's gigabyte on disk: writeback would slow the next run
OUT=$(mktemp -d "$TMP/uevscope-peers.XXXXXX") || exit 1
LPID=
WPID=
# shellcheck disable=SC2317 # run by the EXIT trap
cleanup() {
	[ -n "$WPID" ] && kill -INT "$WPID" 2>/dev/null && wait "$WPID" 2>/dev/null
	[ -n "$LPID" ] && kill "$LPID" 2>/dev/null && wait "$LPID" 2>/dev/null
	rm -rf "$OUT"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# One line per delivery to a uevent socket: ns, receiving netns, portid, ACTION@DEVPATH (or
# "gone": a listener busy in recv() on the other CPU dequeued the skb first).
# shellcheck disable=SC2016 # bpftrace's $variables, not the shell's
BPFTRACE_PROG='tracepoint:sock:sk_data_ready /args->family == 16 && args->protocol == 15/ {
	$sk = (struct sock *)args->skaddr;
	if ($sk->sk_receive_queue.qlen > 0) {
		printf("D %llu %u %u %s\n", nsecs, $sk->__sk_common.skc_net.net->ns.inum,
			((struct netlink_sock *)$sk)->portid, str($sk->sk_receive_queue.prev->data));
	} else {
		printf("D %llu %u %u gone\n", nsecs, $sk->__sk_common.skc_net.net->ns.inum,
			((struct netlink_sock *)$sk)->portid);
	}
}'

baseline() {
	listen_start
	gen_rate
	listen_stop >/dev/null
}

# bpftrace_attached: its program is on the tracepoint (bpftool perf list shows perf-event links).
bpftrace_attached() {
	bpftool perf list -j 2>/dev/null | jq -e --argjson p "$WPID" \
		'any(.[]; .pid == $p and .tracepoint == "sk_data_ready")' >/dev/null
}

# alive PID: running (a child that exited stays a zombie until waited for).
alive() {
	state=$(sed 's/.*) //' "/proc/$1/stat" 2>/dev/null | cut -c1)
	[ -n "$state" ] && [ "$state" != Z ]
}

# settle FILE: wait until FILE stops growing (the watcher wrote its backlog), at most 120 s;
# LAG: seconds from the generator's end ($tg) to the last growth seen (0.2 s polls).
settle() {
	last=-1
	tl=$tg
	i=0
	while [ $i -lt 600 ]; do
		size=$(stat -c %s "$1")
		[ "$size" = "$last" ] && break
		[ "$last" = -1 ] || tl=$("$H/readyat")
		last=$size
		i=$((i + 1))
		sleep 0.2
	done
	[ $i -lt 600 ] || echo "peers: $1 still growing after 120 s" >&2
	LAG=$(awk -v a="$tg" -v b="$tl" 'BEGIN { printf "%.1f", (b - a) / 1e9 }')
}

# watched NAME: one run beside watcher NAME; sets RATE DELIVERED CAPTURED NOPAY RSS CPU ATTACH
# LAG.
watched() {
	listen_start
	netns=$(sed -n 's/^ready.* netns=\([0-9]*\).*/\1/p' "$OUT/listen.out")
	: >"$OUT/w.out"
	: >"$OUT/w.err"
	t0=$("$H/readyat")
	case $1 in
	trace) "$BUILD/uevscope" trace -j >"$OUT/w.out" 2>"$OUT/w.err" & ;;
	report) "$BUILD/uevscope" report -j 1 >"$OUT/w.out" 2>"$OUT/w.err" & ;;
	export) "$BUILD/uevscope" export --listen 127.0.0.1:0 >"$OUT/w.out" 2>"$OUT/w.err" & ;;
	record) "$BUILD/uevscope" record -o "$OUT/w.out" 2>"$OUT/w.err" & ;;
	bpftrace) bpftrace -e "$BPFTRACE_PROG" >"$OUT/w.out" 2>"$OUT/w.err" & ;;
	udevadm) udevadm monitor -k -p >"$OUT/w.out" 2>"$OUT/w.err" & ;;
	esac
	WPID=$!
	case $1 in
	bpftrace)
		t1=
		i=0
		while [ $i -lt 6000 ] && alive "$WPID"; do
			if bpftrace_attached; then
				t1=$("$H/readyat")
				break
			fi
			i=$((i + 1))
			sleep 0.01
		done
		;;
	udevadm) t1=$("$H/readyat" "$OUT/w.out" 'KERNEL - the kernel uevent' "$WPID") ;;
	*) t1=$("$H/readyat" "$OUT/w.err" 'uevent deliveries via' "$WPID") ;;
	esac
	if [ -z "${t1:-}" ]; then
		kill -INT "$WPID" 2>/dev/null
		wait "$WPID"
		WPID=
		listen_stop >/dev/null
		die "$1 did not attach: $(tail -1 "$OUT/w.err")"
	fi
	ATTACH=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.1f", (b - a) / 1e6 }')
	if [ "$1" = export ]; then
		"$H/readyat" "$OUT/w.err" 'serving http://' "$WPID" 10 >/dev/null ||
			die "export did not serve: $(tail -1 "$OUT/w.err")"
		port=$(sed -n 's|.*serving http://127.0.0.1:\([0-9]*\)/.*|\1|p' "$OUT/w.err")
	fi
	RATE=$(gen_rate)
	tg=$("$H/readyat")
	LAG=-
	case $1 in
	report) # a document read after the generator stopped
		n=$(wc -l <"$OUT/w.out")
		i=0
		while [ "$(wc -l <"$OUT/w.out")" -le "$n" ] && [ $i -lt 50 ]; do
			i=$((i + 1))
			sleep 0.1
		done
		;;
	export) # the next readout (every second), then the one scrape
		sleep 1.5
		CAPTURED=$(curl -s "http://127.0.0.1:$port/metrics" |
			awk -v p="uevscope_deliveries_total{netns=\"$netns\"" 'index($0, p) == 1 { s += $NF }
				END { print s + 0 }')
		;;
	*) settle "$OUT/w.out" ;;
	esac
	if [ "$1" = udevadm ]; then # what it missed: its own socket's overruns
		drops=$(awk -v p="$WPID" '$2 == 15 && $3 == p { s += $9 } END { print s + 0 }' /proc/net/netlink)
		echo "peers: round $r: udevadm's socket overran $drops times (/proc/net/netlink Drops)" >&2
	fi
	RSS=$(awk '$1 == "VmHWM:" { print $2 }' "/proc/$WPID/status")
	CPU=$(awk -v hz="$(getconf CLK_TCK)" '{ printf "%.2f", ($14 + $15) / hz }' "/proc/$WPID/stat")
	kill -INT "$WPID"
	wait "$WPID"
	WPID=
	kill -TERM "$LPID"
	wait "$LPID"
	st=$?
	LPID=
	DELIVERED=$(sed -n 's/^total=\([0-9]*\).*/\1/p' "$OUT/listen.out")
	if [ -z "$DELIVERED" ]; then
		echo "peers: the listener beside $1 ended (status $st) without its count: $(tr '\n' ' ' <"$OUT/listen.out")" >&2
		DELIVERED=-
	fi
	NOPAY=-
	case $1 in
	trace)
		CAPTURED=$(grep -c '"type":"delivery"' "$OUT/w.out")
		NOPAY=$(sed -n 's/.*, \([0-9]*\) payloads gone.*/\1/p' "$OUT/w.err" | tail -1)
		;;
	report)
		CAPTURED=$(tail -1 "$OUT/w.out" |
			jq --argjson n "$netns" '[.netns[] | select(.inode == $n) | .delivered] | add // 0')
		;;
	record)
		CAPTURED=$(sed -n 's/^uevscope: recorded \([0-9]*\) deliveries.*/\1/p' "$OUT/w.err")
		NOPAY=$(sed -n 's/.*, \([0-9]*\) payloads gone.*/\1/p' "$OUT/w.err" | tail -1)
		;;
	bpftrace)
		CAPTURED=$(grep -c '^D ' "$OUT/w.out")
		NOPAY=$(grep -c '^D .* gone$' "$OUT/w.out")
		;;
	udevadm)
		CAPTURED=$(grep -c '^KERNEL\[' "$OUT/w.out")
		NOPAY=0 # it reads its own copy of each uevent
		;;
	esac
	[ -n "$CAPTURED" ] || CAPTURED=-
	[ -n "$NOPAY" ] || NOPAY=-
	rm -f "$OUT/w.out"
}

echo "peers: $(uname -r), $(nproc) CPUs, ${SECS} s per run, $ROUNDS round(s); load average $(cut -d' ' -f1-3 /proc/loadavg)"
others=$(awk '$2 == 15 && $4 != "00000000"' /proc/net/netlink | wc -l)
[ "$others" = 0 ] ||
	echo "peers: $others other uevent listener(s) in this netns: report and export count their deliveries too" >&2
CSV=$RES/peers.csv
echo "round,watcher,base_per_s,rate_per_s,ratio,ratio_min,ratio_max,delivered,captured,no_payload,peak_rss_kib,cpu_s,lag_s,attach_ms" >"$OUT/csv"
printf '%-6s %-9s %9s %9s %6s %10s %10s %10s %9s %7s %6s %9s\n' round watcher base/s rate/s ratio \
	delivered captured no_payload rss_kib cpu_s lag_s attach_ms
npeers=$(echo "$PEERS" | wc -w)
for r in $(seq "$ROUNDS"); do
	# The order rotates by one each round, so no watcher always runs first or last.
	# shellcheck disable=SC2086 # PEERS is a list of words
	order=$(echo $PEERS $PEERS | cut -d' ' -f"$(((r - 1) % npeers + 1))-$(((r - 1) % npeers + npeers))")
	b1=$(baseline)
	for w in $order; do
		watched "$w"
		b2=$(baseline)
		[ -n "$b1" ] && [ -n "$b2" ] || die "a baseline run failed"
		base=$(((b1 + b2) / 2))
		ratio=$(awk -v a="$RATE" -v b="$base" 'BEGIN { printf "%.3f", a / b }')
		printf '%-6s %-9s %9s %9s %6s %10s %10s %10s %9s %7s %6s %9s\n' "$r" "$w" "$base" "$RATE" \
			"$ratio" "$DELIVERED" "$CAPTURED" "$NOPAY" "$RSS" "$CPU" "$LAG" "$ATTACH"
		echo "$r,$w,$base,$RATE,$ratio,,,$DELIVERED,$CAPTURED,$NOPAY,$RSS,$CPU,$LAG,$ATTACH" >>"$OUT/csv"
		b1=$b2
	done
done
# The medians, one row per watcher in PEERS order.
for w in $PEERS; do
	awk -F, -v w="$w" '
	function med(c,   i, j, n, t, v) {
		n = 0
		for (i = 1; i <= rows; i++) v[++n] = col[i, c]
		for (i = 2; i <= n; i++) for (j = i; j > 1 && v[j - 1] > v[j]; j--) {
			t = v[j]; v[j] = v[j - 1]; v[j - 1] = t
		}
		return n % 2 ? v[(n + 1) / 2] : (v[n / 2] + v[n / 2 + 1]) / 2
	}
	function sum(c,   i, s) {
		for (i = 1; i <= rows; i++) { if (col[i, c] == "-") return "-"; s += col[i, c] }
		return s
	}
	$2 == w { rows++; for (c = 1; c <= NF; c++) col[rows, c] = $c
		if (rows == 1 || $5 < lo) lo = $5
		if (rows == 1 || $5 > hi) hi = $5 }
	END { printf "median,%s,%d,%d,%.3f,%.3f,%.3f,%s,%s,%s,%d,%.2f,%s,%.1f\n", w, med(3), med(4),
		med(5), lo, hi, sum(8), sum(9), sum(10), med(11), med(12),
		col[1, 13] == "-" ? "-" : sprintf("%.1f", med(13)), med(14) }' "$OUT/csv"
done >"$OUT/medians"
cat "$OUT/csv" "$OUT/medians" >"$CSV"

echo
echo "| watcher | rate ratio (min-max) | captured / delivered | without payload | peak RSS | CPU | behind after the run | start to attached |"
echo "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"
awk -F, '
function num(n) { # 1234567 -> 1,234,567
	if (n == "-") return n
	s = sprintf("%d", n); o = ""
	while (length(s) > 3) { o = "," substr(s, length(s) - 2) o; s = substr(s, 1, length(s) - 3) }
	return s o
}
function name(w) {
	if (w == "bpftrace") return "bpftrace, one `sk_data_ready` line"
	if (w == "udevadm") return "`udevadm monitor -k -p`"
	return "`uevscope " w (w == "trace" ? " -j" : w == "report" ? " -j 1" : "") "`"
}
{ printf "| %s | %.3f (%.3f-%.3f) | %s / %s | %s | %.1f MiB | %.2f s | %s | %.0f ms |\n", name($2),
	$5, $6, $7, num($9), num($8), num($10), $11 / 1024, $12, $13 == "-" ? "-" : $13 " s", $14 }' "$OUT/medians"
echo
echo "peers: load average $(cut -d' ' -f1-3 /proc/loadavg) at the end; CSV: $CSV"
plot peers "secs=$SECS; rounds=$ROUNDS; first=$((ROUNDS * npeers + 1))"
