#define G_LOG_DOMAIN "pt-ui"
#include "config.h"

#include "pt-medicine-list-model.h"
#include "pt-medicine-item.h"
#include "pt-store-catalogue.h"

#include <string.h>

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

  /* The default order (name, ascending) lists a search in three parts, as
   * the store hands them out (pt-store-catalogue.h): @head (the barcode
   * matches — and, after a scan, every other match too), @n_names
   * medicines whose name starts with the query (read a page at a time
   * from the index), then @rest, the other matches, read as the list
   * reaches them: a part at a time when they are many, all at once when
   * they are few (@rest_paged FALSE).  Until the last is read @complete is
   * FALSE and n_items counts what is listed so far. */
  gboolean        ranked;
  GArray         *head;
  guint           n_names;
  GArray         *rest;
  gboolean        rest_paged;
  gboolean        complete;
  guint           rest_idle;
};

/* The other matches are read this many at a time when they are many; with
 * fewer than REST_PAGED_FROM (estimated from the search index's count)
 * they are read at once — walking the name index for a few would cost
 * more than reading them. */
#define REST_PAGE (4 * PT_MEDICINE_LIST_PAGE_SIZE)
#define REST_PAGED_FROM 256

/* A list sorted by stock or by nearest expiry is read from the store's
 * ordering of all the matches, made once and kept until the next change:
 * no index holds those keys, so any page — even a sort bounded by the
 * page — computes the key of every match, which is the whole cost (bench-ui
 * at 100,000 medicines, search "a", 15,846 matches: 150–260 ms for a
 * bounded page, about the same for the whole ordering, then 1–3 ms a
 * page).  Paging them cheaply needs the keys kept in an index. */

static void list_model_iface_init (GListModelInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (PtMedicineListModel, pt_medicine_list_model, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (G_TYPE_LIST_MODEL, list_model_iface_init))

enum {
  PROP_0,
  PROP_STORE,
  PROP_QUERY,
  PROP_PHARMACY_ID,
  PROP_N_ITEMS,
  PROP_COMPLETE,
  N_PROPS
};

static GParamSpec *props[N_PROPS];

static void
clear_cache (PtMedicineListModel *self)
{
  g_hash_table_remove_all (self->pages);
  g_queue_clear (&self->lru);
}

static GArray *
empty_rowids (void)
{
  return g_array_new (FALSE, FALSE, sizeof (gint64));
}

/* Appends the rowids of @from that are not in @skip. */
static void
append_except (GArray       *to,
               const GArray *from,
               const GArray *skip)
{
  for (guint i = 0; from != NULL && i < from->len; i++)
    {
      gint64 rowid = g_array_index (from, gint64, i);
      gboolean skipped = FALSE;

      for (guint j = 0; j < skip->len && !skipped; j++)
        skipped = g_array_index (skip, gint64, j) == rowid;
      if (!skipped)
        g_array_append_val (to, rowid);
    }
}

static GArray *
read_rest (PtMedicineListModel *self)
{
  g_autoptr(GError) error = NULL;
  GArray *rest;

  self->n_queries++;
  rest = pt_store_catalogue_other_rowids (self->store, self->query, &error);
  if (rest == NULL)
    {
      g_debug ("Could not read the other matches of “%s”: %s", self->query, error->message);
      rest = empty_rowids ();
    }
  return rest;
}

/* Reads the next part of the other matches into @rest (the first call
 * chooses how: all at once or a page at a time); TRUE once all are read. */
static gboolean
read_more_rest (PtMedicineListModel *self)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GArray) page = NULL;
  gint64 after = 0;

  if (self->rest == NULL)
    {
      guint matches;

      self->n_queries++;
      matches = pt_store_catalogue_match_count (self->store, self->query);
      self->rest_paged = matches > self->n_names && matches - self->n_names >= REST_PAGED_FROM;
      if (!self->rest_paged)
        {
          self->rest = read_rest (self);
          return TRUE;
        }
      self->rest = empty_rowids ();
    }
  if (self->rest->len > 0)
    after = g_array_index (self->rest, gint64, self->rest->len - 1);
  self->n_queries++;
  page = pt_store_catalogue_other_rowids_page (self->store, self->query, after, REST_PAGE, &error);
  if (page == NULL)
    {
      /* What is listed stays; the list ends here. */
      g_debug ("Could not read more matches of “%s”: %s", self->query, error->message);
      return TRUE;
    }
  g_array_append_vals (self->rest, page->data, page->len);
  return page->len < REST_PAGE;
}

/* Works out what the list holds; returns the number of items.  Costs a
 * few index lookups, except for a query whose names fill less than a page
 * (then the first part of the other matches is read at once, so that the
 * first screen is full). */
