/* pt-sync-catchup.c: initial sync and catch-up of a sync session — the
 * change stream opened first, then every collection of the tenant paged
 * in _id order, each server batch applied in one transaction with its
 * checkpoint, so a killed sync resumes where it stopped. */
#define G_LOG_DOMAIN "pt-sync"
#include "config.h"

#include <string.h>
#include <glib/gi18n-lib.h>
#include "pt-sync-bson.h"
#include "pt-sync-private.h"

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

      _pt_sync_session_append_tenant_filter (s, c, &filter);
      n = mongoc_collection_count_documents (mc, &filter, NULL, NULL, NULL, berr);
      bson_destroy (&filter);
      mongoc_collection_destroy (mc);
      if (n < 0)
        return -1;
      total += n;
    }
  return total;
}

static gboolean
is_cancelled (PtSyncSession *s)
{
  return s->cancellable != NULL && g_cancellable_is_cancelled (s->cancellable);
}

static gboolean
set_cancelled (PtSyncFailure  *failure,
               GError        **error)
{
  g_set_error_literal (error, PT_ERROR, PT_ERROR_CANCELLED, _("Sync was stopped."));
  if (failure)
    *failure = PT_SYNC_FAILURE_TRANSIENT;
  return FALSE;
}

/* Applies one page of the catch-up in one transaction, with the
 * checkpoint that covers it (and the collection's "done" mark after its
 * last page): a crash keeps either both or neither.  The page goes in
 * slices of PT_SYNC_CANCEL_SLICE documents, with a report after each;
 * when the sync is stopped between two slices, what was applied commits
 * with the checkpoint of its last document (never the done mark) and
 * *@stopped is set. */
static gboolean
apply_page (PtSyncSession      *s,
            const PtCollection *c,
            GPtrArray          *page,
            const gchar        *cp_key,
            const gchar        *done_key,
            gboolean           *stopped,
            GError            **error)
{
  PtSyncApplyStats stats = { 0 };
  gchar last_id[25] = { 0 };
  gint64 done_before = s->initial_done;
  guint n = 0;
  gboolean ok = TRUE;

  if (!_pt_store_begin (s->store, error))
    return FALSE;
  while (ok && n < page->len && !*stopped)
    {
      guint m = MIN (PT_SYNC_CANCEL_SLICE, page->len - n);

      ok = _pt_sync_session_apply_batch (s, c, (const bson_t * const *) page->pdata + n, m,
                                         &stats, error);
      n += m;
      if (ok && n < page->len)
        {
          /* A heartbeat: the count stays the committed one (what a kill
           * keeps), so progress never goes back on the next run. */
          _pt_sync_session_report (s);
          *stopped = is_cancelled (s);
        }
    }
  if (n > 0)
    {
      bson_iter_t it;
      const bson_t *last = g_ptr_array_index (page, n - 1);

      if (bson_iter_init_find (&it, last, "_id") && BSON_ITER_HOLDS_OID (&it))
        bson_oid_to_string (bson_iter_oid (&it), last_id);
    }
  ok = ok
       && (last_id[0] == '\0' || pt_store_sync_set (s->store, cp_key, last_id, error))
       && (done_key == NULL || *stopped || pt_store_sync_set (s->store, done_key, "1", error))
       && pt_store_sync_set_int (s->store, "initial_done", done_before + n, error)
       && pt_store_sync_note_stamps (s->store, &stats, error);
  if (!ok)
    {
      _pt_store_rollback (s->store);
      return FALSE;
    }
  if (!_pt_store_commit (s->store, error))
    return FALSE;
  s->initial_done = done_before + n;
  _pt_sync_session_account (s, &stats);
  return TRUE;
}

/* ---- Reading ahead ------------------------------------------------------ */

/* One server batch as read. */
typedef struct
{
  GPtrArray    *docs;
  gboolean      stopped;   /* a stop request was seen while reading it */
  gboolean      failed;
  bson_error_t  berr;
} Page;

static void
page_free (Page *p)
{
  g_ptr_array_unref (p->docs);
  g_free (p);
}

/* Reads up to PT_SYNC_CATCHUP_BATCH documents (one getMore), looking at
 * the stop request every PT_SYNC_CANCEL_SLICE of them. */
