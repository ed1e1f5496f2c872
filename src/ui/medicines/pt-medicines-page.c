#define G_LOG_DOMAIN "pt-ui"
#include "config.h"

#include <inttypes.h>
#include <glib/gi18n-lib.h>

#include "pt-medicines-page.h"
#include "pt-medicine-detail.h"
#include "pt-medicine-editor.h"
#include "pt-medicine-item.h"
#include "pt-medicine-list-model.h"
#include "pt-stock-dialog.h"
#include "pt-ui-util.h"
#include "pt-window.h"

struct _PtMedicinesPage
{
  GtkWidget            parent_instance;

  GtkSearchEntry      *search_entry;
  GtkStack            *list_stack;
  GtkColumnView       *column_view;
  GtkSingleSelection  *selection;
  GtkColumnViewColumn *name_column;
  GtkColumnViewColumn *stock_column;
  GtkColumnViewColumn *expiry_column;
  GtkColumnViewColumn *price_column;
  AdwStatusPage       *empty_page;
  GtkLabel            *count_label;
  PtMedicineDetail    *detail;

  PtStore             *store;
  gchar               *pharmacy_id;
  PtMedicineListModel *model;
  /* Sort probe: which column sorter the view consulted first. */
  gint                 probed_sort;
};

G_DEFINE_FINAL_TYPE (PtMedicinesPage, pt_medicines_page, GTK_TYPE_WIDGET)

static PtMedicineItem *
get_selected_item (PtMedicinesPage *self)
{
  gpointer item = gtk_single_selection_get_selected_item (self->selection);

  if (item == NULL || pt_medicine_item_get_id (item) == NULL)
    return NULL;
  return item;
}

static void
update_actions (PtMedicinesPage *self)
{
  gboolean selected = get_selected_item (self) != NULL;
  gboolean has_store = self->store != NULL && pt_store_get_user_id (self->store) != NULL;

#define CAN(perm) (has_store && pt_store_can (self->store, perm))
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "medicines.new", CAN (PT_PERM_EDIT_MEDICINE));
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "medicines.edit", selected && CAN (PT_PERM_EDIT_MEDICINE));
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "medicines.edit-price", selected && CAN (PT_PERM_EDIT_PRICE));
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "medicines.receive", selected && CAN (PT_PERM_RECEIVE_STOCK));
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "medicines.adjust", selected && CAN (PT_PERM_ADJUST_STOCK));
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "medicines.write-off", CAN (PT_PERM_WRITE_OFF_STOCK));
#undef CAN
}

static void
update_count (PtMedicinesPage *self)
{
  guint n = self->model ? g_list_model_get_n_items (G_LIST_MODEL (self->model)) : 0;
  const gchar *query = self->model ? pt_medicine_list_model_get_query (self->model) : "";
  g_autofree gchar *count = pt_ui_format_count (n);
  g_autofree gchar *text = NULL;

  if (*query && !pt_medicine_list_model_is_complete (self->model))
    /* The other matches are read as the list reaches them. */
    text = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "At least %s medicine matches “%s”",
                                         "At least %s medicines match “%s”", n), count, query);
  else if (*query)
    text = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%s medicine matches “%s”",
                                         "%s medicines match “%s”", n), count, query);
  else
    text = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%s medicine", "%s medicines", n), count);
  gtk_label_set_label (self->count_label, text);

  if (n == 0 && self->store != NULL)
    {
      g_autofree gchar *description = NULL;

      if (*query)
        description = g_strdup_printf (_("Nothing matches “%s”. Check the spelling, search by generic name or code, or scan the barcode again."), query);
      else
        description = g_strdup (_("The catalogue is empty. Add a medicine with New (Ctrl+N)."));
      adw_status_page_set_description (self->empty_page, description);
      gtk_stack_set_visible_child_name (self->list_stack, "empty");
    }
  else
    gtk_stack_set_visible_child_name (self->list_stack, "list");
}

static void
show_selected (PtMedicinesPage *self)
{
  PtMedicineItem *item = get_selected_item (self);

  pt_medicine_detail_show (self->detail, self->store, self->pharmacy_id,
                           item ? pt_medicine_item_get_id (item) : NULL);
  update_actions (self);
}

static void
selection_changed_cb (PtMedicinesPage *self)
{
  show_selected (self);
}

/* ---- Search ------------------------------------------------------------ */

static void
search_changed_cb (PtMedicinesPage *self)
{
  if (self->model == NULL)
    return;
  pt_medicine_list_model_set_query (self->model, gtk_editable_get_text (GTK_EDITABLE (self->search_entry)));
  update_count (self);
}

