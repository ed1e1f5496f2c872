/* test-window-startup.c: the window's way to its first frame, in a real
 * window under Xvfb.  On a demo store the first frame is the real sign-in
 * screen, ready for typing (the email field has the focus, the demo
 * accounts are listed and usable); the start-up phases bench-ui prints are
 * recorded in order up to that frame; what the first screen does not need
 * (the workspace's pages, the shortcuts window, the sync engine) is not
 * built or started for it, and is there when asked for or right after. */
#define G_LOG_DOMAIN "pt-test"
#include "config.h"

#include <adwaita.h>
#include <glib/gstdio.h>

#include "pt-demo.h"
#include "pt-signin-page.h"
#include "pt-startup.h"
#include "pt-store.h"
#include "pt-ui-test-util.h"
#include "pt-ui-util.h"
#include "pt-window-private.h"

typedef struct
{
  gchar     *dir;
  GtkWidget *window;
} Fixture;

static void
rmdir_tree (const gchar *dir)
{
  g_autoptr(GDir) d = g_dir_open (dir, 0, NULL);
  const gchar *name;

  while (d != NULL && (name = g_dir_read_name (d)) != NULL)
    {
      g_autofree gchar *path = g_build_filename (dir, name, NULL);

      g_remove (path);
    }
  g_rmdir (dir);
}

static gboolean
wait_for (gboolean (*cond) (Fixture *f),
          Fixture  *f)
{
  return pt_ui_test_wait_for ((PtUiTestCondition) cond, f, PT_UI_TEST_WAIT_MS);
}

static GtkWidget *
window_child (Fixture     *f,
              const gchar *name)
{
  return pt_ui_test_child (f->window, name);
}

/* The shortcuts windows that exist now. */
static guint
n_shortcuts_windows (GtkWindow **found)
{
  GListModel *toplevels = gtk_window_get_toplevels ();
  guint n = 0;

  for (guint i = 0; i < g_list_model_get_n_items (toplevels); i++)
    {
      g_autoptr(GtkWindow) w = g_list_model_get_item (toplevels, i);

      if (GTK_IS_SHORTCUTS_WINDOW (w))
        {
          n++;
          if (found != NULL)
            *found = w;
        }
    }
  return n;
}

static gboolean
window_drawn (Fixture *f)
{
  return PT_WINDOW (f->window)->first_frame_drawn;
}

static void open_window (Fixture *f);

/* A counter with a server: an address nothing listens on (the engine
 * starts and backs off; no password, so no keyring lookup). */
#define SERVER_URI "mongodb://127.0.0.1:9/?serverSelectionTimeoutMS=200"

static void
setup (Fixture *f,
       gconstpointer data)
{
  PtDemoOptions options = { .medicines = 60, .patients = 20, .prescriptions = 20, .seed = 11 };
  g_autoptr(GError) error = NULL;
  g_autoptr(PtStore) store = NULL;

  f->dir = g_dir_make_tmp ("pt-window-startup-XXXXXX", &error);
  g_assert_no_error (error);
  if (g_strcmp0 (data, "ahead-empty") == 0)
    {
      /* A first run: nothing in the data dir. */
      pt_startup_open_store_begin (f->dir);
      open_window (f);
      return;
    }
  g_test_message ("demo store in %s (seed %" G_GUINT64_FORMAT ")", f->dir, options.seed);
  store = pt_demo_create_store (f->dir, &options, NULL, NULL, &error);
  g_assert_no_error (error);
  if (g_strcmp0 (data, "server") == 0)
    {
      g_assert_true (pt_store_set_setting (store, PT_UI_SERVER_URI_KEY, SERVER_URI, &error));
      g_assert_no_error (error);
    }
  /* The window opens the store itself, as at start-up, or takes it from
   * the thread that opened it ahead (as PtApplication starts it). */
  g_clear_object (&store);
  if (g_strcmp0 (data, "ahead") == 0)
    pt_startup_open_store_begin (f->dir);
  open_window (f);
}

static void
open_window (Fixture *f)
{
  f->window = GTK_WIDGET (pt_window_new (NULL, f->dir));
  g_object_ref_sink (f->window);
  gtk_window_set_default_size (GTK_WINDOW (f->window), 1280, 800);
  /* Built, store opened, sign-in prepared: nothing syncs yet. */
  g_assert_null (PT_WINDOW (f->window)->sync_engine);
  gtk_window_present (GTK_WINDOW (f->window));
  g_assert_true (wait_for (window_drawn, f));
}

static void
teardown (Fixture *f,
          gconstpointer data)
{
  pt_ui_test_close_window (&f->window);
  rmdir_tree (f->dir);
  g_free (f->dir);
}

static gint64
mark_at (const gchar *phase)
{
  const PtStartupMark *marks;
  guint n;

  marks = pt_startup_get_marks (&n);
  for (guint i = 0; i < n; i++)
    if (g_str_equal (marks[i].phase, phase))
      return marks[i].usec;
  g_test_message ("no start-up mark \"%s\"", phase);
  return -1;
}

