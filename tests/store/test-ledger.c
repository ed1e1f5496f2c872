/* The stock ledger: receiving, adjusting, writing off, and stock on hand
 * as the ledger sum (the cache always equals the ledger). */
#define G_LOG_DOMAIN "pt-test"
#include "config.h"

#include <string.h>

#include "pt-test-store.h"

static void
test_receive_creates_batch_and_receipt (PtTestFixture *fx,
                                        gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autofree gchar *med = pt_test_add_medicine (fx->store, "Metformin 500 mg", "metformin",
                                                NULL, NULL, 120);
  gint64 audits = pt_store_count (fx->store, "audit_events");
  g_autofree gchar *batch = pt_test_receive (fx->store, med, NULL, "MF-2291", 400, 56);
  g_autoptr(bson_t) doc = pt_store_get (fx->store, "batches", batch, &error);
  g_autoptr(GPtrArray) ledger = pt_store_ledger (fx->store, med, NULL, 0, &error);
  g_autoptr(GPtrArray) batches = pt_store_batch_stock (fx->store, med, NULL, &error);
  g_autofree gchar *pharmacy = pt_bson_dup_oid_hex (doc, "pharmacyId");
  PtBatchStock *b;

  g_assert_no_error (error);
  g_assert_cmpstr (pt_bson_get_string (doc, "lotNumber"), ==, "MF-2291");
  g_assert_cmpstr (pharmacy, ==, fx->pharmacy_id);   /* the current branch */
  g_assert_cmpuint (ledger->len, ==, 1);
  g_assert_cmpstr (pt_bson_get_string (ledger->pdata[0], "kind"), ==, "receipt");
  g_assert_cmpint (pt_bson_get_int (ledger->pdata[0], "quantity", 0), ==, 56);
  g_assert_cmpint (pt_store_stock_on_hand (fx->store, med, NULL), ==, 56);
  g_assert_cmpint (pt_store_stock_on_hand (fx->store, med, fx->pharmacy_id), ==, 56);
  g_assert_cmpuint (batches->len, ==, 1);
  b = batches->pdata[0];
  g_assert_cmpstr (b->batch_id, ==, batch);
  g_assert_cmpint (b->quantity, ==, 56);
  /* One audit event for the whole receipt; batch and movement queued. */
  g_assert_cmpint (pt_store_count (fx->store, "audit_events"), ==, audits + 1);
  g_assert_cmpint (pt_test_count (fx->store, "outbox WHERE collection IN "
                                             "('batches', 'stock_movements')"), ==, 2);

  /* The same lot again tops the batch up. */
  {
    g_autofree gchar *again = NULL;
    PtReceipt r = { .medicine_id = med, .lot_number = "MF-2291",
                    .expiry_date = pt_bson_get_int (doc, "expiryDate", 0),
                    .quantity = 4 };
    again = pt_store_receive_stock (fx->store, &r, &error);
    g_assert_no_error (error);
    g_assert_cmpstr (again, ==, batch);
    g_assert_cmpint (pt_store_stock_on_hand (fx->store, med, NULL), ==, 60);
  }
}

