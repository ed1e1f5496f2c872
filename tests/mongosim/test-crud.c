/* test-crud.c — contract tests: CRUD, operators, query language, indexes,
 * cursors, aggregation, validation (against mongosim or a real server)
 */
#define G_LOG_DOMAIN "mongosim-test"
#include "config.h"

#include "ms-test-common.h"

static void
setup (MsTest *t, gconstpointer data)
{
  ms_test_setup (t, NULL);
}

static void
teardown (MsTest *t, gconstpointer data)
{
  ms_test_teardown (t);
}

static void
seed (MsTest *t, const char *coll, const char *docs_json)
{
  g_autoptr(bson_t) r = ms_test_run (t, TRUE, "{'insert': '%s', 'documents': %s}", coll, docs_json);
  g_assert_false (ms_test_has (r, "writeErrors"));
}

static GPtrArray *
find (MsTest *t, const char *coll, const char *filter, const char *opts)
{
  g_autoptr(mongoc_collection_t) c = ms_test_coll (t, coll);
  g_autoptr(bson_t) f = ms_j ("%s", filter);
  g_autoptr(bson_t) o = ms_j ("%s", opts ? opts : "{}");
  g_autoptr(mongoc_cursor_t) cursor = mongoc_collection_find_with_opts (c, f, o, NULL);

  return ms_test_drain (cursor);
}

/* The _id values of find (filter) sorted by _id, as "1,2,3". */
static char *
ids_of (GPtrArray *docs)
{
  GString *s = g_string_new (NULL);

  for (guint i = 0; i < docs->len; i++)
    {
      bson_iter_t it;
      g_assert_true (bson_iter_init_find (&it, g_ptr_array_index (docs, i), "_id"));
      g_string_append_printf (s, "%s%" G_GINT64_FORMAT, i ? "," : "", bson_iter_as_int64 (&it));
    }
  return g_string_free (s, FALSE);
}

static char *
ids (MsTest *t, const char *coll, const char *filter)
{
  g_autoptr(GPtrArray) docs = find (t, coll, filter, "{'sort': {'_id': 1}}");

  return ids_of (docs);
}

/* libbson's JSON reader takes {$type: …} for legacy binary: build those
 * filters with BCON */
static char *
ids_type (MsTest *t, const char *coll, const char *field, const char *type)
{
  g_autoptr(mongoc_collection_t) c = ms_test_coll (t, coll);
  g_autoptr(bson_t) f = BCON_NEW (field, "{", "$type", BCON_UTF8 (type), "}");
  g_autoptr(bson_t) o = ms_j ("{'sort': {'_id': 1}}");
  g_autoptr(mongoc_cursor_t) cursor = mongoc_collection_find_with_opts (c, f, o, NULL);
  g_autoptr(GPtrArray) docs = ms_test_drain (cursor);

  return ids_of (docs);
}

#define assert_ids_type(t, coll, field, type, expected) \
  G_STMT_START { g_autofree char *got_ = ids_type (t, coll, field, type); \
    if (!g_str_equal (got_, expected)) g_error ("$type %s: got [%s], want [%s]", type, got_, expected); } G_STMT_END

#define assert_ids(t, coll, filter, expected) \
  G_STMT_START { g_autofree char *got_ = ids (t, coll, filter); \
    if (!g_str_equal (got_, expected)) g_error ("%s: got [%s], want [%s]", filter, got_, expected); } G_STMT_END

static void
test_insert_generates_id_first (MsTest *t, gconstpointer data)
{
  g_autoptr(mongoc_collection_t) c = ms_test_coll (t, "items");
  g_autoptr(bson_t) doc = ms_j ("{'name': 'aspirin', 'qty': 3}");
  g_autoptr(GPtrArray) docs = NULL;
  bson_error_t error;
  bson_iter_t it;

  ms_assert_ok (mongoc_collection_insert_one (c, doc, NULL, NULL, &error), &error);
  docs = find (t, "items", "{}", NULL);
  g_assert_cmpuint (docs->len, ==, 1);
  g_assert_true (bson_iter_init (&it, g_ptr_array_index (docs, 0)));
  g_assert_true (bson_iter_next (&it));
  g_assert_cmpstr (bson_iter_key (&it), ==, "_id");
  g_assert_true (BSON_ITER_HOLDS_OID (&it));
  g_assert_cmpstr (ms_test_reply_str (g_ptr_array_index (docs, 0), "name"), ==, "aspirin");
}

