# SPDX-License-Identifier: GPL-2.0
# shellcheck disable=SC2154 # NAME_pid, NAME_port...: set by eval in start_listener, start_exporter
# deploy/: the Grafana dashboard and the Kubernetes YAML parse, the DaemonSet
# has what uevscope needs, the Prometheus scrape job keeps its pods, promtool
# accepts the Prometheus config and rules and every dashboard query, and every
# metric the dashboard and the YAML name is one a running `uevscope export`
# serves (a negative control shows that check reports a name it does not).
SUITE=export-deploy
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/export.inc"
DEPLOY=$(dirname "$0")/../../deploy
DASH=$DEPLOY/grafana/uevscope.json
K8S=$DEPLOY/kubernetes

# Test dependencies (make test-deps): missing ones fail, they do not skip.
# Debian's own python3 first: python3-yaml is installed for that one, whatever
# other python3 comes first in PATH.
PYTHON=python3
[ -x /usr/bin/python3 ] && PYTHON=/usr/bin/python3
missing=""
for tool in jq curl "$PYTHON" promtool; do
	command -v "$tool" >/dev/null || missing="$missing $tool"
done
command -v $PYTHON >/dev/null && ! $PYTHON -c 'import yaml' 2>/dev/null && missing="$missing python3-yaml"
if [ -n "$missing" ]; then
	fail "test tools" "missing:$missing (make test-deps installs them)"
	exit 0
fi

# ---- The dashboard
if jq -e '.schemaVersion >= 36 and (.panels | length) > 10' "$DASH" >/dev/null; then
	pass "dashboard: JSON parses" && info "dashboard: JSON parses, schemaVersion $(jq .schemaVersion "$DASH"), $(jq '.panels | length' "$DASH") panels"
else
	fail "dashboard: JSON parses" "$(jq -c '{schemaVersion, panels: (.panels | length)}' "$DASH" 2>&1 | head -2)"
	exit 0
fi
got=$(jq -r '[.templating.list[] | "\(.name)=\(.type)"] | join(" ")' "$DASH")
want="DS_PROMETHEUS=datasource instance=query container=query"
[ "$got" = "$want" ] && pass "dashboard: data source, instance and container variables" ||
	fail "dashboard: data source, instance and container variables" "want [$want] got [$got]"
