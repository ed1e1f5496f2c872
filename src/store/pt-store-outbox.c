/* pt-store-outbox.c: the outbox of dirty documents and the meta table. */
#define G_LOG_DOMAIN "pt-store"
#include "config.h"

#include <inttypes.h>
#include <string.h>

#include "pt-store-impl.h"

/* ---- Outbox ------------------------------------------------------------- */

void
_pt_outbox_entry_free (PtOutboxEntry *entry)
{
  if (entry == NULL)
    return;
  g_free (entry->collection);
  g_free (entry->doc_id);
  g_free (entry);
}

GPtrArray *
_pt_store_outbox_list (PtStore  *self,
                       gint64    after_seq,
                       guint     limit,
                       GError  **error)
{
  sqlite3_stmt *stmt;
  GPtrArray *out;
  int rc;

  stmt = _pt_store_prepare (self, "SELECT seq, collection, doc_id, queued_at FROM outbox "
                                  "WHERE seq > ?1 ORDER BY seq LIMIT ?2", error);
  if (stmt == NULL)
    return NULL;
  sqlite3_bind_int64 (stmt, 1, after_seq);
  sqlite3_bind_int64 (stmt, 2, limit > 0 ? (gint64) limit : -1);
  out = g_ptr_array_new_with_free_func ((GDestroyNotify) _pt_outbox_entry_free);
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      PtOutboxEntry *e = g_new0 (PtOutboxEntry, 1);
      e->seq = sqlite3_column_int64 (stmt, 0);
      e->collection = g_strdup ((const gchar *) sqlite3_column_text (stmt, 1));
      e->doc_id = g_strdup ((const gchar *) sqlite3_column_text (stmt, 2));
      e->queued_at = sqlite3_column_int64 (stmt, 3);
      g_ptr_array_add (out, e);
    }
  sqlite3_reset (stmt);
  if (rc != SQLITE_DONE)
    {
      g_ptr_array_unref (out);
      _pt_store_set_sqlite_error (self, rc, "outbox list", error);
      return NULL;
    }
  return out;
}

