#!/usr/bin/env bash
# Starts a single-node KRaft Kafka broker that requires authentication, for the security tests:
#   deploy/kafka/start-secure.sh <data-dir> <port> <tls-dir> <user> <password-file> [host]
# Listeners (each on <host>, default 127.0.0.1, advertised as such):
#   <port>     SASL_PLAINTEXT   SASL PLAIN, SCRAM-SHA-256 and SCRAM-SHA-512
#   <port>+1   SASL_SSL         the same mechanisms inside TLS
#   <port>+2   SSL              TLS only (no SASL), with client certificates required (mutual TLS)
#   <port>+3   PLAINTEXT        between the broker and itself only, on 127.0.0.1
#   <port>+4   CONTROLLER       127.0.0.1
# TLS uses PEM files (Kafka's ssl.keystore.type=PEM, no JKS): <tls-dir>/server.crt (chain),
# <tls-dir>/server.key (unencrypted PKCS#8) and <tls-dir>/ca.crt (which also signs the clients'
# certificates on the SSL listener). The one user <user> has the
# password in <password-file>: for PLAIN in the listener's JAAS config, for SCRAM as credentials
# written into the metadata log when the storage is formatted (kafka-storage format --add-scram).
# Writes <data-dir>/kafka.pid and <data-dir>/kafka.log; returns once the broker has started.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
usage="usage: start-secure.sh <data-dir> <port> <tls-dir> <user> <password-file> [host]"
dir="${1:?$usage}"; port="${2:?$usage}"; tls="${3:?$usage}"; user="${4:?$usage}"; pwfile="${5:?$usage}"
host="${6:-127.0.0.1}"
password="$(head -n1 "$pwfile")"
case "$user$password" in *[\"\\,=\]\[]*) echo "tributary deploy: user and password must not contain \" \\ , = [ ]" >&2; exit 2;; esac
"$here/fetch.sh"
mkdir -p "$dir/data"
dir="$(cd "$dir" && pwd)"; tls="$(cd "$tls" && pwd)"
cat "$tls/server.key" "$tls/server.crt" > "$dir/keystore.pem"
chmod 600 "$dir/keystore.pem"
plain_jaas="org.apache.kafka.common.security.plain.PlainLoginModule required user_$user=\"$password\";"
scram_jaas="org.apache.kafka.common.security.scram.ScramLoginModule required;"
umask 077
cat > "$dir/server.properties" <<PROPS
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@127.0.0.1:$((port + 4))
listeners=SASL_PLAINTEXT://$host:$port,SASL_SSL://$host:$((port + 1)),SSL://$host:$((port + 2)),BROKER://127.0.0.1:$((port + 3)),CONTROLLER://127.0.0.1:$((port + 4))
advertised.listeners=SASL_PLAINTEXT://$host:$port,SASL_SSL://$host:$((port + 1)),SSL://$host:$((port + 2)),BROKER://127.0.0.1:$((port + 3))
controller.listener.names=CONTROLLER
listener.security.protocol.map=SASL_PLAINTEXT:SASL_PLAINTEXT,SASL_SSL:SASL_SSL,SSL:SSL,BROKER:PLAINTEXT,CONTROLLER:PLAINTEXT
inter.broker.listener.name=BROKER
sasl.enabled.mechanisms=PLAIN,SCRAM-SHA-256,SCRAM-SHA-512
listener.name.sasl_plaintext.plain.sasl.jaas.config=$plain_jaas
listener.name.sasl_ssl.plain.sasl.jaas.config=$plain_jaas
listener.name.sasl_plaintext.scram-sha-256.sasl.jaas.config=$scram_jaas
listener.name.sasl_ssl.scram-sha-256.sasl.jaas.config=$scram_jaas
listener.name.sasl_plaintext.scram-sha-512.sasl.jaas.config=$scram_jaas
listener.name.sasl_ssl.scram-sha-512.sasl.jaas.config=$scram_jaas
ssl.keystore.type=PEM
ssl.keystore.location=$dir/keystore.pem
ssl.truststore.type=PEM
ssl.truststore.location=$tls/ca.crt
ssl.client.auth=none
listener.name.ssl.ssl.client.auth=required
PROPS
"$here/launch.sh" "$dir" "tributary-secure-kafka1" \
  --add-scram "SCRAM-SHA-256=[name=$user,password=$password]" --add-scram "SCRAM-SHA-512=[name=$user,password=$password]"
