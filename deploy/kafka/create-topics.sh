#!/bin/sh
# Creates Switchyard's topics before any service starts, as the registry says
# (libs/contracts/src/topics.ts: name, partitions, retention), plus each one's dead-letter topic
# with the same partitions. Retention -1: the log is the source of truth and is replayed from the
# start; dead letters wait for a redrive. Idempotent (--if-not-exists): an existing topic is left
# as it is. CI (deploy/test/compose-file.unit.spec.ts) fails when this list and the registry disagree.
# Usage: create-topics.sh <bootstrap-server> [topic prefix, default "switchyard."] [replication factor, default 1]
set -eu
BOOTSTRAP="$1"
PREFIX="${2:-switchyard.}"
REPLICATION="${3:-1}"
TOPICS_BIN="${KAFKA_TOPICS_BIN:-/opt/kafka/bin/kafka-topics.sh}"

# name:partitions:retention.ms
for spec in jobs:6:-1 providers:3:-1 usage:3:-1 ledger:3:-1; do
  name="${spec%%:*}"
  rest="${spec#*:}"
  partitions="${rest%%:*}"
  retention="${rest#*:}"
  for topic in "${PREFIX}${name}" "${PREFIX}${name}-dlt"; do
    "$TOPICS_BIN" --bootstrap-server "$BOOTSTRAP" --create --if-not-exists \
      --topic "$topic" --partitions "$partitions" --replication-factor "$REPLICATION" \
      --config "retention.ms=$retention"
  done
done
"$TOPICS_BIN" --bootstrap-server "$BOOTSTRAP" --describe --topics-with-overrides | grep "^Topic: ${PREFIX}" || true
