/* pt-sync-session.c: connection, catch-up and pull of one sync session. */
#define G_LOG_DOMAIN "pt-sync"
#include "config.h"

#include <inttypes.h>
#include <string.h>
#include <glib/gi18n-lib.h>
#include "pt-sync-bson.h"
#include "pt-sync-private.h"

static void
report (PtSyncSession *s)
{
  if (s->report != NULL)
    s->report (s, s->report_data);
}

static gboolean
fail (const bson_error_t *berr,
      const gchar        *what,
      PtSyncFailure      *failure,
      GError            **error)
{
  PtSyncFailure f = pt_sync_error_set (error, berr, what);

  if (failure != NULL)
    *failure = f;
  return FALSE;
}

static gboolean
fail_local (PtSyncFailure *failure)
{
  /* A local (SQLite) failure: retried like a transient one. */
  if (failure != NULL)
    *failure = PT_SYNC_FAILURE_TRANSIENT;
  return FALSE;
}

PtSyncSession *
_pt_sync_session_new (const gchar *data_dir,
                      const gchar *uri,
                      const gchar *database,
                      GError     **error)
{
  g_autoptr(PtSyncSession) s = g_new0 (PtSyncSession, 1);

  s->store = pt_store_open (data_dir, error);
  if (s->store == NULL)
    return NULL;
  pt_store_act_as_system (s->store);
  if (!pt_store_sync_ensure_schema (s->store, error))
    return NULL;
  s->uri_string = g_strdup (uri);
  s->db_name = g_strdup (database != NULL ? database : PT_SYNC_DEFAULT_DATABASE);
  s->tenant_id = g_strdup (pt_store_get_tenant_id (s->store));
  if (!pt_oid_parse (s->tenant_id, "tenantId", &s->tenant_oid, error))
    return NULL;
  s->poll_interval_ms = 2000;
  s->await_ms = 100;
  s->state = PT_SYNC_STATE_OFFLINE;
  return g_steal_pointer (&s);
}

void
_pt_sync_session_disconnect (PtSyncSession *s)
{
  g_clear_pointer (&s->crypt, pt_sync_crypt_free);  /* uses the client */
  g_clear_pointer (&s->stream, mongoc_change_stream_destroy);
  g_clear_pointer (&s->db, mongoc_database_destroy);
  g_clear_pointer (&s->client, mongoc_client_destroy);
}

void
_pt_sync_session_free (PtSyncSession *s)
{
  if (s == NULL)
    return;
  _pt_sync_session_disconnect (s);
  g_clear_object (&s->store);
  g_free (s->uri_string);
  g_free (s->db_name);
  g_free (s->tenant_id);
  g_free (s);
}

/* {tenantId: T} — or {_id: T} for the tenants collection. */
static void
append_tenant_filter (PtSyncSession      *s,
                      const PtCollection *coll,
                      bson_t             *filter)
{
  BSON_APPEND_OID (filter, coll->tenant_scoped ? "tenantId" : "_id", &s->tenant_oid);
}

static GPtrArray *
synced_collections (void)
{
  guint n;
  const PtCollection * const *all = pt_schema_collections (&n);
  GPtrArray *out = g_ptr_array_new ();

  for (guint i = 0; i < n; i++)
    if (all[i]->synced)
      g_ptr_array_add (out, (gpointer) all[i]);
  return out;
}

