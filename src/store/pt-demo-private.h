/* pt-demo-private.h: the tables behind pt-demo.c (pt-demo-tables.c). */
#pragma once

#include <glib.h>
#include "pt-demo.h"

G_BEGIN_DECLS

typedef enum
{
  PT_DEMO_OTC,
  PT_DEMO_RX,
  PT_DEMO_CONTROLLED,
} PtDemoSchedule;

/* One product line of a generic: a form and the strengths it comes in. */
typedef struct
{
  const gchar    *inn;        /* International Nonproprietary Name */
  const gchar    *category;   /* ATC code of its therapeutic group */
  const gchar    *form;       /* "tablet", "capsule", ... */
  const gchar    *strengths;  /* "250 mg|500 mg" */
  const gchar    *packs;      /* "28|56|84" base units per pack */
  PtDemoSchedule  schedule;
} PtDemoProduct;

typedef struct
{
  const gchar *code;          /* "J01" */
  const gchar *label;         /* "Antibacterials for systemic use" */
} PtDemoCategory;

extern const PtDemoProduct  _pt_demo_products[];
extern const guint          _pt_demo_n_products;
extern const PtDemoCategory _pt_demo_categories[];
extern const guint          _pt_demo_n_categories;
extern const gchar * const  _pt_demo_brand_suffixes[];
extern const guint          _pt_demo_n_brand_suffixes;
extern const gchar * const  _pt_demo_manufacturers[];
extern const guint          _pt_demo_n_manufacturers;
extern const gchar * const  _pt_demo_suppliers[];
extern const guint          _pt_demo_n_suppliers;
extern const gchar * const  _pt_demo_given_names[];
extern const guint          _pt_demo_n_given_names;
extern const gchar * const  _pt_demo_family_names[];
extern const guint          _pt_demo_n_family_names;
extern const gchar * const  _pt_demo_streets[];
extern const guint          _pt_demo_n_streets;
extern const gchar * const  _pt_demo_towns[];
extern const guint          _pt_demo_n_towns;
extern const gchar * const  _pt_demo_conditions[];
extern const guint          _pt_demo_n_conditions;
extern const gchar * const  _pt_demo_prescribers[];
extern const guint          _pt_demo_n_prescribers;

const PtDemoCategory *_pt_demo_category_lookup (const gchar *code);

/* pt_demo_generate () with its clock (@now: expiries and dates are
 * relative to it) and its loading mode given: @bulk loads each chunk in
 * one transaction without per-operation savepoints and writes the search
 * index at each commit; without it every operation is its own nested
 * transaction, as counter work is.  Both give the same data (a test
 * compares them). */
gboolean _pt_demo_generate_full (PtStore             *store,
                                 const PtDemoOptions *options,
                                 PtTime               now,
                                 gboolean             bulk,
                                 PtProgressFunc       progress,
                                 gpointer             progress_data,
                                 GError             **error);

G_END_DECLS
