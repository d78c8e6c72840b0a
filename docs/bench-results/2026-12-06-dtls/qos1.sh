#!/bin/bash
# One QoS 1 run: $1 = plain|dtls; prints the bench's result line and the gateway's CPU seconds during it.
cd /work/main
GW=$(pgrep -f sngate-gateway.jar)
ticks() { awk '{print $14+$15}' /proc/$GW/stat; }
EXTRA=""
PORT=1883
if [ "$1" = dtls ]; then PORT=5684; EXTRA="--dtls --psk-identity bench-{n} --psk-file /tmp/dtlsbench/keys.csv"; fi
T0=$(ticks)
taskset -c 1 java -jar device-sim/target/sngate-sim.jar bench qos1 -h 127.0.0.1 -p $PORT --broker tcp://127.0.0.1:1884 --clients ${CLIENTS:-20} --duration 15 --no-ceiling $EXTRA > /tmp/dtlsbench/$1.txt 2>&1
T1=$(ticks)
echo "$1: $(grep '^qos1 ' /tmp/dtlsbench/$1.txt)  gateway-cpu-s=$(( (T1-T0) ))/100"
