/* sync-cli-util.c: see sync-cli-util.h. */
#define G_LOG_DOMAIN "pt-test"
#include "config.h"

#include <signal.h>
#include <string.h>

#include <sqlite3.h>
#include "pt-store-private.h"
#include "sync-cli-util.h"

const gchar *
sync_cli_admin_path (void)
{
  const gchar *p = g_getenv ("PHARMATRACK_ADMIN");
  g_assert_nonnull (p);
  return p;
}

JsonObject *
sync_cli_parse_status (const gchar *json)
{
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GError) error = NULL;

  json_parser_load_from_data (parser, json, -1, &error);
  g_assert_no_error (error);
  return json_object_ref (json_node_get_object (json_parser_get_root (parser)));
}

JsonObject *
sync_cli_status_sync (const gchar *dir)
{
  SyncTestRun r = sync_test_admin (NULL, "--data-dir", dir, "status", "--json", NULL);
  g_autoptr(JsonObject) status = NULL;
  JsonObject *sync;

  g_assert_cmpint (r.status, ==, 0);
  status = sync_cli_parse_status (r.out);
  sync_test_run_clear (&r);
  sync = json_object_get_object_member (status, "sync");
  g_assert_nonnull (sync);
  return json_object_ref (sync);
}

SyncCliChild *
sync_cli_child_spawn (const gchar * const *args)
{
  g_autoptr(GSubprocessLauncher) l = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_SILENCE
                                                                | G_SUBPROCESS_FLAGS_STDERR_PIPE);
  g_autoptr(GPtrArray) argv = g_ptr_array_new ();
  g_autoptr(GError) error = NULL;
  SyncCliChild *c = g_new0 (SyncCliChild, 1);

  g_ptr_array_add (argv, (gpointer) sync_cli_admin_path ());
  for (guint i = 0; args[i] != NULL; i++)
    g_ptr_array_add (argv, (gpointer) args[i]);
  g_ptr_array_add (argv, NULL);
  g_subprocess_launcher_unsetenv (l, "MONGODB_URI");
  c->proc = g_subprocess_launcher_spawnv (l, (const gchar * const *) argv->pdata, &error);
  g_assert_no_error (error);
  c->err = g_data_input_stream_new (g_subprocess_get_stderr_pipe (c->proc));
  c->cancel = g_cancellable_new ();
  c->loop = g_main_loop_new (NULL, FALSE);
  return c;
}

