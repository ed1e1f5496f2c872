/* pt-sync-crypt-session.c: where a sync session meets the encryption of
 * sensitive fields (pt-sync-crypt.h): opening the tenant's key on
 * connect, decrypting what comes in, encrypting what goes out. */
#define G_LOG_DOMAIN "pt-sync"
#include "config.h"

#include <string.h>
#include <glib/gi18n-lib.h>
#include "pt-store-private.h"
#include "pt-sync-bson.h"
#include "pt-sync-crypt.h"
#include "pt-sync-private.h"

/* The marker a decrypted base carries when the server copy must be
 * written again: it had a sensitive value in clear (the next push
 * encrypts it) or a formerly sensitive one encrypted (the next push
 * writes it in clear). */
#define PLAIN_MARKER "plain"

static gboolean sweep_clear_documents (PtSyncSession  *s,
                                       PtSyncFailure  *failure,
                                       GError        **error);
static gboolean sweep_formerly_encrypted (PtSyncSession  *s,
                                          PtSyncFailure  *failure,
                                          GError        **error);

gboolean
_pt_sync_session_open_crypt (PtSyncSession  *s,
                             PtSyncFailure  *failure,
                             GError        **error)
{
  g_autoptr(GBytes) key = NULL;
  g_autoptr(GError) local_error = NULL;

  g_clear_pointer (&s->crypt, pt_sync_crypt_free);
  key = pt_sync_crypt_load_counter_key (pt_store_get_data_dir (s->store), s->tenant_id,
                                        &local_error);
  if (local_error != NULL)
    {
      g_propagate_error (error, g_steal_pointer (&local_error));
      return pt_sync_failure_set (failure, PT_SYNC_FAILURE_ATTENTION);
    }
  if (!pt_sync_crypt_open (s->client, s->tenant_id, key, &s->crypt, failure, error))
    return FALSE;
  return s->crypt == NULL
         || (sweep_clear_documents (s, failure, error)
             && sweep_formerly_encrypted (s, failure, error));
}

/* {$or: [{path: {$exists: true, $not: {$type: "binData"}}}, …]} clauses
 * for the sensitive values under @fields. */
static void
append_clear_clauses (bson_t        *or,
                      guint         *n,
                      const gchar   *prefix,
                      const PtField *fields,
                      guint          n_fields)
{
  for (guint i = 0; i < n_fields; i++)
    {
      const PtField *field = &fields[i];
      g_autofree gchar *path = NULL;

      if (!pt_sync_crypt_field_is_sensitive (field))
        continue;
      path = prefix != NULL ? g_strconcat (prefix, ".", field->name, NULL) : g_strdup (field->name);
      if (field->flags & PT_FIELD_FLAG_SENSITIVE)
        {
          bson_t clause, cond, not;
          gchar key[16];

          g_snprintf (key, sizeof key, "%u", (*n)++);
          BSON_APPEND_DOCUMENT_BEGIN (or, key, &clause);
          BSON_APPEND_DOCUMENT_BEGIN (&clause, path, &cond);
          BSON_APPEND_BOOL (&cond, "$exists", true);
          BSON_APPEND_DOCUMENT_BEGIN (&cond, "$not", &not);
          BSON_APPEND_UTF8 (&not, "$type", "binData");
          bson_append_document_end (&cond, &not);
          bson_append_document_end (&clause, &cond);
          bson_append_document_end (or, &clause);
        }
      else
        append_clear_clauses (or, n, path, field->children, field->n_children);
    }
}

/* Merges every document of @coll that @filter finds on the server (in the
 * caller's transaction).  A server failure is classified (@what for the
 * log), a local one is TRANSIENT. */
static gboolean
merge_found (PtSyncSession      *s,
             const PtCollection *coll,
             const bson_t       *filter,
             PtSyncApplyStats   *stats,
             const gchar        *what,
             PtSyncFailure      *failure,
             GError            **error)
{
  mongoc_collection_t *mc = mongoc_database_get_collection (s->db, coll->name);
  mongoc_cursor_t *cursor = mongoc_collection_find_with_opts (mc, filter, NULL, NULL);
  const bson_t *doc;
  bson_error_t berr;
  gboolean ok = TRUE;

  while (ok && mongoc_cursor_next (cursor, &doc))
    ok = _pt_sync_session_apply_remote (s, coll, doc, stats, error);
  if (ok && mongoc_cursor_error (cursor, &berr))
    ok = pt_sync_error_fail (&berr, what, failure, error);
  else if (!ok)
    pt_sync_failure_set (failure, PT_SYNC_FAILURE_TRANSIENT);
  mongoc_cursor_destroy (cursor);
  mongoc_collection_destroy (mc);
  return ok;
}

