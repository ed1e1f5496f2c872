/* test-sync-initial.c: a counter's first sync (enrolment) against
 * mongosim — a stop acts within a page and keeps its checkpoint; indexes
 * and counters deferred during a first sync come back whole. */
#define G_LOG_DOMAIN "pt-test"
#include "config.h"

#include <string.h>
#include <sqlite3.h>
#include "sync-test-util.h"
#include "pt-store-private.h"
#include "pt-sync-bson.h"

#define N_MEDICINES 6000
#define N_BATCHES 3
#define N_MOVEMENTS 1200
#define DEVICE "00000000000000aa"

typedef struct
{
  MongosimFixture *sim;
  mongoc_client_t *client;
  gchar           *dir;
  GPtrArray       *medicine_ids;   /* hex, in _id order */
  GPtrArray       *batch_ids;
  gchar           *medicine_with_stock;
  gint64           ledger_sum;    /* of every movement */
} Fixture;

static void
server_insert (Fixture     *f,
               const gchar *coll,
               GPtrArray   *docs)
{
  mongoc_collection_t *c = mongoc_client_get_collection (f->client, "pharmatrack", coll);
  bson_error_t err;

  for (guint i = 0; i < docs->len; i += 1000)
    {
      mongoc_bulk_operation_t *bulk = mongoc_collection_create_bulk_operation_with_opts (c, NULL);

      for (guint j = i; j < MIN (i + 1000, docs->len); j++)
        mongoc_bulk_operation_insert (bulk, g_ptr_array_index (docs, j));
      if (!mongoc_bulk_operation_execute (bulk, NULL, &err))
        g_error ("insert %s: %s", coll, err.message);
      mongoc_bulk_operation_destroy (bulk);
    }
  mongoc_collection_destroy (c);
}

static bson_t *
base_doc (const bson_oid_t *id,
          gint64            t_ms)
{
  bson_t *d = bson_new ();
  bson_oid_t tenant;

  bson_oid_init_from_string (&tenant, SYNC_TEST_TENANT);
  BSON_APPEND_OID (d, "_id", id);
  BSON_APPEND_OID (d, "tenantId", &tenant);
  BSON_APPEND_DATE_TIME (d, "createdAt", t_ms);
  BSON_APPEND_DATE_TIME (d, "updatedAt", t_ms);
  return d;
}

static void
append_sync (bson_t *d,
             gint64  t_ms)
{
  gchar stamp[40];
  bson_t sync, fs;

  g_snprintf (stamp, sizeof stamp, "%016" G_GINT64_MODIFIER "x-" DEVICE, t_ms << 16);
  BSON_APPEND_DOCUMENT_BEGIN (d, "_sync", &sync);
  BSON_APPEND_UTF8 (&sync, "v", stamp);
  BSON_APPEND_DOCUMENT_BEGIN (&sync, "f", &fs);
  BSON_APPEND_UTF8 (&fs, "name", stamp);
  bson_append_document_end (&sync, &fs);
  BSON_APPEND_UTF8 (&sync, "by", DEVICE);
  bson_append_document_end (d, &sync);
}

static gint
compare_str (gconstpointer a,
             gconstpointer b)
{
  return strcmp (*(const gchar * const *) a, *(const gchar * const *) b);
}

/* A tenant of N_MEDICINES medicines (more than one catch-up page),
 * N_BATCHES batches and their ledger, as other counters pushed them. */
