/* pt-sync-pull.c: the live pull of a sync session — the change stream
 * (resume token saved in the transaction of the changes it covers) or
 * polling on a server without change streams. */
#define G_LOG_DOMAIN "pt-sync"
#include "config.h"

#include <string.h>
#include <glib/gi18n-lib.h>
#include "pt-sync-bson.h"
#include "pt-sync-private.h"

/* ---- Change stream ------------------------------------------------------ */

gboolean
_pt_sync_session_open_stream (PtSyncSession  *s,
                              const bson_t   *resume_after,
                              PtSyncFailure  *failure,
                              GError        **error)
{
  g_autoptr(GPtrArray) colls = _pt_sync_synced_collections ();
  bson_t pipeline = BSON_INITIALIZER;
  bson_t opts = BSON_INITIALIZER;
  bson_t arr, stage, match, or, c0, c1, ns, in;
  const bson_t *err_doc = NULL;
  bson_error_t berr;

  g_clear_pointer (&s->stream, mongoc_change_stream_destroy);

  /* {$match: {$or: [{fullDocument.tenantId: T},
   *                 {ns.coll: "tenants", fullDocument._id: T}],
   *           ns.coll: {$in: [...]}}} */
  BSON_APPEND_ARRAY_BEGIN (&pipeline, "pipeline", &arr);
  BSON_APPEND_DOCUMENT_BEGIN (&arr, "0", &stage);
  BSON_APPEND_DOCUMENT_BEGIN (&stage, "$match", &match);
  BSON_APPEND_ARRAY_BEGIN (&match, "$or", &or);
  BSON_APPEND_DOCUMENT_BEGIN (&or, "0", &c0);
  BSON_APPEND_OID (&c0, "fullDocument.tenantId", &s->tenant_oid);
  bson_append_document_end (&or, &c0);
  BSON_APPEND_DOCUMENT_BEGIN (&or, "1", &c1);
  BSON_APPEND_UTF8 (&c1, "ns.coll", "tenants");
  BSON_APPEND_OID (&c1, "fullDocument._id", &s->tenant_oid);
  bson_append_document_end (&or, &c1);
  bson_append_array_end (&match, &or);
  BSON_APPEND_DOCUMENT_BEGIN (&match, "ns.coll", &ns);
  BSON_APPEND_ARRAY_BEGIN (&ns, "$in", &in);
  for (guint i = 0; i < colls->len; i++)
    {
      const PtCollection *c = g_ptr_array_index (colls, i);
      gchar key[16];
      g_snprintf (key, sizeof key, "%u", i);
      BSON_APPEND_UTF8 (&in, key, c->name);
    }
  bson_append_array_end (&ns, &in);
  bson_append_document_end (&match, &ns);
  bson_append_document_end (&stage, &match);
  bson_append_document_end (&arr, &stage);
  bson_append_array_end (&pipeline, &arr);

  BSON_APPEND_UTF8 (&opts, "fullDocument", "updateLookup");
  BSON_APPEND_INT64 (&opts, "maxAwaitTimeMS", s->await_ms);
  BSON_APPEND_INT32 (&opts, "batchSize", PT_SYNC_PAGE);
  if (resume_after != NULL)
    BSON_APPEND_DOCUMENT (&opts, "resumeAfter", resume_after);

  s->stream = mongoc_database_watch (s->db, &pipeline, &opts);
  bson_destroy (&pipeline);
  bson_destroy (&opts);

  if (mongoc_change_stream_error_document (s->stream, &berr, &err_doc))
    {
      PtSyncFailure f;

      g_clear_pointer (&s->stream, mongoc_change_stream_destroy);
      f = pt_sync_error_classify (&berr);
      if (f == PT_SYNC_FAILURE_NO_CHANGE_STREAMS)
        {
          g_debug ("no change streams (%s): polling every %u ms", berr.message, s->poll_interval_ms);
          if (failure)
            *failure = f;
          g_set_error_literal (error, PT_ERROR, PT_ERROR_NETWORK, "no change streams");
          return FALSE;
        }
      return _pt_sync_fail (&berr, "open change stream", failure, error);
    }
  return TRUE;
}

/* Reads one change event: the collection and id it is about (NULL when
 * it is not ours).  Returns FALSE for events that end the stream. */
