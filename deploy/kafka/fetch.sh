#!/usr/bin/env bash
# Fetches the Kafka broker jars (Apache Kafka 3.9.1, KRaft) from Maven Central into deploy/kafka/jars.
# Idempotent: does nothing when the jars are already there.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
jars="$here/jars"
if [ -f "$jars/.complete" ]; then exit 0; fi
command -v java >/dev/null 2>&1 || { echo "tributary deploy: Java (17+) is required to run the Kafka broker; install a JDK (e.g. apt-get install openjdk-17-jre-headless)" >&2; exit 3; }
command -v mvn >/dev/null 2>&1 || { echo "tributary deploy: Maven is required to fetch the Kafka broker jars from Maven Central; install it (e.g. apt-get install maven)" >&2; exit 3; }
rm -rf "$jars"
mvn -q -B -f "$here/pom.xml" dependency:copy-dependencies -DoutputDirectory="$jars" -DincludeScope=runtime
touch "$jars/.complete"
