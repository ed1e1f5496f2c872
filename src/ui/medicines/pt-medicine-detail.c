#define G_LOG_DOMAIN "pt-ui"
#include "config.h"

#include <glib/gi18n-lib.h>

#include "pt-medicine-detail.h"
#include "pt-ui-util.h"

#define HISTORY_LIMIT 25

struct _PtMedicineDetail
{
  GtkWidget   parent_instance;

  GtkStack   *stack;
  GtkLabel   *title_label;
  GtkLabel   *subtitle_label;
  GtkLabel   *stock_label;
  GtkListBox *batches_list;
  GtkListBox *fields_list;
  GtkListBox *history_list;
};

G_DEFINE_FINAL_TYPE (PtMedicineDetail, pt_medicine_detail, GTK_TYPE_WIDGET)

const gchar *
pt_movement_kind_label (const gchar *kind)
{
  static const struct { const gchar *kind; const gchar *label; } kinds[] = {
    { "receipt", N_("Received") },
    { "receive", N_("Received") },
    { "dispense", N_("Dispensed") },
    { "return", N_("Returned") },
    { "adjustment", N_("Adjusted") },
    { "adjust", N_("Adjusted") },
    { "transfer_in", N_("Transferred in") },
    { "transfer_out", N_("Transferred out") },
    { "transfer", N_("Transferred") },
    { "write_off", N_("Written off") },
    { "writeoff", N_("Written off") },
    { "expiry", N_("Written off (expired)") },
  };

  for (guint i = 0; kind != NULL && i < G_N_ELEMENTS (kinds); i++)
    if (g_str_equal (kind, kinds[i].kind))
      return _(kinds[i].label);
  return kind ? kind : "";
}

gchar *
pt_medicine_field_to_text (const PtField *field,
                           const bson_t  *doc,
                           const gchar   *currency)
{
  bson_iter_t iter;

  if (!bson_iter_init_find (&iter, doc, field->name))
    return NULL;
  switch (field->type)
    {
    case PT_FIELD_ENUM:
      if (BSON_ITER_HOLDS_UTF8 (&iter) && g_str_equal (field->name, "schedule"))
        {
          const gchar *v = bson_iter_utf8 (&iter, NULL);

          if (g_str_equal (v, "otc"))
            return g_strdup (_("Over the counter"));
          if (g_str_equal (v, "rx"))
            return g_strdup (_("Prescription only"));
          if (g_str_equal (v, "controlled"))
            return g_strdup (_("Controlled drug"));
        }
      G_GNUC_FALLTHROUGH;
    case PT_FIELD_STRING:
      if (BSON_ITER_HOLDS_UTF8 (&iter))
        {
          const gchar *s = bson_iter_utf8 (&iter, NULL);
          return *s ? g_strdup (s) : NULL;
        }
      return NULL;
    case PT_FIELD_INT:
      /* Tax rates are stored in basis points. */
      if (BSON_ITER_HOLDS_INT (&iter) && g_str_equal (field->name, "taxRate"))
        return g_strdup_printf ("%.2f %%", bson_iter_as_int64 (&iter) / 100.0);
      if (BSON_ITER_HOLDS_INT (&iter))
        return pt_ui_format_count (bson_iter_as_int64 (&iter));
      return NULL;
    case PT_FIELD_MONEY:
      if (BSON_ITER_HOLDS_INT (&iter))
        return pt_ui_format_money (bson_iter_as_int64 (&iter), currency);
      return NULL;
    case PT_FIELD_BOOL:
      if (BSON_ITER_HOLDS_BOOL (&iter))
        return g_strdup (bson_iter_bool (&iter) ? _("Yes") : _("No"));
      return NULL;
    case PT_FIELD_DATE:
      if (BSON_ITER_HOLDS_DATE_TIME (&iter))
        return pt_ui_format_date (bson_iter_date_time (&iter));
      return NULL;
    case PT_FIELD_ARRAY:
      if (BSON_ITER_HOLDS_ARRAY (&iter) && field->element_type == PT_FIELD_STRING)
        {
          bson_iter_t child;
          g_autoptr(GPtrArray) parts = g_ptr_array_new ();

          bson_iter_recurse (&iter, &child);
          while (bson_iter_next (&child))
            if (BSON_ITER_HOLDS_UTF8 (&child))
              g_ptr_array_add (parts, (gpointer) bson_iter_utf8 (&child, NULL));
          g_ptr_array_add (parts, NULL);
          return parts->len > 1 ? g_strjoinv (", ", (gchar **) parts->pdata) : NULL;
        }
      return NULL;
    case PT_FIELD_OID:
    case PT_FIELD_DOCUMENT:
    default:
      return NULL;
    }
}

static void
clear_list (GtkListBox *list)
{
  GtkWidget *child;

  while ((child = gtk_widget_get_first_child (GTK_WIDGET (list))) != NULL)
    gtk_list_box_remove (list, child);
}

