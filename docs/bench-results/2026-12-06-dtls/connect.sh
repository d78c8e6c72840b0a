#!/bin/bash
# A connect storm: $1 = plain|psk|cert, $2 = clients; prints the result and the gateway's CPU seconds.
cd /work/main
GW=$(pgrep -f sngate-gateway.jar)
ticks() { awk '{print $14+$15}' /proc/$GW/stat; }
case $1 in
  plain) ARGS="-p 1883";;
  psk) ARGS="-p 5684 --dtls --psk-identity bench-{n} --psk-file /tmp/dtlsbench/keys.csv";;
  cert) ARGS="-p 5684 --dtls --cafile /tmp/dtlsbench/ca.pem";;
esac
T0=$(ticks)
taskset -c 1 java -jar device-sim/target/sngate-sim.jar bench connect -h 127.0.0.1 $ARGS --broker tcp://127.0.0.1:1884 --clients $2 --no-ceiling ${EXTRA} > /tmp/dtlsbench/connect-$1.txt 2>&1
T1=$(ticks)
echo "$1 $2: $(grep -A1 '^clients' /tmp/dtlsbench/connect-$1.txt | tail -1)  gateway-cpu-s=$(( T1-T0 ))/100"
