/* The catalogue's search in parts (pt-store-catalogue.h): barcode, names
 * starting with the query, then the other matches, each in name order. */
#define G_LOG_DOMAIN "pt-test"
#include "config.h"

#include "pt-store-catalogue.h"
#include "pt-test-store.h"

static void
setup (PtTestFixture *fx,
       gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autofree gchar *withdrawn = NULL;

  pt_test_setup (fx, data);
  g_free (pt_test_add_medicine (fx->store, "Amoxil 500 mg", "amoxicillin", NULL, NULL, 450));
  g_free (pt_test_add_medicine (fx->store, "amoxicillin 250 mg capsules", "amoxicillin", NULL,
                                "5012345678900", 300));
  g_free (pt_test_add_medicine (fx->store, "Co-amoxiclav 625 mg", "amoxicillin clavulanate",
                                NULL, NULL, 800));
  g_free (pt_test_add_medicine (fx->store, "Zzz sleep aid", NULL, NULL, "4006381333931", 500));
  g_free (pt_test_add_medicine (fx->store, "Bactamox", "amoxicillin", NULL, NULL, 200));
  withdrawn = pt_test_add_medicine (fx->store, "Amoxa (withdrawn)", "amoxicillin", NULL, NULL, 1);
  g_assert_true (pt_store_delete (fx->store, "medicines", withdrawn, &error));
  g_assert_no_error (error);
}

/* The names of @rowids, "|"-joined. */
static gchar *
names_of (PtStore *store,
          GArray  *rowids)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) rows = NULL;
  g_autoptr(GString) out = g_string_new (NULL);

  g_assert_nonnull (rowids);
  rows = pt_store_catalogue_rows (store, (const gint64 *) (gpointer) rowids->data,
                                  rowids->len, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (rows->len, ==, rowids->len);
  for (guint i = 0; i < rows->len; i++)
    {
      PtMedicineRow *row = rows->pdata[i];

      g_string_append_printf (out, "%s%s", i ? "|" : "", row ? row->name : "(none)");
    }
  return g_string_free (g_steal_pointer (&out), FALSE);
}

static void
test_names_count_and_slice_in_name_order (PtTestFixture *fx, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GArray) all = NULL;
  g_autoptr(GArray) slice = NULL;
  g_autoptr(GArray) everything = NULL;
  g_autofree gchar *all_names = NULL;
  g_autofree gchar *slice_names = NULL;

  /* Case is ignored; the withdrawn medicine is not listed. */
  g_assert_cmpuint (pt_store_catalogue_name_count (fx->store, "AMOX"), ==, 2);
  all = pt_store_catalogue_name_rowids (fx->store, " amox ", 0, 0, &error);
  g_assert_no_error (error);
  all_names = names_of (fx->store, all);
  g_assert_cmpstr (all_names, ==, "amoxicillin 250 mg capsules|Amoxil 500 mg");

  slice = pt_store_catalogue_name_rowids (fx->store, "amox", 1, 5, &error);
  g_assert_no_error (error);
  slice_names = names_of (fx->store, slice);
  g_assert_cmpstr (slice_names, ==, "Amoxil 500 mg");

  /* No prefix: the whole live catalogue. */
  g_assert_cmpuint (pt_store_catalogue_name_count (fx->store, ""), ==, 5);
  everything = pt_store_catalogue_name_rowids (fx->store, NULL, 0, 2, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (everything->len, ==, 2);
}

static void
test_other_matches_exclude_the_names_and_sort_by_name (PtTestFixture *fx, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GArray) other = pt_store_catalogue_other_rowids (fx->store, "amox", &error);
  g_autofree gchar *names = NULL;
  g_autoptr(GArray) none = NULL;

  g_assert_no_error (error);
  /* Generic name and inner words; never the names already listed first,
   * never the withdrawn one. */
  names = names_of (fx->store, other);
  g_assert_cmpstr (names, ==, "Bactamox|Co-amoxiclav 625 mg");

  /* Typed past a name into its digits: the index's text of a name may
   * carry them, the name does not — still listed, here. */
  {
    g_autofree gchar *id = pt_test_add_medicine (fx->store, "Vitamin D3 1000", "colecalciferol",
                                                 NULL, NULL, 700);
    g_autoptr(GArray) past = pt_store_catalogue_other_rowids (fx->store, "Vitamin D3 1000 3", &error);
    g_autoptr(GArray) named = pt_store_catalogue_name_rowids (fx->store, "Vitamin D3 1000 3", 0, 0, &error);
    g_autofree gchar *past_names = NULL;

    g_assert_no_error (error);
    g_assert_cmpuint (named->len, ==, 0);
    past_names = names_of (fx->store, past);
    g_assert_cmpstr (past_names, ==, "Vitamin D3 1000");
  }

  /* Punctuation only: no words, nothing else matches. */
  none = pt_store_catalogue_other_rowids (fx->store, "--", &error);
  g_assert_no_error (error);
  g_assert_cmpuint (none->len, ==, 0);
}

/* Paged, the other matches are the same list: a page of one at a time
 * walks Bactamox, then Co-amoxiclav, then reports the end. */
