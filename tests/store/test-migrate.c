/* test-migrate.c: a store written by the previous version (schema 1, full
 * per-field stamp maps) opens, is migrated to compact stamps, and reads
 * back exactly the same documents, versions and per-field stamps. */
#define G_LOG_DOMAIN "pt-test"
#include "config.h"

#include <string.h>
#include <gio/gio.h>

#include "pt-test-store.h"
#include "pt-store-impl.h"
#include "pt-store-sync.h"
#include "pt-sync-bson.h"
#include "pt-demo.h"

/* Made with pharmatrack-admin of schema version 1 (main at 22:47):
 * demo-data --medicines 12 --patients 6 --prescriptions 14 --seed 3. */
#define V1_TENANT "6b0a11c55e75e6d2b90991a0"
#define V1_FIXTURE "tenant-" V1_TENANT "-v1.db.gz"

static const gchar * const collections[] = {
  "tenants", "pharmacies", "users", "medicines", "batches", "stock_movements",
  "patients", "prescriptions", "audit_events",
};

static gchar *
unpack_fixture (const gchar *dir)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GFile) src = g_file_new_for_path (g_test_get_filename (G_TEST_DIST, "store", "data",
                                                                   V1_FIXTURE, NULL));
  g_autofree gchar *path = g_build_filename (dir, "tenant-" V1_TENANT ".db", NULL);
  g_autoptr(GFile) dst = g_file_new_for_path (path);
  g_autoptr(GFileInputStream) in = g_file_read (src, NULL, &error);
  g_autoptr(GZlibDecompressor) gunzip = NULL;
  g_autoptr(GInputStream) plain = NULL;
  g_autoptr(GFileOutputStream) out = NULL;

  g_assert_no_error (error);
  gunzip = g_zlib_decompressor_new (G_ZLIB_COMPRESSOR_FORMAT_GZIP);
  plain = g_converter_input_stream_new (G_INPUT_STREAM (in), G_CONVERTER (gunzip));
  out = g_file_create (dst, G_FILE_CREATE_NONE, NULL, &error);
  g_assert_no_error (error);
  g_output_stream_splice (G_OUTPUT_STREAM (out), plain,
                          G_OUTPUT_STREAM_SPLICE_CLOSE_SOURCE | G_OUTPUT_STREAM_SPLICE_CLOSE_TARGET,
                          NULL, &error);
  g_assert_no_error (error);
  return g_steal_pointer (&path);
}

static gint
cmp_strptr (gconstpointer a, gconstpointer b)
{
  return strcmp (*(const gchar * const *) a, *(const gchar * const *) b);
}

/* "field=stamp" sorted, so maps compare whatever their key order. */
static gchar *
stamps_text (const bson_t *stamps)
{
  g_autoptr(GPtrArray) parts = g_ptr_array_new_with_free_func (g_free);
  bson_iter_t iter;

  if (stamps != NULL && bson_iter_init (&iter, stamps))
    while (bson_iter_next (&iter))
      g_ptr_array_add (parts, g_strdup_printf ("%s=%s", bson_iter_key (&iter),
                                               BSON_ITER_HOLDS_UTF8 (&iter)
                                               ? bson_iter_utf8 (&iter, NULL) : "?"));
  g_ptr_array_sort (parts, cmp_strptr);
  g_ptr_array_add (parts, NULL);
  return g_strjoinv (" ", (gchar **) parts->pdata);
}

typedef struct
{
  gchar  *doc_hex;
  gchar  *stamps;
  gchar  *version;
} OldRow;

static void
old_row_free (OldRow *r)
{
  g_free (r->doc_hex);
  g_free (r->stamps);
  g_free (r->version);
  g_free (r);
}

static gint64
stamps_bytes (sqlite3 *db, const gchar *table)
{
  g_autofree gchar *sql = g_strdup_printf ("SELECT coalesce(sum(length(stamps)), 0) FROM \"%s\"",
                                           table);
  sqlite3_stmt *stmt = NULL;
  gint64 n;

  g_assert_cmpint (sqlite3_prepare_v2 (db, sql, -1, &stmt, NULL), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_step (stmt), ==, SQLITE_ROW);
  n = sqlite3_column_int64 (stmt, 0);
  sqlite3_finalize (stmt);
  return n;
}

