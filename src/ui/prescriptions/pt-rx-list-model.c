/* pt-rx-list-model.c: prescriptions as a GListModel. */
#define G_LOG_DOMAIN "pt-ui"
#include "config.h"

#include <string.h>

#include "pt-rx-list-model.h"

struct _PtRxListModel
{
  GObject       parent_instance;

  PtRxListKind  kind;
  PtStore      *store;
  gchar        *pharmacy_id;
  gchar        *patient_id;
  gchar        *filter;        /* casefolded, never NULL */
  GPtrArray    *items;         /* PtRxItem * */
};

static void list_model_iface_init (GListModelInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (PtRxListModel, pt_rx_list_model, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (G_TYPE_LIST_MODEL, list_model_iface_init))

static GType
get_item_type (GListModel *model)
{
  return PT_TYPE_RX_ITEM;
}

static guint
get_n_items (GListModel *model)
{
  return PT_RX_LIST_MODEL (model)->items->len;
}

static gpointer
get_item (GListModel *model,
          guint       position)
{
  PtRxListModel *self = PT_RX_LIST_MODEL (model);

  if (position >= self->items->len)
    return NULL;
  return g_object_ref (self->items->pdata[position]);
}

static void
list_model_iface_init (GListModelInterface *iface)
{
  iface->get_item_type = get_item_type;
  iface->get_n_items = get_n_items;
  iface->get_item = get_item;
}

static void
pt_rx_list_model_finalize (GObject *object)
{
  PtRxListModel *self = PT_RX_LIST_MODEL (object);

  g_clear_object (&self->store);
  g_free (self->pharmacy_id);
  g_free (self->patient_id);
  g_free (self->filter);
  g_ptr_array_unref (self->items);
  G_OBJECT_CLASS (pt_rx_list_model_parent_class)->finalize (object);
}

static void
pt_rx_list_model_class_init (PtRxListModelClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = pt_rx_list_model_finalize;
}

static void
pt_rx_list_model_init (PtRxListModel *self)
{
  self->items = g_ptr_array_new_with_free_func (g_object_unref);
  self->filter = g_strdup ("");
}

PtRxListModel *
pt_rx_list_model_new (PtRxListKind kind)
{
  PtRxListModel *self = g_object_new (PT_TYPE_RX_LIST_MODEL, NULL);

  self->kind = kind;
  return self;
}

PtRxListKind
pt_rx_list_model_get_kind (PtRxListModel *self)
{
  g_return_val_if_fail (PT_IS_RX_LIST_MODEL (self), PT_RX_LIST_QUEUE);
  return self->kind;
}

void
pt_rx_list_model_set_store (PtRxListModel *self,
                            PtStore       *store)
{
  g_return_if_fail (PT_IS_RX_LIST_MODEL (self));
  g_set_object (&self->store, store);
}

void
pt_rx_list_model_set_pharmacy_id (PtRxListModel *self,
                                  const gchar   *pharmacy_id)
{
  g_return_if_fail (PT_IS_RX_LIST_MODEL (self));
  g_free (self->pharmacy_id);
  self->pharmacy_id = g_strdup (pharmacy_id);
}

void
pt_rx_list_model_set_patient_id (PtRxListModel *self,
                                 const gchar   *patient_id)
{
  g_return_if_fail (PT_IS_RX_LIST_MODEL (self));
  g_free (self->patient_id);
  self->patient_id = g_strdup (patient_id);
}

void
pt_rx_list_model_set_filter_text (PtRxListModel *self,
                                  const gchar   *text)
{
  g_autofree gchar *stripped = g_strstrip (g_strdup (text ? text : ""));

  g_return_if_fail (PT_IS_RX_LIST_MODEL (self));
  g_free (self->filter);
  self->filter = g_utf8_casefold (stripped, -1);
}

static gboolean
matches (PtRxListModel *self,
         const PtRxRow *row)
{
  g_autofree gchar *name = NULL;
  g_autofree gchar *number = NULL;

  if (self->filter[0] == '\0')
    return TRUE;
  name = g_utf8_casefold (row->patient_name ? row->patient_name : "", -1);
  number = g_utf8_casefold (row->number ? row->number : "", -1);
  return strstr (name, self->filter) != NULL || strstr (number, self->filter) != NULL;
}

/* Replaces the items with @fresh (PtRxItem *), keeping the objects of the
 * unchanged head and tail so views rebuild only the rows in between. */
static void
splice (PtRxListModel *self,
        GPtrArray     *fresh)
{
  guint old_n = self->items->len, new_n = fresh->len;
  guint head = 0, tail = 0;

  while (head < old_n && head < new_n
         && pt_rx_item_same (self->items->pdata[head], fresh->pdata[head]))
    head++;
  while (tail < old_n - head && tail < new_n - head
         && pt_rx_item_same (self->items->pdata[old_n - 1 - tail], fresh->pdata[new_n - 1 - tail]))
    tail++;
  if (head == old_n && head == new_n)
    return;
  g_ptr_array_remove_range (self->items, head, old_n - head - tail);
  for (guint i = head; i < new_n - tail; i++)
    g_ptr_array_insert (self->items, i, g_object_ref (fresh->pdata[i]));
  g_list_model_items_changed (G_LIST_MODEL (self), head, old_n - head - tail,
                              new_n - head - tail);
}

gboolean
pt_rx_list_model_reload (PtRxListModel *self,
                         GError       **error)
{
  g_autoptr(GPtrArray) rows = NULL;
  g_autoptr(GPtrArray) fresh = g_ptr_array_new_with_free_func (g_object_unref);

  g_return_val_if_fail (PT_IS_RX_LIST_MODEL (self), FALSE);

  if (self->store != NULL && pt_store_get_user_id (self->store) != NULL)
    {
      PtTime from, to;

      switch (self->kind)
        {
        case PT_RX_LIST_QUEUE:
          pt_counter_day_bounds (pt_time_now (), &from, &to);
          rows = pt_store_counter_queue (self->store, self->pharmacy_id, from, error);
          break;
        case PT_RX_LIST_RECENT:
          rows = pt_store_counter_recent (self->store, PT_RX_LIST_RECENT_LIMIT, error);
          break;
        case PT_RX_LIST_PATIENT:
          rows = self->patient_id
                 ? pt_store_counter_patient_history (self->store, self->patient_id, error)
                 : g_ptr_array_new ();
          break;
        default:
          g_assert_not_reached ();
        }
      if (rows == NULL)
        return FALSE;
      /* The items take the rows over. */
      g_ptr_array_set_free_func (rows, NULL);
      for (guint i = 0; i < rows->len; i++)
        {
          PtRxRow *row = rows->pdata[i];

          if (self->kind == PT_RX_LIST_RECENT && !matches (self, row))
            pt_rx_row_free (row);
          else
            g_ptr_array_add (fresh, pt_rx_item_new (row));
        }
    }
  splice (self, fresh);
  return TRUE;
}

gint
pt_rx_list_model_find (PtRxListModel *self,
                       const gchar   *id)
{
  g_return_val_if_fail (PT_IS_RX_LIST_MODEL (self), -1);

  for (guint i = 0; id != NULL && i < self->items->len; i++)
    if (g_strcmp0 (pt_rx_item_get_id (self->items->pdata[i]), id) == 0)
      return (gint) i;
  return -1;
}
