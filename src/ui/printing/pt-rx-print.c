/* pt-rx-print.c: dispensing labels and receipts (GtkPrintOperation). */
#define G_LOG_DOMAIN "pt-ui"
#include "config.h"

#include <inttypes.h>

#include <glib/gi18n-lib.h>

#include "pt-rx-print.h"
#include "pt-store-counter.h"
#include "pt-ui-util.h"

#define MM_TO_PT(mm) ((mm) * 72.0 / 25.4)
#define A4_MARGIN_MM 10.0

typedef struct
{
  gchar      *medicine;          /* "Amoxil 500 mg" */
  gchar      *form;
  gchar      *dose;
  gchar      *instructions;
  PtQuantity  quantity;          /* dispensed (or prescribed, before) */
  PtMoney     unit_price;
  gint        tax_rate;
  PtMoney     line_total;        /* incl. tax */
} PrintItem;

struct _PtRxPrintJob
{
  gchar        *number;
  gchar        *patient_name;
  gchar        *pharmacy_name;
  gchar        *pharmacy_address;
  gchar        *pharmacist;
  gchar        *date;
  gchar        *currency;
  GPtrArray    *items;            /* PrintItem * */
  PtMoney       total;
  GPtrArray    *payments;         /* gchar *: "Cash 20.00, change 9.00" */

  PtRxPrintKind kind;
  PtRxPaper     paper;
};

static void
print_item_free (PrintItem *item)
{
  g_free (item->medicine);
  g_free (item->form);
  g_free (item->dose);
  g_free (item->instructions);
  g_free (item);
}

void
pt_rx_print_job_free (PtRxPrintJob *job)
{
  if (job == NULL)
    return;
  g_free (job->number);
  g_free (job->patient_name);
  g_free (job->pharmacy_name);
  g_free (job->pharmacy_address);
  g_free (job->pharmacist);
  g_free (job->date);
  g_free (job->currency);
  g_clear_pointer (&job->items, g_ptr_array_unref);
  g_clear_pointer (&job->payments, g_ptr_array_unref);
  g_free (job);
}

static gchar *
format_address (const bson_t *pharmacy)
{
  static const gchar * const keys[] = {
    "address.line1", "address.line2", "address.city", "address.postcode",
  };
  g_autoptr(GString) s = g_string_new (NULL);

  for (guint i = 0; i < G_N_ELEMENTS (keys); i++)
    {
      const gchar *v = pt_bson_get_string (pharmacy, keys[i]);
      if (v == NULL || *v == '\0')
        continue;
      if (s->len > 0)
        g_string_append (s, ", ");
      g_string_append (s, v);
    }
  return g_string_free (g_steal_pointer (&s), FALSE);
}

