/* bench-mongosim.c — throughput of the simulator through mongo-c-driver
 *
 * Prints the bulk insert rate (documents/s) and the time to drain a
 * 100,000-document find, median and spread over three runs, against the
 * issue's limits (≥ 50,000 docs/s, ≤ 2 s).  Not a test: never fails on time.
 *
 *   _build/tests/mongosim/bench-mongosim [N]
 */
#define G_LOG_DOMAIN "mongosim-bench"
#include "config.h"

#include <mongoc/mongoc.h>

#include "mongosim-fixture.h"

#define RUNS 3

static int
cmp_double (const void *a, const void *b)
{
  double x = *(const double *) a, y = *(const double *) b;
  return x < y ? -1 : x > y;
}

static double
run_insert (mongoc_collection_t *coll, int n)
{
  gint64 start = g_get_monotonic_time ();
  const int batch = 1000;
  bson_error_t error;

  for (int i = 0; i < n; i += batch)
    {
      bson_t *docs[1000];
      int m = MIN (batch, n - i);

      for (int j = 0; j < m; j++)
        {
          char name[64], sku[32];
          g_snprintf (name, sizeof name, "Medicine %d", i + j);
          g_snprintf (sku, sizeof sku, "SKU-%08d", i + j);
          docs[j] = BCON_NEW ("tenantId", BCON_UTF8 ("tenant-1"), "name", BCON_UTF8 (name), "sku", BCON_UTF8 (sku),
                              "price", "{", "amount", BCON_INT64 (1999), "currency", BCON_UTF8 ("EUR"), "}",
                              "qty", BCON_INT32 (j % 97), "tags", "[", BCON_UTF8 ("otc"), BCON_UTF8 ("pain"), "]",
                              "updatedAt", BCON_DATE_TIME (1700000000000 + i + j));
        }
      if (!mongoc_collection_insert_many (coll, (const bson_t **) docs, (size_t) m, NULL, NULL, &error))
        g_error ("insert_many: %s", error.message);
      for (int j = 0; j < m; j++)
        bson_destroy (docs[j]);
    }
  return (g_get_monotonic_time () - start) / 1e6;
}

static double
run_find (mongoc_collection_t *coll, int expect)
{
  gint64 start = g_get_monotonic_time ();
  bson_t filter = BSON_INITIALIZER;
  mongoc_cursor_t *cursor = mongoc_collection_find_with_opts (coll, &filter, NULL, NULL);
  const bson_t *doc;
  bson_error_t error;
  int n = 0;

  while (mongoc_cursor_next (cursor, &doc))
    n++;
  if (mongoc_cursor_error (cursor, &error))
    g_error ("find: %s", error.message);
  mongoc_cursor_destroy (cursor);
  if (n != expect)
    g_error ("find returned %d documents, expected %d", n, expect);
  return (g_get_monotonic_time () - start) / 1e6;
}

int
main (int argc, char **argv)
{
  int n = argc > 1 ? atoi (argv[1]) : 100000;
  g_autoptr(GError) error = NULL;
  g_autoptr(MongosimFixture) sim = NULL;
  mongoc_client_t *client;
  double ins[RUNS], fnd[RUNS];

  mongoc_init ();
  sim = mongosim_fixture_start (NULL, &error);
  if (sim == NULL)
    g_error ("%s", error->message);
  client = mongoc_client_new (mongosim_fixture_get_uri (sim));
  for (int r = 0; r < RUNS; r++)
    {
      char name[32];
      mongoc_collection_t *coll;

      g_snprintf (name, sizeof name, "bench%d", r);
      coll = mongoc_client_get_collection (client, "bench", name);
      ins[r] = run_insert (coll, n);
      fnd[r] = run_find (coll, n);
      mongoc_collection_destroy (coll);
    }
  qsort (ins, RUNS, sizeof (double), cmp_double);
  qsort (fnd, RUNS, sizeof (double), cmp_double);
  g_print ("mongosim bench, %d documents, %d runs (median [min-max])\n", n, RUNS);
  g_print ("  bulk insert_many (batches of 1000): %.0f docs/s [%.0f-%.0f]; limit 50000 docs/s, ratio %.2f\n",
           n / ins[1], n / ins[RUNS - 1], n / ins[0], (n / ins[1]) / 50000.0);
  g_print ("  find, drain all %d documents:       %.3f s [%.3f-%.3f]; limit 2 s, ratio %.2f\n",
           n, fnd[1], fnd[0], fnd[RUNS - 1], fnd[1] / 2.0);
  mongoc_client_destroy (client);
  mongosim_fixture_stop (sim, NULL);
  mongoc_cleanup ();
  return 0;
}
