/* pt-counter-form.c: field helpers shared by the counter's editors. */
#define G_LOG_DOMAIN "pt-ui"
#include "config.h"

#include "pt-counter-form.h"

gchar *
pt_form_text (gpointer editable)
{
  g_return_val_if_fail (GTK_IS_EDITABLE (editable), g_strdup (""));

  return g_strstrip (g_strdup (gtk_editable_get_text (GTK_EDITABLE (editable))));
}

void
pt_form_clear_error (GtkLabel *error_label)
{
  GtkWidget *marked;

  g_return_if_fail (GTK_IS_LABEL (error_label));

  marked = g_object_get_data (G_OBJECT (error_label), "pt-form-marked");
  if (marked != NULL)
    gtk_widget_remove_css_class (marked, "error");
  g_object_set_data (G_OBJECT (error_label), "pt-form-marked", NULL);
  gtk_widget_set_visible (GTK_WIDGET (error_label), FALSE);
}

void
pt_form_show_error (GtkLabel    *error_label,
                    GtkWidget   *field,
                    const gchar *text)
{
  g_return_if_fail (GTK_IS_LABEL (error_label));

  pt_form_clear_error (error_label);
  gtk_label_set_label (error_label, text);
  gtk_widget_set_visible (GTK_WIDGET (error_label), TRUE);
  if (field != NULL)
    {
      /* The field is marked red and takes the focus: fix it and press Enter again. */
      gtk_widget_add_css_class (field, "error");
      g_object_set_data_full (G_OBJECT (error_label), "pt-form-marked", g_object_ref (field),
                              g_object_unref);
      gtk_widget_grab_focus (field);
    }
}

static gboolean
chain_key_pressed_cb (GtkEventControllerKey *controller,
                      guint                  keyval,
                      guint                  keycode,
                      GdkModifierType        state,
                      GPtrArray             *fields)
{
  GtkWidget *window = gtk_event_controller_get_widget (GTK_EVENT_CONTROLLER (controller));
  GtkWidget *focus = gtk_root_get_focus (GTK_ROOT (window));
  gboolean back;
  gint at = -1;

  if (keyval != GDK_KEY_Tab && keyval != GDK_KEY_ISO_Left_Tab && keyval != GDK_KEY_KP_Tab)
    return FALSE;
  if (state & (GDK_CONTROL_MASK | GDK_ALT_MASK))
    return FALSE;
  back = keyval == GDK_KEY_ISO_Left_Tab || (state & GDK_SHIFT_MASK);
  for (guint i = 0; focus != NULL && i < fields->len; i++)
    if (focus == fields->pdata[i] || gtk_widget_is_ancestor (focus, fields->pdata[i]))
      at = (gint) i;
  if (at < 0)
    return FALSE;
  /* The next field that can take the focus now (hidden ones are skipped). */
  for (gint i = at + (back ? -1 : 1); i >= 0 && i < (gint) fields->len; i += back ? -1 : 1)
    {
      GtkWidget *next = fields->pdata[i];

      if (gtk_widget_is_drawable (next) && gtk_widget_is_sensitive (next)
          && gtk_widget_grab_focus (next))
        return TRUE;
    }
  return FALSE;
}

void
pt_form_set_focus_chain (GtkWidget  *window,
                         GtkWidget **fields)
{
  GtkEventController *controller;
  GPtrArray *chain;

  g_return_if_fail (GTK_IS_WINDOW (window));

  chain = g_ptr_array_new ();
  for (guint i = 0; fields[i] != NULL; i++)
    g_ptr_array_add (chain, fields[i]);
  controller = gtk_event_controller_key_new ();
  gtk_event_controller_set_propagation_phase (controller, GTK_PHASE_CAPTURE);
  g_signal_connect_data (controller, "key-pressed", G_CALLBACK (chain_key_pressed_cb), chain,
                         (GClosureNotify) (void (*) (void)) g_ptr_array_unref, 0);
  gtk_widget_add_controller (window, controller);
}
