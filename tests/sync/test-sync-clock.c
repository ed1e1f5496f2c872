/* test-sync-clock.c: one hybrid logical clock per device per process
 * (DESIGN §4), whatever number of store connections the process opens. */
#define G_LOG_DOMAIN "pt-test"
#include "config.h"

#include <string.h>
#include <sqlite3.h>
#include "pt-store-private.h"
#include "sync-test-util.h"

static gchar *
row_version (PtStore     *store,
             const gchar *coll,
             const gchar *id)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(PtRawRow) row = _pt_store_read_row (store, pt_schema_lookup (coll), id, &error);

  g_assert_no_error (error);
  return g_strdup (row->version);
}

static PtStore *
open_system (const gchar *dir)
{
  g_autoptr(GError) error = NULL;
  PtStore *store = pt_store_open (dir, &error);

  g_assert_no_error (error);
  pt_store_act_as_system (store);
  return store;
}

/* The sync worker's connection has just pulled a change from a counter
 * whose clock runs a minute ahead; then the GUI's connection and the
 * worker's write in turn: every new document carries a newer stamp than
 * the one written before it, whichever connection wrote it. */
static void
test_connections_of_one_device_issue_increasing_stamps (void)
{
  g_autofree gchar *dir = sync_test_mkdtemp ();
  g_autoptr(PtStore) a = sync_test_create_tenant (dir);
  g_autoptr(PtStore) b = open_system (dir);
  g_autofree gchar *prev = g_strdup_printf ("%016" G_GINT64_MODIFIER "x-00000000000c0ffe",
                                             (guint64) (g_get_real_time () / 1000 + 60000) << 16);

  g_assert_true (pt_hlc_observe (pt_store_get_clock (a), prev));
  for (guint i = 0; i < 400; i++)
    {
      PtStore *store = i % 2 ? a : b;
      g_autofree gchar *name = g_strdup_printf ("Medicine %03u", i);
      g_autofree gchar *id = sync_test_put_medicine (store, name, 100 + i);
      gchar *version = row_version (store, "medicines", id);

      if (prev != NULL && strcmp (version, prev) <= 0)
        g_error ("write %u by connection %c got %s, not after %s", i, i % 2 ? 'a' : 'b',
                 version, prev);
      g_free (prev);
      prev = version;
    }
  g_assert_true (pt_store_get_clock (a) == pt_store_get_clock (b));

  g_clear_object (&a);
  g_clear_object (&b);
  sync_test_rmdir (dir);
}

typedef struct
{
  PtStore   *store;
  GPtrArray *stamps;
} Stamper;

static gpointer
stamper_thread (gpointer data)
{
  Stamper *s = data;

  for (guint i = 0; i < 20000; i++)
    g_ptr_array_add (s->stamps, pt_hlc_now (pt_store_get_clock (s->store)));
  return NULL;
}

/* Two threads, each stamping through its own connection: 40,000 stamps,
 * no two alike, each thread's strictly increasing. */
static void
test_threads_on_two_connections_never_share_a_stamp (void)
{
  g_autofree gchar *dir = sync_test_mkdtemp ();
  g_autoptr(PtStore) a = sync_test_create_tenant (dir);
  g_autoptr(PtStore) b = open_system (dir);
  g_autoptr(GHashTable) seen = g_hash_table_new (g_str_hash, g_str_equal);
  Stamper sa = { a, g_ptr_array_new_with_free_func (g_free) };
  Stamper sb = { b, g_ptr_array_new_with_free_func (g_free) };
  GThread *ta = g_thread_new ("stamper-a", stamper_thread, &sa);
  GThread *tb = g_thread_new ("stamper-b", stamper_thread, &sb);

  g_thread_join (ta);
  g_thread_join (tb);
  for (guint t = 0; t < 2; t++)
    {
      GPtrArray *stamps = t == 0 ? sa.stamps : sb.stamps;

      for (guint i = 0; i < stamps->len; i++)
        {
          const gchar *s = g_ptr_array_index (stamps, i);

          g_assert_true (pt_hlc_stamp_is_valid (s));
          if (i > 0)
            g_assert_cmpint (strcmp (s, g_ptr_array_index (stamps, i - 1)), >, 0);
          if (!g_hash_table_add (seen, (gpointer) s))
            g_error ("stamp %s issued twice", s);
        }
    }
  g_assert_cmpuint (g_hash_table_size (seen), ==, 40000);

  g_ptr_array_unref (sa.stamps);
  g_ptr_array_unref (sb.stamps);
  g_clear_object (&a);
  g_clear_object (&b);
  sync_test_rmdir (dir);
}

static gint64
hour_ago_clock (gpointer data)
{
  return g_get_real_time () / 1000 - 3600 * 1000;
}

/* Another process (its own clock, here one hour ahead of ours) wrote the
 * row last: our edit is still stamped after that version, so it is not
 * mistaken for the server's copy nor lost to it in a merge. */
static void
test_edit_is_stamped_after_the_version_it_changes (void)
{
  g_autofree gchar *dir = sync_test_mkdtemp ();
  g_autoptr(PtStore) store = NULL;
  g_autofree gchar *id = NULL;
  g_autofree gchar *theirs = NULL;
  g_autofree gchar *ours = NULL;
  g_autoptr(GError) error = NULL;
  sqlite3_stmt *stmt;

  pt_hlc_set_wall_clock (hour_ago_clock, NULL);
  store = sync_test_create_tenant (dir);
  id = sync_test_put_medicine (store, "Ibuprofen 200 mg", 300);

  /* What the other process left: its stamp, from a clock an hour ahead. */
  theirs = g_strdup_printf ("%016" G_GINT64_MODIFIER "x-%s",
                            (guint64) (g_get_real_time () / 1000) << 16,
                            pt_store_get_device_id (store));
  stmt = _pt_store_prepare (store, "UPDATE medicines SET version = ?1 WHERE id = ?2", &error);
  g_assert_no_error (error);
  sqlite3_bind_text (stmt, 1, theirs, -1, SQLITE_TRANSIENT);
  sqlite3_bind_text (stmt, 2, id, -1, SQLITE_TRANSIENT);
  g_assert_cmpint (sqlite3_step (stmt), ==, SQLITE_DONE);
  sqlite3_reset (stmt);

  sync_test_update (store, "medicines", id, "{\"description\": \"edited here\"}");
  ours = row_version (store, "medicines", id);
  g_test_message ("theirs %s, ours %s", theirs, ours);
  g_assert_cmpint (strcmp (ours, theirs), >, 0);

  pt_hlc_set_wall_clock (NULL, NULL);
  g_clear_object (&store);
  sync_test_rmdir (dir);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/sync/clock/connections-of-one-device-issue-increasing-stamps",
                   test_connections_of_one_device_issue_increasing_stamps);
  g_test_add_func ("/sync/clock/threads-on-two-connections-never-share-a-stamp",
                   test_threads_on_two_connections_never_share_a_stamp);
  g_test_add_func ("/sync/clock/edit-is-stamped-after-the-version-it-changes",
                   test_edit_is_stamped_after_the_version_it_changes);

  return g_test_run ();
}
