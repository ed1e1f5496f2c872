/* pt-store-sync-outbox.c: the store side of the push (DESIGN §5 Push):
 * the queued rows read for a bulk, acknowledged rows marked pushed. */
#define G_LOG_DOMAIN "pt-store-sync"
#include "config.h"

#include "pt-store-sync-private.h"
#include "pt-store-impl.h"

/* ---- Push --------------------------------------------------------------- */

void
pt_sync_outbox_item_free (PtSyncOutboxItem *item)
{
  if (item == NULL)
    return;
  g_clear_pointer (&item->row, _pt_raw_row_free);
  g_free (item);
}

/* Ends the read transaction of pt_store_sync_outbox_batch(). */
static void
end_read (PtStore  *store,
          gboolean *reading)
{
  if (*reading)
    _pt_store_exec (store, "COMMIT", NULL);
  *reading = FALSE;
}

GPtrArray *
pt_store_sync_outbox_batch (PtStore  *store,
                            gint64    after_seq,
                            guint     limit,
                            GError  **error)
{
  g_autoptr(GPtrArray) entries = NULL;
  g_autoptr(GPtrArray) items = g_ptr_array_new_with_free_func ((GDestroyNotify) pt_sync_outbox_item_free);
  g_autoptr(GPtrArray) stale = g_ptr_array_new ();
  gboolean reading = FALSE;

  /* The page and its rows are read in one read transaction (a deferred
   * BEGIN: no lock that writers wait for): on its own, every statement
   * takes and drops the file's shared lock and WAL snapshot again, a
   * third of reading a row.  Stale entries are removed after it. */
  if (!_pt_store_in_transaction (store))
    {
      if (!_pt_store_exec (store, "BEGIN", error))
        return NULL;
      reading = TRUE;
    }
  entries = _pt_store_outbox_list (store, after_seq, limit, error);
  if (entries == NULL)
    {
      end_read (store, &reading);
      return NULL;
    }

  for (guint i = 0; i < entries->len; i++)
    {
      PtOutboxEntry *e = g_ptr_array_index (entries, i);
      const PtCollection *coll = pt_schema_lookup (e->collection);
      g_autoptr(GError) local_error = NULL;
      PtRawRow *row;
      PtSyncOutboxItem *item;

      if (coll == NULL || !coll->synced)
        {
          g_debug ("outbox entry for unsynced collection %s dropped", e->collection);
          g_ptr_array_add (stale, e);
          continue;
        }
      row = _pt_store_read_row (store, coll, e->doc_id, &local_error);
      if (row == NULL)
        {
          if (!g_error_matches (local_error, PT_ERROR, PT_ERROR_NOT_FOUND))
            {
              end_read (store, &reading);
              g_propagate_error (error, g_steal_pointer (&local_error));
              return NULL;
            }
          g_ptr_array_add (stale, e);
          continue;
        }
      item = g_new0 (PtSyncOutboxItem, 1);
      item->seq = e->seq;
      item->collection = coll;
      item->row = row;
      g_ptr_array_add (items, item);
    }
  end_read (store, &reading);

  for (guint i = 0; i < stale->len; i++)
    {
      PtOutboxEntry *e = g_ptr_array_index (stale, i);

      if (!_pt_store_outbox_remove (store, e->collection, e->doc_id, NULL, NULL, error))
        return NULL;
    }
  /* The caller pages on with the last seq it saw. */
  if (entries->len > 0 && items->len == 0)
    {
      PtOutboxEntry *last = g_ptr_array_index (entries, entries->len - 1);
      PtSyncOutboxItem *marker = g_new0 (PtSyncOutboxItem, 1);
      marker->seq = last->seq;
      g_ptr_array_add (items, marker);
    }
  return g_steal_pointer (&items);
}

gboolean
pt_store_sync_mark_pushed (PtStore            *store,
                           const PtCollection *collection,
                           const gchar        *id,
                           const gchar        *pushed_version,
                           const bson_t       *server_doc,
                           GError            **error)
{
  gboolean ok;
  gboolean own = !_pt_store_in_transaction (store);
  sqlite3_stmt *stmt;

  /* Inside the caller's transaction (the pusher's, one per bulk) no
   * savepoint per document: a failure makes the caller roll it all back. */
  if (!pt_store_sync_ensure_schema (store, error) || (own && !_pt_store_begin (store, error)))
    return FALSE;
  ok = _pt_store_set_base (store, collection, id, server_doc, error)
       && _pt_store_outbox_remove (store, collection->name, id, pushed_version, NULL, error);
  if (ok)
    {
      stmt = _pt_store_prepare (store, "DELETE FROM sync_quarantine WHERE collection = ?1 AND doc_id = ?2",
                                error);
      ok = stmt != NULL;
      if (ok)
        {
          sqlite3_bind_text (stmt, 1, collection->name, -1, SQLITE_STATIC);
          sqlite3_bind_text (stmt, 2, id, -1, SQLITE_TRANSIENT);
          ok = sqlite3_step (stmt) == SQLITE_DONE
               || _pt_store_set_sqlite_error (store, sqlite3_errcode (_pt_store_get_db (store)),
                                              "clear quarantine", error);
          sqlite3_reset (stmt);
        }
    }
  return own ? _pt_store_sync_finish (store, ok, error) : ok;
}

