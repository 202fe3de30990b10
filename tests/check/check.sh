#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# make check: format, shellcheck, the check-name lint, the analyzer, the sanitizer build with
# its unit tests and smoke run, short fuzzing and the BPF verifier budget. One "PASS check: NAME" or
# "FAIL check: NAME: why" line per check (the test runner's format), details of a failure
# indented below it; exit 1 on any FAIL. The smoke run and the budget need root; the smoke
# run fires uevents, so it holds the tests' host-wide lock.
# usage: OUTPUT=build ASAN_OUT=build/asan FUZZ_SECONDS=30 MAKE=make tests/check/check.sh
OUTPUT=${OUTPUT:-build}
ASAN_OUT=${ASAN_OUT:-build/asan}
FUZZ_SECONDS=${FUZZ_SECONDS:-30}
MAKE=${MAKE:-make}
LOCK=/run/lock/uevscope-tests.lock
cd "$(dirname "$0")/../.." || exit 2
log=$(mktemp)
lines=$(mktemp)
trap 'rm -f "$log" "$lines"' EXIT
start=$(date +%s)

# say LINE: one result line, kept for the summary.
say() {
	echo "$1" | tee -a "$lines"
}

# detail FILE: the last lines of a log, indented.
detail() {
	tail -n "${2:-30}" "$1" | sed 's/^/    /'
}

# own NAME CMD...: a step that prints its own PASS/FAIL check lines; its other output is shown
# only when it failed.
own() {
	name=$1
	shift
	"$@" >"$log" 2>&1
	st=$?
	grep -E '^(PASS|FAIL) check: ' "$log" | tee -a "$lines"
	if [ $st != 0 ]; then
		grep -vE '^(PASS|FAIL) check: ' "$log" | head -60 | sed 's/^/    /'
		grep -q '^FAIL check: ' "$log" || say "FAIL check: $name: exit $st"
	elif ! grep -q '^PASS check: ' "$log"; then
		say "FAIL check: $name: printed no result"
	fi
}

if $MAKE -s --no-print-directory check-format >"$log" 2>&1; then
	say "PASS check: format"
else
	say "FAIL check: format: clang-format would change $(grep -c 'error:' "$log") places (make format)"
	detail "$log" 10
fi

own shellcheck tests/check/shellcheck.sh
own names tests/check/check-names.sh
own analyze "$MAKE" -s --no-print-directory analyze

asan_ok=0
if $MAKE -s --no-print-directory asan >"$log" 2>&1; then
	asan_ok=1
	say "PASS check: asan-build ($ASAN_OUT)"
else
	say "FAIL check: asan-build: make asan failed"
	detail "$log"
fi

if [ $asan_ok = 1 ]; then
	# Unit tests under ASan + UBSan: any report, a crash or a FAIL line fails the binary.
	bad=""
	n=0
	passed=0
	for t in "$ASAN_OUT"/tests/test_*; do
		[ -x "$t" ] || continue
		n=$((n + 1))
		ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 \
			UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 "$t" >"$log" 2>&1
		st=$?
		passed=$((passed + $(grep -c '^PASS ' "$log")))
		if [ $st != 0 ] || grep -q '^FAIL ' "$log"; then
			why=$(grep -m1 -E 'ERROR: (Address|Leak)Sanitizer|runtime error:|^FAIL ' "$log")
			bad="$bad $(basename "$t") (exit $st${why:+: $why});"
			detail "$log" 25
		fi
	done
	if [ $n = 0 ]; then
		say "FAIL check: asan-unit: no unit test in $ASAN_OUT/tests"
	elif [ -n "$bad" ]; then
		say "FAIL check: asan-unit:$bad"
	else
		say "PASS check: asan-unit ($n binaries, $passed checks)"
	fi
	own asan-smoke flock "$LOCK" tests/check/asan-smoke.sh "$ASAN_OUT" "$OUTPUT"
	names=$(for f in tests/fuzz/fuzz_*.c; do basename "$f" .c | sed 's/^fuzz_//'; done)
	# shellcheck disable=SC2086 # one word per target name
	own fuzz tests/fuzz/run.sh "$ASAN_OUT/fuzz" "$FUZZ_SECONDS" $names
fi

series=$(uname -r | cut -d. -f1-2)
if [ "$(id -u)" != 0 ]; then
	say "FAIL check: verifier-budget: needs root (loads BPF programs)"
elif [ ! -f "tests/verifier-budget/$series.txt" ]; then
	say "FAIL check: verifier-budget: no record for kernel series $series: make verifier-budget writes tests/verifier-budget/$series.txt"
elif "$OUTPUT/tests/verifier_budget" -c "tests/verifier-budget/$series.txt" >"$log" 2>&1; then
	say "PASS check: verifier-budget (tests/verifier-budget/$series.txt)"
else
	say "FAIL check: verifier-budget: $(grep -E '^(over|gone|new|changed|update|verifier_budget:)' "$log" | head -4 | tr '\n' ';')"
fi

passed=$(grep -c '^PASS check: ' "$lines")
failed=$(grep -c '^FAIL check: ' "$lines")
echo "check: $passed passed, $failed failed in $(($(date +%s) - start)) s"
[ "$failed" = 0 ]