static void
test_duplicate_key_error_shape (MsTest *t, gconstpointer data)
{
  g_autoptr(bson_t) r1 = ms_test_run (t, TRUE, "{'createIndexes': 'users', 'indexes': [{'key': {'email': 1}, "
                                      "'name': 'email_1', 'unique': true}]}");
  g_autoptr(bson_t) r2 = NULL, r3 = NULL;
  g_autofree char *want = NULL;
  bson_iter_t it;

  g_assert_cmpint (ms_test_reply_int (r1, "numIndexesAfter"), ==, 2);
  seed (t, "users", "[{'_id': 1, 'email': 'a@x'}]");
  r2 = ms_test_run (t, TRUE, "{'insert': 'users', 'documents': [{'_id': 2, 'email': 'a@x'}]}");
  g_assert_cmpint (ms_test_reply_int (r2, "n"), ==, 0);
  g_assert_cmpint (ms_test_reply_int (r2, "writeErrors.0.code"), ==, 11000);
  g_assert_cmpint (ms_test_reply_int (r2, "writeErrors.0.index"), ==, 0);
  want = g_strdup_printf ("E11000 duplicate key error collection: %s.users index: email_1 dup key: { email: \"a@x\" }",
                          t->dbname);
  g_assert_cmpstr (ms_test_reply_str (r2, "writeErrors.0.errmsg"), ==, want);
  g_assert_true (bson_iter_init (&it, r2) && bson_iter_find_descendant (&it, "writeErrors.0.keyPattern.email", &it));
  g_assert_cmpstr (ms_test_reply_str (r2, "writeErrors.0.keyValue.email"), ==, "a@x");

  r3 = ms_test_run (t, TRUE, "{'insert': 'users', 'documents': [{'_id': 1, 'email': 'b@x'}]}");
  g_free (want);
  want = g_strdup_printf ("E11000 duplicate key error collection: %s.users index: _id_ dup key: { _id: 1 }", t->dbname);
  g_assert_cmpstr (ms_test_reply_str (r3, "writeErrors.0.errmsg"), ==, want);
}

static void
test_compound_unique_index (MsTest *t, gconstpointer data)
{
  g_autoptr(bson_t) r1 = ms_test_run (t, TRUE, "{'createIndexes': 'stock', 'indexes': [{'key': {'tenantId': 1, "
                                      "'sku': 1}, 'name': 'tenantId_1_sku_1', 'unique': true}]}");
  g_autoptr(bson_t) r2 = NULL, r3 = NULL;

  seed (t, "stock", "[{'_id': 1, 'tenantId': 'A', 'sku': 'x'}, {'_id': 2, 'tenantId': 'B', 'sku': 'x'}, "
        "{'_id': 3, 'tenantId': 'A', 'sku': 'y'}]");
  r2 = ms_test_run (t, TRUE, "{'insert': 'stock', 'documents': [{'_id': 4, 'tenantId': 'B', 'sku': 'y'}, "
                    "{'_id': 5, 'tenantId': 'A', 'sku': 'x'}]}");
  g_assert_cmpint (ms_test_reply_int (r2, "n"), ==, 1);
  g_assert_cmpint (ms_test_reply_int (r2, "writeErrors.0.index"), ==, 1);
  g_assert_true (g_str_has_suffix (ms_test_reply_str (r2, "writeErrors.0.errmsg"),
                                   "index: tenantId_1_sku_1 dup key: { tenantId: \"A\", sku: \"x\" }"));
  /* an update into a taken key fails too, and changes nothing */
  r3 = ms_test_run (t, TRUE, "{'update': 'stock', 'updates': [{'q': {'_id': 3}, 'u': {'$set': {'sku': 'x'}}}]}");
  g_assert_cmpint (ms_test_reply_int (r3, "writeErrors.0.code"), ==, 11000);
  assert_ids (t, "stock", "{'sku': 'y'}", "3,4");
}

/* ObjectIds are binary: a tenant id with 0x00 bytes (here …000000…) must
 * still key unique indexes, distinct, $group and $addToSet by its whole
 * value.  (The simulator once cut such keys at the first zero byte, so
 * every document of that tenant collided on {tenantId, barcode}.) */
static void
test_oid_with_zero_bytes_keys_whole_value (MsTest *t, gconstpointer data)
{
  g_autoptr(bson_t) r1 = ms_test_run (t, TRUE, "{'createIndexes': 'meds', 'indexes': [{'key': {'tenantId': 1, "
                                      "'barcode': 1}, 'name': 'tenantId_1_barcode_1', 'unique': true}]}");
  g_autoptr(bson_t) r2 = NULL, r3 = NULL, r4 = NULL, r5 = NULL;

  r2 = ms_test_run (t, TRUE, "{'insert': 'meds', 'ordered': false, 'documents': ["
                    "{'_id': 1, 'tenantId': {'$oid': '65a00000000000000000a001'}, 'barcode': '111'}, "
                    "{'_id': 2, 'tenantId': {'$oid': '65a00000000000000000a001'}, 'barcode': '222'}, "
                    "{'_id': 3, 'tenantId': {'$oid': '65a00000000000000000b002'}, 'barcode': '111'}, "
                    "{'_id': 4, 'tenantId': {'$oid': '65a00000000000000000a001'}, 'barcode': '111'}]}");
  g_assert_cmpint (ms_test_reply_int (r2, "n"), ==, 3);
  g_assert_cmpint (ms_test_reply_int (r2, "writeErrors.0.index"), ==, 3);
  g_assert_false (ms_test_has (r2, "writeErrors.1"));
  assert_ids (t, "meds", "{}", "1,2,3");

  r3 = ms_test_run (t, TRUE, "{'distinct': 'meds', 'key': 'tenantId'}");
  g_assert_true (ms_test_has (r3, "values.1"));
  g_assert_false (ms_test_has (r3, "values.2"));
  r4 = ms_test_run (t, TRUE, "{'aggregate': 'meds', 'cursor': {}, 'pipeline': ["
                    "{'$group': {'_id': '$tenantId', 'n': {'$sum': 1}}}, {'$sort': {'n': -1}}]}");
  g_assert_cmpint (ms_test_reply_int (r4, "cursor.firstBatch.0.n"), ==, 2);
  g_assert_cmpint (ms_test_reply_int (r4, "cursor.firstBatch.1.n"), ==, 1);
  r5 = ms_test_run (t, TRUE, "{'aggregate': 'meds', 'cursor': {}, 'pipeline': ["
                    "{'$group': {'_id': null, 'tenants': {'$addToSet': '$tenantId'}}}]}");
  g_assert_true (ms_test_has (r5, "cursor.firstBatch.0.tenants.1"));
  g_assert_false (ms_test_has (r5, "cursor.firstBatch.0.tenants.2"));
}

