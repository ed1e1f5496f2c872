/* test-welcome-connect.c: "Connect this counter to your pharmacy" in a
 * real window (under Xvfb) against mongosim: a fresh data dir is enrolled
 * from a seeded server and reaches sign-in; a download stopped half-way
 * continues where it stopped, also after the app was closed; a wrong
 * organisation ID is refused with a sentence and leaves nothing behind.
 *
 * The simulator is started and stopped by PID (mongosim-fixture).  The
 * server is seeded by a first counter (tenant, branch, owner) and then by
 * a foreign writer (the web dashboard) with SEED_MEDICINES medicines, so
 * that the first sync spans several pages of the engine's catch-up. */
#define G_LOG_DOMAIN "pt-test"
#include "config.h"

#include <adwaita.h>
#include <glib/gstdio.h>
#include <math.h>
#include <mongoc/mongoc.h>

#include "mongosim-fixture.h"
#include "pt-sync-crypt.h"
#include "pt-sync-engine.h"
#include "pt-welcome-page.h"
#include "pt-window.h"
#include "pt-test-store.h"
#include "pt-ui-test-util.h"

#define TENANT "65a00000000000000000c0de"
#define OTHER_TENANT "65a00000000000000000beef"
#define OWNER "owner@connect.example"
#define PASSWORD "correct-horse-battery"
/* More than two pages of the engine's catch-up (5,000 documents), which
 * checks for Stop between pages. */
#define SEED_MEDICINES 11000
#define WAIT_MS PT_UI_TEST_WAIT_MS

typedef struct
{
  MongosimFixture *sim;
  const gchar     *uri;
  gchar           *seed_dir;
  gchar           *dir;        /* the counter being connected */
  gchar           *key_file;   /* the pharmacy's key; NULL: not encrypted */
  guint            n_medicines;
  GtkWidget       *window;
} Fixture;

static GtkWidget *
welcome_child (Fixture *f, const gchar *name)
{
  return pt_ui_test_welcome_child (f->window, name);
}

static const gchar *
main_part (Fixture *f)
{
  return pt_ui_test_main_part (f->window);
}

static const gchar *
connect_message (Fixture *f)
{
  return gtk_label_get_label (GTK_LABEL (welcome_child (f, "connect_message")));
}

static void
seed_server (Fixture *f)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(PtStore) store = NULL;
  g_autoptr(PtSyncEngine) engine = NULL;
  PtStoreInit init = {
    .tenant_id = TENANT,
    .tenant_name = "Connect Test Pharmacy",
    .plan = "enterprise",
    .pharmacy_name = "Riverside",
    .admin_email = OWNER,
    .admin_password = PASSWORD,
    .admin_name = "Olive Owner",
  };
  mongoc_client_t *client;
  mongoc_collection_t *coll;
  mongoc_bulk_operation_t *bulk;
  bson_error_t berr;
  bson_oid_t tenant;
  gint64 now = g_get_real_time () / 1000;

  store = pt_store_create (f->seed_dir, &init, &error);
  g_assert_no_error (error);
  g_clear_object (&store);
  /* The first counter syncing with the key encrypts the tenant. */
  if (f->key_file != NULL)
    {
      g_assert_true (pt_sync_crypt_import_key (f->seed_dir, TENANT, f->key_file, &error));
      g_assert_no_error (error);
    }
  engine = pt_sync_engine_new (f->seed_dir, f->uri, NULL);
  pt_sync_engine_run_once (engine, NULL, NULL, NULL, &error);
  g_assert_no_error (error);

  /* The web dashboard adds the catalogue (foreign writes, no _sync). */
  client = mongoc_client_new (f->uri);
  coll = mongoc_client_get_collection (client, "pharmatrack", "medicines");
  bulk = mongoc_collection_create_bulk_operation_with_opts (coll, NULL);
  bson_oid_init_from_string (&tenant, TENANT);
  for (guint i = 0; i < f->n_medicines; i++)
    {
      bson_t doc = BSON_INITIALIZER;
      g_autofree gchar *name = g_strdup_printf ("Seeded medicine %04u 10 mg tablets", i);

      BSON_APPEND_OID (&doc, "tenantId", &tenant);
      BSON_APPEND_UTF8 (&doc, "name", name);
      BSON_APPEND_UTF8 (&doc, "schedule", "otc");
      BSON_APPEND_INT64 (&doc, "price", 100 + i);
      BSON_APPEND_DATE_TIME (&doc, "createdAt", now);
      BSON_APPEND_DATE_TIME (&doc, "updatedAt", now);
      mongoc_bulk_operation_insert (bulk, &doc);
      bson_destroy (&doc);
    }
  if (!mongoc_bulk_operation_execute (bulk, NULL, &berr))
    g_error ("seeding the server: %s", berr.message);
  mongoc_bulk_operation_destroy (bulk);
  mongoc_collection_destroy (coll);
  mongoc_client_destroy (client);
}

