/* pt-store-migrate.c: the migrations between file versions
 * (PRAGMA user_version), one transaction each. */
#define G_LOG_DOMAIN "pt-store"
#include "config.h"

#include <string.h>

#include "pt-store-impl.h"

/* ---- Migrations --------------------------------------------------------- */

/* Each step takes the file from version i to i + 1 inside one
 * transaction.  Append, never edit a released step. */
typedef gboolean (*PtMigration) (PtStore *self, GError **error);

static gboolean
migrate_0_to_1 (PtStore *self,
                GError **error)
{
  g_autofree gchar *sql = g_strdup_printf (
    "PRAGMA application_id = %d;"
    "CREATE TABLE meta (key TEXT PRIMARY KEY NOT NULL, value TEXT);"
    "CREATE TABLE settings (key TEXT PRIMARY KEY NOT NULL, value TEXT);"
    "CREATE TABLE outbox (seq INTEGER PRIMARY KEY AUTOINCREMENT, "
    "  collection TEXT NOT NULL, doc_id TEXT NOT NULL, "
    "  queued_at INTEGER NOT NULL, UNIQUE (collection, doc_id));"
    "CREATE TABLE doc_stats (collection TEXT PRIMARY KEY NOT NULL, "
    "  live INTEGER NOT NULL DEFAULT 0, total INTEGER NOT NULL DEFAULT 0, "
    "  bytes INTEGER NOT NULL DEFAULT 0);"
    "CREATE TABLE batch_stock (batch_id TEXT PRIMARY KEY NOT NULL, "
    "  medicine_id TEXT, pharmacy_id TEXT, quantity INTEGER NOT NULL DEFAULT 0);"
    "CREATE INDEX batch_stock_medicine ON batch_stock (medicine_id, pharmacy_id);"
    "CREATE TABLE medicine_stock (medicine_id TEXT NOT NULL, pharmacy_id TEXT, "
    "  quantity INTEGER NOT NULL DEFAULT 0, PRIMARY KEY (medicine_id, pharmacy_id));",
    PT_STORE_APPLICATION_ID);

  return _pt_store_exec (self, sql, error);
}

/* Rewrites one column of every row of every collection's table that
 * @where selects: @select reads (rowid, doc, stamps, version, base),
 * @rewrite gives the column's new value (NULL stores NULL) or sets *skip
 * to leave the row as it is.  Used by the migrations that change how a
 * column is stored; the tables a new file does not have yet are created in
 * the new form and skipped. */
typedef bson_t *(*PtColumnRewrite) (const bson_t *doc,
                                    const bson_t *stamps,   /* NULL when none */
                                    const gchar  *version,
                                    const bson_t *base,     /* NULL when none */
                                    gboolean     *skip);

static gboolean
rewrite_column (PtStore         *self,
                const gchar     *column,
                const gchar     *where,
                PtColumnRewrite  rewrite,
                const gchar     *what,
                GError         **error)
{
  const PtCollection * const *colls;
  guint n = 0;

  colls = pt_schema_collections (&n);
  for (guint i = 0; i < n; i++)
    {
      g_autofree gchar *select = NULL;
      g_autofree gchar *update = NULL;
      sqlite3_stmt *rows = NULL, *set = NULL;
      int rc;

      if (!_pt_store_table_exists (self, colls[i]->name))
        continue;               /* a new file: created in the new form */
      select = g_strdup_printf ("SELECT rowid, doc, stamps, version, base FROM \"%s\" "
                                "WHERE %s", colls[i]->name, where);
      update = g_strdup_printf ("UPDATE \"%s\" SET \"%s\" = ?2 WHERE rowid = ?1",
                                colls[i]->name, column);
      rc = sqlite3_prepare_v2 (self->db, select, -1, &rows, NULL);
      if (rc == SQLITE_OK)
        rc = sqlite3_prepare_v2 (self->db, update, -1, &set, NULL);
      while (rc == SQLITE_OK && (rc = sqlite3_step (rows)) == SQLITE_ROW)
        {
          g_autoptr(bson_t) value = NULL;
          const gchar *version = (const gchar *) sqlite3_column_text (rows, 3);
          bson_t doc, stamps, base;
          gboolean has_stamps, has_base, skip = FALSE;

          rc = SQLITE_OK;
          if (!bson_init_static (&doc, sqlite3_column_blob (rows, 1),
                                 (size_t) sqlite3_column_bytes (rows, 1)))
            bson_init (&doc);
          has_stamps = sqlite3_column_type (rows, 2) != SQLITE_NULL
                       && bson_init_static (&stamps, sqlite3_column_blob (rows, 2),
                                            (size_t) sqlite3_column_bytes (rows, 2));
          has_base = sqlite3_column_type (rows, 4) != SQLITE_NULL
                     && bson_init_static (&base, sqlite3_column_blob (rows, 4),
                                          (size_t) sqlite3_column_bytes (rows, 4));
          value = rewrite (&doc, has_stamps ? &stamps : NULL, version,
                           has_base ? &base : NULL, &skip);
          if (skip)
            continue;           /* unreadable: left as it is */
          sqlite3_bind_int64 (set, 1, sqlite3_column_int64 (rows, 0));
          if (value != NULL)
            sqlite3_bind_blob (set, 2, bson_get_data (value), (int) value->len,
                               SQLITE_TRANSIENT);
          else
            sqlite3_bind_null (set, 2);
          rc = sqlite3_step (set);
          sqlite3_reset (set);
          sqlite3_clear_bindings (set);
          rc = rc == SQLITE_DONE ? SQLITE_OK : rc;
        }
      sqlite3_finalize (rows);
      sqlite3_finalize (set);
      if (rc != SQLITE_DONE && rc != SQLITE_OK)
        return _pt_store_set_sqlite_error (self, rc, what, error);
    }
  return TRUE;
}