gboolean
_pt_sync_session_connect (PtSyncSession  *s,
                          PtSyncFailure  *failure,
                          GError        **error)
{
  bson_error_t berr;
  mongoc_uri_t *uri;
  mongoc_write_concern_t *wc;
  bson_t ping = BSON_INITIALIZER;
  bson_t reply;
  gboolean ok;

  if (s->client != NULL)
    return TRUE;

  s->state = PT_SYNC_STATE_CONNECTING;
  report (s);

  uri = mongoc_uri_new_with_error (s->uri_string, &berr);
  if (uri == NULL)
    {
      pt_sync_error_set_bad_uri (error, &berr);
      if (failure)
        *failure = PT_SYNC_FAILURE_ATTENTION;
      return FALSE;
    }
  mongoc_uri_set_option_as_bool (uri, MONGOC_URI_RETRYWRITES, true);
  mongoc_uri_set_option_as_bool (uri, MONGOC_URI_RETRYREADS, true);
  if (mongoc_uri_get_option_as_int32 (uri, MONGOC_URI_SERVERSELECTIONTIMEOUTMS, 0) == 0)
    mongoc_uri_set_option_as_int32 (uri, MONGOC_URI_SERVERSELECTIONTIMEOUTMS, 5000);
  if (mongoc_uri_get_option_as_int32 (uri, MONGOC_URI_CONNECTTIMEOUTMS, 0) == 0)
    mongoc_uri_set_option_as_int32 (uri, MONGOC_URI_CONNECTTIMEOUTMS, 5000);
  /* A stalled server (blockConnection) must not hang a counter for the
   * driver's default five minutes. */
  if (mongoc_uri_get_option_as_int32 (uri, MONGOC_URI_SOCKETTIMEOUTMS, 0) == 0)
    mongoc_uri_set_option_as_int32 (uri, MONGOC_URI_SOCKETTIMEOUTMS, 20000);
  mongoc_uri_set_appname (uri, "pharmatrack-desktop");

  s->client = mongoc_client_new_from_uri_with_error (uri, &berr);
  mongoc_uri_destroy (uri);
  if (s->client == NULL)
    {
      pt_sync_error_set_bad_uri (error, &berr);
      if (failure)
        *failure = PT_SYNC_FAILURE_ATTENTION;
      return FALSE;
    }
  mongoc_client_set_error_api (s->client, MONGOC_ERROR_API_VERSION_2);
  wc = mongoc_write_concern_new ();
  mongoc_write_concern_set_w (wc, MONGOC_WRITE_CONCERN_W_MAJORITY);
  mongoc_client_set_write_concern (s->client, wc);
  mongoc_write_concern_destroy (wc);
  s->db = mongoc_client_get_database (s->client, s->db_name);

  BSON_APPEND_INT32 (&ping, "ping", 1);
  ok = mongoc_client_command_simple (s->client, "admin", &ping, NULL, &reply, &berr);
  bson_destroy (&ping);
  bson_destroy (&reply);
  if (!ok)
    {
      _pt_sync_session_disconnect (s);
      return fail (&berr, "connect", failure, error);
    }

  /* The tenant must exist in the cloud, unless this counter created it
   * offline and it waits in the outbox. */
  {
    mongoc_collection_t *tenants = mongoc_database_get_collection (s->db, "tenants");
    bson_t filter = BSON_INITIALIZER;
    gint64 n;

    BSON_APPEND_OID (&filter, "_id", &s->tenant_oid);
    n = mongoc_collection_count_documents (tenants, &filter, NULL, NULL, NULL, &berr);
    bson_destroy (&filter);
    mongoc_collection_destroy (tenants);
    if (n < 0)
      {
        _pt_sync_session_disconnect (s);
        return fail (&berr, "check tenant", failure, error);
      }
    if (n == 0)
      {
        const PtCollection *tc = pt_schema_lookup ("tenants");
        g_autoptr(PtRawRow) row = tc != NULL ? _pt_store_read_row (s->store, tc, s->tenant_id, NULL) : NULL;

        if (row == NULL)
          {
            _pt_sync_session_disconnect (s);
            pt_sync_error_set_tenant_not_found (error, s->tenant_id);
            if (failure)
              *failure = PT_SYNC_FAILURE_ATTENTION;
            return FALSE;
          }
      }
  }
  /* The tenant's encryption key, before anything is read or sent. */
  if (!_pt_sync_session_open_crypt (s, failure, error))
    {
      _pt_sync_session_disconnect (s);
      return FALSE;
    }
  return TRUE;
}

gboolean
_pt_sync_session_initial_complete (PtSyncSession *s)
{
  return pt_store_sync_get_int (s->store, "initial_complete", 0) == 1;
}

