/* Backup and restore. */
#define G_LOG_DOMAIN "pt-test"
#include "config.h"

#include <string.h>
#include <glib/gstdio.h>

#include "pt-test-store.h"

static void
test_backup_then_restore (PtTestFixture *fx,
                          gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autofree gchar *backup = g_build_filename (fx->dir, "backup-2026-11-27.ptbackup", NULL);
  g_autofree gchar *kept = pt_test_add_medicine (fx->store, "Kept", NULL, NULL, NULL, 1);
  g_autofree gchar *later = NULL;
  g_autofree gchar *device = g_strdup (pt_store_get_device_id (fx->store));
  g_autofree gchar *partial = g_strconcat (backup, ".partial", NULL);
  g_autoptr(bson_t) gone = NULL;
  g_autoptr(bson_t) back = NULL;
  g_autofree gchar *ahead = NULL;

  g_free (pt_test_receive (fx->store, kept, NULL, "K1", 100, 12));
  g_assert_true (pt_store_backup (fx->store, backup, &error));
  g_assert_no_error (error);
  g_assert_true (g_file_test (backup, G_FILE_TEST_IS_REGULAR));
  g_assert_false (g_file_test (partial, G_FILE_TEST_EXISTS));

  /* Never overwrites a file. */
  g_assert_false (pt_store_backup (fx->store, backup, &error));
  g_assert_error (error, PT_ERROR, PT_ERROR_EXISTS);
  g_clear_error (&error);

  later = pt_test_add_medicine (fx->store, "Added after the backup", NULL, NULL, NULL, 1);
  /* After the backup this counter saw a stamp an hour ahead (a remote
   * clock): restoring the older file must not take its clock back. */
  {
    g_autoptr(PtRawRow) row = _pt_store_read_row (fx->store, pt_schema_lookup ("medicines"),
                                                  later, &error);

    g_assert_no_error (error);
    ahead = g_strdup_printf ("%016" G_GINT64_MODIFIER "x-%s",
                             (pt_hlc_stamp_time_ms (row->version) + 3600 * 1000) << 16, device);
    g_assert_true (_pt_store_begin (fx->store, &error));
    g_assert_true (_pt_store_note_stamp (fx->store, ahead, &error));
    g_assert_true (_pt_store_commit (fx->store, &error));
  }
  g_clear_object (&fx->store);

  g_assert_true (pt_store_restore (fx->dir, backup, &error));
  g_assert_no_error (error);
  fx->store = pt_store_open (fx->dir, &error);
  g_assert_no_error (error);
  back = pt_store_get (fx->store, "medicines", kept, &error);
  g_assert_no_error (error);
  gone = pt_store_get (fx->store, "medicines", later, NULL);
  g_assert_null (gone);
  g_assert_cmpint (pt_store_stock_on_hand (fx->store, kept, NULL), ==, 12);
  /* This counter keeps its identity, and its clock goes on past the
   * stamp it saw after the backup. */
  g_assert_cmpstr (pt_store_get_device_id (fx->store), ==, device);
  {
    g_autoptr(bson_t) change = BCON_NEW ("price", BCON_INT64 (260));
    g_autoptr(PtRawRow) row = NULL;

    pt_store_act_as_system (fx->store);
    g_assert_true (pt_store_update (fx->store, "medicines", kept, change, &error));
    g_assert_no_error (error);
    row = _pt_store_read_row (fx->store, pt_schema_lookup ("medicines"), kept, &error);
    g_assert_no_error (error);
    g_assert_cmpint (pt_hlc_stamp_compare (row->version, ahead), >, 0);
  }
  g_assert_cmpint (pt_test_query_int (fx->store, "SELECT count(*) FROM pragma_integrity_check "
                                                 "WHERE integrity_check != 'ok'"), ==, 0);
}