static void
test_receive_refuses_bad_input (PtTestFixture *fx,
                                gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autofree gchar *med = pt_test_add_medicine (fx->store, "Metformin", NULL, NULL, NULL, 1);
  gint64 outbox = pt_test_count (fx->store, "outbox");
  PtReceipt negative = { .medicine_id = med, .lot_number = "L", .quantity = -5,
                         .expiry_date = pt_test_days_from_now (100) };
  PtReceipt zero = negative;
  PtReceipt past = { .medicine_id = med, .lot_number = "L", .quantity = 5,
                     .expiry_date = pt_test_days_from_now (-1) };
  PtReceipt no_lot = { .medicine_id = med, .lot_number = "  ", .quantity = 5,
                       .expiry_date = pt_test_days_from_now (100) };
  PtReceipt unknown = { .medicine_id = "64b0000000000000000000aa", .lot_number = "L",
                        .quantity = 5, .expiry_date = pt_test_days_from_now (100) };
  gchar *id;

  id = pt_store_receive_stock (fx->store, &negative, &error);
  g_assert_null (id);
  g_assert_error (error, PT_ERROR, PT_ERROR_INVALID);
  g_clear_error (&error);
  zero.quantity = 0;
  g_assert_null (pt_store_receive_stock (fx->store, &zero, &error));
  g_assert_error (error, PT_ERROR, PT_ERROR_INVALID);
  g_clear_error (&error);
  g_assert_null (pt_store_receive_stock (fx->store, &past, &error));
  g_assert_error (error, PT_ERROR, PT_ERROR_EXPIRED_STOCK);
  g_assert_nonnull (strstr (error->message, "past"));
  g_clear_error (&error);
  g_assert_null (pt_store_receive_stock (fx->store, &no_lot, &error));
  g_assert_error (error, PT_ERROR, PT_ERROR_INVALID);
  g_clear_error (&error);
  g_assert_null (pt_store_receive_stock (fx->store, &unknown, &error));
  g_assert_error (error, PT_ERROR, PT_ERROR_NOT_FOUND);

  g_assert_cmpint (pt_test_count (fx->store, "batches"), ==, 0);
  g_assert_cmpint (pt_test_count (fx->store, "stock_movements"), ==, 0);
  g_assert_cmpint (pt_test_count (fx->store, "outbox"), ==, outbox);
}

static void
test_adjust (PtTestFixture *fx,
             gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autofree gchar *med = pt_test_add_medicine (fx->store, "Salbutamol inhaler", NULL, NULL,
                                                NULL, 650);
  g_autofree gchar *batch = pt_test_receive (fx->store, med, NULL, "SB1", 300, 10);
  g_autofree gchar *down = NULL;
  g_autofree gchar *too_far = NULL;
  g_autofree gchar *no_reason = NULL;
  g_autofree gchar *up = NULL;
  g_autoptr(bson_t) movement = NULL;

  no_reason = pt_store_adjust_stock (fx->store, batch, -1, "   ", &error);
  g_assert_null (no_reason);
  g_assert_error (error, PT_ERROR, PT_ERROR_INVALID);
  g_clear_error (&error);

  down = pt_store_adjust_stock (fx->store, batch, -3, "Broken in delivery", &error);
  g_assert_no_error (error);
  movement = pt_store_get (fx->store, "stock_movements", down, &error);
  g_assert_cmpstr (pt_bson_get_string (movement, "kind"), ==, "adjustment");
  g_assert_cmpstr (pt_bson_get_string (movement, "reason"), ==, "Broken in delivery");
  g_assert_cmpint (pt_store_stock_on_hand (fx->store, med, NULL), ==, 7);

  /* Never below zero by an adjustment. */
  too_far = pt_store_adjust_stock (fx->store, batch, -8, "Stock take", &error);
  g_assert_null (too_far);
  g_assert_error (error, PT_ERROR, PT_ERROR_INSUFFICIENT_STOCK);
  g_assert_nonnull (strstr (error->message, "SB1"));
  g_clear_error (&error);
  g_assert_cmpint (pt_store_stock_on_hand (fx->store, med, NULL), ==, 7);

  up = pt_store_adjust_stock (fx->store, batch, 2, "Found in the back room", &error);
  g_assert_no_error (error);
  g_assert_cmpint (pt_store_stock_on_hand (fx->store, med, NULL), ==, 9);
}

