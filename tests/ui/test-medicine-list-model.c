/* The catalogue model over a real store, without a display. */
#define G_LOG_DOMAIN "test-ui"
#include "config.h"

#include <glib/gstdio.h>

#include "pt-medicine-item.h"
#include "pt-medicine-list-model.h"
#include "pt-store.h"
#include "pt-store-catalogue.h"
#include "pt-ui-util.h"

#define N_MEDICINES 300

typedef struct
{
  gchar   *dir;
  PtStore *store;
  gchar   *pharmacy_id;
  gchar   *first_id;    /* "Medicine 000" */
} Fixture;

/* A valid GTIN-13: twelve digits and their check digit. */
static gchar *
gtin13 (guint n)
{
  g_autofree gchar *body = g_strdup_printf ("500000%06u", n);
  guint sum = 0;

  for (guint i = 0; i < 12; i++)
    sum += (body[i] - '0') * (i % 2 ? 3 : 1);
  return g_strdup_printf ("%s%u", body, (10 - sum % 10) % 10);
}

static void
put_medicine (Fixture *f,
              guint    i,
              gchar  **id_out)
{
  bson_t doc = BSON_INITIALIZER;
  g_autoptr(GError) error = NULL;
  g_autofree gchar *name = g_strdup_printf ("Medicine %03u", i);
  g_autofree gchar *barcode = gtin13 (i);
  gchar *id;

  BSON_APPEND_UTF8 (&doc, "name", name);
  BSON_APPEND_UTF8 (&doc, "genericName", i % 2 ? "paracetamol" : "ibuprofen");
  BSON_APPEND_UTF8 (&doc, "strength", "500 mg");
  BSON_APPEND_UTF8 (&doc, "form", "tablet");
  BSON_APPEND_UTF8 (&doc, "schedule", "otc");
  BSON_APPEND_UTF8 (&doc, "barcode", barcode);
  /* Prices go down as names go up, so the two sorts differ. */
  BSON_APPEND_INT64 (&doc, "price", 10000 - i);
  BSON_APPEND_INT64 (&doc, "reorderLevel", 10);
  id = pt_store_put (f->store, "medicines", &doc, &error);
  g_assert_no_error (error);
  g_assert_nonnull (id);
  bson_destroy (&doc);
  if (id_out != NULL)
    *id_out = id;
  else
    g_free (id);
}

static void
fixture_set_up (Fixture       *f,
                gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) pharmacies = NULL;
  PtStoreInit init = { 0 };

  f->dir = g_dir_make_tmp ("pt-ui-model-XXXXXX", &error);
  g_assert_no_error (error);
  init.tenant_name = "Model Test Pharmacy";
  init.pharmacy_name = "High Street";
  init.admin_email = "owner@example.org";
  init.admin_password = "correct horse";
  init.admin_name = "Olive Owner";
  f->store = pt_store_create (f->dir, &init, &error);
  g_assert_no_error (error);
  pt_store_act_as_system (f->store);

  pharmacies = pt_store_list (f->store, "pharmacies", NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (pharmacies->len, ==, 1);
  f->pharmacy_id = pt_bson_dup_oid_hex (g_ptr_array_index (pharmacies, 0), "_id");

  for (guint i = 0; i < N_MEDICINES; i++)
    put_medicine (f, i, i == 0 ? &f->first_id : NULL);
}

static void
fixture_tear_down (Fixture       *f,
                   gconstpointer  data)
{
  g_autoptr(GFile) dir = g_file_new_for_path (f->dir);
  g_autoptr(GFileEnumerator) e = NULL;
  GFileInfo *info;

  g_clear_object (&f->store);
  e = g_file_enumerate_children (dir, G_FILE_ATTRIBUTE_STANDARD_NAME, 0, NULL, NULL);
  while (e != NULL && (info = g_file_enumerator_next_file (e, NULL, NULL)) != NULL)
    {
      g_autofree gchar *path = g_build_filename (f->dir, g_file_info_get_name (info), NULL);

      g_remove (path);
      g_object_unref (info);
    }
  g_rmdir (f->dir);
  g_free (f->dir);
  g_free (f->pharmacy_id);
  g_free (f->first_id);
}

