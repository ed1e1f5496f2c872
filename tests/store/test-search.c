/* Search: medicines by barcode, name, generic name, code, manufacturer;
 * patients by name, phone and date of birth; the catalogue's pages. */
#define G_LOG_DOMAIN "pt-test"
#include "config.h"

#include <string.h>

#include "pt-test-store.h"

typedef struct
{
  PtTestFixture fx;
  gchar *amoxil;      /* name "Amoxil 500 mg", generic amoxicillin */
  gchar *amoxicillin; /* name "Amoxicillin 250 mg", barcode 5012345678900 */
  gchar *co_amox;     /* "Co-amoxiclav 625 mg", generic "amoxicillin clavulanate" */
  gchar *barcode_hit; /* name "Zzz", barcode "4006381333931" */
  gchar *ibuprofen;   /* manufacturer "Amox Labs" */
  gchar *deleted;     /* "Amoxa (withdrawn)", tombstoned */
} Catalogue;

static gchar *
add (PtStore     *store,
     const gchar *json)
{
  bson_error_t err;
  g_autoptr(bson_t) doc = bson_new_from_json ((const uint8_t *) json, -1, &err);
  g_autoptr(GError) error = NULL;
  gchar *id;

  g_assert_nonnull (doc);
  id = pt_store_put (store, "medicines", doc, &error);
  g_assert_no_error (error);
  return id;
}

static void
catalogue_setup (Catalogue    *c,
                 gconstpointer data)
{
  g_autoptr(GError) error = NULL;

  pt_test_setup (&c->fx, data);
  c->amoxicillin = add (c->fx.store, "{\"name\": \"Amoxicillin 250 mg capsules\", "
                        "\"genericName\": \"amoxicillin\", \"schedule\": \"rx\", \"price\": 300, "
                        "\"barcode\": \"5012345678900\", \"code\": \"AMX-250\"}");
  c->amoxil = add (c->fx.store, "{\"name\": \"Amoxil 500 mg\", \"genericName\": \"amoxicillin\", "
                   "\"schedule\": \"rx\", \"price\": 450}");
  c->co_amox = add (c->fx.store, "{\"name\": \"Co-amoxiclav 625 mg\", "
                    "\"genericName\": \"amoxicillin clavulanate\", \"schedule\": \"rx\", "
                    "\"price\": 800}");
  c->barcode_hit = add (c->fx.store, "{\"name\": \"Zzz sleep aid\", \"schedule\": \"otc\", "
                        "\"price\": 500, \"barcode\": \"4006381333931\"}");
  c->ibuprofen = add (c->fx.store, "{\"name\": \"Ibuprofen 200 mg\", \"genericName\": \"ibuprofen\", "
                      "\"manufacturer\": \"Amox Labs\", \"schedule\": \"otc\", \"price\": 150}");
  c->deleted = add (c->fx.store, "{\"name\": \"Amoxa (withdrawn)\", \"schedule\": \"rx\", "
                    "\"price\": 1}");
  g_assert_true (pt_store_delete (c->fx.store, "medicines", c->deleted, &error));
}

static void
catalogue_teardown (Catalogue    *c,
                    gconstpointer data)
{
  g_free (c->amoxil);
  g_free (c->amoxicillin);
  g_free (c->co_amox);
  g_free (c->barcode_hit);
  g_free (c->ibuprofen);
  g_free (c->deleted);
  pt_test_teardown (&c->fx, data);
}

static gint
index_of (GPtrArray   *ids,
          const gchar *id)
{
  for (guint i = 0; i < ids->len; i++)
    if (g_str_equal (ids->pdata[i], id))
      return (gint) i;
  return -1;
}

