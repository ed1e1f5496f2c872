#!/usr/bin/env bash
# Installs exactly the Debian 12 packages PharmaTrack needs to build, run and
# test.  Idempotent: does nothing when everything is present.
set -euo pipefail

packages=(
  # build
  build-essential pkg-config meson ninja-build gettext
  libglib2.0-dev libglib2.0-dev-bin
  libgtk-4-dev libadwaita-1-dev
  libsqlite3-dev libbson-dev libmongoc-dev
  libsoup-3.0-dev libjson-glib-dev libsecret-1-dev libssl-dev
  # tests: real window, accessibility, second driver, validation, PDFs
  xvfb xauth dbus dbus-x11 at-spi2-core
  python3 python3-dogtail python3-pyatspi python3-pymongo
  appstream desktop-file-utils flatpak-builder poppler-utils imagemagick
  python3-gi gir1.2-gdkpixbuf-2.0 librsvg2-common
  sqlite3 clang
  fonts-cantarell adwaita-icon-theme
  # bench-sync: the peak RSS of `sync --once` (GNU time's %M)
  time
)

missing=()
for p in "${packages[@]}"; do
  status=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
  [[ "$status" == "install ok installed" ]] || missing+=("$p")
done

if ((${#missing[@]} == 0)); then
  exit 0
fi

echo "install-deps: installing ${missing[*]}" >&2
SUDO=""
if [[ $(id -u) -ne 0 ]]; then
  SUDO="sudo"
fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -q
$SUDO apt-get install -y -q --no-install-recommends "${missing[@]}"
