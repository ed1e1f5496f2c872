/* pt-counter-page.c: today's queue by status. */
#define G_LOG_DOMAIN "pt-ui"
#include "config.h"

#include <inttypes.h>

#include <glib/gi18n-lib.h>

#include "pt-counter-page.h"
#include "pt-dispense-dialog.h"
#include "pt-prescription-editor.h"
#include "pt-rx-list-model.h"
#include "pt-rx-list-row.h"
#include "pt-store-counter.h"
#include "pt-ui-util.h"
#include "pt-window.h"

enum { COL_RECEIVED, COL_IN_PROGRESS, COL_READY, COL_DONE, N_COLUMNS };

static const struct
{
  const gchar *title;
  const gchar *step;         /* what Enter does */
} columns[N_COLUMNS] = {
  [COL_RECEIVED]    = { N_("Received"), N_("Start") },
  [COL_IN_PROGRESS] = { N_("In Progress"), N_("Mark Ready") },
  [COL_READY]       = { N_("Ready"), N_("Dispense…") },
  [COL_DONE]        = { N_("Dispensed Today"), N_("Hand Over") },
};

struct _PtCounterPage
{
  GtkWidget           parent_instance;

  PtStore            *store;
  gchar              *pharmacy_id;
  gulong              committed_id;
  guint               refresh_idle;
  gchar              *selected_id;
  PtRxListModel      *queue;

  GtkWidget          *alert_box;
  GtkLabel           *alert_label;
  GtkStack           *stack;
  GtkLabel           *headers[N_COLUMNS];
  GtkListBox         *lists[N_COLUMNS];
  GtkFilterListModel *models[N_COLUMNS];
};

G_DEFINE_FINAL_TYPE (PtCounterPage, pt_counter_page, GTK_TYPE_WIDGET)

static gint
column_of (const gchar *status)
{
  if (g_strcmp0 (status, "received") == 0)
    return COL_RECEIVED;
  if (g_strcmp0 (status, "in_progress") == 0)
    return COL_IN_PROGRESS;
  if (g_strcmp0 (status, "ready") == 0)
    return COL_READY;
  if (g_strcmp0 (status, "dispensed") == 0 || g_strcmp0 (status, "picked_up") == 0)
    return COL_DONE;
  return -1;
}

/* ---- Shared flows -------------------------------------------------------- */

static void
dispensed_cb (PtDispenseDialog *dialog,
              const gchar      *id,
              gpointer          data)
{
  /* The page refreshes on the store's "committed" signal. */
}

void
pt_counter_dispense (GtkWidget   *from,
                     PtStore     *store,
                     const gchar *prescription_id)
{
  GtkRoot *root = gtk_widget_get_root (from);
  PtDispenseDialog *dialog;

  if (!pt_store_can (store, PT_PERM_DISPENSE))
    {
      PtWindow *window = pt_window_from_widget (from);
      g_autofree gchar *text = g_strdup_printf (_("A %s cannot dispense; ask a pharmacist."),
                                                pt_role_get_label (pt_store_get_role (store)));
      if (window)
        pt_window_add_toast (window, text);
    }
  dialog = pt_dispense_dialog_new (GTK_WINDOW (root), store, prescription_id);
  g_signal_connect (dialog, "dispensed", G_CALLBACK (dispensed_cb), NULL);
  gtk_window_present (GTK_WINDOW (dialog));
}

static void
cancel_response_cb (AdwMessageDialog *dialog,
                    const gchar      *response,
                    PtStore          *store)
{
  g_autoptr(GError) error = NULL;
  GtkEditable *entry = g_object_get_data (G_OBJECT (dialog), "reason");
  const gchar *id = g_object_get_data (G_OBJECT (dialog), "rx-id");
  GtkWindow *parent = gtk_window_get_transient_for (GTK_WINDOW (dialog));

  if (g_strcmp0 (response, "cancel-rx") != 0)
    return;
  if (!pt_store_cancel_prescription (store, id, gtk_editable_get_text (entry), &error))
    {
      if (PT_IS_WINDOW (parent))
        pt_window_show_error (PT_WINDOW (parent), _("The prescription was not cancelled"), error);
    }
  else if (PT_IS_WINDOW (parent))
    pt_window_add_toast (PT_WINDOW (parent),
                         _("Prescription cancelled; any dispensed stock was returned."));
}