static void
test_ranking (Catalogue    *c,
              gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) amox = pt_store_search_medicines (c->fx.store, "amox", 20, &error);
  g_autoptr(GPtrArray) scan = pt_store_search_medicines (c->fx.store, "4006381333931", 20, &error);
  g_autoptr(GPtrArray) upper = pt_store_search_medicines (c->fx.store, "AMOXIL", 20, &error);
  g_autoptr(GPtrArray) words = pt_store_search_medicines (c->fx.store, "clav 625", 20, &error);
  g_autoptr(GPtrArray) code = pt_store_search_medicines (c->fx.store, "AMX-250", 20, &error);
  g_autoptr(GPtrArray) none = pt_store_search_medicines (c->fx.store, "paracetamol", 20, &error);
  g_autoptr(GPtrArray) junk = pt_store_search_medicines (c->fx.store, "\"* OR (", 20, &error);

  g_assert_no_error (error);
  /* Names starting with the query first, in name order; then other word
   * matches (generic name "amoxicillin clavulanate", manufacturer). */
  g_assert_cmpuint (amox->len, ==, 4);
  g_assert_cmpstr (amox->pdata[0], ==, c->amoxicillin);
  g_assert_cmpstr (amox->pdata[1], ==, c->amoxil);
  g_assert_cmpint (index_of (amox, c->co_amox), >, 1);
  g_assert_cmpint (index_of (amox, c->ibuprofen), >, 1);
  g_assert_cmpint (index_of (amox, c->deleted), ==, -1);
  /* A scanned barcode finds its medicine first. */
  g_assert_cmpuint (scan->len, >=, 1);
  g_assert_cmpstr (scan->pdata[0], ==, c->barcode_hit);
  g_assert_cmpuint (upper->len, ==, 1);
  g_assert_cmpstr (upper->pdata[0], ==, c->amoxil);
  g_assert_cmpuint (words->len, ==, 1);
  g_assert_cmpstr (words->pdata[0], ==, c->co_amox);
  g_assert_cmpint (index_of (code, c->amoxicillin), ==, 0);
  g_assert_cmpuint (none->len, ==, 0);
  g_assert_cmpuint (junk->len, ==, 0);

  {
    g_autofree gchar *hit = pt_store_find_by_barcode (c->fx.store, "5012345678900");
    g_autofree gchar *miss = pt_store_find_by_barcode (c->fx.store, "5012345678901");
    g_assert_cmpstr (hit, ==, c->amoxicillin);
    g_assert_null (miss);
  }
}

/* An edit is searchable at once under its new name only. */
static void
test_search_follows_edits (Catalogue    *c,
                           gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(bson_t) rename = bson_new ();
  g_autoptr(GPtrArray) old = NULL;
  g_autoptr(GPtrArray) renamed = NULL;

  BSON_APPEND_UTF8 (rename, "name", "Brufen 200 mg");
  g_assert_true (pt_store_update (c->fx.store, "medicines", c->ibuprofen, rename, &error));
  old = pt_store_search_medicines (c->fx.store, "ibuprofen 200", 20, &error);
  renamed = pt_store_search_medicines (c->fx.store, "bruf", 20, &error);
  g_assert_cmpuint (renamed->len, ==, 1);
  g_assert_cmpstr (renamed->pdata[0], ==, c->ibuprofen);
  /* Still found by its generic name. */
  g_assert_cmpint (index_of (old, c->ibuprofen), ==, 0);
}

/* The search index is derived data: rebuilt from the documents, it finds
 * the same medicines. */
static void
test_index_rebuilt (Catalogue    *c,
                    gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) before = pt_store_search_medicines (c->fx.store, "clav", 20, &error);
  g_autoptr(GPtrArray) lost = NULL;
  g_autoptr(GPtrArray) after = NULL;

  g_assert_cmpuint (before->len, ==, 1);
  g_assert_true (_pt_store_exec (c->fx.store, "DELETE FROM medicines_fts", &error));
  lost = pt_store_search_medicines (c->fx.store, "clav", 20, &error);
  g_assert_cmpuint (lost->len, ==, 0);
  g_assert_true (_pt_store_rebuild_derived (c->fx.store, &error));
  g_assert_no_error (error);
  after = pt_store_search_medicines (c->fx.store, "clav", 20, &error);
  g_assert_cmpuint (after->len, ==, 1);
  g_assert_cmpstr (after->pdata[0], ==, c->co_amox);
}