static gboolean
looks_like_barcode (const gchar *text)
{
  gsize n = strlen (text);

  if (n < 8 || n > 14)
    return FALSE;
  for (const gchar *p = text; *p; p++)
    if (!g_ascii_isdigit (*p))
      return FALSE;
  return TRUE;
}

static void
search_activate_cb (PtMedicinesPage *self)
{
  g_autofree gchar *text = NULL;

  if (self->model == NULL)
    return;
  text = g_strstrip (g_strdup (gtk_editable_get_text (GTK_EDITABLE (self->search_entry))));
  /* A scanner types fast and ends with Enter: search now, not after the
   * search delay. */
  pt_medicine_list_model_set_query (self->model, text);
  update_count (self);

  if (looks_like_barcode (text))
    {
      g_autofree gchar *id = pt_store_find_by_barcode (self->store, text);
      PtWindow *window = pt_window_from_widget (GTK_WIDGET (self));

      if (id == NULL)
        {
          g_autofree gchar *message = g_strdup_printf (_("No medicine has the barcode %s."), text);

          if (window != NULL)
            pt_window_add_toast (window, message);
          gtk_editable_select_region (GTK_EDITABLE (self->search_entry), 0, -1);
          return;
        }
      /* The exact barcode match is listed first. */
      gtk_single_selection_set_selected (self->selection, 0);
      show_selected (self);
      /* Ready for the next scan: it replaces this one. */
      gtk_editable_select_region (GTK_EDITABLE (self->search_entry), 0, -1);
      return;
    }

  if (g_list_model_get_n_items (G_LIST_MODEL (self->model)) > 0)
    {
      gtk_single_selection_set_selected (self->selection, 0);
      show_selected (self);
      gtk_widget_grab_focus (GTK_WIDGET (self->column_view));
    }
}

static void
stop_search_cb (PtMedicinesPage *self)
{
  gtk_editable_set_text (GTK_EDITABLE (self->search_entry), "");
}

static void
row_activated_cb (PtMedicinesPage *self,
                  guint            position)
{
  gtk_single_selection_set_selected (self->selection, position);
  show_selected (self);
}

/* ---- Sorting ----------------------------------------------------------- */

/* GTK 4.8 has no API to ask a column view which column it sorts by.  Each
 * sortable column gets a sorter that, when consulted, records its kind and
 * answers "smaller"; the view's sorter consults its primary column first
 * and inverts the answer for descending order.  So one comparison tells
 * both the column and the direction, and the store does the sorting. */
typedef struct
{
  PtMedicinesPage *page;
  PtMedicineSort   sort;
} SortProbe;

static int
probe_compare (gconstpointer a,
               gconstpointer b,
               gpointer      user_data)
{
  SortProbe *probe = user_data;

  if (probe->page->probed_sort < 0)
    probe->page->probed_sort = probe->sort;
  return GTK_ORDERING_SMALLER;
}

static void
sorter_changed_cb (PtMedicinesPage *self)
{
  g_autoptr(GObject) a = NULL;
  g_autoptr(GObject) b = NULL;
  GtkSorter *sorter;
  GtkOrdering order;

  /* The view drops its sort columns while the page is disposed. */
  if (self->column_view == NULL || self->model == NULL)
    return;
  sorter = gtk_column_view_get_sorter (self->column_view);
  a = g_object_new (G_TYPE_OBJECT, NULL);
  b = g_object_new (G_TYPE_OBJECT, NULL);
  self->probed_sort = -1;
  order = gtk_sorter_compare (sorter, a, b);
  if (self->model == NULL)
    return;
  if (self->probed_sort < 0)
    pt_medicine_list_model_set_sort (self->model, PT_MEDICINE_SORT_NAME, FALSE);
  else
    pt_medicine_list_model_set_sort (self->model, self->probed_sort, order == GTK_ORDERING_LARGER);
}

static void
setup_sorter (PtMedicinesPage     *self,
              GtkColumnViewColumn *column,
              PtMedicineSort       sort)
{
  SortProbe *probe = g_new0 (SortProbe, 1);
  g_autoptr(GtkCustomSorter) sorter = NULL;

  probe->page = self;
  probe->sort = sort;
  sorter = gtk_custom_sorter_new (probe_compare, probe, g_free);
  gtk_column_view_column_set_sorter (column, GTK_SORTER (sorter));
}

/* ---- Actions ----------------------------------------------------------- */

