#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# make analyze: clang-tidy (configuration in .clang-tidy) over the user-space C that runs
# against real systems: user/ (wherever its files live below it), tests/helpers/,
# tests/fuzz/ and the benchmarks' loaders (bench/, not their BPF). tests/unit/ is left out:
# its CHECK macros return at the first failure and leak by design. Findings inside the
# bpftool-generated skeletons (OUTPUT/*.skel.h) are not ours and are dropped. Two files at a
# time (the machines have 2 cores). Prints every finding and "PASS check: analyze" or
# "FAIL check: analyze: N findings"; exit 1 on any.
# usage: tests/check/analyze.sh [OUTPUT]
OUTPUT=${1:-build}
cd "$(dirname "$0")/../.." || exit 2
out=$(mktemp)
trap 'rm -f "$out" "$out.err"' EXIT
if ! command -v clang-tidy >/dev/null; then
	echo "FAIL check: analyze: clang-tidy not installed (make test-deps installs it)"
	exit 1
fi
if ! ls "$OUTPUT"/*.skel.h >/dev/null 2>&1; then
	echo "FAIL check: analyze: no skeletons in $OUTPUT (run make first)"
	exit 1
fi
# The Makefile's include folders (UEV_CPPFLAGS): a command's own headers are found beside its
# files. Never one -I per folder: user/features/features.h would then stand in for glibc's
# <features.h>.
incs="-Iinclude -Iuser/lib -Iuser -Ibpf"
srcs() { find user tests/helpers tests/fuzz bench -name '*.c' ! -name '*.bpf.c' | sort; }
srcs | xargs -P2 -n4 sh -c 'clang-tidy -quiet "$@" -- -std=gnu11 -D_GNU_SOURCE '"$incs -I$OUTPUT -I$OUTPUT/bench"' -Itests/fuzz' _ \
		>"$out" 2>"$out.err"
# Keep the findings (and their notes) outside generated skeletons.
findings=$(grep -E '^[^ ]+:[0-9]+:[0-9]+: (warning|error):' "$out" | grep -v '\.skel\.h:' | sort -u)
errors=$(grep -E 'error:' "$out.err" | grep -v '^Error while trying to load a compilation database' | head -5)
if [ -n "$errors" ]; then
	echo "$errors"
	echo "FAIL check: analyze: clang-tidy could not analyze every file (above)"
	exit 1
fi
if [ -n "$findings" ]; then
	echo "$findings"
	echo "FAIL check: analyze: $(echo "$findings" | wc -l) findings (fix, or see .clang-tidy)"
	exit 1
fi
echo "PASS check: analyze ($(srcs | wc -l) files, clang-tidy)"
