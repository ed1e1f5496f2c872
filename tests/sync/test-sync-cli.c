/* test-sync-cli.c: `connect`, `sync`, `status --json`, and kill -9 of
 * `sync --watch` while another process writes (`setup-atlas`:
 * test-sync-cli-setup.c). */
#define G_LOG_DOMAIN "pt-test"
#include "config.h"

#include <signal.h>
#include <string.h>
#include <sqlite3.h>
#include <json-glib/json-glib.h>
#include "pt-store-private.h"
#include "pt-sync-bson.h"
#include "sync-test-util.h"

static const gchar *
admin_path (void)
{
  const gchar *p = g_getenv ("PHARMATRACK_ADMIN");
  g_assert_nonnull (p);
  return p;
}

static JsonObject *
parse_status (const gchar *json)
{
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GError) error = NULL;

  json_parser_load_from_data (parser, json, -1, &error);
  g_assert_no_error (error);
  return json_object_ref (json_node_get_object (json_parser_get_root (parser)));
}

/* Every field issue #4 promises in `status --json` is there, with its
 * type: state, last push/pull, pending count and age of the oldest,
 * conflicts, quarantined, dropped foreign-tenant documents, clock skew,
 * initial-sync progress (and the unreadable records). */
static void
assert_status_contract (JsonObject *sync)
{
  static const struct { const gchar *name; GType type; gboolean nullable; } fields[] = {
    { "state", G_TYPE_STRING, FALSE }, { "running", G_TYPE_BOOLEAN, FALSE },
    { "message", G_TYPE_STRING, TRUE }, { "lastPushAt", G_TYPE_STRING, TRUE },
    { "lastPullAt", G_TYPE_STRING, TRUE }, { "pendingCount", G_TYPE_INT64, FALSE },
    { "oldestPendingAt", G_TYPE_STRING, TRUE }, { "oldestPendingAgeSeconds", G_TYPE_INT64, FALSE },
    { "conflicts", G_TYPE_INT64, FALSE }, { "quarantined", G_TYPE_INT64, FALSE },
    { "droppedForeignTenant", G_TYPE_INT64, FALSE }, { "maxClockSkewMs", G_TYPE_INT64, FALSE },
    { "unreadableFromCloud", G_TYPE_INT64, FALSE }, { "unreadableMessage", G_TYPE_STRING, TRUE },
  };
  JsonObject *initial;

  for (guint i = 0; i < G_N_ELEMENTS (fields); i++)
    {
      JsonNode *node = json_object_get_member (sync, fields[i].name);

      if (node == NULL)
        g_error ("status --json: no sync.%s", fields[i].name);
      if (JSON_NODE_HOLDS_NULL (node) && fields[i].nullable)
        continue;
      if (!JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != fields[i].type)
        g_error ("status --json: sync.%s is a %s", fields[i].name, json_node_type_name (node));
    }
  g_assert_cmpint (json_object_get_int_member (sync, "maxClockSkewMs"), >=, 0);
  initial = json_object_get_object_member (sync, "initialSync");
  g_assert_nonnull (initial);
  g_assert_true (json_object_has_member (initial, "complete"));
  g_assert_cmpint (json_object_get_int_member (initial, "done"), >=, 0);
  g_assert_cmpint (json_object_get_int_member (initial, "total"), >=,
                   json_object_get_int_member (initial, "done"));
}

