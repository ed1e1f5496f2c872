/* The counter's list models over a real store, without a display: the
 * prescriptions (queue, recent, patient history), the patient search,
 * the takings lines and the dispense dialog's batches to pick. */
#define G_LOG_DOMAIN "test-ui"
#include "config.h"

#include <string.h>

#include "pt-dispense-model.h"
#include "pt-patient-search-model.h"
#include "pt-ui-util.h"
#include "pt-rx-list-model.h"
#include "pt-takings-model.h"
#include "pt-store-counter.h"
#include "pt-test-store.h"

typedef struct
{
  PtTestFixture fx;
  gchar        *ada;
  gchar        *alan;
  gchar        *medicine;
} Fixture;

typedef struct
{
  guint n;            /* signals */
  guint position, removed, added;
} Changes;

static void
items_changed_cb (GListModel *model,
                  guint       position,
                  guint       removed,
                  guint       added,
                  Changes    *c)
{
  c->n++;
  c->position = position;
  c->removed = removed;
  c->added = added;
}

static gchar *
new_rx (Fixture     *f,
        const gchar *patient)
{
  g_autoptr(GError) error = NULL;
  PtRxItemSpec item = {
    .medicine_id = f->medicine, .quantity = 10, .instructions = "Take one a day",
  };
  PtRxSpec spec = { .patient_id = patient, .items = &item, .n_items = 1 };
  gchar *id = pt_store_counter_create_prescription (f->fx.store, &spec, NULL, &error);

  g_assert_no_error (error);
  g_assert_nonnull (id);
  return id;
}

static void
set_up (Fixture       *f,
        gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(bson_t) user = NULL;
  g_autofree gchar *user_id = NULL;

  pt_test_setup (&f->fx, data);
  f->ada = pt_test_add_patient (f->fx.store, "Ada", "Lovelace", "+44 20 7946 0001", NULL, NULL);
  f->alan = pt_test_add_patient (f->fx.store, "Alan", "Turing", "+44 20 7946 0002", NULL, NULL);
  f->medicine = pt_test_add_medicine (f->fx.store, "Amoxil 500 mg", "Amoxicillin", "Penicillins",
                                      NULL, 250);
  user_id = pt_test_add_user (f->fx.store, "pharmacist@example.org", "pharmacist");
  user = pt_store_sign_in (f->fx.store, "pharmacist@example.org", PT_TEST_PASSWORD, &error);
  g_assert_no_error (error);
  g_assert_nonnull (user);
}

static void
tear_down (Fixture       *f,
           gconstpointer  data)
{
  g_free (f->ada);
  g_free (f->alan);
  g_free (f->medicine);
  pt_test_teardown (&f->fx, data);
}

static const gchar *
column_at (GListModel *model,
           guint       i)
{
  g_autoptr(PtRxItem) item = g_list_model_get_item (model, i);

  return pt_rx_item_get_column (item);
}

static void
test_queue_replaces_only_the_changed_prescription (Fixture *f, gconstpointer data)
{
  g_autoptr(PtRxListModel) model = pt_rx_list_model_new (PT_RX_LIST_QUEUE);
  g_autoptr(GError) error = NULL;
  g_autofree gchar *a = new_rx (f, f->ada);
  g_autofree gchar *b = new_rx (f, f->alan);
  g_autofree gchar *c = new_rx (f, f->ada);
  g_autoptr(PtRxItem) first = NULL;
  g_autoptr(PtRxItem) last = NULL;
  g_autoptr(PtRxItem) moved = NULL;
  g_autoptr(PtRxItem) first_again = NULL;
  g_autoptr(PtRxItem) last_again = NULL;
  Changes changes = { 0, };

  pt_rx_list_model_set_store (model, f->fx.store);
  pt_rx_list_model_set_pharmacy_id (model, f->fx.pharmacy_id);
  g_signal_connect (model, "items-changed", G_CALLBACK (items_changed_cb), &changes);
  g_assert_true (pt_rx_list_model_reload (model, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (model)), ==, 3);
  g_assert_cmpuint (changes.n, ==, 1);
  /* Oldest first, all received. */
  g_assert_cmpint (pt_rx_list_model_find (model, a), ==, 0);
  g_assert_cmpint (pt_rx_list_model_find (model, b), ==, 1);
  g_assert_cmpint (pt_rx_list_model_find (model, c), ==, 2);
  for (guint i = 0; i < 3; i++)
    g_assert_cmpstr (column_at (G_LIST_MODEL (model), i), ==, "received");

  /* Nothing changed: no signal, the rows stay. */
  g_assert_true (pt_rx_list_model_reload (model, NULL));
  g_assert_cmpuint (changes.n, ==, 1);

  /* One moves on: only its item is replaced, the others keep their objects. */
  first = g_list_model_get_item (G_LIST_MODEL (model), 0);
  last = g_list_model_get_item (G_LIST_MODEL (model), 2);
  g_assert_true (pt_store_set_prescription_status (f->fx.store, b, "in_progress", &error));
  g_assert_no_error (error);
  g_assert_true (pt_rx_list_model_reload (model, NULL));
  g_assert_cmpuint (changes.n, ==, 2);
  g_assert_cmpuint (changes.position, ==, 1);
  g_assert_cmpuint (changes.removed, ==, 1);
  g_assert_cmpuint (changes.added, ==, 1);
  moved = g_list_model_get_item (G_LIST_MODEL (model), 1);
  g_assert_cmpstr (pt_rx_item_get_column (moved), ==, "in_progress");
  first_again = g_list_model_get_item (G_LIST_MODEL (model), 0);
  last_again = g_list_model_get_item (G_LIST_MODEL (model), 2);
  g_assert_true (first == first_again);
  g_assert_true (last == last_again);

  /* Cancelled prescriptions leave the queue. */
  g_assert_true (pt_store_cancel_prescription (f->fx.store, a, "Prescriber cancelled", &error));
  g_assert_no_error (error);
  g_assert_true (pt_rx_list_model_reload (model, NULL));
  g_assert_cmpint (pt_rx_list_model_find (model, a), ==, -1);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (model)), ==, 2);
}