static PtMedicineListModel *
new_model (Fixture *f)
{
  PtMedicineListModel *model = pt_medicine_list_model_new (NULL);

  pt_medicine_list_model_set_pharmacy_id (model, f->pharmacy_id);
  pt_medicine_list_model_set_store (model, f->store);
  return model;
}

static gchar *
item_string (GListModel  *model,
             guint        position,
             const gchar *property)
{
  g_autoptr(GObject) item = g_list_model_get_item (model, position);
  gchar *value = NULL;

  g_assert_nonnull (item);
  g_object_get (item, property, &value, NULL);
  return value;
}

static void
test_counts_all_and_reads_pages_lazily (Fixture *f, gconstpointer data)
{
  g_autoptr(PtMedicineListModel) model = new_model (f);
  g_autofree gchar *first = NULL;
  g_autofree gchar *last = NULL;

  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (model)), ==, N_MEDICINES);
  /* Counting reads no rows. */
  g_assert_cmpuint (pt_medicine_list_model_get_cached_pages (model), ==, 0);

  first = item_string (G_LIST_MODEL (model), 0, "name");
  g_assert_cmpstr (first, ==, "Medicine 000");
  g_assert_cmpuint (pt_medicine_list_model_get_cached_pages (model), ==, 1);

  last = item_string (G_LIST_MODEL (model), N_MEDICINES - 1, "name");
  g_assert_cmpstr (last, ==, "Medicine 299");
  g_assert_cmpuint (pt_medicine_list_model_get_cached_pages (model), ==, 2);
  g_assert_null (g_list_model_get_item (G_LIST_MODEL (model), N_MEDICINES));
}

static void
test_same_position_is_served_from_cache (Fixture *f, gconstpointer data)
{
  g_autoptr(PtMedicineListModel) model = new_model (f);
  g_autoptr(GObject) a = g_list_model_get_item (G_LIST_MODEL (model), 5);
  guint queries = pt_medicine_list_model_get_n_queries (model);
  g_autoptr(GObject) b = g_list_model_get_item (G_LIST_MODEL (model), 6);
  g_autoptr(GObject) c = g_list_model_get_item (G_LIST_MODEL (model), 5);

  g_assert_true (a == c);
  g_assert_cmpuint (pt_medicine_list_model_get_n_queries (model), ==, queries);
  g_assert_false (a == b);
}

static void
test_cache_stays_bounded (Fixture *f, gconstpointer data)
{
  g_autoptr(PtMedicineListModel) model = new_model (f);
  g_autoptr(GObject) first = NULL;
  g_autoptr(GObject) again = NULL;
  guint queries;

  /* 300 rows are 5 pages; keep only 2 to see the oldest go. */
  pt_medicine_list_model_set_max_pages (model, 2);
  first = g_list_model_get_item (G_LIST_MODEL (model), 0);
  for (guint i = 0; i < N_MEDICINES; i++)
    g_object_unref (g_list_model_get_item (G_LIST_MODEL (model), i));
  g_assert_cmpuint (pt_medicine_list_model_get_cached_pages (model), ==, 2);

  /* The first page was evicted: asking again reads it again. */
  queries = pt_medicine_list_model_get_n_queries (model);
  again = g_list_model_get_item (G_LIST_MODEL (model), 0);
  g_assert_cmpuint (pt_medicine_list_model_get_n_queries (model), ==, queries + 1);
  g_assert_false (first == again);
  g_assert_cmpstr (pt_medicine_item_get_id (PT_MEDICINE_ITEM (first)), ==,
                   pt_medicine_item_get_id (PT_MEDICINE_ITEM (again)));
  g_assert_cmpuint (pt_medicine_list_model_get_cached_pages (model), ==, 2);
}

typedef struct
{
  guint calls;
  guint position, removed, added;
} Changes;

static void
items_changed_cb (GListModel *model, guint position, guint removed, guint added, Changes *c)
{
  c->calls++;
  c->position = position;
  c->removed = removed;
  c->added = added;
}

static void
count_notify_cb (guint *n)
{
  (*n)++;
}

