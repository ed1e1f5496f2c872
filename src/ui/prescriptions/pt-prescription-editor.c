/* pt-prescription-editor.c: the new-prescription flow. */
#define G_LOG_DOMAIN "pt-ui"
#include "config.h"

#include <inttypes.h>

#include <glib/gi18n-lib.h>

#include "pt-counter-form.h"
#include "pt-medicine-item.h"
#include "pt-medicine-list-model.h"
#include "pt-patient-editor.h"
#include "pt-patient-search-model.h"
#include "pt-patients-page.h"
#include "pt-prescription-editor.h"
#include "pt-rx-draft-item.h"
#include "pt-store-counter.h"
#include "pt-ui-util.h"

#define N_MEDICINE_RESULTS 6
#define N_PATIENT_RESULTS 5

struct _PtPrescriptionEditor
{
  AdwWindow             parent_instance;

  PtStore              *store;
  gchar                *pharmacy_id;
  gchar                *patient_id;
  gchar                *medicine_id;     /* chosen for the item being typed */
  gchar                *medicine_label;
  gboolean              setting_text;    /* our own set_text: not a new search */
  PtPatientSearchModel *patients;
  PtMedicineListModel  *medicines;
  GtkSliceListModel    *medicine_slice;  /* the first few medicines */
  GListStore           *items;           /* PtRxDraftItem */

  GtkLabel             *error_label;
  GtkSearchEntry       *patient_entry;
  GtkListBox           *patient_results;
  AdwActionRow         *patient_row;     /* the chosen patient */
  GtkEntry             *prescriber_entry;
  GtkEntry             *licence_entry;
  GtkListBox           *item_list;
  GtkSearchEntry       *medicine_entry;
  GtkListBox           *medicine_results;
  AdwActionRow         *medicine_row;    /* the chosen medicine */
  GtkEntry             *quantity_entry;
  GtkEntry             *instructions_entry;
  GtkEntry             *dose_entry;
  GtkSpinButton        *refills_spin;
  GtkEntry             *notes_entry;
};

G_DEFINE_FINAL_TYPE (PtPrescriptionEditor, pt_prescription_editor, ADW_TYPE_WINDOW)

enum { SAVED, N_SIGNALS };
static guint signals[N_SIGNALS];

static void
set_accessible_label (GtkWidget   *widget,
                      const gchar *label)
{
  gtk_accessible_update_property (GTK_ACCESSIBLE (widget), GTK_ACCESSIBLE_PROPERTY_LABEL, label, -1);
}

static void
show_error (PtPrescriptionEditor *self,
            gpointer              field,
            const gchar          *text)
{
  pt_form_show_error (self->error_label, field, text);
}

static void
set_entry_text (PtPrescriptionEditor *self,
                GtkSearchEntry       *entry,
                const gchar          *text)
{
  self->setting_text = TRUE;
  gtk_editable_set_text (GTK_EDITABLE (entry), text ? text : "");
  self->setting_text = FALSE;
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
  gtk_widget_set_visible (GTK_WIDGET (self->patient_row), p != NULL);
  gtk_widget_set_visible (GTK_WIDGET (self->patient_results), p == NULL);
  if (p == NULL)
    return;
  name = pt_patient_display_name (p);
  desc = pt_patient_describe (p);
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (self->patient_row), name);
  adw_action_row_set_subtitle (self->patient_row, desc);
  set_accessible_label (GTK_WIDGET (self->patient_row), name);
  set_entry_text (self, self->patient_entry, name);
  pt_form_clear_error (self->error_label);
  gtk_widget_grab_focus (GTK_WIDGET (self->medicine_entry));
}

static void
patient_search_cb (PtPrescriptionEditor *self)
{
  if (self->setting_text)
    return;
  if (self->patient_id != NULL)
    {
      /* Typing again after a choice starts a new search. */
      g_clear_pointer (&self->patient_id, g_free);
      gtk_widget_set_visible (GTK_WIDGET (self->patient_row), FALSE);
      gtk_widget_set_visible (GTK_WIDGET (self->patient_results), TRUE);
    }
  pt_patient_search_model_set_query (self->patients,
                                     gtk_editable_get_text (GTK_EDITABLE (self->patient_entry)));
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
      show_error (self, self->patient_entry,
                  _("No patient matches, and your role may not add patients; ask a pharmacist or technician."));
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
  g_autoptr(PtPatientItem) first = NULL;

  if (self->patient_id != NULL)
    {
      gtk_widget_grab_focus (GTK_WIDGET (self->medicine_entry));
      return;
    }
  /* Enter may come before the search caught up with the typing. */
  patient_search_cb (self);
  first = g_list_model_get_item (G_LIST_MODEL (self->patients), 0);
  if (first != NULL)
    set_patient (self, pt_patient_item_get_id (first));
  else if (*gtk_editable_get_text (GTK_EDITABLE (self->patient_entry)) != '\0')
    create_patient (self);
}

