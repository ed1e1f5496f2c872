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
#include "sync-test-util.h"

#define OWNER "owner@example.org"
#define WAIT_MS 60000

#define OTHER_KEY_3 "3 patient records from the cloud cannot be read on this counter: they were " \
                    "encrypted with a key the pharmacy does not have. Ask your administrator to " \
                    "check the cloud’s key vault."
#define DAMAGED_1 "1 patient record from the cloud cannot be read on this counter: it is damaged. " \
                  "Ask your administrator to restore it in the cloud."

void pt_register_resource (void);

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

/* Iterates the main context until @cond holds, at most @timeout_ms. */
static gboolean
wait_for (gboolean (*cond) (Fixture *f), Fixture *f, guint timeout_ms)
{
  gint64 deadline = g_get_monotonic_time () + (gint64) timeout_ms * 1000;

  while (!cond (f))
    {
      if (g_get_monotonic_time () > deadline)
        return cond (f);
      g_main_context_iteration (NULL, FALSE);
      if (!g_main_context_pending (NULL))
        g_usleep (2000);
    }
  return TRUE;
}

static GtkWidget *
child (GtkWidget *widget, GType type, const gchar *name)
{
  GObject *obj = gtk_widget_get_template_child (widget, type, name);

  g_assert_nonnull (obj);
  return GTK_WIDGET (obj);
}

/* The Sync page: a template child of the window, or (pages built on first
 * visit) the child of its slot once shown. */
static GtkWidget *
sync_page (Fixture *f)
{
  GObject *page = gtk_widget_get_template_child (f->window, PT_TYPE_WINDOW, "sync_page");

  if (page == NULL)
    {
      GObject *slot = gtk_widget_get_template_child (f->window, PT_TYPE_WINDOW, "sync_slot");

      g_assert_nonnull (slot);
      page = G_OBJECT (adw_bin_get_child (ADW_BIN (slot)));
    }
  g_assert_nonnull (page);
  return GTK_WIDGET (page);
}

static GtkWidget *
sync_child (Fixture *f, const gchar *name)
{
  GtkWidget *page = sync_page (f);

  return child (page, G_TYPE_FROM_INSTANCE (page), name);
}

static GtkWidget *
welcome_child (Fixture *f, const gchar *name)
{
  GtkWidget *welcome = child (f->window, PT_TYPE_WINDOW, "welcome_page");

  return child (welcome, G_TYPE_FROM_INSTANCE (welcome), name);
}

static const gchar *
indicator (Fixture *f)
{
  return gtk_label_get_label (GTK_LABEL (child (f->window, PT_TYPE_WINDOW, "sync_label")));
}