/* ---- Resume tokens ------------------------------------------------------ */

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

static bson_t *
token_from_json (const gchar *json)
{
  if (json == NULL)
    return NULL;
  return bson_new_from_json ((const uint8_t *) json, -1, NULL);
}

gboolean
_pt_sync_session_reset_resume (PtSyncSession *s,
                               GError       **error)
{
  gboolean ok;

  _pt_sync_session_disconnect (s);
  if (!_pt_store_begin (s->store, error))
    return FALSE;
  ok = pt_store_sync_set (s->store, "resume_token", NULL, error)
       && pt_store_sync_set (s->store, "initial_complete", NULL, error);
  if (!ok)
    {
      _pt_store_rollback (s->store);
      return FALSE;
    }
  return _pt_store_commit (s->store, error);
}

/* ---- Change stream ------------------------------------------------------ */

static gboolean
open_stream (PtSyncSession  *s,
             const bson_t   *resume_after,
             PtSyncFailure  *failure,
             GError        **error)
{
  g_autoptr(GPtrArray) colls = synced_collections ();
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
      return fail (&berr, "open change stream", failure, error);
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
        ok = fail (&berr, "read changes", failure, error);
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

static gboolean
save_stream_token (PtSyncSession *s,
                   const gchar   *key,
                   GError       **error)
{
  const bson_t *token = mongoc_change_stream_get_resume_token (s->stream);
  g_autofree gchar *json = token_to_json (token);

  if (json == NULL)
    return TRUE;
  return pt_store_sync_set (s->store, key, json, error);
}

static void
account (PtSyncSession          *s,
         const PtSyncApplyStats *stats)
{
  s->pulled_total += stats->applied;
  s->new_conflicts += stats->conflicts;
}

/* ---- Catch-up ----------------------------------------------------------- */

static gint64
count_all (PtSyncSession  *s,
           GPtrArray      *colls,
           bson_error_t   *berr)
{
  gint64 total = 0;

  for (guint i = 0; i < colls->len; i++)
    {
      const PtCollection *c = g_ptr_array_index (colls, i);
      mongoc_collection_t *mc = mongoc_database_get_collection (s->db, c->name);
      bson_t filter = BSON_INITIALIZER;
      gint64 n;

      append_tenant_filter (s, c, &filter);
      n = mongoc_collection_count_documents (mc, &filter, NULL, NULL, NULL, berr);
      bson_destroy (&filter);
      mongoc_collection_destroy (mc);
      if (n < 0)
        return -1;
      total += n;
    }
  return total;
}

/* Applies one page of the catch-up in one transaction, with the
 * checkpoint that covers it (and the collection's "done" mark after its
 * last page): a crash keeps either both or neither. */
static gboolean
apply_page (PtSyncSession      *s,
            const PtCollection *c,
            GPtrArray          *page,
            const gchar        *cp_key,
            const gchar        *done_key,
            GError            **error)
{
  PtSyncApplyStats stats = { 0 };
  gchar last_id[25] = { 0 };
  gboolean ok;

  if (page->len > 0)
    {
      bson_iter_t it;
      const bson_t *last = g_ptr_array_index (page, page->len - 1);

      if (bson_iter_init_find (&it, last, "_id") && BSON_ITER_HOLDS_OID (&it))
        bson_oid_to_string (bson_iter_oid (&it), last_id);
    }
  if (!_pt_store_begin (s->store, error))
    return FALSE;
  ok = _pt_sync_session_apply_batch (s, c, (const bson_t * const *) page->pdata, page->len,
                                  &stats, error)
       && (last_id[0] == '\0' || pt_store_sync_set (s->store, cp_key, last_id, error))
       && (done_key == NULL || pt_store_sync_set (s->store, done_key, "1", error))
       && pt_store_sync_set_int (s->store, "initial_done", s->initial_done + page->len, error)
       && pt_store_sync_note_stamps (s->store, &stats, error);
  if (!ok)
    {
      _pt_store_rollback (s->store);
      return FALSE;
    }
  if (!_pt_store_commit (s->store, error))
    return FALSE;
  s->initial_done += page->len;
  account (s, &stats);
  return TRUE;
}

/* Pages through one collection of this tenant in _id order from its
 * checkpoint.  Each server batch is read whole, then applied in one
 * transaction: the store's write lock is never held while the driver
 * waits for the server. */
static gboolean
page_collection (PtSyncSession      *s,
                 const PtCollection *c,
                 PtSyncFailure      *failure,
                 GError            **error)
{
  g_autofree gchar *cp_key = g_strconcat ("checkpoint.", c->name, NULL);
  g_autofree gchar *done_key = g_strconcat ("done.", c->name, NULL);
  g_autofree gchar *checkpoint = pt_store_sync_get (s->store, cp_key);
  g_autoptr(GPtrArray) page = g_ptr_array_new_with_free_func ((GDestroyNotify) bson_destroy);
  mongoc_collection_t *mc = mongoc_database_get_collection (s->db, c->name);
  mongoc_cursor_t *cursor;
  bson_t filter = BSON_INITIALIZER;
  bson_t opts = BSON_INITIALIZER;
  bson_t sort, gt;
  bson_error_t berr;
  gboolean ok = TRUE, last = FALSE;

  append_tenant_filter (s, c, &filter);
  if (checkpoint != NULL && pt_oid_is_valid (checkpoint))
    {
      bson_oid_t oid;
      bson_oid_init_from_string (&oid, checkpoint);
      BSON_APPEND_DOCUMENT_BEGIN (&filter, "_id", &gt);
      BSON_APPEND_OID (&gt, "$gt", &oid);
      bson_append_document_end (&filter, &gt);
    }
  BSON_APPEND_DOCUMENT_BEGIN (&opts, "sort", &sort);
  BSON_APPEND_INT32 (&sort, "_id", 1);
  bson_append_document_end (&opts, &sort);
  BSON_APPEND_INT32 (&opts, "batchSize", PT_SYNC_CATCHUP_BATCH);

  cursor = mongoc_collection_find_with_opts (mc, &filter, &opts, NULL);
  bson_destroy (&filter);
  bson_destroy (&opts);

  while (ok && !last)
    {
      const bson_t *doc;

      g_ptr_array_set_size (page, 0);
      while (page->len < PT_SYNC_CATCHUP_BATCH && mongoc_cursor_next (cursor, &doc))
        g_ptr_array_add (page, bson_copy (doc));
      if (mongoc_cursor_error (cursor, &berr))
        {
          /* The pages before this one are committed with their
           * checkpoint: the next run resumes from there. */
          ok = fail (&berr, "read pharmacy data", failure, error);
          break;
        }
      last = page->len < PT_SYNC_CATCHUP_BATCH;
      if (!apply_page (s, c, page, cp_key, last ? done_key : NULL, error))
        {
          ok = fail_local (failure);
          break;
        }
      report (s);
      if (!last && s->cancellable != NULL && g_cancellable_is_cancelled (s->cancellable))
        {
          g_set_error_literal (error, PT_ERROR, PT_ERROR_CANCELLED, _("Sync was stopped."));
          if (failure)
            *failure = PT_SYNC_FAILURE_TRANSIENT;
          ok = FALSE;
        }
    }

  mongoc_cursor_destroy (cursor);
  mongoc_collection_destroy (mc);
  return ok;
}

static gboolean
clear_catch_up_keys (PtSyncSession *s,
                     GPtrArray     *colls,
                     GError       **error)
{
  for (guint i = 0; i < colls->len; i++)
    {
      const PtCollection *c = g_ptr_array_index (colls, i);
      g_autofree gchar *cp_key = g_strconcat ("checkpoint.", c->name, NULL);
      g_autofree gchar *done_key = g_strconcat ("done.", c->name, NULL);

      if (!pt_store_sync_set (s->store, cp_key, NULL, error)
          || !pt_store_sync_set (s->store, done_key, NULL, error))
        return FALSE;
    }
  return pt_store_sync_set (s->store, "catchup_token", NULL, error)
         && pt_store_sync_set (s->store, "catchup_started", NULL, error)
         && pt_store_sync_set (s->store, "initial_done", NULL, error)
         && pt_store_sync_set (s->store, "initial_total", NULL, error);
}

gboolean
_pt_sync_session_catch_up (PtSyncSession  *s,
                           PtSyncFailure  *failure,
                           GError        **error)
{
  g_autoptr(GPtrArray) colls = synced_collections ();
  g_autofree gchar *token_json = NULL;
  g_autoptr(GError) local_error = NULL;
  bson_error_t berr;
  gint64 started;

  s->state = PT_SYNC_STATE_INITIAL_SYNC;
  report (s);

  token_json = pt_store_sync_get (s->store, "catchup_token");

  /* 1. The stream first, so nothing written during the paging is missed. */
  if (!s->polling)
    {
      bson_t *token = token_from_json (token_json);
      PtSyncFailure f = PT_SYNC_FAILURE_TRANSIENT;
      gboolean opened = open_stream (s, token, &f, &local_error);

      g_clear_pointer (&token, bson_destroy);
      if (!opened && f == PT_SYNC_FAILURE_HISTORY_LOST && token_json != NULL)
        {
          /* The half-done catch-up's start point is gone: start it over
           * (local data stays; every page is merged again). */
          g_clear_error (&local_error);
          g_clear_pointer (&token_json, g_free);
          if (!_pt_store_begin (s->store, error))
            return fail_local (failure);
          if (!clear_catch_up_keys (s, colls, error) || !_pt_store_commit (s->store, error))
            {
              _pt_store_rollback (s->store);
              return fail_local (failure);
            }
          opened = open_stream (s, NULL, &f, &local_error);
        }
      if (!opened)
        {
          if (f != PT_SYNC_FAILURE_NO_CHANGE_STREAMS)
            {
              g_propagate_error (error, g_steal_pointer (&local_error));
              if (failure)
                *failure = f;
              return FALSE;
            }
          g_clear_error (&local_error);
          s->polling = TRUE;
        }
    }

  started = pt_store_sync_get_int (s->store, "catchup_started", 0);
  if (started == 0)
    started = g_get_real_time () / 1000;

  if (!_pt_store_begin (s->store, error))
    return fail_local (failure);
  if ((token_json == NULL && s->stream != NULL
       && !save_stream_token (s, "catchup_token", error))
      || !pt_store_sync_set_int (s->store, "catchup_started", started, error))
    {
      _pt_store_rollback (s->store);
      return fail_local (failure);
    }

  /* 2. Totals (countDocuments), kept across a restart. */
  s->initial_total = pt_store_sync_get_int (s->store, "initial_total", -1);
  s->initial_done = pt_store_sync_get_int (s->store, "initial_done", 0);
  if (s->initial_total < 0)
    {
      s->initial_total = count_all (s, colls, &berr);
      if (s->initial_total < 0)
        {
          _pt_store_rollback (s->store);
          return fail (&berr, "count pharmacy data", failure, error);
        }
      if (!pt_store_sync_set_int (s->store, "initial_total", s->initial_total, error))
        {
          _pt_store_rollback (s->store);
          return fail_local (failure);
        }
    }
  if (!_pt_store_commit (s->store, error))
    return fail_local (failure);
  report (s);

  /* 3. Every collection of this tenant, in _id order, resumable. */
  for (guint i = 0; i < colls->len; i++)
    {
      const PtCollection *c = g_ptr_array_index (colls, i);
      g_autofree gchar *done_key = g_strconcat ("done.", c->name, NULL);

      if (pt_store_sync_get_int (s->store, done_key, 0) == 1)
        continue;
      if (!page_collection (s, c, failure, error))
        return FALSE;
    }

  report (s);

  /* 4. Live from the stream's start point (replays are merged as no-ops). */
  if (!_pt_store_begin (s->store, error))
    return fail_local (failure);
  {
    g_autofree gchar *start_token = pt_store_sync_get (s->store, "catchup_token");
    gboolean ok = (start_token == NULL
                   || pt_store_sync_set (s->store, "resume_token", start_token, error))
                  && pt_store_sync_set_int (s->store, "poll_since",
                                            started - PT_SYNC_POLL_SLACK_MS, error)
                  && clear_catch_up_keys (s, colls, error)
                  && pt_store_sync_set_int (s->store, "last_pull", g_get_real_time () / 1000, error)
                  && pt_store_sync_set_int (s->store, "initial_complete", 1, error);
    if (!ok)
      {
        _pt_store_rollback (s->store);
        return fail_local (failure);
      }
  }
  if (!_pt_store_commit (s->store, error))
    return fail_local (failure);

  s->last_pull_ms = g_get_real_time () / 1000;
  s->initial_done = s->initial_total = 0;
  s->state = PT_SYNC_STATE_LIVE;
  report (s);
  return TRUE;
}

/* ---- Live pull ---------------------------------------------------------- */

static gboolean
poll_once (PtSyncSession  *s,
           gint64         *got,
           PtSyncFailure  *failure,
           GError        **error)
{
  g_autoptr(GPtrArray) colls = synced_collections ();
  gint64 since = pt_store_sync_get_int (s->store, "poll_since", 0);
  gint64 started = g_get_real_time () / 1000;
  PtSyncApplyStats stats = { 0 };

  if (!_pt_store_begin (s->store, error))
    return fail_local (failure);

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

      append_tenant_filter (s, c, &filter);
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
          ok = fail_local (failure);
      if (ok && mongoc_cursor_error (cursor, &berr))
        ok = fail (&berr, "poll", failure, error);
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
      || (stats.applied > 0 && !pt_store_sync_set_int (s->store, "last_pull", started, error))
      || !_pt_store_commit (s->store, error))
    {
      _pt_store_rollback (s->store);
      return fail_local (failure);
    }
  account (s, &stats);
  if (got)
    *got = stats.applied;
  s->last_pull_ms = g_get_real_time () / 1000;
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
      bson_t *token = token_from_json (json);
      PtSyncFailure f = PT_SYNC_FAILURE_TRANSIENT;
      gboolean opened = open_stream (s, token, &f, error);

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
        return fail (&berr, "follow changes", failure, error);
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
      return fail_local (failure);
    if (!apply_fetched (s, current, &stats, error))
      {
        _pt_store_rollback (s->store);
        return fail_local (failure);
      }
    if (!save_stream_token (s, "resume_token", error)
        || !pt_store_sync_note_stamps (s->store, &stats, error)
        || (events->len > 0
            && !pt_store_sync_set_int (s->store, "last_pull", g_get_real_time () / 1000, error)))
      {
        _pt_store_rollback (s->store);
        return fail_local (failure);
      }
    if (!_pt_store_commit (s->store, error))
      return fail_local (failure);
    s->token_saved_ms = now;
    if (events->len > 0)
      s->last_pull_ms = g_get_real_time () / 1000;
  }
  account (s, &stats);
  if (got)
    *got = stats.applied;
  return TRUE;
}