static void
test_write_off_expired (PtTestFixture *fx,
                        gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autofree gchar *med = pt_test_add_medicine (fx->store, "Insulin glargine", NULL, NULL,
                                                NULL, 2500);
  g_autofree gchar *soon = pt_test_receive (fx->store, med, NULL, "IG-A", 10, 6);
  g_autofree gchar *later = pt_test_receive (fx->store, med, NULL, "IG-B", 100, 4);
  g_autoptr(GPtrArray) expiring = NULL;
  g_autoptr(GPtrArray) ledger = NULL;
  guint n = 0;

  expiring = pt_store_expiring (fx->store, NULL, pt_test_days_from_now (30), &error);
  g_assert_cmpuint (expiring->len, ==, 1);
  g_assert_cmpstr (((PtBatchStock *) expiring->pdata[0])->batch_id, ==, soon);

  /* Eleven days on, IG-A has expired. */
  g_assert_true (pt_store_write_off_expired (fx->store, NULL, pt_test_days_from_now (11), &n,
                                             &error));
  g_assert_no_error (error);
  g_assert_cmpuint (n, ==, 1);
  g_assert_cmpint (pt_store_stock_on_hand (fx->store, med, NULL), ==, 4);
  ledger = pt_store_ledger (fx->store, med, NULL, 1, &error);
  g_assert_cmpstr (pt_bson_get_string (ledger->pdata[0], "kind"), ==, "write_off");
  g_assert_cmpint (pt_bson_get_int (ledger->pdata[0], "quantity", 0), ==, -6);

  /* Nothing more to write off the second time. */
  g_assert_true (pt_store_write_off_expired (fx->store, NULL, pt_test_days_from_now (11), &n,
                                             &error));
  g_assert_cmpuint (n, ==, 0);
  (void) later;
}

