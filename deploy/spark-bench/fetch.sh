#!/usr/bin/env bash
# Fetches Apache Spark (3.5, with its Kafka source and delta-spark) from Maven Central into
# deploy/spark-bench/jars and compiles SparkSeedJob.java into deploy/spark-bench/classes. Used only by
# `npm run bench -- spark`. Idempotent: fetches once, recompiles when the source changed.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
jars="$here/jars"
classes="$here/classes"
command -v javac >/dev/null 2>&1 || { echo "tributary bench: a JDK 17+ (javac) is required to run Spark; install one (e.g. apt-get install openjdk-17-jdk-headless)" >&2; exit 3; }
command -v mvn >/dev/null 2>&1 || { echo "tributary bench: Maven is required to fetch Spark from Maven Central; install it (e.g. apt-get install maven)" >&2; exit 3; }
if [ ! -f "$jars/.complete" ]; then
  rm -rf "$jars"
  mvn -q -B -f "$here/pom.xml" dependency:copy-dependencies -DoutputDirectory="$jars" -DincludeScope=runtime
  touch "$jars/.complete"
fi
if [ ! -f "$classes/SparkSeedJob.class" ] || [ "$here/SparkSeedJob.java" -nt "$classes/SparkSeedJob.class" ]; then
  rm -rf "$classes"
  mkdir -p "$classes"
  javac -nowarn -cp "$jars/*" -d "$classes" "$here/SparkSeedJob.java"
fi
