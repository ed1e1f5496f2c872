/* pt-store-dispense.c: dispensing a prescription (FEFO allocation with
 * warnings), cancelling it, and its workflow. */
#define G_LOG_DOMAIN "pt-store"
#include "config.h"

#include <inttypes.h>

#include "pt-store-impl.h"
#include "pt-store-counter-private.h"

static void
allocation_free (PtAllocation *a)
{
  g_free (a->batch_id);
  g_free (a->lot_number);
  g_free (a);
}

static guint
warning_index (PtDispenseWarning warning)
{
  guint i = (guint) g_bit_nth_lsf ((gulong) warning, -1);

  g_assert (i < PT_DISPENSE_N_WARNINGS);
  return i;
}

const gchar *
pt_dispense_line_get_note (const PtDispenseLine *line,
                           PtDispenseWarning     warning)
{
  g_return_val_if_fail (line != NULL, NULL);
  return line->notes[warning_index (warning)];
}

/* Raises @warning on @line with @text, one more sentence of its note. */
static void
add_note (PtDispenseLine    *line,
          PtDispenseWarning  warning,
          const gchar       *text)
{
  guint i = warning_index (warning);
  gchar *joined;

  line->warnings |= warning;
  joined = line->notes[i] ? g_strconcat (line->notes[i], " ", text, NULL) : g_strdup (text);
  g_free (line->notes[i]);
  line->notes[i] = joined;
}

/* Appends @text to the note as it is (no space added). */
static void
note_append (PtDispenseLine    *line,
             PtDispenseWarning  warning,
             const gchar       *text)
{
  guint i = warning_index (warning);
  gchar *joined = g_strconcat (line->notes[i] ? line->notes[i] : "", text, NULL);

  g_free (line->notes[i]);
  line->notes[i] = joined;
}

static void
dispense_line_free (PtDispenseLine *line)
{
  for (guint i = 0; i < PT_DISPENSE_N_WARNINGS; i++)
    g_free (line->notes[i]);
  g_free (line->medicine_id);
  g_clear_pointer (&line->allocations, g_ptr_array_unref);
  g_free (line->message);
  g_free (line);
}

void
pt_dispense_plan_free (PtDispensePlan *plan)
{
  if (plan == NULL)
    return;
  g_free (plan->prescription_id);
  g_clear_pointer (&plan->lines, g_ptr_array_unref);
  g_free (plan);
}

static gboolean
load_prescription (PtStore     *self,
                   const gchar *id,
                   bson_t     **out,
                   GError     **error)
{
  bson_t *rx = pt_oid_is_valid (id) ? _pt_store_get_doc (self, "prescriptions", id) : NULL;

  if (rx == NULL || pt_bson_get_bool (rx, "deleted", FALSE))
    {
      g_clear_pointer (&rx, bson_destroy);
      g_set_error (error, PT_ERROR, PT_ERROR_NOT_FOUND,
                   _("There is no prescription with id “%s”."), id ? id : "");
      return FALSE;
    }
  *out = rx;
  return TRUE;
}

static gchar *
fold (const gchar *s)
{
  g_autofree gchar *trimmed = g_strstrip (g_strdup (s ? s : ""));
  return g_utf8_casefold (trimmed, -1);
}

/* The patient's allergy that matches @medicine: kind "generic" (or no
 * kind) against its generic name, kind "category" against its category,
 * case-insensitively.  Returns the substance or NULL. */
static gchar *
matching_allergy (const bson_t *patient,
                  const bson_t *medicine)
{
  g_autofree gchar *generic = fold (pt_bson_get_string (medicine, "genericName"));
  g_autofree gchar *category = fold (pt_bson_get_string (medicine, "category"));
  bson_iter_t iter, child;

  if (patient == NULL || !bson_iter_init_find (&iter, patient, "allergies")
      || !BSON_ITER_HOLDS_ARRAY (&iter) || !bson_iter_recurse (&iter, &child))
    return NULL;
  while (bson_iter_next (&child))
    {
      const uint8_t *data;
      uint32_t len;
      bson_t allergy;
      const gchar *kind;
      g_autofree gchar *substance = NULL;

      if (!BSON_ITER_HOLDS_DOCUMENT (&child))
        continue;
      bson_iter_document (&child, &len, &data);
      if (!bson_init_static (&allergy, data, len))
        continue;
      kind = pt_bson_get_string (&allergy, "kind");
      substance = fold (pt_bson_get_string (&allergy, "substance"));
      if (*substance == '\0')
        continue;
      if ((kind == NULL || g_str_equal (kind, "generic")) && *generic != '\0'
          && g_str_equal (substance, generic))
        return g_strdup (pt_bson_get_string (&allergy, "substance"));
      if (g_strcmp0 (kind, "category") == 0 && *category != '\0'
          && g_str_equal (substance, category))
        return g_strdup (pt_bson_get_string (&allergy, "substance"));
    }
  return NULL;
}