static void
patient_row_activated_cb (PtPrescriptionEditor *self,
                          GtkListBoxRow        *row)
{
  set_patient (self, g_object_get_data (G_OBJECT (row), "patient-id"));
}

static GtkWidget *
create_patient_row_cb (gpointer item,
                       gpointer data)
{
  return pt_patient_row_new (item);
}

/* ---- Medicine ------------------------------------------------------------ */

static gchar *
medicine_title (const PtMedicineRow *m)
{
  g_autoptr(GString) s = g_string_new (m->name);

  if (m->strength && *m->strength)
    g_string_append_printf (s, " %s", m->strength);
  if (m->form && *m->form)
    g_string_append_printf (s, " %s", m->form);
  return g_string_free (g_steal_pointer (&s), FALSE);
}

static gchar *
medicine_subtitle (PtPrescriptionEditor *self,
                   const PtMedicineRow  *m)
{
  g_autofree gchar *expiry = m->nearest_expiry ? pt_ui_format_date (m->nearest_expiry)
                                               : g_strdup (_("none in stock"));
  g_autofree gchar *price = pt_money_format_display (m->price, pt_store_get_currency (self->store));
  gboolean short_dated = m->nearest_expiry
                         && m->nearest_expiry - pt_time_now () < 30 * PT_MS_PER_DAY;

  /* Translators: medicine search result: "Stock 120 · nearest expiry 12 Mar 2027 · €2.50" */
  return g_strdup_printf (_("Stock %" PRId64 " · nearest expiry %s%s · %s"), m->stock, expiry,
                          short_dated ? _(" (short-dated)") : "", price);
}

static GtkWidget *
create_medicine_row_cb (gpointer item,
                        gpointer data)
{
  PtPrescriptionEditor *self = data;
  const PtMedicineRow *m = pt_medicine_item_get_row (item);
  g_autofree gchar *title = medicine_title (m);
  g_autofree gchar *sub = medicine_subtitle (self, m);
  GtkWidget *row = adw_action_row_new ();

  adw_preferences_row_set_use_markup (ADW_PREFERENCES_ROW (row), FALSE);
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), title);
  adw_action_row_set_subtitle (ADW_ACTION_ROW (row), sub);
  gtk_list_box_row_set_activatable (GTK_LIST_BOX_ROW (row), TRUE);
  if (m->stock <= 0)
    gtk_widget_add_css_class (row, "dim-label");
  set_accessible_label (row, title);
  return row;
}

static void
set_medicine (PtPrescriptionEditor *self,
              PtMedicineItem       *item)
{
  const PtMedicineRow *m = item ? pt_medicine_item_get_row (item) : NULL;
  g_autofree gchar *title = m ? medicine_title (m) : NULL;
  g_autofree gchar *sub = m ? medicine_subtitle (self, m) : NULL;

  g_free (self->medicine_id);
  self->medicine_id = m ? g_strdup (m->id) : NULL;
  g_free (self->medicine_label);
  self->medicine_label = g_strdup (title);
  gtk_widget_set_visible (GTK_WIDGET (self->medicine_row), m != NULL);
  gtk_widget_set_visible (GTK_WIDGET (self->medicine_results), m == NULL);
  if (m == NULL)
    return;
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (self->medicine_row), title);
  adw_action_row_set_subtitle (self->medicine_row, sub);
  set_accessible_label (GTK_WIDGET (self->medicine_row), title);
  set_entry_text (self, self->medicine_entry, title);
  gtk_widget_grab_focus (GTK_WIDGET (self->quantity_entry));
}

static void
search_medicines (PtPrescriptionEditor *self)
{
  g_autofree gchar *q = pt_form_text (self->medicine_entry);

  /* An empty search lists nothing rather than the whole catalogue. */
  pt_medicine_list_model_set_query (self->medicines, q);
  gtk_slice_list_model_set_model (self->medicine_slice,
                                  *q ? G_LIST_MODEL (self->medicines) : NULL);
}

static void
medicine_search_cb (PtPrescriptionEditor *self)
{
  if (self->setting_text)
    return;
  if (self->medicine_id != NULL)
    set_medicine (self, NULL);
  search_medicines (self);
}