PtRxPrintJob *
pt_rx_print_job_new (PtStore     *store,
                     const gchar *prescription_id,
                     GError     **error)
{
  g_autoptr(PtRxPrintJob) job = g_new0 (PtRxPrintJob, 1);
  g_autoptr(bson_t) rx = NULL;
  g_autoptr(bson_t) patient = NULL;
  g_autoptr(bson_t) pharmacy = NULL;
  g_autoptr(bson_t) user = NULL;
  g_autofree gchar *patient_id = NULL;
  g_autofree gchar *pharmacy_id = NULL;
  const gchar *user_id;
  bson_iter_t iter, items, top;
  PtTime when;

  g_return_val_if_fail (PT_IS_STORE (store), NULL);

  rx = pt_store_get (store, "prescriptions", prescription_id, error);
  if (rx == NULL)
    return NULL;
  job->items = g_ptr_array_new_with_free_func ((GDestroyNotify) print_item_free);
  job->payments = g_ptr_array_new_with_free_func (g_free);
  job->number = g_strdup (pt_bson_get_string (rx, "number"));
  job->currency = g_strdup (pt_store_get_currency (store));

  patient_id = pt_bson_dup_oid_hex (rx, "patientId");
  patient = patient_id ? pt_store_get (store, "patients", patient_id, NULL) : NULL;
  job->patient_name = patient
                      ? g_strdup_printf ("%s %s", pt_bson_get_string (patient, "firstName") ?: "",
                                         pt_bson_get_string (patient, "lastName") ?: "")
                      : g_strdup ("");
  pharmacy_id = pt_bson_dup_oid_hex (rx, "pharmacyId");
  pharmacy = pharmacy_id ? pt_store_get (store, "pharmacies", pharmacy_id, NULL) : NULL;
  job->pharmacy_name = g_strdup (pharmacy ? pt_bson_get_string (pharmacy, "name") ?: "" : "");
  job->pharmacy_address = pharmacy ? format_address (pharmacy) : g_strdup ("");
  user_id = pt_store_get_user_id (store);
  user = user_id ? pt_store_get (store, "users", user_id, NULL) : NULL;
  job->pharmacist = g_strdup (user ? pt_bson_get_string (user, "displayName") ?: "" : "");

  when = 0;
  if (bson_iter_init_find (&iter, rx, "dispensedAt") && BSON_ITER_HOLDS_DATE_TIME (&iter))
    when = bson_iter_date_time (&iter);
  job->date = pt_ui_format_date (when ? when : pt_time_now ());

  if (bson_iter_init_find (&iter, rx, "items") && bson_iter_recurse (&iter, &items))
    while (bson_iter_next (&items))
      {
        const uint8_t *data;
        uint32_t len;
        bson_t item;
        g_autofree gchar *medicine_id = NULL;
        g_autoptr(bson_t) medicine = NULL;
        PrintItem *p;
        PtMoney net = 0;
        PtQuantity dispensed;

        if (!BSON_ITER_HOLDS_DOCUMENT (&items))
          continue;
        bson_iter_document (&items, &len, &data);
        if (!bson_init_static (&item, data, len))
          continue;
        medicine_id = pt_bson_dup_oid_hex (&item, "medicineId");
        medicine = medicine_id ? pt_store_get (store, "medicines", medicine_id, NULL) : NULL;
        p = g_new0 (PrintItem, 1);
        if (medicine != NULL)
          {
            const gchar *strength = pt_bson_get_string (medicine, "strength");
            p->medicine = strength && *strength
                          ? g_strdup_printf ("%s %s", pt_bson_get_string (medicine, "name"), strength)
                          : g_strdup (pt_bson_get_string (medicine, "name"));
            p->form = g_strdup (pt_bson_get_string (medicine, "form"));
          }
        else
          p->medicine = g_strdup (_("Unknown medicine"));
        p->dose = g_strdup (pt_bson_get_string (&item, "dose"));
        p->instructions = g_strdup (pt_bson_get_string (&item, "instructions"));
        dispensed = pt_bson_get_int (&item, "dispensedQuantity", 0);
        p->quantity = dispensed > 0 ? dispensed : pt_bson_get_int (&item, "quantity", 0);
        p->unit_price = pt_bson_get_int (&item, "unitPrice",
                                         medicine ? pt_bson_get_int (medicine, "price", 0) : 0);
        p->tax_rate = (gint) pt_bson_get_int (&item, "taxRate",
                                              medicine ? pt_bson_get_int (medicine, "taxRate", 0) : 0);
        if (pt_money_mul (p->unit_price, p->quantity, &net))
          p->line_total = net + pt_money_tax (net, p->tax_rate);
        g_ptr_array_add (job->items, p);
      }

  job->total = pt_bson_get_int (rx, "billing.total", 0);
  if (bson_iter_init (&top, rx) && bson_iter_find_descendant (&top, "billing.payments", &iter)
      && BSON_ITER_HOLDS_ARRAY (&iter) && bson_iter_recurse (&iter, &items))
    while (bson_iter_next (&items))
      {
        const uint8_t *data;
        uint32_t len;
        bson_t p;
        PtPaymentMethod method = PT_PAYMENT_CASH;
        g_autofree gchar *amount = NULL;
        g_autofree gchar *change = NULL;

        if (!BSON_ITER_HOLDS_DOCUMENT (&items))
          continue;
        bson_iter_document (&items, &len, &data);
        if (!bson_init_static (&p, data, len))
          continue;
        pt_payment_method_from_string (pt_bson_get_string (&p, "method"), &method);
        amount = pt_money_format_display (pt_bson_get_int (&p, "tendered", pt_bson_get_int (&p, "amount", 0)),
                                  job->currency);
        change = pt_money_format_display (pt_bson_get_int (&p, "change", 0), job->currency);
        if (method == PT_PAYMENT_CASH)
          /* Translators: a receipt line: "Cash €20.00, change €9.00" */
          g_ptr_array_add (job->payments, g_strdup_printf (_("%s %s, change %s"),
                                                           pt_payment_method_get_label (method),
                                                           amount, change));
        else
          g_ptr_array_add (job->payments, g_strdup_printf ("%s %s",
                                                           pt_payment_method_get_label (method),
                                                           amount));
      }
  return g_steal_pointer (&job);
}

