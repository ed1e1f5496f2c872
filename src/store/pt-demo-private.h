/* pt-demo-private.h: the tables behind pt-demo.c (pt-demo-tables.c). */
#pragma once

#include <glib.h>
#include "pt-demo.h"
#include "pt-store-private.h"

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

/* ---- The generator's state (pt-demo.c and one file per collection) ---- */

/* Stack documents freed at scope exit (a private name: pt-schema.h may
 * one day define a cleanup for bson_t itself). */
typedef bson_t DemoBson;
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (DemoBson, bson_destroy)

/* Operations per transaction. */
#define CHUNK 4000

typedef struct
{
  gchar      id[PT_OID_HEX_LEN + 1];
  guint      product;          /* index in _pt_demo_products */
  PtMoney    price;            /* per base unit */
  PtQuantity pack;
  PtQuantity stock[2];         /* non-expired stock at pharmacy 0 / 1 */
} DemoMedicine;

typedef struct
{
  gchar      id[PT_OID_HEX_LEN + 1];
  gchar     *allergy_generic;   /* NULL or an INN */
  gchar     *allergy_category;  /* NULL or a category string */
} DemoPatient;

typedef struct
{
  PtStore        *store;
  GRand          *rand;
  PtProgressFunc  progress;
  gpointer        progress_data;
  gint64          done;
  gint64          total;
  guint           ops;          /* in the open transaction */
  gboolean        in_tx;
  PtTime          now;
  gchar          *pharmacy_ids[2];
  guint           n_pharmacies;
  GArray         *medicines;    /* DemoMedicine */
  GArray         *patients;     /* DemoPatient */
  /* Bulk: the direct load (medicines with their stock, patients) and the
   * barcodes it made; the store is asked about barcodes only when its
   * barcode index was not dropped for the load. */
  PtStoreLoad    *load;
  GHashTable     *barcodes;
  gboolean        lookup_barcodes;
} Demo;

/* pt-demo.c: helpers shared by the generators.  Every draw comes from
 * demo->rand, one after the other, so the data depends on the seed only. */
gboolean     _pt_demo_tick            (Demo *demo, GError **error);
const gchar *_pt_demo_pick            (Demo *demo, const gchar * const *pool, guint n);
gint         _pt_demo_range           (Demo *demo, gint lo, gint hi_inclusive);
gboolean     _pt_demo_chance          (Demo *demo, gdouble p);
gchar       *_pt_demo_pick_part       (Demo *demo, const gchar *list);
gchar       *_pt_demo_random_code     (Demo *demo, const gchar *pattern);
PtTime       _pt_demo_days_from_now   (Demo *demo, gint days);
void         _pt_demo_append_str      (bson_t *doc, const gchar *key, const gchar *value);
void         _pt_demo_append_oid      (bson_t *doc, const gchar *key, const gchar *hex);
guint        _pt_demo_pick_pharmacy   (Demo *demo);

/* One generator per collection; each counts its operations with
 * _pt_demo_tick (). */
gboolean     _pt_demo_create_medicine (Demo *demo, guint64 *barcode_seq, GError **error);
gboolean     _pt_demo_create_patient  (Demo *demo, GError **error);
gboolean     _pt_demo_create_prescription (Demo *demo, GError **error);

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
