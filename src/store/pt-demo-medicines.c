/* pt-demo-medicines.c: demo medicines (real-looking names, strengths, GTINs) and
 * their batches, receipts and adjustments. */
#define G_LOG_DOMAIN "pt-demo"
#include "config.h"

#include <string.h>
#include <glib/gi18n-lib.h>

#include "pt-demo-private.h"
#include "pt-store-private.h"

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
  guint n = _pt_demo_range (demo, 3, 5), i;
  const gchar *suffix = _pt_demo_pick (demo, _pt_demo_brand_suffixes, _pt_demo_n_brand_suffixes);

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

/* ---- Medicines and stock ----------------------------------------------- */

/* The batches of the medicine being made (the direct load's same-lot
 * check: a new medicine has no other batches). */
typedef struct
{
  gchar      id[PT_OID_HEX_LEN + 1];
  guint      ph;
  gchar     *lot;
  PtTime     expiry;
} DemoBatch;

static const gchar *
same_lot (const DemoBatch *made, guint n_made, guint ph, const gchar *lot, PtTime expiry)
{
  for (guint i = 0; i < n_made; i++)
    if (made[i].ph == ph && made[i].expiry == expiry && strcmp (made[i].lot, lot) == 0)
      return made[i].id;
  return NULL;
}

/* A receipt: through the store's operation, or the direct load. */
static gboolean
receive (Demo *demo, const PtReceipt *receipt, guint ph, DemoBatch *made, guint *n_made,
         gchar **batch_id, GError **error)
{
  const gchar *same;
  DemoBatch *b;

  if (demo->load == NULL)
    {
      *batch_id = pt_store_receive_stock (demo->store, receipt, error);
      return *batch_id != NULL;
    }
  same = same_lot (made, *n_made, ph, receipt->lot_number, receipt->expiry_date);
  b = &made[*n_made];
  if (!_pt_store_load_receive (demo->load, receipt, same, b->id, error))
    return FALSE;
  *batch_id = g_strdup (b->id);
  if (same == NULL)
    {
      b->ph = ph;
      b->lot = g_strdup (receipt->lot_number);
      b->expiry = receipt->expiry_date;
      (*n_made)++;
    }
  return TRUE;
}

static gboolean
adjust (Demo *demo, const DemoMedicine *med, guint ph, const gchar *batch_id,
        PtQuantity delta, const gchar *why, GError **error)
{
  g_autofree gchar *movement_id = NULL;

  if (demo->load != NULL)
    return _pt_store_load_adjust (demo->load, batch_id, med->id, demo->pharmacy_ids[ph],
                                  delta, why, error);
  movement_id = pt_store_adjust_stock (demo->store, batch_id, delta, why, error);
  return movement_id != NULL;
}

static gboolean
receive_batches (Demo *demo, DemoMedicine *med, GError **error)
{
  guint n = _pt_demo_range (demo, 1, 3);
  DemoBatch made[3];
  guint n_made = 0;
  gboolean ok = FALSE;

  for (guint b = 0; b < n; b++)
    {
      guint ph = _pt_demo_pick_pharmacy (demo);
      gdouble r = g_rand_double (demo->rand);
      gint days;
      PtQuantity quantity = med->pack * _pt_demo_range (demo, 2, 12);
      g_autofree gchar *lot = _pt_demo_random_code (demo, "LL9999L");
      const gchar *supplier = _pt_demo_pick (demo, _pt_demo_suppliers, _pt_demo_n_suppliers);

      /* Draw before MAX, which evaluates its arguments twice. */
      PtMoney cost = med->price * _pt_demo_range (demo, 45, 70) / 100;
      g_autofree gchar *batch_id = NULL;

      cost = MAX (cost, 1);

      if (r < 0.05)
        days = -_pt_demo_range (demo, 1, 180);     /* expired, still on the shelf */
      else if (r < 0.15)
        days = _pt_demo_range (demo, 3, 60);       /* short-dated */
      else
        days = _pt_demo_range (demo, 180, 1095);   /* 6–36 months */

      {
        PtReceipt receipt = { 0 };

        receipt.medicine_id = med->id;
        receipt.pharmacy_id = demo->pharmacy_ids[ph];
        receipt.lot_number = lot;
        /* A lot that has expired on the shelf was received before it
         * expired: receive it as valid, then date it back (the store
         * refuses receipts of expired stock, rightly). */
        receipt.expiry_date = _pt_demo_days_from_now (demo, days > 0 ? days : 30);
        receipt.quantity = quantity;
        receipt.cost_price = cost;
        receipt.supplier = supplier;
        if (!receive (demo, &receipt, ph, made, &n_made, &batch_id, error))
          goto out;
      }
      if (days > 0)
        med->stock[ph] += quantity;
      else
        {
          g_auto(DemoBson) fields = BSON_INITIALIZER;

          BSON_APPEND_DATE_TIME (&fields, "receivedAt",
                                 _pt_demo_days_from_now (demo, days - _pt_demo_range (demo, 200, 700)));
          BSON_APPEND_DATE_TIME (&fields, "expiryDate", _pt_demo_days_from_now (demo, days));
          /* An edit of the stored row (one batch in twenty): the
           * store's own update, in either mode. */
          if (!pt_store_update (demo->store, "batches", batch_id, &fields, error))
            goto out;
        }
      if (!_pt_demo_tick (demo, error))
        goto out;

      /* A few breakages and count corrections; never below zero. */
      if (days > 0 && _pt_demo_chance (demo, 0.03))
        {
          PtQuantity loss = quantity / _pt_demo_range (demo, 10, 40);
          const gchar *why = _pt_demo_chance (demo, 0.5) ? "Breakage" : "Stock count correction";

          /* Never below zero: the batch holds @quantity, a loss is less. */
          loss = MAX (loss, 1);
          if (!adjust (demo, med, ph, batch_id, -loss, why, error))
            goto out;
          med->stock[ph] -= loss;
          if (!_pt_demo_tick (demo, error))
            goto out;
        }
    }
  ok = TRUE;

out:
  for (guint i = 0; i < n_made; i++)
    g_free (made[i].lot);
  return ok;
}

