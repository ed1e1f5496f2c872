/* pt-item-list.c: the base of the store query models. */
#define G_LOG_DOMAIN "pt-ui"
#include "config.h"

#include "pt-item-list.h"

typedef struct
{
  GPtrArray *items;
} PtItemListPrivate;

static void list_model_iface_init (GListModelInterface *iface);

G_DEFINE_TYPE_WITH_CODE (PtItemList, pt_item_list, G_TYPE_OBJECT,
                         G_ADD_PRIVATE (PtItemList)
                         G_IMPLEMENT_INTERFACE (G_TYPE_LIST_MODEL, list_model_iface_init))

static GPtrArray *
items_of (gpointer self)
{
  PtItemListPrivate *priv = pt_item_list_get_instance_private (PT_ITEM_LIST (self));

  return priv->items;
}

static GType
get_item_type (GListModel *model)
{
  return PT_ITEM_LIST_GET_CLASS (model)->item_type;
}

static guint
get_n_items (GListModel *model)
{
  return items_of (model)->len;
}

static gpointer
get_item (GListModel *model,
          guint       position)
{
  GPtrArray *items = items_of (model);

  return position < items->len ? g_object_ref (items->pdata[position]) : NULL;
}

static void
list_model_iface_init (GListModelInterface *iface)
{
  iface->get_item_type = get_item_type;
  iface->get_n_items = get_n_items;
  iface->get_item = get_item;
}

static void
pt_item_list_finalize (GObject *object)
{
  g_ptr_array_unref (items_of (object));
  G_OBJECT_CLASS (pt_item_list_parent_class)->finalize (object);
}

static void
pt_item_list_class_init (PtItemListClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = pt_item_list_finalize;
  klass->item_type = G_TYPE_OBJECT;
}

static void
pt_item_list_init (PtItemList *self)
{
  PtItemListPrivate *priv = pt_item_list_get_instance_private (self);

  priv->items = g_ptr_array_new_with_free_func (g_object_unref);
}

void
pt_item_list_splice (PtItemList *self,
                     GPtrArray  *fresh)
{
  PtItemListClass *klass;
  GPtrArray *items;
  guint old_n, new_n, head = 0, tail = 0;

  g_return_if_fail (PT_IS_ITEM_LIST (self));
  g_return_if_fail (fresh != NULL);

  klass = PT_ITEM_LIST_GET_CLASS (self);
  g_assert (klass->same != NULL);
  items = items_of (self);
  old_n = items->len;
  new_n = fresh->len;
  while (head < old_n && head < new_n && klass->same (items->pdata[head], fresh->pdata[head]))
    head++;
  while (tail < old_n - head && tail < new_n - head
         && klass->same (items->pdata[old_n - 1 - tail], fresh->pdata[new_n - 1 - tail]))
    tail++;
  if (head == old_n && head == new_n)
    return;
  g_ptr_array_remove_range (items, head, old_n - head - tail);
  for (guint i = head; i < new_n - tail; i++)
    g_ptr_array_insert (items, i, g_object_ref (fresh->pdata[i]));
  g_list_model_items_changed (G_LIST_MODEL (self), head, old_n - head - tail,
                              new_n - head - tail);
}

gint
pt_item_list_find (PtItemList  *self,
                   const gchar *id)
{
  PtItemListClass *klass;
  GPtrArray *items;

  g_return_val_if_fail (PT_IS_ITEM_LIST (self), -1);

  klass = PT_ITEM_LIST_GET_CLASS (self);
  g_assert (klass->get_id != NULL);
  items = items_of (self);
  for (guint i = 0; id != NULL && i < items->len; i++)
    if (g_strcmp0 (klass->get_id (items->pdata[i]), id) == 0)
      return (gint) i;
  return -1;
}
