/* test-cli-stock.c: receive, adjust, dispense, cancel and stock through
 * pharmatrack-admin, and the refusals that must change nothing. */
#include "config.h"

#include <string.h>

#include "cli-test-util.h"
#include "pt-core.h"

typedef struct
{
  CliFixture  cli;
  gchar      *medicine;
  gchar      *pharmacy;
  gchar      *patient;
} StockFixture;

static void
stock_setup (StockFixture *f, gconstpointer data)
{
  cli_fixture_setup (&f->cli, GINT_TO_POINTER (TRUE));
  f->medicine = cli_put (&f->cli, "medicines",
                         "{\"name\": \"Metforal\", \"genericName\": \"metformin\","
                         " \"strength\": \"500 mg\", \"form\": \"tablet\", \"packSize\": 28,"
                         " \"schedule\": \"rx\", \"price\": 4}");
  f->patient = cli_put (&f->cli, "patients",
                        "{\"firstName\": \"Grace\", \"lastName\": \"Hopper\"}");
  f->pharmacy = cli_first_id (&f->cli, "pharmacies");
}

static void
stock_teardown (StockFixture *f, gconstpointer data)
{
  g_free (f->medicine);
  g_free (f->pharmacy);
  g_free (f->patient);
  cli_fixture_teardown (&f->cli, NULL);
}

static gchar *
receive (StockFixture *f, const gchar *lot, gint expiry_days, const gchar *quantity)
{
  g_auto(CliResult) r = { 0 };
  g_autofree gchar *expiry = cli_date_from_today (expiry_days);

  cli_run (&f->cli, &r, NULL, 0, "receive", "--medicine", f->medicine, "--lot", lot,
           "--expiry", expiry, "--quantity", quantity, "--cost", "2", NULL);
  cli_assert_ok (&r);
  g_strstrip (r.out);
  g_assert_true (pt_oid_is_valid (r.out));
  return g_steal_pointer (&r.out);
}

static gchar *
prescription (StockFixture *f, const gchar *number, gint quantity)
{
  g_autofree gchar *json =
    g_strdup_printf ("{\"number\": \"%s\", \"patientId\": {\"$oid\": \"%s\"},"
                     " \"pharmacyId\": {\"$oid\": \"%s\"}, \"status\": \"received\","
                     " \"items\": [{\"medicineId\": {\"$oid\": \"%s\"}, \"quantity\": %d}]}",
                     number, f->patient, f->pharmacy, f->medicine, quantity);
  return cli_put (&f->cli, "prescriptions", json);
}

static void
test_receive_adjust_stock (StockFixture *f, gconstpointer data)
{
  g_autofree gchar *b1 = receive (f, "LOT-A", 400, "100");
  g_autofree gchar *b2 = receive (f, "LOT-B", 90, "50");
  g_auto(CliResult) r = { 0 };
  g_auto(CliResult) table = { 0 };

  g_assert_cmpint (cli_stock_total (&f->cli, f->medicine), ==, 150);

  cli_run (&f->cli, &r, NULL, 0, "adjust", "--batch", b1, "--quantity", "-3",
           "--reason", "Broken blister", NULL);
  cli_assert_ok (&r);
  g_assert_cmpint (cli_stock_total (&f->cli, f->medicine), ==, 147);

  /* The table lists both batches, nearest expiry first, and the total. */
  cli_run (&f->cli, &table, NULL, 0, "stock", "--medicine", f->medicine, NULL);
  cli_assert_ok (&table);
  g_assert_nonnull (strstr (table.out, "LOT-A"));
  g_assert_nonnull (strstr (table.out, "LOT-B"));
  g_assert_true (strstr (table.out, "LOT-B") < strstr (table.out, "LOT-A"));
  g_assert_nonnull (strstr (table.out, "147"));
}

static void
assert_refused (StockFixture *f, const gchar *needle, ...)
{
  g_autofree gchar *before = cli_snapshot (&f->cli);
  g_autofree gchar *after = NULL;
  g_autoptr(GPtrArray) argv = g_ptr_array_new ();
  g_auto(CliResult) r = { 0 };
  const gchar *arg;
  va_list args;

  g_ptr_array_add (argv, (gpointer) g_getenv ("PT_ADMIN"));
  g_ptr_array_add (argv, (gpointer) "--data-dir");
  g_ptr_array_add (argv, f->cli.data_dir);
  va_start (args, needle);
  while ((arg = va_arg (args, const gchar *)) != NULL)
    g_ptr_array_add (argv, (gpointer) arg);
  va_end (args);
  g_ptr_array_add (argv, NULL);

  cli_run_argv (&f->cli, &r, NULL, 0, (const gchar * const *) argv->pdata);
  cli_assert_one_line_failure (&r, -1, needle);
  after = cli_snapshot (&f->cli);
  g_assert_cmpstr (before, ==, after);
}

