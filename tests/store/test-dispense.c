/* Dispensing: FEFO allocation, never expired stock, warnings and their
 * audited override, partial fills, cancelling once. */
#define G_LOG_DOMAIN "pt-test"
#include "config.h"

#include <locale.h>
#include <string.h>

#include "pt-test-store.h"

typedef struct
{
  PtTestFixture fx;
  gchar *med;          /* amoxicillin, category penicillins, price 450, tax 20 % */
  gchar *patient;
} Counter;

static void
counter_setup (Counter      *c,
               gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(bson_t) tax = bson_new ();

  pt_test_setup (&c->fx, data);
  c->med = pt_test_add_medicine (c->fx.store, "Amoxil 500 mg capsules", "Amoxicillin",
                                 "Penicillins", "5012345678900", 450);
  BSON_APPEND_INT64 (tax, "taxRate", 2000);
  g_assert_true (pt_store_update (c->fx.store, "medicines", c->med, tax, &error));
  c->patient = pt_test_add_patient (c->fx.store, "Ada", "Quist", "07700 900123", NULL, NULL);
}

static void
counter_teardown (Counter      *c,
                  gconstpointer data)
{
  g_free (c->med);
  g_free (c->patient);
  pt_test_teardown (&c->fx, data);
}

static gchar *
new_rx (Counter *c,
        gint64   quantity)
{
  return pt_test_add_prescription (c->fx.store, c->patient, c->fx.pharmacy_id, c->med,
                                   quantity, NULL);
}

static gint64
movements_of (Counter     *c,
              const gchar *rx)
{
  g_autofree gchar *sql = g_strdup_printf ("stock_movements WHERE prescription_id = '%s'", rx);
  return pt_test_count (c->fx.store, sql);
}

static bson_t *
last_audit (PtStore *store)
{
  sqlite3_stmt *stmt = NULL;
  bson_t *doc = NULL;

  sqlite3_prepare_v2 (_pt_store_get_db (store),
                      "SELECT doc FROM audit_events ORDER BY rowid DESC LIMIT 1", -1, &stmt, NULL);
  if (sqlite3_step (stmt) == SQLITE_ROW)
    doc = bson_new_from_data (sqlite3_column_blob (stmt, 0), sqlite3_column_bytes (stmt, 0));
  sqlite3_finalize (stmt);
  return doc;
}

static void
test_fefo_across_batches (Counter      *c,
                          gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autofree gchar *b200 = pt_test_receive (c->fx.store, c->med, NULL, "LATE", 200, 5);
  g_autofree gchar *b100 = pt_test_receive (c->fx.store, c->med, NULL, "EARLY", 100, 3);
  g_autofree gchar *b300 = pt_test_receive (c->fx.store, c->med, NULL, "LATEST", 300, 10);
  g_autofree gchar *rx = new_rx (c, 6);
  g_autoptr(PtDispensePlan) preview = pt_store_plan_dispense (c->fx.store, rx, 0, &error);
  g_autoptr(PtDispensePlan) plan = NULL;
  g_autoptr(bson_t) doc = NULL;
  g_autoptr(bson_t) event = NULL;
  PtDispenseLine *line;

  g_assert_no_error (error);
  /* Planning changes nothing. */
  g_assert_cmpint (movements_of (c, rx), ==, 0);
  line = preview->lines->pdata[0];
  g_assert_cmpint (line->requested, ==, 6);
  g_assert_cmpint (line->allocated, ==, 6);
  g_assert_cmpuint (line->allocations->len, ==, 2);
  g_assert_cmpstr (((PtAllocation *) line->allocations->pdata[0])->batch_id, ==, b100);
  g_assert_cmpint (((PtAllocation *) line->allocations->pdata[0])->quantity, ==, 3);
  g_assert_cmpstr (((PtAllocation *) line->allocations->pdata[1])->batch_id, ==, b200);
  g_assert_cmpint (((PtAllocation *) line->allocations->pdata[1])->quantity, ==, 3);
  g_assert_cmpuint (preview->warnings, ==, 0);
  /* 6 × 4.50 + 20 % tax */
  g_assert_cmpint (preview->total, ==, 3240);

  plan = pt_store_dispense (c->fx.store, rx, NULL, 0, &error);
  g_assert_no_error (error);
  g_assert_nonnull (plan);
  g_assert_cmpint (movements_of (c, rx), ==, 2);
  g_assert_cmpint (pt_test_batch_ledger_sum (c->fx.store, b100), ==, 0);
  g_assert_cmpint (pt_test_batch_ledger_sum (c->fx.store, b200), ==, 2);
  g_assert_cmpint (pt_test_batch_ledger_sum (c->fx.store, b300), ==, 10);
  g_assert_cmpint (pt_store_stock_on_hand (c->fx.store, c->med, NULL), ==, 12);

  doc = pt_store_get (c->fx.store, "prescriptions", rx, &error);
  g_assert_cmpstr (pt_bson_get_string (doc, "status"), ==, "dispensed");
  g_assert_cmpint (pt_bson_get_int (doc, "items.0.dispensedQuantity", 0), ==, 6);
  g_assert_cmpint (pt_bson_get_int (doc, "items.0.unitPrice", 0), ==, 450);
  g_assert_cmpint (pt_bson_get_int (doc, "billing.total", 0), ==, 3240);
  g_assert_cmpint (pt_bson_get_int (doc, "dispensedAt", 0), >, 0);
  event = last_audit (c->fx.store);
  g_assert_cmpstr (pt_bson_get_string (event, "action"), ==, "dispense");
  g_assert_cmpstr (pt_bson_get_string (event, "documentId"), ==, rx);

  /* Prescription, movements and audit are all queued together. */
  {
    g_autofree gchar *sql = g_strdup_printf ("outbox WHERE doc_id = '%s'", rx);
    g_assert_cmpint (pt_test_count (c->fx.store, sql), ==, 1);
  }

  /* A second dispense has nothing left to do. */
  {
    g_autoptr(PtDispensePlan) again = pt_store_dispense (c->fx.store, rx, NULL, 0, &error);
    g_assert_null (again);
    g_assert_error (error, PT_ERROR, PT_ERROR_ALREADY_DONE);
  }
}

