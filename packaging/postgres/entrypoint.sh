#!/bin/sh
# The compose stack's PostgreSQL (deploy/compose): on first start makes the cluster in $PGDATA,
# the role and database `dragonfly` with the password in $POSTGRES_PASSWORD_FILE; then runs the
# server in the foreground. Runs as the image's user `postgres`.
set -eu
bin=/usr/lib/postgresql/15/bin
PGDATA=${PGDATA:-/var/lib/postgresql/data}
password_file=${POSTGRES_PASSWORD_FILE:?set POSTGRES_PASSWORD_FILE to a file holding the password}
if [ ! -s "$PGDATA/PG_VERSION" ]; then
  mkdir -p "$PGDATA"
  chmod 0700 "$PGDATA"
  "$bin/initdb" -D "$PGDATA" -U postgres --auth-local=peer --auth-host=scram-sha-256 >/dev/null
  # Other containers of the stack connect over its network, with the password.
  echo "host all all all scram-sha-256" >> "$PGDATA/pg_hba.conf"
  "$bin/pg_ctl" -D "$PGDATA" -o "-c listen_addresses='' -k /tmp" -w start >/dev/null
  password=$(cat "$password_file")
  escaped=$(printf '%s' "$password" | sed "s/'/''/g")
  psql -h /tmp -U postgres -v ON_ERROR_STOP=1 -q -c "CREATE ROLE dragonfly LOGIN PASSWORD '$escaped'" \
    -c "CREATE DATABASE dragonfly OWNER dragonfly" postgres
  "$bin/pg_ctl" -D "$PGDATA" -m fast -w stop >/dev/null
  echo "postgres: created the database dragonfly in $PGDATA"
fi
exec "$bin/postgres" -D "$PGDATA" -c listen_addresses="${POSTGRES_LISTEN:-*}" -k /tmp
