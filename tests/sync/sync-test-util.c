/* sync-test-util.c: counters and a server for the sync tests. */
#define G_LOG_DOMAIN "pt-test"
#include "config.h"

#include <string.h>
#include <glib/gstdio.h>
#include "pt-sync-bson.h"
#include "pt-sync-private.h"
#include "sync-test-util.h"
#include "pt-test-store.h"

MongosimFixture *
sync_test_server (const gchar * const *args)
{
  g_autoptr(GError) error = NULL;
  MongosimFixture *sim = mongosim_fixture_start (args, &error);

  g_assert_no_error (error);
  g_assert_nonnull (sim);
  g_test_message ("mongosim at %s", mongosim_fixture_get_uri (sim));
  return sim;
}

PtStore *
sync_test_create_tenant (const gchar *dir)
{
  PtStore *store = pt_test_create_tenant_store (dir, SYNC_TEST_TENANT, "Sync Test Pharmacy",
                                                SYNC_TEST_PASSWORD, "enterprise");

  pt_store_act_as_system (store);
  return store;
}

PtStore *
sync_test_create_enrolment (const gchar *dir)
{
  g_autoptr(GError) error = NULL;
  PtStoreInit init = {
    .tenant_id = SYNC_TEST_TENANT,
    .tenant_name = SYNC_TEST_TENANT,
    .enrolment = TRUE,
  };
  PtStore *store = pt_store_create (dir, &init, &error);

  g_assert_no_error (error);
  pt_store_act_as_system (store);
  return store;
}

gboolean
sync_test_sync_once (const gchar *dir,
                     const gchar *uri,
                     GError     **error)
{
  g_autoptr(PtSyncEngine) engine = pt_sync_engine_new (dir, uri, NULL);
  return pt_sync_engine_run_once (engine, NULL, NULL, NULL, error);
}

void
sync_test_sync_ok (const gchar *dir,
                   const gchar *uri)
{
  g_autoptr(GError) error = NULL;

  sync_test_sync_once (dir, uri, &error);
  g_assert_no_error (error);
}

bson_t *
sync_test_json (const gchar *json)
{
  bson_error_t err;
  bson_t *b = bson_new_from_json ((const uint8_t *) json, -1, &err);

  if (b == NULL)
    g_error ("bad test JSON %s: %s", json, err.message);
  return b;
}

gchar *
sync_test_put_medicine (PtStore     *store,
                        const gchar *name,
                        gint64       price)
{
  g_autoptr(GError) error = NULL;
  g_autofree gchar *json = g_strdup_printf ("{\"name\": \"%s\", \"schedule\": \"otc\", "
                                            "\"price\": {\"$numberLong\": \"%" G_GINT64_FORMAT "\"}}",
                                            name, price);
  bson_t *doc = sync_test_json (json);
  gchar *id = pt_store_put (store, "medicines", doc, &error);

  g_assert_no_error (error);
  bson_destroy (doc);
  return id;
}

void
sync_test_update (PtStore     *store,
                  const gchar *coll,
                  const gchar *id,
                  const gchar *fields_json)
{
  g_autoptr(GError) error = NULL;
  bson_t *fields = sync_test_json (fields_json);

  pt_store_update (store, coll, id, fields, &error);
  g_assert_no_error (error);
  bson_destroy (fields);
}

gchar *
sync_test_receive (PtStore     *store,
                   const gchar *medicine_id,
                   PtQuantity   quantity)
{
  g_autofree gchar *lot = g_strdup_printf ("LOT-%u", g_test_rand_int_range (1000, 9999));

  return pt_test_receive (store, medicine_id, NULL, lot, 400, quantity);
}

gchar *
sync_test_get_string (PtStore     *store,
                      const gchar *coll,
                      const gchar *id,
                      const gchar *field)
{
  g_autoptr(GError) error = NULL;
  bson_t *doc = pt_store_get (store, coll, id, &error);
  gchar *value;

  g_assert_no_error (error);
  value = g_strdup (pt_bson_get_string (doc, field));
  bson_destroy (doc);
  return value;
}

gint64
sync_test_get_int (PtStore     *store,
                   const gchar *coll,
                   const gchar *id,
                   const gchar *field)
{
  g_autoptr(GError) error = NULL;
  bson_t *doc = pt_store_get (store, coll, id, &error);
  gint64 value;

  g_assert_no_error (error);
  value = pt_bson_get_int (doc, field, G_MININT64);
  bson_destroy (doc);
  return value;
}

mongoc_client_t *
sync_test_client (const gchar *uri)
{
  mongoc_client_t *client;

  pt_sync_init_driver ();
  client = mongoc_client_new (uri);
  g_assert_nonnull (client);
  mongoc_client_set_error_api (client, MONGOC_ERROR_API_VERSION_2);
  return client;
}

