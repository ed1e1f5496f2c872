/* pt-prescriptions-page.c: recent prescriptions and their actions. */
#define G_LOG_DOMAIN "pt-ui"
#include "config.h"

#include <inttypes.h>

#include <glib/gi18n-lib.h>

#include "pt-counter-page.h"
#include "pt-prescriptions-page.h"
#include "pt-rx-list-model.h"
#include "pt-rx-list-row.h"
#include "pt-rx-print.h"
#include "pt-store-counter.h"
#include "pt-ui-util.h"
#include "pt-window.h"

struct _PtPrescriptionsPage
{
  GtkWidget       parent_instance;

  PtStore        *store;
  gchar          *pharmacy_id;
  gulong          committed_id;
  guint           refresh_idle;

  PtRxListModel  *model;

  GtkSearchEntry *search_entry;
  GtkListBox     *list;
  GtkLabel       *count_label;
};

G_DEFINE_FINAL_TYPE (PtPrescriptionsPage, pt_prescriptions_page, GTK_TYPE_WIDGET)

static const gchar *
selected_id (PtPrescriptionsPage *self)
{
  GtkListBoxRow *row = gtk_list_box_get_selected_row (self->list);

  return row ? pt_rx_list_row_get_id (PT_RX_LIST_ROW (row)) : NULL;
}

static void
toast (PtPrescriptionsPage *self,
       const gchar         *text)
{
  PtWindow *window = pt_window_from_widget (GTK_WIDGET (self));

  if (window)
    pt_window_add_toast (window, text);
}

static const gchar *
selected_status (PtPrescriptionsPage *self)
{
  GtkListBoxRow *row = gtk_list_box_get_selected_row (self->list);

  return row ? pt_rx_item_get_status (pt_rx_list_row_get_item (PT_RX_LIST_ROW (row))) : NULL;
}

/* Cancelled and handed-over prescriptions cannot be cancelled. */
static gboolean
open_status (PtPrescriptionsPage *self)
{
  const gchar *status = selected_status (self);

  return status && g_strcmp0 (status, "cancelled") != 0 && g_strcmp0 (status, "picked_up") != 0;
}

/* Only what was dispensed is refilled (the store refuses the rest). */
static gboolean
refillable_status (PtPrescriptionsPage *self)
{
  const gchar *status = selected_status (self);

  return g_strcmp0 (status, "dispensed") == 0 || g_strcmp0 (status, "picked_up") == 0;
}

/* What is still to fill: received, in preparation (a part-fill) or ready. */
static gboolean
fillable_status (PtPrescriptionsPage *self)
{
  const gchar *status = selected_status (self);

  return status != NULL && pt_rx_status_is_valid (status) && !refillable_status (self)
         && g_strcmp0 (status, "cancelled") != 0;
}

static void
update_actions (PtPrescriptionsPage *self)
{
  const gchar *id = selected_id (self);
  gboolean has = id != NULL && self->store != NULL;

#define CAN(p) (self->store != NULL && pt_store_can (self->store, p))
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "rx.new", CAN (PT_PERM_CREATE_PRESCRIPTION));
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "rx.dispense",
                                 has && CAN (PT_PERM_DISPENSE) && fillable_status (self));
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "rx.refill",
                                 has && CAN (PT_PERM_CREATE_PRESCRIPTION) && refillable_status (self)
                                 && pt_store_counter_refills_left (self->store, id) > 0);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "rx.cancel",
                                 has && CAN (PT_PERM_CANCEL_PRESCRIPTION) && open_status (self));
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "rx.labels", has);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "rx.receipt", has);
#undef CAN
}

static GtkWidget *
create_row_cb (gpointer item,
               gpointer data)
{
  PtPrescriptionsPage *self = data;

  return pt_rx_list_row_new (item, self->store ? pt_store_get_currency (self->store) : NULL,
                             PT_RX_ROW_LIST);
}

