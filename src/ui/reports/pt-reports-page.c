/* pt-reports-page.c: daily takings per user and per payment method. */
#define G_LOG_DOMAIN "pt-ui"
#include "config.h"

#include <glib/gi18n-lib.h>

#include "pt-reports-page.h"
#include "pt-store-counter.h"
#include "pt-takings-model.h"
#include "pt-ui-util.h"

struct _PtReportsPage
{
  GtkWidget   parent_instance;

  PtStore    *store;
  gchar      *pharmacy_id;
  PtTime      day;             /* any time in the day shown */

  GtkLabel   *day_label;
  GtkLabel   *total_label;
  GtkLabel   *message_label;
  GtkListBox *by_method;
  GtkListBox *by_user;
};

G_DEFINE_FINAL_TYPE (PtReportsPage, pt_reports_page, GTK_TYPE_WIDGET)

static GtkWidget *
create_row_cb (gpointer item,
               gpointer data)
{
  PtTakingsItem *line = item;
  g_autofree gchar *a11y = g_strdup_printf ("%s: %s", pt_takings_item_get_label (line),
                                            pt_takings_item_get_amount (line));
  GtkWidget *row = adw_action_row_new ();
  GtkWidget *label = gtk_label_new (pt_takings_item_get_amount (line));

  adw_preferences_row_set_use_markup (ADW_PREFERENCES_ROW (row), FALSE);
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), pt_takings_item_get_label (line));
  adw_action_row_set_subtitle (ADW_ACTION_ROW (row), pt_takings_item_get_count (line));
  gtk_widget_add_css_class (label, "numeric");
  gtk_widget_add_css_class (label, "title-4");
  adw_action_row_add_suffix (ADW_ACTION_ROW (row), label);
  gtk_accessible_update_property (GTK_ACCESSIBLE (row), GTK_ACCESSIBLE_PROPERTY_LABEL, a11y, -1);
  return row;
}

static void
bind (GtkListBox  *list,
      GPtrArray   *lines,
      const gchar *currency)
{
  g_autoptr(GListModel) model = pt_takings_model_new (lines, currency);

  gtk_list_box_bind_model (list, model, create_row_cb, NULL, NULL);
}

void
pt_reports_page_refresh (PtReportsPage *self)
{
  g_autoptr(PtTakings) takings = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree gchar *day = NULL;
  const gchar *currency;
  PtTime from, to;

  g_return_if_fail (PT_IS_REPORTS_PAGE (self));
  if (self->store == NULL || pt_store_get_user_id (self->store) == NULL)
    return;

  currency = pt_store_get_currency (self->store);
  pt_counter_day_bounds (self->day, &from, &to);
  day = pt_ui_format_date (from);
  gtk_label_set_label (self->day_label, day);
  takings = pt_store_counter_takings (self->store, from, to, self->pharmacy_id, &error);
  if (takings == NULL)
    {
      g_autofree gchar *text = pt_ui_error_sentence (error);
      gtk_label_set_label (self->message_label, text);
      gtk_label_set_label (self->total_label, "");
      bind (self->by_method, NULL, currency);
      bind (self->by_user, NULL, currency);
      return;
    }
  {
    g_autofree gchar *total = pt_money_format_display (takings->total, currency);
    g_autofree gchar *text = g_strdup_printf (_("Total takings: %s"), total);
    g_autofree gchar *count = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE,
                                                            "%u payment taken at this branch.",
                                                            "%u payments taken at this branch.",
                                                            takings->n_payments),
                                               takings->n_payments);
    gtk_label_set_label (self->total_label, text);
    gtk_label_set_label (self->message_label, count);
  }
  bind (self->by_method, takings->by_method, currency);
  bind (self->by_user, takings->by_user, currency);
}

void
pt_reports_page_set_store (PtReportsPage *self,
                           PtStore       *store,
                           const gchar   *pharmacy_id)
{
  g_return_if_fail (PT_IS_REPORTS_PAGE (self));

  g_set_object (&self->store, store);
  g_free (self->pharmacy_id);
  self->pharmacy_id = g_strdup (pharmacy_id);
  pt_reports_page_refresh (self);
}

static void
day_action (GtkWidget   *widget,
            const gchar *action,
            GVariant    *param)
{
  PtReportsPage *self = PT_REPORTS_PAGE (widget);

  if (g_str_equal (action, "reports.previous"))
    self->day -= PT_MS_PER_DAY;
  else if (g_str_equal (action, "reports.next"))
    self->day += PT_MS_PER_DAY;
  else
    self->day = pt_time_now ();
  pt_reports_page_refresh (self);
}

static GtkWidget *
placeholder_new (void)
{
  GtkWidget *label = gtk_label_new (_("No payments on this day."));

  gtk_widget_add_css_class (label, "dim-label");
  gtk_widget_set_margin_top (label, 12);
  gtk_widget_set_margin_bottom (label, 12);
  return label;
}

static void
pt_reports_page_dispose (GObject *object)
{
  PtReportsPage *self = PT_REPORTS_PAGE (object);

  gtk_widget_dispose_template (GTK_WIDGET (self), PT_TYPE_REPORTS_PAGE);
  /* The template's unnamed root is not unparented by the above (GTK 4.8
   * then warns when the page is finalized). */
  for (GtkWidget *c; (c = gtk_widget_get_first_child (GTK_WIDGET (self))) != NULL;)
    gtk_widget_unparent (c);
  g_clear_object (&self->store);
  g_clear_pointer (&self->pharmacy_id, g_free);
  G_OBJECT_CLASS (pt_reports_page_parent_class)->dispose (object);
}

static void
pt_reports_page_class_init (PtReportsPageClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = pt_reports_page_dispose;
  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/github/pharmatrack/Desktop/reports/pt-reports-page.ui");
  gtk_widget_class_bind_template_child (widget_class, PtReportsPage, day_label);
  gtk_widget_class_bind_template_child (widget_class, PtReportsPage, total_label);
  gtk_widget_class_bind_template_child (widget_class, PtReportsPage, message_label);
  gtk_widget_class_bind_template_child (widget_class, PtReportsPage, by_method);
  gtk_widget_class_bind_template_child (widget_class, PtReportsPage, by_user);
  gtk_widget_class_install_action (widget_class, "reports.previous", NULL, day_action);
  gtk_widget_class_install_action (widget_class, "reports.next", NULL, day_action);
  gtk_widget_class_install_action (widget_class, "reports.today", NULL, day_action);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Page_Up, 0, "reports.previous", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Page_Down, 0, "reports.next", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Home, GDK_ALT_MASK, "reports.today", NULL);
}

static void
pt_reports_page_init (PtReportsPage *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
  self->day = pt_time_now ();
  gtk_list_box_set_placeholder (self->by_method, placeholder_new ());
  gtk_list_box_set_placeholder (self->by_user, placeholder_new ());
  g_signal_connect_swapped (self, "map", G_CALLBACK (pt_reports_page_refresh), self);
}
