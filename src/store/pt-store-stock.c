/* pt-store-stock.c: the stock ledger — receiving, adjusting and writing
 * off stock, and stock on hand as ledger sums. */
#define G_LOG_DOMAIN "pt-store"
#include "config.h"

#include <inttypes.h>

#include "pt-store-impl.h"

void
pt_batch_stock_free (PtBatchStock *b)
{
  if (b == NULL)
    return;
  g_free (b->batch_id);
  g_free (b->lot_number);
  g_free (b->pharmacy_id);
  g_free (b);
}

/* Writes one ledger entry (insert-only, synced, no audit of its own: the
 * operation that writes it audits). */
gboolean
_pt_store_write_movement (PtStore     *self,
                          const gchar *batch_id,
                          const gchar *medicine_id,
                          const gchar *pharmacy_id,
                          PtQuantity   quantity,
                          const gchar *kind,
                          const gchar *reason,
                          const gchar *prescription_id,
                          PtTime       at,
                          gchar      **out_id,
                          GError     **error)
{
  static const PtWriteOptions opts = {
    .skip_permission = TRUE, .no_audit = TRUE, .fresh = TRUE
  };
  g_autoptr(bson_t) doc = bson_new ();

  _pt_bson_append_oid_hex (doc, "batchId", batch_id);
  _pt_bson_append_oid_hex (doc, "medicineId", medicine_id);
  _pt_bson_append_oid_hex (doc, "pharmacyId", pharmacy_id);
  BSON_APPEND_INT64 (doc, "quantity", quantity);
  BSON_APPEND_UTF8 (doc, "kind", kind);
  if (reason != NULL && *reason != '\0')
    BSON_APPEND_UTF8 (doc, "reason", reason);
  if (prescription_id != NULL)
    _pt_bson_append_oid_hex (doc, "prescriptionId", prescription_id);
  if (self->user_id != NULL)
    _pt_bson_append_oid_hex (doc, "userId", self->user_id);
  BSON_APPEND_UTF8 (doc, "deviceId", self->device_id);
  BSON_APPEND_DATE_TIME (doc, "at", at);
  return _pt_store_write_doc (self, pt_schema_lookup ("stock_movements"), NULL, doc, TRUE,
                              &opts, out_id, NULL, error);
}

/* Ledger sum of one batch (the stock cache, kept exact by triggers). */
PtQuantity
_pt_store_batch_quantity (PtStore     *self,
                          const gchar *batch_id)
{
  return _pt_store_query_int (self, "SELECT quantity FROM batch_stock WHERE batch_id = ?1",
                              batch_id, 0);
}

static gboolean
live_doc_exists (PtStore     *self,
                 const gchar *collection,
                 const gchar *id,
                 const gchar *what,
                 bson_t     **out,
                 GError     **error)
{
  bson_t *doc = pt_oid_is_valid (id) ? _pt_store_get_doc (self, collection, id) : NULL;

  if (doc == NULL || pt_bson_get_bool (doc, "deleted", FALSE))
    {
      g_clear_pointer (&doc, bson_destroy);
      g_set_error (error, PT_ERROR, PT_ERROR_NOT_FOUND,
                   _("There is no %s with id “%s”."), what, id ? id : "");
      return FALSE;
    }
  if (out != NULL)
    *out = doc;
  else
    bson_destroy (doc);
  return TRUE;
}

static gchar *
resolve_pharmacy (PtStore     *self,
                  const gchar *pharmacy_id,
                  GError     **error)
{
  g_autofree gchar *id = pharmacy_id ? g_strdup (pharmacy_id) : _pt_store_current_pharmacy (self);

  if (id == NULL)
    {
      g_set_error (error, PT_ERROR, PT_ERROR_NOT_FOUND,
                   _("This store has no pharmacy yet; add one first."));
      return NULL;
    }
  if (!live_doc_exists (self, "pharmacies", id, _("pharmacy"), NULL, error))
    return NULL;
  return g_steal_pointer (&id);
}

/* An existing batch of the same medicine, branch, lot and expiry: a second
 * delivery of a lot tops it up instead of making a twin batch. */
