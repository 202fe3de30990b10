# SPDX-License-Identifier: GPL-2.0
# shellcheck disable=SC2154 # NAME_pid, NAME_port...: set by eval in start_listener, start_exporter
# uevscope export under load and misuse: 100 concurrent scrapes while
# uevents flow at full rate (every scrape answered in full, no delivery
# lost), stuck clients that never finish a request, --max-series folding,
# --listen refusals and a port in use (one line, nothing loaded).
SUITE=export-scrapes
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/export.inc"
require_root
require_tools curl python3

# Bad command lines: one line each, exit 2, before anything is loaded.
expect 2 "names no address, which would mean every interface" export --listen :9464
expect 2 "'9464' has no port" export --listen 9464
expect 2 "no numeric address" export --listen example.com:9464
expect 2 "IPv6 address without brackets" export --listen ::1:9464
expect 2 "max-series wants a number" export --max-series lots
expect 2 "create the directory first" export --textfile "$T/none"
expect 2 "interval wants a positive number" export --interval 0
expect 2 "unexpected argument 'x'" export x

new_netns uevsa
NSA=$NS
new_netns uevsb
NSB=$NS
new_netns uevsc
NSC=$NS
# A large buffer: the flood must not overrun it, so every uevent is a delivery.
start_listener a ip netns exec "$NSA" -- -q -b 67108864 || fail "setup" "listener a"
start_listener b ip netns exec "$NSB" -- -q || fail "setup" "listener b"
start_listener c ip netns exec "$NSC" -- -q || fail "setup" "listener c"

start_exporter x || { fail "setup" "export did not serve: $(cat "$T/x.err")"; exit 0; }
start_exporter capped --max-series 2 || { fail "setup" "capped export: $(cat "$T/capped.err")"; exit 0; }

# A port in use: one line, exit 1, and not one more program loaded.
before=$(bpftool prog show | grep -c 'name report_')
expect 1 "127.0.0.1:$x_port: the port is in use" export --listen "127.0.0.1:$x_port"
after=$(bpftool prog show | grep -c 'name report_')
[ "$before" = "$after" ] && pass "port in use: nothing loaded" || fail "port in use: nothing loaded" "$before -> $after programs"

# Clients that connect and never finish their request, held for 20 s.
python3 - "$x_port" >"$T/stuck.out" 2>&1 <<'PY' &
import socket, sys, time
held = []
for _ in range(8):
    s = socket.create_connection(("127.0.0.1", int(sys.argv[1])))
    s.sendall(b"GET /metrics HTTP/1.1\r\nHost: x\r\n")  # no blank line: never complete
    held.append(s)
print("holding", len(held), flush=True)
time.sleep(20)
PY
STUCK=$!
PIDS="$PIDS $STUCK"
wait_for holding "$T/stuck.out" 50 || fail "setup" "stuck clients: $(cat "$T/stuck.out")"
start=$(date +%s%N)
scrape "$x_port" >"$T/one.txt"
ms=$((($(date +%s%N) - start) / 1000000))
[ -s "$T/one.txt" ] && [ $ms -lt 2000 ] && pass "8 stuck clients: a scrape is still answered (${ms} ms)" ||
	fail "8 stuck clients: a scrape is still answered (${ms} ms)" "$(wc -c <"$T/one.txt") bytes"

# The flood runs until the last scrape has its answer (at most FLOOD_S), so the
# scrapes overlap it however slowly this machine runs 100 curl processes.
FLOOD_S=120
gen_start=$(date +%s%N)
"$H/uevgen" -d $FLOOD_S >"$T/gen.out" 2>&1 &
GEN=$!
# From four source addresses, 25 each: the exporter serves at most 32
# connections per address (92-export-hostile), and the stuck clients above
# hold 8 of 127.0.0.1's.
i=0
while [ $i -lt 100 ]; do
	curl -s --max-time 30 --interface "127.0.0.$((i % 4 + 2))" -o "$T/s$i.txt" \
		-w '%{http_code} %{time_total}\n' "http://127.0.0.1:$x_port/metrics" >"$T/code$i.txt" 2>&1 &
	CURLS="$CURLS $!"
	i=$((i + 1))
