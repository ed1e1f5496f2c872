/* pt-demo.c: realistic synthetic pharmacy data (pt-demo.h) — the entry
 * points, the demo store, and the helpers the generators share.
 *
 * Everything goes through the public store operations (validated, audited,
 * outboxed like real counter work), grouped into large transactions with
 * the store's nesting _pt_store_begin ()/_pt_store_commit () so 100,000
 * medicines do not cost 100,000 fsyncs.  The content depends only on the
 * seed (and today's date, which expiries are relative to); ids are fresh
 * ObjectIds.  Nothing is printed.  One generator per collection:
 * pt-demo-medicines.c, pt-demo-patients.c, pt-demo-prescriptions.c. */
#define G_LOG_DOMAIN "pt-demo"
#include "config.h"

#include <string.h>
#include <glib/gi18n-lib.h>

#include "pt-demo-private.h"
#include "pt-store-private.h"

/* Operations per transaction. */
#define CHUNK 4000

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
gboolean
_pt_demo_tick (Demo *demo, GError **error)
{
  demo->done++;
  if (demo->progress != NULL && demo->done % 500 == 0)
    demo->progress (MIN (demo->done, demo->total), demo->total, demo->progress_data);
  if (++demo->ops < CHUNK)
    return TRUE;
  return demo_commit (demo, error) && demo_begin (demo, error);
}

const gchar *
_pt_demo_pick (Demo *demo, const gchar * const *pool, guint n)
{
  return pool[g_rand_int_range (demo->rand, 0, n)];
}

gint
_pt_demo_range (Demo *demo, gint lo, gint hi_inclusive)
{
  return g_rand_int_range (demo->rand, lo, hi_inclusive + 1);
}

gboolean
_pt_demo_chance (Demo *demo, gdouble p)
{
  return g_rand_double (demo->rand) < p;
}

/* One of the '|'-separated words of @list. */
gchar *
_pt_demo_pick_part (Demo *demo, const gchar *list)
{
  g_auto(GStrv) parts = g_strsplit (list, "|", -1);
  guint n = g_strv_length (parts);

  return g_strdup (parts[g_rand_int_range (demo->rand, 0, n)]);
}

gchar *
_pt_demo_random_code (Demo *demo, const gchar *pattern)
{
  GString *s = g_string_new (NULL);

  for (const gchar *p = pattern; *p; p++)
    {
      if (*p == 'L')
        g_string_append_c (s, 'A' + _pt_demo_range (demo, 0, 25));
      else if (*p == '9')
        g_string_append_c (s, '0' + _pt_demo_range (demo, 0, 9));
      else
        g_string_append_c (s, *p);
    }
  return g_string_free (s, FALSE);
}

PtTime
_pt_demo_days_from_now (Demo *demo, gint days)
{
  /* Midnight UTC, as dates typed at the counter are. */
  PtTime today = demo->now - demo->now % PT_MS_PER_DAY;
  return today + (gint64) days * PT_MS_PER_DAY;
}

/* A function, not BSON_APPEND_UTF8: that macro evaluates the value twice,
 * and a value drawn at random would differ between the two. */
void
_pt_demo_append_str (bson_t *doc, const gchar *key, const gchar *value)
{
  bson_append_utf8 (doc, key, -1, value, -1);
}

void
_pt_demo_append_oid (bson_t *doc, const gchar *key, const gchar *hex)
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

guint
_pt_demo_pick_pharmacy (Demo *demo)
{
  /* The main branch does three quarters of the work. */
  return (demo->n_pharmacies > 1 && _pt_demo_chance (demo, 0.25)) ? 1 : 0;
}

/* ---- Entry points --------------------------------------------------------- */

