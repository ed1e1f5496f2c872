/* test-ui-format.c: money, dates and counts as staff read them, in fixed
 * locales: C.UTF-8 (always there) and de_DE, en_GB, en_US compiled into
 * the build dir by make-locale.sh (LOCPATH); a locale that could not be
 * compiled is skipped, with a message.  TZ=UTC (see meson). */
#define G_LOG_DOMAIN "pt-test"
#include "config.h"

#include <locale.h>
#include "pt-core.h"
#include "pt-ui-util.h"

/* 5 March 2027 14:05 UTC; an expiry date is midnight UTC of its day. */
#define EXPIRY ((PtTime) 1804204800000)
#define AFTERNOON (EXPIRY + (14 * 60 + 5) * 60 * 1000)

static gboolean
use_locale (const gchar *name)
{
  static gchar *locpath = NULL;

  /* glibc then looks only in LOCPATH: C.UTF-8 lives in the system dir. */
  if (locpath == NULL)
    locpath = g_strdup (g_getenv ("LOCPATH") ? g_getenv ("LOCPATH") : "");
  if (g_str_has_prefix (name, "C."))
    g_unsetenv ("LOCPATH");
  else if (*locpath != '\0')
    g_setenv ("LOCPATH", locpath, TRUE);
  if (setlocale (LC_ALL, name) == NULL)
    {
      g_autofree gchar *why = g_strdup_printf ("locale %s is not available (LOCPATH=%s)", name,
                                               g_getenv ("LOCPATH") ? g_getenv ("LOCPATH") : "");
      g_test_skip (why);
      return FALSE;
    }
  return TRUE;
}

static void
assert_money (PtMoney amount, const gchar *currency, const gchar *expected)
{
  g_autofree gchar *text = pt_ui_format_money (amount, currency);

  g_assert_cmpstr (text, ==, expected);
}

static void
assert_date (PtTime t, gboolean with_time, const gchar *expected)
{
  g_autofree gchar *text = with_time ? pt_ui_format_date_time (t) : pt_ui_format_date (t);

  g_assert_cmpstr (text, ==, expected);
}

static void
test_c_locale_reads_like_english (void)
{
  g_autofree gchar *count = NULL;

  if (!use_locale ("C.UTF-8"))
    return;
  /* Not "GBP 0.54": the symbol, grouping, a dot. */
  assert_money (54, "GBP", "£0.54");
  assert_money (123456, "EUR", "€1,234.56");
  assert_money (-5, "GBP", "-£0.05");
  assert_money (123456789, "USD", "$1,234,567.89");
  assert_money (1500, "JPY", "¥1,500");
  assert_money (1250, "CHF", "CHF 12.50");
  assert_date (EXPIRY, FALSE, "5 Mar 2027");
  assert_date (AFTERNOON, TRUE, "5 Mar 2027 14:05");
  count = pt_ui_format_count (12345678);
  g_assert_cmpstr (count, ==, "12,345,678");
}

static void
test_de_de_puts_the_euro_after (void)
{
  g_autofree gchar *count = NULL;

  if (!use_locale ("de_DE.UTF-8"))
    return;
  assert_money (54, "EUR", "0,54 €");
  assert_money (123456789, "EUR", "1.234.567,89 €");
  assert_money (-1250, "EUR", "-12,50 €");
  /* Another currency keeps the German digits and placement. */
  assert_money (123456, "GBP", "1.234,56 £");
  assert_money (1250, "CHF", "12,50 CHF");
  assert_date (EXPIRY, FALSE, "05.03.2027");
  assert_date (AFTERNOON, TRUE, "05.03.2027 14:05");
  count = pt_ui_format_count (12345678);
  g_assert_cmpstr (count, ==, "12.345.678");
}

static void
test_en_gb_pounds_and_day_first (void)
{
  if (!use_locale ("en_GB.UTF-8"))
    return;
  assert_money (54, "GBP", "£0.54");
  assert_money (123456, "GBP", "£1,234.56");
  assert_money (-5, "GBP", "-£0.05");
  assert_money (123456, "EUR", "€1,234.56");
  assert_date (EXPIRY, FALSE, "05/03/2027");
  assert_date (AFTERNOON, TRUE, "05/03/2027 14:05");
}

static void
test_en_us_month_first_and_twelve_hours (void)
{
  if (!use_locale ("en_US.UTF-8"))
    return;
  assert_money (123456, "USD", "$1,234.56");
  assert_money (54, "GBP", "£0.54");
  assert_date (EXPIRY, FALSE, "03/05/2027");
  assert_date (AFTERNOON, TRUE, "03/05/2027 2:05 PM");
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/ui/format/c-locale-reads-like-english", test_c_locale_reads_like_english);
  g_test_add_func ("/ui/format/de-de-puts-the-euro-after", test_de_de_puts_the_euro_after);
  g_test_add_func ("/ui/format/en-gb-pounds-and-day-first", test_en_gb_pounds_and_day_first);
  g_test_add_func ("/ui/format/en-us-month-first-and-twelve-hours", test_en_us_month_first_and_twelve_hours);
  return g_test_run ();
}