static void
test_v1_store_migrates_same_stamps (void)
{
  g_autofree gchar *dir = pt_test_mkdtemp ();
  g_autofree gchar *path = unpack_fixture (dir);
  g_autoptr(GHashTable) old = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                                     (GDestroyNotify) old_row_free);
  g_autoptr(PtStore) store = NULL;
  g_autoptr(GError) error = NULL;
  gint64 old_medicine_stamps, new_medicine_stamps, old_all = 0, new_all = 0;
  sqlite3 *db = NULL;
  guint checked = 0, with_older = 0;

  /* What version 1 stored, read without the store. */
  g_assert_cmpint (sqlite3_open_v2 (path, &db, SQLITE_OPEN_READONLY, NULL), ==, SQLITE_OK);
  for (guint c = 0; c < G_N_ELEMENTS (collections); c++)
    {
      g_autofree gchar *sql = g_strdup_printf ("SELECT id, hex(doc), stamps, version FROM \"%s\"",
                                               collections[c]);
      sqlite3_stmt *stmt = NULL;

      g_assert_cmpint (sqlite3_prepare_v2 (db, sql, -1, &stmt, NULL), ==, SQLITE_OK);
      while (sqlite3_step (stmt) == SQLITE_ROW)
        {
          OldRow *r = g_new0 (OldRow, 1);
          bson_t full;

          r->doc_hex = g_strdup ((const gchar *) sqlite3_column_text (stmt, 1));
          if (sqlite3_column_type (stmt, 2) != SQLITE_NULL)
            {
              g_assert_true (bson_init_static (&full, sqlite3_column_blob (stmt, 2),
                                               (size_t) sqlite3_column_bytes (stmt, 2)));
              r->stamps = stamps_text (&full);
            }
          else
            r->stamps = g_strdup ("");
          r->version = g_strdup ((const gchar *) sqlite3_column_text (stmt, 3));
          g_hash_table_insert (old, g_strdup_printf ("%s/%s", collections[c],
                                                     sqlite3_column_text (stmt, 0)), r);
        }
      sqlite3_finalize (stmt);
      old_all += stamps_bytes (db, collections[c]);
    }
  old_medicine_stamps = stamps_bytes (db, "medicines");
  sqlite3_close (db);
  g_test_message ("version 1: %u rows, medicines' stamps %" G_GINT64_FORMAT " bytes",
                  g_hash_table_size (old), old_medicine_stamps);
  g_assert_cmpuint (g_hash_table_size (old), >, 100);

  store = pt_store_open (dir, &error);
  g_assert_no_error (error);
  g_assert_cmpint (pt_store_get_schema_version (store), ==, PT_STORE_SCHEMA_VERSION);
  g_assert_cmpint (pt_test_query_int (store, "SELECT count(*) FROM pragma_integrity_check "
                                             "WHERE integrity_check <> 'ok'"), ==, 0);

  /* Every row reads back as version 1 stored it. */
  {
    GHashTableIter it;
    gpointer key, value;

    g_hash_table_iter_init (&it, old);
    while (g_hash_table_iter_next (&it, &key, &value))
      {
        OldRow *r = value;
        g_auto(GStrv) parts = g_strsplit (key, "/", 2);
        g_autoptr(PtRawRow) row = _pt_store_read_row (store, pt_schema_lookup (parts[0]),
                                                      parts[1], &error);
        g_autofree gchar *stamps = NULL;
        g_autofree gchar *doc_hex = NULL;

        g_assert_no_error (error);
        stamps = stamps_text (row->stamps);
        doc_hex = g_malloc (row->doc->len * 2 + 1);
        for (guint i = 0; i < row->doc->len; i++)
          g_snprintf (doc_hex + 2 * i, 3, "%02X", bson_get_data (row->doc)[i]);
        g_assert_cmpstr (doc_hex, ==, r->doc_hex);
        g_assert_cmpstr (row->version, ==, r->version);
        g_assert_cmpstr (stamps, ==, r->stamps);
        /* Rows edited after their creation hold stamps of two writes. */
        if (r->version != NULL && r->stamps[0] != '\0')
          {
            g_auto(GStrv) pairs = g_strsplit (r->stamps, " ", -1);
            for (guint i = 0; pairs[i]; i++)
              if (!g_str_has_suffix (pairs[i], r->version))
                {
                  with_older++;
                  break;
                }
          }
        checked++;
      }
  }
  g_test_message ("%u rows read back identical", checked);
  g_assert_cmpuint (with_older, >, 0);

  db = _pt_store_get_db (store);
  new_medicine_stamps = stamps_bytes (db, "medicines");
  for (guint c = 0; c < G_N_ELEMENTS (collections); c++)
    new_all += stamps_bytes (db, collections[c]);
  g_test_message ("stamps: medicines %" G_GINT64_FORMAT " -> %" G_GINT64_FORMAT
                  " bytes, all %" G_GINT64_FORMAT " -> %" G_GINT64_FORMAT,
                  old_medicine_stamps, new_medicine_stamps, old_all, new_all);
  g_assert_cmpint (new_medicine_stamps * 10, <, old_medicine_stamps);
  g_assert_cmpint (new_all * 4, <, old_all);

  /* An edit after the migration restamps only the edited field. */
  {
    g_autoptr(GPtrArray) meds = pt_store_list (store, "medicines", NULL, &error);
    g_autofree gchar *id = NULL;
    g_autofree gchar *key = NULL;
    g_autoptr(bson_t) fields = bson_new ();
    g_autoptr(PtRawRow) row = NULL;
    OldRow *r;
    bson_iter_t iter;

    g_assert_no_error (error);
    id = pt_bson_dup_oid_hex (g_ptr_array_index (meds, 0), "_id");
    key = g_strdup_printf ("medicines/%s", id);
    r = g_hash_table_lookup (old, key);
    BSON_APPEND_INT64 (fields, "price", 99999);
    pt_store_act_as_system (store);
    g_assert_true (pt_store_update (store, "medicines", id, fields, &error));
    g_assert_no_error (error);
    row = _pt_store_read_row (store, pt_schema_lookup ("medicines"), id, &error);
    g_assert_no_error (error);
    g_assert_cmpstr (row->version, >, r->version);
    bson_iter_init (&iter, row->stamps);
    while (bson_iter_next (&iter))
      {
        const gchar *k = bson_iter_key (&iter);
        const gchar *st = bson_iter_utf8 (&iter, NULL);

        if (g_str_equal (k, "price") || g_str_equal (k, "updatedAt"))
          g_assert_cmpstr (st, ==, row->version);
        else
          g_assert_cmpstr (st, ==, r->version);
      }
  }

  /* Opening again does not migrate again. */
  g_clear_object (&store);
  store = pt_store_open (dir, &error);
  g_assert_no_error (error);
  g_assert_cmpint (pt_store_get_schema_version (store), ==, PT_STORE_SCHEMA_VERSION);
  g_clear_object (&store);
  pt_test_rmdir (dir);
}

