#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Cost of `uevscope export` at full uevent rate, as ratios against a
# baseline run in the same invocation (one pinned listener, one pinned
# generator, bench/lib.sh): the exporter attached but not scraped, then
# scraped SCRAPE_HZ times a second by one client. Also the scrapes' latency
# under that load, the exporter's own CPU time (ms per second, idle and
# scraped), and whether it counted every delivery.
# usage: bench/export-scrape.sh [BUILD_DIR] [SECONDS] [ROUNDS]   (SCRAPE_HZ=10)
set -u
BUILD=${1:-build}
SECS=${2:-5}
ROUNDS=${3:-3}
HZ=${SCRAPE_HZ:-10}
H=$BUILD/tests
OUT=$(mktemp -d /tmp/uevscope-bench.XXXXXX)
EPID=
SPID=
trap 'kill $SPID $EPID 2>/dev/null; rm -rf "$OUT"' EXIT
[ "$(id -u)" = 0 ] || { echo "bench: needs root" >&2; exit 1; }
command -v curl >/dev/null || { echo "bench: needs curl (make test-deps)" >&2; exit 1; }
. "$(dirname "$0")/lib.sh"

# cpu_ms PID: the process's user + system CPU time so far, in milliseconds.
cpu_ms() {
	awk -v hz="$(getconf CLK_TCK)" '{ print int(($14 + $15) * 1000 / hz) }' "/proc/$1/stat"
}

baseline() {
	listen_start
	gen_rate
	listen_stop >/dev/null
}

# export_start: the exporter on a free port; its pid in EPID, port in PORT.
export_start() {
	rm -f "$OUT/export.err"
	"$BUILD/uevscope" export --listen 127.0.0.1:0 >/dev/null 2>"$OUT/export.err" &
	EPID=$!
	while ! grep -q 'serving http://' "$OUT/export.err" 2>/dev/null; do
		kill -0 $EPID 2>/dev/null || { cat "$OUT/export.err" >&2; exit 1; }
		sleep 0.05
	done
	PORT=$(sed -n 's|.*serving http://127.0.0.1:\([0-9]*\)/.*|\1|p' "$OUT/export.err")
}

# scraper_start: one client, SCRAPE_HZ scrapes a second, each one's seconds in scrapes.txt.
scraper_start() {
	pause=$(awk -v hz="$HZ" 'BEGIN { print 1 / hz }')
	: >"$OUT/scrapes.txt"
	while :; do
		curl -s -o /dev/null -w '%{http_code} %{time_total}\n' "http://127.0.0.1:$PORT/metrics"
		sleep "$pause"
	done >>"$OUT/scrapes.txt" &
	SPID=$!
}

printf '%-5s %10s %10s %10s %7s %7s %8s %8s %8s %9s %9s %s\n' round base/s export/s scraped/s idle \
	scraped scrapes p50_ms p99_ms cpu_idle cpu_scr counted
for r in $(seq "$ROUNDS"); do
	base1=$(baseline)
	listen_start
	export_start
	c0=$(cpu_ms $EPID)
	idle=$(gen_rate)
	c1=$(cpu_ms $EPID)
	scraper_start
	scraped=$(gen_rate)
	c2=$(cpu_ms $EPID)
	kill $SPID
	wait $SPID 2>/dev/null
	SPID=
	sleep 1.5 # the last readout
	netns=$(sed -n 's/^ready.* netns=\([0-9]*\).*/\1/p' "$OUT/listen.out")
	counted=$(curl -s "http://127.0.0.1:$PORT/metrics" |
		awk -v p="uevscope_deliveries_total{netns=\"$netns\"" 'index($0, p) == 1 { s += $NF } END { print s + 0 }')
	kill -INT $EPID
	wait $EPID
	EPID=
	delivered=$(listen_stop)
	base2=$(baseline)
	base=$(((base1 + base2) / 2))
	lat=$(awk '$1 == 200 { print $2 * 1000 }' "$OUT/scrapes.txt" | sort -n |
		awk '{ v[NR] = $1 } END { k = int(NR * 0.99 + 0.5); if (k < 1) k = 1
			printf "%d %.1f %.1f", NR, v[int((NR + 1) / 2)], v[k] }')
	bad=$(awk '$1 != 200' "$OUT/scrapes.txt" | wc -l)
	ri=$(awk -v a="$idle" -v b="$base" 'BEGIN { printf "%.3f", a / b }')
	rs=$(awk -v a="$scraped" -v b="$base" 'BEGIN { printf "%.3f", a / b }')
	# The exporter's own CPU, ms per second of each phase (its threads included).
	cpu_idle=$(awk -v a="$c0" -v b="$c1" -v s="$SECS" 'BEGIN { printf "%.1f", (b - a) / s }')
	cpu_scr=$(awk -v a="$c1" -v b="$c2" -v s="$SECS" 'BEGIN { printf "%.1f", (b - a) / s }')
	# shellcheck disable=SC2086 # lat is three words
	printf '%-5s %10s %10s %10s %7s %7s %8s %8s %8s %9s %9s %s\n' "$r" "$base" "$idle" "$scraped" \
		"$ri" "$rs" $lat "$cpu_idle" "$cpu_scr" "$counted/$delivered"
	[ "$bad" = 0 ] || echo "  $bad scrape(s) not answered 200"
	echo "$ri $rs" >>"$OUT/rounds"
done
sort -n "$OUT/rounds" | awk '{ i[NR] = $1 } END { printf "median ratio, attached: %.3f", i[int((NR + 1) / 2)] }'
sort -n -k2 "$OUT/rounds" | awk '{ s[NR] = $2 } END { printf "; attached and scraped: %.3f\n", s[int((NR + 1) / 2)] }'
