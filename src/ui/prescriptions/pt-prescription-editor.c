/* pt-prescription-editor.c: the new-prescription flow. */
#define G_LOG_DOMAIN "pt-ui"
#include "config.h"

#include <inttypes.h>

#include <glib/gi18n-lib.h>

#include "pt-patient-editor.h"
#include "pt-patients-page.h"
#include "pt-prescription-editor.h"
#include "pt-store-counter.h"
#include "pt-ui-util.h"

typedef struct
{
  gchar      *medicine_id;
  gchar      *label;
  gchar      *dose;
  gchar      *instructions;
  PtQuantity  quantity;
  gint        refills;
} Item;

struct _PtPrescriptionEditor
{
  AdwWindow       parent_instance;

  PtStore        *store;
  gchar          *pharmacy_id;
  gchar          *patient_id;
  gchar          *medicine_id;     /* chosen for the item being typed */
  gchar          *medicine_label;
  GPtrArray      *items;           /* Item * */
  gboolean        setting_text;    /* our own set_text: not a new search */

  GtkLabel       *error_label;
  GtkSearchEntry *patient_entry;
  GtkListBox     *patient_results;
  GtkWidget      *patient_row;      /* the chosen patient */
  GtkEntry       *prescriber_entry;
  GtkEntry       *licence_entry;
  GtkListBox     *item_list;
  GtkSearchEntry *medicine_entry;
  GtkListBox     *medicine_results;
  GtkWidget      *medicine_row;     /* the chosen medicine */
  GtkEntry       *quantity_entry;
  GtkEntry       *instructions_entry;
  GtkEntry       *dose_entry;
  GtkSpinButton  *refills_spin;
  GtkEntry       *notes_entry;
};

G_DEFINE_FINAL_TYPE (PtPrescriptionEditor, pt_prescription_editor, ADW_TYPE_WINDOW)

enum { SAVED, N_SIGNALS };
static guint signals[N_SIGNALS];

static void
item_free (Item *item)
{
  g_free (item->medicine_id);
  g_free (item->label);
  g_free (item->dose);
  g_free (item->instructions);
  g_free (item);
}

static void
set_accessible_label (GtkWidget   *widget,
                      const gchar *label)
{
  gtk_accessible_update_property (GTK_ACCESSIBLE (widget), GTK_ACCESSIBLE_PROPERTY_LABEL, label, -1);
}

static void
show_error (PtPrescriptionEditor *self,
            const gchar          *text)
{
  gtk_label_set_label (self->error_label, text ? text : "");
  gtk_widget_set_visible (GTK_WIDGET (self->error_label), text != NULL);
}

static void
clear_list (GtkListBox *list)
{
  GtkWidget *child;

  while ((child = gtk_widget_get_first_child (GTK_WIDGET (list))) != NULL)
    gtk_list_box_remove (list, child);
}

static gchar *
entry_text (GtkEntry *entry)
{
  return g_strstrip (g_strdup (gtk_editable_get_text (GTK_EDITABLE (entry))));
}

/* ---- Patient ------------------------------------------------------------- */

static void
set_patient (PtPrescriptionEditor *self,
             const gchar          *id_in)
{
  g_autofree gchar *id = g_strdup (id_in);
  g_autoptr(bson_t) p = id ? pt_store_get (self->store, "patients", id, NULL) : NULL;
  g_autofree gchar *name = NULL;
  g_autofree gchar *desc = NULL;

  g_free (self->patient_id);
  self->patient_id = p ? g_strdup (id) : NULL;
  gtk_widget_set_visible (self->patient_row, p != NULL);
  gtk_widget_set_visible (GTK_WIDGET (self->patient_results), p == NULL);
  if (p == NULL)
    return;
  name = pt_patient_display_name (p);
  desc = pt_patient_describe (p);
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (self->patient_row), name);
  adw_action_row_set_subtitle (ADW_ACTION_ROW (self->patient_row), desc);
  gtk_accessible_update_property (GTK_ACCESSIBLE (self->patient_row), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  name, -1);
  self->setting_text = TRUE;
  gtk_editable_set_text (GTK_EDITABLE (self->patient_entry), name);
  self->setting_text = FALSE;
  show_error (self, NULL);
  gtk_widget_grab_focus (GTK_WIDGET (self->medicine_entry));
}

