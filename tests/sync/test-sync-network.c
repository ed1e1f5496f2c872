/* test-sync-network.c: the engine does not sleep through what it must act
 * on (issue #4: "the store wakes it on every local commit so a change
 * leaves within milliseconds when online; GNetworkMonitor changes end a
 * backoff early"): when the network comes back, a backing-off engine
 * retries at once; a local commit is pushed at once, also while the
 * engine polls a server without change streams with a long interval. */
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

typedef struct
{
  mongoc_client_t *web;
  const gchar     *id;
} Landed;

static gboolean
price_landed (gpointer data)
{
  Landed *l = data;
  g_autoptr(bson_t) doc = sync_test_server_get (l->web, "medicines", l->id);
  bson_iter_t it;

  return doc != NULL && bson_iter_init_find (&it, doc, "price") && bson_iter_as_int64 (&it) == 777;
}

static gboolean
live_and_polling (gpointer data)
{
  Wait *w = data;
  g_autoptr(PtSyncStatus) st = pt_sync_engine_get_status (w->engine);

  return st->state == PT_SYNC_STATE_LIVE && st->polling && st->pending_count == 0;
}

/* Waits for @cond while the main context runs (the engine's status
 * arrives there), polling every 20 ms. */
static gboolean
wait_polling (gboolean (*cond) (gpointer), gpointer data, guint timeout_ms)
{
  gint64 deadline = g_get_monotonic_time () + (gint64) timeout_ms * 1000;

  while (!cond (data))
    {
      if (g_get_monotonic_time () > deadline)
        return FALSE;
      while (g_main_context_iteration (NULL, FALSE))
        ;
      g_usleep (20000);
    }
  return TRUE;
}

static void
test_local_commit_leaves_at_once_while_polling (void)
{
  static const gchar *args[] = { "--standalone", NULL };
  g_autoptr(GError) error = NULL;
  g_autofree gchar *dir = sync_test_mkdtemp ();
  g_autoptr(PtStore) store = sync_test_create_tenant (dir);
  g_autofree gchar *id = sync_test_put_medicine (store, "Ramipril 5 mg", 640);
  g_autoptr(PtSyncEngine) engine = NULL;
  MongosimFixture *sim = sync_test_server (args);
  Wait w = { NULL, 0 };
  Landed l = { NULL, id };
  gint64 committed_at, landed_after_us;

  engine = pt_sync_engine_new (dir, mongosim_fixture_get_uri (sim), NULL);
  pt_sync_engine_set_store (engine, store);
  /* The next poll is 30 s away whenever the engine is idle. */
  pt_sync_engine_set_poll_interval (engine, 30000);
  w.engine = engine;
  g_assert_true (pt_sync_engine_start (engine, &error));
  g_assert_no_error (error);
  g_assert_true (wait_polling (live_and_polling, &w, WAIT_MS));

  l.web = sync_test_client (mongosim_fixture_get_uri (sim));
  committed_at = g_get_monotonic_time ();
  sync_test_update (store, "medicines", id, "{\"price\": {\"$numberLong\": \"777\"}}");
  g_assert_true (wait_polling (price_landed, &l, 10000));
  landed_after_us = g_get_monotonic_time () - committed_at;
  g_test_message ("on the server %.3f s after the commit (next poll 30 s away)", landed_after_us / 1e6);
  g_assert_cmpint (landed_after_us, <, 3 * G_USEC_PER_SEC);

  pt_sync_engine_stop (engine);
  mongoc_client_destroy (l.web);
  g_clear_object (&engine);
  g_clear_object (&store);
  mongosim_fixture_free (sim);
  sync_test_rmdir (dir);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/sync/network/network-back-ends-the-backoff-at-once",
                   test_network_back_ends_the_backoff_at_once);
  g_test_add_func ("/sync/network/local-commit-leaves-at-once-while-polling",
                   test_local_commit_leaves_at_once_while_polling);
  return g_test_run ();
}
