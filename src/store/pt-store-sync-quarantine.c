/* pt-store-sync-quarantine.c: what staff review — writes the server
 * refused for good (quarantine) and the conflict log the merge writes. */
#define G_LOG_DOMAIN "pt-store-sync"
#include "config.h"

#include <inttypes.h>
#include <string.h>
#include <glib/gi18n-lib.h>
#include "pt-store-sync-private.h"
#include "pt-sync-engine.h"

#define FOREIGN_DEVICE "0000000000000000"

/* ---- Quarantine ---------------------------------------------------------- */

gboolean
pt_store_sync_quarantine (PtStore            *store,
                          const PtCollection *collection,
                          const gchar        *id,
                          const gchar        *version,
                          gint                server_code,
                          const gchar        *server_message,
                          GError            **error)
{
  sqlite3_stmt *stmt;
  gboolean ok;

  if (!pt_store_sync_ensure_schema (store, error) || !_pt_store_begin (store, error))
    return FALSE;
  stmt = _pt_store_prepare (store,
                            "INSERT INTO sync_quarantine (collection, doc_id, version, code, message, at) "
                            "VALUES (?1, ?2, ?3, ?4, ?5, ?6) ON CONFLICT (collection, doc_id) DO UPDATE SET "
                            "version = excluded.version, code = excluded.code, "
                            "message = excluded.message, at = excluded.at", error);
  ok = stmt != NULL;
  if (ok)
    {
      sqlite3_bind_text (stmt, 1, collection->name, -1, SQLITE_STATIC);
      sqlite3_bind_text (stmt, 2, id, -1, SQLITE_TRANSIENT);
      sqlite3_bind_text (stmt, 3, version, -1, SQLITE_TRANSIENT);
      sqlite3_bind_int (stmt, 4, server_code);
      sqlite3_bind_text (stmt, 5, server_message, -1, SQLITE_TRANSIENT);
      sqlite3_bind_int64 (stmt, 6, pt_hlc_wall_ms ());
      ok = sqlite3_step (stmt) == SQLITE_DONE
           || _pt_store_set_sqlite_error (store, sqlite3_errcode (_pt_store_get_db (store)),
                                          "quarantine", error);
      sqlite3_reset (stmt);
    }
  /* Out of the queue (never blocking it); the row itself is kept as is. */
  ok = ok && _pt_store_outbox_remove (store, collection->name, id, version, NULL, error);
  return _pt_store_sync_finish (store, ok, error);
}

/* ---- Conflict log and quarantine ---------------------------------------- */

gint64
pt_store_sync_count_conflicts (PtStore  *store,
                               gboolean  include_reviewed)
{
  sqlite3_stmt *stmt;
  gint64 n = 0;

  if (!pt_store_sync_ensure_schema (store, NULL))
    return 0;
  stmt = _pt_store_prepare (store, include_reviewed
                                   ? "SELECT count(*) FROM sync_conflicts"
                                   : "SELECT count(*) FROM sync_conflicts WHERE reviewed = 0",
                            NULL);
  if (stmt == NULL)
    return 0;
  if (sqlite3_step (stmt) == SQLITE_ROW)
    n = sqlite3_column_int64 (stmt, 0);
  sqlite3_reset (stmt);
  return n;
}

gint64
pt_store_sync_count_quarantined (PtStore *store)
{
  sqlite3_stmt *stmt;
  gint64 n = 0;

  if (!pt_store_sync_ensure_schema (store, NULL))
    return 0;
  stmt = _pt_store_prepare (store, "SELECT count(*) FROM sync_quarantine", NULL);
  if (stmt == NULL)
    return 0;
  if (sqlite3_step (stmt) == SQLITE_ROW)
    n = sqlite3_column_int64 (stmt, 0);
  sqlite3_reset (stmt);
  return n;
}

static gchar *
col_text (sqlite3_stmt *stmt,
          int           i)
{
  const guchar *t = sqlite3_column_text (stmt, i);
  return t != NULL ? g_strdup ((const gchar *) t) : NULL;
}

static gchar *
stamp_device (const gchar *stamp)
{
  const gchar *dash = stamp != NULL ? strchr (stamp, '-') : NULL;
  return g_strdup (dash != NULL ? dash + 1 : FOREIGN_DEVICE);
}

