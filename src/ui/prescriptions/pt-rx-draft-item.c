/* pt-rx-draft-item.c: an item of a prescription being written. */
#define G_LOG_DOMAIN "pt-ui"
#include "config.h"

#include "pt-rx-draft-item.h"

struct _PtRxDraftItem
{
  GObject   parent_instance;
  PtRxDraft draft;
};

G_DEFINE_FINAL_TYPE (PtRxDraftItem, pt_rx_draft_item, G_TYPE_OBJECT)

static void
pt_rx_draft_item_finalize (GObject *object)
{
  PtRxDraft *d = &PT_RX_DRAFT_ITEM (object)->draft;

  g_free (d->medicine_id);
  g_free (d->label);
  g_free (d->dose);
  g_free (d->instructions);
  G_OBJECT_CLASS (pt_rx_draft_item_parent_class)->finalize (object);
}

static void
pt_rx_draft_item_class_init (PtRxDraftItemClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = pt_rx_draft_item_finalize;
}

static void
pt_rx_draft_item_init (PtRxDraftItem *self)
{
}

PtRxDraftItem *
pt_rx_draft_item_new (const PtRxDraft *draft)
{
  PtRxDraftItem *self;

  g_return_val_if_fail (draft != NULL && draft->medicine_id != NULL, NULL);

  self = g_object_new (PT_TYPE_RX_DRAFT_ITEM, NULL);
  self->draft.medicine_id = g_strdup (draft->medicine_id);
  self->draft.label = g_strdup (draft->label);
  self->draft.dose = g_strdup (draft->dose);
  self->draft.instructions = g_strdup (draft->instructions);
  self->draft.quantity = draft->quantity;
  self->draft.refills = draft->refills;
  return self;
}

const PtRxDraft *
pt_rx_draft_item_get_draft (PtRxDraftItem *self)
{
  g_return_val_if_fail (PT_IS_RX_DRAFT_ITEM (self), NULL);
  return &self->draft;
}
