# SPDX-License-Identifier: GPL-2.0
# The BPF verifier budget on Debian's kernels (sourced by vm-tests.sh, busybox sh): every
# program of every object loaded alone, its verified instruction count printed and compared
# with this kernel series' record, /uev/verifier-budget/SERIES.txt (tests/verifier-budget/ on
# the host). More than 25% over the record, a program gone or new, is a failure.
vb_series=$(uname -r | cut -d. -f1-2)
vb_record=/uev/verifier-budget/$vb_series.txt
timeout 600 "$H/verifier_budget" -c "$vb_record" >"$T/vb.out" 2>&1
vb_rc=$?
echo "--- verifier budget on $(uname -r) (exit $vb_rc; tests/verifier-budget/$vb_series.txt)"
cat "$T/vb.out"
echo "---"
if [ $vb_rc = 0 ]; then
	pass "verifier budget: every program within 25% of tests/verifier-budget/$vb_series.txt"
elif [ ! -f "$vb_record" ]; then
	fail "verifier budget: every program within 25% of tests/verifier-budget/$vb_series.txt" "no record for $vb_series: save the counts printed above as tests/verifier-budget/$vb_series.txt"
else
	fail "verifier budget: every program within 25% of tests/verifier-budget/$vb_series.txt" "$(grep -E '^(over|gone|new|changed):' "$T/vb.out" | tr '\n' ';')"
fi