static gchar *
find_same_lot (PtStore     *self,
               const gchar *medicine_id,
               const gchar *pharmacy_id,
               const gchar *lot,
               PtTime       expiry)
{
  sqlite3_stmt *stmt;
  gchar *id = NULL;

  stmt = _pt_store_prepare (self, "SELECT id FROM batches INDEXED BY batches_fefo "
                                  "WHERE medicine_id = ?1 "
                                  "AND pharmacy_id = ?2 AND lot_number = ?3 "
                                  "AND expiry_date = ?4 AND deleted = 0 LIMIT 1", NULL);
  if (stmt == NULL)
    return NULL;
  sqlite3_bind_text (stmt, 1, medicine_id, -1, SQLITE_TRANSIENT);
  sqlite3_bind_text (stmt, 2, pharmacy_id, -1, SQLITE_TRANSIENT);
  sqlite3_bind_text (stmt, 3, lot, -1, SQLITE_TRANSIENT);
  sqlite3_bind_int64 (stmt, 4, expiry);
  if (sqlite3_step (stmt) == SQLITE_ROW)
    id = g_strdup ((const gchar *) sqlite3_column_text (stmt, 0));
  sqlite3_reset (stmt);
  return id;
}

gchar *
pt_store_receive_stock (PtStore         *self,
                        const PtReceipt *receipt,
                        GError         **error)
{
  g_autofree gchar *pharmacy_id = NULL;
  g_autofree gchar *batch_id = NULL;
  g_autofree gchar *lot = NULL;
  PtTime now = pt_hlc_wall_ms ();

  g_return_val_if_fail (PT_IS_STORE (self), NULL);
  g_return_val_if_fail (receipt != NULL, NULL);

  if (!pt_role_check (self->role, PT_PERM_RECEIVE_STOCK, error))
    return NULL;
  if (receipt->quantity <= 0)
    {
      g_set_error (error, PT_ERROR, PT_ERROR_INVALID,
                   _("The quantity received must be more than 0 (it was %" PRId64 ")."),
                   receipt->quantity);
      return NULL;
    }
  if (receipt->expiry_date <= now)
    {
      g_autofree gchar *date = pt_time_format_iso (receipt->expiry_date, TRUE);
      g_set_error (error, PT_ERROR, PT_ERROR_EXPIRED_STOCK,
                   _("The expiry date %s is in the past: expired stock cannot be "
                     "received. Check the date on the pack."), date);
      return NULL;
    }
  if (receipt->cost_price < 0)
    {
      g_set_error (error, PT_ERROR, PT_ERROR_INVALID, _("The cost price must not be negative."));
      return NULL;
    }
  lot = receipt->lot_number ? g_strstrip (g_strdup (receipt->lot_number)) : NULL;
  if (lot == NULL || *lot == '\0')
    {
      g_set_error (error, PT_ERROR, PT_ERROR_INVALID, _("The lot number is required."));
      return NULL;
    }

  if (!_pt_store_begin (self, error))
    return NULL;
  if (!live_doc_exists (self, "medicines", receipt->medicine_id, _("medicine"), NULL, error)
      || (pharmacy_id = resolve_pharmacy (self, receipt->pharmacy_id, error)) == NULL)
    goto fail;

  batch_id = find_same_lot (self, receipt->medicine_id, pharmacy_id, lot, receipt->expiry_date);
  if (batch_id == NULL)
    {
      g_autoptr(bson_t) batch = bson_new ();
      PtWriteOptions opts = { .action = "receive", .skip_permission = TRUE };

      _pt_bson_append_oid_hex (batch, "medicineId", receipt->medicine_id);
      _pt_bson_append_oid_hex (batch, "pharmacyId", pharmacy_id);
      BSON_APPEND_UTF8 (batch, "lotNumber", lot);
      BSON_APPEND_DATE_TIME (batch, "expiryDate", receipt->expiry_date);
      BSON_APPEND_INT64 (batch, "costPrice", receipt->cost_price);
      if (receipt->supplier != NULL && *receipt->supplier != '\0')
        BSON_APPEND_UTF8 (batch, "supplier", receipt->supplier);
      BSON_APPEND_DATE_TIME (batch, "receivedAt", now);
      if (!_pt_store_write_doc (self, pt_schema_lookup ("batches"), NULL, batch, TRUE,
                                &opts, &batch_id, NULL, error))
        goto fail;
    }
  else
    {
      const gchar *fields[] = { "quantity", NULL };
      if (!_pt_store_audit (self, "batches", batch_id, "receive", fields, NULL, error))
        goto fail;
    }
  if (!_pt_store_write_movement (self, batch_id, receipt->medicine_id, pharmacy_id,
                                 receipt->quantity, "receipt", NULL, NULL, now, NULL, error))
    goto fail;
  if (!_pt_store_commit (self, error))
    return NULL;
  return g_steal_pointer (&batch_id);

fail:
  _pt_store_rollback (self);
  return NULL;
}

