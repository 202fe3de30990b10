#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Test runner: unit tests (no root), integration suites (root, real kernel,
# real namespaces, real uevents), then Debian's kernels under QEMU (tests/vm/).
# Every check prints one line PASS/FAIL/SKIP; the last line of the run is
# "N passed, N failed, N skipped".
#
# The summary is the truth, whatever a test prints:
# - every unit binary, suite and the VM matrix runs under a time limit; a
#   non-zero exit, a signal (named) or a time-out is a FAIL line of its own;
# - each item's number of checks is recorded in tests/checks.txt, with its
#   time limit: fewer checks than recorded is a FAIL (a suite that stopped
#   half-way, or lost checks in an edit);
# - with CI=true a SKIP is a FAIL unless its reason is a kernel fact listed
#   in tests/allowed-skips.txt;
# - with CI=true (or RERUN=1) an item with a FAIL runs once more; a check that
#   then passes is named FLAKY, and the run stays red.
#
# usage: [TESTS=GLOB] [CI=true] [RERUN=0|1] [TEST_RESULTS=DIR]
#        tests/run.sh [--unit-only] [--host-only] [--record] BUILD_DIR
# TESTS picks integration suites by file name ("vm" for the VMs alone,
# "check" for make check alone).
# --record rewrites tests/checks.txt from this run (review the diff).
unit_only=0
host_only=0
record=0
while :; do
	case $1 in
	--unit-only) unit_only=1 ;;
	--host-only) host_only=1 ;;
	--record) record=1 ;;
	*) break ;;
	esac
	shift
done
BUILD=${1:-build}
export BUILD
here=$(dirname "$0")
RECORDS=$here/checks.txt
ALLOWED_SKIPS=$here/allowed-skips.txt
LOCK=/run/lock/uevscope-tests.lock
[ "${CI:-}" = true ] && : "${RERUN:=1}"
RERUN=${RERUN:-0}
RESULTS=${TEST_RESULTS:-$BUILD/test-results}
rm -rf "$RESULTS"
mkdir -p "$RESULTS" || exit 1
log=$RESULTS/verdicts
: >"$log"
: >"$RESULTS/durations"
: >"$RESULTS/counts"

# record_of NAME FIELD: the recorded check count (2) or time limit (3).
record_of() {
	awk -v n="$1" -v f="$2" '$1 == n { print $f; exit }' "$RECORDS" 2>/dev/null
}

# verdicts FILE [PREFIX]: its PASS/FAIL/SKIP lines (of suite PREFIX only).
verdicts() {
	grep -E "^(PASS|FAIL|SKIP) ${2:-}" "$1" 2>/dev/null
}

# exit_verdict NAME RC LIMIT: the FAIL line for a bad exit, if any. timeout(1)
# exits 124 on a time-out, 137 when its -k had to kill, 128+N on signal N.
exit_verdict() {
	case $2 in
	0) ;;
	124 | 137) echo "FAIL $1: timed out after $3 s (limit in tests/checks.txt)" ;;
	*)
		if [ "$2" -gt 128 ]; then
			echo "FAIL $1: killed by signal SIG$(kill -l $(($2 - 128)) 2>/dev/null || echo $(($2 - 128)))"
		else
			echo "FAIL $1: exit status $2"
		fi
		;;
	esac
}

# count_verdict NAME OUT [PREFIX]: a FAIL line when OUT (of suite PREFIX)
# holds fewer checks than recorded. A suite skipped as a whole is judged by
# its SKIP line instead.
count_verdict() {
	n=$(verdicts "$2" "${3:-}" | wc -l)
	echo "$1 $n" >>"$RESULTS/counts"
	[ "$record" = 1 ] && return 0
	want=$(record_of "$1" 2)
	verdicts "$2" "${3:-}" | grep -q '^SKIP [^:]*: all: ' && return 0
	if [ -z "$want" ]; then
		echo "FAIL $1: no check count recorded in tests/checks.txt (ran $n): add it (tests/run.sh --record)"
	elif [ "$n" -lt "$want" ]; then
		echo "FAIL $1: ran $n checks, fewer than the $want recorded in tests/checks.txt"
	elif [ "$n" -gt "$want" ]; then
		echo "NOTE $1: ran $n checks, more than the $want recorded: raise it in tests/checks.txt" >&2
	fi
}

# skip_verdicts OUT: under CI, a FAIL for each SKIP whose reason is not a
# kernel fact of tests/allowed-skips.txt (extended regular expressions).
skip_verdicts() {
	[ "${CI:-}" = true ] || return 0
	grep -vE '^(#|$)' "$ALLOWED_SKIPS" >"$RESULTS/allowed" 2>/dev/null
	grep '^SKIP ' "$1" 2>/dev/null | while IFS= read -r line; do
		printf '%s\n' "$line" | grep -qEf "$RESULTS/allowed" ||
			echo "FAIL ${line#SKIP }: skipped in CI, and not for a kernel fact of tests/allowed-skips.txt"
	done
}

