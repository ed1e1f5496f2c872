/* test-sync-page.c: the Sync page and the header's sync indicator in a
 * real window (under Xvfb) when records of the cloud cannot be read on
 * this counter.  Against mongosim: counter A (with the pharmacy's key)
 * writes patients, three of them are then re-encrypted in the cloud under
 * a key the pharmacy does not have and one is damaged; counter B is
 * connected on the Connect page (it must get through), signed in, and
 * syncs live.  The page must say, in a pharmacist's words, how many
 * records of which kind cannot be read, why and what to do; the indicator
 * must say "needs attention"; both go back to normal when the records are
 * repaired in the cloud.
 *
 * The simulator is started and stopped by PID (mongosim-fixture). */
#define G_LOG_DOMAIN "pt-test"
#include "config.h"

#include <adwaita.h>
#include <glib/gstdio.h>
#include <mongoc/mongoc.h>

#include "pt-sync-crypt.h"
#include "pt-sync-engine.h"
#include "pt-welcome-page.h"
#include "pt-window.h"
#include "pt-ui-test-util.h"
#include "sync-test-util.h"

#define OWNER "owner@example.org"
#define WAIT_MS PT_UI_TEST_WAIT_MS

#define OTHER_KEY_3 "3 patient records from the cloud cannot be read on this counter: they were " \
                    "encrypted with a key the pharmacy does not have. Ask your administrator to " \
                    "check the cloud’s key vault."
#define DAMAGED_1 "1 patient record from the cloud cannot be read on this counter: it is damaged. " \
                  "Ask your administrator to restore it in the cloud."

typedef struct
{
  MongosimFixture *sim;
  const gchar     *uri;
  gchar           *tmp;
  gchar           *key_file;
  gchar           *dir_a, *dir_b;
  mongoc_client_t *web;
  gchar           *patients[5];
  GtkWidget       *window;
} Fixture;

/* The Sync page, once shown (pages are built on first visit). */
static GtkWidget *
sync_child (Fixture *f, const gchar *name)
{
  GtkWidget *page = pt_ui_test_built_page (f->window, "sync");

  g_assert_nonnull (page);
  return pt_ui_test_child (page, name);
}

static const gchar *
indicator (Fixture *f)
{
  return pt_ui_test_sync_indicator (f->window);
}

/* The titles of the rows of the "cannot read" list, one per line. */
static gchar *
unreadable_rows (Fixture *f)
{
  GtkWidget *list = sync_child (f, "unreadable_list");
  g_autoptr(GString) text = g_string_new (NULL);

  for (GtkWidget *row = gtk_widget_get_first_child (list); row != NULL; row = gtk_widget_get_next_sibling (row))
    if (ADW_IS_ACTION_ROW (row))
      g_string_append_printf (text, "%s%s", text->len > 0 ? "\n" : "",
                              adw_preferences_row_get_title (ADW_PREFERENCES_ROW (row)));
  return g_string_free (g_steal_pointer (&text), FALSE);
}

static gboolean
needs_attention (gpointer data)
{
  Fixture *f = data;

  return g_str_has_prefix (indicator (f), "Sync needs attention");
}

static gboolean
online (gpointer data)
{
  Fixture *f = data;

  return g_str_has_prefix (indicator (f), "Online");
}

static gboolean
group_hidden (gpointer data)
{
  Fixture *f = data;

  /* The page refreshes on the engine's status; it is shown throughout. */
  return !gtk_widget_get_visible (sync_child (f, "unreadable_group"));
}

static void
setup (Fixture *f, gconstpointer data)
{
  static const gchar *names[][2] = {
    { "Ada", "Okafor" }, { "Bram", "Lindqvist" }, { "Chiara", "Esposito" },
    { "Dmitri", "Volkov" }, { "Eun-ji", "Park" },
  };
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) key = pt_sync_crypt_new_master_key ();
  g_autoptr(PtStore) a = NULL;
  gint64 later = g_get_real_time () / 1000 + 1000;

  f->sim = sync_test_server (NULL);
  f->uri = mongosim_fixture_get_uri (f->sim);
  g_test_message ("mongosim at %s (pid %d)", f->uri, (int) mongosim_fixture_get_pid (f->sim));
  f->tmp = sync_test_mkdtemp ();
  f->key_file = g_build_filename (f->tmp, "pharmacy.key", NULL);
  g_assert_true (pt_sync_crypt_write_key_file (f->key_file, key, &error));
  f->dir_a = sync_test_mkdtemp ();
  f->dir_b = sync_test_mkdtemp ();
  f->web = sync_test_client (f->uri);

  /* Counter A encrypts the tenant's patient records. */
  a = sync_test_create_tenant (f->dir_a);
  g_assert_true (pt_sync_crypt_import_key (f->dir_a, SYNC_TEST_TENANT, f->key_file, &error));
  for (guint i = 0; i < G_N_ELEMENTS (names); i++)
    f->patients[i] = sync_test_put_patient (a, names[i][0], names[i][1]);
  sync_test_sync_ok (f->dir_a, f->uri);

  /* In the cloud: three under a key the pharmacy does not have, one
   * damaged; the fifth stays readable. */
  sync_test_spoil_ciphertext (f->web, f->patients[0], "lastName", TRUE, later);
  sync_test_spoil_ciphertext (f->web, f->patients[1], "firstName", TRUE, later);
  sync_test_spoil_ciphertext (f->web, f->patients[2], "lastName", TRUE, later);
  sync_test_spoil_ciphertext (f->web, f->patients[3], "firstName", FALSE, later);
}