static bson_t *
compact_stamps_cb (const bson_t *doc,
                   const bson_t *stamps,
                   const gchar  *version,
                   const bson_t *base,
                   gboolean     *skip)
{
  if (stamps == NULL)
    {
      *skip = TRUE;
      return NULL;
    }
  return _pt_stamps_compact (stamps, doc, version);
}

/* Version 2: the stamps column keeps only the stamps a default does not
 * imply (_pt_stamps_compact); rows without stamps store NULL.  Version 1
 * kept the full { field: stamp } map, about 900 bytes per medicine. */
static gboolean
migrate_1_to_2 (PtStore *self,
                GError **error)
{
  return rewrite_column (self, "stamps", "stamps IS NOT NULL", compact_stamps_cb,
                         "compact stamps", error);
}

static bson_t *
compact_base_cb (const bson_t *doc,
                 const bson_t *stored_stamps,
                 const gchar  *version,
                 const bson_t *base,
                 gboolean     *skip)
{
  g_autoptr(bson_t) stamps = NULL;

  if (base == NULL)
    {
      *skip = TRUE;
      return NULL;
    }
  stamps = _pt_stamps_expand (stored_stamps, doc, version);
  return _pt_base_compact (base, doc, stamps, version);
}

/* Version 3: the base column keeps the server copy as a difference from
 * the row (_pt_base_compact); version 2 kept it whole, as large as the
 * document and its full stamp map together. */
static gboolean
migrate_2_to_3 (PtStore *self,
                GError **error)
{
  return rewrite_column (self, "base", "base IS NOT NULL", compact_base_cb,
                         "compact bases", error);
}

/* Version 4: the outbox's length and oldest entry without a scan (status
 * is shown in the window's header every 30 s; a scan of a long offline
 * outbox took about a second): a count kept by triggers, and an index on
 * queued_at so min() is one seek. */
static gboolean
migrate_3_to_4 (PtStore *self,
                GError **error)
{
  return _pt_store_exec (self,
                         "CREATE TABLE IF NOT EXISTS outbox_count (n INTEGER NOT NULL);"
                         "DELETE FROM outbox_count;"
                         "INSERT INTO outbox_count (n) SELECT count(*) FROM outbox;"
                         "CREATE INDEX IF NOT EXISTS outbox_queued_at ON outbox (queued_at);"
                         "CREATE TRIGGER IF NOT EXISTS pt_outbox_ai AFTER INSERT ON outbox BEGIN "
                         "UPDATE outbox_count SET n = n + 1; END;"
                         "CREATE TRIGGER IF NOT EXISTS pt_outbox_ad AFTER DELETE ON outbox BEGIN "
                         "UPDATE outbox_count SET n = n - 1; END;",
                         error);
}

/* Version 5: fewer pages per counter commit.  A dispense queued three
 * outbox entries through six b-trees: the table, two leaves of its
 * UNIQUE (collection, doc_id) (a new movement and a new audit event sort
 * under different collections), the queued_at index, sqlite_sequence
 * (AUTOINCREMENT) and outbox_count.  Now: UNIQUE (doc_id, collection)
 * (the two new ids are adjacent ObjectIds: one leaf), no AUTOINCREMENT
 * and no count table — the doc_stats row 'outbox', on the page every
 * mutation writes anyway, keeps the entry count (live) and the last seq
 * handed out (total; a new entry gets total + 1, so seq never goes back
 * even when the newest entries were pushed and deleted).  The oldest
 * entry is the first by seq: no queued_at index. */