static void
test_connect_sync_and_status (void)
{
  static const gchar * const auth[] = { "--auth", "pharma:Sup3r-s3cret", NULL };
  g_autoptr(MongosimFixture) sim = sync_test_server (auth);
  const gchar *uri = mongosim_fixture_get_uri (sim);
  g_autofree gchar *dir_a = sync_test_mkdtemp ();
  g_autofree gchar *dir_b = sync_test_mkdtemp ();
  g_autoptr(PtStore) a = sync_test_create_tenant (dir_a);
  g_autofree gchar *m1 = sync_test_put_medicine (a, "Paracetamol 500 mg", 250);
  g_autoptr(JsonObject) status = NULL;
  JsonObject *sync;
  SyncTestRun r;

  g_clear_object (&a);
  r = sync_test_admin (NULL, "--data-dir", dir_a, "sync", "--once", "--uri", uri, NULL);
  g_assert_cmpint (r.status, ==, 0);
  sync_test_run_clear (&r);

  r = sync_test_admin (uri, "--data-dir", dir_b, "connect", "--tenant-id", SYNC_TEST_TENANT, NULL);
  g_assert_cmpint (r.status, ==, 0);
  g_assert_nonnull (strstr (r.err, "documents"));     /* the progress line */
  g_assert_null (strstr (r.err, "Sup3r-s3cret"));
  g_assert_null (strstr (r.out, "Sup3r-s3cret"));
  sync_test_run_clear (&r);

  r = sync_test_admin (NULL, "--data-dir", dir_b, "status", "--json", NULL);
  g_assert_cmpint (r.status, ==, 0);
  status = parse_status (r.out);
  sync = json_object_get_object_member (status, "sync");
  g_assert_nonnull (sync);
  g_assert_cmpint (json_object_get_int_member (sync, "pendingCount"), ==, 0);
  g_assert_cmpint (json_object_get_int_member (sync, "conflicts"), ==, 0);
  g_assert_cmpint (json_object_get_int_member (sync, "droppedForeignTenant"), ==, 0);
  g_assert_true (json_object_get_boolean_member (json_object_get_object_member (sync, "initialSync"),
                                                 "complete"));
  g_assert_nonnull (json_object_get_string_member (sync, "lastPullAt"));
  assert_status_contract (sync);
  sync_test_run_clear (&r);

  /* Wrong password: one line on stderr, non-zero, no password echoed. */
  {
    g_autofree gchar *bad = g_strdup_printf ("mongodb://pharma:not-the-Sup3r@%s/?replicaSet=rs0",
                                             mongosim_fixture_get_host (sim));
    r = sync_test_admin (bad, "--data-dir", dir_b, "sync", "--once", NULL);
    g_assert_cmpint (r.status, ==, 1);
    g_assert_nonnull (strstr (r.err, "authentication failed"));
    g_assert_null (strstr (r.err, "not-the-Sup3r"));
    sync_test_run_clear (&r);
  }
  /* Neither --uri nor MONGODB_URI: a usage error. */
  r = sync_test_admin (NULL, "--data-dir", dir_b, "sync", "--once", NULL);
  g_assert_cmpint (r.status, ==, 2);
  sync_test_run_clear (&r);

  sync_test_rmdir (dir_a);
  sync_test_rmdir (dir_b);
}

static JsonObject *
status_sync (const gchar *dir)
{
  SyncTestRun r = sync_test_admin (NULL, "--data-dir", dir, "status", "--json", NULL);
  g_autoptr(JsonObject) status = NULL;
  JsonObject *sync;

  g_assert_cmpint (r.status, ==, 0);
  status = parse_status (r.out);
  sync_test_run_clear (&r);
  sync = json_object_get_object_member (status, "sync");
  g_assert_nonnull (sync);
  return json_object_ref (sync);
}

/* ---- A child's stderr, line by line ---------------------------------------- */

typedef struct
{
  GSubprocess      *proc;
  GDataInputStream *err;
  GCancellable     *cancel;
  GMainLoop        *loop;
  gchar            *line;       /* the last line read, NULL at the end */
  gboolean          done;       /* the read finished */
  gboolean          eof;
} Child;

/* Starts pharmatrack-admin @argv (NULL-terminated, without the program)
 * with stderr piped for child_next_line(). */
static Child *
child_spawn (const gchar * const *args)
{
  g_autoptr(GSubprocessLauncher) l = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_SILENCE
                                                                | G_SUBPROCESS_FLAGS_STDERR_PIPE);
  g_autoptr(GPtrArray) argv = g_ptr_array_new ();
  g_autoptr(GError) error = NULL;
  Child *c = g_new0 (Child, 1);

  g_ptr_array_add (argv, (gpointer) admin_path ());
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
  Child *c = data;
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
  Child *c = data;

  g_cancellable_cancel (c->cancel);
  return G_SOURCE_REMOVE;
}

/* The child's next stderr line, waiting at most @timeout_ms; NULL at the
 * end of its output (or after the timeout: then *timed_out). */
static const gchar *
child_next_line (Child    *c,
                 guint     timeout_ms,
                 gboolean *timed_out)
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

/* Waits (≤ @timeout_ms in all) for a stderr line containing @needle. */
static gboolean
child_wait_for (Child       *c,
                const gchar *needle,
                guint        timeout_ms)
{
  gint64 deadline = g_get_monotonic_time () + (gint64) timeout_ms * 1000;

  for (;;)
    {
      gint64 left = (deadline - g_get_monotonic_time ()) / 1000;
      gboolean timed_out;
      const gchar *line;

      if (left <= 0)
        return FALSE;
      line = child_next_line (c, (guint) left, &timed_out);
      if (line == NULL)
        return FALSE;
      if (strstr (line, needle) != NULL)
        return TRUE;
    }
}

/* SIGKILL by PID, as a crash or a pulled plug would; reaps it. */
static void
child_kill_9 (Child *c)
{
  g_autoptr(GError) error = NULL;

  g_subprocess_send_signal (c->proc, SIGKILL);
  g_subprocess_wait (c->proc, NULL, &error);
  g_assert_no_error (error);
  g_assert_true (g_subprocess_get_if_signaled (c->proc));
  g_assert_cmpint (g_subprocess_get_term_sig (c->proc), ==, SIGKILL);
}

