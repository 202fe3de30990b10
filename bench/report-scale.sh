#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# `uevscope report -j` and `uevscope export --textfile` at 10, 100 and 1,000 network namespaces
# (issue 17, goal 5): are they exact, and what do memory, readout time and the delivery program
# cost as the namespaces grow? Per size N, in one invocation:
#   - N namespaces (ip netns add, so the socket inventory finds them by /run/netns), each with one
#     uevent listener, all held by one tests/helpers/uevfarm process pinned to CPU 1;
#   - floods from tests/helpers/uevgen on CPU 0 (bench/lib.sh); during the second flood of each
#     run uevfarm's churner opens and closes CHURN uevent sockets in the N namespaces (paced at
#     CHURN / SECS a second, one open at a time, each bound to the uevent group so it gets deliveries while it
#     lives; the churner shares the listeners' CPU 1: on the generator's CPU, uevfarm -C 0, it
#     slowed the flood 3.5 times in one comparison here);
#   - two floods of SECS seconds per run: the first without churn (for the rate and the
#     program's cost: the churn's netlink table locking swings the rate by several times), the
#     second with it; exactness covers both;
#   - that pair with no watcher, with report -j 1, with export --textfile, with no watcher again:
#     the watcher's rates against the mean of the two baselines of the same N (the host drifts by
#     tens of percent; only ratios within one size compare).
# Every uevent of the flood reaches every namespace (the kernel's untagged broadcast walks all of
# them), so the rate falls with N whatever watches it.
# Per watched run:
#   exact       for every one of the N namespaces, the delivered count the watcher shows (report:
#               its last document's netns[].delivered; export: uevscope_deliveries_total summed
#               over that netns label) equals what uevfarm received there (listener + churned
#               sockets, each drained before it closed), read after the farm stopped; and the loss
#               counters that would make a count short (netns_map_full, event_map_full,
#               socket_map_full, missed runs) are 0. "netns-exact;COUNTER=N": every namespace
#               right, but a finer count (per socket, per event) is short by N; else "mismatch"
#               and how many namespaces differ, and the counters.
#   fanout      fanout_map_full: SEQNUMs missing from the fan-out histograms (their deliveries
#               are still counted, so it does not touch the per-netns counts)
#   drops       receiver overruns: the farm's listeners' + its churned sockets' own (SO_MEMINFO),
#               against what the watcher shows (sk_drops growth read at each readout, so a
#               churned socket that overran and closed between two readouts is not seen)
#   rss, cpu    VmHWM and utime + stime of the watcher, once it read the farm's last delivery
#   readout     report: the gap between two documents minus the interval (its readout of the maps
#               plus the JSON; median and max over the run); export: its own
#               uevscope_exporter_readout_duration_seconds (the maps only), sampled from the
#               textfile at every readout (median and max)
#   ns/del      kernel.bpf_stats_enabled: run_time_ns / run_cnt of the watcher's delivery program
#               over the flood without churn (it runs on every sk_data_ready; the few that are not
#               uevent deliveries return at once)
# export runs with --max-series 0: at 1,000 namespaces the default cap of 1,000 label sets folds
# the extra ones into "other" (by design, counted in uevscope_exporter_series_folded), which
# would hide per-netns exactness. MAX_SERIES=1000 shows the default.
# Writes OUT_DIR/report-scale.csv and, with gnuplot (make bench-deps), report-scale.png
# (bench/report-scale.gp); prints a markdown table.
# Take the tests lock first: flock -o /run/lock/uevscope-tests.lock bench/report-scale.sh
# usage: bench/report-scale.sh [BUILD_DIR]
#   SIZES="10 100 1000" (ascending: namespaces are added, not made again), SECS=5, CHURN=10000,
#   MAX_SERIES=0, OUT_DIR=bench/results
# Exit status: 0 done (exact or not: the table says); 1 environment (not root, no lock, a tool
# missing, a watcher that did not start); 2 bad usage.
set -u
BUILD=${1:-build}
SIZES=${SIZES:-10 100 1000}
SECS=${SECS:-5}
CHURN=${CHURN:-10000}
MAX_SERIES=${MAX_SERIES:-0}
HERE=$(dirname "$0")
RES=${OUT_DIR:-$HERE/results}
H=$BUILD/tests
die() {
	echo "report-scale: $1" >&2
	exit "${2:-1}"
}
case "$SECS$CHURN$MAX_SERIES$(echo "$SIZES" | tr -d ' ')" in
'' | *[!0-9]*) die "SIZES, SECS, CHURN and MAX_SERIES are whole numbers" 2 ;;
esac
[ "$SECS" -gt 0 ] || die "SECS must be at least 1" 2
[ "$(id -u)" = 0 ] || die "needs root (namespaces, BPF, a uevent flood)"
. "$HERE/lib.sh"
lock_held || die "take the tests lock first: flock -o /run/lock/uevscope-tests.lock bench/report-scale.sh ..."
for t in jq bpftool taskset ip; do
	command -v "$t" >/dev/null || die "$t is not installed (make test-deps)"
