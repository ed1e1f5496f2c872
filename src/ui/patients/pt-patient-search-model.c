/* pt-patient-search-model.c: patients matching a query. */
#define G_LOG_DOMAIN "pt-ui"
#include "config.h"

#include "pt-patient-search-model.h"

struct _PtPatientSearchModel
{
  PtItemList  parent_instance;

  PtStore    *store;
  gchar      *query;
  guint       limit;
};

G_DEFINE_FINAL_TYPE (PtPatientSearchModel, pt_patient_search_model, PT_TYPE_ITEM_LIST)

static void
pt_patient_search_model_finalize (GObject *object)
{
  PtPatientSearchModel *self = PT_PATIENT_SEARCH_MODEL (object);

  g_clear_object (&self->store);
  g_free (self->query);
  G_OBJECT_CLASS (pt_patient_search_model_parent_class)->finalize (object);
}

/* The same row: id, name and the line under it. */
static gboolean
same (gpointer a,
      gpointer b)
{
  return g_strcmp0 (pt_patient_item_get_id (a), pt_patient_item_get_id (b)) == 0
         && g_strcmp0 (pt_patient_item_get_name (a), pt_patient_item_get_name (b)) == 0
         && g_strcmp0 (pt_patient_item_get_description (a), pt_patient_item_get_description (b)) == 0;
}

static void
pt_patient_search_model_class_init (PtPatientSearchModelClass *klass)
{
  PtItemListClass *list_class = PT_ITEM_LIST_CLASS (klass);

  G_OBJECT_CLASS (klass)->finalize = pt_patient_search_model_finalize;
  list_class->item_type = PT_TYPE_PATIENT_ITEM;
  list_class->same = same;
  list_class->get_id = (const gchar *(*) (gpointer)) pt_patient_item_get_id;
}

static void
pt_patient_search_model_init (PtPatientSearchModel *self)
{
  self->query = g_strdup ("");
}

PtPatientSearchModel *
pt_patient_search_model_new (guint limit)
{
  PtPatientSearchModel *self = g_object_new (PT_TYPE_PATIENT_SEARCH_MODEL, NULL);

  self->limit = limit > 0 ? limit : 50;
  return self;
}

void
pt_patient_search_model_reload (PtPatientSearchModel *self)
{
  g_autoptr(GPtrArray) fresh = g_ptr_array_new_with_free_func (g_object_unref);
  g_autoptr(GPtrArray) ids = NULL;
  g_autoptr(GError) error = NULL;

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

  pt_item_list_splice (PT_ITEM_LIST (self), fresh);
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
  return pt_item_list_find (PT_ITEM_LIST (self), id);
}