static bson_t *
json (const gchar *text)
{
  bson_t *b = bson_new_from_json ((const guint8 *) text, -1, NULL);

  g_assert_nonnull (b);
  return b;
}

/* Every shape of stamp map the sync engine can write survives the round
 * trip: older fields, a foreign field without a stamp, a removed field,
 * no version at all. */
static void
test_compact_round_trip (void)
{
  static const struct
  {
    const gchar *doc, *stamps, *version;
    gsize max_bytes;
  } cases[] = {
    { "{\"_id\": 1, \"tenantId\": 2, \"a\": 1, \"b\": 2}", "{\"a\": \"S1\", \"b\": \"S1\"}", "S1", 5 },
    { "{\"_id\": 1, \"a\": 1, \"b\": 2, \"c\": 3}", "{\"a\": \"S1\", \"b\": \"S1\", \"c\": \"S2\"}", "S2", 30 },
    { "{\"_id\": 1, \"a\": 1, \"foreign\": 2}", "{\"a\": \"S1\"}", "S1", 30 },
    { "{\"_id\": 1, \"a\": 1}", "{\"a\": \"S1\", \"gone\": \"S2\"}", "S2", 60 },
    { "{\"_id\": 1, \"a\": 1}", "{\"a\": \"S1\", \"_id\": \"S1\"}", "S1", 60 },
    { "{\"_id\": 1, \"a\": 1, \"b\": 2}", "{\"a\": \"S1\"}", NULL, 60 },
    { "{\"_id\": 1, \"a\": 1, \"b\": 2, \"c\": 3}", "{\"c\": \"S3\", \"a\": \"S1\", \"b\": \"S2\"}", "S3", 60 },
    { "{\"_id\": 1, \"a\": 1}", "{}", "S1", 0 },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(bson_t) doc = json (cases[i].doc);
      g_autoptr(bson_t) full = json (cases[i].stamps);
      g_autoptr(bson_t) compact = _pt_stamps_compact (full, doc, cases[i].version);
      g_autoptr(bson_t) back = _pt_stamps_expand (compact, doc, cases[i].version);
      g_autofree gchar *want = stamps_text (full);
      g_autofree gchar *got = stamps_text (back);

      g_test_message ("case %u: %s -> %u bytes", i, cases[i].stamps, compact ? compact->len : 0);
      g_assert_cmpstr (got, ==, want);
      g_assert_cmpuint (compact ? compact->len : 0, <=, cases[i].max_bytes);
    }
}