static void
setup (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;

  f->sim = mongosim_fixture_start (NULL, &error);
  g_assert_no_error (error);
  f->uri = mongosim_fixture_get_uri (f->sim);
  g_test_message ("mongosim at %s (pid %d)", f->uri, (int) mongosim_fixture_get_pid (f->sim));
  f->seed_dir = g_dir_make_tmp ("pt-connect-seed-XXXXXX", &error);
  g_assert_no_error (error);
  f->dir = g_dir_make_tmp ("pt-connect-XXXXXX", &error);
  g_assert_no_error (error);
  f->n_medicines = SEED_MEDICINES;
  if (g_strcmp0 (data, "encrypted") == 0)
    {
      g_autoptr(GBytes) key = pt_sync_crypt_new_master_key ();

      f->key_file = g_strdup_printf ("%s.key", f->seed_dir);
      g_assert_true (pt_sync_crypt_write_key_file (f->key_file, key, &error));
      f->n_medicines = 40;
    }
  seed_server (f);
  f->window = pt_ui_test_open_window (f->dir);
}

static void
teardown (Fixture *f, gconstpointer data)
{
  pt_ui_test_close_window (&f->window);
  pt_test_rmdir (f->seed_dir);
  pt_test_rmdir (f->dir);
  if (f->key_file != NULL)
    g_remove (f->key_file);
  g_free (f->key_file);
  g_free (f->seed_dir);
  g_free (f->dir);
  g_clear_pointer (&f->sim, mongosim_fixture_free);
}

static void
fill_and_connect (Fixture *f, const gchar *tenant)
{
  g_assert_cmpstr (main_part (f), ==, "welcome");
  g_signal_emit_by_name (welcome_child (f, "connect_row"), "activated");
  gtk_editable_set_text (GTK_EDITABLE (welcome_child (f, "uri_row")), f->uri);
  gtk_editable_set_text (GTK_EDITABLE (welcome_child (f, "tenant_row")), tenant);
  g_assert_true (gtk_widget_get_sensitive (welcome_child (f, "connect_button")));
  g_signal_emit_by_name (welcome_child (f, "connect_button"), "clicked");
}

static gboolean
connect_idle (gpointer data)
{
  Fixture *f = data;

  return gtk_widget_get_visible (welcome_child (f, "connect_button"));
}

static gboolean
indicator_online (gpointer data)
{
  Fixture *f = data;

  return g_str_has_prefix (pt_ui_test_sync_indicator (f->window), "Online");
}

static gint64
local_medicines (const gchar *dir)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(PtStore) store = pt_store_open (dir, &error);
  g_autoptr(GPtrArray) docs = NULL;

  g_assert_no_error (error);
  pt_store_act_as_system (store);
  docs = pt_store_list (store, "medicines", NULL, &error);
  g_assert_no_error (error);
  return docs->len;
}

/* Stops the download from the progress bar's own update, the moment it
 * shows a first page done, as a person pressing Stop would. */
typedef struct
{
  Fixture *f;
  gdouble  stopped_at;     /* fraction shown when Stop was pressed */
  gdouble  lowest_after;   /* lowest fraction shown after Continue */
  gboolean continuing;
} Progress;

static void
fraction_cb (GtkProgressBar *bar, GParamSpec *pspec, Progress *p)
{
  gdouble fraction = gtk_progress_bar_get_fraction (bar);
  GtkWidget *stop = welcome_child (p->f, "connect_cancel_button");

  if (fraction <= 0 || fraction >= 1)
    return;
  if (!p->continuing && p->stopped_at == 0 && gtk_widget_get_visible (stop)
      && gtk_widget_get_sensitive (stop))
    {
      p->stopped_at = fraction;
      g_test_message ("pressing Stop at %.3f", fraction);
      g_signal_emit_by_name (stop, "clicked");
    }
  else if (p->continuing && (p->lowest_after == 0 || fraction < p->lowest_after))
    p->lowest_after = fraction;
}

static const gchar * const page_names[] = {
  "counter", "prescriptions", "medicines", "patients", "reports", "sync", NULL
};

static GtkWidget *
built_page (Fixture *f, const gchar *name)
{
  return pt_ui_test_built_page (f->window, name);
}

static guint
n_built_pages (Fixture *f)
{
  guint n = 0;

  for (guint i = 0; page_names[i] != NULL; i++)
    n += built_page (f, page_names[i]) != NULL;
  return n;
}

static void
sign_in_as_owner (Fixture *f)
{
  pt_ui_test_sign_in (f->window, OWNER, PASSWORD);
}

