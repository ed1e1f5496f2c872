/* pt-demo.c: realistic synthetic pharmacy data (pt-demo.h).
 *
 * Everything goes through the public store operations (validated, audited,
 * outboxed like real counter work), grouped into large transactions with
 * the store's nesting _pt_store_begin ()/_pt_store_commit () so 100,000
 * medicines do not cost 100,000 fsyncs.  The content depends only on the
 * seed (and today's date, which expiries are relative to); ids are fresh
 * ObjectIds.  Nothing is printed. */
#define G_LOG_DOMAIN "pt-demo"
#include "config.h"

#include <string.h>
#include <glib/gi18n-lib.h>

#include "pt-demo.h"
#include "pt-demo-private.h"
#include "pt-store-private.h"

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
} Demo;

/* ---- Helpers -------------------------------------------------------------- */

static gboolean
demo_begin (Demo *demo, GError **error)
{
  if (!_pt_store_begin (demo->store, error))
    return FALSE;
  demo->in_tx = TRUE;
  demo->ops = 0;
  return TRUE;
}

static gboolean
demo_commit (Demo *demo, GError **error)
{
  demo->in_tx = FALSE;
  return _pt_store_commit (demo->store, error);
}

/* Counts one operation; commits and reopens every CHUNK. */
static gboolean
demo_tick (Demo *demo, GError **error)
{
  demo->done++;
  if (demo->progress != NULL && demo->done % 500 == 0)
    demo->progress (MIN (demo->done, demo->total), demo->total, demo->progress_data);
  if (++demo->ops < CHUNK)
    return TRUE;
  return demo_commit (demo, error) && demo_begin (demo, error);
}

static const gchar *
pick (Demo *demo, const gchar * const *pool, guint n)
{
  return pool[g_rand_int_range (demo->rand, 0, n)];
}

static gint
range (Demo *demo, gint lo, gint hi_inclusive)
{
  return g_rand_int_range (demo->rand, lo, hi_inclusive + 1);
}

static gboolean
chance (Demo *demo, gdouble p)
{
  return g_rand_double (demo->rand) < p;
}

/* One of the '|'-separated words of @list. */
static gchar *
pick_part (Demo *demo, const gchar *list)
{
  g_auto(GStrv) parts = g_strsplit (list, "|", -1);
  guint n = g_strv_length (parts);

  return g_strdup (parts[g_rand_int_range (demo->rand, 0, n)]);
}

static void
gtin13 (guint prefix, guint64 item, gchar out[14])
{
  guint sum = 0;

  g_snprintf (out, 14, "%03u%09" G_GUINT64_FORMAT, prefix, item % 1000000000u);
  for (guint i = 0; i < 12; i++)
    sum += (out[i] - '0') * ((i % 2) ? 3 : 1);
  out[12] = '0' + (10 - sum % 10) % 10;
  out[13] = '\0';
}

static gchar *
capitalize (const gchar *s)
{
  gchar *r = g_strdup (s);
  r[0] = g_ascii_toupper (r[0]);
  return r;
}

/* "Amoxara" from "amoxicillin": the stem's first 3–5 letters + an ending. */
static gchar *
brand_name (Demo *demo, const gchar *inn)
{
  gchar stem[8];
  guint n = range (demo, 3, 5), i;
  const gchar *suffix = pick (demo, _pt_demo_brand_suffixes, _pt_demo_n_brand_suffixes);

  for (i = 0; i < n && g_ascii_isalpha (inn[i]); i++)
    stem[i] = inn[i];
  stem[i] = '\0';
  /* Avoid a double vowel at the joint ("Amoxiol" → "Amoxol"). */
  if (i > 3 && strchr ("aeiou", stem[i - 1]) && strchr ("aeiou", suffix[0]))
    stem[i - 1] = '\0';
  stem[0] = g_ascii_toupper (stem[0]);
  return g_strconcat (stem, suffix, NULL);
}

/* @pattern: L = a capital letter, 9 = a digit, anything else as is.  One
 * draw after the other (argument evaluation order is unspecified in C, and
 * the output must depend on the seed only). */
