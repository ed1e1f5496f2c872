/* pt-sync-push.c: outbox → Atlas (DESIGN §5 Push). */
#define G_LOG_DOMAIN "pt-sync"
#include "config.h"

#include <string.h>
#include <glib/gi18n-lib.h>
#include "pt-sync-bson.h"
#include "pt-sync-private.h"

typedef enum
{
  OP_INSERT,
  OP_REPLACE,
  OP_DONE,        /* nothing to send: already on the server */
} OpKind;

typedef struct
{
  PtSyncOutboxItem *item;   /* borrowed */
  OpKind            kind;
  bson_t           *sent;   /* the document written (clear: the base) */
  bson_t           *wire;   /* …as sent, sensitive fields encrypted;
                               NULL = sent as it is */
  gint              code;   /* write error code, 0 = none */
  gchar            *errmsg;
  gboolean          verify; /* find it to learn what happened */
  bson_t           *base;   /* the base stored for an insert-only one */
} Op;

static void
op_clear (Op *op)
{
  g_clear_pointer (&op->sent, bson_destroy);
  g_clear_pointer (&op->wire, bson_destroy);
  g_clear_pointer (&op->errmsg, g_free);
  g_clear_pointer (&op->base, bson_destroy);
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

/* The CAS filter: the version and updatedAt we last saw on the server. */
static void
build_cas_filter (PtSyncSession      *s,
                  const PtCollection *coll,
                  const PtRawRow     *row,
                  bson_t             *filter)
{
  bson_oid_t oid;
  bson_iter_t it;
  const gchar *base_v = _pt_server_doc_get_version (row->base);

  bson_oid_init_from_string (&oid, row->id);
  BSON_APPEND_OID (filter, "_id", &oid);
  if (coll->tenant_scoped)
    BSON_APPEND_OID (filter, "tenantId", &s->tenant_oid);
  if (base_v != NULL)
    BSON_APPEND_UTF8 (filter, "_sync.v", base_v);
  else
    BSON_APPEND_NULL (filter, "_sync.v");
  if (bson_iter_init_find (&it, row->base, "updatedAt"))
    bson_append_iter (filter, "updatedAt", -1, &it);
  else
    BSON_APPEND_NULL (filter, "updatedAt");
}

/* What the store keeps as the base of an insert-only document: the sent
 * document plus our version, so the row does not look dirty. */
static bson_t *
insert_only_base (const bson_t *sent,
                  const gchar  *version)
{
  bson_t *base = bson_copy (sent);
  bson_t sync;

  if (version != NULL)
    {
      BSON_APPEND_DOCUMENT_BEGIN (base, "_sync", &sync);
      BSON_APPEND_UTF8 (&sync, "v", version);
      bson_append_document_end (base, &sync);
    }
  return base;
}

/* @op landed as @server_doc: its row is marked pushed with the others
 * of the bulk (pt_store_sync_mark_pushed_many). */
static void
acked (GArray       *pushed,
       Op           *op,
       const bson_t *server_doc)
{
  PtSyncPushed p = { op->item, server_doc };

  if (op->item->collection->kind == PT_COLLECTION_INSERT_ONLY)
    {
      op->base = insert_only_base (server_doc, op->item->row->version);
      p.server_doc = op->base;
    }
  g_array_append_val (pushed, p);
}

/* One find({_id: {$in: …}}) for the ops whose fate is unknown. */
static gboolean
verify_ops (PtSyncSession       *s,
            mongoc_collection_t *mc,
            Op                  *ops,
            guint                n_ops,
            PtSyncFailure       *failure,
            GError             **error)
{
  g_autoptr(GHashTable) found = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                                       (GDestroyNotify) bson_destroy);
  bson_t filter = BSON_INITIALIZER;
  bson_t idf, in;
  mongoc_cursor_t *cursor;
  const bson_t *doc;
  bson_error_t berr;
  guint n = 0;

  BSON_APPEND_DOCUMENT_BEGIN (&filter, "_id", &idf);
  BSON_APPEND_ARRAY_BEGIN (&idf, "$in", &in);
  for (guint i = 0; i < n_ops; i++)
    if (ops[i].verify)
      {
        bson_oid_t oid;
        gchar key[16];

        bson_oid_init_from_string (&oid, ops[i].item->row->id);
        g_snprintf (key, sizeof key, "%u", n++);
        BSON_APPEND_OID (&in, key, &oid);
      }
  bson_append_array_end (&idf, &in);
  bson_append_document_end (&filter, &idf);
  if (n == 0)
    {
      bson_destroy (&filter);
      return TRUE;
    }

  cursor = mongoc_collection_find_with_opts (mc, &filter, NULL, NULL);
  bson_destroy (&filter);
  while (mongoc_cursor_next (cursor, &doc))
    {
      g_autofree gchar *id = pt_sync_doc_id_hex (doc);
      if (id != NULL)
        g_hash_table_insert (found, g_steal_pointer (&id), bson_copy (doc));
    }
  if (mongoc_cursor_error (cursor, &berr))
    {
      mongoc_cursor_destroy (cursor);
      return fail (&berr, "check sent changes", failure, error);
    }
  mongoc_cursor_destroy (cursor);

  for (guint i = 0; i < n_ops; i++)
    {
      Op *op = &ops[i];
      const bson_t *server;

      if (!op->verify)
        continue;
      server = g_hash_table_lookup (found, op->item->row->id);
      if (server != NULL)
        {
          /* Carries our version: it landed (lost ack).  Otherwise someone
           * else wrote it: merge; what still differs goes next round. */
          PtSyncApplyStats stats = { 0 };

          if (!_pt_sync_session_apply_remote (s, op->item->collection, server, &stats, error)
              || !pt_store_sync_note_stamps (s->store, &stats, error))
            return FALSE;
          s->new_conflicts += stats.conflicts;
          if (stats.requeued == 0 && stats.dropped_foreign == 0)
            s->pushed_total++;
          if (stats.dropped_foreign > 0)
            {
              /* An _id taken by another tenant's document: refused. */
              if (!pt_store_sync_quarantine (s->store, op->item->collection, op->item->row->id,
                                             op->item->row->version, 11000,
                                             "E11000 duplicate key error (_id used by another tenant)",
                                             error))
                return FALSE;
            }
        }
      else if (op->kind == OP_REPLACE)
        {
          /* Gone from the server (hard-deleted by someone): insert again. */
          if (!pt_store_sync_forget_base (s->store, op->item->collection, op->item->row->id, error))
            return FALSE;
        }
      else if (op->code != 0)
        {
          /* A duplicate on another unique key (barcode, e-mail, number). */
          if (!pt_store_sync_quarantine (s->store, op->item->collection, op->item->row->id,
                                         op->item->row->version, op->code,
                                         op->errmsg != NULL ? op->errmsg : "duplicate key", error))
            return FALSE;
        }
    }
  return TRUE;
}

