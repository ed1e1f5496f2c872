/* pt-store-rows.c: raw rows (doc, stamps, version, base) with their
 * indexed columns and search index, the outbox and meta. */
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
  row->stamps = bson_from_column (stmt, 2);
  if (row->stamps == NULL)
    row->stamps = bson_new ();
  if (sqlite3_column_type (stmt, 3) != SQLITE_NULL)
    row->version = g_strdup ((const gchar *) sqlite3_column_text (stmt, 3));
  row->base = bson_from_column (stmt, 4);
  row->deleted = sqlite3_column_int (stmt, 5) != 0;
  row->updated_at = sqlite3_column_int64 (stmt, 6);
  sqlite3_reset (stmt);
  if (row->doc == NULL)
    row->doc = bson_new ();
  return row;
}

static void
bind_field_value (sqlite3_stmt  *stmt,
                  int            idx,
                  const PtField *field,
                  const bson_t  *doc)
{
  bson_iter_t iter;
  gchar hex[25];

  if (!bson_iter_init_find (&iter, doc, field->name))
    {
      sqlite3_bind_null (stmt, idx);
      return;
    }
  switch (bson_iter_type (&iter))
    {
    case BSON_TYPE_OID:
      bson_oid_to_string (bson_iter_oid (&iter), hex);
      sqlite3_bind_text (stmt, idx, hex, 24, SQLITE_TRANSIENT);
      break;
    case BSON_TYPE_UTF8:
      {
        uint32_t len = 0;
        const gchar *s = bson_iter_utf8 (&iter, &len);
        sqlite3_bind_text (stmt, idx, s, (int) len, SQLITE_TRANSIENT);
      }
      break;
    case BSON_TYPE_INT32:
    case BSON_TYPE_INT64:
    case BSON_TYPE_DOUBLE:
      sqlite3_bind_int64 (stmt, idx, bson_iter_as_int64 (&iter));
      break;
    case BSON_TYPE_DATE_TIME:
      sqlite3_bind_int64 (stmt, idx, bson_iter_date_time (&iter));
      break;
    case BSON_TYPE_BOOL:
      sqlite3_bind_int (stmt, idx, bson_iter_bool (&iter) ? 1 : 0);
      break;
    default:
      sqlite3_bind_null (stmt, idx);
      break;
    }
}

static const gchar *
write_sql_for (PtStore            *self,
               const PtCollection *collection,
               GPtrArray         **out_cols)
{
  const gchar *sql = g_hash_table_lookup (self->write_sql, collection->name);
  g_autoptr(GPtrArray) cols = _pt_store_indexed_fields (collection);

  if (sql == NULL)
    {
      GString *s = g_string_new (NULL);
      GString *vals = g_string_new ("?1, ?2, ?3, ?4, ?5, ?6, ?7");
      GString *upd = g_string_new ("doc = excluded.doc, stamps = excluded.stamps, "
                                   "version = excluded.version, base = excluded.base, "
                                   "deleted = excluded.deleted, updated_at = excluded.updated_at");

      g_string_append_printf (s, "INSERT INTO \"%s\" (id, doc, stamps, version, base, "
                                 "deleted, updated_at", collection->name);
      for (guint i = 0; i < cols->len; i++)
        {
          g_autofree gchar *col = _pt_snake_case (((const PtField *) cols->pdata[i])->name);
          g_string_append_printf (s, ", \"%s\"", col);
          g_string_append_printf (vals, ", ?%u", i + 8);
          g_string_append_printf (upd, ", \"%s\" = excluded.\"%s\"", col, col);
        }
      g_string_append_printf (s, ") VALUES (%s) ON CONFLICT (id) DO UPDATE SET %s "
                                 "RETURNING rowid", vals->str, upd->str);
      g_string_free (vals, TRUE);
      g_string_free (upd, TRUE);
      sql = g_string_free (s, FALSE);
      g_hash_table_insert (self->write_sql, g_strdup (collection->name), (gpointer) sql);
    }
  *out_cols = g_steal_pointer (&cols);
  return sql;
}

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

gchar *_pt_search_text_for_field (const bson_t  *doc,
                                  const PtField *field);

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

