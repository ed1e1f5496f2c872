/* pt-store-sync.c: the store side of the sync engine — its tables and
 * its keys in meta.  The rest: pt-store-sync-apply.c (server documents
 * into rows: pull, catch-up), pt-store-sync-outbox.c (push),
 * pt-store-sync-quarantine.c (conflict log, quarantine),
 * pt-store-sync-defer.c (a first sync's indexes). */
#define G_LOG_DOMAIN "pt-store-sync"
#include "config.h"

#include "pt-store-sync-private.h"

static const gchar sync_ddl[] =
  "CREATE TABLE IF NOT EXISTS sync_conflicts ("
  "  id INTEGER PRIMARY KEY, collection TEXT NOT NULL, doc_id TEXT NOT NULL,"
  "  field TEXT NOT NULL, lost_value TEXT, kept_value TEXT,"
  "  lost_stamp TEXT, kept_stamp TEXT, reason TEXT NOT NULL,"
  "  logged_at INTEGER NOT NULL, reviewed INTEGER NOT NULL DEFAULT 0);"
  "CREATE TABLE IF NOT EXISTS sync_quarantine ("
  "  collection TEXT NOT NULL, doc_id TEXT NOT NULL, version TEXT,"
  "  code INTEGER, message TEXT NOT NULL, at INTEGER NOT NULL,"
  "  PRIMARY KEY (collection, doc_id));";

gboolean
pt_store_sync_ensure_schema (PtStore  *store,
                             GError  **error)
{
  if (g_object_get_data (G_OBJECT (store), "pt-sync-schema") != NULL)
    return TRUE;
  if (!_pt_store_exec (store, sync_ddl, error))
    return FALSE;
  g_object_set_data (G_OBJECT (store), "pt-sync-schema", GINT_TO_POINTER (1));
  return TRUE;
}

/* ---- Meta --------------------------------------------------------------- */

gchar *
pt_store_sync_get (PtStore     *store,
                   const gchar *key)
{
  g_autofree gchar *k = g_strconcat ("sync.", key, NULL);
  return _pt_store_meta_get (store, k);
}

gboolean
pt_store_sync_set (PtStore     *store,
                   const gchar *key,
                   const gchar *value,
                   GError     **error)
{
  g_autofree gchar *k = g_strconcat ("sync.", key, NULL);
  return _pt_store_meta_set (store, k, value, error);
}

gint64
pt_store_sync_get_int (PtStore     *store,
                       const gchar *key,
                       gint64       fallback)
{
  g_autofree gchar *v = pt_store_sync_get (store, key);
  return v != NULL ? g_ascii_strtoll (v, NULL, 10) : fallback;
}

gboolean
pt_store_sync_set_int (PtStore     *store,
                       const gchar *key,
                       gint64       value,
                       GError     **error)
{
  g_autofree gchar *v = g_strdup_printf ("%" G_GINT64_FORMAT, value);
  return pt_store_sync_set (store, key, v, error);
}

/* ---- Transactions ------------------------------------------------------- */

gboolean
_pt_store_sync_finish (PtStore  *store,
                       gboolean  ok,
                       GError  **error)
{
  if (!ok)
    {
      _pt_store_rollback (store);
      return FALSE;
    }
  return _pt_store_commit (store, error);
}
