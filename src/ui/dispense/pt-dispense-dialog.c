/* pt-dispense-dialog.c: the dispense dialog. */
#define G_LOG_DOMAIN "pt-ui"
#include "config.h"

#include <inttypes.h>

#include <glib/gi18n-lib.h>

#include "pt-dispense-dialog.h"
#include "pt-dispense-model.h"
#include "pt-rx-print.h"
#include "pt-store-counter.h"
#include "pt-ui-util.h"
#include "pt-window.h"

static const PtDispenseWarning warning_bits[] = {
  PT_WARNING_SHORT_DATED, PT_WARNING_INSUFFICIENT, PT_WARNING_ALLERGY, PT_WARNING_DUPLICATE,
};

struct _PtDispenseDialog
{
  AdwWindow                 parent_instance;

  GtkWindow                *parent;
  PtStore                  *store;
  gchar                    *prescription_id;
  gchar                    *currency;
  PtDispensePlan           *plan;
  PtMoney                   due;             /* to pay once this plan is dispensed */

  AdwWindowTitle           *title;
  GtkButton                *dispense_button;
  GtkLabel                 *error_label;
  GtkWidget                *status_box;
  GtkImage                 *status_icon;
  GtkLabel                 *status_label;
  AdwPreferencesGroup      *warnings_group;
  GtkListBox               *allocation_list;
  AdwPreferencesGroup      *payment_group;
  GtkCheckButton           *ack[G_N_ELEMENTS (warning_bits)];
  GtkEntry                 *reason_entry;
  GtkWidget                *reason_row;
  GtkToggleButton          *cash_button;
  GtkToggleButton          *card_button;
  GtkToggleButton          *insurance_button;
  GtkEntry                 *tendered_entry;
  GtkWidget                *tendered_row;
  GtkWidget                *change_row;
  GtkLabel                 *total_label;
  GtkLabel                 *change_label;
  GtkSwitch                *labels_switch;
  GtkSwitch                *receipt_switch;
  GtkDropDown              *paper_dropdown;
};

G_DEFINE_FINAL_TYPE (PtDispenseDialog, pt_dispense_dialog, ADW_TYPE_WINDOW)

enum { DISPENSED, N_SIGNALS };
static guint signals[N_SIGNALS];

/* ---- Helpers ------------------------------------------------------------ */

static void
set_accessible_label (GtkWidget   *widget,
                      const gchar *label)
{
  gtk_accessible_update_property (GTK_ACCESSIBLE (widget), GTK_ACCESSIBLE_PROPERTY_LABEL, label, -1);
}

static GtkWidget *
add_row (gpointer     group,
         const gchar *title,
         const gchar *subtitle,
         GtkWidget   *suffix)
{
  GtkWidget *row = adw_action_row_new ();

  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), title);
  adw_preferences_row_set_use_markup (ADW_PREFERENCES_ROW (row), FALSE);
  if (subtitle)
    adw_action_row_set_subtitle (ADW_ACTION_ROW (row), subtitle);
  if (suffix)
    {
      gtk_widget_set_valign (suffix, GTK_ALIGN_CENTER);
      adw_action_row_add_suffix (ADW_ACTION_ROW (row), suffix);
      adw_action_row_set_activatable_widget (ADW_ACTION_ROW (row), suffix);
    }
  adw_preferences_group_add (ADW_PREFERENCES_GROUP (group), row);
  return row;
}

static gchar *
format_money (PtDispenseDialog *self,
              PtMoney           amount)
{
  return pt_money_format_display (amount, self->currency);
}

static PtPaymentMethod
selected_method (PtDispenseDialog *self)
{
  if (gtk_toggle_button_get_active (self->card_button))
    return PT_PAYMENT_CARD;
  if (gtk_toggle_button_get_active (self->insurance_button))
    return PT_PAYMENT_INSURANCE;
  return PT_PAYMENT_CASH;
}

static guint
acknowledged (PtDispenseDialog *self)
{
  guint mask = 0;

  for (guint i = 0; i < G_N_ELEMENTS (warning_bits); i++)
    if (self->ack[i] && gtk_check_button_get_active (self->ack[i]))
      mask |= warning_bits[i];
  return mask;
}