static void
medicine_row_activated_cb (PtPrescriptionEditor *self,
                           GtkListBoxRow        *row)
{
  g_autoptr(PtMedicineItem) item =
    g_list_model_get_item (G_LIST_MODEL (self->medicine_slice), gtk_list_box_row_get_index (row));

  if (item != NULL)
    set_medicine (self, item);
}

static void
medicine_activate_cb (PtPrescriptionEditor *self)
{
  g_autoptr(PtMedicineItem) first = NULL;

  if (self->medicine_id != NULL)
    {
      gtk_widget_grab_focus (GTK_WIDGET (self->quantity_entry));
      return;
    }
  search_medicines (self);
  first = g_list_model_get_item (G_LIST_MODEL (self->medicine_slice), 0);
  if (first != NULL)
    set_medicine (self, first);
  else
    show_error (self, self->medicine_entry,
                _("No medicine matches; try the generic name or the code."));
}

/* ---- Items --------------------------------------------------------------- */

static void
remove_item_cb (GtkButton            *button,
                PtPrescriptionEditor *self)
{
  gpointer item = g_object_get_data (G_OBJECT (button), "item");
  guint position;

  if (g_list_store_find (self->items, item, &position))
    g_list_store_remove (self->items, position);
  gtk_widget_grab_focus (GTK_WIDGET (self->medicine_entry));
}

static GtkWidget *
create_item_row_cb (gpointer item,
                    gpointer data)
{
  PtPrescriptionEditor *self = data;
  const PtRxDraft *d = pt_rx_draft_item_get_draft (item);
  g_autofree gchar *title = g_strdup_printf ("%s × %" PRId64, d->label, d->quantity);
  g_autofree gchar *remove_label = g_strdup_printf (_("Remove %s"), d->label);
  g_autofree gchar *sub = NULL;
  GtkWidget *row = adw_action_row_new ();
  GtkWidget *remove = gtk_button_new_from_icon_name ("user-trash-symbolic");

  sub = g_strdup_printf (_("%s%s%s · refills: %d"), d->dose ? d->dose : "",
                         d->dose && *d->dose ? " — " : "", d->instructions, d->refills);
  adw_preferences_row_set_use_markup (ADW_PREFERENCES_ROW (row), FALSE);
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), title);
  adw_action_row_set_subtitle (ADW_ACTION_ROW (row), sub);
  set_accessible_label (row, title);
  gtk_widget_add_css_class (remove, "flat");
  gtk_widget_set_valign (remove, GTK_ALIGN_CENTER);
  gtk_widget_set_tooltip_text (remove, remove_label);
  set_accessible_label (remove, remove_label);
  g_object_set_data_full (G_OBJECT (remove), "item", g_object_ref (item), g_object_unref);
  g_signal_connect (remove, "clicked", G_CALLBACK (remove_item_cb), self);
  adw_action_row_add_suffix (ADW_ACTION_ROW (row), remove);
  return row;
}

static void
items_changed_cb (PtPrescriptionEditor *self)
{
  gtk_widget_set_visible (GTK_WIDGET (self->item_list),
                          g_list_model_get_n_items (G_LIST_MODEL (self->items)) > 0);
}

static gboolean
pending_item_is_empty (PtPrescriptionEditor *self)
{
  g_autofree gchar *q = pt_form_text (self->quantity_entry);
  g_autofree gchar *ins = pt_form_text (self->instructions_entry);

  return self->medicine_id == NULL && *q == '\0' && *ins == '\0';
}

/* Adds the item being typed; FALSE (with a message) when it is not
 * complete. */
