#define G_LOG_DOMAIN "pt-ui"
#include "config.h"

#include <glib/gi18n-lib.h>

#include "pt-medicine-item.h"
#include "pt-ui-util.h"

struct _PtMedicineItem
{
  GObject        parent_instance;
  PtMedicineRow *row;
  gchar         *details;
  gchar         *stock_text;
  gchar         *expired_text;
  gchar         *expiry_text;
  gchar        **expiry_classes;
  gchar         *price_text;
  gchar         *status_text;
  gchar        **status_classes;
};

G_DEFINE_FINAL_TYPE (PtMedicineItem, pt_medicine_item, G_TYPE_OBJECT)

enum {
  PROP_0,
  PROP_ID,
  PROP_NAME,
  PROP_GENERIC_NAME,
  PROP_DETAILS,
  PROP_STOCK,
  PROP_STOCK_TEXT,
  PROP_EXPIRED_TEXT,
  PROP_HAS_EXPIRED_STOCK,
  PROP_EXPIRY_TEXT,
  PROP_EXPIRY_CLASSES,
  PROP_PRICE_TEXT,
  PROP_STATUS_TEXT,
  PROP_STATUS_CLASSES,
  N_PROPS
};

static GParamSpec *props[N_PROPS];

static void
clear_texts (PtMedicineItem *self)
{
  g_clear_pointer (&self->details, g_free);
  g_clear_pointer (&self->stock_text, g_free);
  g_clear_pointer (&self->expired_text, g_free);
  g_clear_pointer (&self->expiry_text, g_free);
  g_clear_pointer (&self->expiry_classes, g_strfreev);
  g_clear_pointer (&self->price_text, g_free);
  g_clear_pointer (&self->status_text, g_free);
  g_clear_pointer (&self->status_classes, g_strfreev);
}

static void
pt_medicine_item_finalize (GObject *object)
{
  PtMedicineItem *self = PT_MEDICINE_ITEM (object);

  g_clear_pointer (&self->row, pt_medicine_row_free);
  clear_texts (self);
  G_OBJECT_CLASS (pt_medicine_item_parent_class)->finalize (object);
}

