/* pt-store-load.c: the direct load of documents the store makes itself
 * (demo data).  They are valid by construction, new (fresh ids: no stored
 * row to read, merge or diff) and written by the device, so the counter's
 * write path (pt-store-docs.c: validate, check permission, plan and unique
 * fields, read the old row, diff, stamp field by field, compact the stamps)
 * is skipped: each document is built in registry order, stamped once and
 * inserted with cached statements, with its outbox entry and its audit
 * event — the very rows the one-by-one path writes (test-demo compares the
 * two stores).
 *
 * When a table the load fills is empty at the start, its secondary indexes
 * are dropped and built once at the end (CREATE INDEX sorts what the load
 * would otherwise insert entry by entry, in random order for most
 * columns).  Crash safety: the drop commits with the load's first chunk
 * and forgets the registry's DDL fingerprint, so a store opened after a
 * crash gets its indexes back from _pt_store_ensure_schema () at open.
 *
 * The triggers that keep the counters (doc_stats) and the stock cache on
 * the loaded tables and the audit log go for the load whatever the tables
 * hold: an insert into a table with a trigger runs in a statement
 * transaction, which copies every page it touches into a statement journal
 * first.  The outbox keeps its triggers: they number its entries
 * (schema 5).  The counters and the stock cache are recomputed from the
 * rows at the end (one scan or GROUP BY each); a marker committed with the
 * drop makes the next open recompute them after a crash. */
#define G_LOG_DOMAIN "pt-store"
#include "config.h"

#include <string.h>

#include "pt-store-impl.h"

#define RECOUNT_KEY "load_recount"

struct _PtStoreLoad
{
  PtStore            *store;
  /* Documents of a plan-limited collection at the start, and loaded. */
  GHashTable         *counts;
  const PtCollection *audit;
  const PtCollection *movements;
  /* An empty document: the stamps column of a document created in one
   * write (every field carries the version's stamp). */
  bson_t              created_stamps;
  gboolean            deferred;     /* indexes dropped */
  gboolean            active;       /* triggers dropped */
};

static void
new_id (gchar out[PT_OID_HEX_LEN + 1])
{
  bson_oid_t oid;

  bson_oid_init (&oid, NULL);
  bson_oid_to_string (&oid, out);
}

gboolean
_pt_store_recount_derived (PtStore  *self,
                           GError  **error)
{
  const PtCollection * const *all;
  guint n = 0;

  g_return_val_if_fail (self->tx_depth > 0, FALSE);

  all = pt_schema_collections (&n);
  for (guint i = 0; i < n; i++)
    {
      g_autofree gchar *stats = g_strdup_printf ("UPDATE doc_stats SET (live, total, bytes) = "
                                                 "(SELECT coalesce(sum(deleted = 0), 0), count(*), "
                                                 "coalesce(sum(length(doc)), 0) FROM \"%s\") "
                                                 "WHERE collection = '%s'",
                                                 all[i]->name, all[i]->name);
      if (!_pt_store_exec (self, stats, error))
        return FALSE;
    }
  /* The stock cache as _pt_store_rebuild_derived () computes it. */
  return _pt_store_exec (self,
                         "DELETE FROM batch_stock; DELETE FROM medicine_stock;"
                         "INSERT INTO batch_stock (batch_id, medicine_id, pharmacy_id, quantity) "
                         "  SELECT batch_id, min(medicine_id), min(pharmacy_id), sum(quantity) "
                         "  FROM stock_movements WHERE deleted = 0 AND batch_id IS NOT NULL "
                         "  GROUP BY batch_id;"
                         "INSERT INTO medicine_stock (medicine_id, pharmacy_id, quantity) "
                         "  SELECT medicine_id, pharmacy_id, sum(quantity) "
                         "  FROM stock_movements WHERE deleted = 0 AND batch_id IS NOT NULL "
                         "  GROUP BY medicine_id, pharmacy_id;"
                          PT_STORE_FILL_NEAREST_EXPIRY,
                         error);
}

/* The registry's indexes and triggers back, counters recomputed,
 * marker cleared: the end of a load, or an open after a crashed one. */
static gboolean
restore_derived (PtStore  *self,
                 GError  **error)
{
  return _pt_store_ensure_schema (self, error)
         && _pt_store_recount_derived (self, error)
         && _pt_store_meta_set (self, RECOUNT_KEY, NULL, error);
}