static gchar *
random_code (Demo *demo, const gchar *pattern)
{
  GString *s = g_string_new (NULL);

  for (const gchar *p = pattern; *p; p++)
    {
      if (*p == 'L')
        g_string_append_c (s, 'A' + range (demo, 0, 25));
      else if (*p == '9')
        g_string_append_c (s, '0' + range (demo, 0, 9));
      else
        g_string_append_c (s, *p);
    }
  return g_string_free (s, FALSE);
}

static PtTime
days_from_now (Demo *demo, gint days)
{
  /* Midnight UTC, as dates typed at the counter are. */
  PtTime today = demo->now - demo->now % PT_MS_PER_DAY;
  return today + (gint64) days * PT_MS_PER_DAY;
}

/* A function, not BSON_APPEND_UTF8: that macro evaluates the value twice,
 * and a value drawn at random would differ between the two. */
static void
append_str (bson_t *doc, const gchar *key, const gchar *value)
{
  bson_append_utf8 (doc, key, -1, value, -1);
}

static void
append_oid (bson_t *doc, const gchar *key, const gchar *hex)
{
  bson_oid_t oid;

  bson_oid_init_from_string (&oid, hex);
  BSON_APPEND_OID (doc, key, &oid);
}

/* ---- Pharmacies and users ---------------------------------------------- */

static gboolean
load_pharmacies (Demo *demo, GError **error)
{
  g_autoptr(GPtrArray) list = NULL;
  PtListOptions options = { 0 };

  options.limit = 2;
  list = pt_store_list (demo->store, "pharmacies", &options, error);
  if (list == NULL)
    return FALSE;
  if (list->len == 0)
    {
      g_set_error_literal (error, PT_ERROR, PT_ERROR_NOT_FOUND,
                           _("This store has no pharmacy yet; finish its first sync "
                             "before adding demo data."));
      return FALSE;
    }
  demo->n_pharmacies = list->len;
  for (guint i = 0; i < list->len; i++)
    demo->pharmacy_ids[i] = pt_bson_dup_oid_hex (g_ptr_array_index (list, i), "_id");
  return TRUE;
}

static guint
pick_pharmacy (Demo *demo)
{
  /* The main branch does three quarters of the work. */
  return (demo->n_pharmacies > 1 && chance (demo, 0.25)) ? 1 : 0;
}

/* ---- Medicines and stock ----------------------------------------------- */

static gboolean
receive_batches (Demo *demo, DemoMedicine *med, GError **error)
{
  guint n = range (demo, 1, 3);

  for (guint b = 0; b < n; b++)
    {
      guint ph = pick_pharmacy (demo);
      gdouble r = g_rand_double (demo->rand);
      gint days;
      PtQuantity quantity = med->pack * range (demo, 2, 12);
      g_autofree gchar *lot = random_code (demo, "LL9999L");
      const gchar *supplier = pick (demo, _pt_demo_suppliers, _pt_demo_n_suppliers);

      /* Draw before MAX, which evaluates its arguments twice. */
      PtMoney cost = med->price * range (demo, 45, 70) / 100;
      g_autofree gchar *batch_id = NULL;

      cost = MAX (cost, 1);

      if (r < 0.05)
        days = -range (demo, 1, 180);     /* expired, still on the shelf */
      else if (r < 0.15)
        days = range (demo, 3, 60);       /* short-dated */
      else
        days = range (demo, 180, 1095);   /* 6–36 months */

      {
        PtReceipt receipt = { 0 };

        receipt.medicine_id = med->id;
        receipt.pharmacy_id = demo->pharmacy_ids[ph];
        receipt.lot_number = lot;
        /* A lot that has expired on the shelf was received before it
         * expired: receive it as valid, then date it back (the store
         * refuses receipts of expired stock, rightly). */
        receipt.expiry_date = days_from_now (demo, days > 0 ? days : 30);
        receipt.quantity = quantity;
        receipt.cost_price = cost;
        receipt.supplier = supplier;
        batch_id = pt_store_receive_stock (demo->store, &receipt, error);
        if (batch_id == NULL)
          return FALSE;
      }
      if (days > 0)
        med->stock[ph] += quantity;
      else
        {
          g_auto(DemoBson) fields = BSON_INITIALIZER;

          BSON_APPEND_DATE_TIME (&fields, "receivedAt",
                                 days_from_now (demo, days - range (demo, 200, 700)));
          BSON_APPEND_DATE_TIME (&fields, "expiryDate", days_from_now (demo, days));
          if (!pt_store_update (demo->store, "batches", batch_id, &fields, error))
            return FALSE;
        }
      if (!demo_tick (demo, error))
        return FALSE;

      /* A few breakages and count corrections; never below zero. */
      if (days > 0 && chance (demo, 0.03))
        {
          PtQuantity loss = quantity / range (demo, 10, 40);
          const gchar *why = chance (demo, 0.5) ? "Breakage" : "Stock count correction";
          g_autofree gchar *movement_id = NULL;

          loss = MAX (loss, 1);
          movement_id = pt_store_adjust_stock (demo->store, batch_id, -loss, why, error);
          if (movement_id == NULL)
            return FALSE;
          med->stock[ph] -= loss;
          if (!demo_tick (demo, error))
            return FALSE;
        }
    }
  return TRUE;
}

