/* test-compact.c: the base column (DESIGN §3: the last version known on
 * the server, per synced row) is stored as a difference from the row and
 * read back byte for byte — whatever the server copy looks like — and a
 * pushed row keeps its base through local edits. */
#define G_LOG_DOMAIN "pt-test"
#include "config.h"

#include <string.h>

#include "pt-test-store.h"
#include "pt-store-impl.h"
#include "pt-store-sync.h"
#include "pt-sync-bson.h"

#define VERSION "0001234567890000-00000000000000aa"
#define OTHER "0001234567899999-00000000000000bb"

static void
assert_same_bson (const bson_t *a,
                  const bson_t *b)
{
  g_assert_nonnull (a);
  g_assert_nonnull (b);
  if (a->len != b->len || memcmp (bson_get_data (a), bson_get_data (b), a->len) != 0)
    {
      g_autofree gchar *ja = bson_as_canonical_extended_json (a, NULL);
      g_autofree gchar *jb = bson_as_canonical_extended_json (b, NULL);
      g_error ("documents differ:\n  %s\n  %s", ja, jb);
    }
}

/* A medicine-like row: doc, full stamps, version. */
static void
make_row (bson_t *doc,
          bson_t *stamps)
{
  bson_oid_t oid;

  bson_oid_init_from_string (&oid, "64b0000000000000000000a1");
  BSON_APPEND_OID (doc, "_id", &oid);
  bson_oid_init_from_string (&oid, PT_TEST_TENANT);
  BSON_APPEND_OID (doc, "tenantId", &oid);
  BSON_APPEND_UTF8 (doc, "name", "Amoxicillin Northbridge 500 mg capsules");
  BSON_APPEND_UTF8 (doc, "genericName", "amoxicillin");
  BSON_APPEND_INT64 (doc, "price", 1250);
  BSON_APPEND_BOOL (doc, "active", TRUE);
  BSON_APPEND_DATE_TIME (doc, "updatedAt", 1700000000000);
  BSON_APPEND_UTF8 (stamps, "name", VERSION);
  BSON_APPEND_UTF8 (stamps, "genericName", VERSION);
  BSON_APPEND_UTF8 (stamps, "price", OTHER);
  BSON_APPEND_UTF8 (stamps, "active", VERSION);
  BSON_APPEND_UTF8 (stamps, "updatedAt", OTHER);
}

/* The server copy as the push writes it: the fields, then _sync. */
static void
append_sync (bson_t       *base,
             const bson_t *stamps,
             const gchar  *version,
             gboolean      with_t)
{
  bson_t sync;

  BSON_APPEND_DOCUMENT_BEGIN (base, "_sync", &sync);
  BSON_APPEND_UTF8 (&sync, "v", version);
  BSON_APPEND_DOCUMENT (&sync, "f", stamps);
  BSON_APPEND_UTF8 (&sync, "by", strchr (version, '-') + 1);
  if (with_t)
    BSON_APPEND_DATE_TIME (&sync, "t", 1700000000500);
  bson_append_document_end (base, &sync);
}

static gsize
round_trip (const bson_t *base,
            const bson_t *doc,
            const bson_t *stamps,
            const gchar  *version)
{
  g_autoptr(bson_t) stored = _pt_base_compact (base, doc, stamps, version);
  g_autoptr(bson_t) back = _pt_base_expand (stored, doc, stamps, version);

  assert_same_bson (back, base);
  g_assert_cmpuint (stored->len, <=, base->len + 32);
  return stored->len;
}

