/* test-demo.c: the bulk demo-data load gives exactly the data of the
 * operation-by-operation path (same documents, ledgers, stamps, outbox,
 * audit trail and search results), only faster. */
#define G_LOG_DOMAIN "pt-test"
#include "config.h"

#include <string.h>

#include "pt-test-store.h"
#include "pt-store-counter.h"
#include "pt-demo-private.h"

typedef struct
{
  PtStore    *store;
  GHashTable *labels;      /* hex id → "collection#ordinal" */
  gchar      *tenant_id;
  PtTime      t0, t1;      /* the run's wall-clock window */
} Snapshot;

static const gchar * const collections[] = {
  "pharmacies", "users", "medicines", "batches", "stock_movements", "patients",
  "prescriptions", "audit_events",
};

static void
collect_labels (Snapshot *s)
{
  s->labels = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  for (guint c = 0; c < G_N_ELEMENTS (collections); c++)
    {
      g_autofree gchar *sql = g_strdup_printf ("SELECT id FROM \"%s\" ORDER BY id",
                                               collections[c]);
      sqlite3_stmt *stmt = NULL;
      guint n = 0;

      g_assert_cmpint (sqlite3_prepare_v2 (_pt_store_get_db (s->store), sql, -1, &stmt, NULL),
                       ==, SQLITE_OK);
      while (sqlite3_step (stmt) == SQLITE_ROW)
        g_hash_table_insert (s->labels, g_strdup ((const gchar *) sqlite3_column_text (stmt, 0)),
                             g_strdup_printf ("%s#%u", collections[c], n++));
      sqlite3_finalize (stmt);
    }
}

static const gchar *
label (Snapshot *s, const gchar *hex)
{
  const gchar *l;

  if (g_strcmp0 (hex, s->tenant_id) == 0)
    return "TENANT";
  l = g_hash_table_lookup (s->labels, hex);
  return l ? l : "UNKNOWN-ID";
}

/* The document as text with ids replaced by labels, the device id by
 * DEVICE and times of the run itself (createdAt, updatedAt, receivedAt…
 * taken from the wall clock) by NOW. */
static void
append_canonical (Snapshot *s, GString *out, const bson_t *doc)
{
  bson_iter_t iter;

  bson_iter_init (&iter, doc);
  g_string_append_c (out, '{');
  while (bson_iter_next (&iter))
    {
      g_string_append_printf (out, "%s:", bson_iter_key (&iter));
      switch (bson_iter_type (&iter))
        {
        case BSON_TYPE_OID:
          {
            gchar hex[25];
            bson_oid_to_string (bson_iter_oid (&iter), hex);
            g_string_append (out, label (s, hex));
          }
          break;
        case BSON_TYPE_DATE_TIME:
          {
            gint64 t = bson_iter_date_time (&iter);
            if (t >= s->t0 && t <= s->t1)
              g_string_append (out, "NOW");
            else
              g_string_append_printf (out, "%" G_GINT64_FORMAT, t);
          }
          break;
        case BSON_TYPE_DOCUMENT:
        case BSON_TYPE_ARRAY:
          {
            const guint8 *data;
            guint32 len;
            bson_t child;

            if (BSON_ITER_HOLDS_DOCUMENT (&iter))
              bson_iter_document (&iter, &len, &data);
            else
              bson_iter_array (&iter, &len, &data);
            g_assert_true (bson_init_static (&child, data, len));
            append_canonical (s, out, &child);
          }
          break;
        case BSON_TYPE_UTF8:
          {
            const gchar *v = bson_iter_utf8 (&iter, NULL);
            /* Salted: differs on every run. */
            if (g_str_equal (bson_iter_key (&iter), "passwordHash"))
              v = "HASH";
            else if (pt_oid_is_valid (v))
              v = label (s, v);       /* ids held as text (audit events) */
            if (g_str_equal (bson_iter_key (&iter), "number"))
              {
                /* Prescription numbers carry this device's code. */
                g_autofree gchar *code = pt_store_counter_device_code (s->store);
                g_autofree gchar *prefix = g_strconcat (code, "-", NULL);

                if (g_str_has_prefix (v, prefix))
                  {
                    g_string_append_printf (out, "DEVICE-%s,", v + strlen (prefix));
                    continue;
                  }
              }
            g_string_append (out, g_strcmp0 (v, pt_store_get_device_id (s->store)) == 0
                                  ? "DEVICE" : v);
          }
          break;
        default:
          {
            bson_t one = BSON_INITIALIZER;
            g_autofree gchar *json = NULL;

            bson_append_iter (&one, "v", 1, &iter);
            json = bson_as_relaxed_extended_json (&one, NULL);
            g_string_append (out, json);
            bson_destroy (&one);
          }
        }
      g_string_append_c (out, ',');
    }
  g_string_append_c (out, '}');
}