done
[ -x "$BUILD/uevscope" ] && [ -x "$H/uevfarm" ] && [ -x "$H/uevgen" ] && [ -x "$H/readyat" ] ||
	die "build $BUILD/uevscope and the test helpers first (make bench-scale does)"
mkdir -p "$RES" || exit 1
OUT=$(mktemp -d /tmp/uevscope-scale.XXXXXX) || exit 1
mkfifo "$OUT/start" || exit 1
NSPFX=uevscale$$_
MADE=0
WPID=
FPID=
PROG=
SPID=
STATS=$(sysctl -n kernel.bpf_stats_enabled)
# shellcheck disable=SC2317 # run by the EXIT trap
cleanup() {
	[ -n "$SPID" ] && kill "$SPID" 2>/dev/null && wait "$SPID" 2>/dev/null
	[ -n "$WPID" ] && kill -INT "$WPID" 2>/dev/null && wait "$WPID" 2>/dev/null
	[ -n "$FPID" ] && kill "$FPID" 2>/dev/null && wait "$FPID" 2>/dev/null
	netns_del_all "$NSPFX" $MADE
	sysctl -qw kernel.bpf_stats_enabled="$STATS"
	rm -rf "$OUT"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
sysctl -qw kernel.bpf_stats_enabled=1

# grow N: namespaces 0..N-1 exist; their paths in $OUT/paths.
grow() {
	while [ $MADE -lt "$1" ]; do
		ip netns add "$NSPFX$MADE" || die "ip netns add $NSPFX$MADE failed"
		echo "/run/netns/$NSPFX$MADE" >>"$OUT/paths"
		MADE=$((MADE + 1))
	done
}

# A delivery program of the report object (one per attach tier), by name.
DELIVERY_PROG='^report_(tp_btf|raw_tp|sendskb_fentry|sendskb_kprobe|readable_)'
max_prog_id() { bpftool prog show -j | jq '[.[].id] | max // 0'; }
# prog_cost: "run_time_ns run_cnt" of the watcher's delivery program, PROG (0 0 without one).
prog_cost() {
	[ -n "$PROG" ] || { echo 0 0; return; }
	bpftool prog show id "$PROG" -j | jq -r '"\(.run_time_ns // 0) \(.run_cnt // 0)"'
}

# textfile_value NAME: a sample's value in export's textfile (empty while there is none).
textfile_value() {
	awk -v m="$1" '$1 == m { print $2 }' "$OUT/tf/uevscope.prom" 2>/dev/null
}

# sampler: one line "readouts duration_s" per export readout, until killed.
sampler() {
	last=
	while :; do
		n=$(textfile_value uevscope_exporter_readouts_total)
		if [ -n "$n" ] && [ "$n" != "$last" ]; then
			echo "$n $(textfile_value uevscope_exporter_readout_duration_seconds)"
			last=$n
		fi
		sleep 0.1
	done
}

# wait_for what CMD...: polls CMD (a condition) every 0.1 s for at most 60 s.
wait_for() {
	what=$1
	shift
	i=0
	until "$@"; do
		i=$((i + 1))
		[ $i -lt 600 ] || die "$what did not happen within 60 s"
		sleep 0.1
	done
}
report_docs_past() { [ "$(wc -l <"$OUT/w.out")" -ge "$1" ]; }
export_readouts_past() { [ "$(textfile_value uevscope_exporter_readouts_total)" -ge "$1" ] 2>/dev/null; }

# run N WATCHER (none, report, export): one flood; sets RATE and, with a watcher, the columns.
run() {
	n=$1 w=$2
	: >"$OUT/w.out"
	: >"$OUT/w.err"
	rm -rf "$OUT/tf"
	mkdir "$OUT/tf"
	PROG=
	before=$(max_prog_id)
	case $w in
	report) "$BUILD/uevscope" report -j 1 >"$OUT/w.out" 2>"$OUT/w.err" & ;;
	export) "$BUILD/uevscope" export --textfile "$OUT/tf" --max-series "$MAX_SERIES" \
		>"$OUT/w.out" 2>"$OUT/w.err" & ;;
	esac
	if [ "$w" != none ]; then
		WPID=$!
		"$H/readyat" "$OUT/w.err" 'uevent deliveries via' "$WPID" 60 >/dev/null ||
			die "$w did not attach: $(tail -1 "$OUT/w.err")"
		# bpftool here lists no pids: the program is the new one of that name.
		PROG=$(bpftool prog show -j | jq --argjson b "$before" --arg re "$DELIVERY_PROG" \
			'[.[] | select(.id > $b and (.name | test($re))) | .id] | max // empty')
		[ -n "$PROG" ] || die "no new delivery program of $w in bpftool prog show"
		if [ "$w" = export ]; then
			wait_for "export's first textfile" export_readouts_past 1
			sampler >"$OUT/samples" &
			SPID=$!
		fi
	fi
	# shellcheck disable=SC2046 # the namespace paths, one word each
	taskset -c 1 "$H/uevfarm" -s "$OUT/start" -w 1 -c "$CHURN" -r $((CHURN / SECS)) $(head -n "$n" "$OUT/paths") \
		>"$OUT/farm.out" 2>"$OUT/farm.err" &
	FPID=$!
	"$H/readyat" "$OUT/farm.out" 'ready' "$FPID" 120 >/dev/null ||
		die "uevfarm did not start: $(tail -1 "$OUT/farm.err")"
	p0=$(prog_cost)
	RATE=$(gen_rate)
	p1=$(prog_cost)
	echo go >"$OUT/start" # the churner starts: the second flood
	RATE2=$(gen_rate)
	# A readout after the flood, before the farm's sockets close: their last drops are seen.
	case $w in
	report) k=$(($(wc -l <"$OUT/w.out") + 1)) && wait_for "report's readout" report_docs_past "$k" ;;
	export)
		k=$(($(textfile_value uevscope_exporter_readouts_total) + 1))
		wait_for "export's readout" export_readouts_past "$k"
		;;
	esac
	kill -TERM "$FPID"
	wait "$FPID" || die "uevfarm failed (status $?): $(tail -1 "$OUT/farm.err") $(head -c 300 "$OUT/farm.out")"
	FPID=
	tot=$(grep '^total ' "$OUT/farm.out")
	CHURNED=$(echo "$tot" | sed 's/.*churned=\([0-9]*\).*/\1/')
	[ "$w" = none ] && return
	# Two readouts after the farm's last socket closed: the first may have begun before.
	case $w in
	report)
		k=$(($(wc -l <"$OUT/w.out") + 2))
		wait_for "report's readouts after the flood" report_docs_past "$k"
		;;
	export)
		k=$(($(textfile_value uevscope_exporter_readouts_total) + 2))
		wait_for "export's readouts after the flood" export_readouts_past "$k"
		cp "$OUT/tf/uevscope.prom" "$OUT/last.prom"
		kill "$SPID"
		wait "$SPID" 2>/dev/null
		SPID=
		;;
	esac
	RSS=$(awk '$1 == "VmHWM:" { print $2 }' "/proc/$WPID/status")
	CPU=$(awk -v hz="$(getconf CLK_TCK)" '{ printf "%.2f", ($14 + $15) / hz }' "/proc/$WPID/stat")
	kill -INT "$WPID"
	wait "$WPID"
	WPID=
	# What the farm received per netns: "inode delivered drops".
	awk '$1 == "ns" { for (i = 3; i <= NF; i++) { split($i, kv, "="); v[kv[1]] = kv[2] }
		print $2, v["listener"] + v["churn"], v["drops"], v["churn_drops"] }' \
		"$OUT/farm.out" | sort >"$OUT/want"
	DELIV=$(awk '{ s += $2 } END { print s + 0 }' "$OUT/want")
	if [ "$w" = report ]; then
		tail -1 "$OUT/w.out" | jq -r '.netns[] | "\(.inode) \(.delivered) \(.drops)"' | sort >"$OUT/got"
		# "LOST FANOUT": LOST names the nonzero counters that touch a count (none: 0).
		LOSS=$(tail -1 "$OUT/w.out" | jq -r '.counters | ([to_entries[] |
			select((.key | test("^(netns|event|socket)_map_full$|^missed_runs$")) and .value > 0) |
			"\(.key)=\(.value)"] | join(",") | if . == "" then "0" else . end) + " \(.fanout_map_full)"')
		# The readout: a document's gap to the one before, less the 1 s nap.
		jq -r .time_ns "$OUT/w.out" | awk 'NR > 1 { print ($1 - prev) / 1e6 - 1000 } { prev = $1 }' |
			sort -n >"$OUT/readouts"
	else
		awk '/^uevscope_deliveries_total\{/ { match($0, /netns="[0-9]+"/)
				d[substr($0, RSTART + 7, RLENGTH - 8)] += $NF }
			/^uevscope_receive_drops_total\{/ { match($0, /netns="[0-9]+"/)
				r[substr($0, RSTART + 7, RLENGTH - 8)] += $NF }
			END { for (k in d) print k, d[k], r[k] + 0 }' "$OUT/last.prom" | sort >"$OUT/got"
		LOSS=$(awk '/^uevscope_lost_total\{component="report"/ {
				if (/reason="fanout_map_full"/) f += $NF
				else if (match($0, /reason="(netns|event|socket)_map_full"/) && $NF > 0)
					l = l (l == "" ? "" : ",") substr($0, RSTART + 8, RLENGTH - 9) "=" $NF }
			/^uevscope_bpf_missed_runs_total\{component="report"/ && $NF > 0 {
				l = l (l == "" ? "" : ",") "missed_runs=" $NF }
			END { print (l == "" ? "0" : l), f + 0 }' "$OUT/last.prom")
		awk '{ print $2 * 1000 }' "$OUT/samples" | sort -n >"$OUT/readouts"
	fi
	# Per netns of the farm: the watcher's count against the farm's (absent counts as 0).
	BAD=$(join -a 1 -e 0 -o 1.1,1.2,2.2 "$OUT/want" "$OUT/got" | awk '$2 != $3' | wc -l)
	FIRST=$(join -a 1 -e 0 -o 1.1,1.2,2.2 "$OUT/want" "$OUT/got" | awk '$2 != $3 { print $1 ":" $2 "/" $3; exit }')
	# Drops: the listeners' and the churned sockets' own, and what the watcher saw (sk_drops read
	# at each readout: a churned socket that overran and closed between two is not seen).
	DROPS=$(join -a 1 -e 0 -o 1.3,1.4,2.3 "$OUT/want" "$OUT/got" |
		awk '{ a += $1; c += $2; b += $3 } END { print a "+" c "/" b }')
	lost=${LOSS% *}
	if [ "$BAD" = 0 ] && [ "$lost" = 0 ]; then
		EXACT=exact
	elif [ "$BAD" = 0 ]; then # every netns right, a finer count (per socket, per event) short
		EXACT="netns-exact;$lost"
	else
		EXACT="mismatch:$BAD/$n${FIRST:+(first $FIRST)};$lost"
	fi
	FANOUT=${LOSS#* }
	READ_MED=$(awk '{ v[NR] = $1 } END { printf "%.1f", NR ? v[int((NR + 1) / 2)] : 0 }' "$OUT/readouts")
	READ_MAX=$(awk 'END { printf "%.1f", NR ? $1 : 0 }' "$OUT/readouts")
	NSPD=$(echo "$p0 $p1" | awk '{ n = $4 - $2; printf "%.0f", n ? ($3 - $1) / n : 0 }')
}

echo "report-scale: $(uname -r), $(nproc) CPUs; sizes $SIZES; ${SECS} s floods, $CHURN sockets churned per flood; load average $(cut -d' ' -f1-3 /proc/loadavg)"
others=$(awk '$2 == 15 && $4 != "00000000"' /proc/net/netlink | wc -l)
[ "$others" = 0 ] || echo "report-scale: $others other uevent listener(s) in the initial netns (not compared)" >&2
CSV=$RES/report-scale.csv
echo "namespaces,watcher,base_per_s,rate_per_s,ratio,churn_base_per_s,churn_rate_per_s,churn_ratio,churned,delivered,exact,fanout_map_full,drops_listeners+churned/watcher,peak_rss_kib,cpu_s,readout_ms_median,readout_ms_max,prog_ns_per_run" >"$OUT/csv"
printf '%6s %-7s %8s %8s %6s %8s %8s %6s %7s %10s %-8s %8s %9s %7s %6s %8s %8s %7s\n' netns watcher base/s rate/s \
	ratio cbase/s crate/s cratio churned delivered exact fanout drops rss_kib cpu_s read_med read_max ns/del
for n in $SIZES; do
	t0=$(date +%s)
	grow "$n"
	run "$n" none
	b1=$RATE
	c1=$RATE2
	rows=
	for w in report export; do
		run "$n" "$w"
		rows="$rows$w $RATE $RATE2 $CHURNED $DELIV $EXACT $FANOUT $DROPS $RSS $CPU $READ_MED $READ_MAX $NSPD
"
	done
	run "$n" none
	b2=$RATE
	c2=$RATE2
	base=$(((b1 + b2) / 2))
	cbase=$(((c1 + c2) / 2))
	printf '%s' "$rows" | while read -r w rate crate ch del ex fo dr rss cpu rmed rmax nspd; do
		ratio=$(awk -v a="$rate" -v b="$base" 'BEGIN { printf "%.3f", b ? a / b : 0 }')
		cratio=$(awk -v a="$crate" -v b="$cbase" 'BEGIN { printf "%.3f", b ? a / b : 0 }')
		printf '%6s %-7s %8s %8s %6s %8s %8s %6s %7s %10s %-8s %8s %9s %7s %6s %8s %8s %7s\n' "$n" "$w" \
			"$base" "$rate" "$ratio" "$cbase" "$crate" "$cratio" "$ch" "$del" "$ex" "$fo" "$dr" "$rss" "$cpu" "$rmed" "$rmax" "$nspd"
		echo "$n,$w,$base,$rate,$ratio,$cbase,$crate,$cratio,$ch,$del,$ex,$fo,$dr,$rss,$cpu,$rmed,$rmax,$nspd" >>"$OUT/csv"
	done
	echo "report-scale: $n namespaces: baselines $b1 and $b2 uevents/s, with churn $c1 and $c2, $(($(date +%s) - t0)) s" >&2
done
cp "$OUT/csv" "$CSV"

echo
echo "| netns | watcher | rate ratio | with churn | churned sockets | deliveries | exact | fanout_map_full | drops: listeners + churned / watcher | peak RSS | CPU | readout median (max) | program ns per run (no churn) |"
echo "| ---: | --- | ---: | ---: | ---: | ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: |"
awk -F, 'NR > 1 { printf "| %s | %s | %.3f | %.3f | %s | %s | %s | %s | %s | %.1f MiB | %.2f s | %s ms (%s) | %s |\n",
	$1, $2, $5, $8, $9, $10, $11, $12, $13, $14 / 1024, $15, $16, $17, $18 }' "$CSV"
echo
echo "report-scale: load average $(cut -d' ' -f1-3 /proc/loadavg) at the end; CSV: $CSV"
plot report-scale "secs=$SECS"
