/* pt-store-sync-apply.c: server documents into rows (DESIGN §5 Pull and
 * Merge): the tenant guard, one document merged with its row, and the
 * bulk path of a catch-up page. */
#define G_LOG_DOMAIN "pt-store-sync"
#include "config.h"

#include <string.h>
#include "pt-store-sync-private.h"
#include "pt-sync-bson.h"
#include "pt-sync-merge.h"

/* ---- Pull --------------------------------------------------------------- */

static gchar *
id_hex (const bson_t *doc,
        const gchar  *key)
{
  bson_iter_t iter;

  if (!bson_iter_init_find (&iter, doc, key))
    return NULL;
  if (BSON_ITER_HOLDS_OID (&iter))
    {
      gchar hex[25];
      bson_oid_to_string (bson_iter_oid (&iter), hex);
      return g_strdup (hex);
    }
  if (BSON_ITER_HOLDS_UTF8 (&iter))
    return g_ascii_strdown (bson_iter_utf8 (&iter, NULL), -1);
  return NULL;
}

static gboolean
log_conflicts (PtStore            *store,
               const PtCollection *collection,
               const gchar        *id,
               GPtrArray          *conflicts,
               GError            **error)
{
  sqlite3_stmt *stmt;
  gint64 now = pt_hlc_wall_ms ();

  for (guint i = 0; i < conflicts->len; i++)
    {
      PtSyncMergeConflict *c = g_ptr_array_index (conflicts, i);
      int rc;

      stmt = _pt_store_prepare (store,
                                "INSERT INTO sync_conflicts (collection, doc_id, field, lost_value, "
                                "kept_value, lost_stamp, kept_stamp, reason, logged_at) "
                                "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)", error);
      if (stmt == NULL)
        return FALSE;
      sqlite3_bind_text (stmt, 1, collection->name, -1, SQLITE_STATIC);
      sqlite3_bind_text (stmt, 2, id, -1, SQLITE_TRANSIENT);
      sqlite3_bind_text (stmt, 3, c->field, -1, SQLITE_TRANSIENT);
      sqlite3_bind_text (stmt, 4, c->lost_value, -1, SQLITE_TRANSIENT);
      sqlite3_bind_text (stmt, 5, c->kept_value, -1, SQLITE_TRANSIENT);
      sqlite3_bind_text (stmt, 6, c->lost_stamp, -1, SQLITE_TRANSIENT);
      sqlite3_bind_text (stmt, 7, c->kept_stamp, -1, SQLITE_TRANSIENT);
      sqlite3_bind_text (stmt, 8, c->reason, -1, SQLITE_STATIC);
      sqlite3_bind_int64 (stmt, 9, now);
      rc = sqlite3_step (stmt);
      sqlite3_reset (stmt);
      if (rc != SQLITE_DONE)
        return _pt_store_set_sqlite_error (store, rc, "log conflict", error);
    }
  return TRUE;
}

static gboolean
count_dropped (PtStore  *store,
               GError  **error)
{
  gint64 n = pt_store_sync_get_int (store, "dropped_foreign", 0);
  return pt_store_sync_set_int (store, "dropped_foreign", n + 1, error);
}

/* Stamps for a document seen for the first time: the declared ones, or
 * the document's updatedAt for a foreign writer's fields. */
static bson_t *
first_stamps (const bson_t *doc,
              const bson_t *declared)
{
  bson_t *stamps = bson_new ();
  g_autofree gchar *foreign = pt_hlc_stamp_from_time (pt_sync_doc_updated_at (doc));
  bson_iter_t iter;

  if (bson_iter_init (&iter, doc))
    while (bson_iter_next (&iter))
      {
        const gchar *key = bson_iter_key (&iter);
        const gchar *st;

        if (strcmp (key, "_id") == 0 || strcmp (key, "tenantId") == 0)
          continue;
        st = pt_sync_stamp_get (declared, key);
        BSON_APPEND_UTF8 (stamps, key, st != NULL ? st : foreign);
      }
  return stamps;
}

/* Like id_hex() into a caller's buffer: no allocation per document. */
static gboolean
id_hex_buf (const bson_t *doc,
            const gchar  *key,
            gchar         out[25])
{
  bson_iter_t iter;

  if (!bson_iter_init_find (&iter, doc, key))
    return FALSE;
  if (BSON_ITER_HOLDS_OID (&iter))
    {
      bson_oid_to_string (bson_iter_oid (&iter), out);
      return TRUE;
    }
  if (BSON_ITER_HOLDS_UTF8 (&iter))
    {
      guint32 len = 0;
      const gchar *s = bson_iter_utf8 (&iter, &len);

      if (len != 24)
        return FALSE;
      for (guint i = 0; i < 24; i++)
        out[i] = g_ascii_tolower (s[i]);
      out[24] = '\0';
      return TRUE;
    }
  return FALSE;
}

