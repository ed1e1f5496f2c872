/* test-cli-demo.c: `demo-data` — a realistic demo store, deterministic per
 * seed, whose ledgers are consistent (no negative stock) and whose
 * prescriptions cover every workflow state. */
#include "config.h"

#include <string.h>

#include "cli-test-util.h"
#include "pt-core.h"
#include "pt-demo.h"
#include "pt-store.h"

static void
run_demo (CliFixture *f, const gchar *seed)
{
  g_auto(CliResult) r = { 0 };

  cli_run (f, &r, NULL, 0, "demo-data", "--medicines", "80", "--patients", "40",
           "--prescriptions", "120", "--seed", seed, NULL);
  cli_assert_ok (&r);
  g_assert_cmpstr (r.err, ==, "");
}

static void
test_demo_store (CliFixture *f, gconstpointer data)
{
  g_autoptr(PtStore) store = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) medicines = NULL;
  g_autoptr(GPtrArray) prescriptions = NULL;
  g_autoptr(GHashTable) states = g_hash_table_new (g_str_hash, g_str_equal);
  PtTime now = pt_time_now ();
  guint expired = 0, short_dated = 0, long_dated = 0, with_stock = 0;

  run_demo (f, "7");

  g_assert_cmpint (cli_status_int (f, NULL, "medicines"), ==, 80);
  g_assert_cmpint (cli_status_int (f, NULL, "patients"), ==, 40);
  g_assert_cmpint (cli_status_int (f, NULL, "pharmacies"), ==, 2);
  g_assert_cmpint (cli_status_int (f, NULL, "users"), ==, 4);
  g_assert_cmpint (cli_status_int (f, NULL, "prescriptions"), >=, 100);

  /* The four demo accounts sign in with the demo password. */
  {
    const gchar *emails[] = { PT_DEMO_OWNER_EMAIL, PT_DEMO_PHARMACIST_EMAIL,
                              PT_DEMO_TECHNICIAN_EMAIL, PT_DEMO_CASHIER_EMAIL };
    for (guint i = 0; i < G_N_ELEMENTS (emails); i++)
      {
        g_auto(CliResult) r = { 0 };
        f->password = PT_DEMO_PASSWORD;
        cli_run (f, &r, NULL, 0, "--user", emails[i], "status", NULL);
        cli_assert_ok (&r);
        g_assert_nonnull (strstr (r.out, "Demo Pharmacy"));
      }
    f->password = NULL;
  }

  store = pt_store_open (f->data_dir, &error);
  g_assert_no_error (error);
  pt_store_act_as_system (store);
  g_assert_cmpint (pt_store_get_plan (store), ==, PT_PLAN_ENTERPRISE);

  medicines = pt_store_list (store, "medicines", NULL, &error);
  g_assert_no_error (error);
  for (guint i = 0; i < medicines->len; i++)
    {
      bson_t *m = g_ptr_array_index (medicines, i);
      g_autofree gchar *id = pt_bson_dup_oid_hex (m, "_id");
      g_autoptr(GPtrArray) batches = NULL;
      PtQuantity sum = 0;

      g_assert_true (pt_gtin_is_valid (pt_bson_get_string (m, "barcode")));
      g_assert_cmpuint (strlen (pt_bson_get_string (m, "barcode")), ==, 13);
      g_assert_nonnull (pt_bson_get_string (m, "genericName"));
      g_assert_nonnull (pt_bson_get_string (m, "strength"));
      g_assert_nonnull (pt_bson_get_string (m, "category"));

      batches = pt_store_batch_stock (store, id, NULL, &error);
      g_assert_no_error (error);
      for (guint j = 0; j < batches->len; j++)
        {
          PtBatchStock *b = g_ptr_array_index (batches, j);

          g_assert_cmpint (b->quantity, >=, 0);
          sum += b->quantity;
          if (b->expiry_date < now)
            expired++;
          else if (b->expiry_date < now + 60 * PT_MS_PER_DAY)
            short_dated++;
          else if (b->expiry_date > now + 150 * PT_MS_PER_DAY)
            long_dated++;
        }
      /* The ledger sum per medicine is the sum of its batches. */
      g_assert_cmpint (pt_store_stock_on_hand (store, id, NULL), ==, sum);
      if (sum > 0)
        with_stock++;
    }
  g_test_message ("batches: %u expired, %u short-dated, %u 6-36 months",
                  expired, short_dated, long_dated);
  g_assert_cmpuint (expired, >, 0);
  g_assert_cmpuint (short_dated, >, 0);
  g_assert_cmpuint (long_dated, >, expired + short_dated);
  g_assert_cmpuint (with_stock, >, 60);

  prescriptions = pt_store_list (store, "prescriptions", NULL, &error);
  g_assert_no_error (error);
  for (guint i = 0; i < prescriptions->len; i++)
    g_hash_table_add (states, (gpointer) pt_bson_get_string (g_ptr_array_index (prescriptions, i),
                                                             "status"));
  {
    const gchar *all[] = { "received", "in_progress", "ready", "dispensed", "picked_up",
                           "cancelled" };
    for (guint i = 0; i < G_N_ELEMENTS (all); i++)
      if (!g_hash_table_contains (states, all[i]))
        g_error ("no demo prescription is %s", all[i]);
  }
}

