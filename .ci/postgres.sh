#!/usr/bin/env bash
# A throw-away PostgreSQL cluster for the tests: installed from Debian when the machine lacks it, created with initdb in a
# temporary directory, started with pg_ctl on a free loopback port (no system service), stopped and deleted on exit.
#
#   bash .ci/postgres.sh dotnet test tests/MlCustomer.Api.Tests   # runs the command with the cluster, then stops it
#   source .ci/postgres.sh && start_test_postgres                 # (.ci/run) starts it for the rest of the script
#
# The tests read the connection string from MLCUSTOMER_TEST_POSTGRES. Under CI=true a missing or broken PostgreSQL
# fails here, so no test can quietly skip for want of one.

# Debian's binaries live under /usr/lib/postgresql/<major>/bin, outside PATH; the newest installed major is taken.
find_postgres_bin() {
  local dir
  dir=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
  if [ -n "$dir" ] && [ -x "$dir/initdb" ] && [ -x "$dir/pg_ctl" ]; then
    echo "$dir"
  fi
}

install_postgres() {
  local as_root=""
  [ "$(id -u)" -eq 0 ] || as_root="sudo"
  echo "postgres.sh: PostgreSQL is missing; installing it from Debian" >&2
  $as_root env DEBIAN_FRONTEND=noninteractive apt-get update -qq
  # postgresql-common's post-install would create and start a system cluster: none is wanted here.
  $as_root mkdir -p /etc/postgresql-common
  echo "create_main_cluster = false" | $as_root tee /etc/postgresql-common/createcluster.conf >/dev/null
  # The file above is then a conffile written before its package: keep it without asking.
  $as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
    -o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold postgresql >/dev/null
}

# A port nothing listens on: bash's /dev/tcp connect fails on a free one.
free_port() {
  local port
  for _ in $(seq 1 50); do
    port=$((20000 + RANDOM % 20000))
    if ! (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
      echo "$port"
      return 0
    fi
  done
  return 1
}

stop_test_postgres() {
  if [ -n "${PG_TEST_DIR:-}" ] && [ -d "$PG_TEST_DIR" ]; then
    $PG_AS "$PG_BIN/pg_ctl" -D "$PG_TEST_DIR/data" -m immediate -w stop >/dev/null 2>&1 || true
    rm -rf "$PG_TEST_DIR"
    echo "postgres.sh: the test cluster is stopped and deleted" >&2
  fi
  PG_TEST_DIR=""
}

# Fails (returns non-zero) when PostgreSQL cannot be had; the caller decides whether that fails the run.
start_test_postgres() {
  PG_BIN=$(find_postgres_bin)
  if [ -z "$PG_BIN" ]; then
    install_postgres || return 1
    PG_BIN=$(find_postgres_bin)
    [ -n "$PG_BIN" ] || { echo "postgres.sh: PostgreSQL installed but no initdb/pg_ctl found" >&2; return 1; }
  fi

  PG_TEST_DIR=$(mktemp -d -t mlcustomer-pg.XXXXXX)
  # initdb refuses to run as root: as root the cluster belongs to the postgres user Debian's package creates.
  PG_AS=""
  if [ "$(id -u)" -eq 0 ]; then
    id postgres >/dev/null 2>&1 || useradd --system --no-create-home --shell /usr/sbin/nologin postgres
    chown postgres "$PG_TEST_DIR"
    chmod 0755 "$PG_TEST_DIR"
    PG_AS="runuser -u postgres --"
  fi
  trap stop_test_postgres EXIT

  local port
  port=$(free_port) || { echo "postgres.sh: no free port found" >&2; return 1; }
  # Trust on loopback only: the cluster lives for one test run, listens on 127.0.0.1 and holds only test data.
  $PG_AS "$PG_BIN/initdb" -D "$PG_TEST_DIR/data" --username=mlcustomer --auth=trust --encoding=UTF8 --locale=C.UTF-8 \
    >"$PG_TEST_DIR/initdb.log" 2>&1 || { cat "$PG_TEST_DIR/initdb.log" >&2; return 1; }
  # Durability is not wanted from a cluster that is deleted in minutes; fsync off spares the shared disk.
  $PG_AS "$PG_BIN/pg_ctl" -D "$PG_TEST_DIR/data" -l "$PG_TEST_DIR/server.log" -w -t 60 \
    -o "-c listen_addresses=127.0.0.1 -p $port -c unix_socket_directories=$PG_TEST_DIR -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=100" \
    start >/dev/null || { cat "$PG_TEST_DIR/server.log" >&2; return 1; }
  $PG_AS "$PG_BIN/createdb" -h 127.0.0.1 -p "$port" -U mlcustomer mlcustomer_test || return 1

  export MLCUSTOMER_TEST_POSTGRES="Host=127.0.0.1;Port=$port;Username=mlcustomer;Database=mlcustomer_test"
  echo "postgres.sh: PostgreSQL $("$PG_BIN/postgres" --version | awk '{print $3}') on 127.0.0.1:$port (MLCUSTOMER_TEST_POSTGRES)" >&2
}

# Run as a script: start, run the command, stop. Sourced: only the functions are defined.
if [ "${BASH_SOURCE[0]}" = "$0" ]; then
  set -euo pipefail
  if ! start_test_postgres; then
    if [ "${CI:-}" = "true" ]; then
      echo "postgres.sh: PostgreSQL could not be started, and CI=true: failing" >&2
      exit 1
    fi
    echo "postgres.sh: PostgreSQL could not be started; the PostgreSQL tests will report skipped" >&2
  fi
  if [ "$#" -gt 0 ]; then
    "$@"
  fi
fi
