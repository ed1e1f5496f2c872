/* test-changestream.c — contract tests: change streams (event shapes,
 * levels, options, resume, post-batch tokens, images, history lost)
 */
#define G_LOG_DOMAIN "mongosim-test"
#include "config.h"

#include <string.h>

#include "ms-test-common.h"

static void
setup (MsTest *t, gconstpointer data)
{
  ms_test_setup (t, data);
}

static void
teardown (MsTest *t, gconstpointer data)
{
  ms_test_teardown (t);
}

static const char *const small_oplog[] = { "--oplog-size", "5", NULL };
static const char *const standalone[] = { "--standalone", NULL };

static mongoc_change_stream_t *
watch (MsTest *t, const char *coll, const char *pipeline, const char *opts)
{
  g_autoptr(bson_t) p = ms_j ("{'pipeline': %s}", pipeline ? pipeline : "[]");
  g_autoptr(bson_t) o = ms_j ("%s", opts ? opts : "{}");
  mongoc_change_stream_t *stream;

  if (!bson_has_field (o, "maxAwaitTimeMS"))
    BSON_APPEND_INT64 (o, "maxAwaitTimeMS", 100);
  if (coll == NULL)
    {
      mongoc_database_t *db = mongoc_client_get_database (t->client, t->dbname);
      stream = mongoc_database_watch (db, p, o);
      mongoc_database_destroy (db);
    }
  else
    {
      g_autoptr(mongoc_collection_t) c = ms_test_coll (t, coll);
      stream = mongoc_collection_watch (c, p, o);
    }
  return stream;
}

/* The next event (a copy), waiting up to 10 s; NULL with *error on failure. */
static bson_t *
next_event (mongoc_change_stream_t *stream, bson_error_t *error)
{
  gint64 deadline = g_get_monotonic_time () + 10 * G_USEC_PER_SEC;
  const bson_t *doc;
  const bson_t *reply;

  while (g_get_monotonic_time () < deadline)
    {
      if (mongoc_change_stream_next (stream, &doc))
        return bson_copy (doc);
      if (mongoc_change_stream_error_document (stream, error, &reply))
        return NULL;
    }
  g_error ("no change event within 10 s");
  return NULL;
}

static bson_t *
must_next (mongoc_change_stream_t *stream)
{
  bson_error_t error;
  bson_t *ev = next_event (stream, &error);

  if (ev == NULL)
    g_error ("change stream failed: %s", error.message);
  return ev;
}

#define exec(t, fmt, arg) \
  G_STMT_START { g_autoptr(bson_t) r_ = ms_test_run (t, TRUE, fmt, arg); \
    g_assert_false (ms_test_has (r_, "writeErrors")); } G_STMT_END

static char *
token_of (const bson_t *ev)
{
  return g_strdup (ms_test_reply_str (ev, "_id._data"));
}