static void
child_free (Child *c)
{
  if (c == NULL)
    return;
  if (g_subprocess_get_identifier (c->proc) != NULL)
    child_kill_9 (c);
  g_clear_object (&c->err);
  g_clear_object (&c->cancel);
  g_clear_object (&c->proc);
  g_main_loop_unref (c->loop);
  g_free (c->line);
  g_free (c);
}
G_DEFINE_AUTOPTR_CLEANUP_FUNC (Child, child_free)

/* `status` tells the truth about a sync that is gone: `sync --watch`,
 * live, killed with SIGKILL (no chance to record anything) is offline. */
static void
test_status_is_not_live_after_watch_is_killed (void)
{
  g_autoptr(MongosimFixture) sim = sync_test_server (NULL);
  const gchar *uri = mongosim_fixture_get_uri (sim);
  g_autofree gchar *dir = sync_test_mkdtemp ();
  g_autoptr(PtStore) store = sync_test_create_tenant (dir);
  g_autofree gchar *m1 = sync_test_put_medicine (store, "Paracetamol 500 mg", 250);
  g_autoptr(JsonObject) before = NULL, live = NULL, after = NULL;
  g_autoptr(Child) watch = NULL;
  const gchar *args[] = { "--data-dir", dir, "sync", "--watch", "--uri", uri, NULL };

  g_clear_object (&store);
  before = status_sync (dir);
  g_assert_cmpstr (json_object_get_string_member (before, "state"), ==, "never-synced");
  g_assert_false (json_object_get_boolean_member (before, "running"));

  watch = child_spawn (args);
  /* `sync --watch` prints each state it enters. */
  g_assert_true (child_wait_for (watch, "sync: live", 60000));
  live = status_sync (dir);
  g_assert_cmpstr (json_object_get_string_member (live, "state"), ==, "live");
  g_assert_true (json_object_get_boolean_member (live, "running"));

  child_kill_9 (watch);
  after = status_sync (dir);
  g_assert_cmpstr (json_object_get_string_member (after, "state"), ==, "offline");
  g_assert_false (json_object_get_boolean_member (after, "running"));
  g_assert_cmpstr (json_object_get_string_member (after, "lastRecordedState"), ==, "live");
  g_assert_true (json_object_get_null_member (after, "message"));

  sync_test_rmdir (dir);
}

/* Inserts @n medicines of the test tenant straight into the server (as
 * the web dashboard's bulk import would: no _sync), 5,000 per bulk. */
