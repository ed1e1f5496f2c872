/* test-checkpoint.c: the counter's commits do not checkpoint the WAL
 * themselves; a worker thread does, and the WAL stays bounded. */
#define G_LOG_DOMAIN "pt-test"
#include "config.h"

#include <glib/gstdio.h>

#include "pt-test-store.h"

static gint64
file_size (const gchar *path)
{
  GStatBuf sb;

  return g_stat (path, &sb) == 0 ? (gint64) sb.st_size : -1;
}

/* Commits past PT_STORE_WAL_SOFT_PAGES: none of them checkpoints inline;
 * the worker copies the pages into the database file. */
static void
test_commits_leave_checkpoint_to_worker (PtTestFixture *fx,
                                         gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autofree gchar *notes = g_strnfill (1500, 'n');
  const gchar *db_path = sqlite3_db_filename (_pt_store_get_db (fx->store), "main");
  g_autofree gchar *wal_path = g_strconcat (db_path, "-wal", NULL);
  guint64 background0, inline0, background1, inline1;
  gint64 db0, db1;
  guint commits = 0;

  (void) data;
  /* Nothing queued from the fixture's set-up. */
  g_assert_true (_pt_store_checkpoints_wait (30000));
  _pt_store_checkpoint_counts (&background0, &inline0);
  db0 = file_size (db_path);

  /* Small counter-sized commits (a patient each, with its audit event
   * and outbox entries) until the WAL passed the soft bound. */
  while (file_size (wal_path) < (gint64) (PT_STORE_WAL_SOFT_PAGES + 200) * 4096 && commits < 5000)
    {
      g_autoptr(bson_t) patient = BCON_NEW ("firstName", BCON_UTF8 ("Ada"),
                                            "lastName", BCON_UTF8 ("Lovelace"),
                                            "notes", BCON_UTF8 (notes));
      g_autofree gchar *id = pt_store_put (fx->store, "patients", patient, &error);

      g_assert_no_error (error);
      g_assert_nonnull (id);
      commits++;
    }
  g_test_message ("%u commits, WAL %" G_GINT64_FORMAT " bytes", commits, file_size (wal_path));
  g_assert_cmpuint (commits, <, 5000);

  g_assert_true (_pt_store_checkpoints_wait (30000));
  _pt_store_checkpoint_counts (&background1, &inline1);
  db1 = file_size (db_path);
  g_test_message ("checkpoints: %" G_GUINT64_FORMAT " by the worker, %" G_GUINT64_FORMAT
                  " inline; database file %" G_GINT64_FORMAT " -> %" G_GINT64_FORMAT " bytes",
                  background1 - background0, inline1 - inline0, db0, db1);
  g_assert_cmpuint (inline1, ==, inline0);
  g_assert_cmpuint (background1, >, background0);
  /* The worker copied the committed pages into the database file. */
  g_assert_cmpint (db1, >, db0 + 50 * 4096);
  g_assert_cmpint (pt_store_count (fx->store, "patients"), ==, commits);
  g_assert_cmpint (pt_test_query_int (fx->store, "SELECT count(*) FROM pragma_integrity_check "
                                                 "WHERE integrity_check <> 'ok'"), ==, 0);
}

/* One commit that takes the WAL past PT_STORE_WAL_HARD_PAGES (a bulk
 * import) is checkpointed by the committing connection: the WAL never
 * grows without bound while the worker is busy or behind. */
static void
test_huge_commit_checkpoints_inline (PtTestFixture *fx,
                                     gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autofree gchar *sql = g_strdup_printf (
    "CREATE TABLE scratch (b BLOB);"
    "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < %d) "
    "INSERT INTO scratch SELECT randomblob(3900) FROM n", PT_STORE_WAL_HARD_PAGES + 500);
  guint64 inline0, inline1;
  int log = -1, done = -1;

  (void) data;
  g_assert_true (_pt_store_checkpoints_wait (30000));
  _pt_store_checkpoint_counts (NULL, &inline0);
  g_assert_true (_pt_store_begin (fx->store, &error));
  g_assert_true (_pt_store_exec (fx->store, sql, &error));
  g_assert_true (_pt_store_commit (fx->store, &error));
  g_assert_no_error (error);
  _pt_store_checkpoint_counts (NULL, &inline1);
  g_assert_cmpuint (inline1, ==, inline0 + 1);

  /* Everything was copied by then: a checkpoint now finds nothing left. */
  g_assert_true (_pt_store_checkpoints_wait (30000));
  g_assert_cmpint (sqlite3_wal_checkpoint_v2 (_pt_store_get_db (fx->store), NULL,
                                              SQLITE_CHECKPOINT_PASSIVE, &log, &done),
                   ==, SQLITE_OK);
  g_test_message ("WAL frames %d, checkpointed %d", log, done);
  g_assert_cmpint (done, ==, log);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add ("/store/checkpoint/counter-commits-leave-it-to-the-worker", PtTestFixture, NULL,
              pt_test_setup, test_commits_leave_checkpoint_to_worker, pt_test_teardown);
  g_test_add ("/store/checkpoint/huge-commit-checkpoints-inline-wal-bounded", PtTestFixture,
              NULL, pt_test_setup, test_huge_commit_checkpoints_inline, pt_test_teardown);
  return g_test_run ();
}