static gboolean
update_search_index (PtStore            *self,
                     const PtCollection *collection,
                     gint64              rowid,
                     const bson_t       *doc,
                     gboolean            deleted,
                     GError            **error)
{
  g_autoptr(GPtrArray) fts = _pt_store_searchable_fields (collection);
  g_autofree gchar *del_sql = NULL;
  g_autoptr(GString) ins = NULL;
  sqlite3_stmt *stmt;
  int rc;

  if (fts == NULL)
    return TRUE;

  del_sql = g_strdup_printf ("DELETE FROM \"%s_fts\" WHERE rowid = ?1", collection->name);
  stmt = _pt_store_prepare (self, del_sql, error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, rowid);
  rc = sqlite3_step (stmt);
  sqlite3_reset (stmt);
  if (rc != SQLITE_DONE)
    return _pt_store_set_sqlite_error (self, rc, "search index", error);
  if (deleted)
    return TRUE;

  ins = g_string_new (NULL);
  g_string_append_printf (ins, "INSERT INTO \"%s_fts\" (rowid", collection->name);
  for (guint i = 0; i < fts->len; i++)
    {
      g_autofree gchar *col = _pt_snake_case (((const PtField *) fts->pdata[i])->name);
      g_string_append_printf (ins, ", \"%s\"", col);
    }
  g_string_append (ins, ") VALUES (?1");
  for (guint i = 0; i < fts->len; i++)
    g_string_append_printf (ins, ", ?%u", i + 2);
  g_string_append (ins, ")");

  stmt = _pt_store_prepare (self, ins->str, error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, rowid);
  for (guint i = 0; i < fts->len; i++)
    {
      gchar *text = _pt_search_text_for_field (doc, fts->pdata[i]);
      sqlite3_bind_text (stmt, (int) i + 2, text, -1, g_free);
    }
  rc = sqlite3_step (stmt);
  sqlite3_reset (stmt);
  sqlite3_clear_bindings (stmt);
  if (rc != SQLITE_DONE)
    return _pt_store_set_sqlite_error (self, rc, "search index", error);
  return TRUE;
}

