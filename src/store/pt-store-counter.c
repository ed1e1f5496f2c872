/* pt-store-counter.c: counter work on top of the store (numbers, new
 * prescriptions, acknowledged dispensing, payments, refills, queue,
 * history, daily takings).  Built only on pt-store.h and
 * pt-store-private.h: every mutation goes through the store's audited,
 * permission-checked paths, wrapped in one transaction. */
#define G_LOG_DOMAIN "pt-store"
#include "config.h"

#include <string.h>
#include <glib/gi18n-lib.h>

#include "pt-store-counter.h"
#include "pt-store-counter-private.h"

#define META_DEVICE_CODE "counter.device_code"
#define META_RX_SEQ      "counter.rx_seq"
#define DEVICE_CODE_LEN  5
#define SEQ_DIGITS       6

/* Crockford base 32: no I, L, O, U — nothing to misread at the counter. */
static const gchar crockford[] = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";

/* ---- Small helpers ------------------------------------------------------ */

static void
append_oid (bson_t      *doc,
            const gchar *key,
            const gchar *hex)
{
  bson_oid_t oid;

  bson_oid_init_from_string (&oid, hex);
  BSON_APPEND_OID (doc, key, &oid);
}

gboolean
_pt_counter_iter_subdoc (const bson_iter_t *iter,
             bson_t            *out)
{
  const uint8_t *data;
  uint32_t len;

  if (!BSON_ITER_HOLDS_DOCUMENT (iter))
    return FALSE;
  bson_iter_document (iter, &len, &data);
  return bson_init_static (out, data, len);
}

static gboolean
number_taken (PtStore     *self,
              const gchar *number)
{
  sqlite3_stmt *stmt = _pt_store_prepare (self,
                                          "SELECT 1 FROM prescriptions WHERE number = ?1 LIMIT 1",
                                          NULL);
  gboolean taken;

  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_text (stmt, 1, number, -1, SQLITE_TRANSIENT);
  taken = sqlite3_step (stmt) == SQLITE_ROW;
  sqlite3_reset (stmt);
  return taken;
}

static gboolean
prefix_in_use (PtStore     *self,
               const gchar *code)
{
  g_autofree gchar *pattern = g_strdup_printf ("%s-%%", code);
  sqlite3_stmt *stmt = _pt_store_prepare (self,
                                          "SELECT 1 FROM prescriptions WHERE number LIKE ?1 LIMIT 1",
                                          NULL);
  gboolean used;

  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_text (stmt, 1, pattern, -1, SQLITE_TRANSIENT);
  used = sqlite3_step (stmt) == SQLITE_ROW;
  sqlite3_reset (stmt);
  return used;
}

/* ---- Prescription numbers ----------------------------------------------- */

/* Five base-32 characters from 25 bits of the device id, starting at bit
 * @shift (the id is 64 random bits). */
static gchar *
code_from_device_id (const gchar *device_id,
                     guint        shift)
{
  guint64 bits = g_ascii_strtoull (device_id, NULL, 16);
  gchar *code = g_new0 (gchar, DEVICE_CODE_LEN + 1);

  bits = (bits >> shift) | (bits << ((64 - shift) % 64));
  for (guint i = 0; i < DEVICE_CODE_LEN; i++)
    code[i] = crockford[(bits >> (5 * (DEVICE_CODE_LEN - 1 - i))) & 31];
  return code;
}

gchar *
pt_store_counter_device_code (PtStore *self)
{
  gchar *code;
  const gchar *device_id;

  g_return_val_if_fail (PT_IS_STORE (self), NULL);

  code = _pt_store_meta_get (self, META_DEVICE_CODE);
  if (code != NULL)
    return code;

  /* First use on this device: its own numbers cannot exist yet, so a
   * prefix already in the store belongs to another counter (whose
   * prescriptions we have pulled): take other bits of the id then. */
  device_id = pt_store_get_device_id (self);
  for (guint shift = 0; shift < 64; shift += 5)
    {
      code = code_from_device_id (device_id, shift);
      if (!prefix_in_use (self, code))
        break;
      g_clear_pointer (&code, g_free);
    }
  if (code == NULL)
    code = code_from_device_id (device_id, 0);
  if (!_pt_store_meta_set (self, META_DEVICE_CODE, code, NULL))
    g_debug ("Could not keep the device code %s", code);
  return code;
}

