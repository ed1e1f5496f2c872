/* pt-prescriptions-page.c: recent prescriptions and their actions. */
#define G_LOG_DOMAIN "pt-ui"
#include "config.h"

#include <inttypes.h>

#include <glib/gi18n-lib.h>

#include "pt-counter-page.h"
#include "pt-prescriptions-page.h"
#include "pt-rx-print.h"
#include "pt-store-counter.h"
#include "pt-ui-util.h"
#include "pt-window.h"

#define RECENT_LIMIT 500

struct _PtPrescriptionsPage
{
  GtkWidget       parent_instance;

  PtStore        *store;
  gchar          *pharmacy_id;
  gulong          committed_id;
  guint           refresh_idle;

  GtkSearchEntry *search_entry;
  GtkListBox     *list;
  GtkLabel       *count_label;
};

G_DEFINE_FINAL_TYPE (PtPrescriptionsPage, pt_prescriptions_page, GTK_TYPE_WIDGET)

static const gchar *
selected_id (PtPrescriptionsPage *self)
{
  GtkListBoxRow *row = gtk_list_box_get_selected_row (self->list);

  return row ? g_object_get_data (G_OBJECT (row), "rx-id") : NULL;
}

static void
toast (PtPrescriptionsPage *self,
       const gchar         *text)
{
  PtWindow *window = pt_window_from_widget (GTK_WIDGET (self));

  if (window)
    pt_window_add_toast (window, text);
}

static void
update_actions (PtPrescriptionsPage *self)
{
  const gchar *id = selected_id (self);
  gboolean has = id != NULL && self->store != NULL;

#define CAN(p) (self->store != NULL && pt_store_can (self->store, p))
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "rx.new", CAN (PT_PERM_CREATE_PRESCRIPTION));
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "rx.dispense", has && CAN (PT_PERM_DISPENSE));
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "rx.refill",
                                 has && CAN (PT_PERM_CREATE_PRESCRIPTION)
                                 && pt_store_counter_refills_left (self->store, id) > 0);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "rx.labels", has);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "rx.receipt", has);
#undef CAN
}

void
pt_prescriptions_page_refresh (PtPrescriptionsPage *self)
{
  g_autoptr(GPtrArray) rows = NULL;
  g_autofree gchar *keep = NULL;
  g_autofree gchar *query = NULL;
  GtkWidget *child;
  guint n = 0;

  g_return_if_fail (PT_IS_PRESCRIPTIONS_PAGE (self));

  g_clear_handle_id (&self->refresh_idle, g_source_remove);
  keep = g_strdup (selected_id (self));
  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self->list))) != NULL)
    gtk_list_box_remove (self->list, child);
  if (self->store == NULL || pt_store_get_user_id (self->store) == NULL)
    return;

  query = g_utf8_casefold (gtk_editable_get_text (GTK_EDITABLE (self->search_entry)), -1);
  rows = pt_store_counter_recent (self->store, RECENT_LIMIT, NULL);
  for (guint i = 0; rows && i < rows->len; i++)
    {
      PtRxRow *rx = rows->pdata[i];
      g_autofree gchar *hay = g_utf8_casefold (rx->patient_name, -1);
      g_autofree gchar *num = g_utf8_casefold (rx->number, -1);
      g_autofree gchar *title = NULL;
      g_autofree gchar *sub = NULL;
      g_autofree gchar *total = NULL;
      g_autofree gchar *date = NULL;
      g_autofree gchar *a11y = NULL;
      GtkWidget *row;

      if (*query && !strstr (hay, query) && !strstr (num, query))
        continue;
      total = pt_money_format (rx->total, pt_store_get_currency (self->store));
      date = pt_ui_format_date_time (rx->created_at);
      title = g_strdup_printf ("%s · %s · %s", rx->number, rx->patient_name,
                               pt_rx_status_get_label (rx->status));
      sub = rx->owed > 0 && g_strcmp0 (rx->status, "received") != 0
            ? g_strdup_printf (_("%s · %s · total %s · %" PRId64 " owed"), date, rx->summary,
                               total, rx->owed)
            : g_strdup_printf (_("%s · %s · total %s"), date, rx->summary, total);
      row = adw_action_row_new ();
      adw_preferences_row_set_use_markup (ADW_PREFERENCES_ROW (row), FALSE);
      adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), title);
      adw_action_row_set_subtitle (ADW_ACTION_ROW (row), sub);
      a11y = g_strdup_printf (_("Rx %s, %s, %s"), rx->number, rx->patient_name,
                              pt_rx_status_get_label (rx->status));
      gtk_accessible_update_property (GTK_ACCESSIBLE (row), GTK_ACCESSIBLE_PROPERTY_LABEL, a11y, -1);
      g_object_set_data_full (G_OBJECT (row), "rx-id", g_strdup (rx->id), g_free);
      gtk_list_box_append (self->list, row);
      if (g_strcmp0 (keep, rx->id) == 0)
        gtk_list_box_select_row (self->list, GTK_LIST_BOX_ROW (row));
      n++;
    }
  {
    g_autofree gchar *text = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%u prescription",
                                                           "%u prescriptions", n), n);
    gtk_label_set_label (self->count_label, text);
  }
  update_actions (self);
}

