/* test-counter-billing.c: the bill of a dispensed prescription (price,
 * tax, total, payment and change) and the day's takings per user and per
 * payment method. */
#define G_LOG_DOMAIN "pt-test"
#include "config.h"

#include <string.h>
#include "pt-test-counter.h"

static void
test_billing_totals_and_change (CounterFixture *cf,
                                gconstpointer   data)
{
  PtStore *store = cf->fx.store;
  g_autoptr(GError) error = NULL;
  g_autoptr(PtDispensePlan) plan = NULL;
  g_autoptr(bson_t) taxed = bson_new ();
  g_autofree gchar *other = pt_test_add_medicine (store, "Brufen 400 mg", "Ibuprofen", NULL,
                                                  NULL, 100);
  g_autofree gchar *b1 = pt_test_receive (store, cf->medicine, cf->fx.pharmacy_id, "L1", 300, 20);
  g_autofree gchar *b2 = pt_test_receive (store, other, cf->fx.pharmacy_id, "L2", 300, 20);
  PtRxItemSpec items[2] = {
    { .medicine_id = cf->medicine, .quantity = 3, .instructions = "Three a day" },
    { .medicine_id = other, .quantity = 2, .instructions = "When needed" },
  };
  PtRxSpec spec = { .patient_id = cf->patient, .items = items, .n_items = 2 };
  g_autofree gchar *rx = NULL;
  PtMoney change = -1;
  PtBill bill;

  /* 2.50 with 20 % tax, and 1.00 without. */
  BSON_APPEND_INT64 (taxed, "taxRate", 2000);
  g_assert_true (pt_store_update (store, "medicines", cf->medicine, taxed, &error));
  rx = pt_store_counter_create_prescription (store, &spec, NULL, &error);
  g_assert_no_error (error);

  g_assert_false (pt_store_counter_take_payment (store, rx, PT_PAYMENT_CASH, 5000, 0, NULL, &error));
  g_assert_error (error, PT_ERROR, PT_ERROR_INVALID);
  g_clear_error (&error);

  plan = pt_store_counter_dispense (store, rx, 0, NULL, 0, &error);
  g_assert_no_error (error);
  g_assert_cmpint (plan->total, ==, 3 * 250 + 150 + 2 * 100);
  g_assert_true (pt_store_counter_get_bill (store, rx, &bill, &error));
  g_assert_cmpint (bill.total, ==, 1100);
  g_assert_cmpint (bill.due, ==, 1100);

  /* Short cash is refused; 20.00 for 11.00 gives 9.00 change. */
  g_assert_false (pt_store_counter_take_payment (store, rx, PT_PAYMENT_CASH, 1000, 0, NULL, &error));
  g_assert_error (error, PT_ERROR, PT_ERROR_INVALID);
  g_clear_error (&error);
  g_assert_true (pt_store_counter_take_payment (store, rx, PT_PAYMENT_CASH, 2000, 0, &change, &error));
  g_assert_no_error (error);
  g_assert_cmpint (change, ==, 900);
  g_assert_true (pt_store_counter_get_bill (store, rx, &bill, &error));
  g_assert_cmpint (bill.paid, ==, 1100);
  g_assert_cmpint (bill.due, ==, 0);

  g_assert_false (pt_store_counter_take_payment (store, rx, PT_PAYMENT_CARD, 0, 0, NULL, &error));
  g_assert_error (error, PT_ERROR, PT_ERROR_INVALID);
}

static gchar *
dispense_and_pay (PtStore         *store,
                  const gchar     *patient,
                  const gchar     *medicine,
                  PtQuantity       quantity,
                  PtPaymentMethod  method,
                  PtTime           at)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(PtDispensePlan) plan = NULL;
  gchar *rx = new_rx (store, patient, medicine, quantity, 0, NULL);

  plan = pt_store_counter_dispense (store, rx, PT_WARNING_DUPLICATE, "Test series", at, &error);
  g_assert_no_error (error);
  g_assert_true (pt_store_counter_take_payment (store, rx, method, 1000000, at, NULL, &error));
  g_assert_no_error (error);
  return rx;
}

