#!/usr/bin/env bash
# Runs S3Mock (an S3-compatible server, Spring Boot) in the foreground until it is told to stop.
#   deploy/s3mock/run.sh <http-port> <https-port> <root-dir>
# Plain HTTP on <http-port>, on every address (S3Mock 4.7 does not apply server.address to its HTTP
# connector); the tests use this one. S3Mock always opens its HTTPS connector too, with its built-in
# self-signed certificate, on <https-port> (bound to 127.0.0.1 here). Objects live under <root-dir> (must be
# empty; S3Mock empties it again when it stops). The server stops on SIGTERM/SIGINT and also when
# this script's standard input closes, so a test process that dies without cleaning up (kill -9)
# takes the server with it: its parent keeps the write end of a pipe open for as long as it lives.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
usage="usage: run.sh <http-port> <https-port> <root-dir>"
http_port="${1:?$usage}"
https_port="${2:?$usage}"
root="${3:?$usage}"
"$here/fetch.sh"
mkdir -p "$root"
exec 3<&0
java -Xms64m -Xmx384m -XX:TieredStopAtLevel=1 -Djava.awt.headless=true -cp "$here/jars/*" \
  com.adobe.testing.s3mock.S3MockApplication \
  "--server.address=127.0.0.1" \
  "--server.port=$https_port" \
  "--com.adobe.testing.s3mock.http-port=$http_port" \
  "--com.adobe.testing.s3mock.store.root=$root" \
  "--com.adobe.testing.s3mock.store.retain-files-on-exit=false" \
  "--spring.main.banner-mode=off" &
pid=$!
stop() { kill -TERM "$pid" 2>/dev/null || true; }
trap stop TERM INT
{ cat <&3 >/dev/null; stop; } &
watcher=$!
status=0
wait "$pid" || status=$?
# A trapped signal interrupts the first wait; wait again for the server to finish shutting down.
if kill -0 "$pid" 2>/dev/null; then wait "$pid" || status=$?; fi
kill "$watcher" 2>/dev/null || true
exit "$status"
