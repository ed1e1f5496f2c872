#define G_LOG_DOMAIN "pt-ui"
#include "config.h"

#include <glib/gi18n-lib.h>

#include "pt-window-private.h"

static void
show_page_action (GtkWidget   *widget,
                  const gchar *action_name,
                  GVariant    *parameter)
{
  PtWindow *self = PT_WINDOW (widget);

  _pt_window_show_page (self, g_variant_get_string (parameter, NULL));
  adw_leaflet_navigate (self->leaflet, ADW_NAVIGATION_DIRECTION_FORWARD);
  /* Alt+N: typing goes to the page (its search) at once. */
  _pt_window_focus_page (self, FALSE);
}

static void
show_sidebar_action (GtkWidget   *widget,
                     const gchar *action_name,
                     GVariant    *parameter)
{
  PtWindow *self = PT_WINDOW (widget);

  adw_leaflet_navigate (self->leaflet, ADW_NAVIGATION_DIRECTION_BACK);
  gtk_widget_grab_focus (GTK_WIDGET (self->sidebar_list));
}

static void
lock_action (GtkWidget   *widget,
             const gchar *action_name,
             GVariant    *parameter)
{
  _pt_window_lock (PT_WINDOW (widget), FALSE);
}

static void
switch_user_action (GtkWidget   *widget,
                    const gchar *action_name,
                    GVariant    *parameter)
{
  _pt_window_lock (PT_WINDOW (widget), TRUE);
}

static void
search_action (GtkWidget   *widget,
               const gchar *action_name,
               GVariant    *parameter)
{
  PtWindow *self = PT_WINDOW (widget);

  /* Medicines is the page with a search today; Ctrl+F goes there. */
  _pt_window_show_page (self, "medicines");
  adw_leaflet_navigate (self->leaflet, ADW_NAVIGATION_DIRECTION_FORWARD);
  pt_medicines_page_focus_search (self->medicines_page);
}

/* Ctrl+N anywhere but the Medicines page (which has its own): a new
 * prescription, from the counter. */
static void
new_prescription_action (GtkWidget   *widget,
                         const gchar *action_name,
                         GVariant    *parameter)
{
  PtWindow *self = PT_WINDOW (widget);

  _pt_window_show_page (self, "counter");
  adw_leaflet_navigate (self->leaflet, ADW_NAVIGATION_DIRECTION_FORWARD);
  pt_counter_new_prescription (GTK_WIDGET (self->counter_page), self->store, self->pharmacy_id, NULL);
}

/* Ctrl+? and the primary menu: the shortcuts window, built on first use
 * (GtkApplication would build it with the window, before its first
 * frame). */
static void
show_help_overlay_action (GtkWidget   *widget,
                          const gchar *action_name,
                          GVariant    *parameter)
{
  PtWindow *self = PT_WINDOW (widget);

  if (self->help_overlay == NULL)
    {
      g_autoptr(GtkBuilder) builder = gtk_builder_new_from_resource ("/io/github/pharmatrack/Desktop/window/help-overlay.ui");

      self->help_overlay = GTK_WINDOW (g_object_ref (gtk_builder_get_object (builder, "help_overlay")));
      gtk_window_set_transient_for (self->help_overlay, GTK_WINDOW (self));
      gtk_window_set_hide_on_close (self->help_overlay, TRUE);
    }
  gtk_window_present (self->help_overlay);
}

static const gchar * const page_names[] = {
  "counter", "prescriptions", "medicines", "patients", "reports", "sync",
};

void
_pt_window_install_actions (PtWindowClass *klass)
{
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  gtk_widget_class_install_action (widget_class, "win.show-page", "s", show_page_action);
  gtk_widget_class_install_action (widget_class, "win.show-sidebar", NULL, show_sidebar_action);
  gtk_widget_class_install_action (widget_class, "win.lock", NULL, lock_action);
  gtk_widget_class_install_action (widget_class, "win.switch-user", NULL, switch_user_action);
  gtk_widget_class_install_action (widget_class, "win.search", NULL, search_action);
  gtk_widget_class_install_action (widget_class, "win.show-help-overlay", NULL, show_help_overlay_action);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_question, GDK_CONTROL_MASK,
                                       "win.show-help-overlay", NULL);

  gtk_widget_class_install_action (widget_class, "win.new-prescription", NULL, new_prescription_action);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_n, GDK_CONTROL_MASK, "win.new-prescription", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_l, GDK_CONTROL_MASK, "win.lock", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_u, GDK_CONTROL_MASK | GDK_SHIFT_MASK, "win.switch-user", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_f, GDK_CONTROL_MASK, "win.search", NULL);
  for (guint i = 0; i < G_N_ELEMENTS (page_names); i++)
    gtk_widget_class_add_binding_action (widget_class, GDK_KEY_1 + i, GDK_ALT_MASK,
                                         "win.show-page", "s", page_names[i]);
}

void
_pt_window_update_actions (PtWindow *self)
{
  gboolean signed_in = self->user_id != NULL;

  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.show-page", signed_in);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.show-sidebar", signed_in);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.lock", signed_in);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.switch-user", signed_in);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.search", signed_in);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.new-prescription", signed_in);
  if (signed_in && self->medicines_page != NULL)
    pt_medicines_page_update_permissions (self->medicines_page);
}
