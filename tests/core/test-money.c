#include "config.h"

#include <limits.h>
#include <locale.h>
#include <string.h>

#include "pt-error.h"
#include "pt-money-private.h"

static PtMoney
parse_ok (const gchar *text,
          const gchar *currency)
{
  g_autoptr(GError) error = NULL;
  PtMoney v = -777;

  g_assert_true (pt_money_parse (text, currency, &v, &error));
  g_assert_no_error (error);
  return v;
}

static void
parse_bad (const gchar *text,
           const gchar *currency)
{
  g_autoptr(GError) error = NULL;
  PtMoney v = 4242;

  g_assert_false (pt_money_parse (text, currency, &v, &error));
  g_assert_error (error, PT_ERROR, PT_ERROR_INVALID);
  g_assert_nonnull (strstr (error->message, "is not an amount of money"));
  g_assert_cmpint (v, ==, 4242);
}

static void
test_currency_digits (void)
{
  g_assert_cmpuint (pt_currency_digits ("EUR"), ==, 2);
  g_assert_cmpuint (pt_currency_digits ("JPY"), ==, 0);
  g_assert_cmpuint (pt_currency_digits ("KWD"), ==, 3);
  g_assert_cmpuint (pt_currency_digits ("jpy"), ==, 0);
  g_assert_cmpuint (pt_currency_digits ("XYZ"), ==, 2);
  g_assert_cmpuint (pt_currency_digits (NULL), ==, 2);
}

static void
test_parse_accepts_common_forms (void)
{
  g_assert_cmpint (parse_ok ("12.34", "EUR"), ==, 1234);
  g_assert_cmpint (parse_ok ("12,34", "EUR"), ==, 1234);
  g_assert_cmpint (parse_ok ("12", "EUR"), ==, 1200);
  g_assert_cmpint (parse_ok ("12.5", "EUR"), ==, 1250);
  g_assert_cmpint (parse_ok ("  0.07 ", "EUR"), ==, 7);
  g_assert_cmpint (parse_ok ("-3.10", "EUR"), ==, -310);
  g_assert_cmpint (parse_ok ("1,234.56", "USD"), ==, 123456);
  g_assert_cmpint (parse_ok ("1.234,56", "EUR"), ==, 123456);
  g_assert_cmpint (parse_ok ("1,234,567", "USD"), ==, 123456700);
  g_assert_cmpint (parse_ok ("1500", "JPY"), ==, 1500);
  /* A lone separator before three digits groups thousands... */
  g_assert_cmpint (parse_ok ("1,500", "JPY"), ==, 1500);
  g_assert_cmpint (parse_ok ("1.500", "EUR"), ==, 150000);
  g_assert_cmpint (parse_ok ("12,345", "USD"), ==, 1234500);
  /* Space-like group separators of fr_FR, de_CH, ... */
  g_assert_cmpint (parse_ok ("1 234,56", "EUR"), ==, 123456);
  g_assert_cmpint (parse_ok ("1\u202f234\u202f567,50", "EUR"), ==, 123456750);
  g_assert_cmpint (parse_ok ("1\u00a0234", "EUR"), ==, 123400);
  g_assert_cmpint (parse_ok ("1'234.50", "CHF"), ==, 123450);
  /* ...unless the currency has three decimals. */
  g_assert_cmpint (parse_ok ("1,500", "KWD"), ==, 1500);
  g_assert_cmpint (parse_ok ("1.234", "KWD"), ==, 1234);
  g_assert_cmpint (parse_ok ("92233720368547758.07", "EUR"), ==, G_MAXINT64);
  g_assert_cmpint (parse_ok ("-92233720368547758.08", "EUR"), ==, G_MININT64);
}

static void
test_parse_rejects_junk_and_overflow (void)
{
  parse_bad ("", "EUR");
  parse_bad ("   ", "EUR");
  parse_bad ("abc", "EUR");
  parse_bad ("12.3456", "EUR");    /* more decimals than the currency */
  parse_bad ("12.34", "JPY");
  parse_bad ("12.5", "JPY");
  parse_bad ("1.2345", "KWD");
  parse_bad (",500", "EUR");
  parse_bad ("1.2.3,4,5", "EUR");
  parse_bad ("12.", "EUR");
  parse_bad (".5", "EUR");
  parse_bad ("€12", "EUR");
  parse_bad ("12 34", "EUR");
  parse_bad ("1 2345", "EUR");
  parse_bad ("12,34 5", "EUR");
  parse_bad ("_123", "EUR");
  parse_bad ("1,23,456.00", "EUR");
  parse_bad ("--1", "EUR");
  parse_bad ("92233720368547758.08", "EUR");
  parse_bad ("99999999999999999999999", "EUR");
  parse_bad (NULL, "EUR");
}

