/* pt-patients-page.c: patients — search, profile, history, new / edit. */
#define G_LOG_DOMAIN "pt-ui"
#include "config.h"

#include <glib/gi18n-lib.h>

#include "pt-patient-editor.h"
#include "pt-patient-search-model.h"
#include "pt-patients-page.h"
#include "pt-rx-list-model.h"
#include "pt-rx-list-row.h"
#include "pt-store-counter.h"
#include "pt-ui-util.h"
#include "pt-window.h"

struct _PtPatientsPage
{
  GtkWidget             parent_instance;

  PtStore              *store;
  gchar                *selected_id;
  PtPatientSearchModel *results_model;
  PtRxListModel        *history_model;

  GtkSearchEntry       *search_entry;
  GtkListBox           *results;
  GtkLabel             *placeholder;
  GtkLabel             *count_label;
  GtkStack             *profile_stack;
  AdwWindowTitle       *profile_title;
  GtkLabel             *dob_label;
  GtkLabel             *phone_label;
  GtkLabel             *email_label;
  GtkLabel             *address_label;
  GtkLabel             *allergies_label;
  GtkLabel             *conditions_label;
  GtkLabel             *insurer_label;
  GtkLabel             *member_label;
  GtkLabel             *notes_label;
  GtkListBox           *history;
  GtkStack             *history_stack;
  GtkButton            *edit_button;
  GtkButton            *new_button;
};

G_DEFINE_FINAL_TYPE (PtPatientsPage, pt_patients_page, GTK_TYPE_WIDGET)

/* ---- Shared rows --------------------------------------------------------- */

GtkWidget *
pt_patient_row_new (PtPatientItem *item)
{
  GtkWidget *row = adw_action_row_new ();
  const gchar *name = pt_patient_item_get_name (item);

  adw_preferences_row_set_use_markup (ADW_PREFERENCES_ROW (row), FALSE);
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), name);
  adw_action_row_set_subtitle (ADW_ACTION_ROW (row), pt_patient_item_get_description (item));
  gtk_list_box_row_set_activatable (GTK_LIST_BOX_ROW (row), TRUE);
  if (pt_patient_item_has_allergies (item))
    {
      /* Allergies show before anything is dispensed, not only as a warning then. */
      GtkWidget *icon = gtk_image_new_from_icon_name ("dialog-warning-symbolic");

      gtk_widget_add_css_class (icon, "warning");
      gtk_widget_set_tooltip_text (icon, _("Has allergies"));
      adw_action_row_add_prefix (ADW_ACTION_ROW (row), icon);
    }
  gtk_accessible_update_property (GTK_ACCESSIBLE (row), GTK_ACCESSIBLE_PROPERTY_LABEL, name, -1);
  g_object_set_data_full (G_OBJECT (row), "patient-id", g_strdup (pt_patient_item_get_id (item)),
                          g_free);
  return row;
}

static GtkWidget *
create_patient_row_cb (gpointer item,
                       gpointer data)
{
  return pt_patient_row_new (item);
}

static GtkWidget *
create_history_row_cb (gpointer item,
                       gpointer data)
{
  PtPatientsPage *self = data;

  return pt_rx_list_row_new (item, self->store ? pt_store_get_currency (self->store) : NULL,
                             PT_RX_ROW_LIST);
}

/* ---- Profile ------------------------------------------------------------- */

static void
set_value (GtkLabel    *label,
           const gchar *value)
{
  gtk_label_set_label (label, value && *value ? value : "—");
}

