/* test-sync-cli-watch.c: `sync --watch` of pharmatrack-admin against
 * mongosim: it stops cleanly on SIGTERM, SIGINT and --seconds; kill -9 at
 * random moments while another process writes loses nothing; `status`
 * does not call a killed watch live.  The child is stopped by PID. */
#define G_LOG_DOMAIN "pt-test"
#include "config.h"

#include <signal.h>
#include "pt-store-private.h"
#include "pt-sync-bson.h"
#include "sync-cli-util.h"

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
  g_autoptr(SyncCliChild) watch = NULL;
  const gchar *args[] = { "--data-dir", dir, "sync", "--watch", "--uri", uri, NULL };

  g_clear_object (&store);
  before = sync_cli_status_sync (dir);
  g_assert_cmpstr (json_object_get_string_member (before, "state"), ==, "never-synced");
  g_assert_false (json_object_get_boolean_member (before, "running"));

  watch = sync_cli_child_spawn (args);
  /* `sync --watch` prints each state it enters. */
  g_assert_true (sync_cli_child_wait_for (watch, "sync: live", 60000));
  live = sync_cli_status_sync (dir);
  g_assert_cmpstr (json_object_get_string_member (live, "state"), ==, "live");
  g_assert_true (json_object_get_boolean_member (live, "running"));

  sync_cli_child_kill_9 (watch);
  after = sync_cli_status_sync (dir);
  g_assert_cmpstr (json_object_get_string_member (after, "state"), ==, "offline");
  g_assert_false (json_object_get_boolean_member (after, "running"));
  g_assert_cmpstr (json_object_get_string_member (after, "lastRecordedState"), ==, "live");
  g_assert_true (json_object_get_null_member (after, "message"));

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
      const gchar *argv[] = { sync_cli_admin_path (), "--data-dir", dir, "sync", "--watch", "--uri", uri, NULL };
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
  sync_cli_assert_integrity_ok (writer);
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
      g_autoptr(SyncCliChild) watch = sync_cli_child_spawn (args);
      g_autofree gchar *before = pt_store_sync_get (store, "resume_token");

      g_assert_true (sync_cli_child_wait_for (watch, "sync: live", 60000));
      sync_cli_server_insert_medicines (web, 3);
      local += 3;
      g_assert_true (wait_local_medicines (store, local, 30000));
      sync_cli_child_stop_cleanly (watch, signals[i]);
      g_clear_pointer (&token, g_free);
      token = pt_store_sync_get (store, "resume_token");
      g_assert_nonnull (token);
      g_assert_cmpstr (token, !=, before);
    }

  /* Stopped: the server moves on; a timed watch takes it and ends alone. */
  sync_cli_server_insert_medicines (web, 2);
  {
    g_autoptr(SyncCliChild) watch = sync_cli_child_spawn (timed);
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

  g_test_add_func ("/sync/cli/kill-9-during-watch-loses-nothing", test_kill_9_during_watch_loses_nothing);
  g_test_add_func ("/sync/cli/watch-stops-cleanly-on-signals-and-after-seconds",
                   test_watch_stops_cleanly_on_signals_and_after_seconds);
  g_test_add_func ("/sync/cli/status-is-not-live-after-watch-is-killed",
                   test_status_is_not_live_after_watch_is_killed);

  return g_test_run ();
}