/* Adjustments correct the count (breakage, a stock take).  One that would
 * take a batch below zero is refused: stock that is not there cannot be
 * removed, and a negative balance is reserved for what it signals — sales
 * made offline on two counters — which staff then correct with a positive
 * adjustment. */
gchar *
pt_store_adjust_stock (PtStore     *self,
                       const gchar *batch_id,
                       PtQuantity   delta,
                       const gchar *reason,
                       GError     **error)
{
  g_autoptr(bson_t) batch = NULL;
  g_autofree gchar *reason_clean = NULL;
  g_autofree gchar *movement_id = NULL;
  g_autofree gchar *medicine_id = NULL;
  g_autofree gchar *pharmacy_id = NULL;
  PtQuantity on_hand;

  g_return_val_if_fail (PT_IS_STORE (self), NULL);

  if (!pt_role_check (self->role, PT_PERM_ADJUST_STOCK, error))
    return NULL;
  reason_clean = reason ? g_strstrip (g_strdup (reason)) : NULL;
  if (reason_clean == NULL || *reason_clean == '\0')
    {
      g_set_error (error, PT_ERROR, PT_ERROR_INVALID,
                   _("A stock adjustment needs a reason (for example “broken pack” "
                     "or “stock take”)."));
      return NULL;
    }
  if (delta == 0)
    {
      g_set_error (error, PT_ERROR, PT_ERROR_INVALID,
                   _("An adjustment of 0 changes nothing; give a positive or negative quantity."));
      return NULL;
    }

  if (!_pt_store_begin (self, error))
    return NULL;
  if (!live_doc_exists (self, "batches", batch_id, _("batch"), &batch, error))
    goto fail;
  on_hand = _pt_store_batch_quantity (self, batch_id);
  if (delta < 0 && on_hand + delta < 0)
    {
      g_set_error (error, PT_ERROR, PT_ERROR_INSUFFICIENT_STOCK,
                   _("Batch %s has %" PRId64 " in stock; removing %" PRId64
                     " would make it negative. Count the stock and adjust by what is missing."),
                   pt_bson_get_string (batch, "lotNumber"), on_hand, -delta);
      goto fail;
    }
  medicine_id = pt_bson_dup_oid_hex (batch, "medicineId");
  pharmacy_id = pt_bson_dup_oid_hex (batch, "pharmacyId");
  if (!_pt_store_write_movement (self, batch_id, medicine_id, pharmacy_id, delta, "adjustment",
                                 reason_clean, NULL, pt_hlc_wall_ms (),
                                 &movement_id, error))
    goto fail;
  {
    const gchar *fields[] = { "quantity", NULL };
    if (!_pt_store_audit (self, "stock_movements", movement_id, "adjust", fields,
                          reason_clean, error))
      goto fail;
  }
  if (!_pt_store_commit (self, error))
    return NULL;
  return g_steal_pointer (&movement_id);

fail:
  _pt_store_rollback (self);
  return NULL;
}

typedef struct
{
  gchar      *batch_id;
  gchar      *medicine_id;
  PtQuantity  quantity;
  PtTime      expiry_date;
} ExpiredBatch;

