/* A full disk, a busy store, two processes writing at once: clear errors,
 * nothing lost, nothing half-written. */
#define G_LOG_DOMAIN "pt-test"
#include "config.h"

#include <errno.h>
#include <string.h>
#include <unistd.h>
#include <sys/mount.h>
#include <sys/wait.h>

#include "pt-test-store.h"

/* Every dispensed prescription has its movements and no other one does:
 * nothing was half-written. */
static void
assert_consistent (PtStore *store)
{
  g_assert_cmpint (pt_test_query_int (store, "SELECT count(*) FROM pragma_integrity_check "
                                             "WHERE integrity_check != 'ok'"), ==, 0);
  g_assert_cmpint (pt_test_query_int (store,
    "SELECT count(*) FROM prescriptions p WHERE (p.status = 'dispensed') != "
    "EXISTS (SELECT 1 FROM stock_movements m WHERE m.prescription_id = p.id)"), ==, 0);
  /* Each document write has its audit event and its outbox entry. */
  g_assert_cmpint (pt_test_query_int (store,
    "SELECT count(*) FROM medicines m WHERE NOT EXISTS "
    "(SELECT 1 FROM outbox o WHERE o.collection = 'medicines' AND o.doc_id = m.id)"), ==, 0);
  g_assert_cmpint (pt_test_query_int (store,
    "SELECT count(*) FROM medicines m WHERE NOT EXISTS "
    "(SELECT 1 FROM audit_events a WHERE a.document_id = m.id)"), ==, 0);
  g_assert_cmpint (pt_test_query_int (store,
    "SELECT count(*) FROM batch_stock c WHERE quantity != (SELECT coalesce(sum(quantity), 0) "
    "FROM stock_movements m WHERE m.batch_id = c.batch_id)"), ==, 0);
}

static gchar *
put_bulky_medicine (PtStore *store,
                    guint    i,
                    GError **error)
{
  g_autoptr(bson_t) doc = bson_new ();
  g_autofree gchar *name = g_strdup_printf ("Bulky medicine %05u", i);
  g_autofree gchar *text = g_strnfill (3000, 'a' + (i % 26));

  BSON_APPEND_UTF8 (doc, "name", name);
  BSON_APPEND_UTF8 (doc, "schedule", "otc");
  BSON_APPEND_INT64 (doc, "price", 100);
  BSON_APPEND_UTF8 (doc, "description", text);
  return pt_store_put (store, "medicines", doc, error);
}

/* Fills the store until the disk is full, checks the refusal and that
 * nothing was lost or half-written; then dispenses at the limit. */
static void
fill_until_full (PtStore     *store,
                 const gchar *pharmacy_id)
{
  g_autoptr(GError) error = NULL;
  g_autofree gchar *med = pt_test_add_medicine (store, "Full disk test", NULL, NULL, NULL, 10);
  g_autofree gchar *patient = pt_test_add_patient (store, "Fay", "Ull", NULL, NULL, NULL);
  g_autoptr(GPtrArray) rxs = g_ptr_array_new_with_free_func (g_free);
  gint64 before, outbox;
  guint stored = 0;

  g_free (pt_test_receive (store, med, pharmacy_id, "F1", 300, 100000));
  for (guint i = 0; i < 40; i++)
    g_ptr_array_add (rxs, pt_test_add_prescription (store, patient, pharmacy_id, med,
                                                    (gint64) 1, NULL));
  before = pt_store_count (store, "medicines");
  for (guint i = 0; i < 100000; i++)
    {
      g_autofree gchar *id = put_bulky_medicine (store, i, &error);
      if (id == NULL)
        break;
      stored++;
    }
  g_assert_error (error, PT_ERROR, PT_ERROR_DISK_FULL);
  g_assert_nonnull (strstr (error->message, "disk is full"));
  g_test_message ("disk full after %u documents", stored);
  g_assert_cmpuint (stored, >, 0);
  g_assert_cmpint (pt_store_count (store, "medicines"), ==, before + stored);
  outbox = pt_test_count (store, "outbox");
  assert_consistent (store);

  /* Counter work at the limit: each dispense either commits whole or
   * fails with a clear error, changing nothing. */
  for (guint i = 0; i < rxs->len; i++)
    {
      g_autoptr(GError) dispense_error = NULL;
      g_autoptr(PtDispensePlan) plan = pt_store_dispense (store, rxs->pdata[i], "Repeat test", 0,
                                                          &dispense_error);
      if (plan == NULL)
        {
          g_assert_error (dispense_error, PT_ERROR, PT_ERROR_DISK_FULL);
          g_assert_cmpint (pt_test_count (store, "outbox"), ==, outbox);
        }
      else
        outbox = pt_test_count (store, "outbox");
    }
  assert_consistent (store);
}