/* What still stops the dispense, as a sentence; NULL when nothing does. */
static gchar *
blocking_reason (PtDispenseDialog *self,
                 PtMoney          *tendered_out)
{
  const gchar *reason;
  PtMoney tendered = 0;

  if (!pt_store_can (self->store, PT_PERM_DISPENSE))
    return g_strdup_printf (_("A %s cannot dispense; ask a pharmacist."),
                            pt_role_get_label (pt_store_get_role (self->store)));
  if (self->plan == NULL)
    return g_strdup (_("This prescription cannot be dispensed."));
  if ((self->plan->warnings & ~acknowledged (self)) != 0)
    return g_strdup (_("Acknowledge each warning first."));
  if (self->plan->warnings & PT_WARNINGS_NEED_REASON)
    {
      if (!pt_store_can (self->store, PT_PERM_OVERRIDE_WARNING))
        return g_strdup_printf (_("A %s cannot override this warning; ask a pharmacist."),
                                pt_role_get_label (pt_store_get_role (self->store)));
      g_autofree gchar *trimmed = NULL;

      reason = gtk_editable_get_text (GTK_EDITABLE (self->reason_entry));
      trimmed = g_strstrip (g_strdup (reason ? reason : ""));
      if (*trimmed == '\0')
        return g_strdup (_("Give a reason for overriding the warning."));
    }
  if (self->due > 0 && selected_method (self) == PT_PAYMENT_CASH)
    {
      const gchar *text = gtk_editable_get_text (GTK_EDITABLE (self->tendered_entry));

      if (!pt_money_parse (text, self->currency, &tendered, NULL))
        return g_strdup (_("Type the cash amount tendered, e.g. 20.00."));
      if (tendered < self->due)
        return g_strdup (_("The cash tendered is less than the total."));
    }
  if (tendered_out)
    *tendered_out = tendered;
  return NULL;
}

static void
update_state (PtDispenseDialog *self)
{
  g_autofree gchar *blocking = blocking_reason (self, NULL);
  gboolean cash = selected_method (self) == PT_PAYMENT_CASH;
  PtMoney tendered = 0;

  gtk_widget_set_sensitive (GTK_WIDGET (self->dispense_button), blocking == NULL);
  gtk_label_set_label (self->status_label, blocking ? blocking : _("Ready to dispense: press Enter."));
  /* What still stops the dispense stands out; the ready state is calm. */
  gtk_image_set_from_icon_name (self->status_icon, blocking ? "dialog-warning-symbolic"
                                                            : "emblem-ok-symbolic");
  if (blocking)
    {
      gtk_widget_remove_css_class (self->status_box, "pt-ready");
      gtk_widget_add_css_class (self->status_box, "pt-blocked");
    }
  else
    {
      gtk_widget_remove_css_class (self->status_box, "pt-blocked");
      gtk_widget_add_css_class (self->status_box, "pt-ready");
    }
  gtk_widget_set_visible (self->tendered_row, self->due > 0 && cash);
  gtk_widget_set_visible (self->change_row, self->due > 0 && cash);
  if (self->due > 0 && cash
      && pt_money_parse (gtk_editable_get_text (GTK_EDITABLE (self->tendered_entry)),
                         self->currency, &tendered, NULL)
      && tendered >= self->due)
    {
      g_autofree gchar *change = format_money (self, tendered - self->due);
      gtk_label_set_label (self->change_label, change);
    }
  else
    gtk_label_set_label (self->change_label, "—");
}

static void
changed_cb (PtDispenseDialog *self)
{
  update_state (self);
}

/* Keyboard first: once the last warning is acknowledged, the focus moves
 * on to what is needed next (the reason, the cash, or Dispense). */
static void
ack_toggled_cb (PtDispenseDialog *self)
{
  update_state (self);
  if (self->plan == NULL || (self->plan->warnings & ~acknowledged (self)) != 0)
    return;
  if (self->reason_entry && gtk_widget_get_sensitive (GTK_WIDGET (self->reason_entry))
      && *gtk_editable_get_text (GTK_EDITABLE (self->reason_entry)) == '\0')
    gtk_widget_grab_focus (GTK_WIDGET (self->reason_entry));
  else if (gtk_widget_get_visible (self->tendered_row))
    gtk_widget_grab_focus (GTK_WIDGET (self->tendered_entry));
  else if (gtk_widget_get_sensitive (GTK_WIDGET (self->dispense_button)))
    gtk_widget_grab_focus (GTK_WIDGET (self->dispense_button));
}