static void
test_unordered_insert_continues_after_error (MsTest *t, gconstpointer data)
{
  g_autoptr(bson_t) r = NULL;

  seed (t, "c", "[{'_id': 2}]");
  r = ms_test_run (t, TRUE, "{'insert': 'c', 'ordered': false, 'documents': [{'_id': 1}, {'_id': 2}, {'_id': 3}]}");
  g_assert_cmpint (ms_test_reply_int (r, "n"), ==, 2);
  g_assert_cmpint (ms_test_reply_int (r, "writeErrors.0.index"), ==, 1);
  assert_ids (t, "c", "{}", "1,2,3");
  g_clear_pointer (&r, bson_destroy);
  r = ms_test_run (t, TRUE, "{'insert': 'c', 'documents': [{'_id': 4}, {'_id': 1}, {'_id': 5}]}");
  g_assert_cmpint (ms_test_reply_int (r, "n"), ==, 1);
  assert_ids (t, "c", "{}", "1,2,3,4");
}

static void
test_update_operators (MsTest *t, gconstpointer data)
{
  g_autoptr(bson_t) r = NULL;
  g_autoptr(GPtrArray) docs = NULL;
  bson_t *d;
  bson_iter_t it;

  seed (t, "m", "[{'_id': 1, 'qty': 5, 'lo': 10, 'hi': 10, 'tags': ['a'], 'old': 1, 'gone': true, "
        "'nums': [1, 2, 3, 4], 'set': ['x']}]");
  r = ms_test_run (t, TRUE, "{'update': 'm', 'updates': [{'q': {'_id': 1}, 'u': {"
                   "'$set': {'price.amount': 250, 'name': 'Ibuprofen'}, '$unset': {'gone': ''}, "
                   "'$inc': {'qty': -2, 'fresh': 1}, '$min': {'lo': 3}, '$max': {'hi': 7}, "
                   "'$currentDate': {'seen': true}, '$push': {'tags': {'$each': ['b', 'c'], '$slice': -2}}, "
                   "'$addToSet': {'set': {'$each': ['x', 'y']}}, '$pull': {'nums': {'$gte': 3}}, "
                   "'$rename': {'old': 'renamed'}, '$setOnInsert': {'never': 1}}}]}");
  g_assert_cmpint (ms_test_reply_int (r, "n"), ==, 1);
  g_assert_cmpint (ms_test_reply_int (r, "nModified"), ==, 1);
  docs = find (t, "m", "{}", "{'projection': {'seen': 0}}");
  d = g_ptr_array_index (docs, 0);
  ms_assert_json (d, "{'_id': 1, 'qty': 3, 'lo': 3, 'hi': 10, 'tags': ['b', 'c'], 'nums': [1, 2], "
                  "'set': ['x', 'y'], 'price': {'amount': 250}, 'name': 'Ibuprofen', 'fresh': 1, 'renamed': 1}");
  g_clear_pointer (&docs, g_ptr_array_unref);
  docs = find (t, "m", "{}", NULL);
  g_assert_true (bson_iter_init_find (&it, g_ptr_array_index (docs, 0), "seen"));
  g_assert_true (BSON_ITER_HOLDS_DATE_TIME (&it));
}

static void
test_update_noop_and_errors (MsTest *t, gconstpointer data)
{
  g_autoptr(bson_t) r1 = NULL, r2 = NULL, r3 = NULL, r4 = NULL;

  seed (t, "m", "[{'_id': 1, 'a': 1, 's': 'text'}]");
  r1 = ms_test_run (t, TRUE, "{'update': 'm', 'updates': [{'q': {'_id': 1}, 'u': {'$set': {'a': 1}}}]}");
  g_assert_cmpint (ms_test_reply_int (r1, "n"), ==, 1);
  g_assert_cmpint (ms_test_reply_int (r1, "nModified"), ==, 0);
  r2 = ms_test_run (t, TRUE, "{'update': 'm', 'updates': [{'q': {'_id': 1}, 'u': {'$set': {'_id': 2}}}]}");
  g_assert_cmpint (ms_test_reply_int (r2, "writeErrors.0.code"), ==, 66);
  r3 = ms_test_run (t, TRUE, "{'update': 'm', 'updates': [{'q': {'_id': 1}, 'u': {'$set': {'a': 1}, "
                    "'$inc': {'a': 1}}}]}");
  g_assert_cmpint (ms_test_reply_int (r3, "writeErrors.0.code"), ==, 40);
  r4 = ms_test_run (t, TRUE, "{'update': 'm', 'updates': [{'q': {'_id': 1}, 'u': {'$inc': {'s': 1}}}]}");
  g_assert_cmpint (ms_test_reply_int (r4, "writeErrors.0.code"), ==, 14);
}

