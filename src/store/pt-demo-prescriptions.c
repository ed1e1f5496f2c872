/* pt-demo-prescriptions.c: demo prescriptions in every workflow state (dispensed,
 * picked up and paid, cancelled before and after dispensing). */
#define G_LOG_DOMAIN "pt-demo"
#include "config.h"

#include <string.h>
#include <glib/gi18n-lib.h>

#include "pt-demo-private.h"
#include "pt-store-counter.h"
#include "pt-store-private.h"

/* ---- Prescriptions -------------------------------------------------------- */

typedef enum
{
  RX_RECEIVED, RX_IN_PROGRESS, RX_READY, RX_DISPENSED, RX_PICKED_UP,
  RX_CANCELLED, RX_CANCELLED_AFTER_DISPENSE, RX_N_STATES
} RxState;

/* Weights of the final states, in percent. */
static const guint rx_weights[RX_N_STATES] = { 18, 14, 14, 20, 20, 7, 7 };

static RxState
pick_state (Demo *demo)
{
  gint r = _pt_demo_range (demo, 0, 99);

  for (guint s = 0; s < RX_N_STATES; s++)
    {
      r -= rx_weights[s];
      if (r < 0)
        return s;
    }
  return RX_RECEIVED;
}

static gboolean
allergic (const DemoPatient *patient, const PtDemoProduct *p)
{
  if (patient->allergy_generic && strcmp (patient->allergy_generic, p->inn) == 0)
    return TRUE;
  if (patient->allergy_category
      && strncmp (patient->allergy_category, p->category, 3) == 0)
    return TRUE;
  return FALSE;
}

/* A medicine the patient may take, with @quantity in stock at @ph when
 * @needs_stock; NULL after a bounded search. */
static DemoMedicine *
pick_medicine (Demo *demo, const DemoPatient *patient, guint ph,
               gboolean needs_stock, PtQuantity *quantity)
{
  for (guint attempt = 0; attempt < 200; attempt++)
    {
      DemoMedicine *med = &g_array_index (demo->medicines, DemoMedicine,
                                          g_rand_int_range (demo->rand, 0, demo->medicines->len));
      PtQuantity q = med->pack * (_pt_demo_chance (demo, 0.8) ? 1 : 2);

      if (allergic (patient, &_pt_demo_products[med->product]))
        continue;
      if (needs_stock && med->stock[ph] < q)
        continue;
      *quantity = q;
      return med;
    }
  return NULL;
}

static const gchar *
instructions_for (const gchar *form)
{
  if (strstr (form, "tablet") || strstr (form, "capsule"))
    return "Take ONE twice a day with food";
  if (strstr (form, "solution") || strstr (form, "suspension"))
    return "Take 5 ml three times a day";
  if (strstr (form, "inhal"))
    return "Inhale TWO puffs when required";
  if (strstr (form, "cream") || strstr (form, "ointment") || strstr (form, "gel"))
    return "Apply thinly to the affected area twice a day";
  if (strstr (form, "drops"))
    return "ONE drop into the affected eye four times a day";
  if (strstr (form, "patch"))
    return "Apply ONE patch as directed";
  return "Use as directed";
}

static gboolean
set_status (Demo *demo, const gchar *id, const gchar *status, GError **error)
{
  return pt_store_set_prescription_status (demo->store, id, status, error);
}