/* ---- Building ----------------------------------------------------------- */

/* One whole sentence per warning: no case surgery on translated text. */
static const gchar *
ack_label (PtDispenseWarning warning)
{
  switch (warning)
    {
    case PT_WARNING_SHORT_DATED:
      return _("Acknowledge short-dated stock");
    case PT_WARNING_INSUFFICIENT:
      return _("Acknowledge not enough stock (partial fill)");
    case PT_WARNING_ALLERGY:
      return _("Acknowledge allergy");
    case PT_WARNING_DUPLICATE:
      return _("Acknowledge duplicate therapy");
    default:
      return _("Acknowledge the warning");
    }
}

/* One row per batch to pick: lot, expiry and how many, readable at a
 * glance; short-dated batches carry the warning sign. */
static GtkWidget *
create_allocation_row (PtAllocationItem *a)
{
  GtkWidget *row = adw_action_row_new ();
  GtkWidget *label = gtk_label_new (pt_allocation_item_get_quantity_text (a));

  adw_preferences_row_set_use_markup (ADW_PREFERENCES_ROW (row), FALSE);
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), pt_allocation_item_get_title (a));
  adw_action_row_set_subtitle (ADW_ACTION_ROW (row), pt_allocation_item_get_subtitle (a));
  if (pt_allocation_item_get_short_dated (a))
    {
      GtkWidget *icon = gtk_image_new_from_icon_name ("dialog-warning-symbolic");

      gtk_widget_add_css_class (icon, "warning");
      adw_action_row_add_prefix (ADW_ACTION_ROW (row), icon);
    }
  gtk_widget_add_css_class (label, "title-4");
  gtk_widget_add_css_class (label, "numeric");
  adw_action_row_add_suffix (ADW_ACTION_ROW (row), label);
  set_accessible_label (row, pt_allocation_item_get_accessible_name (a));
  return row;
}

/* One expander per medicine with how many this fill gives. */
static GtkWidget *
create_line_row_cb (gpointer item,
                    gpointer data)
{
  PtDispenseLineItem *line = item;
  GListModel *allocations = pt_dispense_line_item_get_allocations (line);
  guint n = g_list_model_get_n_items (allocations);
  GtkWidget *expander = adw_expander_row_new ();
  GtkWidget *count = gtk_label_new (pt_dispense_line_item_get_count_text (line));

  adw_preferences_row_set_use_markup (ADW_PREFERENCES_ROW (expander), FALSE);
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (expander), pt_dispense_line_item_get_title (line));
  adw_expander_row_set_subtitle (ADW_EXPANDER_ROW (expander), pt_dispense_line_item_get_subtitle (line));
  gtk_widget_add_css_class (count, "title-3");
  gtk_widget_add_css_class (count, "numeric");
  if (pt_dispense_line_item_get_partial (line))
    gtk_widget_add_css_class (count, "warning");
  gtk_widget_set_valign (count, GTK_ALIGN_CENTER);
  adw_expander_row_add_action (ADW_EXPANDER_ROW (expander), count);
  for (guint i = 0; i < n; i++)
    {
      g_autoptr(PtAllocationItem) a = g_list_model_get_item (allocations, i);
      adw_expander_row_add_row (ADW_EXPANDER_ROW (expander), create_allocation_row (a));
    }
  adw_expander_row_set_expanded (ADW_EXPANDER_ROW (expander), n > 0);
  return expander;
}

static void
build_allocation (PtDispenseDialog *self)
{
  g_autoptr(GListModel) model = pt_dispense_model_new (self->store, self->plan, pt_time_now ());

  gtk_list_box_bind_model (self->allocation_list, model, create_line_row_cb, self, NULL);
}