static gint64
query_pragma (PtStore     *store,
              const gchar *sql,
              gint64       fallback)
{
  sqlite3_stmt *stmt = _pt_store_prepare (store, sql, NULL);
  gint64 value = fallback;

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
  guint64 barcode_seq;
  gint64 existing;
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
  existing = pt_store_count (store, "medicines");
  barcode_seq = (guint64) existing + opts.seed * 100003u;

  /* A bulk load touches far more pages than counter work: a large page
   * cache for the duration (SQLite's default is 2 MB), restored after. */
  cache_pages = query_pragma (store, "PRAGMA cache_size", -2000);
  _pt_store_exec (store, "PRAGMA cache_size = -262144", NULL);

  /* One transaction per chunk without a savepoint per operation: the
   * operations that may be refused (a taken number, a dispensing warning)
   * are refused before they write. */
  _pt_store_set_bulk (store, bulk);
  if (!load_pharmacies (&demo, error) || !demo_begin (&demo, error))
    goto out;

  /* In bulk, medicines with their stock and patients — nearly every
   * document — go straight in (pt-store-load.c): the store makes them
   * valid.  Prescriptions go through the counter's operations (FEFO,
   * warnings), on the indexes the load builds when it ends. */
  if (bulk)
    {
      static const gchar * const tables[] = {
        "medicines", "batches", "stock_movements", "patients", NULL
      };

      demo.load = _pt_store_load_begin (store, tables, error);
      if (demo.load == NULL)
        goto out;
      demo.lookup_barcodes = !_pt_store_load_indexes_deferred (demo.load);
      demo.barcodes = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
      /* Without the indexes, the load appends to a few B-trees: a small
       * cache recycles its pages where a large one allocates one per page
       * written (30k medicines: 6.3 against 9.2 CPU-s, most of it malloc). */
      _pt_store_exec (store, "PRAGMA cache_size = -8192", NULL);
    }
  for (guint i = 0; i < opts.medicines; i++)
    if (!_pt_demo_create_medicine (&demo, &barcode_seq, error))
      goto out;
  for (guint i = 0; i < opts.patients; i++)
    if (!_pt_demo_create_patient (&demo, error))
      goto out;
  if (demo.load != NULL)
    {
      /* The large cache before the indexes are built: CREATE INDEX sorts
       * in as much memory as the cache may take before it spills. */
      _pt_store_exec (store, "PRAGMA cache_size = -262144", NULL);
      if (!_pt_store_load_finish (demo.load, error))
        goto out;
      g_clear_pointer (&demo.load, _pt_store_load_free);
    }
  for (guint i = 0; i < opts.prescriptions; i++)
    if (!_pt_demo_create_prescription (&demo, error))
      goto out;

  /* Merging the search indexes into one segment rewrites them whole:
   * worth it when the load made most of them, not for a few more. */
  ok = demo_commit (&demo, error)
       && (!bulk || (gint64) opts.medicines < existing
           || _pt_store_optimize_search (store, error));
  if (ok && progress != NULL)
    progress (demo.total, demo.total, progress_data);

out:
  /* A failure rolls back the open chunk; the chunks before it stay (each
   * is consistent on its own: whole medicines with their ledgers). */
  if (demo.in_tx)
    _pt_store_rollback (store);
  /* A load that failed half-way: the chunks before it are kept, and its
   * indexes come back now (or at the next open). */
  if (demo.load != NULL && _pt_store_begin (store, NULL))
    {
      if (_pt_store_load_finish (demo.load, NULL))
        _pt_store_commit (store, NULL);
      else
        _pt_store_rollback (store);
    }
  g_clear_pointer (&demo.load, _pt_store_load_free);
  g_clear_pointer (&demo.barcodes, g_hash_table_unref);
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

  _pt_demo_append_str (doc, "licenceNumber", licence);
  BSON_APPEND_DOCUMENT_BEGIN (doc, "address", &child);
  _pt_demo_append_str (&child, "line1", street);
  _pt_demo_append_str (&child, "city", "Harrogate");
  _pt_demo_append_str (&child, "postcode", postcode);
  _pt_demo_append_str (&child, "country", "United Kingdom");
  bson_append_document_end (doc, &child);
  _pt_demo_append_str (doc, "phone", phone);
  BSON_APPEND_ARRAY_BEGIN (doc, "openingHours", &child);
  for (guint i = 0; i < G_N_ELEMENTS (days); i++)
    {
      g_autofree gchar *key = g_strdup_printf ("%u", i);

      BSON_APPEND_DOCUMENT_BEGIN (&child, key, &item);
      _pt_demo_append_str (&item, "day", days[i]);
      _pt_demo_append_str (&item, "opens", "09:00");
      _pt_demo_append_str (&item, "closes", i == 5 && saturday_only ? "13:00" : "18:00");
      bson_append_document_end (&child, &item);
    }
  bson_append_array_end (doc, &child);
  BSON_APPEND_ARRAY_BEGIN (doc, "services", &child);
  for (guint i = 0; i < G_N_ELEMENTS (services); i++)
    {
      g_autofree gchar *key = g_strdup_printf ("%u", i);
      _pt_demo_append_str (&child, key, services[i]);
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

  _pt_demo_append_str (&doc, "email", email);
  _pt_demo_append_str (&doc, "displayName", name);
  _pt_demo_append_str (&doc, "role", role);
  _pt_demo_append_str (&doc, "passwordHash", hash);
  BSON_APPEND_ARRAY_BEGIN (&doc, "pharmacyIds", &child);
  for (guint i = 0; i < n_pharmacies; i++)
    {
      g_autofree gchar *key = g_strdup_printf ("%u", i);
      _pt_demo_append_oid (&child, key, pharmacy_ids[i]);
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

  _pt_demo_append_str (&second, "name", "Demo Pharmacy Riverside");
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