/* One bulk of one collection: built, sent (by the pusher's thread or a
 * helper thread, see _pt_sync_session_push_all), then settled in the
 * store. */
typedef struct
{
  GPtrArray               *round;    /* a ref: the outbox items it borrows from */
  GPtrArray               *items;    /* PtSyncOutboxItem *, borrowed */
  const PtCollection      *coll;
  mongoc_collection_t     *mc;
  mongoc_bulk_operation_t *bulk;
  Op                      *ops;
  guint                    n_sent;
  gint64                   now;
  /* What the server said (bulk_send). */
  guint32                  hint;
  gboolean                 sent;     /* reply holds the server's answer */
  bson_t                   reply;
  bson_error_t             berr;
  GThread                 *thread;
} Bulk;

static void
bulk_free (Bulk *b)
{
  if (b == NULL)
    return;
  g_assert (b->thread == NULL);
  for (guint i = 0; i < b->items->len; i++)
    op_clear (&b->ops[i]);
  g_free (b->ops);
  if (b->sent)
    bson_destroy (&b->reply);
  g_clear_pointer (&b->bulk, mongoc_bulk_operation_destroy);
  g_clear_pointer (&b->mc, mongoc_collection_destroy);
  g_ptr_array_unref (b->items);
  g_ptr_array_unref (b->round);
  g_free (b);
}
G_DEFINE_AUTOPTR_CLEANUP_FUNC (Bulk, bulk_free)

