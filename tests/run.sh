#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Test runner: unit tests (no root), then integration tests (root, real
# kernel, real namespaces, real uevents). Every test prints one line
# PASS/FAIL/SKIP; the last line of the run is "N passed, N failed, N skipped".
# Then, unless TESTS leaves out "vm", Debian's kernels under QEMU (tests/vm/).
# usage: [TESTS=GLOB] tests/run.sh [--unit-only] BUILD_DIR
unit_only=0
if [ "$1" = "--unit-only" ]; then
	unit_only=1
	shift
fi
BUILD=${1:-build}
export BUILD
here=$(dirname "$0")
log=$(mktemp)
trap 'rm -f "$log"' EXIT

for t in "$BUILD"/tests/test_*; do
	[ -x "$t" ] || continue
	"$t" 2>&1 | tee -a "$log"
done
if [ $unit_only = 0 ]; then
	# Suites fire host-wide uevents and count them exactly, so two test runs
	# on one host (two work trees, say) must not overlap: hold a host-wide
	# lock per suite. TESTS=GLOB picks suites by file name.
	for t in "$here"/integration/${TESTS:-*}.sh; do
		[ -f "$t" ] || continue
		flock /run/lock/uevscope-tests.lock sh "$t" 2>&1 | tee -a "$log"
	done
	# Debian's own kernels under QEMU (tests/vm/): the attach tiers this
	# host's kernel may refuse. No lock: the VMs share nothing with the host.
	# Their own summary line is dropped; the one below counts everything.
	# The host's own counts (unit and integration) fill the table's host row.
	# shellcheck disable=SC2194,SC2254 # does the glob TESTS pick "vm"?
	case vm in ${TESTS:-*})
		HOST_PASSED=$(grep -c '^PASS ' "$log") HOST_FAILED=$(grep -c '^FAIL ' "$log") \
			"$here"/vm/run.sh "$BUILD" 2>&1 | grep -v '^[0-9]* passed, [0-9]* failed' | tee -a "$log"
		;;
	esac
fi
passed=$(grep -c '^PASS ' "$log")
failed=$(grep -c '^FAIL ' "$log")
skipped=$(grep -c '^SKIP ' "$log")
echo "$passed passed, $failed failed, $skipped skipped"
[ "$failed" -eq 0 ] && [ "$passed" -gt 0 ]
