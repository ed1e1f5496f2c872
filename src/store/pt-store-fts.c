/* pt-store-fts.c: the search index of a collection's rows (FTS5): the
 * text indexed per field, entries written with the row or held back until
 * the commit of a bulk load, rebuilds and merges. */
#define G_LOG_DOMAIN "pt-store"
#include "config.h"

#include <string.h>

#include "pt-store-impl.h"

/* The text indexed for a searchable field: its value and, when it holds
 * digits among other characters (phones, codes), the digits alone and,
 * for longer numbers, every tail of them, so a prefix search finds any
 * part: "+44 20 7946 0958" is found by "7946 0958", "2079…" and "4420…". */
static void
append_search_text (GString     *out,
                    const gchar *s,
                    gsize        len)
{
  g_autoptr(GString) digits = g_string_new (NULL);

  g_string_append_len (out, s, len);
  for (gsize i = 0; i < len; i++)
    if (g_ascii_isdigit (s[i]))
      g_string_append_c (digits, s[i]);
  if (digits->len < 3 || digits->len == len)
    return;
  g_string_append_c (out, ' ');
  g_string_append_len (out, digits->str, digits->len);
  if (digits->len >= 7)
    for (gsize i = 1; i + 4 <= digits->len; i++)
      {
        g_string_append_c (out, ' ');
        g_string_append_len (out, digits->str + i, digits->len - i);
      }
}

gchar *
_pt_search_text_for_field (const bson_t  *doc,
                           const PtField *field)
{
  GString *out = g_string_new (NULL);
  bson_iter_t iter, child;

  if (!bson_iter_init_find (&iter, doc, field->name))
    return g_string_free (out, FALSE);
  if (BSON_ITER_HOLDS_UTF8 (&iter))
    {
      uint32_t len = 0;
      const gchar *s = bson_iter_utf8 (&iter, &len);
      append_search_text (out, s, len);
    }
  else if (BSON_ITER_HOLDS_ARRAY (&iter) && bson_iter_recurse (&iter, &child))
    {
      while (bson_iter_next (&child))
        if (BSON_ITER_HOLDS_UTF8 (&child))
          {
            uint32_t len = 0;
            const gchar *s = bson_iter_utf8 (&child, &len);
            if (out->len > 0)
              g_string_append_c (out, ' ');
            append_search_text (out, s, len);
          }
    }
  return g_string_free (out, FALSE);
}

/* The search texts of @doc's searchable fields (NULL when none). */
GPtrArray *
_pt_store_search_texts (GPtrArray    *fts,
                        const bson_t *doc)
{
  GPtrArray *texts = g_ptr_array_new_with_free_func (g_free);

  for (guint i = 0; i < fts->len; i++)
    g_ptr_array_add (texts, _pt_search_text_for_field (doc, fts->pdata[i]));
  return texts;
}

gboolean
_pt_store_same_search_texts (GPtrArray *a,
                             GPtrArray *b)
{
  for (guint i = 0; i < a->len; i++)
    if (g_strcmp0 (a->pdata[i], b->pdata[i]) != 0)
      return FALSE;
  return TRUE;
}

static gboolean
insert_search_entry (PtStore                *self,
                     const PtCollectionInfo *info,
                     gint64                  rowid,
                     GPtrArray              *texts,
                     GError                **error)
{
  sqlite3_stmt *stmt;
  int rc;

  stmt = _pt_store_prepare (self, info->fts_insert_sql, error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, rowid);
  for (guint i = 0; i < texts->len; i++)
    sqlite3_bind_text (stmt, (int) i + 2, texts->pdata[i], -1, SQLITE_TRANSIENT);
  rc = sqlite3_step (stmt);
  sqlite3_reset (stmt);
  sqlite3_clear_bindings (stmt);
  if (rc != SQLITE_DONE)
    return _pt_store_set_sqlite_error (self, rc, "search index", error);
  return TRUE;
}

static gint
cmp_rowid (gconstpointer a,
           gconstpointer b)
{
  gint64 x = *(const gint64 *) a, y = *(const gint64 *) b;
  return x < y ? -1 : x > y;
}

/* Writes the search entries held back during a bulk load, in rowid order,
 * one statement after the other: FTS5 then fills one segment instead of
 * flushing at every statement savepoint. */
gboolean
_pt_store_flush_search (PtStore  *self,
                        GError  **error)
{
  GHashTableIter it;
  gpointer key, value;

  if (self->fts_pending == NULL || g_hash_table_size (self->fts_pending) == 0)
    return TRUE;
  g_hash_table_iter_init (&it, self->fts_pending);
  while (g_hash_table_iter_next (&it, &key, &value))
    {
      const PtCollectionInfo *info = key;
      GHashTable *rows = value;
      g_autoptr(GArray) rowids = g_array_sized_new (FALSE, FALSE, sizeof (gint64),
                                                    g_hash_table_size (rows));
      GHashTableIter rit;
      gpointer rk;

      g_hash_table_iter_init (&rit, rows);
      while (g_hash_table_iter_next (&rit, &rk, NULL))
        g_array_append_val (rowids, *(gint64 *) rk);
      g_array_sort (rowids, cmp_rowid);
      for (guint i = 0; i < rowids->len; i++)
        {
          gint64 rowid = g_array_index (rowids, gint64, i);
          if (!insert_search_entry (self, info, rowid, g_hash_table_lookup (rows, &rowid), error))
            return FALSE;
        }
    }
  g_hash_table_remove_all (self->fts_pending);
  return TRUE;
}