gboolean
_pt_demo_create_prescription (Demo *demo, GError **error)
{
  RxState state = pick_state (demo);
  gboolean dispense = state == RX_DISPENSED || state == RX_PICKED_UP
                      || state == RX_CANCELLED_AFTER_DISPENSE;
  const DemoPatient *patient;
  guint ph = _pt_demo_pick_pharmacy (demo);
  guint n_items = _pt_demo_chance (demo, 0.7) ? 1 : _pt_demo_range (demo, 2, 3);
  DemoMedicine *chosen[3] = { NULL, NULL, NULL };
  PtQuantity quantities[3] = { 0, 0, 0 };
  g_autofree gchar *id = NULL;
  g_autoptr(PtDispensePlan) plan = NULL;
  guint n = 0;

  if (demo->patients->len == 0 || demo->medicines->len == 0)
    return TRUE;
  patient = &g_array_index (demo->patients, DemoPatient,
                            g_rand_int_range (demo->rand, 0, demo->patients->len));

  for (guint i = 0; i < n_items; i++)
    {
      DemoMedicine *med = pick_medicine (demo, patient, ph, dispense, &quantities[n]);
      gboolean duplicate = FALSE;

      for (guint j = 0; med && j < n; j++)
        duplicate |= chosen[j] == med;
      if (med == NULL || duplicate)
        continue;
      chosen[n++] = med;
    }
  if (n == 0)
    {
      /* Nothing in stock fits: keep it as a prescription still waiting. */
      dispense = FALSE;
      state = RX_RECEIVED;
      chosen[0] = pick_medicine (demo, patient, ph, FALSE, &quantities[0]);
      if (chosen[0] == NULL)
        return _pt_demo_tick (demo, error);
      n = 1;
    }

  /* Numbered as the counter numbers its own (pt_store_counter_next_number:
   * this device's prefix, e.g. 7D82N-000042), so the queue never shows two
   * styles and a demo store that syncs cannot collide with another
   * counter's numbers.  It skips numbers already taken. */
  for (;;)
    {
      g_auto(DemoBson) doc = BSON_INITIALIZER;
      g_autoptr(GError) local_error = NULL;
      g_autofree gchar *number = NULL;
      g_autofree gchar *licence = NULL;
      PtTime issued_at = _pt_demo_days_from_now (demo, -_pt_demo_range (demo, 0, 28));
      bson_t child, item;

      number = pt_store_counter_next_number (demo->store, error);
      if (number == NULL)
        return FALSE;
      licence = g_strdup_printf ("GMC %07d", _pt_demo_range (demo, 1000000, 7999999));

      _pt_demo_append_str (&doc, "number", number);
      _pt_demo_append_oid (&doc, "patientId", patient->id);
      BSON_APPEND_DOCUMENT_BEGIN (&doc, "prescriber", &child);
      _pt_demo_append_str (&child, "name", _pt_demo_pick (demo, _pt_demo_prescribers, _pt_demo_n_prescribers));
      _pt_demo_append_str (&child, "licence", licence);
      bson_append_document_end (&doc, &child);
      _pt_demo_append_oid (&doc, "pharmacyId", demo->pharmacy_ids[ph]);
      BSON_APPEND_ARRAY_BEGIN (&doc, "items", &child);
      for (guint i = 0; i < n; i++)
        {
          const PtDemoProduct *p = &_pt_demo_products[chosen[i]->product];
          g_autofree gchar *key = g_strdup_printf ("%u", i);

          BSON_APPEND_DOCUMENT_BEGIN (&child, key, &item);
          _pt_demo_append_oid (&item, "medicineId", chosen[i]->id);
          _pt_demo_append_str (&item, "dose", strstr (p->form, "solution") || strstr (p->form, "suspension")
                                           ? "5 ml" : "1");
          BSON_APPEND_INT64 (&item, "quantity", quantities[i]);
          _pt_demo_append_str (&item, "instructions", instructions_for (p->form));
          BSON_APPEND_INT64 (&item, "refills", _pt_demo_chance (demo, 0.3) ? _pt_demo_range (demo, 1, 5) : 0);
          BSON_APPEND_INT64 (&item, "dispensedQuantity", 0);
          bson_append_document_end (&child, &item);
        }
      bson_append_array_end (&doc, &child);
      _pt_demo_append_str (&doc, "status", "received");
      BSON_APPEND_DATE_TIME (&doc, "issuedAt", issued_at);

      id = pt_store_put (demo->store, "prescriptions", &doc, &local_error);
      if (id != NULL)
        break;
      if (!g_error_matches (local_error, PT_ERROR, PT_ERROR_EXISTS))
        {
          g_propagate_error (error, g_steal_pointer (&local_error));
          return FALSE;
        }
    }

  if (state == RX_CANCELLED)
    {
      if (!pt_store_cancel_prescription (demo->store, id,
                                         _pt_demo_chance (demo, 0.5) ? "Prescriber cancelled"
                                                            : "Patient no longer needs it",
                                         error))
        return FALSE;
      return _pt_demo_tick (demo, error);
    }
  if (state == RX_RECEIVED)
    return _pt_demo_tick (demo, error);
  if (!set_status (demo, id, "in_progress", error))
    return FALSE;
  if (state == RX_IN_PROGRESS)
    return _pt_demo_tick (demo, error);
  if (!set_status (demo, id, "ready", error))
    return FALSE;
  if (state == RX_READY)
    return _pt_demo_tick (demo, error);

  /* Like a pharmacist: dispense; only when the store raises a warning
   * (short-dated stock, a duplicate), acknowledge it with a reason. */
  {
    g_autoptr(GError) warning = NULL;

    plan = pt_store_dispense (demo->store, id, NULL, demo->now, &warning);
    if (plan == NULL
        && (g_error_matches (warning, PT_ERROR, PT_ERROR_WARNING_UNACKNOWLEDGED)
            || g_error_matches (warning, PT_ERROR, PT_ERROR_INSUFFICIENT_STOCK)))
      plan = pt_store_dispense (demo->store, id,
                                g_error_matches (warning, PT_ERROR, PT_ERROR_INSUFFICIENT_STOCK)
                                ? "Partial supply, balance owed to the patient"
                                : "Checked with the patient",
                                demo->now, error);
    else if (plan == NULL)
      {
        g_propagate_error (error, g_steal_pointer (&warning));
        return FALSE;
      }
    if (plan == NULL)
      return FALSE;
  }
  for (guint i = 0; i < plan->lines->len; i++)
    {
      PtDispenseLine *line = g_ptr_array_index (plan->lines, i);

      for (guint j = 0; j < n; j++)
        if (strcmp (chosen[j]->id, line->medicine_id) == 0)
          chosen[j]->stock[ph] -= line->allocated;
    }

  if (state == RX_PICKED_UP)
    {
      g_auto(DemoBson) fields = BSON_INITIALIZER;
      static const gchar * const methods[] = { "cash", "card", "insurance" };
      bson_t child;

      if (!set_status (demo, id, "picked_up", error))
        return FALSE;
      BSON_APPEND_DOCUMENT_BEGIN (&fields, "billing", &child);
      BSON_APPEND_INT64 (&child, "total", plan->total);
      BSON_APPEND_INT64 (&child, "paid", plan->total);
      _pt_demo_append_str (&child, "method", _pt_demo_pick (demo, methods, G_N_ELEMENTS (methods)));
      _pt_demo_append_str (&child, "currency", pt_store_get_currency (demo->store));
      BSON_APPEND_DATE_TIME (&child, "paidAt", demo->now);
      bson_append_document_end (&fields, &child);
      if (!pt_store_update (demo->store, "prescriptions", id, &fields, error))
        return FALSE;
    }
  else if (state == RX_CANCELLED_AFTER_DISPENSE)
    {
      if (!pt_store_cancel_prescription (demo->store, id, "Returned unopened by the patient",
                                         error))
        return FALSE;
      for (guint i = 0; i < plan->lines->len; i++)
        {
          PtDispenseLine *line = g_ptr_array_index (plan->lines, i);

          for (guint j = 0; j < n; j++)
            if (strcmp (chosen[j]->id, line->medicine_id) == 0)
              chosen[j]->stock[ph] += line->allocated;
        }
    }
  return _pt_demo_tick (demo, error);
}

