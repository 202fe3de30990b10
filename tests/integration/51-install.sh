# SPDX-License-Identifier: GPL-2.0
# Installed like any Debian tool (issue 18): make install with PREFIX and
# DESTDIR, --version, man pages that name every option --help names and no
# other, bash and zsh completion, systemd units that systemd-analyze accepts.
# Fires no uevent and loads nothing.
SUITE=install
. "$(dirname "$0")/lib.sh"
SRC=$(cd "$(dirname "$0")/../.." && pwd)
UEV=$(cd "$(dirname "$UEVSCOPE")" && pwd)/uevscope
CMDS="trace listeners report top filter policy devices locks export inject record replay features"

# --version: ours, and the libbpf this binary was built against (libbpf-dev's).
want_bpf=$(dpkg-query -W -f='${Version}' libbpf-dev 2>/dev/null | sed 's/^[0-9]*://; s/^\([0-9]*\.[0-9]*\).*/\1/')
ver=$("$UEV" --version)
if echo "$ver" | grep -qx "uevscope [0-9][0-9.]* (libbpf $want_bpf)"; then
	pass "--version names uevscope's and libbpf's version" && info "--version names uevscope's and libbpf's version ($ver)"
else
	fail "--version names uevscope's and libbpf's version" "'$ver', libbpf-dev $want_bpf"
fi

# The options a --help text names in its usage and option lines (the option
# column only), and those a page names in its SYNOPSIS and option headers:
# --long words and -x words that stand alone. -h/--help are left out: every
# command takes them, not every --help says so.
opt_words() {
	grep -oE -- '(^|[][ 	,(|])--?[a-zA-Z][a-zA-Z0-9-]*' | grep -oE -- '--?[a-zA-Z][a-zA-Z0-9-]*' |
		grep -vxE -- '-h|--help' | sort -u
}
help_opts() {
	awk '/^ *[Uu]sage:/ { u = 1 } u && /^$/ { u = 0 } u { print; next }
		/^  *-/ { l = $0; sub(/^ */, "", l); i = index(l, "  "); print i ? substr(l, 1, i - 1) : l }' \
		"$1" | opt_words
}
page_opts() {
	sed 's/\\//g' "$1" | awk '/^# / { s = $2 } s == "SYNOPSIS" { print; next }
		s == "OPTIONS" && /^\*-/ { print }' | sed 's/\*//g' | opt_words
}
# man_matches CMD SCD: the options of 'uevscope CMD --help' and of page SCD are one set.
man_matches() {
	"$UEV" "$1" --help >"$T/help" 2>&1
	help_opts "$T/help" >"$T/help.opts"
	page_opts "$2" >"$T/man.opts"
	DIFF=$(diff "$T/help.opts" "$T/man.opts" | grep '^[<>]' | sed 's/^</only in --help:/; s/^>/only in the page:/' | tr '\n' ' ')
	[ -z "$DIFF" ]
}
if ! command -v scdoc >/dev/null; then
	skip "man pages" "needs scdoc (make test-deps)"