static void
show_profile (PtPatientsPage *self)
{
  g_autoptr(bson_t) p = NULL;
  g_autofree gchar *name = NULL;
  g_autofree gchar *dob = NULL;
  g_autofree gchar *allergies = NULL;
  g_autoptr(GString) address = g_string_new (NULL);
  g_autoptr(GString) conditions = g_string_new (NULL);
  static const gchar * const address_keys[] = { "address.line1", "address.city", "address.postcode" };
  bson_iter_t iter, child;

  if (self->store == NULL || self->selected_id == NULL
      || (p = pt_store_get (self->store, "patients", self->selected_id, NULL)) == NULL)
    {
      gtk_stack_set_visible_child_name (self->profile_stack, "empty");
      adw_window_title_set_title (self->profile_title, _("Patient"));
      gtk_widget_set_sensitive (GTK_WIDGET (self->edit_button), FALSE);
      pt_rx_list_model_set_patient_id (self->history_model, NULL);
      pt_rx_list_model_reload (self->history_model, NULL);
      return;
    }
  gtk_stack_set_visible_child_name (self->profile_stack, "profile");
  gtk_widget_set_sensitive (GTK_WIDGET (self->edit_button),
                            pt_store_can (self->store, PT_PERM_EDIT_PATIENTS));

  name = pt_patient_display_name (p);
  adw_window_title_set_title (self->profile_title, name);
  if (bson_iter_init_find (&iter, p, "dateOfBirth") && BSON_ITER_HOLDS_DATE_TIME (&iter))
    dob = pt_ui_format_date (bson_iter_date_time (&iter));
  allergies = pt_patient_format_allergies (p);
  for (guint i = 0; i < G_N_ELEMENTS (address_keys); i++)
    {
      const gchar *part = pt_bson_get_string (p, address_keys[i]);

      if (part && *part)
        g_string_append_printf (address, "%s%s", address->len ? ", " : "", part);
    }
  if (bson_iter_init_find (&iter, p, "conditions") && bson_iter_recurse (&iter, &child))
    while (bson_iter_next (&child))
      if (BSON_ITER_HOLDS_UTF8 (&child))
        g_string_append_printf (conditions, "%s%s", conditions->len ? ", " : "",
                                bson_iter_utf8 (&child, NULL));

  set_value (self->dob_label, dob);
  set_value (self->phone_label, pt_bson_get_string (p, "phone"));
  set_value (self->email_label, pt_bson_get_string (p, "email"));
  set_value (self->address_label, address->str);
  set_value (self->allergies_label, *allergies ? allergies : _("None known"));
  if (*allergies)
    gtk_widget_add_css_class (GTK_WIDGET (self->allergies_label), "warning");
  else
    gtk_widget_remove_css_class (GTK_WIDGET (self->allergies_label), "warning");
  set_value (self->conditions_label, conditions->str);
  set_value (self->insurer_label, pt_bson_get_string (p, "insurance.provider"));
  set_value (self->member_label, pt_bson_get_string (p, "insurance.memberId"));
  set_value (self->notes_label, pt_bson_get_string (p, "notes"));

  pt_rx_list_model_set_patient_id (self->history_model, self->selected_id);
  pt_rx_list_model_reload (self->history_model, NULL);
  gtk_stack_set_visible_child_name (self->history_stack,
                                    g_list_model_get_n_items (G_LIST_MODEL (self->history_model)) > 0
                                    ? "list" : "none");
}

/* ---- Search -------------------------------------------------------------- */

static void
update_count (PtPatientsPage *self)
{
  guint n = g_list_model_get_n_items (G_LIST_MODEL (self->results_model));
  g_autofree gchar *text = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%u patient",
                                                         "%u patients", n), n);

  gtk_label_set_label (self->count_label, text);
  gtk_label_set_label (self->placeholder,
                       *gtk_editable_get_text (GTK_EDITABLE (self->search_entry))
                       ? _("No patient matches; Ctrl+Shift+N adds a new one.")
                       : _("Type a name, phone or date of birth."));
}

static void
select_patient (PtPatientsPage *self,
                const gchar    *id)
{
  gint pos = pt_patient_search_model_find (self->results_model, id);

  if (pos < 0)
    pos = g_list_model_get_n_items (G_LIST_MODEL (self->results_model)) > 0 ? 0 : -1;
  if (pos >= 0)
    gtk_list_box_select_row (self->results, gtk_list_box_get_row_at_index (self->results, pos));
  else
    {
      g_clear_pointer (&self->selected_id, g_free);
      show_profile (self);
    }
}

static void
search_changed_cb (PtPatientsPage *self)
{
  pt_patient_search_model_set_query (self->results_model,
                                     gtk_editable_get_text (GTK_EDITABLE (self->search_entry)));
  update_count (self);
  select_patient (self, NULL);
}

static void
row_selected_cb (PtPatientsPage *self,
                 GtkListBoxRow  *row)
{
  const gchar *id = row ? g_object_get_data (G_OBJECT (row), "patient-id") : NULL;

  if (row == NULL)
    return;
  if (g_strcmp0 (id, self->selected_id) == 0
      && g_strcmp0 (gtk_stack_get_visible_child_name (self->profile_stack), "profile") == 0)
    return;
  g_free (self->selected_id);
  self->selected_id = g_strdup (id);
  show_profile (self);
}

