/* test-sync-e2e.c: counters and a foreign writer against mongosim (a
 * month offline and the process clock: test-sync-e2e-offline.c). */
#define G_LOG_DOMAIN "pt-test"
#include "config.h"

#include <string.h>
#include "pt-store-private.h"
#include "sync-e2e-fixture.h"

static void
test_round_trip_between_counters (SyncE2eFixture *f, gconstpointer data)
{
  g_autofree gchar *m1 = sync_test_put_medicine (f->a, "Paracetamol 500 mg", 250);
  g_autofree gchar *m2 = sync_test_put_medicine (f->a, "Ibuprofen 200 mg", 380);
  g_autofree gchar *batch = sync_test_receive (f->a, m1, 40);
  g_autofree gchar *tf = sync_e2e_oid_filter ("tenantId", SYNC_TEST_TENANT);
  g_autofree gchar *name = NULL;

  sync_e2e_enrol_b (f);
  sync_test_assert_same_data (f->a, f->b);
  g_assert_cmpint (pt_store_stock_on_hand (f->b, m1, NULL), ==, 40);
  g_assert_cmpint (sync_test_server_count (f->web, "medicines", tf), ==, 2);
  g_assert_cmpint (sync_test_server_count (f->web, "stock_movements", tf), ==, 1);
  g_assert_cmpint (_pt_store_outbox_length (f->a), ==, 0);

  /* B changes a price and sells; A sees both after a round. */
  sync_test_update (f->b, "medicines", m2, "{\"price\": {\"$numberLong\": \"399\"}}");
  {
    g_autoptr(GError) error = NULL;
    g_autofree gchar *mv = pt_store_adjust_stock (f->b, batch, -3, "breakage", &error);
    g_assert_no_error (error);
  }
  sync_test_sync_ok (f->dir_b, f->uri);
  sync_test_sync_ok (f->dir_a, f->uri);
  g_assert_cmpint (sync_test_get_int (f->a, "medicines", m2, "price"), ==, 399);
  g_assert_cmpint (pt_store_stock_on_hand (f->a, m1, NULL), ==, 37);
  sync_test_assert_same_data (f->a, f->b);
  name = sync_test_get_string (f->a, "medicines", m1, "name");
  g_assert_cmpstr (name, ==, "Paracetamol 500 mg");
  /* Nothing was written twice. */
  g_assert_cmpint (sync_test_server_count (f->web, "stock_movements", tf), ==, 2);
}

