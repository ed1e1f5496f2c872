/* pt-store-rows.c: raw rows (doc, stamps, version, base) with their
 * indexed columns; the search index is pt-store-fts.c, the compact forms
 * pt-store-compact.c. */
#define G_LOG_DOMAIN "pt-store"
#include "config.h"

#include <string.h>

#include "pt-store-impl.h"

/* ---- BSON helpers ------------------------------------------------------- */

gboolean
_pt_bson_equal_values (const bson_iter_t *a,
                       const bson_iter_t *b)
{
  bson_t ta, tb;
  gboolean equal;

  if (bson_iter_type (a) != bson_iter_type (b))
    return FALSE;
  bson_init (&ta);
  bson_init (&tb);
  bson_append_iter (&ta, "v", 1, a);
  bson_append_iter (&tb, "v", 1, b);
  equal = ta.len == tb.len && memcmp (bson_get_data (&ta), bson_get_data (&tb), ta.len) == 0;
  bson_destroy (&ta);
  bson_destroy (&tb);
  return equal;
}

void
_pt_bson_append_oid_hex (bson_t      *doc,
                         const gchar *key,
                         const gchar *hex)
{
  bson_oid_t oid;

  g_assert (pt_oid_is_valid (hex));
  bson_oid_init_from_string (&oid, hex);
  BSON_APPEND_OID (doc, key, &oid);
}

gchar *
_pt_bson_iter_dup_id (const bson_iter_t *iter)
{
  gchar hex[25];

  if (bson_iter_type (iter) == BSON_TYPE_OID)
    {
      bson_oid_to_string (bson_iter_oid (iter), hex);
      return g_strdup (hex);
    }
  if (bson_iter_type (iter) == BSON_TYPE_UTF8 && pt_oid_is_valid (bson_iter_utf8 (iter, NULL)))
    return g_ascii_strdown (bson_iter_utf8 (iter, NULL), -1);
  return NULL;
}

const PtCollection *
_pt_store_collection_checked (const gchar *name,
                              GError     **error)
{
  return pt_schema_lookup_checked (name, error);
}

static bson_t *
bson_from_column (sqlite3_stmt *stmt,
                  int           col)
{
  const void *data;
  int len;

  if (sqlite3_column_type (stmt, col) == SQLITE_NULL)
    return NULL;
  data = sqlite3_column_blob (stmt, col);
  len = sqlite3_column_bytes (stmt, col);
  if (data == NULL || len < 5)
    return bson_new ();
  return bson_new_from_data (data, (size_t) len);
}

/* ---- Raw rows ----------------------------------------------------------- */

PtRawRow *
_pt_raw_row_new (void)
{
  return g_new0 (PtRawRow, 1);
}

void
_pt_raw_row_free (PtRawRow *row)
{
  if (row == NULL)
    return;
  g_free (row->id);
  g_clear_pointer (&row->doc, bson_destroy);
  g_clear_pointer (&row->stamps, bson_destroy);
  g_free (row->version);
  g_clear_pointer (&row->base, bson_destroy);
  g_free (row);
}