gchar *
pt_store_counter_next_number (PtStore *self,
                              GError **error)
{
  g_autofree gchar *code = NULL;
  g_autofree gchar *stored = NULL;
  g_autofree gchar *pattern = NULL;
  g_autofree gchar *seq_text = NULL;
  sqlite3_stmt *stmt;
  gint64 seq;
  gchar *number = NULL;

  g_return_val_if_fail (PT_IS_STORE (self), NULL);

  code = pt_store_counter_device_code (self);
  stored = _pt_store_meta_get (self, META_RX_SEQ);
  seq = stored ? g_ascii_strtoll (stored, NULL, 10) : 0;

  /* Never behind the numbers this device has already used (a store
   * restored from an older backup keeps counting after them). */
  pattern = g_strdup_printf ("%s-%%", code);
  stmt = _pt_store_prepare (self,
                            "SELECT max(CAST(substr(number, ?2) AS INTEGER)) "
                            "FROM prescriptions WHERE number LIKE ?1", error);
  if (stmt == NULL)
    return NULL;
  sqlite3_bind_text (stmt, 1, pattern, -1, SQLITE_TRANSIENT);
  sqlite3_bind_int (stmt, 2, DEVICE_CODE_LEN + 2);
  if (sqlite3_step (stmt) == SQLITE_ROW)
    seq = MAX (seq, sqlite3_column_int64 (stmt, 0));
  sqlite3_reset (stmt);

  do
    {
      g_free (number);
      seq++;
      number = g_strdup_printf ("%s-%0*" G_GINT64_FORMAT, code, SEQ_DIGITS, seq);
    }
  while (number_taken (self, number));

  seq_text = g_strdup_printf ("%" G_GINT64_FORMAT, seq);
  if (!_pt_store_meta_set (self, META_RX_SEQ, seq_text, error))
    g_clear_pointer (&number, g_free);
  return number;
}

/* ---- New prescriptions -------------------------------------------------- */

static gboolean
live_doc_exists (PtStore     *self,
                 const gchar *collection,
                 const gchar *id)
{
  g_autoptr(bson_t) doc = NULL;

  if (id == NULL || !pt_oid_is_valid (id))
    return FALSE;
  doc = pt_store_get (self, collection, id, NULL);
  return doc != NULL && !pt_bson_get_bool (doc, "deleted", FALSE);
}

static void
append_trimmed (bson_t      *doc,
                const gchar *key,
                const gchar *value)
{
  g_autofree gchar *v = NULL;

  if (value == NULL)
    return;
  v = g_strstrip (g_strdup (value));
  if (*v != '\0')
    BSON_APPEND_UTF8 (doc, key, v);
}

