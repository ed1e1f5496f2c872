/* test-rx-print.c: dispensing labels and the receipt, printed through
 * GtkPrintOperation to PDF, checked with poppler-utils (pdfinfo,
 * pdftotext, pdftoppm) the way a person would look at the paper. */
#define G_LOG_DOMAIN "pt-test"
#include "config.h"

#include <string.h>
#include <gtk/gtk.h>
#include <gdk-pixbuf/gdk-pixbuf.h>
#include <glib/gstdio.h>

#include "pt-rx-print.h"
#include "pt-store-counter.h"
#include "pt-ui-util.h"

typedef struct
{
  gchar   *dir;
  gchar   *out;
  PtStore *store;
  gchar   *rx;
} Fixture;

static gchar *
put (PtStore     *store,
     const gchar *collection,
     const gchar *json)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(bson_t) doc = bson_new_from_json ((const uint8_t *) json, -1, NULL);
  gchar *id;

  g_assert_nonnull (doc);
  id = pt_store_put (store, collection, doc, &error);
  g_assert_no_error (error);
  return id;
}

static void
fixture_setup (Fixture       *fx,
               gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(PtDispensePlan) plan = NULL;
  g_autofree gchar *patient = NULL;
  g_autofree gchar *amox = NULL;
  g_autofree gchar *para = NULL;
  g_autofree gchar *pharmacy = NULL;
  g_autofree gchar *batch1 = NULL, *batch2 = NULL;
  g_autoptr(bson_t) address = NULL;
  PtStoreInit init = {
    .tenant_name = "Label Test Pharmacies",
    .plan = "enterprise",
    .pharmacy_name = "Riverside Pharmacy",
    .admin_email = "pharmacist@example.org",
    .admin_password = "correct horse battery",
    .admin_name = "Priya Patel",
  };
  PtRxItemSpec items[2] = {
    { .quantity = 21, .dose = "500 mg",
      .instructions = "Take one capsule three times a day until finished" },
    { .quantity = 16, .instructions = "Take two tablets every six hours when needed" },
  };
  PtRxSpec spec = { .prescriber_name = "Dr Jane Foster", .items = items, .n_items = 2 };
  PtReceipt r = { .lot_number = "AMX-2291", .quantity = 100, .cost_price = 10 };

  fx->dir = g_dir_make_tmp ("pt-print-test-XXXXXX", &error);
  g_assert_no_error (error);
  fx->out = g_build_filename (g_getenv ("G_TEST_BUILDDIR") ?: ".", "print-output", NULL);
  g_mkdir_with_parents (fx->out, 0755);
  fx->store = pt_store_create (fx->dir, &init, &error);
  g_assert_no_error (error);
  pt_store_sign_in (fx->store, "pharmacist@example.org", "correct horse battery", &error);
  g_assert_no_error (error);

  pharmacy = pt_store_get_pharmacy_id (fx->store);
  address = BCON_NEW ("address", "{", "line1", BCON_UTF8 ("12 River Street"),
                      "city", BCON_UTF8 ("Bristol"), "postcode", BCON_UTF8 ("BS1 4DJ"), "}");
  g_assert_true (pt_store_update (fx->store, "pharmacies", pharmacy, address, &error));
  patient = put (fx->store, "patients",
                 "{\"firstName\": \"Margaret\", \"lastName\": \"Hamilton\"}");
  amox = put (fx->store, "medicines",
              "{\"name\": \"Amoxicillin\", \"strength\": \"500 mg\", \"form\": \"capsules\","
              " \"schedule\": \"rx\", \"price\": 25, \"genericName\": \"amoxicillin\"}");
  para = put (fx->store, "medicines",
              "{\"name\": \"Paracetamol\", \"strength\": \"500 mg\", \"form\": \"tablets\","
              " \"schedule\": \"otc\", \"price\": 5, \"taxRate\": 2000}");
  r.medicine_id = amox;
  r.expiry_date = pt_time_now () + 300 * PT_MS_PER_DAY;
  batch1 = pt_store_receive_stock (fx->store, &r, &error);
  g_assert_no_error (error);
  r.medicine_id = para;
  r.lot_number = "PCM-77";
  batch2 = pt_store_receive_stock (fx->store, &r, &error);
  g_assert_no_error (error);

  items[0].medicine_id = amox;
  items[1].medicine_id = para;
  spec.patient_id = patient;
  fx->rx = pt_store_counter_create_prescription (fx->store, &spec, NULL, &error);
  g_assert_no_error (error);
  plan = pt_store_counter_dispense (fx->store, fx->rx, 0, NULL, 0, &error);
  g_assert_no_error (error);
  g_assert_true (pt_store_counter_take_payment (fx->store, fx->rx, PT_PAYMENT_CASH, 2000, 0, NULL,
                                                &error));
}

