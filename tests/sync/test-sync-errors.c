/* test-sync-errors.c: driver errors in the pharmacist's language; backoff. */
#include "config.h"

#include <string.h>
#include <mongoc/mongoc.h>
#include "pt-core.h"
#include "pt-sync-backoff.h"
#include "pt-sync-error.h"
#include "pt-sync-engine.h"

static bson_error_t
make (guint32      domain,
      guint32      code,
      const gchar *message)
{
  bson_error_t e = { 0 };

  e.domain = domain;
  e.code = code;
  g_strlcpy (e.message, message, sizeof e.message);
  return e;
}

typedef struct
{
  guint32       domain;
  guint32       code;
  const gchar  *raw;
  gint          pt_code;
  PtSyncFailure failure;
  const gchar  *must_say;
} Case;

static void
test_errors_say_what_to_do (void)
{
  const Case cases[] = {
    { MONGOC_ERROR_SERVER_SELECTION, MONGOC_ERROR_SERVER_SELECTION_FAILURE,
      "No suitable servers found (`serverSelectionTryOnce` set): [connection refused calling hello on 'localhost:1']",
      PT_ERROR_NETWORK, PT_SYNC_FAILURE_TRANSIENT, "network access list" },
    { MONGOC_ERROR_CLIENT, MONGOC_ERROR_CLIENT_AUTHENTICATE,
      "Authentication failed.", PT_ERROR_AUTH_FAILED, PT_SYNC_FAILURE_ATTENTION, "password" },
    { MONGOC_ERROR_SERVER, 18, "Authentication failed.",
      PT_ERROR_AUTH_FAILED, PT_SYNC_FAILURE_ATTENTION, "database user" },
    { MONGOC_ERROR_STREAM, MONGOC_ERROR_STREAM_NAME_RESOLUTION,
      "Failed to look up SRV record \"_mongodb._tcp.cluster0.abcde.mongodb.net\": A temporary error occurred",
      PT_ERROR_NETWORK, PT_SYNC_FAILURE_ATTENTION, "DNS" },
    { MONGOC_ERROR_SERVER_SELECTION, MONGOC_ERROR_SERVER_SELECTION_FAILURE,
      "No suitable servers found: [TLS handshake failed: certificate verify failed calling hello on 'x:27017']",
      PT_ERROR_NETWORK, PT_SYNC_FAILURE_ATTENTION, "TLS" },
    { MONGOC_ERROR_COMMAND, MONGOC_ERROR_COMMAND_INVALID_ARG,
      "Invalid URI Schema, expecting 'mongodb://' or 'mongodb+srv://'",
      PT_ERROR_INVALID, PT_SYNC_FAILURE_ATTENTION, "connection address" },
    { MONGOC_ERROR_SERVER, 13, "not authorized on pharmatrack to execute command",
      PT_ERROR_PERMISSION_DENIED, PT_SYNC_FAILURE_ATTENTION, "readWrite" },
    { MONGOC_ERROR_SERVER, 121, "Document failed validation",
      PT_ERROR_INVALID, PT_SYNC_FAILURE_REJECTED, "quarantine" },
    { MONGOC_ERROR_SERVER, 286, "Resume of change stream was not possible",
      PT_ERROR_FAILED, PT_SYNC_FAILURE_HISTORY_LOST, "No local change is lost" },
    { MONGOC_ERROR_SERVER, 10107, "not primary",
      PT_ERROR_NETWORK, PT_SYNC_FAILURE_TRANSIENT, "retries automatically" },
    { MONGOC_ERROR_SERVER, 40573, "The $changeStream stage is only supported on replica sets",
      PT_ERROR_NETWORK, PT_SYNC_FAILURE_NO_CHANGE_STREAMS, "retries" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      const Case *c = &cases[i];
      bson_error_t e = make (c->domain, c->code, c->raw);
      g_autoptr(GError) error = NULL;
      PtSyncFailure f;

      if (c->failure == PT_SYNC_FAILURE_ATTENTION)
        g_test_expect_message ("pt-sync", G_LOG_LEVEL_MESSAGE, "*needs attention*");
      f = pt_sync_error_set (&error, &e, "test");
      g_test_assert_expected_messages ();
      g_test_message ("case %u: %s", i, error->message);
      g_assert_error (error, PT_ERROR, c->pt_code);
      g_assert_cmpint (f, ==, c->failure);
      g_assert_nonnull (strstr (error->message, c->must_say));
      /* The driver's own words never reach the screen. */
      g_assert_null (strstr (error->message, c->raw));
      g_assert_null (strstr (error->message, "hello"));
    }
}

static void
test_tenant_not_found_names_the_tenant (void)
{
  g_autoptr(GError) error = NULL;

  pt_sync_error_set_tenant_not_found (&error, "65a0000000000000000000ff");
  g_assert_error (error, PT_ERROR, PT_ERROR_NOT_FOUND);
  g_assert_nonnull (strstr (error->message, "65a0000000000000000000ff"));
}

static void
test_backoff_grows_with_jitter_and_caps_at_a_minute (void)
{
  PtSyncBackoff b;
  guint prev_ceiling = 0;
  gboolean varied = FALSE;
  guint first = 0;

  g_test_message ("seed 42");
  pt_sync_backoff_init (&b, 42);
  for (guint i = 0; i < 30; i++)
    {
      guint ceiling = MIN (PT_SYNC_BACKOFF_CAP_MS, PT_SYNC_BACKOFF_BASE_MS << MIN (i, 20));
      guint d = pt_sync_backoff_next (&b);

      g_assert_cmpuint (d, >=, ceiling / 2);
      g_assert_cmpuint (d, <=, ceiling);
      g_assert_cmpuint (d, <=, 60000);
      g_assert_cmpuint (ceiling, >=, prev_ceiling);
      prev_ceiling = ceiling;
    }
  /* After many failures it waits close to a minute, never more. */
  g_assert_cmpuint (pt_sync_backoff_next (&b), >=, 30000);

  /* Jitter: two counters failing together do not retry in lock-step. */
  for (guint i = 0; i < 10; i++)
    {
      guint d;
      pt_sync_backoff_reset (&b);
      for (guint j = 0; j < 5; j++)
        d = pt_sync_backoff_next (&b);
      if (i == 0)
        first = d;
      else if (d != first)
        varied = TRUE;
    }
  g_assert_true (varied);

  /* Reset (network back) starts again from half a second. */
  pt_sync_backoff_reset (&b);
  g_assert_cmpuint (pt_sync_backoff_next (&b), <=, PT_SYNC_BACKOFF_BASE_MS);
  pt_sync_backoff_clear (&b);
}

static void
test_uri_password_is_redacted (void)
{
  g_autofree gchar *a = pt_sync_redact_uri ("mongodb+srv://pharma:s3cr%40t@cluster0.abcde.mongodb.net/?retryWrites=true");
  g_autofree gchar *b = pt_sync_redact_uri ("mongodb://localhost:27017");
  g_autofree gchar *c = pt_sync_redact_uri ("mongodb://user:pw@h1:1,h2:2/db?replicaSet=rs0");

  g_assert_cmpstr (a, ==, "mongodb+srv://pharma:****@cluster0.abcde.mongodb.net/?retryWrites=true");
  g_assert_cmpstr (b, ==, "mongodb://localhost:27017");
  g_assert_cmpstr (c, ==, "mongodb://user:****@h1:1,h2:2/db?replicaSet=rs0");
}

static void
add_unreadable (GPtrArray   *list,
                const gchar *collection,
                gint         reason)
{
  PtSyncUnreadable *u = g_new0 (PtSyncUnreadable, 1);

  u->collection = g_strdup (collection);
  u->document_id = g_strdup_printf ("65a0000000000000000%05u", list->len);
  u->message = g_strdup ("(the engine's sentence)");
  u->reason = reason;
  g_ptr_array_add (list, u);
}

/* Staff read one sentence per kind of record and cause, with what to do,
 * the largest group first whatever the order the documents were seen. */
static void
test_unreadable_summary_groups_by_record_and_cause (void)
{
  g_autoptr(GPtrArray) list = g_ptr_array_new_with_free_func ((GDestroyNotify) pt_sync_unreadable_free);
  g_auto(GStrv) empty = pt_sync_unreadable_summarise (list);
  g_auto(GStrv) lines = NULL;

  g_assert_nonnull (empty);
  g_assert_null (empty[0]);
  add_unreadable (list, "patients", PT_SYNC_ERROR_RECORD_DAMAGED);
  add_unreadable (list, "users", PT_SYNC_ERROR_KEY_MISSING);
  add_unreadable (list, "patients", PT_SYNC_ERROR_KEY_MISSING);
  add_unreadable (list, "patients", PT_SYNC_ERROR_KEY_MISSING);
  add_unreadable (list, "patients", PT_SYNC_ERROR_KEY_MISSING);
  add_unreadable (list, "patients", 0);  /* listed by an earlier version */
  lines = pt_sync_unreadable_summarise (list);
  g_assert_cmpuint (g_strv_length (lines), ==, 4);
  g_assert_cmpstr (lines[0], ==, "3 patient records from the cloud cannot be read on this counter: the "
                                 "encryption key is missing. Ask your administrator for the key file.");
  g_assert_cmpstr (lines[1], ==, "1 record in the cloud cannot be decrypted by this counter (it is "
                                 "damaged, or encrypted with a key the pharmacy does not have). It is "
                                 "left out here until it is repaired; everything else keeps syncing. "
                                 "Ask your administrator to check it.");
  g_assert_cmpstr (lines[2], ==, "1 user account from the cloud cannot be read on this counter: the "
                                 "encryption key is missing. Ask your administrator for the key file.");
  g_assert_cmpstr (lines[3], ==, "1 patient record from the cloud cannot be read on this counter: it is "
                                 "damaged. Ask your administrator to restore it in the cloud.");
}

/* Writes the cloud refused for good are listed on the Sync page with a
 * sentence that says why and what to do — the barcode, e-mail address or
 * number another record holds is named — never the server's raw words. */
static void
test_refused_changes_say_what_to_do (void)
{
  static const struct { gint code; const gchar *message; const gchar *says; } cases[] = {
    { 11000, "E11000 duplicate key error collection: pharmatrack.medicines index: "
             "tenantId_1_barcode_1_unique dup key: { tenantId: ObjectId('65a00000000000000000a001'), "
             "barcode: \"5000000000036\" }",
      "Another medicine in the cloud already has the barcode 5000000000036. Correct the barcode" },
    { 11000, "E11000 duplicate key error collection: pharmatrack.users index: tenantId_1_email_1 "
             "dup key: { tenantId: ObjectId('65a00000000000000000a001'), email: \"ada@example.org\" }",
      "Another user in the cloud already has the e-mail address ada@example.org." },
    { 11000, "E11000 duplicate key error collection: pharmatrack.prescriptions index: "
             "tenantId_1_number_1 dup key: { tenantId: ObjectId('65a00000000000000000a001'), "
             "number: \"7D82N-000001\" }",
      "Another prescription in the cloud already has the number 7D82N-000001." },
    { 11000, "E11000 duplicate key error (_id used by another tenant)",
      "already used in the cloud by a record of another organisation" },
    { 11000, "E11000 duplicate key error", "already has a value that must be unique" },
    { 121, "Document failed validation", "The cloud’s rules for this kind of record refuse it." },
    { 10334, "BSONObjectTooLarge", "This record is too large for the cloud." },
    { -1, "Document 0 is too large for the cluster.", "This record is too large for the cloud." },
    { 4242, "something new", "The cloud refused this change for good (error 4242)." },
    { 0, "This change cannot be sent: the cloud copy of this record cannot be decrypted.",
      "This change cannot be sent: the cloud copy of this record cannot be decrypted." },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      PtSyncQuarantined q = { (gchar *) "medicines", (gchar *) "65a0000000000000000000aa", cases[i].code,
                              (gchar *) cases[i].message, 0 };
      g_autofree gchar *said = pt_sync_quarantined_describe (&q);

      g_test_message ("%d: %s", cases[i].code, said);
      g_assert_nonnull (strstr (said, cases[i].says));
      g_assert_null (strstr (said, "E11000"));
      g_assert_null (strstr (said, "dup key"));
      g_assert_null (strstr (said, "BSON"));
    }
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  mongoc_init ();

  g_test_add_func ("/sync/errors/say-what-to-do-without-driver-text", test_errors_say_what_to_do);
  g_test_add_func ("/sync/errors/tenant-not-found-names-the-tenant", test_tenant_not_found_names_the_tenant);
  g_test_add_func ("/sync/errors/refused-changes-say-what-to-do", test_refused_changes_say_what_to_do);
  g_test_add_func ("/sync/backoff/grows-with-jitter-and-caps-at-a-minute", test_backoff_grows_with_jitter_and_caps_at_a_minute);
  g_test_add_func ("/sync/uri/password-is-redacted", test_uri_password_is_redacted);
  g_test_add_func ("/sync/unreadable/summary-groups-by-record-and-cause",
                   test_unreadable_summary_groups_by_record_and_cause);

  return g_test_run ();
}