gint64
sync_test_server_count (mongoc_client_t *client,
                        const gchar     *coll,
                        const gchar     *filter_json)
{
  mongoc_collection_t *c = mongoc_client_get_collection (client, "pharmatrack", coll);
  bson_t *filter = sync_test_json (filter_json != NULL ? filter_json : "{}");
  bson_error_t err;
  gint64 n = mongoc_collection_count_documents (c, filter, NULL, NULL, NULL, &err);

  if (n < 0)
    g_error ("count %s: %s", coll, err.message);
  bson_destroy (filter);
  mongoc_collection_destroy (c);
  return n;
}

bson_t *
sync_test_server_get (mongoc_client_t *client,
                      const gchar     *coll,
                      const gchar     *id)
{
  mongoc_collection_t *c = mongoc_client_get_collection (client, "pharmatrack", coll);
  bson_t filter = BSON_INITIALIZER;
  bson_oid_t oid;
  mongoc_cursor_t *cursor;
  const bson_t *doc;
  bson_t *out = NULL;

  bson_oid_init_from_string (&oid, id);
  BSON_APPEND_OID (&filter, "_id", &oid);
  cursor = mongoc_collection_find_with_opts (c, &filter, NULL, NULL);
  if (mongoc_cursor_next (cursor, &doc))
    out = bson_copy (doc);
  mongoc_cursor_destroy (cursor);
  mongoc_collection_destroy (c);
  bson_destroy (&filter);
  return out;
}

void
sync_test_server_command (mongoc_client_t *client,
                          const gchar     *db,
                          const gchar     *cmd_json)
{
  bson_t *cmd = sync_test_json (cmd_json);
  bson_error_t err;

  if (!mongoc_client_command_simple (client, db, cmd, NULL, NULL, &err))
    g_error ("command %s: %s", cmd_json, err.message);
  bson_destroy (cmd);
}

void
sync_test_foreign_update (mongoc_client_t *client,
                          const gchar     *coll,
                          const gchar     *id,
                          const gchar     *set_json,
                          gint64           updated_at)
{
  mongoc_collection_t *c = mongoc_client_get_collection (client, "pharmatrack", coll);
  bson_t filter = BSON_INITIALIZER;
  bson_t update = BSON_INITIALIZER;
  bson_t *set = sync_test_json (set_json);
  bson_t set_doc;
  bson_oid_t oid;
  bson_error_t err;
  bson_t reply;
  bson_iter_t it;

  bson_oid_init_from_string (&oid, id);
  BSON_APPEND_OID (&filter, "_id", &oid);
  BSON_APPEND_DOCUMENT_BEGIN (&update, "$set", &set_doc);
  bson_concat (&set_doc, set);
  BSON_APPEND_DATE_TIME (&set_doc, "updatedAt", updated_at);
  bson_append_document_end (&update, &set_doc);
  if (!mongoc_collection_update_one (c, &filter, &update, NULL, &reply, &err))
    g_error ("foreign update: %s", err.message);
  g_assert_true (bson_iter_init_find (&it, &reply, "matchedCount"));
  g_assert_cmpint (bson_iter_as_int64 (&it), ==, 1);
  bson_destroy (&reply);
  bson_destroy (set);
  bson_destroy (&filter);
  bson_destroy (&update);
  mongoc_collection_destroy (c);
}

static gboolean
timeout_cb (gpointer data)
{
  *(gboolean *) data = TRUE;
  return G_SOURCE_REMOVE;
}

gboolean
sync_test_wait (gboolean (*cond) (gpointer data),
                gpointer data,
                guint    timeout_ms)
{
  gboolean timed_out = FALSE;
  guint id = g_timeout_add (timeout_ms, timeout_cb, &timed_out);
  gboolean ok;

  while (!(ok = cond (data)) && !timed_out)
    g_main_context_iteration (NULL, TRUE);
  if (!timed_out)
    g_source_remove (id);
  return ok;
}

void
sync_test_assert_same_data (PtStore *a,
                            PtStore *b)
{
  static const gchar * const ignore[] = { NULL };
  guint n;
  const PtCollection * const *colls = pt_schema_collections (&n);

  for (guint i = 0; i < n; i++)
    {
      PtListOptions opts = { .include_deleted = TRUE };
      g_autoptr(GError) error = NULL;
      g_autoptr(GPtrArray) la = NULL, lb = NULL;

      if (!colls[i]->synced)
        continue;
      la = pt_store_list (a, colls[i]->name, &opts, &error);
      g_assert_no_error (error);
      lb = pt_store_list (b, colls[i]->name, &opts, &error);
      g_assert_no_error (error);
      if (la->len != lb->len)
        g_error ("%s: %u documents on one side, %u on the other", colls[i]->name, la->len, lb->len);
      for (guint j = 0; j < la->len; j++)
        if (!pt_sync_docs_equal (g_ptr_array_index (la, j), g_ptr_array_index (lb, j), ignore))
          {
            g_autofree gchar *ja = bson_as_relaxed_extended_json (g_ptr_array_index (la, j), NULL);
            g_autofree gchar *jb = bson_as_relaxed_extended_json (g_ptr_array_index (lb, j), NULL);
            g_error ("%s differs:\n  %s\n  %s", colls[i]->name, ja, jb);
          }
    }
}

