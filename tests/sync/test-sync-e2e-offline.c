/* test-sync-e2e-offline.c: a counter offline for a month pushes every
 * operation when it is back, and the times staff read (conflicts,
 * refused writes, last push and pull) follow the process clock; against
 * mongosim, the clock moved by pt_hlc_set_wall_clock(). */
#define G_LOG_DOMAIN "pt-test"
#include "config.h"

#include <string.h>
#include "pt-store-private.h"
#include "sync-e2e-fixture.h"

/* The month-offline test's wall clock: real time plus an offset that the
 * test moves forward as simulated days pass. */
#define DAY_MS ((gint64) 24 * 3600 * 1000)
static gint64 month_offset_ms;

static gint64
month_clock (gpointer data)
{
  return g_get_real_time () / 1000 + month_offset_ms;
}

/* The counter exists since before the month starts (30 days ago). */
static void
setup_month_ago (SyncE2eFixture *f, gconstpointer data)
{
  month_offset_ms = -30 * DAY_MS;
  pt_hlc_set_wall_clock (month_clock, NULL);
  sync_e2e_setup_args (f, data);
}

static void
teardown_month_ago (SyncE2eFixture *f, gconstpointer data)
{
  pt_hlc_set_wall_clock (NULL, NULL);
  sync_e2e_teardown (f, data);
}

/* Server-side time span of @coll's documents of the test tenant:
 * max(createdAt) - min(createdAt), and the same for their _sync.v stamps
 * (the test never edits a batch: its stamp is its creation's). */
static void
server_span (mongoc_client_t *web,
             const gchar     *coll,
             gint64          *created_span_ms,
             gint64          *stamp_span_ms)
{
  mongoc_collection_t *c = mongoc_client_get_collection (web, "pharmatrack", coll);
  g_autofree gchar *tf = sync_e2e_oid_filter ("tenantId", SYNC_TEST_TENANT);
  bson_t *filter = sync_test_json (tf);
  mongoc_cursor_t *cursor = mongoc_collection_find_with_opts (c, filter, NULL, NULL);
  gint64 cmin = G_MAXINT64, cmax = 0, smin = G_MAXINT64, smax = 0;
  const bson_t *doc;
  bson_error_t err;

  while (mongoc_cursor_next (cursor, &doc))
    {
      bson_iter_t it;
      gint64 created = 0, stamp = 0;

      if (bson_iter_init_find (&it, doc, "createdAt") && BSON_ITER_HOLDS_DATE_TIME (&it))
        created = bson_iter_date_time (&it);
      if (bson_iter_init (&it, doc) && bson_iter_find_descendant (&it, "_sync.v", &it)
          && BSON_ITER_HOLDS_UTF8 (&it))
        stamp = pt_hlc_stamp_time_ms (bson_iter_utf8 (&it, NULL));
      g_assert_cmpint (created, >, 0);
      g_assert_cmpint (stamp, >, 0);
      cmin = MIN (cmin, created);
      cmax = MAX (cmax, created);
      smin = MIN (smin, stamp);
      smax = MAX (smax, stamp);
    }
  if (mongoc_cursor_error (cursor, &err))
    g_error ("find %s: %s", coll, err.message);
  mongoc_cursor_destroy (cursor);
  bson_destroy (filter);
  mongoc_collection_destroy (c);
  *created_span_ms = cmax - cmin;
  *stamp_span_ms = smax - smin;
}

/* 30 simulated days offline (the wall clock of the whole process moves a
 * day per day-sized transaction), 20,000 operations, then online: all of
 * it is pushed, each document once, with its own time, nothing lost. */