gchar *
pt_store_counter_create_prescription (PtStore        *self,
                                      const PtRxSpec *spec,
                                      gchar         **number_out,
                                      GError        **error)
{
  g_autoptr(bson_t) doc = bson_new ();
  g_autofree gchar *number = NULL;
  g_autofree gchar *pharmacy_id = NULL;
  g_autofree gchar *prescriber_name = NULL;
  gchar *id;
  bson_t items, prescriber;

  g_return_val_if_fail (PT_IS_STORE (self), NULL);
  g_return_val_if_fail (spec != NULL, NULL);

  if (!pt_store_can (self, PT_PERM_CREATE_PRESCRIPTION))
    {
      pt_role_check (pt_store_get_role (self), PT_PERM_CREATE_PRESCRIPTION, error);
      return NULL;
    }
  if (!live_doc_exists (self, "patients", spec->patient_id))
    {
      g_set_error (error, PT_ERROR, PT_ERROR_INVALID,
                   _("Choose the patient first: search by name, phone or date of birth, "
                     "or add a new patient."));
      return NULL;
    }
  if (spec->n_items == 0)
    {
      g_set_error (error, PT_ERROR, PT_ERROR_INVALID,
                   _("Add at least one medicine to the prescription."));
      return NULL;
    }
  for (guint i = 0; i < spec->n_items; i++)
    if (!live_doc_exists (self, "medicines", spec->items[i].medicine_id))
      {
        g_set_error (error, PT_ERROR, PT_ERROR_INVALID,
                     _("Item %u has no medicine; search for one from the catalogue."), i + 1);
        return NULL;
      }
  pharmacy_id = spec->pharmacy_id ? g_strdup (spec->pharmacy_id) : pt_store_get_pharmacy_id (self);
  if (pharmacy_id == NULL)
    {
      g_set_error (error, PT_ERROR, PT_ERROR_NOT_FOUND,
                   _("This counter has no pharmacy branch yet; choose one in Preferences."));
      return NULL;
    }

  if (!_pt_store_begin (self, error))
    return NULL;
  number = pt_store_counter_next_number (self, error);
  if (number == NULL)
    goto fail;

  BSON_APPEND_UTF8 (doc, "number", number);
  append_oid (doc, "patientId", spec->patient_id);
  prescriber_name = spec->prescriber_name ? g_strstrip (g_strdup (spec->prescriber_name)) : NULL;
  if (prescriber_name != NULL && *prescriber_name != '\0')
    {
      BSON_APPEND_DOCUMENT_BEGIN (doc, "prescriber", &prescriber);
      BSON_APPEND_UTF8 (&prescriber, "name", prescriber_name);
      append_trimmed (&prescriber, "licence", spec->prescriber_licence);
      bson_append_document_end (doc, &prescriber);
    }
  append_oid (doc, "pharmacyId", pharmacy_id);
  BSON_APPEND_ARRAY_BEGIN (doc, "items", &items);
  for (guint i = 0; i < spec->n_items; i++)
    {
      const PtRxItemSpec *it = &spec->items[i];
      gchar key[16];
      const gchar *k;
      bson_t item;

      bson_uint32_to_string (i, &k, key, sizeof key);
      BSON_APPEND_DOCUMENT_BEGIN (&items, k, &item);
      append_oid (&item, "medicineId", it->medicine_id);
      append_trimmed (&item, "dose", it->dose);
      BSON_APPEND_INT64 (&item, "quantity", it->quantity);
      append_trimmed (&item, "instructions", it->instructions);
      BSON_APPEND_INT64 (&item, "refills", MAX (0, it->refills));
      BSON_APPEND_INT64 (&item, "dispensedQuantity", 0);
      bson_append_document_end (&items, &item);
    }
  bson_append_array_end (doc, &items);
  BSON_APPEND_UTF8 (doc, "status", "received");
  append_trimmed (doc, "notes", spec->notes);
  BSON_APPEND_DATE_TIME (doc, "issuedAt", spec->issued_at ? spec->issued_at : pt_time_now ());

  id = pt_store_put (self, "prescriptions", doc, error);
  if (id == NULL)
    goto fail;
  if (!_pt_store_commit (self, error))
    {
      g_free (id);
      return NULL;
    }
  if (number_out != NULL)
    *number_out = g_steal_pointer (&number);
  return id;

fail:
  _pt_store_rollback (self);
  return NULL;
}

/* ---- Dispensing ---------------------------------------------------------- */

const gchar *
pt_dispense_warning_get_label (PtDispenseWarning warning)
{
  switch (warning)
    {
    case PT_WARNING_SHORT_DATED:
      return _("Short-dated stock");
    case PT_WARNING_INSUFFICIENT:
      return _("Not enough stock (partial fill)");
    case PT_WARNING_ALLERGY:
      return _("Allergy");
    case PT_WARNING_DUPLICATE:
      return _("Duplicate therapy");
    default:
      return _("Warning");
    }
}

static gchar *
warnings_phrase (guint warnings)
{
  static const PtDispenseWarning all[] = {
    PT_WARNING_SHORT_DATED, PT_WARNING_INSUFFICIENT, PT_WARNING_ALLERGY,
    PT_WARNING_DUPLICATE,
  };
  g_autoptr(GString) s = g_string_new (NULL);

  for (guint i = 0; i < G_N_ELEMENTS (all); i++)
    if (warnings & all[i])
      {
        if (s->len > 0)
          g_string_append (s, ", ");
        g_string_append (s, pt_dispense_warning_get_label (all[i]));
      }
  return g_string_free (g_steal_pointer (&s), FALSE);
}

typedef struct
{
  guint        acknowledged;
  const gchar *reason;
} CounterCheck;

/* Every warning of the plan acknowledged; clinical ones overridden by a
 * pharmacist with a reason.  The audit reason names what was
 * acknowledged. */