static void
test_event_shapes (MsTest *t, gconstpointer data)
{
  g_autoptr(mongoc_change_stream_t) s = NULL;
  g_autoptr(bson_t) ins = NULL, upd = NULL, rep = NULL, del = NULL;
  bson_iter_t it;
  g_autoptr(bson_t) ns = NULL;
  g_autofree char *t1 = NULL, *t2 = NULL, *t3 = NULL, *t4 = NULL;

  exec (t, "{'create': '%s'}", "meds");
  s = watch (t, "meds", NULL, "{'fullDocument': 'updateLookup'}");
  exec (t, "{'insert': '%s', 'documents': [{'_id': 1, 'name': 'a', 'b': 1, 'arr': [1, 2, 3]}]}", "meds");
  exec (t, "{'update': '%s', 'updates': [{'q': {'_id': 1}, 'u': {'$set': {'name': 'z', 'x.y': 2}, "
        "'$unset': {'b': ''}}}]}", "meds");
  exec (t, "{'update': '%s', 'updates': [{'q': {'_id': 1}, 'u': {'name': 'r'}}]}", "meds");
  exec (t, "{'delete': '%s', 'deletes': [{'q': {'_id': 1}, 'limit': 1}]}", "meds");

  ins = must_next (s);
  g_assert_cmpstr (ms_test_reply_str (ins, "operationType"), ==, "insert");
  g_assert_true (bson_iter_init_find (&it, ins, "clusterTime") && BSON_ITER_HOLDS_TIMESTAMP (&it));
  g_assert_true (bson_iter_init_find (&it, ins, "wallTime") && BSON_ITER_HOLDS_DATE_TIME (&it));
  g_assert_cmpstr (ms_test_reply_str (ins, "ns.db"), ==, t->dbname);
  g_assert_cmpstr (ms_test_reply_str (ins, "ns.coll"), ==, "meds");
  g_assert_cmpint (ms_test_reply_int (ins, "documentKey._id"), ==, 1);
  g_assert_cmpstr (ms_test_reply_str (ins, "fullDocument.name"), ==, "a");
  g_assert_nonnull (ms_test_reply_str (ins, "_id._data"));

  upd = must_next (s);
  g_assert_cmpstr (ms_test_reply_str (upd, "operationType"), ==, "update");
  g_assert_cmpstr (ms_test_reply_str (upd, "updateDescription.updatedFields.name"), ==, "z");
  g_assert_cmpint (ms_test_reply_int (upd, "updateDescription.updatedFields.x.y"), ==, 2);
  g_assert_cmpstr (ms_test_reply_str (upd, "updateDescription.removedFields.0"), ==, "b");
  g_assert_true (bson_iter_init (&it, upd) &&
                 bson_iter_find_descendant (&it, "updateDescription.truncatedArrays", &it) &&
                 BSON_ITER_HOLDS_ARRAY (&it));
  /* updateLookup reads the document when the event is read: all four
   * writes were done by then, so it is gone (null) */
  g_assert_true (bson_iter_init_find (&it, upd, "fullDocument") && BSON_ITER_HOLDS_NULL (&it));

  rep = must_next (s);
  g_assert_cmpstr (ms_test_reply_str (rep, "operationType"), ==, "replace");
  g_assert_cmpstr (ms_test_reply_str (rep, "fullDocument.name"), ==, "r");
  g_assert_false (ms_test_has (rep, "updateDescription"));

  del = must_next (s);
  g_assert_cmpstr (ms_test_reply_str (del, "operationType"), ==, "delete");
  g_assert_cmpint (ms_test_reply_int (del, "documentKey._id"), ==, 1);
  g_assert_false (ms_test_has (del, "fullDocument"));

  t1 = token_of (ins), t2 = token_of (upd), t3 = token_of (rep), t4 = token_of (del);
  g_assert_cmpint (strcmp (t1, t2), <, 0);
  g_assert_cmpint (strcmp (t2, t3), <, 0);
  g_assert_cmpint (strcmp (t3, t4), <, 0);
}

static void
test_update_fulldocument_modes (MsTest *t, gconstpointer data)
{
  g_autoptr(mongoc_change_stream_t) plain = NULL, lookup = NULL;
  g_autoptr(bson_t) e1 = NULL, e2 = NULL;
  bson_iter_t it;

  exec (t, "{'create': '%s'}", "m");
  plain = watch (t, "m", NULL, NULL);
  lookup = watch (t, "m", NULL, "{'fullDocument': 'updateLookup'}");
  exec (t, "{'insert': '%s', 'documents': [{'_id': 1, 'v': 1}]}", "m");
  exec (t, "{'update': '%s', 'updates': [{'q': {'_id': 1}, 'u': {'$inc': {'v': 1}}}]}", "m");
  exec (t, "{'delete': '%s', 'deletes': [{'q': {'_id': 1}, 'limit': 1}]}", "m");
  g_clear_pointer (&e1, bson_destroy);
  e1 = must_next (plain);
  bson_destroy (e1);
  e1 = must_next (plain);
  g_assert_cmpstr (ms_test_reply_str (e1, "operationType"), ==, "update");
  g_assert_false (ms_test_has (e1, "fullDocument"));
  e2 = must_next (lookup);
  bson_destroy (e2);
  e2 = must_next (lookup);
  /* the document was deleted before the event was read: null */
  g_assert_true (bson_iter_init_find (&it, e2, "fullDocument") && BSON_ITER_HOLDS_NULL (&it));
}