static void
test_foreign_writer_merges_per_field (SyncE2eFixture *f, gconstpointer data)
{
  g_autofree gchar *m1 = sync_test_put_medicine (f->a, "Amoxicillin 500 mg", 900);
  g_autofree gchar *m2 = sync_test_put_medicine (f->a, "Cetirizine 10 mg", 420);
  g_autofree gchar *m3 = sync_test_put_medicine (f->a, "Loratadine 10 mg", 510);
  gint64 now = g_get_real_time () / 1000;
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) conflicts = NULL;
  g_autofree gchar *n2 = NULL, *maker2 = NULL;
  g_autoptr(bson_t) server2 = NULL;
  gboolean seen_m1 = FALSE, seen_m3 = FALSE;

  sync_test_sync_ok (f->dir_a, f->uri);

  /* The web app (no _sync) changes prices; it bumps updatedAt. */
  sync_test_foreign_update (f->web, "medicines", m1, "{\"price\": {\"$numberLong\": \"999\"}}", now + 60000);
  sync_test_foreign_update (f->web, "medicines", m2, "{\"manufacturer\": \"Web Pharma Ltd\"}", now + 60000);
  sync_test_foreign_update (f->web, "medicines", m3, "{\"price\": 555}", now - 60000);

  /* Meanwhile, offline on the counter: */
  sync_test_update (f->a, "medicines", m1, "{\"price\": {\"$numberLong\": \"111\"}}");
  sync_test_update (f->a, "medicines", m2, "{\"name\": \"Cetirizine 10 mg tablets\"}");
  sync_test_update (f->a, "medicines", m3, "{\"price\": {\"$numberLong\": \"777\"}}");

  sync_test_sync_ok (f->dir_a, f->uri);

  /* Same field: the later write wins (the web's updatedAt for m1, the
   * counter's for m3); different fields: both kept. */
  g_assert_cmpint (sync_test_get_int (f->a, "medicines", m1, "price"), ==, 999);
  g_assert_cmpint (sync_test_get_int (f->a, "medicines", m3, "price"), ==, 777);
  n2 = sync_test_get_string (f->a, "medicines", m2, "name");
  maker2 = sync_test_get_string (f->a, "medicines", m2, "manufacturer");
  g_assert_cmpstr (n2, ==, "Cetirizine 10 mg tablets");
  g_assert_cmpstr (maker2, ==, "Web Pharma Ltd");
  server2 = sync_test_server_get (f->web, "medicines", m2);
  g_assert_cmpstr (pt_bson_get_string (server2, "name"), ==, "Cetirizine 10 mg tablets");
  g_assert_cmpstr (pt_bson_get_string (server2, "manufacturer"), ==, "Web Pharma Ltd");
  {
    g_autoptr(bson_t) server3 = sync_test_server_get (f->web, "medicines", m3);
    g_assert_cmpint (pt_bson_get_int (server3, "price", 0), ==, 777);
  }

  /* Each losing value is in the conflict log for staff. */
  {
    g_autoptr(PtSyncEngine) engine = pt_sync_engine_new (f->dir_a, f->uri, NULL);
    conflicts = pt_sync_engine_list_conflicts (engine, FALSE, &error);
  }
  g_assert_no_error (error);
  for (guint i = 0; i < conflicts->len; i++)
    {
      PtSyncConflict *c = g_ptr_array_index (conflicts, i);
      if (g_strcmp0 (c->document_id, m1) == 0 && g_strcmp0 (c->field, "price") == 0)
        {
          seen_m1 = TRUE;
          g_assert_cmpstr (c->lost_value, ==, "111");
          g_assert_cmpstr (c->lost_device, ==, pt_store_get_device_id (f->a));
        }
      if (g_strcmp0 (c->document_id, m3) == 0 && g_strcmp0 (c->field, "price") == 0)
        {
          seen_m3 = TRUE;
          g_assert_cmpstr (c->lost_device, ==, "0000000000000000");
        }
      g_assert_cmpstr (c->document_id, !=, m2);
    }
  g_assert_true (seen_m1);
  g_assert_true (seen_m3);
}

