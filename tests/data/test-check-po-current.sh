#!/usr/bin/env bash
# The catalogue-currency checker itself must catch a string the sources
# gained after the last update-po: each case builds a small tree in a
# temporary dir and expects a verdict.
#   usage: test-check-po-current.sh CHECKER
set -uo pipefail
checker=${1:?usage: test-check-po-current.sh CHECKER}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
echo "TAP version 13"
echo "1..4"
n=0 failed=0

case_() {  # NAME EXPECTED_STATUS EXPECTED_MESSAGE
  local name=$1 want=$2 msg=$3 out status
  n=$((n + 1))
  out=$(/usr/bin/python3 "$checker" "$tmp/t" 2>&1); status=$?
  if [[ $status -eq $want && "$out" == *"$msg"* ]]; then
    echo "ok $n - /data/po-current/$name"
  else
    echo "not ok $n - /data/po-current/$name (status $status, output: $out)"
    failed=1
  fi
}

fresh() {
  rm -rf "$tmp/t"
  mkdir -p "$tmp/t/po" "$tmp/t/src"
  echo de >"$tmp/t/po/LINGUAS"
  echo src/pt-a.c >"$tmp/t/po/POTFILES.in"
  cat >"$tmp/t/src/pt-a.c" <<'C'
static void f (guint n) { g_print ("%s", _("Batch")); g_print (g_dngettext (NULL, "%u box", "%u boxes", n), n); }
C
  cat >"$tmp/t/po/de.po" <<'PO'
msgid ""
msgstr ""
"Content-Type: text/plain; charset=UTF-8\n"
"Plural-Forms: nplurals=2; plural=(n != 1);\n"

msgid "Batch"
msgstr "Charge"

#, c-format
msgid "%u box"
msgid_plural "%u boxes"
msgstr[0] "%u Packung"
msgstr[1] "%u Packungen"
PO
}

fresh
case_ translated-sources-pass 0 "de.po translates all 2 messages"

fresh
echo 'static const char *s = N_("Expiry date");' >>"$tmp/t/src/pt-a.c"
case_ new-string-fails 1 'src/pt-a.c:2: "Expiry date"'

fresh
sed -i 's/^msgid "Batch"/#, fuzzy\nmsgid "Batch"/' "$tmp/t/po/de.po"
case_ fuzzy-translation-fails 1 '"Batch"'

fresh
sed -i 's/_("Batch")/_("Batch number")/' "$tmp/t/src/pt-a.c"
case_ changed-string-fails 1 '"Batch number"'

exit $failed
