/* bench-sync: the sync engine against mongosim, each figure beside a
 * limit measured in the same run.  Prints figures; never asserts on time.
 *
 *   - initial sync of a tenant (100k medicines, 100k batches, 300k stock
 *     movements by default) by `pharmatrack-admin sync --once` on an
 *     enrolment store: documents/s end to end and its peak RSS, against
 *     the same documents inserted raw into SQLite in one transaction;
 *   - push of 20,000 queued changes: documents/s;
 *   - propagation latency, counter A commits → counter B (live) has it:
 *     p50/p95 over 500 samples.
 *
 *   bench-sync [--scale F] [--pushes N] [--samples N]
 */
#define G_LOG_DOMAIN "pt-bench"
#include "config.h"

#include <stdio.h>
#include <string.h>
#include <spawn.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>
#include <sqlite3.h>
#include <glib/gstdio.h>
#include <mongoc/mongoc.h>

#include "pt-store.h"
#include "pt-store-private.h"
#include "pt-store-sync.h"
#include "pt-sync-engine.h"
#include "pt-sync-bson.h"
#include "pt-sync-private.h"
#include "mongosim-fixture.h"

#define TENANT "65b00000000000000000c0de"

static gdouble  opt_scale = 1.0;
static gint     opt_pushes = 20000;
static gint     opt_samples = 500;

static GOptionEntry entries[] = {
  { "scale", 0, 0, G_OPTION_ARG_DOUBLE, &opt_scale, "Initial sync size (1.0 = 500,000 documents)", "F" },
  { "pushes", 0, 0, G_OPTION_ARG_INT, &opt_pushes, "Queued changes to push", "N" },
  { "samples", 0, 0, G_OPTION_ARG_INT, &opt_samples, "Propagation samples", "N" },
  { NULL }
};

extern char **environ;

static gdouble
now_s (void)
{
  return g_get_monotonic_time () / 1e6;
}

static gint
compare_double (gconstpointer a, gconstpointer b)
{
  gdouble x = *(const gdouble *) a, y = *(const gdouble *) b;
  return x < y ? -1 : x > y;
}

static gdouble
percentile (GArray *v, gdouble p)
{
  g_array_sort (v, compare_double);
  return g_array_index (v, gdouble, (guint) (p * (v->len - 1) + 0.5));
}

static void
rmdir_r (const gchar *dir)
{
  g_autoptr(GDir) d = g_dir_open (dir, 0, NULL);
  const gchar *name;

  while (d != NULL && (name = g_dir_read_name (d)) != NULL)
    {
      g_autofree gchar *p = g_build_filename (dir, name, NULL);
      g_unlink (p);
    }
  g_rmdir (dir);
}

