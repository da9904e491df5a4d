#!/usr/bin/env bash
# Runs ../shared/bench/proxy-peers.sh with two ficus candidates in one run, so that ratios hold:
#   ficus         stage legacy, in front of 127.0.0.1:18080 (the peers' upstream)
#   ficus-canary  stage canary at weight 50, legacy 127.0.0.1:18080, modern 127.0.0.1:18090, sticky by client IP
#   ficus-shadow  stage shadow: served by 127.0.0.1:18080, every GET mirrored to 127.0.0.1:18090 and diffed
#                 (the peer is nginx-mirror, which only copies and discards)
#   ficus-shadow-slow  stage shadow with a modern that answers 500 ms late (internal/benchtools/slowupstream
#                 on 127.0.0.1:18091): the clients' p99 must stay that of pass-through; its peak RSS is printed
# Extra arguments go to proxy-peers.sh (e.g. -d 10 -r 3). Needs nginx, haproxy, caddy, wrk (see docs/benchmarks.md).
set -euo pipefail
cd "$(dirname "$0")/.."
PEERS=${PEERS:-../shared/bench/proxy-peers.sh}
[ -x bin/ficus ] || go build -trimpath -o bin/ficus ./cmd/ficus
W=$(mktemp -d)
PIDS=()
cleanup() { for p in "${PIDS[@]:-}"; do [ -n "$p" ] && kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; rm -rf "$W"; }
trap cleanup EXIT

start() { # name proxy-port admin-port stage weight [modern-url]
  cat >"$W/$1.yaml" <<YAML
listen: 127.0.0.1:$2
admin: {listen: 127.0.0.1:$3}
store: $W/$1.db
log: {level: warn}
backends:
  legacy: {urls: [http://127.0.0.1:18080]}
  modern: {urls: [${6:-http://127.0.0.1:18090}]}
routes:
  - name: all
    stage: $4
$( [ "$4" = canary ] && echo "    weight: $5" )
YAML
  bin/ficus serve --config "$W/$1.yaml" 2>"$W/$1.log" &
  PIDS+=($!)
}
start ficus 18085 19085 legacy 0
start ficus-canary 18086 19086 canary 50
start ficus-shadow 18087 19087 shadow 0
[ -x bin/slowupstream ] || go build -o bin/slowupstream ./internal/benchtools/slowupstream
bin/slowupstream --listen 127.0.0.1:18091 --delay 500ms &
PIDS+=($!)
start ficus-shadow-slow 18088 19088 shadow 0 http://127.0.0.1:18091
"$PEERS" "$@" --candidate ficus=18085 --candidate ficus-canary=18086 --candidate ficus-shadow=18087 \
  --candidate ficus-shadow-slow=18088
# What the shadow instance compared and skipped during the run (skips are counted, never silent).
echo
echo "ficus-shadow comparisons (from its /metrics):"
curl -s http://127.0.0.1:19087/metrics | grep -E '^ficus_shadow_(requests|skipped)_total' || true
echo "ficus-shadow-slow comparisons and memory (modern 500 ms late):"
curl -s http://127.0.0.1:19088/metrics | grep -E '^ficus_shadow_(requests|skipped)_total' || true
grep -E 'VmHWM|VmRSS' "/proc/$(pgrep -f "ficus serve --config $W/ficus-shadow-slow.yaml" | head -1)/status" || true