/* ---- Status and verification -------------------------------------------- */

void
_pt_sync_session_fill_status (PtSyncSession *s,
                              PtSyncStatus  *st)
{
  sqlite3_stmt *stmt;

  st->pending_count = _pt_store_outbox_length (s->store);
  st->oldest_pending_ms = 0;
  stmt = _pt_store_prepare (s->store, "SELECT min(queued_at) FROM outbox", NULL);
  if (stmt != NULL)
    {
      if (sqlite3_step (stmt) == SQLITE_ROW && sqlite3_column_type (stmt, 0) != SQLITE_NULL)
        st->oldest_pending_ms = sqlite3_column_int64 (stmt, 0);
      sqlite3_reset (stmt);
    }
  st->conflicts = pt_store_sync_count_conflicts (s->store, FALSE);
  st->quarantined = pt_store_sync_count_quarantined (s->store);
  st->dropped_foreign = pt_store_sync_get_int (s->store, "dropped_foreign", 0);
  {
    gint64 seen = pt_hlc_get_max_skew_ms (pt_store_get_clock (s->store));
    gint64 saved = pt_store_sync_get_int (s->store, "max_skew_ms", 0);

    if (seen > saved)
      pt_store_sync_set_int (s->store, "max_skew_ms", seen, NULL);
    st->max_clock_skew_ms = MAX (seen, saved);
  }
  st->initial_done = s->initial_done;
  st->initial_total = s->initial_total;
  st->pushed_total = s->pushed_total;
  st->pulled_total = s->pulled_total;
  st->polling = s->polling;
  if (s->last_push_ms != 0)
    st->last_push_ms = s->last_push_ms;
  else
    st->last_push_ms = pt_store_sync_get_int (s->store, "last_push", 0);
  if (s->last_pull_ms != 0)
    st->last_pull_ms = s->last_pull_ms;
  else
    st->last_pull_ms = pt_store_sync_get_int (s->store, "last_pull", 0);
}

