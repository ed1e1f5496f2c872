/* test-sync-bulk.c: the store's bulk apply path of initial sync and
 * catch-up (pt_store_sync_apply_batch), without a server. */
#define G_LOG_DOMAIN "pt-test"
#include "config.h"

#include <string.h>
#include <glib/gstdio.h>
#include "pt-store.h"
#include "pt-store-private.h"
#include "pt-store-impl.h"
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

/* ---- Push acknowledgement ------------------------------------------------ */

static gboolean
queued (PtStore     *store,
        const gchar *collection,
        const gchar *id)
{
  g_autoptr(GPtrArray) entries = _pt_store_outbox_list (store, 0, 0, NULL);

  for (guint i = 0; entries != NULL && i < entries->len; i++)
    {
      PtOutboxEntry *e = g_ptr_array_index (entries, i);
      if (g_str_equal (e->collection, collection) && g_str_equal (e->doc_id, id))
        return TRUE;
    }
  return FALSE;
}

/* One acknowledged bulk: the rows still as sent take the server copy as
 * their base and leave the queue (their quarantine entry too); a row
 * edited while the bulk was on its way keeps its new version queued. */
static void
test_an_acknowledged_bulk_leaves_the_queue_but_a_row_edited_meanwhile (Fixture      *f,
                                                                       gconstpointer data)
{
  const gchar *ids[] = { "65c000000000000000000011", "65c000000000000000000012",
                         "65c000000000000000000013" };
  const PtCollection *meds = pt_schema_lookup ("medicines");
  g_autoptr(GPtrArray) page = g_ptr_array_new_with_free_func ((GDestroyNotify) bson_destroy);
  g_autoptr(GPtrArray) items = NULL;
  g_autoptr(GPtrArray) sent = g_ptr_array_new_with_free_func ((GDestroyNotify) bson_destroy);
  g_autoptr(GArray) pushed = g_array_new (FALSE, FALSE, sizeof (PtSyncPushed));
  g_autoptr(GError) error = NULL;
  PtSyncApplyStats stats = { 0 };

  for (guint i = 0; i < G_N_ELEMENTS (ids); i++)
    g_ptr_array_add (page, remote_medicine (ids[i], TENANT, "Ibuprofen 200", "ibuprofen", 100,
                                            1790000000000 + i));
  apply_page (f, "medicines", page, &stats);
  for (guint i = 0; i < G_N_ELEMENTS (ids); i++)
    {
      g_autoptr(bson_t) edit = BCON_NEW ("price", BCON_INT64 (300 + i));
      g_assert_true (pt_store_update (f->store, "medicines", ids[i], edit, &error));
      g_assert_no_error (error);
    }

  /* The pusher reads the queue and sends the rows... */
  items = pt_store_sync_outbox_batch (f->store, 0, 0, &error);
  g_assert_no_error (error);
  for (guint i = 0; i < items->len; i++)
    {
      PtSyncOutboxItem *item = g_ptr_array_index (items, i);
      PtSyncPushed p;

      if (item->collection != meds)
        continue;
      g_ptr_array_add (sent, _pt_raw_row_to_server_doc (item->row));
      p.item = item;
      p.server_doc = g_ptr_array_index (sent, sent->len - 1);
      g_array_append_val (pushed, p);
    }
  g_assert_cmpuint (pushed->len, ==, 3);

  /* ...meanwhile the second is edited again and the first was refused
   * once before. */
  {
    g_autoptr(bson_t) edit = BCON_NEW ("price", BCON_INT64 (999));
    g_assert_true (pt_store_update (f->store, "medicines", ids[1], edit, &error));
    g_assert_no_error (error);
  }
  g_assert_true (pt_store_sync_quarantine (f->store, meds, ids[0], "x", 121, "refused", &error));
  g_assert_cmpint (pt_store_sync_count_quarantined (f->store), ==, 1);

  g_assert_true (_pt_store_begin (f->store, &error));
  g_assert_true (pt_store_sync_mark_pushed_many (f->store, meds, (const PtSyncPushed *) pushed->data,
                                                 pushed->len, &error));
  g_assert_no_error (error);
  g_assert_true (_pt_store_commit (f->store, &error));

  for (guint i = 0; i < pushed->len; i++)
    {
      const PtSyncPushed *p = &g_array_index (pushed, PtSyncPushed, i);
      g_autoptr(PtRawRow) row = _pt_store_read_row (f->store, meds, p->item->row->id, &error);

      g_assert_no_error (error);
      /* The base read back is the server copy, byte for byte. */
      g_assert_nonnull (row->base);
      g_assert_cmpuint (row->base->len, ==, p->server_doc->len);
      g_assert_cmpmem (bson_get_data (row->base), row->base->len,
                       bson_get_data (p->server_doc), p->server_doc->len);
      if (g_str_equal (row->id, ids[1]))
        {
          g_assert_true (_pt_raw_row_is_dirty (row));
          g_assert_true (queued (f->store, "medicines", row->id));
          g_assert_cmpint (pt_bson_get_int (row->doc, "price", -1), ==, 999);
        }
      else
        {
          g_assert_false (_pt_raw_row_is_dirty (row));
          g_assert_false (queued (f->store, "medicines", row->id));
        }
    }
  g_assert_cmpint (pt_store_sync_count_quarantined (f->store), ==, 0);
}