/* The operations for @items (one collection): inserts, compare-and-set
 * replacements, nothing for what the server already has.  NULL when the
 * encryption failed (everything stays queued). */
static Bulk *
bulk_build (PtSyncSession *s,
            GPtrArray     *round,
            GPtrArray     *items,
            PtSyncFailure *failure,
            GError       **error)
{
  g_autoptr(Bulk) b = g_new0 (Bulk, 1);
  const PtCollection *coll = ((PtSyncOutboxItem *) g_ptr_array_index (items, 0))->collection;
  bson_t opts = BSON_INITIALIZER;
  bson_error_t berr;

  b->round = g_ptr_array_ref (round);
  b->items = g_ptr_array_ref (items);
  b->coll = coll;
  b->mc = mongoc_database_get_collection (s->db, coll->name);
  b->ops = g_new0 (Op, items->len);
  b->now = pt_hlc_wall_ms ();

  BSON_APPEND_BOOL (&opts, "ordered", false);
  {
    mongoc_write_concern_t *wc = mongoc_write_concern_new ();
    mongoc_write_concern_set_w (wc, MONGOC_WRITE_CONCERN_W_MAJORITY);
    mongoc_write_concern_append (wc, &opts);
    mongoc_write_concern_destroy (wc);
  }
  b->bulk = mongoc_collection_create_bulk_operation_with_opts (b->mc, &opts);
  bson_destroy (&opts);

  for (guint i = 0; i < items->len; i++)
    {
      PtSyncOutboxItem *item = g_ptr_array_index (items, i);
      PtRawRow *row = item->row;
      Op *op = &b->ops[i];
      gboolean ok;

      op->item = item;
      if (row->base != NULL && coll->kind == PT_COLLECTION_INSERT_ONLY)
        {
          op->kind = OP_DONE;
          continue;
        }
      if (row->base != NULL && !_pt_raw_row_is_dirty (row))
        {
          /* Its version is the server's: nothing to send (the device's
           * one clock and the store's write path guarantee that an edit
           * never carries the base's stamp) — unless the server copy
           * holds sensitive values in clear: sent again, encrypted, as
           * the same version. */
          if (!_pt_sync_session_base_in_clear (s, row->base))
            {
              op->kind = OP_DONE;
              continue;
            }
        }
      op->sent = pt_sync_bson_to_remote (coll, row->doc, row->stamps, row->version,
                                         coll->kind == PT_COLLECTION_MUTABLE ? b->now : 0);
      if (!_pt_sync_session_encrypt (s, coll, op->sent, &op->wire, error))
        {
          /* Encryption failed (key vault): everything stays queued. */
          if (failure)
            *failure = PT_SYNC_FAILURE_TRANSIENT;
          return NULL;
        }
      if (row->base == NULL)
        {
          op->kind = OP_INSERT;
          ok = mongoc_bulk_operation_insert_with_opts (b->bulk, op->wire != NULL ? op->wire : op->sent,
                                                       NULL, &berr);
        }
      else
        {
          bson_t filter = BSON_INITIALIZER;

          op->kind = OP_REPLACE;
          build_cas_filter (s, coll, row, &filter);
          ok = mongoc_bulk_operation_replace_one_with_opts (b->bulk, &filter,
                                                            op->wire != NULL ? op->wire : op->sent,
                                                            NULL, &berr);
          bson_destroy (&filter);
        }
      if (!ok)
        {
          /* The driver refused the document itself (too large, bad key). */
          g_debug ("bulk refused %s %s: %s", coll->name, row->id, berr.message);
          op->kind = OP_DONE;
          op->code = -1;
          op->errmsg = g_strdup (berr.message);
          g_clear_pointer (&op->sent, bson_destroy);
          continue;
        }
      b->n_sent++;
    }
  return g_steal_pointer (&b);
}

