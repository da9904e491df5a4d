#!/usr/bin/env bash
# Side-by-side migration benchmark (issue 5): pgloader, the SELECT | COPY pipe and ficus, each loading
# ../shared/bench/legacy-shop.sql (100k customers, 2M orders in the machine's MariaDB) into a fresh
# PostgreSQL database, in one run. Builds bin/ficus first. Extra arguments go to migrate-peers.sh
# (e.g. --only pipe to skip pgloader, --reload to reload the source).
#
# Needs: MariaDB on 127.0.0.1:3306 (root, no password), PostgreSQL on 127.0.0.1:5432 (user root), the
# mariadb and psql clients, and pgloader (apt-get install -y pgloader). See docs/benchmarks.md.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
PEERS=${PEERS:-$ROOT/../shared/bench/migrate-peers.sh}
cd "$ROOT"
go build -o bin/ficus ./cmd/ficus
command -v pgloader >/dev/null || echo "pgloader is missing (apt-get install -y pgloader): its row will be empty" >&2
exec "$PEERS" --candidate "$ROOT/bin/ficus migrate run --source \"\$SOURCE_URL\" --target \"\$TARGET_URL\"" "$@"