PtRawRow *
_pt_store_read_row (PtStore             *self,
                    const PtCollection  *collection,
                    const gchar         *id,
                    GError             **error)
{
  g_autofree gchar *sql = NULL;
  sqlite3_stmt *stmt;
  PtRawRow *row;
  int rc;

  g_return_val_if_fail (PT_IS_STORE (self), NULL);
  g_return_val_if_fail (collection != NULL, NULL);

  sql = g_strdup_printf ("SELECT id, doc, stamps, version, base, deleted, updated_at "
                         "FROM \"%s\" WHERE id = ?1", collection->name);
  stmt = _pt_store_prepare (self, sql, error);
  if (stmt == NULL)
    return NULL;
  sqlite3_bind_text (stmt, 1, id, -1, SQLITE_TRANSIENT);
  rc = sqlite3_step (stmt);
  if (rc == SQLITE_DONE)
    {
      sqlite3_reset (stmt);
      g_set_error (error, PT_ERROR, PT_ERROR_NOT_FOUND,
                   _("There is no document %s in %s."), id, collection->name);
      return NULL;
    }
  if (rc != SQLITE_ROW)
    {
      sqlite3_reset (stmt);
      _pt_store_set_sqlite_error (self, rc, "read row", error);
      return NULL;
    }
  row = _pt_raw_row_new ();
  row->id = g_strdup ((const gchar *) sqlite3_column_text (stmt, 0));
  row->doc = bson_from_column (stmt, 1);
  if (row->doc == NULL)
    row->doc = bson_new ();
  if (sqlite3_column_type (stmt, 3) != SQLITE_NULL)
    row->version = g_strdup ((const gchar *) sqlite3_column_text (stmt, 3));
  {
    g_autoptr(bson_t) compact = bson_from_column (stmt, 2);
    row->stamps = _pt_stamps_expand (compact, row->doc, row->version);
  }
  {
    g_autoptr(bson_t) stored = bson_from_column (stmt, 4);
    row->base = _pt_base_expand (stored, row->doc, row->stamps, row->version);
  }
  row->deleted = sqlite3_column_int (stmt, 5) != 0;
  row->updated_at = sqlite3_column_int64 (stmt, 6);
  sqlite3_reset (stmt);
  return row;
}

/* The value of an indexed column, taken from the document. */
typedef struct
{
  int          type;            /* SQLITE_NULL, SQLITE_INTEGER, SQLITE_TEXT */
  gint64       i;
  const gchar *s;
  int          len;
  gchar        hex[25];
} ColValue;

static void
field_value (const PtField *field,
             const bson_t  *doc,
             ColValue      *v)
{
  bson_iter_t iter;

  v->type = SQLITE_NULL;
  if (!bson_iter_init_find (&iter, doc, field->name))
    return;
  switch (bson_iter_type (&iter))
    {
    case BSON_TYPE_OID:
      bson_oid_to_string (bson_iter_oid (&iter), v->hex);
      v->type = SQLITE_TEXT;
      v->s = v->hex;
      v->len = 24;
      break;
    case BSON_TYPE_UTF8:
      {
        uint32_t len = 0;
        v->s = bson_iter_utf8 (&iter, &len);
        v->len = (int) len;
        v->type = SQLITE_TEXT;
      }
      break;
    case BSON_TYPE_INT32:
    case BSON_TYPE_INT64:
    case BSON_TYPE_DOUBLE:
      v->type = SQLITE_INTEGER;
      v->i = bson_iter_as_int64 (&iter);
      break;
    case BSON_TYPE_DATE_TIME:
      v->type = SQLITE_INTEGER;
      v->i = bson_iter_date_time (&iter);
      break;
    case BSON_TYPE_BOOL:
      v->type = SQLITE_INTEGER;
      v->i = bson_iter_bool (&iter) ? 1 : 0;
      break;
    default:
      break;
    }
}

static void
bind_value (sqlite3_stmt   *stmt,
            int             idx,
            const ColValue *v)
{
  if (v->type == SQLITE_INTEGER)
    sqlite3_bind_int64 (stmt, idx, v->i);
  else if (v->type == SQLITE_TEXT)
    sqlite3_bind_text (stmt, idx, v->s, v->len, SQLITE_TRANSIENT);
  else
    sqlite3_bind_null (stmt, idx);
}

/* Exact (binary) equality: a change of case is a change. */
static gboolean
column_equals (sqlite3_stmt   *stmt,
               int             col,
               const ColValue *v)
{
  int type = sqlite3_column_type (stmt, col);

  if (type != v->type)
    return FALSE;
  if (type == SQLITE_INTEGER)
    return sqlite3_column_int64 (stmt, col) == v->i;
  if (type == SQLITE_TEXT)
    return sqlite3_column_bytes (stmt, col) == v->len
           && memcmp (sqlite3_column_text (stmt, col), v->s, (gsize) v->len) == 0;
  return type == SQLITE_NULL;
}