static void
load_tenant (Fixture *f)
{
  g_autoptr(GPtrArray) meds = g_ptr_array_new_with_free_func ((GDestroyNotify) bson_destroy);
  g_autoptr(GPtrArray) batches = g_ptr_array_new_with_free_func ((GDestroyNotify) bson_destroy);
  g_autoptr(GPtrArray) moves = g_ptr_array_new_with_free_func ((GDestroyNotify) bson_destroy);
  g_autoptr(GPtrArray) others = g_ptr_array_new_with_free_func ((GDestroyNotify) bson_destroy);
  bson_oid_t tenant, pharmacy, first_med = { 0 };
  gint64 t0 = G_GINT64_CONSTANT (1790000000000);

  bson_oid_init_from_string (&tenant, SYNC_TEST_TENANT);
  bson_oid_init (&pharmacy, NULL);
  {
    bson_t *t = BCON_NEW ("_id", BCON_OID (&tenant), "name", BCON_UTF8 ("Initial Sync Pharmacy"),
                          "slug", BCON_UTF8 ("initial"), "plan", BCON_UTF8 ("enterprise"),
                          "createdAt", BCON_DATE_TIME (t0), "updatedAt", BCON_DATE_TIME (t0));
    g_ptr_array_add (others, t);
    server_insert (f, "tenants", others);
    g_ptr_array_set_size (others, 0);
    g_ptr_array_add (others, base_doc (&pharmacy, t0));
    BSON_APPEND_UTF8 (g_ptr_array_index (others, 0), "name", "High Street");
    server_insert (f, "pharmacies", others);
  }
  for (guint i = 0; i < N_MEDICINES; i++)
    {
      bson_oid_t id;
      gchar hex[25], name[64];
      bson_t *d;

      bson_oid_init (&id, NULL);
      if (i == 0)
        first_med = id;
      d = base_doc (&id, t0 + i);
      g_snprintf (name, sizeof name, "Medicine %06u 500 mg tablets", i);
      BSON_APPEND_UTF8 (d, "name", name);
      BSON_APPEND_UTF8 (d, "genericName", "paracetamol");
      BSON_APPEND_UTF8 (d, "schedule", "otc");
      BSON_APPEND_INT64 (d, "price", 100 + i);
      append_sync (d, t0 + i);
      g_ptr_array_add (meds, d);
      bson_oid_to_string (&id, hex);
      g_ptr_array_add (f->medicine_ids, g_strdup (hex));
    }
  for (guint i = 0; i < N_BATCHES; i++)
    {
      bson_oid_t id;
      gchar hex[25], lot[32];
      bson_t *d;

      bson_oid_init (&id, NULL);
      d = base_doc (&id, t0 + i);
      g_snprintf (lot, sizeof lot, "LOT-%u", i);
      BSON_APPEND_OID (d, "medicineId", &first_med);
      BSON_APPEND_OID (d, "pharmacyId", &pharmacy);
      BSON_APPEND_UTF8 (d, "lotNumber", lot);
      BSON_APPEND_DATE_TIME (d, "expiryDate", t0 + G_GINT64_CONSTANT (31536000000));
      append_sync (d, t0 + i);
      g_ptr_array_add (batches, d);
      bson_oid_to_string (&id, hex);
      g_ptr_array_add (f->batch_ids, g_strdup (hex));
    }
  for (guint i = 0; i < N_MOVEMENTS; i++)
    {
      bson_oid_t id, batch;
      gint64 q = i % 4 == 0 ? 30 : -(gint64) (i % 3);
      bson_t *d;

      bson_oid_init (&id, NULL);
      bson_oid_init_from_string (&batch, g_ptr_array_index (f->batch_ids, i % N_BATCHES));
      d = base_doc (&id, t0 + i);
      BSON_APPEND_OID (d, "batchId", &batch);
      BSON_APPEND_OID (d, "medicineId", &first_med);
      BSON_APPEND_OID (d, "pharmacyId", &pharmacy);
      BSON_APPEND_INT64 (d, "quantity", q);
      BSON_APPEND_UTF8 (d, "kind", q > 0 ? "receipt" : "dispense");
      BSON_APPEND_UTF8 (d, "deviceId", DEVICE);
      g_ptr_array_add (moves, d);
      f->ledger_sum += q;
    }
  server_insert (f, "medicines", meds);
  server_insert (f, "batches", batches);
  server_insert (f, "stock_movements", moves);
  f->medicine_with_stock = g_strdup (g_ptr_array_index (f->medicine_ids, 0));
  /* The catch-up pages in _id order. */
  g_ptr_array_sort (f->medicine_ids, compare_str);
}

static void
setup (Fixture      *f,
       gconstpointer data)
{
  f->sim = sync_test_server (NULL);
  f->client = sync_test_client (mongosim_fixture_get_uri (f->sim));
  f->dir = sync_test_mkdtemp ();
  f->medicine_ids = g_ptr_array_new_with_free_func (g_free);
  f->batch_ids = g_ptr_array_new_with_free_func (g_free);
  load_tenant (f);
}

static void
teardown (Fixture      *f,
          gconstpointer data)
{
  mongoc_client_destroy (f->client);
  g_clear_pointer (&f->sim, mongosim_fixture_free);
  sync_test_rmdir (f->dir);
  g_free (f->dir);
  g_ptr_array_unref (f->medicine_ids);
  g_ptr_array_unref (f->batch_ids);
  g_free (f->medicine_with_stock);
}

/* Secondary indexes on a table, seen through a connection of its own
 * (what another process would see). */