static void
test_new_medicine_resets_the_list (Fixture *f, gconstpointer data)
{
  g_autoptr(PtMedicineListModel) model = new_model (f);
  g_autofree gchar *first = NULL;
  Changes c = { 0 };

  g_object_unref (g_list_model_get_item (G_LIST_MODEL (model), 0));
  g_signal_connect (model, "items-changed", G_CALLBACK (items_changed_cb), &c);
  put_medicine (f, 999, NULL);
  pt_medicine_list_model_refresh (model);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (model)), ==, N_MEDICINES + 1);
  g_assert_cmpuint (c.calls, ==, 1);
  g_assert_cmpuint (c.added, ==, N_MEDICINES + 1);
  first = item_string (G_LIST_MODEL (model), N_MEDICINES, "name");
  g_assert_cmpstr (first, ==, "Medicine 999");
}

static void
test_typing_narrows_with_one_count_per_keystroke (Fixture *f, gconstpointer data)
{
  g_autoptr(PtMedicineListModel) model = new_model (f);
  g_autofree gchar *name = NULL;
  Changes c = { 0 };
  guint queries;

  g_signal_connect (model, "items-changed", G_CALLBACK (items_changed_cb), &c);
  queries = pt_medicine_list_model_get_n_queries (model);
  pt_medicine_list_model_set_query (model, "Medicine 01");
  g_assert_cmpuint (c.calls, ==, 1);
  g_assert_cmpuint (c.position, ==, 0);
  g_assert_cmpuint (c.removed, ==, N_MEDICINES);
  g_assert_cmpuint (c.added, ==, 10);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (model)), ==, 10);
  /* A keystroke costs a few index lookups (barcode, names; when the
   * names fill less than a page, the search index's count and the first
   * part of the other matches); rows come when a view asks. */
  g_assert_cmpuint (pt_medicine_list_model_get_n_queries (model), <=, queries + 4);
  g_assert_true (pt_medicine_list_model_is_complete (model));
  g_assert_cmpuint (pt_medicine_list_model_get_cached_pages (model), ==, 0);
  name = item_string (G_LIST_MODEL (model), 0, "name");
  g_assert_cmpstr (name, ==, "Medicine 010");

  /* The same text again (e.g. a trailing space) changes nothing. */
  pt_medicine_list_model_set_query (model, "Medicine 01 ");
  g_assert_cmpuint (c.calls, ==, 1);

  pt_medicine_list_model_set_query (model, "no such medicine");
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (model)), ==, 0);
  pt_medicine_list_model_set_query (model, "");
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (model)), ==, N_MEDICINES);
}

static gboolean
timeout_cb (gpointer data)
{
  *(gboolean *) data = TRUE;
  return G_SOURCE_REMOVE;
}

/* "para" starts 70 names and is also the generic name of the 150 odd
 * "Medicine NNN": the names come first, then the rest, each in name order,
 * the rest only when the view reaches the end of the names. */
