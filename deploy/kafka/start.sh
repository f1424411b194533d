#!/usr/bin/env bash
# Starts a single-node KRaft Kafka broker (combined broker + controller) in the background.
#   deploy/kafka/start.sh <data-dir> <port> [host]
# The broker listens on <host>:<port> (default 127.0.0.1) and advertises that address; the
# controller listens on 127.0.0.1:<port>+1. Writes <data-dir>/kafka.pid and <data-dir>/kafka.log and
# returns once the log says "Kafka Server started" (or fails after 90 s with the log's tail).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
dir="${1:?usage: start.sh <data-dir> <port>}"
port="${2:?usage: start.sh <data-dir> <port>}"
host="${3:-127.0.0.1}"
cport=$((port + 1))
"$here/fetch.sh"
mkdir -p "$dir"
dir="$(cd "$dir" && pwd)"
cat > "$dir/server.properties" <<PROPS
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@127.0.0.1:$cport
listeners=PLAINTEXT://$host:$port,CONTROLLER://127.0.0.1:$cport
advertised.listeners=PLAINTEXT://$host:$port
controller.listener.names=CONTROLLER
listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT
inter.broker.listener.name=PLAINTEXT
PROPS
"$here/launch.sh" "$dir" "tributary-local-kafka1"