done
for p in $CURLS; do wait "$p"; done
curls_s=$((($(date +%s%N) - gen_start) / 1000000))
# Still flooding when the last answer came: the scrapes ran under the flood.
flowing=0
kill -0 $GEN 2>/dev/null && [ ! -s "$T/gen.out" ] && flowing=1
kill -TERM $GEN
wait $GEN
ok=0
i=0
while [ $i -lt 100 ]; do
	grep -q '^200 ' "$T/code$i.txt" && tail -1 "$T/s$i.txt" | grep -q '^uevscope_exporter_series_folded' &&
		ok=$((ok + 1))
	i=$((i + 1))
done
slowest=$(cat "$T"/code*.txt | awk '{ if ($2 > m) m = $2 } END { print m }')
[ $ok = 100 ] && pass "100 concurrent scrapes during a uevent flood: all answered in full" && info "100 concurrent scrapes during a uevent flood: all answered in full (slowest ${slowest}s)" ||
	fail "100 concurrent scrapes during a uevent flood: all answered in full" "$ok of 100; $(cat "$T/code0.txt")"
made=$(sed -n 's/^count=\([0-9]*\) .*/\1/p' "$T/gen.out")
[ $flowing = 1 ] && [ "${made:-0}" -gt 0 ] &&
	pass "the scrapes ran while uevents were flowing" && info "the scrapes ran while uevents were flowing ($curls_s ms, ${made} uevents)" ||
	fail "the scrapes ran while uevents were flowing" "scrapes done after $curls_s ms; $(cat "$T/gen.out")"

# Every delivery counted: the flood reached the big-buffer listener whole.
n=0
while :; do
	scrape "$x_port" >"$T/m.txt"
	got=$(prefix_sum "$T/m.txt" "uevscope_deliveries_total{netns=\"$a_netns\"")
	[ "$got" = "$made" ] && [ "$(sample "$T/m.txt" uevscope_fanout_pending)" = 0 ] && break
	n=$((n + 1))
	[ $n -gt 50 ] && break
	sleep 0.2
done
kill -TERM "$a_pid"
wait_for '^total=' "$T/a.out" 50
recv=$(sed -n 's/^total=\([0-9]*\) .*/\1/p' "$T/a.out")
# A full map may lose fan-out detail under a flood (counted, shown); never a delivery.
lost=$(grep -E '^uevscope_lost_total\{component="report",reason="(netns|event|socket)_map_full"\}' "$T/m.txt" |
	awk '{ s += $NF } END { print s + 0 }')
lost="$lost $(family_sum "$T/m.txt" uevscope_bpf_missed_runs_total)"
fanout_lost=$(sample "$T/m.txt" 'uevscope_lost_total{component="report",reason="fanout_map_full"}')
[ "$got" = "$made" ] && [ "$recv" = "$made" ] && [ "$lost" = "0 0" ] &&
	pass "no delivery lost" && info "no delivery lost: $made uevents, $made counted, $recv received (fan-out detail lost: $fanout_lost)" ||
	fail "no delivery lost" "made $made, counted $got, received $recv, delivery map full/missed [$lost]"

# --max-series 2 under the flood: two label sets kept, the rest in "other", the same total.
# The two exporters count the same deliveries, each from its own readout
# (once a second): once the flood is over and the uncapped one has counted
# it all (above), the capped one's total must come to the same number, and
# stay there. Waited for, at most 10 s: a readout a second, and a loaded
# machine may delay a few.
n=0
while :; do
	scrape "$capped_port" >"$T/c.txt"
	scrape "$x_port" >"$T/m.txt"
	sums="$(family_sum "$T/c.txt" uevscope_deliveries_total) $(family_sum "$T/m.txt" uevscope_deliveries_total)"
	[ "${sums% *}" = "${sums#* }" ] && break
	n=$((n + 1))
	[ $n -gt 50 ] && break
	sleep 0.2
done
got=$(grep -c '^uevscope_deliveries_total{' "$T/c.txt")
other=$(grep -c '^uevscope_deliveries_total{netns="other",userns="other",container="other",subsystem="other",action="other",origin="other"}' "$T/c.txt")
[ "$got" = 3 ] && [ "$other" = 1 ] && [ "${sums% *}" = "${sums#* }" ] &&
	pass "--max-series 2 under a flood: 2 series + 'other', the same total as uncapped" ||
	fail "--max-series 2 under a flood: 2 series + 'other', the same total as uncapped" \
		"$got series, other [$other], totals capped/uncapped [$sums]"
