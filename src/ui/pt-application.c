#define G_LOG_DOMAIN "pt-ui"
#include "config.h"

#include <glib/gi18n-lib.h>

#include "pt-application.h"
#include "pt-preferences-window.h"
#include "pt-resources.h"
#include "pt-startup.h"
#include "pt-ui-util.h"
#include "pt-window.h"

struct _PtApplication
{
  AdwApplication  parent_instance;
  gchar          *data_dir;
  GSettings      *settings;
};

G_DEFINE_FINAL_TYPE (PtApplication, pt_application, ADW_TYPE_APPLICATION)

static void
apply_color_scheme (PtApplication *self)
{
  AdwStyleManager *manager = adw_style_manager_get_default ();
  g_autofree gchar *scheme = NULL;
  AdwColorScheme value = ADW_COLOR_SCHEME_DEFAULT;

  if (self->settings != NULL)
    scheme = g_settings_get_string (self->settings, "color-scheme");
  if (g_strcmp0 (scheme, "light") == 0)
    value = ADW_COLOR_SCHEME_FORCE_LIGHT;
  else if (g_strcmp0 (scheme, "dark") == 0)
    value = ADW_COLOR_SCHEME_FORCE_DARK;
  adw_style_manager_set_color_scheme (manager, value);
}

static void
quit_activated (GSimpleAction *action,
                GVariant      *parameter,
                gpointer       user_data)
{
  GApplication *app = G_APPLICATION (user_data);
  GList *windows = gtk_application_get_windows (GTK_APPLICATION (app));

  /* Closing the windows saves their size and stops sync cleanly. */
  for (GList *l = g_list_copy (windows), *it = l; it != NULL; it = it->next)
    {
      gtk_window_close (it->data);
      if (it->next == NULL)
        g_list_free (l);
    }
}

static void
preferences_activated (GSimpleAction *action,
                       GVariant      *parameter,
                       gpointer       user_data)
{
  GtkWindow *parent = gtk_application_get_active_window (GTK_APPLICATION (user_data));
  GtkWidget *prefs = pt_preferences_window_new (parent);

  gtk_window_present (GTK_WINDOW (prefs));
}

static void
about_activated (GSimpleAction *action,
                 GVariant      *parameter,
                 gpointer       user_data)
{
  GtkWindow *parent = gtk_application_get_active_window (GTK_APPLICATION (user_data));
  const gchar *developers[] = { "The PharmaTrack contributors", NULL };

  adw_show_about_window (parent,
                         "application-name", _("PharmaTrack"),
                         "application-icon", APPLICATION_ID,
                         "version", PACKAGE_VERSION,
                         "developer-name", _("The PharmaTrack contributors"),
                         "developers", developers,
                         "comments", _("Stock, prescriptions and patients at the pharmacy counter — with or without internet."),
                         "license-type", GTK_LICENSE_GPL_3_0,
                         "copyright", "© 2026 The PharmaTrack contributors",
                         "translator-credits", _("translator-credits"),
                         NULL);
}

static const GActionEntry app_actions[] = {
  { "quit", quit_activated, NULL, NULL, NULL, { 0 } },
  { "preferences", preferences_activated, NULL, NULL, NULL, { 0 } },
  { "about", about_activated, NULL, NULL, NULL, { 0 } },
};