static gboolean
create_medicine (Demo *demo, guint64 *barcode_seq, GError **error)
{
  const PtDemoProduct *p;
  const PtDemoCategory *cat;
  DemoMedicine med = { 0 };
  g_auto(DemoBson) doc = BSON_INITIALIZER;
  g_autofree gchar *strength = NULL;
  g_autofree gchar *pack = NULL;
  g_autofree gchar *name = NULL;
  g_autofree gchar *category = NULL;
  g_autofree gchar *code = NULL;
  g_autofree gchar *id = NULL;
  gchar barcode[14];
  const gchar *manufacturer;
  const gchar *schedule;
  gchar stem[4];

  med.product = g_rand_int_range (demo->rand, 0, _pt_demo_n_products);
  p = &_pt_demo_products[med.product];
  cat = _pt_demo_category_lookup (p->category);
  strength = pick_part (demo, p->strengths);
  pack = pick_part (demo, p->packs);
  med.pack = g_ascii_strtoll (pack, NULL, 10);
  manufacturer = pick (demo, _pt_demo_manufacturers, _pt_demo_n_manufacturers);

  if (chance (demo, 0.35))
    {
      /* Branded generic: "Amoxicillin Northbridge". */
      g_autofree gchar *generic = capitalize (p->inn);
      g_autofree gchar *maker = g_strndup (manufacturer, strcspn (manufacturer, " "));
      name = g_strdup_printf ("%s %s", generic, maker);
    }
  else
    name = brand_name (demo, p->inn);

  /* GTIN-13 in the GS1 UK range (50x); unique in the store. */
  do
    {
      g_autofree gchar *taken = NULL;
      guint64 item = (*barcode_seq)++ * 7919u + 104729u;

      gtin13 (500 + item % 10, item, barcode);
      taken = pt_store_find_by_barcode (demo->store, barcode);
      if (taken == NULL)
        break;
    }
  while (TRUE);

  {
    guint j = 0;

    for (guint i = 0; p->inn[i] != '\0' && j < 3; i++)
      if (g_ascii_isalpha (p->inn[i]))
        stem[j++] = g_ascii_toupper (p->inn[i]);
    while (j < 3)
      stem[j++] = 'X';
  }
  stem[3] = '\0';
  code = g_strdup_printf ("%s-%s", stem, barcode + 6);
  category = g_strdup_printf ("%s %s", cat->code, cat->label);
  schedule = p->schedule == PT_DEMO_OTC ? "otc"
           : p->schedule == PT_DEMO_RX ? "rx" : "controlled";

  /* Per base unit: a few pence for common tablets, more for inhalers,
   * injections and controlled drugs. */
  med.price = range (demo, 2, 60);
  if (med.pack <= 10)
    med.price *= range (demo, 10, 80);
  if (p->schedule == PT_DEMO_CONTROLLED)
    med.price *= 2;

  append_str (&doc, "name", name);
  append_str (&doc, "genericName", p->inn);
  append_str (&doc, "strength", strength);
  append_str (&doc, "form", p->form);
  BSON_APPEND_INT64 (&doc, "packSize", med.pack);
  append_str (&doc, "barcode", barcode);
  append_str (&doc, "code", code);
  append_str (&doc, "manufacturer", manufacturer);
  append_str (&doc, "category", category);
  append_str (&doc, "schedule", schedule);
  BSON_APPEND_INT64 (&doc, "price", med.price);
  BSON_APPEND_INT64 (&doc, "taxRate", p->schedule == PT_DEMO_OTC ? 2000 : 0);
  BSON_APPEND_INT64 (&doc, "reorderLevel", med.pack * range (demo, 1, 4));
  append_str (&doc, "supplier", pick (demo, _pt_demo_suppliers, _pt_demo_n_suppliers));
  BSON_APPEND_BOOL (&doc, "active", !chance (demo, 0.03));

  id = pt_store_put (demo->store, "medicines", &doc, error);
  if (id == NULL)
    return FALSE;
  g_strlcpy (med.id, id, sizeof med.id);
  if (!demo_tick (demo, error))
    return FALSE;

  /* One in twelve has no stock at all (a gap the catalogue must show). */
  if (!chance (demo, 1.0 / 12) && !receive_batches (demo, &med, error))
    return FALSE;

  g_array_append_val (demo->medicines, med);
  return TRUE;
}