static void
server_insert_medicines (mongoc_client_t *c,
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

/* "connect: D of T documents" → D and T. */
static gboolean
parse_progress (const gchar *line,
                gint64      *done,
                gint64      *total)
{
  const gchar *p = strstr (line, "connect: ");

  return p != NULL
         && sscanf (p, "connect: %" G_GINT64_FORMAT " of %" G_GINT64_FORMAT " documents", done, total) == 2;
}

/* The ids of @coll in the local store, sorted; asserts none is there twice. */
static GPtrArray *
local_ids (PtStore     *store,
           const gchar *coll)
{
  g_autofree gchar *sql = g_strdup_printf ("SELECT id FROM \"%s\" ORDER BY id", coll);
  sqlite3_stmt *stmt = _pt_store_prepare (store, sql, NULL);
  GPtrArray *ids = g_ptr_array_new_with_free_func (g_free);

  g_assert_nonnull (stmt);
  while (sqlite3_step (stmt) == SQLITE_ROW)
    {
      const gchar *id = (const gchar *) sqlite3_column_text (stmt, 0);

      if (ids->len > 0)
        g_assert_cmpstr (g_ptr_array_index (ids, ids->len - 1), <, id);
      g_ptr_array_add (ids, g_strdup (id));
    }
  sqlite3_reset (stmt);
  return ids;
}

/* The ids of @coll's documents of the test tenant on the server, sorted. */
static GPtrArray *
server_ids (mongoc_client_t *c,
            const gchar     *coll)
{
  mongoc_collection_t *mc = mongoc_client_get_collection (c, "pharmatrack", coll);
  g_autofree gchar *f = g_strdup_printf (g_str_equal (coll, "tenants") ? "{\"_id\": {\"$oid\": \"%s\"}}"
                                                                        : "{\"tenantId\": {\"$oid\": \"%s\"}}",
                                         SYNC_TEST_TENANT);
  bson_t *filter = sync_test_json (f);
  bson_t *opts = sync_test_json ("{\"sort\": {\"_id\": 1}, \"projection\": {\"_id\": 1}}");
  mongoc_cursor_t *cursor = mongoc_collection_find_with_opts (mc, filter, opts, NULL);
  GPtrArray *ids = g_ptr_array_new_with_free_func (g_free);
  const bson_t *doc;
  bson_error_t err;

  while (mongoc_cursor_next (cursor, &doc))
    g_ptr_array_add (ids, pt_sync_doc_id_hex (doc));
  if (mongoc_cursor_error (cursor, &err))
    g_error ("find %s: %s", coll, err.message);
  mongoc_cursor_destroy (cursor);
  bson_destroy (filter);
  bson_destroy (opts);
  mongoc_collection_destroy (mc);
  return ids;
}

/* Enrolment killed half-way (SIGKILL, as a pulled plug) continues where
 * it stopped when `connect` runs again, and ends with exactly the
 * server's documents. */
static void
test_connect_killed_half_way_continues (void)
{
  g_autoptr(MongosimFixture) sim = sync_test_server (NULL);
  const gchar *uri = mongosim_fixture_get_uri (sim);
  g_autofree gchar *dir_a = sync_test_mkdtemp ();
  g_autofree gchar *dir_b = sync_test_mkdtemp ();
  g_autoptr(PtStore) a = sync_test_create_tenant (dir_a);
  g_autoptr(PtStore) b = NULL;
  g_autoptr(Child) first = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) colls = NULL;
  mongoc_client_t *c = sync_test_client (uri);
  const gchar *args[] = { "--data-dir", dir_b, "connect", "--uri", uri,
                          "--tenant-id", SYNC_TEST_TENANT, NULL };
  const guint n_imported = 60000;
  gint64 total = 0, done_at_kill = 0, second_downloaded = -1, second_first_done = -1;
  const gchar *line;
  SyncTestRun r;

  g_clear_object (&a);
  sync_test_sync_ok (dir_a, uri);
  server_insert_medicines (c, n_imported);
  /* A slow link: every getMore (one 5,000-document page) takes 200 ms. */
  sync_test_server_command (c, "admin",
                            "{\"configureFailPoint\": \"failCommand\", \"mode\": \"alwaysOn\", "
                            "\"data\": {\"failCommands\": [\"getMore\"], \"blockConnection\": true, "
                            "\"blockTimeMS\": 200, \"appName\": \"pharmatrack-desktop\"}}");

  first = child_spawn (args);
  for (;;)
    {
      gboolean timed_out;
      gint64 d, t;

      line = child_next_line (first, 120000, &timed_out);
      g_assert_false (timed_out);
      g_assert_nonnull (line);  /* it must not end before 20 % */
      if (!parse_progress (line, &d, &t))
        continue;
      total = t;
      if (d * 5 >= t)
        {
          done_at_kill = d;
          break;
        }
    }
  child_kill_9 (first);
  g_test_message ("killed at %" G_GINT64_FORMAT " of %" G_GINT64_FORMAT, done_at_kill, total);
  g_assert_cmpint (total, >=, n_imported);
  g_assert_cmpint (done_at_kill * 5, <=, total * 4);  /* between 20 % and 80 % */
  /* Half-way indeed: the enrolment is not complete. */
  b = pt_store_open (dir_b, &error);
  g_assert_no_error (error);
  g_assert_cmpint (pt_store_sync_get_int (b, "initial_complete", 0), ==, 0);
  g_assert_cmpint (pt_store_sync_get_int (b, "initial_done", 0), >=, done_at_kill);
  g_assert_cmpint (pt_store_sync_get_int (b, "initial_done", 0), <, total);
  g_clear_object (&b);

  sync_test_server_command (c, "admin", "{\"configureFailPoint\": \"failCommand\", \"mode\": \"off\"}");
  r = sync_test_admin (NULL, "--data-dir", dir_b, "connect", "--uri", uri, "--tenant-id", SYNC_TEST_TENANT, NULL);
  g_assert_cmpint (r.status, ==, 0);
  {
    g_auto(GStrv) lines = g_strsplit (r.err, "\n", -1);
    const gchar *n = strstr (r.out, "documents downloaded");
    gint64 t;

    for (guint i = 0; lines[i] != NULL && second_first_done < 0; i++)
      if (!parse_progress (lines[i], &second_first_done, &t))
        second_first_done = -1;
    g_assert_nonnull (n);
    while (n > r.out && g_ascii_isdigit (n[-2]))
      n--;
    second_downloaded = g_ascii_strtoll (n - 1, NULL, 10);
  }
  g_test_message ("second run: progress starts at %" G_GINT64_FORMAT ", %" G_GINT64_FORMAT
                  " documents downloaded", second_first_done, second_downloaded);
  sync_test_run_clear (&r);
  /* It continued: it counted from where the first run stopped and fetched
   * only the rest. */
  g_assert_cmpint (second_first_done, >=, done_at_kill);
  g_assert_cmpint (second_downloaded, >, 0);
  g_assert_cmpint (second_downloaded, <=, total - done_at_kill);

  /* Exactly the server's documents, each once. */
  b = pt_store_open (dir_b, &error);
  g_assert_no_error (error);
  g_assert_cmpint (pt_store_sync_get_int (b, "initial_complete", 0), ==, 1);
  colls = g_ptr_array_new ();
  {
    guint n;
    const PtCollection * const *all = pt_schema_collections (&n);

    for (guint i = 0; i < n; i++)
      if (all[i]->synced)
        {
          g_autoptr(GPtrArray) here = local_ids (b, all[i]->name);
          g_autoptr(GPtrArray) there = server_ids (c, all[i]->name);

          g_assert_cmpuint (here->len, ==, there->len);
          for (guint k = 0; k < here->len; k++)
            g_assert_cmpstr (g_ptr_array_index (here, k), ==, g_ptr_array_index (there, k));
        }
  }
  g_assert_cmpint (pt_store_count (b, "medicines"), >=, n_imported);

  g_clear_object (&b);
  mongoc_client_destroy (c);
  sync_test_rmdir (dir_a);
  sync_test_rmdir (dir_b);
}