void
pt_counter_cancel (GtkWidget   *from,
                   PtStore     *store,
                   const gchar *prescription_id)
{
  GtkWidget *dialog, *entry;

  g_return_if_fail (PT_IS_STORE (store));

  dialog = adw_message_dialog_new (GTK_WINDOW (gtk_widget_get_root (from)),
                                   _("Cancel Prescription?"),
                                   _("Anything already dispensed goes back into stock. This cannot be undone."));
  entry = gtk_entry_new ();
  gtk_entry_set_placeholder_text (GTK_ENTRY (entry), _("Reason, e.g. prescriber cancelled"));
  gtk_accessible_update_property (GTK_ACCESSIBLE (entry), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  _("Cancellation reason"), -1);
  gtk_entry_set_activates_default (GTK_ENTRY (entry), TRUE);
  adw_message_dialog_set_extra_child (ADW_MESSAGE_DIALOG (dialog), entry);
  adw_message_dialog_add_responses (ADW_MESSAGE_DIALOG (dialog), "keep", _("_Keep"),
                                    "cancel-rx", _("_Cancel Prescription"), NULL);
  adw_message_dialog_set_response_appearance (ADW_MESSAGE_DIALOG (dialog), "cancel-rx",
                                              ADW_RESPONSE_DESTRUCTIVE);
  adw_message_dialog_set_default_response (ADW_MESSAGE_DIALOG (dialog), "cancel-rx");
  adw_message_dialog_set_close_response (ADW_MESSAGE_DIALOG (dialog), "keep");
  g_object_set_data (G_OBJECT (dialog), "reason", entry);
  g_object_set_data_full (G_OBJECT (dialog), "rx-id", g_strdup (prescription_id), g_free);
  g_object_set_data_full (G_OBJECT (dialog), "store", g_object_ref (store), g_object_unref);
  g_signal_connect (dialog, "response", G_CALLBACK (cancel_response_cb), store);
  gtk_window_present (GTK_WINDOW (dialog));
  gtk_widget_grab_focus (entry);
}

typedef struct
{
  GtkWidget *from;
  PtStore   *store;
} EditorContext;

static void
editor_context_free (gpointer data)
{
  EditorContext *ctx = data;

  g_object_unref (ctx->from);
  g_object_unref (ctx->store);
  g_free (ctx);
}

static void
rx_saved_cb (PtPrescriptionEditor *editor,
             const gchar          *id,
             gboolean              dispense,
             EditorContext        *ctx)
{
  PtWindow *window = pt_window_from_widget (ctx->from);
  g_autoptr(PtRxRow) row = pt_store_counter_get_row (ctx->store, id, NULL);

  if (dispense && pt_store_can (ctx->store, PT_PERM_DISPENSE))
    {
      pt_counter_dispense (ctx->from, ctx->store, id);
      return;
    }
  if (window && row)
    {
      g_autofree gchar *text = g_strdup_printf (_("Rx %s for %s is in the queue."), row->number,
                                                row->patient_name);
      pt_window_add_toast (window, text);
    }
}

void
pt_counter_new_prescription (GtkWidget   *from,
                             PtStore     *store,
                             const gchar *pharmacy_id,
                             const gchar *patient_id)
{
  GtkRoot *root = gtk_widget_get_root (from);
  PtPrescriptionEditor *editor;
  EditorContext *ctx;

  if (store == NULL)
    return;
  if (!pt_store_can (store, PT_PERM_CREATE_PRESCRIPTION))
    {
      PtWindow *window = pt_window_from_widget (from);
      g_autofree gchar *text = g_strdup_printf (_("A %s cannot enter prescriptions."),
                                                pt_role_get_label (pt_store_get_role (store)));
      if (window)
        pt_window_add_toast (window, text);
      return;
    }
  editor = pt_prescription_editor_new (GTK_WINDOW (root), store, pharmacy_id, patient_id);
  ctx = g_new0 (EditorContext, 1);
  ctx->from = g_object_ref (from);
  ctx->store = g_object_ref (store);
  g_signal_connect_data (editor, "saved", G_CALLBACK (rx_saved_cb), ctx,
                         (GClosureNotify) (void (*) (void)) editor_context_free, 0);
  gtk_window_present (GTK_WINDOW (editor));
}

/* ---- Queue --------------------------------------------------------------- */