static void
test_connect_stop_continue_reaches_sign_in (Fixture *f, gconstpointer data)
{
  Progress p = { f, 0, 0, FALSE };
  GtkWidget *bar = welcome_child (f, "connect_progress");
  gulong handler = g_signal_connect (bar, "notify::fraction", G_CALLBACK (fraction_cb), &p);
  g_autofree gchar *host = NULL;
  gint64 stopped_count;

  fill_and_connect (f, TENANT);
  g_assert_true (gtk_widget_get_visible (welcome_child (f, "connect_cancel_button")));
  g_assert_true (gtk_widget_get_visible (bar));
  g_assert_true (pt_ui_test_wait_for (connect_idle, f, WAIT_MS));
  g_signal_handler_disconnect (bar, handler);
  /* Where it really stopped: the page being saved when Stop came ends. */
  p.stopped_at = gtk_progress_bar_get_fraction (GTK_PROGRESS_BAR (bar));

  /* Stopped half-way: the page says so and offers to continue. */
  g_test_message ("after Stop: %s", connect_message (f));
  g_assert_cmpfloat (p.stopped_at, >, 0);
  g_assert_cmpfloat (p.stopped_at, <, 1);
  g_assert_cmpstr (main_part (f), ==, "welcome");
  g_assert_true (g_str_has_prefix (connect_message (f), "Stopped after "));
  g_assert_cmpstr (gtk_button_get_label (GTK_BUTTON (welcome_child (f, "connect_button"))), ==, "C_ontinue");
  g_assert_false (gtk_widget_get_sensitive (welcome_child (f, "tenant_row")));

  /* Closing the app keeps what arrived; opening it again offers Continue. */
  pt_ui_test_close_window (&f->window);
  stopped_count = local_medicines (f->dir);
  g_test_message ("%" G_GINT64_FORMAT " medicines kept after Stop", stopped_count);
  g_assert_cmpint (stopped_count, >, 0);
  g_assert_cmpint (stopped_count, <, SEED_MEDICINES);
  f->window = pt_ui_test_open_window (f->dir);
  g_assert_cmpstr (main_part (f), ==, "welcome");
  g_assert_cmpstr (gtk_stack_get_visible_child_name (GTK_STACK (welcome_child (f, "stack"))), ==, "connect");
  g_assert_cmpstr (gtk_button_get_label (GTK_BUTTON (welcome_child (f, "connect_button"))), ==, "C_ontinue");
  g_assert_cmpstr (gtk_editable_get_text (GTK_EDITABLE (welcome_child (f, "tenant_row"))), ==, TENANT);
  g_assert_cmpstr (gtk_editable_get_text (GTK_EDITABLE (welcome_child (f, "uri_row"))), ==, f->uri);

  /* Continue carries on from there, not from the start: the bar starts
   * where it stopped and never goes back. */
  g_assert_cmpfloat (fabs (gtk_progress_bar_get_fraction (GTK_PROGRESS_BAR (welcome_child (f, "connect_progress")))
                           - p.stopped_at), <, 1e-9);
  p.continuing = TRUE;
  bar = welcome_child (f, "connect_progress");
  handler = g_signal_connect (bar, "notify::fraction", G_CALLBACK (fraction_cb), &p);
  g_signal_emit_by_name (welcome_child (f, "connect_button"), "clicked");
  g_assert_cmpfloat (fabs (gtk_progress_bar_get_fraction (GTK_PROGRESS_BAR (bar)) - p.stopped_at), <, 1e-9);
  g_assert_true (pt_ui_test_wait_for_main_part (f->window, "signin"));
  g_signal_handler_disconnect (bar, handler);
  g_test_message ("lowest progress after Continue: %.3f (stopped at %.3f)", p.lowest_after, p.stopped_at);
  if (p.lowest_after > 0)
    g_assert_cmpfloat (p.lowest_after, >=, p.stopped_at);

  /* No page of the workspace is built for the sign-in screen; signing in
   * builds the page shown (the Counter, the first time) and no other. */
  g_assert_cmpuint (n_built_pages (f), ==, 0);
  /* The owner of the pharmacy signs in with the password from the cloud;
   * the counter then follows the server live. */
  sign_in_as_owner (f);
  g_assert_nonnull (built_page (f, "counter"));
  g_assert_cmpuint (n_built_pages (f), ==, 1);
  g_assert_cmpint (local_medicines (f->dir), ==, f->n_medicines);
  g_assert_true (pt_ui_test_wait_for (indicator_online, f, WAIT_MS));
  host = g_strdup (mongosim_fixture_get_host (f->sim));
  {
    GtkWidget *sync, *server;

    /* Built on its first visit, with the running engine and the store;
     * it reads the store's status when it is shown. */
    g_assert_null (built_page (f, "sync"));
    gtk_widget_activate_action (f->window, "win.show-page", "s", "sync");
    sync = built_page (f, "sync");
    g_assert_nonnull (sync);
    g_assert_cmpuint (n_built_pages (f), ==, 2);
    server = pt_ui_test_child (sync, "server_row");
    g_assert_cmpstr (adw_action_row_get_subtitle (ADW_ACTION_ROW (server)), ==, host);
    pt_ui_test_screenshot (f->window, "sync-connected");
  }
}

