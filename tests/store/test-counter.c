/* test-counter.c: counter work — prescription numbers across two offline
 * counters, partial fills, refills, cancel once, warnings, billing and the
 * daily takings. */
#define G_LOG_DOMAIN "pt-test"
#include "config.h"

#include <string.h>
#include "pt-test-store.h"
#include "pt-store-counter.h"
#include "pt-demo.h"

/* A patient, a medicine with stock and a one-item prescription. */
typedef struct
{
  PtTestFixture fx;
  gchar *patient;
  gchar *medicine;
} CounterFixture;

static void
counter_setup (CounterFixture *cf,
               gconstpointer   data)
{
  pt_test_setup (&cf->fx, data);
  cf->patient = pt_test_add_patient (cf->fx.store, "Ada", "Lovelace", "+44 20 7946 0001",
                                     NULL, NULL);
  cf->medicine = pt_test_add_medicine (cf->fx.store, "Amoxil 500 mg", "Amoxicillin",
                                       "Penicillins", NULL, 250);
}

static void
counter_teardown (CounterFixture *cf,
                  gconstpointer   data)
{
  g_free (cf->patient);
  g_free (cf->medicine);
  pt_test_teardown (&cf->fx, data);
}

static gchar *
new_rx (PtStore     *store,
        const gchar *patient,
        const gchar *medicine,
        PtQuantity   quantity,
        gint         refills,
        gchar      **number)
{
  g_autoptr(GError) error = NULL;
  PtRxItemSpec item = {
    .medicine_id = medicine, .dose = "1 capsule", .quantity = quantity,
    .instructions = "Take one capsule three times a day", .refills = refills,
  };
  PtRxSpec spec = {
    .patient_id = patient, .prescriber_name = "Dr Jane Foster",
    .prescriber_licence = "GMC 1234567", .items = &item, .n_items = 1,
  };
  gchar *id = pt_store_counter_create_prescription (store, &spec, number, &error);

  g_assert_no_error (error);
  g_assert_nonnull (id);
  return id;
}

static gboolean
number_looks_right (const gchar *number)
{
  return g_regex_match_simple ("^[0-9A-HJKMNP-TV-Z]{5}-[0-9]{6}$", number, 0, 0);
}

/* ---- Numbers ------------------------------------------------------------ */

static void
export_collection (PtStore     *from,
                   PtStore     *to,
                   const gchar *collection)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GOutputStream) out = g_memory_output_stream_new_resizable ();
  g_autoptr(GInputStream) in = NULL;
  g_autoptr(PtImportReport) report = NULL;
  g_autoptr(GBytes) bytes = NULL;

  g_assert_cmpint (pt_store_export (from, collection, FALSE, out, &error), >=, 0);
  g_assert_no_error (error);
  g_output_stream_close (out, NULL, NULL);
  bytes = g_memory_output_stream_steal_as_bytes (G_MEMORY_OUTPUT_STREAM (out));
  in = g_memory_input_stream_new_from_bytes (bytes);
  pt_store_import (to, collection, in, &report, NULL, NULL, NULL, &error);
  g_assert_no_error (error);
}