else
	for c in $CMDS; do
		page=$SRC/docs/man/uevscope-$c.8.scd
		if [ ! -f "$page" ]; then
			fail "uevscope-$c(8) names exactly the options of 'uevscope $c --help'" "no page: $page"
		elif ! scdoc <"$page" >"$T/page" 2>"$T/scdoc.err"; then
			fail "uevscope-$c(8) names exactly the options of 'uevscope $c --help'" "scdoc cannot render it: $(head -1 "$T/scdoc.err")"
		elif man_matches "$c" "$page"; then
			pass "uevscope-$c(8) names exactly the options of 'uevscope $c --help'" && info "uevscope-$c(8): $(wc -l <"$T/help.opts") options"
		else
			fail "uevscope-$c(8) names exactly the options of 'uevscope $c --help'" "$DIFF"
		fi
	done
	# The check itself: a page that lost an option, or gained one, is caught.
	grep -v -- '--netns' "$SRC/docs/man/uevscope-trace.8.scd" >"$T/lost.scd"
	sed '/^# OPTIONS/a *--bogus-option*\n\tnot an option\n' "$SRC/docs/man/uevscope-trace.8.scd" >"$T/gained.scd"
	if ! man_matches trace "$T/lost.scd" && [ "$DIFF" = "only in --help: --netns " ] &&
		! man_matches trace "$T/gained.scd" && [ "$DIFF" = "only in the page: --bogus-option " ]; then
		pass "a page missing --netns, or naming --bogus-option, fails the check"
	else
		fail "a page missing --netns, or naming --bogus-option, fails the check" "$DIFF"
	fi
	# uevscope(8) lists every command of 'uevscope --help'.
	"$UEV" --help | sed -n 's/^  \([a-z]*\)  .*/\1/p' | sort >"$T/cmds.help"
	sed -n '/^# COMMANDS/,/^# OPTIONS/s/^\*\([a-z]*\)\*$/\1/p' "$SRC/docs/man/uevscope.8.scd" | sort >"$T/cmds.man"
	if [ -s "$T/cmds.help" ] && cmp -s "$T/cmds.help" "$T/cmds.man"; then
		pass "uevscope(8) lists the commands of 'uevscope --help'" && info "uevscope(8) lists the $(wc -l <"$T/cmds.help") commands of 'uevscope --help'"
	else
		fail "uevscope(8) lists the commands of 'uevscope --help'" "$(diff "$T/cmds.help" "$T/cmds.man" | tr '\n' ' ')"
	fi
fi

# make install into a PREFIX, then everything where it belongs; uninstall removes it all.
P=$T/prefix/usr
if ! make -s -C "$SRC" OUTPUT="$(cd "$BUILD" && pwd)" install PREFIX="$P" >"$T/install.out" 2>&1; then
	fail "make install PREFIX=... puts binary, 16 man pages, completion, units and data in place" "make install failed: $(tail -2 "$T/install.out")"
	exit 0
fi
missing=""
for f in sbin/uevscope share/man/man8/uevscope.8 share/man/man5/uevscope-policy.5 \
	share/bash-completion/completions/uevscope share/zsh/site-functions/_uevscope \
	lib/systemd/system/uevscope-export.service lib/systemd/system/uevscope-policy.service \
	share/uevscope/policy.example share/uevscope/grafana/uevscope.json \
	share/uevscope/prometheus/prometheus-rules.yaml share/uevscope/kubernetes/daemonset.yaml; do
	[ -f "$P/$f" ] || missing="$missing $f"
done
for c in $CMDS; do [ -f "$P/share/man/man8/uevscope-$c.8" ] || missing="$missing uevscope-$c.8"; done
if [ -z "$missing" ] && "$P/sbin/uevscope" --version >/dev/null; then
	pass "make install PREFIX=... puts binary, 16 man pages, completion, units and data in place"
else
	fail "make install PREFIX=... puts binary, 16 man pages, completion, units and data in place" "missing:$missing"
fi

# DESTDIR stages under it, with the PREFIX paths in the units.
if make -s -C "$SRC" OUTPUT="$(cd "$BUILD" && pwd)" install DESTDIR="$T/stage" PREFIX=/usr \
	>"$T/stage.out" 2>&1 && [ -x "$T/stage/usr/sbin/uevscope" ] &&
	grep -qx 'ExecStart=/usr/sbin/uevscope export --listen 127.0.0.1:9464' \
		"$T/stage/usr/lib/systemd/system/uevscope-export.service"; then
	pass "make install DESTDIR=... PREFIX=/usr stages under DESTDIR, units name /usr/sbin/uevscope"
else
	fail "make install DESTDIR=... PREFIX=/usr stages under DESTDIR, units name /usr/sbin/uevscope" "$(tail -2 "$T/stage.out")"
fi