static GtkWidget *
create_row_cb (gpointer item,
               gpointer data)
{
  PtCounterPage *self = data;
  GtkWidget *row = pt_rx_list_row_new (item, self->store ? pt_store_get_currency (self->store) : NULL,
                                       PT_RX_ROW_QUEUE);
  const gchar *status = pt_rx_item_get_status (item);
  gint col = column_of (status);

  gtk_widget_set_tooltip_text (row, g_strcmp0 (status, "picked_up") == 0
                                    ? pt_rx_status_get_label (status)
                                    : col >= 0 ? _(columns[col].step) : NULL);
  return row;
}

static void
update_headers (PtCounterPage *self)
{
  guint total = 0;

  for (guint c = 0; c < N_COLUMNS; c++)
    {
      guint n = g_list_model_get_n_items (G_LIST_MODEL (self->models[c]));
      g_autofree gchar *text = g_strdup_printf ("%s (%u)", _(columns[c].title), n);

      gtk_label_set_label (self->headers[c], text);
      total += n;
    }
  gtk_stack_set_visible_child_name (self->stack, total > 0 ? "queue" : "empty");
}

/* "Calmora 250 mg · Lot CAL-20D · -4; …" for the first few batches. */
static gchar *
describe_negative (PtCounterPage *self,
                   GPtrArray     *negative)
{
  g_autoptr(GString) s = g_string_new (NULL);
  const guint shown = 3;

  for (guint i = 0; i < negative->len && i < shown; i++)
    {
      PtBatchStock *b = negative->pdata[i];
      g_autoptr(bson_t) batch = pt_store_get (self->store, "batches", b->batch_id, NULL);
      g_autofree gchar *medicine_id = batch ? pt_bson_dup_oid_hex (batch, "medicineId") : NULL;
      g_autoptr(bson_t) medicine = medicine_id ? pt_store_get (self->store, "medicines",
                                                               medicine_id, NULL) : NULL;
      const gchar *name = medicine ? pt_bson_get_string (medicine, "name") : NULL;
      const gchar *strength = medicine ? pt_bson_get_string (medicine, "strength") : NULL;
      g_autofree gchar *lot = g_strdup_printf (_("Lot %s"), b->lot_number ? b->lot_number : "");

      if (s->len > 0)
        g_string_append (s, "; ");
      if (name != NULL)
        g_string_append_printf (s, "%s%s%s · ", name, strength ? " " : "", strength ? strength : "");
      g_string_append_printf (s, "%s · %" G_GINT64_FORMAT, lot, (gint64) b->quantity);
    }
  if (negative->len > shown)
    g_string_append (s, "; …");
  return g_string_free (g_steal_pointer (&s), FALSE);
}

static void
update_alert (PtCounterPage *self)
{
  g_autoptr(GPtrArray) negative = NULL;

  negative = self->store && pt_store_get_user_id (self->store)
             ? pt_store_negative_stock (self->store, self->pharmacy_id, NULL) : NULL;
  if (negative != NULL && negative->len > 0)
    {
      g_autofree gchar *text = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE,
        "Stock alert: %u batch is below zero after offline sales on two counters were merged. Count it and record an adjustment on the Medicines page.",
        "Stock alert: %u batches are below zero after offline sales on two counters were merged. Count them and record adjustments on the Medicines page.",
        negative->len), negative->len);
      g_autofree gchar *which = describe_negative (self, negative);
      g_autofree gchar *below = g_strdup_printf (_("Below zero: %s."), which);
      g_autofree gchar *both = g_strconcat (text, " ", below, NULL);

      /* Which medicines: in a catalogue of thousands, "1 batch" alone
       * sends the pharmacist searching. */
      gtk_label_set_label (self->alert_label, both);
      gtk_widget_set_visible (self->alert_box, TRUE);
    }
  else
    gtk_widget_set_visible (self->alert_box, FALSE);
}

static GtkListBoxRow *
find_row (PtCounterPage *self,
          const gchar   *id)
{
  for (guint c = 0; c < N_COLUMNS; c++)
    {
      for (GtkWidget *child = gtk_widget_get_first_child (GTK_WIDGET (self->lists[c])); child;
           child = gtk_widget_get_next_sibling (child))
        if (PT_IS_RX_LIST_ROW (child)
            && g_strcmp0 (pt_rx_list_row_get_id (PT_RX_LIST_ROW (child)), id) == 0)
          return GTK_LIST_BOX_ROW (child);
    }
  return NULL;
}