static gint
cmp_strptr (gconstpointer a, gconstpointer b)
{
  return strcmp (*(const gchar * const *) a, *(const gchar * const *) b);
}

/* Everything a user or the sync engine sees of the store, as text. */
static gchar *
snapshot (Snapshot *s)
{
  GString *out = g_string_new (NULL);
  sqlite3 *db = _pt_store_get_db (s->store);
  sqlite3_stmt *stmt = NULL;
  const gchar *queries[] = { "amox", "para", "Ibu", "cream", "50", "North", "ome 20" };

  collect_labels (s);
  for (guint c = 0; c < G_N_ELEMENTS (collections); c++)
    {
      const PtCollection *coll = pt_schema_lookup (collections[c]);
      g_autofree gchar *sql = g_strdup_printf ("SELECT id FROM \"%s\" ORDER BY id",
                                               collections[c]);

      g_assert_cmpint (sqlite3_prepare_v2 (db, sql, -1, &stmt, NULL), ==, SQLITE_OK);
      while (sqlite3_step (stmt) == SQLITE_ROW)
        {
          g_autoptr(GError) error = NULL;
          g_autoptr(PtRawRow) row = _pt_store_read_row (s->store, coll,
                                                        (const gchar *) sqlite3_column_text (stmt, 0),
                                                        &error);
          g_autoptr(GPtrArray) keys = g_ptr_array_new_with_free_func (g_free);
          bson_iter_t iter;

          g_assert_no_error (error);
          g_string_append_printf (out, "%s ", label (s, row->id));
          append_canonical (s, out, row->doc);
          /* Which fields carry a stamp, and whether each is the row's
           * version (the stamps themselves are times of the run). */
          bson_iter_init (&iter, row->stamps);
          while (bson_iter_next (&iter))
            /* updatedAt is restamped only when the wall clock moved a
             * millisecond between two writes: timing, not content. */
            if (!g_str_equal (bson_iter_key (&iter), "updatedAt"))
              g_ptr_array_add (keys, g_strdup_printf ("%s%s", bson_iter_key (&iter),
                                                      g_strcmp0 (bson_iter_utf8 (&iter, NULL),
                                                                 row->version) == 0
                                                      ? "=v" : "<v"));
          g_ptr_array_sort (keys, (GCompareFunc) cmp_strptr);
          for (guint k = 0; k < keys->len; k++)
            g_string_append_printf (out, " %s", (const gchar *) keys->pdata[k]);
          g_string_append_printf (out, " base:%s\n", row->base ? "yes" : "no");
        }
      sqlite3_finalize (stmt);
    }

  g_assert_cmpint (sqlite3_prepare_v2 (db, "SELECT collection, doc_id FROM outbox ORDER BY seq",
                                       -1, &stmt, NULL), ==, SQLITE_OK);
  while (sqlite3_step (stmt) == SQLITE_ROW)
    g_string_append_printf (out, "outbox %s %s\n", sqlite3_column_text (stmt, 0),
                            label (s, (const gchar *) sqlite3_column_text (stmt, 1)));
  sqlite3_finalize (stmt);

  g_assert_cmpint (sqlite3_prepare_v2 (db, "SELECT batch_id, medicine_id, pharmacy_id, quantity "
                                           "FROM batch_stock ORDER BY batch_id", -1, &stmt, NULL),
                   ==, SQLITE_OK);
  while (sqlite3_step (stmt) == SQLITE_ROW)
    g_string_append_printf (out, "stock %s %s %s %" G_GINT64_FORMAT "\n",
                            label (s, (const gchar *) sqlite3_column_text (stmt, 0)),
                            label (s, (const gchar *) sqlite3_column_text (stmt, 1)),
                            label (s, (const gchar *) sqlite3_column_text (stmt, 2)),
                            (gint64) sqlite3_column_int64 (stmt, 3));
  sqlite3_finalize (stmt);

  for (guint q = 0; q < G_N_ELEMENTS (queries); q++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(GPtrArray) hits = pt_store_search_medicines (s->store, queries[q], 20, &error);

      g_assert_no_error (error);
      g_string_append_printf (out, "search %s:", queries[q]);
      for (guint i = 0; i < hits->len; i++)
        g_string_append_printf (out, " %s", label (s, g_ptr_array_index (hits, i)));
      g_string_append_c (out, '\n');
    }
  return g_string_free (out, FALSE);
}

