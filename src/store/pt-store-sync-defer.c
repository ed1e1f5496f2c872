/* pt-store-sync-defer.c: a counter's first sync writes hundreds of
 * thousands of rows into empty tables.  Maintaining every secondary index
 * and every counter trigger row by row costs more than the rows
 * themselves, so a first sync drops them and builds them once at the end
 * (CREATE INDEX sorts; the counters are one GROUP BY each).
 *
 * Crash safety: the drop and the marker commit together, and the
 * registry's DDL fingerprint is forgotten in the same transaction, so a
 * store opened before the first sync ended gets its indexes and triggers
 * back from _pt_store_ensure_schema() at open; the derived counters
 * (doc_stats, batch_stock, medicine_stock) are recomputed from the rows
 * when the first sync ends, whichever connection or run finishes it. */
#define G_LOG_DOMAIN "pt-store-sync"
#include "config.h"

#include "pt-store-sync.h"
#include "pt-store-impl.h"

#define DEFERRED_KEY "deferred_indexes"

/* Drops the secondary indexes (not the primary key's) and the triggers of
 * every synced collection's table. */
static gboolean
drop_derived (PtStore  *store,
              GError  **error)
{
  const PtCollection * const *all;
  guint n = 0;

  all = pt_schema_collections (&n);
  for (guint i = 0; i < n; i++)
    if (all[i]->synced
        && !_pt_store_drop_table_derived (store, all[i]->name, TRUE, TRUE, error))
      return FALSE;
  return TRUE;
}

gboolean
pt_store_sync_defer_derived (PtStore   *store,
                             gboolean  *deferred,
                             GError   **error)
{
  const PtCollection * const *all;
  guint n = 0;

  g_return_val_if_fail (_pt_store_in_transaction (store), FALSE);

  *deferred = FALSE;
  if (pt_store_sync_get_int (store, DEFERRED_KEY, 0) != 1)
    {
      /* Only into empty tables: a store with rows may be in use (a new
       * offline pharmacy connecting, a catch-up after a lost resume
       * point) and its queries need the indexes. */
      if (pt_store_sync_get_int (store, "initial_complete", 0) == 1)
        return TRUE;
      all = pt_schema_collections (&n);
      for (guint i = 0; i < n; i++)
        {
          gboolean empty = FALSE;

          if (!all[i]->synced)
            continue;
          if (!_pt_store_table_is_empty (store, all[i]->name, &empty, error))
            return FALSE;
          if (!empty)
            return TRUE;
        }
    }
  /* Resuming: a store opened in between got them back (see above). */
  if (!drop_derived (store, error)
      || !_pt_store_meta_set (store, "registry_ddl", NULL, error)
      || !pt_store_sync_set_int (store, DEFERRED_KEY, 1, error))
    return FALSE;
  *deferred = TRUE;
  return TRUE;
}

gboolean
pt_store_sync_derived_deferred (PtStore *store)
{
  return pt_store_sync_get_int (store, DEFERRED_KEY, 0) == 1;
}

gboolean
pt_store_sync_restore_derived (PtStore  *store,
                               GError  **error)
{
  const PtCollection * const *all;
  guint n = 0;

  g_return_val_if_fail (_pt_store_in_transaction (store), FALSE);

  if (!pt_store_sync_derived_deferred (store))
    return TRUE;
  /* Indexes and triggers from the registry, as at any open. */
  if (!_pt_store_ensure_schema (store, error))
    return FALSE;
  all = pt_schema_collections (&n);
  for (guint i = 0; i < n; i++)
    {
      g_autofree gchar *stats = NULL;

      if (!all[i]->synced)
        continue;
      /* One scan of the table (what the stats triggers would have
       * added up). */
      stats = g_strdup_printf ("UPDATE doc_stats SET (live, total, bytes) = "
                               "(SELECT coalesce(sum(deleted = 0), 0), count(*), "
                               "coalesce(sum(length(doc)), 0) FROM \"%s\") "
                               "WHERE collection = '%s'",
                               all[i]->name, all[i]->name);
      if (!_pt_store_exec (store, stats, error))
        return FALSE;
    }
  /* The stock cache, as _pt_store_rebuild_derived() computes it. */
  if (pt_schema_lookup ("stock_movements") != NULL
      && !_pt_store_exec (store,
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
    return FALSE;
  return pt_store_sync_set (store, DEFERRED_KEY, NULL, error);
}
