#!/usr/bin/env bash
# Fetches the S3Mock server jars (com.adobe.testing:s3mock 4.7.0, an S3-compatible server used by
# the object-storage tests, npm run test:s3) from Maven Central into deploy/s3mock/jars.
# Idempotent: does nothing when the jars are already there.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
jars="$here/jars"
if [ -f "$jars/.complete" ]; then exit 0; fi
command -v java >/dev/null 2>&1 || { echo "tributary deploy: Java (17+) is required to run the S3Mock server of the object-storage tests; install a JDK (e.g. apt-get install openjdk-17-jre-headless)" >&2; exit 3; }
command -v mvn >/dev/null 2>&1 || { echo "tributary deploy: Maven is required to fetch the S3Mock server jars from Maven Central; install it (e.g. apt-get install maven)" >&2; exit 3; }
rm -rf "$jars"
mvn -q -B -f "$here/pom.xml" dependency:copy-dependencies -DoutputDirectory="$jars" -DincludeScope=runtime
touch "$jars/.complete"
