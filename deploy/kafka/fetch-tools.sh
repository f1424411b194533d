#!/usr/bin/env bash
# Fetches Kafka's command-line tools (Apache Kafka 3.9.1: org.apache.kafka:kafka-tools, whose
# ConsumerGroupCommand is what kafka-consumer-groups.sh runs) into deploy/kafka/tools/jars.
# Idempotent: does nothing when the jars are already there.
#   java -cp 'deploy/kafka/tools/jars/*' org.apache.kafka.tools.consumer.group.ConsumerGroupCommand \
#        --bootstrap-server HOST:PORT --describe --group GROUP
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
jars="$here/tools/jars"
if [ -f "$jars/.complete" ]; then exit 0; fi
command -v mvn >/dev/null 2>&1 || { echo "tributary deploy: Maven is required to fetch the Kafka tools jars from Maven Central; install it (e.g. apt-get install maven)" >&2; exit 3; }
rm -rf "$jars"
mvn -q -B -f "$here/tools/pom.xml" dependency:copy-dependencies -DoutputDirectory="$jars" -DincludeScope=runtime
touch "$jars/.complete"