static gint
count_indexes (const gchar *db_path,
               const gchar *table)
{
  sqlite3 *db = NULL;
  sqlite3_stmt *stmt = NULL;
  gint n = -1;

  g_assert_cmpint (sqlite3_open_v2 (db_path, &db, SQLITE_OPEN_READONLY, NULL), ==, SQLITE_OK);
  sqlite3_busy_timeout (db, 10000);
  g_assert_cmpint (sqlite3_prepare_v2 (db, "SELECT count(*) FROM sqlite_master WHERE type = 'index' "
                                           "AND sql IS NOT NULL AND tbl_name = ?1", -1, &stmt, NULL),
                   ==, SQLITE_OK);
  sqlite3_bind_text (stmt, 1, table, -1, SQLITE_STATIC);
  if (sqlite3_step (stmt) == SQLITE_ROW)
    n = sqlite3_column_int (stmt, 0);
  sqlite3_finalize (stmt);
  sqlite3_close (db);
  return n;
}

typedef struct
{
  GCancellable *cancellable;
  gint          stop_slices;   /* cancel after this many slices of the
                                  first medicines page; 0 = never */
  gint64        max_done;
  gint64        last_done;
  gint          same_done;     /* reports in a row with last_done */
  const gchar  *db_path;
  gint          indexes_during; /* medicines' indexes seen mid-sync; -1 unseen */
} Progress;

/* The count reported is the committed one; within a page a report comes
 * after every slice with the same count (tenants 1, users 1, pharmacies
 * 2, then 2 again for each slice of the first medicines page). */
static void
progress_cb (gint64   done,
             gint64   total,
             gpointer data)
{
  Progress *p = data;

  if (total <= 0)
    return;
  p->same_done = done == p->last_done ? p->same_done + 1 : 1;
  p->last_done = done;
  /* Never ahead of what is saved. */
  g_assert_cmpint (done, >=, p->max_done);
  p->max_done = done;
  if (p->indexes_during < 0 && done >= 2 && done < 2 + N_MEDICINES && p->same_done > 1)
    p->indexes_during = count_indexes (p->db_path, "medicines");
  if (p->stop_slices > 0 && done == 2 && p->same_done == 1 + p->stop_slices)
    g_cancellable_cancel (p->cancellable);
}

/* Every server document once, the stock cache equal to the ledger, the
 * live counts and the search index right, the indexes all there. */
