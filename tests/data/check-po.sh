#!/usr/bin/env bash
# Every translation in po/LINGUAS: msgfmt --check (format strings, header,
# plural forms) passes, and it is complete — no untranslated and no fuzzy
# message — because a half-translated counter screen is worse than English.
#   usage: check-po.sh PO_DIR
set -uo pipefail
podir=${1:?usage: check-po.sh PO_DIR}
status=0

declare -A plural=(
  [de]='nplurals=2; plural=(n != 1);'
  [es]='nplurals=2; plural=(n != 1);'
  [fr]='nplurals=2; plural=(n > 1);'
)

langs=$(sed -e 's/#.*//' "$podir/LINGUAS" | tr -s ' \t' '\n' | sed '/^$/d')
[[ -n "$langs" ]] || { echo "po/LINGUAS is empty" >&2; exit 1; }
for po in "$podir"/*.po; do
  l=$(basename "$po" .po)
  grep -qx "$l" <<<"$langs" || { echo "$l.po is not listed in po/LINGUAS" >&2; status=1; }
done

for l in $langs; do
  po="$podir/$l.po"
  if [[ ! -f "$po" ]]; then
    echo "po/LINGUAS lists $l but $l.po does not exist" >&2
    status=1
    continue
  fi
  if ! msgfmt --check --check-format --check-header -o /dev/null "$po"; then
    echo "$l.po: msgfmt --check failed" >&2
    status=1
  fi
  stats=$(LC_ALL=C msgfmt --statistics -o /dev/null "$po" 2>&1)
  if [[ "$stats" == *untranslated* || "$stats" == *fuzzy* ]]; then
    echo "$l.po is incomplete: $stats" >&2
    status=1
  fi
  if [[ -n "${plural[$l]:-}" ]] && ! grep -qF "\"Plural-Forms: ${plural[$l]}\\n\"" "$po"; then
    echo "$l.po: Plural-Forms is not '${plural[$l]}'" >&2
    status=1
  fi
  echo "$l.po: $stats"
done
exit $status