static gboolean
event_target (const bson_t        *event,
              const PtCollection **coll_out,
              gchar              **id_out,
              PtSyncFailure       *failure,
              GError             **error)
{
  bson_iter_t iter, sub;
  const gchar *op = NULL;
  const gchar *coll_name = NULL;
  const PtCollection *coll;

  *coll_out = NULL;
  *id_out = NULL;
  if (bson_iter_init_find (&iter, event, "operationType") && BSON_ITER_HOLDS_UTF8 (&iter))
    op = bson_iter_utf8 (&iter, NULL);
  if (g_strcmp0 (op, "invalidate") == 0 || g_strcmp0 (op, "drop") == 0
      || g_strcmp0 (op, "dropDatabase") == 0 || g_strcmp0 (op, "rename") == 0)
    {
      /* The stream ends: catch up from scratch (never a local wipe). */
      if (failure)
        *failure = PT_SYNC_FAILURE_HISTORY_LOST;
      g_set_error (error, PT_ERROR, PT_ERROR_FAILED,
                   _("The cloud database was reorganised; this computer catches up by "
                     "reading the pharmacy data again. No local change is lost."));
      return FALSE;
    }
  if (g_strcmp0 (op, "insert") != 0 && g_strcmp0 (op, "update") != 0
      && g_strcmp0 (op, "replace") != 0)
    return TRUE;  /* hard deletes are not part of the protocol */

  if (bson_iter_init (&iter, event) && bson_iter_find_descendant (&iter, "ns.coll", &sub)
      && BSON_ITER_HOLDS_UTF8 (&sub))
    coll_name = bson_iter_utf8 (&sub, NULL);
  coll = coll_name != NULL ? pt_schema_lookup (coll_name) : NULL;
  if (coll == NULL || !coll->synced)
    return TRUE;
  if (bson_iter_init (&iter, event) && bson_iter_find_descendant (&iter, "documentKey._id", &sub)
      && BSON_ITER_HOLDS_OID (&sub))
    {
      gchar hex[25];
      bson_oid_to_string (bson_iter_oid (&sub), hex);
      *id_out = g_strdup (hex);
      *coll_out = coll;
    }
  return TRUE;
}

/* Applies the CURRENT server version of every document the events name:
 * an event's own fullDocument (insert, replace) may be older than what
 * this counter has since pushed, and must not roll it back. */
typedef struct
{
  const PtCollection *coll;
  bson_t             *doc;
} Fetched;

static void
fetched_free (Fetched *f)
{
  bson_destroy (f->doc);
  g_free (f);
}

/* Fills @out (Fetched *) with the current documents the events name. */
static gboolean
fetch_current (PtSyncSession    *s,
               GPtrArray        *events,
               GPtrArray        *out,
               PtSyncFailure    *failure,
               GError          **error)
{
  g_autoptr(GHashTable) by_coll = g_hash_table_new_full (g_direct_hash, g_direct_equal, NULL,
                                                         (GDestroyNotify) g_hash_table_unref);
  GHashTableIter hit;
  gpointer key, value;

  for (guint i = 0; i < events->len; i++)
    {
      const PtCollection *coll;
      gchar *id;
      GHashTable *ids;

      if (!event_target (g_ptr_array_index (events, i), &coll, &id, failure, error))
        return FALSE;
      if (coll == NULL)
        continue;
      ids = g_hash_table_lookup (by_coll, coll);
      if (ids == NULL)
        {
          ids = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
          g_hash_table_insert (by_coll, (gpointer) coll, ids);
        }
      g_hash_table_add (ids, id);
    }

  g_hash_table_iter_init (&hit, by_coll);
  while (g_hash_table_iter_next (&hit, &key, &value))
    {
      const PtCollection *coll = key;
      GHashTable *ids = value;
      mongoc_collection_t *mc = mongoc_database_get_collection (s->db, coll->name);
      mongoc_cursor_t *cursor;
      bson_t filter = BSON_INITIALIZER, idf, in;
      GHashTableIter it;
      gpointer id;
      guint n = 0;
      const bson_t *doc;
      bson_error_t berr;
      gboolean ok = TRUE;

      BSON_APPEND_DOCUMENT_BEGIN (&filter, "_id", &idf);
      BSON_APPEND_ARRAY_BEGIN (&idf, "$in", &in);
      g_hash_table_iter_init (&it, ids);
      while (g_hash_table_iter_next (&it, &id, NULL))
        {
          bson_oid_t oid;
          gchar k[16];
          bson_oid_init_from_string (&oid, id);
          g_snprintf (k, sizeof k, "%u", n++);
          BSON_APPEND_OID (&in, k, &oid);
        }
      bson_append_array_end (&idf, &in);
      bson_append_document_end (&filter, &idf);
      cursor = mongoc_collection_find_with_opts (mc, &filter, NULL, NULL);
      bson_destroy (&filter);
      while (mongoc_cursor_next (cursor, &doc))
        {
          Fetched *f = g_new0 (Fetched, 1);
          f->coll = coll;
          f->doc = bson_copy (doc);
          g_ptr_array_add (out, f);
        }
      if (mongoc_cursor_error (cursor, &berr))
        ok = _pt_sync_fail (&berr, "read changes", failure, error);
      mongoc_cursor_destroy (cursor);
      mongoc_collection_destroy (mc);
      if (!ok)
        return FALSE;
    }
  return TRUE;
}