static void
test_base_round_trips (void)
{
  bson_t doc = BSON_INITIALIZER, stamps = BSON_INITIALIZER;
  bson_iter_t iter;
  gsize n;

  make_row (&doc, &stamps);

  /* Pushed as it is: a few bytes instead of the document twice. */
  {
    bson_t base = BSON_INITIALIZER;

    bson_concat (&base, &doc);
    append_sync (&base, &stamps, VERSION, TRUE);
    n = round_trip (&base, &doc, &stamps, VERSION);
    g_test_message ("pushed as it is: %u bytes stored for %u", (guint) n, base.len);
    g_assert_cmpuint (n, <, 64);
    bson_destroy (&base);
  }

  /* The server moved on (another counter's edit pulled into the row, or
   * the local row edited since): other values, a field gone, one added,
   * another order, another version and stamps. */
  {
    bson_t base = BSON_INITIALIZER, other_stamps = BSON_INITIALIZER;

    bson_iter_init (&iter, &doc);
    while (bson_iter_next (&iter))
      {
        const gchar *key = bson_iter_key (&iter);

        if (g_str_equal (key, "price"))
          BSON_APPEND_INT64 (&base, "price", 990);
        else if (g_str_equal (key, "genericName"))
          continue;
        else if (g_str_equal (key, "name"))
          {
            BSON_APPEND_UTF8 (&base, "strength", "500 mg");
            bson_append_iter (&base, NULL, 0, &iter);
          }
        else
          bson_append_iter (&base, NULL, 0, &iter);
      }
    BSON_APPEND_UTF8 (&other_stamps, "price", OTHER);
    append_sync (&base, &other_stamps, OTHER, FALSE);
    round_trip (&base, &doc, &stamps, VERSION);
    /* …and fields in another order than the row's. */
    bson_reinit (&base);
    BSON_APPEND_BOOL (&base, "active", TRUE);
    BSON_APPEND_UTF8 (&base, "name", "Amoxicillin Northbridge 500 mg capsules");
    bson_iter_init_find (&iter, &doc, "_id");
    bson_append_iter (&base, NULL, 0, &iter);
    BSON_APPEND_INT64 (&base, "price", 1250);
    round_trip (&base, &doc, &stamps, VERSION);
    bson_destroy (&base);
    bson_destroy (&other_stamps);
  }

  /* A ledger row's base: the document and _sync { v } only. */
  {
    bson_t base = BSON_INITIALIZER, sync;

    bson_concat (&base, &doc);
    BSON_APPEND_DOCUMENT_BEGIN (&base, "_sync", &sync);
    BSON_APPEND_UTF8 (&sync, "v", VERSION);
    bson_append_document_end (&base, &sync);
    g_assert_cmpuint (round_trip (&base, &doc, &stamps, VERSION), <, 48);
    bson_destroy (&base);
  }

  /* What the compact form itself uses, inside a base: a MinKey value, an
   * empty key, a first element that looks like the marker. */
  {
    bson_t base = BSON_INITIALIZER, sync;

    bson_concat (&base, &doc);
    BSON_APPEND_MINKEY (&base, "price");
    round_trip (&base, &doc, &stamps, VERSION);
    bson_reinit (&base);
    bson_concat (&base, &doc);
    BSON_APPEND_DOCUMENT_BEGIN (&base, "_sync", &sync);
    BSON_APPEND_MINKEY (&sync, "v");
    bson_append_document_end (&base, &sync);
    round_trip (&base, &doc, &stamps, VERSION);
    bson_reinit (&base);
    bson_append_int32 (&base, "", 0, 0x31427450);
    bson_concat (&base, &doc);
    round_trip (&base, &doc, &stamps, VERSION);
    bson_reinit (&base);
    bson_concat (&base, &doc);
    bson_append_int32 (&base, "", 0, 3);
    round_trip (&base, &doc, &stamps, VERSION);
    bson_destroy (&base);
  }

  /* A foreign writer's copy sharing nothing with the row; a row without
   * version or stamps; no base at all. */
  {
    bson_t base = BSON_INITIALIZER, empty = BSON_INITIALIZER;

    BSON_APPEND_UTF8 (&base, "name", "Something else");
    BSON_APPEND_INT32 (&base, "price", 7);
    round_trip (&base, &doc, &stamps, VERSION);
    bson_reinit (&base);
    bson_concat (&base, &doc);
    append_sync (&base, &stamps, VERSION, TRUE);
    round_trip (&base, &doc, &empty, NULL);
    round_trip (&base, &empty, &empty, NULL);
    g_assert_null (_pt_base_compact (NULL, &doc, &stamps, VERSION));
    g_assert_null (_pt_base_expand (NULL, &doc, &stamps, VERSION));
    bson_destroy (&base);
  }

  bson_destroy (&doc);
  bson_destroy (&stamps);
}

static gint64
stored_base_bytes (PtStore     *store,
                   const gchar *table,
                   const gchar *id)
{
  g_autofree gchar *sql = g_strdup_printf ("SELECT length(base) FROM \"%s\" WHERE id = ?1", table);
  sqlite3_stmt *stmt = NULL;
  gint64 n = -1;

  g_assert_cmpint (sqlite3_prepare_v2 (_pt_store_get_db (store), sql, -1, &stmt, NULL), ==, SQLITE_OK);
  sqlite3_bind_text (stmt, 1, id, -1, SQLITE_STATIC);
  if (sqlite3_step (stmt) == SQLITE_ROW)
    n = sqlite3_column_int64 (stmt, 0);
  sqlite3_finalize (stmt);
  return n;
}

/* Through the store: a medicine pushed (the push's own server copy as the
 * base) reads back that base exactly, stored in a few bytes; a local edit
 * afterwards keeps it (the row is dirty against it), and so does a
 * ledger movement's insert-only base. */