gboolean
_pt_store_write_row (PtStore             *self,
                     const PtCollection  *collection,
                     const PtRawRow      *row,
                     GError             **error)
{
  g_autoptr(GPtrArray) cols = NULL;
  const gchar *sql;
  sqlite3_stmt *stmt;
  bson_iter_t iter;
  gboolean deleted = FALSE;
  gint64 updated_at = 0;
  gint64 rowid;
  int rc;

  g_return_val_if_fail (PT_IS_STORE (self), FALSE);
  g_return_val_if_fail (row != NULL && row->id != NULL && row->doc != NULL, FALSE);

  if (bson_iter_init_find (&iter, row->doc, "deleted") && BSON_ITER_HOLDS_BOOL (&iter))
    deleted = bson_iter_bool (&iter);
  if (bson_iter_init_find (&iter, row->doc, "updatedAt") && BSON_ITER_HOLDS_DATE_TIME (&iter))
    updated_at = bson_iter_date_time (&iter);

  sql = write_sql_for (self, collection, &cols);
  stmt = _pt_store_prepare (self, sql, error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_text (stmt, 1, row->id, -1, SQLITE_TRANSIENT);
  sqlite3_bind_blob (stmt, 2, bson_get_data (row->doc), (int) row->doc->len, SQLITE_TRANSIENT);
  if (row->stamps != NULL)
    sqlite3_bind_blob (stmt, 3, bson_get_data (row->stamps), (int) row->stamps->len,
                       SQLITE_TRANSIENT);
  if (row->version != NULL)
    sqlite3_bind_text (stmt, 4, row->version, -1, SQLITE_TRANSIENT);
  if (row->base != NULL)
    sqlite3_bind_blob (stmt, 5, bson_get_data (row->base), (int) row->base->len,
                       SQLITE_TRANSIENT);
  sqlite3_bind_int (stmt, 6, deleted ? 1 : 0);
  sqlite3_bind_int64 (stmt, 7, updated_at);
  for (guint i = 0; i < cols->len; i++)
    bind_field_value (stmt, (int) i + 8, cols->pdata[i], row->doc);

  rc = sqlite3_step (stmt);
  if (rc != SQLITE_ROW)
    {
      sqlite3_reset (stmt);
      return _pt_store_set_sqlite_error (self, rc, "write row", error);
    }
  rowid = sqlite3_column_int64 (stmt, 0);
  rc = sqlite3_step (stmt);
  sqlite3_reset (stmt);
  if (rc != SQLITE_DONE)
    return _pt_store_set_sqlite_error (self, rc, "write row", error);

  return update_search_index (self, collection, rowid, row->doc, deleted, error);
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
  sqlite3_stmt *stmt = _pt_store_prepare (self, sql, error);
  int rc;

  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_text (stmt, 1, id, -1, SQLITE_TRANSIENT);
  if (base != NULL)
    sqlite3_bind_blob (stmt, 2, bson_get_data (base), (int) base->len, SQLITE_TRANSIENT);
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

  stmt = _pt_store_prepare (self, "INSERT OR IGNORE INTO outbox (collection, doc_id, queued_at) "
                                  "VALUES (?1, ?2, ?3)", error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_text (stmt, 1, collection, -1, SQLITE_TRANSIENT);
  sqlite3_bind_text (stmt, 2, doc_id, -1, SQLITE_TRANSIENT);
  sqlite3_bind_int64 (stmt, 3, g_get_real_time () / 1000);
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
  return _pt_store_query_int (self, "SELECT count(*) FROM outbox", NULL, 0);
}

/* ---- Meta --------------------------------------------------------------- */

gchar *
_pt_store_meta_get (PtStore      *self,
                    const gchar  *key)
{
  sqlite3_stmt *stmt = _pt_store_prepare (self, "SELECT value FROM meta WHERE key = ?1", NULL);
  gchar *value = NULL;

  if (stmt == NULL)
    return NULL;
  sqlite3_bind_text (stmt, 1, key, -1, SQLITE_TRANSIENT);
  if (sqlite3_step (stmt) == SQLITE_ROW && sqlite3_column_type (stmt, 0) != SQLITE_NULL)
    value = g_strdup ((const gchar *) sqlite3_column_text (stmt, 0));
  sqlite3_reset (stmt);
  return value;
}

gboolean
_pt_store_meta_set (PtStore      *self,
                    const gchar  *key,
                    const gchar  *value,
                    GError      **error)
{
  sqlite3_stmt *stmt;
  int rc;

  if (value == NULL)
    stmt = _pt_store_prepare (self, "DELETE FROM meta WHERE key = ?1", error);
  else
    stmt = _pt_store_prepare (self, "INSERT INTO meta (key, value) VALUES (?1, ?2) "
                                    "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                              error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_text (stmt, 1, key, -1, SQLITE_TRANSIENT);
  if (value != NULL)
    sqlite3_bind_text (stmt, 2, value, -1, SQLITE_TRANSIENT);
  rc = sqlite3_step (stmt);
  sqlite3_reset (stmt);
  return _pt_store_check_sqlite (self, rc, "meta", error);
}

gboolean
_pt_store_note_stamp (PtStore      *self,
                      const gchar  *stamp,
                      GError      **error)
{
  sqlite3_stmt *stmt;
  int rc;

  if (stamp == NULL || !pt_hlc_stamp_is_valid (stamp))
    return TRUE;
  stmt = _pt_store_prepare (self, "INSERT INTO meta (key, value) VALUES ('hlc', ?1) "
                                  "ON CONFLICT (key) DO UPDATE SET value = excluded.value "
                                  "WHERE excluded.value > meta.value OR meta.value IS NULL",
                            error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_text (stmt, 1, stamp, -1, SQLITE_TRANSIENT);
  rc = sqlite3_step (stmt);
  sqlite3_reset (stmt);
  return _pt_store_check_sqlite (self, rc, "note stamp", error);
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

      if (fts != NULL)
        {
          g_autofree gchar *clear = g_strdup_printf ("DELETE FROM \"%s_fts\"", colls[i]->name);
          if (!_pt_store_exec (self, clear, error))
            goto fail;
        }
      if (!rewrite_collection (self, colls[i], error))
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
                          "  GROUP BY medicine_id, pharmacy_id;",
                          error))
    goto fail;

  return _pt_store_commit (self, error);

fail:
  _pt_store_rollback (self);
  return FALSE;
}
