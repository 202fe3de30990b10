#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# The verifier budget records as markdown tables: per program (--programs) or,
# by default, the largest program of each object, one column per kernel.
# usage: tests/verifier-budget/table.sh [--programs]
dir=$(dirname "$0")
mode=objects
[ "$1" = --programs ] && mode=programs
# Kernel series in version order: 6.1, 6.12, 6.18, ...
# shellcheck disable=SC2012 # our own record files, named SERIES.txt
files=$(ls "$dir"/*.txt | sort -V)
# shellcheck disable=SC2086 # $files is split into the file names on purpose
awk -v mode="$mode" '
	FNR == 1 { k = FILENAME; sub(/.*\//, "", k); sub(/\.txt$/, "", k); ks[++nk] = k }
	/^#/ { next }
	{
		key = mode == "programs" ? $1 " `" $2 "`" : $1
		if (!(key in seen)) { seen[key] = 1; order[++n] = key }
		if ($3 ~ /^[0-9]+$/ && (v[key, k] == "" || v[key, k] !~ /^[0-9]+$/ || $3 + 0 > v[key, k] + 0))
			v[key, k] = $3
		else if (v[key, k] == "")
			v[key, k] = $3
	}
	END {
		printf "| %s |", mode == "programs" ? "object | program" : "object"
		for (i = 1; i <= nk; i++) printf " %s |", ks[i]
		printf "\n| %s |", mode == "programs" ? "--- | ---" : "---"
		for (i = 1; i <= nk; i++) printf " ---: |"
		printf "\n"
		for (j = 1; j <= n; j++) {
			key = order[j]
			if (mode == "programs") { split(key, a, " "); printf "| %s | %s |", a[1], a[2] }
			else printf "| %s |", key
			for (i = 1; i <= nk; i++) printf " %s |", v[key, ks[i]] == "" ? "-" : v[key, ks[i]]
			printf "\n"
		}
	}' $files