static guint
plan_rows (PtMedicineListModel *self)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GArray) barcode = NULL;

  g_clear_pointer (&self->head, g_array_unref);
  g_clear_pointer (&self->rest, g_array_unref);
  self->n_names = 0;
  self->rest_paged = FALSE;
  self->complete = TRUE;
  self->ranked = self->sort == PT_MEDICINE_SORT_NAME && !self->descending;
  if (self->store == NULL)
    return 0;

  if (!self->ranked)
    {
      self->n_queries++;
      return pt_store_count_medicine_rows (self->store, self->query, self->pharmacy_id);
    }

  if (self->query != NULL)
    {
      self->n_queries++;
      barcode = pt_store_catalogue_barcode_rowids (self->store, self->query, &error);
      if (barcode == NULL)
        g_debug ("Could not look up the barcode “%s”: %s", self->query, error->message);
    }
  if (barcode != NULL && barcode->len > 0)
    {
      g_autoptr(GArray) names = NULL;
      g_autoptr(GArray) rest = NULL;

      /* A scan: the few other matches of a barcode are listed after it. */
      self->n_queries++;
      names = pt_store_catalogue_name_rowids (self->store, self->query, 0, 0, NULL);
      rest = read_rest (self);
      self->head = g_array_ref (barcode);
      append_except (self->head, names, barcode);
      append_except (self->head, rest, barcode);
      self->rest = empty_rowids ();
      return self->head->len;
    }

  self->head = empty_rowids ();
  self->n_queries++;
  self->n_names = pt_store_catalogue_name_count (self->store, self->query);
  if (self->query == NULL)
    self->rest = empty_rowids ();
  else if (self->n_names < PT_MEDICINE_LIST_PAGE_SIZE)
    self->complete = read_more_rest (self);
  else
    self->complete = FALSE;
  return self->n_names + (self->rest ? self->rest->len : 0);
}

static void
cancel_rest (PtMedicineListModel *self)
{
  g_clear_handle_id (&self->rest_idle, g_source_remove);
}

/* Replans and tells the views that everything may have changed. */
static void
reload (PtMedicineListModel *self)
{
  guint old_n = self->n_items;
  gboolean was_complete = self->complete;

  cancel_rest (self);
  clear_cache (self);
  self->now = pt_time_now ();
  self->n_items = plan_rows (self);
  g_list_model_items_changed (G_LIST_MODEL (self), 0, old_n, self->n_items);
  if (old_n != self->n_items)
    g_object_notify_by_pspec (G_OBJECT (self), props[PROP_N_ITEMS]);
  if (was_complete != self->complete)
    g_object_notify_by_pspec (G_OBJECT (self), props[PROP_COMPLETE]);
}

/* The rowids of positions @offset … @offset + @n - 1 of a ranked list;
 * 0 where a part came back shorter than planned (changed meanwhile). */
