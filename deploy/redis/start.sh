#!/usr/bin/env bash
# Starts a private redis-server (never the one on 6379) in the background, no persistence.
#   deploy/redis/start.sh <data-dir> <port> [host]
# Listens on 127.0.0.1 and, when given, also on <host>.
set -euo pipefail
dir="${1:?usage: start.sh <data-dir> <port>}"
port="${2:?usage: start.sh <data-dir> <port>}"
host="${3:-127.0.0.1}"
command -v redis-server >/dev/null 2>&1 || { echo "tributary deploy: redis-server is required; install it (e.g. apt-get install redis-server)" >&2; exit 3; }
mkdir -p "$dir"; dir="$(cd "$dir" && pwd)"
bind=(127.0.0.1); [ "$host" = 127.0.0.1 ] || bind+=("$host")
redis-server --port "$port" --bind "${bind[@]}" --protected-mode no --save "" --appendonly no --dir "$dir" \
  --daemonize yes --pidfile "$dir/redis.pid" --logfile "$dir/redis.log"
for _ in $(seq 1 100); do
  redis-cli -p "$port" ping 2>/dev/null | grep -q PONG && exit 0; sleep 0.1
done
echo "tributary deploy: redis-server did not answer on port $port:" >&2; tail -20 "$dir/redis.log" >&2; exit 1
