/* test-sync-network.c: when the network comes back (GNetworkMonitor's
 * "network-changed"), a live engine that is backing off retries at once
 * instead of sleeping out its delay (issue #4: "GNetworkMonitor changes
 * end a backoff early"). */
#define G_LOG_DOMAIN "pt-test"
#include "config.h"

#include <string.h>
#include "sync-test-util.h"

#define WAIT_MS 60000

typedef struct
{
  PtSyncEngine *engine;
  gint          min_retry_s;   /* backing off with at least this delay */
} Wait;

static gboolean
is_live (gpointer data)
{
  Wait *w = data;
  g_autoptr(PtSyncStatus) st = pt_sync_engine_get_status (w->engine);

  return st->state == PT_SYNC_STATE_LIVE;
}

static gboolean
backing_off_long (gpointer data)
{
  Wait *w = data;
  g_autoptr(PtSyncStatus) st = pt_sync_engine_get_status (w->engine);

  return st->state == PT_SYNC_STATE_BACKING_OFF && st->retry_in_seconds >= w->min_retry_s;
}

static void
test_network_back_ends_the_backoff_at_once (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree gchar *dir = sync_test_mkdtemp ();
  g_autofree gchar *db = sync_test_mkdtemp ();
  const gchar *args[] = { "--dbpath", db, NULL };
  g_autoptr(PtStore) store = sync_test_create_tenant (dir);
  g_autoptr(PtSyncEngine) engine = NULL;
  g_autofree gchar *uri = NULL;
  g_autoptr(PtSyncStatus) waiting = NULL;
  /* The server keeps its data across the restart. */
  MongosimFixture *sim = sync_test_server (args);
  Wait w = { NULL, 6 };
  gint64 back_at, live_after_us;

  /* One quick attempt per retry while the server is away. */
  uri = g_strdup_printf ("%s%sserverSelectionTimeoutMS=1000&connectTimeoutMS=1000",
                         mongosim_fixture_get_uri (sim),
                         strchr (mongosim_fixture_get_uri (sim), '?') != NULL ? "&" : "/?");
  engine = pt_sync_engine_new (dir, uri, NULL);
  pt_sync_engine_set_store (engine, store);
  w.engine = engine;
  g_assert_true (pt_sync_engine_start (engine, &error));
  g_assert_no_error (error);
  g_assert_true (sync_test_wait (is_live, &w, WAIT_MS));

  /* The server goes away: retries back off until the next is ≥ 6 s away. */
  g_assert_true (mongosim_fixture_stop (sim, &error));
  g_assert_no_error (error);
  g_assert_true (sync_test_wait (backing_off_long, &w, WAIT_MS));
  waiting = pt_sync_engine_get_status (engine);
  g_test_message ("backing off, next retry in %d s", waiting->retry_in_seconds);

  /* It is back, and the system says the network is: live at once. */
  g_assert_true (mongosim_fixture_restart (sim, &error));
  g_assert_no_error (error);
  back_at = g_get_monotonic_time ();
  g_signal_emit_by_name (g_network_monitor_get_default (), "network-changed", TRUE);
  g_assert_true (sync_test_wait (is_live, &w, WAIT_MS));
  live_after_us = g_get_monotonic_time () - back_at;
  g_test_message ("live %.2f s after the network came back (the retry was %d s away)",
                  live_after_us / 1e6, waiting->retry_in_seconds);
  g_assert_cmpint (live_after_us, <, (gint64) (waiting->retry_in_seconds - 2) * G_USEC_PER_SEC);

  pt_sync_engine_stop (engine);
  g_clear_object (&engine);
  g_clear_object (&store);
  mongosim_fixture_free (sim);
  sync_test_rmdir (dir);
  sync_test_rmdir (db);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/sync/network/network-back-ends-the-backoff-at-once",
                   test_network_back_ends_the_backoff_at_once);
  return g_test_run ();
}
