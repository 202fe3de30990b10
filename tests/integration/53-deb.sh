# SPDX-License-Identifier: GPL-2.0
# The Debian package (issue 18): make deb builds it (dpkg-buildpackage, lintian
# with no error or warning), apt-get installs it, the installed uevscope runs
# features and a 5-second trace that sees a real uevent, and purge leaves none
# of its files behind. About two minutes: debhelper builds the code again.
SUITE=deb
. "$(dirname "$0")/lib.sh"
require_root
SRC=$(cd "$(dirname "$0")/../.." && pwd)
OUT=$(cd "$BUILD" && pwd)
for t in dpkg-buildpackage dh lintian apt-get; do
	command -v $t >/dev/null || { skip "all" "needs $t (make test-deps)"; exit 0; }
done
if dpkg-query -W -f='${Status}' uevscope 2>/dev/null | grep -q "installed"; then
	skip "all" "a uevscope package is installed already; this test would replace it"
	exit 0
fi

start=$(date +%s)
if make -s -C "$SRC" OUTPUT="$OUT" deb >"$T/deb.log" 2>&1; then
	pass "make deb: built, lintian has no error and no warning" && info "make deb took $(($(date +%s) - start)) s"
else
	fail "make deb: built, lintian has no error and no warning" "$(grep -E '^(E|W):|error' "$T/deb.log" | head -3 | tr '\n' ' ')"
	exit 0
fi
deb=$(ls "$OUT"/deb/uevscope_*_*.deb)
v=$(dpkg-deb -f "$deb" Version)
# Everything the package puts in place, from the package itself.
dpkg-deb -c "$deb" | awk '{ print $6 }' | sed 's|^\./|/|' | grep -v '/$' >"$T/files"
want=""
for f in /usr/sbin/uevscope /usr/share/man/man8/uevscope.8.gz /usr/share/man/man8/uevscope-trace.8.gz \
	/usr/share/man/man5/uevscope-policy.5.gz /usr/share/bash-completion/completions/uevscope \
	/usr/share/zsh/vendor-completions/_uevscope /lib/systemd/system/uevscope-export.service \
	/lib/systemd/system/uevscope-policy.service /usr/share/uevscope/policy.example \
	/usr/share/uevscope/grafana/uevscope.json /usr/share/uevscope/prometheus/prometheus-rules.yaml; do
	grep -qx "$f" "$T/files" || want="$want $f"
done
[ -z "$want" ] && pass "the package holds everything" && info "the package holds binary, man pages, completion, units, policy, dashboard, rules ($(wc -l <"$T/files") files)" ||
	fail "the package holds everything" "missing:$want"

if DEBIAN_FRONTEND=noninteractive apt-get install -y -q "$deb" >"$T/apt.log" 2>&1 &&
	[ "$(dpkg-query -W -f='${Status} ${Version}' uevscope)" = "install ok installed $v" ]; then
	pass "apt-get install the package" && info "apt-get install ./uevscope_${v}_*.deb"
else
	fail "apt-get install the package" "$(tail -3 "$T/apt.log" | tr '\n' ' ')"
	exit 0
fi
# From here on the package is installed: purge it whatever happens.
trap 'DEBIAN_FRONTEND=noninteractive apt-get purge -y -q uevscope >/dev/null 2>&1; cleanup' EXIT

U=/usr/sbin/uevscope
"$U" --version | grep -q "^uevscope ${v%%-*} (libbpf " && pass "installed uevscope --version" && info "installed uevscope --version: $("$U" --version)" ||
	fail "installed uevscope --version" "$("$U" --version 2>&1)"
if "$U" features >"$T/feat" 2>&1 && grep -q "^trace *delivery *[a-z]" "$T/feat"; then
	pass "installed uevscope features" && info "installed uevscope features: $(sed -n 's/^trace *delivery *//p' "$T/feat") for trace"
else
	fail "installed uevscope features" "$(head -3 "$T/feat")"
fi

start_listener host || { fail "setup" "listener"; exit 0; }
"$U" trace -p -d 5 >"$T/trace.out" 2>"$T/trace.err" &
tp=$!
PIDS="$PIDS $tp"
if wait_for "tracing uevent deliveries via\|cannot trace" "$T/trace.err" 150 && ! grep -q "cannot trace" "$T/trace.err"; then
	u=$(new_uuid 1)
	fire_uevent "$u"
	wait_for "devpath=/devices/virtual/mem/null " "$T/host.out" 50
	wait "$tp"
	rc=$?
	if [ $rc = 0 ] && grep -q "$u" "$T/trace.out"; then
		pass "installed uevscope trace -d 5 saw the uevent the listener got, exit 0"
	else
		fail "installed uevscope trace -d 5 saw the uevent the listener got, exit 0" "rc=$rc, $(grep -c . "$T/trace.out") lines"
	fi
else
	fail "installed uevscope trace -d 5 saw the uevent the listener got, exit 0" "installed uevscope trace attaches: $(head -2 "$T/trace.err")"
fi
if ! command -v man >/dev/null; then
	skip "man finds the installed uevscope-trace(8) and uevscope-policy(5)" "man-db is not installed"
elif [ "$(man -w 5 uevscope-policy)" = /usr/share/man/man5/uevscope-policy.5.gz ] &&
	[ "$(man -w 8 uevscope-trace)" = /usr/share/man/man8/uevscope-trace.8.gz ]; then
	pass "man finds the installed uevscope-trace(8) and uevscope-policy(5)"
else
	fail "man finds the installed uevscope-trace(8) and uevscope-policy(5)" "$(man -w 8 uevscope-trace 2>&1)"
fi

if DEBIAN_FRONTEND=noninteractive apt-get purge -y -q uevscope >"$T/purge.log" 2>&1 &&
	! dpkg-query -W -f='${Status}' uevscope 2>/dev/null | grep -q "installed\|config-files"; then
	left=""
	while read -r f; do [ -e "$f" ] && left="$left $f"; done <"$T/files"
	[ -d /usr/share/uevscope ] && left="$left /usr/share/uevscope/"
	[ -z "$left" ] && pass "apt-get purge leaves nothing" && info "apt-get purge: package gone, none of its $(wc -l <"$T/files") files left" ||
		fail "apt-get purge leaves nothing" "left:$left"
else
	fail "apt-get purge leaves nothing" "apt-get purge uevscope: $(tail -2 "$T/purge.log" | tr '\n' ' ')"
fi
rm -rf "$OUT/deb"