static void
patient_search_cb (PtPrescriptionEditor *self)
{
  const gchar *q = gtk_editable_get_text (GTK_EDITABLE (self->patient_entry));

  if (self->setting_text)
    return;
  if (self->patient_id != NULL)
    {
      /* Typing again after a choice starts a new search. */
      g_clear_pointer (&self->patient_id, g_free);
      gtk_widget_set_visible (self->patient_row, FALSE);
      gtk_widget_set_visible (GTK_WIDGET (self->patient_results), TRUE);
    }
  if (*q == '\0')
    {
      clear_list (self->patient_results);
      return;
    }
  pt_patient_fill_results (self->patient_results, self->store, q, 5);
}

static void
patient_saved_cb (PtPrescriptionEditor *self,
                  const gchar          *id)
{
  set_patient (self, id);
}

static void
create_patient (PtPrescriptionEditor *self)
{
  PtPatientEditor *editor;

  if (!pt_store_can (self->store, PT_PERM_EDIT_PATIENTS))
    {
      show_error (self, _("No patient matches, and your role may not add patients; ask a pharmacist or technician."));
      return;
    }
  editor = pt_patient_editor_new (GTK_WINDOW (self), self->store, NULL,
                                  gtk_editable_get_text (GTK_EDITABLE (self->patient_entry)));
  g_signal_connect_object (editor, "saved", G_CALLBACK (patient_saved_cb), self, G_CONNECT_SWAPPED);
  gtk_window_present (GTK_WINDOW (editor));
}

static void
patient_activate_cb (PtPrescriptionEditor *self)
{
  GtkListBoxRow *row;

  if (self->patient_id != NULL)
    {
      gtk_widget_grab_focus (GTK_WIDGET (self->medicine_entry));
      return;
    }
  if (gtk_list_box_get_row_at_index (self->patient_results, 0) == NULL)
    patient_search_cb (self);
  row = gtk_list_box_get_row_at_index (self->patient_results, 0);
  if (row != NULL)
    set_patient (self, g_object_get_data (G_OBJECT (row), "patient-id"));
  else if (*gtk_editable_get_text (GTK_EDITABLE (self->patient_entry)) != '\0')
    create_patient (self);
}

static void
patient_row_activated_cb (PtPrescriptionEditor *self,
                          GtkListBoxRow        *row)
{
  set_patient (self, g_object_get_data (G_OBJECT (row), "patient-id"));
}

/* ---- Medicine ------------------------------------------------------------ */

static void
set_medicine (PtPrescriptionEditor *self,
              const gchar          *id_in,
              const gchar          *label_in,
              const gchar          *subtitle_in)
{
  /* Copies first: the arguments may belong to a result row that the
   * search below replaces. */
  g_autofree gchar *id = g_strdup (id_in);
  g_autofree gchar *label = g_strdup (label_in);
  g_autofree gchar *subtitle = g_strdup (subtitle_in);

  g_free (self->medicine_id);
  self->medicine_id = g_strdup (id);
  g_free (self->medicine_label);
  self->medicine_label = g_strdup (label);
  gtk_widget_set_visible (self->medicine_row, id != NULL);
  gtk_widget_set_visible (GTK_WIDGET (self->medicine_results), id == NULL);
  if (id == NULL)
    return;
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (self->medicine_row), label);
  adw_action_row_set_subtitle (ADW_ACTION_ROW (self->medicine_row), subtitle);
  gtk_accessible_update_property (GTK_ACCESSIBLE (self->medicine_row), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  label, -1);
  self->setting_text = TRUE;
  gtk_editable_set_text (GTK_EDITABLE (self->medicine_entry), label);
  self->setting_text = FALSE;
  gtk_widget_grab_focus (GTK_WIDGET (self->quantity_entry));
}

