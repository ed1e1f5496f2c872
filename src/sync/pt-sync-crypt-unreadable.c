/* pt-sync-crypt-unreadable.c: documents of this tenant in the cloud whose
 * encrypted fields this counter cannot decrypt (damaged bytes, or a key
 * the pharmacy does not have, written by a foreign writer).  One such
 * document must not stop the pull: it is left out of the local store
 * (a local copy stays as it was), listed here for staff, and the
 * checkpoint or resume token moves on.  It leaves the list as soon as a
 * readable version of it arrives. */
#define G_LOG_DOMAIN "pt-sync"
#include "config.h"

#include <inttypes.h>
#include <glib/gi18n-lib.h>
#include "pt-sync-private.h"

static const gchar unreadable_ddl[] =
  "CREATE TABLE IF NOT EXISTS sync_unreadable ("
  "  collection TEXT NOT NULL, doc_id TEXT NOT NULL, message TEXT NOT NULL,"
  "  at INTEGER NOT NULL, PRIMARY KEY (collection, doc_id));";

static gboolean
ensure_table (PtStore  *store,
              GError  **error)
{
  if (g_object_get_data (G_OBJECT (store), "pt-sync-unreadable") != NULL)
    return TRUE;
  if (!_pt_store_exec (store, unreadable_ddl, error))
    return FALSE;
  g_object_set_data (G_OBJECT (store), "pt-sync-unreadable", GINT_TO_POINTER (1));
  return TRUE;
}

gboolean
_pt_sync_unreadable_is_value_error (const GError *error)
{
  /* Damaged ciphertext, or one under a key this pharmacy lacks; a network
   * failure while fetching a key is not (the whole step is retried). */
  return g_error_matches (error, PT_ERROR, PT_ERROR_CORRUPT)
         || g_error_matches (error, PT_ERROR, PT_ERROR_PERMISSION_DENIED);
}

gboolean
_pt_sync_unreadable_note (PtStore            *store,
                          const PtCollection *collection,
                          const gchar        *id,
                          const gchar        *message,
                          GError            **error)
{
  sqlite3_stmt *stmt;
  int rc;

  if (!ensure_table (store, error))
    return FALSE;
  stmt = _pt_store_prepare (store,
                            "INSERT INTO sync_unreadable (collection, doc_id, message, at) "
                            "VALUES (?1, ?2, ?3, ?4) ON CONFLICT (collection, doc_id) DO UPDATE SET "
                            "message = excluded.message, at = excluded.at", error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_text (stmt, 1, collection->name, -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, 2, id, -1, SQLITE_TRANSIENT);
  sqlite3_bind_text (stmt, 3, message, -1, SQLITE_TRANSIENT);
  sqlite3_bind_int64 (stmt, 4, pt_hlc_wall_ms ());
  rc = sqlite3_step (stmt);
  sqlite3_reset (stmt);
  if (rc != SQLITE_DONE)
    return _pt_store_set_sqlite_error (store, rc, "note unreadable document", error);
  return TRUE;
}

gboolean
_pt_sync_unreadable_forget (PtStore            *store,
                            const PtCollection *collection,
                            const gchar        *id,
                            GError            **error)
{
  sqlite3_stmt *stmt;
  int rc;

  if (!ensure_table (store, error))
    return FALSE;
  stmt = _pt_store_prepare (store, "DELETE FROM sync_unreadable WHERE collection = ?1 AND doc_id = ?2",
                            error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_text (stmt, 1, collection->name, -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, 2, id, -1, SQLITE_TRANSIENT);
  rc = sqlite3_step (stmt);
  sqlite3_reset (stmt);
  if (rc != SQLITE_DONE)
    return _pt_store_set_sqlite_error (store, rc, "forget unreadable document", error);
  return TRUE;
}

gint64
pt_sync_count_unreadable (PtStore *store)
{
  sqlite3_stmt *stmt;
  gint64 n = 0;

  g_return_val_if_fail (PT_IS_STORE (store), 0);
  if (!ensure_table (store, NULL))
    return 0;
  stmt = _pt_store_prepare (store, "SELECT count(*) FROM sync_unreadable", NULL);
  if (stmt == NULL)
    return 0;
  if (sqlite3_step (stmt) == SQLITE_ROW)
    n = sqlite3_column_int64 (stmt, 0);
  sqlite3_reset (stmt);
  return n;
}

void
pt_sync_unreadable_free (PtSyncUnreadable *u)
{
  if (u == NULL)
    return;
  g_free (u->collection);
  g_free (u->document_id);
  g_free (u->message);
  g_free (u);
}

GPtrArray *
pt_sync_list_unreadable (PtStore  *store,
                         GError  **error)
{
  g_autoptr(GPtrArray) list = g_ptr_array_new_with_free_func ((GDestroyNotify) pt_sync_unreadable_free);
  sqlite3_stmt *stmt;
  int rc;

  g_return_val_if_fail (PT_IS_STORE (store), NULL);
  if (!ensure_table (store, error))
    return NULL;
  stmt = _pt_store_prepare (store, "SELECT collection, doc_id, message, at FROM sync_unreadable "
                                   "ORDER BY at DESC, collection, doc_id", error);
  if (stmt == NULL)
    return NULL;
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      PtSyncUnreadable *u = g_new0 (PtSyncUnreadable, 1);

      u->collection = g_strdup ((const gchar *) sqlite3_column_text (stmt, 0));
      u->document_id = g_strdup ((const gchar *) sqlite3_column_text (stmt, 1));
      u->message = g_strdup ((const gchar *) sqlite3_column_text (stmt, 2));
      u->at_ms = sqlite3_column_int64 (stmt, 3);
      g_ptr_array_add (list, u);
    }
  sqlite3_reset (stmt);
  if (rc != SQLITE_DONE)
    {
      _pt_store_set_sqlite_error (store, rc, "list unreadable documents", error);
      return NULL;
    }
  return g_steal_pointer (&list);
}

gchar *
pt_sync_unreadable_describe (gint64 n)
{
  if (n <= 0)
    return NULL;
  return g_strdup_printf (g_dngettext (GETTEXT_PACKAGE,
                                       "%" PRId64 " record in the cloud cannot be decrypted by this "
                                       "counter (it is damaged, or encrypted with a key the pharmacy "
                                       "does not have). It is left out here until it is repaired; "
                                       "everything else keeps syncing. Ask your administrator to "
                                       "check it.",
                                       "%" PRId64 " records in the cloud cannot be decrypted by this "
                                       "counter (they are damaged, or encrypted with a key the "
                                       "pharmacy does not have). They are left out here until they "
                                       "are repaired; everything else keeps syncing. Ask your "
                                       "administrator to check them.", n),
                          n);
}