static void
test_upsert_and_multi (MsTest *t, gconstpointer data)
{
  g_autoptr(bson_t) r1 = NULL, r2 = NULL, r3 = NULL;
  g_autoptr(GPtrArray) docs = NULL;

  seed (t, "u", "[{'_id': 1, 'k': 'a'}, {'_id': 2, 'k': 'a'}, {'_id': 3, 'k': 'b'}]");
  r1 = ms_test_run (t, TRUE, "{'update': 'u', 'updates': [{'q': {'k': 'a'}, 'u': {'$set': {'v': 1}}, "
                    "'multi': true}]}");
  g_assert_cmpint (ms_test_reply_int (r1, "nModified"), ==, 2);
  r2 = ms_test_run (t, TRUE, "{'update': 'u', 'updates': [{'q': {'_id': 9, 'tenantId': 'T'}, "
                    "'u': {'$set': {'v': 2}, '$setOnInsert': {'created': true}}, 'upsert': true}]}");
  g_assert_cmpint (ms_test_reply_int (r2, "n"), ==, 1);
  g_assert_cmpint (ms_test_reply_int (r2, "nModified"), ==, 0);
  g_assert_cmpint (ms_test_reply_int (r2, "upserted.0.index"), ==, 0);
  g_assert_cmpint (ms_test_reply_int (r2, "upserted.0._id"), ==, 9);
  docs = find (t, "u", "{'_id': 9}", NULL);
  ms_assert_json (g_ptr_array_index (docs, 0), "{'_id': 9, 'tenantId': 'T', 'v': 2, 'created': true}");
  /* a replacement keeps _id */
  r3 = ms_test_run (t, TRUE, "{'update': 'u', 'updates': [{'q': {'_id': 3}, 'u': {'k': 'c'}}]}");
  g_assert_cmpint (ms_test_reply_int (r3, "nModified"), ==, 1);
  g_clear_pointer (&docs, g_ptr_array_unref);
  docs = find (t, "u", "{'_id': 3}", NULL);
  ms_assert_json (g_ptr_array_index (docs, 0), "{'_id': 3, 'k': 'c'}");
}

static void
test_query_operators (MsTest *t, gconstpointer data)
{
  seed (t, "q", "[{'_id': 1, 'n': 1, 's': 'Aspirin', 'tags': ['a', 'b']}, "
        "{'_id': 2, 'n': 2.5, 's': 'paracetamol', 'tags': ['b']}, "
        "{'_id': 3, 'n': {'$numberLong': '3'}, 's': 'ibuprofen', 'tags': []}, "
        "{'_id': 4, 's': 'x', 'items': [{'sku': 'p', 'qty': 2}, {'sku': 'q', 'qty': 9}]}]");
  assert_ids (t, "q", "{'n': {'$gte': 2}}", "2,3");
  assert_ids (t, "q", "{'n': {'$in': [1, 3]}}", "1,3");
  assert_ids (t, "q", "{'n': {'$nin': [1, 3]}}", "2,4");
  assert_ids (t, "q", "{'n': {'$exists': false}}", "4");
  assert_ids_type (t, "q", "n", "double", "2");
  assert_ids_type (t, "q", "n", "number", "1,2,3");
  assert_ids (t, "q", "{'$or': [{'n': 1}, {'s': 'x'}]}", "1,4");
  assert_ids (t, "q", "{'$and': [{'n': {'$gt': 1}}, {'n': {'$lt': 3}}]}", "2");
  assert_ids (t, "q", "{'$nor': [{'n': 1}, {'s': 'x'}]}", "2,3");
  assert_ids (t, "q", "{'n': {'$not': {'$gt': 1}}}", "1,4");
  assert_ids (t, "q", "{'s': {'$regex': '^asp', '$options': 'i'}}", "1");
  assert_ids (t, "q", "{'s': {'$regex': 'profen$'}}", "3");
  assert_ids (t, "q", "{'items': {'$elemMatch': {'sku': 'p', 'qty': {'$gt': 1}}}}", "4");
  assert_ids (t, "q", "{'items': {'$elemMatch': {'sku': 'p', 'qty': {'$gt': 5}}}}", "");
  assert_ids (t, "q", "{'tags': {'$all': ['a', 'b']}}", "1");
  assert_ids (t, "q", "{'tags': {'$size': 0}}", "3");
  assert_ids (t, "q", "{'n': {'$ne': 1}}", "2,3,4");
}

static void
test_array_semantics (MsTest *t, gconstpointer data)
{
  seed (t, "a", "[{'_id': 1, 'a': [{'b': 5}, {'b': 7}]}, {'_id': 2, 'a': {'b': [5, 6]}}, "
        "{'_id': 3, 'a': [0, 4]}, {'_id': 4, 'a': [[5]]}, {'_id': 5, 'a': {'b': 6}}]");
  assert_ids (t, "a", "{'a.b': 5}", "1,2");
  assert_ids (t, "a", "{'a.b': {'$gt': 6}}", "1");
  assert_ids (t, "a", "{'a.1.b': 7}", "1");
  /* each condition may be met by a different element… */
  assert_ids (t, "a", "{'a': {'$gt': 1, '$lt': 3}}", "3");
  /* …but not with $elemMatch */
  assert_ids (t, "a", "{'a': {'$elemMatch': {'$gt': 1, '$lt': 3}}}", "");
  /* an array equals an element that is that array */
  assert_ids (t, "a", "{'a': [5]}", "4");
  assert_ids (t, "a", "{'a': [0, 4]}", "3");
  assert_ids (t, "a", "{'a.b': {'$ne': 5}}", "3,4,5");
}