# Grafana mixes up panels with the same id; every query must use the variable's data source.
got=$(jq '[.panels[].id] | length - (unique | length)' "$DASH")
bad=$(jq '[.panels[] | select(.type != "row") | .datasource.uid, .targets[].datasource.uid] |
	map(select(. != "${DS_PROMETHEUS}")) | length' "$DASH")
[ "$got" = 0 ] && [ "$bad" = 0 ] && pass "dashboard: unique panel ids, every query on \${DS_PROMETHEUS}" ||
	fail "dashboard: unique panel ids, every query on \${DS_PROMETHEUS}" "$got duplicate ids, $bad other data sources"

# Every panel query is PromQL that promtool parses, once Grafana's variables are
# replaced (each becomes a recording rule; JSON is YAML).
dashboard_rules "$DASH" "$T/queries.rules.json"
nq=$(jq '.groups[0].rules | length' "$T/queries.rules.json")
if promtool check rules "$T/queries.rules.json" >"$T/promtool.out" 2>&1 && [ "$nq" -ge 20 ]; then
	pass "dashboard: promtool parses all $nq queries"
else
	fail "dashboard: promtool parses all $nq queries" "$(grep -v '^Checking' "$T/promtool.out" | tr -s ' \n' ' ' | cut -c1-300)"
fi

# ---- The Kubernetes YAML: each file parses; the DaemonSet and the scrape job agree.
$PYTHON - "$SUITE" "$K8S" <<'EOF'
import glob, os, re, sys, yaml

suite, k8s = sys.argv[1], sys.argv[2]
def check(ok, what, detail=""):
    print(f"PASS {suite}: {what}" if ok else f"FAIL {suite}: {what}: {detail}")

docs = {}
files = sorted(glob.glob(os.path.join(k8s, "*.yaml")) + glob.glob(os.path.join(k8s, "*.yml")))
for f in files:
    try:
        docs[f] = [d for d in yaml.safe_load_all(open(f)) if d is not None]
        check(len(docs[f]) > 0, f"yaml: {os.path.basename(f)} parses", "no document")
    except yaml.YAMLError as e:
        check(False, f"yaml: {os.path.basename(f)} parses", str(e).replace("\n", " "))
check(len(files) >= 3, "yaml: daemonset, scrape config and rules present", f"{len(files)} files")
alldocs = [d for ds in docs.values() for d in ds]
ds = [d for d in alldocs if isinstance(d, dict) and d.get("kind") == "DaemonSet"]
check(len(ds) == 1, "yaml: exactly one DaemonSet", f"{len(ds)}")
if len(ds) != 1:
    sys.exit(0)
ds = ds[0]
pod = ds["spec"]["template"]["spec"]
c = pod["containers"][0]
check(pod.get("hostPID") is True, "daemonset: hostPID", pod.get("hostPID"))
check(c.get("securityContext", {}).get("privileged") is True, "daemonset: privileged",
      c.get("securityContext"))
vols = {v["name"]: v.get("hostPath", {}).get("path") for v in pod.get("volumes", [])}
mounts = {m["mountPath"]: m for m in c.get("volumeMounts", [])}
def mount(path, propagation=None, ro=False):
    m = mounts.get(path)
    ok = (m is not None and vols.get(m["name"]) == path and
          (propagation is None or m.get("mountPropagation") == propagation) and
          (not ro or m.get("readOnly") is True))
    check(ok, f"daemonset: node's {path} mounted" + (f" ({propagation})" if propagation else "") +
          (" read-only" if ro else ""), m)
mount("/sys/fs/bpf", "Bidirectional")
mount("/sys/kernel/btf", ro=True)
mount("/run/netns", "HostToContainer", ro=True)
argv = " ".join(c.get("command", []) + c.get("args", []))
check(re.search(r"uevscope export --listen 0\.0\.0\.0:9464 --web-config (\S+) --locks$", argv) is not None,
      "daemonset: runs uevscope export --listen 0.0.0.0:9464 --web-config FILE --locks", argv)
# --web-config's file comes from the Secret the header comment says how to make.
wc = re.search(r"--web-config (\S+)", argv)
secrets = {v["name"]: v["secret"].get("secretName") for v in pod.get("volumes", []) if "secret" in v}
wm = [m for m in c.get("volumeMounts", []) if m["name"] in secrets and wc and
      wc.group(1).startswith(m["mountPath"].rstrip("/") + "/")]
check(len(wm) == 1 and wm[0].get("readOnly") is True, "daemonset: --web-config read from a Secret, read-only",
      f"{secrets} {wm}")
ports = {p.get("name"): p.get("containerPort") for p in c.get("ports", [])}
check(ports.get("metrics") == 9464, "daemonset: port named metrics is 9464", ports)
for probe in ("readinessProbe", "livenessProbe"):
    h = c.get(probe, {}).get("httpGet", {})
    check(h.get("path") == "/healthz" and h.get("port") in ("metrics", 9464) and h.get("scheme") == "HTTPS",
          f"daemonset: {probe} on /healthz over HTTPS", h)
tol = pod.get("tolerations", [])
check(any(t.get("operator") == "Exists" and "key" not in t and "effect" not in t for t in tol),
      "daemonset: tolerates every taint (runs on every node)", tol)
res = c.get("resources", {})
check("requests" in res and "limits" in res, "daemonset: resource requests and limits", res)
meta = ds["spec"]["template"]["metadata"]
ann = meta.get("annotations", {})
check(ann.get("prometheus.io/scrape") == "true" and ann.get("prometheus.io/port") == "9464",
      "daemonset: prometheus.io annotations", ann)
sel = ds["spec"]["selector"]["matchLabels"]
check(all(meta["labels"].get(k) == v for k, v in sel.items()), "daemonset: selector matches its pods",
      f"{sel} vs {meta['labels']}")

# The scrape job, applied the way Prometheus applies relabel rules (anchored
# regex, source label values joined with ";"), to the DaemonSet's pod, keeps
# its metrics port and no other port, and sets node.
cfg = [d for d in alldocs if isinstance(d, dict) and "scrape_configs" in d]
check(len(cfg) == 1, "scrape config: one Prometheus configuration", len(cfg))
if len(cfg) != 1:
    sys.exit(0)
jobs = [j for j in cfg[0]["scrape_configs"] if j.get("kubernetes_sd_configs")]
check(len(jobs) == 1 and jobs[0]["kubernetes_sd_configs"][0].get("role") == "pod",
      "scrape config: one kubernetes_sd_configs job, role pod", [j.get("job_name") for j in jobs])
if len(jobs) != 1:
    sys.exit(0)
job = jobs[0]
check(job.get("scheme") == "https" and job.get("tls_config", {}).get("ca_file") and
      job.get("basic_auth", {}).get("password_file"),
      "scrape config: the pod job scrapes over https, verifying the certificate, with basic auth",
      {k: job.get(k) for k in ("scheme", "tls_config", "basic_auth")})
sd_ns = job["kubernetes_sd_configs"][0].get("namespaces", {}).get("names")
check(sd_ns in (None, [ds["metadata"]["namespace"]]), "scrape config: discovers the DaemonSet's namespace",
      f"{sd_ns} vs {ds['metadata']['namespace']}")
def relabel(port_name):
    lab = {"__meta_kubernetes_pod_node_name": "node-a",
           "__meta_kubernetes_namespace": ds["metadata"]["namespace"],
           "__meta_kubernetes_pod_name": "uevscope-x1",
           "__meta_kubernetes_pod_container_port_name": port_name,
           "instance": "10.0.0.1:9464"}
    for k, v in meta["labels"].items():
        lab["__meta_kubernetes_pod_label_" + re.sub(r"[^a-zA-Z0-9_]", "_", k)] = v
    for r in job.get("relabel_configs", []):
        val = r.get("separator", ";").join(lab.get(s, "") for s in r.get("source_labels", []))
        m = re.fullmatch(r.get("regex", "(.*)"), val)
        act = r.get("action", "replace")
        if act == "keep" and not m:
            return None
        if act == "drop" and m:
            return None
        if act == "replace" and m:
            lab[r["target_label"]] = m.expand(r.get("replacement", "$1").replace("$", "\\"))
    return lab
port = [p.get("name", "") for p in c.get("ports", []) if p.get("containerPort") == 9464] + [""]
kept, other = relabel(port[0]), relabel("debug")
check(kept is not None and other is None, "scrape config: keeps the pods' metrics port, no other port",
      f"metrics kept={kept is not None}, other kept={other is not None}")
check(kept is not None and kept.get("node") == "node-a", "scrape config: node name in label node",
      kept and kept.get("node"))
targets = [r.get("target_label") for r in job.get("relabel_configs", [])]
check("container" not in targets,
      "scrape config: no target label container (it would rename the exporter's)", targets)
EOF
rc=$?
[ $rc = 0 ] || fail "the Kubernetes YAML checks ran to the end" "python exited with $rc"

# promtool check config (it checks the rule files too). Debian's prometheus is
# built without Kubernetes discovery (see its NEWS.Debian, 1.5.0+ds-1): where
# promtool does not know kubernetes_sd_configs, it checks a copy with every
# such block replaced by file_sd_configs, everything else unchanged; the
# Kubernetes block itself was checked above.
SCRAPE=$K8S/prometheus-scrape.yaml
if promtool check config "$SCRAPE" >"$T/check.out" 2>&1; then
	pass "promtool check config accepts prometheus-scrape.yaml and its rules"
elif grep -q "field kubernetes_sd_configs not found" "$T/check.out"; then
	$PYTHON - "$SCRAPE" "$T/scrape-file-sd.yaml" <<'EOF'
import os, sys, yaml
src, dst = sys.argv[1], sys.argv[2]
cfg = yaml.safe_load(open(src))
here = os.path.dirname(os.path.abspath(src))
cfg["rule_files"] = [os.path.join(here, f) for f in cfg.get("rule_files", [])]
for job in cfg["scrape_configs"]:
    if job.pop("kubernetes_sd_configs", None) is not None:
        job["file_sd_configs"] = [{"files": [os.path.join(os.path.dirname(dst), "targets.json")]}]
yaml.safe_dump(cfg, open(dst, "w"))
EOF
	rc=$?
	[ $rc = 0 ] || fail "promtool check config (built without kubernetes SD)" "rewriting the config: python exited with $rc"
	if promtool check config "$T/scrape-file-sd.yaml" >"$T/check2.out" 2>&1 &&
		grep -q "SUCCESS: [1-9][0-9]* rules found" "$T/check2.out"; then
		pass "promtool check config (built without kubernetes SD) accepts prometheus-scrape.yaml with file SD in its place, and its rules"
	else
		fail "promtool check config (built without kubernetes SD) accepts prometheus-scrape.yaml with file SD in its place, and its rules" "$(grep -E 'FAILED|rror' "$T/check2.out" | head -3)"
	fi
else
	fail "promtool check config accepts prometheus-scrape.yaml and its rules" "$(grep -E 'FAILED|rror' "$T/check.out" | head -3)"
fi

# ---- Metric names the dashboard and the YAML use, and those served.
# dashboard_names FILE: uevscope_* names in the dashboard's queries and variables.
dashboard_names() {
	jq -r '.. | objects | (.expr?, .definition?, .query?) | strings' "$1" |
		grep -oE 'uevscope_[a-zA-Z0-9_:]+' | sort -u
}
# yaml_names FILE...: uevscope_* names in the string values of YAML documents.
yaml_names() {
	$PYTHON -c '
import re, sys, yaml
def walk(x):
    if isinstance(x, dict):
        for v in x.values(): yield from walk(v)
    elif isinstance(x, list):
        for v in x: yield from walk(v)
    elif isinstance(x, str):
        yield from re.findall(r"uevscope_[a-zA-Z0-9_:]+", x)
print("\n".join(sorted({n for f in sys.argv[1:] for d in yaml.safe_load_all(open(f)) for n in walk(d)})))
' "$@" | sed '/^$/d'
}
# missing_names NAMES SERVED: the names not served. SERVED holds "family type"
# lines; NAME_bucket is served with a histogram family NAME, NAME_sum and
# NAME_count with a histogram or summary one.
missing_names() {
	while read -r name; do
		grep -q "^$name " "$2" && continue
		case $name in
		*_bucket) grep -q "^${name%_bucket} histogram\$" "$2" && continue ;;
		*_sum | *_count) grep -qE "^${name%_*} (histogram|summary)\$" "$2" && continue ;;
		esac
		echo "$name"
	done <"$1"
}