/* ---- Patients ------------------------------------------------------------- */

static const gchar * const reactions[] = {
  "Rash", "Hives", "Swelling of the face", "Anaphylaxis", "Nausea", "Wheezing",
};
static const gchar * const severities[] = { "mild", "moderate", "severe" };
static const gchar * const allergy_generics[] = {
  "amoxicillin", "phenoxymethylpenicillin", "flucloxacillin", "co-amoxiclav", "ibuprofen",
  "naproxen", "codeine phosphate", "trimethoprim", "co-trimoxazole", "clarithromycin",
  "acetylsalicylic acid", "morphine sulfate",
};
static const gchar * const allergy_categories[] = { "J01", "M01", "N02" };
static const gchar * const insurers[] = {
  "Meridian Health Cover", "Albion Mutual", "Northstar Insurance", "Harbour Health",
};

static gboolean
create_patient (Demo *demo, GError **error)
{
  DemoPatient patient = { 0 };
  g_auto(DemoBson) doc = BSON_INITIALIZER;
  bson_t child, item;
  const gchar *first = pick (demo, _pt_demo_given_names, _pt_demo_n_given_names);
  const gchar *last = pick (demo, _pt_demo_family_names, _pt_demo_n_family_names);
  g_autofree gchar *phone = NULL;
  g_autofree gchar *postcode = NULL;
  g_autofree gchar *line1 = NULL;
  g_autofree gchar *id = NULL;
  gint age = chance (demo, 0.15) ? range (demo, 0, 17) : range (demo, 18, 96);
  gint n_allergies = 0, n_conditions;

  append_str (&doc, "firstName", first);
  append_str (&doc, "lastName", last);
  BSON_APPEND_DATE_TIME (&doc, "dateOfBirth",
                         days_from_now (demo, -(age * 365 + range (demo, 1, 364))));
  /* Ofcom's range reserved for fiction: 07700 900000–900999. */
  phone = g_strdup_printf ("07700 900%03d", range (demo, 0, 999));
  append_str (&doc, "phone", phone);
  if (chance (demo, 0.4) && g_str_is_ascii (first) && g_str_is_ascii (last))
    {
      g_autofree gchar *email = g_strdup_printf ("%s.%s%d@example.com", first, last,
                                                 range (demo, 1, 99));
      g_autofree gchar *lower = g_ascii_strdown (email, -1);
      g_strdelimit (lower, "'", '-');
      append_str (&doc, "email", lower);
    }

  {
    gint number = range (demo, 1, 220);
    line1 = g_strdup_printf ("%d %s", number, pick (demo, _pt_demo_streets, _pt_demo_n_streets));
  }
  postcode = random_code (demo, "LL9 9LL");
  BSON_APPEND_DOCUMENT_BEGIN (&doc, "address", &child);
  append_str (&child, "line1", line1);
  append_str (&child, "city", pick (demo, _pt_demo_towns, _pt_demo_n_towns));
  append_str (&child, "postcode", postcode);
  append_str (&child, "country", "United Kingdom");
  bson_append_document_end (&doc, &child);

  BSON_APPEND_ARRAY_BEGIN (&doc, "allergies", &child);
  if (chance (demo, 0.2))
    {
      const gchar *generic = pick (demo, allergy_generics, G_N_ELEMENTS (allergy_generics));

      BSON_APPEND_DOCUMENT_BEGIN (&child, "0", &item);
      append_str (&item, "substance", generic);
      append_str (&item, "kind", "generic");
      append_str (&item, "reaction", pick (demo, reactions, G_N_ELEMENTS (reactions)));
      append_str (&item, "severity", pick (demo, severities, G_N_ELEMENTS (severities)));
      bson_append_document_end (&child, &item);
      patient.allergy_generic = g_strdup (generic);
      n_allergies++;
    }
  if (chance (demo, 0.06))
    {
      const PtDemoCategory *cat =
        _pt_demo_category_lookup (pick (demo, allergy_categories, G_N_ELEMENTS (allergy_categories)));
      g_autofree gchar *key = g_strdup_printf ("%d", n_allergies);

      patient.allergy_category = g_strdup_printf ("%s %s", cat->code, cat->label);
      BSON_APPEND_DOCUMENT_BEGIN (&child, key, &item);
      append_str (&item, "substance", patient.allergy_category);
      append_str (&item, "kind", "category");
      append_str (&item, "reaction", pick (demo, reactions, G_N_ELEMENTS (reactions)));
      append_str (&item, "severity", pick (demo, severities, G_N_ELEMENTS (severities)));
      bson_append_document_end (&child, &item);
    }
  bson_append_array_end (&doc, &child);

  n_conditions = age > 40 ? range (demo, 0, 3) : (chance (demo, 0.2) ? 1 : 0);
  BSON_APPEND_ARRAY_BEGIN (&doc, "conditions", &child);
  for (gint i = 0; i < n_conditions; i++)
    {
      g_autofree gchar *key = g_strdup_printf ("%d", i);
      append_str (&child, key, pick (demo, _pt_demo_conditions, _pt_demo_n_conditions));
    }
  bson_append_array_end (&doc, &child);

  if (chance (demo, 0.3))
    {
      g_autofree gchar *member = g_strdup_printf ("%08d", range (demo, 0, 99999999));
      BSON_APPEND_DOCUMENT_BEGIN (&doc, "insurance", &child);
      append_str (&child, "provider", pick (demo, insurers, G_N_ELEMENTS (insurers)));
      append_str (&child, "memberId", member);
      bson_append_document_end (&doc, &child);
    }

  id = pt_store_put (demo->store, "patients", &doc, error);
  if (id == NULL)
    {
      g_free (patient.allergy_generic);
      g_free (patient.allergy_category);
      return FALSE;
    }
  g_strlcpy (patient.id, id, sizeof patient.id);
  g_array_append_val (demo->patients, patient);
  return demo_tick (demo, error);
}

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
  gint r = range (demo, 0, 99);

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
      PtQuantity q = med->pack * (chance (demo, 0.8) ? 1 : 2);

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