static void
bind_row (sqlite3_stmt   *stmt,
          const PtRawRow *row,
          gboolean        deleted,
          gint64          updated_at,
          int             first)
{
  g_autoptr(bson_t) compact = NULL;
  g_autoptr(bson_t) base = NULL;

  /* The base against the stamps as a read will give them back. */
  _pt_row_compact (row->stamps, row->doc, row->version, row->base, &compact, &base);
  sqlite3_bind_blob (stmt, first, bson_get_data (row->doc), (int) row->doc->len, SQLITE_TRANSIENT);
  if (compact != NULL)
    sqlite3_bind_blob (stmt, first + 1, bson_get_data (compact), (int) compact->len,
                       SQLITE_TRANSIENT);
  if (row->version != NULL)
    sqlite3_bind_text (stmt, first + 2, row->version, -1, SQLITE_TRANSIENT);
  if (base != NULL)
    sqlite3_bind_blob (stmt, first + 3, bson_get_data (base), (int) base->len,
                       SQLITE_TRANSIENT);
  sqlite3_bind_int (stmt, first + 4, deleted ? 1 : 0);
  sqlite3_bind_int64 (stmt, first + 5, updated_at);
}

static gboolean
insert_row (PtStore                *self,
            const PtCollectionInfo *info,
            const PtRawRow         *row,
            const ColValue         *values,
            gboolean                deleted,
            gint64                  updated_at,
            gint64                 *rowid,
            GError                **error)
{
  sqlite3_stmt *stmt = _pt_store_prepare (self, info->insert_sql, error);
  int rc;

  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_text (stmt, 1, row->id, -1, SQLITE_TRANSIENT);
  bind_row (stmt, row, deleted, updated_at, 2);
  for (guint i = 0; i < info->cols->len; i++)
    bind_value (stmt, (int) i + 8, &values[i]);
  rc = sqlite3_step (stmt);
  sqlite3_reset (stmt);
  if (rc != SQLITE_DONE)
    return _pt_store_set_sqlite_error (self, rc, "write row", error);
  *rowid = sqlite3_last_insert_rowid (self->db);
  return TRUE;
}

/* Inserts or updates a row.  An update sets only the indexed columns whose
 * value changed and touches the search index only when the searchable
 * text changed: every index entry rewritten is a page written at commit. */