static void
test_expired_batch_skipped (Counter      *c,
                            gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autofree gchar *old = pt_test_receive (c->fx.store, c->med, NULL, "OLD", 5, 10);
  g_autofree gchar *good = pt_test_receive (c->fx.store, c->med, NULL, "GOOD", 200, 10);
  g_autofree gchar *rx = new_rx (c, 4);
  PtTime in_six_days = pt_test_days_from_now (6);
  g_autoptr(PtDispensePlan) plan = pt_store_dispense (c->fx.store, rx, NULL, in_six_days, &error);
  PtDispenseLine *line;

  g_assert_no_error (error);
  line = plan->lines->pdata[0];
  g_assert_cmpuint (line->allocations->len, ==, 1);
  g_assert_cmpstr (((PtAllocation *) line->allocations->pdata[0])->batch_id, ==, good);
  g_assert_cmpint (pt_test_batch_ledger_sum (c->fx.store, old), ==, 10);
  g_assert_cmpint (pt_test_batch_ledger_sum (c->fx.store, good), ==, 6);
}

static void
test_only_expired_stock_refused (Counter      *c,
                                 gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autofree gchar *old = pt_test_receive (c->fx.store, c->med, NULL, "OLD", 5, 10);
  g_autofree gchar *rx = new_rx (c, 4);
  g_autoptr(PtDispensePlan) plan = NULL;

  /* Even with an override, expired stock is never dispensed. */
  plan = pt_store_dispense (c->fx.store, rx, "Patient insists", pt_test_days_from_now (6), &error);
  g_assert_null (plan);
  g_assert_error (error, PT_ERROR, PT_ERROR_INSUFFICIENT_STOCK);
  g_assert_nonnull (strstr (error->message, "expired"));
  g_assert_cmpint (movements_of (c, rx), ==, 0);
  g_assert_cmpint (pt_test_batch_ledger_sum (c->fx.store, old), ==, 10);
}