gboolean
_pt_sync_session_verify (PtSyncSession  *s,
                         GError        **error)
{
  g_autoptr(GPtrArray) colls = synced_collections ();
  gint64 pending = _pt_store_outbox_length (s->store);
  gint64 quarantined = pt_store_sync_count_quarantined (s->store);

  if (pending > 0)
    {
      g_autoptr(GPtrArray) left = _pt_store_outbox_list (s->store, 0, 5, NULL);
      for (guint i = 0; left != NULL && i < left->len; i++)
        {
          PtOutboxEntry *e = g_ptr_array_index (left, i);
          g_debug ("still queued: %s %s", e->collection, e->doc_id);
        }
      g_set_error (error, PT_ERROR, PT_ERROR_FAILED,
                   g_dngettext (GETTEXT_PACKAGE, "%" PRId64 " change is still waiting to be sent.",
                                "%" PRId64 " changes are still waiting to be sent.", pending),
                   pending);
      return FALSE;
    }
  if (quarantined > 0)
    {
      g_set_error (error, PT_ERROR, PT_ERROR_INVALID,
                   g_dngettext (GETTEXT_PACKAGE,
                                "The cloud refused %" PRId64 " change; see the quarantined changes.",
                                "The cloud refused %" PRId64 " changes; see the quarantined changes.",
                                quarantined),
                   quarantined);
      return FALSE;
    }

  for (guint i = 0; i < colls->len; i++)
    {
      const PtCollection *c = g_ptr_array_index (colls, i);
      mongoc_collection_t *mc = mongoc_database_get_collection (s->db, c->name);
      bson_t filter = BSON_INITIALIZER;
      g_autofree gchar *sql = g_strdup_printf ("SELECT count(*) FROM \"%s\"", c->name);
      sqlite3_stmt *stmt;
      bson_error_t berr;
      gint64 remote, local = -1;

      append_tenant_filter (s, c, &filter);
      remote = mongoc_collection_count_documents (mc, &filter, NULL, NULL, NULL, &berr);
      bson_destroy (&filter);
      mongoc_collection_destroy (mc);
      if (remote < 0)
        return fail (&berr, "verify", NULL, error);
      stmt = _pt_store_prepare (s->store, sql, error);
      if (stmt == NULL)
        return FALSE;
      if (sqlite3_step (stmt) == SQLITE_ROW)
        local = sqlite3_column_int64 (stmt, 0);
      sqlite3_reset (stmt);
      if (local != remote)
        {
          g_debug ("%s: %" G_GINT64_FORMAT " local, %" G_GINT64_FORMAT " on the server",
                   c->name, local, remote);
          g_set_error (error, PT_ERROR, PT_ERROR_FAILED,
                       _("This computer and the cloud do not hold the same %s yet "
                         "(%" PRId64 " here, %" PRId64 " in the cloud); "
                         "run sync again."),
                       c->name, local, remote);
          return FALSE;
        }
    }
  return TRUE;
}
