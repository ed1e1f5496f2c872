/* test-checkpoint.c: the counter's commits do not checkpoint the WAL
 * themselves; a worker thread does at the counter's pauses, the WAL file
 * is then written again from its beginning, and it stays bounded. */
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
  /* The worker copied the committed pages into the database file: at
   * least every patient's notes. */
  g_assert_cmpint (db1, >, db0 + (gint64) commits * 1500);
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

static gchar *
put_patient (PtStore *store)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(bson_t) patient = BCON_NEW ("firstName", BCON_UTF8 ("Grace"),
                                        "lastName", BCON_UTF8 ("Hopper"));
  gchar *id = pt_store_put (store, "patients", patient, &error);

  g_assert_no_error (error);
  g_assert_nonnull (id);
  return id;
}

/* A pause at the counter once the WAL passed PT_STORE_WAL_SOFT_PAGES:
 * the worker copies the WAL into the database file, and the next commits
 * write the WAL file again from its beginning (over what is already
 * allocated: it does not grow) instead of appending to it.  A pause after
 * a few commits leaves the WAL alone (the commit that starts it again
 * syncs its header too: once per thousand pages, not per dispense). */
static void
test_pause_then_wal_written_from_start (PtTestFixture *fx,
                                        gconstpointer  data)
{
  const gchar *db_path = sqlite3_db_filename (_pt_store_get_db (fx->store), "main");
  g_autofree gchar *wal_path = g_strconcat (db_path, "-wal", NULL);
  guint64 background0, background1, background2, inline0, inline1;
  gint64 wal_before, wal_after;
  guint commits = 0;
  int log = -1, done = -1;

  (void) data;
  g_assert_true (_pt_store_checkpoints_wait (30000));
  _pt_store_checkpoint_counts (&background0, &inline0);
  /* A few commits and a pause: nothing asked. */
  for (guint i = 0; i < 5; i++, commits++)
    g_free (put_patient (fx->store));
  g_assert_true (_pt_store_checkpoints_wait (30000));
  _pt_store_checkpoint_counts (&background1, NULL);
  g_assert_cmpuint (background1, ==, background0);

  /* Past the soft bound, then the pause. */
  while (file_size (wal_path) < (gint64) (PT_STORE_WAL_SOFT_PAGES + 100) * (4096 + 24)
         && commits < 5000)
    {
      g_free (put_patient (fx->store));
      commits++;
    }
  g_assert_true (_pt_store_checkpoints_wait (30000));
  _pt_store_checkpoint_counts (&background2, &inline1);
  g_assert_cmpuint (background2, >, background1);
  g_assert_cmpuint (inline1, ==, inline0);
  wal_before = file_size (wal_path);

  /* Fewer commits again: had the WAL not been wholly copied at the
   * pause, they would have been appended to it. */
  for (guint i = 0; i < 20; i++, commits++)
    g_free (put_patient (fx->store));
  wal_after = file_size (wal_path);
  g_test_message ("%u commits; WAL file %" G_GINT64_FORMAT " bytes after the pause, %"
                  G_GINT64_FORMAT " after 20 more commits", commits, wal_before, wal_after);
  g_assert_cmpint (wal_after, ==, wal_before);
  g_assert_cmpint (sqlite3_wal_checkpoint_v2 (_pt_store_get_db (fx->store), NULL,
                                              SQLITE_CHECKPOINT_PASSIVE, &log, &done),
                   ==, SQLITE_OK);
  g_assert_cmpint (done, ==, log);
  /* 20 commits wrote far less than the file holds. */
  g_assert_cmpint ((gint64) log * (4096 + 24), <, wal_before / 2);
  g_assert_cmpint (pt_store_count (fx->store, "patients"), ==, commits);
}

/* After a commit bigger than the hard bound, the WAL file is cut back to
 * the bound's length when it starts again — not to nothing: commits then
 * write over allocated space. */
static void
test_wal_file_kept_at_the_bound (PtTestFixture *fx,
                                 gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autofree gchar *sql = g_strdup_printf (
    "CREATE TABLE scratch (b BLOB);"
    "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < %d) "
    "INSERT INTO scratch SELECT randomblob(3900) FROM n", PT_STORE_WAL_HARD_PAGES + 500);
  const gchar *db_path = sqlite3_db_filename (_pt_store_get_db (fx->store), "main");
  g_autofree gchar *wal_path = g_strconcat (db_path, "-wal", NULL);
  gint64 grown, kept;

  (void) data;
  g_assert_true (_pt_store_begin (fx->store, &error));
  g_assert_true (_pt_store_exec (fx->store, sql, &error));
  g_assert_true (_pt_store_commit (fx->store, &error));
  g_assert_no_error (error);
  grown = file_size (wal_path);
  g_assert_cmpint (grown, >, PT_STORE_WAL_LIMIT_BYTES);
  /* Checkpointed inline by that commit: the next one starts the WAL
   * again and cuts the file back. */
  g_free (put_patient (fx->store));
  kept = file_size (wal_path);
  g_test_message ("WAL file %" G_GINT64_FORMAT " bytes after the big commit, %" G_GINT64_FORMAT
                  " after the next", grown, kept);
  g_assert_cmpint (kept, ==, PT_STORE_WAL_LIMIT_BYTES);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add ("/store/checkpoint/counter-commits-leave-it-to-the-worker", PtTestFixture, NULL,
              pt_test_setup, test_commits_leave_checkpoint_to_worker, pt_test_teardown);
  g_test_add ("/store/checkpoint/huge-commit-checkpoints-inline-wal-bounded", PtTestFixture,
              NULL, pt_test_setup, test_huge_commit_checkpoints_inline, pt_test_teardown);
  g_test_add ("/store/checkpoint/after-a-pause-wal-written-again-from-its-start", PtTestFixture,
              NULL, pt_test_setup, test_pause_then_wal_written_from_start, pt_test_teardown);
  g_test_add ("/store/checkpoint/wal-file-kept-at-the-bound-not-shrunk-to-nothing",
              PtTestFixture, NULL, pt_test_setup, test_wal_file_kept_at_the_bound,
              pt_test_teardown);
  return g_test_run ();
}
