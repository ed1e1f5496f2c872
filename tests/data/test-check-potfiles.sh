#!/usr/bin/env bash
# The POTFILES checker itself must catch an omission: each case builds a
# small source tree in a temporary dir and expects a verdict.
#   usage: test-check-potfiles.sh CHECKER
set -uo pipefail
checker=${1:?usage: test-check-potfiles.sh CHECKER}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
echo "TAP version 13"
echo "1..6"
n=0 failed=0

# case NAME EXPECTED_STATUS EXPECTED_MESSAGE — runs the checker on $tmp/t
case_() {
  local name=$1 want=$2 msg=$3 out status
  n=$((n + 1))
  out=$("$checker" "$tmp/t" 2>&1); status=$?
  if [[ $status -eq $want && "$out" == *"$msg"* ]]; then
    echo "ok $n - /data/potfiles/$name"
  else
    echo "not ok $n - /data/potfiles/$name (status $status, output: $out)"
    failed=1
  fi
}

fresh() {
  rm -rf "$tmp/t"
  mkdir -p "$tmp/t/po" "$tmp/t/src/ui" "$tmp/t/data"
  printf '# list\nsrc/ui/pt-window.c\n' >"$tmp/t/po/POTFILES.in"
  printf 'static void f (void) { g_print ("%%s", _("Dispense")); }\n' >"$tmp/t/src/ui/pt-window.c"
  printf 'int plain (void) { return 0; }\n' >"$tmp/t/src/ui/pt-plain.c"
}

fresh
case_ complete-list-passes 0 "lists all 1 files"

fresh
printf 'const char *s = N_("Expired batch");\n' >"$tmp/t/src/ui/pt-batch.c"
case_ unlisted-c-file-fails 1 "src/ui/pt-batch.c has translatable strings"

fresh
printf '/* label: _("Pharmacist") */\n// N_("Starter")\nconst char *s = "_(";\n' >"$tmp/t/src/ui/pt-comment.c"
case_ marks-in-comments-and-strings-ignored 0 "lists all 1 files"

fresh
printf '<interface><object class="GtkLabel"><property name="label" translatable="yes">Stock</property></object></interface>\n' >"$tmp/t/src/ui/pt-stock.ui"
case_ unlisted-ui-template-fails 1 "src/ui/pt-stock.ui has translatable strings"

fresh
echo 'src/ui/pt-gone.c' >>"$tmp/t/po/POTFILES.in"
case_ listed-missing-file-fails 1 "lists src/ui/pt-gone.c, which does not exist"

fresh
printf '[Desktop Entry]\nName=X\n' >"$tmp/t/data/x.desktop.in.in"
case_ unlisted-desktop-source-fails 1 "data/x.desktop.in.in has translatable strings"

exit $failed
