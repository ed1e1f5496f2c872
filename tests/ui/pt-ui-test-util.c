/* pt-ui-test-util.c: see pt-ui-test-util.h. */
#define G_LOG_DOMAIN "pt-test"
#include "config.h"

#include "pt-ui-test-util.h"

#include "pt-resources.h"
#include "pt-window.h"

void
pt_ui_test_init (int    *argc,
                 char ***argv)
{
  gtk_test_init (argc, argv, NULL);
  adw_init ();
  pt_register_resource ();
  /* The app icon, as GtkApplication finds it under its resource path. */
  gtk_icon_theme_add_resource_path (gtk_icon_theme_get_for_display (gdk_display_get_default ()),
                                    "/io/github/pharmatrack/Desktop/icons");
}

static gboolean
flag_cb (gpointer data)
{
  *(gboolean *) data = TRUE;
  return G_SOURCE_REMOVE;
}

static gboolean
tick_cb (gpointer data)
{
  return G_SOURCE_CONTINUE;
}

gboolean
pt_ui_test_wait_for (PtUiTestCondition cond,
                     gpointer          data,
                     guint             timeout_ms)
{
  gboolean timed_out = FALSE;
  guint deadline = g_timeout_add (timeout_ms, flag_cb, &timed_out);
  /* Wakes the loop now and then, so that a condition changed outside the
   * main context (another thread, another process) is seen too. */
  guint tick = g_timeout_add (20, tick_cb, NULL);
  gboolean ok;

  while (!(ok = cond (data)) && !timed_out)
    g_main_context_iteration (NULL, TRUE);
  if (!timed_out)
    g_source_remove (deadline);
  g_source_remove (tick);
  return ok;
}

GtkWidget *
pt_ui_test_child (GtkWidget   *widget,
                  const gchar *name)
{
  GObject *obj;

  g_assert_nonnull (widget);
  obj = gtk_widget_get_template_child (widget, G_TYPE_FROM_INSTANCE (widget), name);
  if (obj == NULL)
    g_error ("%s has no template child \"%s\"", G_OBJECT_TYPE_NAME (widget), name);
  return GTK_WIDGET (obj);
}

GtkWidget *
pt_ui_test_open_window (const gchar *data_dir)
{
  GtkWidget *window = GTK_WIDGET (pt_window_new (NULL, data_dir));

  g_object_ref_sink (window);
  gtk_window_set_default_size (GTK_WINDOW (window), 1280, 800);
  gtk_window_present (GTK_WINDOW (window));
  return window;
}

void
pt_ui_test_close_window (GtkWidget **window)
{
  if (*window == NULL)
    return;
  /* GTK 4.8 warns when a focused entry is destroyed with its window. */
  gtk_window_set_focus (GTK_WINDOW (*window), NULL);
  while (g_main_context_iteration (NULL, FALSE))
    ;
  gtk_window_destroy (GTK_WINDOW (*window));
  g_clear_object (window);
  while (g_main_context_iteration (NULL, FALSE))
    ;
}

const gchar *
pt_ui_test_main_part (GtkWidget *window)
{
  return gtk_stack_get_visible_child_name (GTK_STACK (pt_ui_test_child (window, "main_stack")));
}

typedef struct
{
  GtkWidget   *window;
  const gchar *name;
} MainPart;

static gboolean
at_main_part (gpointer data)
{
  MainPart *part = data;

  return g_strcmp0 (pt_ui_test_main_part (part->window), part->name) == 0;
}

gboolean
pt_ui_test_wait_for_main_part (GtkWidget   *window,
                               const gchar *name)
{
  MainPart part = { window, name };

  return pt_ui_test_wait_for (at_main_part, &part, PT_UI_TEST_WAIT_MS);
}

GtkWidget *
pt_ui_test_welcome_child (GtkWidget   *window,
                          const gchar *name)
{
  return pt_ui_test_child (pt_ui_test_child (window, "welcome_page"), name);
}

GtkWidget *
pt_ui_test_built_page (GtkWidget   *window,
                       const gchar *name)
{
  g_autofree gchar *slot = g_strdup_printf ("%s_slot", name);

  return adw_bin_get_child (ADW_BIN (pt_ui_test_child (window, slot)));
}

const gchar *
pt_ui_test_sync_indicator (GtkWidget *window)
{
  return gtk_label_get_label (GTK_LABEL (pt_ui_test_child (window, "sync_label")));
}

void
pt_ui_test_sign_in (GtkWidget   *window,
                    const gchar *email,
                    const gchar *password)
{
  GtkWidget *signin = pt_ui_test_child (window, "signin_page");

  g_assert_cmpstr (pt_ui_test_main_part (window), ==, "signin");
  gtk_editable_set_text (GTK_EDITABLE (pt_ui_test_child (signin, "email_row")), email);
  gtk_editable_set_text (GTK_EDITABLE (pt_ui_test_child (signin, "password_row")), password);
  g_signal_emit_by_name (pt_ui_test_child (signin, "sign_in_button"), "clicked");
  g_assert_true (pt_ui_test_wait_for_main_part (window, "workspace"));
}

typedef struct
{
  GtkWidget *window;
  guint      frames;   /* drawn since the last transition ended */
} Frames;

static gboolean
transition_running (GtkWidget *widget)
{
  if (GTK_IS_STACK (widget) && gtk_stack_get_transition_running (GTK_STACK (widget)))
    return TRUE;
  for (GtkWidget *c = gtk_widget_get_first_child (widget); c != NULL; c = gtk_widget_get_next_sibling (c))
    if (gtk_widget_get_mapped (c) && transition_running (c))
      return TRUE;
  return FALSE;
}

static gboolean
settled (gpointer data)
{
  Frames *fr = data;

  /* Counted from the end of the page transitions. */
  if (transition_running (fr->window))
    fr->frames = 0;
  if (fr->frames >= 3)
    return TRUE;
  gtk_widget_queue_draw (fr->window);
  return FALSE;
}

static void
after_paint_cb (GdkFrameClock *clock,
                Frames        *fr)
{
  fr->frames++;
}

void
pt_ui_test_screenshot (GtkWidget   *window,
                       const gchar *name)
{
  Frames fr = { window, 0 };
  GdkFrameClock *clock = gtk_widget_get_frame_clock (window);
  gulong id = g_signal_connect (clock, "after-paint", G_CALLBACK (after_paint_cb), &fr);
  g_autofree gchar *dir = g_test_build_filename (G_TEST_BUILT, "ui", "screenshots", NULL);
  g_autofree gchar *file = g_strconcat (name, ".png", NULL);
  g_autofree gchar *path = g_build_filename (dir, file, NULL);
  g_autofree gchar *import = g_find_program_in_path ("import");
  const gchar *argv[] = { import, "-window", "root", path, NULL };
  g_autoptr(GError) error = NULL;
  gint status = 0;

  g_assert_true (pt_ui_test_wait_for (settled, &fr, PT_UI_TEST_WAIT_MS));
  g_signal_handler_disconnect (clock, id);
  if (import == NULL)
    {
      g_test_message ("no screenshot %s: ImageMagick's import is not installed", name);
      return;
    }
  g_mkdir_with_parents (dir, 0755);
  g_spawn_sync (NULL, (gchar **) argv, NULL, G_SPAWN_STDOUT_TO_DEV_NULL | G_SPAWN_STDERR_TO_DEV_NULL,
                NULL, NULL, NULL, NULL, &status, &error);
  g_assert_no_error (error);
  g_assert_true (g_spawn_check_wait_status (status, &error));
  g_test_message ("screenshot %s", path);
}