static void
test_numbers_two_offline_counters (void)
{
  g_autofree gchar *dir_a = pt_test_mkdtemp ();
  g_autofree gchar *dir_b = pt_test_mkdtemp ();
  g_autoptr(PtStore) a = pt_test_create_store (dir_a, PT_TEST_TENANT, NULL);
  g_autoptr(PtStore) b = pt_test_create_store (dir_b, PT_TEST_TENANT, NULL);
  g_autoptr(GHashTable) seen = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_autofree gchar *code_a = pt_store_counter_device_code (a);
  g_autofree gchar *code_b = pt_store_counter_device_code (b);
  g_autofree gchar *pat_a = NULL, *med_a = NULL, *pat_b = NULL, *med_b = NULL;
  g_autofree gchar *last = NULL;
  g_autoptr(GPtrArray) all = NULL;
  const guint n = 25;

  g_assert_cmpstr (code_a, !=, code_b);
  pat_a = pt_test_add_patient (a, "Ada", "Lovelace", NULL, NULL, NULL);
  med_a = pt_test_add_medicine (a, "Amoxil 500 mg", "Amoxicillin", NULL, NULL, 250);
  pat_b = pt_test_add_patient (b, "Alan", "Turing", NULL, NULL, NULL);
  med_b = pt_test_add_medicine (b, "Brufen 400 mg", "Ibuprofen", NULL, NULL, 120);

  /* Both counters offline, taking prescriptions at the same time. */
  for (guint i = 0; i < n; i++)
    {
      g_autofree gchar *num_a = NULL, *num_b = NULL;
      g_autofree gchar *ida = new_rx (a, pat_a, med_a, 10, 0, &num_a);
      g_autofree gchar *idb = new_rx (b, pat_b, med_b, 10, 0, &num_b);

      g_assert_true (number_looks_right (num_a));
      g_assert_true (number_looks_right (num_b));
      g_assert_true (g_str_has_prefix (num_a, code_a));
      g_assert_true (g_str_has_prefix (num_b, code_b));
      g_assert_true (g_hash_table_add (seen, g_strdup (num_a)));
      g_assert_true (g_hash_table_add (seen, g_strdup (num_b)));
    }
  g_assert_cmpuint (g_hash_table_size (seen), ==, 2 * n);

  /* "Sync": each store takes the other's documents through the same
   * validation (number unique per tenant) the pull uses. */
  export_collection (a, b, "patients");
  export_collection (a, b, "medicines");
  export_collection (a, b, "prescriptions");
  export_collection (b, a, "patients");
  export_collection (b, a, "medicines");
  export_collection (b, a, "prescriptions");
  g_assert_cmpint (pt_store_count (a, "prescriptions"), ==, 2 * n);
  g_assert_cmpint (pt_store_count (b, "prescriptions"), ==, 2 * n);
  g_assert_cmpint (pt_test_query_int (b, "SELECT count(DISTINCT number) FROM prescriptions"),
                   ==, 2 * n);

  /* After the merge each counter keeps counting on its own prefix. */
  g_free (new_rx (b, pat_a, med_a, 5, 0, &last));
  g_assert_true (g_str_has_prefix (last, code_b));
  g_assert_false (g_hash_table_contains (seen, last));
  g_assert_true (g_str_has_suffix (last, "000026"));

  all = pt_store_list (a, "prescriptions", NULL, NULL);
  g_assert_cmpuint (all->len, ==, 2 * n);
  g_clear_object (&a);
  g_clear_object (&b);
  pt_test_rmdir (dir_a);
  pt_test_rmdir (dir_b);
}

/* Only the lines of an export that contain @needle (e.g. one movement
 * kind), imported into @to. */
static void
copy_lines (PtStore     *from,
            PtStore     *to,
            const gchar *collection,
            const gchar *needle)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GOutputStream) out = g_memory_output_stream_new_resizable ();
  g_autoptr(GInputStream) in = NULL;
  g_autoptr(PtImportReport) report = NULL;
  g_autoptr(GString) picked = g_string_new (NULL);
  g_auto(GStrv) lines = NULL;
  gsize len;

  g_assert_cmpint (pt_store_export (from, collection, FALSE, out, &error), >=, 0);
  g_output_stream_write (out, "", 1, NULL, NULL);
  g_output_stream_close (out, NULL, NULL);
  lines = g_strsplit (g_memory_output_stream_get_data (G_MEMORY_OUTPUT_STREAM (out)), "\n", -1);
  for (guint i = 0; lines[i]; i++)
    if (*lines[i] && strstr (lines[i], needle))
      g_string_append_printf (picked, "%s\n", lines[i]);
  len = picked->len;
  g_assert_cmpuint (len, >, 0);
  in = g_memory_input_stream_new_from_data (g_string_free (g_steal_pointer (&picked), FALSE), len,
                                            g_free);
  pt_store_import (to, collection, in, &report, NULL, NULL, NULL, &error);
  g_assert_no_error (error);
}

/* Two counters sell the last 5 of a batch while offline: after the merge
 * the ledger shows -5 on both, as an alert staff resolve with an
 * adjustment — no sale is lost or overwritten. */