static void
test_restore_into_empty_dir (PtTestFixture *fx,
                             gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autofree gchar *backup = g_build_filename (fx->dir, "b.ptbackup", NULL);
  g_autofree gchar *other = pt_test_mkdtemp ();
  g_autofree gchar *med = pt_test_add_medicine (fx->store, "Moved", NULL, NULL, NULL, 1);
  g_autoptr(PtStore) restored = NULL;

  g_assert_true (pt_store_backup (fx->store, backup, &error));
  g_assert_true (pt_store_restore (other, backup, &error));
  g_assert_no_error (error);
  restored = pt_store_open (other, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (pt_store_get_tenant_id (restored), ==, PT_TEST_TENANT);
  /* A new machine gets its own device id. */
  g_assert_cmpstr (pt_store_get_device_id (restored), !=, pt_store_get_device_id (fx->store));
  g_assert_cmpint (pt_store_count (restored, "medicines"), ==, 1);
  g_clear_object (&restored);
  pt_test_rmdir (other);
}

static void
test_restore_refuses_other_tenant (PtTestFixture *fx,
                                   gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autofree gchar *other_dir = pt_test_mkdtemp ();
  g_autoptr(PtStore) other = pt_test_create_store (other_dir, PT_TEST_OTHER_TENANT, NULL);
  g_autofree gchar *backup = g_build_filename (other_dir, "other.ptbackup", NULL);
  g_autofree gchar *path = g_strdup (pt_store_get_path (fx->store));
  g_autofree gchar *med = pt_test_add_medicine (fx->store, "Ours", NULL, NULL, NULL, 1);
  g_autofree gchar *before = NULL;
  g_autofree gchar *after = NULL;

  g_assert_true (pt_store_backup (other, backup, &error));
  g_clear_object (&other);
  g_clear_object (&fx->store);
  before = pt_test_file_checksum (path);

  g_assert_false (pt_store_restore (fx->dir, backup, &error));
  g_assert_error (error, PT_ERROR, PT_ERROR_FOREIGN_TENANT);
  g_assert_nonnull (strstr (error->message, "another organisation"));
  after = pt_test_file_checksum (path);
  g_assert_cmpstr (before, ==, after);

  fx->store = pt_store_open (fx->dir, NULL);
  g_assert_cmpint (pt_store_count (fx->store, "medicines"), ==, 1);
  pt_test_rmdir (other_dir);
}

static void
test_restore_refuses_non_store (PtTestFixture *fx,
                                gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autofree gchar *text = g_build_filename (fx->dir, "notes.txt", NULL);
  g_autofree gchar *sqlite = g_build_filename (fx->dir, "other.sqlite", NULL);
  sqlite3 *db = NULL;

  g_assert_true (g_file_set_contents (text, "shopping list\n", -1, NULL));
  g_assert_false (pt_store_restore (fx->dir, text, &error));
  g_assert_error (error, PT_ERROR, PT_ERROR_CORRUPT);
  g_clear_error (&error);

  g_assert_cmpint (sqlite3_open (sqlite, &db), ==, SQLITE_OK);
  sqlite3_exec (db, "CREATE TABLE t (x); INSERT INTO t VALUES (1)", NULL, NULL, NULL);
  sqlite3_close (db);
  g_assert_false (pt_store_restore (fx->dir, sqlite, &error));
  g_assert_error (error, PT_ERROR, PT_ERROR_CORRUPT);
  g_assert_cmpint (pt_store_count (fx->store, "pharmacies"), ==, 1);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);

#define ADD(path, func) \
  g_test_add (path, PtTestFixture, NULL, pt_test_setup, func, pt_test_teardown)
  ADD ("/store/backup/backup-then-restore", test_backup_then_restore);
  ADD ("/store/backup/restore-into-empty-folder", test_restore_into_empty_dir);
  ADD ("/store/backup/restore-refuses-other-tenant", test_restore_refuses_other_tenant);
  ADD ("/store/backup/restore-refuses-non-store-files", test_restore_refuses_non_store);

  return g_test_run ();
}