static gint64
base_bytes (sqlite3 *db)
{
  gint64 n = 0;

  for (guint c = 0; c < G_N_ELEMENTS (collections); c++)
    {
      g_autofree gchar *sql = g_strdup_printf ("SELECT coalesce(sum(length(base)), 0) FROM \"%s\"",
                                               collections[c]);
      sqlite3_stmt *stmt = NULL;

      g_assert_cmpint (sqlite3_prepare_v2 (db, sql, -1, &stmt, NULL), ==, SQLITE_OK);
      g_assert_cmpint (sqlite3_step (stmt), ==, SQLITE_ROW);
      n += sqlite3_column_int64 (stmt, 0);
      sqlite3_finalize (stmt);
    }
  return n;
}

/* A store of version 2 whose rows were all pushed (each base the whole
 * server copy, as version 2 kept it) opens as version 3 with compact
 * bases, and every row reads back the very same base. */
static void
test_v2_bases_migrate_same_bases (void)
{
  g_autofree gchar *dir = pt_test_mkdtemp ();
  g_autoptr(GHashTable) bases = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                                       (GDestroyNotify) bson_destroy);
  g_autoptr(PtStore) store = NULL;
  g_autoptr(GError) error = NULL;
  PtDemoOptions options = { 40, 10, 20, 7 };
  gint64 full_bytes, compact_bytes;
  GHashTableIter it;
  gpointer key, value;
  sqlite3 *db;

  store = pt_demo_create_store (dir, &options, NULL, NULL, &error);
  g_assert_no_error (error);

  /* Push everything (the push's server copies as bases), then store the
   * bases whole and mark the file version 2. */
  g_assert_true (_pt_store_begin (store, &error));
  db = _pt_store_get_db (store);
  for (guint c = 0; c < G_N_ELEMENTS (collections); c++)
    {
      const PtCollection *coll = pt_schema_lookup (collections[c]);
      g_autofree gchar *sql = g_strdup_printf ("SELECT id FROM \"%s\"", collections[c]);
      g_autofree gchar *raw = g_strdup_printf ("UPDATE \"%s\" SET base = ?2 WHERE id = ?1",
                                               collections[c]);
      g_autoptr(GPtrArray) ids = g_ptr_array_new_with_free_func (g_free);
      sqlite3_stmt *stmt = NULL;

      g_assert_cmpint (sqlite3_prepare_v2 (db, sql, -1, &stmt, NULL), ==, SQLITE_OK);
      while (sqlite3_step (stmt) == SQLITE_ROW)
        g_ptr_array_add (ids, g_strdup ((const gchar *) sqlite3_column_text (stmt, 0)));
      sqlite3_finalize (stmt);
      g_assert_cmpint (sqlite3_prepare_v2 (db, raw, -1, &stmt, NULL), ==, SQLITE_OK);
      for (guint i = 0; i < ids->len; i++)
        {
          g_autoptr(PtRawRow) row = _pt_store_read_row (store, coll, ids->pdata[i], &error);
          bson_t *base;

          g_assert_no_error (error);
          base = pt_sync_bson_to_remote (coll, row->doc, row->stamps, row->version,
                                         coll->kind == PT_COLLECTION_MUTABLE ? pt_time_now () : 0);
          if (coll->kind != PT_COLLECTION_MUTABLE && row->version != NULL)
            {
              bson_t sync;

              BSON_APPEND_DOCUMENT_BEGIN (base, "_sync", &sync);
              BSON_APPEND_UTF8 (&sync, "v", row->version);
              bson_append_document_end (base, &sync);
            }
          sqlite3_bind_text (stmt, 1, ids->pdata[i], -1, SQLITE_STATIC);
          sqlite3_bind_blob (stmt, 2, bson_get_data (base), (int) base->len, SQLITE_STATIC);
          g_assert_cmpint (sqlite3_step (stmt), ==, SQLITE_DONE);
          sqlite3_reset (stmt);
          g_hash_table_insert (bases, g_strdup_printf ("%s/%s", collections[c],
                                                       (gchar *) ids->pdata[i]), base);
        }
      sqlite3_finalize (stmt);
    }
  g_assert_true (_pt_store_exec (store, "DELETE FROM outbox; PRAGMA user_version = 2", &error));
  g_assert_true (_pt_store_commit (store, &error));
  full_bytes = base_bytes (db);
  g_clear_object (&store);
  g_assert_cmpuint (g_hash_table_size (bases), >, 200);

  store = pt_store_open (dir, &error);
  g_assert_no_error (error);
  g_assert_cmpint (pt_store_get_schema_version (store), ==, PT_STORE_SCHEMA_VERSION);
  db = _pt_store_get_db (store);
  compact_bytes = base_bytes (db);
  g_test_message ("%u bases: %" G_GINT64_FORMAT " bytes whole, %" G_GINT64_FORMAT " compact",
                  g_hash_table_size (bases), full_bytes, compact_bytes);
  g_assert_cmpint (compact_bytes * 10, <, full_bytes);

  g_hash_table_iter_init (&it, bases);
  while (g_hash_table_iter_next (&it, &key, &value))
    {
      g_auto(GStrv) parts = g_strsplit (key, "/", 2);
      g_autoptr(PtRawRow) row = _pt_store_read_row (store, pt_schema_lookup (parts[0]),
                                                    parts[1], &error);
      const bson_t *base = value;

      g_assert_no_error (error);
      g_assert_nonnull (row->base);
      g_assert_cmpuint (row->base->len, ==, base->len);
      g_assert_cmpmem (bson_get_data (row->base), row->base->len, bson_get_data (base), base->len);
      g_assert_false (_pt_raw_row_is_dirty (row));
    }
  g_assert_cmpint (pt_test_query_int (store, "SELECT count(*) FROM pragma_integrity_check "
                                             "WHERE integrity_check <> 'ok'"), ==, 0);

  /* The outbox's length is kept as it changes (schema 4, 5), not counted. */
  g_assert_cmpint (_pt_store_outbox_length (store), ==, 0);
  {
    g_autoptr(GPtrArray) meds = pt_store_list (store, "medicines", NULL, &error);
    g_autoptr(bson_t) fields = bson_new ();
    g_autofree gchar *id = NULL;
    g_autoptr(PtStoreStatus) st = NULL;

    g_assert_no_error (error);
    id = pt_bson_dup_oid_hex (g_ptr_array_index (meds, 0), "_id");
    BSON_APPEND_INT64 (fields, "price", 4242);
    pt_store_act_as_system (store);
    g_assert_true (pt_store_update (store, "medicines", id, fields, &error));
    g_assert_no_error (error);
    /* The edit and its audit event. */
    g_assert_cmpint (_pt_store_outbox_length (store), ==, 2);
    g_assert_cmpint (pt_test_query_int (store, "SELECT count(*) FROM outbox"), ==, 2);
    st = pt_store_get_status (store, &error);
    g_assert_no_error (error);
    g_assert_cmpint (st->outbox_length, ==, 2);
    g_assert_cmpint (st->oldest_pending_ms, >, 0);
    g_assert_true (_pt_store_outbox_remove (store, "medicines", id, NULL, NULL, &error));
    g_assert_no_error (error);
    g_assert_cmpint (_pt_store_outbox_length (store), ==, 1);
  }
  g_clear_object (&store);
  pt_test_rmdir (dir);
}

