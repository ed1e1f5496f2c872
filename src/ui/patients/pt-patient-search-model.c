/* pt-patient-search-model.c: patients matching a query. */
#define G_LOG_DOMAIN "pt-ui"
#include "config.h"

#include "pt-patient-search-model.h"

struct _PtPatientSearchModel
{
  GObject    parent_instance;

  PtStore   *store;
  gchar     *query;
  guint      limit;
  GPtrArray *items;     /* PtPatientItem * */
};

static void list_model_iface_init (GListModelInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (PtPatientSearchModel, pt_patient_search_model, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (G_TYPE_LIST_MODEL, list_model_iface_init))

static GType
get_item_type (GListModel *model)
{
  return PT_TYPE_PATIENT_ITEM;
}

static guint
get_n_items (GListModel *model)
{
  return PT_PATIENT_SEARCH_MODEL (model)->items->len;
}

static gpointer
get_item (GListModel *model,
          guint       position)
{
  PtPatientSearchModel *self = PT_PATIENT_SEARCH_MODEL (model);

  return position < self->items->len ? g_object_ref (self->items->pdata[position]) : NULL;
}

static void
list_model_iface_init (GListModelInterface *iface)
{
  iface->get_item_type = get_item_type;
  iface->get_n_items = get_n_items;
  iface->get_item = get_item;
}

static void
pt_patient_search_model_finalize (GObject *object)
{
  PtPatientSearchModel *self = PT_PATIENT_SEARCH_MODEL (object);

  g_clear_object (&self->store);
  g_free (self->query);
  g_ptr_array_unref (self->items);
  G_OBJECT_CLASS (pt_patient_search_model_parent_class)->finalize (object);
}

static void
pt_patient_search_model_class_init (PtPatientSearchModelClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = pt_patient_search_model_finalize;
}

static void
pt_patient_search_model_init (PtPatientSearchModel *self)
{
  self->items = g_ptr_array_new_with_free_func (g_object_unref);
  self->query = g_strdup ("");
}

PtPatientSearchModel *
pt_patient_search_model_new (guint limit)
{
  PtPatientSearchModel *self = g_object_new (PT_TYPE_PATIENT_SEARCH_MODEL, NULL);

  self->limit = limit > 0 ? limit : 50;
  return self;
}

static gboolean
same (PtPatientItem *a,
      PtPatientItem *b)
{
  return g_strcmp0 (pt_patient_item_get_id (a), pt_patient_item_get_id (b)) == 0
         && g_strcmp0 (pt_patient_item_get_name (a), pt_patient_item_get_name (b)) == 0
         && g_strcmp0 (pt_patient_item_get_description (a), pt_patient_item_get_description (b)) == 0;
}

void
pt_patient_search_model_reload (PtPatientSearchModel *self)
{
  g_autoptr(GPtrArray) fresh = g_ptr_array_new_with_free_func (g_object_unref);
  g_autoptr(GPtrArray) ids = NULL;
  g_autoptr(GError) error = NULL;
  guint old_n, new_n, head = 0, tail = 0;

  g_return_if_fail (PT_IS_PATIENT_SEARCH_MODEL (self));

  if (self->store != NULL && self->query[0] != '\0')
    {
      ids = pt_store_search_patients (self->store, self->query, self->limit, &error);
      if (ids == NULL)
        g_debug ("Patient search failed: %s", error->message);
    }
  for (guint i = 0; ids && i < ids->len; i++)
    {
      g_autoptr(bson_t) doc = pt_store_get (self->store, "patients", ids->pdata[i], NULL);

      if (doc != NULL)
        g_ptr_array_add (fresh, pt_patient_item_new (ids->pdata[i], doc));
    }

  /* Keep the unchanged head and tail: their rows stay. */
  old_n = self->items->len;
  new_n = fresh->len;
  while (head < old_n && head < new_n && same (self->items->pdata[head], fresh->pdata[head]))
    head++;
  while (tail < old_n - head && tail < new_n - head
         && same (self->items->pdata[old_n - 1 - tail], fresh->pdata[new_n - 1 - tail]))
    tail++;
  if (head == old_n && head == new_n)
    return;
  g_ptr_array_remove_range (self->items, head, old_n - head - tail);
  for (guint i = head; i < new_n - tail; i++)
    g_ptr_array_insert (self->items, i, g_object_ref (fresh->pdata[i]));
  g_list_model_items_changed (G_LIST_MODEL (self), head, old_n - head - tail, new_n - head - tail);
}

void
pt_patient_search_model_set_store (PtPatientSearchModel *self,
                                   PtStore              *store)
{
  g_return_if_fail (PT_IS_PATIENT_SEARCH_MODEL (self));

  if (g_set_object (&self->store, store))
    pt_patient_search_model_reload (self);
}

void
pt_patient_search_model_set_query (PtPatientSearchModel *self,
                                   const gchar          *query)
{
  g_return_if_fail (PT_IS_PATIENT_SEARCH_MODEL (self));

  g_free (self->query);
  self->query = g_strstrip (g_strdup (query ? query : ""));
  pt_patient_search_model_reload (self);
}

gint
pt_patient_search_model_find (PtPatientSearchModel *self,
                              const gchar          *id)
{
  g_return_val_if_fail (PT_IS_PATIENT_SEARCH_MODEL (self), -1);

  for (guint i = 0; id && i < self->items->len; i++)
    if (g_strcmp0 (pt_patient_item_get_id (self->items->pdata[i]), id) == 0)
      return (gint) i;
  return -1;
}