gboolean
pt_store_sync_forget_base (PtStore            *store,
                           const PtCollection *collection,
                           const gchar        *id,
                           GError            **error)
{
  g_autoptr(PtRawRow) row = NULL;
  gboolean ok;

  if (!_pt_store_begin (store, error))
    return FALSE;
  row = _pt_store_read_row (store, collection, id, error);
  ok = row != NULL;
  if (ok)
    {
      g_clear_pointer (&row->base, bson_destroy);
      ok = _pt_store_write_row (store, collection, row, error)
           && _pt_store_outbox_add (store, collection->name, id, error);
    }
  return _pt_store_sync_finish (store, ok, error);
}

/* Binds @doc (may be NULL) as a blob. */
static void
bind_bson (sqlite3_stmt *stmt,
           int           idx,
           const bson_t *doc)
{
  if (doc != NULL)
    sqlite3_bind_blob (stmt, idx, bson_get_data (doc), (int) doc->len, SQLITE_TRANSIENT);
  else
    sqlite3_bind_null (stmt, idx);
}

/* Runs @sql with @json bound to ?1 (and @collection to ?2). */
static gboolean
exec_with_list (PtStore     *store,
                const gchar *sql,
                GString     *json,
                const gchar *collection,
                GError     **error)
{
  sqlite3_stmt *stmt = _pt_store_prepare (store, sql, error);
  int rc;

  if (stmt == NULL)
    return FALSE;
  g_string_append_c (json, ']');
  sqlite3_bind_text (stmt, 1, json->str, (int) json->len, SQLITE_STATIC);
  if (collection != NULL)
    sqlite3_bind_text (stmt, 2, collection, -1, SQLITE_STATIC);
  rc = sqlite3_step (stmt);
  sqlite3_reset (stmt);
  sqlite3_clear_bindings (stmt);
  g_string_truncate (json, json->len - 1);
  if (rc != SQLITE_DONE)
    return _pt_store_set_sqlite_error (store, rc, "mark pushed", error);
  return TRUE;
}

gboolean
pt_store_sync_mark_pushed_many (PtStore            *store,
                                const PtCollection *collection,
                                const PtSyncPushed *pushed,
                                guint               n_pushed,
                                GError            **error)
{
  g_autofree gchar *update = NULL;
  g_autoptr(GString) seqs = NULL;
  g_autoptr(GString) ids = NULL;
  gboolean quarantined;
  guint n_fast = 0;

  g_return_val_if_fail (_pt_store_in_transaction (store), FALSE);

  if (n_pushed == 0)
    return TRUE;
  if (!pt_store_sync_ensure_schema (store, error))
    return FALSE;
  /* The base goes only onto a row that is still what was read and sent:
   * same version, document and stamps, checked by the statement itself.
   * The row then need not be read again to store the base against it. */
  update = g_strdup_printf ("UPDATE \"%s\" SET base = ?2 WHERE id = ?1 AND version IS ?3 "
                            "AND doc = ?4 AND stamps IS ?5", collection->name);
  seqs = g_string_sized_new (n_pushed * 12 + 2);
  ids = g_string_sized_new (n_pushed * 27 + 2);
  g_string_append_c (seqs, '[');
  g_string_append_c (ids, '[');
  quarantined = _pt_store_query_int (store, "SELECT EXISTS (SELECT 1 FROM sync_quarantine)", NULL, 1) != 0;

  for (guint i = 0; i < n_pushed; i++)
    {
      const PtRawRow *row = pushed[i].item->row;
      g_autoptr(bson_t) stamps = NULL;
      g_autoptr(bson_t) base = NULL;
      sqlite3_stmt *stmt;
      int rc;

      _pt_row_compact (row->stamps, row->doc, row->version, pushed[i].server_doc, &stamps, &base);
      stmt = _pt_store_prepare (store, update, error);
      if (stmt == NULL)
        return FALSE;
      sqlite3_bind_text (stmt, 1, row->id, -1, SQLITE_STATIC);
      bind_bson (stmt, 2, base);
      if (row->version != NULL)
        sqlite3_bind_text (stmt, 3, row->version, -1, SQLITE_STATIC);
      bind_bson (stmt, 4, row->doc);
      bind_bson (stmt, 5, stamps);
      rc = sqlite3_step (stmt);
      sqlite3_reset (stmt);
      sqlite3_clear_bindings (stmt);
      if (rc != SQLITE_DONE)
        return _pt_store_set_sqlite_error (store, rc, "mark pushed", error);
      if (sqlite3_changes (_pt_store_get_db (store)) == 0)
        {
          /* Edited since (or gone): the one-by-one way, which keeps the
           * entry of an edited row queued. */
          if (!pt_store_sync_mark_pushed (store, collection, row->id, row->version,
                                          pushed[i].server_doc, error))
            return FALSE;
          continue;
        }
      g_string_append_printf (seqs, "%s%" G_GINT64_FORMAT, n_fast > 0 ? "," : "",
                              pushed[i].item->seq);
      g_string_append_printf (ids, "%s\"%s\"", n_fast > 0 ? "," : "", row->id);
      n_fast++;
    }
  if (n_fast == 0)
    return TRUE;
  /* Their outbox entries in one statement (the entry count is kept by
   * the outbox's triggers). */
  if (!exec_with_list (store, "DELETE FROM outbox WHERE seq IN (SELECT value FROM json_each(?1))",
                       seqs, NULL, error))
    return FALSE;
  if (quarantined
      && !exec_with_list (store, "DELETE FROM sync_quarantine WHERE collection = ?2 "
                                 "AND doc_id IN (SELECT value FROM json_each(?1))",
                          ids, collection->name, error))
    return FALSE;
  return TRUE;
}