static void
medicine_search_cb (PtPrescriptionEditor *self)
{
  const gchar *q = gtk_editable_get_text (GTK_EDITABLE (self->medicine_entry));
  g_autoptr(GPtrArray) rows = NULL;
  g_autoptr(GError) error = NULL;
  const gchar *currency = pt_store_get_currency (self->store);
  PtTime now = pt_time_now ();

  if (self->setting_text)
    return;
  if (self->medicine_id != NULL)
    set_medicine (self, NULL, NULL, NULL);
  clear_list (self->medicine_results);
  if (*q == '\0')
    return;
  rows = pt_store_medicine_rows (self->store, q, self->pharmacy_id, PT_MEDICINE_SORT_NAME, FALSE,
                                 0, 6, &error);
  if (rows == NULL)
    {
      g_debug ("Medicine search failed: %s", error->message);
      return;
    }
  for (guint i = 0; i < rows->len; i++)
    {
      PtMedicineRow *m = rows->pdata[i];
      g_autofree gchar *title = g_strdup_printf ("%s %s %s", m->name, m->strength ? m->strength : "",
                                                 m->form ? m->form : "");
      g_autofree gchar *expiry = m->nearest_expiry ? pt_ui_format_date (m->nearest_expiry)
                                                   : g_strdup (_("none in stock"));
      g_autofree gchar *price = pt_money_format (m->price, currency);
      g_autofree gchar *sub = NULL;
      GtkWidget *row = adw_action_row_new ();

      /* Translators: medicine search result: "Stock 120 · nearest expiry 12 Mar 2027 · €2.50" */
      sub = g_strdup_printf (_("Stock %" PRId64 " · nearest expiry %s%s · %s"), m->stock,
                             expiry,
                             m->nearest_expiry && m->nearest_expiry - now < 30 * PT_MS_PER_DAY
                             ? _(" (short-dated)") : "",
                             price);
      g_strstrip (title);
      adw_preferences_row_set_use_markup (ADW_PREFERENCES_ROW (row), FALSE);
      adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), title);
      adw_action_row_set_subtitle (ADW_ACTION_ROW (row), sub);
      gtk_list_box_row_set_activatable (GTK_LIST_BOX_ROW (row), TRUE);
      set_accessible_label (row, title);
      g_object_set_data_full (G_OBJECT (row), "medicine-id", g_strdup (m->id), g_free);
      g_object_set_data_full (G_OBJECT (row), "label", g_strdup (title), g_free);
      g_object_set_data_full (G_OBJECT (row), "subtitle", g_strdup (sub), g_free);
      gtk_list_box_append (self->medicine_results, row);
    }
}

static void
choose_medicine_row (PtPrescriptionEditor *self,
                     GtkListBoxRow        *row)
{
  set_medicine (self, g_object_get_data (G_OBJECT (row), "medicine-id"),
                g_object_get_data (G_OBJECT (row), "label"),
                g_object_get_data (G_OBJECT (row), "subtitle"));
}

static void
medicine_activate_cb (PtPrescriptionEditor *self)
{
  GtkListBoxRow *row;

  if (self->medicine_id != NULL)
    {
      gtk_widget_grab_focus (GTK_WIDGET (self->quantity_entry));
      return;
    }
  if (gtk_list_box_get_row_at_index (self->medicine_results, 0) == NULL)
    medicine_search_cb (self);
  row = gtk_list_box_get_row_at_index (self->medicine_results, 0);
  if (row != NULL)
    choose_medicine_row (self, row);
  else
    show_error (self, _("No medicine matches; try the generic name or the code."));
}

/* ---- Items --------------------------------------------------------------- */

static void remove_item_cb (GtkButton *button, PtPrescriptionEditor *self);

