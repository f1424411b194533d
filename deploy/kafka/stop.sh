#!/usr/bin/env bash
# Stops the broker started by start.sh (SIGTERM, then SIGKILL after 20 s).
#   deploy/kafka/stop.sh <data-dir>
set -uo pipefail
dir="${1:?usage: stop.sh <data-dir>}"
[ -f "$dir/kafka.pid" ] || exit 0
pid="$(cat "$dir/kafka.pid")"
kill "$pid" 2>/dev/null || exit 0
for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || { rm -f "$dir/kafka.pid"; exit 0; }; sleep 0.2; done
kill -9 "$pid" 2>/dev/null; rm -f "$dir/kafka.pid"