static void
build_warnings (PtDispenseDialog *self)
{
  AdwPreferencesGroup *group = self->warnings_group;
  gboolean can_override = pt_store_can (self->store, PT_PERM_OVERRIDE_WARNING);

  if (self->plan->warnings == 0)
    return;
  gtk_widget_set_visible (GTK_WIDGET (group), TRUE);
  for (guint i = 0; i < G_N_ELEMENTS (warning_bits); i++)
    {
      g_autoptr(GString) detail = g_string_new (NULL);
      g_autofree gchar *label = NULL;
      GtkWidget *check;

      if (!(self->plan->warnings & warning_bits[i]))
        continue;
      for (guint j = 0; j < self->plan->lines->len; j++)
        {
          PtDispenseLine *line = self->plan->lines->pdata[j];
          const gchar *note = pt_dispense_line_get_note (line, warning_bits[i]);

          /* Only this warning's sentences: a line may raise several. */
          if (note != NULL)
            {
              if (detail->len > 0)
                g_string_append_c (detail, ' ');
              g_string_append (detail, note);
            }
        }
      label = g_strdup (ack_label (warning_bits[i]));
      check = gtk_check_button_new_with_label (label);
      set_accessible_label (check, label);
      g_signal_connect_swapped (check, "toggled", G_CALLBACK (ack_toggled_cb), self);
      self->ack[i] = GTK_CHECK_BUTTON (check);
      {
        GtkWidget *row = add_row (group, pt_dispense_warning_get_label (warning_bits[i]),
                                  detail->str, check);
        gboolean serious = (warning_bits[i] & PT_WARNINGS_NEED_REASON) != 0;
        GtkWidget *icon = gtk_image_new_from_icon_name (serious ? "dialog-error-symbolic"
                                                                : "dialog-warning-symbolic");

        /* Allergy and duplicate therapy are red, the others amber: the
         * text says which, the colour only repeats it. */
        gtk_widget_add_css_class (icon, serious ? "error" : "warning");
        adw_action_row_add_prefix (ADW_ACTION_ROW (row), icon);
        adw_action_row_set_subtitle_lines (ADW_ACTION_ROW (row), 0);
        gtk_widget_add_css_class (row, serious ? "pt-danger-row" : "pt-warning-row");
      }
    }

  if (self->plan->warnings & PT_WARNINGS_NEED_REASON)
    {
      GtkWidget *entry = gtk_entry_new ();

      gtk_widget_set_hexpand (entry, TRUE);
      gtk_entry_set_placeholder_text (GTK_ENTRY (entry), _("e.g. confirmed with the prescriber"));
      set_accessible_label (entry, _("Override reason"));
      gtk_widget_set_sensitive (entry, can_override);
      g_signal_connect_swapped (entry, "changed", G_CALLBACK (changed_cb), self);
      gtk_entry_set_activates_default (GTK_ENTRY (entry), TRUE);
      self->reason_entry = GTK_ENTRY (entry);
      self->reason_row = add_row (group, _("Override reason"),
                                  can_override ? _("Required for an allergy or duplicate-therapy warning.")
                                               : _("Only a pharmacist can override this warning."),
                                  entry);
    }
}

static void
build_payment (PtDispenseDialog *self)
{
  g_autofree gchar *total = format_money (self, self->due);
  g_autofree gchar *plain = pt_money_to_plain_display (self->due, self->currency);

  gtk_label_set_label (self->total_label, total);
  gtk_editable_set_text (GTK_EDITABLE (self->tendered_entry), plain);
  gtk_widget_set_visible (GTK_WIDGET (self->payment_group), self->due > 0);
}

/* ---- Dispensing ---------------------------------------------------------- */

static void
show_error (PtDispenseDialog *self,
            const GError     *error)
{
  g_autofree gchar *text = pt_ui_error_sentence (error);

  gtk_label_set_label (self->error_label, text);
  gtk_widget_set_visible (GTK_WIDGET (self->error_label), TRUE);
}