static void
rebuild_items (PtPrescriptionEditor *self)
{
  clear_list (self->item_list);
  for (guint i = 0; i < self->items->len; i++)
    {
      Item *item = self->items->pdata[i];
      g_autofree gchar *title = g_strdup_printf ("%s × %" G_GINT64_FORMAT, item->label, item->quantity);
      g_autofree gchar *sub = NULL;
      g_autofree gchar *remove_label = g_strdup_printf (_("Remove %s"), item->label);
      GtkWidget *row = adw_action_row_new ();
      GtkWidget *remove = gtk_button_new_from_icon_name ("user-trash-symbolic");

      sub = g_strdup_printf (_("%s%s%s · refills: %d"), item->dose ? item->dose : "",
                             item->dose && *item->dose ? " — " : "",
                             item->instructions ? item->instructions : "", item->refills);
      adw_preferences_row_set_use_markup (ADW_PREFERENCES_ROW (row), FALSE);
      adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), title);
      adw_action_row_set_subtitle (ADW_ACTION_ROW (row), sub);
      set_accessible_label (row, title);
      gtk_widget_add_css_class (remove, "flat");
      gtk_widget_set_valign (remove, GTK_ALIGN_CENTER);
      gtk_widget_set_tooltip_text (remove, remove_label);
      set_accessible_label (remove, remove_label);
      g_object_set_data (G_OBJECT (remove), "index", GUINT_TO_POINTER (i));
      g_signal_connect (remove, "clicked", G_CALLBACK (remove_item_cb), self);
      adw_action_row_add_suffix (ADW_ACTION_ROW (row), remove);
      gtk_list_box_append (self->item_list, row);
    }
  gtk_widget_set_visible (GTK_WIDGET (self->item_list), self->items->len > 0);
}

static void
remove_item_cb (GtkButton            *button,
                PtPrescriptionEditor *self)
{
  guint index = GPOINTER_TO_UINT (g_object_get_data (G_OBJECT (button), "index"));

  if (index < self->items->len)
    g_ptr_array_remove_index (self->items, index);
  rebuild_items (self);
  gtk_widget_grab_focus (GTK_WIDGET (self->medicine_entry));
}

static gboolean
pending_item_is_empty (PtPrescriptionEditor *self)
{
  g_autofree gchar *q = entry_text (self->quantity_entry);
  g_autofree gchar *ins = entry_text (self->instructions_entry);

  return self->medicine_id == NULL && *q == '\0' && *ins == '\0';
}

/* Adds the item being typed; FALSE (with a message) when it is not
 * complete. */
static gboolean
add_pending_item (PtPrescriptionEditor *self)
{
  g_autofree gchar *qty = entry_text (self->quantity_entry);
  g_autofree gchar *instructions = entry_text (self->instructions_entry);
  g_autofree gchar *dose = entry_text (self->dose_entry);
  gchar *end = NULL;
  gint64 quantity;
  Item *item;

  if (self->medicine_id == NULL)
    {
      show_error (self, _("Search for the medicine and press Enter to choose it."));
      gtk_widget_grab_focus (GTK_WIDGET (self->medicine_entry));
      return FALSE;
    }
  quantity = g_ascii_strtoll (qty, &end, 10);
  if (*qty == '\0' || end == NULL || *end != '\0' || quantity <= 0)
    {
      show_error (self, _("Type the quantity to dispense as a whole number, e.g. 21."));
      gtk_widget_grab_focus (GTK_WIDGET (self->quantity_entry));
      return FALSE;
    }
  if (*instructions == '\0')
    {
      show_error (self, _("Type the instructions for the label, e.g. “Take one three times a day”."));
      gtk_widget_grab_focus (GTK_WIDGET (self->instructions_entry));
      return FALSE;
    }
  item = g_new0 (Item, 1);
  item->medicine_id = g_strdup (self->medicine_id);
  item->label = g_strdup (self->medicine_label);
  item->quantity = quantity;
  item->instructions = g_steal_pointer (&instructions);
  item->dose = *dose ? g_steal_pointer (&dose) : NULL;
  item->refills = gtk_spin_button_get_value_as_int (self->refills_spin);
  g_ptr_array_add (self->items, item);
  rebuild_items (self);

  set_medicine (self, NULL, NULL, NULL);
  self->setting_text = TRUE;
  gtk_editable_set_text (GTK_EDITABLE (self->medicine_entry), "");
  self->setting_text = FALSE;
  clear_list (self->medicine_results);
  gtk_editable_set_text (GTK_EDITABLE (self->quantity_entry), "");
  gtk_editable_set_text (GTK_EDITABLE (self->instructions_entry), "");
  gtk_editable_set_text (GTK_EDITABLE (self->dose_entry), "");
  gtk_spin_button_set_value (self->refills_spin, 0);
  show_error (self, NULL);
  gtk_widget_grab_focus (GTK_WIDGET (self->medicine_entry));
  return TRUE;
}