static void
test_search_lists_names_first_then_the_other_matches (Fixture *f, gconstpointer data)
{
  g_autoptr(PtMedicineListModel) model = new_model (f);
  g_autofree gchar *first = NULL;
  g_autofree gchar *last_name = NULL;
  g_autofree gchar *first_other = NULL;
  g_autofree gchar *last_other = NULL;
  gboolean timed_out = FALSE;
  guint timeout;
  Changes c = { 0 };

  for (guint i = 0; i < 70; i++)
    {
      bson_t doc = BSON_INITIALIZER;
      g_autoptr(GError) error = NULL;
      g_autofree gchar *name = g_strdup_printf ("Paracetamol %02u", 69 - i);
      g_autofree gchar *id = NULL;

      BSON_APPEND_UTF8 (&doc, "name", name);
      BSON_APPEND_UTF8 (&doc, "genericName", "paracetamol");
      BSON_APPEND_UTF8 (&doc, "form", "tablet");
      BSON_APPEND_UTF8 (&doc, "schedule", "otc");
      BSON_APPEND_INT64 (&doc, "price", 100);
      id = pt_store_put (f->store, "medicines", &doc, &error);
      g_assert_no_error (error);
      bson_destroy (&doc);
    }

  pt_medicine_list_model_set_query (model, "para");
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (model)), ==, 70);
  g_assert_false (pt_medicine_list_model_is_complete (model));
  first = item_string (G_LIST_MODEL (model), 0, "name");
  g_assert_cmpstr (first, ==, "Paracetamol 00");

  /* The view reaches the last names: the others follow from the main loop. */
  g_signal_connect (model, "items-changed", G_CALLBACK (items_changed_cb), &c);
  last_name = item_string (G_LIST_MODEL (model), 69, "name");
  g_assert_cmpstr (last_name, ==, "Paracetamol 69");
  g_assert_cmpuint (c.calls, ==, 0);
  timeout = g_timeout_add_seconds (10, timeout_cb, &timed_out);
  while (!pt_medicine_list_model_is_complete (model) && !timed_out)
    g_main_context_iteration (NULL, TRUE);
  g_assert_false (timed_out);
  g_source_remove (timeout);

  g_assert_cmpuint (c.calls, ==, 1);
  g_assert_cmpuint (c.position, ==, 70);
  g_assert_cmpuint (c.removed, ==, 0);
  g_assert_cmpuint (c.added, ==, N_MEDICINES / 2);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (model)), ==, 70 + N_MEDICINES / 2);
  first_other = item_string (G_LIST_MODEL (model), 70, "name");
  g_assert_cmpstr (first_other, ==, "Medicine 001");
  last_other = item_string (G_LIST_MODEL (model), 70 + N_MEDICINES / 2 - 1, "name");
  g_assert_cmpstr (last_other, ==, "Medicine 299");

  /* A narrower query whose names fill less than a page lists everything at
   * once: "Paracetamol 00" … "09", then the odd "Medicine 0NN" (generic
   * name paracetamol, a word starting with 0). */
  pt_medicine_list_model_set_query (model, "paracetamol 0");
  g_assert_true (pt_medicine_list_model_is_complete (model));
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (model)), ==, 10 + 50);
  g_free (first);
  first = item_string (G_LIST_MODEL (model), 9, "name");
  g_assert_cmpstr (first, ==, "Paracetamol 09");
  g_free (first_other);
  first_other = item_string (G_LIST_MODEL (model), 10, "name");
  g_assert_cmpstr (first_other, ==, "Medicine 001");
}

static void
test_barcode_query_lists_that_medicine_first (Fixture *f, gconstpointer data)
{
  g_autoptr(PtMedicineListModel) model = new_model (f);
  g_autoptr(GObject) item = NULL;
  g_autofree gchar *barcode = gtin13 (123);

  pt_medicine_list_model_set_query (model, barcode);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (model)), >=, 1);
  item = g_list_model_get_item (G_LIST_MODEL (model), 0);
  g_assert_cmpstr (pt_medicine_item_get_name (PT_MEDICINE_ITEM (item)), ==, "Medicine 123");
  g_assert_cmpstr (pt_medicine_item_get_barcode (PT_MEDICINE_ITEM (item)), ==, barcode);
}

static void
test_stock_column_follows_a_receipt (Fixture *f, gconstpointer data)
{
  g_autoptr(PtMedicineListModel) model = new_model (f);
  g_autoptr(GObject) before = g_list_model_get_item (G_LIST_MODEL (model), 0);
  g_autoptr(GObject) after = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree gchar *batch = NULL;
  g_autofree gchar *stock_text = NULL;
  g_autofree gchar *status = NULL;
  PtReceipt receipt = { 0 };
  Changes c = { 0 };
  guint notified = 0;

  g_assert_cmpint (pt_medicine_item_get_stock (PT_MEDICINE_ITEM (before)), ==, 0);
  receipt.medicine_id = f->first_id;
  receipt.pharmacy_id = f->pharmacy_id;
  receipt.lot_number = "LOT-1";
  receipt.expiry_date = pt_time_now () + 400 * PT_MS_PER_DAY;
  receipt.quantity = 1200;
  receipt.cost_price = 150;
  batch = pt_store_receive_stock (f->store, &receipt, &error);
  g_assert_no_error (error);

  g_signal_connect (model, "items-changed", G_CALLBACK (items_changed_cb), &c);
  g_signal_connect_swapped (before, "notify::stock-text", G_CALLBACK (count_notify_cb), &notified);
  pt_medicine_list_model_refresh (model);
  after = g_list_model_get_item (G_LIST_MODEL (model), 0);
  /* The row is updated in place: views keep their rows and selection. */
  g_assert_true (before == after);
  g_assert_cmpuint (c.calls, ==, 0);
  g_assert_cmpuint (notified, ==, 1);
  g_assert_cmpint (pt_medicine_item_get_stock (PT_MEDICINE_ITEM (after)), ==, 1200);
  g_object_get (after, "stock-text", &stock_text, "status-text", &status, NULL);
  g_assert_cmpstr (stock_text, ==, "1,200");  /* grouped even in the C locale */
  g_assert_cmpstr (status, ==, "In stock");
  g_assert_cmpint (pt_medicine_item_get_nearest_expiry (PT_MEDICINE_ITEM (after)), ==, receipt.expiry_date);
}