static void
test_connect_unknown_organisation_is_refused (Fixture *f, gconstpointer data)
{
  fill_and_connect (f, OTHER_TENANT);
  g_assert_true (pt_ui_test_wait_for (connect_idle, f, WAIT_MS));
  g_test_message ("refused: %s", connect_message (f));
  g_assert_cmpstr (main_part (f), ==, "welcome");
  g_assert_true (gtk_widget_has_css_class (welcome_child (f, "connect_message"), "error"));
  g_assert_cmpuint (strlen (connect_message (f)), >, 20);
  /* Nothing is left behind: a corrected ID can be tried at once. */
  g_assert_false (pt_store_exists (f->dir));
  g_assert_cmpstr (gtk_button_get_label (GTK_BUTTON (welcome_child (f, "connect_button"))), ==, "C_onnect");
  g_assert_true (gtk_widget_get_sensitive (welcome_child (f, "tenant_row")));
}

/* A tenant whose patient records are encrypted: without the key file the
 * page says what is missing and leaves nothing behind; a file that is not
 * a key is refused when chosen; with the key it connects. */
static void
test_connect_encrypted_tenant_needs_the_key_file (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autofree gchar *not_a_key = g_strdup_printf ("%s-not-a-key.txt", f->dir);
  g_autofree gchar *key_copy = NULL;
  PtWelcomePage *page = PT_WELCOME_PAGE (pt_ui_test_child (f->window, "welcome_page"));

  fill_and_connect (f, TENANT);
  g_assert_true (pt_ui_test_wait_for (connect_idle, f, WAIT_MS));
  g_test_message ("without key: %s", connect_message (f));
  g_assert_true (g_str_has_prefix (connect_message (f), "Your pharmacy encrypts patient records, and no "
                                                          "encryption key file was chosen."));
  g_assert_true (gtk_widget_has_css_class (welcome_child (f, "connect_message"), "error"));
  g_assert_false (pt_store_exists (f->dir));

  /* Not a key: refused at once, nothing chosen. */
  g_assert_true (g_file_set_contents (not_a_key, "hello", -1, NULL));
  g_assert_false (pt_welcome_page_set_key_file (page, not_a_key, &error));
  g_assert_error (error, PT_SYNC_ERROR, PT_SYNC_ERROR_KEY_FILE_INVALID);
  g_clear_error (&error);
  g_remove (not_a_key);
  g_assert_false (gtk_widget_get_visible (welcome_child (f, "key_clear_button")));

  g_assert_true (pt_welcome_page_set_key_file (page, f->key_file, &error));
  g_assert_no_error (error);
  g_assert_true (gtk_widget_get_visible (welcome_child (f, "key_clear_button")));
  g_signal_emit_by_name (welcome_child (f, "connect_button"), "clicked");
  g_assert_true (pt_ui_test_wait_for_main_part (f->window, "signin"));
  /* The counter keeps its own copy, as `connect --key-file` does. */
  key_copy = pt_sync_crypt_key_path (f->dir, TENANT);
  g_assert_true (g_file_test (key_copy, G_FILE_TEST_EXISTS));
  sign_in_as_owner (f);
  g_assert_cmpint (local_medicines (f->dir), ==, f->n_medicines);
}

static void
test_connect_checks_fields_first (Fixture *f, gconstpointer data)
{
  fill_and_connect (f, "not-an-id");
  g_assert_true (gtk_widget_get_visible (welcome_child (f, "connect_button")));
  g_assert_true (g_str_has_prefix (connect_message (f), "The organisation ID must be exactly 24 characters"));
  g_assert_false (pt_store_exists (f->dir));
}

int
main (int argc, char **argv)
{
  pt_ui_test_init (&argc, &argv);

  g_test_add ("/ui/welcome/connect-checks-fields-before-connecting", Fixture, NULL,
              setup, test_connect_checks_fields_first, teardown);
  g_test_add ("/ui/welcome/connect-unknown-organisation-refused-nothing-left", Fixture, NULL,
              setup, test_connect_unknown_organisation_is_refused, teardown);
  g_test_add ("/ui/welcome/connect-encrypted-tenant-needs-the-key-file", Fixture, "encrypted",
              setup, test_connect_encrypted_tenant_needs_the_key_file, teardown);
  g_test_add ("/ui/welcome/connect-stop-continue-resumes-then-sign-in", Fixture, NULL,
              setup, test_connect_stop_continue_reaches_sign_in, teardown);
  return g_test_run ();
}