static void
add_item_cb (PtPrescriptionEditor *self)
{
  add_pending_item (self);
}

static void
quantity_activate_cb (PtPrescriptionEditor *self)
{
  gtk_widget_grab_focus (GTK_WIDGET (self->instructions_entry));
}

/* ---- Saving -------------------------------------------------------------- */

static void
save (PtPrescriptionEditor *self,
      gboolean              dispense)
{
  g_autoptr(GError) error = NULL;
  g_autofree gchar *prescriber = entry_text (self->prescriber_entry);
  g_autofree gchar *licence = entry_text (self->licence_entry);
  g_autofree gchar *notes = entry_text (self->notes_entry);
  g_autofree gchar *number = NULL;
  g_autofree gchar *id = NULL;
  g_autofree PtRxItemSpec *specs = NULL;
  PtRxSpec spec = { 0, };

  if (self->patient_id == NULL)
    {
      show_error (self, _("Choose the patient first: type a name, phone or date of birth and press Enter."));
      gtk_widget_grab_focus (GTK_WIDGET (self->patient_entry));
      return;
    }
  if (!pending_item_is_empty (self) && !add_pending_item (self))
    return;
  if (self->items->len == 0)
    {
      show_error (self, _("Add at least one medicine."));
      gtk_widget_grab_focus (GTK_WIDGET (self->medicine_entry));
      return;
    }
  specs = g_new0 (PtRxItemSpec, self->items->len);
  for (guint i = 0; i < self->items->len; i++)
    {
      Item *item = self->items->pdata[i];
      specs[i].medicine_id = item->medicine_id;
      specs[i].dose = item->dose;
      specs[i].quantity = item->quantity;
      specs[i].instructions = item->instructions;
      specs[i].refills = item->refills;
    }
  spec.patient_id = self->patient_id;
  spec.prescriber_name = prescriber;
  spec.prescriber_licence = licence;
  spec.notes = notes;
  spec.pharmacy_id = self->pharmacy_id;
  spec.items = specs;
  spec.n_items = self->items->len;
  id = pt_store_counter_create_prescription (self->store, &spec, &number, &error);
  if (id == NULL)
    {
      g_autofree gchar *text = pt_ui_error_sentence (error);
      show_error (self, text);
      return;
    }
  g_signal_emit (self, signals[SAVED], 0, id, dispense);
  gtk_window_destroy (GTK_WINDOW (self));
}

static void
save_action (GtkWidget   *widget,
             const gchar *action,
             GVariant    *param)
{
  save (PT_PRESCRIPTION_EDITOR (widget), FALSE);
}

static void
save_dispense_action (GtkWidget   *widget,
                      const gchar *action,
                      GVariant    *param)
{
  save (PT_PRESCRIPTION_EDITOR (widget), TRUE);
}

static void
instructions_activate_cb (PtPrescriptionEditor *self)
{
  add_pending_item (self);
}

/* ---- GObject ------------------------------------------------------------- */

static void
pt_prescription_editor_dispose (GObject *object)
{
  PtPrescriptionEditor *self = PT_PRESCRIPTION_EDITOR (object);

  g_clear_object (&self->store);
  g_clear_pointer (&self->items, g_ptr_array_unref);
  G_OBJECT_CLASS (pt_prescription_editor_parent_class)->dispose (object);
}

static void
pt_prescription_editor_finalize (GObject *object)
{
  PtPrescriptionEditor *self = PT_PRESCRIPTION_EDITOR (object);

  g_free (self->pharmacy_id);
  g_free (self->patient_id);
  g_free (self->medicine_id);
  g_free (self->medicine_label);
  G_OBJECT_CLASS (pt_prescription_editor_parent_class)->finalize (object);
}