static void
dialog_done_cb (PtMedicinesPage *self,
                const gchar     *message)
{
  PtWindow *window = pt_window_from_widget (GTK_WIDGET (self));

  pt_medicines_page_refresh (self);
  if (window != NULL)
    {
      pt_window_store_changed (window);
      if (message != NULL)
        pt_window_add_toast (window, message);
    }
}

static GtkWindow *
parent_window (PtMedicinesPage *self)
{
  return GTK_WINDOW (gtk_widget_get_root (GTK_WIDGET (self)));
}

static void
open_editor (PtMedicinesPage *self,
             PtEditorMode     mode)
{
  PtMedicineItem *item = get_selected_item (self);
  GtkWidget *editor;

  editor = pt_medicine_editor_new (parent_window (self), self->store, mode,
                                   mode == PT_EDITOR_NEW || item == NULL ? NULL : pt_medicine_item_get_id (item));
  g_signal_connect_swapped (editor, "done", G_CALLBACK (dialog_done_cb), self);
  gtk_window_present (GTK_WINDOW (editor));
}

static void
new_action (GtkWidget *widget, const gchar *name, GVariant *param)
{
  open_editor (PT_MEDICINES_PAGE (widget), PT_EDITOR_NEW);
}

static void
edit_action (GtkWidget *widget, const gchar *name, GVariant *param)
{
  open_editor (PT_MEDICINES_PAGE (widget), PT_EDITOR_EDIT);
}

static void
edit_price_action (GtkWidget *widget, const gchar *name, GVariant *param)
{
  open_editor (PT_MEDICINES_PAGE (widget), PT_EDITOR_PRICE);
}

static void
open_stock_dialog (PtMedicinesPage *self,
                   PtStockDialogKind kind)
{
  PtMedicineItem *item = get_selected_item (self);
  GtkWidget *dialog;

  if (item == NULL)
    return;
  dialog = pt_stock_dialog_new (parent_window (self), self->store, kind,
                                pt_medicine_item_get_id (item),
                                pt_medicine_item_get_name (item),
                                self->pharmacy_id);
  g_signal_connect_swapped (dialog, "done", G_CALLBACK (dialog_done_cb), self);
  gtk_window_present (GTK_WINDOW (dialog));
}

static void
receive_action (GtkWidget *widget, const gchar *name, GVariant *param)
{
  open_stock_dialog (PT_MEDICINES_PAGE (widget), PT_STOCK_DIALOG_RECEIVE);
}

static void
adjust_action (GtkWidget *widget, const gchar *name, GVariant *param)
{
  open_stock_dialog (PT_MEDICINES_PAGE (widget), PT_STOCK_DIALOG_ADJUST);
}

static void
write_off_response_cb (AdwMessageDialog *dialog,
                       const gchar      *response,
                       PtMedicinesPage  *self)
{
  g_autoptr(GError) error = NULL;
  g_autofree gchar *message = NULL;
  guint n = 0;

  if (g_strcmp0 (response, "write-off") != 0 || self->store == NULL)
    return;
  if (!pt_store_write_off_expired (self->store, self->pharmacy_id, pt_time_now (), &n, &error))
    {
      PtWindow *window = pt_window_from_widget (GTK_WIDGET (self));

      if (window != NULL)
        pt_window_show_error (window, _("Expired Stock Was Not Written Off"), error);
      return;
    }
  message = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "Wrote off %u expired batch",
                                          "Wrote off %u expired batches", n), n);
  dialog_done_cb (self, message);
}