static void
test_plain_round_trips (void)
{
  const PtMoney values[] = { 0, 1, 9, 10, 99, 100, 1234, -1, -1234, 100000000, G_MAXINT64, G_MININT64 };
  const gchar *currencies[] = { "EUR", "JPY", "KWD" };

  for (guint c = 0; c < G_N_ELEMENTS (currencies); c++)
    for (guint i = 0; i < G_N_ELEMENTS (values); i++)
      {
        g_autofree gchar *plain = pt_money_to_plain (values[i], currencies[c]);
        g_assert_cmpint (parse_ok (plain, currencies[c]), ==, values[i]);
      }
  {
    g_autofree gchar *a = pt_money_to_plain (1234, "EUR");
    g_autofree gchar *b = pt_money_to_plain (-5, "EUR");
    g_autofree gchar *c = pt_money_to_plain (1500, "JPY");
    g_autofree gchar *d = pt_money_to_plain (1005, "KWD");
    g_assert_cmpstr (a, ==, "12.34");
    g_assert_cmpstr (b, ==, "-0.05");
    g_assert_cmpstr (c, ==, "1500");
    g_assert_cmpstr (d, ==, "1.005");
  }
}

static void
test_format_c_locale (void)
{
  g_autofree gchar *a = NULL;
  g_autofree gchar *b = NULL;
  g_autofree gchar *c = NULL;

  /* The tests run under LC_ALL=C.UTF-8: no locale currency, no grouping,
   * so the ISO code is shown. */
  setlocale (LC_ALL, "");
  a = pt_money_format (123456, "EUR");
  b = pt_money_format (-5, "EUR");
  c = pt_money_format (1500, "JPY");
  g_assert_cmpstr (a, ==, "EUR 1234.56");
  g_assert_cmpstr (b, ==, "-EUR 0.05");
  g_assert_cmpstr (c, ==, "JPY 1500");
}

static struct lconv
de_de_lconv (void)
{
  /* glibc's de_DE.UTF-8 LC_MONETARY. */
  struct lconv lc;

  memset (&lc, 0, sizeof lc);
  lc.int_curr_symbol = (gchar *) "EUR ";
  lc.currency_symbol = (gchar *) "€";
  lc.mon_decimal_point = (gchar *) ",";
  lc.mon_thousands_sep = (gchar *) ".";
  lc.mon_grouping = (gchar *) "\3\3";
  lc.positive_sign = (gchar *) "";
  lc.negative_sign = (gchar *) "-";
  lc.p_cs_precedes = 0;
  lc.p_sep_by_space = 1;
  lc.n_cs_precedes = 0;
  lc.n_sep_by_space = 1;
  lc.p_sign_posn = 1;
  lc.n_sign_posn = 1;
  return lc;
}

static struct lconv
en_us_lconv (void)
{
  struct lconv lc;

  memset (&lc, 0, sizeof lc);
  lc.int_curr_symbol = (gchar *) "USD ";
  lc.currency_symbol = (gchar *) "$";
  lc.mon_decimal_point = (gchar *) ".";
  lc.mon_thousands_sep = (gchar *) ",";
  lc.mon_grouping = (gchar *) "\3\3";
  lc.positive_sign = (gchar *) "";
  lc.negative_sign = (gchar *) "-";
  lc.p_cs_precedes = 1;
  lc.p_sep_by_space = 0;
  lc.n_cs_precedes = 1;
  lc.n_sep_by_space = 0;
  lc.p_sign_posn = 1;
  lc.n_sign_posn = 1;
  return lc;
}

