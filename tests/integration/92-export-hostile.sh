# SPDX-License-Identifier: GPL-2.0
# shellcheck disable=SC2154 # NAME_pid, NAME_port: set by eval in start_exporter
# uevscope export against hostile HTTP clients: 600 idle connections from one
# address and a slow reader, while /healthz and /metrics still answer from
# another; the per-address and total connection limits and the idle time-out,
# seen from the server's own sockets; 64 KiB of headers refused (431) and the
# process alive; HEAD with no body; gzip only when accepted (gzip;q=0 is not).
SUITE=export-hostile
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/export.inc"
require_root
require_tools curl python3
PYTHON=python3

start_exporter x || { fail "setup" "export did not serve: $(cat "$T/x.err")"; exit 0; }
URL="http://127.0.0.1:$x_port"

# sockets PID: how many sockets the process has open (accepted connections
# among them): the server's own count, not what a client believes.
sockets() {
	find "/proc/$1/fd" -lname 'socket:*' 2>/dev/null | wc -l
}
base=$(sockets "$x_pid")

# The client side, in Python: hold N idle connections from one source
# address (nothing sent), or read a response slowly.
cat >"$T/hostile.py" <<'PY'
import select, socket, sys, time
port, what = int(sys.argv[1]), sys.argv[2]
def report(held, tag):
    # open: connected and not closed by the server; closed: the server hung up.
    opened = closed = 0
    for s in held:
        try:
            r, _, _ = select.select([s], [], [], 0)
            if r and s.recv(1, socket.MSG_PEEK) == b"":
                closed += 1
            elif s.getpeername():
                opened += 1
        except OSError:
            closed += 1
    print(tag, "open", opened, "closed", closed, flush=True)
if what == "idle":
    n, secs, held = int(sys.argv[3]), float(sys.argv[5]), []
    for src in sys.argv[4].split(","):
        for _ in range(n):
            # One at a time, each connect complete (in the server's accept
            # queue) before the next: a burst would overflow the listen
            # backlog and leave handshakes the server never finished, which
            # the client would count as open.
            s = socket.socket()
            s.settimeout(5)
            s.bind((src, 0))
            try:
                s.connect(("127.0.0.1", port))
            except OSError as e:
                print("connect:", e, file=sys.stderr)
            held.append(s)
    start = time.time()
    time.sleep(3)
    report(held, "settled")
    while time.time() - start < secs:
        time.sleep(1)
        report(held, "t=%d" % (time.time() - start))
elif what == "slow":
    s = socket.socket()
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 2048)
    s.bind((sys.argv[3], 0))
    s.connect(("127.0.0.1", port))
    s.sendall(b"GET /metrics HTTP/1.1\r\nHost: x\r\nAccept-Encoding: identity\r\n\r\n")
    got = 0
    for i in range(int(sys.argv[4])):
        b = s.recv(64)
        if not b:
            break
        got += len(b)
        print("read", got, flush=True)
        time.sleep(0.5)
    print("done", got, flush=True)
elif what == "raw":
    # One request as given (\r\n escapes), the whole answer out: status line,
    # headers, then "BODY n" for the bytes after the blank line.
    s = socket.create_connection(("127.0.0.1", port))
    try:
        s.sendall(sys.argv[3].encode().decode("unicode_escape").encode("latin-1"))
    except OSError as e:  # the server may answer and close before reading it all
        print("send:", e, file=sys.stderr)
    data = b""
    s.settimeout(20)
    while True:
        try:
            b = s.recv(65536)
        except (ConnectionResetError, socket.timeout):
            break
        if not b:
            break
        data += b
    head, _, body = data.partition(b"\r\n\r\n")
    print(head.decode("latin-1"))
    print("BODY", len(body))
PY

# 600 idle connections from 127.0.0.2 for 16 s, and a slow reader from 127.0.0.3.
"$PYTHON" "$T/hostile.py" "$x_port" idle 600 127.0.0.2 16 >"$T/idle.out" 2>&1 &
IDLE=$!
PIDS="$PIDS $IDLE"
"$PYTHON" "$T/hostile.py" "$x_port" slow 127.0.0.3 60 >"$T/slow.out" 2>&1 &
SLOW=$!
PIDS="$PIDS $SLOW"
wait_for settled "$T/idle.out" 100 || fail "setup" "idle clients: $(cat "$T/idle.out")"
wait_for "^read" "$T/slow.out" 100 || fail "setup" "slow reader: $(cat "$T/slow.out")"
# The server's side of the connections from 127.0.0.2 (ss: the kernel's own table).
held=$(ss -Htn state established "( sport = :$x_port and dst 127.0.0.2 )" | wc -l)
got=$(grep settled "$T/idle.out")
# The server keeps 32 of the 600 (its per-address limit) and closed the rest at once.
[ "$got" = "settled open 32 closed 568" ] && [ "$held" = 32 ] &&
	pass "600 idle connections from one address: the exporter holds 32 and closes 568" ||
	fail "600 idle connections from one address: the exporter holds 32 and closes 568" "clients: [$got], server side: $held"

t0=$(date +%s%N)
hcode=$(curl -s -o "$T/h.txt" --max-time 20 -w '%{http_code}' "$URL/healthz")
t1=$(date +%s%N)
mcode=$(curl -s -o "$T/m.txt" --max-time 20 -w '%{http_code}' "$URL/metrics")
t2=$(date +%s%N)
hms=$(((t1 - t0) / 1000000))
mms=$(((t2 - t1) / 1000000))
slow_now=$(grep -c '^read' "$T/slow.out")
[ "$hcode" = 200 ] && [ "$mcode" = 200 ] && [ $hms -lt 2000 ] && [ $mms -lt 2000 ] &&
	grep -q '^uevscope_exporter_scrapes_total' "$T/m.txt" &&
	pass "with them and a slow reader: /healthz and /metrics answer" && info "with them and a slow reader: /healthz answered in $hms ms, /metrics in $mms ms" ||
	fail "with them and a slow reader: /healthz and /metrics answer" "codes $hcode $mcode in $hms/$mms ms"
