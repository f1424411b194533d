#!/usr/bin/env bash
# Fetches Apache Spark (3.5, with its Kafka source and delta-spark) from Maven Central into
# deploy/spark-bench/jars and compiles SparkSeedJob.java into deploy/spark-bench/classes. Used only by
# the Spark comparison of `npm run bench` (--spark). Idempotent: fetches once, recompiles when the
# source changed.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
exec bash "$here/../fetch-jvm-unit.sh" "$here" SparkSeedJob "the Spark comparison of npm run bench"
