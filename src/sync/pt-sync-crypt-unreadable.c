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
  "  at INTEGER NOT NULL, reason INTEGER NOT NULL DEFAULT 0,"
  "  PRIMARY KEY (collection, doc_id));";

static gboolean
ensure_table (PtStore  *store,
              GError  **error)
{
  if (g_object_get_data (G_OBJECT (store), "pt-sync-unreadable") != NULL)
    return TRUE;
  if (!_pt_store_exec (store, unreadable_ddl, error))
    return FALSE;
  /* Listed by an earlier version (no cause kept): reason 0 until the
   * document is seen again. */
  if (_pt_store_prepare (store, "SELECT reason FROM sync_unreadable LIMIT 0", NULL) == NULL
      && !_pt_store_exec (store, "ALTER TABLE sync_unreadable ADD COLUMN reason INTEGER NOT NULL DEFAULT 0",
                          NULL)
      && _pt_store_prepare (store, "SELECT reason FROM sync_unreadable LIMIT 0", error) == NULL)
    return FALSE;  /* (another process may have added it meanwhile) */
  g_object_set_data (G_OBJECT (store), "pt-sync-unreadable", GINT_TO_POINTER (1));
  return TRUE;
}

gboolean
_pt_sync_unreadable_is_value_error (const GError *error)
{
  /* Damaged ciphertext, or one under a key this pharmacy lacks; a network
   * failure while fetching a key is not (the whole step is retried). */
  return g_error_matches (error, PT_SYNC_ERROR, PT_SYNC_ERROR_RECORD_DAMAGED)
         || g_error_matches (error, PT_SYNC_ERROR, PT_SYNC_ERROR_RECORD_KEY_MISSING)
         || g_error_matches (error, PT_SYNC_ERROR, PT_SYNC_ERROR_KEY_MISSING);
}

gboolean
_pt_sync_unreadable_note (PtStore            *store,
                          const PtCollection *collection,
                          const gchar        *id,
                          const GError       *why,
                          GError            **error)
{
  sqlite3_stmt *stmt;
  int rc;

  if (!ensure_table (store, error))
    return FALSE;
  stmt = _pt_store_prepare (store,
                            "INSERT INTO sync_unreadable (collection, doc_id, message, at, reason) "
                            "VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT (collection, doc_id) DO UPDATE SET "
                            "message = excluded.message, at = excluded.at, reason = excluded.reason",
                            error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_text (stmt, 1, collection->name, -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, 2, id, -1, SQLITE_TRANSIENT);
  sqlite3_bind_text (stmt, 3, why->message, -1, SQLITE_TRANSIENT);
  sqlite3_bind_int64 (stmt, 4, pt_hlc_wall_ms ());
  sqlite3_bind_int (stmt, 5, why->domain == PT_SYNC_ERROR ? why->code : 0);
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
  stmt = _pt_store_prepare (store, "SELECT collection, doc_id, message, at, reason FROM sync_unreadable "
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
      u->reason = sqlite3_column_int (stmt, 4);
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

/* "3 patient records": the kind of record, counted. */
static gchar *
describe_records (const gchar *collection,
                  gint64       n)
{
  g_autofree gchar *count = g_strdup_printf ("%" PRId64, n);

  if (g_strcmp0 (collection, "patients") == 0)
    return g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%s patient record", "%s patient records", n), count);
  if (g_strcmp0 (collection, "users") == 0)
    return g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%s user account", "%s user accounts", n), count);
  return g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%s record", "%s records", n), count);
}

/* One sentence about @n records of @collection left out for @reason. */
static gchar *
describe_group (const gchar *collection,
                gint         reason,
                gint64       n)
{
  g_autofree gchar *records = describe_records (collection, n);

  switch (reason)
    {
    case PT_SYNC_ERROR_KEY_MISSING:
      /* Translators: %s is "3 patient records" */
      return g_strdup_printf (g_dngettext (GETTEXT_PACKAGE,
                                           "%s from the cloud cannot be read on this counter: the "
                                           "encryption key is missing. Ask your administrator for the "
                                           "key file.",
                                           "%s from the cloud cannot be read on this counter: the "
                                           "encryption key is missing. Ask your administrator for the "
                                           "key file.", n),
                              records);
    case PT_SYNC_ERROR_RECORD_KEY_MISSING:
      /* Translators: %s is "3 patient records" */
      return g_strdup_printf (g_dngettext (GETTEXT_PACKAGE,
                                           "%s from the cloud cannot be read on this counter: it was "
                                           "encrypted with a key the pharmacy does not have. Ask your "
                                           "administrator to check the cloud’s key vault.",
                                           "%s from the cloud cannot be read on this counter: they were "
                                           "encrypted with a key the pharmacy does not have. Ask your "
                                           "administrator to check the cloud’s key vault.", n),
                              records);
    case PT_SYNC_ERROR_RECORD_DAMAGED:
      /* Translators: %s is "3 patient records" */
      return g_strdup_printf (g_dngettext (GETTEXT_PACKAGE,
                                           "%s from the cloud cannot be read on this counter: it is "
                                           "damaged. Ask your administrator to restore it in the cloud.",
                                           "%s from the cloud cannot be read on this counter: they are "
                                           "damaged. Ask your administrator to restore them in the cloud.",
                                           n),
                              records);
    default:
      return pt_sync_unreadable_describe (n);
    }
}

typedef struct
{
  const gchar *collection;
  gint         reason;
  gint64       n;
} Group;

/* The largest group first; then by cause (a missing key before damage: it
 * is the one staff can act on at once) and by collection, so the order
 * never depends on when each document was seen. */
static gint
group_cmp (gconstpointer a,
           gconstpointer b)
{
  const Group *x = a, *y = b;

  if (x->n != y->n)
    return x->n > y->n ? -1 : 1;
  if (x->reason != y->reason)
    return x->reason < y->reason ? -1 : 1;
  return g_strcmp0 (x->collection, y->collection);
}

GStrv
pt_sync_unreadable_summarise (GPtrArray *list)
{
  g_autoptr(GArray) groups = g_array_new (FALSE, TRUE, sizeof (Group));
  GPtrArray *sentences = g_ptr_array_new ();

  for (guint i = 0; list != NULL && i < list->len; i++)
    {
      PtSyncUnreadable *u = g_ptr_array_index (list, i);
      /* Earlier versions kept no cause: one generic sentence for those. */
      const gchar *collection = u->reason != 0 ? u->collection : NULL;
      guint g;

      for (g = 0; g < groups->len; g++)
        {
          Group *group = &g_array_index (groups, Group, g);

          if (group->reason == u->reason && g_strcmp0 (group->collection, collection) == 0)
            {
              group->n++;
              break;
            }
        }
      if (g == groups->len)
        {
          Group group = { collection, u->reason, 1 };

          g_array_append_val (groups, group);
        }
    }
  g_array_sort (groups, group_cmp);
  for (guint g = 0; g < groups->len; g++)
    {
      Group *group = &g_array_index (groups, Group, g);

      g_ptr_array_add (sentences, describe_group (group->collection, group->reason, group->n));
    }
  g_ptr_array_add (sentences, NULL);
  return (GStrv) g_ptr_array_free (sentences, FALSE);
}