/* A short query with many other matches (a letter or two at 100,000
 * medicines): they are read a part at a time as the list reaches its end,
 * never all at once, in the same order as reading them all. */
static void
test_many_other_matches_are_read_in_pages (Fixture *f, gconstpointer data)
{
  g_autoptr(PtMedicineListModel) model = new_model (f);
  g_autoptr(GArray) all = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree gchar *previous = NULL;
  guint expected_n[] = { 128, 256, 384, 450 };
  guint queries;

  for (guint i = 0; i < 300; i++)
    {
      bson_t doc = BSON_INITIALIZER;
      g_autofree gchar *name = g_strdup_printf ("Remedy %03u", 299 - i);
      g_autofree gchar *id = NULL;

      BSON_APPEND_UTF8 (&doc, "name", name);
      BSON_APPEND_UTF8 (&doc, "genericName", "paracetamol");
      BSON_APPEND_UTF8 (&doc, "form", "tablet");
      BSON_APPEND_UTF8 (&doc, "schedule", "otc");
      BSON_APPEND_INT64 (&doc, "price", 100);
      id = pt_store_put (f->store, "medicines", &doc, &error);
      g_assert_no_error (error);
      bson_destroy (&doc);
    }
  /* No name starts with "para"; 150 + 300 generic names do. */
  all = pt_store_catalogue_other_rowids (f->store, "para", &error);
  g_assert_no_error (error);
  g_assert_cmpuint (all->len, ==, 450);

  pt_medicine_list_model_set_query (model, "para");
  for (guint step = 0; step < G_N_ELEMENTS (expected_n); step++)
    {
      g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (model)), ==, expected_n[step]);
      g_assert_true (pt_medicine_list_model_is_complete (model) == (step == G_N_ELEMENTS (expected_n) - 1));
      queries = pt_medicine_list_model_get_n_queries (model);
      pt_medicine_list_model_load_rest (model);
      /* One query per part (none once complete). */
      g_assert_cmpuint (pt_medicine_list_model_get_n_queries (model) - queries, <=, 1);
    }
  /* The same medicines in the same (name) order as reading them all. */
  for (guint i = 0; i < all->len; i++)
    {
      g_autoptr(GObject) item = g_list_model_get_item (G_LIST_MODEL (model), i);
      g_autofree gchar *name = NULL;
      g_autoptr(GArray) one = g_array_new (FALSE, FALSE, sizeof (gint64));
      g_autoptr(GPtrArray) rows = NULL;

      g_array_append_val (one, g_array_index (all, gint64, i));
      rows = pt_store_catalogue_rows (f->store, (const gint64 *) (gpointer) one->data, 1, NULL, &error);
      g_assert_no_error (error);
      g_object_get (item, "name", &name, NULL);
      g_assert_cmpstr (name, ==, ((PtMedicineRow *) rows->pdata[0])->name);
      if (previous != NULL)
        g_assert_cmpint (g_ascii_strcasecmp (previous, name), <, 0);
      g_free (previous);
      previous = g_steal_pointer (&name);
    }
  g_assert_cmpstr (previous, ==, "Remedy 299");
}

/* A search sorted by a column is read a page at a time (an index walk, or
 * a sort bounded by the page) — and lists exactly what the store's full
 * ordering of the matches lists, in the same order, in every column and
 * direction. */