static gboolean
migrate_4_to_5 (PtStore *self,
                GError **error)
{
  return _pt_store_exec (self,
                         "CREATE TABLE outbox_v5 (seq INTEGER PRIMARY KEY, "
                         "  collection TEXT NOT NULL, doc_id TEXT NOT NULL, "
                         "  queued_at INTEGER NOT NULL, UNIQUE (doc_id, collection));"
                         "INSERT INTO outbox_v5 (seq, collection, doc_id, queued_at) "
                         "  SELECT seq, collection, doc_id, queued_at FROM outbox ORDER BY seq;"
                         "INSERT OR IGNORE INTO doc_stats (collection) VALUES ('" PT_STORE_OUTBOX_STATS "');"
                         "UPDATE doc_stats SET live = (SELECT count(*) FROM outbox_v5), bytes = 0, "
                         "  total = max(coalesce((SELECT max(seq) FROM outbox_v5), 0), "
                         "              coalesce((SELECT seq FROM sqlite_sequence "
                         "                        WHERE name = 'outbox'), 0)) "
                         "  WHERE collection = '" PT_STORE_OUTBOX_STATS "';"
                         "DROP TABLE outbox;"
                         "DROP TABLE IF EXISTS outbox_count;"
                         "ALTER TABLE outbox_v5 RENAME TO outbox;"
                         "CREATE TRIGGER pt_outbox_ai AFTER INSERT ON outbox BEGIN "
                         "  UPDATE doc_stats SET live = live + 1, total = max(total, NEW.seq) "
                         "  WHERE collection = '" PT_STORE_OUTBOX_STATS "'; END;"
                         "CREATE TRIGGER pt_outbox_ad AFTER DELETE ON outbox BEGIN "
                         "  UPDATE doc_stats SET live = live - 1 "
                         "  WHERE collection = '" PT_STORE_OUTBOX_STATS "'; END;",
                         error);
}

/* Version 6: the clock's high-water mark moves from meta 'hlc' (a page
 * of its own, written by every commit) to the doc_stats row 'hlc' (total
 * = the stamp's 64-bit value), on the page every mutation writes anyway:
 * one page less per dispense. */
static gboolean
migrate_5_to_6 (PtStore *self,
                GError **error)
{
  g_autofree gchar *stamp = _pt_store_meta_get (self, "hlc");
  g_autofree gchar *sql = NULL;
  gint64 value = 0;

  if (stamp != NULL && pt_hlc_stamp_is_valid (stamp))
    {
      gchar hex[17];

      memcpy (hex, stamp, 16);
      hex[16] = '\0';
      value = (gint64) g_ascii_strtoull (hex, NULL, 16);
    }
  sql = g_strdup_printf ("INSERT OR IGNORE INTO doc_stats (collection) VALUES ('"
                         PT_STORE_HLC_STATS "');"
                         "UPDATE doc_stats SET total = max(total, %" G_GINT64_FORMAT "), "
                         "  live = 0, bytes = 0 WHERE collection = '" PT_STORE_HLC_STATS "';"
                         "DELETE FROM meta WHERE key = 'hlc';", value);
  return _pt_store_exec (self, sql, error);
}

/* Version 7: medicine_stock keeps each medicine's nearest expiry at a
 * branch (PT_STORE_NEAREST_EXPIRY), indexed with the branch, so that the
 * medicines list sorted by nearest expiry walks an index instead of
 * reading every batch of the catalogue.  Filled here for an existing
 * store; kept by the stock triggers from then on. */
static gboolean
migrate_6_to_7 (PtStore *self,
                GError **error)
{
  /* Idempotent, as every step here (a test marks a current file older). */
  if (!_pt_store_table_has_column (self, "medicine_stock", "nearest_expiry")
      && !_pt_store_exec (self, "ALTER TABLE medicine_stock ADD COLUMN nearest_expiry INTEGER",
                          error))
    return FALSE;
  if (!_pt_store_exec (self,
                       "CREATE INDEX IF NOT EXISTS medicine_stock_expiry "
                       "  ON medicine_stock (pharmacy_id, nearest_expiry, medicine_id);",
                       error))
    return FALSE;
  /* A new file has no batches table yet (nor any stock). */
  if (!_pt_store_table_exists (self, "batches"))
    return TRUE;
  return _pt_store_exec (self, PT_STORE_FILL_NEAREST_EXPIRY, error);
}

static const PtMigration migrations[] = {
  migrate_0_to_1,
  migrate_1_to_2,
  migrate_2_to_3,
  migrate_3_to_4,
  migrate_4_to_5,
  migrate_5_to_6,
  migrate_6_to_7,
};

G_STATIC_ASSERT (G_N_ELEMENTS (migrations) == PT_STORE_SCHEMA_VERSION);

gboolean
_pt_store_migrate (PtStore *self,
                   GError **error)
{
  gint version = (gint) _pt_store_query_int (self, "PRAGMA user_version", NULL, -1);

  if (version < 0)
    return _pt_store_set_sqlite_error (self, sqlite3_errcode (self->db),
                                       "user_version", error);
  for (gint v = version; v < PT_STORE_SCHEMA_VERSION; v++)
    {
      g_autofree gchar *set_version = g_strdup_printf ("PRAGMA user_version = %d", v + 1);

      g_debug ("migrating %s from version %d to %d", self->path, v, v + 1);
      if (!_pt_store_begin (self, error))
        return FALSE;
      if (!migrations[v] (self, error) || !_pt_store_exec (self, set_version, error))
        {
          _pt_store_rollback (self);
          return FALSE;
        }
      if (!_pt_store_commit (self, error))
        return FALSE;
    }
  return TRUE;
}