/* The GUI keeps its store open; the sync worker of the same process opens
 * and closes its own connections; `status` (or `sync --once`) runs in
 * another process.  Opening a store once read the file's header with
 * fopen/fclose, which drops the POSIX locks of every SQLite connection of
 * the process: the other process, closing what it took for the last
 * connection, checkpointed and deleted the WAL under the GUI's, which then
 * read "database disk image is malformed" and missed later commits. */
static void
test_other_process_leaves_this_process_store_sound (void)
{
  g_autofree gchar *dir = sync_test_mkdtemp ();
  g_autoptr(PtStore) gui = sync_test_create_tenant (dir);
  g_autoptr(PtStore) worker = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree gchar *m1 = sync_test_put_medicine (gui, "Paracetamol 500 mg", 250);
  g_autofree gchar *m2 = NULL, *name = NULL;
  SyncTestRun r;

  /* The worker's connection comes and goes while the GUI's stays. */
  worker = pt_store_open (dir, &error);
  g_assert_no_error (error);
  g_clear_object (&worker);
  r = sync_test_admin (NULL, "--data-dir", dir, "status", NULL);
  g_assert_cmpint (r.status, ==, 0);
  sync_test_run_clear (&r);

  worker = pt_store_open (dir, &error);
  g_assert_no_error (error);
  pt_store_act_as_system (worker);
  m2 = sync_test_put_medicine (worker, "Ibuprofen 200 mg", 380);
  g_clear_object (&worker);

  /* The GUI's connection sees both, through a sound file. */
  g_assert_cmpint (pt_store_count (gui, "medicines"), ==, 2);
  name = sync_test_get_string (gui, "medicines", m2, "name");
  g_assert_cmpstr (name, ==, "Ibuprofen 200 mg");
  {
    sqlite3_stmt *stmt = _pt_store_prepare (gui, "PRAGMA integrity_check", NULL);

    g_assert_nonnull (stmt);
    g_assert_cmpint (sqlite3_step (stmt), ==, SQLITE_ROW);
    g_assert_cmpstr ((const gchar *) sqlite3_column_text (stmt, 0), ==, "ok");
    sqlite3_reset (stmt);
  }
  g_clear_object (&gui);
  sync_test_rmdir (dir);
}

static gint64
two_hours_ago_clock (gpointer data)
{
  return g_get_real_time () / 1000 - (gint64) 2 * 3600 * 1000;
}

/* `status` reads the store as it is now: changes made after the last
 * sync, by this or any process, count at once, with their age. */
