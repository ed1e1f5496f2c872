#define G_LOG_DOMAIN "pt-core"
#include "config.h"

#include <langinfo.h>
#include <limits.h>
#include <locale.h>
#include <string.h>
#include <glib/gi18n-lib.h>

#include "pt-error.h"
#include "pt-money-private.h"

/* ISO 4217 currencies whose minor unit is not 1/100. */
static const struct
{
  const gchar *code;
  guint        digits;
} currency_digits[] = {
  { "BIF", 0 }, { "CLP", 0 }, { "DJF", 0 }, { "GNF", 0 }, { "ISK", 0 },
  { "JPY", 0 }, { "KMF", 0 }, { "KRW", 0 }, { "PYG", 0 }, { "RWF", 0 },
  { "UGX", 0 }, { "UYI", 0 }, { "VND", 0 }, { "VUV", 0 }, { "XAF", 0 },
  { "XOF", 0 }, { "XPF", 0 },
  { "BHD", 3 }, { "IQD", 3 }, { "JOD", 3 }, { "KWD", 3 }, { "LYD", 3 },
  { "OMR", 3 }, { "TND", 3 },
};

static const gint64 pow10_table[] = { 1, 10, 100, 1000 };

guint
pt_currency_digits (const gchar *currency)
{
  if (currency == NULL)
    return 2;
  for (guint i = 0; i < G_N_ELEMENTS (currency_digits); i++)
    if (g_ascii_strcasecmp (currency, currency_digits[i].code) == 0)
      return currency_digits[i].digits;
  return 2;
}

static gboolean
set_parse_error (GError     **error,
                 const gchar *text,
                 const gchar *why)
{
  g_set_error (error, PT_ERROR, PT_ERROR_INVALID,
               _("“%s” is not an amount of money: %s."), text, why);
  return FALSE;
}

/* A copy of @text, trimmed, with the space-like digit group separators
 * of many locales (space, no-break space, narrow no-break space, Swiss
 * apostrophe) turned into '_', which the parser treats as grouping. */
static gchar *
normalize_spaces (const gchar *text)
{
  GString *out = g_string_new (NULL);
  g_autofree gchar *trimmed = g_strstrip (g_strdup (text));

  for (const gchar *p = trimmed; *p; p++)
    {
      if (*p == ' ' || *p == '\'')
        g_string_append_c (out, '_');
      else if (g_str_has_prefix (p, "\u00a0"))
        {
          g_string_append_c (out, '_');
          p += strlen ("\u00a0") - 1;
        }
      else if (g_str_has_prefix (p, "\u202f") || g_str_has_prefix (p, "\u2019"))
        {
          g_string_append_c (out, '_');
          p += strlen ("\u202f") - 1;
        }
      else
        g_string_append_c (out, *p);
    }
  return g_string_free (out, FALSE);
}

