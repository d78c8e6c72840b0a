#!/bin/bash
# Starts mosquitto (1884) and the gateway (UDP 1883, DTLS 5684) pinned to core 0; prints the gateway pid.
cd /work/main
pkill -f sngate-gateway.jar; pkill -f "mosquitto -c /tmp/dtlsbench"; sleep 0.5
mosquitto -c /tmp/dtlsbench/mosquitto.conf > /tmp/dtlsbench/mosquitto.log 2>&1 &
sleep 0.5
SNGATE_LOG_LEVEL=WARN taskset -c 0 java $GW_OPTS -jar gateway/target/sngate-gateway.jar --config /tmp/dtlsbench/gateway.yaml > /tmp/dtlsbench/gateway.out 2> /tmp/dtlsbench/gateway.err &
for i in $(seq 1 100); do grep -q "ready" /tmp/dtlsbench/gateway.out && break; sleep 0.2; done
cat /tmp/dtlsbench/gateway.out
pgrep -f sngate-gateway.jar