/* The tenant guard: another tenant's document never reaches the disk. */
static gboolean
is_own_tenant (PtStore            *store,
               const PtCollection *collection,
               const bson_t       *remote)
{
  gchar tenant[25];

  return id_hex_buf (remote, collection->tenant_scoped ? "tenantId" : "_id", tenant)
         && g_strcmp0 (tenant, pt_store_get_tenant_id (store)) == 0;
}

/* The clock learns the remote version; the store's high-water mark is
 * written once per transaction by pt_store_sync_note_stamps() when the
 * caller keeps @stats, else at once. */
static gboolean
observe_version (PtStore           *store,
                 const gchar       *rver,
                 PtSyncApplyStats  *stats,
                 GError           **error)
{
  if (rver == NULL)
    return TRUE;
  pt_hlc_observe (pt_store_get_clock (store), rver);
  if (stats == NULL)
    return _pt_store_note_stamp (store, rver, error);
  if (strlen (rver) == PT_HLC_STAMP_LEN
      && pt_hlc_stamp_compare (rver, stats->max_stamp[0] ? stats->max_stamp : NULL) > 0)
    memcpy (stats->max_stamp, rver, PT_HLC_STAMP_LEN + 1);
  return TRUE;
}

/* A document with no local row: taken as it is, base = the server copy
 * (borrowed, not copied: the row is written before this returns).  With
 * @search_later the caller adds the search index entry. */
static gboolean
insert_new (PtStore            *store,
            const PtCollection *collection,
            const gchar        *id,
            const bson_t       *remote,
            bson_t             *rdoc,
            const bson_t       *rstamps,
            const gchar        *rver,
            gboolean            search_later,
            gint64             *rowid,
            GError            **error)
{
  PtRawRow out = { 0 };
  bson_t empty = BSON_INITIALIZER;
  gboolean ok;

  out.id = (gchar *) id;
  out.doc = rdoc;
  out.stamps = collection->kind == PT_COLLECTION_MUTABLE ? first_stamps (rdoc, rstamps) : &empty;
  out.version = (gchar *) rver;
  out.base = (bson_t *) remote;
  ok = _pt_store_insert_row (store, collection, &out, search_later, rowid, error);
  if (out.stamps != &empty)
    bson_destroy (out.stamps);
  return ok;
}

