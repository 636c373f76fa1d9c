# gnuplot -e "in='bench/results/compare.dat'; out='bench/results/compare.png'" bench/plot.gp
set terminal pngcairo size 900,560 font ",11"
set output out
set title "Building a fat-tree: time against size (one run, this machine)"
set xlabel "namespaces (k = 4, 8, 16)"
set ylabel "build time, seconds"
set logscale xy
set key top left
set grid
plot in using 1:($4 > 0 ? $4 : 1/0) with linespoints lw 2 title "one ip process per operation", \
     in using 1:3 with linespoints lw 2 title "ip -batch (one process per namespace)", \
     in using 1:2 with linespoints lw 2 title "nsrun"