static void
test_daily_takings_per_user_and_method (CounterFixture *cf,
                                        gconstpointer   data)
{
  PtStore *store = cf->fx.store;
  g_autoptr(GError) error = NULL;
  g_autofree gchar *batch = pt_test_receive (store, cf->medicine, cf->fx.pharmacy_id, "L1", 300, 100);
  g_autofree gchar *pharmacist = pt_test_add_user (store, "pharm@example.org", "pharmacist");
  g_autofree gchar *cashier = pt_test_add_user (store, "cash@example.org", "cashier");
  g_autoptr(PtTakings) takings = NULL;
  PtTime now = pt_time_now (), from, to;
  PtTakingsLine *line;

  g_assert_true (pt_store_act_as_user (store, pharmacist, &error));
  g_free (dispense_and_pay (store, cf->patient, cf->medicine, 2, PT_PAYMENT_CASH, now));   /* 5.00 */
  g_free (dispense_and_pay (store, cf->patient, cf->medicine, 4, PT_PAYMENT_CARD, now));   /* 10.00 */
  /* Yesterday's sale is not in today's check. */
  g_free (dispense_and_pay (store, cf->patient, cf->medicine, 8, PT_PAYMENT_CASH,
                            now - PT_MS_PER_DAY));
  {
    /* The cashier takes payment for one the pharmacist dispensed. */
    g_autoptr(PtDispensePlan) plan = NULL;
    g_autofree gchar *rx = new_rx (store, cf->patient, cf->medicine, 1, 0, NULL);

    plan = pt_store_counter_dispense (store, rx, PT_WARNING_DUPLICATE, "Test series", now, &error);
    g_assert_no_error (error);
    g_assert_true (pt_store_act_as_user (store, cashier, &error));
    g_assert_true (pt_store_counter_take_payment (store, rx, PT_PAYMENT_INSURANCE, 0, now, NULL,
                                                  &error));
    g_assert_no_error (error);
  }

  {
    /* Paid on the web dashboard: only billing.paid, method and paidAt. */
    g_autofree gchar *rx = NULL;
    g_autoptr(bson_t) billing = BCON_NEW ("billing", "{", "total", BCON_INT64 (700),
                                          "paid", BCON_INT64 (700), "method", BCON_UTF8 ("card"),
                                          "paidAt", BCON_DATE_TIME (now), "}");

    pt_store_act_as_system (store);
    rx = new_rx (store, cf->patient, cf->medicine, 1, 0, NULL);
    g_assert_true (pt_store_update (store, "prescriptions", rx, billing, &error));
    g_assert_no_error (error);
  }

  pt_counter_day_bounds (now, &from, &to);
  g_assert_cmpint (from, <=, now);
  g_assert_cmpint (now, <, to);
  takings = pt_store_counter_takings (store, from, to, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpint (takings->total, ==, 500 + 1000 + 250 + 700);
  g_assert_cmpuint (takings->n_payments, ==, 4);

  g_assert_cmpuint (takings->by_method->len, ==, 3);
  line = takings->by_method->pdata[0];
  g_assert_cmpstr (line->key, ==, "cash");
  g_assert_cmpint (line->amount, ==, 500);
  line = takings->by_method->pdata[1];
  g_assert_cmpstr (line->key, ==, "card");
  g_assert_cmpint (line->amount, ==, 1000 + 700);
  line = takings->by_method->pdata[2];
  g_assert_cmpstr (line->key, ==, "insurance");
  g_assert_cmpint (line->amount, ==, 250);

  g_assert_cmpuint (takings->by_user->len, ==, 3);
  line = takings->by_user->pdata[0];
  g_assert_cmpstr (line->key, ==, pharmacist);
  g_assert_cmpstr (line->label, ==, "pharm@example.org");
  g_assert_cmpint (line->amount, ==, 1500);
  g_assert_cmpuint (line->count, ==, 2);
  line = takings->by_user->pdata[1];
  g_assert_cmpstr (line->label, ==, "Not recorded");
  g_assert_cmpint (line->amount, ==, 700);
  line = takings->by_user->pdata[2];
  g_assert_cmpstr (line->key, ==, cashier);
  g_assert_cmpint (line->amount, ==, 250);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);

  PT_COUNTER_TEST ("billing-totals-and-change", test_billing_totals_and_change);
  PT_COUNTER_TEST ("daily-takings-per-user-and-method", test_daily_takings_per_user_and_method);

  return g_test_run ();
}
