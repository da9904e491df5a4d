#!/usr/bin/env bash
# Verification benchmark (issue 6), all in one run so that ratios hold, on the database of
# ../shared/bench/migrate-peers.sh (legacy-shop.sql: 100k customers, 2M orders in MariaDB):
#   1. migrates it with ficus into a fresh PostgreSQL database (not timed);
#   2. two baselines, every row of both sides read once, both databases at once, each table in its
#      own stream: "select", SELECT * from both (mariadb --quick; psql fetching 10,000 rows at a
#      time), and "copy", the same with PostgreSQL read by COPY ... TO STDOUT (cheaper);
#   3. ficus verify of the identical data, for each --hash-in given (default: ficus database);
#   4. 10 scattered changes in the target (3 updates, 3 deletes, 4 inserts), ficus verify again,
#      checking that exactly those 10 rows are reported;
# and prints wall seconds, peak RSS and the ratios to the baseline and to the clean run.
#
# usage: bench-verify.sh [-r ROUNDS] [-m 'ficus database']
# env:   MYSQL_HOST (127.0.0.1) MYSQL_PORT (3306) MYSQL_USER (root) MYSQL_PASSWORD ('')
#        PGHOST (127.0.0.1) PGPORT (5432) PGUSER (root) PGDATABASE for admin (postgres)
# Needs: MariaDB and PostgreSQL servers, the mariadb and psql clients, python3. See docs/benchmarks.md.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BENCH=${BENCH:-$ROOT/../shared/bench}
ROUNDS=1 MODES="ficus database"
while getopts "r:m:" o; do
  case $o in
    r) ROUNDS=$OPTARG ;;
    m) MODES=$OPTARG ;;
    *) echo "usage: $0 [-r ROUNDS] [-m 'ficus database']" >&2; exit 2 ;;
  esac
done
: "${MYSQL_HOST:=127.0.0.1}" "${MYSQL_PORT:=3306}" "${MYSQL_USER:=root}" "${MYSQL_PASSWORD:=}"
: "${PGHOST:=127.0.0.1}" "${PGPORT:=5432}" "${PGUSER:=root}" "${PGDATABASE:=postgres}"
export PGHOST PGPORT PGUSER PGDATABASE
MY=(mariadb -h "$MYSQL_HOST" -P "$MYSQL_PORT" -u "$MYSQL_USER")
[ -n "$MYSQL_PASSWORD" ] && MY+=("-p$MYSQL_PASSWORD")
SOURCE="mysql://$MYSQL_USER${MYSQL_PASSWORD:+:$MYSQL_PASSWORD}@$MYSQL_HOST:$MYSQL_PORT/legacy_shop"
TARGET="postgresql://$PGUSER@$PGHOST:$PGPORT/bench_verify"
W=$(mktemp -d); trap 'rm -rf "$W"' EXIT

cd "$ROOT"
go build -o bin/ficus ./cmd/ficus
have=$("${MY[@]}" -N -e "select count(*) from information_schema.tables where table_schema='legacy_shop'" 2>/dev/null || echo 0)
if [ "$have" != 2 ]; then
  echo "loading legacy-shop.sql into MariaDB ..." >&2
  "${MY[@]}" <"$BENCH/legacy-shop.sql"
fi
ROWS=$("${MY[@]}" -N -e "select (select count(*) from legacy_shop.customers)+(select count(*) from legacy_shop.orders)")

echo "migrating legacy_shop into bench_verify ..." >&2
psql -q -c "drop database if exists bench_verify" -c "create database bench_verify" >/dev/null
bin/ficus migrate run --source "$SOURCE" --target "$TARGET" >/dev/null 2>"$W/migrate.log" || { cat "$W/migrate.log" >&2; exit 1; }
# The first reader of freshly loaded rows sets their hint bits (writes): do it before timing anyone.
psql -q -d bench_verify -c "VACUUM ANALYZE" >/dev/null

# timed NAME CMD...: wall seconds and peak RSS (MB) of CMD into W/NAME.time; CMD's exit status is
# kept in W/NAME.rc (ficus verify exits 1 when it finds differences).
timed() {
  local name=$1; shift
  local rc=0
  /usr/bin/time -f '%e %M' -o "$W/$name.time" "$@" >"$W/$name.out" 2>"$W/$name.err" || rc=$?
  echo "$rc" >"$W/$name.rc"
}
wall() { tail -1 "$W/$1.time" | cut -d" " -f1; }
rss() { tail -1 "$W/$1.time" | awk "{printf \"%.0f\", \$2/1024}"; }