/* The outbox of a version-4 file (AUTOINCREMENT seq, UNIQUE (collection,
 * doc_id), outbox_count, queued_at index) as version 5 (schema 5: fewer
 * pages per dispense): the same entries in the same order, the count
 * kept, and a new entry numbered after every seq ever handed out — also
 * after the newest ones were pushed and removed. */
static void
test_v4_outbox_keeps_entries_and_order (void)
{
  g_autofree gchar *dir = pt_test_mkdtemp ();
  g_autoptr(PtStore) store = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) before = NULL;
  g_autoptr(GPtrArray) after = NULL;
  g_autoptr(PtStoreStatus) st = NULL;
  g_autofree gchar *patient = NULL;
  PtDemoOptions options = { 20, 6, 8, 11 };
  gint64 oldest, last_seq, n;

  store = pt_demo_create_store (dir, &options, NULL, NULL, &error);
  g_assert_no_error (error);
  /* Back to the version-4 layout, as a store of session 3 has it; the
   * newest 5 entries "pushed" (removed), AUTOINCREMENT remembering them. */
  g_assert_true (_pt_store_begin (store, &error));
  g_assert_true (_pt_store_exec (store,
    "CREATE TABLE outbox_v4 (seq INTEGER PRIMARY KEY AUTOINCREMENT, "
    "  collection TEXT NOT NULL, doc_id TEXT NOT NULL, "
    "  queued_at INTEGER NOT NULL, UNIQUE (collection, doc_id));"
    "INSERT INTO outbox_v4 SELECT seq, collection, doc_id, queued_at FROM outbox ORDER BY seq;"
    "DROP TABLE outbox; ALTER TABLE outbox_v4 RENAME TO outbox;"
    "DELETE FROM outbox WHERE seq > (SELECT max(seq) - 5 FROM outbox);"
    "UPDATE sqlite_sequence SET seq = seq + 5 WHERE name = 'outbox';"
    "DELETE FROM doc_stats WHERE collection = 'outbox';"
    "CREATE TABLE outbox_count (n INTEGER NOT NULL);"
    "INSERT INTO outbox_count (n) SELECT count(*) FROM outbox;"
    "CREATE INDEX outbox_queued_at ON outbox (queued_at);"
    "CREATE TRIGGER pt_outbox_ai AFTER INSERT ON outbox BEGIN "
    "UPDATE outbox_count SET n = n + 1; END;"
    "CREATE TRIGGER pt_outbox_ad AFTER DELETE ON outbox BEGIN "
    "UPDATE outbox_count SET n = n - 1; END;"
    "PRAGMA user_version = 4", &error));
  g_assert_true (_pt_store_commit (store, &error));
  g_assert_no_error (error);
  before = _pt_store_outbox_list (store, 0, 0, &error);
  g_assert_no_error (error);
  last_seq = pt_test_query_int (store, "SELECT seq FROM sqlite_sequence WHERE name = 'outbox'");
  oldest = pt_test_query_int (store, "SELECT min(queued_at) FROM outbox");
  g_assert_cmpuint (before->len, >, 100);
  g_clear_object (&store);

  store = pt_store_open (dir, &error);
  g_assert_no_error (error);
  pt_store_act_as_system (store);
  g_assert_cmpint (pt_store_get_schema_version (store), ==, PT_STORE_SCHEMA_VERSION);
  after = _pt_store_outbox_list (store, 0, 0, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (after->len, ==, before->len);
  for (guint i = 0; i < before->len; i++)
    {
      PtOutboxEntry *a = before->pdata[i], *b = after->pdata[i];

      g_assert_cmpint (a->seq, ==, b->seq);
      g_assert_cmpstr (a->collection, ==, b->collection);
      g_assert_cmpstr (a->doc_id, ==, b->doc_id);
      g_assert_cmpint (a->queued_at, ==, b->queued_at);
    }
  g_assert_cmpint (_pt_store_outbox_length (store), ==, before->len);
  g_assert_cmpint (_pt_store_outbox_oldest_ms (store), ==, oldest);
  g_assert_cmpint (pt_test_query_int (store, "SELECT count(*) FROM sqlite_master WHERE name IN "
                                             "('outbox_count', 'outbox_queued_at')"), ==, 0);
  st = pt_store_get_status (store, &error);
  g_assert_no_error (error);
  g_assert_cmpint (st->outbox_length, ==, before->len);
  g_assert_cmpint (st->oldest_pending_ms, ==, oldest);
  /* The outbox's counters are not a collection of the status. */
  g_assert_false (g_hash_table_contains (st->counts, "outbox"));
  g_assert_true (g_hash_table_contains (st->counts, "patients"));

  /* A new patient and its audit event: numbered after the removed ones. */
  patient = pt_test_add_patient (store, "Ines", "Moreau", NULL, NULL, NULL);
  n = pt_test_query_int (store, "SELECT count(*) FROM outbox");
  g_assert_cmpint (n, ==, before->len + 2);
  g_assert_cmpint (_pt_store_outbox_length (store), ==, n);
  g_assert_cmpint (pt_test_query_int (store, "SELECT min(seq) FROM outbox WHERE seq > "
                                             "(SELECT max(seq) FROM outbox) - 2"), ==, last_seq + 1);

  /* The newest entries pushed: the next one still goes after them. */
  last_seq = pt_test_query_int (store, "SELECT max(seq) FROM outbox");
  g_assert_true (_pt_store_exec (store, "DELETE FROM outbox WHERE seq > "
                                        "(SELECT max(seq) - 2 FROM outbox)", &error));
  g_clear_pointer (&patient, g_free);
  patient = pt_test_add_patient (store, "Jonas", "Berg", NULL, NULL, NULL);
  g_assert_cmpint (pt_test_query_int (store, "SELECT max(seq) FROM outbox"), ==, last_seq + 2);
  g_assert_cmpint (_pt_store_outbox_length (store), ==, n);
  /* Queueing a document already queued changes neither seq nor count. */
  {
    g_autoptr(bson_t) fields = BCON_NEW ("notes", BCON_UTF8 ("Prefers the morning"));

    g_assert_true (pt_store_update (store, "patients", patient, fields, &error));
    g_assert_no_error (error);
    g_assert_cmpint (_pt_store_outbox_length (store), ==, n + 1);
    g_assert_cmpint (pt_test_query_int (store, "SELECT count(*) FROM outbox"), ==, n + 1);
  }
  g_assert_cmpint (pt_test_query_int (store, "SELECT count(*) FROM pragma_integrity_check "
                                             "WHERE integrity_check <> 'ok'"), ==, 0);
  g_clear_object (&store);
  pt_test_rmdir (dir);
}