# A PREFIX that cannot be written: one line from us, nothing installed.
mkdir "$T/ro" && mount -t tmpfs -o ro,size=1m tmpfs "$T/ro" 2>/dev/null && ro=1 || ro=0
if [ "$ro" = 1 ]; then
	make -s -C "$SRC" OUTPUT="$(cd "$BUILD" && pwd)" install PREFIX="$T/ro/usr" >"$T/ro.out" 2>"$T/ro.err"
	rc=$?
	ours=$(grep -c '^uevscope:' "$T/ro.err")
	if [ $rc != 0 ] && [ "$ours" = 1 ] && grep -q "^uevscope: cannot install into $T/ro/usr (Read-only file system): run 'sudo make install' or set PREFIX or DESTDIR" "$T/ro.err" &&
		! grep -q '^install' "$T/ro.out"; then
		pass "a read-only PREFIX: one line naming it and why, nothing installed"
	else
		fail "a read-only PREFIX: one line naming it and why, nothing installed" "rc=$rc $(head -3 "$T/ro.err" | tr '\n' ' ')"
	fi
	umount "$T/ro"
else
	skip "a read-only PREFIX: one line naming it and why, nothing installed" "cannot mount a tmpfs (needs root)"
fi

# systemd units: systemd-analyze verify checks directives, the binary and the man pages.
if ! command -v systemd-analyze >/dev/null; then
	skip "systemd units" "needs systemd-analyze (package systemd)"
else
	for u in "$P"/lib/systemd/system/*.service; do
		if MANPATH=$P/share/man systemd-analyze verify "$u" >"$T/verify" 2>&1 && [ ! -s "$T/verify" ]; then
			pass "systemd-analyze verify $(basename "$u"): no complaint"
		else
			fail "systemd-analyze verify $(basename "$u"): no complaint" "$(head -3 "$T/verify" | tr '\n' ' ')"
		fi
	done
	# The check itself: a unit whose binary is gone, or with a bad directive value, is refused.
	sed "s|ExecStart=[^ ]*|ExecStart=$T/no-such-binary|" "$P/lib/systemd/system/uevscope-export.service" \
		>"$T/uevscope-export.service"
	MANPATH=$P/share/man systemd-analyze verify "$T/uevscope-export.service" >"$T/verify" 2>&1
	rc1=$?
	sed "s|^Type=.*|Type=bogus|" "$P/lib/systemd/system/uevscope-export.service" >"$T/uevscope-export.service"
	MANPATH=$P/share/man systemd-analyze verify "$T/uevscope-export.service" >"$T/verify2" 2>&1
	if [ $rc1 != 0 ] && grep -q "no-such-binary" "$T/verify" && grep -q "bogus" "$T/verify2"; then
		pass "a unit with a missing binary, or Type=bogus, is reported by verify"
	else
		fail "a unit with a missing binary, or Type=bogus, is reported by verify" "rc=$rc1 $(head -2 "$T/verify") $(head -2 "$T/verify2")"
	fi
	# Hardening the issue asks for, in the export unit.
	u=$P/lib/systemd/system/uevscope-export.service
	if grep -qx 'NoNewPrivileges=yes' "$u" && grep -qx 'ProtectSystem=strict' "$u" &&
		grep -qx 'CapabilityBoundingSet=CAP_SYS_ADMIN CAP_SYS_PTRACE' "$u"; then
		pass "uevscope-export.service: NoNewPrivileges, ProtectSystem=strict, CAP_SYS_ADMIN CAP_SYS_PTRACE only"
	else
		fail "uevscope-export.service: NoNewPrivileges, ProtectSystem=strict, CAP_SYS_ADMIN CAP_SYS_PTRACE only" "$(grep -E 'NoNew|Protect|Capab' "$u" | tr '\n' ' ')"
	fi
fi

# bash completion, through what 'complete -p' registered.
if [ ! -f /usr/share/bash-completion/bash_completion ] || ! command -v bash >/dev/null; then
	skip "bash completion" "needs bash-completion (make test-deps)"
else
	new_netns uevcomp
	root=$(cgroup2_root)
	[ -n "$root" ] && new_cgroup "$root" "uevcomp-$$"
	"$UEV" --help | sed -n 's/^  \([a-z]*\)  .*/\1/p' | tr '\n' ' ' >"$T/want.cmds"
	"$UEV" trace --help >"$T/th"
	help_opts "$T/th" | grep -- '^--' | tr '\n' ' ' >"$T/want.trace"
	cat >"$T/comp.bash" <<EOC