static void
test_first_frame_is_the_sign_in_screen (Fixture *f,
                                        gconstpointer data)
{
  static const gchar *in_order[] = {
    "window class", "template", "store opened", "sign-in ready",
    "realized", "mapped", "frame: layout", "frame: paint", "frame",
  };
  GtkWidget *signin = window_child (f, "signin_page");
  GtkWidget *email = pt_ui_test_child (signin, "email_row");
  GtkWidget *focus = gtk_window_get_focus (GTK_WINDOW (f->window));
  GtkWidget *demo_list = pt_ui_test_child (signin, "demo_list");
  GtkWidget *row;
  gint64 before = 0;
  guint n_rows = 0;
  guint n_marks;

  /* What the pharmacist sees in that frame: the sign-in screen, drawn,
   * with the cursor in the email field. */
  g_assert_cmpstr (gtk_stack_get_visible_child_name (GTK_STACK (window_child (f, "main_stack"))), ==, "signin");
  g_assert_true (gtk_widget_get_mapped (email));
  g_assert_nonnull (focus);
  g_assert_true (focus == email || gtk_widget_is_ancestor (focus, email));

  /* The demo accounts are listed, one line each, the email in the
   * tooltip when a narrow window cuts it. */
  g_assert_true (gtk_widget_get_mapped (demo_list));
  for (row = gtk_widget_get_first_child (demo_list); row != NULL; row = gtk_widget_get_next_sibling (row))
    {
      const gchar *email_text = adw_action_row_get_subtitle (ADW_ACTION_ROW (row));

      g_assert_true (g_str_has_suffix (email_text, "@demo.pharmatrack.example"));
      g_assert_cmpint (adw_action_row_get_subtitle_lines (ADW_ACTION_ROW (row)), ==, 1);
      g_assert_cmpstr (gtk_widget_get_tooltip_text (row), ==, email_text);
      n_rows++;
    }
  g_assert_cmpuint (n_rows, ==, 4);
  /* Choosing one fills in the form: the screen works as drawn. */
  g_signal_emit_by_name (gtk_widget_get_first_child (demo_list), "activated");
  g_assert_cmpstr (gtk_editable_get_text (GTK_EDITABLE (email)), ==, PT_DEMO_OWNER_EMAIL);

  /* The phases bench-ui reports, in the order the window passed them. */
  pt_startup_get_marks (&n_marks);
  g_test_message ("%u start-up marks", n_marks);
  for (guint i = 0; i < G_N_ELEMENTS (in_order); i++)
    {
      gint64 at = mark_at (in_order[i]);

      g_assert_cmpint (at, >=, before);
      before = at;
    }

  /* Not built for the first frame: the workspace's pages and the
   * shortcuts window. */
  g_assert_null (adw_bin_get_child (ADW_BIN (window_child (f, "medicines_slot"))));
  g_assert_null (adw_bin_get_child (ADW_BIN (window_child (f, "counter_slot"))));
  g_assert_cmpuint (n_shortcuts_windows (NULL), ==, 0);
  /* GtkApplication builds <resource-base-path>/gtk/help-overlay.ui with
   * every main window when the resource exists. */
  g_assert_false (g_resources_get_info ("/io/github/pharmatrack/Desktop/gtk/help-overlay.ui",
                                        G_RESOURCE_LOOKUP_FLAGS_NONE, NULL, NULL, NULL));
}

static void
test_shortcuts_window_built_on_first_use (Fixture *f,
                                          gconstpointer data)
{
  GtkWindow *shortcuts = NULL, *again = NULL;
  GLogLevelFlags fatal;

  g_assert_cmpuint (n_shortcuts_windows (NULL), ==, 0);
  /* Ctrl+? and the primary menu's "Keyboard Shortcuts".  GTK 4.8's
   * GtkShortcutsWindow measures one of its own labels at -3 px when first
   * shown (a Gtk-WARNING "reported min width -3"; the window is fine):
   * warnings are not fatal for that one call. */
  fatal = g_log_set_always_fatal (G_LOG_FATAL_MASK | G_LOG_LEVEL_CRITICAL);
  g_assert_true (gtk_widget_activate_action (f->window, "win.show-help-overlay", NULL));
  g_log_set_always_fatal (fatal);
  g_assert_cmpuint (n_shortcuts_windows (&shortcuts), ==, 1);
  g_assert_true (gtk_widget_get_visible (GTK_WIDGET (shortcuts)));
  g_assert_true (gtk_window_get_transient_for (shortcuts) == GTK_WINDOW (f->window));
  /* Closed, it is kept and shown again. */
  gtk_window_close (shortcuts);
  g_assert_false (gtk_widget_get_visible (GTK_WIDGET (shortcuts)));
  g_assert_true (gtk_widget_activate_action (f->window, "win.show-help-overlay", NULL));
  g_assert_cmpuint (n_shortcuts_windows (&again), ==, 1);
  g_assert_true (again == shortcuts);
  g_assert_true (gtk_widget_get_visible (GTK_WIDGET (again)));
}

