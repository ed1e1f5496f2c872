/* pt-rx-list-row.c: one prescription as a list row. */
#define G_LOG_DOMAIN "pt-ui"
#include "config.h"

#include <inttypes.h>
#include <string.h>

#include <glib/gi18n-lib.h>

#include "pt-rx-list-row.h"
#include "pt-ui-util.h"

struct _PtRxListRow
{
  AdwActionRow  parent_instance;

  PtRxItem     *item;

  GtkLabel     *total_label;
  GtkLabel     *status_label;
};

G_DEFINE_FINAL_TYPE (PtRxListRow, pt_rx_list_row, ADW_TYPE_ACTION_ROW)

static void
pt_rx_list_row_dispose (GObject *object)
{
  PtRxListRow *self = PT_RX_LIST_ROW (object);

  gtk_widget_dispose_template (GTK_WIDGET (self), PT_TYPE_RX_LIST_ROW);
  g_clear_object (&self->item);
  G_OBJECT_CLASS (pt_rx_list_row_parent_class)->dispose (object);
}

static void
pt_rx_list_row_class_init (PtRxListRowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = pt_rx_list_row_dispose;
  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/github/pharmatrack/Desktop/prescriptions/pt-rx-list-row.ui");
  gtk_widget_class_bind_template_child (widget_class, PtRxListRow, total_label);
  gtk_widget_class_bind_template_child (widget_class, PtRxListRow, status_label);
}

static void
pt_rx_list_row_init (PtRxListRow *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
}

/* The status as a coloured pill; the colour repeats what the text says. */
static const gchar *
status_class (const gchar *status)
{
  if (g_strcmp0 (status, "dispensed") == 0 || g_strcmp0 (status, "picked_up") == 0)
    return "success";
  if (g_strcmp0 (status, "cancelled") == 0)
    return "error";
  if (g_strcmp0 (status, "ready") == 0)
    return "accent";
  return NULL;
}

/* "14:05" for today, "27 Nov 2026 14:05" before. */
static gchar *
format_when (PtTime t)
{
  PtTime from, to;

  pt_counter_day_bounds (pt_time_now (), &from, &to);
  if (t >= from && t < to)
    {
      g_autofree gchar *full = pt_ui_format_date_time (t);
      const gchar *space = strrchr (full, ' ');

      return g_strdup (space ? space + 1 : full);
    }
  return pt_ui_format_date_time (t);
}

GtkWidget *
pt_rx_list_row_new (PtRxItem     *item,
                    const gchar  *currency,
                    PtRxRowStyle  style)
{
  PtRxListRow *self;
  const PtRxRow *rx;
  const gchar *status;
  const gchar *klass;
  gboolean owes;
  g_autofree gchar *when = NULL;
  g_autofree gchar *a11y = NULL;
  g_autofree gchar *refills = NULL;
  g_autoptr(GString) sub = g_string_new (NULL);

  g_return_val_if_fail (PT_IS_RX_ITEM (item), NULL);

  self = g_object_new (PT_TYPE_RX_LIST_ROW, NULL);
  self->item = g_object_ref (item);
  rx = pt_rx_item_get_row (item);
  status = pt_rx_status_get_label (rx->status);
  /* Part-filled: something was dispensed and more is owed (a ready
   * prescription that nothing was taken from yet owes nothing). */
  owes = rx->owed > 0 && rx->dispensed > 0 && g_strcmp0 (rx->status, "cancelled") != 0;
  /* Refills matter when one is asked for (the lists), not in the queue. */
  if (style == PT_RX_ROW_LIST && rx->refills_left > 0 && g_strcmp0 (rx->status, "cancelled") != 0)
    refills = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%d refill left", "%d refills left",
                                            rx->refills_left), rx->refills_left);

  /* The name first: it is what the pharmacist calls out at the counter. */
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (self), rx->patient_name);
  when = style == PT_RX_ROW_QUEUE ? format_when (rx->created_at)
                                  : pt_ui_format_date (rx->created_at);
  g_string_append_printf (sub, "%s · %s", rx->number, when);
  /* In the narrow queue columns the pill says what is owed instead. */
  if (owes && style != PT_RX_ROW_QUEUE)
    /* Translators: part of a prescription row: " · 5 still owed" */
    g_string_append_printf (sub, _(" · %" PRId64 " still owed"), rx->owed);
  if (refills != NULL)
    g_string_append_printf (sub, " · %s", refills);
  g_string_append_c (sub, '\n');
  g_string_append (sub, rx->summary ? rx->summary : "");
  adw_action_row_set_subtitle (ADW_ACTION_ROW (self), sub->str);
  adw_action_row_set_subtitle_lines (ADW_ACTION_ROW (self), style == PT_RX_ROW_QUEUE ? 3 : 2);

  /* A total is only worth showing once something was charged. */
  if (rx->total > 0)
    {
      g_autofree gchar *total = pt_money_format_display (rx->total, currency);
      gtk_label_set_label (self->total_label, total);
    }
  gtk_widget_set_visible (GTK_WIDGET (self->total_label), rx->total > 0);

  gtk_label_set_label (self->status_label, status);
  klass = status_class (rx->status);
  if (owes)
    klass = "warning";
  if (klass != NULL)
    gtk_widget_add_css_class (GTK_WIDGET (self->status_label), klass);
  /* In the queue the column already says the status, except for what was
   * handed over and what is still owed. */
  gtk_widget_set_visible (GTK_WIDGET (self->status_label),
                          style == PT_RX_ROW_LIST || owes
                          || g_strcmp0 (rx->status, "picked_up") == 0);
  if (owes && style == PT_RX_ROW_QUEUE)
    {
      /* Translators: the pill of a part-filled prescription in the queue: "184 owed" */
      g_autofree gchar *owed = g_strdup_printf (_("%" PRId64 " owed"), rx->owed);
      gtk_label_set_label (self->status_label, owed);
    }

  /* Translators: accessible name of a prescription row: "Rx 7KQ2M-000001, Ada Lovelace, received" */
  a11y = g_strdup_printf (_("Rx %s, %s, %s"), rx->number, rx->patient_name, status);
  if (refills != NULL)
    {
      gchar *longer = g_strconcat (a11y, ", ", refills, NULL);
      g_free (a11y);
      a11y = longer;
    }
  gtk_accessible_update_property (GTK_ACCESSIBLE (self), GTK_ACCESSIBLE_PROPERTY_LABEL, a11y, -1);
  return GTK_WIDGET (self);
}

PtRxItem *
pt_rx_list_row_get_item (PtRxListRow *self)
{
  g_return_val_if_fail (PT_IS_RX_LIST_ROW (self), NULL);
  return self->item;
}

const gchar *
pt_rx_list_row_get_id (PtRxListRow *self)
{
  g_return_val_if_fail (PT_IS_RX_LIST_ROW (self), NULL);
  return pt_rx_item_get_id (self->item);
}