static void
test_insufficient_refused_then_partial_fill (Counter      *c,
                                             gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autofree gchar *batch = pt_test_receive (c->fx.store, c->med, NULL, "FEW", 200, 4);
  g_autofree gchar *rx = new_rx (c, 10);
  g_autofree gchar *pharmacist = pt_test_add_user (c->fx.store, "ph@example.org", "pharmacist");
  gint64 audits = pt_store_count (c->fx.store, "audit_events");
  g_autoptr(PtDispensePlan) refused = pt_store_dispense (c->fx.store, rx, NULL, 0, &error);
  g_autoptr(PtDispensePlan) partial = NULL;
  g_autoptr(PtDispensePlan) rest = NULL;
  g_autoptr(bson_t) doc = NULL;
  g_autoptr(bson_t) done = NULL;
  g_autoptr(bson_t) event = NULL;

  g_assert_null (refused);
  g_assert_error (error, PT_ERROR, PT_ERROR_INSUFFICIENT_STOCK);
  g_assert_nonnull (strstr (error->message, "4 of 10"));
  g_clear_error (&error);
  /* Nothing changed. */
  g_assert_cmpint (movements_of (c, rx), ==, 0);
  g_assert_cmpint (pt_store_count (c->fx.store, "audit_events"), ==, audits);
  doc = pt_store_get (c->fx.store, "prescriptions", rx, &error);
  g_assert_cmpstr (pt_bson_get_string (doc, "status"), ==, "received");
  g_clear_pointer (&doc, bson_destroy);

  /* A pharmacist fills what there is, with a reason. */
  g_assert_true (pt_store_act_as_user (c->fx.store, pharmacist, &error));
  partial = pt_store_dispense (c->fx.store, rx, "Rest tomorrow", 0, &error);
  g_assert_no_error (error);
  g_assert_cmpint (((PtDispenseLine *) partial->lines->pdata[0])->allocated, ==, 4);
  g_assert_true (partial->warnings & PT_WARNING_INSUFFICIENT);
  doc = pt_store_get (c->fx.store, "prescriptions", rx, &error);
  g_assert_cmpstr (pt_bson_get_string (doc, "status"), ==, "in_progress");
  g_assert_cmpint (pt_bson_get_int (doc, "items.0.dispensedQuantity", 0), ==, 4);
  event = last_audit (c->fx.store);
  g_assert_cmpstr (pt_bson_get_string (event, "action"), ==, "override");
  g_assert_cmpstr (pt_bson_get_string (event, "reason"), ==, "Rest tomorrow");
  {
    g_autofree gchar *user = pt_bson_dup_oid_hex (event, "userId");
    g_assert_cmpstr (user, ==, pharmacist);
  }

  /* The rest arrives; what is still owed is dispensed (no duplicate
   * warning against its own first fill). */
  g_free (pt_test_receive (c->fx.store, c->med, NULL, "MORE", 250, 20));
  rest = pt_store_dispense (c->fx.store, rx, NULL, 0, &error);
  g_assert_no_error (error);
  g_assert_cmpint (((PtDispenseLine *) rest->lines->pdata[0])->requested, ==, 6);
  done = pt_store_get (c->fx.store, "prescriptions", rx, &error);
  g_assert_cmpstr (pt_bson_get_string (done, "status"), ==, "dispensed");
  g_assert_cmpint (pt_bson_get_int (done, "items.0.dispensedQuantity", 0), ==, 10);
  g_assert_cmpint (pt_store_stock_on_hand (c->fx.store, c->med, NULL), ==, 14);
  (void) batch;
}

