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
  # the German locale of the localisation test (generated below)
  locales
)

missing=()
for p in "${packages[@]}"; do
  status=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
  [[ "$status" == "install ok installed" ]] || missing+=("$p")
done

SUDO=""
if [[ $(id -u) -ne 0 ]]; then
  SUDO="sudo"
fi

if ((${#missing[@]} > 0)); then
  echo "install-deps: installing ${missing[*]}" >&2
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -q
  $SUDO apt-get install -y -q --no-install-recommends "${missing[@]}"
fi

# German number, date and money formats for the e2e-l10n test: generate
# de_DE.UTF-8 the Debian way (enabled in /etc/locale.gen, so a later
# locale-gen keeps it), only when it is not there yet.
if ! locale -a 2>/dev/null | grep -qixE 'de_DE\.utf-?8'; then
  echo "install-deps: generating the de_DE.UTF-8 locale" >&2
  if grep -qE '^# *de_DE\.UTF-8 UTF-8' /etc/locale.gen 2>/dev/null; then
    $SUDO sed -i -E 's/^# *(de_DE\.UTF-8 UTF-8)/\1/' /etc/locale.gen
  elif ! grep -qE '^de_DE\.UTF-8 UTF-8' /etc/locale.gen 2>/dev/null; then
    echo 'de_DE.UTF-8 UTF-8' | $SUDO tee -a /etc/locale.gen >/dev/null
  fi
  $SUDO locale-gen
fi
