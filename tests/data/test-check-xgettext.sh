#!/usr/bin/env bash
# The xgettext checker itself must catch a message that can never be
# translated: each case builds a one-file source tree in a temporary dir and
# expects a verdict.
#   usage: test-check-xgettext.sh CHECKER
set -uo pipefail
checker=${1:?usage: test-check-xgettext.sh CHECKER}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
echo "TAP version 13"
echo "1..7"
n=0 failed=0

# case NAME EXPECTED_STATUS EXPECTED_MESSAGE C_SOURCE
case_() {
  local name=$1 want=$2 msg=$3 out status
  n=$((n + 1))
  rm -rf "$tmp/t"
  mkdir -p "$tmp/t/po" "$tmp/t/src"
  echo 'src/pt-x.c' >"$tmp/t/po/POTFILES.in"
  printf '%s\n' "$4" >"$tmp/t/src/pt-x.c"
  out=$(/usr/bin/python3 "$checker" "$tmp/t" 2>&1); status=$?
  if [[ $status -eq $want && "$out" == *"$msg"* ]]; then
    echo "ok $n - /data/xgettext/$name"
  else
    echo "not ok $n - /data/xgettext/$name (status $status, output: $out)"
    failed=1
  fi
}

case_ inttypes-macro-passes 0 "1 messages extracted, none cut short" \
'#include <inttypes.h>
void f (gint64 n) { g_print (_("Dispensed %" PRId64 " boxes"), n); }'

case_ gint64-format-in-message-fails 1 "src/pt-x.c:2: G_GINT64_FORMAT is glued into the message of _()" \
'
void f (gint64 n) { g_print (_("Dispensed %" G_GINT64_FORMAT " boxes"), n); }'

case_ macro-on-a-continuation-line-fails 1 "src/pt-x.c:2: G_GSIZE_FORMAT is glued into the message of g_dngettext()" \
'void f (gsize n) { g_print (g_dngettext (GETTEXT_PACKAGE, "one box",
                                "%" G_GSIZE_FORMAT " boxes", n), n); }'

case_ string-macro-in-message-fails 1 "PT_EMAIL is glued into the message of _()" \
'#define PT_EMAIL "a@b.c"
const char *s = N_("x"); void f (void) { g_print (_("Write to " PT_EMAIL " today")); }'

case_ macro-outside-message-passes 0 "2 messages extracted" \
'void f (gint64 n, const char *a) {
  g_debug ("n=%" G_GINT64_FORMAT, n);
  g_print (_("Lot %s"), a);
  /* _("x" G_GINT64_FORMAT) in a comment */
  g_print (g_dngettext (GETTEXT_PACKAGE, "%s box", "%s boxes", n), a); }'

case_ truncated-msgid-in-template-fails 1 'msgid cut short at a macro: msgid "Expiry in %"' \
'#define DAYS "d days"
void f (void) { g_print (dcgettext (NULL, "Expiry in %" DAYS, LC_MESSAGES)); }'

case_ same-msgid-with-and-without-plural-fails 1 "used without plural and with plural" \
'void f (int n) { g_print (_("%d boxes"), n); g_print (ngettext ("%d boxes", "%d boxess", n), n); }'

exit $failed