static void
write_off_action (GtkWidget *widget, const gchar *name, GVariant *param)
{
  PtMedicinesPage *self = PT_MEDICINES_PAGE (widget);
  g_autoptr(GPtrArray) expired = NULL;
  g_autoptr(GError) error = NULL;
  GtkWidget *dialog;
  PtQuantity units = 0;

  expired = pt_store_expiring (self->store, self->pharmacy_id, pt_time_now (), &error);
  if (expired == NULL)
    {
      PtWindow *window = pt_window_from_widget (widget);

      if (window != NULL)
        pt_window_show_error (window, _("Expired Stock Could Not Be Checked"), error);
      return;
    }
  if (expired->len == 0)
    {
      dialog = adw_message_dialog_new (parent_window (self), _("Nothing Has Expired"),
                                       _("No batch with stock at this branch is past its expiry date."));
      adw_message_dialog_add_response (ADW_MESSAGE_DIALOG (dialog), "close", _("_Close"));
      gtk_window_present (GTK_WINDOW (dialog));
      return;
    }
  for (guint i = 0; i < expired->len; i++)
    units += ((PtBatchStock *) g_ptr_array_index (expired, i))->quantity;

  dialog = adw_message_dialog_new (parent_window (self), _("Write Off Expired Stock?"), NULL);
  adw_message_dialog_format_body (ADW_MESSAGE_DIALOG (dialog),
                                  g_dngettext (GETTEXT_PACKAGE,
                                               "%u batch (%" PRId64 " units) at this branch is past its expiry date. Its stock is removed from the count; the write-off is recorded in the stock history and the audit log.",
                                               "%u batches (%" PRId64 " units) at this branch are past their expiry date. Their stock is removed from the count; the write-off is recorded in the stock history and the audit log.",
                                               expired->len),
                                  expired->len, units);
  adw_message_dialog_add_responses (ADW_MESSAGE_DIALOG (dialog),
                                    "cancel", _("_Cancel"),
                                    "write-off", _("_Write Off"),
                                    NULL);
  adw_message_dialog_set_response_appearance (ADW_MESSAGE_DIALOG (dialog), "write-off", ADW_RESPONSE_DESTRUCTIVE);
  adw_message_dialog_set_default_response (ADW_MESSAGE_DIALOG (dialog), "cancel");
  adw_message_dialog_set_close_response (ADW_MESSAGE_DIALOG (dialog), "cancel");
  g_signal_connect (dialog, "response", G_CALLBACK (write_off_response_cb), self);
  gtk_window_present (GTK_WINDOW (dialog));
}

/* ---- Public ------------------------------------------------------------ */

void
pt_medicines_page_set_store (PtMedicinesPage *self,
                             PtStore         *store,
                             const gchar     *pharmacy_id)
{
  g_return_if_fail (PT_IS_MEDICINES_PAGE (self));

  g_set_object (&self->store, store);
  g_free (self->pharmacy_id);
  self->pharmacy_id = g_strdup (pharmacy_id);
  if (self->model == NULL)
    {
      self->model = pt_medicine_list_model_new (NULL);
      pt_medicine_list_model_set_pharmacy_id (self->model, pharmacy_id);
      pt_medicine_list_model_set_store (self->model, store);
      gtk_single_selection_set_model (self->selection, G_LIST_MODEL (self->model));
      /* A search's other matches are added, a part at a time, as the
       * list reaches them: "At least N" grows, then the exact count. */
      g_signal_connect_object (self->model, "notify::complete",
                               G_CALLBACK (update_count), self, G_CONNECT_SWAPPED);
      g_signal_connect_object (self->model, "notify::n-items",
                               G_CALLBACK (update_count), self, G_CONNECT_SWAPPED);
    }
  else
    {
      pt_medicine_list_model_set_pharmacy_id (self->model, pharmacy_id);
      pt_medicine_list_model_set_store (self->model, store);
    }
  update_count (self);
  show_selected (self);
}

void
pt_medicines_page_focus_search (PtMedicinesPage *self)
{
  g_return_if_fail (PT_IS_MEDICINES_PAGE (self));
  gtk_widget_grab_focus (GTK_WIDGET (self->search_entry));
  gtk_editable_select_region (GTK_EDITABLE (self->search_entry), 0, -1);
}

void
pt_medicines_page_refresh (PtMedicinesPage *self)
{
  guint position;

  g_return_if_fail (PT_IS_MEDICINES_PAGE (self));
  if (self->model == NULL)
    return;
  position = gtk_single_selection_get_selected (self->selection);
  pt_medicine_list_model_refresh (self->model);
  if (position != GTK_INVALID_LIST_POSITION
      && position < g_list_model_get_n_items (G_LIST_MODEL (self->model)))
    gtk_single_selection_set_selected (self->selection, position);
  update_count (self);
  show_selected (self);
}

void
pt_medicines_page_update_permissions (PtMedicinesPage *self)
{
  g_return_if_fail (PT_IS_MEDICINES_PAGE (self));
  update_actions (self);
  pt_medicine_detail_show (self->detail, self->store, self->pharmacy_id,
                           get_selected_item (self) ? pt_medicine_item_get_id (get_selected_item (self)) : NULL);
}

/* ---- GObject ----------------------------------------------------------- */

static void
pt_medicines_page_dispose (GObject *object)
{
  PtMedicinesPage *self = PT_MEDICINES_PAGE (object);

  gtk_widget_dispose_template (GTK_WIDGET (self), PT_TYPE_MEDICINES_PAGE);
  /* Template children that are not bound by name stay parented. */
  for (GtkWidget *c; (c = gtk_widget_get_first_child (GTK_WIDGET (self))) != NULL;)
    gtk_widget_unparent (c);
  g_clear_object (&self->model);
  g_clear_object (&self->store);
  G_OBJECT_CLASS (pt_medicines_page_parent_class)->dispose (object);
}

