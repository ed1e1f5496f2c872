/* pt-store-counter-private.h: shared by pt-store-counter*.c only. */
#pragma once

#include "pt-store-counter.h"
#include "pt-store-private.h"

G_BEGIN_DECLS

/* "cash", "card", "insurance", indexed by PtPaymentMethod. */
extern const gchar * const _pt_counter_method_names[3];

/* An embedded document at @iter, as a static bson_t. */
gboolean    _pt_counter_iter_subdoc  (const bson_iter_t *iter,
                                      bson_t            *out);
/* Sum over items of quantity - dispensedQuantity; *@n_items the count. */
PtQuantity  _pt_counter_owed_of_doc  (const bson_t *rx,
                                      guint        *n_items);
/* The live (not tombstoned) prescription or NULL with PT_ERROR_NOT_FOUND. */
bson_t     *_pt_counter_get_live_rx  (PtStore      *self,
                                      const gchar  *id,
                                      GError      **error);

/* pt-store-dispense.c: decides, on the plan made inside the write
 * transaction, whether it may be committed; may set *@audit_reason (newly
 * allocated) for the prescription's audit event. */
typedef gboolean (*PtDispenseCheck) (PtStore               *self,
                                     const PtDispensePlan  *plan,
                                     gpointer               data,
                                     gchar                **audit_reason,
                                     GError               **error);
/* Plans and dispenses in ONE transaction with ONE plan: @check (may be
 * NULL) runs on the plan first, then the rules of pt_store_dispense()
 * with the reason @check gave (or @override_reason). */
PtDispensePlan *_pt_store_dispense_checked (PtStore         *self,
                                            const gchar     *prescription_id,
                                            const gchar     *override_reason,
                                            PtTime           now,
                                            PtDispenseCheck  check,
                                            gpointer         data,
                                            GError         **error);

G_END_DECLS
