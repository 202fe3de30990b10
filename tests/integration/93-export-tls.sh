# SPDX-License-Identifier: GPL-2.0
# shellcheck disable=SC2154 # NAME_netns: set by eval in start_listener
# uevscope export --web-config: TLS with a certificate made here by openssl,
# and basic auth with a bcrypt hash, in the Prometheus exporter-toolkit's
# format. Bad files are one line and exit 2 before anything listens or loads.
# curl with the certificate as its only CA: no credentials 401, a wrong
# password 401, an unknown user 401, the right ones 200; /healthz open; plain
# HTTP refused. A real Prometheus (Debian's) scraping over TLS with the
# password stores the suite's deliveries; without it, its target is down
# with a 401.
SUITE=export-tls
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/export.inc"
require_root
require_jq
require_tools curl openssl prometheus python3
PYTHON=python3
[ -x /usr/bin/python3 ] && PYTHON=/usr/bin/python3

# A certificate for 127.0.0.1, a second key that is not its pair, a password and its bcrypt hash.
mkcert() {
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 1 \
		-subj /CN=uevscope-test -addext subjectAltName=IP:127.0.0.1 \
		-keyout "$T/$1.key" -out "$T/$1.crt" 2>"$T/openssl.err"
}
mkcert server && mkcert other || { fail "setup" "openssl: $(tail -2 "$T/openssl.err")"; exit 0; }
PW=$(od -An -tx1 -N12 /dev/urandom | tr -d ' \n')
printf '%s' "$PW" >"$T/pw"
# Cost 10, as htpasswd -B makes by default.
HASH=$("$PYTHON" -W ignore -c 'import crypt, sys
print(crypt.crypt(sys.argv[1], crypt.mksalt(crypt.METHOD_BLOWFISH, rounds=1 << 10)))' "$PW")
case $HASH in \$2b\$10\$*) ;; *) fail "setup" "no bcrypt hash from python3: [$HASH]"; exit 0 ;; esac
# Relative names: the toolkit resolves them against the file's folder.
cat >"$T/web.yml" <<EOF2
tls_server_config:
  cert_file: server.crt
  key_file: server.key
basic_auth_users:
  prometheus: $HASH
EOF2

# Bad files: one line, exit 2, and not one program loaded.
before=$(bpftool prog show | grep -c 'name report_')
expect 2 "cannot read --web-config $T/none.yml: No such file" export --web-config "$T/none.yml"
sed 's/^basic_auth_users:/basic_auth_user:/' "$T/web.yml" >"$T/typo.yml"
expect 2 "unknown key 'basic_auth_user'" export --web-config "$T/typo.yml"
sed 's/prometheus: .*/prometheus: plaintext/' "$T/web.yml" >"$T/plain.yml"
expect 2 "prometheus: not a bcrypt hash" export --web-config "$T/plain.yml"
sed 's/key_file: server.key/key_file: other.key/' "$T/web.yml" >"$T/pair.yml"
expect 2 "certificate $T/server.crt and key $T/other.key are not a usable pair" \
	export --listen 127.0.0.1:0 --web-config "$T/pair.yml"
printf 'tls_server_config:\n  cert_file: server.crt\n  key_file: server.key\n  client_ca_file: server.crt\n' >"$T/ca.yml"
expect 2 "client_ca_file is not supported by uevscope" export --web-config "$T/ca.yml"
after=$(bpftool prog show | grep -c 'name report_')
[ "$before" = "$after" ] && pass "bad --web-config files: nothing loaded" ||
	fail "bad --web-config files: nothing loaded" "$before -> $after programs"

new_netns uevtls
NSA=$NS
# A loaded machine may take longer than start_listener waits: wait on, up to 30 s.
if ! start_listener a ip netns exec "$NSA" -- -q; then
	wait_for "^ready" "$T/a.out" 300 || fail "setup" "listener a: $(cat "$T/a.out")"
	a_netns=$(sed -n 's/^ready.* netns=\([0-9]*\).*/\1/p' "$T/a.out")
fi
"$UEVSCOPE" export --listen 127.0.0.1:0 --interval 0.5 --web-config "$T/web.yml" >"$T/x.out" 2>"$T/x.err" &
X=$!
PIDS="$PIDS $X"
wait_for "serving https://" "$T/x.err" 150 ||
	{ fail "export --web-config serves https with basic auth" "export did not serve: $(cat "$T/x.err")"; exit 0; }
PORT=$(sed -n 's|.*serving https://127.0.0.1:\([0-9]*\)/metrics (basic auth).*|\1|p' "$T/x.err")
URL="https://127.0.0.1:$PORT"
pass "export --web-config serves https with basic auth" && info "export --web-config serves https with basic auth on port $PORT"

