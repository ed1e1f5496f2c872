/* pt-ui-util.h: small formatting and error helpers shared by the pages. */
#pragma once

#include <gio/gio.h>
#include "pt-core.h"

G_BEGIN_DECLS

/* The store's device setting with this counter's server address (without
 * its password, which is in the keyring): the server belongs to the data
 * dir, so a demo store never syncs to a real pharmacy's server. */
#define PT_UI_SERVER_URI_KEY "server-uri"

typedef enum
{
  PT_EXPIRY_NONE,     /* no stock, no batch */
  PT_EXPIRY_OK,
  PT_EXPIRY_SOON,     /* within 90 days */
  PT_EXPIRY_EXPIRED,
} PtExpiryState;

#define PT_EXPIRY_SOON_DAYS 90

PtExpiryState pt_ui_expiry_state     (PtTime expiry, PtTime now);
/* The locale's date ("05.03.2027", "05/03/2027"; "5 Mar 2027" in the C
 * locale), "" for 0. */
gchar        *pt_ui_format_date      (PtTime t);
/* The same with the time in local time ("05/03/2027 14:05", "… 2:05 PM"). */
gchar        *pt_ui_format_date_time (PtTime t);
/* The g_date_time_format() formats behind the two above. */
gchar        *pt_ui_date_format      (void);
gchar        *pt_ui_time_format      (void);
/* Money for the screen: "£0.54", "0,54 €" (pt_money_format_display). */
gchar        *pt_ui_format_money     (PtMoney      amount,
                                      const gchar *currency);
/* "3 minutes", "2 hours", "5 days" for a duration in ms. */
gchar        *pt_ui_format_duration  (gint64 ms);
/* "1,234" with the locale's grouping ("1.234" in de_DE; "1,234" in C). */
gchar        *pt_ui_format_count     (gint64 n);
/* The sentence to show for @error: PT_ERROR messages are written for
 * staff already; anything else is logged and replaced by a generic one. */
gchar        *pt_ui_error_sentence   (const GError *error);
/* The host part of a MongoDB URI, never the credentials. */
gchar        *pt_ui_uri_host         (const gchar *uri);
/* GSettings of the app, or NULL when the schema is not installed (the app
 * then runs without remembering anything). */
GSettings    *pt_ui_settings_new     (void);

G_END_DECLS
