/* pt-test-counter.c: the counter tests' shared fixture (pt-test-counter.h). */
#define G_LOG_DOMAIN "pt-test"
#include "config.h"

#include "pt-test-counter.h"

void
counter_setup (CounterFixture *cf,
               gconstpointer   data)
{
  pt_test_setup (&cf->fx, data);
  cf->patient = pt_test_add_patient (cf->fx.store, "Ada", "Lovelace", "+44 20 7946 0001",
                                     NULL, NULL);
  cf->medicine = pt_test_add_medicine (cf->fx.store, "Amoxil 500 mg", "Amoxicillin",
                                       "Penicillins", NULL, 250);
}

void
counter_teardown (CounterFixture *cf,
                  gconstpointer   data)
{
  g_free (cf->patient);
  g_free (cf->medicine);
  pt_test_teardown (&cf->fx, data);
}

gchar *
new_rx (PtStore     *store,
        const gchar *patient,
        const gchar *medicine,
        PtQuantity   quantity,
        gint         refills,
        gchar      **number)
{
  g_autoptr(GError) error = NULL;
  PtRxItemSpec item = {
    .medicine_id = medicine, .dose = "1 capsule", .quantity = quantity,
    .instructions = "Take one capsule three times a day", .refills = refills,
  };
  PtRxSpec spec = {
    .patient_id = patient, .prescriber_name = "Dr Jane Foster",
    .prescriber_licence = "GMC 1234567", .items = &item, .n_items = 1,
  };
  gchar *id = pt_store_counter_create_prescription (store, &spec, number, &error);

  g_assert_no_error (error);
  g_assert_nonnull (id);
  return id;
}

gboolean
number_looks_right (const gchar *number)
{
  return g_regex_match_simple ("^[0-9A-HJKMNP-TV-Z]{5}-[0-9]{6}$", number, 0, 0);
}
