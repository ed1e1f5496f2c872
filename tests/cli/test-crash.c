/* test-crash.c: SIGKILL a writer (sometimes two at once, on the same
 * store) at random moments, many times; afterwards every write that was
 * acknowledged is there, every batch has its receipt in the ledger, and
 * PRAGMA integrity_check says ok.  Seed printed; PT_CRASH_SEED overrides. */
#include "config.h"

#include <signal.h>
#include <string.h>
#include <sqlite3.h>

#include "cli-test-util.h"
#include "pt-core.h"
#include "pt-store.h"

#define MIN_KILLS 30
#define MAX_KILLS 45
#define TIME_BUDGET_US (40 * G_USEC_PER_SEC)
#define WAIT_TIMEOUT_S 20

typedef struct
{
  GSubprocess      *proc;
  GDataInputStream *out;
  GPtrArray        *acked;      /* "collection id" lines */
  gboolean          eof;
  gboolean          reading;
} Writer;

static void
read_line_cb (GObject *source, GAsyncResult *result, gpointer data)
{
  Writer *w = data;
  g_autoptr(GError) error = NULL;
  gchar *line = g_data_input_stream_read_line_finish (G_DATA_INPUT_STREAM (source), result,
                                                      NULL, &error);

  w->reading = FALSE;
  if (line == NULL)
    w->eof = TRUE;
  else
    g_ptr_array_add (w->acked, line);
}

static gboolean
timeout_cb (gpointer data)
{
  *(gboolean *) data = TRUE;
  return G_SOURCE_REMOVE;
}

/* Iterates until @w has @n acks (or EOF); FALSE on timeout. */
static void
await_acks (Writer *w, guint n)
{
  gboolean timed_out = FALSE;
  guint id = g_timeout_add_seconds (WAIT_TIMEOUT_S, timeout_cb, &timed_out);

  while (w->acked->len < n && !w->eof && !timed_out)
    {
      if (!w->reading)
        {
          w->reading = TRUE;
          g_data_input_stream_read_line_async (w->out, G_PRIORITY_DEFAULT, NULL, read_line_cb, w);
        }
      g_main_context_iteration (NULL, TRUE);
    }
  if (timed_out)
    g_error ("the writer acknowledged nothing for %d s", WAIT_TIMEOUT_S);
  g_source_remove (id);
}

static void
wait_cb (GObject *source, GAsyncResult *result, gpointer data)
{
  g_subprocess_wait_finish (G_SUBPROCESS (source), result, NULL);
  *(gboolean *) data = TRUE;
}

static void
writer_start (Writer *w, CliFixture *f, const gchar *medicine, gint64 start,
              gulong pause_us)
{
  g_autoptr(GError) error = NULL;
  g_autofree gchar *start_s = g_strdup_printf ("%" G_GINT64_FORMAT, start);
  g_autofree gchar *pause_s = g_strdup_printf ("%lu", pause_us);
  const gchar *path = g_getenv ("PT_CRASH_WRITER");

  g_assert_nonnull (path);
  w->proc = g_subprocess_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE, &error,
                              path, f->data_dir, medicine, start_s, pause_s, NULL);
  g_assert_no_error (error);
  w->out = g_data_input_stream_new (g_subprocess_get_stdout_pipe (w->proc));
  w->acked = g_ptr_array_new_with_free_func (g_free);
  w->eof = FALSE;
  w->reading = FALSE;
}

/* Kills, reaps, and reads what it printed before dying. */
static void
writer_kill (Writer *w)
{
  gboolean reaped = FALSE, timed_out = FALSE;
  guint id;

  g_subprocess_send_signal (w->proc, SIGKILL);
  g_subprocess_wait_async (w->proc, NULL, wait_cb, &reaped);
  id = g_timeout_add_seconds (WAIT_TIMEOUT_S, timeout_cb, &timed_out);
  while (!reaped && !timed_out)
    g_main_context_iteration (NULL, TRUE);
  g_assert_false (timed_out);
  g_source_remove (id);

  /* A writer that stopped by itself failed a write: that is a bug. */
  if (g_subprocess_get_if_exited (w->proc))
    g_error ("the writer exited by itself with status %d",
             g_subprocess_get_exit_status (w->proc));

  await_acks (w, G_MAXUINT);
}

