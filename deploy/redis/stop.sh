#!/usr/bin/env bash
#   deploy/redis/stop.sh <data-dir>
set -uo pipefail
dir="${1:?usage: stop.sh <data-dir>}"
[ -f "$dir/redis.pid" ] || exit 0
pid="$(cat "$dir/redis.pid")"; kill "$pid" 2>/dev/null
for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
rm -f "$dir/redis.pid"