# flaky_verdicts FIRST FIRST_EXIT SECOND SECOND_EXIT: a FLAKY line for each
# check FAILed in FIRST that PASSed in SECOND. A FAIL line is "FAIL suite:
# check: detail", a PASS line "PASS suite: check", so the check is a PASS line
# that prefixes it. A SECOND with no FAIL at all, nor in its exit verdicts
# (SECOND_EXIT), makes every failure of FIRST flaky whatever its name: a PASS
# line may carry a measured value its FAIL line does not. Then a line
# "FAIL-IN-RERUN ..." for each failure of the second run that the first did
# not have, so that what broke the rerun is in the summary too.
flaky_verdicts() {
	grep '^PASS ' "$3" | sed 's/^PASS //' >"$3.passed"
	grep -h '^FAIL ' "$3" "$4" >"$3.failed"
	grep '^FAIL ' "$1" | sed 's/^FAIL //' | while IFS= read -r f; do
		if [ ! -s "$3.failed" ] || F=$f awk 'index(ENVIRON["F"], $0 ": ") == 1 ||
			ENVIRON["F"] == $0 { found = 1 } END { exit !found }' "$3.passed"; then
			echo "FLAKY $f"
		fi
	done
	cat "$1" "$2" | grep -vxFf - "$3.failed" | sed 's/^FAIL /FAIL-IN-RERUN /'
}

# The item runs as `timeout`, which makes itself the leader of a process group
# of its own (its pid, written first to the file named by $1): every process
# the item starts and leaves behind is found by that group.
# shellcheck disable=SC2016 # expanded by that shell
IN_GROUP='echo $$ >"$1"; shift; l=$1; shift; exec timeout -k 10 "$l" "$@"'

# leftovers NAME PGID: a process of the item's group still running once the
# item ended is a leak (a background listener or monitor never stopped): a
# failure, and it is killed so that it cannot disturb the next item.
leftovers() {
	[ -n "$2" ] || return 0
	# A process already on its way out (killed by its parent's death, say) gets
	# 2 s to go; one still there after that was left running.
	i=0
	while left=$(ps -e -o pgid=,pid=,stat=,args= |
		awk -v g="$2" '$1 == g && $3 !~ /^Z/ { $1 = $3 = ""; printf "%s;", substr($0, 1, 80) }') &&
		[ -n "$left" ] && [ $i -lt 20 ]; do
		sleep 0.1
		i=$((i + 1))
	done
	[ -n "$left" ] || return 0
	kill -KILL "-$2" 2>/dev/null # dash's kill takes no "--"
	echo "FAIL $1: left processes running after it ended (now killed): $left"
}

# run_item NAME DEFAULT_LIMIT LOCKED CMD...: runs one unit binary, suite or
# the VM matrix, shows its output, and adds its verdicts (with those the
# runner derives) to the log.
run_item() {
	name=$1
	limit=$(record_of "$1" 3)
	limit=${limit:-$2}
	locked=$3
	shift 3
	out=$RESULTS/$(echo "$name" | tr / _)
	attempt=1
	while :; do
		t0=$(date +%s)
		rm -f "$out.pgid"
		if [ "$locked" = 1 ]; then
			# Suites fire host-wide uevents and count them exactly, so two test
			# runs on one host (two work trees, say) must not overlap. -o: the
			# suite does not hold the lock's descriptor, so a process it leaks
			# cannot keep every later suite waiting.
			flock -o "$LOCK" sh -c "$IN_GROUP" sh "$out.pgid" "$limit" "$@" >"$out.$attempt" 2>&1
		else
			sh -c "$IN_GROUP" sh "$out.pgid" "$limit" "$@" >"$out.$attempt" 2>&1
		fi
		# Into a file, not a pipe: a leaked process holding the pipe would
		# keep the runner waiting past the item's time limit.
		echo $? >"$out.rc"
		cat "$out.$attempt"
		echo "$name $(($(date +%s) - t0))" >>"$RESULTS/durations"
		{
			exit_verdict "$name" "$(cat "$out.rc")" "$limit"
			leftovers "$name" "$(cat "$out.pgid" 2>/dev/null)"
		} | tee "$out.exit$attempt"
		[ "$attempt" = 2 ] && break
		grep -q '^FAIL ' "$out.1" "$out.exit1" && [ "$RERUN" = 1 ] || break
		echo "RERUN $name: a check failed; running it once more to tell flaky from broken"
		attempt=2
	done
	verdicts "$out.1" >>"$log"
	cat "$out.exit1" >>"$log"
	skip_verdicts "$out.1" | tee -a "$log"
	if [ "$attempt" = 2 ]; then
		{
			flaky_verdicts "$out.1" "$out.exit1" "$out.2" "$out.exit2"
			# A crash or time-out that did not come again.
			[ -s "$out.exit1" ] && [ ! -s "$out.exit2" ] && sed 's/^FAIL /FLAKY /' "$out.exit1"
		} | tee -a "$log"
	fi
}

