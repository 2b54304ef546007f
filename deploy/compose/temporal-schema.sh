#!/usr/bin/env bash
# One-shot, before the Temporal server starts: creates Temporal's two PostgreSQL databases (the default store
# and the visibility store) and brings each schema up to the version this admin-tools image carries. Safe to
# run again: what exists is kept, and update-schema applies only the versions a database lacks.
# Runs in temporalio/admin-tools with POSTGRES_SEEDS, DB_PORT, POSTGRES_USER and POSTGRES_PWD set.
set -euo pipefail

schemas=${TEMPORAL_SCHEMAS:-/etc/temporal/schema/postgresql/v12}

sql_tool() {
  temporal-sql-tool --plugin postgres12 --ep "$POSTGRES_SEEDS" -p "$DB_PORT" \
    -u "$POSTGRES_USER" --pw "$POSTGRES_PWD" "$@"
}

# `has <database> <query>`: whether the query returns a row there.
has() {
  PGPASSWORD=$POSTGRES_PWD psql -h "$POSTGRES_SEEDS" -p "$DB_PORT" -U "$POSTGRES_USER" -d "$1" -tAc "$2" | grep -q 1
}

for pair in temporal:temporal temporal_visibility:visibility; do
  database=${pair%%:*} schema=${pair##*:}
  # The postgres image creates a database named after its user, `temporal`, by itself.
  has postgres "SELECT 1 FROM pg_database WHERE datname = '$database'" || sql_tool --db "$database" create
  has "$database" "SELECT 1 FROM information_schema.tables WHERE table_name = 'schema_version'" ||
    sql_tool --db "$database" setup-schema -v 0.0
  sql_tool --db "$database" update-schema -d "$schemas/$schema/versioned"
  echo "schema of $database is up to date"
done