static void
expired_batch_free (ExpiredBatch *b)
{
  g_free (b->batch_id);
  g_free (b->medicine_id);
  g_free (b);
}

gboolean
pt_store_write_off_expired (PtStore     *self,
                            const gchar *pharmacy_id,
                            PtTime       now,
                            guint       *n_batches,
                            GError     **error)
{
  g_autofree gchar *pharmacy = NULL;
  g_autoptr(GPtrArray) expired = NULL;
  sqlite3_stmt *stmt;
  int rc;

  g_return_val_if_fail (PT_IS_STORE (self), FALSE);

  if (n_batches != NULL)
    *n_batches = 0;
  if (now == 0)
    now = pt_hlc_wall_ms ();
  if (!pt_role_check (self->role, PT_PERM_WRITE_OFF_STOCK, error))
    return FALSE;
  if (!_pt_store_begin (self, error))
    return FALSE;
  if ((pharmacy = resolve_pharmacy (self, pharmacy_id, error)) == NULL)
    goto fail;

  stmt = _pt_store_prepare (self,
                            "SELECT b.id, b.medicine_id, bs.quantity, b.expiry_date "
                            "FROM batches b JOIN batch_stock bs ON bs.batch_id = b.id "
                            "WHERE b.pharmacy_id = ?1 AND b.expiry_date <= ?2 "
                            "AND b.deleted = 0 AND bs.quantity > 0 ORDER BY b.expiry_date, b.id",
                            error);
  if (stmt == NULL)
    goto fail;
  sqlite3_bind_text (stmt, 1, pharmacy, -1, SQLITE_TRANSIENT);
  sqlite3_bind_int64 (stmt, 2, now);
  expired = g_ptr_array_new_with_free_func ((GDestroyNotify) expired_batch_free);
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      ExpiredBatch *b = g_new0 (ExpiredBatch, 1);
      b->batch_id = g_strdup ((const gchar *) sqlite3_column_text (stmt, 0));
      b->medicine_id = g_strdup ((const gchar *) sqlite3_column_text (stmt, 1));
      b->quantity = sqlite3_column_int64 (stmt, 2);
      b->expiry_date = sqlite3_column_int64 (stmt, 3);
      g_ptr_array_add (expired, b);
    }
  sqlite3_reset (stmt);
  if (rc != SQLITE_DONE)
    {
      _pt_store_set_sqlite_error (self, rc, "write off", error);
      goto fail;
    }

  for (guint i = 0; i < expired->len; i++)
    {
      ExpiredBatch *b = expired->pdata[i];
      g_autofree gchar *date = pt_time_format_iso (b->expiry_date, TRUE);
      g_autofree gchar *reason = g_strdup_printf (_("Expired on %s"), date);
      g_autofree gchar *movement_id = NULL;
      const gchar *fields[] = { "quantity", NULL };

      if (!_pt_store_write_movement (self, b->batch_id, b->medicine_id, pharmacy, -b->quantity,
                                     "write_off", reason, NULL, now, &movement_id, error)
          || !_pt_store_audit (self, "stock_movements", movement_id, "write_off", fields,
                               reason, error))
        goto fail;
    }
  if (!_pt_store_commit (self, error))
    return FALSE;
  if (n_batches != NULL)
    *n_batches = expired->len;
  return TRUE;

fail:
  _pt_store_rollback (self);
  return FALSE;
}

/* ---- Queries ------------------------------------------------------------ */

PtQuantity
pt_store_stock_on_hand (PtStore     *self,
                        const gchar *medicine_id,
                        const gchar *pharmacy_id)
{
  sqlite3_stmt *stmt;
  PtQuantity total = 0;

  g_return_val_if_fail (PT_IS_STORE (self), 0);

  stmt = _pt_store_prepare (self, "SELECT coalesce(sum(quantity), 0) FROM medicine_stock "
                                  "WHERE medicine_id = ?1 AND (?2 IS NULL OR pharmacy_id = ?2)",
                            NULL);
  if (stmt == NULL)
    return 0;
  sqlite3_bind_text (stmt, 1, medicine_id, -1, SQLITE_TRANSIENT);
  if (pharmacy_id != NULL)
    sqlite3_bind_text (stmt, 2, pharmacy_id, -1, SQLITE_TRANSIENT);
  if (sqlite3_step (stmt) == SQLITE_ROW)
    total = sqlite3_column_int64 (stmt, 0);
  sqlite3_reset (stmt);
  return total;
}