static void
test_status_counts_local_changes_without_sync (void)
{
  g_autoptr(MongosimFixture) sim = sync_test_server (NULL);
  const gchar *uri = mongosim_fixture_get_uri (sim);
  g_autofree gchar *dir = sync_test_mkdtemp ();
  g_autoptr(PtStore) store = sync_test_create_tenant (dir);
  g_autoptr(JsonObject) s0 = NULL, s1 = NULL, s2 = NULL;
  g_autofree gchar *m1 = NULL, *m2 = NULL;
  SyncTestRun r;

  r = sync_test_admin (uri, "--data-dir", dir, "sync", "--once", NULL);
  g_assert_cmpint (r.status, ==, 0);
  sync_test_run_clear (&r);
  s0 = status_sync (dir);
  /* The run is over: not live any more; what it recorded is kept. */
  g_assert_cmpstr (json_object_get_string_member (s0, "state"), ==, "offline");
  g_assert_false (json_object_get_boolean_member (s0, "running"));
  g_assert_cmpstr (json_object_get_string_member (s0, "lastRecordedState"), ==, "live");
  g_assert_cmpint (json_object_get_int_member (s0, "pendingCount"), ==, 0);
  g_assert_true (json_object_get_null_member (s0, "oldestPendingAt"));
  g_assert_nonnull (json_object_get_string_member (s0, "lastPushAt"));

  /* A change made two hours ago (this process's clock says so), one now. */
  pt_hlc_set_wall_clock (two_hours_ago_clock, NULL);
  m1 = sync_test_put_medicine (store, "Cetirizine 10 mg", 199);
  pt_hlc_set_wall_clock (NULL, NULL);
  s1 = status_sync (dir);
  g_assert_cmpint (json_object_get_int_member (s1, "pendingCount"), ==, _pt_store_outbox_length (store));
  g_assert_cmpint (json_object_get_int_member (s1, "pendingCount"), >, 0);
  g_assert_nonnull (json_object_get_string_member (s1, "oldestPendingAt"));
  g_assert_cmpint (json_object_get_int_member (s1, "oldestPendingAgeSeconds"), >=, 2 * 3600 - 5);
  g_assert_cmpint (json_object_get_int_member (s1, "oldestPendingAgeSeconds"), <=, 2 * 3600 + 120);

  m2 = sync_test_put_medicine (store, "Loratadine 10 mg", 249);
  s2 = status_sync (dir);
  g_assert_cmpint (json_object_get_int_member (s2, "pendingCount"), >,
                   json_object_get_int_member (s1, "pendingCount"));
  g_assert_cmpint (json_object_get_int_member (s2, "pendingCount"), ==, _pt_store_outbox_length (store));
  g_assert_cmpstr (json_object_get_string_member (s2, "oldestPendingAt"), ==,
                   json_object_get_string_member (s1, "oldestPendingAt"));

  /* Once synced, nothing is pending any more. */
  r = sync_test_admin (uri, "--data-dir", dir, "sync", "--once", NULL);
  g_assert_cmpint (r.status, ==, 0);
  sync_test_run_clear (&r);
  g_clear_pointer (&s0, json_object_unref);
  s0 = status_sync (dir);
  g_assert_cmpint (json_object_get_int_member (s0, "pendingCount"), ==, 0);
  g_assert_cmpint (json_object_get_int_member (s0, "oldestPendingAgeSeconds"), ==, 0);

  g_clear_object (&store);
  sync_test_rmdir (dir);
}

/* The kept outbox length contradicts the outbox (negative after a bug,
 * or zero with a change queued): `sync --once` trusts the outbox, sends
 * what is queued, corrects the length and agrees; it never prints an empty
 * sentence. */
static void
set_kept_outbox_length (PtStore *store,
                        gint64   value)
{
  g_autofree gchar *sql = g_strdup_printf ("UPDATE doc_stats SET live = %" G_GINT64_FORMAT
                                           " WHERE collection = 'outbox'", value);

  g_assert_cmpint (sqlite3_exec (_pt_store_get_db (store), sql, NULL, NULL, NULL), ==, SQLITE_OK);
  g_assert_cmpint (_pt_store_outbox_length (store), ==, value);
}

static void
test_once_corrects_a_wrong_outbox_length (void)
{
  g_autoptr(MongosimFixture) sim = sync_test_server (NULL);
  const gchar *uri = mongosim_fixture_get_uri (sim);
  g_autofree gchar *dir = sync_test_mkdtemp ();
  g_autoptr(PtStore) store = sync_test_create_tenant (dir);
  mongoc_client_t *client = sync_test_client (uri);
  g_autofree gchar *m1 = NULL;
  g_autofree gchar *filter = NULL;
  SyncTestRun r;

  r = sync_test_admin (uri, "--data-dir", dir, "sync", "--once", NULL);
  g_assert_cmpint (r.status, ==, 0);
  sync_test_run_clear (&r);

  /* Negative with nothing queued. */
  set_kept_outbox_length (store, -1);
  r = sync_test_admin (uri, "--data-dir", dir, "sync", "--once", NULL);
  g_test_message ("stderr: %s", r.err);
  g_assert_cmpint (r.status, ==, 0);
  sync_test_run_clear (&r);
  g_assert_cmpint (_pt_store_outbox_length (store), ==, 0);

  /* Zero with a change queued: the change still leaves, and the length
   * (lowered again when it was sent) ends right. */
  m1 = sync_test_put_medicine (store, "Cetirizine 10 mg", 199);
  set_kept_outbox_length (store, 0);
  r = sync_test_admin (uri, "--data-dir", dir, "sync", "--once", NULL);
  g_test_message ("stderr: %s", r.err);
  g_assert_cmpint (r.status, ==, 0);
  sync_test_run_clear (&r);
  g_assert_cmpint (_pt_store_outbox_length (store), ==, 0);
  filter = g_strdup_printf ("{\"_id\": {\"$oid\": \"%s\"}}", m1);
  g_assert_cmpint (sync_test_server_count (client, "medicines", filter), ==, 1);

  mongoc_client_destroy (client);
  g_clear_object (&store);
  sync_test_rmdir (dir);
}