/* Documents as a counter would have pushed them. */
static bson_t *
make_doc (const gchar *coll, guint i, const bson_oid_t *tenant, const bson_oid_t *ref,
          const bson_oid_t *ref2, bson_oid_t *id_out)
{
  bson_t *d = bson_new ();
  bson_t sync, f;
  gint64 t = G_GINT64_CONSTANT (1790000000000) + i;
  gchar stamp[40];
  gchar buf[64];

  g_snprintf (stamp, sizeof stamp, "%016" G_GINT64_MODIFIER "x-00000000000000aa", t << 16);
  bson_oid_init (id_out, NULL);
  BSON_APPEND_OID (d, "_id", id_out);
  BSON_APPEND_OID (d, "tenantId", tenant);
  BSON_APPEND_DATE_TIME (d, "createdAt", t);
  BSON_APPEND_DATE_TIME (d, "updatedAt", t);
  if (strcmp (coll, "medicines") == 0)
    {
      g_snprintf (buf, sizeof buf, "Medicine %06u 500 mg tablets", i);
      BSON_APPEND_UTF8 (d, "name", buf);
      BSON_APPEND_UTF8 (d, "genericName", "paracetamol");
      BSON_APPEND_UTF8 (d, "form", "tablet");
      BSON_APPEND_UTF8 (d, "schedule", "otc");
      BSON_APPEND_INT64 (d, "price", 100 + i % 5000);
      BSON_APPEND_INT64 (d, "reorderLevel", 10);
    }
  else if (strcmp (coll, "batches") == 0)
    {
      g_snprintf (buf, sizeof buf, "LOT-%06u", i);
      BSON_APPEND_OID (d, "medicineId", ref);
      BSON_APPEND_OID (d, "pharmacyId", ref2);
      BSON_APPEND_UTF8 (d, "lotNumber", buf);
      BSON_APPEND_DATE_TIME (d, "expiryDate", t + G_GINT64_CONSTANT (31536000000));
      BSON_APPEND_DATE_TIME (d, "receivedAt", t);
      BSON_APPEND_INT64 (d, "costPrice", 50);
    }
  else
    {
      BSON_APPEND_OID (d, "batchId", ref);
      BSON_APPEND_OID (d, "pharmacyId", ref2);
      BSON_APPEND_OID (d, "medicineId", ref);
      BSON_APPEND_INT64 (d, "quantity", i % 3 == 0 ? 30 : -1);
      BSON_APPEND_UTF8 (d, "kind", i % 3 == 0 ? "receipt" : "dispense");
      BSON_APPEND_UTF8 (d, "deviceId", "00000000000000aa");
      return d;    /* insert-only: no _sync */
    }
  BSON_APPEND_DOCUMENT_BEGIN (d, "_sync", &sync);
  BSON_APPEND_UTF8 (&sync, "v", stamp);
  BSON_APPEND_DOCUMENT_BEGIN (&sync, "f", &f);
  BSON_APPEND_UTF8 (&f, "name", stamp);
  bson_append_document_end (&sync, &f);
  BSON_APPEND_UTF8 (&sync, "by", "00000000000000aa");
  bson_append_document_end (d, &sync);
  return d;
}

static void
load_server (mongoc_client_t *client, guint n_med, guint n_batch, guint n_mov,
             GPtrArray *raw_docs)
{
  const gchar *colls[] = { "medicines", "batches", "stock_movements" };
  guint counts[] = { n_med, n_batch, n_mov };
  bson_oid_t tenant, pharmacy, last_med = { 0 }, last_batch = { 0 };
  bson_error_t err;

  bson_oid_init_from_string (&tenant, TENANT);
  bson_oid_init (&pharmacy, NULL);
  {
    mongoc_collection_t *c = mongoc_client_get_collection (client, "pharmatrack", "tenants");
    bson_t *t = BCON_NEW ("_id", BCON_OID (&tenant), "name", BCON_UTF8 ("Bench Pharmacy Group"),
                          "slug", BCON_UTF8 ("bench"), "plan", BCON_UTF8 ("enterprise"),
                          "createdAt", BCON_DATE_TIME (1), "updatedAt", BCON_DATE_TIME (1));
    mongoc_collection_insert_one (c, t, NULL, NULL, &err);
    bson_destroy (t);
    mongoc_collection_destroy (c);
    c = mongoc_client_get_collection (client, "pharmatrack", "pharmacies");
    t = BCON_NEW ("_id", BCON_OID (&pharmacy), "tenantId", BCON_OID (&tenant),
                  "name", BCON_UTF8 ("High Street"),
                  "createdAt", BCON_DATE_TIME (1), "updatedAt", BCON_DATE_TIME (1));
    mongoc_collection_insert_one (c, t, NULL, NULL, &err);
    bson_destroy (t);
    mongoc_collection_destroy (c);
  }
  for (guint k = 0; k < 3; k++)
    {
      mongoc_collection_t *c = mongoc_client_get_collection (client, "pharmatrack", colls[k]);
      mongoc_bulk_operation_t *bulk = NULL;

      for (guint i = 0; i < counts[k]; i++)
        {
          bson_oid_t id;
          const bson_oid_t *ref = k == 1 ? &last_med : &last_batch;
          bson_t *d = make_doc (colls[k], i, &tenant, ref, &pharmacy, &id);

          if (k == 0)
            last_med = id;
          else if (k == 1)
            last_batch = id;
          if (bulk == NULL)
            bulk = mongoc_collection_create_bulk_operation_with_opts (c, NULL);
          mongoc_bulk_operation_insert (bulk, d);
          g_ptr_array_add (raw_docs, d);
          if ((i + 1) % 5000 == 0 || i + 1 == counts[k])
            {
              if (!mongoc_bulk_operation_execute (bulk, NULL, &err))
                g_error ("load %s: %s", colls[k], err.message);
              mongoc_bulk_operation_destroy (bulk);
              bulk = NULL;
            }
        }
      mongoc_collection_destroy (c);
    }
}