gboolean
_pt_store_outbox_add (PtStore      *self,
                      const gchar  *collection,
                      const gchar  *doc_id,
                      GError      **error)
{
  sqlite3_stmt *stmt;
  int rc;

  /* seq: one past the last handed out (schema 5), so it never goes back
   * after the newest entries were pushed; NULL (SQLite picks) only if the
   * row is missing, which no store has. */
  stmt = _pt_store_prepare (self, "INSERT OR IGNORE INTO outbox (seq, collection, doc_id, queued_at) "
                                  "VALUES ((SELECT total + 1 FROM doc_stats WHERE collection = '"
                                  PT_STORE_OUTBOX_STATS "'), ?1, ?2, ?3)", error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_text (stmt, 1, collection, -1, SQLITE_TRANSIENT);
  sqlite3_bind_text (stmt, 2, doc_id, -1, SQLITE_TRANSIENT);
  sqlite3_bind_int64 (stmt, 3, pt_hlc_wall_ms ());
  rc = sqlite3_step (stmt);
  sqlite3_reset (stmt);
  return _pt_store_check_sqlite (self, rc, "outbox add", error);
}

gboolean
_pt_store_outbox_remove (PtStore      *self,
                         const gchar  *collection,
                         const gchar  *doc_id,
                         const gchar  *pushed_version,
                         gboolean     *removed,
                         GError      **error)
{
  g_autofree gchar *sql = NULL;
  sqlite3_stmt *stmt;
  int rc;

  if (removed != NULL)
    *removed = FALSE;
  if (pushed_version == NULL)
    sql = g_strdup ("DELETE FROM outbox WHERE collection = ?1 AND doc_id = ?2");
  else
    {
      if (pt_schema_lookup (collection) == NULL)
        {
          g_set_error (error, PT_ERROR, PT_ERROR_INVALID,
                       _("Unknown collection “%s”."), collection);
          return FALSE;
        }
      sql = g_strdup_printf ("DELETE FROM outbox WHERE collection = ?1 AND doc_id = ?2 "
                             "AND ?3 IS (SELECT version FROM \"%s\" WHERE id = ?2)",
                             collection);
    }
  stmt = _pt_store_prepare (self, sql, error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_text (stmt, 1, collection, -1, SQLITE_TRANSIENT);
  sqlite3_bind_text (stmt, 2, doc_id, -1, SQLITE_TRANSIENT);
  if (pushed_version != NULL)
    sqlite3_bind_text (stmt, 3, pushed_version, -1, SQLITE_TRANSIENT);
  rc = sqlite3_step (stmt);
  sqlite3_reset (stmt);
  if (rc != SQLITE_DONE)
    return _pt_store_set_sqlite_error (self, rc, "outbox remove", error);
  if (removed != NULL)
    *removed = sqlite3_changes (self->db) > 0;
  return TRUE;
}

gint64
_pt_store_outbox_length (PtStore *self)
{
  /* Kept by triggers (schema 5): no scan of a long outbox. */
  return _pt_store_query_int (self, "SELECT live FROM doc_stats WHERE collection = '"
                                    PT_STORE_OUTBOX_STATS "'", NULL, 0);
}

gint64
_pt_store_outbox_recount (PtStore  *self,
                          GError  **error)
{
  gint64 kept, entries;

  if (!_pt_store_begin (self, error))
    return -1;
  kept = _pt_store_outbox_length (self);
  entries = _pt_store_query_int (self, "SELECT count(*) FROM outbox", NULL, 0);
  if (kept != entries)
    {
      g_autofree gchar *sql = g_strdup_printf ("UPDATE doc_stats SET live = %" PRId64
                                               " WHERE collection = '" PT_STORE_OUTBOX_STATS "'",
                                               entries);

      g_debug ("outbox length was kept as %" PRId64 " with %" PRId64 " entries queued: corrected",
                 kept, entries);
      if (!_pt_store_exec (self, sql, error))
        {
          _pt_store_rollback (self);
          return -1;
        }
    }
  if (!_pt_store_commit (self, error))
    return -1;
  return entries;
}

gint64
_pt_store_outbox_oldest_ms (PtStore *self)
{
  /* Entries are numbered in the order they were queued: the first by seq
   * is the oldest (one seek; there is no queued_at index since schema 5). */
  return _pt_store_query_int (self, "SELECT queued_at FROM outbox ORDER BY seq LIMIT 1",
                              NULL, 0);
}

/* ---- Meta --------------------------------------------------------------- */

gchar *
_pt_store_meta_get (PtStore      *self,
                    const gchar  *key)
{
  return _pt_store_kv_get (self, "meta", key);
}

gboolean
_pt_store_meta_set (PtStore      *self,
                    const gchar  *key,
                    const gchar  *value,
                    GError      **error)
{
  return _pt_store_kv_set (self, "meta", key, value, error);
}

/* The 64-bit value of a valid stamp (its first 16 hex digits). */
static gint64
stamp_value (const gchar *stamp)
{
  gchar hex[17];

  memcpy (hex, stamp, 16);
  hex[16] = '\0';
  return (gint64) g_ascii_strtoull (hex, NULL, 16);
}

static gboolean
write_stamp (PtStore      *self,
             const gchar  *stamp,
             GError      **error)
{
  sqlite3_stmt *stmt;
  int rc;

  stmt = _pt_store_prepare (self, "INSERT INTO doc_stats (collection, total) VALUES ('"
                                  PT_STORE_HLC_STATS "', ?1) "
                                  "ON CONFLICT (collection) DO UPDATE "
                                  "SET total = max(total, excluded.total)",
                            error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, stamp_value (stamp));
  rc = sqlite3_step (stmt);
  sqlite3_reset (stmt);
  return _pt_store_check_sqlite (self, rc, "note stamp", error);
}

gchar *
_pt_store_noted_stamp (PtStore *self)
{
  gint64 value = _pt_store_query_int (self, "SELECT total FROM doc_stats WHERE collection = '"
                                            PT_STORE_HLC_STATS "'", NULL, 0);

  if (value <= 0 || self->device_id == NULL)
    return NULL;
  return g_strdup_printf ("%016" G_GINT64_MODIFIER "x-%s", value, self->device_id);
}

gboolean
_pt_store_note_stamp (PtStore      *self,
                      const gchar  *stamp,
                      GError      **error)
{
  if (stamp == NULL || !pt_hlc_stamp_is_valid (stamp))
    return TRUE;
  if (self->tx_depth > 0)
    {
      /* Noted once, at the outermost commit (_pt_store_flush_stamp), with
       * the latest stamp of the transaction: a dispense stamps three
       * documents.  A stamp of a level that was rolled back may be
       * noted too: the clock then restarts a little further on, never
       * behind. */
      if (strcmp (stamp, self->bulk_stamp) > 0)
        g_strlcpy (self->bulk_stamp, stamp, sizeof self->bulk_stamp);
      return TRUE;
    }
  return write_stamp (self, stamp, error);
}

gboolean
_pt_store_flush_stamp (PtStore  *self,
                       GError  **error)
{
  gchar stamp[sizeof self->bulk_stamp];

  if (self->bulk_stamp[0] == '\0')
    return TRUE;
  memcpy (stamp, self->bulk_stamp, sizeof stamp);
  self->bulk_stamp[0] = '\0';
  return write_stamp (self, stamp, error);
}