/* Sends the bulk; the only part that may run on a helper thread (it uses
 * the client, which nothing else uses meanwhile). */
static gpointer
bulk_send (gpointer data)
{
  Bulk *b = data;

  if (b->n_sent > 0)
    {
      b->hint = mongoc_bulk_operation_execute (b->bulk, &b->reply, &b->berr);
      b->sent = TRUE;
    }
  return NULL;
}

/* Whether settling the bulk needs the server again (a duplicate key or a
 * compare-and-set that did not match: one find), or the server is not
 * well (the bulk failed, a write or write concern error): then nothing
 * else is sent before it is settled. */
static gboolean
bulk_needs_server (Bulk *b)
{
  bson_iter_t it, arr;
  gint64 n_matched = 0;
  guint n_replace = 0;

  if (b->n_sent == 0)
    return FALSE;
  if (b->hint == 0)
    return TRUE;
  if (bson_iter_init_find (&it, &b->reply, "writeErrors") && BSON_ITER_HOLDS_ARRAY (&it)
      && bson_iter_recurse (&it, &arr) && bson_iter_next (&arr))
    return TRUE;
  if (bson_iter_init_find (&it, &b->reply, "writeConcernErrors") && BSON_ITER_HOLDS_ARRAY (&it)
      && bson_iter_recurse (&it, &arr) && bson_iter_next (&arr))
    return TRUE;
  if (bson_iter_init_find (&it, &b->reply, "nMatched"))
    n_matched = bson_iter_as_int64 (&it);
  for (guint i = 0; i < b->items->len; i++)
    if (b->ops[i].kind == OP_REPLACE)
      n_replace++;
  return n_matched != (gint64) n_replace;
}

/* What the server said, into the store: acknowledged rows marked pushed,
 * refused ones quarantined, unknown ones looked up (verify_ops). */