static gboolean
counter_check (PtStore               *self,
               const PtDispensePlan  *plan,
               gpointer               data,
               gchar                **audit_reason,
               GError               **error)
{
  CounterCheck *check = data;
  const gchar *reason = check->reason;
  guint missing = plan->warnings & ~check->acknowledged;
  g_autofree gchar *names = NULL;

  if (missing != 0)
    {
      names = warnings_phrase (missing);
      g_set_error (error, PT_ERROR, PT_ERROR_WARNING_UNACKNOWLEDGED,
                   _("Nothing was dispensed: acknowledge each warning first (%s)."), names);
      return FALSE;
    }
  if (plan->warnings & PT_WARNINGS_NEED_REASON)
    {
      if (!pt_store_can (self, PT_PERM_OVERRIDE_WARNING))
        return pt_role_check (pt_store_get_role (self), PT_PERM_OVERRIDE_WARNING, error);
      if (reason == NULL || *reason == '\0')
        {
          g_set_error (error, PT_ERROR, PT_ERROR_WARNING_UNACKNOWLEDGED,
                       _("Overriding an allergy or duplicate-therapy warning needs a reason."));
          return FALSE;
        }
    }
  if (plan->warnings == 0)
    return TRUE;
  names = warnings_phrase (plan->warnings);
  if (plan->warnings & PT_WARNINGS_NEED_REASON)
    *audit_reason = g_strdup_printf (_("Acknowledged: %s. Override: %s"), names, reason);
  else if (reason != NULL && *reason != '\0')
    *audit_reason = g_strdup_printf (_("Acknowledged: %s. Note: %s"), names, reason);
  else
    *audit_reason = g_strdup_printf (_("Acknowledged: %s."), names);
  return TRUE;
}

PtDispensePlan *
pt_store_counter_dispense (PtStore     *self,
                           const gchar *prescription_id,
                           guint        acknowledged,
                           const gchar *override_reason,
                           PtTime       now,
                           GError     **error)
{
  g_autofree gchar *reason = NULL;
  CounterCheck check = { .acknowledged = acknowledged };

  g_return_val_if_fail (PT_IS_STORE (self), NULL);

  if (now == 0)
    now = pt_time_now ();
  if (!pt_store_can (self, PT_PERM_DISPENSE))
    {
      pt_role_check (pt_store_get_role (self), PT_PERM_DISPENSE, error);
      return NULL;
    }
  reason = override_reason ? g_strstrip (g_strdup (override_reason)) : NULL;
  check.reason = reason;

  /* One plan, made under the write lock that is held to the commit: the
   * warnings the pharmacist acknowledged are the warnings of what is
   * committed. */
  return _pt_store_dispense_checked (self, prescription_id, NULL, now, counter_check, &check,
                                     error);
}

PtQuantity
_pt_counter_owed_of_doc (const bson_t *rx,
             guint        *n_items)
{
  bson_iter_t iter, items;
  PtQuantity owed = 0;
  guint n = 0;

  if (bson_iter_init_find (&iter, rx, "items") && BSON_ITER_HOLDS_ARRAY (&iter)
      && bson_iter_recurse (&iter, &items))
    while (bson_iter_next (&items))
      {
        bson_t item;

        if (!_pt_counter_iter_subdoc (&items, &item))
          continue;
        n++;
        owed += MAX (0, pt_bson_get_int (&item, "quantity", 0)
                        - pt_bson_get_int (&item, "dispensedQuantity", 0));
      }
  if (n_items)
    *n_items = n;
  return owed;
}

bson_t *
_pt_counter_get_live_rx (PtStore     *self,
             const gchar *id,
             GError     **error)
{
  bson_t *rx = id && pt_oid_is_valid (id) ? pt_store_get (self, "prescriptions", id, NULL) : NULL;

  if (rx == NULL || pt_bson_get_bool (rx, "deleted", FALSE))
    {
      g_clear_pointer (&rx, bson_destroy);
      g_set_error (error, PT_ERROR, PT_ERROR_NOT_FOUND,
                   _("There is no prescription with id “%s”."), id ? id : "");
    }
  return rx;
}

PtQuantity
pt_store_counter_owed (PtStore     *self,
                       const gchar *prescription_id)
{
  g_autoptr(bson_t) rx = NULL;

  g_return_val_if_fail (PT_IS_STORE (self), 0);
  rx = _pt_counter_get_live_rx (self, prescription_id, NULL);
  if (rx == NULL || g_strcmp0 (pt_bson_get_string (rx, "status"), "cancelled") == 0)
    return 0;
  return _pt_counter_owed_of_doc (rx, NULL);
}