/* ---- The write path's compaction --------------------------------------- */

static const gchar *const field_pool[] = {
  "_id", "tenantId", "name", "genericName", "price", "form", "createdAt", "updatedAt",
  "deleted", "tags", "a", "b",
};
static const gchar *const stamp_pool[] = {
  "0001234567890000-00000000000000aa", "0001234567899999-00000000000000bb",
  "00012345678a0000-00000000000000cc",
};

static void
append_random_value (GRand       *rand,
                     bson_t      *doc,
                     const gchar *key)
{
  bson_t sub;
  bson_oid_t oid;

  switch (g_rand_int_range (rand, 0, 10))
    {
    case 0: bson_append_utf8 (doc, key, -1, g_rand_boolean (rand) ? "Paracetamol" : "", -1); break;
    case 1: bson_append_int32 (doc, key, -1, g_rand_int_range (rand, 0, 3)); break;
    case 2: bson_append_int64 (doc, key, -1, g_rand_int_range (rand, 0, 3)); break;
    case 3: bson_append_double (doc, key, -1, g_rand_boolean (rand) ? 0.0 : -0.0); break;
    case 4: bson_append_date_time (doc, key, -1, g_rand_int_range (rand, 0, 3)); break;
    case 5: bson_append_bool (doc, key, -1, g_rand_boolean (rand)); break;
    case 6:
      memset (&oid, g_rand_int_range (rand, 1, 3), sizeof oid);
      bson_append_oid (doc, key, -1, &oid);
      break;
    case 7:
      bson_append_document_begin (doc, key, -1, &sub);
      bson_append_int32 (&sub, "x", 1, g_rand_int_range (rand, 0, 2));
      bson_append_document_end (doc, &sub);
      break;
    case 8:
      bson_append_array_begin (doc, key, -1, &sub);
      bson_append_utf8 (&sub, "0", 1, g_rand_boolean (rand) ? "a" : "b", -1);
      bson_append_array_end (doc, &sub);
      break;
    default: bson_append_null (doc, key, -1); break;
    }
}

static gboolean
implied (const gchar *key)
{
  return strcmp (key, "_id") != 0 && strcmp (key, "tenantId") != 0;
}

