/* test-sync-cli.c: `connect`, `sync --once` and `status --json` of
 * pharmatrack-admin against mongosim, and a store shared with another
 * process (`sync --watch` and kill -9: test-sync-cli-watch.c;
 * `setup-atlas`: test-sync-cli-setup.c). */
#define G_LOG_DOMAIN "pt-test"
#include "config.h"

#include <string.h>
#include <glib/gi18n-lib.h>
#include <sqlite3.h>
#include "pt-store-private.h"
#include "pt-sync-bson.h"
#include "sync-cli-util.h"

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
  status = sync_cli_parse_status (r.out);
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
  g_autoptr(SyncCliChild) first = NULL;
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
  sync_cli_server_insert_medicines (c, n_imported);
  /* A slow link: every getMore (one 5,000-document page) takes 200 ms. */
  sync_test_server_command (c, "admin",
                            "{\"configureFailPoint\": \"failCommand\", \"mode\": \"alwaysOn\", "
                            "\"data\": {\"failCommands\": [\"getMore\"], \"blockConnection\": true, "
                            "\"blockTimeMS\": 200, \"appName\": \"pharmatrack-desktop\"}}");

  first = sync_cli_child_spawn (args);
  for (;;)
    {
      gboolean timed_out;
      gint64 d, t;

      line = sync_cli_child_next_line (first, 120000, &timed_out);
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
  sync_cli_child_kill_9 (first);
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
  sync_cli_assert_integrity_ok (gui);
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
  s0 = sync_cli_status_sync (dir);
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
  s1 = sync_cli_status_sync (dir);
  g_assert_cmpint (json_object_get_int_member (s1, "pendingCount"), ==, _pt_store_outbox_length (store));
  g_assert_cmpint (json_object_get_int_member (s1, "pendingCount"), >, 0);
  g_assert_nonnull (json_object_get_string_member (s1, "oldestPendingAt"));
  g_assert_cmpint (json_object_get_int_member (s1, "oldestPendingAgeSeconds"), >=, 2 * 3600 - 5);
  g_assert_cmpint (json_object_get_int_member (s1, "oldestPendingAgeSeconds"), <=, 2 * 3600 + 120);

  m2 = sync_test_put_medicine (store, "Loratadine 10 mg", 249);
  s2 = sync_cli_status_sync (dir);
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
  s0 = sync_cli_status_sync (dir);
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

/* Two medicines cannot share a barcode in the cloud (setup-atlas's
 * unique index per tenant).  The web dashboard gave medicine 2 a barcode;
 * offline, this counter gave the same barcode to medicine 1.  That edit is
 * refused for good: `sync --once` says so in one line and exits 1, the
 * edit is kept here and listed with the server's words, the rest of the
 * queue goes through, and it is not sent again and again.  Once the
 * barcode is corrected, it is sent and the counter agrees with the cloud.
 * (It once stayed queued for ever: "1 change is still waiting to be
 * sent", sent again every round.) */
static void
test_once_refuses_an_edit_that_takes_another_records_barcode (void)
{
  g_autoptr(MongosimFixture) sim = sync_test_server (NULL);
  const gchar *uri = mongosim_fixture_get_uri (sim);
  g_autofree gchar *dir = sync_test_mkdtemp ();
  g_autoptr(PtStore) store = sync_test_create_tenant (dir);
  mongoc_client_t *web = sync_test_client (uri);
  g_autofree gchar *m1 = NULL, *m2 = NULL, *m3 = NULL, *b1 = NULL, *b3 = NULL;
  g_autoptr(bson_t) on_server = NULL;
  g_autoptr(GPtrArray) refused = NULL;
  g_autoptr(GError) error = NULL;
  PtSyncQuarantined *q;
  SyncTestRun r;

  r = sync_test_admin (uri, "setup-atlas", NULL);
  g_assert_cmpint (r.status, ==, 0);
  sync_test_run_clear (&r);
  m1 = sync_test_put_medicine (store, "Paracetamol 500 mg", 250);
  m2 = sync_test_put_medicine (store, "Ibuprofen 200 mg", 380);
  m3 = sync_test_put_medicine (store, "Cetirizine 10 mg", 199);
  sync_test_update (store, "medicines", m1, "{\"barcode\": \"5000000000012\"}");
  sync_test_update (store, "medicines", m2, "{\"barcode\": \"5000000000029\"}");
  sync_test_sync_ok (dir, uri);

  sync_test_foreign_update (web, "medicines", m2, "{\"barcode\": \"5000000000036\"}",
                            g_get_real_time () / 1000 + 1000);
  sync_test_update (store, "medicines", m1, "{\"barcode\": \"5000000000036\"}");
  sync_test_update (store, "medicines", m3, "{\"price\": 209}");

  r = sync_test_admin (uri, "--data-dir", dir, "sync", "--once", NULL);
  g_test_message ("exit %d, stderr: %s", r.status, r.err);
  g_assert_cmpint (r.status, ==, 1);
  g_assert_true (g_str_has_prefix (r.err, "pharmatrack-admin: The cloud refused 1 change made here; "));
  g_assert_cmpint (strlen (r.err), ==, strcspn (r.err, "\n") + 1);    /* one line */
  sync_test_run_clear (&r);

  /* Kept here, listed with the server's words, out of the queue. */
  g_assert_cmpint (_pt_store_outbox_length (store), ==, 0);
  b1 = sync_test_get_string (store, "medicines", m1, "barcode");
  g_assert_cmpstr (b1, ==, "5000000000036");
  refused = pt_store_sync_list_quarantined (store, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (refused->len, ==, 1);
  q = g_ptr_array_index (refused, 0);
  g_test_message ("refused: %s %s: %d %s", q->collection, q->document_id, q->server_code, q->server_message);
  g_assert_cmpstr (q->collection, ==, "medicines");
  g_assert_cmpstr (q->document_id, ==, m1);
  g_assert_cmpint (q->server_code, ==, 11000);
  g_assert_nonnull (strstr (q->server_message, "duplicate key"));
  {
    g_autofree gchar *why = pt_sync_quarantined_describe (q);

    /* What the Sync page says: the barcode, and what to do. */
    g_assert_nonnull (strstr (why, "Another medicine in the cloud already has the barcode 5000000000036."));
  }
  /* The cloud: medicine 1 as it was, the other edit landed. */
  on_server = sync_test_server_get (web, "medicines", m1);
  g_assert_cmpstr (pt_bson_get_string (on_server, "barcode"), ==, "5000000000012");
  g_clear_pointer (&on_server, bson_destroy);
  on_server = sync_test_server_get (web, "medicines", m3);
  g_assert_cmpint (pt_bson_get_int (on_server, "price", 0), ==, 209);
  g_clear_pointer (&on_server, bson_destroy);

  /* Corrected: sent, agreed, nothing refused any more. */
  sync_test_update (store, "medicines", m1, "{\"barcode\": \"5000000000043\"}");
  r = sync_test_admin (uri, "--data-dir", dir, "sync", "--once", NULL);
  g_test_message ("after the correction: exit %d, stderr: %s", r.status, r.err);
  g_assert_cmpint (r.status, ==, 0);
  sync_test_run_clear (&r);
  g_assert_cmpint (pt_store_sync_count_quarantined (store), ==, 0);
  on_server = sync_test_server_get (web, "medicines", m1);
  g_assert_cmpstr (pt_bson_get_string (on_server, "barcode"), ==, "5000000000043");
  b3 = sync_test_get_string (store, "medicines", m2, "barcode");
  g_assert_cmpstr (b3, ==, "5000000000036");

  mongoc_client_destroy (web);
  g_clear_object (&store);
  sync_test_rmdir (dir);
}

/* {waitForFailPoint} on mongosim: TRUE once the fail point has been
 * entered @times times in all, FALSE when @max_ms pass first. */
static gboolean
wait_for_fail_point (mongoc_client_t *c,
                     gint64           times,
                     gint64           max_ms)
{
  g_autofree gchar *json = g_strdup_printf ("{\"waitForFailPoint\": \"failCommand\", \"timesEntered\": %"
                                            G_GINT64_FORMAT ", \"maxTimeMS\": %" G_GINT64_FORMAT "}",
                                            times, max_ms);
  bson_t *cmd = sync_test_json (json);
  bson_t reply;
  bson_error_t err;
  gboolean ok = mongoc_client_command_simple (c, "admin", cmd, NULL, &reply, &err);

  if (!ok && err.code != 50)     /* 50: MaxTimeMSExpired */
    g_error ("waitForFailPoint: %s", err.message);
  bson_destroy (&reply);
  bson_destroy (cmd);
  return ok;
}

/* The counter keeps working while `sync --once` runs (another process
 * adds medicines to the same store): the run sends what it finds, and what is made
 * after its last look is still waiting when it ends.  It then says how
 * many changes are still waiting, in one line, and exits 1 — the counter
 * and the cloud do not agree yet; the next run sends them.  Deterministic:
 * the simulator holds every read of the change stream the run makes after
 * sending (blockConnection on getMore) and this test adds a medicine the
 * moment the simulator has one (waitForFailPoint), so every round of the
 * run ends with a new change queued, until the run gives up. */
static void
test_once_says_how_many_changes_are_still_waiting (void)
{
  g_autoptr(MongosimFixture) sim = sync_test_server (NULL);
  const gchar *uri = mongosim_fixture_get_uri (sim);
  g_autofree gchar *dir = sync_test_mkdtemp ();
  g_autoptr(PtStore) counter = sync_test_create_tenant (dir);
  g_autoptr(GPtrArray) ids = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GSubprocessLauncher) l = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_SILENCE
                                                                | G_SUBPROCESS_FLAGS_STDERR_PIPE);
  g_autoptr(GSubprocess) once = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree gchar *err = NULL, *expected = NULL, *line = NULL;
  mongoc_client_t *web = sync_test_client (uri);
  const gchar *argv[] = { sync_cli_admin_path (), "--data-dir", dir, "sync", "--once", "--uri", uri, NULL };
  gint64 entered, pending, said;
  bson_t reply;
  bson_error_t berr;
  bson_t *cmd;
  SyncTestRun r;

  sync_test_sync_ok (dir, uri);
  _pt_store_set_busy_timeout (counter, 20000);
  cmd = sync_test_json ("{\"configureFailPoint\": \"failCommand\", \"mode\": \"alwaysOn\", "
                        "\"data\": {\"failCommands\": [\"getMore\"], \"blockConnection\": true, "
                        "\"blockTimeMS\": 200, \"appName\": \"pharmatrack-desktop\"}}");
  if (!mongoc_client_command_simple (web, "admin", cmd, NULL, &reply, &berr))
    g_error ("configureFailPoint: %s", berr.message);
  entered = pt_bson_get_int (&reply, "count", -1);
  g_assert_cmpint (entered, >=, 0);
  bson_destroy (&reply);
  bson_destroy (cmd);

  g_ptr_array_add (ids, sync_test_put_medicine (counter, "Medicine 0", 100));
  g_subprocess_launcher_unsetenv (l, "MONGODB_URI");
  once = g_subprocess_launcher_spawnv (l, argv, &error);
  g_assert_no_error (error);
  /* Each read the run makes: a new medicine meanwhile.  Until it ends. */
  while (g_subprocess_get_identifier (once) != NULL)
    if (wait_for_fail_point (web, entered + 1, 500))
      {
        g_autofree gchar *name = g_strdup_printf ("Medicine %u", ids->len);

        entered++;
        g_ptr_array_add (ids, sync_test_put_medicine (counter, name, 100 + ids->len));
      }
  g_subprocess_communicate_utf8 (once, NULL, NULL, NULL, &err, &error);
  g_assert_no_error (error);
  g_test_message ("%u medicines added during the run (%" G_GINT64_FORMAT " reads held); exit %d, stderr: %s",
                  ids->len, entered, g_subprocess_get_exit_status (once), err);

  /* What was made after the run's last look: its count, in one line.
   * (A medicine of the run's very last read may be written after that look,
   * so the store may hold one more than the line says.) */
  pending = _pt_store_outbox_length (counter);
  g_assert_true (g_subprocess_get_if_exited (once));
  g_assert_cmpint (g_subprocess_get_exit_status (once), ==, 1);
  g_assert_true (g_str_has_prefix (err, "pharmatrack-admin: "));
  said = g_ascii_strtoll (err + strlen ("pharmatrack-admin: "), NULL, 10);
  g_test_message ("the line says %" G_GINT64_FORMAT ", the outbox holds %" G_GINT64_FORMAT, said, pending);
  g_assert_cmpint (said, >, 0);
  g_assert_cmpint (said, <=, pending);
  expected = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%" G_GINT64_FORMAT " change is still waiting to be sent.",
                                           "%" G_GINT64_FORMAT " changes are still waiting to be sent.", said),
                              said);
  line = g_strconcat ("pharmatrack-admin: ", expected, "\n", NULL);
  g_assert_cmpstr (err, ==, line);
  /* Everything but those is in the cloud already. */
  g_assert_cmpint (sync_test_server_count (web, "medicines", NULL), <, ids->len);
  g_assert_cmpint (sync_test_server_count (web, "medicines", NULL), >, 0);

  /* The next run, undisturbed, sends them and agrees. */
  sync_test_server_command (web, "admin", "{\"configureFailPoint\": \"failCommand\", \"mode\": \"off\"}");
  r = sync_test_admin (uri, "--data-dir", dir, "sync", "--once", NULL);
  g_assert_cmpint (r.status, ==, 0);
  sync_test_run_clear (&r);
  g_assert_cmpint (_pt_store_outbox_length (counter), ==, 0);
  for (guint i = 0; i < ids->len; i++)
    {
      g_autoptr(bson_t) doc = sync_test_server_get (web, "medicines", g_ptr_array_index (ids, i));

      g_assert_nonnull (doc);
    }

  mongoc_client_destroy (web);
  g_clear_object (&counter);
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
  g_test_add_func ("/sync/cli/once-refuses-an-edit-that-takes-another-records-barcode",
                   test_once_refuses_an_edit_that_takes_another_records_barcode);
  g_test_add_func ("/sync/cli/once-says-how-many-changes-are-still-waiting",
                   test_once_says_how_many_changes_are_still_waiting);
  g_test_add_func ("/sync/cli/connect-killed-half-way-continues", test_connect_killed_half_way_continues);
  g_test_add_func ("/sync/cli/other-process-leaves-this-process-store-sound",
                   test_other_process_leaves_this_process_store_sound);

  return g_test_run ();
}
