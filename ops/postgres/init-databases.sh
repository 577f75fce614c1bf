#!/bin/sh
# First start of the PostgreSQL container (docker-entrypoint-initdb.d): one role and one database per process,
# each role owning only its own database. Passwords come from the environment (.env): <NAME>_DB_PASSWORD.
# SANQUAN_DATABASES lists the names (default: gateway plans training evaluation hall).
# Runs again only on an empty data volume; see docs/operations.md to add a database to a running cluster.
set -eu

for name in ${SANQUAN_DATABASES:-gateway plans training evaluation hall}; do
    var="$(echo "$name" | tr '[:lower:]' '[:upper:]')_DB_PASSWORD"
    password="$(printenv "$var" || true)"
    if [ -z "$password" ]; then
        echo "init-databases: $var is not set" >&2
        exit 1
    fi
    echo "init-databases: creating role and database $name"
    psql -v ON_ERROR_STOP=1 --username "${POSTGRES_USER:-postgres}" --dbname postgres \
        -v name="$name" -v password="$password" <<'SQL'
CREATE ROLE :"name" LOGIN PASSWORD :'password';
CREATE DATABASE :"name" OWNER :"name" ENCODING 'UTF8' TEMPLATE template0;
REVOKE ALL ON DATABASE :"name" FROM PUBLIC;
SQL
done