static void
test_tenant_guard_drops_other_tenants (SyncE2eFixture *f, gconstpointer data)
{
  g_autofree gchar *m1 = sync_test_put_medicine (f->a, "Aspirin 75 mg", 120);
  g_autofree gchar *other = g_strdup_printf ("{\"tenantId\": {\"$oid\": \"%s\"}, \"name\": \"Other tenant's secret\", "
                                             "\"schedule\": \"otc\", \"price\": 1, "
                                             "\"createdAt\": {\"$date\": 1}, \"updatedAt\": {\"$date\": 1}}",
                                             SYNC_TEST_OTHER_TENANT);
  mongoc_collection_t *c = mongoc_client_get_collection (f->web, "pharmatrack", "medicines");
  g_autoptr(GError) error = NULL;
  bson_error_t berr;

  sync_test_sync_ok (f->dir_a, f->uri);
  for (guint i = 0; i < 5; i++)
    {
      bson_t *doc = sync_test_json (other);
      g_assert_true (mongoc_collection_insert_one (c, doc, NULL, NULL, &berr));
      bson_destroy (doc);
    }
  mongoc_collection_destroy (c);

  sync_e2e_enrol_b (f);
  sync_test_sync_ok (f->dir_a, f->uri);
  g_assert_cmpint (pt_store_count (f->a, "medicines"), ==, 1);
  g_assert_cmpint (pt_store_count (f->b, "medicines"), ==, 1);

  /* And a document that does reach the engine (a sloppy server, a stale
   * lookup) is dropped and counted, never stored. */
  {
    bson_t *doc = sync_test_json (other);
    bson_oid_t oid;
    gchar hex[25];
    bson_t *with_id = bson_new ();
    gint64 before = pt_store_sync_get_int (f->a, "dropped_foreign", 0);

    bson_oid_init (&oid, NULL);
    bson_oid_to_string (&oid, hex);
    BSON_APPEND_OID (with_id, "_id", &oid);
    bson_concat (with_id, doc);
    g_assert_true (_pt_store_begin (f->a, &error));
    g_assert_true (pt_store_sync_apply_remote (f->a, pt_schema_lookup ("medicines"), with_id, NULL, &error));
    g_assert_true (_pt_store_commit (f->a, &error));
    g_assert_no_error (error);
    g_assert_cmpint (pt_store_sync_get_int (f->a, "dropped_foreign", 0), ==, before + 1);
    g_assert_null (pt_store_get (f->a, "medicines", hex, &error));
    g_assert_error (error, PT_ERROR, PT_ERROR_NOT_FOUND);
    bson_destroy (doc);
    bson_destroy (with_id);
  }
}

static void
test_quarantine_keeps_the_queue_moving (SyncE2eFixture *f, gconstpointer data)
{
  g_autofree gchar *tf = sync_e2e_oid_filter ("tenantId", SYNC_TEST_TENANT);
  g_autofree gchar *bad = NULL, *ok1 = NULL, *ok2 = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) q = NULL;
  g_autoptr(bson_t) on_server = NULL;

  ok1 = sync_test_put_medicine (f->a, "Omeprazole 20 mg", 300);
  sync_test_sync_ok (f->dir_a, f->uri);
  /* The cloud refuses prices of 1,000.00 and more. */
  sync_test_server_command (f->web, "pharmatrack",
                            "{\"collMod\": \"medicines\", \"validator\": {\"price\": {\"$lt\": 100000}}}");
  bad = sync_test_put_medicine (f->a, "Very expensive biologic", 500000);
  ok2 = sync_test_put_medicine (f->a, "Metformin 500 mg", 150);

  g_assert_false (sync_test_sync_once (f->dir_a, f->uri, &error));
  g_assert_error (error, PT_ERROR, PT_ERROR_INVALID);
  g_test_message ("%s", error->message);

  /* The rest went through; the refused one is kept and listed. */
  g_assert_cmpint (sync_test_server_count (f->web, "medicines", tf), ==, 2);
  g_assert_nonnull ((on_server = sync_test_server_get (f->web, "medicines", ok2)));
  g_assert_cmpint (pt_store_count (f->a, "medicines"), ==, 3);
  g_assert_cmpint (_pt_store_outbox_length (f->a), ==, 0);
  q = pt_store_sync_list_quarantined (f->a, NULL);
  g_assert_cmpuint (q->len, ==, 1);
  g_assert_cmpstr (((PtSyncQuarantined *) g_ptr_array_index (q, 0))->document_id, ==, bad);
  g_assert_cmpint (((PtSyncQuarantined *) g_ptr_array_index (q, 0))->server_code, ==, 121);
  g_assert_nonnull (strstr (((PtSyncQuarantined *) g_ptr_array_index (q, 0))->server_message, "validation"));

  /* Fixed by staff: it goes out and leaves the quarantine. */
  sync_test_update (f->a, "medicines", bad, "{\"price\": {\"$numberLong\": \"99000\"}}");
  sync_test_sync_ok (f->dir_a, f->uri);
  g_assert_cmpint (pt_store_sync_count_quarantined (f->a), ==, 0);
  g_assert_cmpint (sync_test_server_count (f->web, "medicines", tf), ==, 3);
}