# Two baselines, both reading every row of both databases once, all four table streams at once:
# "select": SELECT * from both (the issue's baseline; psql fetches 10,000 rows at a time), and
# "copy": PostgreSQL's side read with COPY instead, the cheapest way PostgreSQL sends its rows.
for kind in select copy; do
  if [ "$kind" = select ]; then
    pgread() { echo "psql -q -At -v FETCH_COUNT=10000 -d bench_verify -c 'select * from $1' >/dev/null"; }
  else
    pgread() { echo "psql -q -d bench_verify -c '\\copy $1 to /dev/null'"; }
  fi
  cat >"$W/baseline-$kind.sh" <<EOF
set -euo pipefail
my() { ${MY[*]} --quick --batch --skip-column-names --raw -e "\$1" >/dev/null; }
my 'select * from legacy_shop.customers' &
my 'select * from legacy_shop.orders' &
$(pgread customers) &
$(pgread orders) &
wait %1; wait %2; wait %3; wait %4
EOF
done

# The 10 changes, and the 10 report lines they must produce (checked by check.py).
cat >"$W/dirty.sql" <<'EOF'
UPDATE orders SET amount = amount + 1 WHERE id = 123457;
UPDATE orders SET status = CASE WHEN status = 'cancelled' THEN 'new'::orders_status ELSE 'cancelled'::orders_status END WHERE id = 1999993;
UPDATE customers SET full_name = full_name || 'x' WHERE id = 50001;
DELETE FROM orders WHERE id IN (17, 1000003);
DELETE FROM customers WHERE id = 77777;
INSERT INTO orders SELECT id + 10000000, customer_id, status, amount, currency, created_at, shipped_at, weight_kg, payload FROM orders WHERE id IN (5, 600001);
INSERT INTO customers SELECT id + 1000000, 'new' || email, full_name, tier, is_active, created_at, notes FROM customers WHERE id IN (3, 99990);
EOF
cat >"$W/check.py" <<'EOF'
import json, sys
res = json.load(open(sys.argv[1]))
found = []
for t in res["tables"]:
    for kind in ("missing", "extra", "changed"):
        for r in t[kind]:
            found.append((t["source"], kind, ",".join(v["value"] or "NULL" for v in r["key"])))
print(len(found), " ".join(sorted("%s:%s:%s" % f for f in found)))
EOF

declare -a LINES
for round in $(seq 1 "$ROUNDS"); do
  for kind in select copy; do
    timed "baseline_$kind" bash "$W/baseline-$kind.sh"
    LINES+=("$(printf '%-26s %6s s %8s MB' "baseline ($kind)" "$(wall "baseline_$kind")" "$(rss "baseline_$kind")")")
  done
  for mode in $MODES; do
    timed "clean_$mode" bin/ficus verify --source "$SOURCE" --target "$TARGET" --hash-in "$mode" --no-store --output json
    [ "$(cat "$W/clean_$mode.rc")" = 0 ] || { echo "clean verify ($mode) did not say identical:" >&2; cat "$W/clean_$mode.err" "$W/clean_$mode.out" >&2; exit 1; }
    LINES+=("$(printf '%-26s %6s s %8s MB  %5.2fx select, %5.2fx copy' "verify clean ($mode)" "$(wall "clean_$mode")" "$(rss "clean_$mode")" \
      "$(awk -v a="$(wall "clean_$mode")" -v b="$(wall baseline_select)" 'BEGIN{print a/b}')" \
      "$(awk -v a="$(wall "clean_$mode")" -v b="$(wall baseline_copy)" 'BEGIN{print a/b}')")")
  done
  psql -q -d bench_verify -v ON_ERROR_STOP=1 -c "BEGIN" -f "$W/dirty.sql" -c "COMMIT" >/dev/null
  for mode in $MODES; do
    timed "dirty_$mode" bin/ficus verify --source "$SOURCE" --target "$TARGET" --hash-in "$mode" --no-store --output json
    [ "$(cat "$W/dirty_$mode.rc")" = 1 ] || { echo "dirty verify ($mode) exited $(cat "$W/dirty_$mode.rc"):" >&2; cat "$W/dirty_$mode.err" >&2; exit 1; }
    found=$(python3 "$W/check.py" "$W/dirty_$mode.out")
    LINES+=("$(printf '%-26s %6s s %8s MB  %5.2fx clean, found %s' "verify 10 diffs ($mode)" "$(wall "dirty_$mode")" "$(rss "dirty_$mode")" \
      "$(awk -v a="$(wall "dirty_$mode")" -v b="$(wall "clean_$mode")" 'BEGIN{print a/b}')" "$found")")
  done
  # Undo the changes for the next round: migrate again.
  if [ "$round" -lt "$ROUNDS" ]; then
    psql -q -c "drop database bench_verify" -c "create database bench_verify" >/dev/null
    bin/ficus migrate run --source "$SOURCE" --target "$TARGET" >/dev/null 2>"$W/migrate.log"
    psql -q -d bench_verify -c "VACUUM ANALYZE" >/dev/null
  fi
done
printf '%s\n' "${LINES[@]}"
echo "($ROWS rows; $(nproc) processors; baselines: every row of both databases read once, both at once)"