static void
test_recent_filters_by_patient_name_and_number (Fixture *f, gconstpointer data)
{
  g_autoptr(PtRxListModel) model = pt_rx_list_model_new (PT_RX_LIST_RECENT);
  g_autofree gchar *a = new_rx (f, f->ada);
  g_autofree gchar *b = new_rx (f, f->alan);
  g_autoptr(PtRxItem) item = NULL;
  g_autofree gchar *number = NULL;

  pt_rx_list_model_set_store (model, f->fx.store);
  g_assert_true (pt_rx_list_model_reload (model, NULL));
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (model)), ==, 2);

  pt_rx_list_model_set_filter_text (model, "  TURING ");
  g_assert_true (pt_rx_list_model_reload (model, NULL));
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (model)), ==, 1);
  g_assert_cmpint (pt_rx_list_model_find (model, b), ==, 0);

  item = g_list_model_get_item (G_LIST_MODEL (model), 0);
  g_object_get (item, "number", &number, NULL);
  g_clear_object (&item);
  pt_rx_list_model_set_filter_text (model, number);
  g_assert_true (pt_rx_list_model_reload (model, NULL));
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (model)), ==, 1);

  pt_rx_list_model_set_filter_text (model, "nobody");
  g_assert_true (pt_rx_list_model_reload (model, NULL));
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (model)), ==, 0);
  g_assert_cmpint (pt_rx_list_model_find (model, a), ==, -1);
}

static void
test_patient_history_shows_only_that_patient (Fixture *f, gconstpointer data)
{
  g_autoptr(PtRxListModel) model = pt_rx_list_model_new (PT_RX_LIST_PATIENT);
  g_autofree gchar *a1 = new_rx (f, f->ada);
  g_autofree gchar *b = new_rx (f, f->alan);
  g_autofree gchar *a2 = new_rx (f, f->ada);

  pt_rx_list_model_set_store (model, f->fx.store);
  g_assert_true (pt_rx_list_model_reload (model, NULL));
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (model)), ==, 0);
  pt_rx_list_model_set_patient_id (model, f->ada);
  g_assert_true (pt_rx_list_model_reload (model, NULL));
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (model)), ==, 2);
  g_assert_cmpint (pt_rx_list_model_find (model, b), ==, -1);
  g_assert_cmpint (pt_rx_list_model_find (model, a1), >=, 0);
  g_assert_cmpint (pt_rx_list_model_find (model, a2), >=, 0);
}

static void
test_empty_when_no_one_is_signed_in (Fixture *f, gconstpointer data)
{
  g_autoptr(PtRxListModel) model = pt_rx_list_model_new (PT_RX_LIST_QUEUE);
  g_autofree gchar *a = new_rx (f, f->ada);

  pt_rx_list_model_set_store (model, f->fx.store);
  g_assert_true (pt_rx_list_model_reload (model, NULL));
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (model)), ==, 1);
  pt_store_act_as_system (f->fx.store);
  g_assert_true (pt_rx_list_model_reload (model, NULL));
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (model)), ==, 0);
}