static Page *
read_page (mongoc_cursor_t *cursor,
           GCancellable    *cancellable)
{
  Page *p = g_new0 (Page, 1);
  const bson_t *doc;

  p->docs = g_ptr_array_new_full (PT_SYNC_CATCHUP_BATCH, (GDestroyNotify) bson_destroy);
  while (p->docs->len < PT_SYNC_CATCHUP_BATCH && mongoc_cursor_next (cursor, &doc))
    {
      g_ptr_array_add (p->docs, bson_copy (doc));
      if (p->docs->len % PT_SYNC_CANCEL_SLICE == 0 && cancellable != NULL
          && g_cancellable_is_cancelled (cancellable))
        {
          p->stopped = TRUE;
          break;
        }
    }
  p->failed = mongoc_cursor_error (cursor, &p->berr);
  return p;
}

/* While a page is written, the next one is read by a thread of its own
 * (the server and the network work while SQLite does): at most two pages
 * are held, the one written and the one read.  The cursor (and its
 * client) is used by that thread alone until it is joined. */
typedef struct
{
  mongoc_cursor_t *cursor;
  GCancellable    *cancellable;
  GAsyncQueue     *pages;     /* Page *, in order */
  GAsyncQueue     *slots;     /* a token per page that may be read */
  gint             quit;      /* atomic: the writer has stopped */
} Reader;

#define SLOT GINT_TO_POINTER (1)

static gpointer
reader_thread (gpointer data)
{
  Reader *r = data;

  for (;;)
    {
      Page *p;
      gboolean end;

      g_async_queue_pop (r->slots);
      if (g_atomic_int_get (&r->quit))
        break;
      p = read_page (r->cursor, r->cancellable);
      end = p->failed || p->stopped || p->docs->len < PT_SYNC_CATCHUP_BATCH;
      g_async_queue_push (r->pages, p);
      if (end)
        break;
    }
  return NULL;
}

/* Pages through one collection of this tenant in _id order from its
 * checkpoint.  Each server batch is read whole, then applied in one
 * transaction: the store's write lock is never held while the driver
 * waits for the server.  A stop request is seen every
 * PT_SYNC_CANCEL_SLICE documents, reading or writing. */