/* The physical limit: the same BSON rows into SQLite, one transaction,
 * with the store's durability settings. */
static gdouble
raw_sqlite_rate (GPtrArray *docs)
{
  g_autofree gchar *dir = g_dir_make_tmp ("pt-bench-raw-XXXXXX", NULL);
  g_autofree gchar *path = g_build_filename (dir, "raw.db", NULL);
  sqlite3 *db;
  sqlite3_stmt *stmt;
  gdouble t0, t1;

  sqlite3_open (path, &db);
  sqlite3_exec (db, "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL;"
                    "CREATE TABLE docs (id TEXT PRIMARY KEY, doc BLOB NOT NULL)", NULL, NULL, NULL);
  t0 = now_s ();
  sqlite3_exec (db, "BEGIN", NULL, NULL, NULL);
  sqlite3_prepare_v2 (db, "INSERT INTO docs (id, doc) VALUES (?1, ?2)", -1, &stmt, NULL);
  for (guint i = 0; i < docs->len; i++)
    {
      const bson_t *d = g_ptr_array_index (docs, i);
      bson_iter_t it;
      gchar hex[25];

      bson_iter_init_find (&it, d, "_id");
      bson_oid_to_string (bson_iter_oid (&it), hex);
      sqlite3_bind_text (stmt, 1, hex, 24, SQLITE_TRANSIENT);
      sqlite3_bind_blob (stmt, 2, bson_get_data (d), (int) d->len, SQLITE_STATIC);
      sqlite3_step (stmt);
      sqlite3_reset (stmt);
    }
  sqlite3_finalize (stmt);
  sqlite3_exec (db, "COMMIT", NULL, NULL, NULL);
  t1 = now_s ();
  sqlite3_close (db);
  rmdir_r (dir);
  return docs->len / (t1 - t0);
}

/* The machine's load, printed with the figures (they are noisy under
 * load). */
static void
print_load (const gchar *when)
{
  g_autofree gchar *load = NULL;

  if (g_file_get_contents ("/proc/loadavg", &load, NULL, NULL))
    printf ("load average %s: %s", when, load);
}

static gdouble
cpu_now (void)
{
  struct rusage ru;

  getrusage (RUSAGE_SELF, &ru);
  return ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6
         + ru.ru_stime.tv_sec + ru.ru_stime.tv_usec / 1e6;
}

/* CPU seconds used so far by process @pid (mongosim), from /proc. */
static gdouble
proc_cpu (GPid pid)
{
  g_autofree gchar *path = g_strdup_printf ("/proc/%d/stat", (int) pid);
  g_autofree gchar *stat = NULL;
  g_auto(GStrv) f = NULL;
  const gchar *end;

  if (!g_file_get_contents (path, &stat, NULL, NULL) || (end = strrchr (stat, ')')) == NULL)
    return 0;
  f = g_strsplit (end + 2, " ", -1);
  if (g_strv_length (f) < 13)
    return 0;
  /* Fields 14 and 15 (utime, stime), counted from the state (field 3). */
  return (g_ascii_strtod (f[11], NULL) + g_ascii_strtod (f[12], NULL)) / sysconf (_SC_CLK_TCK);
}