static gboolean
refresh_idle_cb (gpointer data)
{
  PtPrescriptionsPage *self = data;

  self->refresh_idle = 0;
  if (gtk_widget_get_mapped (GTK_WIDGET (self)))
    pt_prescriptions_page_refresh (self);
  return G_SOURCE_REMOVE;
}

static void
committed_cb (PtPrescriptionsPage *self)
{
  if (self->refresh_idle == 0)
    self->refresh_idle = g_idle_add (refresh_idle_cb, self);
}

static void
print (PtPrescriptionsPage *self,
       PtRxPrintKind        kind)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(PtRxPrintJob) job = NULL;
  g_autofree gchar *path = NULL;
  const gchar *id = selected_id (self);

  if (id == NULL)
    return;
  job = pt_rx_print_job_new (self->store, id, &error);
  if (job == NULL
      || !pt_rx_print_run (job, kind, kind == PT_RX_PRINT_LABELS ? PT_RX_PAPER_LABEL : PT_RX_PAPER_A4,
                           GTK_WINDOW (gtk_widget_get_root (GTK_WIDGET (self))), NULL, &path, &error))
    {
      PtWindow *window = pt_window_from_widget (GTK_WIDGET (self));
      if (window)
        pt_window_show_error (window, _("Nothing was printed"), error);
      return;
    }
  if (path != NULL)
    {
      g_autofree gchar *text = g_strdup_printf (_("Saved as %s."), path);
      toast (self, text);
    }
}

static void
action_cb (GtkWidget   *widget,
           const gchar *action,
           GVariant    *param)
{
  PtPrescriptionsPage *self = PT_PRESCRIPTIONS_PAGE (widget);
  const gchar *id = selected_id (self);

  if (g_str_equal (action, "rx.new"))
    pt_counter_new_prescription (widget, self->store, self->pharmacy_id, NULL);
  else if (id == NULL)
    return;
  else if (g_str_equal (action, "rx.dispense"))
    pt_counter_dispense (widget, self->store, id);
  else if (g_str_equal (action, "rx.labels"))
    print (self, PT_RX_PRINT_LABELS);
  else if (g_str_equal (action, "rx.receipt"))
    print (self, PT_RX_PRINT_RECEIPT);
  else if (g_str_equal (action, "rx.refill"))
    {
      g_autoptr(GError) error = NULL;
      g_autofree gchar *number = NULL;
      g_autofree gchar *new_id = pt_store_counter_refill (self->store, id, &number, &error);

      if (new_id == NULL)
        {
          PtWindow *window = pt_window_from_widget (widget);
          if (window)
            pt_window_show_error (window, _("No refill was made"), error);
          return;
        }
      {
        g_autofree gchar *text = g_strdup_printf (_("Refill %s is in the counter queue."), number);
        toast (self, text);
      }
      pt_prescriptions_page_refresh (self);
    }
}

void
pt_prescriptions_page_set_store (PtPrescriptionsPage *self,
                                 PtStore             *store,
                                 const gchar         *pharmacy_id)
{
  g_return_if_fail (PT_IS_PRESCRIPTIONS_PAGE (self));

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
  pt_prescriptions_page_refresh (self);
}

void
pt_prescriptions_page_focus_search (PtPrescriptionsPage *self)
{
  gtk_widget_grab_focus (GTK_WIDGET (self->search_entry));
}

static void
map_cb (PtPrescriptionsPage *self)
{
  pt_prescriptions_page_refresh (self);
}

static void
pt_prescriptions_page_dispose (GObject *object)
{
  PtPrescriptionsPage *self = PT_PRESCRIPTIONS_PAGE (object);
  GtkWidget *child;

  g_clear_handle_id (&self->refresh_idle, g_source_remove);
  if (self->store != NULL && self->committed_id != 0)
    g_clear_signal_handler (&self->committed_id, self->store);
  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self))) != NULL)
    gtk_widget_unparent (child);
  g_clear_object (&self->store);
  g_clear_pointer (&self->pharmacy_id, g_free);
  G_OBJECT_CLASS (pt_prescriptions_page_parent_class)->dispose (object);
}