gboolean
pt_store_sync_apply_remote (PtStore            *store,
                            const PtCollection *collection,
                            const bson_t       *remote,
                            PtSyncApplyStats   *stats,
                            GError            **error)
{
  g_autofree gchar *id = NULL;
  g_autofree gchar *rver = NULL;
  g_autoptr(GError) local_error = NULL;
  g_autoptr(PtRawRow) row = NULL;
  g_autoptr(PtRawRow) out = NULL;
  g_autoptr(PtSyncMergeResult) merged = NULL;
  bson_t *rdoc = NULL, *rstamps = NULL;
  bson_t *bdoc = NULL, *bstamps = NULL;
  g_autofree gchar *bver = NULL;
  gboolean ok = FALSE;

  g_return_val_if_fail (_pt_store_in_transaction (store), FALSE);

  if (!pt_store_sync_ensure_schema (store, error))
    return FALSE;

  if (!is_own_tenant (store, collection, remote))
    {
      if (stats)
        stats->dropped_foreign++;
      g_debug ("dropped a %s document of another tenant", collection->name);
      return count_dropped (store, error);
    }
  id = id_hex (remote, "_id");
  if (id == NULL)
    {
      g_debug ("ignored a %s document without an ObjectId", collection->name);
      return TRUE;
    }

  pt_sync_bson_from_remote (collection, remote, &rdoc, &rstamps, &rver, NULL);
  if (!observe_version (store, rver, stats, error))
    goto out;

  row = _pt_store_read_row (store, collection, id, &local_error);
  if (row == NULL && !g_error_matches (local_error, PT_ERROR, PT_ERROR_NOT_FOUND))
    {
      g_propagate_error (error, g_steal_pointer (&local_error));
      goto out;
    }

  if (row == NULL)
    {
      /* New here: taken as it is. */
      ok = insert_new (store, collection, id, remote, rdoc, rstamps, rver, FALSE, NULL, error);
      if (ok && stats)
        stats->applied++;
      goto out;
    }

  out = _pt_raw_row_new ();
  out->id = g_strdup (id);

  if (collection->kind == PT_COLLECTION_INSERT_ONLY)
    {
      /* Immutable: the server copy is ours (a lost ack) or identical. */
      if (row->base == NULL)
        {
          ok = _pt_store_set_base (store, collection, id, remote, error)
               && _pt_store_outbox_remove (store, collection->name, id, NULL, NULL, error);
        }
      else
        ok = TRUE;
      if (ok && stats)
        stats->unchanged++;
      goto out;
    }

  if (row->base != NULL)
    pt_sync_bson_from_remote (collection, row->base, &bdoc, &bstamps, &bver, NULL);

  /* Nothing new: a replay, or the echo of our own acknowledged push. */
  if (row->base != NULL && g_strcmp0 (bver, rver) == 0
      && pt_sync_docs_equal (bdoc, rdoc, NULL))
    {
      if (stats)
        stats->unchanged++;
      ok = TRUE;
      goto out;
    }
  /* Our own write landed but its ack was lost. */
  if (rver != NULL && g_strcmp0 (rver, row->version) == 0
      && pt_sync_docs_equal (row->doc, rdoc, NULL))
    {
      ok = _pt_store_set_base (store, collection, id, remote, error)
           && _pt_store_outbox_remove (store, collection->name, id, rver, NULL, error);
      if (ok && stats)
        stats->unchanged++;
      goto out;
    }

  merged = pt_sync_merge (collection, bdoc, bstamps, row->doc, row->stamps, row->version,
                          rdoc, rstamps);
  out->doc = g_steal_pointer (&merged->doc);
  out->stamps = g_steal_pointer (&merged->stamps);
  out->base = bson_copy (remote);
  if (merged->differs_from_remote)
    {
      if (g_getenv ("PT_SYNC_TRACE") != NULL)
        {
          g_autofree gchar *jl = bson_as_relaxed_extended_json (row->doc, NULL);
          g_autofree gchar *jr = bson_as_relaxed_extended_json (rdoc, NULL);
          g_autofree gchar *jb = bdoc ? bson_as_relaxed_extended_json (bdoc, NULL) : NULL;
          g_autofree gchar *jm = bson_as_relaxed_extended_json (out->doc, NULL);
          g_message ("requeue %s\n L %s %s\n R %s %s\n B %s %s\n M %s", id, jl, row->version, jr, rver, jb, bver, jm);
        }
      /* A fresh version: the server must not be mistaken for carrying it. */
      out->version = pt_hlc_now (pt_store_get_clock (store));
      ok = _pt_store_note_stamp (store, out->version, error)
           && _pt_store_write_row (store, collection, out, error)
           && _pt_store_outbox_add (store, collection->name, id, error);
      if (ok && stats)
        stats->requeued++;
    }
  else
    {
      out->version = g_strdup (rver);
      ok = _pt_store_write_row (store, collection, out, error)
           && _pt_store_outbox_remove (store, collection->name, id, NULL, NULL, error);
    }
  if (ok && merged->conflicts->len > 0)
    {
      ok = log_conflicts (store, collection, id, merged->conflicts, error);
      if (ok && stats)
        stats->conflicts += merged->conflicts->len;
    }
  if (ok && stats)
    stats->applied++;

out:
  g_clear_pointer (&rdoc, bson_destroy);
  g_clear_pointer (&rstamps, bson_destroy);
  g_clear_pointer (&bdoc, bson_destroy);
  g_clear_pointer (&bstamps, bson_destroy);
  return ok;
}


/* The ids among @docs that have a local row: one query for the page. */
static GHashTable *
existing_ids (PtStore            *store,
              const PtCollection *collection,
              const bson_t * const *docs,
              guint               n_docs,
              GError            **error)
{
  g_autofree gchar *sql = g_strdup_printf ("SELECT id FROM \"%s\" WHERE id IN "
                                           "(SELECT value FROM json_each(?1))",
                                           collection->name);
  g_autoptr(GString) json = g_string_sized_new (n_docs * 27 + 2);
  GHashTable *found = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  sqlite3_stmt *stmt;
  int rc;

  g_string_append_c (json, '[');
  for (guint i = 0; i < n_docs; i++)
    {
      gchar id[25];

      if (!id_hex_buf (docs[i], "_id", id))
        continue;
      if (json->len > 1)
        g_string_append_c (json, ',');
      g_string_append_c (json, '"');
      g_string_append_len (json, id, 24);
      g_string_append_c (json, '"');
    }
  g_string_append_c (json, ']');

  stmt = _pt_store_prepare (store, sql, error);
  if (stmt == NULL)
    {
      g_hash_table_unref (found);
      return NULL;
    }
  sqlite3_bind_text (stmt, 1, json->str, (int) json->len, SQLITE_STATIC);
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    g_hash_table_add (found, g_strdup ((const gchar *) sqlite3_column_text (stmt, 0)));
  sqlite3_reset (stmt);
  sqlite3_clear_bindings (stmt);
  if (rc != SQLITE_DONE)
    {
      g_hash_table_unref (found);
      _pt_store_set_sqlite_error (store, rc, "look up synced rows", error);
      return NULL;
    }
  return found;
}