static void
test_patient_search_finds_by_name_and_phone (Fixture *f, gconstpointer data)
{
  g_autoptr(PtPatientSearchModel) model = pt_patient_search_model_new (10);
  g_autoptr(PtPatientItem) item = NULL;
  Changes changes = { 0, };

  pt_patient_search_model_set_store (model, f->fx.store);
  g_signal_connect (model, "items-changed", G_CALLBACK (items_changed_cb), &changes);
  /* No query, no list (not the whole register). */
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (model)), ==, 0);

  pt_patient_search_model_set_query (model, "lovel");
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (model)), ==, 1);
  item = g_list_model_get_item (G_LIST_MODEL (model), 0);
  g_assert_cmpstr (pt_patient_item_get_name (item), ==, "Ada Lovelace");
  g_assert_nonnull (strstr (pt_patient_item_get_description (item), "+44 20 7946 0001"));
  g_assert_cmpint (pt_patient_search_model_find (model, f->ada), ==, 0);
  g_assert_cmpint (pt_patient_search_model_find (model, f->alan), ==, -1);

  /* The same results again: no change for the view. */
  changes.n = 0;
  pt_patient_search_model_reload (model);
  g_assert_cmpuint (changes.n, ==, 0);

  pt_patient_search_model_set_query (model, "7946 0002");
  g_assert_cmpint (pt_patient_search_model_find (model, f->alan), ==, 0);
  pt_patient_search_model_set_query (model, "");
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (model)), ==, 0);
}

static void
test_patient_item_flags_allergies (Fixture *f, gconstpointer data)
{
  g_autofree gchar *id = pt_test_add_patient (f->fx.store, "Rosalind", "Franklin", NULL,
                                              "category", "Penicillins");
  g_autoptr(bson_t) doc = pt_store_get (f->fx.store, "patients", id, NULL);
  g_autoptr(bson_t) plain = pt_store_get (f->fx.store, "patients", f->ada, NULL);
  g_autoptr(PtPatientItem) allergic = pt_patient_item_new (id, doc);
  g_autoptr(PtPatientItem) none = pt_patient_item_new (f->ada, plain);
  g_autoptr(bson_t) parsed = pt_patient_parse_allergies ("amoxicillin; category: penicillins\n");
  g_autofree gchar *text = NULL;

  g_assert_true (pt_patient_item_has_allergies (allergic));
  g_assert_false (pt_patient_item_has_allergies (none));
  g_assert_nonnull (strstr (pt_patient_item_get_description (allergic), "allergies: category: Penicillins"));
  /* The form's text round-trips through the document. */
  g_assert_cmpuint (bson_count_keys (parsed), ==, 2);
  {
    bson_t wrapper = BSON_INITIALIZER;

    BSON_APPEND_ARRAY (&wrapper, "allergies", parsed);
    text = pt_patient_format_allergies (&wrapper);
    bson_destroy (&wrapper);
  }
  g_assert_cmpstr (text, ==, "amoxicillin, category: penicillins");

  /* Born before 1970: a negative time, still a date. */
  {
    bson_t p = BSON_INITIALIZER;
    g_autofree gchar *desc = NULL;
    PtTime dob;

    g_assert_true (pt_date_parse ("1906-12-09", &dob, NULL));
    g_assert_cmpint (dob, <, 0);
    BSON_APPEND_UTF8 (&p, "firstName", "Grace");
    BSON_APPEND_UTF8 (&p, "lastName", "Hopper");
    BSON_APPEND_DATE_TIME (&p, "dateOfBirth", dob);
    desc = pt_patient_describe (&p);
    g_assert_cmpstr (desc, ==, "born 9 Dec 1906");
    bson_destroy (&p);
  }
}

static void
test_takings_lines_keep_amounts_and_counts (void)
{
  PtTakingsLine cash = { .key = "cash", .label = "Cash", .amount = 900, .count = 2 };
  PtTakingsLine card = { .key = "card", .label = "Card", .amount = 1350, .count = 1 };
  g_autoptr(GPtrArray) lines = g_ptr_array_new ();
  g_autoptr(GListModel) model = NULL;
  g_autoptr(PtTakingsItem) first = NULL;
  g_autoptr(PtTakingsItem) second = NULL;

  g_ptr_array_add (lines, &cash);
  g_ptr_array_add (lines, &card);
  model = pt_takings_model_new (lines, "EUR");
  g_assert_cmpuint (g_list_model_get_n_items (model), ==, 2);
  first = g_list_model_get_item (model, 0);
  second = g_list_model_get_item (model, 1);
  g_assert_cmpstr (pt_takings_item_get_label (first), ==, "Cash");
  g_assert_cmpint (pt_takings_item_get_value (first), ==, 900);
  g_assert_nonnull (strstr (pt_takings_item_get_amount (first), "9.00"));
  g_assert_cmpstr (pt_takings_item_get_count (first), ==, "2 payments");
  g_assert_cmpstr (pt_takings_item_get_count (second), ==, "1 payment");
  g_clear_object (&model);
  model = pt_takings_model_new (NULL, "EUR");
  g_assert_cmpuint (g_list_model_get_n_items (model), ==, 0);
}

