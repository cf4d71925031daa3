# Sourced by .ci/run: installs PostgreSQL from Debian's packages if missing, starts a throwaway
# server on 127.0.0.1 for the contract tests and stops it on exit. Exports NETOPS_TEST_PG_URL.
pg_bindir() { ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1; }

start_postgres() {
  local bindir
  bindir="$(pg_bindir)"
  if [[ -z "$bindir" ]]; then
    echo "PostgreSQL not found; installing Debian's postgresql package"
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null
    bindir="$(pg_bindir)"
  fi
  [[ -n "$bindir" ]] || { echo "PostgreSQL could not be installed; the multi-worker tests need it" >&2; return 1; }
  PG_DATA="$(mktemp -d /tmp/netops-ci-pg.XXXXXX)"
  local port as=()
  port="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
  # postgres refuses to run as root; CI runs as root, developers usually not.
  if [[ "$(id -u)" == 0 ]]; then chown postgres "$PG_DATA"; as=(runuser -u postgres --); fi
  "${as[@]}" "$bindir/initdb" -D "$PG_DATA/data" -A trust -U postgres >/dev/null
  "${as[@]}" "$bindir/pg_ctl" -D "$PG_DATA/data" -l "$PG_DATA/server.log" -w \
    -o "-c listen_addresses=127.0.0.1 -p $port -k $PG_DATA -c fsync=off -c max_connections=200" start >/dev/null
  PG_STOP=("${as[@]}" "$bindir/pg_ctl" -D "$PG_DATA/data" -m fast -w stop)
  trap stop_postgres EXIT
  export NETOPS_TEST_PG_URL="postgresql+psycopg://postgres@127.0.0.1:$port/postgres"
  echo "PostgreSQL $("$bindir/postgres" --version | awk '{print $3}') on 127.0.0.1:$port"
}

stop_postgres() {
  "${PG_STOP[@]}" >/dev/null 2>&1 || true
  rm -rf "$PG_DATA"
}
