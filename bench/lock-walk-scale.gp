# SPDX-License-Identifier: GPL-2.0
# bench/lock-walk-scale.sh's CSV as a PNG: the walk measured (and its on-CPU
# part) against listening namespaces, beside the three predictions from the
# calibration size. gnuplot -e "csv='...'; png='...'; tol=0.2; last=6" bench/lock-walk-scale.gp
# (last: the rows of sizes; the row after them repeats the first size)
set terminal pngcairo size 900,560 font ",10"
set output png
set datafile separator ","
set key top left
set grid
set termoption noenhanced
set xlabel "listening network namespaces (walk size)"
set ylabel "uevent_sock_mutex held per uevent for its walk (us)"
set title sprintf("uevscope locks: broadcast walk, measured and predicted (tolerance %.0f%%)", tol * 100)
# Rows 1..last are the sizes; the row after them repeats the first size.
plot csv every ::1::last using 1:(column(15) / 1000 * (1 + tol)):(column(15) / 1000 * (1 - tol)) \
	with filledcurves fillcolor rgb "#dde8f5" title "asleep +- tolerance", \
     csv every ::1::last using 1:($5 / 1000) with linespoints pt 7 lw 2 lc rgb "#c0392b" title "measured walk", \
     csv every ::(last + 1)::(last + 1) using 1:($5 / 1000) with points pt 9 ps 1.5 lc rgb "#c0392b" title "measured walk, calibration repeat", \
     csv every ::1::last using 1:($6 / 1000) with points pt 6 lc rgb "#e67e22" title "measured, on CPU", \
     csv every ::1::last using 1:($13 / 1000) with lines dt 2 lw 2 lc rgb "#7f8c8d" title "linear from the first size (the model before)", \
     csv every ::1::last using 1:($14 / 1000) with lines lw 2 lc rgb "#2980b9" title "as now (b + f w, from the calibration size)", \
     csv every ::1::last using 1:($15 / 1000) with lines lw 2 lc rgb "#27ae60" title "listeners asleep (b + w, from the calibration size)"