static gboolean
create_prescription (Demo *demo, guint64 *number_seq, GError **error)
{
  RxState state = pick_state (demo);
  gboolean dispense = state == RX_DISPENSED || state == RX_PICKED_UP
                      || state == RX_CANCELLED_AFTER_DISPENSE;
  const DemoPatient *patient;
  guint ph = pick_pharmacy (demo);
  guint n_items = chance (demo, 0.7) ? 1 : range (demo, 2, 3);
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
        return demo_tick (demo, error);
      n = 1;
    }

  /* The number is unique per tenant; skip numbers already taken. */
  for (;;)
    {
      g_auto(DemoBson) doc = BSON_INITIALIZER;
      g_autoptr(GError) local_error = NULL;
      g_autofree gchar *number = NULL;
      g_autofree gchar *licence = NULL;
      g_autoptr(GDateTime) issued = NULL;
      PtTime issued_at = days_from_now (demo, -range (demo, 0, 28));
      bson_t child, item;

      issued = g_date_time_new_from_unix_utc (issued_at / 1000);
      number = g_strdup_printf ("RX-%d-%06" G_GUINT64_FORMAT,
                                g_date_time_get_year (issued), ++(*number_seq));
      licence = g_strdup_printf ("GMC %07d", range (demo, 1000000, 7999999));

      append_str (&doc, "number", number);
      append_oid (&doc, "patientId", patient->id);
      BSON_APPEND_DOCUMENT_BEGIN (&doc, "prescriber", &child);
      append_str (&child, "name", pick (demo, _pt_demo_prescribers, _pt_demo_n_prescribers));
      append_str (&child, "licence", licence);
      bson_append_document_end (&doc, &child);
      append_oid (&doc, "pharmacyId", demo->pharmacy_ids[ph]);
      BSON_APPEND_ARRAY_BEGIN (&doc, "items", &child);
      for (guint i = 0; i < n; i++)
        {
          const PtDemoProduct *p = &_pt_demo_products[chosen[i]->product];
          g_autofree gchar *key = g_strdup_printf ("%u", i);

          BSON_APPEND_DOCUMENT_BEGIN (&child, key, &item);
          append_oid (&item, "medicineId", chosen[i]->id);
          append_str (&item, "dose", strstr (p->form, "solution") || strstr (p->form, "suspension")
                                           ? "5 ml" : "1");
          BSON_APPEND_INT64 (&item, "quantity", quantities[i]);
          append_str (&item, "instructions", instructions_for (p->form));
          BSON_APPEND_INT64 (&item, "refills", chance (demo, 0.3) ? range (demo, 1, 5) : 0);
          BSON_APPEND_INT64 (&item, "dispensedQuantity", 0);
          bson_append_document_end (&child, &item);
        }
      bson_append_array_end (&doc, &child);
      append_str (&doc, "status", "received");
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
                                         chance (demo, 0.5) ? "Prescriber cancelled"
                                                            : "Patient no longer needs it",
                                         error))
        return FALSE;
      return demo_tick (demo, error);
    }
  if (state == RX_RECEIVED)
    return demo_tick (demo, error);
  if (!set_status (demo, id, "in_progress", error))
    return FALSE;
  if (state == RX_IN_PROGRESS)
    return demo_tick (demo, error);
  if (!set_status (demo, id, "ready", error))
    return FALSE;
  if (state == RX_READY)
    return demo_tick (demo, error);

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
      append_str (&child, "method", pick (demo, methods, G_N_ELEMENTS (methods)));
      append_str (&child, "currency", pt_store_get_currency (demo->store));
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
  return demo_tick (demo, error);
}

