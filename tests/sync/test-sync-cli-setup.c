/* test-sync-cli-setup.c: `setup-atlas` prepares a database once (indexes,
 * unique keys, super admin, sample tenant) and changes nothing the second
 * time; the unique keys hold per tenant. */
#define G_LOG_DOMAIN "pt-test"
#include "config.h"

#include <string.h>
#include "pt-demo.h"
#include "sync-test-util.h"

static void
test_setup_atlas_is_idempotent (void)
{
  g_autoptr(MongosimFixture) sim = sync_test_server (NULL);
  const gchar *uri = mongosim_fixture_get_uri (sim);
  g_autofree gchar *dir = sync_test_mkdtemp ();
  g_autofree gchar *pwfile = g_build_filename (dir, "pw", NULL);
  mongoc_client_t *c = sync_test_client (uri);
  SyncTestRun r1, r2;
  gint64 tenants;

  g_assert_true (g_file_set_contents (pwfile, "super-secret-pass\n", -1, NULL));
  r1 = sync_test_admin (NULL, "setup-atlas", "--uri", uri, "--sample-data",
                  "--super-admin-email", "root@example.org", "--super-admin-password-file", pwfile, NULL);
  g_assert_cmpint (r1.status, ==, 0);
  g_assert_nonnull (strstr (r1.out, "Super admin root@example.org: created"));
  g_assert_nonnull (strstr (r1.out, ": created"));
  g_assert_null (strstr (r1.out, "Indexes: 0 created"));
  tenants = sync_test_server_count (c, "tenants", NULL);
  g_assert_cmpint (tenants, ==, 1);
  g_assert_cmpint (sync_test_server_count (c, "medicines", NULL), >, 0);

  /* The second run changes nothing. */
  r2 = sync_test_admin (uri, "setup-atlas", "--sample-data",
                  "--super-admin-email", "root@example.org", "--super-admin-password-file", pwfile, NULL);
  g_assert_cmpint (r2.status, ==, 0);
  g_assert_nonnull (strstr (r2.out, "Indexes: 0 created"));
  g_assert_nonnull (strstr (r2.out, "Super admin root@example.org: already present"));
  g_assert_nonnull (strstr (r2.out, "already present"));
  g_assert_cmpint (sync_test_server_count (c, "tenants", NULL), ==, tenants);
  g_assert_cmpint (sync_test_server_count (c, "users", "{\"role\": \"super_admin\"}"), ==, 1);

  sync_test_run_clear (&r1);
  sync_test_run_clear (&r2);
  mongoc_client_destroy (c);
  sync_test_rmdir (dir);
}

/* Counts @coll's documents of @tenant on the server. */
static gint64
tenant_count (mongoc_client_t *c,
              const gchar     *coll,
              const gchar     *tenant)
{
  g_autofree gchar *f = g_strdup_printf ("{\"tenantId\": {\"$oid\": \"%s\"}}", tenant);
  return sync_test_server_count (c, coll, f);
}

/* The sample tenant lands whole: every medicine, prescription and user of
 * the demo store, none quarantined, and a new counter can enrol to it. */
static void
test_setup_atlas_sample_data (void)
{
  g_autoptr(MongosimFixture) sim = sync_test_server (NULL);
  const gchar *uri = mongosim_fixture_get_uri (sim);
  g_autofree gchar *dir = sync_test_mkdtemp ();
  g_autofree gchar *tenant = NULL;
  g_autoptr(PtStore) store = NULL;
  g_autoptr(GError) error = NULL;
  mongoc_client_t *c = sync_test_client (uri);
  const gchar *line;
  SyncTestRun r;

  r = sync_test_admin (uri, "setup-atlas", "--sample-data", NULL);
  g_assert_cmpint (r.status, ==, 0);
  line = strstr (r.out, "Sample tenant ");
  g_assert_nonnull (line);
  tenant = g_strndup (line + strlen ("Sample tenant "), 24);
  g_assert_true (pt_oid_is_valid (tenant));
  g_test_message ("sample tenant %s", tenant);
  sync_test_run_clear (&r);

  /* setup-atlas's demo options: 200 medicines, 100 prescriptions, the
   * owner and three staff. */
  g_assert_cmpint (tenant_count (c, "medicines", tenant), ==, 200);
  g_assert_cmpint (tenant_count (c, "prescriptions", tenant), ==, 100);
  g_assert_cmpint (tenant_count (c, "users", tenant), ==, 4);

  r = sync_test_admin (uri, "--data-dir", dir, "connect", "--tenant-id", tenant, NULL);
  g_assert_cmpint (r.status, ==, 0);
  sync_test_run_clear (&r);
  store = pt_store_open (dir, &error);
  g_assert_no_error (error);
  g_assert_cmpint (pt_store_count (store, "medicines"), ==, 200);
  g_assert_cmpint (pt_store_count (store, "prescriptions"), ==, 100);
  g_assert_cmpint (pt_store_count (store, "users"), ==, 4);
  g_assert_cmpint (pt_store_sync_count_quarantined (store), ==, 0);

  g_clear_object (&store);
  mongoc_client_destroy (c);
  sync_test_rmdir (dir);
}