static void
rmdir_recursive (const gchar *dir)
{
  g_autoptr(GDir) d = g_dir_open (dir, 0, NULL);
  const gchar *name;

  while (d && (name = g_dir_read_name (d)) != NULL)
    {
      g_autofree gchar *path = g_build_filename (dir, name, NULL);
      g_unlink (path);
    }
  g_rmdir (dir);
}

static void
fixture_teardown (Fixture       *fx,
                  gconstpointer  data)
{
  g_clear_object (&fx->store);
  rmdir_recursive (fx->dir);
  g_free (fx->dir);
  g_free (fx->out);
  g_free (fx->rx);
}

static gchar *
run (const gchar * const *argv)
{
  g_autoptr(GError) error = NULL;
  gchar *out = NULL;
  gint status = 0;

  g_spawn_sync (NULL, (gchar **) argv, NULL, G_SPAWN_SEARCH_PATH | G_SPAWN_STDERR_TO_DEV_NULL,
                NULL, NULL, &out, NULL, &status, &error);
  g_assert_no_error (error);
  g_assert_true (g_spawn_check_wait_status (status, NULL));
  return out;
}

/* pdftotext's words joined by single spaces: labels wrap lines. */
static gchar *
pdf_words (const gchar *pdf)
{
  const gchar *argv[] = { "pdftotext", "-layout", pdf, "-", NULL };
  g_autofree gchar *text = run (argv);
  g_auto(GStrv) words = g_regex_split_simple ("\\s+", text, 0, 0);
  g_autoptr(GString) joined = g_string_new (NULL);

  for (guint i = 0; words[i]; i++)
    if (*words[i])
      g_string_append_printf (joined, "%s%s", joined->len ? " " : "", words[i]);
  return g_string_free (g_steal_pointer (&joined), FALSE);
}

static void
assert_contains (const gchar *haystack,
                 const gchar *needle)
{
  if (strstr (haystack, needle) == NULL)
    g_error ("“%s” not found in: %s", needle, haystack);
}

static void
page_size (const gchar *pdf,
           gdouble     *w,
           gdouble     *h,
           gint        *pages)
{
  const gchar *argv[] = { "pdfinfo", pdf, NULL };
  g_autofree gchar *info = run (argv);
  g_autoptr(GMatchInfo) m = NULL;
  g_autoptr(GRegex) size = g_regex_new ("Page size:\\s+([0-9.]+) x ([0-9.]+) pts", 0, 0, NULL);
  g_autoptr(GRegex) count = g_regex_new ("Pages:\\s+([0-9]+)", 0, 0, NULL);
  g_autofree gchar *ws = NULL, *hs = NULL, *ps = NULL;

  g_assert_true (g_regex_match (size, info, 0, &m));
  ws = g_match_info_fetch (m, 1);
  hs = g_match_info_fetch (m, 2);
  g_clear_pointer (&m, g_match_info_free);
  g_assert_true (g_regex_match (count, info, 0, &m));
  ps = g_match_info_fetch (m, 1);
  *w = g_ascii_strtod (ws, NULL);
  *h = g_ascii_strtod (hs, NULL);
  *pages = atoi (ps);
}

