/* The prescription list model (counter queue, recent, patient history)
 * over a real store, without a display. */
#define G_LOG_DOMAIN "test-ui"
#include "config.h"

#include "pt-rx-list-model.h"
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
#undef ADD
  return g_test_run ();
}