void
_pt_store_drop_pending_search (PtStore *self)
{
  if (self->fts_pending != NULL)
    g_hash_table_remove_all (self->fts_pending);
}

/* In bulk mode new entries wait in memory until the commit
 * (_pt_store_flush_search); an entry still waiting is replaced there. */
static gboolean
defer_search_entry (PtStore                *self,
                    const PtCollectionInfo *info,
                    gint64                  rowid,
                    GPtrArray              *texts)
{
  GHashTable *rows;
  gboolean was_pending;

  if (self->fts_pending == NULL)
    self->fts_pending = g_hash_table_new_full (g_direct_hash, g_direct_equal, NULL,
                                               (GDestroyNotify) g_hash_table_unref);
  rows = g_hash_table_lookup (self->fts_pending, info);
  if (rows == NULL)
    {
      rows = g_hash_table_new_full (g_int64_hash, g_int64_equal, g_free,
                                    (GDestroyNotify) g_ptr_array_unref);
      g_hash_table_insert (self->fts_pending, (gpointer) info, rows);
    }
  was_pending = g_hash_table_remove (rows, &rowid);
  if (texts != NULL)
    g_hash_table_insert (rows, g_memdup2 (&rowid, sizeof rowid), g_ptr_array_ref (texts));
  return was_pending;
}

gboolean
_pt_store_write_search_index (PtStore                *self,
                              const PtCollectionInfo *info,
                              gint64                  rowid,
                              gboolean                had_entry,
                              GPtrArray              *texts,
                              GError                **error)
{
  sqlite3_stmt *stmt;
  int rc;

  if (self->bulk && self->tx_depth > 0)
    {
      if (defer_search_entry (self, info, rowid, texts))
        return TRUE;            /* the entry was never written */
      texts = NULL;             /* deferred: only the old entry goes now */
      if (!had_entry)
        return TRUE;
    }

  if (had_entry)
    {
      stmt = _pt_store_prepare (self, info->fts_delete_sql, error);
      if (stmt == NULL)
        return FALSE;
      sqlite3_bind_int64 (stmt, 1, rowid);
      rc = sqlite3_step (stmt);
      sqlite3_reset (stmt);
      if (rc != SQLITE_DONE)
        return _pt_store_set_sqlite_error (self, rc, "search index", error);
    }
  if (texts == NULL)
    return TRUE;
  return insert_search_entry (self, info, rowid, texts, error);
}

/* ---- Rebuild and merge ---------------------------------------------------- */

gboolean
_pt_store_rebuild_search_index (PtStore            *self,
                                const PtCollection *collection,
                                GPtrArray          *fts,
                                GError            **error)
{
  g_autofree gchar *clear = g_strdup_printf ("DELETE FROM \"%s_fts\"", collection->name);
  g_autofree gchar *sql = g_strdup_printf ("SELECT rowid, doc FROM \"%s\" WHERE deleted = 0",
                                           collection->name);
  sqlite3_stmt *stmt = NULL;
  int rc;

  if (!_pt_store_exec (self, clear, error))
    return FALSE;
  rc = sqlite3_prepare_v2 (self->db, sql, -1, &stmt, NULL);
  while (rc == SQLITE_OK && (rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      g_autoptr(GPtrArray) texts = NULL;
      bson_t doc;

      if (!bson_init_static (&doc, sqlite3_column_blob (stmt, 1),
                             (size_t) sqlite3_column_bytes (stmt, 1)))
        continue;
      texts = _pt_store_search_texts (fts, &doc);
      if (!_pt_store_write_search_index (self, _pt_store_collection_info (collection),
                                         sqlite3_column_int64 (stmt, 0), FALSE, texts, error))
        {
          sqlite3_finalize (stmt);
          return FALSE;
        }
      rc = SQLITE_OK;
    }
  sqlite3_finalize (stmt);
  if (rc != SQLITE_DONE)
    return _pt_store_set_sqlite_error (self, rc, "rebuild search index", error);
  return TRUE;
}

gboolean
_pt_store_optimize_search (PtStore  *self,
                           GError  **error)
{
  const PtCollection * const *colls;
  guint n = 0;

  if (!_pt_store_begin (self, error))
    return FALSE;
  colls = pt_schema_collections (&n);
  for (guint i = 0; i < n; i++)
    {
      g_autofree gchar *sql = NULL;

      if (_pt_store_collection_info (colls[i])->fts == NULL)
        continue;
      sql = g_strdup_printf ("INSERT INTO \"%s_fts\" (\"%s_fts\") VALUES ('optimize')",
                             colls[i]->name, colls[i]->name);
      if (!_pt_store_exec (self, sql, error))
        {
          _pt_store_rollback (self);
          return FALSE;
        }
    }
  return _pt_store_commit (self, error);
}
