#define G_LOG_DOMAIN "pt-test"
#include "config.h"

#include <stdarg.h>
#include <glib/gstdio.h>

#include "pt-test-store.h"

gchar *
pt_test_mkdtemp (void)
{
  g_autoptr(GError) error = NULL;
  gchar *dir = g_dir_make_tmp ("pt-store-test-XXXXXX", &error);

  g_assert_no_error (error);
  return dir;
}

void
pt_test_rmdir (const gchar *dir)
{
  g_autoptr(GDir) d = NULL;
  const gchar *name;

  if (dir == NULL)
    return;
  d = g_dir_open (dir, 0, NULL);
  if (d != NULL)
    while ((name = g_dir_read_name (d)) != NULL)
      {
        g_autofree gchar *path = g_build_filename (dir, name, NULL);
        if (g_file_test (path, G_FILE_TEST_IS_DIR) && !g_file_test (path, G_FILE_TEST_IS_SYMLINK))
          pt_test_rmdir (path);
        else
          g_unlink (path);
      }
  g_rmdir (dir);
}

PtStore *
pt_test_create_tenant_store (const gchar *dir,
                             const gchar *tenant_id,
                             const gchar *tenant_name,
                             const gchar *password,
                             const gchar *plan)
{
  g_autoptr(GError) error = NULL;
  PtStoreInit init = {
    .tenant_id = tenant_id,
    .tenant_name = tenant_name,
    .plan = plan ? plan : "enterprise",
    .pharmacy_name = "High Street",
    .admin_email = "owner@example.org",
    .admin_password = password,
    .admin_name = "Olive Owner",
  };
  PtStore *store = pt_store_create (dir, &init, &error);

  g_assert_no_error (error);
  g_assert_nonnull (store);
  return store;
}

PtStore *
pt_test_create_store (const gchar *dir,
                      const gchar *tenant_id,
                      const gchar *plan)
{
  return pt_test_create_tenant_store (dir, tenant_id, "Test Pharmacy Group", PT_TEST_PASSWORD,
                                      plan);
}

void
pt_test_setup (PtTestFixture *fx,
               gconstpointer  data)
{
  fx->dir = pt_test_mkdtemp ();
  fx->store = pt_test_create_store (fx->dir, PT_TEST_TENANT, NULL);
  fx->pharmacy_id = pt_store_get_pharmacy_id (fx->store);
  g_assert_nonnull (fx->pharmacy_id);
}

void
pt_test_teardown (PtTestFixture *fx,
                  gconstpointer  data)
{
  g_clear_object (&fx->store);
  g_clear_pointer (&fx->pharmacy_id, g_free);
  pt_test_rmdir (fx->dir);
  g_clear_pointer (&fx->dir, g_free);
}

PtTime
pt_test_days_from_now (gint days)
{
  return g_get_real_time () / 1000 + (gint64) days * PT_MS_PER_DAY;
}

gchar *
pt_test_add_medicine (PtStore     *store,
                      const gchar *name,
                      const gchar *generic,
                      const gchar *category,
                      const gchar *barcode,
                      PtMoney      price)
{
  g_autoptr(bson_t) doc = bson_new ();
  g_autoptr(GError) error = NULL;
  gchar *id;

  BSON_APPEND_UTF8 (doc, "name", name);
  if (generic)
    BSON_APPEND_UTF8 (doc, "genericName", generic);
  if (category)
    BSON_APPEND_UTF8 (doc, "category", category);
  if (barcode)
    BSON_APPEND_UTF8 (doc, "barcode", barcode);
  BSON_APPEND_UTF8 (doc, "schedule", "rx");
  BSON_APPEND_INT64 (doc, "price", price);
  BSON_APPEND_INT64 (doc, "taxRate", 0);
  BSON_APPEND_BOOL (doc, "active", TRUE);
  id = pt_store_put (store, "medicines", doc, &error);
  g_assert_no_error (error);
  return id;
}

gchar *
pt_test_add_patient (PtStore     *store,
                     const gchar *first,
                     const gchar *last,
                     const gchar *phone,
                     const gchar *allergy_kind,
                     const gchar *allergy_substance)
{
  g_autoptr(bson_t) doc = bson_new ();
  g_autoptr(GError) error = NULL;
  gchar *id;

  BSON_APPEND_UTF8 (doc, "firstName", first);
  BSON_APPEND_UTF8 (doc, "lastName", last);
  if (phone)
    BSON_APPEND_UTF8 (doc, "phone", phone);
  BSON_APPEND_DATE_TIME (doc, "dateOfBirth", (gint64) 315532800000); /* 1980-01-01 */
  if (allergy_substance)
    {
      bson_t arr, item;
      BSON_APPEND_ARRAY_BEGIN (doc, "allergies", &arr);
      BSON_APPEND_DOCUMENT_BEGIN (&arr, "0", &item);
      BSON_APPEND_UTF8 (&item, "substance", allergy_substance);
      if (allergy_kind)
        BSON_APPEND_UTF8 (&item, "kind", allergy_kind);
      bson_append_document_end (&arr, &item);
      bson_append_array_end (doc, &arr);
    }
  id = pt_store_put (store, "patients", doc, &error);
  g_assert_no_error (error);
  return id;
}