gboolean
_pt_store_write_row (PtStore             *self,
                     const PtCollection  *collection,
                     const PtRawRow      *row,
                     GError             **error)
{
  const PtCollectionInfo *info = _pt_store_collection_info (collection);
  GPtrArray *cols = info->cols;
  GPtrArray *fts = info->fts;
  g_autoptr(GPtrArray) new_texts = NULL;
  g_autoptr(GPtrArray) old_texts = NULL;
  g_autofree ColValue *values = NULL;
  g_autofree gboolean *changed = NULL;
  sqlite3_stmt *stmt;
  bson_iter_t iter;
  gboolean deleted = FALSE, old_deleted = FALSE, exists = FALSE;
  gint64 updated_at = 0, rowid = 0;
  int rc;

  g_return_val_if_fail (PT_IS_STORE (self), FALSE);
  g_return_val_if_fail (row != NULL && row->id != NULL && row->doc != NULL, FALSE);

  if (bson_iter_init_find (&iter, row->doc, "deleted") && BSON_ITER_HOLDS_BOOL (&iter))
    deleted = bson_iter_bool (&iter);
  if (bson_iter_init_find (&iter, row->doc, "updatedAt") && BSON_ITER_HOLDS_DATE_TIME (&iter))
    updated_at = bson_iter_date_time (&iter);

  values = g_new0 (ColValue, cols->len + 1);
  changed = g_new0 (gboolean, cols->len + 1);
  for (guint i = 0; i < cols->len; i++)
    field_value (cols->pdata[i], row->doc, &values[i]);
  if (fts != NULL && !deleted)
    new_texts = _pt_store_search_texts (fts, row->doc);

  /* What is stored now. */
  stmt = _pt_store_prepare (self, info->select_sql, error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_text (stmt, 1, row->id, -1, SQLITE_TRANSIENT);
  rc = sqlite3_step (stmt);
  if (rc == SQLITE_ROW)
    {
      exists = TRUE;
      rowid = sqlite3_column_int64 (stmt, 0);
      old_deleted = sqlite3_column_int (stmt, 1) != 0;
      for (guint i = 0; i < cols->len; i++)
        changed[i] = !column_equals (stmt, (int) i + 3, &values[i]);
      if (fts != NULL && !old_deleted)
        {
          bson_t old;
          if (bson_init_static (&old, sqlite3_column_blob (stmt, 2),
                                (size_t) sqlite3_column_bytes (stmt, 2)))
            old_texts = _pt_store_search_texts (fts, &old);
        }
    }
  sqlite3_reset (stmt);
  if (rc != SQLITE_ROW && rc != SQLITE_DONE)
    return _pt_store_set_sqlite_error (self, rc, "write row", error);

  if (!exists)
    {
      if (!insert_row (self, info, row, values, deleted, updated_at, &rowid, error))
        return FALSE;
    }
  else
    {
      g_autoptr(GString) update = g_string_new (NULL);
      guint n = 7;

      g_string_append_printf (update, "UPDATE \"%s\" SET doc = ?1, stamps = ?2, version = ?3, "
                                      "base = ?4, deleted = ?5, updated_at = ?6",
                              collection->name);
      for (guint i = 0; i < cols->len; i++)
        if (changed[i])
          g_string_append_printf (update, ", \"%s\" = ?%u",
                                  (const gchar *) info->col_names->pdata[i], n++);
      g_string_append_printf (update, " WHERE rowid = ?%u", n);
      stmt = _pt_store_prepare (self, update->str, error);
      if (stmt == NULL)
        return FALSE;
      bind_row (stmt, row, deleted, updated_at, 1);
      n = 7;
      for (guint i = 0; i < cols->len; i++)
        if (changed[i])
          bind_value (stmt, (int) n++, &values[i]);
      sqlite3_bind_int64 (stmt, (int) n, rowid);
      rc = sqlite3_step (stmt);
      sqlite3_reset (stmt);
      if (rc != SQLITE_DONE)
        return _pt_store_set_sqlite_error (self, rc, "write row", error);
    }

  if (fts == NULL)
    return TRUE;
  if (old_texts != NULL && new_texts != NULL && _pt_store_same_search_texts (old_texts, new_texts))
    return TRUE;
  if (old_texts == NULL && new_texts == NULL)
    return TRUE;
  return _pt_store_write_search_index (self, info, rowid, old_texts != NULL, new_texts, error);
}

gboolean
_pt_store_insert_row (PtStore             *self,
                      const PtCollection  *collection,
                      const PtRawRow      *row,
                      gboolean             search_later,
                      gint64              *rowid_out,
                      GError             **error)
{
  const PtCollectionInfo *info = _pt_store_collection_info (collection);
  g_autofree ColValue *values = NULL;
  bson_iter_t iter;
  gboolean deleted = FALSE;
  gint64 updated_at = 0, rowid = 0;

  g_return_val_if_fail (PT_IS_STORE (self), FALSE);
  g_return_val_if_fail (row != NULL && row->id != NULL && row->doc != NULL, FALSE);

  if (bson_iter_init_find (&iter, row->doc, "deleted") && BSON_ITER_HOLDS_BOOL (&iter))
    deleted = bson_iter_bool (&iter);
  if (bson_iter_init_find (&iter, row->doc, "updatedAt") && BSON_ITER_HOLDS_DATE_TIME (&iter))
    updated_at = bson_iter_date_time (&iter);
  values = g_new0 (ColValue, info->cols->len + 1);
  for (guint i = 0; i < info->cols->len; i++)
    field_value (info->cols->pdata[i], row->doc, &values[i]);

  if (!insert_row (self, info, row, values, deleted, updated_at, &rowid, error))
    return FALSE;
  if (rowid_out != NULL)
    *rowid_out = rowid;
  if (search_later)
    return TRUE;
  return _pt_store_index_row (self, collection, rowid, row->doc, error);
}

gboolean
_pt_store_insert_new_row (PtStore             *self,
                          const PtCollection  *collection,
                          const gchar         *id,
                          const bson_t        *doc,
                          const bson_t        *stored_stamps,
                          const gchar         *version,
                          gint64              *rowid_out,
                          GError             **error)
{
  const PtCollectionInfo *info = _pt_store_collection_info (collection);
  ColValue values[32];
  sqlite3_stmt *stmt;
  bson_iter_t iter;
  gboolean deleted = FALSE;
  gint64 updated_at = 0, rowid;
  int rc;

  g_return_val_if_fail (info->cols->len <= G_N_ELEMENTS (values), FALSE);

  if (bson_iter_init_find (&iter, doc, "deleted") && BSON_ITER_HOLDS_BOOL (&iter))
    deleted = bson_iter_bool (&iter);
  if (bson_iter_init_find (&iter, doc, "updatedAt") && BSON_ITER_HOLDS_DATE_TIME (&iter))
    updated_at = bson_iter_date_time (&iter);
  stmt = _pt_store_prepare (self, info->insert_sql, error);
  if (stmt == NULL)
    return FALSE;
  /* The statement reads the values before this function returns. */
  sqlite3_bind_text (stmt, 1, id, -1, SQLITE_STATIC);
  sqlite3_bind_blob (stmt, 2, bson_get_data (doc), (int) doc->len, SQLITE_STATIC);
  if (stored_stamps != NULL)
    sqlite3_bind_blob (stmt, 3, bson_get_data (stored_stamps), (int) stored_stamps->len,
                       SQLITE_STATIC);
  sqlite3_bind_text (stmt, 4, version, -1, SQLITE_STATIC);
  sqlite3_bind_int (stmt, 6, deleted ? 1 : 0);
  sqlite3_bind_int64 (stmt, 7, updated_at);
  for (guint i = 0; i < info->cols->len; i++)
    {
      field_value (info->cols->pdata[i], doc, &values[i]);
      if (values[i].type == SQLITE_INTEGER)
        sqlite3_bind_int64 (stmt, (int) i + 8, values[i].i);
      else if (values[i].type == SQLITE_TEXT)
        sqlite3_bind_text (stmt, (int) i + 8, values[i].s, values[i].len, SQLITE_STATIC);
    }
  rc = sqlite3_step (stmt);
  sqlite3_reset (stmt);
  /* The bindings point into the caller's memory: drop them now. */
  sqlite3_clear_bindings (stmt);
  if (rc != SQLITE_DONE)
    return _pt_store_set_sqlite_error (self, rc, "write row", error);
  rowid = sqlite3_last_insert_rowid (self->db);
  if (rowid_out != NULL)
    *rowid_out = rowid;
  return _pt_store_index_row (self, collection, rowid, doc, error);
}

gboolean
_pt_store_index_row (PtStore             *self,
                     const PtCollection  *collection,
                     gint64               rowid,
                     const bson_t        *doc,
                     GError             **error)
{
  const PtCollectionInfo *info = _pt_store_collection_info (collection);
  g_autoptr(GPtrArray) texts = NULL;
  bson_iter_t iter;

  if (info->fts == NULL)
    return TRUE;
  if (bson_iter_init_find (&iter, doc, "deleted") && BSON_ITER_HOLDS_BOOL (&iter)
      && bson_iter_bool (&iter))
    return TRUE;
  texts = _pt_store_search_texts (info->fts, doc);
  return _pt_store_write_search_index (self, info, rowid, FALSE, texts, error);
}

gboolean
_pt_store_set_base (PtStore             *self,
                    const PtCollection  *collection,
                    const gchar         *id,
                    const bson_t        *base,
                    GError             **error)
{
  g_autofree gchar *sql = g_strdup_printf ("UPDATE \"%s\" SET base = ?2 WHERE id = ?1",
                                           collection->name);
  g_autofree gchar *read = g_strdup_printf ("SELECT doc, stamps, version FROM \"%s\" "
                                            "WHERE id = ?1", collection->name);
  g_autoptr(bson_t) stored = NULL;
  sqlite3_stmt *stmt;
  int rc;

  /* The base is stored against the row (_pt_base_compact). */
  if (base != NULL)
    {
      stmt = _pt_store_prepare (self, read, error);
      if (stmt == NULL)
        return FALSE;
      sqlite3_bind_text (stmt, 1, id, -1, SQLITE_TRANSIENT);
      rc = sqlite3_step (stmt);
      if (rc == SQLITE_ROW)
        {
          g_autoptr(bson_t) doc = bson_from_column (stmt, 0);
          g_autoptr(bson_t) compact = bson_from_column (stmt, 1);
          g_autoptr(bson_t) stamps = NULL;
          const gchar *version = (const gchar *) sqlite3_column_text (stmt, 2);

          if (doc == NULL)
            doc = bson_new ();
          stamps = _pt_stamps_expand (compact, doc, version);
          stored = _pt_base_compact (base, doc, stamps, version);
        }
      sqlite3_reset (stmt);
      if (rc != SQLITE_ROW && rc != SQLITE_DONE)
        return _pt_store_set_sqlite_error (self, rc, "set base", error);
    }

  stmt = _pt_store_prepare (self, sql, error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_text (stmt, 1, id, -1, SQLITE_TRANSIENT);
  if (stored != NULL)
    sqlite3_bind_blob (stmt, 2, bson_get_data (stored), (int) stored->len, SQLITE_TRANSIENT);
  rc = sqlite3_step (stmt);
  sqlite3_reset (stmt);
  if (rc != SQLITE_DONE)
    return _pt_store_set_sqlite_error (self, rc, "set base", error);
  if (sqlite3_changes (self->db) == 0)
    {
      g_set_error (error, PT_ERROR, PT_ERROR_NOT_FOUND,
                   _("There is no document %s in %s."), id, collection->name);
      return FALSE;
    }
  return TRUE;
}

const gchar *
_pt_server_doc_get_version (const bson_t *server_doc)
{
  bson_iter_t iter;

  if (server_doc != NULL && bson_iter_init (&iter, server_doc)
      && bson_iter_find_descendant (&iter, "_sync.v", &iter)
      && BSON_ITER_HOLDS_UTF8 (&iter))
    return bson_iter_utf8 (&iter, NULL);
  return NULL;
}

gboolean
_pt_raw_row_is_dirty (const PtRawRow *row)
{
  if (row->base == NULL)
    return TRUE;
  return g_strcmp0 (row->version, _pt_server_doc_get_version (row->base)) != 0;
}

bson_t *
_pt_raw_row_to_server_doc (const PtRawRow *row)
{
  bson_t *out = bson_new ();
  bson_t sync;
  const gchar *dash;

  bson_concat (out, row->doc);
  BSON_APPEND_DOCUMENT_BEGIN (out, "_sync", &sync);
  if (row->version != NULL)
    BSON_APPEND_UTF8 (&sync, "v", row->version);
  if (row->stamps != NULL)
    BSON_APPEND_DOCUMENT (&sync, "f", row->stamps);
  else
    {
      bson_t empty = BSON_INITIALIZER;
      BSON_APPEND_DOCUMENT (&sync, "f", &empty);
    }
  dash = row->version ? strchr (row->version, '-') : NULL;
  if (dash != NULL)
    BSON_APPEND_UTF8 (&sync, "by", dash + 1);
  bson_append_document_end (out, &sync);
  return out;
}

/* ---- Derived data ------------------------------------------------------- */

static gboolean
rewrite_collection (PtStore            *self,
                    const PtCollection *collection,
                    GError            **error)
{
  g_autofree gchar *sql = g_strdup_printf ("SELECT id FROM \"%s\" WHERE id > ?1 "
                                           "ORDER BY id LIMIT 500", collection->name);
  g_autofree gchar *last = g_strdup ("");

  for (;;)
    {
      g_autoptr(GPtrArray) ids = g_ptr_array_new_with_free_func (g_free);
      sqlite3_stmt *stmt = _pt_store_prepare (self, sql, error);
      int rc;

      if (stmt == NULL)
        return FALSE;
      sqlite3_bind_text (stmt, 1, last, -1, SQLITE_TRANSIENT);
      while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
        g_ptr_array_add (ids, g_strdup ((const gchar *) sqlite3_column_text (stmt, 0)));
      sqlite3_reset (stmt);
      if (rc != SQLITE_DONE)
        return _pt_store_set_sqlite_error (self, rc, "rebuild", error);
      if (ids->len == 0)
        return TRUE;
      for (guint i = 0; i < ids->len; i++)
        {
          g_autoptr(PtRawRow) row = _pt_store_read_row (self, collection, ids->pdata[i], error);
          if (row == NULL || !_pt_store_write_row (self, collection, row, error))
            return FALSE;
        }
      g_free (last);
      last = g_strdup (ids->pdata[ids->len - 1]);
    }
}

gboolean
_pt_store_rebuild_derived (PtStore  *self,
                           GError  **error)
{
  const PtCollection * const *colls;
  guint n = 0;

  if (!_pt_store_begin (self, error))
    return FALSE;

  colls = pt_schema_collections (&n);
  for (guint i = 0; i < n; i++)
    {
      g_autoptr(GPtrArray) fts = _pt_store_searchable_fields (colls[i]);
      g_autofree gchar *stats = NULL;

      if (!rewrite_collection (self, colls[i], error))
        goto fail;
      if (fts != NULL && !_pt_store_rebuild_search_index (self, colls[i], fts, error))
        goto fail;
      stats = g_strdup_printf ("UPDATE doc_stats SET "
                               "live = (SELECT count(*) FROM \"%s\" WHERE deleted = 0), "
                               "total = (SELECT count(*) FROM \"%s\"), "
                               "bytes = (SELECT coalesce(sum(length(doc)), 0) FROM \"%s\") "
                               "WHERE collection = '%s'",
                               colls[i]->name, colls[i]->name, colls[i]->name, colls[i]->name);
      if (!_pt_store_exec (self, stats, error))
        goto fail;
    }

  if (pt_schema_lookup ("stock_movements") != NULL
      && !_pt_store_exec (self,
                          "DELETE FROM batch_stock; DELETE FROM medicine_stock;"
                          "INSERT INTO batch_stock (batch_id, medicine_id, pharmacy_id, quantity) "
                          "  SELECT batch_id, min(medicine_id), min(pharmacy_id), sum(quantity) "
                          "  FROM stock_movements WHERE deleted = 0 AND batch_id IS NOT NULL "
                          "  GROUP BY batch_id;"
                          "INSERT INTO medicine_stock (medicine_id, pharmacy_id, quantity) "
                          "  SELECT medicine_id, pharmacy_id, sum(quantity) "
                          "  FROM stock_movements WHERE deleted = 0 AND batch_id IS NOT NULL "
                          "  GROUP BY medicine_id, pharmacy_id;"
                          PT_STORE_FILL_NEAREST_EXPIRY,
                          error))
    goto fail;

  return _pt_store_commit (self, error);

fail:
  _pt_store_rollback (self);
  return FALSE;
}
