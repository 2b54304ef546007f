#!/usr/bin/env bash
# One-shot, once the Temporal server serves: creates the namespace and registers Settle's search attributes
# on it, then waits until a visibility query that names them all is accepted (attributes just added can be
# refused for a moment). Safe to run again: it adds only what is missing.
# Runs in temporalio/admin-tools with TEMPORAL_ADDRESS, TEMPORAL_NAMESPACE, NAMESPACE_RETENTION and
# SETTLE_SEARCH_ATTRIBUTES ("Name=Type …", the list in workflows/searchAttributes.ts) set.
set -euo pipefail

cli() { temporal "$@" --address "$TEMPORAL_ADDRESS" --namespace "$TEMPORAL_NAMESPACE"; }

retry() {
  for _ in $(seq 1 60); do
    "$@" >/dev/null 2>&1 && return 0
    sleep 1
  done
  "$@"
}

if ! cli operator namespace describe >/dev/null 2>&1; then
  cli operator namespace create --retention "$NAMESPACE_RETENTION"
fi
# A new namespace reaches the frontend's cache a few seconds after it is created.
retry cli operator search-attribute list
known=$(cli operator search-attribute list)

missing=() query=()
for pair in $SETTLE_SEARCH_ATTRIBUTES; do
  name=${pair%%=*} type=${pair##*=}
  grep -qw "$name" <<<"$known" || missing+=(--name "$name" --type "$type")
  case $type in
    Int) query+=("$name = 0") ;;
    Datetime) query+=("$name = '1970-01-01T00:00:00Z'") ;;
    Text) query+=("$name = 'settle'") ;;
    *) query+=("$name = ''") ;;
  esac
done
if [ ${#missing[@]} -gt 0 ]; then
  cli operator search-attribute create "${missing[@]}"
fi

joined=$(printf ' AND %s' "${query[@]}")
retry cli workflow count --query "${joined# AND }"
echo "namespace $TEMPORAL_NAMESPACE has Settle's search attributes"