guint
pt_rx_print_job_get_n_labels (PtRxPrintJob *job)
{
  g_return_val_if_fail (job != NULL, 0);
  return job->items->len;
}

/* ---- Drawing ------------------------------------------------------------ */

static PangoLayout *
text_layout (cairo_t     *cr,
             const gchar *markup,
             gdouble      size_pt,
             gdouble      width,
             gint         max_lines)
{
  PangoLayout *layout = pango_cairo_create_layout (cr);
  g_autoptr(PangoFontDescription) font = pango_font_description_from_string ("Sans");

  pango_cairo_context_set_resolution (pango_layout_get_context (layout), 72.0);
  pango_layout_context_changed (layout);
  pango_font_description_set_absolute_size (font, size_pt * PANGO_SCALE);
  pango_layout_set_font_description (layout, font);
  pango_layout_set_width (layout, (int) (width * PANGO_SCALE));
  pango_layout_set_wrap (layout, PANGO_WRAP_WORD_CHAR);
  pango_layout_set_ellipsize (layout, PANGO_ELLIPSIZE_END);
  pango_layout_set_height (layout, -max_lines);
  pango_layout_set_markup (layout, markup, -1);
  return layout;
}

static gdouble
layout_height (PangoLayout *layout)
{
  gint w, h;

  pango_layout_get_size (layout, &w, &h);
  return (gdouble) h / PANGO_SCALE;
}

/* One label at the origin, @w × @h points.  Fonts shrink until the
 * lines fit the label's height. */