typedef struct
{
  PtSyncEngine *engine;
  PtSyncState   state;
  guint         changes;
} StateWait;

static gboolean
state_reached (gpointer data)
{
  StateWait *w = data;
  g_autoptr(PtSyncStatus) st = pt_sync_engine_get_status (w->engine);
  return st->state == w->state;
}

static void
count_changes_cb (PtSyncEngine *engine, StateWait *w)
{
  w->changes++;
}

static void
test_bad_credentials_need_attention_without_retry_storm (SyncE2eFixture *f, gconstpointer data)
{
  g_autofree gchar *m1 = sync_test_put_medicine (f->a, "Salbutamol inhaler", 650);
  g_autofree gchar *bad_uri = g_strdup_printf ("mongodb://pharma:wrong-password@%s/?replicaSet=rs0",
                                               mongosim_fixture_get_host (f->sim));
  g_autoptr(PtSyncEngine) engine = pt_sync_engine_new (f->dir_a, bad_uri, NULL);
  g_autoptr(PtSyncStatus) st = NULL;
  g_autoptr(GError) error = NULL;
  gint64 pending = _pt_store_outbox_length (f->a);
  StateWait w = { engine, PT_SYNC_STATE_NEEDS_ATTENTION };
  gint64 t0;
  guint failures = 0;
  PtSyncState last = PT_SYNC_STATE_OFFLINE;

  g_assert_true (pt_sync_engine_start (engine, &error));
  g_assert_true (sync_test_wait (state_reached, &w, 20000));
  st = pt_sync_engine_get_status (engine);
  g_test_message ("%s (retry in %d s)", st->message, st->retry_in_seconds);
  g_assert_cmpint (st->error_code, ==, PT_ERROR_AUTH_FAILED);
  g_assert_nonnull (strstr (st->message, "password"));
  g_assert_null (strstr (st->message, "wrong-password"));
  g_assert_cmpint (st->retry_in_seconds, >=, 1);

  /* Watch it for 4 s: a handful of attempts, not a storm. */
  g_signal_connect (engine, "status-changed", G_CALLBACK (count_changes_cb), &w);
  t0 = g_get_monotonic_time ();
  while (g_get_monotonic_time () - t0 < 4 * G_USEC_PER_SEC)
    {
      g_autoptr(PtSyncStatus) s2 = NULL;
      g_main_context_iteration (NULL, FALSE);
      s2 = pt_sync_engine_get_status (engine);
      if (s2->state != last && s2->state == PT_SYNC_STATE_NEEDS_ATTENTION)
        failures++;
      last = s2->state;
      g_usleep (10000);  /* sampling the state, not waiting for it */
    }
  g_test_message ("%u status changes, %u failed attempts in 4 s", w.changes, failures);
  g_assert_cmpuint (failures, <=, 5);
  pt_sync_engine_stop (engine);
  g_assert_cmpint (_pt_store_outbox_length (f->a), ==, pending);
}

typedef struct
{
  PtStore     *store;
  const gchar *id;
  gint64       price;
} PriceWait;

static gboolean
price_reached (gpointer data)
{
  PriceWait *w = data;
  return sync_test_get_int (w->store, "medicines", w->id, "price") == w->price;
}

static gboolean
polling_reported (gpointer data)
{
  g_autoptr(PtSyncStatus) st = pt_sync_engine_get_status (data);
  return st->polling;
}

