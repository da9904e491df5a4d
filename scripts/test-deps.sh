#!/usr/bin/env bash
# Installs, with apt-get, the Debian packages that the tests need when they are missing.
# The gateway tests need nothing beyond Go; later capabilities add database servers here.
set -euo pipefail
need=()
# (package:command) pairs; extend as tests start needing real servers.
for pc in ${FICUS_TEST_PACKAGES:-}; do
  pkg=${pc%%:*} cmd=${pc##*:}
  command -v "$cmd" >/dev/null 2>&1 || need+=("$pkg")
done
if [ ${#need[@]} -gt 0 ]; then
  echo "installing test dependencies: ${need[*]}" >&2
  SUDO=""; [ "$(id -u)" = 0 ] || SUDO=sudo
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${need[@]}"
fi
