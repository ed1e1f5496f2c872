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
} Op;

static void
op_clear (Op *op)
{
  g_clear_pointer (&op->sent, bson_destroy);
  g_clear_pointer (&op->wire, bson_destroy);
  g_clear_pointer (&op->errmsg, g_free);
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

static gboolean
mark_pushed (PtSyncSession *s,
             Op            *op,
             const bson_t  *server_doc,
             GError       **error)
{
  const PtCollection *coll = op->item->collection;
  const PtRawRow *row = op->item->row;

  if (coll->kind == PT_COLLECTION_INSERT_ONLY)
    {
      bson_t *base = insert_only_base (server_doc, row->version);
      gboolean ok = pt_store_sync_mark_pushed (s->store, coll, row->id, row->version, base, error);
      bson_destroy (base);
      return ok;
    }
  return pt_store_sync_mark_pushed (s->store, coll, row->id, row->version, server_doc, error);
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

static gboolean
push_collection (PtSyncSession *s,
                 GPtrArray     *items,
                 PtSyncFailure *failure,
                 GError       **error)
{
  const PtCollection *coll = ((PtSyncOutboxItem *) g_ptr_array_index (items, 0))->collection;
  mongoc_collection_t *mc = mongoc_database_get_collection (s->db, coll->name);
  mongoc_bulk_operation_t *bulk = NULL;
  g_autofree Op *ops = g_new0 (Op, items->len);
  gint64 now = pt_hlc_wall_ms ();
  bson_t opts = BSON_INITIALIZER;
  bson_t reply;
  bson_error_t berr;
  guint n_sent = 0, n_replace = 0;
  gint64 n_matched = 0;
  gboolean ok = TRUE, transient = FALSE, wc_error = FALSE;
  bson_error_t transient_err = { 0 };
  bson_iter_t it;

  BSON_APPEND_BOOL (&opts, "ordered", false);
  {
    mongoc_write_concern_t *wc = mongoc_write_concern_new ();
    mongoc_write_concern_set_w (wc, MONGOC_WRITE_CONCERN_W_MAJORITY);
    mongoc_write_concern_append (wc, &opts);
    mongoc_write_concern_destroy (wc);
  }
  bulk = mongoc_collection_create_bulk_operation_with_opts (mc, &opts);
  bson_destroy (&opts);

  for (guint i = 0; i < items->len; i++)
    {
      PtSyncOutboxItem *item = g_ptr_array_index (items, i);
      PtRawRow *row = item->row;
      Op *op = &ops[i];

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
                                         coll->kind == PT_COLLECTION_MUTABLE ? now : 0);
      if (!_pt_sync_session_encrypt (s, coll, op->sent, &op->wire, error))
        {
          ok = FALSE;
          break;
        }
      if (row->base == NULL)
        {
          op->kind = OP_INSERT;
          ok = mongoc_bulk_operation_insert_with_opts (bulk, op->wire != NULL ? op->wire : op->sent,
                                                       NULL, &berr);
        }
      else
        {
          bson_t filter = BSON_INITIALIZER;

          op->kind = OP_REPLACE;
          build_cas_filter (s, coll, row, &filter);
          ok = mongoc_bulk_operation_replace_one_with_opts (bulk, &filter,
                                                            op->wire != NULL ? op->wire : op->sent,
                                                            NULL, &berr);
          bson_destroy (&filter);
          n_replace++;
        }
      if (!ok)
        {
          /* The driver refused the document itself (too large, bad key). */
          g_debug ("bulk refused %s %s: %s", coll->name, row->id, berr.message);
          op->kind = OP_DONE;
          op->code = -1;
          op->errmsg = g_strdup (berr.message);
          g_clear_pointer (&op->sent, bson_destroy);
          ok = TRUE;
          continue;
        }
      n_sent++;
    }

  if (!ok)
    {
      /* Encryption failed (key vault): everything stays queued. */
      mongoc_bulk_operation_destroy (bulk);
      mongoc_collection_destroy (mc);
      for (guint i = 0; i < items->len; i++)
        op_clear (&ops[i]);
      if (failure)
        *failure = PT_SYNC_FAILURE_TRANSIENT;
      return FALSE;
    }

  if (n_sent > 0)
    {
      guint32 hint = mongoc_bulk_operation_execute (bulk, &reply, &berr);
      gboolean has_write_errors = FALSE;

      if (bson_iter_init_find (&it, &reply, "writeErrors") && BSON_ITER_HOLDS_ARRAY (&it))
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
      if (bson_iter_init_find (&it, &reply, "writeConcernErrors") && BSON_ITER_HOLDS_ARRAY (&it))
        {
          bson_iter_t arr;
          bson_iter_recurse (&it, &arr);
          wc_error = bson_iter_next (&arr);
        }
      if (bson_iter_init_find (&it, &reply, "nMatched"))
        n_matched = bson_iter_as_int64 (&it);

      if (hint == 0 && !has_write_errors && !wc_error)
        {
          /* The whole batch failed (network, election, auth): nothing is
           * known; everything stays queued and is checked next time. */
          bson_destroy (&reply);
          mongoc_bulk_operation_destroy (bulk);
          mongoc_collection_destroy (mc);
          for (guint i = 0; i < items->len; i++)
            op_clear (&ops[i]);
          return fail (&berr, "send changes", failure, error);
        }
      bson_destroy (&reply);
    }
  mongoc_bulk_operation_destroy (bulk);

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
      ok = FALSE;
      if (failure)
        *failure = PT_SYNC_FAILURE_TRANSIENT;
      goto out;
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
                                             0, op->errmsg, error);
            else
              ok = pt_store_sync_mark_pushed (s->store, coll, op->item->row->id,
                                              op->item->row->version, op->item->row->base, error);
            continue;
          }
        if (op->code == 0)
          {
            if (wc_error)
              continue;
            if (op->kind == OP_INSERT)
              {
                ok = mark_pushed (s, op, op->sent, error);
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
                ok = mark_pushed (s, op, op->sent, error);
                s->pushed_total++;
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
                  ok = mark_pushed (s, &ops[i], ops[i].sent, error);
                  s->pushed_total++;
                }
          }
        else
          for (guint i = 0; i < items->len; i++)
            if (ops[i].kind == OP_REPLACE && ops[i].code == 0)
              ops[i].verify = TRUE;
      }

    if (ok && !wc_error)
      ok = verify_ops (s, mc, ops, items->len, failure, error);
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