static void
test_standalone_server_is_polled (SyncE2eFixture *f, gconstpointer data)
{
  g_autofree gchar *m1 = sync_test_put_medicine (f->a, "Atorvastatin 20 mg", 800);
  g_autoptr(PtSyncEngine) engine = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(PtSyncStatus) st = NULL;
  PriceWait w;

  sync_e2e_enrol_b (f);
  engine = pt_sync_engine_new (f->dir_b, f->uri, NULL);
  pt_sync_engine_set_poll_interval (engine, 200);
  g_assert_true (pt_sync_engine_start (engine, &error));

  sync_test_update (f->a, "medicines", m1, "{\"price\": {\"$numberLong\": \"812\"}}");
  sync_test_sync_ok (f->dir_a, f->uri);

  w = (PriceWait) { f->b, m1, 812 };
  g_assert_true (sync_test_wait (price_reached, &w, 15000));
  /* The status follows the commit it reports (published right after it):
   * wait for it rather than read it in between. */
  g_assert_true (sync_test_wait (polling_reported, engine, 10000));
  st = pt_sync_engine_get_status (engine);
  g_assert_true (st->polling);
  g_assert_cmpint (st->state, !=, PT_SYNC_STATE_NEEDS_ATTENTION);
  pt_sync_engine_stop (engine);
}


static void
test_live_change_stream_delivers_at_once (SyncE2eFixture *f, gconstpointer data)
{
  g_autofree gchar *m1 = sync_test_put_medicine (f->a, "Levothyroxine 50 mcg", 300);
  g_autoptr(PtSyncEngine) engine_a = NULL, engine_b = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(PtSyncStatus) st = NULL;
  PriceWait w;
  StateWait live;

  sync_e2e_enrol_b (f);
  engine_b = pt_sync_engine_new (f->dir_b, f->uri, NULL);
  g_assert_true (pt_sync_engine_start (engine_b, &error));
  live = (StateWait) { engine_b, PT_SYNC_STATE_LIVE };
  g_assert_true (sync_test_wait (state_reached, &live, 10000));

  /* A's engine is woken by its store's commit. */
  engine_a = pt_sync_engine_new (f->dir_a, f->uri, NULL);
  pt_sync_engine_set_store (engine_a, f->a);
  g_assert_true (pt_sync_engine_start (engine_a, &error));
  sync_test_update (f->a, "medicines", m1, "{\"price\": {\"$numberLong\": \"333\"}}");

  w = (PriceWait) { f->b, m1, 333 };
  g_assert_true (sync_test_wait (price_reached, &w, 10000));
  st = pt_sync_engine_get_status (engine_b);
  g_assert_false (st->polling);
  g_assert_cmpint (st->state, ==, PT_SYNC_STATE_LIVE);
  pt_sync_engine_stop (engine_a);
  pt_sync_engine_stop (engine_b);
  /* The resume token was saved with the change it covers. */
  {
    g_autofree gchar *token = pt_store_sync_get (f->b, "resume_token");
    g_assert_nonnull (token);
  }
}

typedef struct
{
  GThread *home;
  guint    on_home;
  guint    elsewhere;
} SignalThreads;

static void
status_thread_cb (PtSyncEngine  *engine,
                  SignalThreads *t)
{
  if (g_thread_self () == t->home)
    t->on_home++;
  else
    t->elsewhere++;
}

static gboolean
seen_on_home (gpointer data)
{
  return ((SignalThreads *) data)->on_home > 0;
}

/* "status-changed" runs on the thread that created the engine (the GUI's
 * handlers touch widgets), also when that thread is busy outside its loop
 * while the worker publishes — and the loop is then woken for it (a
 * handler run on the worker instead woke nobody: a bench sample waited
 * its full 10 s). */
