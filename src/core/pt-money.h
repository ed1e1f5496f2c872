/* pt-money.h: money as int64 minor units, rounding and formatting. */
#pragma once

#include <glib.h>
#include "pt-types.h"

G_BEGIN_DECLS

/* Number of minor-unit digits of an ISO 4217 currency (EUR 2, JPY 0,
 * KWD 3, ...); 2 for unknown codes. */
guint     pt_currency_digits      (const gchar *currency);
/* "12.34", "12,34", "12" → minor units of @currency. Rejects junk, more
 * decimals than the currency has, and overflow with PT_ERROR_INVALID. */
gboolean  pt_money_parse          (const gchar *text,
                                   const gchar *currency,
                                   PtMoney     *out,
                                   GError     **error);
/* "12.34" (plain, dot, for files and forms). */
gchar    *pt_money_to_plain       (PtMoney      amount,
                                   const gchar *currency);
/* "€12.34" / "12,34 €" following the current locale (LC_MONETARY where
 * known), for display. */
gchar    *pt_money_format         (PtMoney      amount,
                                   const gchar *currency);
/* For the screen: the currency's own symbol ("£0.54", "0,54 €", "€0.54"),
 * placed, grouped and separated as the current locale does, also for a
 * currency that is not the locale's; "£1,234.56" in a locale without
 * monetary conventions (C, POSIX).  Currencies without a well-known
 * symbol show their ISO code ("CHF 12.50"). */
gchar    *pt_money_format_display (PtMoney      amount,
                                   const gchar *currency);
/* The amount as a person types it in the current locale: no symbol, no
 * grouping, the locale's decimal mark ("2,50" in German, "2.50" in
 * English).  pt_money_parse () reads it back. */
gchar    *pt_money_to_plain_display (PtMoney      amount,
                                     const gchar *currency);
/* @amount * @quantity with overflow check. */
gboolean  pt_money_mul            (PtMoney      amount,
                                   gint64       quantity,
                                   PtMoney     *out);
/* Tax on @net at @rate_basis_points (e.g. 2000 = 20.00 %), rounded half
 * away from zero to a whole minor unit. */
PtMoney   pt_money_tax            (PtMoney      net,
                                   gint         rate_basis_points);

/* Dates: UTC milliseconds. */
/* "YYYY-MM-DD" → midnight UTC of that day. PT_ERROR_INVALID otherwise. */
gboolean  pt_date_parse           (const gchar *text,
                                   PtTime      *out,
                                   GError     **error);
/* ISO 8601 "2026-11-27T10:00:00.000Z" or "YYYY-MM-DD" (@date_only). */
gchar    *pt_time_format_iso      (PtTime       t,
                                   gboolean     date_only);
PtTime    pt_time_now             (void);
/* Whether LC_TIME is the C (POSIX) locale, whose formats are American. */
gboolean  pt_time_locale_is_plain (void);
/* The locale's numeric date (LC_TIME) with a four-digit year, as a
 * g_date_time_format() format: "%d.%m.%Y", "%d/%m/%Y"; "%-d %b %Y" in the
 * C locale, whose American order is ambiguous anywhere else. */
gchar    *pt_date_format_display  (void);
/* A calendar day (midnight UTC, e.g. an expiry date) in that format:
 * "14.12.2026", "14/12/2026", "14 Dec 2026"; "" for 0. */
gchar    *pt_date_format_day      (PtTime       t);
/* "YYYY-MM-DD" (midnight UTC) or ISO 8601 with time ("2026-11-27T10:00:00Z",
 * "…+01:00"; no zone = UTC) → UTC ms. PT_ERROR_INVALID otherwise. */
gboolean  pt_time_parse_iso       (const gchar *text,
                                   PtTime      *out,
                                   GError     **error);
#define PT_MS_PER_DAY ((gint64) 86400000)

G_END_DECLS