static void
test_sorted_search_pages_follow_the_full_order (Fixture *f, gconstpointer data)
{
  g_autoptr(PtMedicineListModel) model = new_model (f);
  g_autoptr(GError) error = NULL;
  static const PtMedicineSort sorts[] = {
    PT_MEDICINE_SORT_NAME, PT_MEDICINE_SORT_STOCK, PT_MEDICINE_SORT_EXPIRY, PT_MEDICINE_SORT_PRICE,
  };

  /* Stock, with different expiries, on some of the paracetamols (odd
   * numbers); equal keys are ordered by name. */
  for (guint i = 1; i < N_MEDICINES; i += 6)
    {
      g_autofree gchar *id = NULL;
      g_autoptr(GPtrArray) rows = pt_store_medicine_rows (f->store, NULL, NULL, PT_MEDICINE_SORT_NAME,
                                                          FALSE, i, 1, &error);
      g_autofree gchar *batch = NULL;
      PtReceipt receipt = { 0 };

      g_assert_no_error (error);
      receipt.medicine_id = ((PtMedicineRow *) rows->pdata[0])->id;
      receipt.pharmacy_id = f->pharmacy_id;
      receipt.lot_number = "LOT";
      receipt.expiry_date = pt_time_now () + (100 + (i * 37) % 300) * PT_MS_PER_DAY;
      receipt.quantity = 1 + (i * 13) % 50;
      batch = pt_store_receive_stock (f->store, &receipt, &error);
      g_assert_no_error (error);
    }

  pt_medicine_list_model_set_query (model, "para");
  for (guint s = 0; s < G_N_ELEMENTS (sorts); s++)
    for (guint d = 0; d < 2; d++)
      {
        g_autoptr(GPtrArray) full = NULL;

        if (sorts[s] == PT_MEDICINE_SORT_NAME && !d)
          continue;  /* the ranked list, tested above */
        pt_medicine_list_model_set_sort (model, sorts[s], d);
        full = pt_store_medicine_rows (f->store, "para", f->pharmacy_id, sorts[s], d, 0, 0, &error);
        g_assert_no_error (error);
        g_assert_cmpuint (full->len, ==, N_MEDICINES / 2);
        g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (model)), ==, full->len);
        for (guint i = 0; i < full->len; i++)
          {
            g_autofree gchar *name = item_string (G_LIST_MODEL (model), i, "name");

            if (g_strcmp0 (name, ((PtMedicineRow *) full->pdata[i])->name) != 0)
              g_error ("sort %d %s, position %u: %s, the store's full order has %s",
                       sorts[s], d ? "descending" : "ascending", i, name,
                       ((PtMedicineRow *) full->pdata[i])->name);
          }
      }
}

/* Aciclovir Oakridge in the demo: 150 on the shelf, all of one batch that
 * expired.  It cannot be sold: the list must not say "In stock". */