static void
test_database_and_cluster_level (MsTest *t, gconstpointer data)
{
  g_autoptr(mongoc_change_stream_t) dbs = NULL, cluster = NULL;
  g_autoptr(bson_t) a = NULL, b = NULL, d = NULL, dd = NULL, inv = NULL, c1 = NULL;
  g_autoptr(bson_t) opts = ms_j ("{'maxAwaitTimeMS': 100}");
  g_autoptr(bson_t) pipeline = NULL;

  exec (t, "{'create': '%s'}", "one");
  dbs = watch (t, NULL, NULL, NULL);
  pipeline = ms_j ("{'pipeline': [{'$match': {'ns.db': '%s'}}]}", t->dbname);
  cluster = mongoc_client_watch (t->client, pipeline, opts);
  exec (t, "{'insert': '%s', 'documents': [{'_id': 1}]}", "one");
  exec (t, "{'insert': '%s', 'documents': [{'_id': 2}]}", "two");
  exec (t, "{'drop': '%s'}", "one");
  {
    g_autoptr(bson_t) r = ms_test_run (t, TRUE, "{'dropDatabase': 1}");
  }
  a = must_next (dbs);
  b = must_next (dbs);
  g_assert_cmpstr (ms_test_reply_str (a, "ns.coll"), ==, "one");
  g_assert_cmpstr (ms_test_reply_str (b, "ns.coll"), ==, "two");
  d = must_next (dbs);
  g_assert_cmpstr (ms_test_reply_str (d, "operationType"), ==, "drop");
  g_assert_cmpstr (ms_test_reply_str (d, "ns.coll"), ==, "one");
  /* dropDatabase drops "two" first, then reports itself and invalidates */
  bson_destroy (d);
  d = must_next (dbs);
  g_assert_cmpstr (ms_test_reply_str (d, "operationType"), ==, "drop");
  g_assert_cmpstr (ms_test_reply_str (d, "ns.coll"), ==, "two");
  dd = must_next (dbs);
  g_assert_cmpstr (ms_test_reply_str (dd, "operationType"), ==, "dropDatabase");
  g_assert_false (ms_test_has (dd, "ns.coll"));
  inv = must_next (dbs);
  g_assert_cmpstr (ms_test_reply_str (inv, "operationType"), ==, "invalidate");

  c1 = must_next (cluster);
  g_assert_cmpstr (ms_test_reply_str (c1, "ns.coll"), ==, "one");
  bson_destroy (c1);
  c1 = must_next (cluster);
  g_assert_cmpstr (ms_test_reply_str (c1, "ns.coll"), ==, "two");
}

static void
test_drop_invalidates_and_start_after (MsTest *t, gconstpointer data)
{
  g_autoptr(mongoc_change_stream_t) s = NULL, again = NULL;
  g_autoptr(bson_t) drop = NULL, inv = NULL, after = NULL, r = NULL;
  g_autofree char *opts = NULL;

  exec (t, "{'create': '%s'}", "gone");
  s = watch (t, "gone", NULL, NULL);
  exec (t, "{'drop': '%s'}", "gone");
  drop = must_next (s);
  g_assert_cmpstr (ms_test_reply_str (drop, "operationType"), ==, "drop");
  inv = must_next (s);
  g_assert_cmpstr (ms_test_reply_str (inv, "operationType"), ==, "invalidate");
  g_assert_false (ms_test_has (inv, "ns"));

  /* resumeAfter an invalidate is refused; startAfter continues past it */
  r = ms_test_run (t, FALSE, "{'aggregate': 'gone', 'cursor': {}, 'pipeline': [{'$changeStream': "
                   "{'resumeAfter': {'_data': '%s'}}}]}", ms_test_reply_str (inv, "_id._data"));
  g_assert_cmpint (ms_test_reply_int (r, "code"), ==, 260);
  opts = g_strdup_printf ("{'startAfter': {'_data': '%s'}}", ms_test_reply_str (inv, "_id._data"));
  again = watch (t, "gone", NULL, opts);
  exec (t, "{'insert': '%s', 'documents': [{'_id': 'new'}]}", "gone");
  after = must_next (again);
  g_assert_cmpstr (ms_test_reply_str (after, "operationType"), ==, "insert");
  g_assert_cmpstr (ms_test_reply_str (after, "documentKey._id"), ==, "new");
}

