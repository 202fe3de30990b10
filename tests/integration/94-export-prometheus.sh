# SPDX-License-Identifier: GPL-2.0
# shellcheck disable=SC2154 # NAME_pid, NAME_port...: set by eval in start_listener, start_exporter
# uevscope export as a real Prometheus (Debian's) sees it: the repository's own
# plain-host scrape job aimed at the exporter, its alert rules, and every query
# of the Grafana dashboard as a recording rule. Prometheus scrapes the target
# up, stores the exact count of the uevents the suite makes, and evaluates
# every rule and every dashboard query without an error.
SUITE=export-prometheus
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/export.inc"
require_root
require_jq
require_tools curl promtool prometheus
PYTHON=python3
[ -x /usr/bin/python3 ] && PYTHON=/usr/bin/python3 # the one python3-yaml is for
DEPLOY=$(dirname "$0")/../../deploy

new_netns uevpma
NSA=$NS
start_listener a ip netns exec "$NSA" -- -q || fail "setup" "listener a"
start_exporter x --interval 0.5 || { fail "setup" "export did not serve: $(cat "$T/x.err")"; exit 0; }

dashboard_rules "$DEPLOY/grafana/uevscope.json" "$T/dashboard.rules.json"
NQ=$(jq '.groups[0].rules | length' "$T/dashboard.rules.json")
NA=$(grep -c '^ *- alert:' "$DEPLOY/kubernetes/prometheus-rules.yaml")
# The repository's plain-host job, aimed here, scraped and evaluated every second.
"$PYTHON" - "$DEPLOY/kubernetes/prometheus-scrape.yaml" "$x_port" \
	"$(cd "$DEPLOY/kubernetes" && pwd)/prometheus-rules.yaml" "$T/dashboard.rules.json" >"$T/prom.yml" <<'PY' ||
import sys, yaml
cfg = yaml.safe_load(open(sys.argv[1]))
job = next(j for j in cfg["scrape_configs"] if "static_configs" in j)
job["static_configs"] = [{"targets": ["127.0.0.1:" + sys.argv[2]]}]
cfg["scrape_configs"] = [job]
cfg["global"].update(scrape_interval="1s", scrape_timeout="1s", evaluation_interval="1s")
cfg["rule_files"] = sys.argv[3:]
print(yaml.safe_dump(cfg))
PY
	{ fail "setup" "no Prometheus configuration from prometheus-scrape.yaml"; exit 0; }
JOB=$("$PYTHON" -c 'import sys, yaml; print(yaml.safe_load(open(sys.argv[1]))["scrape_configs"][0]["job_name"])' "$T/prom.yml")
PP=$("$PYTHON" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
prometheus --config.file="$T/prom.yml" --storage.tsdb.path="$T/tsdb" \
	--web.listen-address="127.0.0.1:$PP" --log.level=warn >"$T/prom.log" 2>&1 &
PIDS="$PIDS $!"
n=0
until curl -sf "http://127.0.0.1:$PP/-/ready" >/dev/null; do
	n=$((n + 1))
	[ $n -gt 150 ] && { fail "setup" "Prometheus did not start: $(tail -3 "$T/prom.log")"; exit 0; }
	sleep 0.1
done

# query PROMQL JQ: Prometheus's instant query answer, through JQ.
query() {
	curl -sG --max-time 5 --data-urlencode "query=$1" "http://127.0.0.1:$PP/api/v1/query" | jq -r "$2"
}

K=7
i=0
while [ $i -lt $K ]; do
	fire_uevent "$(new_uuid $i)"
	i=$((i + 1))
done
Q="sum(uevscope_deliveries_total{job=\"$JOB\",netns=\"$a_netns\",subsystem=\"mem\",action=\"change\"})"
n=0
while [ "$(query "$Q" '.data.result[0].value[1] // "none"')" != $K ] && [ $n -lt 150 ]; do
	n=$((n + 1))
	sleep 0.1
done
got=$(query "up{job=\"$JOB\",instance=\"127.0.0.1:$x_port\"}" '.data.result[0].value[1] // "none"')
[ "$got" = 1 ] && pass "Prometheus scrapes the exporter with the repository's plain-host job (up 1)" ||
	fail "Prometheus scrapes the exporter with the repository's plain-host job (up 1)" "up [$got]: $(tail -3 "$T/prom.log")"
got=$(query "$Q" '.data.result[0].value[1] // "none"')
[ "$got" = $K ] && pass "Prometheus stores the $K deliveries the suite made" ||
	fail "Prometheus stores the $K deliveries the suite made" "[$got]"
got=$(query 'scrape_samples_scraped{job="'"$JOB"'"}' '.data.result[0].value[1] // 0')
want=$(scrape "$x_port" | grep -vc '^#')
[ "$got" = "$want" ] && pass "every sample ingested" && info "every sample ingested ($got per scrape, as many as /metrics has)" ||
	fail "every sample ingested" "Prometheus [$got], /metrics [$want] $(grep -i error "$T/prom.log" | head -2)"

# Every rule evaluated (twice over, at 1 s) without an error.
sleep 2.5
curl -s "http://127.0.0.1:$PP/api/v1/rules" >"$T/rules.json"
got=$(jq -r '[.data.groups[].rules[]] | "\(map(select(.type == "recording")) | length) \(map(select(.type == "alerting")) | length) \(map(select(.health != "ok")) | length)"' "$T/rules.json")
[ "$got" = "$NQ $NA 0" ] && pass "all dashboard queries and alert rules evaluate without an error" && info "all $NQ dashboard queries and $NA alert rules evaluate without an error" ||
	fail "all dashboard queries and alert rules evaluate without an error" \
		"recording, alerting, unhealthy: [$got]; $(jq -c '[.data.groups[].rules[] | select(.health != "ok") | {name, lastError}][0:3]' "$T/rules.json")"
got=$(query "count({__name__=~\"dashboard:query_.*\",netns=\"$a_netns\"})" '.data.result[0].value[1] // 0')
[ "$got" -ge 2 ] && pass "the dashboard's per-namespace panels show the suite's netns" && info "the dashboard's per-namespace panels show the suite's netns ($got series)" ||
	fail "the dashboard's per-namespace panels show the suite's netns" "[$got]"