static void
draw_label (PtRxPrintJob *job,
            PrintItem    *item,
            cairo_t      *cr,
            gdouble       w,
            gdouble       h)
{
  const gdouble pad = MM_TO_PT (2.0);
  const gdouble inner = w - 2 * pad;
  g_autofree gchar *title = NULL;
  g_autofree gchar *instructions = NULL;
  g_autofree gchar *patient = NULL;
  g_autofree gchar *rx_line = NULL;
  g_autofree gchar *pharmacy = NULL;
  gdouble scale = 1.0;

  /* Translators: label title: "Amoxil 500 mg — 21 capsules" */
  title = g_markup_printf_escaped (_("<b>%s</b> — %" PRId64 " %s"), item->medicine,
                                   item->quantity, item->form && *item->form ? item->form : "");
  if (item->dose && *item->dose)
    instructions = g_markup_printf_escaped ("%s. %s", item->dose,
                                            item->instructions ? item->instructions : "");
  else
    instructions = g_markup_printf_escaped ("%s", item->instructions ? item->instructions : "");
  patient = g_markup_printf_escaped ("<b>%s</b>    %s", job->patient_name, job->date);
  rx_line = g_markup_printf_escaped (_("Rx %s · Pharmacist: %s"), job->number ? job->number : "",
                                     job->pharmacist);
  pharmacy = g_markup_printf_escaped ("%s, %s", job->pharmacy_name, job->pharmacy_address);

  for (; scale >= 0.55; scale -= 0.05)
    {
      const gchar *markup[] = { title, instructions, patient, rx_line, pharmacy };
      const gdouble sizes[] = { 10.0, 10.0, 9.0, 6.5, 6.5 };
      const gint lines[] = { 1, 3, 1, 1, 1 };
      PangoLayout *layouts[G_N_ELEMENTS (markup)];
      gdouble total = 0, y = pad;

      for (guint i = 0; i < G_N_ELEMENTS (markup); i++)
        {
          layouts[i] = text_layout (cr, markup[i], sizes[i] * scale, inner, lines[i]);
          total += layout_height (layouts[i]);
        }
      if (total <= h - 2 * pad || scale < 0.6)
        {
          gdouble gap = MAX (0, (h - 2 * pad - total) / (G_N_ELEMENTS (markup) - 1));

          cairo_set_source_rgb (cr, 0, 0, 0);
          for (guint i = 0; i < G_N_ELEMENTS (markup); i++)
            {
              cairo_move_to (cr, pad, y);
              pango_cairo_show_layout (cr, layouts[i]);
              y += layout_height (layouts[i]) + MIN (gap, 4.0);
            }
        }
      for (guint i = 0; i < G_N_ELEMENTS (markup); i++)
        g_object_unref (layouts[i]);
      if (total <= h - 2 * pad || scale < 0.6)
        break;
    }
}

static void
draw_receipt (PtRxPrintJob *job,
              cairo_t      *cr,
              gdouble       w)
{
  const gdouble margin = MM_TO_PT (15);
  const gdouble inner = w - 2 * margin;
  g_autoptr(GString) body = g_string_new (NULL);
  g_autofree gchar *total = pt_money_format_display (job->total, job->currency);
  PangoLayout *layout;
  gdouble y = margin;

  g_string_append_printf (body, "<span size='large'><b>%s</b></span>\n", job->pharmacy_name);
  {
    g_autofree gchar *addr = g_markup_escape_text (job->pharmacy_address, -1);
    g_string_append_printf (body, "%s\n\n", addr);
  }
  {
    g_autofree gchar *head = g_markup_printf_escaped (_("<b>Receipt</b> for prescription %s — %s"),
                                                      job->number ? job->number : "", job->date);
    g_autofree gchar *who = g_markup_printf_escaped (_("Patient: %s"), job->patient_name);
    g_string_append_printf (body, "%s\n%s\n\n", head, who);
  }
  for (guint i = 0; i < job->items->len; i++)
    {
      PrintItem *item = job->items->pdata[i];
      g_autofree gchar *unit = pt_money_format_display (item->unit_price, job->currency);
      g_autofree gchar *line = pt_money_format_display (item->line_total, job->currency);
      g_autofree gchar *text = NULL;

      /* Translators: receipt line: "Amoxil 500 mg × 21 at €0.25 (tax 0.00 %): €5.25" */
      text = g_markup_printf_escaped (_("%s × %" PRId64 " at %s (tax %d.%02d %%): %s"),
                                      item->medicine, item->quantity, unit,
                                      item->tax_rate / 100, item->tax_rate % 100, line);
      g_string_append_printf (body, "%s\n", text);
    }
  {
    g_autofree gchar *t = g_markup_printf_escaped (_("<b>Total: %s</b>"), total);
    g_string_append_printf (body, "\n%s\n", t);
  }
  for (guint i = 0; i < job->payments->len; i++)
    {
      g_autofree gchar *p = g_markup_escape_text (job->payments->pdata[i], -1);
      g_string_append_printf (body, "%s\n", p);
    }
  {
    g_autofree gchar *by = g_markup_printf_escaped (_("Served by %s. Thank you."), job->pharmacist);
    g_string_append_printf (body, "\n%s", by);
  }

  layout = text_layout (cr, body->str, 10.0, inner, -1000);
  pango_layout_set_height (layout, -1);
  cairo_set_source_rgb (cr, 0, 0, 0);
  cairo_move_to (cr, margin, y);
  pango_cairo_show_layout (cr, layout);
  g_object_unref (layout);
}