dashboard_names "$DASH" >"$T/dash.names"
yaml_names "$K8S"/*.yaml >"$T/yaml.names"
sort -u "$T/dash.names" "$T/yaml.names" >"$T/names"
nd=$(wc -l <"$T/dash.names")
ny=$(wc -l <"$T/yaml.names")
nnames=$(wc -l <"$T/names")
[ "$nd" -ge 15 ] && [ "$ny" -ge 3 ] &&
	pass "found at least 15 metric names in the dashboard, 3 in the YAML" && info "found $nnames distinct metric names ($nd in the dashboard, $ny in the YAML)" ||
	fail "found at least 15 metric names in the dashboard, 3 in the YAML" "$nd, $ny"

if [ "$(id -u)" != 0 ]; then
	skip "served metrics" "needs root to run uevscope export (loads BPF programs); run 'sudo make test'"
	exit 0
fi

# ---- A running exporter: which families it serves.
if ! start_exporter export --locks || ! scrape "$export_port" >"$T/metrics"; then
	fail "uevscope export --listen 127.0.0.1:0 --locks serves /metrics" "$(head -3 "$T/export.err")"
	exit 0
fi
EXPORTER=$export_pid
port=$export_port
pass "uevscope export --listen 127.0.0.1:0 --locks serves /metrics"
curl -sf -o /dev/null "http://127.0.0.1:$port/healthz" && pass "/healthz answers 200" ||
	fail "/healthz answers 200" "curl exit $?"
sed -n 's/^# TYPE \(uevscope_[a-zA-Z0-9_:]*\) \([a-z]*\)$/\1 \2/p' "$T/metrics" | sort -u >"$T/served"
progs=$(cat /proc/"$EXPORTER"/fdinfo/* 2>/dev/null | sed -n 's/^prog_id:[[:space:]]*//p' | sort -un | tr '\n' ' ')

