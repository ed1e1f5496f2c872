/* test-counter-numbering.c: prescription numbers — unique across two
 * offline counters, continued after a reopen, the demo's in the counter's
 * style — and two counters selling the last box offline. */
#define G_LOG_DOMAIN "pt-test"
#include "config.h"

#include <string.h>
#include "pt-test-counter.h"
#include "pt-demo.h"

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

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/store/counter/numbers-unique-across-two-offline-counters",
                   test_numbers_two_offline_counters);
  g_test_add_func ("/store/counter/numbers-continue-after-reopen", test_numbers_survive_reopen);
  g_test_add_func ("/store/counter/demo-prescriptions-numbered-like-the-counter",
                   test_demo_numbers_like_the_counter);
  g_test_add_func ("/store/counter/offline-double-sale-shows-negative-stock",
                   test_offline_double_sale_shows_negative_stock);

  return g_test_run ();
}