/* Labels per A4 page: columns × rows of 89 × 36 mm inside the margins. */
static void
a4_grid (gdouble  page_w,
         gdouble  page_h,
         guint   *cols,
         guint   *rows)
{
  *cols = MAX (1, (guint) ((page_w - 2 * MM_TO_PT (A4_MARGIN_MM)) / MM_TO_PT (PT_LABEL_WIDTH_MM)));
  *rows = MAX (1, (guint) ((page_h - 2 * MM_TO_PT (A4_MARGIN_MM)) / MM_TO_PT (PT_LABEL_HEIGHT_MM)));
}

static void
begin_print_cb (GtkPrintOperation *op,
                GtkPrintContext   *context,
                gpointer           data)
{
  PtRxPrintJob *job = data;
  guint cols, rows;

  if (job->kind == PT_RX_PRINT_RECEIPT || job->paper == PT_RX_PAPER_LABEL)
    {
      gtk_print_operation_set_n_pages (op, job->kind == PT_RX_PRINT_RECEIPT
                                           ? 1 : MAX (1, job->items->len));
      return;
    }
  a4_grid (gtk_print_context_get_width (context), gtk_print_context_get_height (context),
           &cols, &rows);
  gtk_print_operation_set_n_pages (op, MAX (1, (job->items->len + cols * rows - 1) / (cols * rows)));
}

static void
draw_page_cb (GtkPrintOperation *op,
              GtkPrintContext   *context,
              gint               page_nr,
              gpointer           data)
{
  PtRxPrintJob *job = data;
  cairo_t *cr = gtk_print_context_get_cairo_context (context);
  gdouble page_w = gtk_print_context_get_width (context);
  gdouble page_h = gtk_print_context_get_height (context);
  const gdouble lw = MM_TO_PT (PT_LABEL_WIDTH_MM), lh = MM_TO_PT (PT_LABEL_HEIGHT_MM);
  guint cols, rows;

  if (job->kind == PT_RX_PRINT_RECEIPT)
    {
      draw_receipt (job, cr, page_w);
      return;
    }
  if (job->paper == PT_RX_PAPER_LABEL)
    {
      if ((guint) page_nr < job->items->len)
        draw_label (job, job->items->pdata[page_nr], cr, page_w, page_h);
      return;
    }
  a4_grid (page_w, page_h, &cols, &rows);
  for (guint i = 0; i < cols * rows; i++)
    {
      guint index = page_nr * cols * rows + i;

      if (index >= job->items->len)
        break;
      cairo_save (cr);
      cairo_translate (cr, MM_TO_PT (A4_MARGIN_MM) + (i % cols) * lw,
                       MM_TO_PT (A4_MARGIN_MM) + (i / cols) * lh);
      /* A light cut line around each label. */
      cairo_set_source_rgb (cr, 0.75, 0.75, 0.75);
      cairo_set_line_width (cr, 0.3);
      cairo_rectangle (cr, 0, 0, lw, lh);
      cairo_stroke (cr);
      draw_label (job, job->items->pdata[index], cr, lw, lh);
      cairo_restore (cr);
    }
}