static void
test_below_reorder_level (PtTestFixture *fx,
                          gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autofree gchar *low = pt_test_add_medicine (fx->store, "Low", NULL, NULL, NULL, 1);
  g_autofree gchar *fine = pt_test_add_medicine (fx->store, "Fine", NULL, NULL, NULL, 1);
  g_autoptr(bson_t) level = bson_new ();
  g_autoptr(GPtrArray) below = NULL;

  BSON_APPEND_INT64 (level, "reorderLevel", 10);
  g_assert_true (pt_store_update (fx->store, "medicines", low, level, &error));
  g_assert_true (pt_store_update (fx->store, "medicines", fine, level, &error));
  g_free (pt_test_receive (fx->store, low, NULL, "A", 100, 3));
  g_free (pt_test_receive (fx->store, fine, NULL, "B", 100, 30));
  below = pt_store_below_reorder (fx->store, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (below->len, ==, 1);
  g_assert_cmpstr (below->pdata[0], ==, low);
}

static void
assert_cache_equals_ledger (PtStore *store)
{
  /* Per batch and per medicine × branch, the cache is the ledger sum. */
  g_assert_cmpint (pt_test_query_int (store,
    "SELECT count(*) FROM (SELECT batch_id, sum(quantity) AS q FROM stock_movements "
    "WHERE deleted = 0 GROUP BY batch_id) l LEFT JOIN batch_stock c USING (batch_id) "
    "WHERE c.quantity IS NOT l.q"), ==, 0);
  g_assert_cmpint (pt_test_query_int (store,
    "SELECT count(*) FROM batch_stock c LEFT JOIN (SELECT batch_id, sum(quantity) AS q "
    "FROM stock_movements WHERE deleted = 0 GROUP BY batch_id) l USING (batch_id) "
    "WHERE coalesce(l.q, 0) != c.quantity"), ==, 0);
  g_assert_cmpint (pt_test_query_int (store,
    "SELECT count(*) FROM (SELECT medicine_id, pharmacy_id, sum(quantity) AS q "
    "FROM stock_movements WHERE deleted = 0 GROUP BY medicine_id, pharmacy_id) l "
    "LEFT JOIN medicine_stock c USING (medicine_id, pharmacy_id) WHERE c.quantity IS NOT l.q"),
    ==, 0);
}

/* Random receipts, adjustments, dispensing, cancellations and movements
 * written by sync: the stock cache always equals the ledger sum, and
 * rebuilding it from the ledger changes nothing. */
static void
test_cache_equals_ledger_sum (PtTestFixture *fx,
                              gconstpointer  data)
{
  const guint32 seed = 20261127;
  g_autoptr(GRand) rand = g_rand_new_with_seed (seed);
  g_autoptr(GPtrArray) meds = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GPtrArray) batches = g_ptr_array_new_with_free_func (g_free);
  g_autofree gchar *patient = pt_test_add_patient (fx->store, "Sam", "Rivers", NULL, NULL, NULL);
  g_autoptr(GError) error = NULL;

  g_test_message ("seed %u", seed);
  for (guint i = 0; i < 6; i++)
    {
      g_autofree gchar *name = g_strdup_printf ("Medicine %u", i);
      g_ptr_array_add (meds, pt_test_add_medicine (fx->store, name, NULL, NULL, NULL, 100));
    }
  for (guint step = 0; step < 120; step++)
    {
      const gchar *med = meds->pdata[g_rand_int_range (rand, 0, meds->len)];
      switch (g_rand_int_range (rand, 0, 4))
        {
        case 0:
          {
            g_autofree gchar *lot = g_strdup_printf ("LOT-%u", step);
            g_ptr_array_add (batches, pt_test_receive (fx->store, med, NULL, lot,
                                                       g_rand_int_range (rand, 40, 700),
                                                       g_rand_int_range (rand, 1, 50)));
          }
          break;
        case 1:
          if (batches->len > 0)
            {
              const gchar *b = batches->pdata[g_rand_int_range (rand, 0, batches->len)];
              g_autofree gchar *m = pt_store_adjust_stock (fx->store, b,
                                                           g_rand_int_range (rand, -5, 6) ?: 1,
                                                           "Stock take", NULL);
            }
          break;
        case 2:
          {
            g_autofree gchar *rx = pt_test_add_prescription (fx->store, patient, fx->pharmacy_id,
                                                             med,
                                                             (gint64) g_rand_int_range (rand, 1, 30),
                                                             NULL);
            g_autoptr(PtDispensePlan) plan = pt_store_dispense (fx->store, rx, "Test override",
                                                                0, NULL);
            if (plan != NULL && g_rand_boolean (rand))
              g_assert_true (pt_store_cancel_prescription (fx->store, rx, "Changed mind", &error));
          }
          break;
        default:
          if (batches->len > 0)
            {
              /* A movement from another counter, written as sync does. */
              const gchar *b = batches->pdata[g_rand_int_range (rand, 0, batches->len)];
              g_autoptr(bson_t) batch = pt_store_get (fx->store, "batches", b, &error);
              g_autoptr(PtRawRow) row = _pt_raw_row_new ();
              g_autoptr(bson_t) doc = bson_new ();
              bson_oid_t oid;

              row->id = pt_oid_new_hex ();
              bson_oid_init_from_string (&oid, row->id);
              BSON_APPEND_OID (doc, "_id", &oid);
              bson_oid_init_from_string (&oid, PT_TEST_TENANT);
              BSON_APPEND_OID (doc, "tenantId", &oid);
              bson_oid_init_from_string (&oid, b);
              BSON_APPEND_OID (doc, "batchId", &oid);
              {
                bson_iter_t it;
                bson_iter_init_find (&it, batch, "medicineId");
                bson_append_iter (doc, "medicineId", -1, &it);
                bson_iter_init_find (&it, batch, "pharmacyId");
                bson_append_iter (doc, "pharmacyId", -1, &it);
              }
              BSON_APPEND_INT64 (doc, "quantity", -g_rand_int_range (rand, 1, 8));
              BSON_APPEND_UTF8 (doc, "kind", "dispense");
              BSON_APPEND_DATE_TIME (doc, "at", pt_test_days_from_now (0));
              row->doc = g_steal_pointer (&doc);
              row->stamps = bson_new ();
              g_assert_true (_pt_store_begin (fx->store, &error));
              g_assert_true (_pt_store_write_row (fx->store, pt_schema_lookup ("stock_movements"),
                                                  row, &error));
              g_assert_true (_pt_store_commit (fx->store, &error));
            }
          break;
        }
    }
  g_assert_cmpint (pt_test_count (fx->store, "stock_movements"), >, 50);
  assert_cache_equals_ledger (fx->store);
  for (guint i = 0; i < meds->len; i++)
    {
      g_autofree gchar *sql = g_strdup_printf ("SELECT coalesce(sum(quantity), 0) FROM "
                                               "stock_movements WHERE medicine_id = '%s'",
                                               (gchar *) meds->pdata[i]);
      g_assert_cmpint (pt_store_stock_on_hand (fx->store, meds->pdata[i], NULL), ==,
                       pt_test_query_int (fx->store, sql));
    }

  /* Damage the cache, rebuild it from the ledger. */
  g_assert_true (_pt_store_exec (fx->store, "UPDATE batch_stock SET quantity = quantity + 1",
                                 &error));
  g_assert_true (_pt_store_rebuild_derived (fx->store, &error));
  g_assert_no_error (error);
  assert_cache_equals_ledger (fx->store);
}

