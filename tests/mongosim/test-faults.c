/* test-faults.c — contract tests: retryable writes, failCommand,
 * replSetStepDown, authentication, --dbpath persistence, serverStatus
 */
#define G_LOG_DOMAIN "mongosim-test"
#include "config.h"

#include <string.h>

#include <glib/gstdio.h>

#include "ms-test-common.h"

static void
setup (MsTest *t, gconstpointer data)
{
  ms_test_setup (t, data);
}

static void
teardown (MsTest *t, gconstpointer data)
{
  /* never leave a fail point on for the next test (real server) */
  if (t->client != NULL)
    {
      g_autoptr(bson_t) off = ms_j ("{'configureFailPoint': 'failCommand', 'mode': 'off'}");
      bson_t reply;
      mongoc_client_command_simple (t->client, "admin", off, NULL, &reply, NULL);
      bson_destroy (&reply);
    }
  ms_test_teardown (t);
}

static const char *const auth_args[] = { "--auth", "pharma:s3cret", NULL };

static bson_t *
admin (MsTest *t, gboolean expect_ok, const char *json)
{
  g_autoptr(bson_t) cmd = ms_j ("%s", json);
  bson_t reply;
  bson_error_t error;
  gboolean ok = mongoc_client_command_simple (t->client, "admin", cmd, NULL, &reply, &error);
  bson_t *out;

  if (ok != expect_ok)
    g_error ("admin %s: %s", json, error.message);
  out = bson_copy (&reply);
  bson_destroy (&reply);
  return out;
}

/* Configures failCommand; returns how often it had been entered so far. */
static gint64
fail_point (MsTest *t, const char *mode, const char *data)
{
  g_autofree char *json = g_strdup_printf ("{'configureFailPoint': 'failCommand', 'mode': %s, 'data': %s}",
                                           mode, data);
  g_autoptr(bson_t) r = admin (t, TRUE, json);

  return ms_test_reply_int (r, "count");
}

static gint64
count_docs (MsTest *t, const char *coll, const char *filter)
{
  g_autoptr(mongoc_collection_t) c = ms_test_coll (t, coll);
  g_autoptr(bson_t) f = ms_j ("%s", filter);
  bson_error_t error;
  gint64 n = mongoc_collection_count_documents (c, f, NULL, NULL, NULL, &error);

  if (n < 0)
    g_error ("count_documents: %s", error.message);
  return n;
}

/* ------------------------------------------------------- retryable writes */

static void
test_retried_txn_number_applies_once (MsTest *t, gconstpointer data)
{
  g_autoptr(bson_t) r1 = NULL, r2 = NULL, r3 = NULL;
  const char *lsid = "{'id': {'$binary': {'base64': 'AAECAwQFBgcICQoLDA0ODw==', 'subType': '04'}}}";

  r1 = ms_test_run (t, TRUE, "{'update': 'retry', 'updates': [{'q': {'_id': 1}, 'u': {'$inc': {'n': 1}}, "
                    "'upsert': true}], 'lsid': %s, 'txnNumber': {'$numberLong': '7'}}", lsid);
  g_assert_cmpint (ms_test_reply_int (r1, "n"), ==, 1);
  /* the same statement again (a lost acknowledgement): recorded result,
   * no second increment */
  r2 = ms_test_run (t, TRUE, "{'update': 'retry', 'updates': [{'q': {'_id': 1}, 'u': {'$inc': {'n': 1}}, "
                    "'upsert': true}], 'lsid': %s, 'txnNumber': {'$numberLong': '7'}}", lsid);
  g_assert_cmpint (ms_test_reply_int (r2, "n"), ==, 1);
  g_assert_cmpint (ms_test_reply_int (r2, "upserted.0._id"), ==, 1);
  g_assert_cmpint (count_docs (t, "retry", "{'n': 1}"), ==, 1);
  /* an older txnNumber on the session is refused */
  r3 = ms_test_run (t, FALSE, "{'insert': 'retry', 'documents': [{'_id': 2}], 'lsid': %s, "
                    "'txnNumber': {'$numberLong': '6'}}", lsid);
  g_assert_cmpint (ms_test_reply_int (r3, "code"), ==, 225);
  g_assert_cmpint (count_docs (t, "retry", "{}"), ==, 1);
}