static gboolean
page_collection (PtSyncSession      *s,
                 const PtCollection *c,
                 PtSyncFailure      *failure,
                 GError            **error)
{
  g_autofree gchar *cp_key = g_strconcat ("checkpoint.", c->name, NULL);
  g_autofree gchar *done_key = g_strconcat ("done.", c->name, NULL);
  g_autofree gchar *checkpoint = pt_store_sync_get (s->store, cp_key);
  mongoc_collection_t *mc = mongoc_database_get_collection (s->db, c->name);
  mongoc_cursor_t *cursor;
  bson_t filter = BSON_INITIALIZER;
  bson_t opts = BSON_INITIALIZER;
  bson_t sort, gt;
  gboolean ok = TRUE, last = FALSE;
  Reader r = { 0 };
  GThread *thread = NULL;

  _pt_sync_session_append_tenant_filter (s, c, &filter);
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

  /* Collections with encrypted fields are decrypted through the same
   * client while they are written: read in turn. */
  if (!pt_sync_crypt_collection_is_sensitive (c))
    {
      r.cursor = cursor;
      r.cancellable = s->cancellable;
      r.pages = g_async_queue_new_full ((GDestroyNotify) page_free);
      r.slots = g_async_queue_new ();
      g_async_queue_push (r.slots, SLOT);
      g_async_queue_push (r.slots, SLOT);
      thread = g_thread_new ("pt-sync-read", reader_thread, &r);
    }

  while (ok && !last)
    {
      Page *p = thread != NULL ? g_async_queue_pop (r.pages) : read_page (cursor, s->cancellable);
      gboolean apply_stopped = FALSE;

      if (p->failed)
        {
          /* The pages before this one are committed with their
           * checkpoint: the next run resumes from there. */
          ok = _pt_sync_fail (&p->berr, "read pharmacy data", failure, error);
          page_free (p);
          break;
        }
      /* What was read before a stop is kept like a shorter page. */
      last = !p->stopped && p->docs->len < PT_SYNC_CATCHUP_BATCH;
      if (!apply_page (s, c, p->docs, cp_key, last ? done_key : NULL, &apply_stopped, error))
        ok = _pt_sync_fail_local (failure);
      else
        {
          _pt_sync_session_report (s);
          if (p->stopped || apply_stopped || (!last && is_cancelled (s)))
            ok = set_cancelled (failure, error);
        }
      page_free (p);
      if (thread != NULL)
        g_async_queue_push (r.slots, SLOT);
    }

  if (thread != NULL)
    {
      /* A page read ahead and not applied is dropped: its checkpoint was
       * not written, it is read again next time. */
      g_atomic_int_set (&r.quit, 1);
      g_async_queue_push (r.slots, SLOT);
      g_thread_join (thread);
      g_async_queue_unref (r.pages);
      g_async_queue_unref (r.slots);
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
  g_autoptr(GPtrArray) colls = _pt_sync_synced_collections ();
  g_autofree gchar *token_json = NULL;
  g_autoptr(GError) local_error = NULL;
  bson_error_t berr;
  gboolean deferred = FALSE;
  gint64 started;

  s->state = PT_SYNC_STATE_INITIAL_SYNC;
  _pt_sync_session_report (s);

  token_json = pt_store_sync_get (s->store, "catchup_token");

  /* 1. The stream first, so nothing written during the paging is missed. */
  if (!s->polling)
    {
      bson_t *token = _pt_sync_token_from_json (token_json);
      PtSyncFailure f = PT_SYNC_FAILURE_TRANSIENT;
      gboolean opened = _pt_sync_session_open_stream (s, token, &f, &local_error);

      g_clear_pointer (&token, bson_destroy);
      if (!opened && f == PT_SYNC_FAILURE_HISTORY_LOST && token_json != NULL)
        {
          /* The half-done catch-up's start point is gone: start it over
           * (local data stays; every page is merged again). */
          g_clear_error (&local_error);
          g_clear_pointer (&token_json, g_free);
          if (!_pt_store_begin (s->store, error))
            return _pt_sync_fail_local (failure);
          if (!clear_catch_up_keys (s, colls, error) || !_pt_store_commit (s->store, error))
            {
              _pt_store_rollback (s->store);
              return _pt_sync_fail_local (failure);
            }
          opened = _pt_sync_session_open_stream (s, NULL, &f, &local_error);
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
    return _pt_sync_fail_local (failure);
  if ((token_json == NULL && s->stream != NULL
       && !_pt_sync_session_save_stream_token (s, "catchup_token", error))
      || !pt_store_sync_set_int (s->store, "catchup_started", started, error))
    {
      _pt_store_rollback (s->store);
      return _pt_sync_fail_local (failure);
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
          return _pt_sync_fail (&berr, "count pharmacy data", failure, error);
        }
      if (!pt_store_sync_set_int (s->store, "initial_total", s->initial_total, error))
        {
          _pt_store_rollback (s->store);
          return _pt_sync_fail_local (failure);
        }
    }
  /* A first sync into empty tables builds the secondary indexes and
   * counters once at the end (step 4) instead of row by row. */
  if (!pt_store_sync_defer_derived (s->store, &deferred, error))
    {
      _pt_store_rollback (s->store);
      return _pt_sync_fail_local (failure);
    }
  if (!_pt_store_commit (s->store, error))
    return _pt_sync_fail_local (failure);
  if (deferred)
    g_debug ("first sync: secondary indexes and counters are built at the end");
  _pt_sync_session_report (s);

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

  _pt_sync_session_report (s);

  /* 4. Live from the stream's start point (replays are merged as no-ops). */
  if (!_pt_store_begin (s->store, error))
    return _pt_sync_fail_local (failure);
  {
    g_autofree gchar *start_token = pt_store_sync_get (s->store, "catchup_token");
    gboolean ok = pt_store_sync_restore_derived (s->store, error)
                  && (start_token == NULL
                      || pt_store_sync_set (s->store, "resume_token", start_token, error))
                  && pt_store_sync_set_int (s->store, "poll_since",
                                            started - PT_SYNC_POLL_SLACK_MS, error)
                  && clear_catch_up_keys (s, colls, error)
                  && pt_store_sync_set_int (s->store, "last_pull", pt_hlc_wall_ms (), error)
                  && pt_store_sync_set_int (s->store, "initial_complete", 1, error);
    if (!ok)
      {
        _pt_store_rollback (s->store);
        return _pt_sync_fail_local (failure);
      }
  }
  if (!_pt_store_commit (s->store, error))
    return _pt_sync_fail_local (failure);

  s->last_pull_ms = pt_hlc_wall_ms ();
  s->initial_done = s->initial_total = 0;
  s->state = PT_SYNC_STATE_LIVE;
  _pt_sync_session_report (s);
  return TRUE;
}