/* ---- Billing ------------------------------------------------------------ */

const gchar * const _pt_counter_method_names[] = { "cash", "card", "insurance" };

const gchar *
pt_payment_method_to_string (PtPaymentMethod method)
{
  g_return_val_if_fail (method <= PT_PAYMENT_INSURANCE, NULL);
  return _pt_counter_method_names[method];
}

const gchar *
pt_payment_method_get_label (PtPaymentMethod method)
{
  switch (method)
    {
    case PT_PAYMENT_CASH:
      return _("Cash");
    case PT_PAYMENT_CARD:
      return _("Card");
    case PT_PAYMENT_INSURANCE:
      return _("Insurance");
    default:
      return "";
    }
}

gboolean
pt_payment_method_from_string (const gchar     *s,
                               PtPaymentMethod *out)
{
  for (guint i = 0; i < G_N_ELEMENTS (_pt_counter_method_names); i++)
    if (g_strcmp0 (s, _pt_counter_method_names[i]) == 0)
      {
        if (out)
          *out = i;
        return TRUE;
      }
  return FALSE;
}

static void
bill_of_doc (const bson_t *rx,
             PtBill       *bill)
{
  bill->total = pt_bson_get_int (rx, "billing.total", 0);
  bill->paid = pt_bson_get_int (rx, "billing.paid", 0);
  bill->due = MAX (0, bill->total - bill->paid);
}

gboolean
pt_store_counter_get_bill (PtStore     *self,
                           const gchar *prescription_id,
                           PtBill      *bill,
                           GError     **error)
{
  g_autoptr(bson_t) rx = NULL;

  g_return_val_if_fail (PT_IS_STORE (self), FALSE);
  g_return_val_if_fail (bill != NULL, FALSE);

  rx = _pt_counter_get_live_rx (self, prescription_id, error);
  if (rx == NULL)
    return FALSE;
  bill_of_doc (rx, bill);
  return TRUE;
}