static GtkWidget *
row_new (const gchar *title,
         const gchar *subtitle,
         const gchar *suffix,
         const gchar *suffix_class)
{
  GtkWidget *row = adw_action_row_new ();

  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), title);
  adw_preferences_row_set_use_markup (ADW_PREFERENCES_ROW (row), FALSE);
  if (subtitle != NULL)
    adw_action_row_set_subtitle (ADW_ACTION_ROW (row), subtitle);
  if (suffix != NULL)
    {
      GtkWidget *label = gtk_label_new (suffix);

      gtk_widget_add_css_class (label, "numeric");
      if (suffix_class != NULL)
        gtk_widget_add_css_class (label, suffix_class);
      gtk_label_set_selectable (GTK_LABEL (label), TRUE);
      adw_action_row_add_suffix (ADW_ACTION_ROW (row), label);
    }
  return row;
}

static void
add_placeholder (GtkListBox  *list,
                 const gchar *text)
{
  GtkWidget *label = gtk_label_new (text);

  gtk_widget_add_css_class (label, "dim-label");
  gtk_widget_set_margin_top (label, 12);
  gtk_widget_set_margin_bottom (label, 12);
  gtk_label_set_wrap (GTK_LABEL (label), TRUE);
  gtk_list_box_set_placeholder (list, label);
}

static void
fill_fields (PtMedicineDetail *self,
             const bson_t     *doc,
             const gchar      *currency)
{
  const PtCollection *medicines = pt_schema_lookup ("medicines");

  clear_list (self->fields_list);
  for (guint i = 0; medicines != NULL && i < medicines->n_fields; i++)
    {
      const PtField *field = &medicines->fields[i];
      g_autofree gchar *value = NULL;

      if (field->flags & PT_FIELD_FLAG_SYSTEM)
        continue;
      value = pt_medicine_field_to_text (field, doc, currency);
      if (value == NULL)
        continue;
      gtk_list_box_append (self->fields_list,
                           row_new (g_dgettext (GETTEXT_PACKAGE, field->label), NULL, value, NULL));
    }
}

/* Lists the batches; returns the stock of the expired ones (on the shelf,
 * not sellable). */
static PtQuantity
fill_batches (PtMedicineDetail *self,
              PtStore          *store,
              const gchar      *pharmacy_id,
              const gchar      *medicine_id)
{
  g_autoptr(GPtrArray) batches = NULL;
  g_autoptr(GError) error = NULL;
  PtTime now = pt_time_now ();
  PtQuantity expired = 0;

  clear_list (self->batches_list);
  batches = pt_store_batch_stock (store, medicine_id, pharmacy_id, &error);
  if (batches == NULL)
    {
      g_autofree gchar *sentence = pt_ui_error_sentence (error);

      add_placeholder (self->batches_list, sentence);
      return 0;
    }
  add_placeholder (self->batches_list, _("No batches at this branch yet. Receive stock to add one."));
  for (guint i = 0; i < batches->len; i++)
    {
      PtBatchStock *b = g_ptr_array_index (batches, i);
      g_autofree gchar *title = g_strdup_printf (_("Lot %s"), b->lot_number);
      g_autofree gchar *date = pt_ui_format_date (b->expiry_date);
      g_autofree gchar *subtitle = NULL;
      g_autofree gchar *qty = pt_ui_format_count (b->quantity);
      const gchar *css = NULL;

      switch (pt_ui_expiry_state (b->expiry_date, now))
        {
        case PT_EXPIRY_EXPIRED:
          subtitle = g_strdup_printf (_("Expired %s"), date);
          css = "error";
          if (b->quantity > 0)
            expired += b->quantity;
          break;
        case PT_EXPIRY_SOON:
          subtitle = g_strdup_printf (_("Expires %s — within 90 days"), date);
          css = "warning";
          break;
        default:
          subtitle = g_strdup_printf (_("Expires %s"), date);
          break;
        }
      if (b->quantity < 0)
        css = "error";
      gtk_list_box_append (self->batches_list, row_new (title, subtitle, qty, css));
    }
  return expired;
}

static void
fill_history (PtMedicineDetail *self,
              PtStore          *store,
              const gchar      *pharmacy_id,
              const gchar      *medicine_id)
{
  g_autoptr(GPtrArray) movements = NULL;
  g_autoptr(GError) error = NULL;

  clear_list (self->history_list);
  movements = pt_store_ledger (store, medicine_id, pharmacy_id, HISTORY_LIMIT, &error);
  if (movements == NULL)
    {
      g_autofree gchar *sentence = pt_ui_error_sentence (error);

      add_placeholder (self->history_list, sentence);
      return;
    }
  add_placeholder (self->history_list, _("No stock movements yet."));
  for (guint i = 0; i < movements->len; i++)
    {
      const bson_t *m = g_ptr_array_index (movements, i);
      gint64 qty = pt_bson_get_int (m, "quantity", 0);
      const gchar *reason = pt_bson_get_string (m, "reason");
      g_autofree gchar *when = NULL;
      g_autofree gchar *subtitle = NULL;
      g_autofree gchar *amount = g_strdup_printf ("%+" G_GINT64_FORMAT, qty);
      bson_iter_t iter;

      /* The movement's own time ("at"), else when it was stored. */
      if ((bson_iter_init_find (&iter, m, "at") && BSON_ITER_HOLDS_DATE_TIME (&iter))
          || (bson_iter_init_find (&iter, m, "createdAt") && BSON_ITER_HOLDS_DATE_TIME (&iter)))
        when = pt_ui_format_date_time (bson_iter_date_time (&iter));
      else
        when = g_strdup ("");
      subtitle = reason && *reason ? g_strdup_printf ("%s · %s", when, reason) : g_strdup (when);
      gtk_list_box_append (self->history_list,
                           row_new (pt_movement_kind_label (pt_bson_get_string (m, "kind")),
                                    subtitle, amount, qty < 0 ? "dim-label" : NULL));
    }
}