/* The store's own limit: the same documents through the sync engine's
 * bulk apply path (pt_store_sync_apply_batch, pages of
 * PT_SYNC_CATCHUP_BATCH, one transaction each, indexes and counters
 * deferred to the end as in a first sync), in process, no network. */
static gdouble
store_apply_rate (GPtrArray *docs, const guint *counts, gdouble *cpu_rate, gdouble *restore_s,
                  gdouble *restore_cpu_s)
{
  static const gchar *colls[] = { "medicines", "batches", "stock_movements" };
  g_autofree gchar *dir = g_dir_make_tmp ("pt-bench-apply-XXXXXX", NULL);
  PtStoreInit init = { .tenant_id = TENANT, .tenant_name = TENANT, .enrolment = TRUE };
  g_autoptr(GError) error = NULL;
  PtStore *store = pt_store_create (dir, &init, &error);
  guint first = 0;
  gdouble t0, c0, t, t_restore, c_restore;

  if (store == NULL)
    g_error ("%s", error->message);
  pt_store_act_as_system (store);
  t0 = now_s ();
  c0 = cpu_now ();
  /* As the engine's first sync does: indexes and counters built at the
   * end. */
  {
    gboolean deferred = FALSE;

    if (!_pt_store_begin (store, &error)
        || !pt_store_sync_defer_derived (store, &deferred, &error)
        || !_pt_store_commit (store, &error))
      g_error ("defer: %s", error->message);
  }
  for (guint k = 0; k < 3; k++)
    {
      const PtCollection *c = pt_schema_lookup (colls[k]);

      for (guint i = first; i < first + counts[k]; i += PT_SYNC_CATCHUP_BATCH)
        {
          guint n = MIN (PT_SYNC_CATCHUP_BATCH, first + counts[k] - i);
          PtSyncApplyStats stats = { 0 };

          if (!_pt_store_begin (store, &error)
              || !pt_store_sync_apply_batch (store, c, (const bson_t * const *) docs->pdata + i, n,
                                             &stats, &error)
              || !pt_store_sync_note_stamps (store, &stats, &error)
              || !_pt_store_commit (store, &error))
            g_error ("apply: %s", error->message);
        }
      first += counts[k];
    }
  t_restore = now_s ();
  c_restore = cpu_now ();
  if (!_pt_store_begin (store, &error)
      || !pt_store_sync_restore_derived (store, &error)
      || !_pt_store_commit (store, &error))
    g_error ("restore: %s", error->message);
  *restore_s = now_s () - t_restore;
  *restore_cpu_s = cpu_now () - c_restore;
  t = now_s () - t0;
  *cpu_rate = docs->len / (cpu_now () - c0);
  g_object_unref (store);
  rmdir_r (dir);
  return docs->len / t;
}

/* Runs the CLI and returns its wall time; *rss_kb gets its peak RSS and
 * *cpu_s its CPU time.  Through GNU time: the ru_maxrss that wait4 gives
 * for a child spawned from this process counts this process's own RSS
 * (Linux keeps the high-water mark of the memory the child had before
 * exec, i.e. ours: posix_spawn shares it, fork copies it), and this
 * process holds the generated documents.  time(1) is small, so the
 * child's figure is its own. */