static void
test_format_follows_locale_conventions (void)
{
  struct lconv de = de_de_lconv ();
  struct lconv us = en_us_lconv ();
  g_autofree gchar *a = _pt_money_format_with (123456789, "EUR", &de);
  g_autofree gchar *b = _pt_money_format_with (-1250, "EUR", &de);
  g_autofree gchar *c = _pt_money_format_with (123456, "USD", &us);
  g_autofree gchar *d = _pt_money_format_with (-5, "USD", &us);
  /* Another currency than the locale's: its code, the locale's digits. */
  g_autofree gchar *e = _pt_money_format_with (123456, "GBP", &de);
  g_autofree gchar *f = _pt_money_format_with (99, "EUR", &de);

  g_assert_cmpstr (a, ==, "1.234.567,89 €");
  g_assert_cmpstr (b, ==, "-12,50 €");
  g_assert_cmpstr (c, ==, "$1,234.56");
  g_assert_cmpstr (d, ==, "-$0.05");
  g_assert_cmpstr (e, ==, "1.234,56 GBP");
  g_assert_cmpstr (f, ==, "0,99 €");
}

static void
test_plain_display_uses_locale_decimal_mark (void)
{
  struct lconv de = de_de_lconv ();
  struct lconv us = en_us_lconv ();
  g_autofree gchar *a = _pt_money_to_plain_with (250, "GBP", &de);
  g_autofree gchar *b = _pt_money_to_plain_with (123456, "EUR", &de);
  g_autofree gchar *c = _pt_money_to_plain_with (250, "GBP", &us);
  g_autofree gchar *d = _pt_money_to_plain_with (1500, "JPY", &de);
  PtMoney back = 0;

  /* What a German cashier sees prefilled and may type over: a comma, no
   * thousands separator, and it parses back to the same amount. */
  g_assert_cmpstr (a, ==, "2,50");
  g_assert_cmpstr (b, ==, "1234,56");
  g_assert_cmpstr (c, ==, "2.50");
  g_assert_cmpstr (d, ==, "1500");
  g_assert_true (pt_money_parse (b, "EUR", &back, NULL));
  g_assert_cmpint (back, ==, 123456);
  g_assert_true (pt_money_parse (a, "GBP", &back, NULL));
  g_assert_cmpint (back, ==, 250);
}

static void
test_format_sign_positions (void)
{
  struct lconv us = en_us_lconv ();
  g_autofree gchar *paren = NULL;
  g_autofree gchar *after = NULL;

  us.n_sign_posn = 0;
  paren = _pt_money_format_with (-1234, "USD", &us);
  g_assert_cmpstr (paren, ==, "($12.34)");
  us.n_sign_posn = 2;
  after = _pt_money_format_with (-1234, "USD", &us);
  g_assert_cmpstr (after, ==, "$12.34-");
}

static void
test_mul_detects_overflow (void)
{
  PtMoney out = 0;

  g_assert_true (pt_money_mul (1250, 3, &out));
  g_assert_cmpint (out, ==, 3750);
  g_assert_true (pt_money_mul (-1250, 3, &out));
  g_assert_cmpint (out, ==, -3750);
  out = 11;
  g_assert_false (pt_money_mul (G_MAXINT64 / 2, 3, &out));
  g_assert_cmpint (out, ==, 11);
  g_assert_false (pt_money_mul (G_MININT64, -1, &out));
}

static void
test_tax_rounds_half_away_from_zero (void)
{
  g_assert_cmpint (pt_money_tax (1000, 2000), ==, 200);   /* 20 % of 10.00 */
  g_assert_cmpint (pt_money_tax (1, 5000), ==, 1);        /* 0.5 → 1 */
  g_assert_cmpint (pt_money_tax (-1, 5000), ==, -1);      /* -0.5 → -1 */
  g_assert_cmpint (pt_money_tax (1, 4999), ==, 0);        /* 0.4999 → 0 */
  g_assert_cmpint (pt_money_tax (-1, 4999), ==, 0);
  g_assert_cmpint (pt_money_tax (999, 700), ==, 70);      /* 69.93 → 70 */
  g_assert_cmpint (pt_money_tax (250, 1000), ==, 25);
  g_assert_cmpint (pt_money_tax (25, 1000), ==, 3);       /* 2.5 → 3 */
  g_assert_cmpint (pt_money_tax (-25, 1000), ==, -3);
  g_assert_cmpint (pt_money_tax (12345, 0), ==, 0);
  g_assert_cmpint (pt_money_tax (12345, 10000), ==, 12345);
  /* Large amounts do not overflow in the intermediate product. */
  g_assert_cmpint (pt_money_tax (G_MAXINT64 / 2, 2000), ==, (G_MAXINT64 / 2) / 5 + 1);
}

