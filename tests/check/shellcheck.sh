#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# make shellcheck: every shell script of the tests, the VM and the benchmarks, zero findings.
# Settings in .shellcheckrc; single exceptions are `# shellcheck disable=SCxxxx` with a reason
# beside them. Prints the findings and "PASS check: shellcheck" or "FAIL check: shellcheck: N
# findings"; exit 1 on any.
cd "$(dirname "$0")/../.." || exit 2
if ! command -v shellcheck >/dev/null; then
	echo "FAIL check: shellcheck: shellcheck not installed (make test-deps installs it)"
	exit 1
fi
# Every *.sh and *.inc below tests/ and bench/, the VM's /init, and any other script that
# starts with a shell's #! line outside the build folders.
files=$({
	find tests bench -name '*.sh' -o -name '*.inc'
	echo tests/vm/init
	grep -rlE '^#!(/usr)?/bin/(env )?(ba|da)?sh' --exclude-dir=build --exclude-dir=.git . |
		sed 's|^\./||'
} | sort -u)
# shellcheck disable=SC2086 # the file names have no blanks: split on purpose
out=$(shellcheck -f gcc $files 2>&1)
if [ -n "$out" ]; then
	echo "$out"
	echo "FAIL check: shellcheck: $(echo "$out" | grep -c ': \(error\|warning\|note\|info\|style\)') findings"
	exit 1
fi
echo "PASS check: shellcheck ($(echo "$files" | wc -l) files)"