gboolean
pt_rx_print_run (PtRxPrintJob  *job,
                 PtRxPrintKind  kind,
                 PtRxPaper      paper,
                 GtkWindow     *parent,
                 const gchar   *export_pdf,
                 gchar        **exported_path,
                 GError       **error)
{
  g_autoptr(GtkPrintOperation) op = gtk_print_operation_new ();
  g_autoptr(GtkPageSetup) setup = gtk_page_setup_new ();
  g_autoptr(GtkPaperSize) size = NULL;
  g_autoptr(GError) local_error = NULL;
  g_autofree gchar *path = NULL;
  const gchar *dir = g_getenv ("PHARMATRACK_PRINT_DIR");
  GtkPrintOperationResult result;

  g_return_val_if_fail (job != NULL, FALSE);

  job->kind = kind;
  job->paper = paper;
  if (kind == PT_RX_PRINT_LABELS && paper == PT_RX_PAPER_LABEL)
    {
      size = gtk_paper_size_new_custom ("pharmatrack-label-89x36", _("Label 89 × 36 mm"),
                                        PT_LABEL_WIDTH_MM, PT_LABEL_HEIGHT_MM, GTK_UNIT_MM);
      gtk_page_setup_set_paper_size (setup, size);
      gtk_page_setup_set_orientation (setup, GTK_PAGE_ORIENTATION_PORTRAIT);
      gtk_page_setup_set_top_margin (setup, 0, GTK_UNIT_MM);
      gtk_page_setup_set_bottom_margin (setup, 0, GTK_UNIT_MM);
      gtk_page_setup_set_left_margin (setup, 0, GTK_UNIT_MM);
      gtk_page_setup_set_right_margin (setup, 0, GTK_UNIT_MM);
    }
  else
    {
      size = gtk_paper_size_new (GTK_PAPER_NAME_A4);
      gtk_page_setup_set_paper_size_and_default_margins (setup, size);
    }
  gtk_print_operation_set_default_page_setup (op, setup);
  gtk_print_operation_set_use_full_page (op, TRUE);
  gtk_print_operation_set_unit (op, GTK_UNIT_POINTS);
  gtk_print_operation_set_job_name (op, kind == PT_RX_PRINT_RECEIPT
                                        ? _("PharmaTrack receipt") : _("PharmaTrack labels"));
  g_signal_connect (op, "begin-print", G_CALLBACK (begin_print_cb), job);
  g_signal_connect (op, "draw-page", G_CALLBACK (draw_page_cb), job);

  if (export_pdf != NULL)
    path = g_strdup (export_pdf);
  else if (dir != NULL && *dir != '\0')
    {
      g_autoptr(GDateTime) now = g_date_time_new_now_local ();
      g_autofree gchar *stamp = g_date_time_format (now, "%Y%m%d-%H%M%S");
      g_autofree gchar *name = g_strdup_printf ("%s-%s-%s.pdf", job->number ? job->number : "rx",
                                                kind == PT_RX_PRINT_RECEIPT ? "receipt" : "labels",
                                                stamp);
      g_mkdir_with_parents (dir, 0700);
      path = g_build_filename (dir, name, NULL);
    }

  if (path != NULL)
    {
      gtk_print_operation_set_export_filename (op, path);
      result = gtk_print_operation_run (op, GTK_PRINT_OPERATION_ACTION_EXPORT, parent, &local_error);
    }
  else
    result = gtk_print_operation_run (op, GTK_PRINT_OPERATION_ACTION_PRINT_DIALOG, parent,
                                      &local_error);

  if (result == GTK_PRINT_OPERATION_RESULT_ERROR)
    {
      g_debug ("Printing failed: %s", local_error ? local_error->message : "?");
      g_set_error (error, PT_ERROR, PT_ERROR_IO,
                   _("The %s could not be printed. Check the printer, or print to a PDF file."),
                   kind == PT_RX_PRINT_RECEIPT ? _("receipt") : _("labels"));
      return FALSE;
    }
  if (exported_path != NULL)
    *exported_path = result == GTK_PRINT_OPERATION_RESULT_APPLY ? g_steal_pointer (&path) : NULL;
  return TRUE;
}