static gint64
server_total (mongoc_client_t *c,
              const gchar     *coll)
{
  g_autofree gchar *f = g_strdup_printf ("{\"tenantId\": {\"$oid\": \"%s\"}}", SYNC_TEST_TENANT);
  return sync_test_server_count (c, coll, f);
}

static void
test_kill_9_during_watch_loses_nothing (void)
{
  g_autoptr(MongosimFixture) sim = sync_test_server (NULL);
  const gchar *uri = mongosim_fixture_get_uri (sim);
  g_autofree gchar *dir = sync_test_mkdtemp ();
  g_autoptr(PtStore) writer = sync_test_create_tenant (dir);
  g_autoptr(GPtrArray) ids = g_ptr_array_new_with_free_func (g_free);
  mongoc_client_t *c = sync_test_client (uri);
  guint32 seed = 20261127;
  GRand *rand = g_rand_new_with_seed (seed);
  guint kills = 0;
  SyncTestRun r;

  g_test_message ("seed %u", seed);
  _pt_store_set_busy_timeout (writer, 20000);
  for (guint round = 0; round < 22; round++)
    {
      g_autoptr(GSubprocessLauncher) l = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_SILENCE
                                                                    | G_SUBPROCESS_FLAGS_STDERR_SILENCE);
      g_autoptr(GSubprocess) p = NULL;
      g_autoptr(GError) error = NULL;
      const gchar *argv[] = { admin_path (), "--data-dir", dir, "sync", "--watch", "--uri", uri, NULL };
      gint64 until = g_get_monotonic_time () + g_rand_int_range (rand, 50, 400) * 1000;

      p = g_subprocess_launcher_spawnv (l, argv, &error);
      g_assert_no_error (error);
      /* The other process writes while the syncer runs. */
      while (g_get_monotonic_time () < until)
        {
          g_autofree gchar *name = g_strdup_printf ("Medicine %u-%u", round, ids->len);
          gchar *id = sync_test_put_medicine (writer, name, g_rand_int_range (rand, 100, 9000));

          g_ptr_array_add (ids, id);
          if (ids->len % 3 == 0)
            sync_test_update (writer, "medicines", g_ptr_array_index (ids, g_rand_int_range (rand, 0, ids->len)),
                              "{\"description\": \"edited\"}");
        }
      g_subprocess_send_signal (p, SIGKILL);
      g_subprocess_wait (p, NULL, &error);
      g_assert_no_error (error);
      kills++;
    }
  g_test_message ("%u kills, %u medicines written", kills, ids->len);

  r = sync_test_admin (uri, "--data-dir", dir, "sync", "--once", NULL);
  g_assert_cmpint (r.status, ==, 0);
  sync_test_run_clear (&r);

  /* Everything is on the server exactly once; the file is sound. */
  g_assert_cmpint (server_total (c, "medicines"), ==, ids->len);
  g_assert_cmpint (pt_store_count (writer, "medicines"), ==, ids->len);
  g_assert_cmpint (server_total (c, "audit_events"), ==,
                   sync_test_server_count (c, "audit_events", NULL));
  g_assert_cmpint (_pt_store_outbox_length (writer), ==, 0);
  {
    sqlite3_stmt *stmt = _pt_store_prepare (writer, "PRAGMA integrity_check", NULL);
    g_assert_nonnull (stmt);
    g_assert_cmpint (sqlite3_step (stmt), ==, SQLITE_ROW);
    g_assert_cmpstr ((const gchar *) sqlite3_column_text (stmt, 0), ==, "ok");
    sqlite3_reset (stmt);
  }
  for (guint i = 0; i < ids->len; i += 7)
    {
      g_autoptr(bson_t) on_server = sync_test_server_get (c, "medicines", g_ptr_array_index (ids, i));
      g_autofree gchar *local = sync_test_get_string (writer, "medicines", g_ptr_array_index (ids, i), "description");
      g_assert_nonnull (on_server);
      g_assert_cmpstr (pt_bson_get_string (on_server, "description"), ==, local);
    }

  g_rand_free (rand);
  mongoc_client_destroy (c);
  g_clear_object (&writer);
  sync_test_rmdir (dir);
}

/* Polls @store (another connection) until it holds @n medicines, at most
 * @timeout_ms. */
