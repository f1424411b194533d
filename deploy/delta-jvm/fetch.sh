#!/usr/bin/env bash
# Fetches the JVM Delta reference implementation (delta-spark 3.3 on Spark 3.5, from Maven Central)
# into deploy/delta-jvm/jars and compiles DeltaPeer.java into deploy/delta-jvm/classes. Used only by
# the interop tests (npm run test:interop). Idempotent: fetches once, recompiles when the source changed.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
exec bash "$here/../fetch-jvm-unit.sh" "$here" DeltaPeer "the Delta interop tests"
