/* Opening and creating stores: identity, settings, migrations, refusing
 * files that are not ours, read-only data dirs. */
#define G_LOG_DOMAIN "pt-test"
#include "config.h"

#include <errno.h>
#include <string.h>
#include <unistd.h>
#include <sys/wait.h>
#include <glib/gstdio.h>

#include "pt-test-store.h"

static gchar *
store_path (const gchar *dir)
{
  return g_build_filename (dir, "tenant-" PT_TEST_TENANT ".db", NULL);
}

static void
test_create_then_open_keeps_identity (void)
{
  g_autofree gchar *dir = pt_test_mkdtemp ();
  g_autoptr(GError) error = NULL;
  g_autoptr(PtStore) store = pt_test_create_store (dir, PT_TEST_TENANT, "professional");
  g_autofree gchar *device = g_strdup (pt_store_get_device_id (store));
  g_autoptr(PtStore) again = NULL;
  g_autoptr(PtStoreStatus) status = NULL;

  g_assert_cmpstr (pt_store_get_tenant_id (store), ==, PT_TEST_TENANT);
  g_assert_cmpuint (strlen (device), ==, PT_DEVICE_ID_LEN);
  g_assert_true (pt_store_exists (dir));
  g_clear_object (&store);

  again = pt_store_open (dir, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (pt_store_get_tenant_id (again), ==, PT_TEST_TENANT);
  g_assert_cmpstr (pt_store_get_device_id (again), ==, device);
  g_assert_cmpint (pt_store_get_schema_version (again), ==, PT_STORE_SCHEMA_VERSION);
  g_assert_cmpint (pt_store_get_plan (again), ==, PT_PLAN_PROFESSIONAL);
  g_assert_cmpstr (pt_store_get_currency (again), ==, "EUR");

  /* The tenant, its first branch and the owner exist and are queued. */
  status = pt_store_get_status (again, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (status->tenant_name, ==, "Test Pharmacy Group");
  g_assert_cmpint (*(gint64 *) g_hash_table_lookup (status->counts, "tenants"), ==, 1);
  g_assert_cmpint (*(gint64 *) g_hash_table_lookup (status->counts, "pharmacies"), ==, 1);
  g_assert_cmpint (*(gint64 *) g_hash_table_lookup (status->counts, "users"), ==, 1);
  g_assert_cmpint (status->outbox_length, >=, 3);
  g_assert_cmpint (status->oldest_pending_ms, >, 0);
  g_assert_cmpint (status->storage_bytes, >, 100);
  g_assert_cmpint (status->storage_quota, ==, pt_plan_storage_quota (PT_PLAN_PROFESSIONAL));
  pt_test_rmdir (dir);
}

static void
test_create_refuses_existing (void)
{
  g_autofree gchar *dir = pt_test_mkdtemp ();
  g_autoptr(GError) error = NULL;
  g_autoptr(PtStore) store = pt_test_create_store (dir, PT_TEST_TENANT, NULL);
  PtStoreInit init = { .tenant_name = "Another" };
  g_autoptr(PtStore) second = pt_store_create (dir, &init, &error);

  g_assert_error (error, PT_ERROR, PT_ERROR_EXISTS);
  g_assert_null (second);
  g_clear_object (&store);
  pt_test_rmdir (dir);
}

static void
test_open_empty_dir_says_init (void)
{
  g_autofree gchar *dir = pt_test_mkdtemp ();
  g_autoptr(GError) error = NULL;
  g_autoptr(PtStore) store = pt_store_open (dir, &error);

  g_assert_error (error, PT_ERROR, PT_ERROR_NOT_FOUND);
  g_assert_nonnull (strstr (error->message, "init"));
  g_assert_null (store);
  pt_test_rmdir (dir);
}

static void
test_pragmas (PtTestFixture *fx,
              gconstpointer  data)
{
  sqlite3_stmt *stmt = NULL;

  g_assert_cmpint (sqlite3_prepare_v2 (_pt_store_get_db (fx->store), "PRAGMA journal_mode",
                                       -1, &stmt, NULL), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_step (stmt), ==, SQLITE_ROW);
  g_assert_cmpstr ((const gchar *) sqlite3_column_text (stmt, 0), ==, "wal");
  sqlite3_finalize (stmt);
  g_assert_cmpint (pt_test_query_int (fx->store, "PRAGMA synchronous"), ==, 2);
  g_assert_cmpint (pt_test_query_int (fx->store, "PRAGMA foreign_keys"), ==, 1);
  g_assert_cmpint (pt_test_query_int (fx->store, "PRAGMA busy_timeout"), >=, 5000);
  g_assert_cmpint (pt_test_query_int (fx->store, "PRAGMA user_version"), ==,
                   PT_STORE_SCHEMA_VERSION);
}

/* The file is refused with a message naming it, and is byte for byte what
 * it was; no journal files appear next to it. */
static void
assert_refused_untouched (const gchar *dir,
                          const gchar *path)
{
  g_autofree gchar *before = pt_test_file_checksum (path);
  g_autofree gchar *after = NULL;
  g_autofree gchar *wal = g_strconcat (path, "-wal", NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(PtStore) store = pt_store_open (dir, &error);

  g_assert_null (store);
  g_assert_error (error, PT_ERROR, PT_ERROR_CORRUPT);
  g_assert_nonnull (strstr (error->message, path));
  after = pt_test_file_checksum (path);
  g_assert_cmpstr (before, ==, after);
  g_assert_false (g_file_test (wal, G_FILE_TEST_EXISTS));

  /* Creating a store there does not overwrite it either. */
  {
    g_autoptr(GError) create_error = NULL;
    PtStoreInit init = { .tenant_id = PT_TEST_TENANT, .tenant_name = "X" };
    g_autoptr(PtStore) created = pt_store_create (dir, &init, &create_error);
    g_autofree gchar *after_create = pt_test_file_checksum (path);

    g_assert_null (created);
    g_assert_error (create_error, PT_ERROR, PT_ERROR_EXISTS);
    g_assert_cmpstr (before, ==, after_create);
  }
}

static void
test_corrupt_file_refused_untouched (void)
{
  g_autofree gchar *dir = pt_test_mkdtemp ();
  g_autofree gchar *path = store_path (dir);
  GRand *rand = g_rand_new_with_seed (7);
  g_autofree guint8 *junk = g_malloc (8192);

  g_test_message ("seed 7");
  for (guint i = 0; i < 8192; i++)
    junk[i] = (guint8) g_rand_int_range (rand, 0, 256);
  g_rand_free (rand);
  g_assert_true (g_file_set_contents (path, (const gchar *) junk, 8192, NULL));
  assert_refused_untouched (dir, path);
  pt_test_rmdir (dir);
}

static void
test_foreign_sqlite_refused_untouched (void)
{
  g_autofree gchar *dir = pt_test_mkdtemp ();
  g_autofree gchar *path = store_path (dir);
  sqlite3 *db = NULL;

  g_assert_cmpint (sqlite3_open (path, &db), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_exec (db, "CREATE TABLE moz_places (id INTEGER PRIMARY KEY, url TEXT);"
                                     "INSERT INTO moz_places (url) VALUES ('https://example.org')",
                                 NULL, NULL, NULL), ==, SQLITE_OK);
  sqlite3_close (db);
  assert_refused_untouched (dir, path);
  pt_test_rmdir (dir);
}

static void
test_newer_version_refused_untouched (void)
{
  g_autofree gchar *dir = pt_test_mkdtemp ();
  g_autofree gchar *path = store_path (dir);
  g_autoptr(PtStore) store = pt_test_create_store (dir, PT_TEST_TENANT, NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(PtStore) again = NULL;
  g_autofree gchar *before = NULL;
  g_autofree gchar *after = NULL;
  sqlite3 *db = NULL;

  g_clear_object (&store);
  g_assert_cmpint (sqlite3_open (path, &db), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_exec (db, "PRAGMA user_version = 99; PRAGMA journal_mode = DELETE",
                                 NULL, NULL, NULL), ==, SQLITE_OK);
  sqlite3_close (db);

  before = pt_test_file_checksum (path);
  again = pt_store_open (dir, &error);
  g_assert_null (again);
  g_assert_error (error, PT_ERROR, PT_ERROR_CORRUPT);
  g_assert_nonnull (strstr (error->message, "newer version"));
  g_assert_nonnull (strstr (error->message, path));
  after = pt_test_file_checksum (path);
  g_assert_cmpstr (before, ==, after);
  pt_test_rmdir (dir);
}

static void
assert_migrated (const gchar *dir)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(PtStore) store = pt_store_open (dir, &error);
  g_autofree gchar *id = NULL;

  g_assert_no_error (error);
  g_assert_cmpint (pt_store_get_schema_version (store), ==, PT_STORE_SCHEMA_VERSION);
  g_assert_cmpstr (pt_store_get_tenant_id (store), ==, PT_TEST_TENANT);
  g_assert_nonnull (pt_store_get_device_id (store));
  g_assert_cmpint (pt_test_query_int (store, "PRAGMA application_id"), !=, 0);
  /* Every collection has its table: the store works. */
  id = pt_test_add_medicine (store, "Paracetamol 500 mg", "paracetamol", NULL, NULL, 199);
  g_assert_nonnull (id);
  g_assert_cmpint (pt_store_count (store, "medicines"), ==, 1);
  g_assert_cmpint (pt_test_count (store, "outbox"), ==, 2);  /* medicine + audit */
}

/* A store file that was created but never set up (version 0: a zero-byte
 * file, or an empty SQLite file) is migrated to the current version. */
static void
test_version_zero_file_is_migrated (void)
{
  g_autofree gchar *dir = pt_test_mkdtemp ();
  g_autofree gchar *path = store_path (dir);
  sqlite3 *db = NULL;

  g_assert_true (g_file_set_contents (path, "", 0, NULL));
  assert_migrated (dir);
  pt_test_rmdir (dir);

  g_free (dir);
  g_free (path);
  dir = pt_test_mkdtemp ();
  path = store_path (dir);
  g_assert_cmpint (sqlite3_open (path, &db), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_exec (db, "PRAGMA user_version = 0; VACUUM", NULL, NULL, NULL), ==,
                   SQLITE_OK);
  sqlite3_close (db);
  assert_migrated (dir);
  pt_test_rmdir (dir);
}

/* Runs @func in a child process as the unprivileged user "nobody" when the
 * tests run as root (root ignores file modes), else directly. */
static void
run_unprivileged (void (*func) (const gchar *dir),
                  const gchar *dir)
{
  pid_t pid;
  int status = 0;

  if (getuid () != 0)
    {
      func (dir);
      return;
    }
  pid = fork ();
  g_assert_cmpint (pid, >=, 0);
  if (pid == 0)
    {
      if (setgid (65534) != 0 || setuid (65534) != 0)
        _exit (3);
      func (dir);
      _exit (0);
    }
  g_assert_cmpint (waitpid (pid, &status, 0), ==, pid);
  g_assert_true (WIFEXITED (status));
  g_assert_cmpint (WEXITSTATUS (status), ==, 0);
}

static void
open_must_be_read_only (const gchar *dir)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(PtStore) store = pt_store_open (dir, &error);

  if (store != NULL || !g_error_matches (error, PT_ERROR, PT_ERROR_READ_ONLY))
    {
      g_printerr ("expected read-only, got %s\n", error ? error->message : "a store");
      _exit (1);
    }
  if (strstr (error->message, dir) == NULL)
    _exit (2);
}

static void
create_must_be_read_only (const gchar *dir)
{
  g_autofree gchar *sub = g_build_filename (dir, "new", NULL);
  g_autoptr(GError) error = NULL;
  PtStoreInit init = { .tenant_name = "X" };
  g_autoptr(PtStore) store = pt_store_create (sub, &init, &error);

  if (store != NULL || !g_error_matches (error, PT_ERROR, PT_ERROR_READ_ONLY))
    {
      g_printerr ("expected read-only, got %s\n", error ? error->message : "a store");
      _exit (1);
    }
}

static void
test_read_only_data_dir (void)
{
  g_autofree gchar *dir = pt_test_mkdtemp ();
  g_autofree gchar *path = store_path (dir);
  g_autoptr(PtStore) store = pt_test_create_store (dir, PT_TEST_TENANT, NULL);
  g_autofree gchar *before = NULL;
  g_autofree gchar *after = NULL;

  g_clear_object (&store);
  before = pt_test_file_checksum (path);
  g_assert_cmpint (g_chmod (path, 0444), ==, 0);
  g_assert_cmpint (g_chmod (dir, 0555), ==, 0);

  run_unprivileged (open_must_be_read_only, dir);
  run_unprivileged (create_must_be_read_only, dir);

  g_assert_cmpint (g_chmod (dir, 0700), ==, 0);
  g_assert_cmpint (g_chmod (path, 0600), ==, 0);
  after = pt_test_file_checksum (path);
  g_assert_cmpstr (before, ==, after);
  pt_test_rmdir (dir);
}

static void
test_clock_monotonic_across_reopen (void)
{
  g_autofree gchar *dir = pt_test_mkdtemp ();
  g_autoptr(PtStore) store = pt_test_create_store (dir, PT_TEST_TENANT, NULL);
  g_autoptr(GError) error = NULL;
  g_autofree gchar *id = pt_test_add_medicine (store, "Ibuprofen 200 mg", "ibuprofen", NULL,
                                               NULL, 250);
  g_autoptr(PtRawRow) row = NULL;
  g_autoptr(PtRawRow) row2 = NULL;
  g_autofree gchar *hlc = NULL;
  g_autofree gchar *first = NULL;
  g_autoptr(bson_t) change = bson_new ();

  row = _pt_store_read_row (store, pt_schema_lookup ("medicines"), id, &error);
  g_assert_no_error (error);
  first = g_strdup (row->version);
  /* Pretend a stamp from the future was seen (a remote clock ahead). */
  hlc = g_strdup_printf ("%016" G_GINT64_MODIFIER "x-%s",
                         (pt_hlc_stamp_time_ms (first) + 3600 * 1000) << 16,
                         pt_store_get_device_id (store));
  g_assert_true (_pt_store_begin (store, &error));
  g_assert_true (_pt_store_note_stamp (store, hlc, &error));
  g_assert_true (_pt_store_commit (store, &error));
  g_clear_object (&store);

  store = pt_store_open (dir, &error);
  g_assert_no_error (error);
  BSON_APPEND_INT64 (change, "price", 260);
  g_assert_true (pt_store_update (store, "medicines", id, change, &error));
  g_assert_no_error (error);
  row2 = _pt_store_read_row (store, pt_schema_lookup ("medicines"), id, &error);
  g_assert_cmpint (pt_hlc_stamp_compare (row2->version, hlc), >, 0);
  g_assert_cmpint (pt_hlc_stamp_compare (row2->version, first), >, 0);
  g_clear_object (&store);
  pt_test_rmdir (dir);
}

static void
test_settings_round_trip (PtTestFixture *fx,
                          gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autofree gchar *value = NULL;
  g_autofree gchar *gone = NULL;

  g_assert_null (pt_store_get_setting (fx->store, "printer"));
  g_assert_true (pt_store_set_setting (fx->store, "printer", "Label-1", &error));
  value = pt_store_get_setting (fx->store, "printer");
  g_assert_cmpstr (value, ==, "Label-1");
  g_assert_true (pt_store_set_setting (fx->store, "printer", NULL, &error));
  gone = pt_store_get_setting (fx->store, "printer");
  g_assert_null (gone);
  /* Settings are device-local: nothing is queued for the cloud. */
  g_assert_cmpint (pt_test_count (fx->store, "outbox WHERE collection = 'settings'"), ==, 0);
}

static void
test_sign_in (PtTestFixture *fx,
              gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(bson_t) user = NULL;
  g_autoptr(bson_t) wrong = NULL;
  g_autoptr(GError) wrong_error = NULL;
  g_autoptr(GError) unknown_error = NULL;
  g_autoptr(bson_t) unknown = NULL;

  wrong = pt_store_sign_in (fx->store, "owner@example.org", "not the password", &wrong_error);
  g_assert_null (wrong);
  g_assert_error (wrong_error, PT_ERROR, PT_ERROR_AUTH_FAILED);
  unknown = pt_store_sign_in (fx->store, "nobody@example.org", PT_TEST_PASSWORD, &unknown_error);
  g_assert_error (unknown_error, PT_ERROR, PT_ERROR_AUTH_FAILED);
  /* The two failures read the same: they do not say which was wrong. */
  g_assert_cmpstr (wrong_error->message, ==, unknown_error->message);
  g_assert_cmpint (pt_store_get_role (fx->store), ==, PT_ROLE_SYSTEM);

  user = pt_store_sign_in (fx->store, "Owner@Example.org", PT_TEST_PASSWORD, &error);
  g_assert_no_error (error);
  g_assert_nonnull (user);
  g_assert_cmpint (pt_store_get_role (fx->store), ==, PT_ROLE_OWNER);
  g_assert_nonnull (pt_store_get_user_id (fx->store));
  pt_store_act_as_system (fx->store);
  g_assert_null (pt_store_get_user_id (fx->store));
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/store/open/create-then-open-keeps-identity",
                   test_create_then_open_keeps_identity);
  g_test_add_func ("/store/open/create-refuses-existing-store", test_create_refuses_existing);
  g_test_add_func ("/store/open/empty-dir-says-run-init", test_open_empty_dir_says_init);
  g_test_add ("/store/open/wal-full-sync-foreign-keys-busy-timeout", PtTestFixture, NULL,
              pt_test_setup, test_pragmas, pt_test_teardown);
  g_test_add_func ("/store/open/corrupt-file-refused-and-untouched",
                   test_corrupt_file_refused_untouched);
  g_test_add_func ("/store/open/foreign-sqlite-file-refused-and-untouched",
                   test_foreign_sqlite_refused_untouched);
  g_test_add_func ("/store/open/newer-version-refused-and-untouched",
                   test_newer_version_refused_untouched);
  g_test_add_func ("/store/open/version-zero-file-is-migrated", test_version_zero_file_is_migrated);
  g_test_add_func ("/store/open/read-only-data-dir-refused", test_read_only_data_dir);
  g_test_add_func ("/store/open/clock-stays-monotonic-across-reopen",
                   test_clock_monotonic_across_reopen);
  g_test_add ("/store/settings/round-trip-and-never-queued", PtTestFixture, NULL,
              pt_test_setup, test_settings_round_trip, pt_test_teardown);
  g_test_add ("/store/users/sign-in-checks-password-without-saying-which", PtTestFixture, NULL,
              pt_test_setup, test_sign_in, pt_test_teardown);

  return g_test_run ();
}