static void
pt_prescription_editor_class_init (PtPrescriptionEditorClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = pt_prescription_editor_dispose;
  object_class->finalize = pt_prescription_editor_finalize;
  signals[SAVED] = g_signal_new ("saved", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL,
                                 NULL, NULL, G_TYPE_NONE, 2, G_TYPE_STRING, G_TYPE_BOOLEAN);
  gtk_widget_class_install_action (widget_class, "rx.save", NULL, save_action);
  gtk_widget_class_install_action (widget_class, "rx.save-dispense", NULL, save_dispense_action);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_s, GDK_CONTROL_MASK, "rx.save", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Return, GDK_CONTROL_MASK,
                                       "rx.save-dispense", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_KP_Enter, GDK_CONTROL_MASK,
                                       "rx.save-dispense", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Escape, 0, "window.close", NULL);
}

static GtkWidget *
group_new (GtkWidget   *content,
           const gchar *title,
           const gchar *description)
{
  GtkWidget *group = adw_preferences_group_new ();

  adw_preferences_group_set_title (ADW_PREFERENCES_GROUP (group), title);
  if (description)
    adw_preferences_group_set_description (ADW_PREFERENCES_GROUP (group), description);
  gtk_box_append (GTK_BOX (content), group);
  return group;
}

static GtkEntry *
entry_row (GtkWidget   *group,
           const gchar *title,
           const gchar *placeholder)
{
  GtkWidget *row = adw_action_row_new ();
  GtkWidget *entry = gtk_entry_new ();

  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), title);
  gtk_widget_set_hexpand (entry, TRUE);
  gtk_widget_set_valign (entry, GTK_ALIGN_CENTER);
  gtk_widget_set_size_request (entry, 360, -1);
  if (placeholder)
    gtk_entry_set_placeholder_text (GTK_ENTRY (entry), placeholder);
  set_accessible_label (entry, title);
  adw_action_row_add_suffix (ADW_ACTION_ROW (row), entry);
  adw_action_row_set_activatable_widget (ADW_ACTION_ROW (row), entry);
  adw_preferences_group_add (ADW_PREFERENCES_GROUP (group), row);
  return GTK_ENTRY (entry);
}

static GtkListBox *
results_list (GtkWidget   *group,
              const gchar *label)
{
  GtkWidget *list = gtk_list_box_new ();

  gtk_widget_add_css_class (list, "boxed-list");
  gtk_widget_set_margin_top (list, 6);
  set_accessible_label (list, label);
  adw_preferences_group_add (ADW_PREFERENCES_GROUP (group), list);
  return GTK_LIST_BOX (list);
}