/* Same medicine dispensed to the same patient (on another, not cancelled
 * prescription) since @since.  Driven by the medicine's dispenses since
 * then (stock_movements_medicine_kind_at: a few days of one medicine), not by
 * the patient's prescriptions (years of history for a regular patient,
 * each read with its movements). */
static gboolean
dispensed_recently (PtStore     *self,
                    const gchar *medicine_id,
                    const gchar *patient_id,
                    const gchar *prescription_id,
                    PtTime       since)
{
  sqlite3_stmt *stmt;
  gboolean found;

  if (patient_id == NULL)
    return FALSE;
  stmt = _pt_store_prepare (self,
                            "SELECT 1 FROM stock_movements m INDEXED BY stock_movements_medicine_kind_at "
                            "JOIN prescriptions p ON p.id = m.prescription_id "
                            "WHERE m.medicine_id = ?3 AND m.kind = 'dispense' AND m.at >= ?4 "
                            "AND m.prescription_id != ?2 AND p.patient_id = ?1 "
                            "AND p.status != 'cancelled' AND p.deleted = 0 "
                            "LIMIT 1", NULL);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_text (stmt, 1, patient_id, -1, SQLITE_TRANSIENT);
  sqlite3_bind_text (stmt, 2, prescription_id, -1, SQLITE_TRANSIENT);
  sqlite3_bind_text (stmt, 3, medicine_id, -1, SQLITE_TRANSIENT);
  sqlite3_bind_int64 (stmt, 4, since);
  found = sqlite3_step (stmt) == SQLITE_ROW;
  sqlite3_reset (stmt);
  return found;
}

/* Stock of a medicine at a branch in batches that expired by @now. */
static PtQuantity
expired_quantity (PtStore     *self,
                  const gchar *medicine_id,
                  const gchar *pharmacy_id,
                  PtTime       now)
{
  sqlite3_stmt *stmt;
  PtQuantity q = 0;

  stmt = _pt_store_prepare (self,
                            "SELECT coalesce(sum(bs.quantity), 0) FROM batches b "
                            "INDEXED BY batches_fefo JOIN batch_stock bs ON bs.batch_id = b.id "
                            "WHERE b.medicine_id = ?1 AND b.pharmacy_id = ?2 "
                            "AND b.expiry_date <= ?3 AND b.deleted = 0 AND bs.quantity > 0",
                            NULL);
  if (stmt == NULL)
    return 0;
  sqlite3_bind_text (stmt, 1, medicine_id, -1, SQLITE_TRANSIENT);
  sqlite3_bind_text (stmt, 2, pharmacy_id, -1, SQLITE_TRANSIENT);
  sqlite3_bind_int64 (stmt, 3, now);
  if (sqlite3_step (stmt) == SQLITE_ROW)
    q = sqlite3_column_int64 (stmt, 0);
  sqlite3_reset (stmt);
  return q;
}

/* FEFO: the branch's batches of the medicine that are not expired and have
 * stock, earliest expiry first; @taken holds what earlier lines of the
 * same plan already allocated per batch. */
