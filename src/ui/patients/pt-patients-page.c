/* pt-patients-page.c: patients — search, profile, history, new / edit. */
#define G_LOG_DOMAIN "pt-ui"
#include "config.h"

#include <glib/gi18n-lib.h>

#include "pt-patient-editor.h"
#include "pt-patients-page.h"
#include "pt-store-counter.h"
#include "pt-ui-util.h"
#include "pt-window.h"

struct _PtPatientsPage
{
  GtkWidget       parent_instance;

  PtStore        *store;
  gchar          *selected_id;

  GtkSearchEntry *search_entry;
  GtkListBox     *results;
  GtkLabel       *count_label;
  GtkStack       *profile_stack;
  AdwWindowTitle *profile_title;
  GtkBox         *profile_box;
  GtkListBox     *history;
  GtkButton      *edit_button;
  GtkButton      *new_button;
};

G_DEFINE_FINAL_TYPE (PtPatientsPage, pt_patients_page, GTK_TYPE_WIDGET)

/* ---- Shared helpers ------------------------------------------------------ */

gchar *
pt_patient_display_name (const bson_t *patient)
{
  return g_strdup_printf ("%s %s", pt_bson_get_string (patient, "firstName") ?: "",
                          pt_bson_get_string (patient, "lastName") ?: "");
}

gchar *
pt_patient_describe (const bson_t *patient)
{
  g_autoptr(GString) s = g_string_new (NULL);
  g_autofree gchar *allergies = pt_patient_format_allergies (patient);
  const gchar *phone = pt_bson_get_string (patient, "phone");
  bson_iter_t iter;

  if (bson_iter_init_find (&iter, patient, "dateOfBirth") && BSON_ITER_HOLDS_DATE_TIME (&iter))
    {
      g_autofree gchar *dob = pt_ui_format_date (bson_iter_date_time (&iter));
      g_string_append_printf (s, _("born %s"), dob);
    }
  if (phone && *phone)
    g_string_append_printf (s, "%s%s", s->len ? " · " : "", phone);
  if (*allergies)
    g_string_append_printf (s, _("%sallergies: %s"), s->len ? " · " : "", allergies);
  return g_string_free (g_steal_pointer (&s), FALSE);
}

guint
pt_patient_fill_results (GtkListBox  *list,
                         PtStore     *store,
                         const gchar *query,
                         guint        limit)
{
  g_autoptr(GPtrArray) ids = NULL;
  g_autoptr(GError) error = NULL;
  GtkWidget *child;
  guint n = 0;

  while ((child = gtk_widget_get_first_child (GTK_WIDGET (list))) != NULL)
    gtk_list_box_remove (list, child);
  if (store == NULL)
    return 0;
  ids = pt_store_search_patients (store, query, limit, &error);
  if (ids == NULL)
    {
      g_debug ("Patient search failed: %s", error->message);
      return 0;
    }
  for (guint i = 0; i < ids->len; i++)
    {
      g_autoptr(bson_t) doc = pt_store_get (store, "patients", ids->pdata[i], NULL);
      g_autofree gchar *name = NULL;
      g_autofree gchar *desc = NULL;
      GtkWidget *row;

      if (doc == NULL)
        continue;
      name = pt_patient_display_name (doc);
      desc = pt_patient_describe (doc);
      row = adw_action_row_new ();
      adw_preferences_row_set_use_markup (ADW_PREFERENCES_ROW (row), FALSE);
      adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), name);
      adw_action_row_set_subtitle (ADW_ACTION_ROW (row), desc);
      gtk_list_box_row_set_activatable (GTK_LIST_BOX_ROW (row), TRUE);
      gtk_accessible_update_property (GTK_ACCESSIBLE (row), GTK_ACCESSIBLE_PROPERTY_LABEL, name, -1);
      g_object_set_data_full (G_OBJECT (row), "patient-id", g_strdup (ids->pdata[i]), g_free);
      gtk_list_box_append (list, row);
      n++;
    }
  return n;
}

/* ---- Profile ------------------------------------------------------------- */

static void
clear_box (GtkWidget *box)
{
  GtkWidget *child;

  while ((child = gtk_widget_get_first_child (box)) != NULL)
    {
      if (GTK_IS_LIST_BOX (box))
        gtk_list_box_remove (GTK_LIST_BOX (box), child);
      else
        gtk_box_remove (GTK_BOX (box), child);
    }
}