void
pt_prescriptions_page_refresh (PtPrescriptionsPage *self)
{
  g_autoptr(GError) error = NULL;
  g_autofree gchar *keep = NULL;
  gboolean list_had_focus;
  GtkWidget *focus;
  GtkRoot *root;
  guint n;

  g_return_if_fail (PT_IS_PRESCRIPTIONS_PAGE (self));

  g_clear_handle_id (&self->refresh_idle, g_source_remove);
  keep = g_strdup (selected_id (self));
  root = gtk_widget_get_root (GTK_WIDGET (self));
  focus = root ? gtk_root_get_focus (root) : NULL;
  list_had_focus = focus != NULL && gtk_widget_is_ancestor (focus, GTK_WIDGET (self->list));
  pt_rx_list_model_set_filter_text (self->model,
                                    gtk_editable_get_text (GTK_EDITABLE (self->search_entry)));
  if (!pt_rx_list_model_reload (self->model, &error))
    g_debug ("Recent prescriptions failed: %s", error->message);
  n = g_list_model_get_n_items (G_LIST_MODEL (self->model));
  if (keep != NULL && selected_id (self) == NULL)
    {
      gint pos = pt_rx_list_model_find (self->model, keep);

      if (pos >= 0)
        {
          GtkListBoxRow *row = gtk_list_box_get_row_at_index (self->list, pos);

          gtk_list_box_select_row (self->list, row);
          /* Its row was replaced (a dialog changed it): the keyboard
           * stays on it, ready for the next step. */
          focus = root ? gtk_root_get_focus (root) : NULL;
          if (list_had_focus || focus == NULL)
            gtk_widget_grab_focus (GTK_WIDGET (row));
        }
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
  else if (g_str_equal (action, "rx.search"))
    {
      /* Selected, so typing replaces the last search. */
      gtk_widget_grab_focus (GTK_WIDGET (self->search_entry));
      gtk_editable_select_region (GTK_EDITABLE (self->search_entry), 0, -1);
    }
  else if (id == NULL)
    return;
  else if (g_str_equal (action, "rx.dispense"))
    pt_counter_dispense (widget, self->store, id);
  else if (g_str_equal (action, "rx.cancel"))
    pt_counter_cancel (widget, self->store, id);
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
      /* The new fill is found and selected, so Ctrl+D dispenses it next. */
      gtk_editable_set_text (GTK_EDITABLE (self->search_entry), number);
      pt_prescriptions_page_refresh (self);
      {
        gint pos = pt_rx_list_model_find (self->model, new_id);
        GtkListBoxRow *row = pos >= 0 ? gtk_list_box_get_row_at_index (self->list, pos) : NULL;

        if (row != NULL)
          {
            gtk_list_box_select_row (self->list, row);
            gtk_widget_grab_focus (GTK_WIDGET (row));
          }
      }
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
  pt_rx_list_model_set_store (self->model, store);
  pt_rx_list_model_set_pharmacy_id (self->model, pharmacy_id);
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
search_changed_cb (PtPrescriptionsPage *self)
{
  pt_prescriptions_page_refresh (self);
}

/* Enter in the search: the first match is selected and has the focus,
 * ready for Ctrl+D, Ctrl+P or Delete. */
static void
search_activate_cb (PtPrescriptionsPage *self)
{
  GtkListBoxRow *row;

  pt_prescriptions_page_refresh (self);
  row = gtk_list_box_get_row_at_index (self->list, 0);
  if (row == NULL)
    return;
  gtk_list_box_select_row (self->list, row);
  gtk_widget_grab_focus (GTK_WIDGET (row));
}

static void
pt_prescriptions_page_dispose (GObject *object)
{
  PtPrescriptionsPage *self = PT_PRESCRIPTIONS_PAGE (object);

  g_clear_handle_id (&self->refresh_idle, g_source_remove);
  if (self->store != NULL && self->committed_id != 0)
    g_clear_signal_handler (&self->committed_id, self->store);
  gtk_widget_dispose_template (GTK_WIDGET (self), PT_TYPE_PRESCRIPTIONS_PAGE);
  /* The template's unnamed root is not unparented by the above (GTK 4.8
   * then warns when the page is finalized). */
  for (GtkWidget *c; (c = gtk_widget_get_first_child (GTK_WIDGET (self))) != NULL;)
    gtk_widget_unparent (c);
  g_clear_object (&self->model);
  g_clear_object (&self->store);
  g_clear_pointer (&self->pharmacy_id, g_free);
  G_OBJECT_CLASS (pt_prescriptions_page_parent_class)->dispose (object);
}

static void
pt_prescriptions_page_class_init (PtPrescriptionsPageClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);
  static const gchar * const actions[] = { "rx.new", "rx.search", "rx.dispense", "rx.refill",
                                           "rx.cancel", "rx.labels", "rx.receipt" };

  object_class->dispose = pt_prescriptions_page_dispose;
  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/github/pharmatrack/Desktop/prescriptions/pt-prescriptions-page.ui");
  gtk_widget_class_bind_template_child (widget_class, PtPrescriptionsPage, search_entry);
  gtk_widget_class_bind_template_child (widget_class, PtPrescriptionsPage, list);
  gtk_widget_class_bind_template_child (widget_class, PtPrescriptionsPage, count_label);
  gtk_widget_class_bind_template_callback (widget_class, search_changed_cb);
  gtk_widget_class_bind_template_callback (widget_class, search_activate_cb);
  gtk_widget_class_bind_template_callback (widget_class, update_actions);
  for (guint i = 0; i < G_N_ELEMENTS (actions); i++)
    gtk_widget_class_install_action (widget_class, actions[i], NULL, action_cb);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_n, GDK_CONTROL_MASK, "rx.new", NULL);
  /* Ctrl+F searches this page (the window's Ctrl+F goes to Medicines). */
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_f, GDK_CONTROL_MASK, "rx.search", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_d, GDK_CONTROL_MASK, "rx.dispense", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_r, GDK_CONTROL_MASK, "rx.refill", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Delete, 0, "rx.cancel", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_p, GDK_CONTROL_MASK, "rx.labels", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_p, GDK_CONTROL_MASK | GDK_SHIFT_MASK,
                                       "rx.receipt", NULL);
}

static void
pt_prescriptions_page_init (PtPrescriptionsPage *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
  self->model = pt_rx_list_model_new (PT_RX_LIST_RECENT);
  {
    GtkWidget *placeholder = gtk_label_new (_("No prescription matches."));

    gtk_widget_add_css_class (placeholder, "dim-label");
    gtk_widget_set_margin_top (placeholder, 18);
    gtk_widget_set_margin_bottom (placeholder, 18);
    gtk_list_box_set_placeholder (self->list, placeholder);
  }
  gtk_list_box_bind_model (self->list, G_LIST_MODEL (self->model), create_row_cb, self, NULL);
  g_signal_connect_swapped (self, "map", G_CALLBACK (map_cb), self);
}