/* name|generic|strength|form|pack|barcode|price per medicine, in order. */
static gchar *
catalogue_fingerprint (CliFixture *f)
{
  g_auto(CliResult) r = { 0 };
  g_auto(GStrv) lines = NULL;
  GString *s = g_string_new (NULL);

  cli_run (f, &r, NULL, 0, "list", "medicines", NULL);
  cli_assert_ok (&r);
  lines = g_strsplit (r.out, "\n", -1);
  for (guint i = 0; lines[i] && *lines[i]; i++)
    {
      bson_t *m = bson_new_from_json ((const uint8_t *) lines[i], -1, NULL);

      g_assert_nonnull (m);
      g_string_append_printf (s, "%s|%s|%s|%s|%" G_GINT64_FORMAT "|%s|%" G_GINT64_FORMAT "\n",
                              pt_bson_get_string (m, "name"),
                              pt_bson_get_string (m, "genericName"),
                              pt_bson_get_string (m, "strength"),
                              pt_bson_get_string (m, "form"),
                              pt_bson_get_int (m, "packSize", 0),
                              pt_bson_get_string (m, "barcode"),
                              pt_bson_get_int (m, "price", 0));
      bson_destroy (m);
    }
  return g_string_free (s, FALSE);
}

static void
test_demo_deterministic (CliFixture *f, gconstpointer data)
{
  CliFixture g = { 0 }, h = { 0 };
  g_autofree gchar *a = NULL;
  g_autofree gchar *b = NULL;
  g_autofree gchar *c = NULL;

  cli_fixture_setup (&g, GINT_TO_POINTER (FALSE));
  cli_fixture_setup (&h, GINT_TO_POINTER (FALSE));
  run_demo (f, "11");
  run_demo (&g, "11");
  run_demo (&h, "12");
  a = catalogue_fingerprint (f);
  b = catalogue_fingerprint (&g);
  c = catalogue_fingerprint (&h);
  g_assert_cmpuint (cli_count_lines (a), ==, 80);
  g_assert_cmpstr (a, ==, b);
  g_assert_cmpstr (a, !=, c);
  cli_fixture_teardown (&g, NULL);
  cli_fixture_teardown (&h, NULL);
}

static void
test_demo_adds_to_existing_store (CliFixture *f, gconstpointer data)
{
  g_auto(CliResult) r = { 0 };
  g_auto(CliResult) r2 = { 0 };

  cli_run (f, &r, NULL, 0, "demo-data", "--medicines", "30", "--patients", "10",
           "--prescriptions", "20", NULL);
  cli_assert_ok (&r);
  g_assert_cmpint (cli_status_int (f, NULL, "medicines"), ==, 30);
  g_assert_cmpint (cli_status_int (f, NULL, "pharmacies"), ==, 1);
  /* Twice with the same seed: barcodes stay unique, so it adds again. */
  cli_run (f, &r2, NULL, 0, "demo-data", "--medicines", "30", "--patients", "10",
           "--prescriptions", "20", NULL);
  cli_assert_ok (&r2);
  g_assert_cmpint (cli_status_int (f, NULL, "medicines"), ==, 60);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add ("/cli/demo/creates-store-users-consistent-ledgers-all-states", CliFixture,
              GINT_TO_POINTER (FALSE), cli_fixture_setup, test_demo_store, cli_fixture_teardown);
  g_test_add ("/cli/demo/same-seed-same-catalogue", CliFixture, GINT_TO_POINTER (FALSE),
              cli_fixture_setup, test_demo_deterministic, cli_fixture_teardown);
  g_test_add ("/cli/demo/adds-to-an-existing-store", CliFixture, GINT_TO_POINTER (TRUE),
              cli_fixture_setup, test_demo_adds_to_existing_store, cli_fixture_teardown);

  return g_test_run ();
}