/* Search index entries of the rows inserted so far in a page. */
typedef struct
{
  GArray    *rowids;
  GPtrArray *docs;
} Deferred;

static gboolean
index_deferred (PtStore            *store,
                const PtCollection *collection,
                Deferred           *d,
                GError            **error)
{
  for (guint i = 0; i < d->docs->len; i++)
    if (!_pt_store_index_row (store, collection, g_array_index (d->rowids, gint64, i),
                              g_ptr_array_index (d->docs, i), error))
      return FALSE;
  g_array_set_size (d->rowids, 0);
  g_ptr_array_set_size (d->docs, 0);
  return TRUE;
}

gboolean
pt_store_sync_apply_batch (PtStore              *store,
                           const PtCollection   *collection,
                           const bson_t * const *docs,
                           guint                 n_docs,
                           PtSyncApplyStats     *stats,
                           GError              **error)
{
  g_autoptr(GHashTable) existing = NULL;
  g_autoptr(GArray) rowids = g_array_new (FALSE, FALSE, sizeof (gint64));
  g_autoptr(GPtrArray) indexed = g_ptr_array_new_with_free_func ((GDestroyNotify) bson_destroy);
  Deferred deferred = { rowids, indexed };
  gint64 dropped = 0;

  g_return_val_if_fail (_pt_store_in_transaction (store), FALSE);
  g_return_val_if_fail (stats != NULL, FALSE);

  if (n_docs == 0)
    return TRUE;
  if (!pt_store_sync_ensure_schema (store, error))
    return FALSE;
  existing = existing_ids (store, collection, docs, n_docs, error);
  if (existing == NULL)
    return FALSE;

  for (guint i = 0; i < n_docs; i++)
    {
      const bson_t *remote = docs[i];
      bson_t *rdoc = NULL, *rstamps = NULL;
      gchar *rver = NULL;
      gchar id[25];
      gint64 rowid = 0;
      gboolean ok;

      if (!is_own_tenant (store, collection, remote))
        {
          dropped++;
          g_debug ("dropped a %s document of another tenant", collection->name);
          continue;
        }
      if (!id_hex_buf (remote, "_id", id))
        {
          g_debug ("ignored a %s document without an ObjectId", collection->name);
          continue;
        }
      if (g_hash_table_contains (existing, id))
        {
          /* Known here: the full merge (after the pending search entries,
           * which it may rewrite). */
          if (!index_deferred (store, collection, &deferred, error)
              || !pt_store_sync_apply_remote (store, collection, remote, stats, error))
            return FALSE;
          continue;
        }

      pt_sync_bson_from_remote (collection, remote, &rdoc, &rstamps, &rver, NULL);
      ok = observe_version (store, rver, stats, error)
           && insert_new (store, collection, id, remote, rdoc, rstamps, rver, TRUE, &rowid, error);
      bson_destroy (rstamps);
      g_free (rver);
      if (!ok)
        {
          bson_destroy (rdoc);
          return FALSE;
        }
      g_array_append_val (rowids, rowid);
      g_ptr_array_add (indexed, rdoc);
      stats->applied++;
      /* The same id again later in the page merges with this row. */
      g_hash_table_add (existing, g_strdup (id));
    }

  /* The page's search entries in one run: FTS5 keeps them in memory
   * until the commit. */
  if (!index_deferred (store, collection, &deferred, error))
    return FALSE;

  if (dropped > 0)
    {
      gint64 n = pt_store_sync_get_int (store, "dropped_foreign", 0);

      stats->dropped_foreign += dropped;
      if (!pt_store_sync_set_int (store, "dropped_foreign", n + dropped, error))
        return FALSE;
    }
  return TRUE;
}

gboolean
pt_store_sync_note_stamps (PtStore                *store,
                           const PtSyncApplyStats *stats,
                           GError                **error)
{
  if (stats->max_stamp[0] == '\0')
    return TRUE;
  return _pt_store_note_stamp (store, stats->max_stamp, error);
}