. /usr/share/bash-completion/bash_completion
. "$P/share/bash-completion/completions/uevscope"
PATH=$P/sbin:\$PATH
fn=\$(complete -p uevscope | sed -n 's/.*-F \([^ ]*\) uevscope\$/\1/p')
echo "registered: \$fn"
c() {
	COMP_WORDS=("\$@"); COMP_CWORD=\$((\${#COMP_WORDS[@]} - 1)); COMP_LINE="\$*"; COMP_POINT=\${#COMP_LINE}
	COMPREPLY=(); "\$fn" uevscope "\${COMP_WORDS[-1]}" "\${COMP_WORDS[-2]}"
	printf '%s\n' "\${COMPREPLY[@]}" | sort | tr '\n' ' '; echo
}
echo "cmds: \$(c uevscope '')"
echo "tr: \$(c uevscope tr)"
echo "trace: \$(c uevscope trace -- | sed 's/--help //')"
echo "netns: \$(c uevscope trace --netns uevcomp)"
echo "cgroup: \$(c uevscope devices deny --cgroup /uevcomp-)"
echo "filter: \$(c uevscope filter '')"
echo "policyfile: \$(cd $SRC/deploy && c uevscope policy check policy.ex)"
echo "words: \$(compgen -W "\$(c uevscope '')" -- to)"
EOC
	bash "$T/comp.bash" >"$T/comp.out" 2>&1
	check() { # NAME LINE-EXPECTED
		if grep -qxF -- "$2" "$T/comp.out"; then pass "bash completion: $1"; else
			fail "bash completion: $1" "want '$2', got '$(grep -F -- "${2%%:*}:" "$T/comp.out")'"; fi
	}
	check "complete -p names the function" "registered: _uevscope"
	check "the commands of --help" "cmds: $(tr ' ' '\n' <"$T/want.cmds" | sort | tr '\n' ' ')"
	check "'tr' completes to trace" "tr: trace "
	check "trace's options are those of trace --help" "trace: $(tr ' ' '\n' <"$T/want.trace" | grep . | sort | tr '\n' ' ')"
	check "--netns offers /run/netns names" "netns: $NS "
	[ -n "$root" ] && check "--cgroup offers cgroup v2 paths" "cgroup: /uevcomp-$$/ "
	check "filter's actions" "filter: add del flush list status watch "
	check "policy takes a file" "policyfile: policy.example "
	check "compgen on the commands" "words: top"
fi

# zsh completion: it parses, and zsh finds _uevscope on its fpath.
if command -v zsh >/dev/null; then
	if zsh -n "$P/share/zsh/site-functions/_uevscope" 2>"$T/zsh.err" &&
		zsh -fc "fpath=($P/share/zsh/site-functions \$fpath); autoload -Uz compinit; compinit -u -d $T/zcd; [[ \${_comps[uevscope]} == _uevscope ]]" 2>>"$T/zsh.err"; then
		pass "zsh completion parses and compinit binds _uevscope to uevscope"
	else
		fail "zsh completion parses and compinit binds _uevscope to uevscope" "$(head -2 "$T/zsh.err")"
	fi
else
	skip "zsh completion parses and compinit binds _uevscope to uevscope" "needs zsh (make test-deps)"
fi

make -s -C "$SRC" OUTPUT="$(cd "$BUILD" && pwd)" uninstall PREFIX="$P" >/dev/null 2>&1
left=$(find "$T/prefix" -type f | wc -l)
[ "$left" = 0 ] && pass "make uninstall PREFIX=... leaves no file" || fail "make uninstall PREFIX=... leaves no file" "$left left: $(find "$T/prefix" -type f | head -3)"
