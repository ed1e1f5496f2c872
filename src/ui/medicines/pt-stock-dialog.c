#define G_LOG_DOMAIN "pt-ui"
#include "config.h"

#include <inttypes.h>
#include <glib/gi18n-lib.h>

#include "pt-stock-dialog.h"
#include "pt-ui-util.h"

struct _PtStockDialog
{
  AdwWindow          parent_instance;

  AdwWindowTitle    *window_title;
  GtkButton         *apply_button;
  GtkStack          *stack;
  GtkEntry          *lot_entry;
  GtkEntry          *expiry_entry;
  GtkEntry          *quantity_entry;
  GtkEntry          *cost_entry;
  GtkEntry          *supplier_entry;
  GtkDropDown       *batch_dropdown;
  GtkStringList     *batch_strings;
  GtkEntry          *delta_entry;
  GtkEntry          *reason_entry;
  GtkLabel          *message_label;

  PtStore           *store;
  PtStockDialogKind  kind;
  gchar             *medicine_id;
  gchar             *medicine_name;
  gchar             *pharmacy_id;
  GPtrArray         *batch_ids;
};

G_DEFINE_FINAL_TYPE (PtStockDialog, pt_stock_dialog, ADW_TYPE_WINDOW)

enum {
  DONE,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

gboolean
pt_stock_parse_delta (const gchar *text,
                      PtQuantity  *out)
{
  g_autofree gchar *s = g_strstrip (g_strdup (text ? text : ""));
  const gchar *digits = s;
  gint64 value;
  gchar *end = NULL;

  if (*digits == '+' || *digits == '-')
    digits++;
  if (*digits == '\0')
    return FALSE;
  for (const gchar *p = digits; *p; p++)
    if (!g_ascii_isdigit (*p))
      return FALSE;
  value = g_ascii_strtoll (s[0] == '+' ? s + 1 : s, &end, 10);
  if (value == 0 || value == G_MININT64 || value == G_MAXINT64)
    return FALSE;
  *out = value;
  return TRUE;
}

static void
show_problem (PtStockDialog *self,
              const gchar   *message,
              GtkEntry      *focus)
{
  gtk_label_set_label (self->message_label, message);
  gtk_widget_set_visible (GTK_WIDGET (self->message_label), TRUE);
  if (focus != NULL)
    {
      gtk_widget_add_css_class (GTK_WIDGET (focus), "error");
      gtk_widget_grab_focus (GTK_WIDGET (focus));
    }
}

static void
clear_problem (PtStockDialog *self)
{
  GtkEntry *entries[] = { self->lot_entry, self->expiry_entry, self->quantity_entry,
                          self->cost_entry, self->delta_entry, self->reason_entry };

  gtk_widget_set_visible (GTK_WIDGET (self->message_label), FALSE);
  for (guint i = 0; i < G_N_ELEMENTS (entries); i++)
    gtk_widget_remove_css_class (GTK_WIDGET (entries[i]), "error");
}

static gchar *
entry_text (GtkEntry *entry)
{
  return g_strstrip (g_strdup (gtk_editable_get_text (GTK_EDITABLE (entry))));
}

static void
apply_receive (PtStockDialog *self)
{
  g_autofree gchar *lot = entry_text (self->lot_entry);
  g_autofree gchar *expiry = entry_text (self->expiry_entry);
  g_autofree gchar *quantity = entry_text (self->quantity_entry);
  g_autofree gchar *cost = entry_text (self->cost_entry);
  g_autofree gchar *supplier = entry_text (self->supplier_entry);
  g_autofree gchar *batch_id = NULL;
  g_autofree gchar *message = NULL;
  g_autoptr(GError) error = NULL;
  PtReceipt receipt = { 0 };
  PtQuantity qty = 0;

  if (*lot == '\0')
    return show_problem (self, _("Enter the lot number printed on the box."), self->lot_entry);
  if (!pt_date_parse (expiry, &receipt.expiry_date, NULL))
    return show_problem (self, _("Enter the expiry date as year-month-day, for example 2027-03-31."), self->expiry_entry);
  if (receipt.expiry_date <= pt_time_now ())
    return show_problem (self, _("This expiry date has already passed. Expired stock cannot be received."), self->expiry_entry);
  if (!pt_stock_parse_delta (quantity, &qty) || qty <= 0)
    return show_problem (self, _("Enter how many units arrived, as a whole number above zero."), self->quantity_entry);
  if (*cost == '\0')
    receipt.cost_price = 0;
  else if (!pt_money_parse (cost, pt_store_get_currency (self->store), &receipt.cost_price, &error))
    return show_problem (self, error->message, self->cost_entry);

  receipt.medicine_id = self->medicine_id;
  receipt.pharmacy_id = self->pharmacy_id;
  receipt.lot_number = lot;
  receipt.quantity = qty;
  receipt.supplier = *supplier ? supplier : NULL;
  batch_id = pt_store_receive_stock (self->store, &receipt, &error);
  if (batch_id == NULL)
    {
      g_autofree gchar *sentence = pt_ui_error_sentence (error);

      return show_problem (self, sentence, NULL);
    }
  /* Translators: toast, "Received 100 × Amoxicillin 500 mg (lot A1234)" */
  message = g_strdup_printf (_("Received %" PRId64 " × %s (lot %s)"),
                             qty, self->medicine_name, lot);
  g_signal_emit (self, signals[DONE], 0, message);
  gtk_window_destroy (GTK_WINDOW (self));
}

static void
apply_adjust (PtStockDialog *self)
{
  g_autofree gchar *delta_text = entry_text (self->delta_entry);
  g_autofree gchar *reason = entry_text (self->reason_entry);
  g_autofree gchar *movement_id = NULL;
  g_autofree gchar *message = NULL;
  g_autoptr(GError) error = NULL;
  guint selected = gtk_drop_down_get_selected (self->batch_dropdown);
  PtQuantity delta = 0;

  if (self->batch_ids->len == 0 || selected >= self->batch_ids->len)
    return show_problem (self, _("This medicine has no batch at this branch to adjust. Receive stock first."), NULL);
  if (!pt_stock_parse_delta (delta_text, &delta))
    return show_problem (self, _("Enter the change as a whole number: negative to remove units, positive to add them."), self->delta_entry);
  if (*reason == '\0')
    return show_problem (self, _("Give a reason for the adjustment; it is kept in the stock history and the audit log."), self->reason_entry);

  movement_id = pt_store_adjust_stock (self->store, g_ptr_array_index (self->batch_ids, selected),
                                       delta, reason, &error);
  if (movement_id == NULL)
    {
      g_autofree gchar *sentence = pt_ui_error_sentence (error);

      return show_problem (self, sentence, NULL);
    }
  /* Translators: toast, "Adjusted Amoxicillin 500 mg by -2: damaged box" */
  message = g_strdup_printf (_("Adjusted %s by %+" PRId64 ": %s"),
                             self->medicine_name, delta, reason);
  g_signal_emit (self, signals[DONE], 0, message);
  gtk_window_destroy (GTK_WINDOW (self));
}

static void
apply_clicked_cb (PtStockDialog *self)
{
  clear_problem (self);
  if (self->kind == PT_STOCK_DIALOG_RECEIVE)
    apply_receive (self);
  else
    apply_adjust (self);
}

static void
load_batches (PtStockDialog *self)
{
  g_autoptr(GPtrArray) batches = NULL;
  g_autoptr(GError) error = NULL;

  batches = pt_store_batch_stock (self->store, self->medicine_id, self->pharmacy_id, &error);
  if (batches == NULL)
    {
      g_autofree gchar *sentence = pt_ui_error_sentence (error);

      show_problem (self, sentence, NULL);
      return;
    }
  for (guint i = 0; i < batches->len; i++)
    {
      PtBatchStock *b = g_ptr_array_index (batches, i);
      g_autofree gchar *date = pt_ui_format_date (b->expiry_date);
      g_autofree gchar *qty = pt_ui_format_count (b->quantity);
      /* Translators: a batch in the Adjust stock dialog */
      g_autofree gchar *text = g_strdup_printf (_("Lot %s · expires %s · %s in stock"),
                                                b->lot_number, date, qty);

      gtk_string_list_append (self->batch_strings, text);
      g_ptr_array_add (self->batch_ids, g_strdup (b->batch_id));
    }
  if (batches->len == 0)
    show_problem (self, _("This medicine has no batch at this branch to adjust. Receive stock first."), NULL);
}

static void
pt_stock_dialog_dispose (GObject *object)
{
  PtStockDialog *self = PT_STOCK_DIALOG (object);

  gtk_widget_dispose_template (GTK_WIDGET (self), PT_TYPE_STOCK_DIALOG);
  g_clear_object (&self->store);
  G_OBJECT_CLASS (pt_stock_dialog_parent_class)->dispose (object);
}

static void
pt_stock_dialog_finalize (GObject *object)
{
  PtStockDialog *self = PT_STOCK_DIALOG (object);

  g_free (self->medicine_id);
  g_free (self->medicine_name);
  g_free (self->pharmacy_id);
  g_ptr_array_unref (self->batch_ids);
  G_OBJECT_CLASS (pt_stock_dialog_parent_class)->finalize (object);
}

static void
pt_stock_dialog_class_init (PtStockDialogClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = pt_stock_dialog_dispose;
  object_class->finalize = pt_stock_dialog_finalize;

  signals[DONE] = g_signal_new ("done", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                0, NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_STRING);

  gtk_widget_class_set_template_from_resource (widget_class, "/io/github/pharmatrack/Desktop/medicines/pt-stock-dialog.ui");
  gtk_widget_class_bind_template_child (widget_class, PtStockDialog, window_title);
  gtk_widget_class_bind_template_child (widget_class, PtStockDialog, apply_button);
  gtk_widget_class_bind_template_child (widget_class, PtStockDialog, stack);
  gtk_widget_class_bind_template_child (widget_class, PtStockDialog, lot_entry);
  gtk_widget_class_bind_template_child (widget_class, PtStockDialog, expiry_entry);
  gtk_widget_class_bind_template_child (widget_class, PtStockDialog, quantity_entry);
  gtk_widget_class_bind_template_child (widget_class, PtStockDialog, cost_entry);
  gtk_widget_class_bind_template_child (widget_class, PtStockDialog, supplier_entry);
  gtk_widget_class_bind_template_child (widget_class, PtStockDialog, batch_dropdown);
  gtk_widget_class_bind_template_child (widget_class, PtStockDialog, batch_strings);
  gtk_widget_class_bind_template_child (widget_class, PtStockDialog, delta_entry);
  gtk_widget_class_bind_template_child (widget_class, PtStockDialog, reason_entry);
  gtk_widget_class_bind_template_child (widget_class, PtStockDialog, message_label);
  gtk_widget_class_bind_template_callback (widget_class, apply_clicked_cb);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Escape, 0, "window.close", NULL);
}