/* Makes the ciphertext of @field of @id on the server unreadable, as a
 * foreign writer could (updatedAt bumped): @other_key changes the data
 * key id in its header (a key the pharmacy does not have), otherwise one
 * byte of the encrypted body is flipped (damaged: its HMAC fails). */
void
sync_test_spoil_ciphertext (mongoc_client_t *web,
                            const gchar     *id,
                            const gchar     *field,
                            gboolean         other_key,
                            gint64           updated_at)
{
  g_autoptr(bson_t) doc = sync_test_server_get (web, "patients", id);
  g_autofree guint8 *copy = NULL;
  g_autofree gchar *b64 = NULL;
  g_autofree gchar *set = NULL;
  const uint8_t *data;
  uint32_t len;
  bson_subtype_t subtype;
  bson_iter_t it;

  g_assert_true (bson_iter_init_find (&it, doc, field));
  g_assert_true (BSON_ITER_HOLDS_BINARY (&it));
  bson_iter_binary (&it, &subtype, &len, &data);
  g_assert_cmpint (subtype, ==, BSON_SUBTYPE_ENCRYPTED);
  g_assert_cmpuint (len, >, 40);
  copy = g_memdup2 (data, len);
  /* Byte 0: the algorithm; 1–16: the data key's UUID; then IV, body, HMAC. */
  if (other_key)
    copy[4] ^= 0x5a;
  else
    copy[len / 2 + 8] ^= 0x01;
  b64 = g_base64_encode (copy, len);
  set = g_strdup_printf ("{\"%s\": {\"$binary\": {\"base64\": \"%s\", \"subType\": \"06\"}}}",
                         field, b64);
  sync_test_foreign_update (web, "patients", id, set, updated_at);
}

void
sync_test_run_clear (SyncTestRun *r)
{
  g_clear_pointer (&r->out, g_free);
  g_clear_pointer (&r->err, g_free);
}

SyncTestRun
sync_test_admin (const gchar *uri_env,
                 ...)
{
  g_autoptr(GSubprocessLauncher) l = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE
                                                                | G_SUBPROCESS_FLAGS_STDERR_PIPE);
  g_autoptr(GPtrArray) argv = g_ptr_array_new ();
  g_autoptr(GSubprocess) p = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree gchar *shown = NULL;
  const gchar *admin = g_getenv ("PHARMATRACK_ADMIN");
  SyncTestRun r = { 0 };
  va_list ap;
  const gchar *a;

  g_assert_nonnull (admin);
  g_ptr_array_add (argv, (gpointer) admin);
  va_start (ap, uri_env);
  while ((a = va_arg (ap, const gchar *)) != NULL)
    g_ptr_array_add (argv, (gpointer) a);
  va_end (ap);
  g_ptr_array_add (argv, NULL);

  if (uri_env != NULL)
    g_subprocess_launcher_setenv (l, "MONGODB_URI", uri_env, TRUE);
  else
    g_subprocess_launcher_unsetenv (l, "MONGODB_URI");
  p = g_subprocess_launcher_spawnv (l, (const gchar * const *) argv->pdata, &error);
  g_assert_no_error (error);
  g_subprocess_communicate_utf8 (p, NULL, NULL, &r.out, &r.err, &error);
  g_assert_no_error (error);
  r.status = g_subprocess_get_exit_status (p);
  shown = g_strjoinv (" ", (gchar **) argv->pdata + 1);
  g_test_message ("$ pharmatrack-admin %s → %d\n%s%s", shown, r.status, r.out, r.err);
  return r;
}

gchar *
sync_test_put_patient (PtStore     *store,
                       const gchar *first,
                       const gchar *last)
{
  g_autoptr(GError) error = NULL;
  g_autofree gchar *json = g_strdup_printf ("{\"firstName\": \"%s\", \"lastName\": \"%s\"}", first, last);
  bson_t *doc = sync_test_json (json);
  gchar *id = pt_store_put (store, "patients", doc, &error);

  g_assert_no_error (error);
  bson_destroy (doc);
  return id;
}