gboolean
pt_money_parse (const gchar *text,
                const gchar *currency,
                PtMoney     *out,
                GError     **error)
{
  guint digits = pt_currency_digits (currency);
  g_autofree gchar *s = NULL;
  const gchar *p;
  gchar decimal = 0;
  gchar group = 0;
  const gchar *last_dot, *last_comma;
  guint64 whole = 0;
  guint64 frac = 0;
  guint n_frac = 0;
  guint n_int = 0;
  gboolean negative = FALSE;
  guint64 limit;
  guint64 total;

  g_return_val_if_fail (out != NULL, FALSE);

  if (text == NULL)
    text = "";
  s = normalize_spaces (text);
  if (*s == '\0')
    return set_parse_error (error, text, _("it is empty"));

  p = s;
  if (*p == '-' || *p == '+')
    {
      negative = (*p == '-');
      p++;
    }

  /* Which of '.' and ',' is the decimal separator: the last one when both
   * appear (1,234.56 / 1.234,56); a lone separator that appears once is
   * decimal (12,34); one that repeats is grouping (1,234,567). */
  last_dot = strrchr (p, '.');
  last_comma = strrchr (p, ',');
  if (last_dot && last_comma)
    {
      decimal = last_dot > last_comma ? '.' : ',';
      group = decimal == '.' ? ',' : '.';
    }
  else if (last_dot || last_comma)
    {
      const gchar *last = last_dot ? last_dot : last_comma;
      gchar c = *last;

      /* "1,500" is one thousand five hundred unless the currency really
       * has three decimals (KWD): three digits after a lone separator
       * cannot be decimals of a two-decimal currency. */
      if (strchr (p, c) != last)
        group = c;
      else if (digits != 3 && strlen (last + 1) == 3
               && last > p && strspn (last + 1, "0123456789") == 3)
        group = c;
      else
        decimal = c;
    }

  {
    gboolean in_frac = FALSE;
    guint group_len = 0;
    gboolean seen_group = FALSE;

    for (; *p; p++)
      {
        if (g_ascii_isdigit (*p))
          {
            guint d = *p - '0';

            if (in_frac)
              {
                if (++n_frac > digits)
                  {
                    if (digits == 0)
                      return set_parse_error (error, text, _("this currency has no decimals"));
                    {
                      g_autofree gchar *why =
                        g_strdup_printf (g_dngettext (GETTEXT_PACKAGE,
                                                      "at most %u decimal is allowed",
                                                      "at most %u decimals are allowed",
                                                      digits), digits);
                      return set_parse_error (error, text, why);
                    }
                  }
                frac = frac * 10 + d;
              }
            else
              {
                if (whole > (G_MAXUINT64 - d) / 10)
                  return set_parse_error (error, text, _("it is too large"));
                whole = whole * 10 + d;
                n_int++;
                group_len++;
              }
          }
        else if (*p == decimal && !in_frac)
          {
            if (seen_group && group_len != 3)
              return set_parse_error (error, text, _("the digit grouping is wrong"));
            if (n_int == 0)
              return set_parse_error (error, text, _("digits are missing before the decimal separator"));
            in_frac = TRUE;
          }
        else if (((group && *p == group) || *p == '_') && !in_frac)
          {
            if (n_int == 0 || (seen_group && group_len != 3) || (!seen_group && group_len > 3))
              return set_parse_error (error, text, _("the digit grouping is wrong"));
            seen_group = TRUE;
            group_len = 0;
          }
        else
          return set_parse_error (error, text, _("only digits and one decimal separator are allowed"));
      }
    if (n_int == 0)
      return set_parse_error (error, text, _("digits are missing"));
    if (in_frac && n_frac == 0)
      return set_parse_error (error, text, _("digits are missing after the decimal separator"));
    if (!in_frac && seen_group && group_len != 3)
      return set_parse_error (error, text, _("the digit grouping is wrong"));
  }

  for (guint i = n_frac; i < digits; i++)
    frac *= 10;

  limit = negative ? (guint64) G_MAXINT64 + 1 : (guint64) G_MAXINT64;
  if (whole > (limit - frac) / (guint64) pow10_table[digits])
    return set_parse_error (error, text, _("it is too large"));
  total = whole * (guint64) pow10_table[digits] + frac;
  if (total > limit)
    return set_parse_error (error, text, _("it is too large"));

  *out = negative ? (PtMoney) (0 - total) : (PtMoney) total;
  return TRUE;
}

static void
split_amount (PtMoney      amount,
              const gchar *currency,
              guint64     *whole,
              guint64     *frac,
              guint       *digits)
{
  guint64 abs_value = amount < 0 ? (guint64) 0 - (guint64) amount : (guint64) amount;

  *digits = pt_currency_digits (currency);
  *whole = abs_value / (guint64) pow10_table[*digits];
  *frac = abs_value % (guint64) pow10_table[*digits];
}

gchar *
pt_money_to_plain (PtMoney      amount,
                   const gchar *currency)
{
  guint64 whole, frac;
  guint digits;

  split_amount (amount, currency, &whole, &frac, &digits);
  if (digits == 0)
    return g_strdup_printf ("%s%" G_GUINT64_FORMAT, amount < 0 ? "-" : "", whole);
  return g_strdup_printf ("%s%" G_GUINT64_FORMAT ".%0*" G_GUINT64_FORMAT,
                          amount < 0 ? "-" : "", whole, (int) digits, frac);
}