gboolean
pt_store_counter_take_payment (PtStore         *self,
                               const gchar     *prescription_id,
                               PtPaymentMethod  method,
                               PtMoney          tendered,
                               PtTime           now,
                               PtMoney         *change_out,
                               GError         **error)
{
  g_autoptr(bson_t) rx = NULL;
  g_autoptr(bson_t) fields = bson_new ();
  const gchar *user_id;
  bson_iter_t top, iter, child;
  bson_t billing, payments, payment;
  PtBill bill;
  PtMoney change = 0;
  guint n = 0;

  g_return_val_if_fail (PT_IS_STORE (self), FALSE);
  g_return_val_if_fail (method <= PT_PAYMENT_INSURANCE, FALSE);

  if (!pt_store_can (self, PT_PERM_TAKE_PAYMENT))
    return pt_role_check (pt_store_get_role (self), PT_PERM_TAKE_PAYMENT, error);
  if (now == 0)
    now = pt_time_now ();

  if (!_pt_store_begin (self, error))
    return FALSE;
  rx = _pt_counter_get_live_rx (self, prescription_id, error);
  if (rx == NULL)
    goto fail;
  if (g_strcmp0 (pt_bson_get_string (rx, "status"), "cancelled") == 0)
    {
      g_set_error (error, PT_ERROR, PT_ERROR_INVALID,
                   _("This prescription was cancelled; there is nothing to pay."));
      goto fail;
    }
  bill_of_doc (rx, &bill);
  if (bill.due <= 0)
    {
      g_set_error (error, PT_ERROR, PT_ERROR_INVALID,
                   bill.total == 0
                   ? _("Nothing has been dispensed on this prescription yet, so there is nothing to pay.")
                   : _("This prescription is already paid."));
      goto fail;
    }
  if (method == PT_PAYMENT_CASH)
    {
      if (tendered < bill.due)
        {
          g_autofree gchar *due = pt_money_format (bill.due, pt_store_get_currency (self));
          g_autofree gchar *given = pt_money_format (tendered, pt_store_get_currency (self));
          g_set_error (error, PT_ERROR, PT_ERROR_INVALID,
                       _("%s is less than the %s due; take at least the amount due."),
                       given, due);
          goto fail;
        }
      change = tendered - bill.due;
    }
  else
    tendered = bill.due;

  BSON_APPEND_DOCUMENT_BEGIN (fields, "billing", &billing);
  if (bson_iter_init_find (&iter, rx, "billing") && BSON_ITER_HOLDS_DOCUMENT (&iter)
      && bson_iter_recurse (&iter, &child))
    while (bson_iter_next (&child))
      {
        const gchar *k = bson_iter_key (&child);
        if (!g_str_equal (k, "paid") && !g_str_equal (k, "method")
            && !g_str_equal (k, "paidAt") && !g_str_equal (k, "payments"))
          bson_append_iter (&billing, k, -1, &child);
      }
  BSON_APPEND_INT64 (&billing, "paid", bill.paid + bill.due);
  BSON_APPEND_UTF8 (&billing, "method", _pt_counter_method_names[method]);
  BSON_APPEND_DATE_TIME (&billing, "paidAt", now);
  BSON_APPEND_ARRAY_BEGIN (&billing, "payments", &payments);
  if (bson_iter_init (&top, rx) && bson_iter_find_descendant (&top, "billing.payments", &iter)
      && BSON_ITER_HOLDS_ARRAY (&iter) && bson_iter_recurse (&iter, &child))
    while (bson_iter_next (&child))
      {
        gchar key[16];
        const gchar *k;

        bson_uint32_to_string (n++, &k, key, sizeof key);
        bson_append_iter (&payments, k, -1, &child);
      }
  {
    gchar key[16];
    const gchar *k;

    bson_uint32_to_string (n, &k, key, sizeof key);
    BSON_APPEND_DOCUMENT_BEGIN (&payments, k, &payment);
  }
  BSON_APPEND_INT64 (&payment, "amount", bill.due);
  BSON_APPEND_UTF8 (&payment, "method", _pt_counter_method_names[method]);
  BSON_APPEND_INT64 (&payment, "tendered", tendered);
  BSON_APPEND_INT64 (&payment, "change", change);
  BSON_APPEND_DATE_TIME (&payment, "at", now);
  user_id = pt_store_get_user_id (self);
  if (user_id != NULL)
    append_oid (&payment, "userId", user_id);
  bson_append_document_end (&payments, &payment);
  bson_append_array_end (&billing, &payments);
  bson_append_document_end (fields, &billing);

  if (!pt_store_update (self, "prescriptions", prescription_id, fields, error))
    goto fail;
  if (!_pt_store_commit (self, error))
    return FALSE;
  if (change_out != NULL)
    *change_out = change;
  return TRUE;

fail:
  _pt_store_rollback (self);
  return FALSE;
}

/* ---- Refills ------------------------------------------------------------ */

gint
pt_store_counter_refills_left (PtStore     *self,
                               const gchar *prescription_id)
{
  g_autoptr(bson_t) rx = NULL;
  bson_iter_t iter, items;
  gint left = 0;

  g_return_val_if_fail (PT_IS_STORE (self), 0);
  rx = _pt_counter_get_live_rx (self, prescription_id, NULL);
  if (rx == NULL)
    return 0;
  if (bson_iter_init_find (&iter, rx, "items") && bson_iter_recurse (&iter, &items))
    while (bson_iter_next (&items))
      {
        bson_t item;
        if (_pt_counter_iter_subdoc (&items, &item))
          left = MAX (left, (gint) pt_bson_get_int (&item, "refills", 0));
      }
  return left;
}

/* Copies the items of @rx: for the refill (@for_refill: only items with
 * refills left, one counted down, nothing dispensed or priced yet) or for
 * the original (refills set to 0, everything else kept). */