/* Rows of (batch id, lot, expiry, quantity, pharmacy id); the SQL names
 * its parameters :medicine, :pharmacy and :before as it needs them. */
static GPtrArray *
batch_rows (PtStore     *self,
            const gchar *sql,
            const gchar *medicine_id,
            const gchar *pharmacy_id,
            PtTime       before,
            GError     **error)
{
  sqlite3_stmt *stmt = _pt_store_prepare (self, sql, error);
  GPtrArray *out;
  int idx, rc;

  if (stmt == NULL)
    return NULL;
  if ((idx = sqlite3_bind_parameter_index (stmt, ":medicine")) > 0)
    sqlite3_bind_text (stmt, idx, medicine_id, -1, SQLITE_TRANSIENT);
  if ((idx = sqlite3_bind_parameter_index (stmt, ":pharmacy")) > 0 && pharmacy_id != NULL)
    sqlite3_bind_text (stmt, idx, pharmacy_id, -1, SQLITE_TRANSIENT);
  if ((idx = sqlite3_bind_parameter_index (stmt, ":before")) > 0)
    sqlite3_bind_int64 (stmt, idx, before);
  out = g_ptr_array_new_with_free_func ((GDestroyNotify) pt_batch_stock_free);
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      PtBatchStock *row = g_new0 (PtBatchStock, 1);
      row->batch_id = g_strdup ((const gchar *) sqlite3_column_text (stmt, 0));
      row->lot_number = g_strdup ((const gchar *) sqlite3_column_text (stmt, 1));
      row->expiry_date = sqlite3_column_int64 (stmt, 2);
      row->quantity = sqlite3_column_int64 (stmt, 3);
      row->pharmacy_id = g_strdup ((const gchar *) sqlite3_column_text (stmt, 4));
      g_ptr_array_add (out, row);
    }
  sqlite3_reset (stmt);
  if (rc != SQLITE_DONE)
    {
      g_ptr_array_unref (out);
      _pt_store_set_sqlite_error (self, rc, "stock query", error);
      return NULL;
    }
  return out;
}

GPtrArray *
pt_store_batch_stock (PtStore     *self,
                      const gchar *medicine_id,
                      const gchar *pharmacy_id,
                      GError     **error)
{
  g_return_val_if_fail (PT_IS_STORE (self), NULL);
  return batch_rows (self,
                     "SELECT b.id, b.lot_number, b.expiry_date, coalesce(bs.quantity, 0), "
                     "b.pharmacy_id FROM batches b INDEXED BY batches_fefo "
                     "LEFT JOIN batch_stock bs ON bs.batch_id = b.id WHERE b.medicine_id = :medicine "
                     "AND (:pharmacy IS NULL OR b.pharmacy_id = :pharmacy) "
                     "AND b.deleted = 0 ORDER BY b.expiry_date, b.id",
                     medicine_id, pharmacy_id, 0, error);
}

GPtrArray *
pt_store_expiring (PtStore     *self,
                   const gchar *pharmacy_id,
                   PtTime       before,
                   GError     **error)
{
  g_return_val_if_fail (PT_IS_STORE (self), NULL);
  return batch_rows (self,
                     "SELECT b.id, b.lot_number, b.expiry_date, bs.quantity, b.pharmacy_id "
                     "FROM batches b JOIN batch_stock bs ON bs.batch_id = b.id "
                     "WHERE b.expiry_date < :before "
                     "AND (:pharmacy IS NULL OR b.pharmacy_id = :pharmacy) "
                     "AND b.deleted = 0 AND bs.quantity > 0 ORDER BY b.expiry_date, b.id",
                     NULL, pharmacy_id, before, error);
}