# The slow reader was being served, still unfinished, during those scrapes.
[ "$slow_now" -ge 1 ] && ! grep -q '^done' "$T/slow.out" &&
	pass "the slow reader was still reading during the scrapes" && info "the slow reader was still reading during the scrapes ($slow_now reads of 64 bytes)" ||
	fail "the slow reader was still reading during the scrapes" "$(tail -2 "$T/slow.out")"

# The idle time-out (10 s of silence): every idle connection closed by the server.
wait_for "^t=1[3-6] open 0 closed 600" "$T/idle.out" 200 &&
	pass "idle connections closed by the exporter after its 10 s time-out" && info "idle connections closed by the exporter after its 10 s time-out ($(grep -m1 ' open 0 ' "$T/idle.out" | cut -d' ' -f1))" ||
	fail "idle connections closed by the exporter after its 10 s time-out" "$(tail -2 "$T/idle.out")"
kill "$SLOW" 2>/dev/null
wait "$IDLE" "$SLOW" 2>/dev/null

# The total: 40 idle connections from each of 5 addresses (200) are more than
# its 128; it holds 128 (the rest wait in the kernel's backlog), then lets them go.
"$PYTHON" "$T/hostile.py" "$x_port" idle 40 127.0.0.10,127.0.0.11,127.0.0.12,127.0.0.13,127.0.0.14 6 \
	>"$T/many.out" 2>&1 &
MANY=$!
PIDS="$PIDS $MANY"
wait_for settled "$T/many.out" 100
held=$(($(sockets "$x_pid") - base))
[ "$held" = 128 ] && pass "200 idle connections from 5 addresses: the exporter serves 128 at once" ||
	fail "200 idle connections from 5 addresses: the exporter serves 128 at once" "$held sockets beyond its own; $(cat "$T/many.out")"
wait "$MANY"
n=0
until [ "$(($(sockets "$x_pid") - base))" -le 0 ] || [ $n -gt 300 ]; do
	n=$((n + 1))
	sleep 0.1
done
code=$(curl -s -o /dev/null --max-time 20 -w '%{http_code}' "$URL/healthz")
[ "$code" = 200 ] && [ $n -le 300 ] && pass "after they leave, every slot is free again and /healthz answers" ||
	fail "after they leave, every slot is free again and /healthz answers" "$(($(sockets "$x_pid") - base)) left, /healthz $code"

# 64 KiB of headers: 431, and the exporter carries on.
big=$("$PYTHON" -c 'print("X-Pad: " + "a" * 65536, end="")')
"$PYTHON" "$T/hostile.py" "$x_port" raw "GET /metrics HTTP/1.1\r\nHost: x\r\n$big\r\n\r\n" >"$T/big.out" 2>&1
code=$(curl -s -o /dev/null --max-time 20 -w '%{http_code}' "$URL/healthz")
head -1 "$T/big.out" | grep -q '^HTTP/1.1 431 ' && kill -0 "$x_pid" && [ "$code" = 200 ] &&
	pass "64 KiB of request headers: 431, and the exporter still answers" ||
	fail "64 KiB of request headers: 431, and the exporter still answers" "[$(head -1 "$T/big.out")], /healthz $code"

# HEAD: the headers of a GET, no body.
"$PYTHON" "$T/hostile.py" "$x_port" raw "HEAD /metrics HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n" >"$T/head.out" 2>&1
len=$(sed -n 's/^Content-Length: \([0-9]*\).*/\1/ip' "$T/head.out" | tr -d '\r')
head -1 "$T/head.out" | grep -q '^HTTP/1.1 200 ' && grep -q '^BODY 0$' "$T/head.out" &&
	grep -qi '^Content-Type: text/plain; version=0.0.4' "$T/head.out" && [ "${len:-0}" -gt 1000 ] &&
	pass "HEAD /metrics: 200, headers, no body" && info "HEAD /metrics: 200, the content type and length ($len), no body" ||
	fail "HEAD /metrics: 200, headers, no body" "$(tr '\r\n' '  ' <"$T/head.out")"

# gzip only when accepted: q=0 refuses it; a plain gzip gets it, and it inflates to the metrics.
curl -s -D "$T/q0.h" -o "$T/q0.b" -H 'Accept-Encoding: gzip;q=0' "$URL/metrics"
curl -s -D "$T/gz.h" -o "$T/gz.b" -H 'Accept-Encoding: gzip' "$URL/metrics"
! grep -qi '^Content-Encoding' "$T/q0.h" && head -c 7 "$T/q0.b" | grep -q '^# HELP' &&
	pass "Accept-Encoding: gzip;q=0: not gzipped" ||
	fail "Accept-Encoding: gzip;q=0: not gzipped" "$(grep -i '^Content-Encoding' "$T/q0.h") $(head -c 7 "$T/q0.b" | od -c | head -1)"
grep -qi '^Content-Encoding: gzip' "$T/gz.h" && gzip -dc "$T/gz.b" | grep -q '^uevscope_exporter_scrapes_total' &&
	pass "Accept-Encoding: gzip: gzipped, and it inflates to the metrics" ||
	fail "Accept-Encoding: gzip: gzipped, and it inflates to the metrics" "$(tr '\r\n' '  ' <"$T/gz.h")"