static void
test_status_signal_stays_on_the_home_thread (SyncE2eFixture *f, gconstpointer data)
{
  g_autoptr(PtSyncEngine) engine = NULL;
  g_autoptr(GError) error = NULL;
  SignalThreads t = { g_thread_self () };
  gint64 deadline;
  gboolean live = FALSE;

  sync_test_sync_ok (f->dir_a, f->uri);
  engine = pt_sync_engine_new (f->dir_a, f->uri, NULL);
  g_signal_connect (engine, "status-changed", G_CALLBACK (status_thread_cb), &t);
  g_assert_true (pt_sync_engine_start (engine, &error));

  /* Busy, outside any loop, until the worker says it is live. */
  deadline = g_get_monotonic_time () + 30 * G_USEC_PER_SEC;
  while (!live && g_get_monotonic_time () < deadline)
    {
      g_autoptr(PtSyncStatus) st = pt_sync_engine_get_status (engine);

      live = st->state == PT_SYNC_STATE_LIVE;
      if (!live)
        g_usleep (1000);
    }
  g_assert_true (live);
  g_assert_cmpuint (t.elsewhere, ==, 0);
  /* Delivered here as soon as the loop runs. */
  g_assert_true (sync_test_wait (seen_on_home, &t, 10000));
  pt_sync_engine_stop (engine);
  g_assert_cmpuint (t.elsewhere, ==, 0);
}

static void
test_history_lost_catches_up_without_losing_local_writes (SyncE2eFixture *f, gconstpointer data)
{
  g_autofree gchar *m1 = sync_test_put_medicine (f->a, "Warfarin 1 mg", 200);
  g_autofree gchar *m2 = sync_test_put_medicine (f->a, "Digoxin 125 mcg", 210);
  g_autofree gchar *name = NULL;
  g_autoptr(PtSyncEngine) engine_b = NULL;
  g_autoptr(GError) error = NULL;
  StateWait live;

  sync_e2e_enrol_b (f);
  /* B goes live once (a resume token), then offline. */
  engine_b = pt_sync_engine_new (f->dir_b, f->uri, NULL);
  g_assert_true (pt_sync_engine_start (engine_b, &error));
  live = (StateWait) { engine_b, PT_SYNC_STATE_LIVE };
  g_assert_true (sync_test_wait (state_reached, &live, 10000));
  pt_sync_engine_stop (engine_b);
  g_clear_object (&engine_b);
  {
    g_autofree gchar *token = pt_store_sync_get (f->b, "resume_token");
    g_assert_nonnull (token);
  }

  /* Offline on B: a local edit.  Meanwhile A writes far more than the
   * server's tiny oplog keeps. */
  sync_test_update (f->b, "medicines", m1, "{\"name\": \"Warfarin 1 mg (B)\"}");
  for (guint i = 0; i < 60; i++)
    {
      g_autofree gchar *json = g_strdup_printf ("{\"price\": {\"$numberLong\": \"%u\"}}", 300 + i);
      sync_test_update (f->a, "medicines", m2, json);
      sync_test_sync_ok (f->dir_a, f->uri);
    }

  sync_test_sync_ok (f->dir_b, f->uri);
  sync_test_sync_ok (f->dir_a, f->uri);
  g_assert_cmpint (sync_test_get_int (f->b, "medicines", m2, "price"), ==, 359);
  name = sync_test_get_string (f->a, "medicines", m1, "name");
  g_assert_cmpstr (name, ==, "Warfarin 1 mg (B)");
  sync_test_assert_same_data (f->a, f->b);
}

typedef struct
{
  mongoc_client_t *web;
  const gchar     *m1;
  const gchar     *m2;
} LandedWait;

static gboolean
blocked_writes_landed (gpointer data)
{
  LandedWait *w = data;
  g_autoptr(bson_t) d1 = sync_test_server_get (w->web, "medicines", w->m1);
  g_autoptr(bson_t) d2 = sync_test_server_get (w->web, "medicines", w->m2);

  return d1 != NULL && d2 != NULL && g_strcmp0 (pt_bson_get_string (d1, "description"), "edited offline") == 0;
}

