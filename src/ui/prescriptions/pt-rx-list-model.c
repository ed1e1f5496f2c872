/* pt-rx-list-model.c: prescriptions as a GListModel. */
#define G_LOG_DOMAIN "pt-ui"
#include "config.h"

#include <string.h>

#include "pt-rx-list-model.h"

struct _PtRxListModel
{
  PtItemList    parent_instance;

  PtRxListKind  kind;
  PtStore      *store;
  gchar        *pharmacy_id;
  gchar        *patient_id;
  gchar        *filter;        /* casefolded, never NULL */
};

G_DEFINE_FINAL_TYPE (PtRxListModel, pt_rx_list_model, PT_TYPE_ITEM_LIST)

static void
pt_rx_list_model_finalize (GObject *object)
{
  PtRxListModel *self = PT_RX_LIST_MODEL (object);

  g_clear_object (&self->store);
  g_free (self->pharmacy_id);
  g_free (self->patient_id);
  g_free (self->filter);
  G_OBJECT_CLASS (pt_rx_list_model_parent_class)->finalize (object);
}

static void
pt_rx_list_model_class_init (PtRxListModelClass *klass)
{
  PtItemListClass *list_class = PT_ITEM_LIST_CLASS (klass);

  G_OBJECT_CLASS (klass)->finalize = pt_rx_list_model_finalize;
  list_class->item_type = PT_TYPE_RX_ITEM;
  list_class->same = (gboolean (*) (gpointer, gpointer)) pt_rx_item_same;
  list_class->get_id = (const gchar *(*) (gpointer)) pt_rx_item_get_id;
}

static void
pt_rx_list_model_init (PtRxListModel *self)
{
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
  pt_item_list_splice (PT_ITEM_LIST (self), fresh);
  return TRUE;
}

gint
pt_rx_list_model_find (PtRxListModel *self,
                       const gchar   *id)
{
  g_return_val_if_fail (PT_IS_RX_LIST_MODEL (self), -1);
  return pt_item_list_find (PT_ITEM_LIST (self), id);
}
