#!/usr/bin/env bash
# Starts a private redis-server (never the one on 6379) in the background, no persistence.
#   deploy/redis/start.sh <data-dir> <port>
set -euo pipefail
dir="${1:?usage: start.sh <data-dir> <port>}"
port="${2:?usage: start.sh <data-dir> <port>}"
command -v redis-server >/dev/null 2>&1 || { echo "tributary deploy: redis-server is required; install it (e.g. apt-get install redis-server)" >&2; exit 3; }
mkdir -p "$dir"; dir="$(cd "$dir" && pwd)"
redis-server --port "$port" --bind 127.0.0.1 --save "" --appendonly no --dir "$dir" \
  --daemonize yes --pidfile "$dir/redis.pid" --logfile "$dir/redis.log"
for _ in $(seq 1 100); do
  redis-cli -p "$port" ping 2>/dev/null | grep -q PONG && exit 0; sleep 0.1
done
echo "tributary deploy: redis-server did not answer on port $port:" >&2; tail -20 "$dir/redis.log" >&2; exit 1