/* The store's indexes and triggers, by name and definition. */
static gchar *
schema_objects (PtStore *store)
{
  GString *out = g_string_new (NULL);
  sqlite3_stmt *stmt = NULL;

  g_assert_cmpint (sqlite3_prepare_v2 (_pt_store_get_db (store),
                                       "SELECT type, name, sql FROM sqlite_master "
                                       "WHERE type IN ('index', 'trigger') ORDER BY name",
                                       -1, &stmt, NULL), ==, SQLITE_OK);
  while (sqlite3_step (stmt) == SQLITE_ROW)
    g_string_append_printf (out, "%s %s %s\n", sqlite3_column_text (stmt, 0),
                            sqlite3_column_text (stmt, 1), sqlite3_column_text (stmt, 2));
  sqlite3_finalize (stmt);
  return g_string_free (out, FALSE);
}

/* doc_stats, the outbox length and the per-medicine stock, ids as labels. */
static gchar *
derived_tables (Snapshot *s)
{
  GString *out = g_string_new (NULL);
  sqlite3 *db = _pt_store_get_db (s->store);
  sqlite3_stmt *stmt = NULL;

  /* The clock's row is checked on its own (two loads stamp at different
   * times). */
  g_assert_cmpint (sqlite3_prepare_v2 (db, "SELECT collection, live, total, bytes FROM doc_stats "
                                           "WHERE collection != 'hlc' ORDER BY collection", -1,
                                       &stmt, NULL), ==, SQLITE_OK);
  while (sqlite3_step (stmt) == SQLITE_ROW)
    g_string_append_printf (out, "stats %s %lld %lld %lld\n", sqlite3_column_text (stmt, 0),
                            (long long) sqlite3_column_int64 (stmt, 1),
                            (long long) sqlite3_column_int64 (stmt, 2),
                            (long long) sqlite3_column_int64 (stmt, 3));
  sqlite3_finalize (stmt);
  g_string_append_printf (out, "outbox %lld\n", (long long) _pt_store_outbox_length (s->store));
  g_assert_cmpint (sqlite3_prepare_v2 (db, "SELECT medicine_id, pharmacy_id, quantity "
                                           "FROM medicine_stock ORDER BY medicine_id, pharmacy_id",
                                           -1, &stmt, NULL), ==, SQLITE_OK);
  while (sqlite3_step (stmt) == SQLITE_ROW)
    g_string_append_printf (out, "medicine stock %s %s %lld\n",
                            label (s, (const gchar *) sqlite3_column_text (stmt, 0)),
                            label (s, (const gchar *) sqlite3_column_text (stmt, 1)),
                            (long long) sqlite3_column_int64 (stmt, 2));
  sqlite3_finalize (stmt);
  return g_string_free (out, FALSE);
}