static gboolean
allocate (PtStore        *self,
          PtDispenseLine *line,
          const gchar    *pharmacy_id,
          PtTime          now,
          GHashTable     *taken,
          GError        **error)
{
  sqlite3_stmt *stmt;
  int rc;

  stmt = _pt_store_prepare (self,
                            "SELECT b.id, b.lot_number, b.expiry_date, bs.quantity "
                            "FROM batches b INDEXED BY batches_fefo "
                            "JOIN batch_stock bs ON bs.batch_id = b.id "
                            "WHERE b.medicine_id = ?1 AND b.pharmacy_id = ?2 "
                            "AND b.expiry_date > ?3 AND b.deleted = 0 AND bs.quantity > 0 "
                            "ORDER BY b.expiry_date, b.id", error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_text (stmt, 1, line->medicine_id, -1, SQLITE_TRANSIENT);
  sqlite3_bind_text (stmt, 2, pharmacy_id, -1, SQLITE_TRANSIENT);
  sqlite3_bind_int64 (stmt, 3, now);
  while (line->allocated < line->requested && (rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      const gchar *batch_id = (const gchar *) sqlite3_column_text (stmt, 0);
      PtQuantity available = sqlite3_column_int64 (stmt, 3)
                             - GPOINTER_TO_SIZE (g_hash_table_lookup (taken, batch_id));
      PtQuantity q = MIN (available, line->requested - line->allocated);
      PtAllocation *a;

      if (q <= 0)
        continue;
      a = g_new0 (PtAllocation, 1);
      a->batch_id = g_strdup (batch_id);
      a->lot_number = g_strdup ((const gchar *) sqlite3_column_text (stmt, 1));
      a->expiry_date = sqlite3_column_int64 (stmt, 2);
      a->quantity = q;
      line->allocated += q;
      g_ptr_array_add (line->allocations, a);
      g_hash_table_insert (taken, g_strdup (batch_id),
                           GSIZE_TO_POINTER (GPOINTER_TO_SIZE (g_hash_table_lookup (taken, batch_id))
                                             + (gsize) q));
    }
  sqlite3_reset (stmt);
  return TRUE;
}

/* What make_plan read about each line's medicine, kept for the write so
 * that no medicine is read twice in a dispense. */
typedef struct
{
  gboolean known;
  PtMoney  unit_price;
  gint64   tax_rate;
} LinePrice;

static PtDispensePlan *
make_plan (PtStore     *self,
           const gchar *prescription_id,
           PtTime       now,
           bson_t     **rx_out,
           GArray      *prices,
           GError     **error)
{
  g_autoptr(PtDispensePlan) plan = NULL;
  g_autoptr(bson_t) rx = NULL;
  g_autoptr(bson_t) patient = NULL;
  g_autoptr(GHashTable) taken = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_autofree gchar *pharmacy_id = NULL;
  g_autofree gchar *patient_id = NULL;
  const gchar *status;
  bson_iter_t iter, items;
  guint index = 0;

  if (!load_prescription (self, prescription_id, &rx, error))
    return NULL;
  status = pt_bson_get_string (rx, "status");
  if (g_strcmp0 (status, "cancelled") == 0 || g_strcmp0 (status, "picked_up") == 0)
    {
      g_set_error (error, PT_ERROR, PT_ERROR_INVALID_TRANSITION,
                   _("This prescription is %s; it cannot be dispensed."),
                   pt_rx_status_get_label (status));
      return NULL;
    }
  pharmacy_id = pt_bson_dup_oid_hex (rx, "pharmacyId");
  patient_id = pt_bson_dup_oid_hex (rx, "patientId");
  patient = patient_id ? _pt_store_get_doc (self, "patients", patient_id) : NULL;

  plan = g_new0 (PtDispensePlan, 1);
  plan->prescription_id = g_strdup (prescription_id);
  plan->lines = g_ptr_array_new_with_free_func ((GDestroyNotify) dispense_line_free);

  if (bson_iter_init_find (&iter, rx, "items") && BSON_ITER_HOLDS_ARRAY (&iter)
      && bson_iter_recurse (&iter, &items))
    while (bson_iter_next (&items))
      {
        PtDispenseLine *line;
        g_autoptr(bson_t) medicine = NULL;
        g_autoptr(GString) message = g_string_new (NULL);
        g_autofree gchar *allergy = NULL;
        const uint8_t *data;
        uint32_t len;
        bson_t item;
        const gchar *name;
        PtMoney unit_price, line_net;
        gint64 tax_rate;

        if (!BSON_ITER_HOLDS_DOCUMENT (&items))
          continue;
        bson_iter_document (&items, &len, &data);
        if (!bson_init_static (&item, data, len))
          continue;

        line = g_new0 (PtDispenseLine, 1);
        line->item_index = index++;
        line->medicine_id = pt_bson_dup_oid_hex (&item, "medicineId");
        line->requested = MAX (0, pt_bson_get_int (&item, "quantity", 0)
                                  - pt_bson_get_int (&item, "dispensedQuantity", 0));
        line->allocations = g_ptr_array_new_with_free_func ((GDestroyNotify) allocation_free);
        g_ptr_array_add (plan->lines, line);
        if (prices != NULL)
          g_array_set_size (prices, plan->lines->len);
        if (line->requested == 0 || line->medicine_id == NULL)
          continue;

        medicine = _pt_store_get_doc (self, "medicines", line->medicine_id);
        name = medicine ? pt_bson_get_string (medicine, "name") : NULL;
        if (name == NULL)
          name = line->medicine_id;
        if (!allocate (self, line, pharmacy_id, now, taken, error))
          return NULL;

        if (line->allocated < line->requested)
          {
            PtQuantity expired = expired_quantity (self, line->medicine_id, pharmacy_id, now);
            g_autofree gchar *text = g_strdup_printf (_("Only %" PRId64 " of %" PRId64
                                                        " %s in usable stock (partial fill)."),
                                                      line->allocated, line->requested, name);

            add_note (line, PT_WARNING_INSUFFICIENT, text);
            if (expired > 0)
              {
                g_autofree gchar *more = g_strdup_printf (_(" %" PRId64 " more are expired and "
                                                            "cannot be dispensed."), expired);
                /* Continues the sentence above (it starts with a space). */
                note_append (line, PT_WARNING_INSUFFICIENT, more);
              }
          }
        for (guint i = 0; i < line->allocations->len; i++)
          {
            PtAllocation *a = line->allocations->pdata[i];

            if (a->expiry_date - now < PT_SHORT_DATED_DAYS * PT_MS_PER_DAY)
              {
                g_autofree gchar *date = pt_date_format_day (a->expiry_date);
                g_autofree gchar *text = g_strdup_printf (_("Batch %s of %s expires on %s "
                                                            "(short-dated)."),
                                                          a->lot_number, name, date);

                add_note (line, PT_WARNING_SHORT_DATED, text);
              }
          }
        if (medicine != NULL && (allergy = matching_allergy (patient, medicine)) != NULL)
          {
            g_autofree gchar *text = g_strdup_printf (_("The patient is allergic to %s (%s)."),
                                                      allergy, name);
            add_note (line, PT_WARNING_ALLERGY, text);
          }
        if (dispensed_recently (self, line->medicine_id, patient_id, prescription_id,
                                now - PT_DUPLICATE_DAYS * PT_MS_PER_DAY))
          {
            g_autofree gchar *text = g_strdup_printf (_("%s was already dispensed to this patient "
                                                        "in the last %d days."),
                                                      name, PT_DUPLICATE_DAYS);
            add_note (line, PT_WARNING_DUPLICATE, text);
          }
        /* The whole line in one message: not enough stock first. */
        {
          static const PtDispenseWarning order[] = {
            PT_WARNING_INSUFFICIENT, PT_WARNING_SHORT_DATED, PT_WARNING_ALLERGY,
            PT_WARNING_DUPLICATE,
          };

          for (guint i = 0; i < G_N_ELEMENTS (order); i++)
            {
              const gchar *note = pt_dispense_line_get_note (line, order[i]);

              if (note == NULL)
                continue;
              if (message->len > 0)
                g_string_append_c (message, ' ');
              g_string_append (message, note);
            }
        }
        line->message = message->len > 0 ? g_strdup (message->str) : NULL;
        plan->warnings |= line->warnings;

        unit_price = pt_bson_get_int (&item, "unitPrice",
                                      medicine ? pt_bson_get_int (medicine, "price", 0) : 0);
        tax_rate = pt_bson_get_int (&item, "taxRate",
                                    medicine ? pt_bson_get_int (medicine, "taxRate", 0) : 0);
        if (pt_money_mul (unit_price, line->allocated, &line_net))
          plan->total += line_net + pt_money_tax (line_net, (gint) tax_rate);
        if (prices != NULL && medicine != NULL)
          g_array_index (prices, LinePrice, line->item_index)
            = (LinePrice) { TRUE, pt_bson_get_int (medicine, "price", 0),
                            pt_bson_get_int (medicine, "taxRate", 0) };
      }

  if (rx_out != NULL)
    *rx_out = g_steal_pointer (&rx);
  return g_steal_pointer (&plan);
}

PtDispensePlan *
pt_store_plan_dispense (PtStore     *self,
                        const gchar *prescription_id,
                        PtTime       now,
                        GError     **error)
{
  g_return_val_if_fail (PT_IS_STORE (self), NULL);
  return make_plan (self, prescription_id, now ? now : pt_hlc_wall_ms (), NULL, NULL, error);
}

/* The items with dispensedQuantity raised by the plan, and the price the
 * medicine had when it was first dispensed. */
static void
append_dispensed_items (PtStore              *self,
                        bson_t               *fields,
                        const bson_t         *rx,
                        const PtDispensePlan *plan,
                        GArray               *prices,
                        gboolean             *complete,
                        PtMoney              *billed)
{
  bson_iter_t iter, items;
  bson_t array;
  guint index = 0;

  *complete = TRUE;
  *billed = 0;
  BSON_APPEND_ARRAY_BEGIN (fields, "items", &array);
  if (bson_iter_init_find (&iter, rx, "items") && bson_iter_recurse (&iter, &items))
    while (bson_iter_next (&items))
      {
        PtDispenseLine *line = index < plan->lines->len ? plan->lines->pdata[index] : NULL;
        const LinePrice *price = index < prices->len ? &g_array_index (prices, LinePrice, index)
                                                     : NULL;
        g_autoptr(bson_t) medicine = NULL;
        gint64 medicine_price = 0, medicine_tax = 0;
        const uint8_t *data;
        uint32_t len;
        bson_t item, out;
        bson_iter_t field;
        gchar buf[16];
        const gchar *key;
        gint64 dispensed, quantity, unit_price, tax_rate;
        PtMoney net = 0;

        bson_uint32_to_string (index, &key, buf, sizeof buf);
        index++;
        if (!BSON_ITER_HOLDS_DOCUMENT (&items))
          {
            bson_append_iter (&array, key, -1, &items);
            continue;
          }
        bson_iter_document (&items, &len, &data);
        bson_init_static (&item, data, len);
        dispensed = pt_bson_get_int (&item, "dispensedQuantity", 0)
                    + (line ? line->allocated : 0);
        quantity = pt_bson_get_int (&item, "quantity", 0);
        if (dispensed < quantity)
          *complete = FALSE;
        if (price != NULL && price->known)
          {
            medicine_price = price->unit_price;
            medicine_tax = price->tax_rate;
          }
        else if (line && line->medicine_id
                 && (medicine = _pt_store_get_doc (self, "medicines", line->medicine_id)) != NULL)
          {
            medicine_price = pt_bson_get_int (medicine, "price", 0);
            medicine_tax = pt_bson_get_int (medicine, "taxRate", 0);
          }
        unit_price = pt_bson_get_int (&item, "unitPrice", medicine_price);
        tax_rate = pt_bson_get_int (&item, "taxRate", medicine_tax);

        BSON_APPEND_DOCUMENT_BEGIN (&array, key, &out);
        bson_iter_init (&field, &item);
        while (bson_iter_next (&field))
          {
            const gchar *k = bson_iter_key (&field);
            if (!g_str_equal (k, "dispensedQuantity") && !g_str_equal (k, "unitPrice")
                && !g_str_equal (k, "taxRate"))
              bson_append_iter (&out, k, -1, &field);
          }
        BSON_APPEND_INT64 (&out, "dispensedQuantity", dispensed);
        if (dispensed > 0 || pt_bson_get_int (&item, "unitPrice", -1) >= 0)
          {
            BSON_APPEND_INT64 (&out, "unitPrice", unit_price);
            BSON_APPEND_INT64 (&out, "taxRate", tax_rate);
          }
        bson_append_document_end (&array, &out);
        if (pt_money_mul (unit_price, dispensed, &net))
          *billed += net + pt_money_tax (net, (gint) tax_rate);
      }
  bson_append_array_end (fields, &array);
}

static void
append_billing (PtStore      *self,
                bson_t       *fields,
                const bson_t *rx,
                PtMoney       total)
{
  bson_iter_t iter, child;
  bson_t billing;

  BSON_APPEND_DOCUMENT_BEGIN (fields, "billing", &billing);
  if (bson_iter_init_find (&iter, rx, "billing") && BSON_ITER_HOLDS_DOCUMENT (&iter)
      && bson_iter_recurse (&iter, &child))
    while (bson_iter_next (&child))
      {
        const gchar *k = bson_iter_key (&child);
        if (!g_str_equal (k, "total") && !g_str_equal (k, "currency"))
          bson_append_iter (&billing, k, -1, &child);
      }
  BSON_APPEND_INT64 (&billing, "total", total);
  BSON_APPEND_UTF8 (&billing, "currency", self->currency);
  bson_append_document_end (fields, &billing);
}

static void
set_plan_error (const PtDispensePlan *plan,
                GError              **error)
{
  g_autoptr(GString) text = g_string_new (NULL);
  gboolean insufficient = (plan->warnings & PT_WARNING_INSUFFICIENT) != 0;

  for (guint i = 0; i < plan->lines->len; i++)
    {
      PtDispenseLine *line = plan->lines->pdata[i];
      if (line->message == NULL)
        continue;
      if (text->len > 0)
        g_string_append_c (text, ' ');
      g_string_append (text, line->message);
    }
  g_set_error (error, PT_ERROR,
               insufficient ? PT_ERROR_INSUFFICIENT_STOCK : PT_ERROR_WARNING_UNACKNOWLEDGED,
               _("Nothing was dispensed. %s Check with the patient, then dispense "
                 "again with a reason to override."), text->str);
}

PtDispensePlan *
_pt_store_dispense_checked (PtStore         *self,
                            const gchar     *prescription_id,
                            const gchar     *override_reason,
                            PtTime           now,
                            PtDispenseCheck  check,
                            gpointer         data,
                            GError         **error)
{
  g_autoptr(PtDispensePlan) plan = NULL;
  g_autoptr(bson_t) rx = NULL;
  g_autoptr(bson_t) fields = bson_new ();
  g_autoptr(GArray) prices = g_array_new (FALSE, TRUE, sizeof (LinePrice));
  g_autofree gchar *reason = NULL;
  g_autofree gchar *pharmacy_id = NULL;
  PtWriteOptions opts = { .skip_permission = TRUE };
  PtQuantity requested = 0, allocated = 0;
  gboolean complete, was_bulk;
  PtMoney billed;
  const gchar *status;

  if (now == 0)
    now = pt_hlc_wall_ms ();
  reason = override_reason ? g_strstrip (g_strdup (override_reason)) : NULL;

  /* Planned inside the write transaction: the stock cannot change between
   * the allocation and the commit, and the warnings checked are those of
   * what is committed. */
  if (!_pt_store_begin (self, error))
    return NULL;
  /* Its own transaction: any failure below undoes all of it, so the
   * writes open no savepoint each (a statement and a copy of every page
   * they touch, five times per dispense) — as a bulk load's do. */
  was_bulk = self->bulk;
  if (self->tx_depth == 1)
    self->bulk = TRUE;
  plan = make_plan (self, prescription_id, now, &rx, prices, error);
  if (plan == NULL)
    goto fail;
  if (check != NULL)
    {
      g_clear_pointer (&reason, g_free);
      if (!check (self, plan, data, &reason, error))
        goto fail;
    }
  if (reason != NULL && *reason == '\0')
    g_clear_pointer (&reason, g_free);
  for (guint i = 0; i < plan->lines->len; i++)
    {
      PtDispenseLine *line = plan->lines->pdata[i];
      requested += line->requested;
      allocated += line->allocated;
    }
  if (requested == 0)
    {
      g_set_error (error, PT_ERROR, PT_ERROR_ALREADY_DONE,
                   _("Everything on this prescription has already been dispensed."));
      goto fail;
    }
  if (plan->warnings != 0 && reason == NULL)
    {
      set_plan_error (plan, error);
      goto fail;
    }
  if (plan->warnings != 0 && !pt_role_check (self->role, PT_PERM_OVERRIDE_WARNING, error))
    goto fail;
  if (allocated == 0)
    {
      set_plan_error (plan, error);
      g_prefix_error (error, "%s ", _("There is no usable stock."));
      goto fail;
    }

  pharmacy_id = pt_bson_dup_oid_hex (rx, "pharmacyId");
  for (guint i = 0; i < plan->lines->len; i++)
    {
      PtDispenseLine *line = plan->lines->pdata[i];

      for (guint j = 0; j < line->allocations->len; j++)
        {
          PtAllocation *a = line->allocations->pdata[j];

          if (!_pt_store_write_movement (self, a->batch_id, line->medicine_id, pharmacy_id,
                                         -a->quantity, "dispense", NULL, prescription_id,
                                         now, NULL, error))
            goto fail;
        }
    }

  append_dispensed_items (self, fields, rx, plan, prices, &complete, &billed);
  append_billing (self, fields, rx, billed);
  status = pt_bson_get_string (rx, "status");
  if (complete)
    {
      BSON_APPEND_UTF8 (fields, "status", "dispensed");
      BSON_APPEND_DATE_TIME (fields, "dispensedAt", now);
    }
  else if (g_strcmp0 (status, "in_progress") != 0)
    BSON_APPEND_UTF8 (fields, "status", "in_progress");

  opts.action = plan->warnings != 0 ? "override" : "dispense";
  opts.reason = plan->warnings != 0 ? reason : NULL;
  if (!_pt_store_write_doc (self, pt_schema_lookup ("prescriptions"), prescription_id,
                            fields, FALSE, &opts, NULL, NULL, error))
    goto fail;
  self->bulk = was_bulk;
  if (!_pt_store_commit (self, error))
    return NULL;
  return g_steal_pointer (&plan);

fail:
  self->bulk = was_bulk;
  _pt_store_rollback (self);
  return NULL;
}

PtDispensePlan *
pt_store_dispense (PtStore     *self,
                   const gchar *prescription_id,
                   const gchar *override_reason,
                   PtTime       now,
                   GError     **error)
{
  g_return_val_if_fail (PT_IS_STORE (self), NULL);

  if (!pt_role_check (self->role, PT_PERM_DISPENSE, error))
    return NULL;
  return _pt_store_dispense_checked (self, prescription_id, override_reason, now, NULL, NULL,
                                     error);
}

gboolean
pt_store_cancel_prescription (PtStore     *self,
                              const gchar *prescription_id,
                              const gchar *reason,
                              GError     **error)
{
  g_autoptr(bson_t) rx = NULL;
  g_autoptr(bson_t) fields = bson_new ();
  g_autofree gchar *why = NULL;
  g_autoptr(GPtrArray) returns = g_ptr_array_new_with_free_func ((GDestroyNotify) g_strfreev);
  PtWriteOptions opts = { .action = "cancel", .skip_permission = TRUE };
  const gchar *status;
  sqlite3_stmt *stmt;
  PtTime now = pt_hlc_wall_ms ();
  int rc;

  g_return_val_if_fail (PT_IS_STORE (self), FALSE);

  if (!pt_role_check (self->role, PT_PERM_CANCEL_PRESCRIPTION, error))
    return FALSE;
  why = reason ? g_strstrip (g_strdup (reason)) : NULL;
  if (why == NULL || *why == '\0')
    {
      g_set_error (error, PT_ERROR, PT_ERROR_INVALID,
                   _("Cancelling a prescription needs a reason."));
      return FALSE;
    }

  if (!_pt_store_begin (self, error))
    return FALSE;
  if (!load_prescription (self, prescription_id, &rx, error))
    goto fail;
  status = pt_bson_get_string (rx, "status");
  if (g_strcmp0 (status, "cancelled") == 0)
    {
      g_set_error (error, PT_ERROR, PT_ERROR_ALREADY_DONE,
                   _("This prescription is already cancelled; its stock was returned then."));
      goto fail;
    }
  if (!pt_rx_status_can_transition (status, "cancelled"))
    {
      g_set_error (error, PT_ERROR, PT_ERROR_INVALID_TRANSITION,
                   _("A prescription that is %s cannot be cancelled."),
                   pt_rx_status_get_label (status));
      goto fail;
    }

  /* What is still out, per batch: dispensed minus already returned. */
  stmt = _pt_store_prepare (self,
                            "SELECT batch_id, min(medicine_id), min(pharmacy_id), sum(quantity) "
                            "FROM stock_movements INDEXED BY stock_movements_prescription_id "
                            "WHERE prescription_id = ?1 AND deleted = 0 "
                            "AND kind IN ('dispense', 'return') GROUP BY batch_id "
                            "HAVING sum(quantity) < 0 ORDER BY batch_id", error);
  if (stmt == NULL)
    goto fail;
  sqlite3_bind_text (stmt, 1, prescription_id, -1, SQLITE_TRANSIENT);
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      /* batch, medicine, branch, quantity out */
      gchar **r = g_new0 (gchar *, 5);
      r[0] = g_strdup ((const gchar *) sqlite3_column_text (stmt, 0));
      r[1] = g_strdup ((const gchar *) sqlite3_column_text (stmt, 1));
      r[2] = g_strdup ((const gchar *) sqlite3_column_text (stmt, 2));
      r[3] = g_strdup_printf ("%" G_GINT64_FORMAT, (gint64) -sqlite3_column_int64 (stmt, 3));
      g_ptr_array_add (returns, r);
    }
  sqlite3_reset (stmt);
  if (rc != SQLITE_DONE)
    {
      _pt_store_set_sqlite_error (self, rc, "cancel", error);
      goto fail;
    }
  for (guint i = 0; i < returns->len; i++)
    {
      gchar **r = returns->pdata[i];

      if (!_pt_store_write_movement (self, r[0], r[1], r[2], g_ascii_strtoll (r[3], NULL, 10),
                                     "return", why, prescription_id, now, NULL, error))
        goto fail;
    }

  BSON_APPEND_UTF8 (fields, "status", "cancelled");
  BSON_APPEND_UTF8 (fields, "cancelReason", why);
  opts.reason = why;
  if (!_pt_store_write_doc (self, pt_schema_lookup ("prescriptions"), prescription_id,
                            fields, FALSE, &opts, NULL, NULL, error))
    goto fail;
  return _pt_store_commit (self, error);

fail:
  _pt_store_rollback (self);
  return FALSE;
}

gboolean
pt_store_set_prescription_status (PtStore     *self,
                                  const gchar *prescription_id,
                                  const gchar *status,
                                  GError     **error)
{
  g_autoptr(bson_t) rx = NULL;
  g_autoptr(bson_t) fields = bson_new ();
  PtWriteOptions opts = { .action = "status", .skip_permission = TRUE };
  const gchar *from;

  g_return_val_if_fail (PT_IS_STORE (self), FALSE);

  if (!pt_rx_status_is_valid (status))
    {
      g_set_error (error, PT_ERROR, PT_ERROR_INVALID,
                   _("“%s” is not a prescription status."), status ? status : "");
      return FALSE;
    }
  if (g_str_equal (status, "dispensed") || g_str_equal (status, "cancelled"))
    {
      g_set_error (error, PT_ERROR, PT_ERROR_INVALID_TRANSITION,
                   g_str_equal (status, "dispensed")
                   ? _("A prescription is marked dispensed by dispensing it, which "
                       "also takes the stock.")
                   : _("A prescription is cancelled with “cancel”, which also "
                       "returns its stock and needs a reason."));
      return FALSE;
    }
  if (!_pt_store_begin (self, error))
    return FALSE;
  if (!load_prescription (self, prescription_id, &rx, error))
    goto fail;
  from = pt_bson_get_string (rx, "status");
  if (g_strcmp0 (from, status) == 0)
    return _pt_store_commit (self, error);
  if (!pt_role_check_rx_transition (self->role, from, status, error))
    goto fail;
  BSON_APPEND_UTF8 (fields, "status", status);
  if (!_pt_store_write_doc (self, pt_schema_lookup ("prescriptions"), prescription_id,
                            fields, FALSE, &opts, NULL, NULL, error))
    goto fail;
  return _pt_store_commit (self, error);

fail:
  _pt_store_rollback (self);
  return FALSE;
}