/* Inserts @sep between digit groups as LC_MONETARY's mon_grouping says:
 * each byte is a group size from the right, the last one repeats, CHAR_MAX
 * stops grouping. */
static gchar *
group_digits (const gchar *digits,
              const gchar *grouping,
              const gchar *sep)
{
  GString *out;
  gsize len = strlen (digits);
  GArray *cuts;
  gsize pos = len;
  const gchar *g = grouping;
  gint size = 0;

  if (sep == NULL || *sep == '\0' || grouping == NULL || *grouping == '\0')
    return g_strdup (digits);

  cuts = g_array_new (FALSE, FALSE, sizeof (gsize));
  while (TRUE)
    {
      if (*g != '\0')
        {
          if ((guchar) *g == CHAR_MAX)
            break;
          size = *g;
          g++;
        }
      if (size <= 0 || pos <= (gsize) size)
        break;
      pos -= size;
      g_array_prepend_val (cuts, pos);
    }

  out = g_string_sized_new (len + cuts->len * strlen (sep));
  pos = 0;
  for (guint i = 0; i < cuts->len; i++)
    {
      gsize cut = g_array_index (cuts, gsize, i);
      g_string_append_len (out, digits + pos, cut - pos);
      g_string_append (out, sep);
      pos = cut;
    }
  g_string_append (out, digits + pos);
  g_array_unref (cuts);
  return g_string_free (out, FALSE);
}

gchar *
_pt_money_format_with (PtMoney             amount,
                       const gchar        *currency,
                       const struct lconv *lc)
{
  guint64 whole, frac;
  guint digits;
  gboolean negative = amount < 0;
  g_autofree gchar *whole_str = NULL;
  g_autofree gchar *grouped = NULL;
  g_autofree gchar *number = NULL;
  g_autofree gchar *symbol_part = NULL;
  g_autofree gchar *code = NULL;
  const gchar *decimal_point;
  const gchar *symbol;
  const gchar *sign;
  gboolean is_code;
  gchar precedes, sep_by_space, sign_posn;
  const gchar *space;
  g_autofree gchar *with_symbol = NULL;

  code = g_ascii_strup (currency ? currency : "", -1);
  split_amount (amount, currency, &whole, &frac, &digits);

  decimal_point = (lc->mon_decimal_point && *lc->mon_decimal_point)
                  ? lc->mon_decimal_point : ".";
  whole_str = g_strdup_printf ("%" G_GUINT64_FORMAT, whole);
  grouped = group_digits (whole_str, lc->mon_grouping, lc->mon_thousands_sep);
  if (digits > 0)
    number = g_strdup_printf ("%s%s%0*" G_GUINT64_FORMAT, grouped,
                              decimal_point, (int) digits, frac);
  else
    number = g_strdup (grouped);

  /* The locale's own symbol ("€") only for the locale's own currency; any
   * other currency shows its ISO code. */
  is_code = TRUE;
  symbol = code;
  if (lc->int_curr_symbol && strlen (lc->int_curr_symbol) >= 3
      && *code != '\0'
      && g_ascii_strncasecmp (lc->int_curr_symbol, code, 3) == 0
      && lc->currency_symbol && *lc->currency_symbol)
    {
      symbol = lc->currency_symbol;
      is_code = FALSE;
    }

  precedes = negative ? lc->n_cs_precedes : lc->p_cs_precedes;
  sep_by_space = negative ? lc->n_sep_by_space : lc->p_sep_by_space;
  sign_posn = negative ? lc->n_sign_posn : lc->p_sign_posn;
  if (precedes == CHAR_MAX)
    precedes = 1;
  if (sep_by_space == CHAR_MAX)
    sep_by_space = is_code ? 1 : 0;
  if (sign_posn == CHAR_MAX)
    sign_posn = 1;
  /* An ISO code always needs a space to stay readable ("EUR 12.34"). */
  if (is_code && sep_by_space == 0)
    sep_by_space = 1;
  space = sep_by_space ? " " : "";

  if (negative)
    sign = (lc->negative_sign && *lc->negative_sign) ? lc->negative_sign : "-";
  else
    sign = lc->positive_sign ? lc->positive_sign : "";

  if (*symbol == '\0')
    {
      /* No currency given: the number alone. */
      if (negative && sign_posn == 0)
        return g_strdup_printf ("(%s)", number);
      if (sign_posn == 2 || sign_posn == 4)
        return g_strdup_printf ("%s%s", number, sign);
      return g_strdup_printf ("%s%s", sign, number);
    }

  switch (sign_posn)
    {
    case 3:
      symbol_part = g_strconcat (sign, symbol, NULL);
      break;
    case 4:
      symbol_part = g_strconcat (symbol, sign, NULL);
      break;
    default:
      symbol_part = g_strdup (symbol);
      break;
    }

  if (precedes)
    with_symbol = g_strconcat (symbol_part, space, number, NULL);
  else
    with_symbol = g_strconcat (number, space, symbol_part, NULL);

  switch (sign_posn)
    {
    case 0:
      return negative ? g_strdup_printf ("(%s)", with_symbol) : g_steal_pointer (&with_symbol);
    case 2:
      return g_strconcat (with_symbol, sign, NULL);
    case 3:
    case 4:
      return g_steal_pointer (&with_symbol);
    case 1:
    default:
      return g_strconcat (sign, with_symbol, NULL);
    }
}