static void
test_null_and_missing (MsTest *t, gconstpointer data)
{
  seed (t, "n", "[{'_id': 1, 'x': null}, {'_id': 2}, {'_id': 3, 'x': 0}, {'_id': 4, 'x': false}]");
  assert_ids (t, "n", "{'x': null}", "1,2");
  assert_ids (t, "n", "{'x': {'$ne': null}}", "3,4");
  assert_ids (t, "n", "{'x': {'$exists': true}}", "1,3,4");
  assert_ids_type (t, "n", "x", "null", "1");
  assert_ids (t, "n", "{'x': {'$gte': null}}", "1,2");
  assert_ids (t, "n", "{'x': {'$in': [null, 0]}}", "1,2,3");
}

static void
test_cross_type_order (MsTest *t, gconstpointer data)
{
  g_autoptr(GPtrArray) docs = NULL;
  const char *order[] = { "null", "int", "double", "long", "string", "object", "array-empty", "binData",
                          "objectId", "bool", "date" };

  seed (t, "o", "[{'_id': 'bool', 'v': true}, {'_id': 'string', 'v': 'a'}, {'_id': 'long', 'v': "
        "{'$numberLong': '3'}}, {'_id': 'double', 'v': 2.5}, {'_id': 'int', 'v': 1}, "
        "{'_id': 'null', 'v': null}, {'_id': 'object', 'v': {'a': 1}}, "
        "{'_id': 'objectId', 'v': {'$oid': '5f0000000000000000000000'}}, "
        "{'_id': 'date', 'v': {'$date': '2020-01-01T00:00:00Z'}}, "
        "{'_id': 'binData', 'v': {'$binary': {'base64': 'AA==', 'subType': '00'}}}, "
        "{'_id': 'array-empty', 'v': [{'a': 1}, 'zz']}]");
  docs = find (t, "o", "{}", "{'sort': {'v': 1, '_id': 1}}");
  g_assert_cmpuint (docs->len, ==, G_N_ELEMENTS (order));
  /* an array sorts by its smallest element: 'zz' (a string) here */
  for (guint i = 0; i < docs->len; i++)
    {
      const char *id = ms_test_reply_str (g_ptr_array_index (docs, i), "_id");
      const char *want = order[i];
      if (i == 5 || i == 6)
        want = i == 5 ? "array-empty" : "object";
      g_assert_cmpstr (id, ==, want);
    }
  /* comparisons stay within a type: $gt 1 never matches a string or date */
  g_clear_pointer (&docs, g_ptr_array_unref);
  docs = find (t, "o", "{'v': {'$gt': 1}}", "{'sort': {'_id': 1}}");
  g_assert_cmpuint (docs->len, ==, 2);
  g_assert_cmpstr (ms_test_reply_str (g_ptr_array_index (docs, 0), "_id"), ==, "double");
  g_assert_cmpstr (ms_test_reply_str (g_ptr_array_index (docs, 1), "_id"), ==, "long");
  /* numbers are equal across types */
  g_clear_pointer (&docs, g_ptr_array_unref);
  docs = find (t, "o", "{'v': {'$in': [{'$numberLong': '1'}, 3.0]}}", "{'sort': {'_id': 1}}");
  g_assert_cmpuint (docs->len, ==, 2);
}

static void
test_projection_sort_skip_limit (MsTest *t, gconstpointer data)
{
  g_autoptr(GPtrArray) docs = NULL;

  seed (t, "p", "[{'_id': 1, 'a': 3, 'b': {'c': 1, 'd': 2}}, {'_id': 2, 'a': 1, 'b': {'c': 3, 'd': 4}}, "
        "{'_id': 3, 'a': 2, 'b': {'c': 5, 'd': 6}}]");
  docs = find (t, "p", "{}", "{'sort': {'a': -1}, 'skip': 1, 'limit': 1, 'projection': {'b.c': 1}}");
  g_assert_cmpuint (docs->len, ==, 1);
  ms_assert_json (g_ptr_array_index (docs, 0), "{'_id': 3, 'b': {'c': 5}}");
  g_clear_pointer (&docs, g_ptr_array_unref);
  docs = find (t, "p", "{'_id': 2}", "{'projection': {'b': 0, '_id': 0}}");
  ms_assert_json (g_ptr_array_index (docs, 0), "{'a': 1}");
}

