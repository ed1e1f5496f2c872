/* test-sync-bulk.c: the store's bulk apply path of initial sync and
 * catch-up (pt_store_sync_apply_batch), without a server. */
#define G_LOG_DOMAIN "pt-test"
#include "config.h"

#include <string.h>
#include <glib/gstdio.h>
#include "pt-store.h"
#include "pt-store-private.h"
#include "pt-store-sync.h"
#include "pt-sync-bson.h"

#define TENANT "65a00000000000000000a001"
#define OTHER_TENANT "65a00000000000000000b002"
#define DEVICE "00000000000000aa"

typedef struct
{
  gchar   *dir;
  PtStore *store;
} Fixture;

static void
rmdir_r (const gchar *dir)
{
  g_autoptr(GDir) d = g_dir_open (dir, 0, NULL);
  const gchar *name;

  while (d != NULL && (name = g_dir_read_name (d)) != NULL)
    {
      g_autofree gchar *p = g_build_filename (dir, name, NULL);
      g_remove (p);
    }
  g_rmdir (dir);
}

static void
setup (Fixture      *f,
       gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  PtStoreInit init = { .tenant_id = TENANT, .tenant_name = TENANT, .enrolment = TRUE };

  f->dir = g_dir_make_tmp ("pt-test-bulk-XXXXXX", &error);
  g_assert_no_error (error);
  f->store = pt_store_create (f->dir, &init, &error);
  g_assert_no_error (error);
  pt_store_act_as_system (f->store);
}

static void
teardown (Fixture      *f,
          gconstpointer data)
{
  g_clear_object (&f->store);
  rmdir_r (f->dir);
  g_free (f->dir);
}

/* A medicine as another counter pushed it (with _sync). */
static bson_t *
remote_medicine (const gchar *id,
                 const gchar *tenant,
                 const gchar *name,
                 const gchar *generic,
                 gint64       price,
                 gint64       t_ms)
{
  bson_t *d = bson_new ();
  bson_t sync, fs;
  bson_oid_t oid, toid;
  gchar stamp[40];

  g_snprintf (stamp, sizeof stamp, "%016" G_GINT64_MODIFIER "x-" DEVICE, t_ms << 16);
  bson_oid_init_from_string (&oid, id);
  bson_oid_init_from_string (&toid, tenant);
  BSON_APPEND_OID (d, "_id", &oid);
  BSON_APPEND_OID (d, "tenantId", &toid);
  BSON_APPEND_DATE_TIME (d, "createdAt", t_ms);
  BSON_APPEND_DATE_TIME (d, "updatedAt", t_ms);
  BSON_APPEND_UTF8 (d, "name", name);
  BSON_APPEND_UTF8 (d, "genericName", generic);
  BSON_APPEND_UTF8 (d, "form", "tablet");
  BSON_APPEND_UTF8 (d, "schedule", "otc");
  BSON_APPEND_INT64 (d, "price", price);
  BSON_APPEND_INT64 (d, "reorderLevel", 10);
  BSON_APPEND_DOCUMENT_BEGIN (d, "_sync", &sync);
  BSON_APPEND_UTF8 (&sync, "v", stamp);
  BSON_APPEND_DOCUMENT_BEGIN (&sync, "f", &fs);
  BSON_APPEND_UTF8 (&fs, "name", stamp);
  BSON_APPEND_UTF8 (&fs, "price", stamp);
  bson_append_document_end (&sync, &fs);
  BSON_APPEND_UTF8 (&sync, "by", DEVICE);
  bson_append_document_end (d, &sync);
  return d;
}

static bson_t *
remote_movement (const gchar *id,
                 const gchar *batch_id,
                 const gchar *medicine_id,
                 const gchar *pharmacy_id,
                 gint64       quantity)
{
  bson_t *d = bson_new ();
  bson_oid_t oid;

  bson_oid_init_from_string (&oid, id);
  BSON_APPEND_OID (d, "_id", &oid);
  bson_oid_init_from_string (&oid, TENANT);
  BSON_APPEND_OID (d, "tenantId", &oid);
  BSON_APPEND_DATE_TIME (d, "createdAt", 1790000000000);
  BSON_APPEND_DATE_TIME (d, "updatedAt", 1790000000000);
  bson_oid_init_from_string (&oid, batch_id);
  BSON_APPEND_OID (d, "batchId", &oid);
  bson_oid_init_from_string (&oid, medicine_id);
  BSON_APPEND_OID (d, "medicineId", &oid);
  bson_oid_init_from_string (&oid, pharmacy_id);
  BSON_APPEND_OID (d, "pharmacyId", &oid);
  BSON_APPEND_INT64 (d, "quantity", quantity);
  BSON_APPEND_UTF8 (d, "kind", quantity > 0 ? "receipt" : "dispense");
  BSON_APPEND_UTF8 (d, "deviceId", DEVICE);
  return d;
}