static gboolean
bulk_settle (PtSyncSession *s,
             Bulk          *b,
             PtSyncFailure *failure,
             GError       **error)
{
  const PtCollection *coll = b->coll;
  Op *ops = b->ops;
  GPtrArray *items = b->items;
  g_autoptr(GArray) pushed = g_array_sized_new (FALSE, FALSE, sizeof (PtSyncPushed), items->len);
  gint64 now = b->now;
  guint n_sent = b->n_sent;
  gint64 n_matched = 0;
  gboolean ok = TRUE, transient = FALSE, wc_error = FALSE;
  bson_error_t transient_err = { 0 };
  bson_iter_t it;

  if (n_sent > 0)
    {
      guint32 hint = b->hint;
      gboolean has_write_errors = FALSE;

      if (bson_iter_init_find (&it, &b->reply, "writeErrors") && BSON_ITER_HOLDS_ARRAY (&it))
        {
          bson_iter_t arr;
          guint sent_index = 0;
          g_autofree guint *op_of = g_new0 (guint, n_sent);

          for (guint i = 0; i < items->len; i++)
            if (ops[i].kind != OP_DONE)
              op_of[sent_index++] = i;
          bson_iter_recurse (&it, &arr);
          while (bson_iter_next (&arr))
            {
              bson_iter_t e;
              gint idx = -1, code = 0;
              const gchar *msg = NULL;

              if (!bson_iter_recurse (&arr, &e))
                continue;
              while (bson_iter_next (&e))
                {
                  const gchar *k = bson_iter_key (&e);
                  if (strcmp (k, "index") == 0)
                    idx = (gint) bson_iter_as_int64 (&e);
                  else if (strcmp (k, "code") == 0)
                    code = (gint) bson_iter_as_int64 (&e);
                  else if (strcmp (k, "errmsg") == 0 && BSON_ITER_HOLDS_UTF8 (&e))
                    msg = bson_iter_utf8 (&e, NULL);
                }
              if (idx < 0 || (guint) idx >= n_sent)
                continue;
              has_write_errors = TRUE;
              ops[op_of[idx]].code = code;
              ops[op_of[idx]].errmsg = g_strdup (msg);
            }
        }
      if (bson_iter_init_find (&it, &b->reply, "writeConcernErrors") && BSON_ITER_HOLDS_ARRAY (&it))
        {
          bson_iter_t arr;
          bson_iter_recurse (&it, &arr);
          wc_error = bson_iter_next (&arr);
        }
      if (bson_iter_init_find (&it, &b->reply, "nMatched"))
        n_matched = bson_iter_as_int64 (&it);

      if (hint == 0 && !has_write_errors && !wc_error)
        {
          /* The whole batch failed (network, election, auth): nothing is
           * known; everything stays queued and is checked next time. */
          return fail (&b->berr, "send changes", failure, error);
        }
    }

  if (wc_error)
    {
      /* Applied on the primary but not confirmed by a majority: keep them
       * queued; next round's CAS/dup-key check settles each one. */
      transient = TRUE;
      transient_err.domain = MONGOC_ERROR_WRITE_CONCERN;
      transient_err.code = 64;
      g_strlcpy (transient_err.message, "write concern error", sizeof transient_err.message);
    }

  if (!_pt_store_begin (s->store, error))
    {
      if (failure)
        *failure = PT_SYNC_FAILURE_TRANSIENT;
      return FALSE;
    }

  {
    guint replaced_ok = 0;

    for (guint i = 0; i < items->len && ok; i++)
      {
        Op *op = &ops[i];
        PtSyncFailure f;

        if (op->kind == OP_DONE)
          {
            if (op->code == -1)
              ok = pt_store_sync_quarantine (s->store, coll, op->item->row->id, op->item->row->version,
                                             -1, op->errmsg, error);
            else
              g_array_append_val (pushed, ((PtSyncPushed) { op->item, op->item->row->base }));
            continue;
          }
        if (op->code == 0)
          {
            if (wc_error)
              continue;
            if (op->kind == OP_INSERT)
              {
                acked (pushed, op, op->sent);
                s->pushed_total++;
              }
            else
              replaced_ok++;
            continue;
          }
        f = pt_sync_error_classify_code (op->code);
        if (f == PT_SYNC_FAILURE_DUPLICATE)
          {
            if (op->kind == OP_INSERT && coll->kind == PT_COLLECTION_INSERT_ONLY)
              {
                /* Ledger and audit entries are immutable: it is there. */
                acked (pushed, op, op->sent);
                s->pushed_total++;
              }
            else if (op->kind == OP_REPLACE)
              {
                /* A replace never inserts: the value of another unique
                 * key (barcode, e-mail, number) is another document's.
                 * Sent again it is refused again, round after round, so
                 * it is refused for good until one of the two changes. */
                g_debug ("server refused %s %s: %d %s", coll->name, op->item->row->id,
                         op->code, op->errmsg);
                ok = pt_store_sync_quarantine (s->store, coll, op->item->row->id, op->item->row->version,
                                               op->code, op->errmsg != NULL ? op->errmsg : "", error);
              }
            else
              op->verify = TRUE;
          }
        else if (f == PT_SYNC_FAILURE_REJECTED)
          {
            g_debug ("server refused %s %s: %d %s", coll->name, op->item->row->id,
                     op->code, op->errmsg);
            ok = pt_store_sync_quarantine (s->store, coll, op->item->row->id, op->item->row->version,
                                           op->code, op->errmsg != NULL ? op->errmsg : "", error);
          }
        else
          {
            transient = TRUE;
            transient_err.domain = MONGOC_ERROR_SERVER;
            transient_err.code = (guint32) op->code;
            g_strlcpy (transient_err.message, op->errmsg != NULL ? op->errmsg : "",
                       sizeof transient_err.message);
          }
      }

    if (ok && !wc_error)
      {
        if ((gint64) replaced_ok == n_matched)
          {
            /* Every compare-and-set matched. */
            for (guint i = 0; i < items->len && ok; i++)
              if (ops[i].kind == OP_REPLACE && ops[i].code == 0)
                {
                  acked (pushed, &ops[i], ops[i].sent);
                  s->pushed_total++;
                }
          }
        else
          for (guint i = 0; i < items->len; i++)
            if (ops[i].kind == OP_REPLACE && ops[i].code == 0)
              ops[i].verify = TRUE;
      }

    /* The acknowledged ones in one go, before the merges of the others. */
    if (ok)
      ok = pt_store_sync_mark_pushed_many (s->store, coll, (const PtSyncPushed *) pushed->data,
                                           pushed->len, error);
    if (ok && !wc_error)
      ok = verify_ops (s, b->mc, ops, items->len, failure, error);
    else if (!ok && failure)
      *failure = PT_SYNC_FAILURE_TRANSIENT;

    if (ok)
      ok = pt_store_sync_set_int (s->store, "last_push", now, error);
    if (ok)
      ok = _pt_store_commit (s->store, error);
    else
      _pt_store_rollback (s->store);
  }

  if (ok && transient)
    ok = fail (&transient_err, "send changes", failure, error);
  if (ok)
    s->last_push_ms = now;
  return ok;
}