static void
test_medicine_rows (Catalogue    *c,
                    gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) by_name = NULL;
  g_autoptr(GPtrArray) page2 = NULL;
  g_autoptr(GPtrArray) by_stock = NULL;
  g_autoptr(GPtrArray) by_price = NULL;
  g_autoptr(GPtrArray) query = NULL;
  PtMedicineRow *row;

  g_free (pt_test_receive (c->fx.store, c->amoxil, NULL, "A1", 90, 40));
  g_free (pt_test_receive (c->fx.store, c->amoxil, NULL, "A2", 60, 2));
  g_free (pt_test_receive (c->fx.store, c->co_amox, NULL, "C1", 300, 7));

  g_assert_cmpuint (pt_store_count_medicine_rows (c->fx.store, NULL, NULL), ==, 5);
  g_assert_cmpuint (pt_store_count_medicine_rows (c->fx.store, "amox", NULL), ==, 4);
  g_assert_cmpuint (pt_store_count_medicine_rows (c->fx.store, "5012345678900", NULL), ==, 1);

  by_name = pt_store_medicine_rows (c->fx.store, NULL, c->fx.pharmacy_id,
                                    PT_MEDICINE_SORT_NAME, FALSE, 0, 2, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (by_name->len, ==, 2);
  g_assert_cmpstr (((PtMedicineRow *) by_name->pdata[0])->id, ==, c->amoxicillin);
  g_assert_cmpstr (((PtMedicineRow *) by_name->pdata[1])->id, ==, c->amoxil);
  row = by_name->pdata[1];
  g_assert_cmpint (row->stock, ==, 42);
  g_assert_cmpint (row->nearest_expiry, >, pt_test_days_from_now (59));
  g_assert_cmpint (row->nearest_expiry, <, pt_test_days_from_now (61));
  g_assert_cmpint (row->price, ==, 450);
  g_assert_cmpstr (row->generic_name, ==, "amoxicillin");

  page2 = pt_store_medicine_rows (c->fx.store, NULL, NULL, PT_MEDICINE_SORT_NAME, FALSE, 2, 2,
                                  &error);
  g_assert_cmpstr (((PtMedicineRow *) page2->pdata[0])->id, ==, c->co_amox);

  by_stock = pt_store_medicine_rows (c->fx.store, NULL, c->fx.pharmacy_id,
                                     PT_MEDICINE_SORT_STOCK, TRUE, 0, 0, &error);
  g_assert_cmpuint (by_stock->len, ==, 5);
  g_assert_cmpstr (((PtMedicineRow *) by_stock->pdata[0])->id, ==, c->amoxil);
  g_assert_cmpstr (((PtMedicineRow *) by_stock->pdata[1])->id, ==, c->co_amox);

  by_price = pt_store_medicine_rows (c->fx.store, NULL, NULL, PT_MEDICINE_SORT_PRICE, FALSE,
                                     0, 1, &error);
  g_assert_cmpstr (((PtMedicineRow *) by_price->pdata[0])->id, ==, c->ibuprofen);

  /* Pages follow new data at once, from this store or from another
   * process (the sync worker's connection). */
  {
    g_autofree gchar *first = pt_test_add_medicine (c->fx.store, "Aaa first", NULL, NULL, NULL, 1);
    g_autoptr(PtStore) other = pt_store_open (c->fx.dir, &error);
    g_autofree gchar *second = NULL;
    g_autoptr(GPtrArray) top = pt_store_medicine_rows (c->fx.store, NULL, NULL,
                                                       PT_MEDICINE_SORT_NAME, FALSE, 0, 1, &error);
    g_autoptr(GPtrArray) top2 = NULL;

    g_assert_cmpstr (((PtMedicineRow *) top->pdata[0])->id, ==, first);
    second = pt_test_add_medicine (other, "Aa before all", NULL, NULL, NULL, 1);
    top2 = pt_store_medicine_rows (c->fx.store, NULL, NULL, PT_MEDICINE_SORT_NAME, FALSE, 0, 1,
                                   &error);
    g_assert_cmpstr (((PtMedicineRow *) top2->pdata[0])->id, ==, second);
  }

  query = pt_store_medicine_rows (c->fx.store, "clav", NULL, PT_MEDICINE_SORT_NAME, FALSE, 0, 0,
                                  &error);
  g_assert_cmpuint (query->len, ==, 1);
  g_assert_cmpstr (((PtMedicineRow *) query->pdata[0])->id, ==, c->co_amox);
}