static gchar *
generate (const gchar *dir, PtTime now, gboolean bulk, Snapshot *s)
{
  g_autoptr(GError) error = NULL;
  PtDemoOptions options = { .medicines = 60, .patients = 30, .prescriptions = 90, .seed = 5 };

  s->t0 = pt_time_now ();
  s->store = pt_test_create_store (dir, PT_TEST_TENANT, NULL);
  pt_store_act_as_system (s->store);
  g_assert_true (_pt_demo_generate_full (s->store, &options, now, bulk, NULL, NULL, &error));
  g_assert_no_error (error);
  s->t1 = pt_time_now ();
  s->tenant_id = g_strdup (PT_TEST_TENANT);
  return snapshot (s);
}

static void
snapshot_clear (Snapshot *s)
{
  g_clear_object (&s->store);
  g_clear_pointer (&s->labels, g_hash_table_unref);
  g_clear_pointer (&s->tenant_id, g_free);
}

static void
test_bulk_same_data (void)
{
  g_autofree gchar *dir_a = pt_test_mkdtemp ();
  g_autofree gchar *dir_b = pt_test_mkdtemp ();
  /* One second in the past, so no date drawn from it falls inside a
   * run's own wall-clock window. */
  PtTime now = pt_time_now () - 1000;
  Snapshot a = { 0 }, b = { 0 };
  g_autofree gchar *one = generate (dir_a, now, FALSE, &a);
  g_autofree gchar *two = generate (dir_b, now, TRUE, &b);
  g_auto(GStrv) la = g_strsplit (one, "\n", -1);
  g_auto(GStrv) lb = g_strsplit (two, "\n", -1);

  g_test_message ("seed 5: %u lines of snapshot", g_strv_length (la));
  g_assert_cmpuint (g_strv_length (la), >, 1000);
  /* Line by line first, so a failure names the first difference. */
  for (guint i = 0; la[i] && lb[i]; i++)
    g_assert_cmpstr (la[i], ==, lb[i]);
  g_assert_cmpstr (one, ==, two);

  /* The load dropped the indexes of the tables it filled and built the
   * same ones again at its end. */
  {
    g_autofree gchar *objects_a = schema_objects (a.store);
    g_autofree gchar *objects_b = schema_objects (b.store);

    g_assert_nonnull (strstr (objects_b, "index batches_fefo "));
    g_assert_nonnull (strstr (objects_b, "index medicines_barcode "));
    g_assert_cmpstr (objects_a, ==, objects_b);
  }
  /* The counters and the per-medicine stock the load recomputed are the
   * ones the triggers kept on the one-by-one path. */
  {
    g_autofree gchar *derived_a = derived_tables (&a);
    g_autofree gchar *derived_b = derived_tables (&b);

    g_assert_cmpstr (derived_a, ==, derived_b);
  }

  /* The bulk load left every search entry written and usable. */
  g_assert_cmpint (pt_test_query_int (b.store, "SELECT count(*) FROM medicines_fts"), ==,
                   pt_test_query_int (b.store, "SELECT count(*) FROM medicines WHERE deleted = 0"));
  /* …noted the clock's latest stamp (once per chunk, not per document),
   * so a reopened store never stamps below what it wrote… */
  {
    g_autofree gchar *hlc = _pt_store_noted_stamp (b.store);
    sqlite3_stmt *stmt = NULL;

    g_assert_cmpint (sqlite3_prepare_v2 (_pt_store_get_db (b.store),
                                         "SELECT max(v) FROM (SELECT max(version) AS v FROM medicines "
                                         "UNION ALL SELECT max(version) FROM audit_events "
                                         "UNION ALL SELECT max(version) FROM stock_movements "
                                         "UNION ALL SELECT max(version) FROM prescriptions)",
                                         -1, &stmt, NULL), ==, SQLITE_OK);
    g_assert_cmpint (sqlite3_step (stmt), ==, SQLITE_ROW);
    g_assert_cmpstr (hlc, ==, (const gchar *) sqlite3_column_text (stmt, 0));
    sqlite3_finalize (stmt);
  }
  /* …and the outbox's kept length is its real length. */
  g_assert_cmpint (_pt_store_outbox_length (b.store), ==,
                   pt_test_query_int (b.store, "SELECT count(*) FROM outbox"));
  g_assert_cmpint (_pt_store_outbox_length (b.store), >, 500);

  snapshot_clear (&a);
  snapshot_clear (&b);
  pt_test_rmdir (dir_a);
  pt_test_rmdir (dir_b);
}