# Families only some kernels can serve: the component whose attachment they
# need and its plan in `uevscope features`. Absent is allowed only when the
# plan uses nothing AND the exporter says the component is not attached.
optional_component() {
	case $1 in
	uevscope_broadcasts_total | uevscope_broadcasts_no_listener_total | uevscope_delivery_latency_seconds*)
		echo "report_emission report emission" ;;
	uevscope_netlink_broadcast_seconds*) echo "locks_broadcast locks broadcast" ;;
	esac
}
"$UEVSCOPE" features -j >"$T/features.json" 2>"$T/features.err" ||
	fail "uevscope features -j" "$(head -1 "$T/features.err")"
# real_missing NAMES: missing names, less the allowed ones (said on stderr).
real_missing() {
	missing_names "$1" "$T/served" | while read -r name; do
		# shellcheck disable=SC2046 # split into the words of one line on purpose
		set -- $(optional_component "$name")
		if [ $# = 3 ]; then
			plan=$(jq -r ".plans[] | select(.subcommand == \"$2\" and .job == \"$3\") | .uses" "$T/features.json")
			if [ "$plan" = null ] &&
				! grep -q "^uevscope_bpf_program_attached{.*component=\"$1\".*} 1\$" "$T/metrics"; then
				echo "$name: allowed: $1 is not traceable on this kernel (features: $2 $3 uses none)" >&2
				continue
			fi
		fi
		echo "$name"
	done
}

real_missing "$T/names" >"$T/missing" 2>"$T/allowed"
sed "s/^/note $SUITE: /" "$T/allowed"
nserved=$(wc -l <"$T/served")
if [ ! -s "$T/missing" ] && [ "$nserved" -ge 15 ]; then
	pass "every metric the dashboard and the YAML use is served" && info "every metric the dashboard and the YAML use is served ($nnames names, $nserved families served, $(wc -l <"$T/allowed") allowed absent)"
else
	fail "every metric the dashboard and the YAML use is served" "$nserved families served; missing: $(tr '\n' ' ' <"$T/missing")"
fi

# Negative control: the same check on a copy of the dashboard with a made-up
# name and a gauge's name with a histogram suffix reports exactly those two.
jq '.panels |= map(if .targets then .targets[0].expr += " + uevscope_made_up_for_this_test_total" +
	" + uevscope_listeners_bucket" else . end)' "$DASH" >"$T/bad.json"