static void
print_after_dispense (PtDispenseDialog *self,
                      GString          *done)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(PtRxPrintJob) job = NULL;
  gboolean labels = gtk_switch_get_active (self->labels_switch);
  gboolean receipt = gtk_switch_get_active (self->receipt_switch);
  PtRxPaper paper = gtk_drop_down_get_selected (self->paper_dropdown) == 1
                    ? PT_RX_PAPER_A4 : PT_RX_PAPER_LABEL;

  if (!labels && !receipt)
    return;
  job = pt_rx_print_job_new (self->store, self->prescription_id, &error);
  if (job != NULL && labels)
    {
      g_autofree gchar *path = NULL;
      if (pt_rx_print_run (job, PT_RX_PRINT_LABELS, paper, self->parent, NULL, &path, &error))
        g_string_append (done, _(" Labels printed."));
    }
  if (job != NULL && receipt && error == NULL)
    {
      g_autofree gchar *path = NULL;
      if (pt_rx_print_run (job, PT_RX_PRINT_RECEIPT, PT_RX_PAPER_A4, self->parent, NULL, &path,
                           &error))
        g_string_append (done, _(" Receipt printed."));
    }
  if (error != NULL)
    {
      g_autofree gchar *text = pt_ui_error_sentence (error);
      g_string_append_printf (done, " %s", text);
    }
}

static void
dispense_cb (PtDispenseDialog *self)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(PtDispensePlan) done = NULL;
  g_autoptr(PtRxRow) row = NULL;
  g_autoptr(GString) message = g_string_new (NULL);
  g_autofree gchar *blocking = NULL;
  g_autofree gchar *reason = NULL;
  g_autofree gchar *id = g_strdup (self->prescription_id);
  PtMoney tendered = 0, change = 0;

  blocking = blocking_reason (self, &tendered);
  if (blocking != NULL)
    {
      gtk_label_set_label (self->status_label, blocking);
      return;
    }
  if (self->reason_entry)
    reason = g_strdup (gtk_editable_get_text (GTK_EDITABLE (self->reason_entry)));

  done = pt_store_counter_dispense (self->store, self->prescription_id, acknowledged (self),
                                    reason, 0, &error);
  if (done == NULL)
    {
      show_error (self, error);
      return;
    }
  row = pt_store_counter_get_row (self->store, self->prescription_id, NULL);
  /* Translators: toast: "Rx K7M2Q-000001 dispensed to Ada Lovelace." */
  g_string_append_printf (message, _("Rx %s dispensed to %s."), row ? row->number : "",
                          row ? row->patient_name : "");
  if (row && row->owed > 0)
    g_string_append_printf (message, _(" %" PRId64 " still owed."), row->owed);

  if (self->due > 0 && pt_store_can (self->store, PT_PERM_TAKE_PAYMENT))
    {
      if (pt_store_counter_take_payment (self->store, self->prescription_id, selected_method (self),
                                         tendered, 0, &change, &error))
        {
          g_autofree gchar *c = format_money (self, change);
          if (selected_method (self) == PT_PAYMENT_CASH)
            g_string_append_printf (message, _(" Change: %s."), c);
          else
            g_string_append_printf (message, _(" Paid by %s."),
                                    pt_payment_method_get_label (selected_method (self)));
        }
      else
        {
          g_autofree gchar *text = pt_ui_error_sentence (error);
          g_string_append_printf (message, _(" The payment was not recorded: %s"), text);
          g_clear_error (&error);
        }
    }

  print_after_dispense (self, message);
  if (PT_IS_WINDOW (self->parent))
    pt_window_add_toast (PT_WINDOW (self->parent), message->str);
  g_signal_emit (self, signals[DISPENSED], 0, id);
  gtk_window_close (GTK_WINDOW (self));
}

static gboolean
load (PtDispenseDialog *self,
      GError          **error)
{
  g_autoptr(PtRxRow) row = NULL;
  g_autofree gchar *subtitle = NULL;
  PtBill bill = { 0, };

  row = pt_store_counter_get_row (self->store, self->prescription_id, error);
  if (row == NULL)
    return FALSE;
  subtitle = g_strdup_printf (_("Rx %s · %s"), row->number, row->patient_name);
  /* Name and date of birth: the two identifiers a pharmacist checks with
   * the person at the counter before handing anything over. */
  if (row->patient_id != NULL)
    {
      g_autoptr(bson_t) patient = pt_store_get (self->store, "patients", row->patient_id, NULL);
      bson_iter_t iter;

      if (patient != NULL && bson_iter_init_find (&iter, patient, "dateOfBirth")
          && BSON_ITER_HOLDS_DATE_TIME (&iter))
        {
          g_autofree gchar *dob = pt_ui_format_date (bson_iter_date_time (&iter));
          g_autofree gchar *born = g_strdup_printf (_("born %s"), dob);
          gchar *both = g_strconcat (subtitle, " · ", born, NULL);

          g_free (subtitle);
          subtitle = both;
        }
    }
  adw_window_title_set_subtitle (self->title, subtitle);
  self->plan = pt_store_plan_dispense (self->store, self->prescription_id, 0, error);
  if (self->plan == NULL)
    return FALSE;
  pt_store_counter_get_bill (self->store, self->prescription_id, &bill, NULL);
  self->due = bill.due + self->plan->total;
  return TRUE;
}