static void
add_field (GtkWidget   *group,
           const gchar *title,
           const gchar *value)
{
  GtkWidget *row = adw_action_row_new ();
  GtkWidget *label = gtk_label_new (value && *value ? value : "—");

  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), title);
  gtk_label_set_wrap (GTK_LABEL (label), TRUE);
  gtk_label_set_xalign (GTK_LABEL (label), 1);
  gtk_label_set_selectable (GTK_LABEL (label), TRUE);
  gtk_widget_set_hexpand (label, TRUE);
  gtk_accessible_update_property (GTK_ACCESSIBLE (label), GTK_ACCESSIBLE_PROPERTY_LABEL, title, -1);
  adw_action_row_add_suffix (ADW_ACTION_ROW (row), label);
  adw_preferences_group_add (ADW_PREFERENCES_GROUP (group), row);
}

static GtkWidget *
new_group (PtPatientsPage *self,
           const gchar    *title)
{
  GtkWidget *group = adw_preferences_group_new ();

  adw_preferences_group_set_title (ADW_PREFERENCES_GROUP (group), title);
  gtk_box_append (self->profile_box, group);
  return group;
}

static void
show_profile (PtPatientsPage *self)
{
  g_autoptr(bson_t) p = NULL;
  g_autoptr(GPtrArray) history = NULL;
  g_autofree gchar *name = NULL;
  g_autofree gchar *dob = NULL;
  g_autofree gchar *allergies = NULL;
  g_autofree gchar *address = NULL;
  g_autoptr(GString) conditions = g_string_new (NULL);
  GtkWidget *group;
  bson_iter_t iter, child;

  clear_box (GTK_WIDGET (self->profile_box));
  clear_box (GTK_WIDGET (self->history));
  if (self->store == NULL || self->selected_id == NULL
      || (p = pt_store_get (self->store, "patients", self->selected_id, NULL)) == NULL)
    {
      gtk_stack_set_visible_child_name (self->profile_stack, "empty");
      gtk_widget_set_sensitive (GTK_WIDGET (self->edit_button), FALSE);
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
  address = g_strjoin (", ", pt_bson_get_string (p, "address.line1") ?: "",
                       pt_bson_get_string (p, "address.city") ?: "",
                       pt_bson_get_string (p, "address.postcode") ?: "", NULL);
  if (g_str_equal (address, ", , "))
    g_clear_pointer (&address, g_free);
  if (bson_iter_init_find (&iter, p, "conditions") && bson_iter_recurse (&iter, &child))
    while (bson_iter_next (&child))
      if (BSON_ITER_HOLDS_UTF8 (&child))
        g_string_append_printf (conditions, "%s%s", conditions->len ? ", " : "",
                                bson_iter_utf8 (&child, NULL));

  group = new_group (self, _("Contact"));
  add_field (group, _("Date of birth"), dob);
  add_field (group, _("Phone"), pt_bson_get_string (p, "phone"));
  add_field (group, _("E-mail"), pt_bson_get_string (p, "email"));
  add_field (group, _("Address"), address);
  group = new_group (self, _("Clinical"));
  add_field (group, _("Allergies"), *allergies ? allergies : _("None known"));
  add_field (group, _("Conditions"), conditions->str);
  group = new_group (self, _("Insurance and notes"));
  add_field (group, _("Insurance provider"), pt_bson_get_string (p, "insurance.provider"));
  add_field (group, _("Member number"), pt_bson_get_string (p, "insurance.memberId"));
  add_field (group, _("Notes"), pt_bson_get_string (p, "notes"));

  history = pt_store_counter_patient_history (self->store, self->selected_id, NULL);
  for (guint i = 0; history && i < history->len; i++)
    {
      PtRxRow *rx = history->pdata[i];
      g_autofree gchar *date = pt_ui_format_date (rx->created_at);
      g_autofree gchar *title = g_strdup_printf ("%s · %s · %s", rx->number, date,
                                                 pt_rx_status_get_label (rx->status));
      GtkWidget *row = adw_action_row_new ();

      adw_preferences_row_set_use_markup (ADW_PREFERENCES_ROW (row), FALSE);
      adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), title);
      adw_action_row_set_subtitle (ADW_ACTION_ROW (row), rx->summary);
      gtk_list_box_append (self->history, row);
    }
  if (history == NULL || history->len == 0)
    {
      GtkWidget *row = adw_action_row_new ();
      adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), _("No prescriptions yet"));
      gtk_list_box_append (self->history, row);
    }
}