dashboard_names "$T/bad.json" | sort -u - "$T/yaml.names" >"$T/bad.names"
got=$(real_missing "$T/bad.names" 2>/dev/null | sort | tr '\n' ' ')
want="$(sort "$T/missing" | tr '\n' ' ')uevscope_listeners_bucket uevscope_made_up_for_this_test_total "
want=$(echo "$want" | tr ' ' '\n' | sed '/^$/d' | sort | tr '\n' ' ')
[ "$got" = "$want" ] && pass "negative control: a made-up name and a wrong suffix are reported missing" ||
	fail "negative control: a made-up name and a wrong suffix are reported missing" "want [$want] got [$got]"

# Stopped the way kubelet stops it (SIGTERM): none of its BPF programs stays loaded.
# running PID: alive and not yet a zombie.
running() {
	state=$(sed 's/^.*) \(.\).*/\1/' "/proc/$1/stat" 2>/dev/null)
	[ -n "$state" ] && [ "$state" != Z ]
}
kill -TERM "$EXPORTER"
n=0
while running "$EXPORTER" && [ $n -lt 100 ]; do
	n=$((n + 1))
	sleep 0.1
done
if running "$EXPORTER"; then
	fail "exporter exits on SIGTERM" "still running 10 s later; killed"
	kill -KILL "$EXPORTER"
fi
wait "$EXPORTER"
rc=$?
# shellcheck disable=SC2086 # echo $progs joins the ids into one line
if [ -z "$progs" ]; then
	fail "exporter's BPF programs unloaded after SIGTERM" "no BPF program among its file descriptors"
elif progs_gone "^($(echo $progs | tr ' ' '|')):"; then
	pass "exporter's BPF programs unloaded after SIGTERM" && info "exporter's BPF programs ($progs) unloaded after SIGTERM (exit $rc)"
else
	fail "exporter's BPF programs unloaded after SIGTERM" "$LEFT of $progs still loaded"
fi
