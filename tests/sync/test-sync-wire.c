/* test-sync-wire.c: what the engine puts on the wire when it pushes, as the
 * server receives it (issue #4: "Bulk writes, unordered, batches of up to
 * 1,000, retryable writes on, write concern majority").  mongosim saves
 * every message it receives (MONGOSIM_RECORD_DIR); the test reads the
 * OP_MSG commands back. */
#define G_LOG_DOMAIN "pt-test"
#include "config.h"

#include <string.h>
#include <glib/gstdio.h>
#include "sync-test-util.h"

#define N_MEDICINES 2500
#define N_EDITS 1200

typedef struct
{
  guint  commands;    /* insert / update commands on the collection */
  guint  docs;        /* documents or update statements they carried */
  guint  largest;
  guint  ordered;     /* commands without ordered: false */
  guint  not_majority;
  guint  not_retryable;
  guint  tenant_streams; /* change streams of the tenant (any command) */
} Writes;

/* TRUE when @clause (a $match document) holds "fullDocument.tenantId":
 * <tenant>, directly or in one branch of an $or. */
static gboolean
matches_tenant (bson_iter_t      *clause,
                const bson_oid_t *tenant)
{
  bson_iter_t field, branches, branch;

  if (!bson_iter_recurse (clause, &field))
    return FALSE;
  while (bson_iter_next (&field))
    {
      if (g_strcmp0 (bson_iter_key (&field), "fullDocument.tenantId") == 0)
        return BSON_ITER_HOLDS_OID (&field) && bson_oid_equal (bson_iter_oid (&field), tenant);
      if (g_strcmp0 (bson_iter_key (&field), "$or") == 0 && bson_iter_recurse (&field, &branches))
        while (bson_iter_next (&branches))
          {
            branch = branches;
            if (matches_tenant (&branch, tenant))
              return TRUE;
          }
    }
  return FALSE;
}

/* TRUE when @body is the database-wide change stream of issue #4:
 * {aggregate: 1, pipeline: [{$changeStream: {fullDocument: "updateLookup"}},
 * {$match: {… "fullDocument.tenantId": <tenant> …, "ns.coll": {$in: […]}}}]}. */
static gboolean
is_tenant_change_stream (const bson_t *body)
{
  bson_iter_t it, stage, in, field;
  gboolean update_lookup = FALSE, tenant = FALSE, colls = FALSE;
  bson_oid_t want;

  if (!bson_iter_init_find (&it, body, "aggregate") || !BSON_ITER_HOLDS_NUMBER (&it)
      || bson_iter_as_int64 (&it) != 1
      || !bson_iter_init_find (&it, body, "pipeline") || !bson_iter_recurse (&it, &stage))
    return FALSE;
  bson_oid_init_from_string (&want, SYNC_TEST_TENANT);
  while (bson_iter_next (&stage))
    {
      if (bson_iter_recurse (&stage, &in) && bson_iter_find_descendant (&in, "$changeStream.fullDocument", &field)
          && BSON_ITER_HOLDS_UTF8 (&field))
        update_lookup = g_strcmp0 (bson_iter_utf8 (&field, NULL), "updateLookup") == 0;
      if (bson_iter_recurse (&stage, &in) && bson_iter_find (&in, "$match"))
        {
          field = in;
          tenant = matches_tenant (&field, &want);
          if (bson_iter_recurse (&in, &field) && bson_iter_find (&field, "ns.coll")
              && BSON_ITER_HOLDS_DOCUMENT (&field))
            {
              bson_iter_t op;

              colls = bson_iter_recurse (&field, &op) && bson_iter_find (&op, "$in");
            }
        }
    }
  return update_lookup && tenant && colls;
}

/* The number of documents in a kind-1 section named @name, or in the
 * body's array @name when the driver put them there. */
static void
count_command (const guint8 *msg,
               gsize         len,
               const gchar  *verb,
               const gchar  *array,
               const gchar  *coll,
               Writes       *w)
{
  gsize off = 16 + 4;  /* header, flagBits */
  bson_t body;
  gboolean have_body = FALSE;
  guint docs = 0;
  bson_iter_t it, sub;

  if (len < 21 || GUINT32_FROM_LE (*(guint32 *) (msg + 12)) != 2013)  /* OP_MSG */
    return;
  while (off < len)
    {
      guint8 kind = msg[off++];
      gint32 size;

      if (off + 4 > len)
        return;
      memcpy (&size, msg + off, 4);
      size = GINT32_FROM_LE (size);
      if (size < 5 || off + (gsize) size > len)
        return;
      if (kind == 0)
        {
          if (!bson_init_static (&body, msg + off, (size_t) size))
            return;
          have_body = TRUE;
        }
      else if (kind == 1)
        {
          const gchar *ident = (const gchar *) msg + off + 4;
          gsize p = off + 4 + strlen (ident) + 1;

          if (g_strcmp0 (ident, array) == 0)
            while (p + 4 <= off + (gsize) size)
              {
                gint32 dlen;

                memcpy (&dlen, msg + p, 4);
                dlen = GINT32_FROM_LE (dlen);
                if (dlen < 5)
                  break;
                docs++;
                p += (gsize) dlen;
              }
        }
      off += (gsize) size;
    }
  if (have_body && is_tenant_change_stream (&body))
    w->tenant_streams++;

  if (!have_body || !bson_iter_init_find (&it, &body, verb) || !BSON_ITER_HOLDS_UTF8 (&it)
      || g_strcmp0 (bson_iter_utf8 (&it, NULL), coll) != 0)
    return;
  if (bson_iter_init_find (&it, &body, array) && BSON_ITER_HOLDS_ARRAY (&it) && bson_iter_recurse (&it, &sub))
    while (bson_iter_next (&sub))
      docs++;
  w->commands++;
  w->docs += docs;
  w->largest = MAX (w->largest, docs);
  if (!bson_iter_init_find (&it, &body, "ordered") || bson_iter_as_bool (&it))
    w->ordered++;
  if (!bson_iter_init (&it, &body) || !bson_iter_find_descendant (&it, "writeConcern.w", &sub)
      || !BSON_ITER_HOLDS_UTF8 (&sub) || g_strcmp0 (bson_iter_utf8 (&sub, NULL), "majority") != 0)
    w->not_majority++;
  if (!bson_iter_init_find (&it, &body, "txnNumber"))
    w->not_retryable++;
}