/* Two counters sold the same last boxes offline: the merged ledger goes
 * negative, and the store shows it instead of hiding it. */
static void
test_negative_stock_alert (PtTestFixture *fx,
                           gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autofree gchar *med = pt_test_add_medicine (fx->store, "Atorvastatin", NULL, NULL, NULL, 1);
  g_autofree gchar *batch = pt_test_receive (fx->store, med, NULL, "AT1", 200, 2);
  g_autofree gchar *patient = pt_test_add_patient (fx->store, "Kim", "Park", NULL, NULL, NULL);
  g_autofree gchar *rx = pt_test_add_prescription (fx->store, patient, fx->pharmacy_id, med,
                                                   (gint64) 2, NULL);
  g_autoptr(PtDispensePlan) plan = pt_store_dispense (fx->store, rx, NULL, 0, &error);
  g_autoptr(GPtrArray) negative = NULL;
  g_autoptr(PtRawRow) row = _pt_raw_row_new ();
  g_autofree gchar *json = g_strdup_printf (
    "{\"_id\": {\"$oid\": \"64b00000000000000000abcd\"}, "
    "\"tenantId\": {\"$oid\": \"%s\"}, \"batchId\": {\"$oid\": \"%s\"}, "
    "\"medicineId\": {\"$oid\": \"%s\"}, \"pharmacyId\": {\"$oid\": \"%s\"}, "
    "\"quantity\": {\"$numberLong\": \"-2\"}, \"kind\": \"dispense\", "
    "\"at\": {\"$date\": 1}}", PT_TEST_TENANT, batch, med, fx->pharmacy_id);

  g_assert_no_error (error);
  row->id = g_strdup ("64b00000000000000000abcd");
  row->doc = bson_new_from_json ((const uint8_t *) json, -1, NULL);
  row->stamps = bson_new ();
  g_assert_true (_pt_store_begin (fx->store, &error));
  g_assert_true (_pt_store_write_row (fx->store, pt_schema_lookup ("stock_movements"), row,
                                      &error));
  g_assert_true (_pt_store_commit (fx->store, &error));

  negative = pt_store_negative_stock (fx->store, NULL, &error);
  g_assert_cmpuint (negative->len, ==, 1);
  g_assert_cmpstr (((PtBatchStock *) negative->pdata[0])->batch_id, ==, batch);
  g_assert_cmpint (((PtBatchStock *) negative->pdata[0])->quantity, ==, -2);
  g_assert_cmpint (pt_store_stock_on_hand (fx->store, med, NULL), ==, -2);

  /* Staff correct it with a positive adjustment. */
  g_free (pt_store_adjust_stock (fx->store, batch, 2, "Offline double sale", &error));
  g_assert_no_error (error);
  g_clear_pointer (&negative, g_ptr_array_unref);
  negative = pt_store_negative_stock (fx->store, NULL, &error);
  g_assert_cmpuint (negative->len, ==, 0);
}

/* medicine_stock.nearest_expiry (schema 7), as the medicines list
 * sorted by nearest expiry reads it. */
static gint64
nearest_expiry (PtStore     *store,
                const gchar *medicine_id)
{
  g_autofree gchar *sql = g_strdup_printf ("SELECT coalesce(nearest_expiry, -1) FROM medicine_stock "
                                           "WHERE medicine_id = '%s'", medicine_id);

  return pt_test_query_int (store, sql);
}

static gint64
expiry_of (PtStore     *store,
           const gchar *batch_id)
{
  g_autofree gchar *sql = g_strdup_printf ("SELECT expiry_date FROM batches WHERE id = '%s'",
                                           batch_id);

  return pt_test_query_int (store, sql);
}

static void
adjust (PtStore     *store,
        const gchar *batch_id,
        PtQuantity   delta)
{
  g_autoptr(GError) error = NULL;
  g_autofree gchar *id = pt_store_adjust_stock (store, batch_id, delta, "Stock count", &error);

  g_assert_no_error (error);
  g_assert_nonnull (id);
}