static void
pt_medicine_item_get_property (GObject    *object,
                               guint       prop_id,
                               GValue     *value,
                               GParamSpec *pspec)
{
  PtMedicineItem *self = PT_MEDICINE_ITEM (object);

  switch (prop_id)
    {
    case PROP_ID: g_value_set_string (value, self->row->id); break;
    case PROP_NAME: g_value_set_string (value, self->row->name); break;
    case PROP_GENERIC_NAME: g_value_set_string (value, self->row->generic_name); break;
    case PROP_DETAILS: g_value_set_string (value, self->details); break;
    case PROP_STOCK: g_value_set_int64 (value, self->row->stock); break;
    case PROP_STOCK_TEXT: g_value_set_string (value, self->stock_text); break;
    case PROP_EXPIRED_TEXT: g_value_set_string (value, self->expired_text); break;
    case PROP_HAS_EXPIRED_STOCK: g_value_set_boolean (value, *self->expired_text != '\0'); break;
    case PROP_EXPIRY_TEXT: g_value_set_string (value, self->expiry_text); break;
    case PROP_EXPIRY_CLASSES: g_value_set_boxed (value, self->expiry_classes); break;
    case PROP_PRICE_TEXT: g_value_set_string (value, self->price_text); break;
    case PROP_STATUS_TEXT: g_value_set_string (value, self->status_text); break;
    case PROP_STATUS_CLASSES: g_value_set_boxed (value, self->status_classes); break;
    default: G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
pt_medicine_item_class_init (PtMedicineItemClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GParamFlags flags = G_PARAM_READABLE | G_PARAM_STATIC_STRINGS;

  object_class->finalize = pt_medicine_item_finalize;
  object_class->get_property = pt_medicine_item_get_property;

  props[PROP_ID] = g_param_spec_string ("id", NULL, NULL, NULL, flags);
  props[PROP_NAME] = g_param_spec_string ("name", NULL, NULL, NULL, flags);
  props[PROP_GENERIC_NAME] = g_param_spec_string ("generic-name", NULL, NULL, NULL, flags);
  props[PROP_DETAILS] = g_param_spec_string ("details", NULL, NULL, NULL, flags);
  props[PROP_STOCK] = g_param_spec_int64 ("stock", NULL, NULL, G_MININT64, G_MAXINT64, 0, flags);
  props[PROP_STOCK_TEXT] = g_param_spec_string ("stock-text", NULL, NULL, NULL, flags);
  /* "150 expired": stock of expired batches still on the shelf, "" when none. */
  props[PROP_EXPIRED_TEXT] = g_param_spec_string ("expired-text", NULL, NULL, NULL, flags);
  props[PROP_HAS_EXPIRED_STOCK] = g_param_spec_boolean ("has-expired-stock", NULL, NULL, FALSE, flags);
  props[PROP_EXPIRY_TEXT] = g_param_spec_string ("expiry-text", NULL, NULL, NULL, flags);
  props[PROP_EXPIRY_CLASSES] = g_param_spec_boxed ("expiry-classes", NULL, NULL, G_TYPE_STRV, flags);
  props[PROP_PRICE_TEXT] = g_param_spec_string ("price-text", NULL, NULL, NULL, flags);
  props[PROP_STATUS_TEXT] = g_param_spec_string ("status-text", NULL, NULL, NULL, flags);
  props[PROP_STATUS_CLASSES] = g_param_spec_boxed ("status-classes", NULL, NULL, G_TYPE_STRV, flags);
  g_object_class_install_properties (object_class, N_PROPS, props);
}

static void
pt_medicine_item_init (PtMedicineItem *self)
{
}

static gchar **
classes_new (const gchar *first, const gchar *second)
{
  gchar **v = g_new0 (gchar *, 3);
  guint i = 0;

  if (first != NULL)
    v[i++] = g_strdup (first);
  if (second != NULL)
    v[i++] = g_strdup (second);
  return v;
}

static void
set_row (PtMedicineItem *self,
         PtMedicineRow  *row,
         const gchar    *currency,
         PtTime          now)
{
  g_autofree gchar *date = NULL;
  PtQuantity expired;
  gboolean low;

  if (row == NULL)
    row = g_new0 (PtMedicineRow, 1);
  g_clear_pointer (&self->row, pt_medicine_row_free);
  clear_texts (self);
  self->row = row;

  if (row->strength != NULL && *row->strength && row->form != NULL && *row->form)
    self->details = g_strdup_printf ("%s · %s", row->strength, row->form);
  else
    self->details = g_strdup (row->strength != NULL && *row->strength ? row->strength
                              : row->form != NULL ? row->form : "");

  if (row->id == NULL)
    {
      /* A placeholder for a row the store could not read. */
      self->stock_text = g_strdup ("");
      self->expired_text = g_strdup ("");
      self->expiry_text = g_strdup ("");
      self->expiry_classes = classes_new (NULL, NULL);
      self->price_text = g_strdup ("");
      self->status_text = g_strdup ("");
      self->status_classes = classes_new (NULL, NULL);
      return;
    }

  /* What can be sold; expired stock on the shelf is named apart (in red,
   * under it), never counted in. */
  expired = row->stock - row->sellable;
  self->stock_text = pt_ui_format_count (row->sellable);
  if (expired > 0)
    {
      g_autofree gchar *expired_count = pt_ui_format_count (expired);

      /* Translators: under the stock column's figure, the stock of expired
       * batches still on the shelf (not sellable): "150 expired". */
      self->expired_text = g_strdup_printf (_("%s expired"), expired_count);
    }
  else
    self->expired_text = g_strdup ("");
  date = pt_ui_format_date (row->nearest_expiry);
  switch (pt_ui_expiry_state (row->nearest_expiry, now))
    {
    case PT_EXPIRY_NONE:
      self->expiry_text = g_strdup ("—");
      self->expiry_classes = classes_new ("dim-label", NULL);
      break;
    case PT_EXPIRY_OK:
      self->expiry_text = g_steal_pointer (&date);
      self->expiry_classes = classes_new (NULL, NULL);
      break;
    case PT_EXPIRY_SOON:
      self->expiry_text = g_steal_pointer (&date);
      self->expiry_classes = classes_new ("warning", NULL);
      break;
    case PT_EXPIRY_EXPIRED:
      /* Translators: a batch's expiry date that has passed. */
      self->expiry_text = g_strdup_printf (_("Expired %s"), date);
      self->expiry_classes = classes_new ("error", "expired");
      break;
    default:
      g_assert_not_reached ();
    }

  self->price_text = pt_ui_format_money (row->price, currency);

  low = row->sellable < row->reorder_level || row->sellable <= 0;
  if (row->stock < 0 || row->sellable < 0)
    {
      self->status_text = g_strdup (_("Negative stock"));
      self->status_classes = classes_new ("error", NULL);
    }
  else if (!row->active)
    {
      self->status_text = g_strdup (_("Inactive"));
      self->status_classes = classes_new ("dim-label", NULL);
    }
  else if (row->sellable == 0 && expired > 0)
    {
      /* Expired stock cannot be sold: the counter is out of it. */
      self->status_text = g_strdup (_("Expired stock only"));
      /* Red in the weight of the expiry column's "Expired …", to fit. */
      self->status_classes = classes_new ("error", "expired");
    }
  else if (row->sellable == 0)
    {
      self->status_text = g_strdup (_("Out of stock"));
      self->status_classes = classes_new ("error", NULL);
    }
  else if (low)
    {
      self->status_text = g_strdup (_("Low stock"));
      self->status_classes = classes_new ("warning", NULL);
    }
  else
    {
      self->status_text = g_strdup (_("In stock"));
      self->status_classes = classes_new ("dim-label", NULL);
    }
}

PtMedicineItem *
pt_medicine_item_new (PtMedicineRow *row,
                      const gchar   *currency,
                      PtTime         now)
{
  PtMedicineItem *self = g_object_new (PT_TYPE_MEDICINE_ITEM, NULL);

  set_row (self, row, currency, now);
  return self;
}

void
pt_medicine_item_update (PtMedicineItem *self,
                         PtMedicineRow  *row,
                         const gchar    *currency,
                         PtTime          now)
{
  g_return_if_fail (PT_IS_MEDICINE_ITEM (self));
  g_return_if_fail (row != NULL);

  set_row (self, row, currency, now);
  g_object_freeze_notify (G_OBJECT (self));
  for (guint i = PROP_NAME; i < N_PROPS; i++)
    g_object_notify_by_pspec (G_OBJECT (self), props[i]);
  g_object_thaw_notify (G_OBJECT (self));
}

const gchar *
pt_medicine_item_get_id (PtMedicineItem *self)
{
  g_return_val_if_fail (PT_IS_MEDICINE_ITEM (self), NULL);
  return self->row->id;
}

const gchar *
pt_medicine_item_get_name (PtMedicineItem *self)
{
  g_return_val_if_fail (PT_IS_MEDICINE_ITEM (self), NULL);
  return self->row->name;
}

const gchar *
pt_medicine_item_get_barcode (PtMedicineItem *self)
{
  g_return_val_if_fail (PT_IS_MEDICINE_ITEM (self), NULL);
  return self->row->barcode;
}

PtQuantity
pt_medicine_item_get_stock (PtMedicineItem *self)
{
  g_return_val_if_fail (PT_IS_MEDICINE_ITEM (self), 0);
  return self->row->stock;
}

PtTime
pt_medicine_item_get_nearest_expiry (PtMedicineItem *self)
{
  g_return_val_if_fail (PT_IS_MEDICINE_ITEM (self), 0);
  return self->row->nearest_expiry;
}

PtQuantity
pt_medicine_item_get_sellable (PtMedicineItem *self)
{
  g_return_val_if_fail (PT_IS_MEDICINE_ITEM (self), 0);
  return self->row->sellable;
}

gboolean
pt_medicine_item_get_low_stock (PtMedicineItem *self)
{
  g_return_val_if_fail (PT_IS_MEDICINE_ITEM (self), FALSE);
  return self->row->id != NULL && self->row->sellable < MAX (self->row->reorder_level, 1);
}

const PtMedicineRow *
pt_medicine_item_get_row (PtMedicineItem *self)
{
  g_return_val_if_fail (PT_IS_MEDICINE_ITEM (self), NULL);
  return self->row;
}