static void
pt_application_startup (GApplication *app)
{
  PtApplication *self = PT_APPLICATION (app);
  static const gchar *quit_accels[] = { "<Primary>q", NULL };
  static const gchar *prefs_accels[] = { "<Primary>comma", NULL };

  /* Registered on the session bus (g_application_register). */
  pt_startup_mark ("registered");
  /* The primary instance opens its store on another core meanwhile. */
  pt_startup_open_store_begin (self->data_dir);
  /* What the parents' startup does first, done here to time it apart
   * (both are done once; the parents' calls return at once). */
  gtk_init ();
  pt_startup_mark ("gtk_init");
  adw_init ();
  pt_startup_mark ("adw_init");
  pt_register_resource ();
  G_APPLICATION_CLASS (pt_application_parent_class)->startup (app);
  pt_startup_mark ("app startup");

  g_action_map_add_action_entries (G_ACTION_MAP (app), app_actions, G_N_ELEMENTS (app_actions), app);
  gtk_application_set_accels_for_action (GTK_APPLICATION (app), "app.quit", quit_accels);
  gtk_application_set_accels_for_action (GTK_APPLICATION (app), "app.preferences", prefs_accels);

  self->settings = pt_ui_settings_new ();
  if (self->settings != NULL)
    g_signal_connect_swapped (self->settings, "changed::color-scheme",
                              G_CALLBACK (apply_color_scheme), self);
  apply_color_scheme (self);
  pt_startup_mark ("settings");
}

static void
pt_application_activate (GApplication *app)
{
  PtApplication *self = PT_APPLICATION (app);
  GtkWindow *window = gtk_application_get_active_window (GTK_APPLICATION (app));

  pt_startup_mark ("activate");
  if (window == NULL)
    {
      window = GTK_WINDOW (pt_window_new (GTK_APPLICATION (app), self->data_dir));
      pt_startup_mark ("window built");
    }
  gtk_window_present (window);
}

static void
pt_application_shutdown (GApplication *app)
{
  PtApplication *self = PT_APPLICATION (app);
  g_autoptr(PtStore) store = NULL;
  g_autoptr(GError) error = NULL;
  gboolean exists;

  /* A store opened ahead that no window took (it quit before). */
  pt_startup_open_store_finish (self->data_dir, &exists, &store, &error);
  G_APPLICATION_CLASS (pt_application_parent_class)->shutdown (app);
}

static gint
pt_application_handle_local_options (GApplication *app,
                                     GVariantDict *options)
{
  PtApplication *self = PT_APPLICATION (app);
  const gchar *dir = NULL;

  if (g_variant_dict_lookup (options, "version", "b", NULL))
    {
      g_print ("pharmatrack %s\n", PACKAGE_VERSION);
      return 0;
    }
  if (g_variant_dict_lookup (options, "data-dir", "^&ay", &dir))
    {
      g_free (self->data_dir);
      self->data_dir = g_canonicalize_filename (dir, NULL);
      /* Two data dirs are two pharmacies: one instance per data dir. */
      g_application_set_flags (app, g_application_get_flags (app) | G_APPLICATION_NON_UNIQUE);
    }
  return -1;
}

static void
pt_application_finalize (GObject *object)
{
  PtApplication *self = PT_APPLICATION (object);

  g_free (self->data_dir);
  g_clear_object (&self->settings);
  G_OBJECT_CLASS (pt_application_parent_class)->finalize (object);
}

static void
pt_application_class_init (PtApplicationClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GApplicationClass *app_class = G_APPLICATION_CLASS (klass);

  object_class->finalize = pt_application_finalize;
  app_class->startup = pt_application_startup;
  app_class->activate = pt_application_activate;
  app_class->shutdown = pt_application_shutdown;
  app_class->handle_local_options = pt_application_handle_local_options;
}

static void
pt_application_init (PtApplication *self)
{
  static const GOptionEntry entries[] = {
    { "data-dir", 'd', 0, G_OPTION_ARG_FILENAME, NULL,
      N_("Folder of the pharmacy data (default: $PHARMATRACK_DATA_DIR or ~/.local/share/pharmatrack)"), N_("DIR") },
    { "version", 0, 0, G_OPTION_ARG_NONE, NULL, N_("Show the version and exit"), NULL },
    { NULL }
  };

  g_application_add_main_option_entries (G_APPLICATION (self), entries);
}

PtApplication *
pt_application_new (void)
{
  return g_object_new (PT_TYPE_APPLICATION,
                       "application-id", APPLICATION_ID,
                       "flags", G_APPLICATION_DEFAULT_FLAGS,
                       "resource-base-path", "/io/github/pharmatrack/Desktop",
                       NULL);
}