static void
test_resume_after_token (MsTest *t, gconstpointer data)
{
  g_autoptr(mongoc_change_stream_t) s = NULL, resumed = NULL;
  g_autoptr(bson_t) e1 = NULL, e2 = NULL, e3 = NULL;
  g_autofree char *opts = NULL;

  exec (t, "{'create': '%s'}", "r");
  s = watch (t, "r", NULL, NULL);
  exec (t, "{'insert': '%s', 'documents': [{'_id': 1}, {'_id': 2}, {'_id': 3}]}", "r");
  e1 = must_next (s);
  e2 = must_next (s);
  g_clear_pointer (&s, mongoc_change_stream_destroy);
  opts = g_strdup_printf ("{'resumeAfter': {'_data': '%s'}}", ms_test_reply_str (e2, "_id._data"));
  resumed = watch (t, "r", NULL, opts);
  e3 = must_next (resumed);
  g_assert_cmpint (ms_test_reply_int (e3, "documentKey._id"), ==, 3);
}

static void
test_start_at_operation_time (MsTest *t, gconstpointer data)
{
  g_autoptr(bson_t) r = NULL;
  g_autoptr(mongoc_change_stream_t) s = NULL;
  g_autoptr(bson_t) e = NULL;
  g_autofree char *opts = NULL;
  bson_iter_t it;
  guint32 ts, inc;

  exec (t, "{'create': '%s'}", "s");
  r = ms_test_run (t, TRUE, "{'insert': 's', 'documents': [{'_id': 'first'}]}");
  g_assert_true (bson_iter_init_find (&it, r, "operationTime"));
  bson_iter_timestamp (&it, &ts, &inc);
  exec (t, "{'insert': '%s', 'documents': [{'_id': 'second'}]}", "s");
  opts = g_strdup_printf ("{'startAtOperationTime': {'$timestamp': {'t': %u, 'i': %u}}}", ts, inc);
  s = watch (t, "s", NULL, opts);
  e = must_next (s);
  /* inclusive: the write at operationTime itself is returned */
  g_assert_cmpstr (ms_test_reply_str (e, "documentKey._id"), ==, "first");
}

static char *
pbrt (const bson_t *reply)
{
  const char *p = ms_test_reply_str (reply, "cursor.postBatchResumeToken._data");

  g_assert_nonnull (p);
  return g_strdup (p);
}

static void
test_post_batch_token_advances_when_filtered (MsTest *t, gconstpointer data)
{
  g_autoptr(bson_t) agg = NULL, more = NULL;
  g_autofree char *p1 = NULL, *p2 = NULL;
  bson_iter_t it;
  gint64 id;

  exec (t, "{'create': '%s'}", "f");
  agg = ms_test_run (t, TRUE, "{'aggregate': 'f', 'cursor': {}, 'pipeline': [{'$changeStream': {}}, "
                     "{'$match': {'fullDocument.tenantId': 'A'}}]}");
  p1 = pbrt (agg);
  g_assert_true (bson_iter_init (&it, agg) && bson_iter_find_descendant (&it, "cursor.id", &it));
  id = bson_iter_int64 (&it);
  g_assert_cmpint (id, !=, 0);
  exec (t, "{'insert': '%s', 'documents': [{'tenantId': 'B'}, {'tenantId': 'B'}]}", "f");
  more = ms_test_run (t, TRUE, "{'getMore': {'$numberLong': '%" G_GINT64_FORMAT "'}, 'collection': 'f', "
                      "'maxTimeMS': 200}", id);
  g_assert_false (ms_test_has (more, "cursor.nextBatch.0"));
  p2 = pbrt (more);
  g_assert_cmpint (strcmp (p1, p2), <, 0);
}