static void
pt_medicines_page_finalize (GObject *object)
{
  PtMedicinesPage *self = PT_MEDICINES_PAGE (object);

  g_free (self->pharmacy_id);
  G_OBJECT_CLASS (pt_medicines_page_parent_class)->finalize (object);
}

static void
pt_medicines_page_class_init (PtMedicinesPageClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = pt_medicines_page_dispose;
  object_class->finalize = pt_medicines_page_finalize;

  g_type_ensure (PT_TYPE_MEDICINE_ITEM);
  g_type_ensure (PT_TYPE_MEDICINE_DETAIL);

  gtk_widget_class_set_template_from_resource (widget_class, "/io/github/pharmatrack/Desktop/medicines/pt-medicines-page.ui");
  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BOX_LAYOUT);
  gtk_widget_class_bind_template_child (widget_class, PtMedicinesPage, search_entry);
  gtk_widget_class_bind_template_child (widget_class, PtMedicinesPage, list_stack);
  gtk_widget_class_bind_template_child (widget_class, PtMedicinesPage, column_view);
  gtk_widget_class_bind_template_child (widget_class, PtMedicinesPage, selection);
  gtk_widget_class_bind_template_child (widget_class, PtMedicinesPage, name_column);
  gtk_widget_class_bind_template_child (widget_class, PtMedicinesPage, stock_column);
  gtk_widget_class_bind_template_child (widget_class, PtMedicinesPage, expiry_column);
  gtk_widget_class_bind_template_child (widget_class, PtMedicinesPage, price_column);
  gtk_widget_class_bind_template_child (widget_class, PtMedicinesPage, empty_page);
  gtk_widget_class_bind_template_child (widget_class, PtMedicinesPage, count_label);
  gtk_widget_class_bind_template_child (widget_class, PtMedicinesPage, detail);
  gtk_widget_class_bind_template_callback (widget_class, search_changed_cb);
  gtk_widget_class_bind_template_callback (widget_class, search_activate_cb);
  gtk_widget_class_bind_template_callback (widget_class, stop_search_cb);
  gtk_widget_class_bind_template_callback (widget_class, selection_changed_cb);
  gtk_widget_class_bind_template_callback (widget_class, row_activated_cb);

  gtk_widget_class_install_action (widget_class, "medicines.new", NULL, new_action);
  gtk_widget_class_install_action (widget_class, "medicines.edit", NULL, edit_action);
  gtk_widget_class_install_action (widget_class, "medicines.edit-price", NULL, edit_price_action);
  gtk_widget_class_install_action (widget_class, "medicines.receive", NULL, receive_action);
  gtk_widget_class_install_action (widget_class, "medicines.adjust", NULL, adjust_action);
  gtk_widget_class_install_action (widget_class, "medicines.write-off", NULL, write_off_action);

  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_n, GDK_CONTROL_MASK, "medicines.new", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_e, GDK_CONTROL_MASK, "medicines.edit", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_P, GDK_CONTROL_MASK | GDK_SHIFT_MASK, "medicines.edit-price", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_r, GDK_CONTROL_MASK, "medicines.receive", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_j, GDK_CONTROL_MASK, "medicines.adjust", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_X, GDK_CONTROL_MASK | GDK_SHIFT_MASK, "medicines.write-off", NULL);
}

static void
pt_medicines_page_init (PtMedicinesPage *self)
{
  GtkBoxLayout *layout;

  gtk_widget_init_template (GTK_WIDGET (self));
  layout = GTK_BOX_LAYOUT (gtk_widget_get_layout_manager (GTK_WIDGET (self)));
  gtk_orientable_set_orientation (GTK_ORIENTABLE (layout), GTK_ORIENTATION_VERTICAL);

  setup_sorter (self, self->name_column, PT_MEDICINE_SORT_NAME);
  setup_sorter (self, self->stock_column, PT_MEDICINE_SORT_STOCK);
  setup_sorter (self, self->expiry_column, PT_MEDICINE_SORT_EXPIRY);
  setup_sorter (self, self->price_column, PT_MEDICINE_SORT_PRICE);
  gtk_column_view_sort_by_column (self->column_view, self->name_column, GTK_SORT_ASCENDING);
  g_signal_connect_swapped (gtk_column_view_get_sorter (self->column_view), "changed",
                            G_CALLBACK (sorter_changed_cb), self);
  update_actions (self);
}