static void
test_short_dated_warning (Counter      *c,
                          gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autofree gchar *batch = pt_test_receive (c->fx.store, c->med, NULL, "SOON", 20, 10);
  g_autofree gchar *rx = new_rx (c, 2);
  g_autoptr(PtDispensePlan) refused = pt_store_dispense (c->fx.store, rx, NULL, 0, &error);
  g_autoptr(PtDispensePlan) ok = NULL;

  g_assert_null (refused);
  g_assert_error (error, PT_ERROR, PT_ERROR_WARNING_UNACKNOWLEDGED);
  g_assert_nonnull (strstr (error->message, "SOON"));
  g_clear_error (&error);
  g_assert_cmpint (movements_of (c, rx), ==, 0);

  ok = pt_store_dispense (c->fx.store, rx, "Course ends in a week", 0, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (ok->warnings, ==, PT_WARNING_SHORT_DATED);
  g_assert_cmpint (pt_test_batch_ledger_sum (c->fx.store, batch), ==, 8);
}

/* A line raising two warnings gives each its own sentences (the dialog
 * shows them beside each acknowledgement) and both in its message. */
static void
test_each_warning_has_its_note (Counter      *c,
                                gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autofree gchar *batch = pt_test_receive (c->fx.store, c->med, NULL, "SOON", 20, 10);
  g_autofree gchar *first = new_rx (c, 2);
  g_autofree gchar *second = new_rx (c, 2);
  g_autoptr(PtDispensePlan) done = pt_store_dispense (c->fx.store, first, "Course ends soon", 0,
                                                      &error);
  g_autoptr(PtDispensePlan) plan = NULL;
  PtDispenseLine *line;
  const gchar *short_dated, *duplicate;

  g_assert_no_error (error);
  plan = pt_store_plan_dispense (c->fx.store, second, 0, &error);
  g_assert_no_error (error);
  line = plan->lines->pdata[0];
  g_assert_cmpuint (line->warnings, ==, PT_WARNING_SHORT_DATED | PT_WARNING_DUPLICATE);
  short_dated = pt_dispense_line_get_note (line, PT_WARNING_SHORT_DATED);
  duplicate = pt_dispense_line_get_note (line, PT_WARNING_DUPLICATE);
  g_assert_nonnull (strstr (short_dated, "SOON"));
  g_assert_null (strstr (short_dated, "already dispensed"));
  g_assert_nonnull (strstr (duplicate, "already dispensed"));
  g_assert_null (strstr (duplicate, "SOON"));
  g_assert_null (pt_dispense_line_get_note (line, PT_WARNING_ALLERGY));
  g_assert_null (pt_dispense_line_get_note (line, PT_WARNING_INSUFFICIENT));
  g_assert_nonnull (strstr (line->message, short_dated));
  g_assert_nonnull (strstr (line->message, duplicate));
  (void) batch;
}

/* The warning names the expiry day as the locale writes dates, never as
 * ISO: "14 Dec 2026" in the C locale, "14.12.2026" in German. */
static void
test_short_dated_date_as_locale (Counter      *c,
                                 gconstpointer data)
{
  const gchar *locales[] = { "C", "de_DE.UTF-8", "de_DE.utf8" };
  g_autoptr(GError) error = NULL;
  g_autofree gchar *batch = pt_test_receive (c->fx.store, c->med, NULL, "SOON", 20, 10);
  g_autofree gchar *rx = new_rx (c, 2);
  g_autofree gchar *saved = g_strdup (setlocale (LC_TIME, NULL));

  for (guint i = 0; i < G_N_ELEMENTS (locales); i++)
    {
      g_autoptr(PtDispensePlan) plan = NULL;
      g_autoptr(GDateTime) day = NULL;
      g_autofree gchar *expected = NULL;
      g_autofree gchar *iso = NULL;
      PtDispenseLine *line;
      PtAllocation *a;

      if (setlocale (LC_TIME, locales[i]) == NULL)
        {
          g_test_message ("locale %s not installed: skipped", locales[i]);
          continue;
        }
      plan = pt_store_plan_dispense (c->fx.store, rx, 0, &error);
      g_assert_no_error (error);
      line = plan->lines->pdata[0];
      g_assert_cmpuint (line->allocations->len, ==, 1);
      a = line->allocations->pdata[0];
      day = g_date_time_new_from_unix_utc (a->expiry_date / 1000);
      expected = g_date_time_format (day, i == 0 ? "%-d %b %Y" : "%d.%m.%Y");
      iso = g_date_time_format (day, "%Y-%m-%d");
      g_test_message ("%s: %s", locales[i], line->message);
      g_assert_nonnull (strstr (line->message, expected));
      g_assert_null (strstr (line->message, iso));
    }
  setlocale (LC_TIME, saved);
  (void) batch;
}

static void
test_allergy_warnings (Counter      *c,
                       gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autofree gchar *generic = pt_test_add_patient (c->fx.store, "Gen", "Eric", NULL, "generic",
                                                   "AMOXICILLIN");
  g_autofree gchar *category = pt_test_add_patient (c->fx.store, "Cat", "Egory", NULL, "category",
                                                    "penicillins");
  g_autofree gchar *other = pt_test_add_patient (c->fx.store, "No", "Match", NULL, "generic",
                                                 "ibuprofen");
  g_autofree gchar *rx1 = NULL;
  g_autofree gchar *rx2 = NULL;
  g_autofree gchar *rx3 = NULL;
  g_autoptr(PtDispensePlan) p1 = NULL;
  g_autoptr(PtDispensePlan) p2 = NULL;
  g_autoptr(PtDispensePlan) p3 = NULL;
  g_autoptr(PtDispensePlan) refused = NULL;

  g_free (pt_test_receive (c->fx.store, c->med, NULL, "A", 300, 50));
  rx1 = pt_test_add_prescription (c->fx.store, generic, c->fx.pharmacy_id, c->med, (gint64) 1, NULL);
  rx2 = pt_test_add_prescription (c->fx.store, category, c->fx.pharmacy_id, c->med, (gint64) 1, NULL);
  rx3 = pt_test_add_prescription (c->fx.store, other, c->fx.pharmacy_id, c->med, (gint64) 1, NULL);
  p1 = pt_store_plan_dispense (c->fx.store, rx1, 0, &error);
  p2 = pt_store_plan_dispense (c->fx.store, rx2, 0, &error);
  p3 = pt_store_plan_dispense (c->fx.store, rx3, 0, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (p1->warnings, ==, PT_WARNING_ALLERGY);
  g_assert_cmpuint (p2->warnings, ==, PT_WARNING_ALLERGY);
  g_assert_cmpuint (p3->warnings, ==, 0);
  g_assert_nonnull (strstr (((PtDispenseLine *) p1->lines->pdata[0])->message, "allergic"));

  refused = pt_store_dispense (c->fx.store, rx1, NULL, 0, &error);
  g_assert_null (refused);
  g_assert_error (error, PT_ERROR, PT_ERROR_WARNING_UNACKNOWLEDGED);
  g_assert_cmpint (movements_of (c, rx1), ==, 0);
}

static void
test_duplicate_within_seven_days (Counter      *c,
                                  gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autofree gchar *rx1 = new_rx (c, 2);
  g_autofree gchar *rx2 = new_rx (c, 2);
  g_autoptr(PtDispensePlan) first = NULL;
  g_autoptr(PtDispensePlan) second = NULL;
  g_autoptr(PtDispensePlan) week_later = NULL;

  g_free (pt_test_receive (c->fx.store, c->med, NULL, "A", 300, 50));
  first = pt_store_dispense (c->fx.store, rx1, NULL, 0, &error);
  g_assert_no_error (error);
  second = pt_store_plan_dispense (c->fx.store, rx2, 0, &error);
  g_assert_cmpuint (second->warnings, ==, PT_WARNING_DUPLICATE);
  /* Eight days later it is a repeat, not a duplicate. */
  week_later = pt_store_plan_dispense (c->fx.store, rx2, pt_test_days_from_now (8), &error);
  g_assert_cmpuint (week_later->warnings, ==, 0);
}

static void
test_override_needs_permission (Counter      *c,
                                gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autofree gchar *tech = pt_test_add_user (c->fx.store, "t@example.org", "technician");
  g_autofree gchar *cashier = pt_test_add_user (c->fx.store, "c@example.org", "cashier");
  g_autofree gchar *rx = new_rx (c, 2);
  g_autoptr(PtDispensePlan) p1 = NULL;
  g_autoptr(PtDispensePlan) p2 = NULL;

  g_free (pt_test_receive (c->fx.store, c->med, NULL, "SOON", 10, 50));
  g_assert_true (pt_store_act_as_user (c->fx.store, cashier, &error));
  p1 = pt_store_dispense (c->fx.store, rx, "I say so", 0, &error);
  g_assert_null (p1);
  g_assert_error (error, PT_ERROR, PT_ERROR_PERMISSION_DENIED);
  g_clear_error (&error);
  g_assert_true (pt_store_act_as_user (c->fx.store, tech, &error));
  p2 = pt_store_dispense (c->fx.store, rx, "I say so", 0, &error);
  g_assert_null (p2);
  g_assert_error (error, PT_ERROR, PT_ERROR_PERMISSION_DENIED);
  g_assert_cmpint (movements_of (c, rx), ==, 0);
}

static void
test_cancel_returns_once (Counter      *c,
                          gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autofree gchar *a = pt_test_receive (c->fx.store, c->med, NULL, "A", 100, 3);
  g_autofree gchar *b = pt_test_receive (c->fx.store, c->med, NULL, "B", 200, 10);
  g_autofree gchar *rx = new_rx (c, 5);
  g_autoptr(PtDispensePlan) plan = pt_store_dispense (c->fx.store, rx, NULL, 0, &error);
  g_autoptr(bson_t) doc = NULL;
  g_autoptr(bson_t) event = NULL;

  g_assert_no_error (error);
  g_assert_cmpint (pt_store_stock_on_hand (c->fx.store, c->med, NULL), ==, 8);

  g_assert_false (pt_store_cancel_prescription (c->fx.store, rx, " ", &error));
  g_assert_error (error, PT_ERROR, PT_ERROR_INVALID);
  g_clear_error (&error);

  g_assert_true (pt_store_cancel_prescription (c->fx.store, rx, "Wrong patient", &error));
  g_assert_no_error (error);
  g_assert_cmpint (pt_test_batch_ledger_sum (c->fx.store, a), ==, 3);
  g_assert_cmpint (pt_test_batch_ledger_sum (c->fx.store, b), ==, 10);
  g_assert_cmpint (pt_store_stock_on_hand (c->fx.store, c->med, NULL), ==, 13);
  g_assert_cmpint (pt_test_count (c->fx.store, "stock_movements WHERE kind = 'return'"), ==, 2);
  doc = pt_store_get (c->fx.store, "prescriptions", rx, &error);
  g_assert_cmpstr (pt_bson_get_string (doc, "status"), ==, "cancelled");
  g_assert_cmpstr (pt_bson_get_string (doc, "cancelReason"), ==, "Wrong patient");
  event = last_audit (c->fx.store);
  g_assert_cmpstr (pt_bson_get_string (event, "action"), ==, "cancel");

  g_assert_false (pt_store_cancel_prescription (c->fx.store, rx, "Again", &error));
  g_assert_error (error, PT_ERROR, PT_ERROR_ALREADY_DONE);
  g_clear_error (&error);
  g_assert_cmpint (pt_store_stock_on_hand (c->fx.store, c->med, NULL), ==, 13);
  g_assert_cmpint (pt_test_count (c->fx.store, "stock_movements WHERE kind = 'return'"), ==, 2);

  /* A cancelled prescription is not dispensed again. */
  {
    g_autoptr(PtDispensePlan) again = pt_store_dispense (c->fx.store, rx, NULL, 0, &error);
    g_assert_null (again);
    g_assert_error (error, PT_ERROR, PT_ERROR_INVALID_TRANSITION);
  }
}

static void
test_same_medicine_twice_allocated_once (Counter      *c,
                                         gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autofree gchar *rx = NULL;
  g_autoptr(PtDispensePlan) plan = NULL;

  g_free (pt_test_receive (c->fx.store, c->med, NULL, "A", 300, 4));
  rx = pt_test_add_prescription (c->fx.store, c->patient, c->fx.pharmacy_id,
                                 c->med, (gint64) 3, c->med, (gint64) 3, NULL);
  plan = pt_store_plan_dispense (c->fx.store, rx, 0, &error);
  g_assert_no_error (error);
  g_assert_cmpint (((PtDispenseLine *) plan->lines->pdata[0])->allocated, ==, 3);
  g_assert_cmpint (((PtDispenseLine *) plan->lines->pdata[1])->allocated, ==, 1);
  g_assert_true (plan->warnings & PT_WARNING_INSUFFICIENT);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);

#define ADD(path, func) \
  g_test_add (path, Counter, NULL, counter_setup, func, counter_teardown)
  ADD ("/store/dispense/fefo-across-batches", test_fefo_across_batches);
  ADD ("/store/dispense/fefo-skips-expired", test_expired_batch_skipped);
  ADD ("/store/dispense/only-expired-stock-never-dispensed", test_only_expired_stock_refused);
  ADD ("/store/dispense/insufficient-refused-then-partial-fill",
       test_insufficient_refused_then_partial_fill);
  ADD ("/store/dispense/short-dated-warning-needs-override", test_short_dated_warning);
  ADD ("/store/dispense/each-warning-has-its-own-note", test_each_warning_has_its_note);
  ADD ("/store/dispense/short-dated-date-as-the-locale-writes-it",
       test_short_dated_date_as_locale);
  ADD ("/store/dispense/allergy-by-generic-name-and-category", test_allergy_warnings);
  ADD ("/store/dispense/duplicate-within-seven-days", test_duplicate_within_seven_days);
  ADD ("/store/dispense/override-needs-permission", test_override_needs_permission);
  ADD ("/store/dispense/cancel-returns-stock-once", test_cancel_returns_once);
  ADD ("/store/dispense/same-medicine-twice-allocated-once",
       test_same_medicine_twice_allocated_once);

  return g_test_run ();
}
