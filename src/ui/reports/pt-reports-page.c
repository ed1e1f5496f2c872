/* pt-reports-page.c: daily takings per user and per payment method. */
#define G_LOG_DOMAIN "pt-ui"
#include "config.h"

#include <glib/gi18n-lib.h>

#include "pt-reports-page.h"
#include "pt-store-counter.h"
#include "pt-ui-util.h"

struct _PtReportsPage
{
  GtkWidget       parent_instance;

  PtStore        *store;
  gchar          *pharmacy_id;
  PtTime          day;             /* any time in the day shown */

  GtkLabel       *day_label;
  GtkLabel       *total_label;
  GtkLabel       *message_label;
  GtkListBox     *by_method;
  GtkListBox     *by_user;
};

G_DEFINE_FINAL_TYPE (PtReportsPage, pt_reports_page, GTK_TYPE_WIDGET)

static void
fill (GtkListBox  *list,
      GPtrArray   *lines,
      const gchar *currency)
{
  GtkWidget *child;

  while ((child = gtk_widget_get_first_child (GTK_WIDGET (list))) != NULL)
    gtk_list_box_remove (list, child);
  for (guint i = 0; lines && i < lines->len; i++)
    {
      PtTakingsLine *line = lines->pdata[i];
      g_autofree gchar *amount = pt_money_format (line->amount, currency);
      g_autofree gchar *count = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%u payment",
                                                              "%u payments", line->count),
                                                 line->count);
      g_autofree gchar *a11y = g_strdup_printf ("%s: %s", line->label, amount);
      GtkWidget *row = adw_action_row_new ();
      GtkWidget *label = gtk_label_new (amount);

      adw_preferences_row_set_use_markup (ADW_PREFERENCES_ROW (row), FALSE);
      adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), line->label);
      adw_action_row_set_subtitle (ADW_ACTION_ROW (row), count);
      gtk_widget_add_css_class (label, "numeric");
      adw_action_row_add_suffix (ADW_ACTION_ROW (row), label);
      gtk_accessible_update_property (GTK_ACCESSIBLE (row), GTK_ACCESSIBLE_PROPERTY_LABEL, a11y, -1);
      gtk_list_box_append (list, row);
    }
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
      fill (self->by_method, NULL, currency);
      fill (self->by_user, NULL, currency);
      return;
    }
  {
    g_autofree gchar *total = pt_money_format (takings->total, currency);
    g_autofree gchar *text = g_strdup_printf (_("Total takings: %s"), total);
    g_autofree gchar *count = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE,
                                                            "%u payment taken at this branch.",
                                                            "%u payments taken at this branch.",
                                                            takings->n_payments),
                                               takings->n_payments);
    gtk_label_set_label (self->total_label, text);
    gtk_label_set_label (self->message_label, count);
  }
  fill (self->by_method, takings->by_method, currency);
  fill (self->by_user, takings->by_user, currency);
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

static void
pt_reports_page_dispose (GObject *object)
{
  PtReportsPage *self = PT_REPORTS_PAGE (object);
  GtkWidget *child;

  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self))) != NULL)
    gtk_widget_unparent (child);
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
  gtk_widget_class_install_action (widget_class, "reports.previous", NULL, day_action);
  gtk_widget_class_install_action (widget_class, "reports.next", NULL, day_action);
  gtk_widget_class_install_action (widget_class, "reports.today", NULL, day_action);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Page_Up, 0, "reports.previous", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Page_Down, 0, "reports.next", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Home, GDK_ALT_MASK, "reports.today", NULL);
}

