#define G_LOG_DOMAIN "pt-ui"
#include "config.h"

#include "pt-medicine-list-model.h"
#include "pt-medicine-item.h"

struct _PtMedicineListModel
{
  GObject         parent_instance;
  PtStore        *store;
  gchar          *query;
  gchar          *pharmacy_id;
  PtMedicineSort  sort;
  gboolean        descending;

  guint           n_items;
  PtTime          now;
  GHashTable     *pages;       /* page index → GPtrArray of PtMedicineItem */
  GQueue          lru;         /* page indexes, most recent first */
  guint           max_pages;
  guint           n_queries;
};

static void list_model_iface_init (GListModelInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (PtMedicineListModel, pt_medicine_list_model, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (G_TYPE_LIST_MODEL, list_model_iface_init))

enum {
  PROP_0,
  PROP_STORE,
  PROP_QUERY,
  PROP_PHARMACY_ID,
  PROP_N_ITEMS,
  N_PROPS
};

static GParamSpec *props[N_PROPS];

static void
clear_cache (PtMedicineListModel *self)
{
  g_hash_table_remove_all (self->pages);
  g_queue_clear (&self->lru);
}

static guint
count_rows (PtMedicineListModel *self)
{
  if (self->store == NULL)
    return 0;
  self->n_queries++;
  return pt_store_count_medicine_rows (self->store, self->query, self->pharmacy_id);
}

/* Re-counts and tells the views that everything may have changed. */
static void
reload (PtMedicineListModel *self)
{
  guint old_n = self->n_items;

  clear_cache (self);
  self->now = pt_time_now ();
  self->n_items = count_rows (self);
  g_list_model_items_changed (G_LIST_MODEL (self), 0, old_n, self->n_items);
  if (old_n != self->n_items)
    g_object_notify_by_pspec (G_OBJECT (self), props[PROP_N_ITEMS]);
}

static GPtrArray *
load_page (PtMedicineListModel *self,
           guint                page)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) rows = NULL;
  GPtrArray *items;
  const gchar *currency = pt_store_get_currency (self->store);
  guint offset = page * PT_MEDICINE_LIST_PAGE_SIZE;
  guint want = MIN (PT_MEDICINE_LIST_PAGE_SIZE, self->n_items - offset);

  self->n_queries++;
  rows = pt_store_medicine_rows (self->store, self->query, self->pharmacy_id,
                                 self->sort, self->descending,
                                 offset, PT_MEDICINE_LIST_PAGE_SIZE, &error);
  if (rows == NULL)
    g_debug ("Could not read medicines %u–%u: %s", offset, offset + want,
             error ? error->message : "no rows");

  /* The items take over the rows: the array must not free them. */
  if (rows != NULL)
    g_ptr_array_set_free_func (rows, NULL);
  items = g_ptr_array_new_full (want, g_object_unref);
  for (guint i = 0; i < want; i++)
    {
      PtMedicineRow *row = rows != NULL && i < rows->len ? rows->pdata[i] : NULL;

      g_ptr_array_add (items, pt_medicine_item_new (row, currency, self->now));
    }
  for (guint i = want; rows != NULL && i < rows->len; i++)
    pt_medicine_row_free (rows->pdata[i]);
  return items;
}

static GPtrArray *
lookup_page (PtMedicineListModel *self,
             guint                page)
{
  GPtrArray *items = g_hash_table_lookup (self->pages, GUINT_TO_POINTER (page));

  if (items != NULL)
    {
      /* Most recently used pages stay at the head of the queue. */
      if (g_queue_peek_head (&self->lru) != GUINT_TO_POINTER (page))
        {
          g_queue_remove (&self->lru, GUINT_TO_POINTER (page));
          g_queue_push_head (&self->lru, GUINT_TO_POINTER (page));
        }
      return items;
    }

  items = load_page (self, page);
  g_hash_table_insert (self->pages, GUINT_TO_POINTER (page), items);
  g_queue_push_head (&self->lru, GUINT_TO_POINTER (page));
  while (g_queue_get_length (&self->lru) > self->max_pages)
    g_hash_table_remove (self->pages, g_queue_pop_tail (&self->lru));
  return items;
}

static GType
get_item_type (GListModel *model)
{
  return PT_TYPE_MEDICINE_ITEM;
}

static guint
get_n_items (GListModel *model)
{
  return PT_MEDICINE_LIST_MODEL (model)->n_items;
}

static gpointer
get_item (GListModel *model,
          guint       position)
{
  PtMedicineListModel *self = PT_MEDICINE_LIST_MODEL (model);
  GPtrArray *items;
  guint page;

  if (position >= self->n_items || self->store == NULL)
    return NULL;
  page = position / PT_MEDICINE_LIST_PAGE_SIZE;
  items = lookup_page (self, page);
  g_assert (position % PT_MEDICINE_LIST_PAGE_SIZE < items->len);
  return g_object_ref (g_ptr_array_index (items, position % PT_MEDICINE_LIST_PAGE_SIZE));
}

