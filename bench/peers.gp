# SPDX-License-Identifier: GPL-2.0
# bench/peers.sh's CSV as a PNG: per watcher, the uevent rate with it running as a ratio of the
# rate with none (median bar, min-max of the rounds), and the deliveries it captured out of
# those the listener received. Only the CSV's `median` rows are drawn, from line first on (the
# header is line 0, then a row per watcher per round).
# gnuplot -e "csv='bench/results/peers.csv'; png='bench/results/peers.png'; secs=5; rounds=3; first=19" bench/peers.gp
set terminal pngcairo size 1100,520 font ",10"
set output png
set datafile separator ","
set termoption noenhanced
set style fill solid 0.85 border -1
set boxwidth 0.6
set grid ytics
set xtics rotate by 25 right nomirror
set key off
set offsets 0.6, 0.6, 0, 0
set lmargin 12
label(w) = w eq "trace" ? "uevscope trace -j" : w eq "report" ? "uevscope report -j 1" : \
	w eq "export" ? "uevscope export" : w eq "record" ? "uevscope record" : \
	w eq "bpftrace" ? "bpftrace one-liner" : "udevadm monitor -k -p"
colour(w) = (w eq "bpftrace" || w eq "udevadm") ? 0x95a5a6 : 0x2980b9
set multiplot layout 1,2 title sprintf("uevscope beside its peers: %d s at the full uevent rate, %d round(s), one pinned listener", secs, rounds)
set title "uevent rate with the watcher / without (median, min-max)"
set yrange [0:1.3]
set ytics 0.1
plot csv every ::first using 0:5:(colour(strcol(2))):xtic(label(strcol(2))) with boxes lc rgb variable, \
     csv every ::first using 0:5:6:7 with yerrorbars lc rgb "black" ps 0, \
     csv every ::first using 0:(0.04):(sprintf("%.2f", $5)) with labels textcolor rgb "white"
set title "deliveries captured / received by the listener (%)"
set yrange [0:115]
set ytics 10
set boxwidth 0.36
set key below horizontal
# Captured with the uevent's text: not for the counters (no_payload "-").
pct(c) = column(c) / column(8) * 100
payload(x) = strcol(10) eq "-" ? NaN : (column(9) - column(10)) / column(8) * 100
plot csv every ::first using ($0 - 0.19):(pct(9)):(colour(strcol(2))):xtic(label(strcol(2))) with boxes lc rgb variable title "captured or counted", \
     csv every ::first using ($0 + 0.19):(payload(0)) with boxes fs pattern 4 lc rgb "#34495e" title "with the uevent's text", \
     csv every ::first using ($0 - 0.19):(pct(9) + 2):(sprintf("%.2f", pct(9))) with labels font ",8" rotate by 90 left notitle, \
     csv every ::first using ($0 + 0.19):(payload(0) + 2):(sprintf("%.2f", payload(0))) with labels font ",8" rotate by 90 left notitle
unset multiplot