/* Once per counter and data key: documents of this tenant whose sensitive
 * values are still in clear on the server (written before the tenant's
 * encryption was switched on, or by a foreign writer) are merged and
 * queued, so the next push writes them back encrypted. */
static gboolean
sweep_clear_documents (PtSyncSession  *s,
                       PtSyncFailure  *failure,
                       GError        **error)
{
  g_autofree gchar *key_hex = NULL;
  g_autofree gchar *swept = pt_store_sync_get (s->store, "crypt_swept");
  guint n_colls;
  const PtCollection * const *colls = pt_schema_collections (&n_colls);
  PtSyncApplyStats stats = { 0 };
  gint64 queued = 0;

  key_hex = pt_sync_crypt_dup_key_id (s->crypt);
  if (g_strcmp0 (swept, key_hex) == 0)
    return TRUE;

  if (!_pt_store_begin (s->store, error))
    return pt_sync_failure_set (failure, PT_SYNC_FAILURE_TRANSIENT);
  for (guint c = 0; c < n_colls; c++)
    {
      const PtCollection *coll = colls[c];
      bson_t filter = BSON_INITIALIZER, or;
      guint n = 0;
      gint64 before;
      gboolean ok;

      if (!coll->synced || coll->kind != PT_COLLECTION_MUTABLE
          || !pt_sync_crypt_collection_is_sensitive (coll))
        continue;
      BSON_APPEND_OID (&filter, coll->tenant_scoped ? "tenantId" : "_id", &s->tenant_oid);
      BSON_APPEND_ARRAY_BEGIN (&filter, "$or", &or);
      append_clear_clauses (&or, &n, NULL, coll->fields, coll->n_fields);
      bson_append_array_end (&filter, &or);
      before = stats.requeued + stats.applied;
      ok = merge_found (s, coll, &filter, &stats, "look for patient data in clear", failure, error);
      queued += (stats.requeued + stats.applied) - before;
      bson_destroy (&filter);
      if (!ok)
        {
          _pt_store_rollback (s->store);
          return FALSE;
        }
    }
  if (!pt_store_sync_note_stamps (s->store, &stats, error)
      || !pt_store_sync_set (s->store, "crypt_swept", key_hex, error)
      || !_pt_store_commit (s->store, error))
    {
      _pt_store_rollback (s->store);
      return pt_sync_failure_set (failure, PT_SYNC_FAILURE_TRANSIENT);
    }
  g_debug ("encryption switched on here: %" G_GINT64_FORMAT " documents to encrypt", queued);
  return TRUE;
}

/* At every connection (one small indexed query per collection concerned):
 * documents of this tenant still holding a ciphertext in a field that is
 * no longer sensitive (users.passwordHash written by earlier versions) are
 * merged decrypted and queued, so the next push writes them in clear —
 * also those this counter pulled long ago and would not see again. */
static gboolean
sweep_formerly_encrypted (PtSyncSession  *s,
                          PtSyncFailure  *failure,
                          GError        **error)
{
  g_autoptr(GPtrArray) colls = _pt_sync_synced_collections ();
  PtSyncApplyStats stats = { 0 };

  if (!_pt_store_begin (s->store, error))
    return pt_sync_failure_set (failure, PT_SYNC_FAILURE_TRANSIENT);
  for (guint c = 0; c < colls->len; c++)
    {
      const PtCollection *coll = g_ptr_array_index (colls, c);
      const gchar *field = pt_sync_crypt_formerly_sensitive_field (coll);
      bson_t filter = BSON_INITIALIZER, type;
      gboolean ok;

      if (field == NULL || coll->kind != PT_COLLECTION_MUTABLE)
        continue;
      _pt_sync_session_append_tenant_filter (s, coll, &filter);
      BSON_APPEND_DOCUMENT_BEGIN (&filter, field, &type);
      BSON_APPEND_UTF8 (&type, "$type", "binData");
      bson_append_document_end (&filter, &type);
      ok = merge_found (s, coll, &filter, &stats, "look for formerly encrypted fields", failure, error);
      bson_destroy (&filter);
      if (!ok)
        {
          _pt_store_rollback (s->store);
          return FALSE;
        }
    }
  if (!pt_store_sync_note_stamps (s->store, &stats, error) || !_pt_store_commit (s->store, error))
    {
      _pt_store_rollback (s->store);
      return pt_sync_failure_set (failure, PT_SYNC_FAILURE_TRANSIENT);
    }
  if (stats.applied + stats.requeued > 0)
    g_debug ("%" G_GINT64_FORMAT " documents to write again in clear",
             stats.applied + stats.requeued);
  return TRUE;
}

