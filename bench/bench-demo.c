/* bench-demo.c: demo-data generation rate (documents/s) at 100,000
 * medicines, against the limit measured in the same run: the same number
 * of rows of the same size inserted raw into SQLite (WAL,
 * synchronous=FULL) in one transaction.  Prints figures; asserts nothing.
 *
 *   bench-demo [MEDICINES [KEEP-DIR]]   (default 100000)
 *
 * With KEEP-DIR the generated store is left there (for bench-store
 * --data-dir and bench-counter --dir). */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <sqlite3.h>
#include <glib/gstdio.h>

#include "pt-demo.h"
#include "pt-store.h"
#include "pt-bench-util.h"

typedef struct
{
  gint64  last_us;
  gint64  last_done;
  GArray *rates;      /* documents/s per progress step */
} Progress;

static void
progress_cb (gint64 done, gint64 total, gpointer data)
{
  Progress *p = data;
  gint64 now = g_get_monotonic_time ();

  if (p->last_us > 0 && now > p->last_us && done > p->last_done)
    {
      gdouble rate = (done - p->last_done) * 1e6 / (now - p->last_us);
      g_array_append_val (p->rates, rate);
    }
  p->last_us = now;
  p->last_done = done;
}

/* CPU seconds of this process: on a loaded machine wall time mostly
 * measures the other processes. */
