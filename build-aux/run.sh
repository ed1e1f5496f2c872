#!/usr/bin/env bash
# Installs what is missing, builds, and starts PharmaTrack on local demo data
# (no account, no network).  Extra arguments go to the app.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
builddir=${PHARMATRACK_BUILDDIR:-$top/_build}

"$top/build-aux/install-deps.sh"
if [[ ! -f "$builddir/build.ninja" ]]; then
  meson setup "$builddir" "$top"
fi
meson compile -C "$builddir"

data_dir=${PHARMATRACK_DATA_DIR:-${XDG_DATA_HOME:-$HOME/.local/share}/pharmatrack-demo}
export GSETTINGS_SCHEMA_DIR="$builddir/data"
exec "$builddir/src/ui/pharmatrack" --data-dir "$data_dir" "$@"