void
pt_counter_page_refresh (PtCounterPage *self)
{
  g_autoptr(GError) error = NULL;
  gboolean had_focus = FALSE;
  GtkWidget *focus;
  GtkRoot *root;

  g_return_if_fail (PT_IS_COUNTER_PAGE (self));

  g_clear_handle_id (&self->refresh_idle, g_source_remove);
  root = gtk_widget_get_root (GTK_WIDGET (self));
  focus = root ? gtk_root_get_focus (root) : NULL;
  for (guint c = 0; c < N_COLUMNS; c++)
    if (focus && gtk_widget_is_ancestor (focus, GTK_WIDGET (self->lists[c])))
      had_focus = TRUE;

  /* Only the rows whose prescription changed are replaced: the others
   * keep their selection and focus, and assistive technologies keep
   * their objects. */
  if (!pt_rx_list_model_reload (self->queue, &error))
    g_debug ("Queue failed: %s", error->message);
  update_headers (self);
  update_alert (self);

  if (self->selected_id != NULL)
    {
      GtkListBoxRow *row = find_row (self, self->selected_id);

      if (row != NULL)
        {
          GtkListBox *list = GTK_LIST_BOX (gtk_widget_get_parent (GTK_WIDGET (row)));

          if (gtk_list_box_get_selected_row (list) != row)
            gtk_list_box_select_row (list, row);
          if ((had_focus || focus == NULL) && !gtk_widget_has_focus (GTK_WIDGET (row)))
            gtk_widget_grab_focus (GTK_WIDGET (row));
        }
    }
}

static gboolean
refresh_idle_cb (gpointer data)
{
  PtCounterPage *self = data;

  self->refresh_idle = 0;
  pt_counter_page_refresh (self);
  return G_SOURCE_REMOVE;
}

static void
committed_cb (PtCounterPage *self)
{
  if (self->refresh_idle == 0)
    self->refresh_idle = g_idle_add (refresh_idle_cb, self);
}

/* ---- Steps --------------------------------------------------------------- */

static void
show_error (PtCounterPage *self,
            const gchar   *heading,
            const GError  *error)
{
  PtWindow *window = pt_window_from_widget (GTK_WIDGET (self));

  if (window)
    pt_window_show_error (window, heading, error);
}

static void
toast (PtCounterPage *self,
       const gchar   *text)
{
  PtWindow *window = pt_window_from_widget (GTK_WIDGET (self));

  if (window)
    pt_window_add_toast (window, text);
}

/* One key per step: the next status along the workflow, or the dispense
 * dialog, or the hand-over.  Only the step the workflow allows is ever
 * offered, and the store checks it again. */
static void
next_step (PtCounterPage *self,
           const gchar   *id,
           const gchar   *status)
{
  g_autoptr(GError) error = NULL;
  const gchar *to = pt_rx_status_next_step (status);

  g_free (self->selected_id);
  self->selected_id = g_strdup (id);
  if (to != NULL)
    {
      if (!pt_store_set_prescription_status (self->store, id, to, &error))
        show_error (self, _("The prescription was not moved"), error);
      pt_counter_page_refresh (self);
      return;
    }
  if (g_strcmp0 (status, "ready") == 0)
    pt_counter_dispense (GTK_WIDGET (self), self->store, id);
  else if (g_strcmp0 (status, "dispensed") == 0)
    {
      g_autoptr(PtRxRow) rx = pt_store_counter_get_row (self->store, id, NULL);

      if (rx && rx->paid < rx->total)
        {
          toast (self, _("This prescription is not paid yet; dispense it again from the Prescriptions page to take payment, or take payment first."));
          return;
        }
      if (!pt_store_set_prescription_status (self->store, id, "picked_up", &error))
        show_error (self, _("The prescription was not handed over"), error);
      else if (rx)
        {
          g_autofree gchar *text = g_strdup_printf (_("Rx %s handed over to %s."), rx->number,
                                                    rx->patient_name);
          toast (self, text);
        }
      pt_counter_page_refresh (self);
    }
}

static void
row_activated_cb (GtkListBox    *list,
                  GtkListBoxRow *row,
                  PtCounterPage *self)
{
  PtRxItem *item = pt_rx_list_row_get_item (PT_RX_LIST_ROW (row));

  next_step (self, pt_rx_item_get_id (item), pt_rx_item_get_status (item));
}