gchar *
pt_money_format (PtMoney      amount,
                 const gchar *currency)
{
  /* localeconv () describes the current LC_MONETARY; the app calls
   * setlocale (LC_ALL, "") at start-up. */
  return _pt_money_format_with (amount, currency, localeconv ());
}

gboolean
pt_money_mul (PtMoney  amount,
              gint64   quantity,
              PtMoney *out)
{
  gint64 r;

  g_return_val_if_fail (out != NULL, FALSE);
  if (__builtin_mul_overflow (amount, quantity, &r))
    return FALSE;
  *out = r;
  return TRUE;
}

PtMoney
pt_money_tax (PtMoney net,
              gint    rate_basis_points)
{
  /* net * rate / 10000 = q * rate + r * rate / 10000 with q, r the
   * quotient and remainder of net / 10000: only the second term needs
   * rounding, and neither overflows for realistic amounts. */
  gint64 q = net / 10000;
  gint64 r = net % 10000;
  gint64 part = r * (gint64) rate_basis_points;
  gint64 rounded = part / 10000;
  gint64 rest = part % 10000;
  gint64 whole;
  gint64 result;

  if (rest >= 5000)
    rounded++;
  else if (rest <= -5000)
    rounded--;

  if (__builtin_mul_overflow (q, (gint64) rate_basis_points, &whole)
      || __builtin_add_overflow (whole, rounded, &result))
    return ((net < 0) != (rate_basis_points < 0)) ? G_MININT64 : G_MAXINT64;
  return result;
}

gboolean
pt_date_parse (const gchar *text,
               PtTime      *out,
               GError     **error)
{
  guint y, m, d;
  g_autoptr(GDateTime) dt = NULL;

  g_return_val_if_fail (out != NULL, FALSE);

  if (text == NULL || strlen (text) != 10
      || !g_ascii_isdigit (text[0]) || !g_ascii_isdigit (text[1])
      || !g_ascii_isdigit (text[2]) || !g_ascii_isdigit (text[3])
      || text[4] != '-'
      || !g_ascii_isdigit (text[5]) || !g_ascii_isdigit (text[6])
      || text[7] != '-'
      || !g_ascii_isdigit (text[8]) || !g_ascii_isdigit (text[9]))
    {
      g_set_error (error, PT_ERROR, PT_ERROR_INVALID,
                   _("“%s” is not a date; use the form YYYY-MM-DD, e.g. 2027-03-31."),
                   text ? text : "");
      return FALSE;
    }

  y = (text[0] - '0') * 1000 + (text[1] - '0') * 100 + (text[2] - '0') * 10 + (text[3] - '0');
  m = (text[5] - '0') * 10 + (text[6] - '0');
  d = (text[8] - '0') * 10 + (text[9] - '0');
  if (y < 1 || !g_date_valid_dmy (d, m, y))
    {
      g_set_error (error, PT_ERROR, PT_ERROR_INVALID,
                   _("“%s” is not a day of the calendar."), text);
      return FALSE;
    }

  dt = g_date_time_new_utc (y, m, d, 0, 0, 0);
  if (dt == NULL)
    {
      g_set_error (error, PT_ERROR, PT_ERROR_INVALID,
                   _("“%s” is not a day of the calendar."), text);
      return FALSE;
    }
  *out = g_date_time_to_unix (dt) * 1000;
  return TRUE;
}