static void
test_driver_retry_after_labelled_error (MsTest *t, gconstpointer data)
{
  g_autoptr(mongoc_collection_t) c = ms_test_coll (t, "labels");
  g_autoptr(bson_t) doc = ms_j ("{'_id': 'once'}");
  bson_error_t error;

  fail_point (t, "{'times': 1}", "{'failCommands': ['insert'], 'errorCode': 91, "
              "'errorLabels': ['RetryableWriteError']}");
  /* mongoc retries once on the label; the write lands exactly once */
  ms_assert_ok (mongoc_collection_insert_one (c, doc, NULL, NULL, &error), &error);
  g_assert_cmpint (count_docs (t, "labels", "{}"), ==, 1);
}

/* ------------------------------------------------------------ fail points */

static void
test_fail_point_times_and_count (MsTest *t, gconstpointer data)
{
  g_autoptr(bson_t) r1 = NULL, r2 = NULL, r3 = NULL, r4 = NULL;
  gint64 before = fail_point (t, "{'times': 2}", "{'failCommands': ['count'], 'errorCode': 2}");

  r1 = ms_test_run (t, FALSE, "{'count': 'c'}");
  g_assert_cmpint (ms_test_reply_int (r1, "code"), ==, 2);
  g_assert_cmpstr (ms_test_reply_str (r1, "errmsg"), ==, "Failing command via 'failCommand' failpoint");
  r2 = ms_test_run (t, FALSE, "{'count': 'c'}");
  r3 = ms_test_run (t, TRUE, "{'count': 'c'}");
  /* the reply's count is how often the fail point has been entered */
  r4 = admin (t, TRUE, "{'configureFailPoint': 'failCommand', 'mode': 'off'}");
  g_assert_cmpint (ms_test_reply_int (r4, "count"), ==, before + 2);
}

static void
test_fail_point_skip_and_off (MsTest *t, gconstpointer data)
{
  g_autoptr(bson_t) r1 = NULL, r2 = NULL, r3 = NULL, r4 = NULL;

  fail_point (t, "{'skip': 1}", "{'failCommands': ['distinct'], 'errorCode': 8}");
  r1 = ms_test_run (t, TRUE, "{'distinct': 'c', 'key': 'a'}");
  r2 = ms_test_run (t, FALSE, "{'distinct': 'c', 'key': 'a'}");
  r3 = ms_test_run (t, FALSE, "{'distinct': 'c', 'key': 'a'}");
  g_assert_cmpint (ms_test_reply_int (r3, "code"), ==, 8);
  fail_point (t, "'off'", "{}");
  r4 = ms_test_run (t, TRUE, "{'distinct': 'c', 'key': 'a'}");
}

static void
test_fail_point_close_connection (MsTest *t, gconstpointer data)
{
  g_autoptr(bson_t) cmd = ms_j ("{'count': 'c'}");
  bson_t reply;
  bson_error_t error;
  gboolean ok;

  fail_point (t, "{'times': 1}", "{'failCommands': ['count'], 'closeConnection': true}");
  ok = mongoc_client_command_simple (t->client, t->dbname, cmd, NULL, &reply, &error);
  bson_destroy (&reply);
  g_assert_false (ok);
  g_assert_cmpint (error.domain, ==, MONGOC_ERROR_STREAM);
  ok = mongoc_client_command_simple (t->client, t->dbname, cmd, NULL, &reply, &error);
  bson_destroy (&reply);
  ms_assert_ok (ok, &error);
}

static void
test_fail_point_block_connection (MsTest *t, gconstpointer data)
{
  g_autoptr(bson_t) r = NULL;
  gint64 start;

  fail_point (t, "{'times': 1}", "{'failCommands': ['count'], 'blockConnection': true, 'blockTimeMS': 300}");
  start = g_get_monotonic_time ();
  r = ms_test_run (t, TRUE, "{'count': 'c'}");
  g_assert_cmpint (g_get_monotonic_time () - start, >=, 300 * 1000);
}

static void
test_fail_point_write_concern_error (MsTest *t, gconstpointer data)
{
  g_autoptr(bson_t) cmd = ms_j ("{'insert': 'w', 'documents': [{'_id': 1}]}");
  bson_t reply;

  fail_point (t, "{'times': 1}", "{'failCommands': ['insert'], 'writeConcernError': {'code': 100, "
              "'errmsg': 'Not enough data-bearing nodes'}}");
  mongoc_client_command_simple (t->client, t->dbname, cmd, NULL, &reply, NULL);
  /* the write happened; the reply carries the write concern error */
  g_assert_cmpint (ms_test_reply_int (&reply, "n"), ==, 1);
  g_assert_cmpint (ms_test_reply_int (&reply, "writeConcernError.code"), ==, 100);
  bson_destroy (&reply);
  g_assert_cmpint (count_docs (t, "w", "{}"), ==, 1);
}

