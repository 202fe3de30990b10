#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Runs each libFuzzer target SECONDS from its seed corpus tests/fuzz/corpus/NAME, which stays
# read only: new inputs go to FUZZ_DIR/corpus/NAME, a crash to FUZZ_DIR/crash-NAME-*. Prints
# "PASS check: fuzz-NAME" or "FAIL check: fuzz-NAME: why" per target; exit 1 on any FAIL.
# A crash is kept by copying its file into tests/fuzz/corpus/NAME/ once fixed.
# FUZZ_JOBS targets run at once (default 2: the machines have 2 cores).
# usage: [FUZZ_JOBS=N] tests/fuzz/run.sh FUZZ_DIR SECONDS NAME...
FUZZ_DIR=$1
SECONDS_EACH=$2
shift 2
here=$(cd "$(dirname "$0")" && pwd)
jobs=${FUZZ_JOBS:-2}

# run_one NAME: fuzzes one target; its result line in FUZZ_DIR/fuzz_NAME.result.
run_one() {
	name=$1
	bin=$FUZZ_DIR/fuzz_$name
	work=$FUZZ_DIR/corpus/$name
	log=$FUZZ_DIR/fuzz_$name.log
	res=$FUZZ_DIR/fuzz_$name.result
	mkdir -p "$work"
	if [ ! -x "$bin" ]; then
		echo "FAIL check: fuzz-$name: $bin not built (make asan)" >"$res"
		return
	fi
	# Leaks are found too (ASan's default); -max_len covers the 4 KiB uevent payloads.
	"$bin" -max_total_time="$SECONDS_EACH" -max_len=4096 -timeout=10 -rss_limit_mb=2048 \
		-print_final_stats=1 -artifact_prefix="$FUZZ_DIR/crash-$name-" \
		"$work" "$here/corpus/$name" >"$log" 2>&1
	st=$?
	runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")
	if [ $st = 0 ]; then
		echo "PASS check: fuzz-$name (${runs:-?} runs in ${SECONDS_EACH}s)" >"$res"
	else
		why=$(grep -m1 -E 'ERROR: (AddressSanitizer|LeakSanitizer|libFuzzer)|runtime error|deadly signal' "$log")
		art=$(sed -n 's/.*Test unit written to \(.*\)$/\1/p' "$log" | head -1)
		echo "FAIL check: fuzz-$name: exit $st: ${why:-see $log}; input ${art:-none} (log $log)" >"$res"
	fi
}

mkdir -p "$FUZZ_DIR"
n=0
for name in "$@"; do
	rm -f "$FUZZ_DIR/fuzz_$name.result"
	run_one "$name" &
	n=$((n + 1))
	[ $((n % jobs)) = 0 ] && wait
done
wait
rc=0
for name in "$@"; do
	res=$FUZZ_DIR/fuzz_$name.result
	if [ -s "$res" ]; then
		cat "$res"
	else
		echo "FAIL check: fuzz-$name: no result (killed?)"
	fi
	grep -q '^PASS' "$res" 2>/dev/null || rc=1
done
exit $rc