gboolean
_pt_store_load_recover (PtStore  *self,
                        GError  **error)
{
  g_autofree gchar *pending = _pt_store_meta_get (self, RECOUNT_KEY);

  if (pending == NULL)
    return TRUE;
  g_info ("%s: a bulk load did not finish; recomputing its counters", self->path);
  if (!_pt_store_begin (self, error))
    return FALSE;
  if (!restore_derived (self, error))
    {
      _pt_store_rollback (self);
      return FALSE;
    }
  return _pt_store_commit (self, error);
}

PtStoreLoad *
_pt_store_load_begin (PtStore             *self,
                      const gchar * const *tables,
                      GError             **error)
{
  g_autoptr(GPtrArray) empty_tables = g_ptr_array_new ();
  PtStoreLoad *load;

  g_return_val_if_fail (PT_IS_STORE (self), NULL);
  g_return_val_if_fail (self->tx_depth > 0, NULL);

  for (guint i = 0; tables != NULL && tables[i] != NULL; i++)
    {
      gboolean empty = FALSE;

      if (pt_schema_lookup (tables[i]) == NULL)
        {
          g_set_error (error, PT_ERROR, PT_ERROR_INVALID,
                       _("Unknown collection “%s”."), tables[i]);
          return NULL;
        }
      if (!_pt_store_table_is_empty (self, tables[i], &empty, error))
        return NULL;
      if (empty)
        g_ptr_array_add (empty_tables, (gpointer) tables[i]);
    }

  load = g_new0 (PtStoreLoad, 1);
  load->store = g_object_ref (self);
  load->counts = g_hash_table_new_full (g_str_hash, g_str_equal, NULL, g_free);
  load->audit = pt_schema_lookup ("audit_events");
  load->movements = pt_schema_lookup ("stock_movements");
  bson_init (&load->created_stamps);

  for (guint i = 0; i < empty_tables->len; i++)
    if (!_pt_store_drop_table_derived (self, empty_tables->pdata[i], TRUE, FALSE, error))
      goto fail;
  /* The loaded tables' triggers and the audit log's (every document has
   * an event).  A store opened before the load ends (or after a crash)
   * gets them back at open, counters recomputed. */
  for (guint i = 0; tables[i] != NULL; i++)
    if (!_pt_store_drop_table_derived (self, tables[i], FALSE, TRUE, error))
      goto fail;
  if (!_pt_store_drop_table_derived (self, "audit_events", FALSE, TRUE, error)
      || !_pt_store_meta_set (self, "registry_ddl", NULL, error)
      || !_pt_store_meta_set (self, RECOUNT_KEY, "1", error))
    goto fail;
  load->deferred = empty_tables->len > 0;
  load->active = TRUE;
  return load;

fail:
  _pt_store_load_free (load);
  return NULL;
}

gboolean
_pt_store_load_indexes_deferred (PtStoreLoad *load)
{
  return load->deferred;
}

gboolean
_pt_store_load_finish (PtStoreLoad  *load,
                       GError      **error)
{
  g_return_val_if_fail (load->store->tx_depth > 0, FALSE);

  if (!load->active)
    return TRUE;
  /* Every index and trigger the registry wants, as at any open, and the
   * counters from the rows. */
  if (!restore_derived (load->store, error))
    return FALSE;
  load->deferred = FALSE;
  load->active = FALSE;
  return TRUE;
}

void
_pt_store_load_free (PtStoreLoad *load)
{
  if (load == NULL)
    return;
  bson_destroy (&load->created_stamps);
  g_hash_table_unref (load->counts);
  g_object_unref (load->store);
  g_free (load);
}

/* The row, its clock stamp and its outbox entry. */
static gboolean
insert_document (PtStoreLoad        *load,
                 const PtCollection *c,
                 const gchar        *id,
                 const bson_t       *fields,
                 bson_t            **out_doc,
                 GError            **error)
{
  PtStore *self = load->store;
  g_autoptr(bson_t) doc = NULL;
  gchar stamp[PT_HLC_STAMP_LEN + 1];

  doc = _pt_store_build_document (c, id, self->tenant_id, NULL, fields, TRUE, FALSE,
                                  pt_hlc_wall_ms ());
  pt_hlc_now_into (self->clock, stamp);
  /* Ledger and audit rows keep no stamps (as _pt_store_write_doc ()). */
  if (!_pt_store_insert_new_row (self, c, id, doc,
                                 c->kind == PT_COLLECTION_INSERT_ONLY ? NULL
                                 : &load->created_stamps,
                                 stamp, NULL, error)
      || !_pt_store_note_stamp (self, stamp, error)
      || !_pt_store_outbox_add (self, c->name, id, error))
    return FALSE;
  _pt_store_mark_local_change (self);
  if (out_doc != NULL)
    *out_doc = g_steal_pointer (&doc);
  return TRUE;
}

