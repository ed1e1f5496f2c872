#define G_LOG_DOMAIN "pt-ui"
#include "config.h"

#include <glib/gi18n-lib.h>

#include "pt-preferences-window.h"
#include "pt-secret.h"
#include "pt-ui-util.h"
#include "pt-window.h"

static const gchar * const style_nicks[] = { "default", "light", "dark" };

struct _PtPreferencesWindow
{
  AdwPreferencesWindow parent_instance;

  GtkButton           *save_connection_button;
  AdwEntryRow         *uri_row;
  AdwPasswordEntryRow *password_row;
  GtkLabel            *connection_message;
  AdwEntryRow         *counter_name_row;
  AdwComboRow         *branch_row;
  GtkStringList       *branch_names;
  AdwComboRow         *style_row;

  GSettings           *settings;
  PtWindow            *main_window;
  GPtrArray           *branch_ids;
  GCancellable        *cancellable;
};

G_DEFINE_FINAL_TYPE (PtPreferencesWindow, pt_preferences_window, ADW_TYPE_PREFERENCES_WINDOW)

static void
show_connection_message (PtPreferencesWindow *self,
                         const gchar         *message,
                         gboolean             is_error)
{
  gtk_label_set_label (self->connection_message, message);
  gtk_widget_set_visible (GTK_WIDGET (self->connection_message), message != NULL);
  if (is_error)
    gtk_widget_add_css_class (GTK_WIDGET (self->connection_message), "error");
  else
    gtk_widget_remove_css_class (GTK_WIDGET (self->connection_message), "error");
}

static void
secret_stored_cb (GObject      *source,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  PtPreferencesWindow *self = user_data;
  g_autoptr(GError) error = NULL;

  if (!pt_secret_store_finish (result, &error))
    {
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        show_connection_message (self, error->message, TRUE);
      return;
    }
  gtk_editable_set_text (GTK_EDITABLE (self->password_row), "");
  show_connection_message (self, _("Saved. The password is in the desktop keyring."), FALSE);
  if (self->main_window != NULL)
    pt_window_restart_sync (self->main_window);
  adw_preferences_window_add_toast (ADW_PREFERENCES_WINDOW (self),
                                    adw_toast_new (_("Connection saved")));
}

static void
save_connection_clicked_cb (PtPreferencesWindow *self)
{
  g_autofree gchar *uri = g_strstrip (g_strdup (gtk_editable_get_text (GTK_EDITABLE (self->uri_row))));
  g_autofree gchar *password = NULL;
  g_autofree gchar *bare = NULL;
  const gchar *typed = gtk_editable_get_text (GTK_EDITABLE (self->password_row));

  if (*uri != '\0' && !g_str_has_prefix (uri, "mongodb://") && !g_str_has_prefix (uri, "mongodb+srv://"))
    {
      show_connection_message (self, _("The server address must start with mongodb:// or mongodb+srv://, as your administrator gave it."), TRUE);
      gtk_widget_grab_focus (GTK_WIDGET (self->uri_row));
      return;
    }
  bare = pt_secret_split_uri (uri, &password);
  if (*typed != '\0')
    {
      g_free (password);
      password = g_strdup (typed);
    }
  if (self->settings != NULL)
    g_settings_set_string (self->settings, "server-uri", bare ? bare : "");
  /* The server belongs to this counter's pharmacy data (the data dir). */
  if (self->main_window != NULL && pt_window_get_store (self->main_window) != NULL)
    {
      g_autoptr(GError) error = NULL;

      if (!pt_store_set_setting (pt_window_get_store (self->main_window), PT_UI_SERVER_URI_KEY,
                                 bare != NULL && *bare != '\0' ? bare : NULL, &error))
        {
          g_autofree gchar *sentence = pt_ui_error_sentence (error);

          show_connection_message (self, sentence, TRUE);
          return;
        }
    }
  /* The field never shows the password again once saved. */
  gtk_editable_set_text (GTK_EDITABLE (self->uri_row), bare ? bare : "");

  if (password == NULL || *password == '\0')
    {
      show_connection_message (self, *uri ? _("Saved.") : _("The server connection was removed."), FALSE);
      if (self->main_window != NULL)
        pt_window_restart_sync (self->main_window);
      return;
    }
  show_connection_message (self, _("Saving the password in the keyring…"), FALSE);
  pt_secret_store_async (bare, password, self->cancellable, secret_stored_cb, self);
}

static void
branch_selected_cb (PtPreferencesWindow *self)
{
  guint selected = adw_combo_row_get_selected (self->branch_row);

  if (self->main_window == NULL || selected >= self->branch_ids->len)
    return;
  if (g_strcmp0 (pt_window_get_pharmacy_id (self->main_window),
                 g_ptr_array_index (self->branch_ids, selected)) == 0)
    return;
  pt_window_set_pharmacy_id (self->main_window, g_ptr_array_index (self->branch_ids, selected));
  adw_preferences_window_add_toast (ADW_PREFERENCES_WINDOW (self),
                                    adw_toast_new (_("This counter now works for the chosen branch")));
}