/* SYNC_TEST_TENANT (65a00000000000000000a001) holds 0x00 bytes.  The
 * simulator once keyed unique indexes by a C string cut at the first zero
 * byte, so all but the first medicine, prescription and user of such a
 * tenant were refused with E11000 on {tenantId, barcode|number|email}. */
static void
test_unique_keys_hold_for_tenant_id_with_zero_bytes (void)
{
  g_autoptr(MongosimFixture) sim = sync_test_server (NULL);
  const gchar *uri = mongosim_fixture_get_uri (sim);
  g_autofree gchar *dir = sync_test_mkdtemp ();
  g_autoptr(PtStore) store = sync_test_create_tenant (dir);
  g_autoptr(GError) error = NULL;
  mongoc_client_t *c = sync_test_client (uri);
  PtDemoOptions options = { .medicines = 40, .patients = 10, .prescriptions = 20, .seed = 7 };
  gint64 medicines, prescriptions, users;
  SyncTestRun r;

  r = sync_test_admin (uri, "setup-atlas", NULL);
  g_assert_cmpint (r.status, ==, 0);
  sync_test_run_clear (&r);

  for (guint i = 0; i < 3; i++)
    {
      g_autofree gchar *json = g_strdup_printf ("{\"email\": \"staff%u@example.org\", "
                                                "\"displayName\": \"Staff %u\", \"role\": \"cashier\", "
                                                "\"active\": true}", i, i);
      bson_t *doc = sync_test_json (json);
      g_autofree gchar *id = pt_store_put (store, "users", doc, &error);

      g_assert_no_error (error);
      bson_destroy (doc);
    }
  pt_demo_generate (store, &options, NULL, NULL, &error);
  g_assert_no_error (error);
  medicines = pt_store_count (store, "medicines");
  prescriptions = pt_store_count (store, "prescriptions");
  users = pt_store_count (store, "users");
  g_assert_cmpint (medicines, ==, 40);
  g_assert_cmpint (users, ==, 4);
  g_clear_object (&store);

  r = sync_test_admin (uri, "--data-dir", dir, "sync", "--once", NULL);
  g_assert_cmpint (r.status, ==, 0);
  sync_test_run_clear (&r);

  store = pt_store_open (dir, &error);
  g_assert_no_error (error);
  g_assert_cmpint (pt_store_sync_count_quarantined (store), ==, 0);
  g_assert_cmpint (tenant_count (c, "medicines", SYNC_TEST_TENANT), ==, medicines);
  g_assert_cmpint (tenant_count (c, "prescriptions", SYNC_TEST_TENANT), ==, prescriptions);
  g_assert_cmpint (tenant_count (c, "users", SYNC_TEST_TENANT), ==, users);

  g_clear_object (&store);
  mongoc_client_destroy (c);
  sync_test_rmdir (dir);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/sync/cli/setup-atlas-is-idempotent", test_setup_atlas_is_idempotent);
  g_test_add_func ("/sync/cli/setup-atlas-sample-data", test_setup_atlas_sample_data);
  g_test_add_func ("/sync/cli/unique-keys-hold-for-tenant-id-with-zero-bytes",
                   test_unique_keys_hold_for_tenant_id_with_zero_bytes);

  return g_test_run ();
}