/* ---- Entry points --------------------------------------------------------- */

static gint64
query_cache_size (PtStore *store)
{
  sqlite3_stmt *stmt = _pt_store_prepare (store, "PRAGMA cache_size", NULL);
  gint64 value = -2000;   /* SQLite's default: 2 MB */

  if (stmt != NULL && sqlite3_step (stmt) == SQLITE_ROW)
    value = sqlite3_column_int64 (stmt, 0);
  if (stmt != NULL)
    sqlite3_reset (stmt);
  return value;
}

static void
demo_patient_clear (gpointer data)
{
  DemoPatient *p = data;

  g_free (p->allergy_generic);
  g_free (p->allergy_category);
}

gboolean
pt_demo_generate (PtStore             *store,
                  const PtDemoOptions *options,
                  PtProgressFunc       progress,
                  gpointer             progress_data,
                  GError             **error)
{
  return _pt_demo_generate_full (store, options, pt_time_now (), TRUE,
                                 progress, progress_data, error);
}

gboolean
_pt_demo_generate_full (PtStore             *store,
                        const PtDemoOptions *options,
                        PtTime               now,
                        gboolean             bulk,
                        PtProgressFunc       progress,
                        gpointer             progress_data,
                        GError             **error)
{
  PtDemoOptions opts = { 500, 200, 300, 42 };
  Demo demo = { 0 };
  guint64 barcode_seq, number_seq;
  gint64 cache_pages;
  gboolean ok = FALSE;

  g_return_val_if_fail (PT_IS_STORE (store), FALSE);

  if (options != NULL)
    {
      if (options->medicines)
        opts.medicines = options->medicines;
      if (options->patients)
        opts.patients = options->patients;
      if (options->prescriptions)
        opts.prescriptions = options->prescriptions;
      if (options->seed)
        opts.seed = options->seed;
    }

  pt_store_act_as_system (store);
  demo.store = store;
  demo.rand = g_rand_new_with_seed_array ((const guint32 *) &opts.seed, 2);
  demo.progress = progress;
  demo.progress_data = progress_data;
  demo.now = now;
  /* Medicines with their batches, patients, prescriptions. */
  demo.total = (gint64) opts.medicines * 3 + opts.patients + opts.prescriptions;
  demo.medicines = g_array_sized_new (FALSE, FALSE, sizeof (DemoMedicine), opts.medicines);
  demo.patients = g_array_sized_new (FALSE, FALSE, sizeof (DemoPatient), opts.patients);
  g_array_set_clear_func (demo.patients, demo_patient_clear);

  /* Continue numbering after what is there, so a second run adds. */
  barcode_seq = (guint64) pt_store_count (store, "medicines") + opts.seed * 100003u;
  number_seq = (guint64) pt_store_count (store, "prescriptions");

  /* A bulk load touches far more pages than counter work: a large page
   * cache for the duration (SQLite's default is 2 MB), restored after. */
  cache_pages = query_cache_size (store);
  _pt_store_exec (store, "PRAGMA cache_size = -262144", NULL);

  /* One transaction per chunk without a savepoint per operation: the
   * operations that may be refused (a taken number, a dispensing warning)
   * are refused before they write. */
  _pt_store_set_bulk (store, bulk);
  if (!load_pharmacies (&demo, error) || !demo_begin (&demo, error))
    goto out;

  for (guint i = 0; i < opts.medicines; i++)
    if (!create_medicine (&demo, &barcode_seq, error))
      goto out;
  for (guint i = 0; i < opts.patients; i++)
    if (!create_patient (&demo, error))
      goto out;
  for (guint i = 0; i < opts.prescriptions; i++)
    if (!create_prescription (&demo, &number_seq, error))
      goto out;

  ok = demo_commit (&demo, error) && (!bulk || _pt_store_optimize_search (store, error));
  if (ok && progress != NULL)
    progress (demo.total, demo.total, progress_data);

out:
  /* A failure rolls back the open chunk; the chunks before it stay (each
   * is consistent on its own: whole medicines with their ledgers). */
  if (demo.in_tx)
    _pt_store_rollback (store);
  _pt_store_set_bulk (store, FALSE);
  {
    g_autofree gchar *restore = g_strdup_printf ("PRAGMA cache_size = %" G_GINT64_FORMAT,
                                                 cache_pages);
    _pt_store_exec (store, restore, NULL);
  }
  g_clear_pointer (&demo.pharmacy_ids[0], g_free);
  g_clear_pointer (&demo.pharmacy_ids[1], g_free);
  g_array_unref (demo.medicines);
  g_array_unref (demo.patients);
  g_rand_free (demo.rand);
  return ok;
}