/* ---- Search -------------------------------------------------------------- */

static void
search_changed_cb (PtPatientsPage *self)
{
  const gchar *q = gtk_editable_get_text (GTK_EDITABLE (self->search_entry));
  guint n = pt_patient_fill_results (self->results, self->store, q, 50);
  g_autofree gchar *text = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%u patient",
                                                         "%u patients", n), n);

  gtk_label_set_label (self->count_label, text);
  if (n > 0)
    gtk_list_box_select_row (self->results, gtk_list_box_get_row_at_index (self->results, 0));
}

static void
row_selected_cb (PtPatientsPage *self,
                 GtkListBoxRow  *row)
{
  g_free (self->selected_id);
  self->selected_id = row ? g_strdup (g_object_get_data (G_OBJECT (row), "patient-id")) : NULL;
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

  g_free (self->selected_id);
  self->selected_id = g_strdup (id);
  search_changed_cb (self);
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

/* ---- Public -------------------------------------------------------------- */

void
pt_patients_page_set_store (PtPatientsPage *self,
                            PtStore        *store)
{
  g_return_if_fail (PT_IS_PATIENTS_PAGE (self));

  g_set_object (&self->store, store);
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
  search_changed_cb (self);
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
  GtkWidget *child;

  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self))) != NULL)
    gtk_widget_unparent (child);
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
  gtk_widget_class_install_action (widget_class, "patients.new", NULL, new_action);
  gtk_widget_class_install_action (widget_class, "patients.edit", NULL, edit_action);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_n, GDK_CONTROL_MASK | GDK_SHIFT_MASK,
                                       "patients.new", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_e, GDK_CONTROL_MASK, "patients.edit", NULL);
}

static GtkWidget *
scrolled (GtkWidget *child)
{
  GtkWidget *sw = gtk_scrolled_window_new ();

  gtk_scrolled_window_set_policy (GTK_SCROLLED_WINDOW (sw), GTK_POLICY_NEVER, GTK_POLICY_AUTOMATIC);
  gtk_scrolled_window_set_child (GTK_SCROLLED_WINDOW (sw), child);
  gtk_widget_set_vexpand (sw, TRUE);
  return sw;
}

