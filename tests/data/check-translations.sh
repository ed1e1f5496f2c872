#!/usr/bin/env bash
# What a German, French or Spanish user sees before starting the app: the
# app grid entry and the GNOME Software page are translated, with the
# pharmacy vocabulary of each language.
#   usage: check-translations.sh DESKTOP_FILE METAINFO_FILE
set -uo pipefail
desktop=${1:?usage: check-translations.sh DESKTOP_FILE METAINFO_FILE}
metainfo=${2:?}
status=0
echo "TAP version 13"
echo "1..6"
n=0

ok() {  # NAME PROBLEM...
  n=$((n + 1))
  if (($# == 1)); then echo "ok $n - /data/translations/$1"
  else echo "not ok $n - /data/translations/$1"; shift; printf '# %s\n' "$@"; status=1; fi
}

for pair in "de=Apothekenverwaltung" "fr=Gestion d’officine" "es=Gestión de farmacia"; do
  lang=${pair%%=*}; want=${pair#*=}
  got=$(grep -m1 "^GenericName\[$lang\]=" "$desktop" | cut -d= -f2-)
  if [[ "$got" == "$want" ]]; then ok "desktop-generic-name-$lang"
  else ok "desktop-generic-name-$lang" "GenericName[$lang] is '$got', expected '$want'"; fi
done

# metainfo: the summary, every screenshot caption and the batch/expiry
# vocabulary per language.
check_metainfo() {  # LANG TERM...
  local lang=$1 text problems=()
  shift
  text=$(grep -F "xml:lang=\"$lang\"" "$metainfo")
  grep -q "<summary xml:lang=\"$lang\">" <<<"$text" || problems+=("no $lang summary")
  # Every screenshot caption GNOME Software shows is in the language too.
  local n_en n_lang
  n_en=$(grep -c '<caption>' "$metainfo")
  n_lang=$(grep -c "<caption xml:lang=\"$lang\">" <<<"$text")
  ((n_en > 0 && n_lang == n_en)) || problems+=("$n_lang of $n_en screenshot captions in $lang")
  for term in "$@"; do
    grep -qF "$term" <<<"$text" || problems+=("no '$term' in the $lang description")
  done
  ok "metainfo-$lang-uses-pharmacy-vocabulary" "${problems[@]}"
}
check_metainfo de "Charge" "Ablaufdatum"
check_metainfo fr "lot" "date de péremption"
check_metainfo es "lote" "fecha de caducidad"
exit $status
