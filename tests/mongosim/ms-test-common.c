/* ms-test-common.c — see ms-test-common.h */
#define G_LOG_DOMAIN "mongosim-test"
#include "config.h"

#include <string.h>

#include "ms-test-common.h"

static guint db_counter;

gboolean
ms_test_external (void)
{
  const char *uri = g_getenv ("MONGOSIM_CONTRACT_URI");

  return uri != NULL && *uri != '\0';
}

gboolean
ms_test_skip_if_external (const char *why)
{
  if (!ms_test_external ())
    return FALSE;
  g_test_skip (why);
  return TRUE;
}

static char *
with_timeout (const char *uri)
{
  const char *sep = strchr (uri, '?') ? "&" : (g_str_has_suffix (uri, "/") ? "?" : "/?");

  return g_strdup_printf ("%s%sserverSelectionTimeoutMS=5000&connectTimeoutMS=5000&serverSelectionTryOnce=false", uri, sep);
}

void
ms_test_setup (MsTest *t, const char *const *args)
{
  g_autoptr(GError) error = NULL;

  memset (t, 0, sizeof *t);
  if (ms_test_external ())
    t->uri = with_timeout (g_getenv ("MONGOSIM_CONTRACT_URI"));
  else
    {
      t->sim = mongosim_fixture_start (args, &error);
      g_assert_no_error (error);
      t->uri = with_timeout (mongosim_fixture_get_uri (t->sim));
    }
  t->dbname = g_strdup_printf ("mongosim_contract_%d_%u", (int) getpid (), ++db_counter);
  t->client = ms_test_new_client (t);
}

void
ms_test_teardown (MsTest *t)
{
  g_autoptr(GError) error = NULL;

  if (t->client != NULL && ms_test_external ())
    {
      mongoc_database_t *db = mongoc_client_get_database (t->client, t->dbname);
      mongoc_database_drop (db, NULL);
      mongoc_database_destroy (db);
    }
  g_clear_pointer (&t->client, mongoc_client_destroy);
  if (t->sim != NULL)
    {
      mongosim_fixture_stop (t->sim, &error);
      g_assert_no_error (error);
      g_clear_pointer (&t->sim, mongosim_fixture_free);
    }
  g_clear_pointer (&t->uri, g_free);
  g_clear_pointer (&t->dbname, g_free);
}

mongoc_client_t *
ms_test_new_client (MsTest *t)
{
  bson_error_t error;
  mongoc_uri_t *uri = mongoc_uri_new_with_error (t->uri, &error);
  mongoc_client_t *client;

  g_assert_nonnull (uri);
  client = mongoc_client_new_from_uri_with_error (uri, &error);
  mongoc_uri_destroy (uri);
  g_assert_nonnull (client);
  mongoc_client_set_error_api (client, MONGOC_ERROR_API_VERSION_2);
  mongoc_client_set_appname (client, "mongosim-contract");
  return client;
}

mongoc_collection_t *
ms_test_coll (MsTest *t, const char *name)
{
  return mongoc_client_get_collection (t->client, t->dbname, name);
}

gboolean
ms_test_command (mongoc_client_t *client, const char *db, const bson_t *cmd, bson_t *reply, bson_error_t *error)
{
  return mongoc_client_command_simple (client, db, cmd, NULL, reply, error);
}

static gboolean
find_path (const bson_t *doc, const char *path, bson_iter_t *out)
{
  bson_iter_t it;

  return bson_iter_init (&it, doc) && bson_iter_find_descendant (&it, path, out);
}

gint32
ms_test_reply_int (const bson_t *reply, const char *path)
{
  bson_iter_t it;

  if (!find_path (reply, path, &it))
    {
      g_autofree char *json = ms_test_json (reply);
      g_error ("no %s in %s", path, json);
    }
  return (gint32) bson_iter_as_int64 (&it);
}

const char *
ms_test_reply_str (const bson_t *reply, const char *path)
{
  bson_iter_t it;

  if (!find_path (reply, path, &it) || !BSON_ITER_HOLDS_UTF8 (&it))
    return NULL;
  return bson_iter_utf8 (&it, NULL);
}

gboolean
ms_test_has (const bson_t *doc, const char *path)
{
  bson_iter_t it;

  return find_path (doc, path, &it);
}

char *
ms_test_json (const bson_t *doc)
{
  char *s = bson_as_relaxed_extended_json (doc, NULL);
  char *out = g_strdup (s ? s : "(invalid)");

  bson_free (s);
  return out;
}

static void
log_silencer (mongoc_log_level_t level, const char *domain, const char *message, void *data)
{
  if (level <= MONGOC_LOG_LEVEL_WARNING && g_test_verbose ())
    g_printerr ("mongoc %s: %s\n", domain, message);
}

void
ms_test_init (int *argc, char ***argv)
{
  g_test_init (argc, argv, NULL);
  mongoc_init ();
  /* driver warnings about closed connections are expected in fault tests */
  mongoc_log_set_handler (log_silencer, NULL);
  if (ms_test_external ())
    g_test_message ("running against %s", g_getenv ("MONGOSIM_CONTRACT_URI"));
}

static bson_t *
json_va (const char *fmt, va_list ap)
{
  g_autofree char *text = g_strdup_vprintf (fmt, ap);
  bson_error_t error;
  bson_t *doc;

  g_strdelimit (text, "'", '"');
  doc = bson_new_from_json ((const guint8 *) text, -1, &error);
  if (doc == NULL)
    g_error ("bad test JSON %s: %s", text, error.message);
  return doc;
}

bson_t *
ms_j (const char *fmt, ...)
{
  va_list ap;
  bson_t *doc;

  va_start (ap, fmt);
  doc = json_va (fmt, ap);
  va_end (ap);
  return doc;
}

bson_t *
ms_test_run (MsTest *t, gboolean expect_ok, const char *fmt, ...)
{
  va_list ap;
  g_autoptr(bson_t) cmd = NULL;
  bson_t reply;
  bson_error_t error;
  gboolean ok;
  bson_t *out;

  va_start (ap, fmt);
  cmd = json_va (fmt, ap);
  va_end (ap);
  ok = mongoc_client_command_simple (t->client, t->dbname, cmd, NULL, &reply, &error);
  if (ok != expect_ok)
    {
      g_autofree char *c = ms_test_json (cmd);
      g_autofree char *r = ms_test_json (&reply);
      g_error ("command %s: expected %s, got %s (%s)", c, expect_ok ? "success" : "failure", r, error.message);
    }
  out = bson_copy (&reply);
  bson_destroy (&reply);
  return out;
}

GPtrArray *
ms_test_drain (mongoc_cursor_t *cursor)
{
  GPtrArray *out = g_ptr_array_new_with_free_func ((GDestroyNotify) bson_destroy);
  const bson_t *doc;
  bson_error_t error;

  while (mongoc_cursor_next (cursor, &doc))
    g_ptr_array_add (out, bson_copy (doc));
  if (mongoc_cursor_error (cursor, &error))
    g_error ("cursor failed: %s", error.message);
  return out;
}

void
ms_assert_json (const bson_t *doc, const char *expected_json)
{
  g_autoptr(bson_t) expected = ms_j ("%s", expected_json);

  if (!bson_equal (doc, expected))
    {
      g_autofree char *got = ms_test_json (doc);
      g_autofree char *want = ms_test_json (expected);
      g_error ("document mismatch:\n  got  %s\n  want %s", got, want);
    }
}