static void
pt_stock_dialog_init (PtStockDialog *self)
{
  self->batch_ids = g_ptr_array_new_with_free_func (g_free);
  gtk_widget_init_template (GTK_WIDGET (self));
}

GtkWidget *
pt_stock_dialog_new (GtkWindow         *parent,
                     PtStore           *store,
                     PtStockDialogKind  kind,
                     const gchar       *medicine_id,
                     const gchar       *medicine_name,
                     const gchar       *pharmacy_id)
{
  PtStockDialog *self;
  const gchar *title;

  g_return_val_if_fail (PT_IS_STORE (store), NULL);
  g_return_val_if_fail (medicine_id != NULL, NULL);

  self = g_object_new (PT_TYPE_STOCK_DIALOG, "transient-for", parent, NULL);
  self->store = g_object_ref (store);
  self->kind = kind;
  self->medicine_id = g_strdup (medicine_id);
  self->medicine_name = g_strdup (medicine_name);
  self->pharmacy_id = g_strdup (pharmacy_id);

  title = kind == PT_STOCK_DIALOG_RECEIVE ? _("Receive Stock") : _("Adjust Stock");
  gtk_window_set_title (GTK_WINDOW (self), title);
  adw_window_title_set_title (self->window_title, title);
  adw_window_title_set_subtitle (self->window_title, medicine_name);
  gtk_button_set_label (self->apply_button, kind == PT_STOCK_DIALOG_RECEIVE ? _("_Receive") : _("_Adjust"));
  gtk_accessible_update_property (GTK_ACCESSIBLE (self->apply_button), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  kind == PT_STOCK_DIALOG_RECEIVE ? _("Receive") : _("Adjust"), -1);
  gtk_window_set_default_widget (GTK_WINDOW (self), GTK_WIDGET (self->apply_button));
  gtk_stack_set_visible_child_name (self->stack, kind == PT_STOCK_DIALOG_RECEIVE ? "receive" : "adjust");

  if (kind == PT_STOCK_DIALOG_ADJUST)
    {
      load_batches (self);
      gtk_window_set_focus (GTK_WINDOW (self), GTK_WIDGET (self->delta_entry));
    }
  else
    gtk_window_set_focus (GTK_WINDOW (self), GTK_WIDGET (self->lot_entry));
  return GTK_WIDGET (self);
}
