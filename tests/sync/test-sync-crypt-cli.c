/* test-sync-crypt-cli.c: the key file through pharmatrack-admin —
 * `connect --key-file`, `sync --key-file`, `setup-atlas --master-key-file`. */
#define G_LOG_DOMAIN "pt-test"
#include "config.h"

#include <string.h>
#include <sys/stat.h>
#include <glib/gstdio.h>
#include "pt-store-private.h"
#include "pt-sync-crypt.h"
#include "sync-crypt-fixture.h"

typedef SyncCryptFixture Fixture;

static void
test_cli_enrols_with_the_key_file (Fixture *f, gconstpointer data)
{
  g_autofree gchar *patient = sync_crypt_put_patient (f->a);
  g_autofree gchar *dir_c = g_build_filename (f->tmp, "counter-c", NULL);
  g_autofree gchar *wrong = g_build_filename (f->tmp, "wrong.key", NULL);
  SyncTestRun r;

  sync_test_sync_ok (f->dir_a, f->uri);

  /* Without the key file: refused, and the data dir is left empty so
   * connect can run again. */
  r = sync_test_admin (NULL, "--data-dir", dir_c, "connect", "--uri", f->uri, "--tenant-id", SYNC_TEST_TENANT, NULL);
  g_assert_cmpint (r.status, !=, 0);
  g_assert_nonnull (strstr (r.err, "does not have the pharmacy’s encryption key"));
  g_assert_false (pt_store_exists (dir_c));
  sync_test_run_clear (&r);

  r = sync_test_admin (NULL, "--data-dir", dir_c, "connect", "--uri", f->uri, "--tenant-id", SYNC_TEST_TENANT,
                 "--key-file", f->key_file, NULL);
  g_assert_cmpint (r.status, ==, 0);
  sync_test_run_clear (&r);
  {
    g_autoptr(GError) error = NULL;
    g_autoptr(PtStore) c = pt_store_open (dir_c, &error);
    g_autofree gchar *first = NULL;

    g_assert_no_error (error);
    first = sync_test_get_string (c, "patients", patient, "firstName");
    g_assert_cmpstr (first, ==, FIRST_NAME);
  }

  /* sync --key-file replaces the counter's key: a wrong one stops it,
   * the right one brings it back. */
  sync_crypt_write_key_file (wrong);
  r = sync_test_admin (NULL, "--data-dir", dir_c, "sync", "--uri", f->uri, "--key-file", wrong, NULL);
  g_assert_cmpint (r.status, !=, 0);
  g_assert_nonnull (strstr (r.err, "not the pharmacy’s key"));
  sync_test_run_clear (&r);
  r = sync_test_admin (NULL, "--data-dir", dir_c, "sync", "--uri", f->uri, "--key-file", f->key_file, NULL);
  g_assert_cmpint (r.status, ==, 0);
  sync_test_run_clear (&r);
}

static void
test_cli_setup_atlas_makes_the_master_key (Fixture *f, gconstpointer data)
{
  g_autofree gchar *key = g_build_filename (f->tmp, "new-pharmacy.key", NULL);
  g_autoptr(GBytes) first = NULL, second = NULL;
  g_autoptr(GError) error = NULL;
  GStatBuf st;
  SyncTestRun r;

  r = sync_test_admin (NULL, "setup-atlas", "--uri", f->uri, "--master-key-file", key, NULL);
  g_assert_cmpint (r.status, ==, 0);
  g_assert_nonnull (strstr (r.out, "created"));
  sync_test_run_clear (&r);
  g_assert_cmpint (g_stat (key, &st), ==, 0);
  g_assert_cmpint (st.st_mode & 0777, ==, 0600);
  first = pt_sync_crypt_read_key_file (key, &error);
  g_assert_no_error (error);

  /* Idempotent: the key is kept, no index is added. */
  r = sync_test_admin (NULL, "setup-atlas", "--uri", f->uri, "--master-key-file", key, NULL);
  g_assert_cmpint (r.status, ==, 0);
  g_assert_nonnull (strstr (r.out, "Indexes: 0 created"));
  g_assert_nonnull (strstr (r.out, "already present"));
  sync_test_run_clear (&r);
  second = pt_sync_crypt_read_key_file (key, &error);
  g_assert_no_error (error);
  g_assert_true (g_bytes_equal (first, second));

  /* The key vault refuses a second data key for the same tenant. */
  {
    mongoc_collection_t *vault = mongoc_client_get_collection (f->web, PT_SYNC_KEY_VAULT_DB,
                                                               PT_SYNC_KEY_VAULT_COLL);
    bson_t *doc = sync_test_json ("{\"keyAltNames\": [\"pharmatrack-tenant-x\"]}");
    bson_error_t berr;

    g_assert_true (mongoc_collection_insert_one (vault, doc, NULL, NULL, &berr));
    bson_destroy (doc);
    doc = sync_test_json ("{\"keyAltNames\": [\"pharmatrack-tenant-x\"]}");
    g_assert_false (mongoc_collection_insert_one (vault, doc, NULL, NULL, &berr));
    g_assert_cmpuint (berr.code, ==, 11000);
    bson_destroy (doc);
    mongoc_collection_destroy (vault);
  }
}

#define ADD(path, fn) g_test_add (path, Fixture, NULL, sync_crypt_setup, fn, sync_crypt_teardown)

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  ADD ("/sync/crypt/cli-enrols-with-the-key-file", test_cli_enrols_with_the_key_file);
  ADD ("/sync/crypt/cli-setup-atlas-makes-the-master-key", test_cli_setup_atlas_makes_the_master_key);
  return g_test_run ();
}