static void
test_fail_point_app_name (MsTest *t, gconstpointer data)
{
  g_autoptr(bson_t) r1 = NULL, r2 = NULL;

  fail_point (t, "'alwaysOn'", "{'failCommands': ['count'], 'errorCode': 2, 'appName': 'someone-else'}");
  r1 = ms_test_run (t, TRUE, "{'count': 'c'}");
  fail_point (t, "'alwaysOn'", "{'failCommands': ['count'], 'errorCode': 2, 'appName': 'mongosim-contract'}");
  r2 = ms_test_run (t, FALSE, "{'count': 'c'}");
}

/* ------------------------------------------------------------- step-down */

typedef struct
{
  MsTest *t;
  gboolean ok;
  bson_error_t error;
  bson_t reply;
} BlockedWrite;

static gpointer
blocked_write_thread (gpointer data)
{
  BlockedWrite *b = data;
  g_autoptr(mongoc_client_t) client = ms_test_new_client (b->t);
  g_autoptr(bson_t) cmd = ms_j ("{'insert': 'sd', 'documents': [{'_id': 'blocked'}]}");

  b->ok = mongoc_client_command_simple (client, b->t->dbname, cmd, NULL, &b->reply, &b->error);
  return NULL;
}

static void
test_step_down_interrupts_and_recovers (MsTest *t, gconstpointer data)
{
  BlockedWrite b = { t };
  GThread *thread;
  g_autoptr(bson_t) r = NULL, hello = NULL, w = NULL;
  g_autofree char *wait = NULL;
  gint64 entered;
  g_autoptr(mongoc_collection_t) c = NULL;
  g_autoptr(bson_t) doc = ms_j ("{'_id': 'after'}");
  bson_error_t error;

  if (ms_test_skip_if_external ("a real single-node set stays secondary for stepDownSecs >= 10 s"))
    return;
  entered = fail_point (t, "{'times': 1}", "{'failCommands': ['insert'], 'blockConnection': true, "
                        "'blockTimeMS': 5000}");
  thread = g_thread_new ("blocked", blocked_write_thread, &b);
  /* once the insert is blocked in the fail point, fail over */
  wait = g_strdup_printf ("{'waitForFailPoint': 'failCommand', 'timesEntered': %" G_GINT64_FORMAT ", "
                          "'maxTimeMS': 10000}", entered + 1);
  w = admin (t, TRUE, wait);
  r = admin (t, TRUE, "{'replSetStepDown': 1, 'force': true}");
  g_thread_join (thread);
  g_assert_false (b.ok);
  /* interrupted in the server (11602) or cut off with the connection */
  g_assert_true (b.error.code == 11602 || b.error.domain == MONGOC_ERROR_STREAM);
  bson_destroy (&b.reply);
  g_assert_cmpint (count_docs (t, "sd", "{}"), ==, 0);
  /* the driver finds the primary again and writes */
  c = ms_test_coll (t, "sd");
  ms_assert_ok (mongoc_collection_insert_one (c, doc, NULL, NULL, &error), &error);
  hello = admin (t, TRUE, "{'hello': 1}");
  g_assert_cmpint (ms_test_reply_int (hello, "isWritablePrimary"), ==, 1);
}

static void
test_writes_on_secondary_refused (MsTest *t, gconstpointer data)
{
  g_autoptr(bson_t) r = NULL, w = NULL;
  g_autoptr(mongoc_client_t) direct = NULL;
  g_autofree char *uri = NULL;
  g_autoptr(bson_t) cmd = ms_j ("{'insert': 'x', 'documents': [{'_id': 1}]}");
  bson_t reply;
  bson_error_t error;

  if (ms_test_skip_if_external ("needs a short step-down"))
    return;
  r = admin (t, TRUE, "{'replSetStepDown': 2, 'force': true}");
  uri = g_strdup_printf ("mongodb://%s/?directConnection=true&serverSelectionTimeoutMS=2000",
                         mongosim_fixture_get_host (t->sim));
  direct = mongoc_client_new (uri);
  g_assert_false (mongoc_client_command_simple (direct, t->dbname, cmd, NULL, &reply, &error));
  g_assert_cmpint (ms_test_reply_int (&reply, "code"), ==, 10107);
  g_assert_cmpstr (ms_test_reply_str (&reply, "codeName"), ==, "NotWritablePrimary");
  bson_destroy (&reply);
}

