#define G_LOG_DOMAIN "pt-core"
#include "config.h"

#include <glib/gi18n-lib.h>

#include "pt-error.h"
#include "pt-oid.h"

gchar *
pt_oid_new_hex (void)
{
  bson_oid_t oid;
  gchar *hex = g_malloc (PT_OID_HEX_LEN + 1);

  /* bson_oid_init with a NULL context is thread-safe in libbson. */
  bson_oid_init (&oid, NULL);
  bson_oid_to_string (&oid, hex);
  return hex;
}

gboolean
pt_oid_is_valid (const gchar *hex)
{
  if (hex == NULL || strlen (hex) != PT_OID_HEX_LEN)
    return FALSE;
  for (guint i = 0; i < PT_OID_HEX_LEN; i++)
    if (!g_ascii_isxdigit (hex[i]))
      return FALSE;
  return TRUE;
}

gboolean
pt_oid_parse (const gchar *hex,
              const gchar *what,
              bson_oid_t  *oid,
              GError     **error)
{
  g_return_val_if_fail (oid != NULL, FALSE);

  if (!pt_oid_is_valid (hex))
    {
      g_set_error (error, PT_ERROR, PT_ERROR_INVALID,
                   _("“%s” is not a valid %s id (24 hexadecimal digits expected)"),
                   hex ? hex : "", what ? what : _("document"));
      return FALSE;
    }
  bson_oid_init_from_string (oid, hex);
  return TRUE;
}

gint64
pt_oid_time_ms (const gchar *hex)
{
  bson_oid_t oid;

  if (!pt_oid_is_valid (hex))
    return 0;
  bson_oid_init_from_string (&oid, hex);
  return (gint64) bson_oid_get_time_t (&oid) * 1000;
}