static void
test_match_on_fulldocument_drops_deletes (MsTest *t, gconstpointer data)
{
  g_autoptr(mongoc_change_stream_t) s = NULL;
  g_autoptr(bson_t) e1 = NULL, e2 = NULL, e3 = NULL;

  exec (t, "{'create': '%s'}", "t");
  s = watch (t, "t", "[{'$match': {'fullDocument.tenantId': 'A'}}]", "{'fullDocument': 'updateLookup'}");
  exec (t, "{'insert': '%s', 'documents': [{'_id': 1, 'tenantId': 'A'}, {'_id': 2, 'tenantId': 'B'}]}", "t");
  exec (t, "{'update': '%s', 'updates': [{'q': {'_id': 1}, 'u': {'$set': {'v': 1}}}]}", "t");
  e1 = must_next (s);
  g_assert_cmpint (ms_test_reply_int (e1, "documentKey._id"), ==, 1);
  e2 = must_next (s);
  g_assert_cmpstr (ms_test_reply_str (e2, "operationType"), ==, "update");
  exec (t, "{'delete': '%s', 'deletes': [{'q': {'_id': 1}, 'limit': 1}]}", "t");
  exec (t, "{'insert': '%s', 'documents': [{'_id': 3, 'tenantId': 'A'}]}", "t");
  e3 = must_next (s);
  /* the delete (no fullDocument) and tenant B never pass the $match */
  g_assert_cmpstr (ms_test_reply_str (e3, "operationType"), ==, "insert");
  g_assert_cmpint (ms_test_reply_int (e3, "documentKey._id"), ==, 3);
}

static void
test_pre_and_post_images (MsTest *t, gconstpointer data)
{
  g_autoptr(mongoc_change_stream_t) s = NULL;
  g_autoptr(bson_t) e1 = NULL, e2 = NULL, e3 = NULL, r = NULL;

  r = ms_test_run (t, TRUE, "{'create': 'img', 'changeStreamPreAndPostImages': {'enabled': true}}");
  s = watch (t, "img", NULL, "{'fullDocument': 'required', 'fullDocumentBeforeChange': 'required'}");
  exec (t, "{'insert': '%s', 'documents': [{'_id': 1, 'v': 1}]}", "img");
  exec (t, "{'update': '%s', 'updates': [{'q': {'_id': 1}, 'u': {'$set': {'v': 2}}}]}", "img");
  exec (t, "{'delete': '%s', 'deletes': [{'q': {'_id': 1}, 'limit': 1}]}", "img");
  e1 = must_next (s);
  e2 = must_next (s);
  g_assert_cmpint (ms_test_reply_int (e2, "fullDocument.v"), ==, 2);
  g_assert_cmpint (ms_test_reply_int (e2, "fullDocumentBeforeChange.v"), ==, 1);
  e3 = must_next (s);
  g_assert_cmpstr (ms_test_reply_str (e3, "operationType"), ==, "delete");
  g_assert_cmpint (ms_test_reply_int (e3, "fullDocumentBeforeChange.v"), ==, 2);
}

static void
test_batch_size (MsTest *t, gconstpointer data)
{
  g_autoptr(bson_t) agg = NULL, more = NULL;
  bson_iter_t it;
  gint64 id;

  exec (t, "{'create': '%s'}", "b");
  agg = ms_test_run (t, TRUE, "{'aggregate': 'b', 'cursor': {'batchSize': 0}, 'pipeline': [{'$changeStream': {}}]}");
  g_assert_true (bson_iter_init (&it, agg) && bson_iter_find_descendant (&it, "cursor.id", &it));
  id = bson_iter_int64 (&it);
  exec (t, "{'insert': '%s', 'documents': [{'_id': 1}, {'_id': 2}, {'_id': 3}, {'_id': 4}, {'_id': 5}]}", "b");
  more = ms_test_run (t, TRUE, "{'getMore': {'$numberLong': '%" G_GINT64_FORMAT "'}, 'collection': 'b', "
                      "'batchSize': 2, 'maxTimeMS': 1000}", id);
  g_assert_cmpint (ms_test_reply_int (more, "cursor.nextBatch.1.documentKey._id"), ==, 2);
  g_assert_false (ms_test_has (more, "cursor.nextBatch.2"));
  /* a full batch's post-batch token is its last event's token */
  g_assert_cmpstr (ms_test_reply_str (more, "cursor.postBatchResumeToken._data"), ==,
                   ms_test_reply_str (more, "cursor.nextBatch.1._id._data"));
}

typedef struct
{
  MsTest *t;
  gint64 elapsed_us;
  bson_t *event;
} WaitData;