/* A document of distinct fields (sometimes one twice, or an empty key). */
static bson_t *
random_doc (GRand *rand)
{
  bson_t *doc = bson_new ();
  guint order[G_N_ELEMENTS (field_pool)];
  guint n = (guint) g_rand_int_range (rand, 0, G_N_ELEMENTS (field_pool) + 1);

  for (guint i = 0; i < G_N_ELEMENTS (order); i++)
    order[i] = i;
  for (guint i = G_N_ELEMENTS (order) - 1; i > 0; i--)
    {
      guint j = (guint) g_rand_int_range (rand, 0, (gint32) i + 1), t = order[i];
      order[i] = order[j];
      order[j] = t;
    }
  for (guint i = 0; i < n; i++)
    append_random_value (rand, doc, field_pool[order[i]]);
  if (n > 0 && g_rand_int_range (rand, 0, 20) == 0)
    append_random_value (rand, doc, field_pool[order[0]]);
  if (g_rand_int_range (rand, 0, 30) == 0)
    append_random_value (rand, doc, "");
  return doc;
}

/* Stamps one per implied field in the document's order (as the sync
 * builds them), or that form spoiled in one of the ways a row may differ
 * from it. */
static bson_t *
random_stamps (GRand        *rand,
               const bson_t *doc)
{
  bson_t *stamps = bson_new ();
  gint spoil = g_rand_int_range (rand, 0, 12);
  bson_iter_t iter;
  guint k = 0;

  if (spoil == 0)
    {
      bson_destroy (stamps);
      return NULL;
    }
  if (spoil == 1)
    return stamps;
  if (spoil == 2)
    bson_append_utf8 (stamps, "removed", -1, stamp_pool[0], -1);
  if (bson_iter_init (&iter, doc))
    while (bson_iter_next (&iter))
      {
        const gchar *key = bson_iter_key (&iter);
        const gchar *st = stamp_pool[g_rand_int_range (rand, 0, g_rand_boolean (rand) ? 1 : 3)];

        if (!implied (key))
          continue;
        k++;
        if (spoil == 3 && k == 2)
          continue;                                        /* a field without a stamp */
        if (spoil == 4 && k == 1)
          bson_append_utf8 (stamps, key, -1, "", 0);       /* a foreign writer's */
        else if (spoil == 5 && k == 1)
          bson_append_int32 (stamps, key, -1, 1);
        else
          bson_append_utf8 (stamps, key, -1, st, -1);
        if (spoil == 6 && k == 1)
          bson_append_utf8 (stamps, "_id", -1, st, -1);
      }
  if (spoil == 7)
    bson_append_utf8 (stamps, "removed", -1, stamp_pool[1], -1);
  return stamps;
}

/* A server copy of the row: mostly its fields, some changed, dropped,
 * moved or added, with a _sync that the row implies or not. */
static bson_t *
random_base (GRand        *rand,
             const bson_t *doc,
             const bson_t *stamps,
             const gchar  *version)
{
  bson_t *base;
  bson_t sync;
  bson_iter_t iter;
  gint sync_at;
  guint i = 0;

  if (g_rand_int_range (rand, 0, 10) == 0)
    return NULL;
  base = bson_new ();
  sync_at = g_rand_int_range (rand, -1, 6);
  if (bson_iter_init (&iter, doc))
    while (bson_iter_next (&iter))
      {
        gint what = g_rand_int_range (rand, 0, 14);

        if ((gint) i++ == sync_at)
          {
            bson_append_document_begin (base, "_sync", 5, &sync);
            bson_append_utf8 (&sync, "v", 1, version != NULL && g_rand_boolean (rand)
                                              ? version : stamp_pool[1], -1);
            bson_append_document_end (base, &sync);
          }
        if (what == 0)
          continue;
        if (what == 1)
          append_random_value (rand, base, bson_iter_key (&iter));
        else if (what == 2)
          bson_append_minkey (base, bson_iter_key (&iter), -1);
        else
          bson_append_iter (base, NULL, 0, &iter);
        if (what == 3)
          append_random_value (rand, base, "extra");
        if (what == 4)
          append_random_value (rand, base, "");
      }
  bson_append_document_begin (base, "_sync", 5, &sync);
  if (g_rand_int_range (rand, 0, 4) > 0 && version != NULL)
    bson_append_utf8 (&sync, "v", 1, version, -1);
  else
    bson_append_utf8 (&sync, "v", 1, stamp_pool[2], -1);
  if (stamps != NULL && g_rand_int_range (rand, 0, 4) > 0)
    bson_append_document (&sync, "f", 1, stamps);
  else
    {
      bson_t f;
      bson_append_document_begin (&sync, "f", 1, &f);
      bson_append_utf8 (&f, "name", 4, stamp_pool[0], -1);
      bson_append_document_end (&sync, &f);
    }
  bson_append_utf8 (&sync, "by", 2, g_rand_boolean (rand) ? "00000000000000aa" : "00000000000000cc", -1);
  if (g_rand_int_range (rand, 0, 20) == 0)
    bson_append_minkey (&sync, "x", 1);
  bson_append_document_end (base, &sync);
  return base;
}