static void
search_activate_cb (PtPatientsPage *self)
{
  GtkListBoxRow *row = gtk_list_box_get_row_at_index (self->results, 0);

  if (row != NULL)
    gtk_widget_grab_focus (GTK_WIDGET (row));
}

static void
saved_cb (PtPatientsPage *self,
          const gchar    *id)
{
  PtWindow *window = pt_window_from_widget (GTK_WIDGET (self));
  g_autoptr(bson_t) p = self->store ? pt_store_get (self->store, "patients", id, NULL) : NULL;

  g_free (self->selected_id);
  self->selected_id = g_strdup (id);
  /* A new patient who does not match the search is looked up by name. */
  pt_patient_search_model_reload (self->results_model);
  if (p != NULL && pt_patient_search_model_find (self->results_model, id) < 0)
    {
      g_autofree gchar *name = pt_patient_display_name (p);
      gtk_editable_set_text (GTK_EDITABLE (self->search_entry), name);
      pt_patient_search_model_set_query (self->results_model, name);
    }
  update_count (self);
  select_patient (self, id);
  show_profile (self);
  if (window)
    pt_window_add_toast (window, _("Patient saved."));
}

static void
open_editor (PtPatientsPage *self,
             const gchar    *id)
{
  GtkRoot *root = gtk_widget_get_root (GTK_WIDGET (self));
  PtPatientEditor *editor;

  if (self->store == NULL)
    return;
  editor = pt_patient_editor_new (GTK_WINDOW (root), self->store, id,
                                  id ? NULL : gtk_editable_get_text (GTK_EDITABLE (self->search_entry)));
  g_signal_connect_object (editor, "saved", G_CALLBACK (saved_cb), self, G_CONNECT_SWAPPED);
  gtk_window_present (GTK_WINDOW (editor));
}

static void
new_action (GtkWidget   *widget,
            const gchar *action,
            GVariant    *param)
{
  open_editor (PT_PATIENTS_PAGE (widget), NULL);
}

static void
edit_action (GtkWidget   *widget,
             const gchar *action,
             GVariant    *param)
{
  PtPatientsPage *self = PT_PATIENTS_PAGE (widget);

  if (self->selected_id)
    open_editor (self, self->selected_id);
}

static void
search_action (GtkWidget   *widget,
               const gchar *action,
               GVariant    *param)
{
  PtPatientsPage *self = PT_PATIENTS_PAGE (widget);

  /* Selected, so typing replaces the last search. */
  gtk_widget_grab_focus (GTK_WIDGET (self->search_entry));
  gtk_editable_select_region (GTK_EDITABLE (self->search_entry), 0, -1);
}

/* ---- Public -------------------------------------------------------------- */

void
pt_patients_page_set_store (PtPatientsPage *self,
                            PtStore        *store)
{
  g_return_if_fail (PT_IS_PATIENTS_PAGE (self));

  g_set_object (&self->store, store);
  pt_patient_search_model_set_store (self->results_model, store);
  pt_rx_list_model_set_store (self->history_model, store);
  pt_patients_page_refresh (self);
}

void
pt_patients_page_refresh (PtPatientsPage *self)
{
  gboolean can_edit;

  g_return_if_fail (PT_IS_PATIENTS_PAGE (self));
  can_edit = self->store && pt_store_can (self->store, PT_PERM_EDIT_PATIENTS);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "patients.new", can_edit);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "patients.edit", can_edit);
  pt_patient_search_model_reload (self->results_model);
  update_count (self);
  select_patient (self, self->selected_id);
  show_profile (self);
}

void
pt_patients_page_focus_search (PtPatientsPage *self)
{
  g_return_if_fail (PT_IS_PATIENTS_PAGE (self));
  gtk_widget_grab_focus (GTK_WIDGET (self->search_entry));
}

/* ---- GObject ------------------------------------------------------------- */

