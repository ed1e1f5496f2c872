/* pt-rx-draft-item.h: an item of a prescription being written, as a
 * GObject for the editor's list model.  No GTK. */
#pragma once

#include <glib-object.h>
#include "pt-core.h"

G_BEGIN_DECLS

typedef struct
{
  gchar      *medicine_id;
  gchar      *label;          /* "Amoxil 500 mg capsules" */
  gchar      *dose;           /* may be NULL */
  gchar      *instructions;
  PtQuantity  quantity;
  gint        refills;
} PtRxDraft;

#define PT_TYPE_RX_DRAFT_ITEM (pt_rx_draft_item_get_type ())
G_DECLARE_FINAL_TYPE (PtRxDraftItem, pt_rx_draft_item, PT, RX_DRAFT_ITEM, GObject)

/* Copies @draft. */
PtRxDraftItem   *pt_rx_draft_item_new       (const PtRxDraft *draft);
const PtRxDraft *pt_rx_draft_item_get_draft (PtRxDraftItem   *self);

G_END_DECLS