static gboolean
same_bytes (const bson_t *a,
            const bson_t *b)
{
  if (a == NULL || b == NULL)
    return a == b;
  return a->len == b->len && memcmp (bson_get_data (a), bson_get_data (b), a->len) == 0;
}

static void
assert_same_bytes (const bson_t *a,
                   const bson_t *b,
                   const gchar  *what,
                   guint         i,
                   guint32       seed)
{
  if (!same_bytes (a, b))
    {
      g_autofree gchar *ja = a ? bson_as_canonical_extended_json (a, NULL) : g_strdup ("NULL");
      g_autofree gchar *jb = b ? bson_as_canonical_extended_json (b, NULL) : g_strdup ("NULL");
      g_error ("case %u (seed %u): %s differs:\n  written %s\n  general %s", i, seed, what, ja, jb);
    }
}

/* What a write stores for a row (_pt_row_compact, one pass) is what the
 * general compaction stores, byte for byte, for rows in the sync's form
 * and for every way a row may differ from it; and a read gives the row
 * its base back. */
static void
test_row_compaction_stores_what_the_general_form_stores (Fixture      *f,
                                                        gconstpointer data)
{
  guint32 seed = 20261128;
  g_autoptr(GRand) rand = g_rand_new_with_seed (seed);
  guint in_sync_form = 0;

  g_test_message ("seed %u", seed);
  for (guint i = 0; i < 20000; i++)
    {
      g_autoptr(bson_t) doc = random_doc (rand);
      g_autoptr(bson_t) stamps = random_stamps (rand, doc);
      const gchar *version = g_rand_int_range (rand, 0, 10) == 0 ? NULL
                             : stamp_pool[g_rand_int_range (rand, 0, 3)];
      g_autoptr(bson_t) base = random_base (rand, doc, stamps, version);
      g_autoptr(bson_t) ref_stamps = _pt_stamps_compact (stamps, doc, version);
      g_autoptr(bson_t) read_stamps = _pt_stamps_expand (ref_stamps, doc, version);
      g_autoptr(bson_t) ref_base = _pt_base_compact (base, doc, read_stamps, version);
      g_autoptr(bson_t) out_stamps = NULL;
      g_autoptr(bson_t) out_base = NULL;
      g_autoptr(bson_t) back = NULL;

      _pt_row_compact (stamps, doc, version, base, &out_stamps, &out_base);
      assert_same_bytes (out_stamps, ref_stamps, "stamps", i, seed);
      assert_same_bytes (out_base, ref_base, "base", i, seed);
      if (stamps != NULL && same_bytes (read_stamps, stamps))
        in_sync_form++;
      back = _pt_base_expand (out_base, doc, read_stamps, version);
      assert_same_bytes (back, base, "base read back", i, seed);
    }
  /* The one-pass case was exercised, not only the general one. */
  g_assert_cmpuint (in_sync_form, >, 5000);
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
  ADD ("/sync/bulk/an-acknowledged-bulk-leaves-the-queue-but-a-row-edited-meanwhile",
       test_an_acknowledged_bulk_leaves_the_queue_but_a_row_edited_meanwhile);
  ADD ("/sync/bulk/row-compaction-stores-what-the-general-form-stores",
       test_row_compaction_stores_what_the_general_form_stores);
#undef ADD

  return g_test_run ();
}