static void
child_line_cb (GObject      *source,
               GAsyncResult *result,
               gpointer      data)
{
  SyncCliChild *c = data;
  g_autoptr(GError) error = NULL;

  g_free (c->line);
  c->line = g_data_input_stream_read_line_finish_utf8 (G_DATA_INPUT_STREAM (source), result,
                                                       NULL, &error);
  if (c->line == NULL)
    c->eof = TRUE;
  if (error != NULL && !g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    g_test_message ("child stderr: %s", error->message);
  c->done = TRUE;
  g_main_loop_quit (c->loop);
}

static gboolean
child_timeout_cb (gpointer data)
{
  SyncCliChild *c = data;

  g_cancellable_cancel (c->cancel);
  return G_SOURCE_REMOVE;
}

const gchar *
sync_cli_child_next_line (SyncCliChild *c,
                          guint         timeout_ms,
                          gboolean     *timed_out)
{
  guint id = g_timeout_add (timeout_ms, child_timeout_cb, c);

  *timed_out = FALSE;
  if (c->eof)
    return NULL;
  c->done = FALSE;
  g_data_input_stream_read_line_async (c->err, G_PRIORITY_DEFAULT, c->cancel, child_line_cb, c);
  while (!c->done)
    g_main_loop_run (c->loop);
  if (g_cancellable_is_cancelled (c->cancel))
    {
      *timed_out = TRUE;
      g_clear_object (&c->cancel);
      c->cancel = g_cancellable_new ();
      return NULL;
    }
  g_source_remove (id);
  if (c->line != NULL)
    g_test_message ("child: %s", c->line);
  return c->line;
}

gboolean
sync_cli_child_wait_for (SyncCliChild *c,
                         const gchar  *needle,
                         guint         timeout_ms)
{
  gint64 deadline = g_get_monotonic_time () + (gint64) timeout_ms * 1000;

  for (;;)
    {
      gint64 left = (deadline - g_get_monotonic_time ()) / 1000;
      gboolean timed_out;
      const gchar *line;

      if (left <= 0)
        return FALSE;
      line = sync_cli_child_next_line (c, (guint) left, &timed_out);
      if (line == NULL)
        return FALSE;
      if (strstr (line, needle) != NULL)
        return TRUE;
    }
}

void
sync_cli_child_kill_9 (SyncCliChild *c)
{
  g_autoptr(GError) error = NULL;

  g_subprocess_send_signal (c->proc, SIGKILL);
  g_subprocess_wait (c->proc, NULL, &error);
  g_assert_no_error (error);
  g_assert_true (g_subprocess_get_if_signaled (c->proc));
  g_assert_cmpint (g_subprocess_get_term_sig (c->proc), ==, SIGKILL);
}

void
sync_cli_child_free (SyncCliChild *c)
{
  if (c == NULL)
    return;
  if (g_subprocess_get_identifier (c->proc) != NULL)
    sync_cli_child_kill_9 (c);
  g_clear_object (&c->err);
  g_clear_object (&c->cancel);
  g_clear_object (&c->proc);
  g_main_loop_unref (c->loop);
  g_free (c->line);
  g_free (c);
}

void
sync_cli_child_stop_cleanly (SyncCliChild *c,
                             gint          sig)
{
  g_autoptr(GError) error = NULL;

  g_subprocess_send_signal (c->proc, sig);
  g_subprocess_wait (c->proc, NULL, &error);
  g_assert_no_error (error);
  g_assert_false (g_subprocess_get_if_signaled (c->proc));
  g_assert_cmpint (g_subprocess_get_exit_status (c->proc), ==, 0);
}

void
sync_cli_server_insert_medicines (mongoc_client_t *c,
                                  guint            n)
{
  mongoc_collection_t *coll = mongoc_client_get_collection (c, "pharmatrack", "medicines");
  bson_oid_t tenant;
  gint64 t = g_get_real_time () / 1000;

  bson_oid_init_from_string (&tenant, SYNC_TEST_TENANT);
  for (guint i = 0; i < n; i += 5000)
    {
      mongoc_bulk_operation_t *bulk = mongoc_collection_create_bulk_operation_with_opts (coll, NULL);
      bson_error_t err;

      for (guint j = i; j < MIN (n, i + 5000); j++)
        {
          g_autofree gchar *name = g_strdup_printf ("Imported medicine %06u", j);
          bson_oid_t oid;
          bson_t *d;

          bson_oid_init (&oid, NULL);
          d = BCON_NEW ("_id", BCON_OID (&oid), "tenantId", BCON_OID (&tenant),
                        "name", BCON_UTF8 (name), "schedule", BCON_UTF8 ("otc"),
                        "price", BCON_INT64 (100 + j % 5000),
                        "createdAt", BCON_DATE_TIME (t), "updatedAt", BCON_DATE_TIME (t));
          mongoc_bulk_operation_insert (bulk, d);
          bson_destroy (d);
        }
      if (!mongoc_bulk_operation_execute (bulk, NULL, &err))
        g_error ("insert medicines: %s", err.message);
      mongoc_bulk_operation_destroy (bulk);
    }
  mongoc_collection_destroy (coll);
}


void
sync_cli_assert_integrity_ok (PtStore *store)
{
  sqlite3_stmt *stmt = _pt_store_prepare (store, "PRAGMA integrity_check", NULL);

  g_assert_nonnull (stmt);
  g_assert_cmpint (sqlite3_step (stmt), ==, SQLITE_ROW);
  g_assert_cmpstr ((const gchar *) sqlite3_column_text (stmt, 0), ==, "ok");
  sqlite3_reset (stmt);
}
