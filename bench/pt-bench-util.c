/* pt-bench-util.c: shared benchmark helpers (pt-bench-util.h). */
#define G_LOG_DOMAIN "pt-bench"
#include "config.h"

#include <sqlite3.h>
#include <glib/gstdio.h>

#include "pt-bench-util.h"

gdouble
pt_bench_now_ms (void)
{
  return g_get_monotonic_time () / 1000.0;
}

static gint
compare_double (gconstpointer a,
                gconstpointer b)
{
  gdouble x = *(const gdouble *) a, y = *(const gdouble *) b;
  return x < y ? -1 : x > y;
}

gdouble
pt_bench_percentile (GArray  *ms,
                     gdouble  p)
{
  if (ms->len == 0)
    return 0;
  g_array_sort (ms, compare_double);
  return g_array_index (ms, gdouble, (guint) (p * (ms->len - 1) + 0.5));
}

void
pt_bench_raw_commit (const gchar *dir,
                     guint        n,
                     gdouble     *p50,
                     gdouble     *p95)
{
  g_autofree gchar *path = g_build_filename (dir, "bench-raw-commit.sqlite", NULL);
  g_autofree gchar *wal = g_strconcat (path, "-wal", NULL);
  g_autofree gchar *shm = g_strconcat (path, "-shm", NULL);
  g_autoptr(GArray) ms = g_array_new (FALSE, FALSE, sizeof (gdouble));
  sqlite3 *db = NULL;
  sqlite3_stmt *stmt = NULL;

  g_unlink (path);
  if (sqlite3_open (path, &db) != SQLITE_OK)
    g_error ("raw commit: cannot open %s", path);
  sqlite3_exec (db, "PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL; "
                    "CREATE TABLE t (id INTEGER PRIMARY KEY, v BLOB)", NULL, NULL, NULL);
  sqlite3_prepare_v2 (db, "INSERT INTO t (v) VALUES (randomblob(300))", -1, &stmt, NULL);
  for (guint i = 0; i < n + 20; i++)
    {
      gdouble t0 = pt_bench_now_ms (), t1;

      sqlite3_exec (db, "BEGIN IMMEDIATE", NULL, NULL, NULL);
      sqlite3_reset (stmt);
      sqlite3_step (stmt);
      sqlite3_exec (db, "COMMIT", NULL, NULL, NULL);
      t1 = pt_bench_now_ms ();
      if (i >= 20)
        g_array_append_val (ms, (gdouble) { t1 - t0 });
    }
  sqlite3_finalize (stmt);
  sqlite3_close (db);
  g_unlink (path);
  g_unlink (wal);
  g_unlink (shm);
  *p50 = pt_bench_percentile (ms, 0.50);
  *p95 = pt_bench_percentile (ms, 0.95);
}

gchar *
pt_bench_uptime (void)
{
  g_autofree gchar *out = NULL;

  if (!g_spawn_command_line_sync ("uptime", &out, NULL, NULL, NULL) || out == NULL)
    return g_strdup ("uptime: unavailable");
  return g_strdup (g_strstrip (out));
}