static gdouble
cpu_seconds (void)
{
  struct rusage ru;

  getrusage (RUSAGE_SELF, &ru);
  return ru.ru_utime.tv_sec + ru.ru_stime.tv_sec
         + (ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
}

/* Raw limit: @n rows of @bytes each, one transaction, same pragmas as the
 * store.  Returns rows/s; *cpu_rate gets rows per CPU second. */
static gdouble
raw_sqlite_rate (const gchar *dir, gint64 n, gsize bytes, gdouble *cpu_rate)
{
  gdouble c0;
  g_autofree gchar *path = g_build_filename (dir, "raw.db", NULL);
  g_autofree guint8 *blob = g_malloc (bytes);
  sqlite3 *db;
  sqlite3_stmt *stmt;
  gint64 t0, t1;

  for (gsize i = 0; i < bytes; i++)
    blob[i] = (guint8) (i * 31 + 7);
  g_assert (sqlite3_open (path, &db) == SQLITE_OK);
  sqlite3_exec (db, "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL;"
                "CREATE TABLE docs (id TEXT PRIMARY KEY, doc BLOB NOT NULL);",
                NULL, NULL, NULL);
  sqlite3_prepare_v2 (db, "INSERT INTO docs (id, doc) VALUES (?, ?)", -1, &stmt, NULL);

  t0 = g_get_monotonic_time ();
  c0 = cpu_seconds ();
  sqlite3_exec (db, "BEGIN", NULL, NULL, NULL);
  for (gint64 i = 0; i < n; i++)
    {
      gchar id[25];

      /* ObjectId-like keys in ascending order, as the store gets them. */
      g_snprintf (id, sizeof id, "6650a1b2%016" G_GINT64_MODIFIER "x", i);
      sqlite3_bind_text (stmt, 1, id, 24, SQLITE_TRANSIENT);
      sqlite3_bind_blob (stmt, 2, blob, bytes, SQLITE_STATIC);
      g_assert (sqlite3_step (stmt) == SQLITE_DONE);
      sqlite3_reset (stmt);
    }
  sqlite3_exec (db, "COMMIT", NULL, NULL, NULL);
  t1 = g_get_monotonic_time ();
  *cpu_rate = n / MAX (cpu_seconds () - c0, 1e-6);

  sqlite3_finalize (stmt);
  sqlite3_close (db);
  return n * 1e6 / (t1 - t0);
}

int
main (int argc, char **argv)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(PtStore) store = NULL;
  g_autoptr(PtStoreStatus) st = NULL;
  g_autofree gchar *tmp = NULL;
  g_autofree gchar *data_dir = NULL;
  PtDemoOptions options = { 100000, 2000, 3000, 42 };
  Progress progress = { 0 };
  const gchar *names[] = { "medicines", "batches", "stock_movements", "patients",
                           "prescriptions", "audit_events" };
  gint64 documents = 0, audit = 0, t0, t1;
  gdouble rate, raw, seconds, cpu, raw_cpu_rate;
  gsize avg_bytes;

  if (argc > 1)
    options.medicines = g_ascii_strtoull (argv[1], NULL, 10);
  g_setenv ("PHARMATRACK_PBKDF2_ITERATIONS", "1000", FALSE);

  tmp = g_dir_make_tmp ("pt-bench-demo-XXXXXX", &error);
  g_assert_no_error (error);
  data_dir = argc > 2 ? g_strdup (argv[2]) : g_build_filename (tmp, "data", NULL);
  progress.rates = g_array_new (FALSE, FALSE, sizeof (gdouble));

  g_print ("demo-data: %u medicines, %u patients, %u prescriptions (seed %" G_GUINT64_FORMAT ")\n",
           options.medicines, options.patients, options.prescriptions, options.seed);
  t0 = g_get_monotonic_time ();
  cpu = cpu_seconds ();
  store = pt_demo_create_store (data_dir, &options, progress_cb, &progress, &error);
  t1 = g_get_monotonic_time ();
  if (store == NULL)
    {
      g_printerr ("bench-demo: %s\n", error->message);
      return 1;
    }
  seconds = (t1 - t0) / 1e6;
  cpu = cpu_seconds () - cpu;

  st = pt_store_get_status (store, &error);
  g_assert_no_error (error);
  for (guint i = 0; i < G_N_ELEMENTS (names); i++)
    {
      gint64 *count = g_hash_table_lookup (st->counts, names[i]);
      gint64 c = count ? *count : 0;

      g_print ("  %-16s %9" G_GINT64_FORMAT "\n", names[i], c);
      if (g_str_equal (names[i], "audit_events"))
        audit = c;
      else
        documents += c;
    }
  rate = documents / seconds;
  avg_bytes = documents > 0 ? (gsize) (st->storage_bytes / (documents + audit)) : 512;

  g_print ("\n%-52s %10.1f s\n", "demo-data wall time", seconds);
  g_print ("%-52s %10.0f docs/s\n", "demo-data rate (documents, audit not counted)", rate);
  g_print ("%-52s %10.0f docs/s\n", "  ... counting audit events too", (documents + audit) / seconds);
  g_print ("%-52s %10.1f s\n", "demo-data CPU time", cpu);
  g_print ("%-52s %10.0f docs/CPU-s\n", "demo-data rate per CPU second", documents / cpu);
  g_print ("%-52s %10.0f / %.0f docs/s\n", "  per-step rate p50 / p5 (slowest 5 %)",
           pt_bench_percentile (progress.rates, 0.5), pt_bench_percentile (progress.rates, 0.05));

  g_clear_object (&store);
  raw = raw_sqlite_rate (tmp, documents, avg_bytes, &raw_cpu_rate);
  g_print ("%-52s %10.0f rows/s\n", "limit: raw SQLite insert, 1 transaction, same rows", raw);
  g_print ("%-52s %10.0f rows/CPU-s\n", "  ... per CPU second", raw_cpu_rate);
  g_print ("%-52s %10.1f x\n", "ratio limit / demo-data (wall)", raw / rate);
  g_print ("%-52s %10.1f x\n", "ratio limit / demo-data (CPU)", raw_cpu_rate / (documents / cpu));
  g_print ("(%" G_GSIZE_FORMAT " bytes per row, the store's average BSON size)\n", avg_bytes);
  {
    g_autofree gchar *load = pt_bench_uptime ();
    g_print ("%s\n", load);
  }

  {
    g_autofree gchar *cmd = g_strdup_printf ("rm -rf '%s'", tmp);
    if (system (cmd) != 0)
      g_printerr ("bench-demo: could not remove %s\n", tmp);
  }
  g_array_unref (progress.rates);
  return 0;
}