static Writes
read_writes (const gchar *dir,
             const gchar *verb,
             const gchar *array,
             const gchar *coll)
{
  g_autoptr(GDir) d = g_dir_open (dir, 0, NULL);
  const gchar *name;
  Writes w = { 0 };

  g_assert_nonnull (d);
  while ((name = g_dir_read_name (d)) != NULL)
    {
      g_autofree gchar *path = g_build_filename (dir, name, NULL);
      g_autofree gchar *data = NULL;
      gsize len;

      if (g_file_get_contents (path, &data, &len, NULL))
        count_command ((const guint8 *) data, len, verb, array, coll, &w);
    }
  g_test_message ("%s %s: %u commands, %u documents, at most %u in one; %u ordered, "
                  "%u without w: majority, %u without txnNumber",
                  verb, coll, w.commands, w.docs, w.largest, w.ordered, w.not_majority, w.not_retryable);
  return w;
}

static void
clear_dir (const gchar *dir)
{
  g_autoptr(GDir) d = g_dir_open (dir, 0, NULL);
  const gchar *name;

  while (d != NULL && (name = g_dir_read_name (d)) != NULL)
    {
      g_autofree gchar *path = g_build_filename (dir, name, NULL);
      g_remove (path);
    }
}

static void
test_push_sends_unordered_majority_retryable_bulks (void)
{
  g_autofree gchar *record = sync_test_mkdtemp ();
  g_autofree gchar *dir = sync_test_mkdtemp ();
  g_autoptr(PtStore) store = NULL;
  g_autoptr(GPtrArray) ids = g_ptr_array_new_with_free_func (g_free);
  MongosimFixture *sim;
  mongoc_client_t *web;
  Writes inserts, updates;
  gint64 medicines;

  g_setenv ("MONGOSIM_RECORD_DIR", record, TRUE);
  sim = sync_test_server (NULL);
  g_unsetenv ("MONGOSIM_RECORD_DIR");
  store = sync_test_create_tenant (dir);
  for (guint i = 0; i < N_MEDICINES; i++)
    {
      g_autofree gchar *name = g_strdup_printf ("Wire test medicine %04u", i);

      g_ptr_array_add (ids, sync_test_put_medicine (store, name, 100 + i));
    }
  medicines = pt_store_count (store, "medicines");
  g_assert_cmpint (medicines, >=, N_MEDICINES);
  clear_dir (record);
  sync_test_sync_ok (dir, mongosim_fixture_get_uri (sim));

  /* New documents: inserts of at most 1,000, every one sent. */
  inserts = read_writes (record, "insert", "documents", "medicines");
  g_assert_cmpuint (inserts.docs, ==, medicines);
  g_assert_cmpuint (inserts.commands, >=, (medicines + 999) / 1000);
  g_assert_cmpuint (inserts.largest, <=, 1000);
  g_assert_cmpuint (inserts.ordered, ==, 0);
  g_assert_cmpuint (inserts.not_majority, ==, 0);
  g_assert_cmpuint (inserts.not_retryable, ==, 0);

  /* Changed documents: compare-and-set updates, the same way. */
  for (guint i = 0; i < N_EDITS; i++)
    sync_test_update (store, "medicines", g_ptr_array_index (ids, i), "{\"price\": {\"$numberLong\": \"4242\"}}");
  clear_dir (record);
  sync_test_sync_ok (dir, mongosim_fixture_get_uri (sim));
  updates = read_writes (record, "update", "updates", "medicines");
  /* The pull follows one change stream on the database, filtered to this
   * tenant and the synced collections, with the full documents. */
  g_assert_cmpuint (updates.tenant_streams, >=, 1);
  g_assert_cmpuint (updates.docs, ==, N_EDITS);
  g_assert_cmpuint (updates.largest, <=, 1000);
  g_assert_cmpuint (updates.commands, >=, 2);
  g_assert_cmpuint (updates.ordered, ==, 0);
  g_assert_cmpuint (updates.not_majority, ==, 0);
  g_assert_cmpuint (updates.not_retryable, ==, 0);
  web = sync_test_client (mongosim_fixture_get_uri (sim));
  {
    g_autofree gchar *filter = g_strdup_printf ("{\"tenantId\": {\"$oid\": \"%s\"}, \"price\": 4242}",
                                                SYNC_TEST_TENANT);
    g_assert_cmpint (sync_test_server_count (web, "medicines", filter), ==, N_EDITS);
  }

  mongoc_client_destroy (web);
  g_clear_object (&store);
  mongosim_fixture_free (sim);
  sync_test_rmdir (record);
  sync_test_rmdir (dir);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/sync/wire/push-sends-unordered-majority-retryable-bulks-of-at-most-1000",
                   test_push_sends_unordered_majority_retryable_bulks);
  return g_test_run ();
}