static void
test_cursor_batches_and_kill (MsTest *t, gconstpointer data)
{
  GString *docs = g_string_new ("[");
  g_autoptr(bson_t) r1 = NULL, r2 = NULL, r3 = NULL, r4 = NULL, r5 = NULL;
  gint64 id;
  bson_iter_t it;

  for (int i = 0; i < 250; i++)
    g_string_append_printf (docs, "%s{'_id': %d}", i ? "," : "", i);
  g_string_append (docs, "]");
  seed (t, "big", docs->str);
  g_string_free (docs, TRUE);

  r1 = ms_test_run (t, TRUE, "{'find': 'big', 'sort': {'_id': 1}, 'batchSize': 10}");
  g_assert_true (bson_iter_init (&it, r1) && bson_iter_find_descendant (&it, "cursor.id", &it));
  id = bson_iter_int64 (&it);
  g_assert_cmpint (id, !=, 0);
  g_assert_true (bson_iter_init (&it, r1) && bson_iter_find_descendant (&it, "cursor.firstBatch.9", &it));
  g_assert_false (ms_test_has (r1, "cursor.firstBatch.10"));
  r2 = ms_test_run (t, TRUE, "{'getMore': {'$numberLong': '%" G_GINT64_FORMAT "'}, 'collection': 'big', "
                    "'batchSize': 5}", id);
  g_assert_cmpint (ms_test_reply_int (r2, "cursor.nextBatch.0._id"), ==, 10);
  g_assert_false (ms_test_has (r2, "cursor.nextBatch.5"));
  r3 = ms_test_run (t, TRUE, "{'killCursors': 'big', 'cursors': [{'$numberLong': '%" G_GINT64_FORMAT "'}]}", id);
  g_assert_true (bson_iter_init (&it, r3) && bson_iter_find_descendant (&it, "cursorsKilled.0", &it));
  g_assert_cmpint (bson_iter_as_int64 (&it), ==, id);
  r4 = ms_test_run (t, FALSE, "{'getMore': {'$numberLong': '%" G_GINT64_FORMAT "'}, 'collection': 'big'}", id);
  g_assert_cmpint (ms_test_reply_int (r4, "code"), ==, 43);
  g_assert_cmpstr (ms_test_reply_str (r4, "codeName"), ==, "CursorNotFound");
  /* the default first batch is 101 documents; a drained cursor closes */
  r5 = ms_test_run (t, TRUE, "{'find': 'big', 'filter': {'_id': {'$lt': 20}}, 'limit': 5}");
  g_assert_true (bson_iter_init (&it, r5) && bson_iter_find_descendant (&it, "cursor.id", &it));
  g_assert_cmpint (bson_iter_int64 (&it), ==, 0);
  {
    g_autoptr(GPtrArray) all = find (t, "big", "{}", "{'batchSize': 7}");
    g_assert_cmpuint (all->len, ==, 250);
  }
}

static void
test_count_distinct_aggregate (MsTest *t, gconstpointer data)
{
  g_autoptr(bson_t) r1 = NULL, r2 = NULL, r3 = NULL, r4 = NULL;

  seed (t, "s", "[{'_id': 1, 'k': 'a', 'v': 5, 'tags': ['x', 'y']}, {'_id': 2, 'k': 'b', 'v': 7, 'tags': ['y']}, "
        "{'_id': 3, 'k': 'a', 'v': 1}, {'_id': 4, 'k': 'c', 'v': 2}]");
  r1 = ms_test_run (t, TRUE, "{'count': 's', 'query': {'k': 'a'}}");
  g_assert_cmpint (ms_test_reply_int (r1, "n"), ==, 2);
  r2 = ms_test_run (t, TRUE, "{'distinct': 's', 'key': 'tags'}");
  g_assert_cmpstr (ms_test_reply_str (r2, "values.0"), ==, "x");
  g_assert_cmpstr (ms_test_reply_str (r2, "values.1"), ==, "y");
  g_assert_false (ms_test_has (r2, "values.2"));
  r3 = ms_test_run (t, TRUE, "{'aggregate': 's', 'cursor': {}, 'pipeline': [{'$match': {'v': {'$gt': 1}}}, "
                    "{'$group': {'_id': '$k', 'total': {'$sum': '$v'}, 'n': {'$sum': 1}, 'top': {'$max': '$v'}, "
                    "'low': {'$min': '$v'}, 'first': {'$first': '$_id'}}}, {'$sort': {'total': -1}}, "
                    "{'$skip': 1}, {'$limit': 1}, {'$project': {'total': 1, 'n': 1, 'top': 1, 'low': 1, 'first': 1}}]}");
  g_assert_cmpstr (ms_test_reply_str (r3, "cursor.firstBatch.0._id"), ==, "a");
  g_assert_cmpint (ms_test_reply_int (r3, "cursor.firstBatch.0.total"), ==, 5);
  g_assert_cmpint (ms_test_reply_int (r3, "cursor.firstBatch.0.n"), ==, 1);
  g_assert_cmpint (ms_test_reply_int (r3, "cursor.firstBatch.0.top"), ==, 5);
  g_assert_cmpint (ms_test_reply_int (r3, "cursor.firstBatch.0.low"), ==, 5);
  g_assert_cmpint (ms_test_reply_int (r3, "cursor.firstBatch.0.first"), ==, 1);
  g_assert_false (ms_test_has (r3, "cursor.firstBatch.1"));
  r4 = ms_test_run (t, TRUE, "{'aggregate': 's', 'cursor': {}, 'pipeline': [{'$match': {'k': 'a'}}, "
                    "{'$count': 'howMany'}]}");
  g_assert_cmpint (ms_test_reply_int (r4, "cursor.firstBatch.0.howMany"), ==, 2);
}