void
pt_medicine_detail_show (PtMedicineDetail *self,
                         PtStore          *store,
                         const gchar      *pharmacy_id,
                         const gchar      *medicine_id)
{
  g_autoptr(GError) error = NULL;
  bson_t *doc = NULL;
  g_autofree gchar *stock = NULL;
  g_autofree gchar *subtitle = NULL;
  const gchar *generic, *strength, *form;
  PtQuantity expired;

  g_return_if_fail (PT_IS_MEDICINE_DETAIL (self));

  if (store == NULL || medicine_id == NULL)
    {
      gtk_stack_set_visible_child_name (self->stack, "none");
      return;
    }
  doc = pt_store_get (store, "medicines", medicine_id, &error);
  if (doc == NULL)
    {
      g_debug ("Medicine %s: %s", medicine_id, error->message);
      gtk_stack_set_visible_child_name (self->stack, "none");
      return;
    }

  gtk_label_set_label (self->title_label, pt_bson_get_string (doc, "name"));
  generic = pt_bson_get_string (doc, "genericName");
  strength = pt_bson_get_string (doc, "strength");
  form = pt_bson_get_string (doc, "form");
  {
    const gchar *parts[4] = { NULL };
    guint n = 0;

    if (generic != NULL && *generic)
      parts[n++] = generic;
    if (strength != NULL && *strength)
      parts[n++] = strength;
    if (form != NULL && *form)
      parts[n++] = form;
    subtitle = g_strjoinv (" · ", (gchar **) parts);
  }
  gtk_label_set_label (self->subtitle_label, subtitle);
  expired = fill_batches (self, store, pharmacy_id, medicine_id);
  {
    PtQuantity on_hand = pt_store_stock_on_hand (store, medicine_id, pharmacy_id);
    g_autofree gchar *n = pt_ui_format_count (on_hand - expired);
    g_autofree gchar *e = pt_ui_format_count (expired);

    if (expired > 0)
      /* Translators: the medicine's detail pane: "Stock at this branch:
       * 0 sellable, 150 expired" — expired stock cannot be sold. */
      stock = g_strdup_printf (_("Stock at this branch: %s sellable, %s expired"), n, e);
    else
      stock = g_strdup_printf (_("Stock at this branch: %s"), n);
  }
  gtk_label_set_label (self->stock_label, stock);

  fill_fields (self, doc, pt_store_get_currency (store));
  fill_history (self, store, pharmacy_id, medicine_id);
  bson_destroy (doc);
  gtk_stack_set_visible_child_name (self->stack, "medicine");
}

static void
pt_medicine_detail_dispose (GObject *object)
{
  gtk_widget_dispose_template (GTK_WIDGET (object), PT_TYPE_MEDICINE_DETAIL);
  /* Template children that are not bound by name stay parented. */
  for (GtkWidget *c; (c = gtk_widget_get_first_child (GTK_WIDGET (object))) != NULL;)
    gtk_widget_unparent (c);
  G_OBJECT_CLASS (pt_medicine_detail_parent_class)->dispose (object);
}

static void
pt_medicine_detail_class_init (PtMedicineDetailClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = pt_medicine_detail_dispose;
  gtk_widget_class_set_template_from_resource (widget_class, "/io/github/pharmatrack/Desktop/medicines/pt-medicine-detail.ui");
  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
  gtk_widget_class_bind_template_child (widget_class, PtMedicineDetail, stack);
  gtk_widget_class_bind_template_child (widget_class, PtMedicineDetail, title_label);
  gtk_widget_class_bind_template_child (widget_class, PtMedicineDetail, subtitle_label);
  gtk_widget_class_bind_template_child (widget_class, PtMedicineDetail, stock_label);
  gtk_widget_class_bind_template_child (widget_class, PtMedicineDetail, batches_list);
  gtk_widget_class_bind_template_child (widget_class, PtMedicineDetail, fields_list);
  gtk_widget_class_bind_template_child (widget_class, PtMedicineDetail, history_list);
}

static void
pt_medicine_detail_init (PtMedicineDetail *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
}