static const gchar * const services[] = {
  "Prescriptions", "Repeat prescriptions", "Flu vaccination", "Blood pressure checks",
  "Medicines review", "Emergency contraception", "Stop smoking service",
};

static gboolean
describe_pharmacy (bson_t *doc, const gchar *street, const gchar *postcode,
                   const gchar *phone, const gchar *licence, gboolean saturday_only)
{
  static const gchar * const days[] = { "mon", "tue", "wed", "thu", "fri", "sat" };
  bson_t child, item;

  append_str (doc, "licenceNumber", licence);
  BSON_APPEND_DOCUMENT_BEGIN (doc, "address", &child);
  append_str (&child, "line1", street);
  append_str (&child, "city", "Harrogate");
  append_str (&child, "postcode", postcode);
  append_str (&child, "country", "United Kingdom");
  bson_append_document_end (doc, &child);
  append_str (doc, "phone", phone);
  BSON_APPEND_ARRAY_BEGIN (doc, "openingHours", &child);
  for (guint i = 0; i < G_N_ELEMENTS (days); i++)
    {
      g_autofree gchar *key = g_strdup_printf ("%u", i);

      BSON_APPEND_DOCUMENT_BEGIN (&child, key, &item);
      append_str (&item, "day", days[i]);
      append_str (&item, "opens", "09:00");
      append_str (&item, "closes", i == 5 && saturday_only ? "13:00" : "18:00");
      bson_append_document_end (&child, &item);
    }
  bson_append_array_end (doc, &child);
  BSON_APPEND_ARRAY_BEGIN (doc, "services", &child);
  for (guint i = 0; i < G_N_ELEMENTS (services); i++)
    {
      g_autofree gchar *key = g_strdup_printf ("%u", i);
      append_str (&child, key, services[i]);
    }
  bson_append_array_end (doc, &child);
  BSON_APPEND_BOOL (doc, "active", TRUE);
  return TRUE;
}