gchar *
pt_test_add_prescription (PtStore     *store,
                          const gchar *patient_id,
                          const gchar *pharmacy_id,
                          const gchar *medicine_id,
                          gint64       quantity,
                          ...)
{
  static guint counter;
  g_autoptr(bson_t) doc = bson_new ();
  g_autoptr(GError) error = NULL;
  g_autofree gchar *number = g_strdup_printf ("RX-%05u", ++counter);
  bson_oid_t oid;
  bson_t items, item, prescriber;
  va_list ap;
  guint i = 0;
  gchar *id;

  BSON_APPEND_UTF8 (doc, "number", number);
  bson_oid_init_from_string (&oid, patient_id);
  BSON_APPEND_OID (doc, "patientId", &oid);
  bson_oid_init_from_string (&oid, pharmacy_id);
  BSON_APPEND_OID (doc, "pharmacyId", &oid);
  BSON_APPEND_DOCUMENT_BEGIN (doc, "prescriber", &prescriber);
  BSON_APPEND_UTF8 (&prescriber, "name", "Dr Prescriber");
  bson_append_document_end (doc, &prescriber);
  BSON_APPEND_ARRAY_BEGIN (doc, "items", &items);
  va_start (ap, quantity);
  while (medicine_id != NULL)
    {
      gchar key[16];

      g_snprintf (key, sizeof key, "%u", i++);
      BSON_APPEND_DOCUMENT_BEGIN (&items, key, &item);
      bson_oid_init_from_string (&oid, medicine_id);
      BSON_APPEND_OID (&item, "medicineId", &oid);
      BSON_APPEND_INT64 (&item, "quantity", quantity);
      BSON_APPEND_UTF8 (&item, "instructions", "One tablet twice a day");
      bson_append_document_end (&items, &item);
      medicine_id = va_arg (ap, const gchar *);
      if (medicine_id != NULL)
        quantity = va_arg (ap, gint64);
    }
  va_end (ap);
  bson_append_array_end (doc, &items);
  BSON_APPEND_UTF8 (doc, "status", "received");
  id = pt_store_put (store, "prescriptions", doc, &error);
  g_assert_no_error (error);
  return id;
}

gchar *
pt_test_receive (PtStore     *store,
                 const gchar *medicine_id,
                 const gchar *pharmacy_id,
                 const gchar *lot,
                 gint         expiry_days,
                 PtQuantity   quantity)
{
  g_autoptr(GError) error = NULL;
  PtReceipt r = {
    .medicine_id = medicine_id,
    .pharmacy_id = pharmacy_id,
    .lot_number = lot,
    .expiry_date = pt_test_days_from_now (expiry_days),
    .quantity = quantity,
    .cost_price = 100,
  };
  gchar *batch = pt_store_receive_stock (store, &r, &error);

  g_assert_no_error (error);
  return batch;
}

gchar *
pt_test_add_user (PtStore     *store,
                  const gchar *email,
                  const gchar *role)
{
  g_autoptr(bson_t) doc = bson_new ();
  g_autoptr(GError) error = NULL;
  g_autofree gchar *hash = pt_password_hash (PT_TEST_PASSWORD, 0);
  gchar *id;

  BSON_APPEND_UTF8 (doc, "email", email);
  BSON_APPEND_UTF8 (doc, "displayName", email);
  BSON_APPEND_UTF8 (doc, "role", role);
  BSON_APPEND_UTF8 (doc, "passwordHash", hash);
  BSON_APPEND_BOOL (doc, "active", TRUE);
  id = pt_store_put (store, "users", doc, &error);
  g_assert_no_error (error);
  return id;
}

gint64
pt_test_query_int (PtStore     *store,
                   const gchar *sql)
{
  sqlite3_stmt *stmt = NULL;
  gint64 v = -1;

  g_assert_cmpint (sqlite3_prepare_v2 (_pt_store_get_db (store), sql, -1, &stmt, NULL), ==,
                   SQLITE_OK);
  if (sqlite3_step (stmt) == SQLITE_ROW)
    v = sqlite3_column_int64 (stmt, 0);
  sqlite3_finalize (stmt);
  return v;
}

gint64
pt_test_count (PtStore     *store,
               const gchar *sql_where_table)
{
  g_autofree gchar *sql = g_strdup_printf ("SELECT count(*) FROM %s", sql_where_table);
  return pt_test_query_int (store, sql);
}

gchar *
pt_test_file_checksum (const gchar *path)
{
  g_autofree gchar *data = NULL;
  gsize len = 0;

  if (!g_file_get_contents (path, &data, &len, NULL))
    return g_strdup ("(missing)");
  return g_compute_checksum_for_data (G_CHECKSUM_SHA256, (const guchar *) data, len);
}

PtQuantity
pt_test_batch_ledger_sum (PtStore     *store,
                          const gchar *batch_id)
{
  g_autofree gchar *sql = g_strdup_printf ("SELECT coalesce(sum(quantity), 0) FROM "
                                           "stock_movements WHERE batch_id = '%s' "
                                           "AND deleted = 0", batch_id);
  return pt_test_query_int (store, sql);
}
