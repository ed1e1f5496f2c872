#!/bin/sh
# Compiles one glibc locale (e.g. de_DE) into the build dir for the
# formatting tests (LOCPATH points there): no root, nothing system-wide.
# Without localedef or the `locales` data the dir stays empty and the tests
# of that locale are skipped.
# usage: make-locale.sh de_DE OUTPUT_DIR
mkdir -p "$2"
command -v localedef >/dev/null 2>&1 || exit 0
localedef -i "$1" -f UTF-8 "$2" >/dev/null 2>&1 || true
exit 0
