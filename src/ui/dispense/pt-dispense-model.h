/* pt-dispense-model.h: a dispense plan as list models for the dialog —
 * one PtDispenseLineItem per medicine (what it is, how much of it this
 * fill gives), each with a model of PtAllocationItem (the batches to pick
 * first-expiry-first-out: lot, expiry, how many).  The texts are made
 * here, so they are tested without a display.  No GTK. */
#pragma once

#include <gio/gio.h>
#include "pt-store.h"

G_BEGIN_DECLS

#define PT_TYPE_ALLOCATION_ITEM (pt_allocation_item_get_type ())
G_DECLARE_FINAL_TYPE (PtAllocationItem, pt_allocation_item, PT, ALLOCATION_ITEM, GObject)

/* "Lot CAL-20D" */
const gchar *pt_allocation_item_get_title           (PtAllocationItem *self);
/* "Expires 18 Dec 2026", "Expires 18 Dec 2026 — in 19 days, short-dated" */
const gchar *pt_allocation_item_get_subtitle        (PtAllocationItem *self);
/* "× 20" */
const gchar *pt_allocation_item_get_quantity_text   (PtAllocationItem *self);
/* "Lot CAL-20D, expires 18 Dec 2026: take 20" */
const gchar *pt_allocation_item_get_accessible_name (PtAllocationItem *self);
PtQuantity   pt_allocation_item_get_quantity        (PtAllocationItem *self);
gboolean     pt_allocation_item_get_short_dated     (PtAllocationItem *self);

#define PT_TYPE_DISPENSE_LINE_ITEM (pt_dispense_line_item_get_type ())
G_DECLARE_FINAL_TYPE (PtDispenseLineItem, pt_dispense_line_item, PT, DISPENSE_LINE_ITEM, GObject)

/* "Calmora 250 mg tablets" */
const gchar *pt_dispense_line_item_get_title       (PtDispenseLineItem *self);
/* "20 from 1 batch", "15 of 20 — 5 still owed after this fill" */
const gchar *pt_dispense_line_item_get_subtitle    (PtDispenseLineItem *self);
/* What this fill gives: "20" */
const gchar *pt_dispense_line_item_get_count_text  (PtDispenseLineItem *self);
/* Less than asked for (a partial fill). */
gboolean     pt_dispense_line_item_get_partial     (PtDispenseLineItem *self);
/* PtAllocationItem, FEFO order. */
GListModel  *pt_dispense_line_item_get_allocations (PtDispenseLineItem *self);

/* The plan's lines as PtDispenseLineItem; batches within 30 days of @now
 * are short-dated. */
GListModel  *pt_dispense_model_new (PtStore              *store,
                                    const PtDispensePlan *plan,
                                    PtTime                now);

G_END_DECLS