static void
row_selected_cb (GtkListBox    *list,
                 GtkListBoxRow *row,
                 PtCounterPage *self)
{
  if (row == NULL)
    return;
  g_free (self->selected_id);
  self->selected_id = g_strdup (pt_rx_list_row_get_id (PT_RX_LIST_ROW (row)));
  for (guint c = 0; c < N_COLUMNS; c++)
    if (self->lists[c] != list)
      gtk_list_box_unselect_all (self->lists[c]);
}

static GtkListBoxRow *
selected_row (PtCounterPage *self)
{
  for (guint c = 0; c < N_COLUMNS; c++)
    {
      GtkListBoxRow *row = gtk_list_box_get_selected_row (self->lists[c]);
      if (row != NULL)
        return row;
    }
  return NULL;
}

static void
new_action (GtkWidget   *widget,
            const gchar *action,
            GVariant    *param)
{
  PtCounterPage *self = PT_COUNTER_PAGE (widget);

  pt_counter_new_prescription (widget, self->store, self->pharmacy_id, NULL);
}

static void
dispense_action (GtkWidget   *widget,
                 const gchar *action,
                 GVariant    *param)
{
  PtCounterPage *self = PT_COUNTER_PAGE (widget);
  GtkListBoxRow *row = selected_row (self);
  const gchar *status;

  if (row == NULL)
    return;
  status = pt_rx_item_get_status (pt_rx_list_row_get_item (PT_RX_LIST_ROW (row)));
  if (column_of (status) == COL_DONE)
    {
      toast (self, _("This prescription has already been dispensed."));
      return;
    }
  pt_counter_dispense (widget, self->store, pt_rx_list_row_get_id (PT_RX_LIST_ROW (row)));
}

static void
cancel_action (GtkWidget   *widget,
               const gchar *action,
               GVariant    *param)
{
  PtCounterPage *self = PT_COUNTER_PAGE (widget);
  GtkListBoxRow *row = selected_row (self);

  if (row == NULL || self->store == NULL)
    return;
  pt_counter_cancel (widget, self->store, pt_rx_list_row_get_id (PT_RX_LIST_ROW (row)));
}

/* ---- Public -------------------------------------------------------------- */

void
pt_counter_page_set_store (PtCounterPage *self,
                           PtStore       *store,
                           const gchar   *pharmacy_id)
{
  g_return_if_fail (PT_IS_COUNTER_PAGE (self));

  if (self->store != store)
    {
      if (self->store != NULL && self->committed_id != 0)
        g_clear_signal_handler (&self->committed_id, self->store);
      g_set_object (&self->store, store);
      if (store != NULL)
        self->committed_id = g_signal_connect_swapped (store, "committed",
                                                       G_CALLBACK (committed_cb), self);
    }
  g_free (self->pharmacy_id);
  self->pharmacy_id = g_strdup (pharmacy_id);
  pt_rx_list_model_set_store (self->queue, store);
  pt_rx_list_model_set_pharmacy_id (self->queue, pharmacy_id);
  if (store != NULL)
    {
      gtk_widget_action_set_enabled (GTK_WIDGET (self), "counter.new",
                                     pt_store_can (store, PT_PERM_CREATE_PRESCRIPTION));
      gtk_widget_action_set_enabled (GTK_WIDGET (self), "counter.dispense",
                                     pt_store_can (store, PT_PERM_DISPENSE));
      gtk_widget_action_set_enabled (GTK_WIDGET (self), "counter.cancel",
                                     pt_store_can (store, PT_PERM_CANCEL_PRESCRIPTION));
    }
  pt_counter_page_refresh (self);
}

gboolean
pt_counter_page_has_queue (PtCounterPage *self)
{
  g_return_val_if_fail (PT_IS_COUNTER_PAGE (self), FALSE);

  for (guint c = 0; c < N_COLUMNS; c++)
    if (gtk_list_box_get_row_at_index (self->lists[c], 0) != NULL)
      return TRUE;
  return FALSE;
}

void
pt_counter_page_focus (PtCounterPage *self)
{
  g_return_if_fail (PT_IS_COUNTER_PAGE (self));

  for (guint c = 0; c < N_COLUMNS; c++)
    {
      GtkListBoxRow *row = gtk_list_box_get_row_at_index (self->lists[c], 0);
      if (row != NULL)
        {
          gtk_widget_grab_focus (GTK_WIDGET (row));
          return;
        }
    }
}