static gpointer
wait_thread (gpointer data)
{
  WaitData *w = data;
  g_autoptr(mongoc_client_t) client = ms_test_new_client (w->t);
  g_autoptr(mongoc_collection_t) c = mongoc_client_get_collection (client, w->t->dbname, "w");
  g_autoptr(bson_t) p = ms_j ("{'pipeline': []}");
  g_autoptr(bson_t) o = ms_j ("{'maxAwaitTimeMS': 10000}");
  g_autoptr(mongoc_change_stream_t) s = mongoc_collection_watch (c, p, o);
  const bson_t *doc;
  gint64 start = g_get_monotonic_time ();

  /* the first getMore blocks: its wake-up is what we measure */
  if (mongoc_change_stream_next (s, &doc))
    w->event = bson_copy (doc);
  w->elapsed_us = g_get_monotonic_time () - start;
  return NULL;
}

static void
test_getmore_wakes_on_commit (MsTest *t, gconstpointer data)
{
  WaitData w = { t, 0, NULL };
  GThread *thread;

  exec (t, "{'create': '%s'}", "w");
  thread = g_thread_new ("waiter", wait_thread, &w);
  /* give the waiter time to be blocked in its getMore, then commit */
  g_usleep (500 * 1000);
  exec (t, "{'insert': '%s', 'documents': [{'_id': 'wake'}]}", "w");
  g_thread_join (thread);
  g_assert_nonnull (w.event);
  g_assert_cmpstr (ms_test_reply_str (w.event, "documentKey._id"), ==, "wake");
  /* far below maxAwaitTimeMS (10 s): woken by the commit, not by a timer */
  g_test_message ("event after %" G_GINT64_FORMAT " ms", w.elapsed_us / 1000);
  g_assert_cmpint (w.elapsed_us, <, 3 * G_USEC_PER_SEC);
  bson_destroy (w.event);
}

static void
test_history_lost (MsTest *t, gconstpointer data)
{
  g_autoptr(mongoc_change_stream_t) s = NULL;
  g_autoptr(bson_t) e1 = NULL, r = NULL;
  bson_iter_t it;

  if (ms_test_skip_if_external ("needs --oplog-size to roll the oplog over"))
    return;
  exec (t, "{'create': '%s'}", "h");
  s = watch (t, "h", NULL, NULL);
  exec (t, "{'insert': '%s', 'documents': [{'_id': 0}]}", "h");
  e1 = must_next (s);
  for (int i = 1; i <= 10; i++)
    {
      g_autoptr(bson_t) w = ms_test_run (t, TRUE, "{'insert': 'h', 'documents': [{'_id': %d}]}", i);
    }
  r = ms_test_run (t, FALSE, "{'aggregate': 'h', 'cursor': {}, 'pipeline': [{'$changeStream': "
                   "{'resumeAfter': {'_data': '%s'}}}]}", ms_test_reply_str (e1, "_id._data"));
  g_assert_cmpint (ms_test_reply_int (r, "code"), ==, 286);
  g_assert_cmpstr (ms_test_reply_str (r, "codeName"), ==, "ChangeStreamHistoryLost");
  g_assert_true (bson_iter_init (&it, r) && bson_iter_find_descendant (&it, "errorLabels.0", &it));
  g_assert_cmpstr (bson_iter_utf8 (&it, NULL), ==, "NonResumableChangeStreamError");
}

static void
test_standalone_refuses (MsTest *t, gconstpointer data)
{
  g_autoptr(bson_t) r = NULL;

  if (ms_test_skip_if_external ("needs a standalone server"))
    return;
  r = ms_test_run (t, FALSE, "{'aggregate': 'x', 'cursor': {}, 'pipeline': [{'$changeStream': {}}]}");
  g_assert_cmpint (ms_test_reply_int (r, "code"), ==, 40573);
  g_assert_cmpstr (ms_test_reply_str (r, "errmsg"), ==, "The $changeStream stage is only supported on replica sets");
}

static void
test_bad_token_refused (MsTest *t, gconstpointer data)
{
  g_autoptr(bson_t) r = NULL;

  exec (t, "{'create': '%s'}", "x");
  r = ms_test_run (t, FALSE, "{'aggregate': 'x', 'cursor': {}, 'pipeline': [{'$changeStream': "
                   "{'resumeAfter': {'_data': 'not-a-token'}}}]}");
  g_assert_cmpint (ms_test_reply_int (r, "ok"), ==, 0);
}