static void
test_date_parse (void)
{
  g_autoptr(GError) error = NULL;
  PtTime t = 0;
  const gchar *bad[] = { "2026-02-30", "2026-13-01", "2026-1-01", "26-01-01",
                         "2026/01/01", "2026-01-01T00:00", "", "abcd-ef-gh", "0000-01-01" };

  g_assert_true (pt_date_parse ("1970-01-02", &t, &error));
  g_assert_no_error (error);
  g_assert_cmpint (t, ==, PT_MS_PER_DAY);
  g_assert_true (pt_date_parse ("2024-02-29", &t, NULL));
  g_assert_true (pt_date_parse ("1960-06-15", &t, NULL));
  g_assert_cmpint (t, <, 0);

  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autoptr(GError) e = NULL;
      g_assert_false (pt_date_parse (bad[i], &t, &e));
      g_assert_error (e, PT_ERROR, PT_ERROR_INVALID);
    }
}

static void
test_time_format_iso (void)
{
  g_autofree gchar *a = pt_time_format_iso (1795773600123LL, FALSE);
  g_autofree gchar *b = pt_time_format_iso (1795773600123LL, TRUE);
  g_autofree gchar *c = pt_time_format_iso (-1, FALSE);
  PtTime t;
  g_autofree gchar *d = NULL;

  g_assert_cmpstr (a, ==, "2026-11-27T10:00:00.123Z");
  g_assert_cmpstr (b, ==, "2026-11-27");
  g_assert_cmpstr (c, ==, "1969-12-31T23:59:59.999Z");
  g_assert_true (pt_date_parse ("2031-07-04", &t, NULL));
  d = pt_time_format_iso (t, TRUE);
  g_assert_cmpstr (d, ==, "2031-07-04");
  g_assert_cmpint (ABS (pt_time_now () - g_get_real_time () / 1000), <, 5000);
}

static void
test_time_parse_iso (void)
{
  PtTime t = 0;
  const gchar *bad[] = { NULL, "", "yesterday", "2026-11-27T25:00:00Z", "2026-02-30", "2026-11-27 10:00" };

  g_assert_true (pt_time_parse_iso ("2026-11-27T10:00:00.123Z", &t, NULL));
  g_assert_cmpint (t, ==, 1795773600123LL);
  g_assert_true (pt_time_parse_iso ("2026-11-27T11:00:00+01:00", &t, NULL));
  g_assert_cmpint (t, ==, 1795773600000LL);
  g_assert_true (pt_time_parse_iso ("2026-11-27T10:00:00", &t, NULL));
  g_assert_cmpint (t, ==, 1795773600000LL);
  g_assert_true (pt_time_parse_iso ("2026-11-27", &t, NULL));
  g_assert_cmpint (t, ==, 1795773600000LL - 10 * 3600 * 1000);
  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autoptr(GError) e = NULL;
      g_assert_false (pt_time_parse_iso (bad[i], &t, &e));
      g_assert_error (e, PT_ERROR, PT_ERROR_INVALID);
    }
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/core/money/currency-digits", test_currency_digits);
  g_test_add_func ("/core/money/parse-accepts-common-forms", test_parse_accepts_common_forms);
  g_test_add_func ("/core/money/parse-rejects-junk-and-overflow", test_parse_rejects_junk_and_overflow);
  g_test_add_func ("/core/money/plain-round-trips", test_plain_round_trips);
  g_test_add_func ("/core/money/format-c-locale", test_format_c_locale);
  g_test_add_func ("/core/money/format-follows-locale-conventions", test_format_follows_locale_conventions);
  g_test_add_func ("/core/money/format-sign-positions", test_format_sign_positions);
  g_test_add_func ("/core/money/plain-display-uses-locale-decimal-mark",
                   test_plain_display_uses_locale_decimal_mark);
  g_test_add_func ("/core/money/mul-detects-overflow", test_mul_detects_overflow);
  g_test_add_func ("/core/money/tax-rounds-half-away-from-zero", test_tax_rounds_half_away_from_zero);
  g_test_add_func ("/core/money/date-parse", test_date_parse);
  g_test_add_func ("/core/money/time-format-iso", test_time_format_iso);
  g_test_add_func ("/core/money/time-parse-iso", test_time_parse_iso);
  return g_test_run ();
}