# code ARGS...: the HTTP status curl got, verifying the server against the test's certificate.
code() {
	curl -s --max-time 20 --cacert "$T/server.crt" -o "$T/body" -D "$T/head" -w '%{http_code}' "$@"
}
got=$(code "$URL/metrics")
[ "$got" = 401 ] && grep -qi '^WWW-Authenticate: Basic realm="uevscope"' "$T/head" &&
	pass "over TLS without credentials: 401 with a Basic challenge" ||
	fail "over TLS without credentials: 401 with a Basic challenge" "[$got] $(head -1 "$T/head")"
got=$(code -u "prometheus:${PW}x" "$URL/metrics")
[ "$got" = 401 ] && pass "a wrong password: 401" || fail "a wrong password: 401" "[$got]"
got=$(code -u "nobody:$PW" "$URL/metrics")
[ "$got" = 401 ] && pass "an unknown user: 401" || fail "an unknown user: 401" "[$got]"
t0=$(date +%s%N)
got=$(code -u "prometheus:$PW" "$URL/metrics")
ms=$((($(date +%s%N) - t0) / 1000000))
[ "$got" = 200 ] && grep -q '^uevscope_exporter_scrapes_total' "$T/body" &&
	pass "the right password: 200 and the metrics" && info "the right password, the certificate verified: 200 and the metrics (${ms} ms with a cost-10 bcrypt)" ||
	fail "the right password: 200 and the metrics" "[$got] $(head -c 200 "$T/body")"
got=$(code "$URL/healthz")
[ "$got" = 200 ] && pass "/healthz needs no password (probes)" || fail "/healthz needs no password (probes)" "[$got]"
got=$(curl -s --max-time 10 -o /dev/null -w '%{http_code}' "http://127.0.0.1:$PORT/healthz")
[ "$got" != 200 ] && kill -0 "$X" && pass "plain HTTP on the TLS port gets no answer" && info "plain HTTP on the TLS port gets no answer ($got)" ||
	fail "plain HTTP on the TLS port gets no answer" "[$got]"

# A real Prometheus: one job with the password, one without, both over TLS.
PP=$("$PYTHON" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
cat >"$T/prom.yml" <<EOF2
global:
  scrape_interval: 2s
  scrape_timeout: 2s
scrape_configs:
  - job_name: uevscope-tls
    scheme: https
    tls_config:
      ca_file: $T/server.crt
    basic_auth:
      username: prometheus
      password_file: $T/pw
    static_configs:
      - targets: ['127.0.0.1:$PORT']
  - job_name: uevscope-nopassword
    scheme: https
    tls_config:
      ca_file: $T/server.crt
    static_configs:
      - targets: ['127.0.0.1:$PORT']
EOF2
prometheus --config.file="$T/prom.yml" --storage.tsdb.path="$T/tsdb" \
	--web.listen-address="127.0.0.1:$PP" --log.level=warn >"$T/prom.log" 2>&1 &
PIDS="$PIDS $!"
n=0
until curl -sf "http://127.0.0.1:$PP/-/ready" >/dev/null; do
	n=$((n + 1))
	[ $n -gt 150 ] && { fail "setup" "Prometheus did not start: $(tail -3 "$T/prom.log")"; exit 0; }
	sleep 0.1
done
query() {
	curl -sG --max-time 5 --data-urlencode "query=$1" "http://127.0.0.1:$PP/api/v1/query" | jq -r "$2"
}
K=5
i=0
while [ $i -lt $K ]; do
	fire_uevent "$(new_uuid $i)"
	i=$((i + 1))
done
Q="sum(uevscope_deliveries_total{job=\"uevscope-tls\",netns=\"$a_netns\",subsystem=\"mem\",action=\"change\"})"
n=0
while [ "$(query "$Q" '.data.result[0].value[1] // "none"')" != $K ] && [ $n -lt 200 ]; do
	n=$((n + 1))
	sleep 0.1
done
got="$(query 'up{job="uevscope-tls"}' '.data.result[0].value[1] // "none"') $(query "$Q" '.data.result[0].value[1] // "none"')"
[ "$got" = "1 $K" ] && pass "Prometheus over TLS with basic auth: up, and the deliveries stored" && info "Prometheus over TLS with basic auth: up, and the $K deliveries in its query API" ||
	fail "Prometheus over TLS with basic auth: up, and the deliveries stored" "up, deliveries [$got]: $(tail -3 "$T/prom.log")"
n=0
while :; do
	curl -s "http://127.0.0.1:$PP/api/v1/targets" >"$T/targets.json"
	err=$(jq -r '.data.activeTargets[] | select(.labels.job == "uevscope-nopassword") | "\(.health) \(.lastError)"' "$T/targets.json")
	case $err in down*) break ;; esac
	n=$((n + 1))
	[ $n -gt 100 ] && break
	sleep 0.1
done
case $err in
*401*) pass "Prometheus without the password: target down with a 401" && info "Prometheus without the password: target down ($err)" ;;
*) fail "Prometheus without the password: target down with a 401" "[$err]" ;;
esac