static void
test_driver_resumes_after_network_error (MsTest *t, gconstpointer data)
{
  g_autoptr(mongoc_change_stream_t) s = NULL;
  g_autoptr(bson_t) fp = NULL, e1 = NULL, e2 = NULL, e3 = NULL, off = NULL;
  bson_t reply;

  exec (t, "{'create': '%s'}", "rc");
  s = watch (t, "rc", NULL, NULL);
  exec (t, "{'insert': '%s', 'documents': [{'_id': 1}]}", "rc");
  e1 = must_next (s);
  /* the next getMore loses its connection: mongoc resumes from its token */
  fp = ms_j ("{'configureFailPoint': 'failCommand', 'mode': {'times': 1}, "
             "'data': {'failCommands': ['getMore'], 'closeConnection': true}}");
  g_assert_true (mongoc_client_command_simple (t->client, "admin", fp, NULL, &reply, NULL));
  bson_destroy (&reply);
  exec (t, "{'insert': '%s', 'documents': [{'_id': 2}, {'_id': 3}]}", "rc");
  e2 = must_next (s);
  e3 = must_next (s);
  g_assert_cmpint (ms_test_reply_int (e2, "documentKey._id"), ==, 2);
  g_assert_cmpint (ms_test_reply_int (e3, "documentKey._id"), ==, 3);
  off = ms_j ("{'configureFailPoint': 'failCommand', 'mode': 'off'}");
  g_assert_true (mongoc_client_command_simple (t->client, "admin", off, NULL, &reply, NULL));
  bson_destroy (&reply);
}

static void
test_before_change_when_available_without_images (MsTest *t, gconstpointer data)
{
  g_autoptr(mongoc_change_stream_t) s = NULL;
  g_autoptr(bson_t) e1 = NULL, e2 = NULL;
  bson_iter_t it;

  exec (t, "{'create': '%s'}", "noimg");
  s = watch (t, "noimg", NULL, "{'fullDocumentBeforeChange': 'whenAvailable', 'fullDocument': 'whenAvailable'}");
  exec (t, "{'insert': '%s', 'documents': [{'_id': 1, 'v': 1}]}", "noimg");
  exec (t, "{'update': '%s', 'updates': [{'q': {'_id': 1}, 'u': {'$set': {'v': 2}}}]}", "noimg");
  e1 = must_next (s);
  e2 = must_next (s);
  g_assert_true (bson_iter_init_find (&it, e2, "fullDocumentBeforeChange") && BSON_ITER_HOLDS_NULL (&it));
  g_assert_true (bson_iter_init_find (&it, e2, "fullDocument") && BSON_ITER_HOLDS_NULL (&it));
}

int
main (int argc, char **argv)
{
  ms_test_init (&argc, &argv);
#define ADD(path, fn, args) g_test_add ("/mongosim/changestream/" path, MsTest, args, setup, fn, teardown)
  ADD ("event-shapes-and-ordered-tokens", test_event_shapes, NULL);
  ADD ("update-fulldocument-default-and-lookup", test_update_fulldocument_modes, NULL);
  ADD ("database-and-cluster-level", test_database_and_cluster_level, NULL);
  ADD ("drop-invalidates-start-after-continues", test_drop_invalidates_and_start_after, NULL);
  ADD ("resume-after-token", test_resume_after_token, NULL);
  ADD ("start-at-operation-time-inclusive", test_start_at_operation_time, NULL);
  ADD ("post-batch-token-advances-when-filtered", test_post_batch_token_advances_when_filtered, NULL);
  ADD ("match-on-fulldocument-drops-deletes", test_match_on_fulldocument_drops_deletes, NULL);
  ADD ("pre-and-post-images", test_pre_and_post_images, NULL);
  ADD ("batch-size-and-full-batch-token", test_batch_size, NULL);
  ADD ("getmore-wakes-on-commit", test_getmore_wakes_on_commit, NULL);
  ADD ("history-lost-is-non-resumable", test_history_lost, small_oplog);
  ADD ("standalone-refuses-change-streams", test_standalone_refuses, standalone);
  ADD ("bad-resume-token-refused", test_bad_token_refused, NULL);
  ADD ("driver-resumes-after-network-error", test_driver_resumes_after_network_error, NULL);
  ADD ("images-when-available-null-without-option", test_before_change_when_available_without_images, NULL);
  return g_test_run ();
}
