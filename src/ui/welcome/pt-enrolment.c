#define G_LOG_DOMAIN "pt-ui"
#include "config.h"

#include <string.h>
#include <glib/gi18n-lib.h>
#include <json-glib/json-glib.h>

#include "pt-core.h"
#include "pt-enrolment.h"

void
pt_enrolment_free (PtEnrolment *enrolment)
{
  if (enrolment == NULL)
    return;
  g_free (enrolment->uri);
  g_free (enrolment->tenant_id);
  g_free (enrolment->database);
  g_free (enrolment);
}

gboolean
pt_enrolment_check (const gchar  *uri,
                    const gchar  *tenant_id,
                    GError      **error)
{
  const gchar *host;

  if (uri == NULL || *uri == '\0')
    {
      g_set_error_literal (error, PT_ERROR, PT_ERROR_INVALID,
                           _("Enter the server address your administrator gave you; it starts with mongodb+srv:// or mongodb://."));
      return FALSE;
    }
  if (g_str_has_prefix (uri, "mongodb+srv://"))
    host = uri + strlen ("mongodb+srv://");
  else if (g_str_has_prefix (uri, "mongodb://"))
    host = uri + strlen ("mongodb://");
  else
    {
      g_set_error_literal (error, PT_ERROR, PT_ERROR_INVALID,
                           _("The server address must start with mongodb+srv:// or mongodb://, as your administrator gave it."));
      return FALSE;
    }
  if (*host == '\0' || *host == '/' || *host == '?' || strchr (uri, ' ') != NULL)
    {
      g_set_error_literal (error, PT_ERROR, PT_ERROR_INVALID,
                           _("The server address has no server name after “://”. Copy it again from your administrator’s message."));
      return FALSE;
    }
  if (tenant_id == NULL || *tenant_id == '\0')
    {
      g_set_error_literal (error, PT_ERROR, PT_ERROR_INVALID,
                           _("Enter your organisation’s ID: 24 letters and digits, from your administrator."));
      return FALSE;
    }
  if (!pt_oid_is_valid (tenant_id))
    {
      g_set_error_literal (error, PT_ERROR, PT_ERROR_INVALID,
                           _("The organisation ID must be exactly 24 characters, digits 0–9 and letters a–f. Check it against your administrator’s message."));
      return FALSE;
    }
  return TRUE;
}

static gchar *
member_string (JsonObject  *object,
               const gchar *name)
{
  JsonNode *node = json_object_get_member (object, name);

  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node)
      || json_node_get_value_type (node) != G_TYPE_STRING)
    return NULL;
  return g_strstrip (g_strdup (json_node_get_string (node)));
}

PtEnrolment *
pt_enrolment_load_data (const gchar  *data,
                        gssize        length,
                        GError      **error)
{
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GError) local_error = NULL;
  g_autoptr(PtEnrolment) enrolment = NULL;
  JsonNode *root;
  JsonObject *object;

  if (!json_parser_load_from_data (parser, data, length, &local_error)
      || (root = json_parser_get_root (parser)) == NULL
      || !JSON_NODE_HOLDS_OBJECT (root))
    {
      if (local_error != NULL)
        g_debug ("Enrolment file: %s", local_error->message);
      g_set_error_literal (error, PT_ERROR, PT_ERROR_INVALID,
                           _("This is not a PharmaTrack enrolment file. Ask your administrator for the file again, or type the server address and organisation ID."));
      return NULL;
    }
  object = json_node_get_object (root);
  enrolment = g_new0 (PtEnrolment, 1);
  enrolment->uri = member_string (object, "uri");
  enrolment->tenant_id = member_string (object, "tenantId");
  enrolment->database = member_string (object, "database");
  if (enrolment->database != NULL && *enrolment->database == '\0')
    g_clear_pointer (&enrolment->database, g_free);
  if (!pt_enrolment_check (enrolment->uri, enrolment->tenant_id, error))
    return NULL;
  return g_steal_pointer (&enrolment);
}

PtEnrolment *
pt_enrolment_load_file (const gchar  *path,
                        GError      **error)
{
  g_autofree gchar *data = NULL;
  g_autoptr(GError) local_error = NULL;
  gsize length;

  if (!g_file_get_contents (path, &data, &length, &local_error))
    {
      g_debug ("Enrolment file %s: %s", path, local_error->message);
      g_set_error (error, PT_ERROR, PT_ERROR_IO,
                   _("The enrolment file %s could not be read. Check that it is still there and try again."),
                   path);
      return NULL;
    }
  return pt_enrolment_load_data (data, length, error);
}

gboolean
pt_enrolment_uri_has_credentials (const gchar *uri)
{
  const gchar *start;
  gsize host_len;

  if (uri == NULL)
    return FALSE;
  start = strstr (uri, "://");
  start = start != NULL ? start + 3 : uri;
  host_len = strcspn (start, "/?");
  return memchr (start, '@', host_len) != NULL;
}