static void
test_patients (PtTestFixture *fx,
               gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autofree gchar *ada = pt_test_add_patient (fx->store, "Ada", "Lovelace", "+44 20 7946 0958",
                                               NULL, NULL);
  g_autofree gchar *adam = pt_test_add_patient (fx->store, "Adam", "Smith", "0161 496 0000",
                                                NULL, NULL);
  g_autofree gchar *bob = pt_test_add_patient (fx->store, "Bob", "Adair", "0113 496 0999",
                                               NULL, NULL);
  g_autoptr(GPtrArray) ad = pt_store_search_patients (fx->store, "ad", 10, &error);
  g_autoptr(GPtrArray) full = pt_store_search_patients (fx->store, "ada love", 10, &error);
  g_autoptr(GPtrArray) phone = pt_store_search_patients (fx->store, "020 7946", 10, &error);
  g_autoptr(GPtrArray) digits = pt_store_search_patients (fx->store, "442079460958", 10, &error);
  g_autoptr(GPtrArray) dob = pt_store_search_patients (fx->store, "1980-01-01", 10, &error);
  g_autoptr(GPtrArray) none = pt_store_search_patients (fx->store, "zed", 10, &error);

  g_assert_no_error (error);
  /* Any name part, as a prefix; ordered by last name. */
  g_assert_cmpuint (ad->len, ==, 3);
  g_assert_cmpstr (ad->pdata[0], ==, bob);      /* Adair */
  g_assert_cmpstr (ad->pdata[1], ==, ada);      /* Lovelace */
  g_assert_cmpstr (ad->pdata[2], ==, adam);     /* Smith */
  g_assert_cmpuint (full->len, ==, 1);
  g_assert_cmpstr (full->pdata[0], ==, ada);
  g_assert_cmpuint (phone->len, ==, 1);
  g_assert_cmpstr (phone->pdata[0], ==, ada);
  g_assert_cmpuint (digits->len, ==, 1);
  g_assert_cmpstr (digits->pdata[0], ==, ada);
  g_assert_cmpuint (dob->len, ==, 3);
  g_assert_cmpuint (none->len, ==, 0);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add ("/store/search/barcode-first-then-name-prefix", Catalogue, NULL,
              catalogue_setup, test_ranking, catalogue_teardown);
  g_test_add ("/store/search/follows-edits", Catalogue, NULL,
              catalogue_setup, test_search_follows_edits, catalogue_teardown);
  g_test_add ("/store/search/index-rebuilt-from-documents", Catalogue, NULL,
              catalogue_setup, test_index_rebuilt, catalogue_teardown);
  g_test_add ("/store/search/catalogue-pages-sorted-with-stock", Catalogue, NULL,
              catalogue_setup, test_medicine_rows, catalogue_teardown);
  g_test_add ("/store/search/patients-by-name-phone-birth-date", PtTestFixture, NULL,
              pt_test_setup, test_patients, pt_test_teardown);

  return g_test_run ();
}
