/* pt-store-sync-outbox.c: the store side of the push (DESIGN §5 Push):
 * the queued rows read for a bulk, acknowledged rows marked pushed. */
#define G_LOG_DOMAIN "pt-store-sync"
#include "config.h"

#include "pt-store-sync-private.h"

/* ---- Push --------------------------------------------------------------- */

void
pt_sync_outbox_item_free (PtSyncOutboxItem *item)
{
  if (item == NULL)
    return;
  g_clear_pointer (&item->row, _pt_raw_row_free);
  g_free (item);
}

GPtrArray *
pt_store_sync_outbox_batch (PtStore  *store,
                            gint64    after_seq,
                            guint     limit,
                            GError  **error)
{
  g_autoptr(GPtrArray) entries = NULL;
  g_autoptr(GPtrArray) items = g_ptr_array_new_with_free_func ((GDestroyNotify) pt_sync_outbox_item_free);

  entries = _pt_store_outbox_list (store, after_seq, limit, error);
  if (entries == NULL)
    return NULL;

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
          if (!_pt_store_outbox_remove (store, e->collection, e->doc_id, NULL, NULL, error))
            return NULL;
          continue;
        }
      row = _pt_store_read_row (store, coll, e->doc_id, &local_error);
      if (row == NULL)
        {
          if (!g_error_matches (local_error, PT_ERROR, PT_ERROR_NOT_FOUND))
            {
              g_propagate_error (error, g_steal_pointer (&local_error));
              return NULL;
            }
          if (!_pt_store_outbox_remove (store, e->collection, e->doc_id, NULL, NULL, error))
            return NULL;
          continue;
        }
      item = g_new0 (PtSyncOutboxItem, 1);
      item->seq = e->seq;
      item->collection = coll;
      item->row = row;
      g_ptr_array_add (items, item);
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
