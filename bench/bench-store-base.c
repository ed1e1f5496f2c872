/* bench-store-base: what the base column (the server copy kept per synced
 * row, DESIGN §3) costs on disk once every row has been pushed, stored
 * whole (schema 2) and stored as a difference from the row (schema 3,
 * reached by the migration).  Modifies DIR: run it on a copy.
 *
 *   bench-store-base DIR      (e.g. a store made by bench-demo 100000)
 *
 * 1. Every row gets as its base the server copy the push writes
 *    (pt_sync_bson_to_remote, + _sync.v for insert-only rows), stored
 *    whole, the outbox emptied, the file marked version 2; VACUUM; size.
 * 2. Opened again: the migration to version 3 compacts the bases (timed);
 *    every base read back is compared byte for byte; VACUUM; size.
 * Prints figures; asserts nothing but the read-back. */
#define G_LOG_DOMAIN "pt-bench"
#include "config.h"

#include <stdio.h>
#include <string.h>
#include <glib/gstdio.h>

#include "pt-store.h"
#include "pt-store-private.h"
#include "pt-store-sync.h"
#include "pt-sync-bson.h"
#include "pt-bench-util.h"

static const gchar * const collections[] = {
  "tenants", "pharmacies", "users", "medicines", "batches", "stock_movements",
  "patients", "prescriptions", "audit_events",
};

/* One push time for every row, so a copy can be made again to compare. */
static gint64 pushed_at;

static gint64
query_int (sqlite3     *db,
           const gchar *sql)
{
  sqlite3_stmt *stmt = NULL;
  gint64 v = -1;

  if (sqlite3_prepare_v2 (db, sql, -1, &stmt, NULL) == SQLITE_OK && sqlite3_step (stmt) == SQLITE_ROW)
    v = sqlite3_column_int64 (stmt, 0);
  sqlite3_finalize (stmt);
  return v;
}

static gint64
base_bytes (sqlite3 *db)
{
  gint64 n = 0;

  for (guint c = 0; c < G_N_ELEMENTS (collections); c++)
    {
      g_autofree gchar *sql = g_strdup_printf ("SELECT coalesce(sum(length(base)), 0) FROM \"%s\"",
                                               collections[c]);
      n += query_int (db, sql);
    }
  return n;
}

static gint64
vacuumed_size (PtStore *store)
{
  sqlite3 *db = _pt_store_get_db (store);

  if (sqlite3_exec (db, "VACUUM", NULL, NULL, NULL) != SQLITE_OK)
    g_error ("VACUUM: %s", sqlite3_errmsg (db));
  return query_int (db, "SELECT page_count * page_size FROM pragma_page_count, pragma_page_size");
}

static bson_t *
pushed_base (const PtCollection *coll,
             const PtRawRow     *row)
{
  bson_t *base = pt_sync_bson_to_remote (coll, row->doc, row->stamps, row->version,
                                         coll->kind == PT_COLLECTION_MUTABLE ? pushed_at : 0);

  if (coll->kind != PT_COLLECTION_MUTABLE && row->version != NULL)
    {
      bson_t sync;

      BSON_APPEND_DOCUMENT_BEGIN (base, "_sync", &sync);
      BSON_APPEND_UTF8 (&sync, "v", row->version);
      bson_append_document_end (base, &sync);
    }
  return base;
}

