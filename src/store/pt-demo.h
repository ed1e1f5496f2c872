/* pt-demo.h: realistic synthetic pharmacy data for demos, tests and
 * benchmarks (real-looking medicine names, strengths, forms; batches with
 * spread-out expiries; ledgers consistent with stock; patients;
 * prescriptions in every workflow state).  Deterministic for a seed. */
#pragma once

#include "pt-store.h"

G_BEGIN_DECLS

/* The demo tenant's sign-in accounts (shown on the sign-in page). */
#define PT_DEMO_OWNER_EMAIL       "owner@demo.pharmatrack.example"
#define PT_DEMO_PHARMACIST_EMAIL  "pharmacist@demo.pharmatrack.example"
#define PT_DEMO_TECHNICIAN_EMAIL  "technician@demo.pharmatrack.example"
#define PT_DEMO_CASHIER_EMAIL     "cashier@demo.pharmatrack.example"
#define PT_DEMO_PASSWORD          "demo-pharmacy"

/* A field left 0 (or @options NULL) takes its default. */
typedef struct
{
  guint   medicines;      /* default 500 */
  guint   patients;       /* default 200 */
  guint   prescriptions;  /* default 300 */
  guint64 seed;           /* default 42 */
} PtDemoOptions;

/* Adds demo data to an open store (acting as SYSTEM), in large
 * transactions; @progress gets (done, total) documents. */
gboolean  pt_demo_generate     (PtStore             *store,
                                const PtDemoOptions *options,
                                PtProgressFunc       progress,
                                gpointer             progress_data,
                                GError             **error);
/* Creates a new store in @data_dir for the tenant "Demo Pharmacy" (plan
 * enterprise, two branches, the four demo users above) and fills it. */
PtStore  *pt_demo_create_store (const gchar         *data_dir,
                                const PtDemoOptions *options,
                                PtProgressFunc       progress,
                                gpointer             progress_data,
                                GError             **error);

G_END_DECLS
