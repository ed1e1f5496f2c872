/* test-busy.c: two processes writing one store at once in tight loops
 * both finish (issue 2: "both succeed or one waits"), and a writer that
 * cannot get the lock within the busy timeout says so without changing
 * anything. */
#define G_LOG_DOMAIN "pt-test"
#include "config.h"

#include <gio/gio.h>

#include "pt-test-store.h"

typedef struct
{
  guint     running;
  gboolean  ok[2];
  gchar    *err[2];
} Writers;

typedef struct
{
  Writers *w;
  guint    index;
} WriterRef;

static void
writer_done_cb (GObject      *source,
                GAsyncResult *result,
                gpointer      data)
{
  WriterRef *ref = data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) err = NULL;

  g_subprocess_communicate_finish (G_SUBPROCESS (source), result, NULL, &err, &error);
  g_assert_no_error (error);
  ref->w->ok[ref->index] = g_subprocess_get_if_exited (G_SUBPROCESS (source))
                           && g_subprocess_get_exit_status (G_SUBPROCESS (source)) == 0;
  ref->w->err[ref->index] = g_strndup (g_bytes_get_data (err, NULL), g_bytes_get_size (err));
  ref->w->running--;
  g_free (ref);
}

static gboolean
timeout_cb (gpointer data)
{
  *(gboolean *) data = TRUE;
  return G_SOURCE_REMOVE;
}

static void
test_two_writers_tight_loops (PtTestFixture *fx, gconstpointer data)
{
  const gchar *writer = g_getenv ("PT_BUSY_WRITER");
  /* Each writer gives up after 2 s without the lock, so a writer starved
   * by the other fails the test within its time.  (On this machine
   * SQLite's own back-off also passed it: the test guards the behaviour,
   * it does not reproduce a starvation on demand.) */
  const guint n = 300;
  GSubprocess *procs[2] = { NULL, NULL };
  Writers w = { 0 };
  gboolean timed_out = FALSE;
  guint timeout_id;
  gint64 before = pt_store_count (fx->store, "medicines");
  g_autofree gchar *count = g_strdup_printf ("%u", n);

  g_assert_nonnull (writer);
  /* The parent's connection must not hold anything. */
  g_clear_object (&fx->store);
  for (guint i = 0; i < 2; i++)
    {
      g_autoptr(GError) error = NULL;
      WriterRef *ref = g_new0 (WriterRef, 1);

      procs[i] = g_subprocess_new (G_SUBPROCESS_FLAGS_STDERR_PIPE, &error, writer, fx->dir,
                                   count, i == 0 ? "A" : "B", "2000", NULL);
      g_assert_no_error (error);
      ref->w = &w;
      ref->index = i;
      w.running++;
      g_subprocess_communicate_async (procs[i], NULL, NULL, writer_done_cb, ref);
    }
  timeout_id = g_timeout_add_seconds (100, timeout_cb, &timed_out);
  while (w.running > 0 && !timed_out)
    g_main_context_iteration (NULL, TRUE);
  if (timed_out)
    {
      for (guint i = 0; i < 2; i++)
        g_subprocess_force_exit (procs[i]);
      g_error ("the two writers did not finish within 100 s");
    }
  g_source_remove (timeout_id);
  for (guint i = 0; i < 2; i++)
    {
      g_clear_object (&procs[i]);
      if (!w.ok[i])
        g_error ("writer %u failed: %s", i, w.err[i]);
      g_free (w.err[i]);
    }

  {
    g_autoptr(GError) error = NULL;
    fx->store = pt_store_open (fx->dir, &error);
    g_assert_no_error (error);
  }
  g_assert_cmpint (pt_store_count (fx->store, "medicines"), ==, before + 2 * n);
  g_assert_cmpint (pt_test_query_int (fx->store, "SELECT count(*) FROM pragma_integrity_check "
                                                 "WHERE integrity_check <> 'ok'"), ==, 0);
}

/* Another connection holds the write lock past the (shortened) timeout:
 * the mutation fails with the busy message and changes nothing. */
static void
test_busy_past_timeout_refused (PtTestFixture *fx, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(PtStoreStatus) st = pt_store_get_status (fx->store, &error);
  g_autoptr(bson_t) doc = bson_new ();
  gint64 before = pt_store_count (fx->store, "medicines");
  sqlite3 *other = NULL;
  gint64 t0;
  gchar *id;

  g_assert_no_error (error);
  g_assert_cmpint (sqlite3_open (st->path, &other), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_exec (other, "BEGIN IMMEDIATE", NULL, NULL, NULL), ==, SQLITE_OK);
  _pt_store_set_busy_timeout (fx->store, 300);
  t0 = g_get_monotonic_time ();
  BSON_APPEND_UTF8 (doc, "name", "Blocked");
  BSON_APPEND_UTF8 (doc, "schedule", "otc");
  BSON_APPEND_INT64 (doc, "price", 100);
  id = pt_store_put (fx->store, "medicines", doc, &error);
  g_assert_null (id);
  g_assert_error (error, PT_ERROR, PT_ERROR_BUSY);
  /* It waited for the whole timeout, in rounds. */
  g_assert_cmpint (g_get_monotonic_time () - t0, >=, 300 * 1000);
  sqlite3_exec (other, "ROLLBACK", NULL, NULL, NULL);
  sqlite3_close (other);
  g_assert_cmpint (pt_store_count (fx->store, "medicines"), ==, before);
  g_assert_cmpint (pt_test_query_int (fx->store, "PRAGMA busy_timeout"), ==, 300);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add ("/store/busy/two-writers-in-tight-loops-both-finish", PtTestFixture, NULL,
              pt_test_setup, test_two_writers_tight_loops, pt_test_teardown);
  g_test_add ("/store/busy/lock-held-past-timeout-refused-unchanged", PtTestFixture, NULL,
              pt_test_setup, test_busy_past_timeout_refused, pt_test_teardown);
  return g_test_run ();
}