/* @doc with `_sync.plain: true` added. */
static bson_t *
mark_plain (const bson_t *doc)
{
  bson_t *out = bson_new ();
  bson_iter_t iter, sub;
  bson_t sync;

  bson_copy_to_excluding_noinit (doc, out, "_sync", NULL);
  BSON_APPEND_DOCUMENT_BEGIN (out, "_sync", &sync);
  if (bson_iter_init_find (&iter, doc, "_sync") && BSON_ITER_HOLDS_DOCUMENT (&iter)
      && bson_iter_recurse (&iter, &sub))
    while (bson_iter_next (&sub))
      if (strcmp (bson_iter_key (&sub), PLAIN_MARKER) != 0)
        bson_append_iter (&sync, NULL, 0, &sub);
  BSON_APPEND_BOOL (&sync, PLAIN_MARKER, true);
  bson_append_document_end (out, &sync);
  return out;
}

/* After the merge of @marked (a server copy with clear sensitive values,
 * marked by mark_plain()): queues its row so the next push writes it back
 * encrypted.  A document of another tenant was dropped: nothing to do. */
static gboolean
queue_encryption (PtSyncSession      *s,
                  const PtCollection *collection,
                  const bson_t       *marked,
                  GError            **error)
{
  g_autofree gchar *id = pt_sync_doc_id_hex (marked);
  g_autofree gchar *tenant = pt_bson_dup_oid_hex (marked, collection->tenant_scoped ? "tenantId" : "_id");

  if (id == NULL || g_strcmp0 (tenant, s->tenant_id) != 0)
    return TRUE;
  /* Every path of the merge leaves the server copy as the base, but
   * "nothing new" keeps the old one: the marker must be on it. */
  return _pt_store_set_base (s->store, collection, id, marked, error)
         && _pt_store_outbox_add (s->store, collection->name, id, error);
}

/* @doc cannot be decrypted (@why): listed for staff and left out, so the
 * rest of the page or batch, and its checkpoint or resume token, go on.
 * A local change to it, which cannot be merged with a copy nobody here
 * can read, is quarantined rather than pushed again at every round. */
static gboolean
leave_out (PtSyncSession      *s,
           const PtCollection *collection,
           const bson_t       *doc,
           const GError       *why,
           GError            **error)
{
  g_autofree gchar *id = pt_sync_doc_id_hex (doc);
  g_autofree gchar *tenant = pt_bson_dup_oid_hex (doc, collection->tenant_scoped ? "tenantId" : "_id");
  g_autoptr(PtRawRow) row = NULL;
  g_autoptr(GError) local_error = NULL;

  if (id == NULL || g_strcmp0 (tenant, s->tenant_id) != 0)
    return TRUE;  /* another tenant's: never stored anyway */
  g_debug ("%s %s left out: %s", collection->name, id, why->message);
  if (!_pt_sync_unreadable_note (s->store, collection, id, why, error))
    return FALSE;
  row = _pt_store_read_row (s->store, collection, id, &local_error);
  if (row == NULL)
    {
      if (g_error_matches (local_error, PT_ERROR, PT_ERROR_NOT_FOUND))
        return TRUE;
      g_propagate_error (error, g_steal_pointer (&local_error));
      return FALSE;
    }
  if (!_pt_raw_row_is_dirty (row))
    return TRUE;
  return pt_store_sync_quarantine (s->store, collection, id, row->version, 0,
                                   _("This change cannot be sent: the cloud copy of this record "
                                     "cannot be decrypted, so the two cannot be merged. It stays on "
                                     "this computer; it is sent once the cloud copy is repaired and "
                                     "the record is saved again."),
                                   error);
}