static void
pt_patients_page_init (PtPatientsPage *self)
{
  GtkWidget *paned, *left, *bar, *right, *header, *status, *profile, *clamp, *hist_group;

  paned = gtk_paned_new (GTK_ORIENTATION_HORIZONTAL);
  gtk_paned_set_position (GTK_PANED (paned), 420);
  gtk_paned_set_shrink_start_child (GTK_PANED (paned), FALSE);
  gtk_widget_set_parent (paned, GTK_WIDGET (self));

  left = gtk_box_new (GTK_ORIENTATION_VERTICAL, 6);
  gtk_widget_set_margin_start (left, 12);
  gtk_widget_set_margin_end (left, 12);
  gtk_widget_set_margin_top (left, 12);
  bar = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 6);
  self->search_entry = GTK_SEARCH_ENTRY (gtk_search_entry_new ());
  gtk_widget_set_hexpand (GTK_WIDGET (self->search_entry), TRUE);
  g_object_set (self->search_entry, "placeholder-text", _("Name, phone or date of birth"), NULL);
  gtk_accessible_update_property (GTK_ACCESSIBLE (self->search_entry),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL, _("Search patients"), -1);
  g_signal_connect_swapped (self->search_entry, "search-changed", G_CALLBACK (search_changed_cb), self);
  g_signal_connect_swapped (self->search_entry, "activate", G_CALLBACK (search_activate_cb), self);
  gtk_box_append (GTK_BOX (bar), GTK_WIDGET (self->search_entry));
  self->new_button = GTK_BUTTON (gtk_button_new_with_mnemonic (_("_New Patient")));
  gtk_actionable_set_action_name (GTK_ACTIONABLE (self->new_button), "patients.new");
  gtk_widget_set_tooltip_text (GTK_WIDGET (self->new_button), _("New patient (Ctrl+Shift+N)"));
  gtk_box_append (GTK_BOX (bar), GTK_WIDGET (self->new_button));
  gtk_box_append (GTK_BOX (left), bar);
  self->count_label = GTK_LABEL (gtk_label_new (NULL));
  gtk_label_set_xalign (self->count_label, 0);
  gtk_widget_add_css_class (GTK_WIDGET (self->count_label), "dim-label");
  gtk_box_append (GTK_BOX (left), GTK_WIDGET (self->count_label));
  self->results = GTK_LIST_BOX (gtk_list_box_new ());
  gtk_widget_add_css_class (GTK_WIDGET (self->results), "boxed-list");
  gtk_widget_set_valign (GTK_WIDGET (self->results), GTK_ALIGN_START);
  gtk_widget_set_margin_bottom (GTK_WIDGET (self->results), 12);
  gtk_accessible_update_property (GTK_ACCESSIBLE (self->results), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  _("Patients"), -1);
  g_signal_connect_swapped (self->results, "row-selected", G_CALLBACK (row_selected_cb), self);
  gtk_box_append (GTK_BOX (left), scrolled (GTK_WIDGET (self->results)));
  gtk_paned_set_start_child (GTK_PANED (paned), left);

  right = gtk_box_new (GTK_ORIENTATION_VERTICAL, 0);
  header = adw_header_bar_new ();
  gtk_widget_add_css_class (header, "flat");
  adw_header_bar_set_show_end_title_buttons (ADW_HEADER_BAR (header), FALSE);
  adw_header_bar_set_show_start_title_buttons (ADW_HEADER_BAR (header), FALSE);
  self->profile_title = ADW_WINDOW_TITLE (adw_window_title_new (_("Patient"), NULL));
  adw_header_bar_set_title_widget (ADW_HEADER_BAR (header), GTK_WIDGET (self->profile_title));
  self->edit_button = GTK_BUTTON (gtk_button_new_with_mnemonic (_("_Edit")));
  gtk_actionable_set_action_name (GTK_ACTIONABLE (self->edit_button), "patients.edit");
  adw_header_bar_pack_end (ADW_HEADER_BAR (header), GTK_WIDGET (self->edit_button));
  gtk_box_append (GTK_BOX (right), header);

  self->profile_stack = GTK_STACK (gtk_stack_new ());
  gtk_widget_set_vexpand (GTK_WIDGET (self->profile_stack), TRUE);
  status = adw_status_page_new ();
  adw_status_page_set_icon_name (ADW_STATUS_PAGE (status), "system-users-symbolic");
  adw_status_page_set_title (ADW_STATUS_PAGE (status), _("No Patient Selected"));
  adw_status_page_set_description (ADW_STATUS_PAGE (status),
                                   _("Search by name, phone or date of birth (YYYY-MM-DD), or add a new patient with Ctrl+Shift+N."));
  gtk_stack_add_named (self->profile_stack, status, "empty");

  profile = gtk_box_new (GTK_ORIENTATION_VERTICAL, 18);
  gtk_widget_set_margin_start (profile, 12);
  gtk_widget_set_margin_end (profile, 12);
  gtk_widget_set_margin_top (profile, 12);
  gtk_widget_set_margin_bottom (profile, 12);
  self->profile_box = GTK_BOX (gtk_box_new (GTK_ORIENTATION_VERTICAL, 18));
  gtk_box_append (GTK_BOX (profile), GTK_WIDGET (self->profile_box));
  hist_group = adw_preferences_group_new ();
  adw_preferences_group_set_title (ADW_PREFERENCES_GROUP (hist_group), _("Prescription history"));
  self->history = GTK_LIST_BOX (gtk_list_box_new ());
  gtk_list_box_set_selection_mode (self->history, GTK_SELECTION_NONE);
  gtk_widget_add_css_class (GTK_WIDGET (self->history), "boxed-list");
  gtk_accessible_update_property (GTK_ACCESSIBLE (self->history), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  _("Prescription history"), -1);
  adw_preferences_group_add (ADW_PREFERENCES_GROUP (hist_group), GTK_WIDGET (self->history));
  gtk_box_append (GTK_BOX (profile), hist_group);
  clamp = adw_clamp_new ();
  adw_clamp_set_maximum_size (ADW_CLAMP (clamp), 760);
  adw_clamp_set_child (ADW_CLAMP (clamp), profile);
  gtk_stack_add_named (self->profile_stack, scrolled (clamp), "profile");
  gtk_box_append (GTK_BOX (right), GTK_WIDGET (self->profile_stack));
  gtk_paned_set_end_child (GTK_PANED (paned), right);
}