int
main (int argc, char **argv)
{
  g_autoptr(PtStore) store = NULL;
  g_autoptr(GError) error = NULL;
  gint64 rows = 0, whole_bytes, whole_size, compact_bytes, compact_size, mismatched = 0;
  gdouble t0, migrate_s;
  sqlite3 *db;

  pushed_at = pt_time_now ();
  if (argc != 2)
    {
      g_printerr ("usage: bench-store-base DIR   (modifies the store: use a copy)\n");
      return 2;
    }
  store = pt_store_open (argv[1], &error);
  if (store == NULL)
    {
      g_printerr ("bench-store-base: %s\n", error->message);
      return 1;
    }
  if (pt_store_get_schema_version (store) != PT_STORE_SCHEMA_VERSION)
    g_error ("the store did not open at version %d", PT_STORE_SCHEMA_VERSION);
  db = _pt_store_get_db (store);
  fprintf (stderr, "size as given, vacuumed: %.1f MB\n", vacuumed_size (store) / 1e6);

  /* 1. Everything pushed, bases whole (what version 2 stored). */
  if (!_pt_store_begin (store, &error))
    g_error ("%s", error->message);
  for (guint c = 0; c < G_N_ELEMENTS (collections); c++)
    {
      const PtCollection *coll = pt_schema_lookup (collections[c]);
      g_autofree gchar *sql = g_strdup_printf ("SELECT id FROM \"%s\"", collections[c]);
      g_autofree gchar *raw = g_strdup_printf ("UPDATE \"%s\" SET base = ?2 WHERE id = ?1",
                                               collections[c]);
      g_autoptr(GPtrArray) ids = g_ptr_array_new_with_free_func (g_free);
      sqlite3_stmt *stmt = NULL;

      sqlite3_prepare_v2 (db, sql, -1, &stmt, NULL);
      while (sqlite3_step (stmt) == SQLITE_ROW)
        g_ptr_array_add (ids, g_strdup ((const gchar *) sqlite3_column_text (stmt, 0)));
      sqlite3_finalize (stmt);
      sqlite3_prepare_v2 (db, raw, -1, &stmt, NULL);
      for (guint i = 0; i < ids->len; i++)
        {
          g_autoptr(PtRawRow) row = _pt_store_read_row (store, coll, ids->pdata[i], &error);
          g_autoptr(bson_t) base = NULL;

          if (row == NULL)
            g_error ("%s", error->message);
          base = pushed_base (coll, row);
          sqlite3_bind_text (stmt, 1, ids->pdata[i], -1, SQLITE_STATIC);
          sqlite3_bind_blob (stmt, 2, bson_get_data (base), (int) base->len, SQLITE_STATIC);
          if (sqlite3_step (stmt) != SQLITE_DONE)
            g_error ("%s", sqlite3_errmsg (db));
          sqlite3_reset (stmt);
          rows++;
        }
      sqlite3_finalize (stmt);
      fprintf (stderr, "  %s: %u rows pushed\n", collections[c], ids->len);
    }
  if (!_pt_store_exec (store, "DELETE FROM outbox; PRAGMA user_version = 2", &error)
      || !_pt_store_commit (store, &error))
    g_error ("%s", error->message);
  whole_bytes = base_bytes (db);
  whole_size = vacuumed_size (store);
  g_clear_object (&store);

  /* 2. The migration to version 3. */
  t0 = pt_bench_now_ms ();
  store = pt_store_open (argv[1], &error);
  migrate_s = (pt_bench_now_ms () - t0) / 1000;
  if (store == NULL)
    g_error ("%s", error->message);
  db = _pt_store_get_db (store);
  compact_bytes = base_bytes (db);
  for (guint c = 0; c < G_N_ELEMENTS (collections); c++)
    {
      const PtCollection *coll = pt_schema_lookup (collections[c]);
      g_autofree gchar *sql = g_strdup_printf ("SELECT id FROM \"%s\"", collections[c]);
      sqlite3_stmt *stmt = NULL;

      sqlite3_prepare_v2 (db, sql, -1, &stmt, NULL);
      while (sqlite3_step (stmt) == SQLITE_ROW)
        {
          g_autoptr(PtRawRow) row = _pt_store_read_row (store, coll,
                                                        (const gchar *) sqlite3_column_text (stmt, 0),
                                                        &error);
          g_autoptr(bson_t) expect = NULL;

          if (row == NULL)
            g_error ("%s", error->message);
          expect = pushed_base (coll, row);
          if (row->base == NULL || row->base->len != expect->len
              || memcmp (bson_get_data (row->base), bson_get_data (expect), expect->len) != 0)
            mismatched++;
        }
      sqlite3_finalize (stmt);
    }
  compact_size = vacuumed_size (store);

  printf ("bench-store-base: %" G_GINT64_FORMAT " rows, every one pushed\n\n", rows);
  printf ("| base stored as                    | base bytes | file (vacuumed) |\n");
  printf ("|-----------------------------------|-----------:|----------------:|\n");
  printf ("| whole server copy (schema 2)      | %7.1f MB | %12.1f MB |\n", whole_bytes / 1e6, whole_size / 1e6);
  printf ("| difference from the row (schema 3)| %7.1f MB | %12.1f MB |\n", compact_bytes / 1e6, compact_size / 1e6);
  printf ("\nmigration 2 -> 3: %.1f s; %" G_GINT64_FORMAT " bases read back differ from "
          "the push's copy\n", migrate_s, mismatched);
  {
    g_autofree gchar *load = pt_bench_uptime ();
    printf ("%s\n", load);
  }
  return mismatched == 0 ? 0 : 1;
}