static GtkListBox *
group_list (GtkWidget   *box,
            const gchar *title)
{
  GtkWidget *group = adw_preferences_group_new ();
  GtkWidget *list = gtk_list_box_new ();

  adw_preferences_group_set_title (ADW_PREFERENCES_GROUP (group), title);
  gtk_list_box_set_selection_mode (GTK_LIST_BOX (list), GTK_SELECTION_NONE);
  gtk_widget_add_css_class (list, "boxed-list");
  gtk_accessible_update_property (GTK_ACCESSIBLE (list), GTK_ACCESSIBLE_PROPERTY_LABEL, title, -1);
  adw_preferences_group_add (ADW_PREFERENCES_GROUP (group), list);
  gtk_box_append (GTK_BOX (box), group);
  return GTK_LIST_BOX (list);
}

static GtkWidget *
nav_button (const gchar *icon,
            const gchar *action,
            const gchar *label)
{
  GtkWidget *b = gtk_button_new_from_icon_name (icon);

  gtk_actionable_set_action_name (GTK_ACTIONABLE (b), action);
  gtk_widget_set_tooltip_text (b, label);
  gtk_accessible_update_property (GTK_ACCESSIBLE (b), GTK_ACCESSIBLE_PROPERTY_LABEL, label, -1);
  return b;
}

static void
pt_reports_page_init (PtReportsPage *self)
{
  GtkWidget *sw, *clamp, *box, *bar, *today;

  self->day = pt_time_now ();
  sw = gtk_scrolled_window_new ();
  gtk_scrolled_window_set_policy (GTK_SCROLLED_WINDOW (sw), GTK_POLICY_NEVER, GTK_POLICY_AUTOMATIC);
  gtk_widget_set_parent (sw, GTK_WIDGET (self));
  clamp = adw_clamp_new ();
  adw_clamp_set_maximum_size (ADW_CLAMP (clamp), 720);
  gtk_scrolled_window_set_child (GTK_SCROLLED_WINDOW (sw), clamp);
  box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 18);
  gtk_widget_set_margin_top (box, 18);
  gtk_widget_set_margin_bottom (box, 18);
  gtk_widget_set_margin_start (box, 12);
  gtk_widget_set_margin_end (box, 12);
  adw_clamp_set_child (ADW_CLAMP (clamp), box);

  bar = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 6);
  self->day_label = GTK_LABEL (gtk_label_new (NULL));
  gtk_widget_add_css_class (GTK_WIDGET (self->day_label), "title-2");
  gtk_widget_set_hexpand (GTK_WIDGET (self->day_label), TRUE);
  gtk_label_set_xalign (self->day_label, 0);
  gtk_box_append (GTK_BOX (bar), GTK_WIDGET (self->day_label));
  gtk_box_append (GTK_BOX (bar), nav_button ("go-previous-symbolic", "reports.previous",
                                             _("Previous day (Page Up)")));
  today = gtk_button_new_with_mnemonic (_("_Today"));
  gtk_actionable_set_action_name (GTK_ACTIONABLE (today), "reports.today");
  gtk_box_append (GTK_BOX (bar), today);
  gtk_box_append (GTK_BOX (bar), nav_button ("go-next-symbolic", "reports.next",
                                             _("Next day (Page Down)")));
  gtk_box_append (GTK_BOX (box), bar);

  self->total_label = GTK_LABEL (gtk_label_new (NULL));
  gtk_widget_add_css_class (GTK_WIDGET (self->total_label), "title-1");
  gtk_label_set_xalign (self->total_label, 0);
  gtk_accessible_update_property (GTK_ACCESSIBLE (self->total_label), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  _("Total takings"), -1);
  gtk_box_append (GTK_BOX (box), GTK_WIDGET (self->total_label));
  self->message_label = GTK_LABEL (gtk_label_new (NULL));
  gtk_label_set_xalign (self->message_label, 0);
  gtk_label_set_wrap (self->message_label, TRUE);
  gtk_widget_add_css_class (GTK_WIDGET (self->message_label), "dim-label");
  gtk_box_append (GTK_BOX (box), GTK_WIDGET (self->message_label));
  self->by_method = group_list (box, _("By payment method"));
  self->by_user = group_list (box, _("By person"));
  g_signal_connect_swapped (self, "map", G_CALLBACK (pt_reports_page_refresh), self);
}