GPtrArray *
pt_store_negative_stock (PtStore     *self,
                         const gchar *pharmacy_id,
                         GError     **error)
{
  g_return_val_if_fail (PT_IS_STORE (self), NULL);
  /* The batch document may not have arrived yet when merged ledgers
   * already show the balance: report the batch anyway. */
  return batch_rows (self,
                     "SELECT bs.batch_id, coalesce(b.lot_number, ''), coalesce(b.expiry_date, 0), "
                     "bs.quantity, bs.pharmacy_id FROM batch_stock bs "
                     "LEFT JOIN batches b ON b.id = bs.batch_id WHERE bs.quantity < 0 "
                     "AND (:pharmacy IS NULL OR bs.pharmacy_id = :pharmacy) "
                     "ORDER BY bs.quantity, bs.batch_id",
                     NULL, pharmacy_id, 0, error);
}

GPtrArray *
pt_store_below_reorder (PtStore     *self,
                        const gchar *pharmacy_id,
                        GError     **error)
{
  g_autofree gchar *pharmacy = NULL;
  sqlite3_stmt *stmt;
  GPtrArray *out;
  int rc;

  g_return_val_if_fail (PT_IS_STORE (self), NULL);

  pharmacy = pharmacy_id ? g_strdup (pharmacy_id) : _pt_store_current_pharmacy (self);
  stmt = _pt_store_prepare (self,
                            "SELECT m.id FROM medicines m LEFT JOIN medicine_stock s "
                            "ON s.medicine_id = m.id AND s.pharmacy_id = ?1 "
                            "WHERE m.deleted = 0 AND m.reorder_level > 0 "
                            "AND coalesce(s.quantity, 0) < m.reorder_level "
                            "ORDER BY m.name, m.id", error);
  if (stmt == NULL)
    return NULL;
  sqlite3_bind_text (stmt, 1, pharmacy, -1, SQLITE_TRANSIENT);
  out = g_ptr_array_new_with_free_func (g_free);
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    g_ptr_array_add (out, g_strdup ((const gchar *) sqlite3_column_text (stmt, 0)));
  sqlite3_reset (stmt);
  if (rc != SQLITE_DONE)
    {
      g_ptr_array_unref (out);
      _pt_store_set_sqlite_error (self, rc, "reorder query", error);
      return NULL;
    }
  return out;
}

GPtrArray *
pt_store_ledger (PtStore     *self,
                 const gchar *medicine_id,
                 const gchar *pharmacy_id,
                 guint        limit,
                 GError     **error)
{
  sqlite3_stmt *stmt;
  GPtrArray *out;
  int rc;

  g_return_val_if_fail (PT_IS_STORE (self), NULL);

  stmt = _pt_store_prepare (self,
                            "SELECT doc FROM stock_movements INDEXED BY stock_movements_medicine_kind_at "
                            "WHERE medicine_id = ?1 "
                            "AND (?2 IS NULL OR pharmacy_id = ?2) AND deleted = 0 "
                            "ORDER BY at DESC, id DESC LIMIT ?3", error);
  if (stmt == NULL)
    return NULL;
  sqlite3_bind_text (stmt, 1, medicine_id, -1, SQLITE_TRANSIENT);
  if (pharmacy_id != NULL)
    sqlite3_bind_text (stmt, 2, pharmacy_id, -1, SQLITE_TRANSIENT);
  sqlite3_bind_int64 (stmt, 3, limit > 0 ? (gint64) limit : -1);
  out = g_ptr_array_new_with_free_func ((GDestroyNotify) bson_destroy);
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    g_ptr_array_add (out, bson_new_from_data (sqlite3_column_blob (stmt, 0),
                                              (size_t) sqlite3_column_bytes (stmt, 0)));
  sqlite3_reset (stmt);
  if (rc != SQLITE_DONE)
    {
      g_ptr_array_unref (out);
      _pt_store_set_sqlite_error (self, rc, "ledger", error);
      return NULL;
    }
  return out;
}
