#!/usr/bin/env bash
# Waits until the broker started by start.sh logs "Kafka Server started".
#   deploy/kafka/ready.sh <data-dir> [timeout-seconds]
set -euo pipefail
dir="${1:?usage: ready.sh <data-dir> [timeout]}"
timeout="${2:-90}"
pid="$(cat "$dir/kafka.pid")"
for _ in $(seq 1 $((timeout * 5))); do
  if grep -q "Kafka Server started" "$dir/kafka.log" 2>/dev/null; then exit 0; fi
  if ! kill -0 "$pid" 2>/dev/null; then
    echo "tributary deploy: Kafka exited during start-up:" >&2; tail -30 "$dir/stdout.log" "$dir/kafka.log" >&2; exit 1
  fi
  sleep 0.2
done
echo "tributary deploy: Kafka not ready after ${timeout}s:" >&2; tail -30 "$dir/kafka.log" >&2; exit 1