static gboolean
add_user (PtStore *store, const gchar *email, const gchar *name, const gchar *role,
          const gchar *hash, const gchar * const *pharmacy_ids, guint n_pharmacies,
          GError **error)
{
  g_auto(DemoBson) doc = BSON_INITIALIZER;
  g_autofree gchar *id = NULL;
  bson_t child;

  append_str (&doc, "email", email);
  append_str (&doc, "displayName", name);
  append_str (&doc, "role", role);
  append_str (&doc, "passwordHash", hash);
  BSON_APPEND_ARRAY_BEGIN (&doc, "pharmacyIds", &child);
  for (guint i = 0; i < n_pharmacies; i++)
    {
      g_autofree gchar *key = g_strdup_printf ("%u", i);
      append_oid (&child, key, pharmacy_ids[i]);
    }
  bson_append_array_end (&doc, &child);
  BSON_APPEND_BOOL (&doc, "active", TRUE);

  id = pt_store_put (store, "users", &doc, error);
  return id != NULL;
}

PtStore *
pt_demo_create_store (const gchar         *data_dir,
                      const PtDemoOptions *options,
                      PtProgressFunc       progress,
                      gpointer             progress_data,
                      GError             **error)
{
  g_autoptr(PtStore) store = NULL;
  g_autoptr(GPtrArray) pharmacies = NULL;
  g_autofree gchar *main_id = NULL;
  g_autofree gchar *second_id = NULL;
  g_autofree gchar *hash = NULL;
  g_auto(DemoBson) main_fields = BSON_INITIALIZER;
  g_auto(DemoBson) second = BSON_INITIALIZER;
  const gchar *ids[2];
  PtStoreInit init = { 0 };
  PtListOptions list = { 0 };

  g_return_val_if_fail (data_dir != NULL, NULL);

  init.tenant_name = "Demo Pharmacy";
  init.plan = "enterprise";
  init.currency = "GBP";
  init.locale = "en_GB";
  init.timezone = "Europe/London";
  init.pharmacy_name = "Demo Pharmacy High Street";
  init.admin_email = PT_DEMO_OWNER_EMAIL;
  init.admin_password = PT_DEMO_PASSWORD;
  init.admin_name = "Olivia Bennett";

  store = pt_store_create (data_dir, &init, error);
  if (store == NULL)
    return NULL;
  pt_store_act_as_system (store);

  if (!_pt_store_begin (store, error))
    return NULL;

  list.limit = 1;
  pharmacies = pt_store_list (store, "pharmacies", &list, error);
  if (pharmacies == NULL || pharmacies->len == 0)
    {
      if (pharmacies != NULL)
        g_set_error_literal (error, PT_ERROR, PT_ERROR_FAILED,
                             _("The demo store was created without its pharmacy."));
      goto fail;
    }
  main_id = pt_bson_dup_oid_hex (g_ptr_array_index (pharmacies, 0), "_id");
  describe_pharmacy (&main_fields, "14 High Street", "HG1 1AB", "01423 496000",
                     "FP-104227", TRUE);
  if (!pt_store_update (store, "pharmacies", main_id, &main_fields, error))
    goto fail;

  append_str (&second, "name", "Demo Pharmacy Riverside");
  describe_pharmacy (&second, "2 Riverside Walk", "HG2 7QR", "01423 496123",
                     "FP-104228", FALSE);
  second_id = pt_store_put (store, "pharmacies", &second, error);
  if (second_id == NULL)
    goto fail;

  ids[0] = main_id;
  ids[1] = second_id;
  hash = pt_password_hash (PT_DEMO_PASSWORD, 0);
  if (!add_user (store, PT_DEMO_PHARMACIST_EMAIL, "Priya Sharma", "pharmacist", hash, ids, 2, error)
      || !add_user (store, PT_DEMO_TECHNICIAN_EMAIL, "Tomasz Nowak", "technician", hash, ids, 2, error)
      || !add_user (store, PT_DEMO_CASHIER_EMAIL, "Ella Hughes", "cashier", hash, ids, 1, error))
    goto fail;

  if (!_pt_store_commit (store, error))
    return NULL;

  if (!pt_demo_generate (store, options, progress, progress_data, error))
    return NULL;
  return g_steal_pointer (&store);

fail:
  _pt_store_rollback (store);
  return NULL;
}