static void
test_long_offline_pushes_every_operation (SyncE2eFixture *f, gconstpointer data)
{
  g_autofree gchar *tf = sync_e2e_oid_filter ("tenantId", SYNC_TEST_TENANT);
  g_autoptr(GPtrArray) ids = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GError) error = NULL;
  g_autoptr(PtSyncStatus) before = NULL;
  g_autoptr(PtSyncStatus) after = NULL;
  GRand *rand = g_rand_new_with_seed (30);
  guint n_ops = 20000, creates = 0, edits = 0, receipts = 0;
  const guint per_day = (n_ops + 29) / 30;
  gint64 t0, created_span, stamp_span;

  g_test_message ("seed 30, %u operations offline over 30 days", n_ops);
  sync_test_sync_ok (f->dir_a, f->uri);
  t0 = g_get_monotonic_time ();
  /* A month of counter work in day-sized transactions. */
  for (guint i = 0; i < n_ops; i++)
    {
      guint r = g_rand_int_range (rand, 0, 100);

      if (i % per_day == 0)
        {
          if (i > 0)
            g_assert_true (_pt_store_commit (f->a, &error));
          /* The next day of the month. */
          month_offset_ms = -30 * DAY_MS + (gint64) (i / per_day) * DAY_MS;
          g_assert_true (_pt_store_begin (f->a, &error));
        }
      if (ids->len < 50 || r < 30)
        {
          g_autofree gchar *name = g_strdup_printf ("Medicine %05u", i);
          g_ptr_array_add (ids, sync_test_put_medicine (f->a, name, 100 + r));
          creates++;
        }
      else if (r < 90)
        {
          g_autofree gchar *json = g_strdup_printf ("{\"price\": {\"$numberLong\": \"%u\"}}", 100 + i);
          sync_test_update (f->a, "medicines", g_ptr_array_index (ids, g_rand_int_range (rand, 0, ids->len)),
                            json);
          edits++;
        }
      else
        {
          g_autofree gchar *b = sync_test_receive (f->a, g_ptr_array_index (ids, g_rand_int_range (rand, 0, ids->len)),
                                                   g_rand_int_range (rand, 1, 100));
          receipts++;
        }
    }
  g_assert_true (_pt_store_commit (f->a, &error));
  g_assert_no_error (error);
  /* Back online today. */
  month_offset_ms = 0;
  g_test_message ("%u creates, %u edits, %u receipts in %.1f s; %" G_GINT64_FORMAT " queued",
                  creates, edits, receipts, (g_get_monotonic_time () - t0) / 1e6,
                  _pt_store_outbox_length (f->a));

  /* The status says so before any sync: the whole month is waiting. */
  before = pt_sync_status_new_from_store (f->a);
  g_assert_cmpint (before->pending_count, ==, _pt_store_outbox_length (f->a));
  g_assert_cmpint (before->pending_count, >=, creates + 2 * receipts);
  g_assert_cmpint (pt_hlc_wall_ms () - before->oldest_pending_ms, >=, 29 * DAY_MS);

  t0 = g_get_monotonic_time ();
  sync_test_sync_ok (f->dir_a, f->uri);
  g_test_message ("pushed in %.1f s", (g_get_monotonic_time () - t0) / 1e6);

  after = pt_sync_status_new_from_store (f->a);
  g_assert_cmpint (after->pending_count, ==, 0);
  g_assert_cmpint (after->oldest_pending_ms, ==, 0);
  g_assert_cmpint (after->quarantined, ==, 0);
  g_assert_cmpint (_pt_store_outbox_length (f->a), ==, 0);
  g_assert_cmpint (sync_test_server_count (f->web, "medicines", tf), ==, creates);
  g_assert_cmpint (sync_test_server_count (f->web, "stock_movements", tf), ==, receipts);
  g_assert_cmpint (sync_test_server_count (f->web, "batches", tf), ==, receipts);
  /* Each receipt kept its own day, in its document and in its stamp. */
  server_span (f->web, "batches", &created_span, &stamp_span);
  g_test_message ("batches span %.1f days (createdAt), %.1f days (stamps)",
                  created_span / (gdouble) DAY_MS, stamp_span / (gdouble) DAY_MS);
  g_assert_cmpint (created_span, >=, 28 * DAY_MS);
  g_assert_cmpint (stamp_span, >=, 28 * DAY_MS);
  /* The last price of every medicine is the server's. */
  for (guint i = 0; i < ids->len; i += 11)
    {
      g_autoptr(bson_t) d = sync_test_server_get (f->web, "medicines", g_ptr_array_index (ids, i));
      g_assert_cmpint (pt_bson_get_int (d, "price", -1), ==,
                       sync_test_get_int (f->a, "medicines", g_ptr_array_index (ids, i), "price"));
    }
  g_rand_free (rand);
}