static const gchar *
main_part (Fixture *f)
{
  return gtk_stack_get_visible_child_name (GTK_STACK (child (f->window, PT_TYPE_WINDOW, "main_stack")));
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
at_signin (Fixture *f)
{
  return g_strcmp0 (main_part (f), "signin") == 0;
}

static gboolean
at_workspace (Fixture *f)
{
  return g_strcmp0 (main_part (f), "workspace") == 0;
}

static gboolean
needs_attention (Fixture *f)
{
  return g_str_has_prefix (indicator (f), "Sync needs attention");
}

static gboolean
online (Fixture *f)
{
  return g_str_has_prefix (indicator (f), "Online");
}

static gboolean
group_hidden (Fixture *f)
{
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
close_window (Fixture *f)
{
  if (f->window == NULL)
    return;
  /* GTK 4.8 warns when a focused entry is destroyed with its window. */
  gtk_window_set_focus (GTK_WINDOW (f->window), NULL);
  while (g_main_context_iteration (NULL, FALSE))
    ;
  gtk_window_destroy (GTK_WINDOW (f->window));
  g_clear_object (&f->window);
  while (g_main_context_iteration (NULL, FALSE))
    ;
}

static void
teardown (Fixture *f, gconstpointer data)
{
  close_window (f);
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
screenshot (const gchar *name)
{
  g_autofree gchar *dir = g_test_build_filename (G_TEST_BUILT, "ui", "screenshots", NULL);
  g_autofree gchar *file = g_strconcat (name, ".png", NULL);
  g_autofree gchar *path = g_build_filename (dir, file, NULL);
  g_autofree gchar *import = g_find_program_in_path ("import");
  const gchar *argv[] = { import, "-window", "root", path, NULL };
  g_autoptr(GError) error = NULL;
  gint64 until = g_get_monotonic_time () + 500 * 1000;

  /* Let the page be laid out and drawn (a few frames). */
  while (g_get_monotonic_time () < until)
    {
      g_main_context_iteration (NULL, FALSE);
      g_usleep (5000);
    }
  if (import == NULL)
    {
      g_test_message ("no screenshot %s: ImageMagick's import is not installed", name);
      return;
    }
  g_mkdir_with_parents (dir, 0755);
  g_spawn_sync (NULL, (gchar **) argv, NULL, G_SPAWN_STDOUT_TO_DEV_NULL | G_SPAWN_STDERR_TO_DEV_NULL,
                NULL, NULL, NULL, NULL, NULL, &error);
  g_assert_no_error (error);
  g_test_message ("screenshot %s", path);
}

static void
test_unreadable_records_need_attention_until_repaired (Fixture *f, gconstpointer data)
{
  GtkWidget *signin;
  GType type;
  g_autofree gchar *rows = NULL;
  const gchar *tooltip;
  gint64 later = g_get_real_time () / 1000 + 5000;

  f->window = GTK_WIDGET (pt_window_new (NULL, f->dir_b));
  g_object_ref_sink (f->window);
  gtk_window_set_default_size (GTK_WINDOW (f->window), 1280, 800);
  gtk_window_present (GTK_WINDOW (f->window));

  /* Counter B is connected on the Connect page with the key file.  Its
   * first sync brings everything but the four records: it is connected
   * all the same (Continue could never change that). */
  g_assert_cmpstr (main_part (f), ==, "welcome");
  g_signal_emit_by_name (welcome_child (f, "connect_row"), "activated");
  gtk_editable_set_text (GTK_EDITABLE (welcome_child (f, "uri_row")), f->uri);
  gtk_editable_set_text (GTK_EDITABLE (welcome_child (f, "tenant_row")), SYNC_TEST_TENANT);
  g_assert_true (pt_welcome_page_set_key_file (PT_WELCOME_PAGE (child (f->window, PT_TYPE_WINDOW, "welcome_page")),
                                               f->key_file, NULL));
  g_signal_emit_by_name (welcome_child (f, "connect_button"), "clicked");
  g_assert_true (wait_for (at_signin, f, WAIT_MS));
  {
    g_autoptr(GError) error = NULL;
    g_autoptr(PtStore) b = pt_store_open (f->dir_b, &error);

    g_assert_no_error (error);
    g_assert_cmpint (pt_store_count (b, "patients"), ==, 1);
    g_assert_cmpint (pt_sync_count_unreadable (b), ==, 4);
  }
  signin = child (f->window, PT_TYPE_WINDOW, "signin_page");
  type = G_TYPE_FROM_INSTANCE (signin);
  gtk_editable_set_text (GTK_EDITABLE (child (signin, type, "email_row")), OWNER);
  gtk_editable_set_text (GTK_EDITABLE (child (signin, type, "password_row")), SYNC_TEST_PASSWORD);
  g_signal_emit_by_name (child (signin, type, "sign_in_button"), "clicked");
  g_assert_true (wait_for (at_workspace, f, WAIT_MS));

  /* The header says so, and its tooltip says what and what to do. */
  g_assert_true (wait_for (needs_attention, f, WAIT_MS));
  tooltip = gtk_widget_get_tooltip_text (child (f->window, PT_TYPE_WINDOW, "sync_button"));
  g_test_message ("indicator: %s; tooltip: %s", indicator (f), tooltip);
  g_assert_nonnull (tooltip);
  g_assert_true (g_str_has_prefix (tooltip, OTHER_KEY_3 " " DAMAGED_1));

  /* The Sync page: one sentence per kind of record and cause, the
   * largest group first. */
  gtk_widget_activate_action (f->window, "win.show-page", "s", "sync");
  g_assert_true (gtk_widget_get_visible (sync_child (f, "unreadable_group")));
  rows = unreadable_rows (f);
  g_assert_cmpstr (rows, ==, OTHER_KEY_3 "\n" DAMAGED_1);
  screenshot ("sync-unreadable");

  /* Repaired in the cloud (the web dashboard writes them again): they
   * arrive live, the list goes, the indicator is back to normal. */
  for (guint i = 0; i < 4; i++)
    sync_test_foreign_update (f->web, "patients", f->patients[i],
                              "{\"firstName\": \"Repaired\", \"lastName\": \"Record\"}", later);
  g_assert_true (wait_for (group_hidden, f, WAIT_MS));
  g_assert_true (wait_for (online, f, WAIT_MS));
  g_clear_pointer (&rows, g_free);
  rows = unreadable_rows (f);
  g_assert_cmpstr (rows, ==, "");
}

int
main (int argc, char **argv)
{
  gtk_test_init (&argc, &argv, NULL);
  adw_init ();
  pt_register_resource ();
  gtk_icon_theme_add_resource_path (gtk_icon_theme_get_for_display (gdk_display_get_default ()),
                                    "/io/github/pharmatrack/Desktop/icons");

  g_test_add ("/ui/sync-page/unreadable-records-need-attention-until-repaired", Fixture, NULL,
              setup, test_unreadable_records_need_attention_until_repaired, teardown);
  return g_test_run ();
}