gchar *
pt_time_format_iso (PtTime   t,
                    gboolean date_only)
{
  gint64 seconds = t / 1000;
  gint64 ms = t % 1000;
  g_autoptr(GDateTime) dt = NULL;

  if (ms < 0)
    {
      ms += 1000;
      seconds--;
    }
  dt = g_date_time_new_from_unix_utc (seconds);
  if (dt == NULL)
    return g_strdup (date_only ? "0000-00-00" : "0000-00-00T00:00:00.000Z");
  if (date_only)
    return g_date_time_format (dt, "%Y-%m-%d");
  return g_strdup_printf ("%04d-%02d-%02dT%02d:%02d:%02d.%03dZ",
                          g_date_time_get_year (dt),
                          g_date_time_get_month (dt),
                          g_date_time_get_day_of_month (dt),
                          g_date_time_get_hour (dt),
                          g_date_time_get_minute (dt),
                          g_date_time_get_second (dt),
                          (int) ms);
}

gboolean
pt_time_locale_is_plain (void)
{
  const gchar *name = setlocale (LC_TIME, NULL);

  return name == NULL || g_str_equal (name, "C") || g_str_equal (name, "POSIX")
         || g_str_has_prefix (name, "C.");
}

gchar *
pt_date_format_display (void)
{
  const gchar *d_fmt = nl_langinfo (D_FMT);
  g_auto(GStrv) parts = NULL;

  if (pt_time_locale_is_plain () || d_fmt == NULL || *d_fmt == '\0')
    return g_strdup ("%-d %b %Y");
  /* A two-digit expiry year misleads. */
  parts = g_strsplit (d_fmt, "%y", -1);
  return g_strjoinv ("%Y", parts);
}

gchar *
pt_date_format_day (PtTime t)
{
  g_autoptr(GDateTime) dt = NULL;
  g_autofree gchar *format = NULL;

  if (t == 0)
    return g_strdup ("");
  /* Shown in UTC, the zone the day was stored in, so it never moves a
   * day with the time zone. */
  dt = g_date_time_new_from_unix_utc (t / 1000 - (t % 1000 < 0 ? 1 : 0));
  if (dt == NULL)
    return g_strdup ("");
  format = pt_date_format_display ();
  return g_date_time_format (dt, format);
}

PtTime
pt_time_now (void)
{
  return g_get_real_time () / 1000;
}

gboolean
pt_time_parse_iso (const gchar *text,
                   PtTime      *out,
                   GError     **error)
{
  g_autoptr(GTimeZone) utc = NULL;
  g_autoptr(GDateTime) dt = NULL;

  g_return_val_if_fail (out != NULL, FALSE);

  if (text != NULL && strlen (text) == 10)
    return pt_date_parse (text, out, error);
  if (text != NULL && g_utf8_validate (text, -1, NULL))
    {
      utc = g_time_zone_new_utc ();
      dt = g_date_time_new_from_iso8601 (text, utc);
    }
  if (dt == NULL)
    {
      g_set_error (error, PT_ERROR, PT_ERROR_INVALID,
                   _("“%s” is not a date and time; use the form 2026-11-27T10:00:00Z."),
                   text && g_utf8_validate (text, -1, NULL) ? text : "");
      return FALSE;
    }
  *out = g_date_time_to_unix (dt) * 1000 + g_date_time_get_microsecond (dt) / 1000;
  return TRUE;
}