for t in "$BUILD"/tests/test_*; do
	[ -x "$t" ] || continue
	name=unit/${t##*/}
	run_item "$name" 120 0 "$t"
	count_verdict "$name" "$out.1" | tee -a "$log"
done
# The VM harness's own logic (KVM probe, fallback, stall detection), with a
# stand-in QEMU: no root, no kernel booted.
run_item vm-harness 120 0 sh "$here/vm/selftest.sh"
count_verdict vm-harness "$out.1" | tee -a "$log"
if [ $unit_only = 0 ]; then
	for t in "$here"/integration/${TESTS:-[0-9]*}.sh; do
		[ -f "$t" ] || continue
		name=integration/$(basename "$t" .sh)
		# Sourced so that reaching the end is exit 0 and anything else (a
		# syntax error, a signal, an explicit exit N) says so.
		# shellcheck disable=SC2016 # $0 is expanded by that sh
		run_item "$name" 300 1 sh -c '. "$0"; exit 0' "$t"
		count_verdict "$name" "$out.1" | tee -a "$log"
	done
	# --host-only: the unit tests and the suites (make soak), not make check
	# nor the VMs.
	[ $host_only = 1 ] && TESTS=host-only
	# make check: format, shellcheck, the analyzer, the sanitizer build with
	# its unit tests and smoke run, short fuzzing, the verifier budget. Not
	# locked here: its smoke run takes the lock itself.
	# shellcheck disable=SC2194,SC2254 # TESTS is a glob, matched against the word
	case check in ${TESTS:-*})
		run_item check 1500 0 make -s --no-print-directory OUTPUT="$BUILD" check
		count_verdict check "$out.1" | tee -a "$log"
		;;
	esac
	# Debian's own kernels under QEMU (tests/vm/): the attach tiers this
	# host's kernel may refuse. No lock: the VMs share nothing with the host.
	# Their own summary line is dropped; the one below counts everything.
	# The host's own counts (unit and integration) fill the table's host row.
	# shellcheck disable=SC2194,SC2254 # as above
	case vm in ${TESTS:-*})
		export HOST_PASSED HOST_FAILED
		HOST_PASSED=$(grep -c '^PASS ' "$log")
		HOST_FAILED=$(grep -c '^FAIL ' "$log")
		# shellcheck disable=SC2016 # $0 and $BUILD are expanded by that bash
		run_item vm 1200 0 bash -o pipefail -c \
			'"$0"/vm/run.sh "$BUILD" | grep -v "^[0-9]* passed, [0-9]* failed"' "$here"
		# The same boots as tests/vm/run.sh's defaults: each series, and without
		# BPF LSM those of VM_NOLSM_SERIES.
		for s in ${VM_KERNELS:-5.10 6.1 6.12 sid}; do
			count_verdict "vm-$s" "$out.1" "vm-$s: " | tee -a "$log"
			case " ${VM_NOLSM_SERIES:-6.1 6.12} " in *" $s "*) ;; *) continue ;; esac
			[ "${VM_NOLSM:-1}" = 1 ] &&
				count_verdict "vm-$s-nolsm" "$out.1" "vm-$s-nolsm: " | tee -a "$log"
		done
		;;
	esac
fi

if [ "$record" = 1 ]; then
	# Time limits: four times what this run took, at least 120 s (300 s for
	# a suite, 900 s for the VMs): these machines' speed drifts by tens of
	# percent, and a hang still ends. Items this run did not reach keep their lines.
	awk 'FILENAME == ARGV[1] { c[$1] = $2; next }
	     FILENAME == ARGV[2] { d[$1] = $2; next }
	     /^#/ { print; next }
	     { seen[$1] = 1; if ($1 in c || $1 in d) line($1, $2, $3); else print }
	     END { for (n in c) if (!(n in seen)) line(n, "-", "-")
		   for (n in d) if (!(n in seen) && !(n in c)) line(n, "-", "-") }
	     function line(n, oc, ol,   cnt, lim) {
		cnt = (n in c) ? c[n] : oc
		lim = ol
		if (n in d) { lim = d[n] * 4; m = n == "vm" ? 900 : n ~ /^integration\// ? 300 : 120; if (lim < m) lim = m }
		if (n ~ /^vm-[0-9]/) lim = "-"
		printf "%-40s %4s %5s\n", n, cnt, lim
	     }' "$RESULTS/counts" "$RESULTS/durations" "$RECORDS" >"$RECORDS.new" &&
		mv "$RECORDS.new" "$RECORDS"
	echo "recorded check counts and time limits in $RECORDS"
fi

passed=$(grep -c '^PASS ' "$log")
failed=$(grep -c '^FAIL ' "$log")
skipped=$(grep -c '^SKIP ' "$log")
flaky=$(grep -c '^FLAKY ' "$log")
if [ "$flaky" -gt 0 ]; then
	echo "flaky: $flaky failed check(s) passed on a second run; fix them, retrying is not a fix:"
	grep '^FLAKY ' "$log"
fi
if [ "$failed" -gt 0 ]; then
	echo "failed:"
	grep '^FAIL ' "$log"
	grep '^FAIL-IN-RERUN ' "$log"
fi
echo "$passed passed, $failed failed, $skipped skipped"
[ "$failed" -eq 0 ] && [ "$passed" -gt 0 ]