static void
assert_complete (Fixture *f,
                 gint     expected_indexes)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(PtStore) store = pt_store_open (f->dir, &error);
  g_autoptr(GPtrArray) hits = NULL;
  g_autoptr(GPtrArray) all = NULL;
  PtListOptions lo = { .limit = N_MEDICINES + 10 };

  g_assert_no_error (error);
  pt_store_act_as_system (store);
  g_assert_cmpint (pt_store_count (store, "medicines"), ==, N_MEDICINES);
  g_assert_cmpint (pt_store_count (store, "batches"), ==, N_BATCHES);
  g_assert_cmpint (pt_store_count (store, "stock_movements"), ==, N_MOVEMENTS);
  all = pt_store_list (store, "medicines", &lo, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (all->len, ==, N_MEDICINES);
  for (guint i = 0; i < all->len; i++)
    {
      g_autofree gchar *id = pt_sync_doc_id_hex (g_ptr_array_index (all, i));
      g_assert_cmpstr (id, ==, g_ptr_array_index (f->medicine_ids, i));
    }
  g_assert_cmpint (pt_store_stock_on_hand (store, f->medicine_with_stock, NULL), ==, f->ledger_sum);
  hits = pt_store_search_medicines (store, "Medicine 005999", 10, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (hits->len, ==, 1);
  g_assert_cmpint (count_indexes (pt_store_get_path (store), "medicines"), ==, expected_indexes);
  g_assert_false (pt_store_sync_derived_deferred (store));
  g_assert_cmpint (pt_store_sync_get_int (store, "initial_complete", 0), ==, 1);
}

static gint
fresh_store_indexes (void)
{
  g_autofree gchar *dir = sync_test_mkdtemp ();
  g_autoptr(PtStore) s = sync_test_create_enrolment (dir);
  gint n = count_indexes (pt_store_get_path (s), "medicines");

  g_clear_object (&s);
  sync_test_rmdir (dir);
  return n;
}

static void
test_stop_acts_within_a_page_and_resumes (Fixture      *f,
                                          gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autoptr(PtSyncEngine) engine = NULL;
  gint expected_indexes = fresh_store_indexes ();
  Progress p = { cancellable, 0, 0, -1, 0, NULL, -1 };
  g_autofree gchar *db_path = NULL;
  /* Stopped during the third slice of the first 5,000-document page of
   * medicines: 1,500 of them are kept (tenant and pharmacy before). */
  const gint64 kept = 3 * 500;

  g_assert_cmpint (expected_indexes, >, 0);
  {
    g_autoptr(PtStore) s = sync_test_create_enrolment (f->dir);
    db_path = g_strdup (pt_store_get_path (s));
  }
  p.stop_slices = 3;
  p.db_path = db_path;
  engine = pt_sync_engine_new (f->dir, mongosim_fixture_get_uri (f->sim), NULL);
  g_assert_false (pt_sync_engine_run_once (engine, progress_cb, &p, cancellable, &error));
  g_assert_error (error, PT_ERROR, PT_ERROR_CANCELLED);
  g_clear_error (&error);
  g_test_message ("stopped at %" G_GINT64_FORMAT, p.max_done);
  /* Stopped at the slice it was asked in, not at the page's end. */
  g_assert_cmpint (p.max_done, ==, 2 + kept);
  /* The first sync of an empty store ran without secondary indexes. */
  g_assert_cmpint (p.indexes_during, ==, 0);

  {
    g_autoptr(PtStore) s = pt_store_open (f->dir, &error);
    g_autofree gchar *cp = NULL;
    g_autoptr(GPtrArray) hits = NULL;

    g_assert_no_error (error);
    pt_store_act_as_system (s);
    /* What was applied is kept with the checkpoint of its last document. */
    g_assert_cmpint (pt_store_sync_get_int (s, "initial_done", 0), ==, 2 + kept);
    {
      PtListOptions lo = { .limit = N_MEDICINES };
      g_autoptr(GPtrArray) rows = pt_store_list (s, "medicines", &lo, &error);

      g_assert_no_error (error);
      g_assert_cmpuint (rows->len, ==, kept);
    }
    cp = pt_store_sync_get (s, "checkpoint.medicines");
    g_assert_cmpstr (cp, ==, g_ptr_array_index (f->medicine_ids, kept - 1));
    g_assert_null (pt_store_sync_get (s, "done.medicines"));
    g_assert_cmpint (pt_store_sync_get_int (s, "initial_complete", 0), ==, 0);
    {
      g_autoptr(bson_t) last = pt_store_get (s, "medicines", cp, &error);
      g_autoptr(bson_t) next = pt_store_get (s, "medicines",
                                             g_ptr_array_index (f->medicine_ids, kept), NULL);
      g_assert_no_error (error);
      g_assert_nonnull (last);
      g_assert_null (next);
    }
    /* Opened half-way, the store has its indexes back (queries name
     * them in INDEXED BY) and answers. */
    g_assert_cmpint (count_indexes (db_path, "medicines"), ==, expected_indexes);
    hits = pt_store_search_medicines (s, "Medicine", 5, &error);
    g_assert_no_error (error);
    g_assert_cmpuint (hits->len, ==, 5);
  }

  /* Again, to the end: it continues from the checkpoint. */
  p.stop_slices = 0;
  p.max_done = 0;
  p.last_done = -1;
  p.indexes_during = -1;
  g_assert_true (pt_sync_engine_run_once (engine, progress_cb, &p, NULL, &error));
  g_assert_no_error (error);
  g_assert_cmpint (p.indexes_during, ==, 0);
  assert_complete (f, expected_indexes);
}

/* A catch-up into a store that already holds rows (here: a counter that
 * worked offline before connecting) keeps every index: the store may be
 * in use while it runs. */
static void
test_a_store_with_rows_keeps_its_indexes (Fixture      *f,
                                          gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(PtSyncEngine) engine = NULL;
  gint expected_indexes = fresh_store_indexes ();
  Progress p = { NULL, 0, 0, -1, 0, NULL, -1 };
  g_autofree gchar *db_path = NULL;

  {
    g_autoptr(PtStore) s = sync_test_create_enrolment (f->dir);
    g_autofree gchar *id = sync_test_put_medicine (s, "Local Aspirin", 250);
    db_path = g_strdup (pt_store_get_path (s));
  }
  p.db_path = db_path;
  engine = pt_sync_engine_new (f->dir, mongosim_fixture_get_uri (f->sim), NULL);
  g_assert_true (pt_sync_engine_run_once (engine, progress_cb, &p, NULL, &error));
  g_assert_no_error (error);
  g_assert_cmpint (p.indexes_during, ==, expected_indexes);
  g_assert_cmpint (sync_test_server_count (f->client, "medicines", NULL), ==, N_MEDICINES + 1);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add ("/sync/initial/stop-acts-within-a-page-and-resumes", Fixture, NULL,
              setup, test_stop_acts_within_a_page_and_resumes, teardown);
  g_test_add ("/sync/initial/a-store-with-rows-keeps-its-indexes", Fixture, NULL,
              setup, test_a_store_with_rows_keeps_its_indexes, teardown);
  return g_test_run ();
}
