#!/usr/bin/env bash
# Installs the build into a temporary staging dir (meson install --destdir,
# as flatpak-builder does into /app) and compares the files under the prefix
# with the expected list.  Also checks what users see from the staged tree:
# the translations load and the schema compiles.
#   usage: check-install-tree.sh BUILD_DIR PREFIX APP_ID EXPECTED_LIST
set -uo pipefail
builddir=${1:?usage: check-install-tree.sh BUILD_DIR PREFIX APP_ID EXPECTED_LIST}
prefix=${2:?}
app_id=${3:?}
expected_list=${4:?}

stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT
status=0

# --no-rebuild: meson test has already built everything; DESTDIR makes the
# post-install cache updates skip themselves, as in a package build.
if ! meson install -C "$builddir" --destdir "$stage" --no-rebuild --quiet >"$stage.log" 2>&1; then
  cat "$stage.log" >&2
  rm -f "$stage.log"
  echo "meson install --destdir failed" >&2
  exit 1
fi
rm -f "$stage.log"

root="$stage$prefix"
actual=$(cd "$root" && find . \( -type f -o -type l \) | sed 's|^\./||' | LC_ALL=C sort)
expected=$(sed -e 's/#.*//' -e 's/[[:space:]]*$//' -e '/^$/d' -e "s/@APP_ID@/$app_id/g" "$expected_list" | LC_ALL=C sort)
outside=$(cd "$stage" && find . \( -type f -o -type l \) | sed 's|^\.||' | grep -v "^$prefix/" || true)

if [[ "$actual" != "$expected" ]]; then
  echo "installed files differ from $(basename "$expected_list") (- expected, + installed):" >&2
  diff <(echo "$expected") <(echo "$actual") | grep -E '^[<>]' | sed -e 's/^</-/' -e 's/^>/+/' >&2
  status=1
fi
if [[ -n "$outside" ]]; then
  echo "files installed outside the prefix $prefix:" >&2
  echo "$outside" >&2
  status=1
fi

# The staged schema compiles, as the Flatpak's glib-compile-schemas would.
if ! glib-compile-schemas --strict --targetdir="$stage" "$root/share/glib-2.0/schemas"; then
  echo "the installed GSettings schema does not compile" >&2
  status=1
fi

# The installed catalogues translate: gettext(1) through the staged locale dir.
for pair in "de:Pharmacy Management=Apothekenverwaltung" \
            "fr:Pharmacy Management=Gestion d’officine" \
            "es:Pharmacy Management=Gestión de farmacia"; do
  lang=${pair%%:*}; rest=${pair#*:}; msgid=${rest%%=*}; want=${rest#*=}
  mo="$root/share/locale/$lang/LC_MESSAGES/pharmatrack.mo"
  got=$(msgunfmt "$mo" 2>/dev/null | msggrep --msgid -F -e "$msgid" 2>/dev/null | msgattrib --no-wrap 2>/dev/null | sed -n 's/^msgstr "\(.*\)"$/\1/p' | tail -1)
  if [[ "$got" != "$want" ]]; then
    echo "$lang: installed catalogue translates '$msgid' as '$got', expected '$want'" >&2
    status=1
  fi
done

((status == 0)) && echo "staged install under $prefix matches $(basename "$expected_list") ($(wc -l <<<"$actual") files)"
exit $status
