#!/usr/bin/env bash
# Installs what is missing, builds, runs every test suite and prints the logs
# of the tests that failed.  Exit status: 0 only when everything passed.
set -uo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
builddir=${PHARMATRACK_BUILDDIR:-$top/_build}

"$top/build-aux/install-deps.sh" || exit 1
if [[ ! -f "$builddir/build.ninja" ]]; then
  meson setup "$builddir" "$top" || exit 1
fi
meson compile -C "$builddir" || exit 1

status=0
meson test -C "$builddir" --print-errorlogs --num-processes 2 \
  --timeout-multiplier "${PT_TIMEOUT_MULTIPLIER:-1}" "$@" || status=$?
exit $status