static void
test_pushed_row_keeps_base (PtTestFixture *fx, gconstpointer data)
{
  const PtCollection *meds = pt_schema_lookup ("medicines");
  g_autoptr(GError) error = NULL;
  g_autofree gchar *id = pt_test_add_medicine (fx->store, "Salbutamol Cresswell", "salbutamol",
                                               "R03 Respiratory", "5012345678900", 420);
  g_autoptr(PtRawRow) row = _pt_store_read_row (fx->store, meds, id, &error);
  g_autoptr(bson_t) sent = NULL;
  g_autoptr(bson_t) fields = bson_new ();
  g_autoptr(PtRawRow) pushed = NULL;
  g_autoptr(PtRawRow) edited = NULL;

  g_assert_no_error (error);
  g_assert_null (row->base);
  sent = pt_sync_bson_to_remote (meds, row->doc, row->stamps, row->version, pt_time_now ());
  g_assert_true (pt_store_sync_mark_pushed (fx->store, meds, id, row->version, sent, &error));
  g_assert_no_error (error);

  pushed = _pt_store_read_row (fx->store, meds, id, &error);
  g_assert_no_error (error);
  assert_same_bson (pushed->base, sent);
  g_assert_false (_pt_raw_row_is_dirty (pushed));
  g_test_message ("medicine base: %" G_GINT64_FORMAT " bytes stored for %u",
                  stored_base_bytes (fx->store, "medicines", id), sent->len);
  g_assert_cmpint (stored_base_bytes (fx->store, "medicines", id), <, sent->len / 8);

  BSON_APPEND_INT64 (fields, "price", 450);
  g_assert_true (pt_store_update (fx->store, "medicines", id, fields, &error));
  g_assert_no_error (error);
  edited = _pt_store_read_row (fx->store, meds, id, &error);
  g_assert_no_error (error);
  assert_same_bson (edited->base, sent);
  g_assert_true (_pt_raw_row_is_dirty (edited));
  /* Until the next push the base differs from the row in price,
   * updatedAt and _sync (the stamp map is then kept whole): smaller than
   * the copy all the same. */
  g_assert_cmpint (stored_base_bytes (fx->store, "medicines", id), <, sent->len);

  /* The receipt's movement: insert-only, base = the document + _sync.v. */
  {
    const PtCollection *moves = pt_schema_lookup ("stock_movements");
    g_autofree gchar *batch = pt_test_receive (fx->store, id, fx->pharmacy_id, "L1", 200, 30);
    g_autofree gchar *move_id = NULL;
    g_autoptr(PtRawRow) move = NULL;
    g_autoptr(PtRawRow) back = NULL;
    g_autoptr(bson_t) base = NULL;
    bson_t sync;

    g_assert_nonnull (batch);
    {
      sqlite3_stmt *stmt = NULL;
      g_assert_cmpint (sqlite3_prepare_v2 (_pt_store_get_db (fx->store),
                                           "SELECT id FROM stock_movements WHERE batch_id = ?1",
                                           -1, &stmt, NULL), ==, SQLITE_OK);
      sqlite3_bind_text (stmt, 1, batch, -1, SQLITE_STATIC);
      g_assert_cmpint (sqlite3_step (stmt), ==, SQLITE_ROW);
      move_id = g_strdup ((const gchar *) sqlite3_column_text (stmt, 0));
      sqlite3_finalize (stmt);
    }
    move = _pt_store_read_row (fx->store, moves, move_id, &error);
    g_assert_no_error (error);
    base = pt_sync_bson_to_remote (moves, move->doc, move->stamps, move->version, 0);
    BSON_APPEND_DOCUMENT_BEGIN (base, "_sync", &sync);
    BSON_APPEND_UTF8 (&sync, "v", move->version);
    bson_append_document_end (base, &sync);
    g_assert_true (pt_store_sync_mark_pushed (fx->store, moves, move_id, move->version, base,
                                              &error));
    g_assert_no_error (error);
    back = _pt_store_read_row (fx->store, moves, move_id, &error);
    g_assert_no_error (error);
    assert_same_bson (back->base, base);
    g_assert_false (_pt_raw_row_is_dirty (back));
    g_assert_cmpint (stored_base_bytes (fx->store, "stock_movements", move_id), <, 40);
  }
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/store/compact/base-round-trips-byte-for-byte", test_base_round_trips);
  g_test_add ("/store/compact/pushed-row-keeps-its-base-in-few-bytes", PtTestFixture, NULL,
              pt_test_setup, test_pushed_row_keeps_base, pt_test_teardown);
  return g_test_run ();
}