/* The next round of the outbox, as bulks of one collection each (up to
 * PT_SYNC_PUSH_BATCH operations), in order of first appearance (tenants
 * before pharmacies before medicines, as committed), appended to @slices
 * (GPtrArray * of items, each holding a ref on @round_out).  FALSE on a
 * store error; *@end when the outbox has nothing after *@after. */
static gboolean
read_round (PtSyncSession  *s,
            gint64         *after,
            GQueue         *slices,
            GPtrArray     **round_out,
            gboolean       *end,
            GError        **error)
{
  g_autoptr(GPtrArray) items = pt_store_sync_outbox_batch (s->store, *after, PT_SYNC_PUSH_READ,
                                                           error);
  g_autoptr(GHashTable) groups = NULL;
  g_autoptr(GPtrArray) order = NULL;

  *end = FALSE;
  if (items == NULL)
    return FALSE;
  if (items->len == 0)
    {
      *end = TRUE;
      return TRUE;
    }
  *after = ((PtSyncOutboxItem *) g_ptr_array_index (items, items->len - 1))->seq;

  groups = g_hash_table_new_full (g_direct_hash, g_direct_equal, NULL,
                                  (GDestroyNotify) g_ptr_array_unref);
  order = g_ptr_array_new ();
  for (guint i = 0; i < items->len; i++)
    {
      PtSyncOutboxItem *item = g_ptr_array_index (items, i);
      GPtrArray *g;

      if (item->collection == NULL)
        continue;  /* a page of stale entries */
      g = g_hash_table_lookup (groups, item->collection);
      if (g == NULL)
        {
          g = g_ptr_array_new ();
          g_hash_table_insert (groups, (gpointer) item->collection, g);
          g_ptr_array_add (order, (gpointer) item->collection);
        }
      g_ptr_array_add (g, item);
    }
  for (guint i = 0; i < order->len; i++)
    {
      GPtrArray *g = g_hash_table_lookup (groups, g_ptr_array_index (order, i));

      for (guint first = 0; first < g->len; first += PT_SYNC_PUSH_BATCH)
        {
          GPtrArray *slice = g_ptr_array_sized_new (PT_SYNC_PUSH_BATCH);

          for (guint j = first; j < MIN (first + PT_SYNC_PUSH_BATCH, g->len); j++)
            g_ptr_array_add (slice, g_ptr_array_index (g, j));
          g_queue_push_tail (slices, slice);
        }
    }
  *round_out = g_steal_pointer (&items);
  return TRUE;
}

