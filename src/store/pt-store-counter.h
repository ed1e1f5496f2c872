/* pt-store-counter.h: counter work on top of the store — prescription
 * numbers, new prescriptions, dispensing with acknowledged warnings,
 * payments, refills, today's queue, a patient's history and the daily
 * takings.  Every mutation is ONE transaction (DESIGN §3) made through the
 * store's own audited, permission-checked paths (pt-store.h).
 */
#pragma once

#include "pt-store.h"

G_BEGIN_DECLS

/* ---- Prescription numbers ------------------------------------------------
 *
 * A number is "<device code>-<sequence>", e.g. "K7M2Q-000042": the device
 * code is five Crockford base-32 characters taken from this device's id
 * (unique per device; kept in the store, so it never changes), the
 * sequence counts up per device.  Two counters that create prescriptions
 * offline at the same time therefore never make the same number, and the
 * number is still short enough to read out at the counter. */

/* This device's code (newly allocated); created on first use. */
gchar    *pt_store_counter_device_code (PtStore *self);
/* Takes the next number of this device.  Call it inside the transaction
 * that stores the prescription (pt_store_counter_create_prescription does). */
gchar    *pt_store_counter_next_number (PtStore *self,
                                        GError **error);

/* ---- New prescriptions -------------------------------------------------- */

typedef struct
{
  const gchar *medicine_id;      /* required */
  const gchar *dose;             /* "1 tablet" */
  PtQuantity   quantity;         /* > 0, base units */
  const gchar *instructions;     /* "Take one twice a day with food" */
  gint         refills;          /* 0..99 */
} PtRxItemSpec;

typedef struct
{
  const gchar        *patient_id;        /* required */
  const gchar        *prescriber_name;   /* optional */
  const gchar        *prescriber_licence;
  const gchar        *notes;
  const gchar        *pharmacy_id;       /* NULL = this counter's branch */
  PtTime              issued_at;         /* 0 = now */
  const PtRxItemSpec *items;
  guint               n_items;           /* >= 1 */
} PtRxSpec;

/* Creates the prescription (status received) with the next number.
 * Returns its id; *@number_out (may be NULL) gets the number. */
gchar    *pt_store_counter_create_prescription (PtStore        *self,
                                                const PtRxSpec *spec,
                                                gchar         **number_out,
                                                GError        **error);

/* ---- Dispensing --------------------------------------------------------- */

/* Warnings that a pharmacist may acknowledge without a reason: the stock
 * is short-dated, or there is not enough of it (a partial fill: what is
 * missing stays owed on the prescription). */
#define PT_WARNINGS_ACKNOWLEDGE_ONLY (PT_WARNING_SHORT_DATED | PT_WARNING_INSUFFICIENT)
/* Clinical warnings (allergy, duplicate therapy): an override, which needs
 * a reason and the override permission. */
#define PT_WARNINGS_NEED_REASON (PT_WARNING_ALLERGY | PT_WARNING_DUPLICATE)

/* Human label of one warning bit: _("Short-dated stock"). */
const gchar *pt_dispense_warning_get_label (PtDispenseWarning warning);

/* Dispenses like pt_store_dispense(), but every warning of the plan must be
 * in @acknowledged (PT_ERROR_WARNING_UNACKNOWLEDGED otherwise, naming
 * them); clinical warnings also need @override_reason and
 * PT_PERM_OVERRIDE_WARNING.  The audit event of the dispense records which
 * warnings were acknowledged and the reason.  Planned and committed in
 * one transaction, so the stock cannot change in between. */
PtDispensePlan *pt_store_counter_dispense (PtStore     *self,
                                           const gchar *prescription_id,
                                           guint        acknowledged,
                                           const gchar *override_reason,
                                           PtTime       now,
                                           GError     **error);

/* Quantity still owed per prescription (sum over items of quantity minus
 * dispensedQuantity, never negative). */
PtQuantity pt_store_counter_owed (PtStore     *self,
                                  const gchar *prescription_id);

/* ---- Billing ------------------------------------------------------------ */

typedef enum
{
  PT_PAYMENT_CASH,
  PT_PAYMENT_CARD,
  PT_PAYMENT_INSURANCE,
} PtPaymentMethod;

const gchar *pt_payment_method_to_string (PtPaymentMethod method); /* "cash" */
const gchar *pt_payment_method_get_label (PtPaymentMethod method); /* _("Cash") */
gboolean     pt_payment_method_from_string (const gchar *s, PtPaymentMethod *out);

typedef struct
{
  PtMoney total;                 /* billing.total: what was dispensed */
  PtMoney paid;                  /* sum of payments */
  PtMoney due;                   /* total - paid, >= 0 */
} PtBill;

/* The bill of a prescription; FALSE with PT_ERROR_NOT_FOUND. */
gboolean  pt_store_counter_get_bill   (PtStore     *self,
                                       const gchar *prescription_id,
                                       PtBill      *bill,
                                       GError     **error);