static void
test_expired_stock_is_not_sellable (Fixture *f, gconstpointer data)
{
  g_autoptr(PtMedicineListModel) model = new_model (f);
  g_autoptr(GError) error = NULL;
  g_autofree gchar *expired_batch = NULL;
  g_autofree gchar *good_batch = NULL;
  g_auto(GStrv) classes = NULL;
  g_auto(GStrv) classes2 = NULL;
  g_autofree gchar *stock_text = NULL;
  g_autofree gchar *status = NULL;
  g_autofree gchar *stock_text2 = NULL;
  g_autofree gchar *status2 = NULL;
  g_autofree gchar *expiry_text = NULL;
  g_autofree gchar *stock_text3 = NULL;
  g_autofree gchar *expired_text = NULL;
  g_autofree gchar *expired_text2 = NULL;
  g_autofree gchar *expired_text3 = NULL;
  gboolean has_expired = FALSE;
  g_autoptr(GObject) item = NULL;
  guint n_written_off = 0;
  bson_t fields = BSON_INITIALIZER;
  PtReceipt receipt = { 0 };

  /* Received while valid, then it expired on the shelf (as the demo
   * data dates it back: the store refuses to receive expired stock). */
  receipt.medicine_id = f->first_id;
  receipt.pharmacy_id = f->pharmacy_id;
  receipt.lot_number = "LOT-OLD";
  receipt.expiry_date = pt_time_now () + 30 * PT_MS_PER_DAY;
  receipt.quantity = 150;
  receipt.cost_price = 90;
  expired_batch = pt_store_receive_stock (f->store, &receipt, &error);
  g_assert_no_error (error);
  BSON_APPEND_DATE_TIME (&fields, "receivedAt", pt_time_now () - 400 * PT_MS_PER_DAY);
  BSON_APPEND_DATE_TIME (&fields, "expiryDate", pt_time_now () - 30 * PT_MS_PER_DAY);
  pt_store_update (f->store, "batches", expired_batch, &fields, &error);
  g_assert_no_error (error);
  bson_destroy (&fields);

  pt_medicine_list_model_refresh (model);
  item = g_list_model_get_item (G_LIST_MODEL (model), 0);
  g_assert_cmpstr (pt_medicine_item_get_id (PT_MEDICINE_ITEM (item)), ==, f->first_id);
  g_assert_cmpint (pt_medicine_item_get_stock (PT_MEDICINE_ITEM (item)), ==, 150);
  g_assert_cmpint (pt_medicine_item_get_sellable (PT_MEDICINE_ITEM (item)), ==, 0);
  g_assert_true (pt_medicine_item_get_low_stock (PT_MEDICINE_ITEM (item)));
  g_object_get (item, "stock-text", &stock_text, "status-text", &status,
                "status-classes", &classes, "expiry-text", &expiry_text,
                "expired-text", &expired_text, "has-expired-stock", &has_expired, NULL);
  g_assert_cmpstr (stock_text, ==, "0");
  g_assert_cmpstr (expired_text, ==, "150 expired");
  g_assert_true (has_expired);
  g_assert_cmpstr (status, ==, "Expired stock only");
  g_assert_cmpstr (classes[0], ==, "error");
  g_assert_true (g_str_has_prefix (expiry_text, "Expired "));

  /* A valid lot arrives: that much can be sold, the expired 150 are
   * still named apart until written off. */
  receipt.lot_number = "LOT-NEW";
  receipt.expiry_date = pt_time_now () + 400 * PT_MS_PER_DAY;
  receipt.quantity = 40;
  good_batch = pt_store_receive_stock (f->store, &receipt, &error);
  g_assert_no_error (error);
  pt_medicine_list_model_refresh (model);
  g_assert_cmpint (pt_medicine_item_get_stock (PT_MEDICINE_ITEM (item)), ==, 190);
  g_assert_cmpint (pt_medicine_item_get_sellable (PT_MEDICINE_ITEM (item)), ==, 40);
  g_object_get (item, "stock-text", &stock_text2, "status-text", &status2,
                "status-classes", &classes2, "expired-text", &expired_text2, NULL);
  g_assert_cmpstr (stock_text2, ==, "40");
  g_assert_cmpstr (expired_text2, ==, "150 expired");
  g_assert_cmpstr (status2, ==, "In stock");

  /* Written off, the expired stock leaves the column. */
  g_assert_true (pt_store_write_off_expired (f->store, f->pharmacy_id, pt_time_now (), &n_written_off, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (n_written_off, ==, 1);
  pt_medicine_list_model_refresh (model);
  g_object_get (item, "stock-text", &stock_text3, "expired-text", &expired_text3,
                "has-expired-stock", &has_expired, NULL);
  g_assert_cmpstr (stock_text3, ==, "40");
  g_assert_cmpstr (expired_text3, ==, "");
  g_assert_false (has_expired);
  g_assert_cmpint (pt_medicine_item_get_stock (PT_MEDICINE_ITEM (item)), ==, 40);
}

static void
test_sorting_is_done_by_the_store (Fixture *f, gconstpointer data)
{
  g_autoptr(PtMedicineListModel) model = new_model (f);
  g_autofree gchar *cheapest = NULL;
  g_autofree gchar *dearest = NULL;
  gboolean descending;

  pt_medicine_list_model_set_sort (model, PT_MEDICINE_SORT_PRICE, FALSE);
  cheapest = item_string (G_LIST_MODEL (model), 0, "name");
  g_assert_cmpstr (cheapest, ==, "Medicine 299");
  pt_medicine_list_model_set_sort (model, PT_MEDICINE_SORT_PRICE, TRUE);
  dearest = item_string (G_LIST_MODEL (model), 0, "name");
  g_assert_cmpstr (dearest, ==, "Medicine 000");
  g_assert_cmpint (pt_medicine_list_model_get_sort (model, &descending), ==, PT_MEDICINE_SORT_PRICE);
  g_assert_true (descending);
}

static PtMedicineItem *
item_with_expiry (PtTime expiry, PtQuantity stock, PtQuantity reorder)
{
  PtMedicineRow *row = g_new0 (PtMedicineRow, 1);

  row->id = g_strdup ("0123456789abcdef01234567");
  row->name = g_strdup ("Amoxicillin");
  row->strength = g_strdup ("500 mg");
  row->form = g_strdup ("capsule");
  row->price = 1234;
  row->stock = stock;
  row->sellable = stock;
  row->reorder_level = reorder;
  row->nearest_expiry = expiry;
  row->active = TRUE;
  return pt_medicine_item_new (row, "EUR", 1800000000000);
}

static void
test_item_colours_expiry_within_90_days_and_expired (void)
{
  PtTime now = 1800000000000;
  struct { PtTime expiry; const gchar *css; const gchar *prefix; } cases[] = {
    { now + 200 * PT_MS_PER_DAY, NULL, "" },
    { now + 30 * PT_MS_PER_DAY, "warning", "" },
    { now - PT_MS_PER_DAY, "error", "Expired " },
    { 0, "dim-label", "—" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(PtMedicineItem) item = item_with_expiry (cases[i].expiry, 5, 1);
      g_auto(GStrv) classes = NULL;
      g_autofree gchar *text = NULL;

      g_object_get (item, "expiry-classes", &classes, "expiry-text", &text, NULL);
      g_assert_cmpstr (classes[0], ==, cases[i].css);
      g_assert_true (g_str_has_prefix (text, cases[i].prefix));
    }
}

static void
test_item_flags_low_and_negative_stock (void)
{
  struct { PtQuantity stock, reorder; const gchar *status; } cases[] = {
    { 50, 10, "In stock" },
    { 5, 10, "Low stock" },
    { 0, 10, "Out of stock" },
    { -2, 10, "Negative stock" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(PtMedicineItem) item = item_with_expiry (0, cases[i].stock, cases[i].reorder);
      g_autofree gchar *status = NULL;

      g_object_get (item, "status-text", &status, NULL);
      g_assert_cmpstr (status, ==, cases[i].status);
    }
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);

#define ADD(path, fn) g_test_add (path, Fixture, NULL, fixture_set_up, fn, fixture_tear_down)
  ADD ("/ui/medicine-list/counts-all-and-reads-pages-lazily", test_counts_all_and_reads_pages_lazily);
  ADD ("/ui/medicine-list/same-position-is-served-from-cache", test_same_position_is_served_from_cache);
  ADD ("/ui/medicine-list/cache-stays-bounded", test_cache_stays_bounded);
  ADD ("/ui/medicine-list/typing-narrows-with-one-count-per-keystroke", test_typing_narrows_with_one_count_per_keystroke);
  ADD ("/ui/medicine-list/search-lists-names-first-then-the-other-matches", test_search_lists_names_first_then_the_other_matches);
  ADD ("/ui/medicine-list/barcode-query-lists-that-medicine-first", test_barcode_query_lists_that_medicine_first);
  ADD ("/ui/medicine-list/stock-column-follows-a-receipt", test_stock_column_follows_a_receipt);
  ADD ("/ui/medicine-list/sorting-is-done-by-the-store", test_sorting_is_done_by_the_store);
  ADD ("/ui/medicine-list/expired-stock-is-not-sellable", test_expired_stock_is_not_sellable);
  ADD ("/ui/medicine-list/many-other-matches-are-read-in-pages", test_many_other_matches_are_read_in_pages);
  ADD ("/ui/medicine-list/sorted-search-pages-follow-the-full-order", test_sorted_search_pages_follow_the_full_order);
  ADD ("/ui/medicine-list/new-medicine-resets-the-list", test_new_medicine_resets_the_list);
#undef ADD
  g_test_add_func ("/ui/medicine-item/colours-expiry-within-90-days-and-expired", test_item_colours_expiry_within_90_days_and_expired);
  g_test_add_func ("/ui/medicine-item/flags-low-and-negative-stock", test_item_flags_low_and_negative_stock);
  return g_test_run ();
}