static gdouble
run_cli (const gchar *admin, const gchar *dir, const gchar *uri, glong *rss_kb, gdouble *cpu_s,
         gint *status)
{
  g_autofree gchar *tmp = NULL;
  g_autofree gchar *report = NULL;
  g_autofree gchar *out = NULL;
  int fd = g_file_open_tmp ("pt-bench-time-XXXXXX", &tmp, NULL);
  const gchar *argv[] = { "/usr/bin/time", "-f", "%M %U %S", "-o", NULL,
                          admin, "--data-dir", dir, "sync", "--once", "--uri", uri, NULL };
  pid_t pid;
  int st = 0;
  gdouble t0 = now_s (), user = 0, sys = 0;

  if (fd < 0)
    g_error ("cannot create a temporary file");
  close (fd);
  argv[4] = tmp;
  if (posix_spawn (&pid, argv[0], NULL, NULL, (char * const *) argv, environ) != 0)
    g_error ("cannot run %s (package time)", argv[0]);
  waitpid (pid, &st, 0);
  *status = WIFEXITED (st) ? WEXITSTATUS (st) : -1;
  if (!g_file_get_contents (tmp, &out, NULL, NULL))
    g_error ("no report from /usr/bin/time");
  g_unlink (tmp);
  /* "Command exited with non-zero status N" may come first. */
  report = g_strdup (strrchr (g_strchomp (out), '\n') ? strrchr (out, '\n') + 1 : out);
  if (sscanf (report, "%ld %lf %lf", rss_kb, &user, &sys) != 3)
    g_error ("cannot read /usr/bin/time's report: %s", out);
  *cpu_s = user + sys;
  return now_s () - t0;
}

typedef struct
{
  PtStore     *b;
  const gchar *id;
  gint64       price;
} Seen;

static gboolean
seen (gpointer data)
{
  Seen *s = data;
  g_autoptr(bson_t) doc = pt_store_get (s->b, "medicines", s->id, NULL);
  return doc != NULL && pt_bson_get_int (doc, "price", -1) == s->price;
}

static gboolean
timeout_cb (gpointer data)
{
  *(gboolean *) data = TRUE;
  return G_SOURCE_REMOVE;
}

static void
wait_for (gboolean (*cond) (gpointer), gpointer data, guint ms)
{
  gboolean timed_out = FALSE;
  guint id = g_timeout_add (ms, timeout_cb, &timed_out);

  while (!cond (data) && !timed_out)
    g_main_context_iteration (NULL, TRUE);
  if (!timed_out)
    g_source_remove (id);
  else
    g_printerr ("bench-sync: a change did not arrive within %u ms\n", ms);
}

