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
mkdir -p "$dir/data"
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
log.dirs=$dir/data
num.partitions=1
offsets.topic.replication.factor=1
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
group.initial.rebalance.delay.ms=0
auto.create.topics.enable=false
log.retention.hours=-1
PROPS
cat > "$dir/log4j.properties" <<PROPS
log4j.rootLogger=INFO, file
log4j.appender.file=org.apache.log4j.FileAppender
log4j.appender.file.File=$dir/kafka.log
log4j.appender.file.layout=org.apache.log4j.PatternLayout
log4j.appender.file.layout.ConversionPattern=[%d] %p %m (%c)%n
log4j.logger.kafka=INFO
log4j.logger.org.apache.kafka=WARN
log4j.logger.state.change.logger=WARN
log4j.logger.kafka.server.KafkaServer=INFO
log4j.logger.kafka.server.BrokerServer=INFO
PROPS
cp="$here/jars/*"
jvm=(-Xms256m -Xmx768m -XX:+UseG1GC -Djava.awt.headless=true "-Dlog4j.configuration=file:$dir/log4j.properties")
if [ ! -f "$dir/data/meta.properties" ]; then
  java "${jvm[@]}" -cp "$cp" kafka.tools.StorageTool format -t "tributary-local-kafka1" -c "$dir/server.properties" > "$dir/format.log" 2>&1 \
    || { echo "tributary deploy: formatting Kafka storage failed:" >&2; tail -20 "$dir/format.log" >&2; exit 1; }
fi
: > "$dir/kafka.log"
nohup java "${jvm[@]}" -cp "$cp" kafka.Kafka "$dir/server.properties" > "$dir/stdout.log" 2>&1 &
echo $! > "$dir/kafka.pid"
"$here/ready.sh" "$dir" 90