/* A bulk operation refused after it wrote cannot be half-kept: the whole
 * chunk is undone and the commit says so. */
static void
test_bulk_failed_step_undoes_chunk (PtTestFixture *fx, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  gint64 before = pt_store_count (fx->store, "medicines");
  g_autofree gchar *kept = NULL;

  _pt_store_set_bulk (fx->store, TRUE);
  g_assert_true (_pt_store_begin (fx->store, &error));
  kept = pt_test_add_medicine (fx->store, "Kept Before", "keptine", NULL, NULL, 100);
  /* A nested level that writes and then rolls back. */
  g_assert_true (_pt_store_begin (fx->store, &error));
  g_free (pt_test_add_medicine (fx->store, "Half Written", "halfine", NULL, NULL, 100));
  _pt_store_rollback (fx->store);
  g_assert_false (_pt_store_commit (fx->store, &error));
  g_assert_error (error, PT_ERROR, PT_ERROR_FAILED);
  _pt_store_set_bulk (fx->store, FALSE);
  g_assert_cmpint (pt_store_count (fx->store, "medicines"), ==, before);
  g_assert_cmpint (pt_test_query_int (fx->store, "SELECT count(*) FROM medicines_fts"), ==, before);

  /* A nested level refused before writing costs nothing. */
  g_clear_error (&error);
  _pt_store_set_bulk (fx->store, TRUE);
  g_assert_true (_pt_store_begin (fx->store, &error));
  g_free (pt_test_add_medicine (fx->store, "Kept After", "keptine", NULL, NULL, 100));
  g_assert_true (_pt_store_begin (fx->store, &error));
  _pt_store_rollback (fx->store);
  g_assert_true (_pt_store_commit (fx->store, &error));
  g_assert_no_error (error);
  _pt_store_set_bulk (fx->store, FALSE);
  g_assert_cmpint (pt_store_count (fx->store, "medicines"), ==, before + 1);
  {
    g_autoptr(GPtrArray) hits = pt_store_search_medicines (fx->store, "Kept After", 5, &error);
    g_assert_no_error (error);
    g_assert_cmpuint (hits->len, ==, 1);
  }
}

/* A load that never reached its end (the process was killed, say) left
 * its tables without secondary indexes: the next open builds them, so
 * barcode lookups and FEFO work on what was loaded. */
