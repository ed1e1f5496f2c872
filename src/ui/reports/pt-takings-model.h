/* pt-takings-model.h: the lines of a daily takings summary (per user or
 * per payment method) as a GListModel of PtTakingsItem.  No GTK. */
#pragma once

#include <gio/gio.h>
#include "pt-store-counter.h"

G_BEGIN_DECLS

#define PT_TYPE_TAKINGS_ITEM (pt_takings_item_get_type ())
G_DECLARE_FINAL_TYPE (PtTakingsItem, pt_takings_item, PT, TAKINGS_ITEM, GObject)

const gchar *pt_takings_item_get_label  (PtTakingsItem *self);  /* "Cash", "Paula Pharmacist" */
const gchar *pt_takings_item_get_amount (PtTakingsItem *self);  /* "€28.50" */
const gchar *pt_takings_item_get_count  (PtTakingsItem *self);  /* "2 payments" */
PtMoney      pt_takings_item_get_value  (PtTakingsItem *self);

/* The lines of @lines (PtTakingsLine *, may be NULL) in @currency. */
GListModel  *pt_takings_model_new       (GPtrArray   *lines,
                                         const gchar *currency);

G_END_DECLS
