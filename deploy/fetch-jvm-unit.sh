#!/usr/bin/env bash
# Builds one JVM unit of deploy/: fetches the jars its pom.xml lists from Maven Central into
# <dir>/jars (once) and compiles <dir>/<Main>.java into <dir>/classes (again when the source changed).
#   fetch-jvm-unit.sh <dir> <Main> <what needs it, for error messages>
set -euo pipefail
dir="$1"; main="$2"; purpose="$3"
jars="$dir/jars"
classes="$dir/classes"
command -v javac >/dev/null 2>&1 || { echo "tributary deploy: a JDK 17+ (javac) is required for $purpose; install one (e.g. apt-get install openjdk-17-jdk-headless)" >&2; exit 3; }
command -v mvn >/dev/null 2>&1 || { echo "tributary deploy: Maven is required to fetch the jars for $purpose from Maven Central; install it (e.g. apt-get install maven)" >&2; exit 3; }
# .complete holds the checksum of the pom.xml the jars were fetched for: a changed pom fetches again.
want="$(sha256sum "$dir/pom.xml" | cut -d' ' -f1)"
if [ ! -f "$jars/.complete" ] || [ "$(cat "$jars/.complete")" != "$want" ]; then
  rm -rf "$jars"
  mvn -q -B -f "$dir/pom.xml" dependency:copy-dependencies -DoutputDirectory="$jars" -DincludeScope=runtime
  echo "$want" > "$jars/.complete"
fi
if [ ! -f "$classes/$main.class" ] || [ "$dir/$main.java" -nt "$classes/$main.class" ]; then
  rm -rf "$classes"
  mkdir -p "$classes"
  javac -nowarn -cp "$jars/*" -d "$classes" "$dir/$main.java"
fi