/* ---- GObject ------------------------------------------------------------- */

static void
pt_dispense_dialog_dispose (GObject *object)
{
  PtDispenseDialog *self = PT_DISPENSE_DIALOG (object);

  gtk_widget_dispose_template (GTK_WIDGET (self), PT_TYPE_DISPENSE_DIALOG);
  g_clear_object (&self->store);
  g_clear_pointer (&self->plan, pt_dispense_plan_free);
  G_OBJECT_CLASS (pt_dispense_dialog_parent_class)->dispose (object);
}

static void
pt_dispense_dialog_finalize (GObject *object)
{
  PtDispenseDialog *self = PT_DISPENSE_DIALOG (object);

  g_free (self->prescription_id);
  g_free (self->currency);
  G_OBJECT_CLASS (pt_dispense_dialog_parent_class)->finalize (object);
}

static void
pt_dispense_dialog_class_init (PtDispenseDialogClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = pt_dispense_dialog_dispose;
  object_class->finalize = pt_dispense_dialog_finalize;

  signals[DISPENSED] = g_signal_new ("dispensed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                     0, NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_STRING);
  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/github/pharmatrack/Desktop/dispense/pt-dispense-dialog.ui");
#define BIND(name) gtk_widget_class_bind_template_child (widget_class, PtDispenseDialog, name)
  BIND (title);
  BIND (dispense_button);
  BIND (error_label);
  BIND (status_box);
  BIND (status_icon);
  BIND (status_label);
  BIND (warnings_group);
  BIND (allocation_list);
  BIND (payment_group);
  BIND (cash_button);
  BIND (card_button);
  BIND (insurance_button);
  BIND (tendered_entry);
  BIND (tendered_row);
  BIND (change_row);
  BIND (total_label);
  BIND (change_label);
  BIND (labels_switch);
  BIND (receipt_switch);
  BIND (paper_dropdown);
#undef BIND
  gtk_widget_class_bind_template_callback (widget_class, dispense_cb);
  gtk_widget_class_bind_template_callback (widget_class, changed_cb);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Escape, 0, "window.close", NULL);
}

static void
pt_dispense_dialog_init (PtDispenseDialog *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
}

PtDispenseDialog *
pt_dispense_dialog_new (GtkWindow   *parent,
                        PtStore     *store,
                        const gchar *prescription_id)
{
  g_autoptr(GError) error = NULL;
  PtDispenseDialog *self;

  g_return_val_if_fail (PT_IS_STORE (store), NULL);

  self = g_object_new (PT_TYPE_DISPENSE_DIALOG, NULL);
  self->parent = parent;
  gtk_window_set_transient_for (GTK_WINDOW (self), parent);
  self->store = g_object_ref (store);
  self->prescription_id = g_strdup (prescription_id);
  self->currency = g_strdup (pt_store_get_currency (store));

  if (!load (self, &error))
    {
      show_error (self, error);
      gtk_widget_set_sensitive (GTK_WIDGET (self->dispense_button), FALSE);
      return self;
    }
  build_warnings (self);
  build_allocation (self);
  build_payment (self);
  update_state (self);

  /* Keyboard first: the first warning to acknowledge, else the cash. */
  for (guint i = 0; i < G_N_ELEMENTS (warning_bits); i++)
    if (self->ack[i] != NULL)
      {
        gtk_widget_grab_focus (GTK_WIDGET (self->ack[i]));
        return self;
      }
  if (self->due > 0)
    gtk_widget_grab_focus (GTK_WIDGET (self->tendered_entry));
  else
    gtk_widget_grab_focus (GTK_WIDGET (self->dispense_button));
  return self;
}
