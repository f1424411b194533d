#!/usr/bin/env bash
# Runs S3Mock (an S3-compatible server, Spring Boot) in the foreground until it is told to stop.
#   deploy/s3mock/run.sh <port> <second-port> <root-dir> [host]
# Serves plain HTTP on <port>, bound to <host> (default 127.0.0.1), with ONE request thread. S3Mock 4.7.0 checks
# `If-None-Match: *` and then writes, two steps without a lock: with several request threads two
# racing conditional PutObjects on one key can both get 200 (seen here: 8 writers, 20 rounds, two
# or more winners in half of the rounds). One request thread serialises every request, which makes
# check-and-write atomic, as it is on S3; the put-if-absent race tests rely on it.
# S3Mock always opens a second connector (its "http-port", on every address, with its own threads):
# it gets <second-port> and must not be used. Objects live under <root-dir> (S3Mock empties it when
# it stops). The server stops on SIGTERM/SIGINT and also when this script's standard input closes,
# so a test process that dies without cleaning up (kill -9) takes the server with it: its parent
# keeps the write end of a pipe open for as long as it lives.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
usage="usage: run.sh <port> <second-port> <root-dir>"
port="${1:?$usage}"
second_port="${2:?$usage}"
root="${3:?$usage}"
host="${4:-127.0.0.1}"
"$here/fetch.sh"
mkdir -p "$root"
exec 3<&0
java -Xms64m -Xmx384m -XX:TieredStopAtLevel=1 -Djava.awt.headless=true -cp "$here/jars/*" \
  com.adobe.testing.s3mock.S3MockApplication \
  "--server.address=$host" \
  "--server.port=$port" \
  "--server.ssl.enabled=false" \
  "--server.tomcat.threads.max=1" \
  "--server.tomcat.threads.min-spare=1" \
  "--com.adobe.testing.s3mock.http-port=$second_port" \
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
