#!/bin/bash
# Heap after a full GC in a fresh gateway: with no clients, then with $2 idle clients of kind $1 (plain|psk).
/tmp/dtlsbench/run.sh > /dev/null
cd /work/main
GW=$(pgrep -f sngate-gateway.jar)
used() { jcmd $GW GC.run > /dev/null; sleep 1; jcmd $GW GC.heap_info | grep 'generation' | grep -o 'used [0-9]*K' | grep -o '[0-9]*' | paste -sd+ | bc; }
B=$(used); BR=$(ps -o rss= -p $GW)
case $1 in
  plain) ARGS="-p 1883";;
  psk) ARGS="-p 5684 --dtls --psk-identity bench-{n} --psk-file /tmp/dtlsbench/keys.csv";;
esac
taskset -c 1 java -jar device-sim/target/sngate-sim.jar bench connect -h 127.0.0.1 $ARGS --broker tcp://127.0.0.1:1884 --clients $2 --rate 500 --hold 60 --no-ceiling > /tmp/dtlsbench/idle-$1.txt 2>&1 &
BENCH=$!
for i in $(seq 1 120); do grep -q "holding" /tmp/dtlsbench/idle-$1.txt && break; sleep 0.5; done
sleep 3
U=$(used); UR=$(ps -o rss= -p $GW)
echo "$1 $2 clients: heap ${B}K -> ${U}K: $(( (U-B)*1024/$2 )) bytes per client; RSS ${BR}K -> ${UR}K: $(( (UR-BR)*1024/$2 )) bytes per client"
kill $BENCH 2>/dev/null; wait $BENCH 2>/dev/null
