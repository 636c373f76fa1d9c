# gnuplot -e "dir='bench/results'; k='16'" bench/scale.gp   (bench/scale.sh runs it)
# scale.dat: namespaces, whole run ms per namespace, build ms per namespace, kernel MiB
# scale-overlap.dat, scale-await.dat, scale-wait.dat: seconds, kernel MiB in use (every 0.2 s)
set terminal pngcairo size 1200,520 font ",11"
set output dir.'/scale.png'
set multiplot layout 1,2
set title "Fat-trees of growing k: cost per namespace"
set xlabel "namespaces"
set ylabel "milliseconds per namespace"
set logscale x
set yrange [0:*]
set key top left
set grid
plot dir.'/scale.dat' using 1:2 with linespoints lw 2 title "whole run (build, address, route, check, destroy)", \
     dir.'/scale.dat' using 1:3 with linespoints lw 2 title "build"
unset logscale x
set title "Five k = ".k." builds and destroys: kernel memory in use"
set xlabel "seconds from the first build"
set ylabel "MiB (MemAvailable below its start)"
plot dir.'/scale-overlap.dat' using 1:2 with lines lw 2 title "back to back (freeing overlaps the next build)", \
     dir.'/scale-await.dat' using 1:2 with lines lw 2 title "back to back, destroy waits for the kernel (--wait)", \
     dir.'/scale-wait.dat' using 1:2 with lines lw 2 title "each build once the kernel has freed the last"
unset multiplot