gboolean
_pt_sync_session_apply_remote (PtSyncSession      *s,
                               const PtCollection *collection,
                               const bson_t       *remote,
                               PtSyncApplyStats   *stats,
                               GError            **error)
{
  g_autoptr(bson_t) clear = NULL;
  g_autoptr(bson_t) marked = NULL;
  g_autoptr(GError) why = NULL;
  gboolean clear_sensitive = FALSE;
  const bson_t *doc;

  if (!pt_sync_crypt_decrypt_doc (s->crypt, collection, remote, &clear, &clear_sensitive, &why))
    {
      if (!_pt_sync_unreadable_is_value_error (why))
        {
          g_propagate_error (error, g_steal_pointer (&why));
          return FALSE;
        }
      return leave_out (s, collection, remote, why, error);
    }
  if (pt_sync_crypt_collection_may_hold_ciphertext (collection) && pt_sync_count_unreadable (s->store) > 0)
    {
      g_autofree gchar *id = pt_sync_doc_id_hex (remote);

      if (id != NULL && !_pt_sync_unreadable_forget (s->store, collection, id, error))
        return FALSE;
    }
  doc = clear != NULL ? clear : remote;
  if (clear_sensitive && s->crypt != NULL && collection->kind == PT_COLLECTION_MUTABLE)
    {
      /* A foreign writer's clear text: kept (merged like any change), and
       * the next push writes it back encrypted. */
      marked = mark_plain (doc);
      doc = marked;
    }
  if (!pt_store_sync_apply_remote (s->store, collection, doc, stats, error))
    return FALSE;
  return marked == NULL || queue_encryption (s, collection, marked, error);
}

gboolean
_pt_sync_session_apply_batch (PtSyncSession       *s,
                              const PtCollection  *collection,
                              const bson_t * const *docs,
                              guint                n_docs,
                              PtSyncApplyStats    *stats,
                              GError             **error)
{
  g_autoptr(GPtrArray) owned = NULL;
  g_autoptr(GPtrArray) clear_docs = NULL;
  g_autoptr(GPtrArray) marked = NULL;
  gboolean listed;

  /* Ledger, medicines, batches…: nothing to decrypt, no copy. */
  if (!pt_sync_crypt_collection_may_hold_ciphertext (collection))
    return pt_store_sync_apply_batch (s->store, collection, docs, n_docs, stats, error);

  owned = g_ptr_array_new_with_free_func ((GDestroyNotify) bson_destroy);
  clear_docs = g_ptr_array_sized_new (n_docs);
  marked = g_ptr_array_new ();
  listed = pt_sync_count_unreadable (s->store) > 0;
  for (guint i = 0; i < n_docs; i++)
    {
      bson_t *clear = NULL;
      g_autoptr(GError) why = NULL;
      gboolean clear_sensitive = FALSE;
      const bson_t *doc;

      if (!pt_sync_crypt_decrypt_doc (s->crypt, collection, docs[i], &clear, &clear_sensitive, &why))
        {
          if (!_pt_sync_unreadable_is_value_error (why))
            {
              g_propagate_error (error, g_steal_pointer (&why));
              return FALSE;
            }
          if (!leave_out (s, collection, docs[i], why, error))
            return FALSE;
          continue;
        }
      if (listed)
        {
          g_autofree gchar *id = pt_sync_doc_id_hex (docs[i]);

          if (id != NULL && !_pt_sync_unreadable_forget (s->store, collection, id, error))
            return FALSE;
        }
      if (clear != NULL)
        g_ptr_array_add (owned, clear);
      doc = clear != NULL ? clear : docs[i];
      if (clear_sensitive && s->crypt != NULL && collection->kind == PT_COLLECTION_MUTABLE)
        {
          bson_t *m = mark_plain (doc);

          g_ptr_array_add (owned, m);
          g_ptr_array_add (marked, m);
          doc = m;
        }
      g_ptr_array_add (clear_docs, (gpointer) doc);
    }
  if (!pt_store_sync_apply_batch (s->store, collection, (const bson_t * const *) clear_docs->pdata,
                                  clear_docs->len, stats, error))
    return FALSE;
  for (guint i = 0; i < marked->len; i++)
    if (!queue_encryption (s, collection, g_ptr_array_index (marked, i), error))
      return FALSE;
  return TRUE;
}

gboolean
_pt_sync_session_encrypt (PtSyncSession      *s,
                          const PtCollection *collection,
                          const bson_t       *doc,
                          bson_t            **wire,
                          GError            **error)
{
  *wire = NULL;
  if (s->crypt == NULL)
    return TRUE;
  return pt_sync_crypt_encrypt_doc (s->crypt, collection, doc, wire, error);
}

gboolean
_pt_sync_session_base_in_clear (PtSyncSession *s,
                                const bson_t  *base)
{
  bson_iter_t iter;

  return s->crypt != NULL && base != NULL && bson_iter_init (&iter, base)
         && bson_iter_find_descendant (&iter, "_sync." PLAIN_MARKER, &iter)
         && BSON_ITER_HOLDS_BOOL (&iter) && bson_iter_bool (&iter);
}