static void
pt_patients_page_dispose (GObject *object)
{
  PtPatientsPage *self = PT_PATIENTS_PAGE (object);

  gtk_widget_dispose_template (GTK_WIDGET (self), PT_TYPE_PATIENTS_PAGE);
  /* The template's unnamed root is not unparented by the above (GTK 4.8
   * then warns when the page is finalized). */
  for (GtkWidget *c; (c = gtk_widget_get_first_child (GTK_WIDGET (self))) != NULL;)
    gtk_widget_unparent (c);
  g_clear_object (&self->results_model);
  g_clear_object (&self->history_model);
  g_clear_object (&self->store);
  g_clear_pointer (&self->selected_id, g_free);
  G_OBJECT_CLASS (pt_patients_page_parent_class)->dispose (object);
}

static void
pt_patients_page_class_init (PtPatientsPageClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = pt_patients_page_dispose;
  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/github/pharmatrack/Desktop/patients/pt-patients-page.ui");
  gtk_widget_class_bind_template_child (widget_class, PtPatientsPage, search_entry);
  gtk_widget_class_bind_template_child (widget_class, PtPatientsPage, results);
  gtk_widget_class_bind_template_child (widget_class, PtPatientsPage, count_label);
  gtk_widget_class_bind_template_child (widget_class, PtPatientsPage, profile_stack);
  gtk_widget_class_bind_template_child (widget_class, PtPatientsPage, profile_title);
  gtk_widget_class_bind_template_child (widget_class, PtPatientsPage, dob_label);
  gtk_widget_class_bind_template_child (widget_class, PtPatientsPage, phone_label);
  gtk_widget_class_bind_template_child (widget_class, PtPatientsPage, email_label);
  gtk_widget_class_bind_template_child (widget_class, PtPatientsPage, address_label);
  gtk_widget_class_bind_template_child (widget_class, PtPatientsPage, allergies_label);
  gtk_widget_class_bind_template_child (widget_class, PtPatientsPage, conditions_label);
  gtk_widget_class_bind_template_child (widget_class, PtPatientsPage, insurer_label);
  gtk_widget_class_bind_template_child (widget_class, PtPatientsPage, member_label);
  gtk_widget_class_bind_template_child (widget_class, PtPatientsPage, notes_label);
  gtk_widget_class_bind_template_child (widget_class, PtPatientsPage, history);
  gtk_widget_class_bind_template_child (widget_class, PtPatientsPage, history_stack);
  gtk_widget_class_bind_template_child (widget_class, PtPatientsPage, edit_button);
  gtk_widget_class_bind_template_child (widget_class, PtPatientsPage, new_button);
  gtk_widget_class_bind_template_callback (widget_class, search_changed_cb);
  gtk_widget_class_bind_template_callback (widget_class, search_activate_cb);
  gtk_widget_class_bind_template_callback (widget_class, row_selected_cb);

  gtk_widget_class_install_action (widget_class, "patients.new", NULL, new_action);
  gtk_widget_class_install_action (widget_class, "patients.edit", NULL, edit_action);
  gtk_widget_class_install_action (widget_class, "patients.search", NULL, search_action);
  /* Ctrl+F searches this page (the window's Ctrl+F goes to Medicines). */
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_f, GDK_CONTROL_MASK, "patients.search", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_n, GDK_CONTROL_MASK | GDK_SHIFT_MASK,
                                       "patients.new", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_e, GDK_CONTROL_MASK, "patients.edit", NULL);
}

static void
pt_patients_page_init (PtPatientsPage *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
  self->results_model = pt_patient_search_model_new (50);
  self->history_model = pt_rx_list_model_new (PT_RX_LIST_PATIENT);
  self->placeholder = GTK_LABEL (gtk_label_new (NULL));
  gtk_label_set_wrap (self->placeholder, TRUE);
  gtk_widget_add_css_class (GTK_WIDGET (self->placeholder), "dim-label");
  gtk_widget_set_margin_top (GTK_WIDGET (self->placeholder), 18);
  gtk_widget_set_margin_bottom (GTK_WIDGET (self->placeholder), 18);
  gtk_widget_set_margin_start (GTK_WIDGET (self->placeholder), 12);
  gtk_widget_set_margin_end (GTK_WIDGET (self->placeholder), 12);
  gtk_list_box_set_placeholder (self->results, GTK_WIDGET (self->placeholder));
  gtk_list_box_bind_model (self->results, G_LIST_MODEL (self->results_model),
                           create_patient_row_cb, self, NULL);
  gtk_list_box_bind_model (self->history, G_LIST_MODEL (self->history_model),
                           create_history_row_cb, self, NULL);
  gtk_stack_set_visible_child_name (self->profile_stack, "empty");
}