static void
test_disk_full_by_page_limit (PtTestFixture *fx,
                              gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  gint64 pages = pt_test_query_int (fx->store, "PRAGMA page_count");
  g_autofree gchar *limit = g_strdup_printf ("PRAGMA max_page_count = %" G_GINT64_FORMAT,
                                             pages + 200);
  g_autofree gchar *after = NULL;

  g_assert_true (_pt_store_exec (fx->store, limit, &error));
  fill_until_full (fx->store, fx->pharmacy_id);

  /* Space again: work continues, nothing was lost. */
  g_assert_true (_pt_store_exec (fx->store, "PRAGMA max_page_count = 1073741823", &error));
  after = put_bulky_medicine (fx->store, 999999, &error);
  g_assert_no_error (error);
  g_assert_nonnull (after);
  assert_consistent (fx->store);
}

/* The same on a real, tiny file system (an 8 MiB tmpfs), when this process
 * may mount one (root in a container, CI); skipped otherwise. */
static void
test_disk_full_on_tmpfs (void)
{
  g_autofree gchar *mnt = pt_test_mkdtemp ();
  g_autofree gchar *dir = g_build_filename (mnt, "data", NULL);
  g_autoptr(PtStore) store = NULL;
  g_autoptr(PtStore) reopened = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree gchar *pharmacy = NULL;
  gint64 count;

  if (mount ("tmpfs", mnt, "tmpfs", 0, "size=8m,mode=0700") != 0)
    {
      g_autofree gchar *why = g_strdup_printf ("cannot mount a tmpfs here (%s)",
                                               g_strerror (errno));
      g_test_skip (why);
      pt_test_rmdir (mnt);
      return;
    }
  store = pt_test_create_store (dir, PT_TEST_TENANT, NULL);
  pharmacy = pt_store_get_pharmacy_id (store);
  fill_until_full (store, pharmacy);
  count = pt_store_count (store, "medicines");
  g_clear_object (&store);

  /* Reopened on the full disk, every committed document is there. */
  reopened = pt_store_open (dir, &error);
  g_assert_no_error (error);
  g_assert_cmpint (pt_store_count (reopened, "medicines"), ==, count);
  assert_consistent (reopened);
  g_clear_object (&reopened);
  g_assert_cmpint (umount2 (mnt, MNT_DETACH), ==, 0);
  pt_test_rmdir (mnt);
}

static void
test_busy_after_timeout (PtTestFixture *fx,
                         gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(bson_t) doc = bson_new ();
  sqlite3 *other = NULL;
  g_autofree gchar *id = NULL;
  g_autofree gchar *later = NULL;
  gint64 t0, waited_ms, before = pt_store_count (fx->store, "medicines");

  BSON_APPEND_UTF8 (doc, "name", "Waiting");
  BSON_APPEND_UTF8 (doc, "schedule", "otc");
  BSON_APPEND_INT64 (doc, "price", 1);

  /* Another process holds the write lock and does not let go. */
  g_assert_cmpint (sqlite3_open (pt_store_get_path (fx->store), &other), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_exec (other, "BEGIN IMMEDIATE", NULL, NULL, NULL), ==, SQLITE_OK);

  _pt_store_set_busy_timeout (fx->store, 300);
  t0 = g_get_monotonic_time ();
  id = pt_store_put (fx->store, "medicines", doc, &error);
  waited_ms = (g_get_monotonic_time () - t0) / 1000;
  g_assert_null (id);
  g_assert_error (error, PT_ERROR, PT_ERROR_BUSY);
  g_assert_nonnull (strstr (error->message, "Try again"));
  g_assert_cmpint (waited_ms, >=, 250);   /* it waited before giving up */
  g_clear_error (&error);

  /* Once the other writer is done, the same write goes through. */
  g_assert_cmpint (sqlite3_exec (other, "COMMIT", NULL, NULL, NULL), ==, SQLITE_OK);
  sqlite3_close (other);
  later = pt_store_put (fx->store, "medicines", doc, &error);
  g_assert_no_error (error);
  g_assert_cmpint (pt_store_count (fx->store, "medicines"), ==, before + 1);
}

