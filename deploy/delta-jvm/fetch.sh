#!/usr/bin/env bash
# Fetches the JVM Delta reference implementation (delta-spark 3.3 on Spark 3.5, from Maven Central)
# into deploy/delta-jvm/jars and compiles DeltaPeer.java into deploy/delta-jvm/classes. Used only by
# the interop tests (npm run test:interop). Idempotent: fetches once, recompiles when the source changed.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
jars="$here/jars"
classes="$here/classes"
command -v javac >/dev/null 2>&1 || { echo "tributary deploy: a JDK 17+ (javac) is required for the Delta interop tests; install one (e.g. apt-get install openjdk-17-jdk-headless)" >&2; exit 3; }
command -v mvn >/dev/null 2>&1 || { echo "tributary deploy: Maven is required to fetch delta-spark from Maven Central; install it (e.g. apt-get install maven)" >&2; exit 3; }
if [ ! -f "$jars/.complete" ]; then
  rm -rf "$jars"
  mvn -q -B -f "$here/pom.xml" dependency:copy-dependencies -DoutputDirectory="$jars" -DincludeScope=runtime
  touch "$jars/.complete"
fi
if [ ! -f "$classes/DeltaPeer.class" ] || [ "$here/DeltaPeer.java" -nt "$classes/DeltaPeer.class" ]; then
  rm -rf "$classes"
  mkdir -p "$classes"
  javac -nowarn -cp "$jars/*" -d "$classes" "$here/DeltaPeer.java"
fi