static void
bulk_join (Bulk *b)
{
  if (b != NULL && b->thread != NULL)
    {
      g_thread_join (b->thread);
      b->thread = NULL;
    }
}

/* Pushes the outbox: rounds of PT_SYNC_PUSH_READ entries, each sent as
 * unordered bulks of one collection.  While the server works on a bulk,
 * this thread settles the previous one in the store and reads and builds
 * the next (the server and the store each have a core): a bulk is sent
 * by a helper thread and joined before the client is used again.
 * Settling a bulk that needs the server again (a lost compare-and-set, a
 * duplicate key) waits until nothing is in flight.  When a bulk fails,
 * the one in flight is joined and left queued: what it wrote is found
 * again next time like a lost acknowledgement. */
gboolean
_pt_sync_session_push_all (PtSyncSession  *s,
                           gint64         *pushed,
                           PtSyncFailure  *failure,
                           GError        **error)
{
  g_autoptr(GPtrArray) round = NULL;
  GQueue slices = G_QUEUE_INIT;
  Bulk *flying = NULL;      /* sent, on the helper thread */
  Bulk *landed = NULL;      /* sent and joined, not settled */
  Bulk *settled = NULL;     /* freed once nothing is in flight */
  gint64 after = 0;
  gint64 before = s->pushed_total;
  gboolean end = FALSE, ok = TRUE;

  while (ok)
    {
      g_autoptr(GPtrArray) items = NULL;
      Bulk *next = NULL;

      if (g_queue_is_empty (&slices) && !end)
        {
          g_autoptr(GPtrArray) new_round = NULL;

          if (round != NULL && s->report != NULL)
            s->report (s, s->report_data);
          ok = read_round (s, &after, &slices, &new_round, &end, error);
          if (!ok)
            {
              if (failure)
                *failure = PT_SYNC_FAILURE_TRANSIENT;
              break;
            }
          if (new_round != NULL)
            {
              g_clear_pointer (&round, g_ptr_array_unref);
              round = g_steal_pointer (&new_round);
            }
          if (g_queue_is_empty (&slices) && !end)
            continue;  /* a page of stale entries */
        }
      items = g_queue_pop_head (&slices);

      bulk_join (flying);
      g_clear_pointer (&settled, bulk_free);
      landed = flying;
      flying = NULL;
      if (items == NULL && landed == NULL)
        break;

      if (landed != NULL && (items == NULL || bulk_needs_server (landed)))
        {
          ok = bulk_settle (s, landed, failure, error);
          g_clear_pointer (&landed, bulk_free);
          if (!ok)
            break;
        }
      if (items != NULL)
        {
          next = bulk_build (s, round, items, failure, error);
          if (next == NULL)
            {
              ok = FALSE;
              break;
            }
          flying = next;
          flying->thread = g_thread_new ("pt-sync-push", bulk_send, flying);
        }
      if (landed != NULL)
        {
          /* Meanwhile the server works on the next one. */
          ok = bulk_settle (s, landed, failure, error);
          settled = g_steal_pointer (&landed);
        }
    }

  bulk_join (flying);
  g_clear_pointer (&settled, bulk_free);
  g_clear_pointer (&flying, bulk_free);
  g_clear_pointer (&landed, bulk_free);
  g_queue_clear_full (&slices, (GDestroyNotify) g_ptr_array_unref);
  if (!ok)
    return FALSE;
  if (round != NULL && s->report != NULL)
    s->report (s, s->report_data);
  if (pushed)
    *pushed = s->pushed_total - before;
  return TRUE;
}
