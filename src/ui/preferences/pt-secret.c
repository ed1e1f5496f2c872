#define G_LOG_DOMAIN "pt-ui"
#include "config.h"

#include <glib/gi18n-lib.h>
#include <libsecret/secret.h>

#include "pt-secret.h"
#include "pt-core.h"

static const SecretSchema *
get_schema (void)
{
  static const SecretSchema schema = {
    "io.github.pharmatrack.Desktop.Server", SECRET_SCHEMA_NONE,
    {
      { "uri", SECRET_SCHEMA_ATTRIBUTE_STRING },
      { NULL, 0 },
    },
    0, NULL, NULL, NULL, NULL, NULL, NULL, NULL,
  };
  return &schema;
}

/* mongodb://user:pass@host/... : the password sits between the first ':'
 * after the scheme and the last '@' before the path. */
gchar *
pt_secret_split_uri (const gchar  *uri,
                     gchar       **password)
{
  const gchar *start, *end, *at, *colon;

  *password = NULL;
  if (uri == NULL)
    return NULL;
  start = strstr (uri, "://");
  if (start == NULL)
    return g_strdup (uri);
  start += 3;
  end = start + strcspn (start, "/?");
  at = NULL;
  for (const gchar *p = start; p < end; p++)
    if (*p == '@')
      at = p;
  if (at == NULL)
    return g_strdup (uri);
  colon = memchr (start, ':', at - start);
  if (colon == NULL)
    return g_strdup (uri);
  *password = g_uri_unescape_segment (colon + 1, at, NULL);
  return g_strdup_printf ("%.*s%s", (int) (colon - uri), uri, at);
}

gchar *
pt_secret_join_uri (const gchar *uri_without_password,
                    const gchar *password)
{
  const gchar *start, *end, *at = NULL;
  g_autofree gchar *escaped = NULL;

  if (password == NULL || *password == '\0' || uri_without_password == NULL)
    return g_strdup (uri_without_password);
  start = strstr (uri_without_password, "://");
  if (start == NULL)
    return g_strdup (uri_without_password);
  start += 3;
  end = start + strcspn (start, "/?");
  for (const gchar *p = start; p < end; p++)
    if (*p == '@')
      at = p;
  if (at == NULL)
    return g_strdup (uri_without_password);
  escaped = g_uri_escape_string (password, NULL, FALSE);
  return g_strdup_printf ("%.*s:%s%s", (int) (at - uri_without_password), uri_without_password, escaped, at);
}

static void
store_done_cb (GObject      *source,
               GAsyncResult *result,
               gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  g_autoptr(GError) error = NULL;

  if (!secret_password_store_finish (result, &error))
    {
      g_debug ("Keyring: %s", error->message);
      g_task_return_new_error (task, PT_ERROR, PT_ERROR_IO, "%s",
                               _("The password could not be kept in the desktop keyring. Check that a keyring such as GNOME Keyring is running and unlocked, then save again."));
      return;
    }
  g_task_return_boolean (task, TRUE);
}

void
pt_secret_store_async (const gchar         *uri_without_password,
                       const gchar         *password,
                       GCancellable        *cancellable,
                       GAsyncReadyCallback  callback,
                       gpointer             user_data)
{
  GTask *task = g_task_new (NULL, cancellable, callback, user_data);
  g_autofree gchar *label = g_strdup_printf (_("PharmaTrack server password for %s"), uri_without_password);

  g_task_set_source_tag (task, pt_secret_store_async);
  secret_password_store (get_schema (), SECRET_COLLECTION_DEFAULT, label, password,
                         cancellable, store_done_cb, task,
                         "uri", uri_without_password,
                         NULL);
}

gboolean
pt_secret_store_finish (GAsyncResult  *result,
                        GError       **error)
{
  return g_task_propagate_boolean (G_TASK (result), error);
}

static void
lookup_done_cb (GObject      *source,
                GAsyncResult *result,
                gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  g_autoptr(GError) error = NULL;
  gchar *password = secret_password_lookup_finish (result, &error);

  if (error != NULL)
    {
      g_debug ("Keyring: %s", error->message);
      g_task_return_new_error (task, PT_ERROR, PT_ERROR_IO, "%s",
                               _("The server password could not be read from the desktop keyring. Unlock the keyring, or enter the password again in Preferences."));
      return;
    }
  /* Callers free with g_free(); keep the keyring's copy short-lived. */
  g_task_return_pointer (task, g_strdup (password), g_free);
  if (password != NULL)
    secret_password_free (password);
}

void
pt_secret_lookup_async (const gchar         *uri_without_password,
                        GCancellable        *cancellable,
                        GAsyncReadyCallback  callback,
                        gpointer             user_data)
{
  GTask *task = g_task_new (NULL, cancellable, callback, user_data);

  g_task_set_source_tag (task, pt_secret_lookup_async);
  secret_password_lookup (get_schema (), cancellable, lookup_done_cb, task,
                          "uri", uri_without_password,
                          NULL);
}

gchar *
pt_secret_lookup_finish (GAsyncResult  *result,
                         GError       **error)
{
  return g_task_propagate_pointer (G_TASK (result), error);
}