static void
test_offline_double_sale_shows_negative_stock (void)
{
  g_autofree gchar *dir_a = pt_test_mkdtemp ();
  g_autofree gchar *dir_b = pt_test_mkdtemp ();
  g_autoptr(PtStore) a = pt_test_create_store (dir_a, PT_TEST_TENANT, NULL);
  g_autoptr(PtStore) b = pt_test_create_store (dir_b, PT_TEST_TENANT, NULL);
  g_autoptr(GError) error = NULL;
  g_autofree gchar *branch = pt_store_get_pharmacy_id (a);
  g_autofree gchar *patient = pt_test_add_patient (a, "Ada", "Lovelace", NULL, NULL, NULL);
  g_autofree gchar *medicine = pt_test_add_medicine (a, "Amoxil 500 mg", "Amoxicillin", NULL,
                                                     NULL, 250);
  g_autofree gchar *batch = pt_test_receive (a, medicine, branch, "LAST-5", 200, 5);
  g_autoptr(GPtrArray) negative_a = NULL;
  g_autoptr(GPtrArray) negative_b = NULL;
  g_autoptr(PtDispensePlan) plan_a = NULL;
  g_autoptr(PtDispensePlan) plan_b = NULL;
  g_autofree gchar *adjustment = NULL;
  PtRxItemSpec item = { .medicine_id = medicine, .quantity = 5, .instructions = "As directed" };
  PtRxSpec spec = { .patient_id = patient, .pharmacy_id = branch, .items = &item, .n_items = 1 };
  g_autofree gchar *rx_a = NULL;
  g_autofree gchar *rx_b = NULL;

  /* Counter B has the catalogue and the delivery from before the outage. */
  export_collection (a, b, "patients");
  export_collection (a, b, "medicines");
  export_collection (a, b, "batches");
  export_collection (a, b, "stock_movements");
  g_assert_cmpint (pt_store_stock_on_hand (b, medicine, branch), ==, 5);

  /* Offline: both sell the last 5. */
  rx_a = pt_store_counter_create_prescription (a, &spec, NULL, &error);
  g_assert_no_error (error);
  rx_b = pt_store_counter_create_prescription (b, &spec, NULL, &error);
  g_assert_no_error (error);
  plan_a = pt_store_counter_dispense (a, rx_a, 0, NULL, 0, &error);
  g_assert_no_error (error);
  plan_b = pt_store_counter_dispense (b, rx_b, 0, NULL, 0, &error);
  g_assert_no_error (error);

  /* Back online: each ledger takes the other's dispense movement. */
  copy_lines (a, b, "stock_movements", "\"dispense\"");
  copy_lines (b, a, "stock_movements", "\"dispense\"");
  g_assert_cmpint (pt_store_stock_on_hand (a, medicine, branch), ==, -5);
  g_assert_cmpint (pt_store_stock_on_hand (b, medicine, branch), ==, -5);
  negative_a = pt_store_negative_stock (a, branch, &error);
  negative_b = pt_store_negative_stock (b, branch, &error);
  g_assert_cmpuint (negative_a->len, ==, 1);
  g_assert_cmpuint (negative_b->len, ==, 1);
  g_assert_cmpstr (((PtBatchStock *) negative_a->pdata[0])->batch_id, ==, batch);
  g_assert_cmpint (((PtBatchStock *) negative_a->pdata[0])->quantity, ==, -5);
  /* Both sales are still there. */
  g_assert_cmpint (pt_test_query_int (a, "SELECT count(*) FROM stock_movements"), ==, 3);

  /* Staff count the shelf (5 more were found in the back) and adjust. */
  adjustment = pt_store_adjust_stock (a, batch, 5, "Stock count after offline double sale",
                                      &error);
  g_assert_no_error (error);
  g_clear_pointer (&negative_a, g_ptr_array_unref);
  negative_a = pt_store_negative_stock (a, branch, &error);
  g_assert_cmpuint (negative_a->len, ==, 0);

  g_clear_object (&a);
  g_clear_object (&b);
  pt_test_rmdir (dir_a);
  pt_test_rmdir (dir_b);
}