static void
writer_clear (Writer *w)
{
  g_clear_object (&w->out);
  g_clear_object (&w->proc);
}

static void
test_crash (CliFixture *f, gconstpointer data)
{
  const gchar *env_seed = g_getenv ("PT_CRASH_SEED");
  guint32 seed = env_seed ? (guint32) g_ascii_strtoull (env_seed, NULL, 10) : 20261127;
  g_autoptr(GRand) rand = g_rand_new_with_seed (seed);
  g_autoptr(GPtrArray) acked = g_ptr_array_new_with_free_func (g_free);
  g_autofree gchar *medicine = cli_put (f, "medicines",
                                        "{\"name\": \"Crashcillin\", \"schedule\": \"rx\","
                                        " \"price\": 3}");
  g_autoptr(PtStore) store = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) batches = NULL;
  gint64 t0 = g_get_monotonic_time ();
  gint64 start = 0;
  guint kills = 0;
  sqlite3 *db = NULL;
  sqlite3_stmt *stmt = NULL;

  g_test_message ("seed %u (set PT_CRASH_SEED to repeat)", seed);

  while (kills < MAX_KILLS
         && (kills < MIN_KILLS || g_get_monotonic_time () - t0 < TIME_BUDGET_US))
    {
      Writer w[2] = { { 0 } };
      /* Now and then two writers at once on the same store: both must
       * succeed or wait, never fail or corrupt it. */
      guint n_writers = (kills % 5 == 4) ? 2 : 1;
      guint target = g_rand_int_range (rand, 0, 40);

      for (guint i = 0; i < n_writers; i++)
        {
          /* Side by side they pause between writes, as counters do. */
          writer_start (&w[i], f, medicine, start, n_writers > 1 ? 3000 : 0);
          start += 1000000;
        }
      await_acks (&w[0], target);
      /* Land somewhere inside the next write, not just between two. */
      g_usleep (g_rand_int_range (rand, 0, 4000));
      for (guint i = 0; i < n_writers; i++)
        {
          writer_kill (&w[i]);
          for (guint j = 0; j < w[i].acked->len; j++)
            g_ptr_array_add (acked, g_strdup (g_ptr_array_index (w[i].acked, j)));
          g_ptr_array_unref (w[i].acked);
          writer_clear (&w[i]);
          kills++;
        }
    }
  g_test_message ("%u kills, %u acknowledged writes, %.1f s", kills, acked->len,
                  (g_get_monotonic_time () - t0) / 1e6);
  g_assert_cmpuint (kills, >=, MIN_KILLS);
  g_assert_cmpuint (acked->len, >, 0);

  store = pt_store_open (f->data_dir, &error);
  g_assert_no_error (error);
  pt_store_act_as_system (store);
  for (guint i = 0; i < acked->len; i++)
    {
      g_auto(GStrv) parts = g_strsplit (g_ptr_array_index (acked, i), " ", 2);
      bson_t *doc;

      g_assert_cmpuint (g_strv_length (parts), ==, 2);
      doc = pt_store_get (store, parts[0], parts[1], &error);
      if (doc == NULL)
        g_error ("acknowledged %s %s is lost: %s", parts[0], parts[1], error->message);
      bson_destroy (doc);
    }

  /* Each batch came with its receipt in the same transaction. */
  batches = pt_store_batch_stock (store, medicine, NULL, &error);
  g_assert_no_error (error);
  for (guint i = 0; i < batches->len; i++)
    g_assert_cmpint (((PtBatchStock *) g_ptr_array_index (batches, i))->quantity, ==, 10);

  g_assert_cmpint (sqlite3_open_v2 (pt_store_get_path (store), &db, SQLITE_OPEN_READONLY, NULL),
                   ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_prepare_v2 (db, "PRAGMA integrity_check", -1, &stmt, NULL), ==,
                   SQLITE_OK);
  g_assert_cmpint (sqlite3_step (stmt), ==, SQLITE_ROW);
  g_assert_cmpstr ((const char *) sqlite3_column_text (stmt, 0), ==, "ok");
  sqlite3_finalize (stmt);
  sqlite3_close (db);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add ("/cli/crash/sigkill-loses-no-acknowledged-write", CliFixture,
              GINT_TO_POINTER (TRUE), cli_fixture_setup, test_crash, cli_fixture_teardown);
  return g_test_run ();
}