static void
style_selected_cb (PtPreferencesWindow *self)
{
  guint selected = adw_combo_row_get_selected (self->style_row);

  if (self->settings != NULL && selected < G_N_ELEMENTS (style_nicks))
    g_settings_set_string (self->settings, "color-scheme", style_nicks[selected]);
}

static void
load_branches (PtPreferencesWindow *self)
{
  PtStore *store = self->main_window ? pt_window_get_store (self->main_window) : NULL;
  const gchar *current = self->main_window ? pt_window_get_pharmacy_id (self->main_window) : NULL;
  g_autoptr(GPtrArray) pharmacies = NULL;
  guint selected = 0;

  if (store != NULL)
    pharmacies = pt_store_list (store, "pharmacies", NULL, NULL);
  for (guint i = 0; pharmacies != NULL && i < pharmacies->len; i++)
    {
      const bson_t *doc = g_ptr_array_index (pharmacies, i);
      gchar *id = pt_bson_dup_oid_hex (doc, "_id");
      const gchar *name = pt_bson_get_string (doc, "name");

      if (g_strcmp0 (id, current) == 0)
        selected = i;
      gtk_string_list_append (self->branch_names, name ? name : id);
      g_ptr_array_add (self->branch_ids, id);
    }
  gtk_widget_set_sensitive (GTK_WIDGET (self->branch_row), self->branch_ids->len > 1);
  if (self->branch_ids->len > 0)
    adw_combo_row_set_selected (self->branch_row, selected);
  g_signal_connect_swapped (self->branch_row, "notify::selected", G_CALLBACK (branch_selected_cb), self);
}

static void
pt_preferences_window_dispose (GObject *object)
{
  PtPreferencesWindow *self = PT_PREFERENCES_WINDOW (object);

  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  gtk_widget_dispose_template (GTK_WIDGET (self), PT_TYPE_PREFERENCES_WINDOW);
  g_clear_object (&self->settings);
  G_OBJECT_CLASS (pt_preferences_window_parent_class)->dispose (object);
}

static void
pt_preferences_window_finalize (GObject *object)
{
  PtPreferencesWindow *self = PT_PREFERENCES_WINDOW (object);

  g_ptr_array_unref (self->branch_ids);
  G_OBJECT_CLASS (pt_preferences_window_parent_class)->finalize (object);
}

static void
pt_preferences_window_class_init (PtPreferencesWindowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = pt_preferences_window_dispose;
  object_class->finalize = pt_preferences_window_finalize;

  gtk_widget_class_set_template_from_resource (widget_class, "/io/github/pharmatrack/Desktop/preferences/pt-preferences-window.ui");
  gtk_widget_class_bind_template_child (widget_class, PtPreferencesWindow, save_connection_button);
  gtk_widget_class_bind_template_child (widget_class, PtPreferencesWindow, uri_row);
  gtk_widget_class_bind_template_child (widget_class, PtPreferencesWindow, password_row);
  gtk_widget_class_bind_template_child (widget_class, PtPreferencesWindow, connection_message);
  gtk_widget_class_bind_template_child (widget_class, PtPreferencesWindow, counter_name_row);
  gtk_widget_class_bind_template_child (widget_class, PtPreferencesWindow, branch_row);
  gtk_widget_class_bind_template_child (widget_class, PtPreferencesWindow, branch_names);
  gtk_widget_class_bind_template_child (widget_class, PtPreferencesWindow, style_row);
  gtk_widget_class_bind_template_callback (widget_class, save_connection_clicked_cb);
}

static void
pt_preferences_window_init (PtPreferencesWindow *self)
{
  self->branch_ids = g_ptr_array_new_with_free_func (g_free);
  self->cancellable = g_cancellable_new ();
  gtk_widget_init_template (GTK_WIDGET (self));

  self->settings = pt_ui_settings_new ();
  if (self->settings != NULL)
    {
      g_autofree gchar *uri = g_settings_get_string (self->settings, "server-uri");
      g_autofree gchar *scheme = g_settings_get_string (self->settings, "color-scheme");

      gtk_editable_set_text (GTK_EDITABLE (self->uri_row), uri);
      g_settings_bind (self->settings, "counter-name", self->counter_name_row, "text", G_SETTINGS_BIND_DEFAULT);
      for (guint i = 0; i < G_N_ELEMENTS (style_nicks); i++)
        if (g_str_equal (scheme, style_nicks[i]))
          adw_combo_row_set_selected (self->style_row, i);
    }
  g_signal_connect_swapped (self->style_row, "notify::selected", G_CALLBACK (style_selected_cb), self);
}

GtkWidget *
pt_preferences_window_new (GtkWindow *parent)
{
  PtPreferencesWindow *self = g_object_new (PT_TYPE_PREFERENCES_WINDOW,
                                            "transient-for", parent,
                                            NULL);

  if (parent != NULL && PT_IS_WINDOW (parent))
    self->main_window = PT_WINDOW (parent);
  if (self->main_window != NULL && pt_window_get_store (self->main_window) != NULL)
    {
      g_autofree gchar *uri = pt_store_get_setting (pt_window_get_store (self->main_window),
                                                    PT_UI_SERVER_URI_KEY);

      gtk_editable_set_text (GTK_EDITABLE (self->uri_row), uri ? uri : "");
    }
  load_branches (self);
  return GTK_WIDGET (self);
}
