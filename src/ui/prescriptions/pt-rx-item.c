/* pt-rx-item.c: one prescription of a list as a GObject. */
#define G_LOG_DOMAIN "pt-ui"
#include "config.h"

#include "pt-rx-item.h"

struct _PtRxItem
{
  GObject  parent_instance;
  PtRxRow *row;
};

G_DEFINE_FINAL_TYPE (PtRxItem, pt_rx_item, G_TYPE_OBJECT)

enum {
  PROP_0,
  PROP_ID,
  PROP_NUMBER,
  PROP_PATIENT_NAME,
  PROP_STATUS,
  PROP_COLUMN,
  N_PROPS
};

static GParamSpec *props[N_PROPS];

const gchar *
pt_rx_item_get_column (PtRxItem *self)
{
  const gchar *status;

  g_return_val_if_fail (PT_IS_RX_ITEM (self), "");

  status = self->row->status;
  if (g_strcmp0 (status, "received") == 0)
    return "received";
  if (g_strcmp0 (status, "in_progress") == 0)
    return "in_progress";
  if (g_strcmp0 (status, "ready") == 0)
    return "ready";
  if (g_strcmp0 (status, "dispensed") == 0 || g_strcmp0 (status, "picked_up") == 0)
    return "done";
  return "";
}

static void
pt_rx_item_get_property (GObject    *object,
                         guint       prop_id,
                         GValue     *value,
                         GParamSpec *pspec)
{
  PtRxItem *self = PT_RX_ITEM (object);

  switch (prop_id)
    {
    case PROP_ID: g_value_set_string (value, self->row->id); break;
    case PROP_NUMBER: g_value_set_string (value, self->row->number); break;
    case PROP_PATIENT_NAME: g_value_set_string (value, self->row->patient_name); break;
    case PROP_STATUS: g_value_set_string (value, self->row->status); break;
    case PROP_COLUMN: g_value_set_string (value, pt_rx_item_get_column (self)); break;
    default: G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
pt_rx_item_finalize (GObject *object)
{
  g_clear_pointer (&PT_RX_ITEM (object)->row, pt_rx_row_free);
  G_OBJECT_CLASS (pt_rx_item_parent_class)->finalize (object);
}

static void
pt_rx_item_class_init (PtRxItemClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = pt_rx_item_finalize;
  object_class->get_property = pt_rx_item_get_property;
#define RO (G_PARAM_READABLE | G_PARAM_STATIC_STRINGS)
  props[PROP_ID] = g_param_spec_string ("id", NULL, NULL, NULL, RO);
  props[PROP_NUMBER] = g_param_spec_string ("number", NULL, NULL, NULL, RO);
  props[PROP_PATIENT_NAME] = g_param_spec_string ("patient-name", NULL, NULL, NULL, RO);
  props[PROP_STATUS] = g_param_spec_string ("status", NULL, NULL, NULL, RO);
  props[PROP_COLUMN] = g_param_spec_string ("column", NULL, NULL, NULL, RO);
#undef RO
  g_object_class_install_properties (object_class, N_PROPS, props);
}

static void
pt_rx_item_init (PtRxItem *self)
{
}

PtRxItem *
pt_rx_item_new (PtRxRow *row)
{
  PtRxItem *self;

  g_return_val_if_fail (row != NULL, NULL);

  self = g_object_new (PT_TYPE_RX_ITEM, NULL);
  self->row = row;
  return self;
}

const PtRxRow *
pt_rx_item_get_row (PtRxItem *self)
{
  g_return_val_if_fail (PT_IS_RX_ITEM (self), NULL);
  return self->row;
}

const gchar *
pt_rx_item_get_id (PtRxItem *self)
{
  g_return_val_if_fail (PT_IS_RX_ITEM (self), NULL);
  return self->row->id;
}

const gchar *
pt_rx_item_get_status (PtRxItem *self)
{
  g_return_val_if_fail (PT_IS_RX_ITEM (self), NULL);
  return self->row->status;
}

gboolean
pt_rx_item_same (PtRxItem *a,
                 PtRxItem *b)
{
  const PtRxRow *x, *y;

  g_return_val_if_fail (PT_IS_RX_ITEM (a) && PT_IS_RX_ITEM (b), FALSE);

  x = a->row;
  y = b->row;
  return g_strcmp0 (x->id, y->id) == 0 && g_strcmp0 (x->status, y->status) == 0
         && x->owed == y->owed && x->dispensed == y->dispensed
         && x->refills_left == y->refills_left && x->paid == y->paid && x->total == y->total
         && x->updated_at == y->updated_at && g_strcmp0 (x->summary, y->summary) == 0
         && g_strcmp0 (x->patient_name, y->patient_name) == 0;
}