out:
  for (guint i = 0; i < items->len; i++)
    op_clear (&ops[i]);
  mongoc_collection_destroy (mc);
  return ok;
}

gboolean
_pt_sync_session_push_all (PtSyncSession  *s,
                           gint64         *pushed,
                           PtSyncFailure  *failure,
                           GError        **error)
{
  gint64 after = 0;
  gint64 before = s->pushed_total;

  for (;;)
    {
      g_autoptr(GPtrArray) items = pt_store_sync_outbox_batch (s->store, after, PT_SYNC_PUSH_READ,
                                                               error);
      g_autoptr(GHashTable) groups = NULL;
      g_autoptr(GPtrArray) order = NULL;

      if (items == NULL)
        {
          if (failure)
            *failure = PT_SYNC_FAILURE_TRANSIENT;
          return FALSE;
        }
      if (items->len == 0)
        break;
      after = ((PtSyncOutboxItem *) g_ptr_array_index (items, items->len - 1))->seq;

      /* One unordered bulk per collection, in order of first appearance
       * (tenants before pharmacies before medicines, as committed). */
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
      /* Bulks of up to PT_SYNC_PUSH_BATCH operations. */
      for (guint i = 0; i < order->len; i++)
        {
          GPtrArray *g = g_hash_table_lookup (groups, g_ptr_array_index (order, i));

          for (guint first = 0; first < g->len; first += PT_SYNC_PUSH_BATCH)
            {
              g_autoptr(GPtrArray) slice = g_ptr_array_sized_new (PT_SYNC_PUSH_BATCH);

              for (guint j = first; j < MIN (first + PT_SYNC_PUSH_BATCH, g->len); j++)
                g_ptr_array_add (slice, g_ptr_array_index (g, j));
              if (!push_collection (s, slice, failure, error))
                return FALSE;
            }
        }
      if (s->report != NULL)
        s->report (s, s->report_data);
    }
  if (pushed)
    *pushed = s->pushed_total - before;
  return TRUE;
}
