#!/usr/bin/env bash
# One-shot, before the Temporal server starts: creates Temporal's two PostgreSQL databases (the default store
# and the visibility store) and brings each schema up to the version this admin-tools image carries. Safe to
# run again: an existing database is kept and update-schema applies only the versions it lacks.
# Runs in temporalio/admin-tools with POSTGRES_SEEDS, DB_PORT, POSTGRES_USER and POSTGRES_PWD set.
set -euo pipefail

schemas=/etc/temporal/schema/postgresql/v12

sql_tool() {
  temporal-sql-tool --plugin postgres12 --ep "$POSTGRES_SEEDS" -p "$DB_PORT" \
    -u "$POSTGRES_USER" --pw "$POSTGRES_PWD" "$@"
}

database_exists() {
  PGPASSWORD=$POSTGRES_PWD psql -h "$POSTGRES_SEEDS" -p "$DB_PORT" -U "$POSTGRES_USER" -d postgres -tAc \
    "SELECT 1 FROM pg_database WHERE datname = '$1'" | grep -q 1
}

for pair in temporal:temporal temporal_visibility:visibility; do
  database=${pair%%:*} schema=${pair##*:}
  if ! database_exists "$database"; then
    sql_tool --db "$database" create
    sql_tool --db "$database" setup-schema -v 0.0
  fi
  sql_tool --db "$database" update-schema -d "$schemas/$schema/versioned"
  echo "schema of $database is up to date"
done
