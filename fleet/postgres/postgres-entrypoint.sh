#!/usr/bin/env bash
# Boots the fleet's PostgreSQL: on an empty data volume, initdb and the app's role and database
# (password from the mounted file, never on a command line), then the server as `postgres`.
set -euo pipefail

password_file=${BERTH_PG_PASSWORD_FILE:-/run/berth/postgres-password}
db=${BERTH_PG_DATABASE:-berth}
user=${BERTH_PG_USER:-berth}

install -d -m 0700 -o postgres -g postgres "$PGDATA" /run/postgresql
if [ ! -s "$PGDATA/PG_VERSION" ]; then
  password=$(<"$password_file")
  # initdb refuses a non-empty directory; a half-made one from an interrupted first boot goes.
  find "$PGDATA" -mindepth 1 -delete
  runuser -u postgres -- initdb --auth-local=peer --auth-host=scram-sha-256 \
    --encoding=UTF8 --locale=C.UTF-8 --username=postgres >/dev/null
  # Single-user mode reads SQL on stdin: the password never reaches argv or the server log.
  runuser -u postgres -- postgres --single -D "$PGDATA" postgres >/dev/null <<SQL
CREATE ROLE "$user" LOGIN PASSWORD '${password//\'/\'\'}';
CREATE DATABASE "$db" OWNER "$user";
SQL
  # The fleet network is private to this machine: any container on it may try, with the password.
  # No TLS here (RDS enforces it on AWS); the traffic never leaves the machine.
  printf '%s\n' "host all all 0.0.0.0/0 scram-sha-256" >>"$PGDATA/pg_hba.conf"
  echo "postgres: initialised $PGDATA with database $db owned by $user"
fi
exec setpriv --reuid=postgres --regid=postgres --init-groups postgres -D "$PGDATA" -c listen_addresses='*' -c max_connections=100
