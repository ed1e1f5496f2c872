/* test-sync-crypt-unreadable.c: a record in the cloud this counter cannot
 * decrypt (damaged, or under a key the pharmacy does not have) is left
 * out and listed for staff with what to do; everything else keeps
 * syncing; `sync --once` says all that keeps the two apart. */
#define G_LOG_DOMAIN "pt-test"
#include "config.h"

#include <string.h>
#include <sys/stat.h>
#include <glib/gstdio.h>
#include "pt-store-private.h"
#include "pt-sync-crypt.h"
#include "sync-crypt-fixture.h"

typedef SyncCryptFixture Fixture;

static gboolean
listed_unreadable (PtStore     *store,
                   const gchar *id)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) list = pt_sync_list_unreadable (store, &error);

  g_assert_no_error (error);
  for (guint i = 0; i < list->len; i++)
    {
      PtSyncUnreadable *u = g_ptr_array_index (list, i);

      g_assert_cmpstr (u->collection, ==, "patients");
      g_assert_nonnull (strstr (u->message, "cannot be decrypted")
                        ? u->message : strstr (u->message, "key this pharmacy does not have"));
      if (g_strcmp0 (u->document_id, id) == 0)
        return TRUE;
    }
  return FALSE;
}

#define DAMAGED_1 "1 patient record from the cloud cannot be read on this counter: it is damaged. " \
                  "Ask your administrator to restore it in the cloud."
#define DAMAGED_2 "2 patient records from the cloud cannot be read on this counter: they are damaged. " \
                  "Ask your administrator to restore them in the cloud."
#define OTHER_KEY_1 "1 patient record from the cloud cannot be read on this counter: it was encrypted " \
                    "with a key the pharmacy does not have. Ask your administrator to check the " \
                    "cloud’s key vault."
#define REFUSED_1 "The cloud refused 1 change made here; it is kept on this computer and listed on " \
                  "the Sync page under “Refused by the Server”: correct the record and it is sent again."

/* Runs a one-shot sync of @dir that must stop only on what keeps it apart
 * from the cloud: the error @domain, @code and exactly the lines given (NULL-
 * terminated), in that order — the most urgent first. */
static void
sync_expect_apart (const gchar *dir,
                   const gchar *uri,
                   GQuark       domain,
                   gint         code,
                   ...)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GString) expected = g_string_new (NULL);
  const gchar *line;
  va_list args;

  va_start (args, code);
  while ((line = va_arg (args, const gchar *)) != NULL)
    g_string_append_printf (expected, "%s%s", expected->len > 0 ? "\n" : "", line);
  va_end (args);
  g_assert_false (sync_test_sync_once (dir, uri, &error));
  g_assert_error (error, domain, code);
  g_assert_cmpstr (error->message, ==, expected->str);
}

/* One document whose ciphertext cannot be decrypted does not block the
 * pull: it is listed for staff (status, a sentence), every other document
 * keeps flowing — first sync and live — the checkpoint and the resume
 * token move on, a local change to it is quarantined (not retried at
 * every round), and a repaired version is taken again. */