static void
test_load_interrupted_indexes_back_at_open (void)
{
  static const gchar * const tables[] = { "medicines", "batches", "stock_movements", NULL };
  g_autofree gchar *dir = pt_test_mkdtemp ();
  g_autoptr(GError) error = NULL;
  g_autoptr(PtStore) store = pt_test_create_store (dir, PT_TEST_TENANT, NULL);
  g_autofree gchar *before = schema_objects (store);
  g_autofree gchar *after = NULL;
  g_autofree gchar *found = NULL;
  g_autofree gchar *pharmacy = NULL;
  g_autoptr(PtStoreLoad) load = NULL;
  g_autoptr(GPtrArray) stock = NULL;
  gchar medicine_id[PT_OID_HEX_LEN + 1], batch_id[PT_OID_HEX_LEN + 1];
  bson_t doc = BSON_INITIALIZER;
  PtReceipt receipt = { 0 };

  {
    g_autoptr(GPtrArray) list = pt_store_list (store, "pharmacies", NULL, &error);
    g_assert_no_error (error);
    pharmacy = pt_bson_dup_oid_hex (g_ptr_array_index (list, 0), "_id");
  }
  BSON_APPEND_UTF8 (&doc, "name", "Loadacillin");
  BSON_APPEND_UTF8 (&doc, "genericName", "loadacillin");
  BSON_APPEND_UTF8 (&doc, "barcode", "5012345678900");
  BSON_APPEND_INT64 (&doc, "price", 12);

  _pt_store_set_bulk (store, TRUE);
  g_assert_true (_pt_store_begin (store, &error));
  load = _pt_store_load_begin (store, tables, &error);
  g_assert_no_error (error);
  g_assert_true (_pt_store_load_indexes_deferred (load));
  g_assert_true (_pt_store_load_insert (load, "medicines", &doc, "create", NULL, medicine_id,
                                        &error));
  bson_destroy (&doc);
  receipt.medicine_id = medicine_id;
  receipt.pharmacy_id = pharmacy;
  receipt.lot_number = "LOT1";
  receipt.expiry_date = pt_test_days_from_now (200);
  receipt.quantity = 30;
  g_assert_true (_pt_store_load_receive (load, &receipt, NULL, batch_id, &error));
  g_assert_no_error (error);
  g_assert_true (_pt_store_commit (store, &error));
  _pt_store_set_bulk (store, FALSE);
  /* The committed chunk has no index on the loaded tables. */
  g_assert_cmpint (pt_test_query_int (store, "SELECT count(*) FROM sqlite_master WHERE "
                                             "name = 'batches_fefo' OR name = 'pt_stock_ai'"), ==, 0);
  /* Gone without _pt_store_load_finish (). */
  g_clear_pointer (&load, _pt_store_load_free);
  g_clear_object (&store);

  store = pt_store_open (dir, &error);
  g_assert_no_error (error);
  after = schema_objects (store);
  g_assert_cmpstr (after, ==, before);
  found = pt_store_find_by_barcode (store, "5012345678900");
  g_assert_cmpstr (found, ==, medicine_id);
  stock = pt_store_batch_stock (store, medicine_id, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (stock->len, ==, 1);
  g_assert_cmpint (((PtBatchStock *) g_ptr_array_index (stock, 0))->quantity, ==, 30);
  g_assert_cmpint (pt_store_stock_on_hand (store, medicine_id, NULL), ==, 30);
  /* The counters the load did not keep were recomputed at open. */
  g_assert_cmpint (pt_store_count (store, "medicines"), ==, 1);
  g_assert_cmpint (pt_store_count (store, "batches"), ==, 1);
  g_assert_cmpint (_pt_store_outbox_length (store), ==,
                   pt_test_query_int (store, "SELECT count(*) FROM outbox"));
  g_assert_null (_pt_store_meta_get (store, "load_recount"));
  /* Every loaded row is audited and queued like counter work. */
  g_assert_cmpint (pt_test_query_int (store, "SELECT count(*) FROM outbox WHERE doc_id IN "
                                             "(SELECT id FROM medicines UNION ALL "
                                             "SELECT id FROM batches UNION ALL "
                                             "SELECT id FROM stock_movements)"), ==, 3);
  g_assert_cmpint (pt_test_query_int (store, "SELECT count(*) FROM audit_events WHERE "
                                             "document_id IN (SELECT id FROM medicines "
                                             "UNION ALL SELECT id FROM batches)"), ==, 2);
  g_clear_object (&store);
  pt_test_rmdir (dir);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/store/demo/bulk-load-gives-the-same-data", test_bulk_same_data);
  g_test_add ("/store/demo/bulk-step-failing-after-a-write-undoes-the-chunk", PtTestFixture, NULL,
              pt_test_setup, test_bulk_failed_step_undoes_chunk, pt_test_teardown);
  g_test_add_func ("/store/demo/interrupted-load-gets-its-indexes-back-at-open",
                   test_load_interrupted_indexes_back_at_open);
  return g_test_run ();
}
