#!/usr/bin/env bash
# Runs ../shared/bench/proxy-peers.sh with ficus candidates in one run, so that ratios hold:
#   ficus              stage legacy, in front of 127.0.0.1:18080 (the peers' upstream)
#   ficus-canary       stage canary at weight 50, legacy 127.0.0.1:18080, modern 127.0.0.1:18090, sticky by client IP
#   ficus-shadow       stage shadow: served by 127.0.0.1:18080, every GET mirrored to 127.0.0.1:18090 and diffed
#                      (the peer is nginx-mirror, which only copies and discards)
#   ficus-shadow-slow  stage shadow with a modern that answers 500 ms late (internal/benchtools/slowupstream
#                      on 127.0.0.1:18091): the clients' p99 must stay that of ficus-shadow; its peak RSS is printed
# These four run with GOMAXPROCS=$FICUS_GOMAXPROCS (default 1; empty for Go's default of one per CPU): on a
# 2-core machine that also runs wrk and the upstreams, one P costs ficus less CPU per request than two
# (docs/benchmarks.md). Two more candidates run with Go's default, for comparison:
#   ficus-gomaxprocs   as ficus
#   ficus-shadow-gmp   as ficus-shadow
# Extra arguments go to proxy-peers.sh (e.g. -d 10 -r 3). Needs nginx, haproxy, caddy, wrk (see docs/benchmarks.md).
set -euo pipefail
cd "$(dirname "$0")/.."
PEERS=${PEERS:-../shared/bench/proxy-peers.sh}
PROCS=${FICUS_GOMAXPROCS-1}
# Always rebuilt (incremental): a stale binary would measure old code.
go build -trimpath -o bin/ficus ./cmd/ficus
go build -o bin/slowupstream ./internal/benchtools/slowupstream
W=$(mktemp -d)
PIDS=()
cleanup() { for p in "${PIDS[@]:-}"; do [ -n "$p" ] && kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; rm -rf "$W"; }
trap cleanup EXIT

start() { # name proxy-port admin-port stage weight modern-url gomaxprocs
  cat >"$W/$1.yaml" <<YAML
listen: 127.0.0.1:$2
admin: {listen: 127.0.0.1:$3}
store: $W/$1.db
log: {level: warn}
backends:
  legacy: {urls: [http://127.0.0.1:18080]}
  modern: {urls: [$6]}
routes:
  - name: all
    stage: $4
$( [ "$4" = canary ] && echo "    weight: $5" )
YAML
  if [ -n "$7" ]; then
    GOMAXPROCS=$7 bin/ficus serve --config "$W/$1.yaml" 2>"$W/$1.log" &
  else
    env -u GOMAXPROCS bin/ficus serve --config "$W/$1.yaml" 2>"$W/$1.log" &
  fi
  PIDS+=($!)
  echo "$1 $! $3" >>"$W/instances"
}
MODERN=http://127.0.0.1:18090
start ficus 18085 19085 legacy 0 "$MODERN" "$PROCS"
start ficus-canary 18086 19086 canary 50 "$MODERN" "$PROCS"
start ficus-shadow 18087 19087 shadow 0 "$MODERN" "$PROCS"
bin/slowupstream --listen 127.0.0.1:18091 --delay 500ms &
PIDS+=($!)
start ficus-shadow-slow 18088 19088 shadow 0 http://127.0.0.1:18091 "$PROCS"
start ficus-gomaxprocs 18093 19093 legacy 0 "$MODERN" ""
start ficus-shadow-gmp 18094 19094 shadow 0 "$MODERN" ""
echo "ficus candidates: GOMAXPROCS=${PROCS:-default} (ficus-gomaxprocs and ficus-shadow-gmp: default, nproc=$(nproc))"
"$PEERS" "$@" --candidate ficus=18085 --candidate ficus-canary=18086 --candidate ficus-shadow=18087 \
  --candidate ficus-shadow-slow=18088 --candidate ficus-gomaxprocs=18093 --candidate ficus-shadow-gmp=18094
# What the shadow instances compared and skipped during the run (skips are counted, never silent).
for s in ficus-shadow:19087 ficus-shadow-gmp:19094 ficus-shadow-slow:19088; do
  echo
  echo "${s%%:*} comparisons (from its /metrics):"
  curl -s "http://127.0.0.1:${s##*:}/metrics" | grep -E '^ficus_shadow_(requests|skipped)_total' | grep -v ' 0$' || true
done
echo "ficus-shadow-slow memory (modern 500 ms late):"
grep -E 'VmHWM|VmRSS' "/proc/$(pgrep -f "ficus serve --config $W/ficus-shadow-slow.yaml" | head -1)/status" || true
# CPU time of each ficus process over the whole run (idle between its turns costs next to nothing),
# per request it served: robust to the machine's noise, unlike requests/s.
echo
echo "ficus CPU per request over the run (utime+stime from /proc, requests from /metrics):"
TICK=$(getconf CLK_TCK)
while read -r name pid admin; do
  ticks=$(awk '{print $14+$15}' "/proc/$pid/stat")
  reqs=$(curl -s "http://127.0.0.1:$admin/metrics" | awk '/^ficus_requests_total/ {n+=$2} END {printf "%d", n}')
  awk -v n="$name" -v t="$ticks" -v k="$TICK" -v r="$reqs" 'BEGIN{printf "%-18s %10d requests %6.1f us/request\n", n, r, r ? t/k*1e6/r : 0}'
done <"$W/instances"