static void
test_find_and_modify (MsTest *t, gconstpointer data)
{
  g_autoptr(bson_t) r1 = NULL, r2 = NULL, r3 = NULL, r4 = NULL;

  seed (t, "f", "[{'_id': 1, 'n': 1}, {'_id': 2, 'n': 5}]");
  r1 = ms_test_run (t, TRUE, "{'findAndModify': 'f', 'query': {'n': {'$gt': 0}}, 'sort': {'n': -1}, "
                    "'update': {'$inc': {'n': 1}}}");
  g_assert_cmpint (ms_test_reply_int (r1, "value._id"), ==, 2);
  g_assert_cmpint (ms_test_reply_int (r1, "value.n"), ==, 5);
  g_assert_cmpint (ms_test_reply_int (r1, "lastErrorObject.n"), ==, 1);
  r2 = ms_test_run (t, TRUE, "{'findAndModify': 'f', 'query': {'_id': 1}, 'update': {'$set': {'m': 1}}, 'new': true}");
  g_assert_cmpint (ms_test_reply_int (r2, "value.m"), ==, 1);
  g_assert_cmpint (ms_test_reply_int (r2, "lastErrorObject.updatedExisting"), ==, 1);
  r3 = ms_test_run (t, TRUE, "{'findAndModify': 'f', 'query': {'_id': 7}, 'update': {'$set': {'n': 7}}, "
                    "'upsert': true, 'new': true}");
  g_assert_cmpint (ms_test_reply_int (r3, "lastErrorObject.upserted"), ==, 7);
  g_assert_cmpint (ms_test_reply_int (r3, "value.n"), ==, 7);
  r4 = ms_test_run (t, TRUE, "{'findAndModify': 'f', 'query': {'_id': 1}, 'remove': true}");
  g_assert_cmpint (ms_test_reply_int (r4, "value._id"), ==, 1);
  assert_ids (t, "f", "{}", "2,7");
}

static void
test_paging_by_id_range (MsTest *t, gconstpointer data)
{
  GString *docs = g_string_new ("[");
  GString *seen = g_string_new (NULL);
  GString *want = g_string_new (NULL);
  gint64 last = -1;

  for (int i = 0; i < 60; i++)
    {
      /* inserted out of _id order */
      int id = (i * 37) % 60;
      g_string_append_printf (docs, "%s{'_id': %d, 'tenantId': '%s'}", i ? "," : "", id, id % 3 ? "T" : "U");
    }
  g_string_append (docs, "]");
  seed (t, "page", docs->str);
  for (int id = 0; id < 60; id++)
    if (id % 3)
      g_string_append_printf (want, "%s%d", want->len ? "," : "", id);
  for (;;)
    {
      g_autofree char *filter = g_strdup_printf ("{'tenantId': 'T', '_id': {'$gt': %" G_GINT64_FORMAT "}}", last);
      g_autoptr(GPtrArray) page = find (t, "page", filter, "{'sort': {'_id': 1}, 'limit': 7}");

      if (page->len == 0)
        break;
      g_assert_cmpuint (page->len, <=, 7);
      for (guint i = 0; i < page->len; i++)
        {
          last = ms_test_reply_int (g_ptr_array_index (page, i), "_id");
          g_string_append_printf (seen, "%s%" G_GINT64_FORMAT, seen->len ? "," : "", last);
        }
    }
  g_assert_cmpstr (seen->str, ==, want->str);
  g_string_free (docs, TRUE);
  g_string_free (seen, TRUE);
  g_string_free (want, TRUE);
}

static void
test_validator_rejects_with_121 (MsTest *t, gconstpointer data)
{
  g_autoptr(bson_t) c = NULL, r1 = NULL, r2 = NULL, r3 = NULL, r4 = NULL;

  c = ms_test_run (t, TRUE, "{'create': 'v', 'validator': {'$jsonSchema': {'bsonType': 'object', "
                   "'required': ['tenantId', 'name'], 'properties': {'tenantId': {'bsonType': 'string'}, "
                   "'qty': {'bsonType': ['int', 'long']}}}}}");
  r1 = ms_test_run (t, TRUE, "{'insert': 'v', 'documents': [{'_id': 1, 'name': 'x'}]}");
  g_assert_cmpint (ms_test_reply_int (r1, "n"), ==, 0);
  g_assert_cmpint (ms_test_reply_int (r1, "writeErrors.0.code"), ==, 121);
  g_assert_cmpstr (ms_test_reply_str (r1, "writeErrors.0.errmsg"), ==, "Document failed validation");
  g_assert_cmpint (ms_test_reply_int (r1, "writeErrors.0.errInfo.failingDocumentId"), ==, 1);
  r2 = ms_test_run (t, TRUE, "{'insert': 'v', 'documents': [{'_id': 2, 'tenantId': 5, 'name': 'x'}, "
                    "{'_id': 3, 'tenantId': 'T', 'name': 'y', 'qty': 2}]}");
  g_assert_cmpint (ms_test_reply_int (r2, "n"), ==, 0);
  g_assert_cmpint (ms_test_reply_int (r2, "writeErrors.0.index"), ==, 0);
  r3 = ms_test_run (t, TRUE, "{'insert': 'v', 'documents': [{'_id': 3, 'tenantId': 'T', 'name': 'y', 'qty': 2}]}");
  g_assert_cmpint (ms_test_reply_int (r3, "n"), ==, 1);
  /* an update that breaks the schema is refused and changes nothing */
  r4 = ms_test_run (t, TRUE, "{'update': 'v', 'updates': [{'q': {'_id': 3}, 'u': {'$set': {'qty': 'many'}}}]}");
  g_assert_cmpint (ms_test_reply_int (r4, "writeErrors.0.code"), ==, 121);
  assert_ids (t, "v", "{'qty': 2}", "3");
}