int
main (int argc, char **argv)
{
  g_autoptr(GOptionContext) ctx = g_option_context_new ("— sync engine benchmarks");
  g_autoptr(GError) error = NULL;
  g_autoptr(MongosimFixture) sim = NULL;
  g_autoptr(GPtrArray) raw = g_ptr_array_new_with_free_func ((GDestroyNotify) bson_destroy);
  const gchar *admin = g_getenv ("PHARMATRACK_ADMIN");
  const gchar *uri;
  g_autofree gchar *dir = NULL, *dir2 = NULL;
  mongoc_client_t *client;
  guint n_med, n_batch, n_mov, total;
  gdouble raw_rate, apply_rate, apply_cpu_rate, restore_s, restore_cpu_s, t, rate, cpu, sim_cpu;
  glong rss;
  gint status;

  g_option_context_add_main_entries (ctx, entries, NULL);
  if (!g_option_context_parse (ctx, &argc, &argv, &error))
    {
      g_printerr ("%s\n", error->message);
      return 2;
    }
  if (admin == NULL)
    admin = PHARMATRACK_ADMIN_PATH;
  g_setenv ("PHARMATRACK_PBKDF2_ITERATIONS", "1000", TRUE);
  pt_sync_init_driver ();

  n_med = (guint) (100000 * opt_scale);
  n_batch = (guint) (100000 * opt_scale);
  n_mov = (guint) (300000 * opt_scale);
  total = n_med + n_batch + n_mov + 2;

  sim = mongosim_fixture_start (NULL, &error);
  if (sim == NULL)
    g_error ("mongosim: %s", error->message);
  uri = mongosim_fixture_get_uri (sim);
  client = mongoc_client_new (uri);
  printf ("bench-sync: mongosim at %s\n", uri);
  print_load ("at start");
  printf ("loading %u medicines, %u batches, %u stock movements into mongosim…\n", n_med, n_batch, n_mov);
  fflush (stdout);
  load_server (client, n_med, n_batch, n_mov, raw);
  raw_rate = raw_sqlite_rate (raw);
  {
    guint counts[] = { n_med, n_batch, n_mov };
    apply_rate = store_apply_rate (raw, counts, &apply_cpu_rate, &restore_s, &restore_cpu_s);
  }
  g_ptr_array_set_size (raw, 0);

  /* 1. Initial sync by the CLI of a fresh enrolment store. */
  dir = g_dir_make_tmp ("pt-bench-sync-XXXXXX", NULL);
  {
    PtStoreInit init = { .tenant_id = TENANT, .tenant_name = TENANT, .enrolment = TRUE };
    g_autoptr(PtStore) s = pt_store_create (dir, &init, &error);
    if (s == NULL)
      g_error ("%s", error->message);
  }
  sim_cpu = proc_cpu (mongosim_fixture_get_pid (sim));
  t = run_cli (admin, dir, uri, &rss, &cpu, &status);
  sim_cpu = proc_cpu (mongosim_fixture_get_pid (sim)) - sim_cpu;
  rate = total / t;
  printf ("\n| Figure | Value | Limit in the same run | Ratio |\n|---|---|---|---|\n");
  printf ("| Initial sync, %u documents (`sync --once`) | %.0f docs/s (%.1f s, exit %d) | raw SQLite insert, one transaction: %.0f docs/s | %.2f |\n",
          total, rate, t, status, raw_rate, rate / raw_rate);
  printf ("| Same documents through the store's bulk apply path, in process, no network | %.0f docs/s (%.0f docs per CPU-s) | raw SQLite: %.0f docs/s | %.2f |\n",
          apply_rate, apply_cpu_rate, raw_rate, apply_rate / raw_rate);
  printf ("| …of which the final transaction (secondary indexes, triggers, counters) | %.2f s (%.2f CPU-s), %.0f %% of the in-process time | — | — |\n",
          restore_s, restore_cpu_s, 100.0 * restore_s * apply_rate / (n_med + n_batch + n_mov));
  printf ("| Initial sync, CPU of the `sync --once` process / of mongosim | %.0f / %.0f docs per CPU-s (%.1f / %.1f CPU-s of %.1f s) | — | — |\n",
          total / cpu, total / sim_cpu, cpu, sim_cpu, t);
  printf ("| Peak RSS of `sync --once` during it | %.1f MB | goal ≤ 100 MB | %.2f |\n",
          rss / 1024.0, rss / 1024.0 / 100.0);
  fflush (stdout);

  /* 2. Push of N queued changes. */
  {
    g_autoptr(PtStore) s = pt_store_open (dir, &error);
    g_autoptr(PtSyncEngine) engine = NULL;
    g_autoptr(GPtrArray) meds = NULL;
    PtListOptions lo = { .limit = (guint) opt_pushes };
    gint64 queued;
    gdouble c;

    if (s == NULL)
      g_error ("%s", error->message);
    pt_store_act_as_system (s);
    meds = pt_store_list (s, "medicines", &lo, &error);
    _pt_store_begin (s, NULL);
    for (guint i = 0; i < meds->len; i++)
      {
        g_autofree gchar *id = pt_sync_doc_id_hex (g_ptr_array_index (meds, i));
        bson_t *f = BCON_NEW ("price", BCON_INT64 (7000 + i));
        if (!pt_store_update (s, "medicines", id, f, &error))
          g_error ("%s", error->message);
        bson_destroy (f);
      }
    _pt_store_commit (s, NULL);
    queued = _pt_store_outbox_length (s);
    g_clear_object (&s);
    engine = pt_sync_engine_new (dir, uri, NULL);
    t = now_s ();
    c = cpu_now ();
    sim_cpu = proc_cpu (mongosim_fixture_get_pid (sim));
    if (!pt_sync_engine_run_once (engine, NULL, NULL, NULL, &error))
      g_error ("push: %s", error->message);
    t = now_s () - t;
    c = cpu_now () - c;
    sim_cpu = proc_cpu (mongosim_fixture_get_pid (sim)) - sim_cpu;
    printf ("| Push of %" G_GINT64_FORMAT " queued changes (%u edits + their audit events), incl. the pull/verify round | %.0f docs/s (%.1f s) | goal ≥ 20,000 docs/s | %.2f |\n",
            queued, meds->len, queued / t, t, queued / t / 20000.0);
    printf ("| Push, CPU of the engine / of mongosim | %.0f / %.0f docs per CPU-s (%.1f / %.1f CPU-s of %.1f s) | — | — |\n",
            queued / c, queued / sim_cpu, c, sim_cpu, t);
    fflush (stdout);
  }

  /* 3. Propagation latency between two live counters. */
  {
    g_autoptr(PtStore) a = NULL, b = NULL;
    g_autoptr(PtSyncEngine) ea = NULL, eb = NULL;
    g_autoptr(GArray) lat = g_array_new (FALSE, FALSE, sizeof (gdouble));
    g_autoptr(GPtrArray) meds = NULL;
    PtListOptions lo = { .limit = 10 };
    g_autofree gchar *id = NULL;

    dir2 = g_dir_make_tmp ("pt-bench-sync-b-XXXXXX", NULL);
    {
      /* B: a copy of A's store (a second counter of the tenant). */
      g_autoptr(PtStore) s = pt_store_open (dir, &error);
      g_autofree gchar *copy = NULL;
      g_autoptr(GDir) d = NULL;
      const gchar *name;

      d = g_dir_open (dir, 0, NULL);
      while ((name = g_dir_read_name (d)) != NULL)
        if (g_str_has_suffix (name, ".db"))
          copy = g_build_filename (dir2, name, NULL);
      if (!pt_store_backup (s, copy, &error))
        g_error ("%s", error->message);
    }
    a = pt_store_open (dir, &error);
    b = pt_store_open (dir2, &error);
    if (a == NULL || b == NULL)
      g_error ("%s", error->message);
    pt_store_act_as_system (a);
    meds = pt_store_list (a, "medicines", &lo, NULL);
    id = pt_sync_doc_id_hex (g_ptr_array_index (meds, 0));
    ea = pt_sync_engine_new (dir, uri, NULL);
    eb = pt_sync_engine_new (dir2, uri, NULL);
    pt_sync_engine_set_store (ea, a);
    pt_sync_engine_set_store (eb, b);
    pt_sync_engine_start (ea, NULL);
    pt_sync_engine_start (eb, NULL);
    for (gint i = 0; i < opt_samples + 20; i++)
      {
        bson_t *f = BCON_NEW ("price", BCON_INT64 (100000 + i));
        Seen s = { b, id, 100000 + i };
        gdouble t0 = now_s ();

        if (!pt_store_update (a, "medicines", id, f, &error))
          g_error ("%s", error->message);
        bson_destroy (f);
        wait_for (seen, &s, 10000);
        if (i >= 20)  /* warm-up: both engines live */
          {
            gdouble ms = (now_s () - t0) * 1000;
            g_array_append_val (lat, ms);
          }
      }
    pt_sync_engine_stop (ea);
    pt_sync_engine_stop (eb);
    printf ("| Propagation A commit → B has it (%u samples) | p50 %.0f ms, p95 %.0f ms | goal p95 ≤ 300 ms | %.2f |\n",
            lat->len, percentile (lat, 0.5), percentile (lat, 0.95), percentile (lat, 0.95) / 300.0);
  }

  print_load ("at end");
  mongoc_client_destroy (client);
  rmdir_r (dir);
  if (dir2 != NULL)
    rmdir_r (dir2);
  return 0;
}