static void
test_numbers_survive_reopen (void)
{
  g_autofree gchar *dir = pt_test_mkdtemp ();
  g_autoptr(PtStore) store = pt_test_create_store (dir, PT_TEST_TENANT, NULL);
  g_autoptr(GError) error = NULL;
  g_autofree gchar *patient = pt_test_add_patient (store, "Ada", "Lovelace", NULL, NULL, NULL);
  g_autofree gchar *medicine = pt_test_add_medicine (store, "Amoxil", "Amoxicillin", NULL, NULL, 250);
  g_autofree gchar *code = pt_store_counter_device_code (store);
  g_autofree gchar *first = NULL, *second = NULL, *code_again = NULL;

  g_free (new_rx (store, patient, medicine, 1, 0, &first));
  g_clear_object (&store);
  store = pt_store_open (dir, &error);
  g_assert_no_error (error);
  pt_store_act_as_system (store);
  code_again = pt_store_counter_device_code (store);
  g_assert_cmpstr (code, ==, code_again);
  g_free (new_rx (store, patient, medicine, 1, 0, &second));
  g_assert_cmpstr (first + 6, ==, "000001");
  g_assert_cmpstr (second + 6, ==, "000002");
  g_clear_object (&store);
  pt_test_rmdir (dir);
}

/* Demo prescriptions are numbered as the counter numbers its own: one
 * style in the queue, this device's prefix, and the counter's next number
 * continues after them. */
static void
test_demo_numbers_like_the_counter (void)
{
  g_autofree gchar *dir = pt_test_mkdtemp ();
  g_autoptr(PtStore) store = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) rxs = NULL;
  g_autoptr(GHashTable) seen = g_hash_table_new (g_str_hash, g_str_equal);
  g_autofree gchar *code = NULL;
  g_autofree gchar *patient = NULL;
  g_autofree gchar *medicine = NULL;
  g_autofree gchar *next = NULL;
  PtDemoOptions options = { 30, 8, 25, 5 };
  gint64 max_seq = 0;

  store = pt_demo_create_store (dir, &options, NULL, NULL, &error);
  g_assert_no_error (error);
  pt_store_act_as_system (store);
  code = pt_store_counter_device_code (store);
  rxs = pt_store_list (store, "prescriptions", NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (rxs->len, ==, 25);
  for (guint i = 0; i < rxs->len; i++)
    {
      const gchar *number = pt_bson_get_string (rxs->pdata[i], "number");

      g_assert_true (number_looks_right (number));
      g_assert_true (g_str_has_prefix (number, code));
      g_assert_false (g_hash_table_contains (seen, number));
      g_hash_table_add (seen, (gpointer) number);
      max_seq = MAX (max_seq, g_ascii_strtoll (number + 6, NULL, 10));
    }
  g_assert_cmpint (max_seq, ==, 25);

  patient = pt_test_add_patient (store, "Ada", "Lovelace", NULL, NULL, NULL);
  medicine = pt_test_add_medicine (store, "Amoxil", "Amoxicillin", NULL, NULL, 250);
  g_free (new_rx (store, patient, medicine, 1, 0, &next));
  g_assert_true (g_str_has_prefix (next, code));
  g_assert_cmpstr (next + 6, ==, "000026");
  g_clear_object (&store);
  pt_test_rmdir (dir);
}

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

/* ---- Billing ------------------------------------------------------------ */

