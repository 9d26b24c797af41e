#!/usr/bin/env bash
# Creates one database per Seteli service, each owned by its own role, on the first start of
# compose's PostgreSQL (files in /docker-entrypoint-initdb.d run only on an empty data
# directory: after adding a service here, `docker compose down -v` or create it by hand).
# A service's role can use only its own database: no service reads another's tables.
# Dev only: each role's password is its name.
set -euo pipefail

SERVICES="${SETELI_DATABASES:-providers vouchers attendance reporting billing}"

for db in $SERVICES; do
  echo "init-databases: role and database ${db}"
  psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname postgres <<SQL
CREATE ROLE "${db}" LOGIN PASSWORD '${db}';
CREATE DATABASE "${db}" OWNER "${db}";
REVOKE ALL ON DATABASE "${db}" FROM PUBLIC;
SQL
done
