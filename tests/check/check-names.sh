#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# make check's name lint (issue 20): a check's PASS, FAIL and SKIP lines carry the same name,
# so that the runner's rerun can tell a flaky check from a broken one (docs/tests.md).
# First the lint must find every mismatch of its fixture, at the lines the fixture lists
# (so that it cannot pass by finding nothing), then none in the suites and VM parts.
# Prints "PASS check: names" or "FAIL check: names: why"; exit 1 on a failure.
cd "$(dirname "$0")/../.." || exit 2
lint=tests/check/check-names.py
fixture=tests/check/names-fixture.txt
if ! command -v python3 >/dev/null; then
	echo "FAIL check: names: python3 not installed (make test-deps installs it)"
	exit 1
fi
want=$(sed -n 's/^# expect: //p' "$fixture")
out=$(python3 "$lint" "$fixture" 2>&1)
rc=$?
got=$(echo "$out" | sed -n "s|^$fixture:\([0-9]*\): .* name differs from .*|\1|p" | tr '\n' ' ')
if [ $rc != 1 ] || [ "$got" != "$want " ]; then
	echo "$out"
	echo "FAIL check: names: the lint does not find its fixture's mismatches:" \
		"exit $rc, lines [$got], want exit 1, lines [$want ]"
	exit 1
fi
out=$(python3 "$lint" 2>&1)
rc=$?
pairs=$(echo "$out" | sed -n 's/^check-names: .* files, \([0-9]*\) pairs .*/\1/p')
if [ $rc != 0 ]; then
	echo "$out"
	n=$(echo "$out" | grep -c ' name differs from ')
	echo "FAIL check: names: $n checks whose PASS, FAIL or SKIP names differ (exit $rc)"
	exit 1
elif [ "${pairs:-0}" = 0 ]; then
	echo "$out"
	echo "FAIL check: names: the lint compared no PASS with its FAIL or SKIP in the suites"
	exit 1
fi
echo "PASS check: names ($pairs pairs alike; the fixture's $(echo "$want" | wc -w) mismatches found)"