static void
test_receive_refusals (StockFixture *f, gconstpointer data)
{
  g_autofree gchar *future = cli_date_from_today (365);
  g_autofree gchar *past = cli_date_from_today (-2);
  g_autofree gchar *batch = receive (f, "LOT-OK", 365, "10");

  g_test_message ("negative quantity");
  assert_refused (f, "quantity", "receive", "--medicine", f->medicine, "--lot", "L1",
                  "--expiry", future, "--quantity", "-5", NULL);
  g_test_message ("zero quantity");
  assert_refused (f, "quantity", "receive", "--medicine", f->medicine, "--lot", "L1",
                  "--expiry", future, "--quantity", "0", NULL);
  g_test_message ("expiry in the past");
  assert_refused (f, "expir", "receive", "--medicine", f->medicine, "--lot", "L1",
                  "--expiry", past, "--quantity", "5", NULL);
  g_test_message ("not a date");
  assert_refused (f, "expiry", "receive", "--medicine", f->medicine, "--lot", "L1",
                  "--expiry", "31/12/2030", "--quantity", "5", NULL);
  g_test_message ("unknown medicine");
  assert_refused (f, NULL, "receive", "--medicine", CLI_TEST_OTHER, "--lot", "L1",
                  "--expiry", future, "--quantity", "5", NULL);
  g_test_message ("adjust without a reason");
  assert_refused (f, "--reason", "adjust", "--batch", batch, "--quantity", "-1", NULL);
  g_test_message ("adjust of an unknown batch");
  assert_refused (f, NULL, "adjust", "--batch", CLI_TEST_OTHER, "--quantity", "-1",
                  "--reason", "count", NULL);
  g_test_message ("stock of an unknown medicine");
  assert_refused (f, NULL, "stock", "--medicine", CLI_TEST_OTHER, NULL);
}

static void
test_dispense_and_cancel (StockFixture *f, gconstpointer data)
{
  g_autofree gchar *early = receive (f, "LOT-EARLY", 200, "30");
  g_autofree gchar *late = receive (f, "LOT-LATE", 600, "100");
  g_autofree gchar *rx = prescription (f, "RX-T-1", 56);
  g_auto(CliResult) r = { 0 };
  g_auto(CliResult) again = { 0 };
  g_auto(CliResult) twice = { 0 };
  bson_t *doc;

  cli_run (&f->cli, &r, NULL, 0, "dispense", "--prescription", rx, NULL);
  cli_assert_ok (&r);
  /* FEFO: the 30 of the early lot first, then 26 of the late one. */
  g_assert_nonnull (strstr (r.out, "LOT-EARLY"));
  g_assert_nonnull (strstr (r.out, "LOT-LATE"));
  g_assert_cmpint (cli_stock_total (&f->cli, f->medicine), ==, 130 - 56);
  doc = cli_get (&f->cli, "prescriptions", rx);
  g_assert_cmpstr (pt_bson_get_string (doc, "status"), ==, "dispensed");
  bson_destroy (doc);

  cli_run (&f->cli, &again, NULL, 0, "cancel", "--prescription", rx,
           "--reason", "Prescriber changed the dose", NULL);
  cli_assert_ok (&again);
  g_assert_cmpint (cli_stock_total (&f->cli, f->medicine), ==, 130);
  doc = cli_get (&f->cli, "prescriptions", rx);
  g_assert_cmpstr (pt_bson_get_string (doc, "status"), ==, "cancelled");
  bson_destroy (doc);

  /* Once only: the second cancel is refused and returns nothing twice. */
  {
    g_autofree gchar *before = cli_snapshot (&f->cli);
    g_autofree gchar *after = NULL;

    cli_run (&f->cli, &twice, NULL, 0, "cancel", "--prescription", rx,
             "--reason", "again", NULL);
    cli_assert_one_line_failure (&twice, 1, NULL);
    after = cli_snapshot (&f->cli);
    g_assert_cmpstr (before, ==, after);
  }
  g_assert_cmpint (cli_stock_total (&f->cli, f->medicine), ==, 130);
}

static void
test_dispense_more_than_stock (StockFixture *f, gconstpointer data)
{
  g_autofree gchar *batch = receive (f, "LOT-1", 300, "20");
  g_autofree gchar *rx = prescription (f, "RX-T-2", 50);
  g_auto(CliResult) r = { 0 };

  assert_refused (f, NULL, "dispense", "--prescription", rx, NULL);
  g_assert_cmpint (cli_stock_total (&f->cli, f->medicine), ==, 20);

  /* With a reason the pharmacist fills what there is; stock never goes
   * below zero and the rest stays owed. */
  cli_run (&f->cli, &r, NULL, 0, "dispense", "--prescription", rx,
           "--override-reason", "Partial supply agreed with patient", NULL);
  cli_assert_ok (&r);
  g_assert_cmpint (cli_stock_total (&f->cli, f->medicine), ==, 0);
  g_assert_nonnull (strstr (r.out, "30"));

  g_test_message ("dispense of an unknown prescription");
  assert_refused (f, NULL, "dispense", "--prescription", CLI_TEST_OTHER, NULL);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);

#define ADD(path, fn) \
  g_test_add ("/cli/stock/" path, StockFixture, NULL, stock_setup, fn, stock_teardown)
  ADD ("receive-adjust-show-ledger-sums", test_receive_adjust_stock);
  ADD ("receive-and-adjust-refuse-bad-input", test_receive_refusals);
  ADD ("dispense-fefo-then-cancel-once-returns-stock", test_dispense_and_cancel);
  ADD ("dispense-more-than-in-stock-refused-unless-override", test_dispense_more_than_stock);
#undef ADD

  return g_test_run ();
}
