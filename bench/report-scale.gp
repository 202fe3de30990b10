# SPDX-License-Identifier: GPL-2.0
# bench/report-scale.sh's CSV as a PNG: per watcher (report -j 1, export --textfile), the rate
# ratio, the delivery program's cost, peak RSS and readout time against the number of listening
# network namespaces (log scale). gnuplot -e "csv='...'; png='...'; secs=6" bench/report-scale.gp
set terminal pngcairo size 1000,700 font ",10"
set output png
set datafile separator ","
set termoption noenhanced
set logscale x
set xrange [5:2000]
set grid
set key top left
set multiplot layout 2,2 title sprintf("uevscope report and export against listening namespaces (%d s floods, one run)", secs)
# Rows come in pairs per size, report then export: every 2::1 is report, every 2::2 export.
set xlabel "network namespaces, one listener each"
set ylabel "rate ratio (watcher / no watcher)"
set yrange [0:2]
plot csv every 2::1 using 1:($5) with linespoints pt 7 lw 2 lc 1 title "report -j 1", \
     csv every 2::2 using 1:($5) with linespoints pt 5 lw 2 lc 2 title "export --textfile", \
     csv every 2::1 using 1:($8) with linespoints pt 6 dt 2 lc 1 title "report, flood with churn", \
     csv every 2::2 using 1:($8) with linespoints pt 4 dt 2 lc 2 title "export, flood with churn"
set yrange [0:*]
set ylabel "delivery program, ns per run (flood without churn)"
plot csv every 2::1 using 1:($18) with linespoints pt 7 lw 2 title "report -j 1", \
     csv every 2::2 using 1:($18) with linespoints pt 5 lw 2 title "export --textfile"
set ylabel "peak RSS (MiB)"
set key bottom right
plot csv every 2::1 using 1:($14 / 1024) with linespoints pt 7 lw 2 title "report -j 1", \
     csv every 2::2 using 1:($14 / 1024) with linespoints pt 5 lw 2 title "export --textfile"
set ylabel "readout (ms): median, max dashed"
set key top left
plot csv every 2::1 using 1:($16) with linespoints pt 7 lw 2 lc 1 title "report -j 1", \
     csv every 2::1 using 1:($17) with lines dt 2 lc 1 notitle, \
     csv every 2::2 using 1:($16) with linespoints pt 5 lw 2 lc 2 title "export --textfile", \
     csv every 2::2 using 1:($17) with lines dt 2 lc 2 notitle
unset multiplot
