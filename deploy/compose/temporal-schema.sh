#!/bin/sh
# One-shot, before the Temporal server starts: creates Temporal's two PostgreSQL databases (the default store
# and the visibility store) and brings each schema up to the version this admin-tools image carries. Safe to
# run again: `create` keeps a database that exists, `setup-schema -v 0.0` keeps a schema that is further on,
# and `update-schema` applies only the versions a database lacks. POSIX sh and Temporal's SQL tool only.
# Runs in temporalio/admin-tools with POSTGRES_SEEDS, DB_PORT, POSTGRES_USER and POSTGRES_PWD set.
set -eu

schemas=${TEMPORAL_SCHEMAS:-/etc/temporal/schema/postgresql/v12}

sql_tool() {
  temporal-sql-tool --plugin postgres12 --ep "$POSTGRES_SEEDS" -p "$DB_PORT" \
    -u "$POSTGRES_USER" --pw "$POSTGRES_PWD" "$@"
}

for pair in temporal:temporal temporal_visibility:visibility; do
  database=${pair%%:*}
  schema=${pair##*:}
  sql_tool --db "$database" create
  sql_tool --db "$database" setup-schema -v 0.0
  sql_tool --db "$database" update-schema -d "$schemas/$schema/versioned"
  echo "schema of $database is up to date"
done