gboolean
_pt_store_load_audit (PtStoreLoad         *load,
                      const gchar         *collection,
                      const gchar         *doc_id,
                      const gchar         *action,
                      const gchar * const *fields,
                      const gchar         *reason,
                      GError             **error)
{
  PtStore *self = load->store;
  bson_t event = BSON_INITIALIZER;
  bson_t array;
  gchar id[PT_OID_HEX_LEN + 1];
  gboolean ok;

  /* The event _pt_store_audit () writes, field for field. */
  if (self->user_id != NULL)
    _pt_bson_append_oid_hex (&event, "userId", self->user_id);
  BSON_APPEND_UTF8 (&event, "deviceId", self->device_id);
  BSON_APPEND_UTF8 (&event, "collection", collection);
  BSON_APPEND_UTF8 (&event, "documentId", doc_id);
  BSON_APPEND_UTF8 (&event, "action", action);
  BSON_APPEND_ARRAY_BEGIN (&event, "fields", &array);
  for (guint i = 0; fields != NULL && fields[i] != NULL; i++)
    {
      const gchar *key;
      gchar buf[16];

      bson_uint32_to_string (i, &key, buf, sizeof buf);
      BSON_APPEND_UTF8 (&array, key, fields[i]);
    }
  bson_append_array_end (&event, &array);
  if (reason != NULL && *reason != '\0')
    {
      /* Cut to the registry's limit, as _pt_store_audit () does. */
      g_autofree gchar *cut = g_utf8_substring (reason, 0, MIN (g_utf8_strlen (reason, -1), 500));
      BSON_APPEND_UTF8 (&event, "reason", cut);
    }
  BSON_APPEND_DATE_TIME (&event, "at", pt_hlc_wall_ms ());

  new_id (id);
  ok = insert_document (load, load->audit, id, &event, NULL, error);
  bson_destroy (&event);
  return ok;
}

/* The audit's field list of a created document: its fields but the
 * system ones, in the document's (registry) order, as
 * pt_schema_changed_fields () gives them against nothing. */
static const gchar **
created_fields (const bson_t *doc,
                const gchar **out,
                guint         n_out)
{
  bson_iter_t iter;
  guint n = 0;

  bson_iter_init (&iter, doc);
  while (bson_iter_next (&iter) && n + 1 < n_out)
    {
      const gchar *key = bson_iter_key (&iter);

      if (strcmp (key, "_id") == 0 || strcmp (key, "tenantId") == 0
          || strcmp (key, "createdAt") == 0 || strcmp (key, "updatedAt") == 0)
        continue;
      out[n++] = key;
    }
  out[n] = NULL;
  return out;
}

gboolean
_pt_store_load_insert (PtStoreLoad   *load,
                       const gchar   *collection,
                       const bson_t  *fields,
                       const gchar   *action,
                       const gchar   *reason,
                       gchar          out_id[PT_OID_HEX_LEN + 1],
                       GError       **error)
{
  const PtCollection *c = pt_schema_lookup (collection);
  g_autoptr(bson_t) doc = NULL;
  const gchar *changed[64];
  gchar id[PT_OID_HEX_LEN + 1];

  PtLimitKind kind;

  g_return_val_if_fail (c != NULL, FALSE);

  /* The plan's limits hold for demo data too (a Starter store); the
   * counters are not kept during the load, so the load counts. */
  if (pt_plan_limit_for_collection (c->name, &kind))
    {
      gint64 *count = g_hash_table_lookup (load->counts, c->name);

      if (count == NULL)
        {
          count = g_new (gint64, 1);
          *count = pt_store_count (load->store, c->name);
          g_hash_table_insert (load->counts, (gpointer) c->name, count);
        }
      if (!pt_plan_check (load->store->plan, kind, *count, error))
        return FALSE;
      (*count)++;
    }
  new_id (id);
  if (!insert_document (load, c, id, fields, &doc, error))
    return FALSE;
  if (action != NULL
      && !_pt_store_load_audit (load, c->name, id, action,
                                created_fields (doc, changed, G_N_ELEMENTS (changed)),
                                reason, error))
    return FALSE;
  if (out_id != NULL)
    memcpy (out_id, id, sizeof id);
  return TRUE;
}

