#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Runs the host suites (unit and integration, not the VMs) N times in a row
# and reports, per check, how many runs failed it: a check that fails even
# once in N is flaky and must be fixed by synchronisation or a derived
# tolerance, never by a longer sleep. No second runs here (RERUN=0): every
# failure counts. Results per round stay in BUILD/soak/ROUND/.
# usage: [TESTS=GLOB] tests/soak.sh BUILD_DIR N
BUILD=${1:-build}
N=${2:-10}
here=$(dirname "$0")
dir=$BUILD/soak
rm -rf "$dir"
mkdir -p "$dir"
i=1
while [ "$i" -le "$N" ]; do
	echo "=== soak round $i of $N ($(date +%T)) ==="
	TEST_RESULTS=$dir/$i RERUN=0 "$here"/run.sh --host-only "$BUILD" >"$dir/$i.out" 2>&1
	tail -1 "$dir/$i.out"
	grep '^FAIL ' "$dir/$i.out" | sort -u
	i=$((i + 1))
done

# A FAIL line is "FAIL suite: check: detail" and a PASS line "PASS suite:
# check": a failure belongs to the check whose PASS line (in any round)
# prefixes it; one that never passed is keyed by its first two fields.
cat "$dir"/*/verdicts | sed -n 's/^PASS //p' | sort -u >"$dir/checks"
cat "$dir"/*/verdicts | sed -n 's/^FAIL //p' >"$dir/fails"
echo
echo "checks that failed in any of $N rounds (failed runs, check):"
awk -v n="$N" 'FILENAME == ARGV[1] { pass[++np] = $0; next }
	{
		key = ""
		for (i = 1; i <= np; i++)
			if (index($0, pass[i] ": ") == 1 && length(pass[i]) > length(key))
				key = pass[i]
		if (key == "") { split($0, f, ": "); key = f[1] ": " f[2] }
		failed[key]++
	}
	END {
		for (k in failed) { printf "%3d/%d  %s\n", failed[k], n, k; bad = 1 }
		if (!bad) print "  none"
		exit bad
	}' "$dir/checks" "$dir/fails"
rc=$?
total=$(wc -l <"$dir/checks")
echo "soak: $N rounds, $total distinct checks, $(wc -l <"$dir/fails") failures"
exit $rc