static void
list_model_iface_init (GListModelInterface *iface)
{
  iface->get_item_type = get_item_type;
  iface->get_n_items = get_n_items;
  iface->get_item = get_item;
}

static void
pt_medicine_list_model_finalize (GObject *object)
{
  PtMedicineListModel *self = PT_MEDICINE_LIST_MODEL (object);

  g_clear_object (&self->store);
  g_free (self->query);
  g_free (self->pharmacy_id);
  g_hash_table_unref (self->pages);
  g_queue_clear (&self->lru);
  G_OBJECT_CLASS (pt_medicine_list_model_parent_class)->finalize (object);
}

static void
pt_medicine_list_model_get_property (GObject    *object,
                                     guint       prop_id,
                                     GValue     *value,
                                     GParamSpec *pspec)
{
  PtMedicineListModel *self = PT_MEDICINE_LIST_MODEL (object);

  switch (prop_id)
    {
    case PROP_STORE: g_value_set_object (value, self->store); break;
    case PROP_QUERY: g_value_set_string (value, self->query); break;
    case PROP_PHARMACY_ID: g_value_set_string (value, self->pharmacy_id); break;
    case PROP_N_ITEMS: g_value_set_uint (value, self->n_items); break;
    default: G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
pt_medicine_list_model_set_property (GObject      *object,
                                     guint         prop_id,
                                     const GValue *value,
                                     GParamSpec   *pspec)
{
  PtMedicineListModel *self = PT_MEDICINE_LIST_MODEL (object);

  switch (prop_id)
    {
    case PROP_STORE: pt_medicine_list_model_set_store (self, g_value_get_object (value)); break;
    case PROP_QUERY: pt_medicine_list_model_set_query (self, g_value_get_string (value)); break;
    case PROP_PHARMACY_ID: pt_medicine_list_model_set_pharmacy_id (self, g_value_get_string (value)); break;
    default: G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
pt_medicine_list_model_class_init (PtMedicineListModelClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = pt_medicine_list_model_finalize;
  object_class->get_property = pt_medicine_list_model_get_property;
  object_class->set_property = pt_medicine_list_model_set_property;

  props[PROP_STORE] = g_param_spec_object ("store", NULL, NULL, PT_TYPE_STORE,
                                           G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  props[PROP_QUERY] = g_param_spec_string ("query", NULL, NULL, NULL,
                                           G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  props[PROP_PHARMACY_ID] = g_param_spec_string ("pharmacy-id", NULL, NULL, NULL,
                                                 G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  props[PROP_N_ITEMS] = g_param_spec_uint ("n-items", NULL, NULL, 0, G_MAXUINT, 0,
                                           G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, props);
}

static void
pt_medicine_list_model_init (PtMedicineListModel *self)
{
  self->pages = g_hash_table_new_full (NULL, NULL, NULL, (GDestroyNotify) g_ptr_array_unref);
  g_queue_init (&self->lru);
  self->sort = PT_MEDICINE_SORT_NAME;
  self->max_pages = PT_MEDICINE_LIST_MAX_PAGES;
}

PtMedicineListModel *
pt_medicine_list_model_new (PtStore *store)
{
  g_return_val_if_fail (store == NULL || PT_IS_STORE (store), NULL);
  return g_object_new (PT_TYPE_MEDICINE_LIST_MODEL, "store", store, NULL);
}

PtStore *
pt_medicine_list_model_get_store (PtMedicineListModel *self)
{
  g_return_val_if_fail (PT_IS_MEDICINE_LIST_MODEL (self), NULL);
  return self->store;
}

void
pt_medicine_list_model_set_store (PtMedicineListModel *self,
                                  PtStore             *store)
{
  g_return_if_fail (PT_IS_MEDICINE_LIST_MODEL (self));
  g_return_if_fail (store == NULL || PT_IS_STORE (store));

  if (g_set_object (&self->store, store))
    {
      reload (self);
      g_object_notify_by_pspec (G_OBJECT (self), props[PROP_STORE]);
    }
}

const gchar *
pt_medicine_list_model_get_query (PtMedicineListModel *self)
{
  g_return_val_if_fail (PT_IS_MEDICINE_LIST_MODEL (self), NULL);
  return self->query ? self->query : "";
}

void
pt_medicine_list_model_set_query (PtMedicineListModel *self,
                                  const gchar         *query)
{
  g_autofree gchar *stripped = NULL;

  g_return_if_fail (PT_IS_MEDICINE_LIST_MODEL (self));

  stripped = g_strstrip (g_strdup (query ? query : ""));
  if (g_strcmp0 (stripped, self->query ? self->query : "") == 0)
    return;
  g_free (self->query);
  self->query = *stripped ? g_steal_pointer (&stripped) : NULL;
  reload (self);
  g_object_notify_by_pspec (G_OBJECT (self), props[PROP_QUERY]);
}

const gchar *
pt_medicine_list_model_get_pharmacy_id (PtMedicineListModel *self)
{
  g_return_val_if_fail (PT_IS_MEDICINE_LIST_MODEL (self), NULL);
  return self->pharmacy_id;
}

void
pt_medicine_list_model_set_pharmacy_id (PtMedicineListModel *self,
                                        const gchar         *pharmacy_id)
{
  g_return_if_fail (PT_IS_MEDICINE_LIST_MODEL (self));

  if (g_strcmp0 (self->pharmacy_id, pharmacy_id) != 0)
    {
      g_free (self->pharmacy_id);
      self->pharmacy_id = g_strdup (pharmacy_id);
      reload (self);
      g_object_notify_by_pspec (G_OBJECT (self), props[PROP_PHARMACY_ID]);
    }
}

void
pt_medicine_list_model_set_sort (PtMedicineListModel *self,
                                 PtMedicineSort       sort,
                                 gboolean             descending)
{
  g_return_if_fail (PT_IS_MEDICINE_LIST_MODEL (self));

  descending = !!descending;
  if (self->sort == sort && self->descending == descending)
    return;
  self->sort = sort;
  self->descending = descending;
  reload (self);
}

PtMedicineSort
pt_medicine_list_model_get_sort (PtMedicineListModel *self,
                                 gboolean            *descending)
{
  g_return_val_if_fail (PT_IS_MEDICINE_LIST_MODEL (self), PT_MEDICINE_SORT_NAME);
  if (descending != NULL)
    *descending = self->descending;
  return self->sort;
}

/* Re-reads one cached page: the same medicine at the same position is
 * updated in place (views keep their rows, the selection stays); a
 * different one is replaced and reported. */
static void
refresh_page (PtMedicineListModel *self,
              guint                page,
              GPtrArray           *items)
{
  g_autoptr(GPtrArray) fresh = load_page (self, page);
  guint offset = page * PT_MEDICINE_LIST_PAGE_SIZE;
  guint changed_from = G_MAXUINT;

  g_assert (fresh->len == items->len);
  for (guint i = 0; i <= items->len; i++)
    {
      gboolean same = FALSE;

      if (i < items->len)
        {
          PtMedicineItem *old = g_ptr_array_index (items, i);
          PtMedicineItem *new = g_ptr_array_index (fresh, i);

          same = g_strcmp0 (pt_medicine_item_get_id (old), pt_medicine_item_get_id (new)) == 0;
          if (same)
            {
              const PtMedicineRow *row = pt_medicine_item_get_row (new);
              PtMedicineRow *copy = g_new0 (PtMedicineRow, 1);

              *copy = *row;
              copy->id = g_strdup (row->id);
              copy->name = g_strdup (row->name);
              copy->generic_name = g_strdup (row->generic_name);
              copy->strength = g_strdup (row->strength);
              copy->form = g_strdup (row->form);
              copy->barcode = g_strdup (row->barcode);
              copy->code = g_strdup (row->code);
              pt_medicine_item_update (old, copy, pt_store_get_currency (self->store), self->now);
            }
          else
            {
              g_object_unref (items->pdata[i]);
              items->pdata[i] = g_object_ref (new);
              if (changed_from == G_MAXUINT)
                changed_from = i;
            }
        }
      if ((same || i == items->len) && changed_from != G_MAXUINT)
        {
          g_list_model_items_changed (G_LIST_MODEL (self), offset + changed_from,
                                      i - changed_from, i - changed_from);
          changed_from = G_MAXUINT;
        }
    }
}

void
pt_medicine_list_model_refresh (PtMedicineListModel *self)
{
  g_autoptr(GList) pages = NULL;
  guint n;

  g_return_if_fail (PT_IS_MEDICINE_LIST_MODEL (self));

  n = count_rows (self);
  if (n != self->n_items)
    {
      reload (self);
      return;
    }
  self->now = pt_time_now ();
  /* Views read items while we report changes: walk a copy of the keys. */
  pages = g_hash_table_get_keys (self->pages);
  for (GList *l = pages; l != NULL; l = l->next)
    {
      GPtrArray *items = g_hash_table_lookup (self->pages, l->data);

      if (items != NULL)
        {
          g_ptr_array_ref (items);
          refresh_page (self, GPOINTER_TO_UINT (l->data), items);
          g_ptr_array_unref (items);
        }
    }
}

void
pt_medicine_list_model_set_max_pages (PtMedicineListModel *self,
                                      guint                max_pages)
{
  g_return_if_fail (PT_IS_MEDICINE_LIST_MODEL (self));
  g_return_if_fail (max_pages > 0);

  self->max_pages = max_pages;
  while (g_queue_get_length (&self->lru) > self->max_pages)
    g_hash_table_remove (self->pages, g_queue_pop_tail (&self->lru));
}

guint
pt_medicine_list_model_get_cached_pages (PtMedicineListModel *self)
{
  g_return_val_if_fail (PT_IS_MEDICINE_LIST_MODEL (self), 0);
  return g_hash_table_size (self->pages);
}

guint
pt_medicine_list_model_get_n_queries (PtMedicineListModel *self)
{
  g_return_val_if_fail (PT_IS_MEDICINE_LIST_MODEL (self), 0);
  return self->n_queries;
}