/* Applies @current (grouped by collection, as fetch_current() leaves it)
 * one collection's run at a time through the store's batch path. */
static gboolean
apply_fetched (PtSyncSession    *s,
               GPtrArray        *current,
               PtSyncApplyStats *stats,
               GError          **error)
{
  g_autoptr(GPtrArray) run = g_ptr_array_new ();
  guint i = 0;

  while (i < current->len)
    {
      const PtCollection *coll = ((Fetched *) g_ptr_array_index (current, i))->coll;

      g_ptr_array_set_size (run, 0);
      for (; i < current->len && ((Fetched *) g_ptr_array_index (current, i))->coll == coll; i++)
        g_ptr_array_add (run, ((Fetched *) g_ptr_array_index (current, i))->doc);
      if (!_pt_sync_session_apply_batch (s, coll, (const bson_t * const *) run->pdata, run->len,
                                         stats, error))
        return FALSE;
    }
  return TRUE;
}

static gchar *
token_to_json (const bson_t *token)
{
  gchar *j, *out;

  if (token == NULL)
    return NULL;
  j = bson_as_canonical_extended_json (token, NULL);
  out = g_strdup (j);
  bson_free (j);
  return out;
}

gboolean
_pt_sync_session_save_stream_token (PtSyncSession *s,
                                    const gchar   *key,
                                    GError       **error)
{
  const bson_t *token = mongoc_change_stream_get_resume_token (s->stream);
  g_autofree gchar *json = token_to_json (token);

  if (json == NULL)
    return TRUE;
  return pt_store_sync_set (s->store, key, json, error);
}

/* ---- Live pull ---------------------------------------------------------- */

static gboolean
poll_once (PtSyncSession  *s,
           gint64         *got,
           PtSyncFailure  *failure,
           GError        **error)
{
  g_autoptr(GPtrArray) colls = _pt_sync_synced_collections ();
  gint64 since = pt_store_sync_get_int (s->store, "poll_since", 0);
  /* The server's clock (foreign writers' updatedAt), not the process's. */
  gint64 started = g_get_real_time () / 1000;
  PtSyncApplyStats stats = { 0 };

  if (!_pt_store_begin (s->store, error))
    return _pt_sync_fail_local (failure);

  for (guint i = 0; i < colls->len; i++)
    {
      const PtCollection *c = g_ptr_array_index (colls, i);
      mongoc_collection_t *mc = mongoc_database_get_collection (s->db, c->name);
      mongoc_cursor_t *cursor;
      bson_t filter = BSON_INITIALIZER;
      bson_t or, a, b, ga, gb;
      const bson_t *doc;
      bson_error_t berr;
      gboolean ok = TRUE;

      _pt_sync_session_append_tenant_filter (s, c, &filter);
      BSON_APPEND_ARRAY_BEGIN (&filter, "$or", &or);
      BSON_APPEND_DOCUMENT_BEGIN (&or, "0", &a);
      BSON_APPEND_DOCUMENT_BEGIN (&a, "updatedAt", &ga);
      BSON_APPEND_DATE_TIME (&ga, "$gte", since);
      bson_append_document_end (&a, &ga);
      bson_append_document_end (&or, &a);
      BSON_APPEND_DOCUMENT_BEGIN (&or, "1", &b);
      BSON_APPEND_DOCUMENT_BEGIN (&b, "_sync.t", &gb);
      BSON_APPEND_DATE_TIME (&gb, "$gte", since);
      bson_append_document_end (&b, &gb);
      bson_append_document_end (&or, &b);
      bson_append_array_end (&filter, &or);

      cursor = mongoc_collection_find_with_opts (mc, &filter, NULL, NULL);
      bson_destroy (&filter);
      while (ok && mongoc_cursor_next (cursor, &doc))
        if (!_pt_sync_session_apply_remote (s, c, doc, &stats, error))
          ok = _pt_sync_fail_local (failure);
      if (ok && mongoc_cursor_error (cursor, &berr))
        ok = _pt_sync_fail (&berr, "poll", failure, error);
      mongoc_cursor_destroy (cursor);
      mongoc_collection_destroy (mc);
      if (!ok)
        {
          _pt_store_rollback (s->store);
          return FALSE;
        }
    }
  if (!pt_store_sync_note_stamps (s->store, &stats, error)
      || !pt_store_sync_set_int (s->store, "poll_since", started - PT_SYNC_POLL_SLACK_MS, error)
      || (stats.applied > 0 && !pt_store_sync_set_int (s->store, "last_pull", pt_hlc_wall_ms (), error))
      || !_pt_store_commit (s->store, error))
    {
      _pt_store_rollback (s->store);
      return _pt_sync_fail_local (failure);
    }
  _pt_sync_session_account (s, &stats);
  if (got)
    *got = stats.applied;
  s->last_pull_ms = pt_hlc_wall_ms ();
  s->next_poll_ms = g_get_monotonic_time () / 1000 + s->poll_interval_ms;
  return TRUE;
}