static void
test_collection_and_index_admin (MsTest *t, gconstpointer data)
{
  g_autoptr(bson_t) c1 = NULL, c2 = NULL, lc = NULL, i1 = NULL, i2 = NULL, i3 = NULL, li = NULL;
  g_autoptr(bson_t) d1 = NULL, d2 = NULL, dr = NULL, ddb = NULL;
  bson_iter_t it;

  c1 = ms_test_run (t, TRUE, "{'create': 'adm'}");
  c2 = ms_test_run (t, FALSE, "{'create': 'adm'}");
  g_assert_cmpint (ms_test_reply_int (c2, "code"), ==, 48);
  g_assert_cmpstr (ms_test_reply_str (c2, "codeName"), ==, "NamespaceExists");
  lc = ms_test_run (t, TRUE, "{'listCollections': 1, 'filter': {'name': 'adm'}}");
  g_assert_cmpstr (ms_test_reply_str (lc, "cursor.firstBatch.0.name"), ==, "adm");
  g_assert_cmpstr (ms_test_reply_str (lc, "cursor.firstBatch.0.type"), ==, "collection");
  g_assert_true (bson_iter_init (&it, lc) && bson_iter_find_descendant (&it, "cursor.firstBatch.0.info.uuid", &it) &&
                 BSON_ITER_HOLDS_BINARY (&it));
  g_assert_false (ms_test_has (lc, "cursor.firstBatch.1"));
  seed (t, "adm", "[{'_id': 1, 'k': 'a'}, {'_id': 2, 'k': 'a'}, {'_id': 3, 'k': 'b'}]");
  /* a unique index over duplicated data cannot be built */
  i1 = ms_test_run (t, FALSE, "{'createIndexes': 'adm', 'indexes': [{'key': {'k': 1}, 'name': 'k_1', 'unique': true}]}");
  g_assert_cmpint (ms_test_reply_int (i1, "code"), ==, 11000);
  i2 = ms_test_run (t, TRUE, "{'createIndexes': 'adm', 'indexes': [{'key': {'k': 1, '_id': -1}, 'name': 'k_1__id_-1'}]}");
  g_assert_cmpint (ms_test_reply_int (i2, "numIndexesBefore"), ==, 1);
  g_assert_cmpint (ms_test_reply_int (i2, "numIndexesAfter"), ==, 2);
  i3 = ms_test_run (t, TRUE, "{'createIndexes': 'adm', 'indexes': [{'key': {'k': 1, '_id': -1}, 'name': 'k_1__id_-1'}]}");
  g_assert_cmpstr (ms_test_reply_str (i3, "note"), ==, "all indexes already exist");
  li = ms_test_run (t, TRUE, "{'listIndexes': 'adm'}");
  g_assert_cmpstr (ms_test_reply_str (li, "cursor.firstBatch.0.name"), ==, "_id_");
  g_assert_cmpstr (ms_test_reply_str (li, "cursor.firstBatch.1.name"), ==, "k_1__id_-1");
  g_assert_cmpint (ms_test_reply_int (li, "cursor.firstBatch.1.key._id"), ==, -1);
  d1 = ms_test_run (t, TRUE, "{'dropIndexes': 'adm', 'index': 'k_1__id_-1'}");
  g_assert_cmpint (ms_test_reply_int (d1, "nIndexesWas"), ==, 2);
  d2 = ms_test_run (t, FALSE, "{'dropIndexes': 'adm', 'index': 'nope_1'}");
  g_assert_cmpint (ms_test_reply_int (d2, "code"), ==, 27);
  g_assert_cmpstr (ms_test_reply_str (d2, "codeName"), ==, "IndexNotFound");
  dr = ms_test_run (t, TRUE, "{'drop': 'adm'}");
  g_assert_cmpint (ms_test_reply_int (dr, "nIndexesWas"), ==, 1);
  ddb = ms_test_run (t, TRUE, "{'dropDatabase': 1}");
  g_clear_pointer (&lc, bson_destroy);
  lc = ms_test_run (t, TRUE, "{'listCollections': 1}");
  g_assert_false (ms_test_has (lc, "cursor.firstBatch.0"));
}

int
main (int argc, char **argv)
{
  ms_test_init (&argc, &argv);
#define ADD(path, fn) g_test_add ("/mongosim/crud/" path, MsTest, NULL, setup, fn, teardown)
  ADD ("insert-generates-id-first", test_insert_generates_id_first);
  ADD ("duplicate-key-error-has-server-shape", test_duplicate_key_error_shape);
  ADD ("compound-unique-index-enforced", test_compound_unique_index);
  ADD ("oid-with-zero-bytes-keys-whole-value", test_oid_with_zero_bytes_keys_whole_value);
  ADD ("unordered-insert-continues-after-error", test_unordered_insert_continues_after_error);
  ADD ("update-operators-apply", test_update_operators);
  ADD ("update-noop-and-errors", test_update_noop_and_errors);
  ADD ("upsert-multi-and-replacement", test_upsert_and_multi);
  ADD ("query-operators", test_query_operators);
  ADD ("array-matching-semantics", test_array_semantics);
  ADD ("null-matches-missing", test_null_and_missing);
  ADD ("cross-type-comparison-order", test_cross_type_order);
  ADD ("projection-sort-skip-limit", test_projection_sort_skip_limit);
  ADD ("cursor-batches-getmore-killcursors", test_cursor_batches_and_kill);
  ADD ("count-distinct-aggregate", test_count_distinct_aggregate);
  ADD ("find-and-modify", test_find_and_modify);
  ADD ("paging-by-id-range", test_paging_by_id_range);
  ADD ("validator-rejects-with-121", test_validator_rejects_with_121);
  ADD ("collection-and-index-admin", test_collection_and_index_admin);
  {
    int status = g_test_run ();

    /* also removes mongoc's /dev/shm counters file */
    mongoc_cleanup ();
    return status;
  }
}