static gboolean
add_pending_item (PtPrescriptionEditor *self)
{
  g_autofree gchar *qty = pt_form_text (self->quantity_entry);
  g_autofree gchar *instructions = pt_form_text (self->instructions_entry);
  g_autofree gchar *dose = pt_form_text (self->dose_entry);
  g_autoptr(PtRxDraftItem) item = NULL;
  PtRxDraft draft = { 0, };
  gchar *end = NULL;
  gint64 quantity;

  if (self->medicine_id == NULL)
    {
      show_error (self, self->medicine_entry,
                  _("Search for the medicine and press Enter to choose it."));
      return FALSE;
    }
  quantity = g_ascii_strtoll (qty, &end, 10);
  if (*qty == '\0' || end == NULL || *end != '\0' || quantity <= 0)
    {
      show_error (self, self->quantity_entry,
                  _("Type the quantity to dispense as a whole number, e.g. 21."));
      return FALSE;
    }
  if (*instructions == '\0')
    {
      show_error (self, self->instructions_entry,
                  _("Type the instructions for the label, e.g. “Take one three times a day”."));
      return FALSE;
    }
  draft.medicine_id = self->medicine_id;
  draft.label = self->medicine_label;
  draft.quantity = quantity;
  draft.instructions = instructions;
  draft.dose = *dose ? dose : NULL;
  draft.refills = gtk_spin_button_get_value_as_int (self->refills_spin);
  item = pt_rx_draft_item_new (&draft);
  g_list_store_append (self->items, item);

  set_medicine (self, NULL);
  set_entry_text (self, self->medicine_entry, "");
  search_medicines (self);
  gtk_editable_set_text (GTK_EDITABLE (self->quantity_entry), "");
  gtk_editable_set_text (GTK_EDITABLE (self->instructions_entry), "");
  gtk_editable_set_text (GTK_EDITABLE (self->dose_entry), "");
  gtk_spin_button_set_value (self->refills_spin, 0);
  pt_form_clear_error (self->error_label);
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

/* Enter in Instructions or in Dose adds the item being typed. */
static void
instructions_activate_cb (PtPrescriptionEditor *self)
{
  add_pending_item (self);
}

/* Enter in Refills, the item's last field, adds it too (with the number
 * typed there); GtkSpinButton has no activate signal before GTK 4.14.
 * Ctrl+Enter stays the window's "save". */
static gboolean
refills_key_pressed_cb (GtkEventControllerKey *controller,
                        guint                  keyval,
                        guint                  keycode,
                        GdkModifierType        state,
                        PtPrescriptionEditor  *self)
{
  (void) controller;
  (void) keycode;
  if (keyval != GDK_KEY_Return && keyval != GDK_KEY_KP_Enter && keyval != GDK_KEY_ISO_Enter)
    return FALSE;
  if ((state & (GDK_CONTROL_MASK | GDK_ALT_MASK | GDK_SHIFT_MASK)) != 0)
    return FALSE;
  gtk_spin_button_update (self->refills_spin);
  add_pending_item (self);
  return TRUE;
}

/* ---- Saving -------------------------------------------------------------- */

static void
save (PtPrescriptionEditor *self,
      gboolean              dispense)
{
  g_autoptr(GError) error = NULL;
  g_autofree gchar *prescriber = pt_form_text (self->prescriber_entry);
  g_autofree gchar *licence = pt_form_text (self->licence_entry);
  g_autofree gchar *notes = pt_form_text (self->notes_entry);
  g_autofree gchar *number = NULL;
  g_autofree gchar *id = NULL;
  g_autofree PtRxItemSpec *specs = NULL;
  PtRxSpec spec = { 0, };
  guint n;

  if (self->patient_id == NULL)
    {
      show_error (self, self->patient_entry,
                  _("Choose the patient first: type a name, phone or date of birth and press Enter."));
      return;
    }
  if (!pending_item_is_empty (self) && !add_pending_item (self))
    return;
  n = g_list_model_get_n_items (G_LIST_MODEL (self->items));
  if (n == 0)
    {
      show_error (self, self->medicine_entry, _("Add at least one medicine."));
      return;
    }
  specs = g_new0 (PtRxItemSpec, n);
  for (guint i = 0; i < n; i++)
    {
      g_autoptr(PtRxDraftItem) item = g_list_model_get_item (G_LIST_MODEL (self->items), i);
      const PtRxDraft *d = pt_rx_draft_item_get_draft (item);

      /* The store keeps the items alive while the spec is used. */
      specs[i].medicine_id = d->medicine_id;
      specs[i].dose = d->dose;
      specs[i].quantity = d->quantity;
      specs[i].instructions = d->instructions;
      specs[i].refills = d->refills;
    }
  spec.patient_id = self->patient_id;
  spec.prescriber_name = prescriber;
  spec.prescriber_licence = licence;
  spec.notes = notes;
  spec.pharmacy_id = self->pharmacy_id;
  spec.items = specs;
  spec.n_items = n;
  id = pt_store_counter_create_prescription (self->store, &spec, &number, &error);
  if (id == NULL)
    {
      g_autofree gchar *text = pt_ui_error_sentence (error);
      show_error (self, NULL, text);
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

/* ---- GObject ------------------------------------------------------------- */

static void
pt_prescription_editor_dispose (GObject *object)
{
  PtPrescriptionEditor *self = PT_PRESCRIPTION_EDITOR (object);

  gtk_widget_dispose_template (GTK_WIDGET (self), PT_TYPE_PRESCRIPTION_EDITOR);
  g_clear_object (&self->patients);
  g_clear_object (&self->medicine_slice);
  g_clear_object (&self->medicines);
  g_clear_object (&self->items);
  g_clear_object (&self->store);
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

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/github/pharmatrack/Desktop/prescriptions/pt-prescription-editor.ui");
#define BIND(name) gtk_widget_class_bind_template_child (widget_class, PtPrescriptionEditor, name)
  BIND (error_label);
  BIND (patient_entry);
  BIND (patient_results);
  BIND (patient_row);
  BIND (prescriber_entry);
  BIND (licence_entry);
  BIND (item_list);
  BIND (medicine_entry);
  BIND (medicine_results);
  BIND (medicine_row);
  BIND (quantity_entry);
  BIND (instructions_entry);
  BIND (dose_entry);
  BIND (refills_spin);
  BIND (notes_entry);
#undef BIND
  gtk_widget_class_bind_template_callback (widget_class, patient_search_cb);
  gtk_widget_class_bind_template_callback (widget_class, patient_activate_cb);
  gtk_widget_class_bind_template_callback (widget_class, patient_row_activated_cb);
  gtk_widget_class_bind_template_callback (widget_class, medicine_search_cb);
  gtk_widget_class_bind_template_callback (widget_class, medicine_activate_cb);
  gtk_widget_class_bind_template_callback (widget_class, medicine_row_activated_cb);
  gtk_widget_class_bind_template_callback (widget_class, quantity_activate_cb);
  gtk_widget_class_bind_template_callback (widget_class, instructions_activate_cb);
  gtk_widget_class_bind_template_callback (widget_class, add_item_cb);

  gtk_widget_class_install_action (widget_class, "rx.save", NULL, save_action);
  gtk_widget_class_install_action (widget_class, "rx.save-dispense", NULL, save_dispense_action);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_s, GDK_CONTROL_MASK, "rx.save", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Return, GDK_CONTROL_MASK,
                                       "rx.save-dispense", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_KP_Enter, GDK_CONTROL_MASK,
                                       "rx.save-dispense", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Escape, 0, "window.close", NULL);
}

static void
pt_prescription_editor_init (PtPrescriptionEditor *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));

  self->patients = pt_patient_search_model_new (N_PATIENT_RESULTS);
  gtk_list_box_bind_model (self->patient_results, G_LIST_MODEL (self->patients),
                           create_patient_row_cb, self, NULL);
  self->medicines = pt_medicine_list_model_new (NULL);
  pt_medicine_list_model_set_sort (self->medicines, PT_MEDICINE_SORT_NAME, FALSE);
  self->medicine_slice = gtk_slice_list_model_new (NULL, 0, N_MEDICINE_RESULTS);
  gtk_list_box_bind_model (self->medicine_results, G_LIST_MODEL (self->medicine_slice),
                           create_medicine_row_cb, self, NULL);
  self->items = g_list_store_new (PT_TYPE_RX_DRAFT_ITEM);
  gtk_list_box_bind_model (self->item_list, G_LIST_MODEL (self->items), create_item_row_cb, self,
                           NULL);
  g_signal_connect_swapped (self->items, "items-changed", G_CALLBACK (items_changed_cb), self);
  {
    GtkWidget *chain[] = {
      GTK_WIDGET (self->patient_entry), GTK_WIDGET (self->prescriber_entry),
      GTK_WIDGET (self->licence_entry), GTK_WIDGET (self->medicine_entry),
      GTK_WIDGET (self->quantity_entry), GTK_WIDGET (self->instructions_entry),
      GTK_WIDGET (self->dose_entry), GTK_WIDGET (self->refills_spin),
      GTK_WIDGET (self->notes_entry), NULL,
    };
    pt_form_set_focus_chain (GTK_WIDGET (self), chain);
  }
  {
    GtkEventController *keys = gtk_event_controller_key_new ();

    gtk_event_controller_set_propagation_phase (keys, GTK_PHASE_CAPTURE);
    g_signal_connect (keys, "key-pressed", G_CALLBACK (refills_key_pressed_cb), self);
    gtk_widget_add_controller (GTK_WIDGET (self->refills_spin), keys);
  }
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
  pt_patient_search_model_set_store (self->patients, store);
  pt_medicine_list_model_set_pharmacy_id (self->medicines, pharmacy_id);
  pt_medicine_list_model_set_store (self->medicines, store);
  if (patient_id != NULL)
    set_patient (self, patient_id);
  else
    gtk_widget_grab_focus (GTK_WIDGET (self->patient_entry));
  return self;
}
