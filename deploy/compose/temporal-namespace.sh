#!/bin/sh
# One-shot, once the Temporal server listens: creates the namespace and registers Settle's search attributes
# on it, then waits until a visibility query that names them all is accepted (attributes just added can be
# refused for a moment). Safe to run again: it adds only what is missing. POSIX sh and the temporal CLI only.
# Runs in temporalio/admin-tools with TEMPORAL_ADDRESS, TEMPORAL_NAMESPACE, NAMESPACE_RETENTION and
# SETTLE_SEARCH_ATTRIBUTES ("Name=Type …", the list in workflows/searchAttributes.ts) set.
set -eu

cli() { temporal "$@" --address "$TEMPORAL_ADDRESS" --namespace "$TEMPORAL_NAMESPACE"; }

# `retry <command…>`: runs it until it succeeds, once a second for a minute, then once more showing its error.
retry() {
  attempt=1
  while [ "$attempt" -lt 60 ]; do
    "$@" >/dev/null 2>&1 && return 0
    attempt=$((attempt + 1))
    sleep 1
  done
  "$@"
}

namespace() { cli operator namespace describe >/dev/null 2>&1 || cli operator namespace create --retention "$NAMESPACE_RETENTION"; }

# The frontend accepts connections a moment before it serves; a new namespace reaches its cache a few seconds
# after it is created.
retry namespace
retry cli operator search-attribute list
known=$(cli operator search-attribute list)

query=''
for pair in $SETTLE_SEARCH_ATTRIBUTES; do
  name=${pair%%=*}
  type=${pair##*=}
  if ! printf '%s\n' "$known" | grep -qw "$name"; then
    cli operator search-attribute create --name "$name" --type "$type"
  fi
  case $type in
    Int) clause="$name = 0" ;;
    Datetime) clause="$name = '1970-01-01T00:00:00Z'" ;;
    Text) clause="$name = 'settle'" ;;
    *) clause="$name = ''" ;;
  esac
  query="${query:+$query AND }$clause"
done

retry cli workflow count --query "$query"
echo "namespace $TEMPORAL_NAMESPACE has Settle's search attributes"
