#!/bin/bash
# One QoS 1 run of the gateway under the bench, with the Debian package's JVM profile or the
# default JVM: prints the bench's result line, the gateway's RSS at the end of the run (and the
# most it reached, sampled every second) and its CPU seconds.
#   run.sh profile|profile-xmx128|default CLIENTS   (profile-xmx128: the profile with a 128 MB heap)
#   EMBEDDED=1 run.sh ...: the package's default set-up instead, the embedded broker (HiveMQ CE,
#   in the gateway's JVM) on 127.0.0.1:21885 with its data in a fresh folder; no mosquitto.
# The gateway: transparent mode (the package's), mosquitto on 127.0.0.1:21884 (mosquitto.conf
# beside this script, started by the caller), UDP port 21883, pinned to core 0; the bench pinned
# to core 1; devices spread over 127.0.0.1-127.0.0.20 (the per-IP session cap is 1 000).
set -u
cd "$(dirname "$0")/../../.."
PROFILE="-Xms24m -Xmx64m -XX:+UseSerialGC -XX:MaxDirectMemorySize=32m -XX:ReservedCodeCacheSize=24m -XX:MaxMetaspaceSize=64m -Xss512k -XX:TrimNativeHeapInterval=30000 -XX:+ExitOnOutOfMemoryError"
LOAD0=$(cut -d" " -f1-3 /proc/loadavg)
WHICH=$1; N=$2; OUT=${OUT:-/tmp/pibench}; mkdir -p "$OUT"
ulimit -n 20000
case $WHICH in
  profile) JOPTS=$PROFILE; ARENAS=2;;
  profile-xmx128) JOPTS=${PROFILE/-Xmx64m/-Xmx128m}; ARENAS=2;;
  *) JOPTS=""; ARENAS="";;
esac
BROKER=tcp://127.0.0.1:21884; GWARGS="--broker $BROKER"
if [ "${EMBEDDED:-0}" = 1 ]; then
  BROKER=tcp://127.0.0.1:21885; WHICH=$WHICH-embedded
  rm -rf "$OUT/broker-data"; mkdir -p "$OUT/broker-data"
  printf 'broker:\n  embedded-port: 21885\n  embedded-data-dir: "%s"\n' "$OUT/broker-data" > "$OUT/embedded.yaml"
  GWARGS="--config $OUT/embedded.yaml"
fi
env ${ARENAS:+MALLOC_ARENA_MAX=$ARENAS} SNGATE_LOG_LEVEL=WARN taskset -c 0 java $JOPTS -jar gateway/target/sngate-gateway.jar \
    --port 21883 $GWARGS --advertise 0 > "$OUT/gw-$WHICH-$N.out" 2> "$OUT/gw-$WHICH-$N.err" &
GW=$!
for _ in $(seq 150); do grep -qs "ready" "$OUT/gw-$WHICH-$N.out" && break; sleep 0.2; done
PEAK=0
( while kill -0 $GW 2>/dev/null; do r=$(ps -o rss= -p $GW); [ -n "$r" ] && echo "$r"; sleep 1; done ) > "$OUT/rss-$WHICH-$N.txt" &
SAMPLER=$!
T0=$(awk '{print $14+$15}' /proc/$GW/stat)
taskset -c 1 java -jar device-sim/target/sngate-sim.jar bench qos1 -h 127.0.0.1 -p 21883 --broker $BROKER \
    --clients "$N" --duration 20 --no-ceiling --source 127.0.0.1-127.0.0.20 > "$OUT/bench-$WHICH-$N.txt" 2>&1
END_RSS=$(ps -o rss= -p $GW)
T1=$(awk '{print $14+$15}' /proc/$GW/stat)
kill $GW; wait $GW 2>/dev/null; kill $SAMPLER 2>/dev/null; wait $SAMPLER 2>/dev/null
PEAK=$(sort -n "$OUT/rss-$WHICH-$N.txt" | tail -1)
echo "$WHICH clients=$N $(grep '^qos1 ' "$OUT/bench-$WHICH-$N.txt" | awk '{print "sent="$3" lost="$6" rcvd/s="$10" p99ms="$12}') rss_end_kb=$END_RSS rss_peak_kb=$PEAK gw_cpu_s=$(( (T1-T0)/100 )) load_before=\"$LOAD0\" load_after=\"$(cut -d" " -f1-3 /proc/loadavg)\""