/* Takes a payment of what is due.  Cash: @tendered >= due (the change is
 * returned in *@change_out); card and insurance: @tendered is ignored and
 * exactly the amount due is taken.  Appends to billing.payments, sets
 * billing.paid, method and paidAt.  PT_ERROR_INVALID when nothing is due
 * or the cash is short; PT_ERROR_PERMISSION_DENIED without
 * PT_PERM_TAKE_PAYMENT. */
gboolean  pt_store_counter_take_payment (PtStore         *self,
                                         const gchar     *prescription_id,
                                         PtPaymentMethod  method,
                                         PtMoney          tendered,
                                         PtTime           now,
                                         PtMoney         *change_out,
                                         GError         **error);

/* ---- Refills ------------------------------------------------------------ */

/* Refills remaining on a prescription (the largest "refills" of its
 * items). */
gint      pt_store_counter_refills_left (PtStore     *self,
                                         const gchar *prescription_id);
/* A dispensed (or picked-up) prescription with refills left is issued
 * again: a new prescription (refillOf = the original, a new number, the
 * items with refills > 0, each counting one down) that goes through the
 * queue like any other; the original's refills drop to 0, so the count
 * lives on the newest fill only.  Returns the new id. */
gchar    *pt_store_counter_refill       (PtStore     *self,
                                         const gchar *prescription_id,
                                         gchar      **number_out,
                                         GError     **error);

/* ---- Queue and history -------------------------------------------------- */

typedef struct
{
  gchar      *id;
  gchar      *number;
  gchar      *status;
  gchar      *patient_id;
  gchar      *patient_name;      /* "Ada Lovelace" */
  gchar      *summary;           /* "Amoxicillin 500 mg × 21, Ibuprofen …" */
  guint       n_items;
  PtQuantity  owed;
  PtMoney     total;
  PtMoney     paid;
  PtTime      created_at;
  PtTime      updated_at;
  gint        refills_left;      /* the largest "refills" of its items */
  PtQuantity  dispensed;         /* sum of the items' dispensedQuantity */
} PtRxRow;
void pt_rx_row_free (PtRxRow *row);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (PtRxRow, pt_rx_row_free)

/* The counter's queue at @pharmacy_id (NULL = this counter's branch):
 * every prescription still received, in progress or ready (whatever day it
 * came in), then those dispensed or picked up since @since (start of
 * today), oldest first.  PtRxRow *. */
GPtrArray *pt_store_counter_queue       (PtStore     *self,
                                         const gchar *pharmacy_id,
                                         PtTime       since,
                                         GError     **error);
/* All prescriptions of a patient, newest first.  PtRxRow *. */
GPtrArray *pt_store_counter_patient_history (PtStore     *self,
                                             const gchar *patient_id,
                                             GError     **error);
/* Recent prescriptions (any status), newest first, at most @limit. */
GPtrArray *pt_store_counter_recent      (PtStore     *self,
                                         guint        limit,
                                         GError     **error);
/* One row, or NULL with PT_ERROR_NOT_FOUND. */
PtRxRow   *pt_store_counter_get_row     (PtStore     *self,
                                         const gchar *prescription_id,
                                         GError     **error);

/* The next status one key moves a prescription to at the counter:
 * received → in_progress → ready; NULL when the next step is not a plain
 * status change (ready is dispensed through the dispense dialog,
 * dispensed → picked_up is the hand-over). */
const gchar *pt_rx_status_next_step (const gchar *status);

/* ---- Daily takings ------------------------------------------------------ */

typedef struct
{
  gchar   *key;                  /* user id or payment method */
  gchar   *label;                /* display name or _("Cash") */
  PtMoney  amount;
  guint    count;
} PtTakingsLine;

typedef struct
{
  PtTime     from, to;           /* [from, to) */
  PtMoney    total;
  guint      n_payments;
  GPtrArray *by_user;            /* PtTakingsLine *, largest first */
  GPtrArray *by_method;          /* PtTakingsLine *, cash, card, insurance */
} PtTakings;
void pt_takings_free (PtTakings *takings);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (PtTakings, pt_takings_free)

/* Start and end (exclusive) of the local day containing @t. */
void       pt_counter_day_bounds        (PtTime  t,
                                         PtTime *from,
                                         PtTime *to);
/* Payments taken in [from, to) at @pharmacy_id (NULL = all branches),
 * per user and per method.  Needs PT_PERM_VIEW_REPORTS or
 * PT_PERM_TAKE_PAYMENT (the end-of-day counter check). */
PtTakings *pt_store_counter_takings     (PtStore     *self,
                                         PtTime       from,
                                         PtTime       to,
                                         const gchar *pharmacy_id,
                                         GError     **error);

G_END_DECLS
