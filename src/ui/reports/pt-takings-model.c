/* pt-takings-model.c: takings lines as a list model. */
#define G_LOG_DOMAIN "pt-ui"
#include "config.h"

#include <glib/gi18n-lib.h>

#include "pt-takings-model.h"

struct _PtTakingsItem
{
  GObject  parent_instance;
  gchar   *label;
  gchar   *amount;
  gchar   *count;
  PtMoney  value;
};

G_DEFINE_FINAL_TYPE (PtTakingsItem, pt_takings_item, G_TYPE_OBJECT)

static void
pt_takings_item_finalize (GObject *object)
{
  PtTakingsItem *self = PT_TAKINGS_ITEM (object);

  g_free (self->label);
  g_free (self->amount);
  g_free (self->count);
  G_OBJECT_CLASS (pt_takings_item_parent_class)->finalize (object);
}

static void
pt_takings_item_class_init (PtTakingsItemClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = pt_takings_item_finalize;
}

static void
pt_takings_item_init (PtTakingsItem *self)
{
}

const gchar *
pt_takings_item_get_label (PtTakingsItem *self)
{
  g_return_val_if_fail (PT_IS_TAKINGS_ITEM (self), NULL);
  return self->label;
}

const gchar *
pt_takings_item_get_amount (PtTakingsItem *self)
{
  g_return_val_if_fail (PT_IS_TAKINGS_ITEM (self), NULL);
  return self->amount;
}

const gchar *
pt_takings_item_get_count (PtTakingsItem *self)
{
  g_return_val_if_fail (PT_IS_TAKINGS_ITEM (self), NULL);
  return self->count;
}

PtMoney
pt_takings_item_get_value (PtTakingsItem *self)
{
  g_return_val_if_fail (PT_IS_TAKINGS_ITEM (self), 0);
  return self->value;
}

GListModel *
pt_takings_model_new (GPtrArray   *lines,
                      const gchar *currency)
{
  GListStore *store = g_list_store_new (PT_TYPE_TAKINGS_ITEM);

  for (guint i = 0; lines && i < lines->len; i++)
    {
      PtTakingsLine *line = lines->pdata[i];
      g_autoptr(PtTakingsItem) item = g_object_new (PT_TYPE_TAKINGS_ITEM, NULL);

      item->label = g_strdup (line->label);
      item->amount = pt_money_format_display (line->amount, currency);
      item->count = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%u payment", "%u payments",
                                                  line->count), line->count);
      item->value = line->amount;
      g_list_store_append (store, item);
    }
  return G_LIST_MODEL (store);
}