/* The sync engine (its worker thread, the network monitor, the keyring)
 * starts once the first frame is on screen, not before. */
static void
test_sync_starts_after_the_first_frame (Fixture *f,
                                        gconstpointer data)
{
  PtWindow *window = PT_WINDOW (f->window);

  g_assert_true (window->first_frame_drawn);
  g_assert_false (window->sync_start_pending);
  g_assert_nonnull (window->sync_engine);
}

/* The header's two menus get their popovers when first opened, with
 * their items. */
static void
test_header_menus_built_on_first_open (Fixture *f,
                                       gconstpointer data)
{
  GtkMenuButton *buttons[] = {
    GTK_MENU_BUTTON (window_child (f, "primary_menu_button")),
    GTK_MENU_BUTTON (window_child (f, "user_button")),
  };
  const gchar *first_items[] = { "_Preferences", "_Switch User…" };

  for (guint i = 0; i < G_N_ELEMENTS (buttons); i++)
    g_assert_null (gtk_menu_button_get_popover (buttons[i]));
  pt_ui_test_sign_in (f->window, PT_DEMO_OWNER_EMAIL, PT_DEMO_PASSWORD);
  for (guint i = 0; i < G_N_ELEMENTS (buttons); i++)
    {
      GtkPopover *popover;
      GMenuModel *model;
      g_autofree gchar *label = NULL;

      /* Still nothing when the workspace shows … */
      g_assert_null (gtk_menu_button_get_popover (buttons[i]));
      g_assert_true (gtk_widget_get_sensitive (GTK_WIDGET (buttons[i])));
      /* … the menu when opened (a click, F10 for the main menu). */
      gtk_menu_button_popup (buttons[i]);
      popover = gtk_menu_button_get_popover (buttons[i]);
      g_assert_true (GTK_IS_POPOVER_MENU (popover));
      g_assert_true (gtk_widget_get_visible (GTK_WIDGET (popover)));
      model = gtk_popover_menu_get_menu_model (GTK_POPOVER_MENU (popover));
      g_assert_nonnull (model);
      /* The first section's first item. */
      model = g_menu_model_get_item_link (model, 0, G_MENU_LINK_SECTION);
      g_assert_true (g_menu_model_get_item_attribute (model, 0, G_MENU_ATTRIBUTE_LABEL, "s", &label));
      g_object_unref (model);
      g_assert_cmpstr (label, ==, first_items[i]);
      gtk_menu_button_popdown (buttons[i]);
    }
}

/* PtApplication opens the store on a thread while GTK starts: the window
 * takes that store (nothing is opened twice) and shows its sign-in. */
static void
test_store_opened_ahead_is_the_windows (Fixture *f,
                                        gconstpointer data)
{
  g_autoptr(PtStore) again = NULL;
  gboolean exists = FALSE;

  g_assert_cmpstr (pt_ui_test_main_part (f->window), ==, "signin");
  g_assert_nonnull (pt_window_get_store (PT_WINDOW (f->window)));
  g_assert_cmpstr (pt_store_get_data_dir (pt_window_get_store (PT_WINDOW (f->window))), ==, f->dir);
  /* Taken: nothing is left waiting for that folder. */
  g_assert_false (pt_startup_open_store_finish (f->dir, &exists, &again, NULL));
  g_assert_null (again);
}

/* Opened ahead on a first run: no store there, the welcome page. */
static void
test_no_store_ahead_shows_welcome (Fixture *f,
                                   gconstpointer data)
{
  g_assert_cmpstr (pt_ui_test_main_part (f->window), ==, "welcome");
  g_assert_null (pt_window_get_store (PT_WINDOW (f->window)));
}

int
main (int    argc,
      char **argv)
{
  pt_ui_test_init (&argc, &argv);

  /* First: the start-up marks stop at the process's first frame. */
  g_test_add ("/ui/window/first-frame-is-the-sign-in-screen-ready-to-type", Fixture, NULL,
              setup, test_first_frame_is_the_sign_in_screen, teardown);
  g_test_add ("/ui/window/shortcuts-window-built-on-first-use", Fixture, NULL,
              setup, test_shortcuts_window_built_on_first_use, teardown);
  g_test_add ("/ui/window/header-menus-built-on-first-open", Fixture, NULL,
              setup, test_header_menus_built_on_first_open, teardown);
  g_test_add ("/ui/window/sync-starts-after-the-first-frame", Fixture, "server",
              setup, test_sync_starts_after_the_first_frame, teardown);
  g_test_add ("/ui/window/store-opened-ahead-is-the-windows", Fixture, "ahead",
              setup, test_store_opened_ahead_is_the_windows, teardown);
  g_test_add ("/ui/window/first-run-opened-ahead-shows-welcome", Fixture, "ahead-empty",
              setup, test_no_store_ahead_shows_welcome, teardown);
  return g_test_run ();
}