gboolean
_pt_store_load_receive (PtStoreLoad     *load,
                        const PtReceipt *receipt,
                        const gchar     *same_lot_batch_id,
                        gchar            out_batch_id[PT_OID_HEX_LEN + 1],
                        GError         **error)
{
  PtTime now = pt_hlc_wall_ms ();
  gchar batch_id[PT_OID_HEX_LEN + 1];

  if (same_lot_batch_id == NULL)
    {
      bson_t batch = BSON_INITIALIZER;
      gboolean ok;

      /* The batch pt_store_receive_stock () makes. */
      _pt_bson_append_oid_hex (&batch, "medicineId", receipt->medicine_id);
      _pt_bson_append_oid_hex (&batch, "pharmacyId", receipt->pharmacy_id);
      BSON_APPEND_UTF8 (&batch, "lotNumber", receipt->lot_number);
      BSON_APPEND_DATE_TIME (&batch, "expiryDate", receipt->expiry_date);
      BSON_APPEND_INT64 (&batch, "costPrice", receipt->cost_price);
      if (receipt->supplier != NULL && *receipt->supplier != '\0')
        BSON_APPEND_UTF8 (&batch, "supplier", receipt->supplier);
      BSON_APPEND_DATE_TIME (&batch, "receivedAt", now);
      ok = _pt_store_load_insert (load, "batches", &batch, "receive", NULL, batch_id, error);
      bson_destroy (&batch);
      if (!ok)
        return FALSE;
    }
  else
    {
      const gchar *fields[] = { "quantity", NULL };

      g_strlcpy (batch_id, same_lot_batch_id, sizeof batch_id);
      if (!_pt_store_load_audit (load, "batches", batch_id, "receive", fields, NULL, error))
        return FALSE;
    }
  if (!_pt_store_load_movement (load, batch_id, receipt->medicine_id, receipt->pharmacy_id,
                                receipt->quantity, "receipt", NULL, now, NULL, error))
    return FALSE;
  if (out_batch_id != NULL)
    memcpy (out_batch_id, batch_id, sizeof batch_id);
  return TRUE;
}

gboolean
_pt_store_load_movement (PtStoreLoad *load,
                         const gchar *batch_id,
                         const gchar *medicine_id,
                         const gchar *pharmacy_id,
                         PtQuantity   quantity,
                         const gchar *kind,
                         const gchar *reason,
                         PtTime       at,
                         gchar        out_id[PT_OID_HEX_LEN + 1],
                         GError     **error)
{
  PtStore *self = load->store;
  bson_t doc = BSON_INITIALIZER;
  gchar id[PT_OID_HEX_LEN + 1];
  gboolean ok;

  /* The movement _pt_store_write_movement () makes. */
  _pt_bson_append_oid_hex (&doc, "batchId", batch_id);
  _pt_bson_append_oid_hex (&doc, "medicineId", medicine_id);
  _pt_bson_append_oid_hex (&doc, "pharmacyId", pharmacy_id);
  BSON_APPEND_INT64 (&doc, "quantity", quantity);
  BSON_APPEND_UTF8 (&doc, "kind", kind);
  if (reason != NULL && *reason != '\0')
    BSON_APPEND_UTF8 (&doc, "reason", reason);
  if (self->user_id != NULL)
    _pt_bson_append_oid_hex (&doc, "userId", self->user_id);
  BSON_APPEND_UTF8 (&doc, "deviceId", self->device_id);
  BSON_APPEND_DATE_TIME (&doc, "at", at);
  new_id (id);
  ok = insert_document (load, load->movements, id, &doc, NULL, error);
  bson_destroy (&doc);
  if (ok && out_id != NULL)
    memcpy (out_id, id, sizeof id);
  return ok;
}

gboolean
_pt_store_load_adjust (PtStoreLoad *load,
                       const gchar *batch_id,
                       const gchar *medicine_id,
                       const gchar *pharmacy_id,
                       PtQuantity   delta,
                       const gchar *reason,
                       GError     **error)
{
  const gchar *fields[] = { "quantity", NULL };
  gchar movement_id[PT_OID_HEX_LEN + 1];

  /* pt_store_adjust_stock ()'s movement and audit event. */
  return _pt_store_load_movement (load, batch_id, medicine_id, pharmacy_id, delta,
                                  "adjustment", reason, pt_hlc_wall_ms (), movement_id, error)
         && _pt_store_load_audit (load, "stock_movements", movement_id, "adjust", fields,
                                  reason, error);
}
