/* pt-test-counter.h: what the counter tests share — a fixture with a
 * patient and a medicine with stock, and a one-item prescription. */
#pragma once

#include "pt-test-store.h"
#include "pt-store-counter.h"

G_BEGIN_DECLS

/* A patient, a medicine with stock and a one-item prescription. */
typedef struct
{
  PtTestFixture fx;
  gchar *patient;
  gchar *medicine;
} CounterFixture;

void      counter_setup      (CounterFixture *cf,
                              gconstpointer   data);
void      counter_teardown   (CounterFixture *cf,
                              gconstpointer   data);
/* A one-item prescription of @quantity of @medicine for @patient, with a
 * prescriber, a dose and instructions; its number in *@number if asked. */
gchar    *new_rx             (PtStore        *store,
                              const gchar    *patient,
                              const gchar    *medicine,
                              PtQuantity      quantity,
                              gint            refills,
                              gchar         **number);
/* Device code, a dash, six digits (no I, L, O, U). */
gboolean  number_looks_right (const gchar    *number);

/* Registers @fn at /store/counter/@path with the fixture. */
#define PT_COUNTER_TEST(path, fn) \
  g_test_add ("/store/counter/" path, CounterFixture, NULL, counter_setup, fn, counter_teardown)

G_END_DECLS