GPtrArray *
pt_store_sync_list_conflicts (PtStore  *store,
                              gboolean  include_reviewed,
                              GError  **error)
{
  g_autoptr(GPtrArray) list = g_ptr_array_new_with_free_func ((GDestroyNotify) pt_sync_conflict_free);
  sqlite3_stmt *stmt;
  int rc;

  if (!pt_store_sync_ensure_schema (store, error))
    return NULL;
  stmt = _pt_store_prepare (store,
                            include_reviewed
                            ? "SELECT id, collection, doc_id, field, lost_value, kept_value, lost_stamp, "
                              "kept_stamp, reason, logged_at, reviewed FROM sync_conflicts ORDER BY id DESC"
                            : "SELECT id, collection, doc_id, field, lost_value, kept_value, lost_stamp, "
                              "kept_stamp, reason, logged_at, reviewed FROM sync_conflicts "
                              "WHERE reviewed = 0 ORDER BY id DESC",
                            error);
  if (stmt == NULL)
    return NULL;
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      PtSyncConflict *c = g_new0 (PtSyncConflict, 1);
      g_autofree gchar *lost_stamp = col_text (stmt, 6);
      g_autofree gchar *kept_stamp = col_text (stmt, 7);

      c->id = sqlite3_column_int64 (stmt, 0);
      c->collection = col_text (stmt, 1);
      c->document_id = col_text (stmt, 2);
      c->field = col_text (stmt, 3);
      c->lost_value = col_text (stmt, 4);
      c->kept_value = col_text (stmt, 5);
      c->lost_device = stamp_device (lost_stamp);
      c->kept_device = stamp_device (kept_stamp);
      c->lost_at_ms = lost_stamp != NULL ? pt_hlc_stamp_time_ms (lost_stamp) : 0;
      c->reason = col_text (stmt, 8);
      c->logged_at_ms = sqlite3_column_int64 (stmt, 9);
      c->reviewed = sqlite3_column_int (stmt, 10) != 0;
      g_ptr_array_add (list, c);
    }
  sqlite3_reset (stmt);
  if (rc != SQLITE_DONE)
    {
      _pt_store_set_sqlite_error (store, rc, "list conflicts", error);
      return NULL;
    }
  return g_steal_pointer (&list);
}

gboolean
pt_store_sync_mark_conflict_reviewed (PtStore  *store,
                                      gint64    id,
                                      GError  **error)
{
  sqlite3_stmt *stmt;
  int rc;

  if (!pt_store_sync_ensure_schema (store, error))
    return FALSE;
  stmt = _pt_store_prepare (store, "UPDATE sync_conflicts SET reviewed = 1 WHERE id = ?1", error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, id);
  rc = sqlite3_step (stmt);
  sqlite3_reset (stmt);
  if (rc != SQLITE_DONE)
    return _pt_store_set_sqlite_error (store, rc, "mark conflict reviewed", error);
  if (sqlite3_changes (_pt_store_get_db (store)) == 0)
    {
      g_set_error (error, PT_ERROR, PT_ERROR_NOT_FOUND,
                   _("There is no conflict number %" PRId64 "."), id);
      return FALSE;
    }
  return TRUE;
}

GPtrArray *
pt_store_sync_list_quarantined (PtStore  *store,
                                GError  **error)
{
  g_autoptr(GPtrArray) list = g_ptr_array_new_with_free_func ((GDestroyNotify) pt_sync_quarantined_free);
  sqlite3_stmt *stmt;
  int rc;

  if (!pt_store_sync_ensure_schema (store, error))
    return NULL;
  stmt = _pt_store_prepare (store, "SELECT collection, doc_id, code, message, at FROM sync_quarantine "
                                   "ORDER BY at DESC", error);
  if (stmt == NULL)
    return NULL;
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      PtSyncQuarantined *q = g_new0 (PtSyncQuarantined, 1);

      q->collection = col_text (stmt, 0);
      q->document_id = col_text (stmt, 1);
      q->server_code = sqlite3_column_int (stmt, 2);
      q->server_message = col_text (stmt, 3);
      q->at_ms = sqlite3_column_int64 (stmt, 4);
      g_ptr_array_add (list, q);
    }
  sqlite3_reset (stmt);
  if (rc != SQLITE_DONE)
    {
      _pt_store_set_sqlite_error (store, rc, "list quarantine", error);
      return NULL;
    }
  return g_steal_pointer (&list);
}
