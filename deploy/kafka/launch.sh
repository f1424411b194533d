#!/usr/bin/env bash
# Formats (once) and starts a single-node KRaft broker whose listeners are already written, then
# waits for it; the common half of start.sh and start-secure.sh.
#   deploy/kafka/launch.sh <data-dir> <cluster-id> [extra StorageTool format arguments...]
# <data-dir>/server.properties must hold the node's roles, listeners and security settings; this
# appends the settings every Tributary broker shares (one replica, no topic auto-creation, logs
# kept forever), writes log4j.properties, and starts kafka.Kafka in the background. Writes
# <data-dir>/kafka.pid and <data-dir>/kafka.log and returns once the log says "Kafka Server started"
# (or fails after 90 s with the log's tail).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
dir="$(cd "${1:?usage: launch.sh <data-dir> <cluster-id> [format args...]}" && pwd)"
cluster_id="${2:?usage: launch.sh <data-dir> <cluster-id> [format args...]}"
shift 2
mkdir -p "$dir/data"
cat >> "$dir/server.properties" <<PROPS
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
  java "${jvm[@]}" -cp "$cp" kafka.tools.StorageTool format -t "$cluster_id" -c "$dir/server.properties" "$@" > "$dir/format.log" 2>&1 \
    || { echo "tributary deploy: formatting Kafka storage failed:" >&2; tail -20 "$dir/format.log" >&2; exit 1; }
fi
: > "$dir/kafka.log"
nohup java "${jvm[@]}" -cp "$cp" kafka.Kafka "$dir/server.properties" > "$dir/stdout.log" 2>&1 &
echo $! > "$dir/kafka.pid"
"$here/ready.sh" "$dir" 90