#define WRITES_PER_PROCESS 60

/* One of the two writers: opens the store itself and records a mix of
 * counter work; exits 0 only when every operation succeeded. */
static int
writer_process (const gchar *dir,
                guint        which)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(PtStore) store = pt_store_open (dir, &error);
  g_autofree gchar *med = NULL;
  g_autofree gchar *batch = NULL;

  if (store == NULL)
    {
      g_printerr ("writer %u: %s\n", which, error->message);
      return 1;
    }
  for (guint i = 0; i < WRITES_PER_PROCESS; i++)
    {
      g_autofree gchar *name = g_strdup_printf ("Writer %u item %03u", which, i);
      g_autoptr(bson_t) doc = bson_new ();
      g_autofree gchar *id = NULL;

      BSON_APPEND_UTF8 (doc, "name", name);
      BSON_APPEND_UTF8 (doc, "schedule", "otc");
      BSON_APPEND_INT64 (doc, "price", 100 + i);
      id = pt_store_put (store, "medicines", doc, &error);
      if (id == NULL)
        {
          g_printerr ("writer %u put %u: %s\n", which, i, error->message);
          return 2;
        }
      if (i == 0)
        {
          PtReceipt r = { .medicine_id = id, .lot_number = "W", .quantity = 1000,
                          .expiry_date = pt_test_days_from_now (365) };
          med = g_strdup (id);
          batch = pt_store_receive_stock (store, &r, &error);
          if (batch == NULL)
            {
              g_printerr ("writer %u receive: %s\n", which, error->message);
              return 3;
            }
        }
      else
        {
          g_autofree gchar *m = pt_store_adjust_stock (store, batch, -1, "Concurrent test",
                                                       &error);
          if (m == NULL)
            {
              g_printerr ("writer %u adjust %u: %s\n", which, i, error->message);
              return 4;
            }
        }
    }
  return pt_store_stock_on_hand (store, med, NULL) == 1000 - (WRITES_PER_PROCESS - 1) ? 0 : 5;
}

static void
test_two_processes_write_at_once (PtTestFixture *fx,
                                  gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  gint64 before = pt_store_count (fx->store, "medicines");
  gint64 audits = pt_store_count (fx->store, "audit_events");
  pid_t pids[2];

  g_clear_object (&fx->store);
  for (guint i = 0; i < 2; i++)
    {
      pids[i] = fork ();
      g_assert_cmpint (pids[i], >=, 0);
      if (pids[i] == 0)
        _exit (writer_process (fx->dir, i));
    }
  for (guint i = 0; i < 2; i++)
    {
      int status = 0;
      g_assert_cmpint (waitpid (pids[i], &status, 0), ==, pids[i]);
      g_assert_true (WIFEXITED (status));
      g_assert_cmpint (WEXITSTATUS (status), ==, 0);
    }

  fx->store = pt_store_open (fx->dir, &error);
  g_assert_no_error (error);
  g_assert_cmpint (pt_store_count (fx->store, "medicines"), ==, before + 2 * WRITES_PER_PROCESS);
  /* Per writer: 60 medicines, 1 receipt, 59 adjustments, one audit each. */
  g_assert_cmpint (pt_store_count (fx->store, "audit_events"), ==,
                   audits + 2 * (2 * WRITES_PER_PROCESS));
  g_assert_cmpint (pt_test_count (fx->store, "stock_movements"), ==, 2 * WRITES_PER_PROCESS);
  assert_consistent (fx->store);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);

#define ADD(path, func) \
  g_test_add (path, PtTestFixture, NULL, pt_test_setup, func, pt_test_teardown)
  ADD ("/store/robustness/disk-full-refused-nothing-lost", test_disk_full_by_page_limit);
  g_test_add_func ("/store/robustness/disk-full-on-a-real-tiny-file-system",
                   test_disk_full_on_tmpfs);
  ADD ("/store/robustness/busy-after-timeout-changes-nothing", test_busy_after_timeout);
  ADD ("/store/robustness/two-processes-write-at-once", test_two_processes_write_at_once);

  return g_test_run ();
}
