#!/usr/bin/env bash
# Installs, with apt-get, the Debian packages that the tests need when their programs are missing.
# Run by `make test`; prints nothing when everything is installed. The database tests start their
# own throwaway servers (internal/testdb) from these binaries; they never use a server the machine
# already runs, so it does not matter that the postgresql package starts a cluster on 5432.
set -euo pipefail

# have PROGRAM: whether PROGRAM is installed, on PATH or in the sbin directories that a
# non-root PATH often lacks (mariadbd is in /usr/sbin).
have() {
  command -v "$1" >/dev/null 2>&1 || [ -x "/usr/sbin/$1" ] || [ -x "/usr/bin/$1" ]
}

# Debian keeps the PostgreSQL server programs in /usr/lib/postgresql/VERSION/bin, off PATH.
have_postgres_server() {
  local bin
  for bin in /usr/lib/postgresql/*/bin; do
    [ -x "$bin/initdb" ] && [ -x "$bin/postgres" ] && return 0
  done
  have initdb && have postgres
}

need=()
have_postgres_server || need+=(postgresql)
{ have mariadb-install-db && have mariadbd; } || need+=(mariadb-server)
# More (package:command) pairs, e.g. FICUS_TEST_PACKAGES="nats-server:nats-server".
for pc in ${FICUS_TEST_PACKAGES:-}; do
  pkg=${pc%%:*} cmd=${pc##*:}
  have "$cmd" || need+=("$pkg")
done
[ ${#need[@]} -eq 0 ] && exit 0

echo "installing test dependencies: ${need[*]}" >&2
if ! command -v apt-get >/dev/null 2>&1; then
  echo "apt-get not found: install ${need[*]} (or your system's equivalent) yourself" >&2
  exit 1
fi
SUDO=()
if [ "$(id -u)" != 0 ]; then
  command -v sudo >/dev/null 2>&1 || { echo "not root and sudo not found: install ${need[*]} as root" >&2; exit 1; }
  SUDO=(sudo)
fi
"${SUDO[@]}" apt-get update -qq
"${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