static void
test_billing_totals_and_change (CounterFixture *cf,
                                gconstpointer   data)
{
  PtStore *store = cf->fx.store;
  g_autoptr(GError) error = NULL;
  g_autoptr(PtDispensePlan) plan = NULL;
  g_autoptr(bson_t) taxed = bson_new ();
  g_autofree gchar *other = pt_test_add_medicine (store, "Brufen 400 mg", "Ibuprofen", NULL,
                                                  NULL, 100);
  g_autofree gchar *b1 = pt_test_receive (store, cf->medicine, cf->fx.pharmacy_id, "L1", 300, 20);
  g_autofree gchar *b2 = pt_test_receive (store, other, cf->fx.pharmacy_id, "L2", 300, 20);
  PtRxItemSpec items[2] = {
    { .medicine_id = cf->medicine, .quantity = 3, .instructions = "Three a day" },
    { .medicine_id = other, .quantity = 2, .instructions = "When needed" },
  };
  PtRxSpec spec = { .patient_id = cf->patient, .items = items, .n_items = 2 };
  g_autofree gchar *rx = NULL;
  PtMoney change = -1;
  PtBill bill;

  /* 2.50 with 20 % tax, and 1.00 without. */
  BSON_APPEND_INT64 (taxed, "taxRate", 2000);
  g_assert_true (pt_store_update (store, "medicines", cf->medicine, taxed, &error));
  rx = pt_store_counter_create_prescription (store, &spec, NULL, &error);
  g_assert_no_error (error);

  g_assert_false (pt_store_counter_take_payment (store, rx, PT_PAYMENT_CASH, 5000, 0, NULL, &error));
  g_assert_error (error, PT_ERROR, PT_ERROR_INVALID);
  g_clear_error (&error);

  plan = pt_store_counter_dispense (store, rx, 0, NULL, 0, &error);
  g_assert_no_error (error);
  g_assert_cmpint (plan->total, ==, 3 * 250 + 150 + 2 * 100);
  g_assert_true (pt_store_counter_get_bill (store, rx, &bill, &error));
  g_assert_cmpint (bill.total, ==, 1100);
  g_assert_cmpint (bill.due, ==, 1100);

  /* Short cash is refused; 20.00 for 11.00 gives 9.00 change. */
  g_assert_false (pt_store_counter_take_payment (store, rx, PT_PAYMENT_CASH, 1000, 0, NULL, &error));
  g_assert_error (error, PT_ERROR, PT_ERROR_INVALID);
  g_clear_error (&error);
  g_assert_true (pt_store_counter_take_payment (store, rx, PT_PAYMENT_CASH, 2000, 0, &change, &error));
  g_assert_no_error (error);
  g_assert_cmpint (change, ==, 900);
  g_assert_true (pt_store_counter_get_bill (store, rx, &bill, &error));
  g_assert_cmpint (bill.paid, ==, 1100);
  g_assert_cmpint (bill.due, ==, 0);

  g_assert_false (pt_store_counter_take_payment (store, rx, PT_PAYMENT_CARD, 0, 0, NULL, &error));
  g_assert_error (error, PT_ERROR, PT_ERROR_INVALID);
}

static gchar *
dispense_and_pay (PtStore         *store,
                  const gchar     *patient,
                  const gchar     *medicine,
                  PtQuantity       quantity,
                  PtPaymentMethod  method,
                  PtTime           at)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(PtDispensePlan) plan = NULL;
  gchar *rx = new_rx (store, patient, medicine, quantity, 0, NULL);

  plan = pt_store_counter_dispense (store, rx, PT_WARNING_DUPLICATE, "Test series", at, &error);
  g_assert_no_error (error);
  g_assert_true (pt_store_counter_take_payment (store, rx, method, 1000000, at, NULL, &error));
  g_assert_no_error (error);
  return rx;
}