gboolean
_pt_sync_session_pull (PtSyncSession  *s,
                       gint64         *got,
                       PtSyncFailure  *failure,
                       GError        **error)
{
  PtSyncApplyStats stats = { 0 };
  const bson_t *event;
  const bson_t *err_doc = NULL;
  bson_error_t berr;

  if (got)
    *got = 0;

  if (s->polling)
    {
      if (g_get_monotonic_time () / 1000 < s->next_poll_ms)
        return TRUE;
      return poll_once (s, got, failure, error);
    }

  if (s->stream == NULL)
    {
      g_autofree gchar *json = pt_store_sync_get (s->store, "resume_token");
      bson_t *token = _pt_sync_token_from_json (json);
      PtSyncFailure f = PT_SYNC_FAILURE_TRANSIENT;
      gboolean opened = _pt_sync_session_open_stream (s, token, &f, error);

      g_clear_pointer (&token, bson_destroy);
      if (!opened)
        {
          if (f == PT_SYNC_FAILURE_NO_CHANGE_STREAMS)
            {
              g_clear_error (error);
              s->polling = TRUE;
              return poll_once (s, got, failure, error);
            }
          if (failure)
            *failure = f;
          return FALSE;
        }
    }

  /* Read a batch first, then write it: the store's write lock is never
   * held while the driver waits for the server. */
  {
    g_autoptr(GPtrArray) events = g_ptr_array_new_with_free_func ((GDestroyNotify) bson_destroy);
    g_autoptr(GPtrArray) current = g_ptr_array_new_with_free_func ((GDestroyNotify) fetched_free);
    gint64 now;

    while (events->len < PT_SYNC_PAGE && mongoc_change_stream_next (s->stream, &event))
      g_ptr_array_add (events, bson_copy (event));
    if (mongoc_change_stream_error_document (s->stream, &berr, &err_doc))
      {
        /* Nothing of this batch is applied: it comes again on resume. */
        g_clear_pointer (&s->stream, mongoc_change_stream_destroy);
        return _pt_sync_fail (&berr, "follow changes", failure, error);
      }
    now = g_get_monotonic_time () / 1000;
    /* The token (a post-batch one after an empty batch) commits with the
     * changes it covers; after empty batches at most every 5 s. */
    if (events->len == 0 && now - s->token_saved_ms < 5000)
      return TRUE;
    if (events->len > 0 && !fetch_current (s, events, current, failure, error))
      {
        /* Not applied, token not saved: the events come again. */
        g_clear_pointer (&s->stream, mongoc_change_stream_destroy);
        return FALSE;
      }

    if (!_pt_store_begin (s->store, error))
      return _pt_sync_fail_local (failure);
    if (!apply_fetched (s, current, &stats, error))
      {
        _pt_store_rollback (s->store);
        return _pt_sync_fail_local (failure);
      }
    if (!_pt_sync_session_save_stream_token (s, "resume_token", error)
        || !pt_store_sync_note_stamps (s->store, &stats, error)
        || (events->len > 0
            && !pt_store_sync_set_int (s->store, "last_pull", pt_hlc_wall_ms (), error)))
      {
        _pt_store_rollback (s->store);
        return _pt_sync_fail_local (failure);
      }
    if (!_pt_store_commit (s->store, error))
      return _pt_sync_fail_local (failure);
    s->token_saved_ms = now;
    if (events->len > 0)
      s->last_pull_ms = pt_hlc_wall_ms ();
  }
  _pt_sync_session_account (s, &stats);
  if (got)
    *got = stats.applied;
  return TRUE;
}