static gboolean
barcode_taken (Demo *demo, const gchar *barcode)
{
  g_autofree gchar *taken = NULL;

  if (demo->load == NULL || demo->lookup_barcodes)
    taken = pt_store_find_by_barcode (demo->store, barcode);
  if (taken != NULL)
    return TRUE;
  return demo->barcodes != NULL && g_hash_table_contains (demo->barcodes, barcode);
}

gboolean
_pt_demo_create_medicine (Demo *demo, guint64 *barcode_seq, GError **error)
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
  strength = _pt_demo_pick_part (demo, p->strengths);
  pack = _pt_demo_pick_part (demo, p->packs);
  med.pack = g_ascii_strtoll (pack, NULL, 10);
  manufacturer = _pt_demo_pick (demo, _pt_demo_manufacturers, _pt_demo_n_manufacturers);

  if (_pt_demo_chance (demo, 0.35))
    {
      /* Branded generic: "Amoxicillin Northbridge". */
      g_autofree gchar *generic = capitalize (p->inn);
      g_autofree gchar *maker = g_strndup (manufacturer, strcspn (manufacturer, " "));
      name = g_strdup_printf ("%s %s", generic, maker);
    }
  else
    name = brand_name (demo, p->inn);

  /* GTIN-13 in the GS1 UK _pt_demo_range (50x); unique in the store. */
  do
    {
      guint64 item = (*barcode_seq)++ * 7919u + 104729u;

      gtin13 (500 + item % 10, item, barcode);
    }
  while (barcode_taken (demo, barcode));
  if (demo->barcodes != NULL)
    g_hash_table_add (demo->barcodes, g_strdup (barcode));

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
  med.price = _pt_demo_range (demo, 2, 60);
  if (med.pack <= 10)
    med.price *= _pt_demo_range (demo, 10, 80);
  if (p->schedule == PT_DEMO_CONTROLLED)
    med.price *= 2;

  _pt_demo_append_str (&doc, "name", name);
  _pt_demo_append_str (&doc, "genericName", p->inn);
  _pt_demo_append_str (&doc, "strength", strength);
  _pt_demo_append_str (&doc, "form", p->form);
  BSON_APPEND_INT64 (&doc, "packSize", med.pack);
  _pt_demo_append_str (&doc, "barcode", barcode);
  _pt_demo_append_str (&doc, "code", code);
  _pt_demo_append_str (&doc, "manufacturer", manufacturer);
  _pt_demo_append_str (&doc, "category", category);
  _pt_demo_append_str (&doc, "schedule", schedule);
  BSON_APPEND_INT64 (&doc, "price", med.price);
  BSON_APPEND_INT64 (&doc, "taxRate", p->schedule == PT_DEMO_OTC ? 2000 : 0);
  BSON_APPEND_INT64 (&doc, "reorderLevel", med.pack * _pt_demo_range (demo, 1, 4));
  _pt_demo_append_str (&doc, "supplier", _pt_demo_pick (demo, _pt_demo_suppliers, _pt_demo_n_suppliers));
  BSON_APPEND_BOOL (&doc, "active", !_pt_demo_chance (demo, 0.03));

  if (demo->load != NULL)
    {
      if (!_pt_store_load_insert (demo->load, "medicines", &doc, "create", NULL, med.id, error))
        return FALSE;
    }
  else
    {
      id = pt_store_put (demo->store, "medicines", &doc, error);
      if (id == NULL)
        return FALSE;
      g_strlcpy (med.id, id, sizeof med.id);
    }
  if (!_pt_demo_tick (demo, error))
    return FALSE;

  /* One in twelve has no stock at all (a gap the catalogue must show). */
  if (!_pt_demo_chance (demo, 1.0 / 12) && !receive_batches (demo, &med, error))
    return FALSE;

  g_array_append_val (demo->medicines, med);
  return TRUE;
}