static void
pt_prescriptions_page_class_init (PtPrescriptionsPageClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);
  static const gchar * const actions[] = { "rx.new", "rx.dispense", "rx.refill", "rx.labels", "rx.receipt" };

  object_class->dispose = pt_prescriptions_page_dispose;
  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
  for (guint i = 0; i < G_N_ELEMENTS (actions); i++)
    gtk_widget_class_install_action (widget_class, actions[i], NULL, action_cb);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_n, GDK_CONTROL_MASK, "rx.new", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_d, GDK_CONTROL_MASK, "rx.dispense", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_r, GDK_CONTROL_MASK, "rx.refill", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_p, GDK_CONTROL_MASK, "rx.labels", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_p, GDK_CONTROL_MASK | GDK_SHIFT_MASK,
                                       "rx.receipt", NULL);
}

static GtkWidget *
action_button (const gchar *label,
               const gchar *action,
               const gchar *tooltip)
{
  GtkWidget *b = gtk_button_new_with_mnemonic (label);

  gtk_actionable_set_action_name (GTK_ACTIONABLE (b), action);
  gtk_widget_set_tooltip_text (b, tooltip);
  return b;
}

static void
pt_prescriptions_page_init (PtPrescriptionsPage *self)
{
  GtkWidget *box, *bar, *sw, *b;

  box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 12);
  gtk_widget_set_margin_start (box, 18);
  gtk_widget_set_margin_end (box, 18);
  gtk_widget_set_margin_top (box, 12);
  gtk_widget_set_margin_bottom (box, 18);
  gtk_widget_set_parent (box, GTK_WIDGET (self));

  bar = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 6);
  self->search_entry = GTK_SEARCH_ENTRY (gtk_search_entry_new ());
  gtk_widget_set_hexpand (GTK_WIDGET (self->search_entry), TRUE);
  g_object_set (self->search_entry, "placeholder-text", _("Prescription number or patient name"), NULL);
  gtk_accessible_update_property (GTK_ACCESSIBLE (self->search_entry), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  _("Search prescriptions"), -1);
  g_signal_connect_swapped (self->search_entry, "search-changed",
                            G_CALLBACK (pt_prescriptions_page_refresh), self);
  gtk_box_append (GTK_BOX (bar), GTK_WIDGET (self->search_entry));
  gtk_box_append (GTK_BOX (bar), action_button (_("_Dispense…"), "rx.dispense", _("Dispense (Ctrl+D)")));
  gtk_box_append (GTK_BOX (bar), action_button (_("_Refill"), "rx.refill", _("Refill (Ctrl+R)")));
  gtk_box_append (GTK_BOX (bar), action_button (_("Print _Labels"), "rx.labels", _("Print labels (Ctrl+P)")));
  gtk_box_append (GTK_BOX (bar), action_button (_("Print Re_ceipt"), "rx.receipt",
                                                _("Print receipt (Ctrl+Shift+P)")));
  b = action_button (_("_New Prescription"), "rx.new", _("New prescription (Ctrl+N)"));
  gtk_widget_add_css_class (b, "suggested-action");
  gtk_box_append (GTK_BOX (bar), b);
  gtk_box_append (GTK_BOX (box), bar);

  self->count_label = GTK_LABEL (gtk_label_new (NULL));
  gtk_label_set_xalign (self->count_label, 0);
  gtk_widget_add_css_class (GTK_WIDGET (self->count_label), "dim-label");
  gtk_box_append (GTK_BOX (box), GTK_WIDGET (self->count_label));

  self->list = GTK_LIST_BOX (gtk_list_box_new ());
  gtk_widget_add_css_class (GTK_WIDGET (self->list), "boxed-list");
  gtk_widget_set_valign (GTK_WIDGET (self->list), GTK_ALIGN_START);
  gtk_accessible_update_property (GTK_ACCESSIBLE (self->list), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  _("Prescriptions"), -1);
  g_signal_connect_swapped (self->list, "row-selected", G_CALLBACK (update_actions), self);
  sw = gtk_scrolled_window_new ();
  gtk_scrolled_window_set_policy (GTK_SCROLLED_WINDOW (sw), GTK_POLICY_NEVER, GTK_POLICY_AUTOMATIC);
  gtk_scrolled_window_set_child (GTK_SCROLLED_WINDOW (sw), GTK_WIDGET (self->list));
  gtk_widget_set_vexpand (sw, TRUE);
  gtk_box_append (GTK_BOX (box), sw);
  g_signal_connect_swapped (self, "map", G_CALLBACK (map_cb), self);
}
