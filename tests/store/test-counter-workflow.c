/* test-counter-workflow.c: a prescription through the counter — created
 * with every field, warnings acknowledged or overridden, partial fills,
 * cancel once, refills and the day's queue by status. */
#define G_LOG_DOMAIN "pt-test"
#include "config.h"

#include <string.h>
#include "pt-test-counter.h"

/* Everything the new-prescription form takes is kept: prescriber name and
 * licence, each item's dose, quantity, instructions and refills, the notes;
 * the prescription waits at "received" with nothing dispensed. */
static void
test_new_prescription_keeps_every_field (CounterFixture *cf,
                                         gconstpointer   data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(bson_t) doc = NULL;
  g_autofree gchar *number = NULL;
  g_autofree gchar *id = NULL;
  g_autofree gchar *patient = NULL;
  g_autofree gchar *medicine = NULL;
  PtRxItemSpec item = {
    .medicine_id = cf->medicine, .dose = " 1 capsule ", .quantity = 21,
    .instructions = "Take one capsule three times a day until finished", .refills = 2,
  };
  PtRxSpec spec = {
    .patient_id = cf->patient, .prescriber_name = "Dr Jane Foster",
    .prescriber_licence = "GMC 1234567", .notes = "Patient prefers blister packs",
    .items = &item, .n_items = 1,
  };

  (void) data;
  id = pt_store_counter_create_prescription (cf->fx.store, &spec, &number, &error);
  g_assert_no_error (error);
  doc = pt_store_get (cf->fx.store, "prescriptions", id, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (pt_bson_get_string (doc, "number"), ==, number);
  g_assert_cmpstr (pt_bson_get_string (doc, "status"), ==, "received");
  g_assert_cmpstr (pt_bson_get_string (doc, "prescriber.name"), ==, "Dr Jane Foster");
  g_assert_cmpstr (pt_bson_get_string (doc, "prescriber.licence"), ==, "GMC 1234567");
  g_assert_cmpstr (pt_bson_get_string (doc, "notes"), ==, "Patient prefers blister packs");
  patient = pt_bson_dup_oid_hex (doc, "patientId");
  medicine = pt_bson_dup_oid_hex (doc, "items.0.medicineId");
  g_assert_cmpstr (patient, ==, cf->patient);
  g_assert_cmpstr (medicine, ==, cf->medicine);
  g_assert_cmpstr (pt_bson_get_string (doc, "items.0.dose"), ==, "1 capsule");
  g_assert_cmpint (pt_bson_get_int (doc, "items.0.quantity", 0), ==, 21);
  g_assert_cmpstr (pt_bson_get_string (doc, "items.0.instructions"), ==,
                   "Take one capsule three times a day until finished");
  g_assert_cmpint (pt_bson_get_int (doc, "items.0.refills", 0), ==, 2);
  g_assert_cmpint (pt_bson_get_int (doc, "items.0.dispensedQuantity", -1), ==, 0);
}

static void
test_create_needs_patient_and_items (CounterFixture *cf,
                                     gconstpointer   data)
{
  g_autoptr(GError) error = NULL;
  PtRxItemSpec item = { .medicine_id = cf->medicine, .quantity = 3 };
  PtRxSpec spec = { .patient_id = NULL, .items = &item, .n_items = 1 };
  gchar *id;

  id = pt_store_counter_create_prescription (cf->fx.store, &spec, NULL, &error);
  g_assert_null (id);
  g_assert_error (error, PT_ERROR, PT_ERROR_INVALID);
  g_assert_nonnull (strstr (error->message, "patient"));
  g_clear_error (&error);

  spec.patient_id = cf->patient;
  spec.n_items = 0;
  id = pt_store_counter_create_prescription (cf->fx.store, &spec, NULL, &error);
  g_assert_null (id);
  g_assert_error (error, PT_ERROR, PT_ERROR_INVALID);
  g_clear_error (&error);

  item.quantity = 0;
  spec.n_items = 1;
  id = pt_store_counter_create_prescription (cf->fx.store, &spec, NULL, &error);
  g_assert_null (id);
  g_assert_error (error, PT_ERROR, PT_ERROR_INVALID);
  g_assert_cmpint (pt_store_count (cf->fx.store, "prescriptions"), ==, 0);
}

/* ---- Dispensing: partial fills, warnings -------------------------------- */

static void
test_partial_fill_records_owed (CounterFixture *cf,
                                gconstpointer   data)
{
  PtStore *store = cf->fx.store;
  g_autoptr(GError) error = NULL;
  g_autoptr(PtDispensePlan) plan = NULL;
  g_autofree gchar *rx = new_rx (store, cf->patient, cf->medicine, 8, 0, NULL);
  g_autofree gchar *b1 = pt_test_receive (store, cf->medicine, cf->fx.pharmacy_id, "LOT-A", 200, 5);
  g_autofree gchar *b2 = NULL;
  g_autoptr(PtRxRow) row = NULL;

  plan = pt_store_counter_dispense (store, rx, 0, NULL, 0, &error);
  g_assert_null (plan);
  g_assert_error (error, PT_ERROR, PT_ERROR_WARNING_UNACKNOWLEDGED);
  g_assert_nonnull (strstr (error->message, "partial fill"));
  g_clear_error (&error);
  g_assert_cmpint (pt_store_stock_on_hand (store, cf->medicine, NULL), ==, 5);
  g_assert_cmpint (pt_store_counter_owed (store, rx), ==, 8);
  /* Nothing taken yet: not part-filled. */
  row = pt_store_counter_get_row (store, rx, &error);
  g_assert_no_error (error);
  g_assert_cmpint (row->dispensed, ==, 0);
  g_clear_pointer (&row, pt_rx_row_free);

  plan = pt_store_counter_dispense (store, rx, PT_WARNING_INSUFFICIENT, NULL, 0, &error);
  g_assert_no_error (error);
  g_assert_cmpint (((PtDispenseLine *) plan->lines->pdata[0])->allocated, ==, 5);
  g_assert_cmpint (pt_store_stock_on_hand (store, cf->medicine, NULL), ==, 0);
  g_assert_cmpint (pt_store_counter_owed (store, rx), ==, 3);
  row = pt_store_counter_get_row (store, rx, &error);
  g_assert_cmpstr (row->status, ==, "in_progress");
  g_assert_cmpint (row->owed, ==, 3);
  g_assert_cmpint (row->dispensed, ==, 5);
  g_assert_cmpint (row->total, ==, 5 * 250);
  g_clear_pointer (&plan, pt_dispense_plan_free);
  g_clear_pointer (&row, pt_rx_row_free);

  /* The delivery comes: the rest is dispensed and the bill grows. */
  b2 = pt_test_receive (store, cf->medicine, cf->fx.pharmacy_id, "LOT-B", 300, 10);
  plan = pt_store_counter_dispense (store, rx, 0, NULL, 0, &error);
  g_assert_no_error (error);
  g_assert_cmpint (pt_store_counter_owed (store, rx), ==, 0);
  g_assert_cmpint (pt_store_stock_on_hand (store, cf->medicine, NULL), ==, 7);
  row = pt_store_counter_get_row (store, rx, &error);
  g_assert_cmpstr (row->status, ==, "dispensed");
  g_assert_cmpint (row->total, ==, 8 * 250);
}

static gchar *
last_audit_reason (PtStore     *store,
                   const gchar *action)
{
  g_autoptr(GPtrArray) events = pt_store_list (store, "audit_events", NULL, NULL);

  for (guint i = events->len; i > 0; i--)
    if (g_strcmp0 (pt_bson_get_string (events->pdata[i - 1], "action"), action) == 0)
      return g_strdup (pt_bson_get_string (events->pdata[i - 1], "reason"));
  return NULL;
}

static void
test_short_dated_acknowledged_without_reason (CounterFixture *cf,
                                              gconstpointer   data)
{
  PtStore *store = cf->fx.store;
  g_autoptr(GError) error = NULL;
  g_autoptr(PtDispensePlan) plan = NULL;
  g_autofree gchar *rx = new_rx (store, cf->patient, cf->medicine, 4, 0, NULL);
  g_autofree gchar *batch = pt_test_receive (store, cf->medicine, cf->fx.pharmacy_id, "SHORT", 10, 20);
  g_autofree gchar *reason = NULL;

  plan = pt_store_plan_dispense (store, rx, 0, &error);
  g_assert_cmpuint (plan->warnings, ==, PT_WARNING_SHORT_DATED);
  g_clear_pointer (&plan, pt_dispense_plan_free);

  plan = pt_store_counter_dispense (store, rx, 0, NULL, 0, &error);
  g_assert_error (error, PT_ERROR, PT_ERROR_WARNING_UNACKNOWLEDGED);
  g_assert_nonnull (strstr (error->message, "Short-dated"));
  g_clear_error (&error);
  g_assert_cmpint (pt_store_stock_on_hand (store, cf->medicine, NULL), ==, 20);

  plan = pt_store_counter_dispense (store, rx, PT_WARNING_SHORT_DATED, NULL, 0, &error);
  g_assert_no_error (error);
  g_assert_cmpint (pt_store_stock_on_hand (store, cf->medicine, NULL), ==, 16);
  reason = last_audit_reason (store, "override");
  g_assert_cmpstr (reason, ==, "Acknowledged: Short-dated stock.");
}

static void
test_allergy_needs_acknowledgement_and_reason (CounterFixture *cf,
                                               gconstpointer   data)
{
  PtStore *store = cf->fx.store;
  g_autoptr(GError) error = NULL;
  g_autoptr(PtDispensePlan) plan = NULL;
  g_autofree gchar *allergic = pt_test_add_patient (store, "Grace", "Hopper", NULL,
                                                    "category", "penicillins");
  g_autofree gchar *rx = new_rx (store, allergic, cf->medicine, 2, 0, NULL);
  g_autofree gchar *batch = pt_test_receive (store, cf->medicine, cf->fx.pharmacy_id, "L1", 300, 20);
  g_autofree gchar *reason = NULL;

  /* Unacknowledged: blocked, nothing moves. */
  plan = pt_store_counter_dispense (store, rx, 0, NULL, 0, &error);
  g_assert_error (error, PT_ERROR, PT_ERROR_WARNING_UNACKNOWLEDGED);
  g_assert_nonnull (strstr (error->message, "Allergy"));
  g_clear_error (&error);
  /* Acknowledged but no reason: still blocked. */
  plan = pt_store_counter_dispense (store, rx, PT_WARNING_ALLERGY, "  ", 0, &error);
  g_assert_error (error, PT_ERROR, PT_ERROR_WARNING_UNACKNOWLEDGED);
  g_assert_nonnull (strstr (error->message, "reason"));
  g_clear_error (&error);
  g_assert_cmpint (pt_store_stock_on_hand (store, cf->medicine, NULL), ==, 20);
  g_assert_cmpint (pt_store_counter_owed (store, rx), ==, 2);

  plan = pt_store_counter_dispense (store, rx, PT_WARNING_ALLERGY,
                                    "Prescriber confirmed by phone", 0, &error);
  g_assert_no_error (error);
  g_assert_true (plan->warnings & PT_WARNING_ALLERGY);
  g_assert_cmpint (pt_store_stock_on_hand (store, cf->medicine, NULL), ==, 18);
  reason = last_audit_reason (store, "override");
  g_assert_cmpstr (reason, ==, "Acknowledged: Allergy. Override: Prescriber confirmed by phone");
}

static void
test_duplicate_within_seven_days (CounterFixture *cf,
                                  gconstpointer   data)
{
  PtStore *store = cf->fx.store;
  g_autoptr(GError) error = NULL;
  g_autoptr(PtDispensePlan) plan = NULL;
  g_autofree gchar *batch = pt_test_receive (store, cf->medicine, cf->fx.pharmacy_id, "L1", 300, 50);
  g_autofree gchar *first = new_rx (store, cf->patient, cf->medicine, 5, 0, NULL);
  g_autofree gchar *second = new_rx (store, cf->patient, cf->medicine, 5, 0, NULL);
  g_autofree gchar *later = new_rx (store, cf->patient, cf->medicine, 5, 0, NULL);

  plan = pt_store_counter_dispense (store, first, 0, NULL, pt_test_days_from_now (-10), &error);
  g_assert_no_error (error);
  g_clear_pointer (&plan, pt_dispense_plan_free);

  /* Ten days later: no warning. */
  plan = pt_store_counter_dispense (store, second, 0, NULL, 0, &error);
  g_assert_no_error (error);
  g_clear_pointer (&plan, pt_dispense_plan_free);

  /* The same day again: duplicate therapy, which needs a reason. */
  plan = pt_store_plan_dispense (store, later, 0, &error);
  g_assert_cmpuint (plan->warnings, ==, PT_WARNING_DUPLICATE);
  g_clear_pointer (&plan, pt_dispense_plan_free);
  plan = pt_store_counter_dispense (store, later, PT_WARNING_DUPLICATE, NULL, 0, &error);
  g_assert_error (error, PT_ERROR, PT_ERROR_WARNING_UNACKNOWLEDGED);
  g_clear_error (&error);
  plan = pt_store_counter_dispense (store, later, PT_WARNING_DUPLICATE, "Lost the first pack",
                                    0, &error);
  g_assert_no_error (error);
  g_assert_cmpint (pt_store_stock_on_hand (store, cf->medicine, NULL), ==, 35);
}

static void
test_cashier_cannot_dispense_or_override (CounterFixture *cf,
                                          gconstpointer   data)
{
  PtStore *store = cf->fx.store;
  g_autoptr(GError) error = NULL;
  g_autoptr(PtDispensePlan) plan = NULL;
  g_autofree gchar *allergic = pt_test_add_patient (store, "Grace", "Hopper", NULL,
                                                    "generic", "amoxicillin");
  g_autofree gchar *rx = new_rx (store, allergic, cf->medicine, 2, 0, NULL);
  g_autofree gchar *batch = pt_test_receive (store, cf->medicine, cf->fx.pharmacy_id, "L1", 300, 20);
  g_autofree gchar *cashier = pt_test_add_user (store, "cashier@example.org", "cashier");
  g_autofree gchar *tech = pt_test_add_user (store, "tech@example.org", "technician");

  g_assert_true (pt_store_act_as_user (store, cashier, &error));
  plan = pt_store_counter_dispense (store, rx, PT_WARNING_ALLERGY, "I say so", 0, &error);
  g_assert_null (plan);
  g_assert_error (error, PT_ERROR, PT_ERROR_PERMISSION_DENIED);
  g_clear_error (&error);
  g_assert_true (pt_store_act_as_user (store, tech, &error));
  plan = pt_store_counter_dispense (store, rx, PT_WARNING_ALLERGY, "I say so", 0, &error);
  g_assert_error (error, PT_ERROR, PT_ERROR_PERMISSION_DENIED);
  g_assert_cmpint (pt_store_stock_on_hand (store, cf->medicine, NULL), ==, 20);
  g_assert_cmpint (pt_store_counter_owed (store, rx), ==, 2);
}

static void
test_cancel_once_returns_stock (CounterFixture *cf,
                                gconstpointer   data)
{
  PtStore *store = cf->fx.store;
  g_autoptr(GError) error = NULL;
  g_autoptr(PtDispensePlan) plan = NULL;
  g_autofree gchar *batch = pt_test_receive (store, cf->medicine, cf->fx.pharmacy_id, "L1", 300, 20);
  g_autofree gchar *rx = new_rx (store, cf->patient, cf->medicine, 6, 0, NULL);
  g_autoptr(PtRxRow) row = NULL;

  plan = pt_store_counter_dispense (store, rx, 0, NULL, 0, &error);
  g_assert_no_error (error);
  g_assert_cmpint (pt_store_stock_on_hand (store, cf->medicine, NULL), ==, 14);
  g_assert_true (pt_store_cancel_prescription (store, rx, "Wrong patient", &error));
  g_assert_cmpint (pt_store_stock_on_hand (store, cf->medicine, NULL), ==, 20);
  g_assert_false (pt_store_cancel_prescription (store, rx, "Again", &error));
  g_assert_error (error, PT_ERROR, PT_ERROR_ALREADY_DONE);
  g_assert_cmpint (pt_store_stock_on_hand (store, cf->medicine, NULL), ==, 20);
  row = pt_store_counter_get_row (store, rx, NULL);
  g_assert_cmpstr (row->status, ==, "cancelled");
  g_assert_cmpint (row->owed, ==, 0);
}

/* ---- Refills ------------------------------------------------------------ */

static void
test_refills_count_down (CounterFixture *cf,
                         gconstpointer   data)
{
  PtStore *store = cf->fx.store;
  g_autoptr(GError) error = NULL;
  g_autofree gchar *batch = pt_test_receive (store, cf->medicine, cf->fx.pharmacy_id, "L1", 300, 100);
  g_autofree gchar *rx = new_rx (store, cf->patient, cf->medicine, 10, 2, NULL);
  g_autofree gchar *current = g_strdup (rx);
  gchar *refill;

  /* Not dispensed yet: nothing to refill. */
  g_assert_null (pt_store_counter_refill (store, rx, NULL, &error));
  g_assert_error (error, PT_ERROR, PT_ERROR_INVALID_TRANSITION);
  g_clear_error (&error);

  for (gint left = 2; left >= 0; left--)
    {
      g_autoptr(PtDispensePlan) plan = NULL;
      g_autoptr(bson_t) doc = NULL;
      g_autofree gchar *number = NULL;
      g_autofree gchar *of = NULL;

      /* Refills come within days: the duplicate warning is expected and
       * acknowledged with a reason. */
      plan = pt_store_counter_dispense (store, current, PT_WARNING_DUPLICATE, "Refill", 0, &error);
      g_assert_no_error (error);
      g_assert_cmpint (pt_store_counter_refills_left (store, current), ==, left);
      if (left == 0)
        break;
      refill = pt_store_counter_refill (store, current, &number, &error);
      g_assert_no_error (error);
      g_assert_true (number_looks_right (number));
      g_assert_cmpint (pt_store_counter_refills_left (store, refill), ==, left - 1);
      g_assert_cmpint (pt_store_counter_refills_left (store, current), ==, 0);
      {
        /* What the lists show on each row. */
        g_autoptr(PtRxRow) row = pt_store_counter_get_row (store, refill, &error);
        g_autoptr(PtRxRow) was = pt_store_counter_get_row (store, current, &error);

        g_assert_no_error (error);
        g_assert_cmpint (row->refills_left, ==, left - 1);
        g_assert_cmpint (was->refills_left, ==, 0);
      }
      g_assert_cmpint (pt_store_counter_owed (store, refill), ==, 10);
      doc = pt_store_get (store, "prescriptions", refill, &error);
      of = pt_bson_dup_oid_hex (doc, "refillOf");
      g_assert_cmpstr (of, ==, current);
      g_assert_cmpstr (pt_bson_get_string (doc, "status"), ==, "received");

      /* The original cannot be refilled a second time. */
      g_assert_null (pt_store_counter_refill (store, current, NULL, &error));
      g_assert_error (error, PT_ERROR, PT_ERROR_ALREADY_DONE);
      g_clear_error (&error);
      g_free (current);
      current = refill;
    }
  g_assert_null (pt_store_counter_refill (store, current, NULL, &error));
  g_assert_error (error, PT_ERROR, PT_ERROR_ALREADY_DONE);
  g_assert_cmpint (pt_store_count (store, "prescriptions"), ==, 3);
  g_assert_cmpint (pt_store_stock_on_hand (store, cf->medicine, NULL), ==, 70);
}

/* ---- Queue -------------------------------------------------------------- */

static void
test_queue_by_status_and_steps (CounterFixture *cf,
                                gconstpointer   data)
{
  PtStore *store = cf->fx.store;
  g_autoptr(GError) error = NULL;
  g_autoptr(PtDispensePlan) plan = NULL;
  g_autofree gchar *batch = pt_test_receive (store, cf->medicine, cf->fx.pharmacy_id, "L1", 300, 100);
  g_autofree gchar *r1 = new_rx (store, cf->patient, cf->medicine, 1, 0, NULL);
  g_autofree gchar *r2 = new_rx (store, cf->patient, cf->medicine, 1, 0, NULL);
  g_autofree gchar *r3 = new_rx (store, cf->patient, cf->medicine, 1, 0, NULL);
  g_autoptr(GPtrArray) queue = NULL;
  g_autoptr(GPtrArray) history = NULL;
  PtTime from, to;
  PtRxRow *row;

  g_assert_cmpstr (pt_rx_status_next_step ("received"), ==, "in_progress");
  g_assert_cmpstr (pt_rx_status_next_step ("in_progress"), ==, "ready");
  g_assert_null (pt_rx_status_next_step ("ready"));

  g_assert_true (pt_store_set_prescription_status (store, r2, pt_rx_status_next_step ("received"),
                                                   &error));
  g_assert_true (pt_store_set_prescription_status (store, r3, "in_progress", &error));
  g_assert_true (pt_store_set_prescription_status (store, r3, "ready", &error));
  /* The store refuses what the workflow forbids. */
  g_assert_false (pt_store_set_prescription_status (store, r1, "picked_up", &error));
  g_assert_error (error, PT_ERROR, PT_ERROR_INVALID_TRANSITION);
  g_clear_error (&error);
  plan = pt_store_counter_dispense (store, r3, 0, NULL, 0, &error);
  g_assert_no_error (error);

  pt_counter_day_bounds (pt_time_now (), &from, &to);
  queue = pt_store_counter_queue (store, NULL, from, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (queue->len, ==, 3);
  row = queue->pdata[0];
  g_assert_cmpstr (row->id, ==, r1);
  g_assert_cmpstr (row->status, ==, "received");
  g_assert_cmpstr (row->patient_name, ==, "Ada Lovelace");
  g_assert_cmpstr (row->summary, ==, "Amoxil 500 mg × 1");
  g_assert_cmpstr (((PtRxRow *) queue->pdata[1])->status, ==, "in_progress");
  g_assert_cmpstr (((PtRxRow *) queue->pdata[2])->status, ==, "dispensed");
  g_clear_pointer (&queue, g_ptr_array_unref);

  /* Tomorrow's queue no longer shows what was dispensed today. */
  queue = pt_store_counter_queue (store, NULL, to, &error);
  g_assert_cmpuint (queue->len, ==, 2);

  history = pt_store_counter_patient_history (store, cf->patient, &error);
  g_assert_cmpuint (history->len, ==, 3);
  g_assert_cmpstr (((PtRxRow *) history->pdata[0])->id, ==, r3);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);

  PT_COUNTER_TEST ("create-needs-patient-and-items", test_create_needs_patient_and_items);
  PT_COUNTER_TEST ("new-prescription-keeps-prescriber-items-and-notes",
                   test_new_prescription_keeps_every_field);
  PT_COUNTER_TEST ("partial-fill-records-owed", test_partial_fill_records_owed);
  PT_COUNTER_TEST ("short-dated-acknowledged-without-reason",
                   test_short_dated_acknowledged_without_reason);
  PT_COUNTER_TEST ("allergy-needs-acknowledgement-and-reason",
                   test_allergy_needs_acknowledgement_and_reason);
  PT_COUNTER_TEST ("duplicate-within-seven-days", test_duplicate_within_seven_days);
  PT_COUNTER_TEST ("cashier-cannot-dispense-or-override", test_cashier_cannot_dispense_or_override);
  PT_COUNTER_TEST ("cancel-once-returns-stock", test_cancel_once_returns_stock);
  PT_COUNTER_TEST ("refills-count-down", test_refills_count_down);
  PT_COUNTER_TEST ("queue-by-status-and-steps", test_queue_by_status_and_steps);

  return g_test_run ();
}