/* ---- GObject ------------------------------------------------------------- */

static void
pt_counter_page_dispose (GObject *object)
{
  PtCounterPage *self = PT_COUNTER_PAGE (object);

  g_clear_handle_id (&self->refresh_idle, g_source_remove);
  if (self->store != NULL && self->committed_id != 0)
    g_clear_signal_handler (&self->committed_id, self->store);
  gtk_widget_dispose_template (GTK_WIDGET (self), PT_TYPE_COUNTER_PAGE);
  /* The template's unnamed root is not unparented by the above (GTK 4.8
   * then warns when the page is finalized). */
  for (GtkWidget *c; (c = gtk_widget_get_first_child (GTK_WIDGET (self))) != NULL;)
    gtk_widget_unparent (c);
  g_clear_object (&self->queue);
  g_clear_object (&self->store);
  G_OBJECT_CLASS (pt_counter_page_parent_class)->dispose (object);
}

static void
pt_counter_page_finalize (GObject *object)
{
  PtCounterPage *self = PT_COUNTER_PAGE (object);

  g_free (self->pharmacy_id);
  g_free (self->selected_id);
  G_OBJECT_CLASS (pt_counter_page_parent_class)->finalize (object);
}

static void
pt_counter_page_class_init (PtCounterPageClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = pt_counter_page_dispose;
  object_class->finalize = pt_counter_page_finalize;
  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);

  g_type_ensure (PT_TYPE_RX_ITEM);
  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/github/pharmatrack/Desktop/counter/pt-counter-page.ui");
  gtk_widget_class_bind_template_child (widget_class, PtCounterPage, alert_box);
  gtk_widget_class_bind_template_child (widget_class, PtCounterPage, alert_label);
  gtk_widget_class_bind_template_child (widget_class, PtCounterPage, stack);
#define BIND_COLUMN(c, key) \
  gtk_widget_class_bind_template_child_full (widget_class, key "_header", FALSE, \
                                             G_STRUCT_OFFSET (PtCounterPage, headers[c])); \
  gtk_widget_class_bind_template_child_full (widget_class, key "_list", FALSE, \
                                             G_STRUCT_OFFSET (PtCounterPage, lists[c])); \
  gtk_widget_class_bind_template_child_full (widget_class, key "_model", FALSE, \
                                             G_STRUCT_OFFSET (PtCounterPage, models[c]))
  BIND_COLUMN (COL_RECEIVED, "received");
  BIND_COLUMN (COL_IN_PROGRESS, "in_progress");
  BIND_COLUMN (COL_READY, "ready");
  BIND_COLUMN (COL_DONE, "done");
#undef BIND_COLUMN
  gtk_widget_class_bind_template_callback (widget_class, row_activated_cb);
  gtk_widget_class_bind_template_callback (widget_class, row_selected_cb);

  gtk_widget_class_install_action (widget_class, "counter.new", NULL, new_action);
  gtk_widget_class_install_action (widget_class, "counter.dispense", NULL, dispense_action);
  gtk_widget_class_install_action (widget_class, "counter.cancel", NULL, cancel_action);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_n, GDK_CONTROL_MASK, "counter.new", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_d, GDK_CONTROL_MASK, "counter.dispense", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Delete, 0, "counter.cancel", NULL);
}

static void
pt_counter_page_init (PtCounterPage *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));

  /* One queue model; each column is a filter on it (in the template). */
  self->queue = pt_rx_list_model_new (PT_RX_LIST_QUEUE);
  for (guint c = 0; c < N_COLUMNS; c++)
    {
      gtk_filter_list_model_set_model (self->models[c], G_LIST_MODEL (self->queue));
      gtk_list_box_bind_model (self->lists[c], G_LIST_MODEL (self->models[c]), create_row_cb,
                               self, NULL);
      {
        GtkWidget *placeholder = gtk_label_new (C_("queue", "None"));

        gtk_widget_add_css_class (placeholder, "dim-label");
        gtk_widget_set_margin_top (placeholder, 12);
        gtk_widget_set_margin_bottom (placeholder, 12);
        gtk_list_box_set_placeholder (self->lists[c], placeholder);
      }
    }
  update_headers (self);
}