/* Applies @docs in one transaction, as catch-up does. */
static void
apply_page (Fixture          *f,
            const gchar      *coll,
            GPtrArray        *docs,
            PtSyncApplyStats *stats)
{
  g_autoptr(GError) error = NULL;

  g_assert_true (_pt_store_begin (f->store, &error));
  g_assert_true (pt_store_sync_apply_batch (f->store, pt_schema_lookup (coll),
                                            (const bson_t * const *) docs->pdata, docs->len,
                                            stats, &error));
  g_assert_no_error (error);
  g_assert_true (pt_store_sync_note_stamps (f->store, stats, &error));
  g_assert_true (_pt_store_commit (f->store, &error));
  g_assert_no_error (error);
}

static gboolean
ids_contain (GPtrArray   *ids,
             const gchar *id)
{
  for (guint i = 0; ids != NULL && i < ids->len; i++)
    if (g_strcmp0 (g_ptr_array_index (ids, i), id) == 0)
      return TRUE;
  return FALSE;
}

static void
test_new_documents_are_stored_clean_and_searchable (Fixture      *f,
                                                    gconstpointer data)
{
  g_autoptr(GPtrArray) docs = g_ptr_array_new_with_free_func ((GDestroyNotify) bson_destroy);
  g_autoptr(GPtrArray) found = NULL;
  g_autoptr(PtRawRow) row = NULL;
  g_autoptr(GError) error = NULL;
  PtSyncApplyStats stats = { 0 };
  guint n = 300;

  for (guint i = 0; i < n; i++)
    {
      g_autofree gchar *id = g_strdup_printf ("65c0000000000000000%05u", i);
      g_autofree gchar *name = g_strdup_printf ("Remedy %05u", i);

      g_ptr_array_add (docs, remote_medicine (id, TENANT, name,
                                              i == 17 ? "zolmitriptan" : "paracetamol",
                                              100 + i, 1790000000000 + i));
    }
  apply_page (f, "medicines", docs, &stats);

  g_assert_cmpint (stats.applied, ==, n);
  g_assert_cmpint (stats.requeued, ==, 0);
  g_assert_cmpint (pt_store_count (f->store, "medicines"), ==, n);
  /* Nothing to push back: each row's base is the server copy. */
  g_assert_cmpint (_pt_store_outbox_length (f->store), ==, 0);
  row = _pt_store_read_row (f->store, pt_schema_lookup ("medicines"), "65c000000000000000000017", &error);
  g_assert_no_error (error);
  g_assert_nonnull (row->base);
  g_assert_false (_pt_raw_row_is_dirty (row));
  g_assert_cmpstr (row->version, ==, _pt_server_doc_get_version (g_ptr_array_index (docs, 17)));
  g_assert_cmpstr (pt_sync_stamp_get (row->stamps, "price"), ==, row->version);
  /* The search index written at the end of the page finds it. */
  found = pt_store_search_medicines (f->store, "zolmitriptan", 10, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (found->len, ==, 1);
  g_assert_cmpstr (g_ptr_array_index (found, 0), ==, "65c000000000000000000017");
}

static void
test_other_tenants_documents_are_dropped_and_counted (Fixture      *f,
                                                      gconstpointer data)
{
  g_autoptr(GPtrArray) docs = g_ptr_array_new_with_free_func ((GDestroyNotify) bson_destroy);
  PtSyncApplyStats stats = { 0 };

  g_ptr_array_add (docs, remote_medicine ("65c000000000000000000001", TENANT, "Ours", "a", 1, 1790000000000));
  g_ptr_array_add (docs, remote_medicine ("65c000000000000000000002", OTHER_TENANT, "Theirs", "b", 1, 1790000000000));
  g_ptr_array_add (docs, remote_medicine ("65c000000000000000000003", OTHER_TENANT, "Theirs too", "c", 1, 1790000000000));
  apply_page (f, "medicines", docs, &stats);

  g_assert_cmpint (stats.applied, ==, 1);
  g_assert_cmpint (stats.dropped_foreign, ==, 2);
  g_assert_cmpint (pt_store_sync_get_int (f->store, "dropped_foreign", 0), ==, 2);
  g_assert_cmpint (pt_store_count (f->store, "medicines"), ==, 1);
  g_assert_null (pt_store_get (f->store, "medicines", "65c000000000000000000002", NULL));
}

static void
test_a_locally_edited_row_is_merged_not_overwritten (Fixture      *f,
                                                     gconstpointer data)
{
  g_autoptr(GPtrArray) page1 = g_ptr_array_new_with_free_func ((GDestroyNotify) bson_destroy);
  g_autoptr(GPtrArray) page2 = g_ptr_array_new_with_free_func ((GDestroyNotify) bson_destroy);
  g_autoptr(GError) error = NULL;
  g_autoptr(bson_t) local = NULL;
  PtSyncApplyStats stats = { 0 };
  bson_t *edit;
  const gchar *id = "65c000000000000000000001";

  g_ptr_array_add (page1, remote_medicine (id, TENANT, "Aspirin 300", "aspirin", 100, 1790000000000));
  apply_page (f, "medicines", page1, &stats);

  /* The pharmacist changes the price here; another counter renames it. */
  edit = BCON_NEW ("price", BCON_INT64 (250));
  g_assert_true (pt_store_update (f->store, "medicines", id, edit, &error));
  g_assert_no_error (error);
  bson_destroy (edit);
  g_ptr_array_add (page2, remote_medicine (id, TENANT, "Aspirin 300 mg", "aspirin", 100, 1790000001000));
  memset (&stats, 0, sizeof stats);
  apply_page (f, "medicines", page2, &stats);

  local = pt_store_get (f->store, "medicines", id, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (pt_bson_get_string (local, "name"), ==, "Aspirin 300 mg");
  g_assert_cmpint (pt_bson_get_int (local, "price", -1), ==, 250);
  /* The local price still has to go up. */
  g_assert_cmpint (stats.requeued, ==, 1);
  g_assert_cmpint (_pt_store_outbox_length (f->store), >=, 1);
}

static void
test_the_same_document_twice_in_a_page_keeps_the_last (Fixture      *f,
                                                       gconstpointer data)
{
  g_autoptr(GPtrArray) docs = g_ptr_array_new_with_free_func ((GDestroyNotify) bson_destroy);
  g_autoptr(GPtrArray) old_hits = NULL;
  g_autoptr(GPtrArray) new_hits = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(bson_t) local = NULL;
  PtSyncApplyStats stats = { 0 };
  const gchar *id = "65c000000000000000000009";

  g_ptr_array_add (docs, remote_medicine (id, TENANT, "Old name", "oldgeneric", 100, 1790000000000));
  g_ptr_array_add (docs, remote_medicine (id, TENANT, "New name", "newgeneric", 120, 1790000005000));
  apply_page (f, "medicines", docs, &stats);

  local = pt_store_get (f->store, "medicines", id, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (pt_bson_get_string (local, "name"), ==, "New name");
  g_assert_cmpint (pt_bson_get_int (local, "price", -1), ==, 120);
  g_assert_cmpint (pt_store_count (f->store, "medicines"), ==, 1);
  old_hits = pt_store_search_medicines (f->store, "oldgeneric", 10, &error);
  g_assert_no_error (error);
  new_hits = pt_store_search_medicines (f->store, "newgeneric", 10, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (old_hits->len, ==, 0);
  g_assert_cmpuint (new_hits->len, ==, 1);
  g_assert_true (ids_contain (new_hits, id));
}

static void
test_stock_follows_the_ledger_of_a_page (Fixture      *f,
                                         gconstpointer data)
{
  g_autoptr(GPtrArray) docs = g_ptr_array_new_with_free_func ((GDestroyNotify) bson_destroy);
  PtSyncApplyStats stats = { 0 };
  const gchar *batch = "65d000000000000000000001";
  const gchar *med = "65d000000000000000000002";
  const gchar *pharmacy = "65d000000000000000000003";
  gint64 expected = 0;

  for (guint i = 0; i < 500; i++)
    {
      g_autofree gchar *id = g_strdup_printf ("65e0000000000000000%05u", i);
      gint64 q = i % 5 == 0 ? 20 : -3;

      g_ptr_array_add (docs, remote_movement (id, batch, med, pharmacy, q));
      expected += q;
    }
  apply_page (f, "stock_movements", docs, &stats);

  g_assert_cmpint (stats.applied, ==, 500);
  g_assert_cmpint (pt_store_stock_on_hand (f->store, med, NULL), ==, expected);
  g_assert_cmpint (pt_store_stock_on_hand (f->store, med, pharmacy), ==, expected);
  g_assert_cmpint (_pt_store_outbox_length (f->store), ==, 0);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);

#define ADD(path, fn) g_test_add (path, Fixture, NULL, setup, fn, teardown)
  ADD ("/sync/bulk/new-documents-are-stored-clean-and-searchable",
       test_new_documents_are_stored_clean_and_searchable);
  ADD ("/sync/bulk/other-tenants-documents-are-dropped-and-counted",
       test_other_tenants_documents_are_dropped_and_counted);
  ADD ("/sync/bulk/a-locally-edited-row-is-merged-not-overwritten",
       test_a_locally_edited_row_is_merged_not_overwritten);
  ADD ("/sync/bulk/the-same-document-twice-in-a-page-keeps-the-last",
       test_the_same_document_twice_in_a_page_keeps_the_last);
  ADD ("/sync/bulk/stock-follows-the-ledger-of-a-page", test_stock_follows_the_ledger_of_a_page);
#undef ADD

  return g_test_run ();
}