/* ---------------------------------------------------------- authentication */

static gboolean
ping_with (MsTest *t, const char *userinfo, const char *extra, bson_error_t *error)
{
  g_autofree char *uri = g_strdup_printf ("mongodb://%s127.0.0.1:%u/?replicaSet=rs0&serverSelectionTimeoutMS=3000%s",
                                          userinfo, mongosim_fixture_get_port (t->sim), extra);
  g_autoptr(mongoc_client_t) client = mongoc_client_new (uri);
  g_autoptr(bson_t) cmd = ms_j ("{'insert': 'a', 'documents': [{}]}");
  bson_t reply;
  gboolean ok;

  mongoc_client_set_error_api (client, MONGOC_ERROR_API_VERSION_2);
  ok = mongoc_client_command_simple (client, "authdb", cmd, NULL, &reply, error);
  bson_destroy (&reply);
  return ok;
}

static void
test_auth_scram (MsTest *t, gconstpointer data)
{
  bson_error_t error;

  if (ms_test_skip_if_external ("needs mongosim --auth"))
    return;
  ms_assert_ok (ping_with (t, "pharma:s3cret@", "", &error), &error);
  ms_assert_ok (ping_with (t, "pharma:s3cret@", "&authMechanism=SCRAM-SHA-1", &error), &error);
  ms_assert_ok (ping_with (t, "pharma:s3cret@", "&authMechanism=SCRAM-SHA-256", &error), &error);
  /* the driver wraps the server's AuthenticationFailed */
  g_assert_false (ping_with (t, "pharma:wrong@", "", &error));
  g_assert_cmpint (error.domain, ==, MONGOC_ERROR_CLIENT);
  g_assert_cmpint (error.code, ==, MONGOC_ERROR_CLIENT_AUTHENTICATE);
  g_assert_nonnull (strstr (error.message, "Authentication failed"));
  g_assert_false (ping_with (t, "nobody:s3cret@", "", &error));
  g_assert_cmpint (error.code, ==, MONGOC_ERROR_CLIENT_AUTHENTICATE);
  g_assert_false (ping_with (t, "", "", &error));
  g_assert_cmpint (error.code, ==, 13);
  /* the server's own reply: code 18 AuthenticationFailed */
  {
    g_autofree char *uri = g_strdup_printf ("mongodb://127.0.0.1:%u/?replicaSet=rs0&serverSelectionTimeoutMS=3000",
                                            mongosim_fixture_get_port (t->sim));
    g_autoptr(mongoc_client_t) anon = mongoc_client_new (uri);
    g_autoptr(bson_t) cmd = BCON_NEW ("saslStart", BCON_INT32 (1), "mechanism", BCON_UTF8 ("SCRAM-SHA-256"),
                                      "payload", BCON_BIN (BSON_SUBTYPE_BINARY, (const guint8 *) "n,,n=nobody,r=abcdef", 20));
    bson_t reply;

    g_assert_false (mongoc_client_command_simple (anon, "admin", cmd, NULL, &reply, &error));
    g_assert_cmpint (ms_test_reply_int (&reply, "code"), ==, 18);
    g_assert_cmpstr (ms_test_reply_str (&reply, "codeName"), ==, "AuthenticationFailed");
    g_assert_cmpstr (ms_test_reply_str (&reply, "errmsg"), ==, "Authentication failed.");
    bson_destroy (&reply);
  }
}

/* ------------------------------------------------------------- persistence */