/* Staff read when a conflict was logged and when a write was refused in
 * the process's time (pt_hlc_wall_ms), like every other time of the store:
 * with the process clock ten days back, both say ten days back. */
static void
test_quarantine_and_conflict_times_follow_the_process_clock (SyncE2eFixture *f, gconstpointer data)
{
  g_autofree gchar *m1 = NULL, *bad = NULL;
  g_autoptr(GPtrArray) conflicts = NULL;
  g_autoptr(GPtrArray) q = NULL;
  g_autoptr(PtSyncStatus) st = NULL;
  g_autoptr(GError) error = NULL;
  gint64 real_before, sim_before, sim_after;

  m1 = sync_test_put_medicine (f->a, "Amoxicillin 500 mg", 900);
  sync_test_sync_ok (f->dir_a, f->uri);
  sync_test_server_command (f->web, "pharmatrack",
                            "{\"collMod\": \"medicines\", \"validator\": {\"price\": {\"$lt\": 100000}}}");

  month_offset_ms = -10 * DAY_MS;
  pt_hlc_set_wall_clock (month_clock, NULL);
  real_before = g_get_real_time () / 1000;
  sim_before = pt_hlc_wall_ms ();
  /* A foreign write that is older than the counter's edit of the same
   * field (it loses: a conflict), and a price the cloud refuses. */
  sync_test_foreign_update (f->web, "medicines", m1, "{\"price\": 555}", sim_before - 60000);
  sync_test_update (f->a, "medicines", m1, "{\"price\": {\"$numberLong\": \"777\"}}");
  bad = sync_test_put_medicine (f->a, "Very expensive biologic", 500000);
  g_assert_false (sync_test_sync_once (f->dir_a, f->uri, &error));
  g_assert_error (error, PT_ERROR, PT_ERROR_INVALID);
  g_clear_error (&error);
  sim_after = pt_hlc_wall_ms ();
  g_assert_cmpint (sim_after, <, real_before - 9 * DAY_MS);

  conflicts = pt_store_sync_list_conflicts (f->a, FALSE, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (conflicts->len, ==, 1);
  g_assert_cmpint (((PtSyncConflict *) g_ptr_array_index (conflicts, 0))->logged_at_ms, >=, sim_before);
  g_assert_cmpint (((PtSyncConflict *) g_ptr_array_index (conflicts, 0))->logged_at_ms, <=, sim_after);
  q = pt_store_sync_list_quarantined (f->a, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (q->len, ==, 1);
  g_assert_cmpstr (((PtSyncQuarantined *) g_ptr_array_index (q, 0))->document_id, ==, bad);
  g_assert_cmpint (((PtSyncQuarantined *) g_ptr_array_index (q, 0))->at_ms, >=, sim_before);
  g_assert_cmpint (((PtSyncQuarantined *) g_ptr_array_index (q, 0))->at_ms, <=, sim_after);
  /* The last pull and push are on the same clock. */
  st = pt_sync_status_new_from_store (f->a);
  g_assert_cmpint (st->last_pull_ms, >=, sim_before);
  g_assert_cmpint (st->last_pull_ms, <=, sim_after);
  g_assert_cmpint (st->last_push_ms, >=, sim_before);
  g_assert_cmpint (st->last_push_ms, <=, sim_after);
  pt_hlc_set_wall_clock (NULL, NULL);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add ("/sync/e2e/quarantine-and-conflict-times-follow-the-process-clock", SyncE2eFixture, NULL,
              sync_e2e_setup, test_quarantine_and_conflict_times_follow_the_process_clock, teardown_month_ago);
  g_test_add ("/sync/e2e/thirty-days-offline-pushes-every-operation", SyncE2eFixture, NULL,
              setup_month_ago, test_long_offline_pushes_every_operation, teardown_month_ago);

  return g_test_run ();
}