/* Renders page 1 to PNG and returns the share of dark pixels inside
 * the outer @margin_px and on the border band (ink off the label). */
static void
ink (const gchar *pdf,
     const gchar *png_prefix,
     gdouble     *inside,
     gdouble     *border,
     gint         margin_px)
{
  const gchar *argv[] = { "pdftoppm", "-png", "-r", "150", "-f", "1", "-l", "1", "-singlefile",
                          pdf, png_prefix, NULL };
  g_autofree gchar *png = g_strconcat (png_prefix, ".png", NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(GdkPixbuf) pixbuf = NULL;
  g_autofree gchar *out = run (argv);
  gint w, h, stride, n;
  const guchar *px;
  guint64 dark_in = 0, dark_border = 0, total_in = 0, total_border = 0;

  pixbuf = gdk_pixbuf_new_from_file (png, &error);
  g_assert_no_error (error);
  w = gdk_pixbuf_get_width (pixbuf);
  h = gdk_pixbuf_get_height (pixbuf);
  stride = gdk_pixbuf_get_rowstride (pixbuf);
  n = gdk_pixbuf_get_n_channels (pixbuf);
  px = gdk_pixbuf_read_pixels (pixbuf);
  for (gint y = 0; y < h; y++)
    for (gint x = 0; x < w; x++)
      {
        const guchar *p = px + y * stride + x * n;
        gboolean dark = p[0] + p[1] + p[2] < 3 * 128;
        gboolean edge = x < margin_px || y < margin_px || x >= w - margin_px || y >= h - margin_px;

        if (edge)
          {
            total_border++;
            dark_border += dark;
          }
        else
          {
            total_in++;
            dark_in += dark;
          }
      }
  *inside = total_in ? (gdouble) dark_in / total_in : 0;
  *border = total_border ? (gdouble) dark_border / total_border : 0;
}

static void
test_label_fits_89x36 (Fixture       *fx,
                       gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(PtRxPrintJob) job = pt_rx_print_job_new (fx->store, fx->rx, &error);
  g_autofree gchar *pdf = g_build_filename (fx->out, "labels-89x36.pdf", NULL);
  g_autofree gchar *png = g_build_filename (fx->out, "labels-89x36", NULL);
  g_autofree gchar *written = NULL;
  g_autofree gchar *text = NULL;
  gdouble w, h, inside, border;
  gint pages;

  g_assert_no_error (error);
  g_unlink (pdf);
  g_assert_cmpuint (pt_rx_print_job_get_n_labels (job), ==, 2);
  g_assert_true (pt_rx_print_run (job, PT_RX_PRINT_LABELS, PT_RX_PAPER_LABEL, NULL, pdf, &written,
                                  &error));
  g_assert_no_error (error);
  g_assert_cmpstr (written, ==, pdf);
  g_assert_true (g_file_test (pdf, G_FILE_TEST_EXISTS));

  /* One 89 × 36 mm page per item. */
  page_size (pdf, &w, &h, &pages);
  g_assert_cmpint (pages, ==, 2);
  g_assert_cmpfloat_with_epsilon (w, 89.0 * 72 / 25.4, 1.0);
  g_assert_cmpfloat_with_epsilon (h, 36.0 * 72 / 25.4, 1.0);

  text = pdf_words (pdf);
  g_test_message ("label text: %s", text);
  assert_contains (text, "Margaret Hamilton");
  assert_contains (text, "Amoxicillin 500 mg");
  assert_contains (text, "Take one capsule three times a day until finished");
  assert_contains (text, "Paracetamol 500 mg");
  assert_contains (text, "Take two tablets every six hours when needed");
  assert_contains (text, "Riverside Pharmacy");
  assert_contains (text, "12 River Street");
  assert_contains (text, "Priya Patel");
  assert_contains (text, "21 capsules");
  /* The prescription's number and the day it was dispensed (issue #6:
   * both on every label). */
  {
    g_autoptr(bson_t) rx = pt_store_get (fx->store, "prescriptions", fx->rx, &error);
    g_autofree gchar *day = NULL;

    g_assert_no_error (error);
    g_assert_nonnull (pt_bson_get_string (rx, "number"));
    assert_contains (text, pt_bson_get_string (rx, "number"));
    g_assert_cmpint (pt_bson_get_int (rx, "dispensedAt", 0), >, 0);
    day = pt_ui_format_date (pt_bson_get_int (rx, "dispensedAt", 0));
    assert_contains (text, day);
  }

  /* Printed, and nothing runs off the label's edge (1 mm band). */
  ink (pdf, png, &inside, &border, 150 / 25.4);
  g_test_message ("ink inside %.4f, on the edge %.4f", inside, border);
  g_assert_cmpfloat (inside, >, 0.01);
  g_assert_cmpfloat (border, <, 0.001);
}

static void
test_labels_on_a4 (Fixture       *fx,
                   gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(PtRxPrintJob) job = pt_rx_print_job_new (fx->store, fx->rx, &error);
  g_autofree gchar *pdf = g_build_filename (fx->out, "labels-a4.pdf", NULL);
  g_autofree gchar *text = NULL;
  gdouble w, h;
  gint pages;

  g_unlink (pdf);
  g_assert_true (pt_rx_print_run (job, PT_RX_PRINT_LABELS, PT_RX_PAPER_A4, NULL, pdf, NULL, &error));
  g_assert_no_error (error);
  page_size (pdf, &w, &h, &pages);
  g_assert_cmpint (pages, ==, 1);
  g_assert_cmpfloat_with_epsilon (w, 595.0, 2.0);
  g_assert_cmpfloat_with_epsilon (h, 842.0, 2.0);
  text = pdf_words (pdf);
  assert_contains (text, "Margaret Hamilton");
  assert_contains (text, "Amoxicillin 500 mg");
  assert_contains (text, "Take two tablets every six hours when needed");
}

static void
test_receipt (Fixture       *fx,
              gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(PtRxPrintJob) job = pt_rx_print_job_new (fx->store, fx->rx, &error);
  g_autofree gchar *pdf = g_build_filename (fx->out, "receipt.pdf", NULL);
  g_autofree gchar *png = g_build_filename (fx->out, "receipt", NULL);
  g_autofree gchar *text = NULL;
  g_autofree gchar *total = NULL;
  g_autofree gchar *change = NULL;
  gdouble inside, border;

  g_unlink (pdf);
  g_assert_true (pt_rx_print_run (job, PT_RX_PRINT_RECEIPT, PT_RX_PAPER_A4, NULL, pdf, NULL, &error));
  g_assert_no_error (error);
  text = pdf_words (pdf);
  g_test_message ("receipt text: %s", text);
  /* 21 × 0.25 + 16 × 0.05 + 20 % tax on 0.80 = 5.25 + 0.96 = 6.21 */
  total = pt_money_format_display (621, pt_store_get_currency (fx->store));
  change = pt_money_format_display (2000 - 621, pt_store_get_currency (fx->store));
  assert_contains (text, "Margaret Hamilton");
  assert_contains (text, "Amoxicillin 500 mg");
  assert_contains (text, total);
  assert_contains (text, change);
  assert_contains (text, "Cash");
  ink (pdf, png, &inside, &border, 10);
  g_assert_cmpfloat (inside, >, 0.0005);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  if (!gtk_init_check ())
    {
      g_test_skip ("No display (run under xvfb-run)");
      return 77;
    }
  g_test_add ("/ui/print/label-fits-89x36-with-patient-medicine-instructions", Fixture, NULL,
              fixture_setup, test_label_fits_89x36, fixture_teardown);
  g_test_add ("/ui/print/labels-on-a4", Fixture, NULL, fixture_setup, test_labels_on_a4,
              fixture_teardown);
  g_test_add ("/ui/print/receipt-total-and-change", Fixture, NULL, fixture_setup, test_receipt,
              fixture_teardown);
  return g_test_run ();
}