static void
test_dbpath_survives_restart (MsTest *t, gconstpointer data)
{
  g_autofree char *dir = NULL;
  const char *args[] = { "--dbpath", NULL, NULL };
  g_autoptr(MongosimFixture) sim = NULL;
  g_autoptr(GError) gerror = NULL;
  g_autoptr(mongoc_client_t) client = NULL;
  g_autoptr(bson_t) idx = ms_j ("{'createIndexes': 'p', 'indexes': [{'key': {'sku': 1}, 'name': 'sku_1', "
                                "'unique': true}]}");
  g_autoptr(bson_t) ins = ms_j ("{'insert': 'p', 'documents': [{'_id': 1, 'sku': 'a'}, {'_id': 2, 'sku': 'b'}]}");
  g_autoptr(bson_t) dup = ms_j ("{'insert': 'p', 'documents': [{'_id': 3, 'sku': 'a'}]}");
  g_autoptr(bson_t) cnt = ms_j ("{'count': 'p'}");
  g_autofree char *uri = NULL;
  bson_t reply;
  bson_error_t error;

  if (ms_test_skip_if_external ("restarts the simulator"))
    return;
  dir = g_dir_make_tmp ("mongosim-db-XXXXXX", &gerror);
  g_assert_no_error (gerror);
  args[1] = dir;
  sim = mongosim_fixture_start (args, &gerror);
  g_assert_no_error (gerror);
  uri = g_strdup_printf ("%s&serverSelectionTimeoutMS=5000", mongosim_fixture_get_uri (sim));
  client = mongoc_client_new (uri);
  ms_assert_ok (mongoc_client_command_simple (client, "keep", idx, NULL, &reply, &error), &error);
  bson_destroy (&reply);
  ms_assert_ok (mongoc_client_command_simple (client, "keep", ins, NULL, &reply, &error), &error);
  bson_destroy (&reply);
  g_assert_true (mongosim_fixture_restart (sim, &gerror));
  g_assert_no_error (gerror);
  /* the old connections died with the server: a new client */
  g_clear_pointer (&client, mongoc_client_destroy);
  client = mongoc_client_new (uri);
  ms_assert_ok (mongoc_client_command_simple (client, "keep", cnt, NULL, &reply, &error), &error);
  g_assert_cmpint (ms_test_reply_int (&reply, "n"), ==, 2);
  bson_destroy (&reply);
  /* the unique index came back too */
  ms_assert_ok (mongoc_client_command_simple (client, "keep", dup, NULL, &reply, &error), &error);
  g_assert_cmpint (ms_test_reply_int (&reply, "writeErrors.0.code"), ==, 11000);
  bson_destroy (&reply);
  g_clear_pointer (&client, mongoc_client_destroy);
  g_assert_true (mongosim_fixture_stop (sim, &gerror));
  g_assert_no_error (gerror);
  {
    g_autofree char *snap = g_build_filename (dir, "mongosim.snapshot", NULL);
    g_unlink (snap);
    g_rmdir (dir);
  }
}

static void
test_server_status_and_unknown_command (MsTest *t, gconstpointer data)
{
  g_autoptr(bson_t) s = admin (t, TRUE, "{'serverStatus': 1}");
  g_autoptr(bson_t) u = ms_test_run (t, FALSE, "{'noSuchCommandHere': 1}");

  g_assert_nonnull (ms_test_reply_str (s, "host"));
  g_assert_nonnull (ms_test_reply_str (s, "version"));
  g_assert_cmpint (ms_test_reply_int (s, "connections.current"), >=, 1);
  g_assert_cmpint (ms_test_reply_int (u, "code"), ==, 59);
  g_assert_cmpstr (ms_test_reply_str (u, "codeName"), ==, "CommandNotFound");
  g_assert_cmpstr (ms_test_reply_str (u, "errmsg"), ==, "no such command: 'noSuchCommandHere'");
}

int
main (int argc, char **argv)
{
  ms_test_init (&argc, &argv);
#define ADD(path, fn, args) g_test_add ("/mongosim/faults/" path, MsTest, args, setup, fn, teardown)
  ADD ("retried-txn-number-applies-once", test_retried_txn_number_applies_once, NULL);
  ADD ("driver-retries-labelled-error-once", test_driver_retry_after_labelled_error, NULL);
  ADD ("failpoint-times-and-count", test_fail_point_times_and_count, NULL);
  ADD ("failpoint-skip-and-off", test_fail_point_skip_and_off, NULL);
  ADD ("failpoint-close-connection", test_fail_point_close_connection, NULL);
  ADD ("failpoint-block-connection", test_fail_point_block_connection, NULL);
  ADD ("failpoint-write-concern-error", test_fail_point_write_concern_error, NULL);
  ADD ("failpoint-app-name", test_fail_point_app_name, NULL);
  ADD ("step-down-interrupts-and-recovers", test_step_down_interrupts_and_recovers, NULL);
  ADD ("writes-on-secondary-refused", test_writes_on_secondary_refused, NULL);
  ADD ("auth-scram-success-and-failure", test_auth_scram, auth_args);
  ADD ("dbpath-survives-restart", test_dbpath_survives_restart, NULL);
  ADD ("server-status-and-unknown-command", test_server_status_and_unknown_command, NULL);
  return g_test_run ();
}
