/* pt-money-display.c: money as staff read it on screen — the currency's
 * own symbol ("£0.54", "0,54 €") placed and separated as the locale does,
 * also for a currency that is not the locale's own, and a readable
 * English form in a locale without monetary conventions (C, POSIX). */
#define G_LOG_DOMAIN "pt-core"
#include "config.h"

#include <limits.h>
#include <string.h>

#include "pt-money-private.h"

/* Symbols staff recognise without ambiguity; the others show their ISO
 * code ("CHF 12.50").  A dollar is "$" only where no other dollar is the
 * local one. */
static const struct
{
  const gchar *code;
  const gchar *symbol;
} currency_symbols[] = {
  { "GBP", "£" }, { "EUR", "€" }, { "USD", "$" }, { "JPY", "¥" },
  { "INR", "₹" }, { "KRW", "₩" }, { "ILS", "₪" }, { "NGN", "₦" },
  { "TRY", "₺" }, { "UAH", "₴" }, { "RUB", "₽" }, { "PLN", "zł" },
  { "BRL", "R$" }, { "CAD", "CA$" }, { "AUD", "A$" }, { "NZD", "NZ$" },
  { "HKD", "HK$" }, { "MXN", "MX$" },
};

static const gchar *
symbol_for (const gchar        *code,
            const struct lconv *lc)
{
  const gchar *local = lc->currency_symbol;

  for (guint i = 0; i < G_N_ELEMENTS (currency_symbols); i++)
    if (g_str_equal (currency_symbols[i].code, code))
      {
        if (g_str_equal (code, "USD") && local != NULL && strchr (local, '$') != NULL)
          return "US$";
        return currency_symbols[i].symbol;
      }
  return NULL;
}

static gboolean
is_letters (const gchar *s)
{
  for (; *s != '\0'; s++)
    if (!g_ascii_isalpha (*s))
      return FALSE;
  return TRUE;
}

gchar *
_pt_money_format_display_with (PtMoney             amount,
                               const gchar        *currency,
                               const struct lconv *lc)
{
  struct lconv display = *lc;
  g_autofree gchar *code = g_ascii_strup (currency ? currency : "", -1);
  g_autofree gchar *int_symbol = NULL;
  gboolean own;
  const gchar *symbol;

  if (lc->mon_decimal_point == NULL || *lc->mon_decimal_point == '\0')
    {
      /* No monetary conventions (C, POSIX): "£1,234.56", "-£0.05". */
      display.mon_decimal_point = (gchar *) ".";
      display.mon_thousands_sep = (gchar *) ",";
      display.mon_grouping = (gchar *) "\3";
      display.positive_sign = (gchar *) "";
      display.negative_sign = (gchar *) "-";
      display.p_cs_precedes = display.n_cs_precedes = 1;
      display.p_sep_by_space = display.n_sep_by_space = 0;
      display.p_sign_posn = display.n_sign_posn = 1;
      display.currency_symbol = (gchar *) "";
      display.int_curr_symbol = (gchar *) "";
    }

  own = lc->int_curr_symbol != NULL && strlen (lc->int_curr_symbol) >= 3 && *code != '\0'
        && g_ascii_strncasecmp (lc->int_curr_symbol, code, 3) == 0
        && lc->currency_symbol != NULL && *lc->currency_symbol != '\0';
  if (own || *code == '\0')
    return _pt_money_format_with (amount, currency, &display);

  symbol = symbol_for (code, lc);
  if (symbol == NULL)
    {
      /* The ISO code, with the locale's digits and placement. */
      display.int_curr_symbol = (gchar *) "";
      display.currency_symbol = (gchar *) "";
      return _pt_money_format_with (amount, currency, &display);
    }

  /* Present the currency as if it were the locale's own: the formatter
   * then uses its symbol with the locale's placement. */
  int_symbol = g_strconcat (code, " ", NULL);
  display.int_curr_symbol = int_symbol;
  display.currency_symbol = (gchar *) symbol;
  if (is_letters (symbol))
    {
      /* "CHF" and the like need a space to stay readable. */
      if (display.p_sep_by_space == 0 || display.p_sep_by_space == CHAR_MAX)
        display.p_sep_by_space = 1;
      if (display.n_sep_by_space == 0 || display.n_sep_by_space == CHAR_MAX)
        display.n_sep_by_space = 1;
    }
  return _pt_money_format_with (amount, currency, &display);
}

gchar *
_pt_money_to_plain_with (PtMoney             amount,
                         const gchar        *currency,
                         const struct lconv *lc)
{
  g_autofree gchar *plain = pt_money_to_plain (amount, currency);
  const gchar *mark = lc->mon_decimal_point;
  gchar *dot;

  if (mark == NULL || *mark == '\0' || strcmp (mark, ".") == 0)
    return g_steal_pointer (&plain);
  dot = strrchr (plain, '.');
  if (dot == NULL)
    return g_steal_pointer (&plain);
  *dot = '\0';
  return g_strconcat (plain, mark, dot + 1, NULL);
}

gchar *
pt_money_to_plain_display (PtMoney      amount,
                           const gchar *currency)
{
  return _pt_money_to_plain_with (amount, currency, localeconv ());
}

gchar *
pt_money_format_display (PtMoney      amount,
                         const gchar *currency)
{
  /* localeconv () describes the current LC_MONETARY (the app calls
   * setlocale (LC_ALL, "") at start-up). */
  return _pt_money_format_display_with (amount, currency, localeconv ());
}
