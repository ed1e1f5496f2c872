#define G_LOG_DOMAIN "pt-ui"
#include "config.h"

#include <langinfo.h>
#include <locale.h>
#include <string.h>
#include <glib/gi18n-lib.h>

#include "pt-ui-util.h"
#include "pt-sync-engine.h"

PtExpiryState
pt_ui_expiry_state (PtTime expiry,
                    PtTime now)
{
  if (expiry <= 0)
    return PT_EXPIRY_NONE;
  if (expiry <= now)
    return PT_EXPIRY_EXPIRED;
  if (expiry - now <= PT_EXPIRY_SOON_DAYS * PT_MS_PER_DAY)
    return PT_EXPIRY_SOON;
  return PT_EXPIRY_OK;
}

static GDateTime *
date_time_from_ms (PtTime t,
                   gboolean local)
{
  g_autoptr(GDateTime) utc = g_date_time_new_from_unix_utc (t / 1000);

  if (utc == NULL)
    return NULL;
  return local ? g_date_time_to_local (utc) : g_date_time_ref (utc);
}

gchar *
pt_ui_date_format (void)
{
  return pt_date_format_display ();
}

/* "14:05", or "2:05 PM" where the locale keeps a 12-hour clock. */
gchar *
pt_ui_time_format (void)
{
  const gchar *am = nl_langinfo (AM_STR);
  const gchar *t_fmt = nl_langinfo (T_FMT);

  if (!pt_time_locale_is_plain () && am != NULL && *am != '\0'
      && t_fmt != NULL && (strstr (t_fmt, "%r") != NULL || strstr (t_fmt, "%I") != NULL))
    return g_strdup ("%-l:%M %p");
  return g_strdup ("%H:%M");
}

gchar *
pt_ui_format_date (PtTime t)
{
  g_autoptr(GDateTime) dt = NULL;
  g_autofree gchar *format = NULL;

  /* Only 0 is "no date": dates of birth before 1970 are negative. */
  if (t == 0)
    return g_strdup ("");
  /* Expiry dates are calendar days stored as midnight UTC: show them in
   * UTC so they never move a day with the time zone. */
  dt = date_time_from_ms (t, FALSE);
  if (dt == NULL)
    return g_strdup ("");
  format = pt_ui_date_format ();
  return g_date_time_format (dt, format);
}

gchar *
pt_ui_format_date_time (PtTime t)
{
  g_autoptr(GDateTime) dt = NULL;
  g_autofree gchar *date = pt_ui_date_format ();
  g_autofree gchar *time = pt_ui_time_format ();
  g_autofree gchar *format = NULL;

  if (t <= 0)
    return g_strdup ("");
  dt = date_time_from_ms (t, TRUE);
  if (dt == NULL)
    return g_strdup ("");
  format = g_strconcat (date, " ", time, NULL);
  return g_date_time_format (dt, format);
}

gchar *
pt_ui_format_duration (gint64 ms)
{
  gint64 s = MAX (ms, 0) / 1000;

  if (s < 60)
    return g_strdup (_("less than a minute"));
  if (s < 3600)
    return g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%d minute", "%d minutes", s / 60), (gint) (s / 60));
  if (s < 86400)
    return g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%d hour", "%d hours", s / 3600), (gint) (s / 3600));
  return g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%d day", "%d days", s / 86400), (gint) (s / 86400));
}

gchar *
pt_ui_format_count (gint64 n)
{
  struct lconv *lc = localeconv ();

  /* The C locale has no grouping; staff read "12,000" more easily. */
  if (lc->thousands_sep == NULL || *lc->thousands_sep == '\0')
    {
      g_autofree gchar *digits = g_strdup_printf ("%" G_GUINT64_FORMAT, (guint64) ABS (n));
      GString *out = g_string_new (n < 0 ? "-" : "");
      gsize len = strlen (digits);

      for (gsize i = 0; i < len; i++)
        {
          if (i > 0 && (len - i) % 3 == 0)
            g_string_append_c (out, ',');
          g_string_append_c (out, digits[i]);
        }
      return g_string_free (out, FALSE);
    }
  return g_strdup_printf ("%'" G_GINT64_FORMAT, n);
}

gchar *
pt_ui_format_money (PtMoney      amount,
                    const gchar *currency)
{
  return pt_money_format_display (amount, currency);
}

gchar *
pt_ui_error_sentence (const GError *error)
{
  if (error == NULL)
    return g_strdup (_("Something went wrong. Please try again."));
  /* Both domains' messages are sentences written for staff. */
  if (error->domain == PT_ERROR || error->domain == PT_SYNC_ERROR)
    return g_strdup (error->message);
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return g_strdup (_("The operation was cancelled."));
  if (error->domain == G_IO_ERROR || error->domain == G_FILE_ERROR)
    return g_strdup_printf (_("The file could not be used: %s"), error->message);
  g_warning ("Unexpected error shown to staff: %s (%s %d)", error->message,
             g_quark_to_string (error->domain), error->code);
  return g_strdup (_("Something unexpected went wrong. Nothing was changed; please try again, and tell your administrator if it keeps happening."));
}

gchar *
pt_ui_uri_host (const gchar *uri)
{
  const gchar *start;
  const gchar *at;
  const gchar *end;

  if (uri == NULL || *uri == '\0')
    return NULL;
  start = strstr (uri, "://");
  start = start != NULL ? start + 3 : uri;
  end = start + strcspn (start, "/?");
  at = g_strstr_len (start, end - start, "@");
  if (at != NULL)
    start = at + 1;
  return g_strndup (start, end - start);
}

GSettings *
pt_ui_settings_new (void)
{
  GSettingsSchemaSource *source = g_settings_schema_source_get_default ();
  g_autoptr(GSettingsSchema) schema = NULL;

  if (source != NULL)
    schema = g_settings_schema_source_lookup (source, "io.github.pharmatrack.Desktop", TRUE);
  if (schema == NULL)
    {
      g_warning ("GSettings schema io.github.pharmatrack.Desktop is not installed; settings will not be remembered");
      return NULL;
    }
  return g_settings_new_full (schema, NULL, NULL);
}