/* The nearest expiry follows receipts, the last box of a batch sold, a
 * batch's expiry corrected and a batch deleted; a sale that leaves stock
 * in the batch does not move it; every row equals the catalogue's
 * definition (earliest expiry of the batches there with stock). */
static void
test_nearest_expiry_kept (PtTestFixture *fx,
                          gconstpointer  data)
{
  PtStore *store = fx->store;
  g_autoptr(GError) error = NULL;
  g_autofree gchar *med = pt_test_add_medicine (store, "Calmora 250 mg", "Calmorin", NULL, NULL,
                                                250);
  g_autofree gchar *far = pt_test_receive (store, med, NULL, "FAR-1", 400, 10);
  g_autofree gchar *near = NULL;
  g_autofree gchar *soon = NULL;

  (void) data;
  g_assert_cmpint (nearest_expiry (store, med), ==, expiry_of (store, far));
  near = pt_test_receive (store, med, NULL, "NEAR-1", 100, 5);
  g_assert_cmpint (nearest_expiry (store, med), ==, expiry_of (store, near));
  adjust (store, near, -3);
  g_assert_cmpint (nearest_expiry (store, med), ==, expiry_of (store, near));
  /* The last two boxes of the nearest batch. */
  adjust (store, near, -2);
  g_assert_cmpint (nearest_expiry (store, med), ==, expiry_of (store, far));
  soon = pt_test_receive (store, med, NULL, "SOON-1", 50, 4);
  g_assert_cmpint (nearest_expiry (store, med), ==, expiry_of (store, soon));
  /* The far batch's expiry corrected to before the others. */
  {
    g_autoptr(bson_t) change = bson_new ();

    BSON_APPEND_DATE_TIME (change, "expiryDate", pt_test_days_from_now (30));
    pt_store_act_as_system (store);
    g_assert_true (pt_store_update (store, "batches", far, change, &error));
    g_assert_no_error (error);
  }
  g_assert_cmpint (nearest_expiry (store, med), ==, expiry_of (store, far));
  /* …and then deleted. */
  g_assert_true (pt_store_delete (store, "batches", far, &error));
  g_assert_no_error (error);
  g_assert_cmpint (nearest_expiry (store, med), ==, expiry_of (store, soon));
  /* Nothing left: no nearest expiry. */
  adjust (store, soon, -4);
  g_assert_cmpint (nearest_expiry (store, med), ==, -1);

  g_assert_cmpint (pt_test_query_int (store, "SELECT count(*) FROM medicine_stock WHERE "
                                             "nearest_expiry IS NOT "
                                             PT_STORE_NEAREST_EXPIRY ("medicine_stock.medicine_id",
                                                                      "medicine_stock.pharmacy_id")),
                   ==, 0);
  g_assert_cmpint (pt_test_query_int (store, "SELECT count(*) FROM sqlite_master WHERE name = "
                                             "'medicine_stock_expiry'"), ==, 1);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);

#define ADD(path, func) \
  g_test_add (path, PtTestFixture, NULL, pt_test_setup, func, pt_test_teardown)
  ADD ("/store/ledger/receive-creates-batch-and-receipt", test_receive_creates_batch_and_receipt);
  ADD ("/store/ledger/receive-refuses-bad-quantity-and-past-expiry",
       test_receive_refuses_bad_input);
  ADD ("/store/ledger/adjust-needs-reason-never-below-zero", test_adjust);
  ADD ("/store/ledger/write-off-expired-batches", test_write_off_expired);
  ADD ("/store/ledger/below-reorder-level", test_below_reorder_level);
  ADD ("/store/ledger/cache-equals-ledger-sum", test_cache_equals_ledger_sum);
  ADD ("/store/ledger/negative-stock-shown-as-alert", test_negative_stock_alert);

  g_test_add ("/store/ledger/nearest-expiry-follows-receipts-sales-and-batch-edits", PtTestFixture,
              NULL, pt_test_setup, test_nearest_expiry_kept, pt_test_teardown);
  return g_test_run ();
}