static void
append_items_for_refill (bson_t       *doc,
                         const bson_t *rx,
                         gboolean      for_refill)
{
  bson_iter_t iter, items, field;
  bson_t array;
  guint n = 0;

  BSON_APPEND_ARRAY_BEGIN (doc, "items", &array);
  if (bson_iter_init_find (&iter, rx, "items") && bson_iter_recurse (&iter, &items))
    while (bson_iter_next (&items))
      {
        bson_t item, out;
        gint64 refills;
        gchar key[16];
        const gchar *k;

        if (!_pt_counter_iter_subdoc (&items, &item))
          continue;
        refills = pt_bson_get_int (&item, "refills", 0);
        if (for_refill && refills <= 0)
          continue;
        bson_uint32_to_string (n++, &k, key, sizeof key);
        BSON_APPEND_DOCUMENT_BEGIN (&array, k, &out);
        bson_iter_init (&field, &item);
        while (bson_iter_next (&field))
          {
            const gchar *name = bson_iter_key (&field);

            if (g_str_equal (name, "refills"))
              continue;
            if (for_refill && (g_str_equal (name, "dispensedQuantity")
                               || g_str_equal (name, "unitPrice")
                               || g_str_equal (name, "taxRate")))
              continue;
            bson_append_iter (&out, name, -1, &field);
          }
        BSON_APPEND_INT64 (&out, "refills", for_refill ? refills - 1 : 0);
        if (for_refill)
          BSON_APPEND_INT64 (&out, "dispensedQuantity", 0);
        bson_append_document_end (&array, &out);
      }
  bson_append_array_end (doc, &array);
}

gchar *
pt_store_counter_refill (PtStore     *self,
                         const gchar *prescription_id,
                         gchar      **number_out,
                         GError     **error)
{
  g_autoptr(bson_t) rx = NULL;
  g_autoptr(bson_t) doc = bson_new ();
  g_autoptr(bson_t) original = bson_new ();
  g_autofree gchar *number = NULL;
  g_autofree gchar *patient_id = NULL;
  g_autofree gchar *pharmacy_id = NULL;
  const gchar *status;
  bson_iter_t iter;
  gchar *id;

  g_return_val_if_fail (PT_IS_STORE (self), NULL);

  if (!pt_store_can (self, PT_PERM_CREATE_PRESCRIPTION))
    {
      pt_role_check (pt_store_get_role (self), PT_PERM_CREATE_PRESCRIPTION, error);
      return NULL;
    }
  if (!_pt_store_begin (self, error))
    return NULL;
  rx = _pt_counter_get_live_rx (self, prescription_id, error);
  if (rx == NULL)
    goto fail;
  status = pt_bson_get_string (rx, "status");
  if (g_strcmp0 (status, "dispensed") != 0 && g_strcmp0 (status, "picked_up") != 0)
    {
      g_set_error (error, PT_ERROR, PT_ERROR_INVALID_TRANSITION,
                   _("Only a dispensed prescription can be refilled; this one is %s."),
                   pt_rx_status_get_label (status));
      goto fail;
    }
  if (pt_store_counter_refills_left (self, prescription_id) <= 0)
    {
      g_set_error (error, PT_ERROR, PT_ERROR_ALREADY_DONE,
                   _("This prescription has no refills left; the patient needs a new "
                     "prescription from the prescriber."));
      goto fail;
    }

  number = pt_store_counter_next_number (self, error);
  if (number == NULL)
    goto fail;
  patient_id = pt_bson_dup_oid_hex (rx, "patientId");
  pharmacy_id = pt_bson_dup_oid_hex (rx, "pharmacyId");
  BSON_APPEND_UTF8 (doc, "number", number);
  append_oid (doc, "patientId", patient_id);
  if (bson_iter_init_find (&iter, rx, "prescriber"))
    bson_append_iter (doc, "prescriber", -1, &iter);
  append_oid (doc, "pharmacyId", pharmacy_id);
  append_items_for_refill (doc, rx, TRUE);
  BSON_APPEND_UTF8 (doc, "status", "received");
  if (bson_iter_init_find (&iter, rx, "notes"))
    bson_append_iter (doc, "notes", -1, &iter);
  if (bson_iter_init_find (&iter, rx, "issuedAt"))
    bson_append_iter (doc, "issuedAt", -1, &iter);
  append_oid (doc, "refillOf", prescription_id);

  id = pt_store_put (self, "prescriptions", doc, error);
  if (id == NULL)
    goto fail;
  /* The remaining refills move to the new fill: the original cannot be
   * refilled twice (here, or on another counter after sync: the original's
   * items then merge to 0 refills). */
  append_items_for_refill (original, rx, FALSE);
  if (!pt_store_update (self, "prescriptions", prescription_id, original, error))
    {
      g_free (id);
      goto fail;
    }
  if (!_pt_store_commit (self, error))
    {
      g_free (id);
      return NULL;
    }
  if (number_out != NULL)
    *number_out = g_steal_pointer (&number);
  return id;

fail:
  _pt_store_rollback (self);
  return NULL;
}