static void
test_other_matches_page_by_page_are_the_same_list (PtTestFixture *fx, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GArray) all = pt_store_catalogue_other_rowids (fx->store, "amox", &error);
  g_autoptr(GArray) paged = g_array_new (FALSE, FALSE, sizeof (gint64));
  g_autofree gchar *all_names = NULL;
  g_autofree gchar *paged_names = NULL;
  g_autofree gchar *digits_names = NULL;
  g_autofree gchar *vitamin = NULL;
  g_autoptr(GArray) digits = NULL;
  gint64 after = 0;
  guint pages = 0;

  g_assert_no_error (error);
  /* The index's count: the names starting with "amox" among them, never
   * the withdrawn medicine. */
  g_assert_cmpuint (pt_store_catalogue_match_count (fx->store, "amox"), ==, 4);
  g_assert_cmpuint (pt_store_catalogue_match_count (fx->store, "--"), ==, 0);
  for (;;)
    {
      g_autoptr(GArray) page = pt_store_catalogue_other_rowids_page (fx->store, "amox", after, 1, &error);

      g_assert_no_error (error);
      g_assert_cmpuint (page->len, <=, 1);
      pages++;
      if (page->len == 0)
        break;
      g_array_append_vals (paged, page->data, page->len);
      after = g_array_index (page, gint64, 0);
      g_assert_cmpuint (pages, <, 10);
    }
  g_assert_cmpuint (pages, ==, 3);
  all_names = names_of (fx->store, all);
  paged_names = names_of (fx->store, paged);
  g_assert_cmpstr (paged_names, ==, all_names);
  g_assert_cmpstr (paged_names, ==, "Bactamox|Co-amoxiclav 625 mg");

  /* Typed past a name into its digits, as above: listed. */
  vitamin = pt_test_add_medicine (fx->store, "Vitamin D3 1000", "colecalciferol", NULL, NULL, 700);
  digits = pt_store_catalogue_other_rowids_page (fx->store, "Vitamin D3 1000 3", 0, 10, &error);
  g_assert_no_error (error);
  digits_names = names_of (fx->store, digits);
  g_assert_cmpstr (digits_names, ==, "Vitamin D3 1000");
}

static void
test_barcode_finds_the_scanned_medicine (PtTestFixture *fx, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GArray) hit = pt_store_catalogue_barcode_rowids (fx->store, "4006381333931 ", &error);
  g_autoptr(GArray) miss = NULL;
  g_autofree gchar *names = NULL;

  g_assert_no_error (error);
  names = names_of (fx->store, hit);
  g_assert_cmpstr (names, ==, "Zzz sleep aid");
  miss = pt_store_catalogue_barcode_rowids (fx->store, "4006381333932", &error);
  g_assert_no_error (error);
  g_assert_cmpuint (miss->len, ==, 0);
}

static void
test_rows_carry_stock_and_skip_deleted (PtTestFixture *fx, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autofree gchar *id = pt_test_add_medicine (fx->store, "Stocked", NULL, NULL, NULL, 100);
  g_autofree gchar *batch = pt_test_receive (fx->store, id, fx->pharmacy_id, "L1", 100, 24);
  g_autoptr(GArray) rowids = pt_store_catalogue_name_rowids (fx->store, "Stocked", 0, 0, &error);
  g_autoptr(GPtrArray) rows = NULL;
  PtMedicineRow *row;

  g_assert_no_error (error);
  g_assert_cmpuint (rowids->len, ==, 1);
  rows = pt_store_catalogue_rows (fx->store, (const gint64 *) (gpointer) rowids->data, 1,
                                  fx->pharmacy_id, &error);
  g_assert_no_error (error);
  row = rows->pdata[0];
  g_assert_cmpstr (row->id, ==, id);
  g_assert_cmpint (row->stock, ==, 24);
  g_assert_cmpint (row->nearest_expiry, >, pt_time_now ());

  /* Deleted since the list was planned: no row, no error. */
  g_assert_true (pt_store_delete (fx->store, "medicines", id, &error));
  g_clear_pointer (&rows, g_ptr_array_unref);
  rows = pt_store_catalogue_rows (fx->store, (const gint64 *) (gpointer) rowids->data, 1,
                                  fx->pharmacy_id, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (rows->len, ==, 1);
  g_assert_null (rows->pdata[0]);
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);
#define ADD(path, fn) g_test_add (path, PtTestFixture, NULL, setup, fn, pt_test_teardown)
  ADD ("/store/catalogue/names-count-and-slice-in-name-order", test_names_count_and_slice_in_name_order);
  ADD ("/store/catalogue/other-matches-exclude-the-names-and-sort-by-name",
       test_other_matches_exclude_the_names_and_sort_by_name);
  ADD ("/store/catalogue/other-matches-page-by-page-are-the-same-list",
       test_other_matches_page_by_page_are_the_same_list);
  ADD ("/store/catalogue/barcode-finds-the-scanned-medicine", test_barcode_finds_the_scanned_medicine);
  ADD ("/store/catalogue/rows-carry-stock-and-skip-deleted", test_rows_carry_stock_and_skip_deleted);
#undef ADD
  return g_test_run ();
}
