/* pt-rx-item.h: one prescription of a list (queue, recent, history) as an
 * immutable GObject for list models.  No GTK. */
#pragma once

#include <glib-object.h>
#include "pt-store-counter.h"

G_BEGIN_DECLS

#define PT_TYPE_RX_ITEM (pt_rx_item_get_type ())
G_DECLARE_FINAL_TYPE (PtRxItem, pt_rx_item, PT, RX_ITEM, GObject)

/* Takes ownership of @row. */
PtRxItem      *pt_rx_item_new          (PtRxRow  *row);
const PtRxRow *pt_rx_item_get_row      (PtRxItem *self);
const gchar   *pt_rx_item_get_id       (PtRxItem *self);
const gchar   *pt_rx_item_get_status   (PtRxItem *self);
/* The counter queue column the prescription is in: "received",
 * "in_progress", "ready", "done" (dispensed or handed over today), or ""
 * for anything else (cancelled). */
const gchar   *pt_rx_item_get_column   (PtRxItem *self);
/* TRUE when @a and @b show the same thing (same id, status, figures and
 * last change): a list keeps the old object then. */
gboolean       pt_rx_item_same         (PtRxItem *a,
                                        PtRxItem *b);

G_END_DECLS
