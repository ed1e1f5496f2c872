/* pt-secret.h: the server password in the desktop keyring (libsecret),
 * never in GSettings or a file. */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/* Splits @uri into the URI without its password (newly allocated) and the
 * password (newly allocated, NULL when the URI has none). */
gchar    *pt_secret_split_uri       (const gchar  *uri,
                                     gchar       **password);
/* Puts @password back into @uri_without_password. */
gchar    *pt_secret_join_uri        (const gchar  *uri_without_password,
                                     const gchar  *password);

void      pt_secret_store_async     (const gchar         *uri_without_password,
                                     const gchar         *password,
                                     GCancellable        *cancellable,
                                     GAsyncReadyCallback  callback,
                                     gpointer             user_data);
gboolean  pt_secret_store_finish    (GAsyncResult        *result,
                                     GError             **error);
void      pt_secret_lookup_async    (const gchar         *uri_without_password,
                                     GCancellable        *cancellable,
                                     GAsyncReadyCallback  callback,
                                     gpointer             user_data);
/* The password, or NULL (none stored, or an error). */
gchar    *pt_secret_lookup_finish   (GAsyncResult        *result,
                                     GError             **error);

G_END_DECLS