static void
test_daily_takings_per_user_and_method (CounterFixture *cf,
                                        gconstpointer   data)
{
  PtStore *store = cf->fx.store;
  g_autoptr(GError) error = NULL;
  g_autofree gchar *batch = pt_test_receive (store, cf->medicine, cf->fx.pharmacy_id, "L1", 300, 100);
  g_autofree gchar *pharmacist = pt_test_add_user (store, "pharm@example.org", "pharmacist");
  g_autofree gchar *cashier = pt_test_add_user (store, "cash@example.org", "cashier");
  g_autoptr(PtTakings) takings = NULL;
  PtTime now = pt_time_now (), from, to;
  PtTakingsLine *line;

  g_assert_true (pt_store_act_as_user (store, pharmacist, &error));
  g_free (dispense_and_pay (store, cf->patient, cf->medicine, 2, PT_PAYMENT_CASH, now));   /* 5.00 */
  g_free (dispense_and_pay (store, cf->patient, cf->medicine, 4, PT_PAYMENT_CARD, now));   /* 10.00 */
  /* Yesterday's sale is not in today's check. */
  g_free (dispense_and_pay (store, cf->patient, cf->medicine, 8, PT_PAYMENT_CASH,
                            now - PT_MS_PER_DAY));
  {
    /* The cashier takes payment for one the pharmacist dispensed. */
    g_autoptr(PtDispensePlan) plan = NULL;
    g_autofree gchar *rx = new_rx (store, cf->patient, cf->medicine, 1, 0, NULL);

    plan = pt_store_counter_dispense (store, rx, PT_WARNING_DUPLICATE, "Test series", now, &error);
    g_assert_no_error (error);
    g_assert_true (pt_store_act_as_user (store, cashier, &error));
    g_assert_true (pt_store_counter_take_payment (store, rx, PT_PAYMENT_INSURANCE, 0, now, NULL,
                                                  &error));
    g_assert_no_error (error);
  }

  {
    /* Paid on the web dashboard: only billing.paid, method and paidAt. */
    g_autofree gchar *rx = NULL;
    g_autoptr(bson_t) billing = BCON_NEW ("billing", "{", "total", BCON_INT64 (700),
                                          "paid", BCON_INT64 (700), "method", BCON_UTF8 ("card"),
                                          "paidAt", BCON_DATE_TIME (now), "}");

    pt_store_act_as_system (store);
    rx = new_rx (store, cf->patient, cf->medicine, 1, 0, NULL);
    g_assert_true (pt_store_update (store, "prescriptions", rx, billing, &error));
    g_assert_no_error (error);
  }

  pt_counter_day_bounds (now, &from, &to);
  g_assert_cmpint (from, <=, now);
  g_assert_cmpint (now, <, to);
  takings = pt_store_counter_takings (store, from, to, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpint (takings->total, ==, 500 + 1000 + 250 + 700);
  g_assert_cmpuint (takings->n_payments, ==, 4);

  g_assert_cmpuint (takings->by_method->len, ==, 3);
  line = takings->by_method->pdata[0];
  g_assert_cmpstr (line->key, ==, "cash");
  g_assert_cmpint (line->amount, ==, 500);
  line = takings->by_method->pdata[1];
  g_assert_cmpstr (line->key, ==, "card");
  g_assert_cmpint (line->amount, ==, 1000 + 700);
  line = takings->by_method->pdata[2];
  g_assert_cmpstr (line->key, ==, "insurance");
  g_assert_cmpint (line->amount, ==, 250);

  g_assert_cmpuint (takings->by_user->len, ==, 3);
  line = takings->by_user->pdata[0];
  g_assert_cmpstr (line->key, ==, pharmacist);
  g_assert_cmpstr (line->label, ==, "pharm@example.org");
  g_assert_cmpint (line->amount, ==, 1500);
  g_assert_cmpuint (line->count, ==, 2);
  line = takings->by_user->pdata[1];
  g_assert_cmpstr (line->label, ==, "Not recorded");
  g_assert_cmpint (line->amount, ==, 700);
  line = takings->by_user->pdata[2];
  g_assert_cmpstr (line->key, ==, cashier);
  g_assert_cmpint (line->amount, ==, 250);
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

#define ADD(path, fn) \
  g_test_add ("/store/counter/" path, CounterFixture, NULL, counter_setup, fn, counter_teardown)
  g_test_add_func ("/store/counter/numbers-unique-across-two-offline-counters",
                   test_numbers_two_offline_counters);
  g_test_add_func ("/store/counter/numbers-continue-after-reopen", test_numbers_survive_reopen);
  g_test_add_func ("/store/counter/demo-prescriptions-numbered-like-the-counter",
                   test_demo_numbers_like_the_counter);
  g_test_add_func ("/store/counter/offline-double-sale-shows-negative-stock",
                   test_offline_double_sale_shows_negative_stock);
  ADD ("create-needs-patient-and-items", test_create_needs_patient_and_items);
  ADD ("new-prescription-keeps-prescriber-items-and-notes", test_new_prescription_keeps_every_field);
  ADD ("partial-fill-records-owed", test_partial_fill_records_owed);
  ADD ("short-dated-acknowledged-without-reason", test_short_dated_acknowledged_without_reason);
  ADD ("allergy-needs-acknowledgement-and-reason", test_allergy_needs_acknowledgement_and_reason);
  ADD ("duplicate-within-seven-days", test_duplicate_within_seven_days);
  ADD ("cashier-cannot-dispense-or-override", test_cashier_cannot_dispense_or_override);
  ADD ("cancel-once-returns-stock", test_cancel_once_returns_stock);
  ADD ("refills-count-down", test_refills_count_down);
  ADD ("billing-totals-and-change", test_billing_totals_and_change);
  ADD ("daily-takings-per-user-and-method", test_daily_takings_per_user_and_method);
  ADD ("queue-by-status-and-steps", test_queue_by_status_and_steps);
#undef ADD

  return g_test_run ();
}
