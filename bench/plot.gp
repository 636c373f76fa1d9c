# gnuplot -e "in='bench/results/compare.dat'; out='bench/results/compare.png'" bench/plot.gp
# columns of compare.dat: nsrun's namespaces, then seconds for nsrun, ip -batch,
# one ip per operation, Mininet, Mininet stopped at its budget (-1: none)
set terminal pngcairo size 900,560 font ",11"
set output out
set title "Building a fat-tree: time against size (median of runs, this machine)"
set xlabel "size: namespaces of nsrun's fat-tree (k = 4, 8, 16)"
set ylabel "build time, seconds"
set logscale xy
set key top left
set grid
plot in using 1:($4 > 0 ? $4 : 1/0) with linespoints lw 2 title "one ip process per operation", \
     in using 1:3 with linespoints lw 2 title "ip -batch (one process per namespace)", \
     in using 1:2 with linespoints lw 2 title "nsrun", \
     in using 1:($5 > 0 ? $5 : 1/0) with linespoints lw 2 title "Mininet (Linux bridges, no controller)", \
     in using 1:($6 > 0 ? $6 : 1/0) with points pt 9 ps 2 lc 4 title "Mininet: stopped at its time budget"