static gboolean
wait_local_medicines (PtStore *store,
                      gint64   n,
                      guint    timeout_ms)
{
  gint64 deadline = g_get_monotonic_time () + (gint64) timeout_ms * 1000;

  while (pt_store_count (store, "medicines") < n)
    {
      if (g_get_monotonic_time () > deadline)
        return FALSE;
      g_usleep (20000);
    }
  return TRUE;
}

/* Sends @sig to the child and waits: it must end by itself, exit 0. */
static void
child_stop_cleanly (Child *c,
                    gint   sig)
{
  g_autoptr(GError) error = NULL;

  g_subprocess_send_signal (c->proc, sig);
  g_subprocess_wait (c->proc, NULL, &error);
  g_assert_no_error (error);
  g_assert_false (g_subprocess_get_if_signaled (c->proc));
  g_assert_cmpint (g_subprocess_get_exit_status (c->proc), ==, 0);
}

/* `sync --watch` follows the server live until SIGTERM, SIGINT or the end
 * of --seconds, then stops cleanly: exit 0, the resume token of what it
 * applied saved, and the next run carries on from there. */
static void
test_watch_stops_cleanly_on_signals_and_after_seconds (void)
{
  g_autoptr(MongosimFixture) sim = sync_test_server (NULL);
  const gchar *uri = mongosim_fixture_get_uri (sim);
  g_autofree gchar *dir = sync_test_mkdtemp ();
  g_autoptr(PtStore) store = sync_test_create_tenant (dir);
  mongoc_client_t *web = sync_test_client (uri);
  const gchar *args[] = { "--data-dir", dir, "sync", "--watch", "--uri", uri, NULL };
  const gchar *timed[] = { "--data-dir", dir, "sync", "--watch", "--seconds", "2", "--uri", uri, NULL };
  const gint signals[] = { SIGTERM, SIGINT };
  g_autofree gchar *token = NULL;
  gint64 local;

  sync_test_sync_ok (dir, uri);
  local = pt_store_count (store, "medicines");
  for (guint i = 0; i < G_N_ELEMENTS (signals); i++)
    {
      g_autoptr(Child) watch = child_spawn (args);
      g_autofree gchar *before = pt_store_sync_get (store, "resume_token");

      g_assert_true (child_wait_for (watch, "sync: live", 60000));
      server_insert_medicines (web, 3);
      local += 3;
      g_assert_true (wait_local_medicines (store, local, 30000));
      child_stop_cleanly (watch, signals[i]);
      g_clear_pointer (&token, g_free);
      token = pt_store_sync_get (store, "resume_token");
      g_assert_nonnull (token);
      g_assert_cmpstr (token, !=, before);
    }

  /* Stopped: the server moves on; a timed watch takes it and ends alone. */
  server_insert_medicines (web, 2);
  {
    g_autoptr(Child) watch = child_spawn (timed);
    g_autoptr(GError) error = NULL;
    gint64 started = g_get_monotonic_time ();

    g_subprocess_wait (watch->proc, NULL, &error);
    g_assert_no_error (error);
    g_assert_false (g_subprocess_get_if_signaled (watch->proc));
    g_assert_cmpint (g_subprocess_get_exit_status (watch->proc), ==, 0);
    g_test_message ("--seconds 2 ended after %.1f s", (g_get_monotonic_time () - started) / 1e6);
    g_assert_cmpint (g_get_monotonic_time () - started, >=, 2 * G_USEC_PER_SEC);
  }
  g_assert_cmpint (pt_store_count (store, "medicines"), ==, local + 2);
  g_assert_cmpint (pt_store_sync_get_int (store, "initial_complete", 0), ==, 1);

  mongoc_client_destroy (web);
  g_clear_object (&store);
  sync_test_rmdir (dir);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/sync/cli/connect-sync-and-status", test_connect_sync_and_status);
  g_test_add_func ("/sync/cli/status-counts-local-changes-without-sync",
                   test_status_counts_local_changes_without_sync);
  g_test_add_func ("/sync/cli/once-corrects-a-wrong-outbox-length",
                   test_once_corrects_a_wrong_outbox_length);
  g_test_add_func ("/sync/cli/kill-9-during-watch-loses-nothing", test_kill_9_during_watch_loses_nothing);
  g_test_add_func ("/sync/cli/watch-stops-cleanly-on-signals-and-after-seconds",
                   test_watch_stops_cleanly_on_signals_and_after_seconds);
  g_test_add_func ("/sync/cli/status-is-not-live-after-watch-is-killed",
                   test_status_is_not_live_after_watch_is_killed);
  g_test_add_func ("/sync/cli/connect-killed-half-way-continues", test_connect_killed_half_way_continues);
  g_test_add_func ("/sync/cli/other-process-leaves-this-process-store-sound",
                   test_other_process_leaves_this_process_store_sound);

  return g_test_run ();
}