static void
pt_prescription_editor_init (PtPrescriptionEditor *self)
{
  GtkWidget *box, *header, *cancel, *save_button, *dispense_button, *scroller, *clamp, *content;
  GtkWidget *group, *row, *add, *spin;

  self->items = g_ptr_array_new_with_free_func ((GDestroyNotify) item_free);
  gtk_window_set_title (GTK_WINDOW (self), _("New Prescription"));
  gtk_window_set_default_size (GTK_WINDOW (self), 860, 760);
  gtk_window_set_modal (GTK_WINDOW (self), TRUE);

  box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 0);
  header = adw_header_bar_new ();
  adw_header_bar_set_show_end_title_buttons (ADW_HEADER_BAR (header), FALSE);
  cancel = gtk_button_new_with_mnemonic (_("_Cancel"));
  gtk_actionable_set_action_name (GTK_ACTIONABLE (cancel), "window.close");
  adw_header_bar_pack_start (ADW_HEADER_BAR (header), cancel);
  dispense_button = gtk_button_new_with_mnemonic (_("Save and _Dispense"));
  gtk_widget_add_css_class (dispense_button, "suggested-action");
  gtk_widget_set_tooltip_text (dispense_button, _("Save and dispense (Ctrl+Enter)"));
  gtk_actionable_set_action_name (GTK_ACTIONABLE (dispense_button), "rx.save-dispense");
  adw_header_bar_pack_end (ADW_HEADER_BAR (header), dispense_button);
  save_button = gtk_button_new_with_mnemonic (_("_Save to Queue"));
  gtk_widget_set_tooltip_text (save_button, _("Save to the counter queue (Ctrl+S)"));
  gtk_actionable_set_action_name (GTK_ACTIONABLE (save_button), "rx.save");
  adw_header_bar_pack_end (ADW_HEADER_BAR (header), save_button);
  gtk_box_append (GTK_BOX (box), header);

  scroller = gtk_scrolled_window_new ();
  gtk_widget_set_vexpand (scroller, TRUE);
  gtk_scrolled_window_set_policy (GTK_SCROLLED_WINDOW (scroller), GTK_POLICY_NEVER, GTK_POLICY_AUTOMATIC);
  clamp = adw_clamp_new ();
  adw_clamp_set_maximum_size (ADW_CLAMP (clamp), 800);
  content = gtk_box_new (GTK_ORIENTATION_VERTICAL, 18);
  gtk_widget_set_margin_top (content, 18);
  gtk_widget_set_margin_bottom (content, 18);
  gtk_widget_set_margin_start (content, 12);
  gtk_widget_set_margin_end (content, 12);
  self->error_label = GTK_LABEL (gtk_label_new (NULL));
  gtk_label_set_wrap (self->error_label, TRUE);
  gtk_label_set_xalign (self->error_label, 0);
  gtk_widget_add_css_class (GTK_WIDGET (self->error_label), "error");
  gtk_widget_set_visible (GTK_WIDGET (self->error_label), FALSE);
  gtk_box_append (GTK_BOX (content), GTK_WIDGET (self->error_label));

  /* Patient */
  group = group_new (content, _("Patient"),
                     _("Type a name, phone or date of birth; Enter takes the first match, or adds a new patient when none matches."));
  self->patient_entry = GTK_SEARCH_ENTRY (gtk_search_entry_new ());
  g_object_set (self->patient_entry, "placeholder-text", _("Patient name, phone or date of birth"), NULL);
  set_accessible_label (GTK_WIDGET (self->patient_entry), _("Patient"));
  g_signal_connect_swapped (self->patient_entry, "changed", G_CALLBACK (patient_search_cb), self);
  g_signal_connect_swapped (self->patient_entry, "activate", G_CALLBACK (patient_activate_cb), self);
  adw_preferences_group_add (ADW_PREFERENCES_GROUP (group), GTK_WIDGET (self->patient_entry));
  self->patient_results = results_list (group, _("Matching patients"));
  g_signal_connect_swapped (self->patient_results, "row-activated", G_CALLBACK (patient_row_activated_cb), self);
  row = adw_action_row_new ();
  adw_preferences_row_set_use_markup (ADW_PREFERENCES_ROW (row), FALSE);
  adw_action_row_set_icon_name (ADW_ACTION_ROW (row), "avatar-default-symbolic");
  gtk_widget_add_css_class (row, "card");
  gtk_widget_set_margin_top (row, 6);
  gtk_widget_set_visible (row, FALSE);
  self->patient_row = row;
  adw_preferences_group_add (ADW_PREFERENCES_GROUP (group), row);

  /* Prescriber */
  group = group_new (content, _("Prescriber"), NULL);
  self->prescriber_entry = entry_row (group, _("Prescriber name"), _("e.g. Dr Jane Foster"));
  self->licence_entry = entry_row (group, _("Prescriber licence"), NULL);

  /* Items */
  group = group_new (content, _("Items"),
                     _("Search the catalogue; each result shows the stock here and the nearest expiry."));
  self->item_list = GTK_LIST_BOX (gtk_list_box_new ());
  gtk_list_box_set_selection_mode (self->item_list, GTK_SELECTION_NONE);
  gtk_widget_add_css_class (GTK_WIDGET (self->item_list), "boxed-list");
  gtk_widget_set_margin_bottom (GTK_WIDGET (self->item_list), 12);
  set_accessible_label (GTK_WIDGET (self->item_list), _("Prescription items"));
  gtk_widget_set_visible (GTK_WIDGET (self->item_list), FALSE);
  adw_preferences_group_add (ADW_PREFERENCES_GROUP (group), GTK_WIDGET (self->item_list));
  self->medicine_entry = GTK_SEARCH_ENTRY (gtk_search_entry_new ());
  g_object_set (self->medicine_entry, "placeholder-text", _("Medicine name, generic name, code or barcode"), NULL);
  set_accessible_label (GTK_WIDGET (self->medicine_entry), _("Medicine"));
  g_signal_connect_swapped (self->medicine_entry, "changed", G_CALLBACK (medicine_search_cb), self);
  g_signal_connect_swapped (self->medicine_entry, "activate", G_CALLBACK (medicine_activate_cb), self);
  adw_preferences_group_add (ADW_PREFERENCES_GROUP (group), GTK_WIDGET (self->medicine_entry));
  self->medicine_results = results_list (group, _("Matching medicines"));
  g_signal_connect_swapped (self->medicine_results, "row-activated", G_CALLBACK (choose_medicine_row), self);
  row = adw_action_row_new ();
  adw_preferences_row_set_use_markup (ADW_PREFERENCES_ROW (row), FALSE);
  adw_action_row_set_icon_name (ADW_ACTION_ROW (row), "package-x-generic-symbolic");
  gtk_widget_add_css_class (row, "card");
  gtk_widget_set_margin_top (row, 6);
  gtk_widget_set_margin_bottom (row, 6);
  gtk_widget_set_visible (row, FALSE);
  self->medicine_row = row;
  adw_preferences_group_add (ADW_PREFERENCES_GROUP (group), row);

  group = group_new (content, NULL, NULL);
  self->quantity_entry = entry_row (group, _("Quantity"), _("e.g. 21"));
  gtk_entry_set_input_purpose (self->quantity_entry, GTK_INPUT_PURPOSE_DIGITS);
  g_signal_connect_swapped (self->quantity_entry, "activate", G_CALLBACK (quantity_activate_cb), self);
  self->instructions_entry = entry_row (group, _("Instructions"), _("e.g. Take one capsule three times a day"));
  g_signal_connect_swapped (self->instructions_entry, "activate", G_CALLBACK (instructions_activate_cb), self);
  self->dose_entry = entry_row (group, _("Dose"), _("e.g. 500 mg"));
  row = adw_action_row_new ();
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), _("Refills"));
  spin = gtk_spin_button_new_with_range (0, 99, 1);
  gtk_widget_set_valign (spin, GTK_ALIGN_CENTER);
  set_accessible_label (spin, _("Refills"));
  self->refills_spin = GTK_SPIN_BUTTON (spin);
  adw_action_row_add_suffix (ADW_ACTION_ROW (row), spin);
  adw_preferences_group_add (ADW_PREFERENCES_GROUP (group), row);
  add = gtk_button_new_with_mnemonic (_("_Add Item"));
  gtk_widget_set_halign (add, GTK_ALIGN_END);
  gtk_widget_set_margin_top (add, 6);
  gtk_widget_set_tooltip_text (add, _("Add the item (Enter in Instructions)"));
  g_signal_connect_swapped (add, "clicked", G_CALLBACK (add_item_cb), self);
  adw_preferences_group_add (ADW_PREFERENCES_GROUP (group), add);

  group = group_new (content, _("Notes"), NULL);
  self->notes_entry = entry_row (group, _("Notes"), NULL);

  adw_clamp_set_child (ADW_CLAMP (clamp), content);
  gtk_scrolled_window_set_child (GTK_SCROLLED_WINDOW (scroller), clamp);
  gtk_box_append (GTK_BOX (box), scroller);
  adw_window_set_content (ADW_WINDOW (self), box);
}

PtPrescriptionEditor *
pt_prescription_editor_new (GtkWindow   *parent,
                            PtStore     *store,
                            const gchar *pharmacy_id,
                            const gchar *patient_id)
{
  PtPrescriptionEditor *self = g_object_new (PT_TYPE_PRESCRIPTION_EDITOR, NULL);

  gtk_window_set_transient_for (GTK_WINDOW (self), parent);
  self->store = g_object_ref (store);
  self->pharmacy_id = g_strdup (pharmacy_id);
  gtk_widget_set_visible (self->patient_row, FALSE);
  if (patient_id != NULL)
    set_patient (self, patient_id);
  else
    gtk_widget_grab_focus (GTK_WIDGET (self->patient_entry));
  return self;
}