static void
teardown (Fixture *f, gconstpointer data)
{
  pt_ui_test_close_window (&f->window);
  g_clear_pointer (&f->web, mongoc_client_destroy);
  for (guint i = 0; i < G_N_ELEMENTS (f->patients); i++)
    g_free (f->patients[i]);
  sync_test_rmdir (f->dir_a);
  sync_test_rmdir (f->dir_b);
  sync_test_rmdir (f->tmp);
  g_free (f->dir_a);
  g_free (f->dir_b);
  g_free (f->tmp);
  g_free (f->key_file);
  g_clear_pointer (&f->sim, mongosim_fixture_free);
}

static void
test_unreadable_records_need_attention_until_repaired (Fixture *f, gconstpointer data)
{
  g_autofree gchar *rows = NULL;
  const gchar *tooltip;
  gint64 later = g_get_real_time () / 1000 + 5000;

  f->window = pt_ui_test_open_window (f->dir_b);

  /* Counter B is connected on the Connect page with the key file.  Its
   * first sync brings everything but the four records: it is connected
   * all the same (Continue could never change that). */
  g_assert_cmpstr (pt_ui_test_main_part (f->window), ==, "welcome");
  g_signal_emit_by_name (pt_ui_test_welcome_child (f->window, "connect_row"), "activated");
  gtk_editable_set_text (GTK_EDITABLE (pt_ui_test_welcome_child (f->window, "uri_row")), f->uri);
  gtk_editable_set_text (GTK_EDITABLE (pt_ui_test_welcome_child (f->window, "tenant_row")), SYNC_TEST_TENANT);
  g_assert_true (pt_welcome_page_set_key_file (PT_WELCOME_PAGE (pt_ui_test_child (f->window, "welcome_page")),
                                               f->key_file, NULL));
  g_signal_emit_by_name (pt_ui_test_welcome_child (f->window, "connect_button"), "clicked");
  g_assert_true (pt_ui_test_wait_for_main_part (f->window, "signin"));
  {
    g_autoptr(GError) error = NULL;
    g_autoptr(PtStore) b = pt_store_open (f->dir_b, &error);

    g_assert_no_error (error);
    g_assert_cmpint (pt_store_count (b, "patients"), ==, 1);
    g_assert_cmpint (pt_sync_count_unreadable (b), ==, 4);
  }
  pt_ui_test_sign_in (f->window, OWNER, SYNC_TEST_PASSWORD);

  /* The header says so, and its tooltip says what and what to do. */
  g_assert_true (pt_ui_test_wait_for (needs_attention, f, WAIT_MS));
  tooltip = gtk_widget_get_tooltip_text (pt_ui_test_child (f->window, "sync_button"));
  g_test_message ("indicator: %s; tooltip: %s", indicator (f), tooltip);
  g_assert_nonnull (tooltip);
  g_assert_true (g_str_has_prefix (tooltip, OTHER_KEY_3 " " DAMAGED_1));

  /* The Sync page: one sentence per kind of record and cause, the
   * largest group first. */
  gtk_widget_activate_action (f->window, "win.show-page", "s", "sync");
  g_assert_true (gtk_widget_get_visible (sync_child (f, "unreadable_group")));
  rows = unreadable_rows (f);
  g_assert_cmpstr (rows, ==, OTHER_KEY_3 "\n" DAMAGED_1);
  pt_ui_test_screenshot (f->window, "sync-unreadable");

  /* Repaired in the cloud (the web dashboard writes them again): they
   * arrive live, the list goes, the indicator is back to normal. */
  for (guint i = 0; i < 4; i++)
    sync_test_foreign_update (f->web, "patients", f->patients[i],
                              "{\"firstName\": \"Repaired\", \"lastName\": \"Record\"}", later);
  g_assert_true (pt_ui_test_wait_for (group_hidden, f, WAIT_MS));
  g_assert_true (pt_ui_test_wait_for (online, f, WAIT_MS));
  g_clear_pointer (&rows, g_free);
  rows = unreadable_rows (f);
  g_assert_cmpstr (rows, ==, "");
}

int
main (int argc, char **argv)
{
  pt_ui_test_init (&argc, &argv);

  g_test_add ("/ui/sync-page/unreadable-records-need-attention-until-repaired", Fixture, NULL,
              setup, test_unreadable_records_need_attention_until_repaired, teardown);
  return g_test_run ();
}