static void
test_lost_ack_writes_nothing_twice (SyncE2eFixture *f, gconstpointer data)
{
  g_autofree gchar *m1 = sync_test_put_medicine (f->a, "Ramipril 5 mg", 420);
  g_autofree gchar *m2 = NULL, *batch = NULL;
  g_autofree gchar *tf = sync_e2e_oid_filter ("tenantId", SYNC_TEST_TENANT);
  g_autofree gchar *short_uri = g_strdup_printf ("%s&socketTimeoutMS=400", f->uri);
  g_autoptr(GError) error = NULL;
  LandedWait w;

  sync_test_sync_ok (f->dir_a, f->uri);
  sync_test_update (f->a, "medicines", m1, "{\"description\": \"edited offline\"}");
  m2 = sync_test_put_medicine (f->a, "Bisoprolol 2.5 mg", 310);
  batch = sync_test_receive (f->a, m2, 25);

  /* The server applies the writes but holds the replies longer than the
   * client waits: the client sees a network error, twice (with the
   * driver's retry). */
  sync_test_server_command (f->web, "admin",
                            "{\"configureFailPoint\": \"failCommand\", \"mode\": {\"times\": 2}, "
                            "\"data\": {\"failCommands\": [\"insert\", \"update\"], "
                            "\"blockConnection\": true, \"blockTimeMS\": 1200}}");
  sync_test_sync_once (f->dir_a, short_uri, &error);
  g_test_message ("first sync: %s", error != NULL ? error->message : "ok");
  g_clear_error (&error);

  w = (LandedWait) { f->web, m1, m2 };
  g_assert_true (sync_test_wait (blocked_writes_landed, &w, 10000));
  sync_test_sync_ok (f->dir_a, f->uri);

  g_assert_cmpint (sync_test_server_count (f->web, "medicines", tf), ==, 2);
  g_assert_cmpint (sync_test_server_count (f->web, "batches", tf), ==, 1);
  g_assert_cmpint (sync_test_server_count (f->web, "stock_movements", tf), ==, 1);
  g_assert_cmpint (_pt_store_outbox_length (f->a), ==, 0);
  g_assert_cmpint (pt_store_sync_count_conflicts (f->a, TRUE), ==, 0);
  f->b = sync_test_create_enrolment (f->dir_b);
  sync_test_sync_ok (f->dir_b, f->uri);
  sync_test_assert_same_data (f->a, f->b);
  g_assert_cmpint (pt_store_stock_on_hand (f->b, m2, NULL), ==, 25);
}

int
main (int argc, char **argv)
{
  static const gchar * const standalone[] = { "--standalone", NULL };
  static const gchar * const auth[] = { "--auth", "pharma:right-password", NULL };
  static const gchar * const tiny_oplog[] = { "--oplog-size", "20", NULL };

  g_test_init (&argc, &argv, NULL);

#define ADD(path, fn, args) g_test_add (path, SyncE2eFixture, args, sync_e2e_setup, fn, sync_e2e_teardown)
  ADD ("/sync/e2e/round-trip-between-counters", test_round_trip_between_counters, NULL);
  ADD ("/sync/e2e/foreign-writer-merges-per-field", test_foreign_writer_merges_per_field, NULL);
  ADD ("/sync/e2e/tenant-guard-drops-other-tenants", test_tenant_guard_drops_other_tenants, NULL);
  ADD ("/sync/e2e/quarantine-keeps-the-queue-moving", test_quarantine_keeps_the_queue_moving, NULL);
  ADD ("/sync/e2e/bad-credentials-need-attention-without-retry-storm",
       test_bad_credentials_need_attention_without_retry_storm, auth);
  ADD ("/sync/e2e/standalone-server-is-polled", test_standalone_server_is_polled, standalone);
  ADD ("/sync/e2e/live-change-stream-delivers-at-once", test_live_change_stream_delivers_at_once, NULL);
  ADD ("/sync/e2e/status-signal-stays-on-the-home-thread", test_status_signal_stays_on_the_home_thread, NULL);
  ADD ("/sync/e2e/history-lost-catches-up-without-losing-local-writes",
       test_history_lost_catches_up_without_losing_local_writes, tiny_oplog);
  ADD ("/sync/e2e/lost-ack-writes-nothing-twice", test_lost_ack_writes_nothing_twice, NULL);
#undef ADD

  return g_test_run ();
}