static GArray *
ranked_rowids (PtMedicineListModel *self,
               guint                offset,
               guint                n)
{
  GArray *rowids = g_array_sized_new (FALSE, TRUE, sizeof (gint64), n);
  guint head = self->head->len;
  guint names_end = head + self->n_names;

  for (guint pos = offset; pos < offset + n; pos++)
    {
      gint64 rowid = 0;

      if (pos < head)
        rowid = g_array_index (self->head, gint64, pos);
      else if (pos >= names_end && self->rest != NULL && pos - names_end < self->rest->len)
        rowid = g_array_index (self->rest, gint64, pos - names_end);
      g_array_append_val (rowids, rowid);
    }
  if (offset + n > head && offset < names_end)
    {
      guint from = MAX (offset, head);
      guint to = MIN (offset + n, names_end);
      g_autoptr(GError) error = NULL;
      g_autoptr(GArray) names = NULL;

      /* Counted with the page's rows (load_page). */
      names = pt_store_catalogue_name_rowids (self->store, self->query, from - head,
                                              to - from, &error);
      if (names == NULL)
        g_debug ("Could not read medicines %u–%u: %s", from, to, error->message);
      for (guint i = 0; names != NULL && i < names->len && i < to - from; i++)
        g_array_index (rowids, gint64, from - offset + i) = g_array_index (names, gint64, i);
    }
  return rowids;
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

  if (self->ranked)
    {
      g_autoptr(GArray) rowids = ranked_rowids (self, offset, want);

      self->n_queries++;
      rows = pt_store_catalogue_rows (self->store, (const gint64 *) (gpointer) rowids->data,
                                      rowids->len, self->pharmacy_id, &error);
    }
  else if (self->query != NULL
           && (self->sort == PT_MEDICINE_SORT_NAME || self->sort == PT_MEDICINE_SORT_PRICE))
    {
      g_autoptr(GArray) rowids = NULL;

      /* A search sorted by name (descending) or price: a page from an
       * index walk. */
      self->n_queries++;
      rowids = pt_store_catalogue_sorted_rowids (self->store, self->query, self->pharmacy_id,
                                                 self->sort, self->descending,
                                                 offset, PT_MEDICINE_LIST_PAGE_SIZE, &error);
      if (rowids != NULL)
        {
          self->n_queries++;
          rows = pt_store_catalogue_rows (self->store, (const gint64 *) (gpointer) rowids->data,
                                          rowids->len, self->pharmacy_id, &error);
        }
    }
  else
    {
      /* The whole catalogue in another order, or a search by stock or
       * expiry: the store orders every match once and keeps that until
       * the next change. */
      self->n_queries++;
      rows = pt_store_medicine_rows (self->store, self->query, self->pharmacy_id,
                                     self->sort, self->descending,
                                     offset, PT_MEDICINE_LIST_PAGE_SIZE, &error);
    }
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

static gboolean
rest_idle_cb (gpointer data)
{
  PtMedicineListModel *self = data;

  self->rest_idle = 0;
  pt_medicine_list_model_load_rest (self);
  return G_SOURCE_REMOVE;
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
  /* The view nears the end of what is listed so far: the other matches
   * follow, read after this frame (a model must not change while a view
   * reads it). */
  if (!self->complete && self->rest_idle == 0
      && position + PT_MEDICINE_LIST_PAGE_SIZE / 2 >= self->n_items)
    self->rest_idle = g_idle_add (rest_idle_cb, self);
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

  cancel_rest (self);
  g_clear_pointer (&self->head, g_array_unref);
  g_clear_pointer (&self->rest, g_array_unref);
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
    case PROP_COMPLETE: g_value_set_boolean (value, self->complete); break;
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
  /* FALSE while the matches whose name does not start with the query are
   * not listed yet: n-items is then a lower bound. */
  props[PROP_COMPLETE] = g_param_spec_boolean ("complete", NULL, NULL, TRUE,
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
  self->complete = TRUE;
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
  g_autoptr(GArray) old_head = NULL;
  g_autoptr(GArray) old_rest = NULL;
  guint had_rest;
  gboolean same;
  guint old_names;
  guint n;

  g_return_if_fail (PT_IS_MEDICINE_LIST_MODEL (self));

  /* Replan as the list stands (with as many of the other matches as were
   * listed), and compare. */
  had_rest = self->ranked && self->rest != NULL ? self->rest->len : 0;
  old_head = self->head ? g_array_ref (self->head) : NULL;
  old_rest = self->rest ? g_array_ref (self->rest) : NULL;
  old_names = self->n_names;
  n = plan_rows (self);
  if (had_rest > 0 && self->head != NULL)
    {
      while (!self->complete && (self->rest == NULL || self->rest->len < had_rest))
        self->complete = read_more_rest (self);
      n = self->head->len + self->n_names + (self->rest ? self->rest->len : 0);
    }
  same = n == self->n_items && old_names == self->n_names
         && (old_head == NULL) == (self->head == NULL)
         && (old_rest == NULL) == (self->rest == NULL);
  if (same && old_head != NULL)
    same = old_head->len == self->head->len
           && memcmp (old_head->data, self->head->data, old_head->len * sizeof (gint64)) == 0;
  if (same && old_rest != NULL)
    same = old_rest->len == self->rest->len
           && memcmp (old_rest->data, self->rest->data, old_rest->len * sizeof (gint64)) == 0;
  if (!same)
    {
      guint old_n = self->n_items;

      /* Put the old plan back so that reload reports from it. */
      g_clear_pointer (&self->head, g_array_unref);
      g_clear_pointer (&self->rest, g_array_unref);
      self->n_items = old_n;
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

/* Lists the next part of the matches whose name does not start with the
 * query, after those that do. */
void
pt_medicine_list_model_load_rest (PtMedicineListModel *self)
{
  guint old_n;
  guint old_rest;
  guint added;

  g_return_if_fail (PT_IS_MEDICINE_LIST_MODEL (self));

  cancel_rest (self);
  if (self->complete || self->store == NULL)
    return;
  old_n = self->n_items;
  old_rest = self->rest != NULL ? self->rest->len : 0;
  self->complete = read_more_rest (self);
  added = self->rest->len - old_rest;
  /* The cached page that ended the list so far ends further now. */
  if (old_n % PT_MEDICINE_LIST_PAGE_SIZE != 0)
    {
      guint page = old_n / PT_MEDICINE_LIST_PAGE_SIZE;

      if (g_hash_table_remove (self->pages, GUINT_TO_POINTER (page)))
        g_queue_remove (&self->lru, GUINT_TO_POINTER (page));
    }
  self->n_items += added;
  if (added > 0)
    {
      g_list_model_items_changed (G_LIST_MODEL (self), old_n, 0, added);
      g_object_notify_by_pspec (G_OBJECT (self), props[PROP_N_ITEMS]);
    }
  if (self->complete)
    g_object_notify_by_pspec (G_OBJECT (self), props[PROP_COMPLETE]);
}

gboolean
pt_medicine_list_model_is_complete (PtMedicineListModel *self)
{
  g_return_val_if_fail (PT_IS_MEDICINE_LIST_MODEL (self), TRUE);
  return self->complete;
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