static void
test_unreadable_document_is_left_out_and_the_rest_flows (Fixture *f, gconstpointer data)
{
  g_autofree gchar *p1 = sync_test_put_patient (f->a, "Ada", "Okafor");
  g_autofree gchar *p2 = sync_test_put_patient (f->a, "Bram", "Lindqvist");
  g_autofree gchar *p3 = sync_test_put_patient (f->a, "Chiara", "Esposito");
  g_autofree gchar *p4 = sync_test_put_patient (f->a, "Dmitri", "Volkov");
  g_autofree gchar *p5 = NULL, *token_before = NULL, *token_after = NULL;
  g_autofree gchar *name = NULL;
  g_autoptr(PtSyncStatus) st = NULL;
  g_autoptr(GPtrArray) q = NULL;
  gint64 now = g_get_real_time () / 1000;
  SyncTestRun r;

  sync_test_sync_ok (f->dir_a, f->uri);
  sync_test_spoil_ciphertext (f->web, p2, "firstName", FALSE, now + 1000);
  sync_test_spoil_ciphertext (f->web, p4, "lastName", TRUE, now + 1000);

  /* First sync of counter B: everything but the two, and it completes. */
  sync_crypt_enrol_b (f, f->key_file);
  sync_expect_apart (f->dir_b, f->uri, PT_SYNC_ERROR, PT_SYNC_ERROR_RECORDS_UNREADABLE, OTHER_KEY_1, DAMAGED_1, NULL);
  g_assert_cmpint (pt_store_sync_get_int (f->b, "initial_complete", 0), ==, 1);
  g_assert_cmpint (pt_store_count (f->b, "patients"), ==, 2);
  name = sync_test_get_string (f->b, "patients", p1, "lastName");
  g_assert_cmpstr (name, ==, "Okafor");
  g_assert_cmpint (pt_store_count (f->b, "medicines"), ==, pt_store_count (f->a, "medicines"));
  g_assert_cmpint (pt_store_count (f->b, "users"), ==, pt_store_count (f->a, "users"));
  g_assert_true (listed_unreadable (f->b, p2));
  g_assert_true (listed_unreadable (f->b, p4));
  st = pt_sync_status_new_from_store (f->b);
  g_assert_cmpint (st->unreadable, ==, 2);
  g_assert_cmpint (st->pending_count, ==, 0);

  /* Staff see it in `status`. */
  r = sync_test_admin (NULL, "--data-dir", f->dir_b, "status", NULL);
  g_assert_cmpint (r.status, ==, 0);
  g_assert_nonnull (strstr (r.out, OTHER_KEY_1 "\n" DAMAGED_1 "\n"));
  sync_test_run_clear (&r);

  /* Live: a new patient, an edit, and a third document spoilt meanwhile. */
  token_before = pt_store_sync_get (f->b, "resume_token");
  g_assert_nonnull (token_before);
  p5 = sync_test_put_patient (f->a, "Eun-ji", "Park");
  sync_test_update (f->a, "patients", p1, "{\"notes\": \"Large-print labels\"}");
  /* A sees the two spoilt documents too (its own copies stay as they
   * were); its changes go out all the same. */
  sync_expect_apart (f->dir_a, f->uri, PT_SYNC_ERROR, PT_SYNC_ERROR_RECORDS_UNREADABLE, OTHER_KEY_1, DAMAGED_1, NULL);
  g_assert_cmpint (_pt_store_outbox_length (f->a), ==, 0);
  g_clear_pointer (&name, g_free);
  name = sync_test_get_string (f->a, "patients", p2, "firstName");
  g_assert_cmpstr (name, ==, "Bram");
  sync_test_spoil_ciphertext (f->web, p3, "lastName", FALSE, g_get_real_time () / 1000 + 2000);
  sync_expect_apart (f->dir_b, f->uri, PT_SYNC_ERROR, PT_SYNC_ERROR_RECORDS_UNREADABLE, DAMAGED_2, OTHER_KEY_1, NULL);
  g_clear_pointer (&name, g_free);
  name = sync_test_get_string (f->b, "patients", p5, "lastName");
  g_assert_cmpstr (name, ==, "Park");
  g_clear_pointer (&name, g_free);
  name = sync_test_get_string (f->b, "patients", p1, "notes");
  g_assert_cmpstr (name, ==, "Large-print labels");
  /* B's own copy of p3 stays as it was. */
  g_clear_pointer (&name, g_free);
  name = sync_test_get_string (f->b, "patients", p3, "lastName");
  g_assert_cmpstr (name, ==, "Esposito");
  g_assert_true (listed_unreadable (f->b, p3));
  token_after = pt_store_sync_get (f->b, "resume_token");
  g_assert_cmpstr (token_after, !=, token_before);

  /* A change to p3 on B cannot be merged with the unreadable cloud copy:
   * quarantined with a sentence, out of the queue, the rest still moves. */
  sync_test_update (f->b, "patients", p3, "{\"notes\": \"Called about refill\"}");
  sync_expect_apart (f->dir_b, f->uri, PT_ERROR, PT_ERROR_INVALID, REFUSED_1, DAMAGED_2, OTHER_KEY_1, NULL);
  /* `sync --once` says all of it, one line each, the most urgent first,
   * and fails: this computer and the cloud do not agree. */
  r = sync_test_admin (NULL, "--data-dir", f->dir_b, "sync", "--uri", f->uri, "--once", NULL);
  g_assert_cmpint (r.status, !=, 0);
  g_assert_cmpstr (r.err, ==, "pharmatrack-admin: " REFUSED_1 "\n"
                              "pharmatrack-admin: " DAMAGED_2 "\n"
                              "pharmatrack-admin: " OTHER_KEY_1 "\n");
  sync_test_run_clear (&r);
  g_assert_cmpint (_pt_store_outbox_length (f->b), ==, 0);
  q = pt_store_sync_list_quarantined (f->b, NULL);
  g_assert_cmpuint (q->len, ==, 1);
  g_assert_cmpstr (((PtSyncQuarantined *) g_ptr_array_index (q, 0))->document_id, ==, p3);
  g_assert_nonnull (strstr (((PtSyncQuarantined *) g_ptr_array_index (q, 0))->server_message,
                            "cannot be decrypted"));
  g_clear_pointer (&name, g_free);
  name = sync_test_get_string (f->b, "patients", p3, "notes");
  g_assert_cmpstr (name, ==, "Called about refill");

  /* Repaired in the cloud (written again, in clear, by the dashboard): it
   * arrives, leaves the list, and B sends it back encrypted. */
  sync_test_foreign_update (f->web, "patients", p2, "{\"firstName\": \"Bram\"}",
                            g_get_real_time () / 1000 + 3000);
  sync_expect_apart (f->dir_b, f->uri, PT_ERROR, PT_ERROR_INVALID, REFUSED_1, OTHER_KEY_1, DAMAGED_1, NULL);
  g_assert_false (listed_unreadable (f->b, p2));
  g_clear_pointer (&name, g_free);
  name = sync_test_get_string (f->b, "patients", p2, "lastName");
  g_assert_cmpstr (name, ==, "Lindqvist");
  {
    g_autoptr(bson_t) server = sync_test_server_get (f->web, "patients", p2);
    g_assert_false (sync_crypt_bytes_contain (server, "Bram"));
  }
}

#define ADD(path, fn) g_test_add (path, Fixture, NULL, sync_crypt_setup, fn, sync_crypt_teardown)

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  ADD ("/sync/crypt/unreadable-document-is-left-out-and-the-rest-flows",
       test_unreadable_document_is_left_out_and_the_rest_flows);
  return g_test_run ();
}