/* The batches to pick, first expiry first, as the dialog shows them: a
 * partial fill says what stays owed, a short-dated batch says so. */
static void
test_dispense_model_batches_to_pick (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autofree gchar *late = pt_test_receive (f->fx.store, f->medicine, NULL, "LATE", 200, 5);
  g_autofree gchar *soon = pt_test_receive (f->fx.store, f->medicine, NULL, "SOON", 10, 3);
  g_autofree gchar *rx = new_rx (f, f->ada);    /* 10 wanted, 8 in stock */
  PtTime now = pt_time_now ();
  g_autoptr(PtDispensePlan) plan = pt_store_plan_dispense (f->fx.store, rx, now, &error);
  g_autoptr(GListModel) model = NULL;
  g_autoptr(PtDispenseLineItem) line = NULL;
  g_autoptr(PtAllocationItem) first = NULL;
  g_autoptr(PtAllocationItem) second = NULL;
  g_autofree gchar *soon_date = NULL;
  g_autofree gchar *expected = NULL;
  GListModel *batches;
  PtAllocation *a;

  g_assert_no_error (error);
  model = pt_dispense_model_new (f->fx.store, plan, now);
  g_assert_true (g_list_model_get_item_type (model) == PT_TYPE_DISPENSE_LINE_ITEM);
  g_assert_cmpuint (g_list_model_get_n_items (model), ==, 1);
  line = g_list_model_get_item (model, 0);
  g_assert_cmpstr (pt_dispense_line_item_get_title (line), ==, "Amoxil 500 mg");
  g_assert_cmpstr (pt_dispense_line_item_get_subtitle (line), ==,
                   "8 of 10 — 2 still owed after this fill");
  g_assert_cmpstr (pt_dispense_line_item_get_count_text (line), ==, "8");
  g_assert_true (pt_dispense_line_item_get_partial (line));

  batches = pt_dispense_line_item_get_allocations (line);
  g_assert_cmpuint (g_list_model_get_n_items (batches), ==, 2);
  first = g_list_model_get_item (batches, 0);
  second = g_list_model_get_item (batches, 1);
  a = ((PtDispenseLine *) plan->lines->pdata[0])->allocations->pdata[0];
  soon_date = pt_ui_format_date (a->expiry_date);
  g_assert_cmpstr (pt_allocation_item_get_title (first), ==, "Lot SOON");
  g_assert_true (pt_allocation_item_get_short_dated (first));
  g_assert_nonnull (strstr (pt_allocation_item_get_subtitle (first), "short-dated"));
  g_assert_nonnull (strstr (pt_allocation_item_get_subtitle (first), soon_date));
  g_assert_cmpstr (pt_allocation_item_get_quantity_text (first), ==, "× 3");
  expected = g_strdup_printf ("Lot SOON, expires %s: take 3", soon_date);
  g_assert_cmpstr (pt_allocation_item_get_accessible_name (first), ==, expected);
  g_assert_cmpstr (pt_allocation_item_get_title (second), ==, "Lot LATE");
  g_assert_false (pt_allocation_item_get_short_dated (second));
  g_assert_null (strstr (pt_allocation_item_get_subtitle (second), "short-dated"));
  g_assert_cmpint (pt_allocation_item_get_quantity (second), ==, 5);
  (void) late;
  (void) soon;
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
#define ADD(path, fn) g_test_add (path, Fixture, NULL, set_up, fn, tear_down)
  ADD ("/ui/rx-list-model/queue-replaces-only-the-changed-prescription",
       test_queue_replaces_only_the_changed_prescription);
  ADD ("/ui/rx-list-model/recent-filters-by-patient-name-and-number",
       test_recent_filters_by_patient_name_and_number);
  ADD ("/ui/rx-list-model/patient-history-shows-only-that-patient",
       test_patient_history_shows_only_that_patient);
  ADD ("/ui/rx-list-model/empty-when-no-one-is-signed-in", test_empty_when_no_one_is_signed_in);
  ADD ("/ui/patient-search-model/finds-by-name-and-phone", test_patient_search_finds_by_name_and_phone);
  ADD ("/ui/patient-item/flags-allergies-and-round-trips-them", test_patient_item_flags_allergies);
  ADD ("/ui/dispense-model/batches-to-pick-first-expiry-first", test_dispense_model_batches_to_pick);
  g_test_add_func ("/ui/takings-model/lines-keep-amounts-and-counts",
                   test_takings_lines_keep_amounts_and_counts);
#undef ADD
  return g_test_run ();
}