/* A version-5 file (the clock's high-water mark in meta 'hlc', an index
 * on prescriptions.status, the ledger's plain medicine index, no nearest
 * expiry) as versions 6 and 7: the mark moves to doc_stats and the clock
 * still restarts past it, every medicine's nearest expiry is filled,
 * the queued outbox entries keep their order, numbers and count, the
 * status does not show the clock's row as a collection, and the indexes
 * a dispense no longer needs are gone. */
static void
test_v5_clock_mark_moves_outbox_kept (void)
{
  g_autofree gchar *dir = pt_test_mkdtemp ();
  g_autoptr(PtStore) store = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) before = NULL;
  g_autoptr(GPtrArray) after = NULL;
  g_autoptr(PtStoreStatus) st = NULL;
  g_autofree gchar *noted = NULL;
  g_autofree gchar *future = NULL;
  g_autofree gchar *downgrade = NULL;
  g_autofree gchar *patient = NULL;
  g_autoptr(PtRawRow) row = NULL;
  PtDemoOptions options = { 20, 6, 8, 12 };

  store = pt_demo_create_store (dir, &options, NULL, NULL, &error);
  g_assert_no_error (error);
  noted = _pt_store_noted_stamp (store);
  g_assert_nonnull (noted);
  /* A mark an hour ahead (a remote clock seen ahead), kept as version 5
   * kept it. */
  future = g_strdup_printf ("%016" G_GINT64_MODIFIER "x-%s",
                            (pt_hlc_stamp_time_ms (noted) + 3600 * 1000) << 16,
                            pt_store_get_device_id (store));
  downgrade = g_strdup_printf ("DELETE FROM doc_stats WHERE collection = 'hlc';"
                               "INSERT OR REPLACE INTO meta (key, value) VALUES ('hlc', '%s');"
                               "UPDATE meta SET value = 'version 5' WHERE key = 'registry_ddl';"
                               "DROP INDEX stock_movements_medicine_kind_at;"
                               "CREATE INDEX prescriptions_status ON prescriptions (status);"
                               "CREATE INDEX stock_movements_medicine_id "
                               "  ON stock_movements (medicine_id);"
                               /* Version 6 had no nearest expiry (nor triggers
                                * keeping it: the open makes them again). */
                               "DROP TRIGGER pt_stock_ai; DROP TRIGGER pt_stock_au;"
                               "DROP TRIGGER pt_stock_ad; DROP TRIGGER pt_batch_expiry_au;"
                               "DROP INDEX medicine_stock_expiry;"
                               "ALTER TABLE medicine_stock DROP COLUMN nearest_expiry;"
                               "PRAGMA user_version = 5", future);
  g_assert_true (_pt_store_begin (store, &error));
  g_assert_true (_pt_store_exec (store, downgrade, &error));
  g_assert_true (_pt_store_commit (store, &error));
  g_assert_no_error (error);
  before = _pt_store_outbox_list (store, 0, 0, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (before->len, >, 100);
  g_clear_object (&store);

  store = pt_store_open (dir, &error);
  g_assert_no_error (error);
  pt_store_act_as_system (store);
  g_assert_cmpint (pt_store_get_schema_version (store), ==, PT_STORE_SCHEMA_VERSION);
  g_assert_null (_pt_store_meta_get (store, "hlc"));
  g_clear_pointer (&noted, g_free);
  noted = _pt_store_noted_stamp (store);
  g_assert_cmpstr (noted, ==, future);

  after = _pt_store_outbox_list (store, 0, 0, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (after->len, ==, before->len);
  for (guint i = 0; i < before->len; i++)
    {
      PtOutboxEntry *a = before->pdata[i], *b = after->pdata[i];

      g_assert_cmpint (a->seq, ==, b->seq);
      g_assert_cmpstr (a->collection, ==, b->collection);
      g_assert_cmpstr (a->doc_id, ==, b->doc_id);
      g_assert_cmpint (a->queued_at, ==, b->queued_at);
    }
  g_assert_cmpint (_pt_store_outbox_length (store), ==, before->len);
  st = pt_store_get_status (store, &error);
  g_assert_no_error (error);
  g_assert_cmpint (st->outbox_length, ==, before->len);
  g_assert_false (g_hash_table_contains (st->counts, "hlc"));
  g_assert_false (g_hash_table_contains (st->counts, "outbox"));
  g_assert_true (g_hash_table_contains (st->counts, "prescriptions"));
  g_assert_cmpint (pt_test_query_int (store, "SELECT count(*) FROM sqlite_master WHERE name IN "
                                             "('prescriptions_status', "
                                             "'stock_movements_medicine_id')"), ==, 0);
  g_assert_cmpint (pt_test_query_int (store, "SELECT count(*) FROM sqlite_master WHERE name = "
                                             "'stock_movements_medicine_kind_at'"), ==, 1);

  /* Version 7: every medicine's nearest expiry filled, as the catalogue
   * defines it. */
  g_assert_cmpint (pt_test_query_int (store, "SELECT count(*) FROM medicine_stock "
                                             "WHERE nearest_expiry IS NOT NULL"), >, 10);
  g_assert_cmpint (pt_test_query_int (store, "SELECT count(*) FROM medicine_stock WHERE "
                                             "nearest_expiry IS NOT "
                                             PT_STORE_NEAREST_EXPIRY ("medicine_stock.medicine_id",
                                                                      "medicine_stock.pharmacy_id")),
                   ==, 0);

  /* A new document: stamped past the mark, queued after every entry,
   * and the mark follows it. */
  patient = pt_test_add_patient (store, "Ines", "Moreau", NULL, NULL, NULL);
  row = _pt_store_read_row (store, pt_schema_lookup ("patients"), patient, &error);
  g_assert_no_error (error);
  g_assert_cmpint (pt_hlc_stamp_compare (row->version, future), >, 0);
  g_clear_pointer (&noted, g_free);
  noted = _pt_store_noted_stamp (store);
  g_assert_cmpint (pt_hlc_stamp_compare (noted, row->version), >=, 0);
  g_assert_cmpint (_pt_store_outbox_length (store), ==, before->len + 2);
  g_assert_cmpint (pt_test_query_int (store, "SELECT min(seq) FROM outbox WHERE seq > "
                                             "(SELECT max(seq) FROM outbox) - 2"), ==,
                   ((PtOutboxEntry *) before->pdata[before->len - 1])->seq + 1);
  g_assert_cmpint (pt_test_query_int (store, "SELECT count(*) FROM pragma_integrity_check "
                                             "WHERE integrity_check <> 'ok'"), ==, 0);
  g_clear_object (&store);
  pt_test_rmdir (dir);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/store/migrate/compact-stamps-round-trip-every-shape", test_compact_round_trip);
  g_test_add_func ("/store/migrate/version-1-store-opens-with-the-same-stamps",
                   test_v1_store_migrates_same_stamps);
  g_test_add_func ("/store/migrate/v2-whole-bases-become-compact-same-bases",
                   test_v2_bases_migrate_same_bases);
  g_test_add_func ("/store/migrate/v4-outbox-keeps-entries-order-and-numbering",
                   test_v4_outbox_keeps_entries_and_order);
  g_test_add_func ("/store/migrate/v5-clock-mark-moves-outbox-and-numbering-kept",
                   test_v5_clock_mark_moves_outbox_kept);
  return g_test_run ();
}
