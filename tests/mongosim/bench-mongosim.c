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
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "mongosim-fixture.h"

#define RUNS 3

static GPid server_pid;

/* CPU seconds (user + system) the simulator has used so far: a figure
 * that does not move with the load of the machine. */
static double
server_cpu (void)
{
  g_autofree char *path = g_strdup_printf ("/proc/%d/stat", (int) server_pid);
  g_autofree char *text = NULL;
  char *p;
  unsigned long utime = 0, stime = 0;

  if (!g_file_get_contents (path, &text, NULL, NULL) || (p = strrchr (text, ')')) == NULL)
    return 0;
  /* fields 14 and 15 (utime, stime) counted after the ")" of field 2 */
  if (sscanf (p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %lu %lu", &utime, &stime) != 2)
    return 0;
  return (double) (utime + stime) / (double) sysconf (_SC_CLK_TCK);
}

static int
cmp_double (const void *a, const void *b)
{
  double x = *(const double *) a, y = *(const double *) b;
  return x < y ? -1 : x > y;
}

/* The documents are built before the clock starts: the figure is the
 * driver's encoding, the network and the simulator. */
static bson_t **
make_docs (int n)
{
  bson_t **docs = g_new (bson_t *, n);

  for (int i = 0; i < n; i++)
    {
      char name[64], sku[32];
      g_snprintf (name, sizeof name, "Medicine %d", i);
      g_snprintf (sku, sizeof sku, "SKU-%08d", i);
      docs[i] = BCON_NEW ("tenantId", BCON_UTF8 ("tenant-1"), "name", BCON_UTF8 (name), "sku", BCON_UTF8 (sku),
                          "price", "{", "amount", BCON_INT64 (1999), "currency", BCON_UTF8 ("EUR"), "}",
                          "qty", BCON_INT32 (i % 97), "tags", "[", BCON_UTF8 ("otc"), BCON_UTF8 ("pain"), "]",
                          "updatedAt", BCON_DATE_TIME (1700000000000 + i));
    }
  return docs;
}

static double
run_insert (mongoc_collection_t *coll, bson_t **docs, int n)
{
  gint64 start = g_get_monotonic_time ();
  const int batch = 1000;
  bson_error_t error;

  for (int i = 0; i < n; i += batch)
    if (!mongoc_collection_insert_many (coll, (const bson_t **) docs + i, (size_t) MIN (batch, n - i), NULL, NULL,
                                        &error))
      g_error ("insert_many: %s", error.message);
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
  double ins[RUNS], fnd[RUNS], ins_cpu[RUNS], fnd_cpu[RUNS];
  double load[3] = { 0 };

  mongoc_init ();
  sim = mongosim_fixture_start (NULL, &error);
  if (sim == NULL)
    g_error ("%s", error->message);
  server_pid = mongosim_fixture_get_pid (sim);
  client = mongoc_client_new (mongosim_fixture_get_uri (sim));
  for (int r = 0; r < RUNS; r++)
    {
      char name[32];
      mongoc_collection_t *coll;

      g_snprintf (name, sizeof name, "bench%d", r);
      coll = mongoc_client_get_collection (client, "bench", name);
      double c0 = server_cpu (), c1, c2;
      bson_t **docs = make_docs (n);

      ins[r] = run_insert (coll, docs, n);
      c1 = server_cpu ();
      fnd[r] = run_find (coll, n);
      c2 = server_cpu ();
      ins_cpu[r] = c1 - c0;
      for (int i = 0; i < n; i++)
        bson_destroy (docs[i]);
      g_free (docs);
      fnd_cpu[r] = c2 - c1;
      mongoc_collection_destroy (coll);
    }
  qsort (ins, RUNS, sizeof (double), cmp_double);
  qsort (fnd, RUNS, sizeof (double), cmp_double);
  qsort (ins_cpu, RUNS, sizeof (double), cmp_double);
  qsort (fnd_cpu, RUNS, sizeof (double), cmp_double);
  getloadavg (load, 3);
  g_print ("mongosim bench, %d documents, %d runs (median [min-max])\n", n, RUNS);
  g_print ("  bulk insert_many (batches of 1000): %.0f docs/s [%.0f-%.0f]; limit 50000 docs/s, ratio %.2f\n",
           n / ins[1], n / ins[RUNS - 1], n / ins[0], (n / ins[1]) / 50000.0);
  g_print ("  find, drain all %d documents:       %.3f s [%.3f-%.3f]; limit 2 s, ratio %.2f\n",
           n, fnd[1], fnd[0], fnd[RUNS - 1], fnd[1] / 2.0);
  g_print ("  simulator CPU (user+sys), median:   insert %.3f s = %.0f docs per CPU-second; find %.3f s\n",
           ins_cpu[1], ins_cpu[1] > 0 ? n / ins_cpu[1] : 0.0, fnd_cpu[1]);
  g_print ("  load average during the run: %.2f (2 cores shared with the client and other jobs)\n", load[0]);
  mongoc_client_destroy (client);
  mongosim_fixture_stop (sim, NULL);
  mongoc_cleanup ();
  return 0;
}
