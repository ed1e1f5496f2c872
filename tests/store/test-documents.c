/* Generic documents: create/update/tombstone, validation, permissions,
 * plan limits, per-field stamps, the audit log and the outbox. */
#define G_LOG_DOMAIN "pt-test"
#include "config.h"

#include <string.h>

#include "pt-test-store.h"

static bson_t *
json (const gchar *text)
{
  bson_error_t err;
  bson_t *doc = bson_new_from_json ((const uint8_t *) text, -1, &err);

  if (doc == NULL)
    g_error ("bad test JSON %s: %s", text, err.message);
  return doc;
}

static gint64
audit_count (PtStore *store)
{
  return pt_store_count (store, "audit_events");
}

static void
test_put_get_update_delete (PtTestFixture *fx,
                            gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autofree gchar *id = pt_test_add_medicine (fx->store, "Amoxicillin 500 mg capsules",
                                               "amoxicillin", "antibiotic", "5012345678900", 450);
  g_autoptr(bson_t) doc = NULL;
  g_autoptr(bson_t) change = json ("{\"price\": 475, \"strength\": \"500 mg\"}");
  g_autoptr(bson_t) updated = NULL;
  g_autoptr(bson_t) tomb = NULL;
  g_autoptr(GPtrArray) live = NULL;
  g_autoptr(GPtrArray) all = NULL;
  g_autofree gchar *tenant = NULL;
  PtListOptions with_deleted = { .include_deleted = TRUE };

  doc = pt_store_get (fx->store, "medicines", id, &error);
  g_assert_no_error (error);
  tenant = pt_bson_dup_oid_hex (doc, "tenantId");
  g_assert_cmpstr (tenant, ==, PT_TEST_TENANT);
  g_assert_cmpstr (pt_bson_get_string (doc, "name"), ==, "Amoxicillin 500 mg capsules");
  g_assert_cmpint (pt_bson_get_int (doc, "createdAt", 0), >, 0);
  g_assert_cmpint (pt_bson_get_int (doc, "updatedAt", 0), >, 0);
  g_assert_cmpint (pt_store_count (fx->store, "medicines"), ==, 1);

  g_assert_true (pt_store_update (fx->store, "medicines", id, change, &error));
  g_assert_no_error (error);
  updated = pt_store_get (fx->store, "medicines", id, &error);
  g_assert_cmpint (pt_bson_get_int (updated, "price", 0), ==, 475);
  g_assert_cmpstr (pt_bson_get_string (updated, "strength"), ==, "500 mg");
  g_assert_cmpstr (pt_bson_get_string (updated, "name"), ==, "Amoxicillin 500 mg capsules");

  g_assert_true (pt_store_delete (fx->store, "medicines", id, &error));
  tomb = pt_store_get (fx->store, "medicines", id, &error);
  g_assert_no_error (error);
  g_assert_true (pt_bson_get_bool (tomb, "deleted", FALSE));
  g_assert_cmpint (pt_store_count (fx->store, "medicines"), ==, 0);
  live = pt_store_list (fx->store, "medicines", NULL, &error);
  g_assert_cmpuint (live->len, ==, 0);
  all = pt_store_list (fx->store, "medicines", &with_deleted, &error);
  g_assert_cmpuint (all->len, ==, 1);
  /* Nothing is hard-deleted: the row is still there. */
  g_assert_cmpint (pt_test_count (fx->store, "medicines"), ==, 1);
}

static void
test_invalid_refused_nothing_written (PtTestFixture *fx,
                                      gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(bson_t) no_name = json ("{\"schedule\": \"rx\", \"price\": 100}");
  g_autoptr(bson_t) negative = json ("{\"name\": \"X\", \"schedule\": \"rx\", \"price\": -5}");
  gint64 outbox = pt_test_count (fx->store, "outbox");
  gint64 audits = audit_count (fx->store);
  g_autofree gchar *id = pt_store_put (fx->store, "medicines", no_name, &error);

  g_assert_null (id);
  g_assert_error (error, PT_ERROR, PT_ERROR_INVALID);
  g_assert_nonnull (strstr (error->message, "name"));
  g_clear_error (&error);
  g_assert_null (pt_store_put (fx->store, "medicines", negative, &error));
  g_assert_error (error, PT_ERROR, PT_ERROR_INVALID);
  g_assert_nonnull (strstr (error->message, "price"));

  g_assert_cmpint (pt_test_count (fx->store, "medicines"), ==, 0);
  g_assert_cmpint (pt_test_count (fx->store, "outbox"), ==, outbox);
  g_assert_cmpint (audit_count (fx->store), ==, audits);
}

static void
test_foreign_tenant_refused (PtTestFixture *fx,
                             gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(bson_t) doc = json ("{\"tenantId\": {\"$oid\": \"" PT_TEST_OTHER_TENANT "\"}, "
                                "\"name\": \"X\", \"schedule\": \"otc\", \"price\": 1}");
  g_autofree gchar *id = pt_store_put (fx->store, "medicines", doc, &error);

  g_assert_null (id);
  g_assert_error (error, PT_ERROR, PT_ERROR_FOREIGN_TENANT);
  g_assert_cmpint (pt_test_count (fx->store, "medicines"), ==, 0);
}

static void
test_unknown_field_refused (PtTestFixture *fx,
                            gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(bson_t) doc = json ("{\"name\": \"X\", \"schedule\": \"otc\", \"price\": 1, "
                                "\"colour\": \"blue\"}");
  g_autofree gchar *id = pt_store_put (fx->store, "medicines", doc, &error);

  g_assert_null (id);
  g_assert_error (error, PT_ERROR, PT_ERROR_INVALID);
  g_assert_nonnull (strstr (error->message, "colour"));
}

/* A field added by a foreign writer (the web dashboard) and synced down is
 * kept by local edits, and a whole-document put of what get returned is
 * accepted. */
static void
test_foreign_writer_fields_kept (PtTestFixture *fx,
                                 gconstpointer  data)
{
  const PtCollection *c = pt_schema_lookup ("medicines");
  g_autoptr(GError) error = NULL;
  g_autofree gchar *id = pt_test_add_medicine (fx->store, "Cetirizine 10 mg", "cetirizine",
                                               "antihistamine", NULL, 300);
  g_autoptr(PtRawRow) row = _pt_store_read_row (fx->store, c, id, &error);
  g_autoptr(bson_t) extended = bson_copy (row->doc);
  g_autoptr(bson_t) change = json ("{\"price\": 320}");
  g_autoptr(bson_t) after = NULL;
  g_autoptr(bson_t) again = NULL;
  g_autofree gchar *put_id = NULL;

  BSON_APPEND_UTF8 (extended, "legacyCode", "WEB-77");
  bson_destroy (row->doc);
  row->doc = g_steal_pointer (&extended);
  g_assert_true (_pt_store_begin (fx->store, &error));
  g_assert_true (_pt_store_write_row (fx->store, c, row, &error));
  g_assert_true (_pt_store_commit (fx->store, &error));

  g_assert_true (pt_store_update (fx->store, "medicines", id, change, &error));
  g_assert_no_error (error);
  after = pt_store_get (fx->store, "medicines", id, &error);
  g_assert_cmpstr (pt_bson_get_string (after, "legacyCode"), ==, "WEB-77");
  g_assert_cmpint (pt_bson_get_int (after, "price", 0), ==, 320);

  put_id = pt_store_put (fx->store, "medicines", after, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (put_id, ==, id);
  again = pt_store_get (fx->store, "medicines", id, &error);
  g_assert_cmpstr (pt_bson_get_string (again, "legacyCode"), ==, "WEB-77");
}

static void
test_integers_stored_as_int64 (PtTestFixture *fx,
                               gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(bson_t) doc = bson_new ();
  g_autoptr(bson_t) stored = NULL;
  g_autofree gchar *id = NULL;
  bson_iter_t iter;

  BSON_APPEND_UTF8 (doc, "name", "Aspirin 75 mg");
  BSON_APPEND_UTF8 (doc, "schedule", "otc");
  BSON_APPEND_INT32 (doc, "price", 120);
  BSON_APPEND_DOUBLE (doc, "reorderLevel", 20.0);
  id = pt_store_put (fx->store, "medicines", doc, &error);
  g_assert_no_error (error);
  stored = pt_store_get (fx->store, "medicines", id, &error);
  g_assert_true (bson_iter_init_find (&iter, stored, "price"));
  g_assert_cmpint (bson_iter_type (&iter), ==, BSON_TYPE_INT64);
  g_assert_true (bson_iter_init_find (&iter, stored, "reorderLevel"));
  g_assert_cmpint (bson_iter_type (&iter), ==, BSON_TYPE_INT64);
  g_assert_cmpint (bson_iter_int64 (&iter), ==, 20);
}

static bson_t *
last_audit (PtStore *store)
{
  sqlite3_stmt *stmt = NULL;
  bson_t *doc = NULL;

  g_assert_cmpint (sqlite3_prepare_v2 (_pt_store_get_db (store),
                                       "SELECT doc FROM audit_events ORDER BY rowid DESC LIMIT 1",
                                       -1, &stmt, NULL), ==, SQLITE_OK);
  if (sqlite3_step (stmt) == SQLITE_ROW)
    doc = bson_new_from_data (sqlite3_column_blob (stmt, 0), sqlite3_column_bytes (stmt, 0));
  sqlite3_finalize (stmt);
  return doc;
}

static gchar *
audit_fields (const bson_t *event)
{
  g_autoptr(GString) s = g_string_new (NULL);
  bson_iter_t iter, child;

  if (bson_iter_init_find (&iter, event, "fields") && bson_iter_recurse (&iter, &child))
    while (bson_iter_next (&child))
      g_string_append_printf (s, "%s%s", s->len ? "," : "", bson_iter_utf8 (&child, NULL));
  return g_string_free (g_steal_pointer (&s), FALSE);
}

static void
test_audit_event_per_mutation (PtTestFixture *fx,
                               gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  gint64 before = audit_count (fx->store);
  g_autofree gchar *id = pt_test_add_patient (fx->store, "Margaret", "Oyelaran",
                                              "+44 20 7946 0958", "generic", "penicillin");
  g_autoptr(bson_t) created = last_audit (fx->store);
  g_autoptr(bson_t) change = json ("{\"phone\": \"+44 20 7946 0000\"}");
  g_autoptr(bson_t) updated = NULL;
  g_autoptr(bson_t) deleted = NULL;
  g_autofree gchar *created_json = NULL;
  g_autofree gchar *created_fields = NULL;
  g_autofree gchar *updated_fields = NULL;
  g_autofree gchar *updated_json = NULL;

  g_assert_cmpint (audit_count (fx->store), ==, before + 1);
  g_assert_cmpstr (pt_bson_get_string (created, "collection"), ==, "patients");
  g_assert_cmpstr (pt_bson_get_string (created, "documentId"), ==, id);
  g_assert_cmpstr (pt_bson_get_string (created, "action"), ==, "create");
  g_assert_cmpstr (pt_bson_get_string (created, "deviceId"), ==,
                   pt_store_get_device_id (fx->store));
  created_fields = audit_fields (created);
  g_assert_nonnull (strstr (created_fields, "lastName"));
  g_assert_nonnull (strstr (created_fields, "allergies"));
  /* Names of fields only, never the patient's data. */
  created_json = bson_as_relaxed_extended_json (created, NULL);
  g_assert_null (strstr (created_json, "Oyelaran"));
  g_assert_null (strstr (created_json, "7946"));
  g_assert_null (strstr (created_json, "penicillin"));

  g_assert_true (pt_store_update (fx->store, "patients", id, change, &error));
  g_assert_cmpint (audit_count (fx->store), ==, before + 2);
  updated = last_audit (fx->store);
  updated_fields = audit_fields (updated);
  g_assert_cmpstr (updated_fields, ==, "phone");
  g_assert_cmpstr (pt_bson_get_string (updated, "action"), ==, "update");
  updated_json = bson_as_relaxed_extended_json (updated, NULL);
  g_assert_null (strstr (updated_json, "7946"));

  g_assert_true (pt_store_delete (fx->store, "patients", id, &error));
  g_assert_cmpint (audit_count (fx->store), ==, before + 3);
  deleted = last_audit (fx->store);
  g_assert_cmpstr (pt_bson_get_string (deleted, "action"), ==, "delete");

  /* An update that changes nothing writes nothing. */
  g_assert_true (pt_store_update (fx->store, "patients", id, change, &error));
  g_assert_cmpint (audit_count (fx->store), ==, before + 3);

  /* The audit log is itself synced and never written directly. */
  g_assert_cmpint (pt_test_count (fx->store, "outbox WHERE collection = 'audit_events'"), ==,
                   audit_count (fx->store));
  {
    g_autoptr(bson_t) forged = json ("{\"deviceId\": \"x\", \"collection\": \"patients\", "
                                     "\"documentId\": \"1\", \"action\": \"create\", "
                                     "\"at\": {\"$date\": 0}}");
    g_autofree gchar *forged_id = pt_store_put (fx->store, "audit_events", forged, &error);
    g_assert_null (forged_id);
    g_assert_error (error, PT_ERROR, PT_ERROR_PERMISSION_DENIED);
  }
}

static void
test_outbox_in_commit_order (PtTestFixture *fx,
                             gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) before = _pt_store_outbox_list (fx->store, 0, 0, &error);
  gint64 last_seq = before->len ? ((PtOutboxEntry *) before->pdata[before->len - 1])->seq : 0;
  g_autofree gchar *a = pt_test_add_medicine (fx->store, "Alpha", NULL, NULL, NULL, 1);
  g_autofree gchar *b = pt_test_add_medicine (fx->store, "Beta", NULL, NULL, NULL, 1);
  g_autoptr(bson_t) change = json ("{\"price\": 2}");
  g_autoptr(GPtrArray) entries = NULL;
  g_autoptr(GPtrArray) docs = g_ptr_array_new ();
  gboolean removed = TRUE;

  g_assert_true (pt_store_update (fx->store, "medicines", a, change, &error));
  entries = _pt_store_outbox_list (fx->store, last_seq, 0, &error);
  g_assert_no_error (error);
  for (guint i = 0; i < entries->len; i++)
    {
      PtOutboxEntry *e = entries->pdata[i];
      if (g_str_equal (e->collection, "medicines"))
        g_ptr_array_add (docs, e->doc_id);
      if (i > 0)
        g_assert_cmpint (e->seq, >, ((PtOutboxEntry *) entries->pdata[i - 1])->seq);
    }
  /* A, then B; A's later edit keeps its place and is not queued twice. */
  g_assert_cmpuint (docs->len, ==, 2);
  g_assert_cmpstr (docs->pdata[0], ==, a);
  g_assert_cmpstr (docs->pdata[1], ==, b);
  /* medicine A, its audit, B, its audit, the audit of the edit */
  g_assert_cmpuint (entries->len, ==, 5);

  /* An acknowledgement for a version that is no longer current keeps the
   * entry (the edit made while the push was in flight still goes). */
  g_assert_true (_pt_store_begin (fx->store, &error));
  g_assert_true (_pt_store_outbox_remove (fx->store, "medicines", a,
                                          "0000000000000000-0000000000000000", &removed, &error));
  g_assert_false (removed);
  {
    g_autoptr(PtRawRow) row = _pt_store_read_row (fx->store, pt_schema_lookup ("medicines"), a,
                                                  &error);
    g_assert_true (_pt_store_outbox_remove (fx->store, "medicines", a, row->version, &removed,
                                            &error));
    g_assert_true (removed);
  }
  g_assert_true (_pt_store_commit (fx->store, &error));
  g_assert_cmpint (pt_test_count (fx->store, "outbox WHERE collection = 'medicines'"), ==, 1);
}

static const gchar *
stamp_of (const PtRawRow *row,
          const gchar    *field)
{
  return pt_bson_get_string (row->stamps, field);
}

static void
test_stamps_only_changed_fields (PtTestFixture *fx,
                                 gconstpointer  data)
{
  const PtCollection *c = pt_schema_lookup ("medicines");
  g_autoptr(GError) error = NULL;
  g_autofree gchar *id = pt_test_add_medicine (fx->store, "Omeprazole 20 mg", "omeprazole",
                                               "ppi", NULL, 500);
  g_autoptr(PtRawRow) v1 = _pt_store_read_row (fx->store, c, id, &error);
  g_autoptr(PtRawRow) v2 = NULL;
  g_autoptr(PtRawRow) v3 = NULL;
  g_autoptr(bson_t) change = json ("{\"price\": 550}");
  g_autoptr(bson_t) unset = json ("{\"category\": null}");

  g_assert_true (pt_hlc_stamp_is_valid (v1->version));
  g_assert_cmpstr (stamp_of (v1, "name"), ==, v1->version);
  g_assert_cmpstr (stamp_of (v1, "price"), ==, v1->version);
  g_assert_null (v1->base);
  g_assert_true (_pt_raw_row_is_dirty (v1));

  g_assert_true (pt_store_update (fx->store, "medicines", id, change, &error));
  v2 = _pt_store_read_row (fx->store, c, id, &error);
  g_assert_cmpint (pt_hlc_stamp_compare (v2->version, v1->version), >, 0);
  g_assert_cmpstr (stamp_of (v2, "price"), ==, v2->version);
  g_assert_cmpstr (stamp_of (v2, "updatedAt"), ==, v2->version);
  g_assert_cmpstr (stamp_of (v2, "name"), ==, v1->version);
  g_assert_cmpstr (stamp_of (v2, "genericName"), ==, v1->version);

  /* Removing a field stamps its removal, so the merge can tell. */
  g_assert_true (pt_store_update (fx->store, "medicines", id, unset, &error));
  v3 = _pt_store_read_row (fx->store, c, id, &error);
  g_assert_null (pt_bson_get_string (v3->doc, "category"));
  g_assert_cmpstr (stamp_of (v3, "category"), ==, v3->version);
  g_assert_cmpstr (stamp_of (v3, "price"), ==, v2->version);

  /* The document as pushed carries _sync {v, f, by}. */
  {
    g_autoptr(bson_t) server = _pt_raw_row_to_server_doc (v3);
    g_assert_cmpstr (_pt_server_doc_get_version (server), ==, v3->version);
    g_assert_cmpstr (pt_bson_get_string (server, "_sync.by"), ==,
                     pt_store_get_device_id (fx->store));
    g_assert_cmpstr (pt_bson_get_string (server, "_sync.f.price"), ==, v2->version);
  }
}

static void
test_insert_only_never_written_directly (PtTestFixture *fx,
                                         gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autofree gchar *med = pt_test_add_medicine (fx->store, "Zinc", NULL, NULL, NULL, 1);
  g_autofree gchar *batch = pt_test_receive (fx->store, med, fx->pharmacy_id, "L1", 100, 10);
  g_autoptr(GPtrArray) ledger = pt_store_ledger (fx->store, med, NULL, 0, &error);
  g_autofree gchar *movement_id = pt_bson_dup_oid_hex (ledger->pdata[0], "_id");
  g_autoptr(bson_t) change = json ("{\"quantity\": 1000}");

  g_assert_false (pt_store_update (fx->store, "stock_movements", movement_id, change, &error));
  g_assert_nonnull (error);
  g_assert_cmpint (pt_store_stock_on_hand (fx->store, med, NULL), ==, 10);
}

static void
test_permissions_by_role (PtTestFixture *fx,
                          gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autofree gchar *med = pt_test_add_medicine (fx->store, "Loratadine 10 mg", "loratadine",
                                                NULL, NULL, 299);
  g_autofree gchar *cashier = pt_test_add_user (fx->store, "cashier@example.org", "cashier");
  g_autofree gchar *tech = pt_test_add_user (fx->store, "tech@example.org", "technician");
  g_autoptr(bson_t) price = json ("{\"price\": 1}");
  g_autoptr(bson_t) strength = json ("{\"strength\": \"10 mg\"}");
  g_autoptr(bson_t) stored = NULL;
  gint64 audits;

  g_assert_true (pt_store_act_as_user (fx->store, cashier, &error));
  audits = audit_count (fx->store);
  g_assert_false (pt_store_update (fx->store, "medicines", med, price, &error));
  g_assert_error (error, PT_ERROR, PT_ERROR_PERMISSION_DENIED);
  g_assert_nonnull (strstr (error->message, "ashier"));
  g_clear_error (&error);
  g_assert_false (pt_store_update (fx->store, "medicines", med, strength, &error));
  g_assert_error (error, PT_ERROR, PT_ERROR_PERMISSION_DENIED);
  g_clear_error (&error);
  g_assert_cmpint (audit_count (fx->store), ==, audits);

  g_assert_true (pt_store_act_as_user (fx->store, tech, &error));
  g_assert_true (pt_store_update (fx->store, "medicines", med, strength, &error));
  g_assert_no_error (error);
  g_assert_false (pt_store_update (fx->store, "medicines", med, price, &error));
  g_assert_error (error, PT_ERROR, PT_ERROR_PERMISSION_DENIED);
  g_clear_error (&error);

  stored = pt_store_get (fx->store, "medicines", med, &error);
  g_assert_cmpint (pt_bson_get_int (stored, "price", 0), ==, 299);
  /* The audit names the user who acted. */
  {
    g_autoptr(bson_t) event = last_audit (fx->store);
    g_autofree gchar *user = pt_bson_dup_oid_hex (event, "userId");
    g_assert_cmpstr (user, ==, tech);
  }
}

static void
test_plan_limit_on_create (void)
{
  g_autofree gchar *dir = pt_test_mkdtemp ();
  g_autoptr(PtStore) store = pt_test_create_store (dir, PT_TEST_TENANT, "starter");
  g_autoptr(GError) error = NULL;
  g_autoptr(bson_t) user = json ("{\"email\": \"sixth@example.org\", \"displayName\": \"Six\", "
                                 "\"role\": \"cashier\"}");
  g_autofree gchar *id = NULL;
  gint64 limit = pt_plan_limit (PT_PLAN_STARTER, PT_LIMIT_USERS);

  /* The owner is the first user. */
  for (gint64 i = 1; i < limit; i++)
    {
      g_autofree gchar *email = g_strdup_printf ("user%" G_GINT64_FORMAT "@example.org", i);
      g_autofree gchar *uid = pt_test_add_user (store, email, "cashier");
    }
  g_assert_cmpint (pt_store_count (store, "users"), ==, limit);
  id = pt_store_put (store, "users", user, &error);
  g_assert_null (id);
  g_assert_error (error, PT_ERROR, PT_ERROR_PLAN_LIMIT);
  g_assert_nonnull (strstr (error->message, "Starter"));
  g_assert_cmpint (pt_store_count (store, "users"), ==, limit);
  g_clear_object (&store);
  pt_test_rmdir (dir);
}

static void
test_unique_barcode (PtTestFixture *fx,
                     gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autofree gchar *a = pt_test_add_medicine (fx->store, "A", NULL, NULL, "5012345678900", 1);
  g_autoptr(bson_t) twin = json ("{\"name\": \"B\", \"schedule\": \"otc\", \"price\": 1, "
                                 "\"barcode\": \"5012345678900\"}");
  g_autofree gchar *b = pt_store_put (fx->store, "medicines", twin, &error);

  g_assert_null (b);
  g_assert_error (error, PT_ERROR, PT_ERROR_EXISTS);
  g_assert_nonnull (strstr (error->message, "5012345678900"));
}

static void
test_prescription_status_follows_workflow (PtTestFixture *fx,
                                           gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autofree gchar *med = pt_test_add_medicine (fx->store, "A", NULL, NULL, NULL, 1);
  g_autofree gchar *patient = pt_test_add_patient (fx->store, "Ann", "Lee", NULL, NULL, NULL);
  g_autofree gchar *rx = pt_test_add_prescription (fx->store, patient, fx->pharmacy_id,
                                                   med, (gint64) 2, NULL);
  g_autoptr(bson_t) picked = json ("{\"status\": \"picked_up\"}");
  g_autoptr(bson_t) dispensed = json ("{\"status\": \"dispensed\"}");
  g_autoptr(bson_t) doc = NULL;

  g_assert_false (pt_store_update (fx->store, "prescriptions", rx, picked, &error));
  g_assert_error (error, PT_ERROR, PT_ERROR_INVALID_TRANSITION);
  g_clear_error (&error);
  g_assert_false (pt_store_update (fx->store, "prescriptions", rx, dispensed, &error));
  g_assert_error (error, PT_ERROR, PT_ERROR_INVALID_TRANSITION);
  g_clear_error (&error);
  g_assert_false (pt_store_set_prescription_status (fx->store, rx, "picked_up", &error));
  g_assert_error (error, PT_ERROR, PT_ERROR_INVALID_TRANSITION);
  g_clear_error (&error);

  g_assert_true (pt_store_set_prescription_status (fx->store, rx, "in_progress", &error));
  g_assert_true (pt_store_set_prescription_status (fx->store, rx, "ready", &error));
  g_assert_no_error (error);
  doc = pt_store_get (fx->store, "prescriptions", rx, &error);
  g_assert_cmpstr (pt_bson_get_string (doc, "status"), ==, "ready");
  {
    g_autoptr(bson_t) event = last_audit (fx->store);
    g_assert_cmpstr (pt_bson_get_string (event, "action"), ==, "status");
  }
}

static void
count_cb (PtStore *store,
          guint   *n)
{
  (*n)++;
}

/* "committed" fires once per successful local commit (the sync engine
 * pushes on it), never for a refused change, once for a batch of them. */
static void
test_committed_signal (PtTestFixture *fx,
                       gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(bson_t) bad = json ("{\"schedule\": \"rx\"}");
  g_autofree gchar *refused = NULL;
  guint n = 0;

  g_signal_connect (fx->store, "committed", G_CALLBACK (count_cb), &n);
  g_free (pt_test_add_medicine (fx->store, "One", NULL, NULL, NULL, 1));
  g_assert_cmpuint (n, ==, 1);
  refused = pt_store_put (fx->store, "medicines", bad, &error);
  g_assert_null (refused);
  g_assert_cmpuint (n, ==, 1);

  g_assert_true (_pt_store_begin (fx->store, &error));
  g_free (pt_test_add_medicine (fx->store, "Two", NULL, NULL, NULL, 1));
  g_free (pt_test_add_medicine (fx->store, "Three", NULL, NULL, NULL, 1));
  g_assert_cmpuint (n, ==, 1);
  g_assert_true (_pt_store_commit (fx->store, &error));
  g_assert_cmpuint (n, ==, 2);

  /* Settings are not data to push. */
  g_assert_true (pt_store_set_setting (fx->store, "printer", "A", &error));
  g_assert_cmpuint (n, ==, 2);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);

#define ADD(path, func) \
  g_test_add (path, PtTestFixture, NULL, pt_test_setup, func, pt_test_teardown)
  ADD ("/store/documents/put-get-update-tombstone", test_put_get_update_delete);
  ADD ("/store/documents/invalid-refused-nothing-written", test_invalid_refused_nothing_written);
  ADD ("/store/documents/other-tenant-refused", test_foreign_tenant_refused);
  ADD ("/store/documents/unknown-field-refused", test_unknown_field_refused);
  ADD ("/store/documents/foreign-writer-fields-kept", test_foreign_writer_fields_kept);
  ADD ("/store/documents/integers-stored-as-int64", test_integers_stored_as_int64);
  ADD ("/store/documents/unique-barcode", test_unique_barcode);
  ADD ("/store/documents/insert-only-never-changed", test_insert_only_never_written_directly);
  ADD ("/store/audit/one-event-per-mutation-names-fields-not-values",
       test_audit_event_per_mutation);
  ADD ("/store/outbox/dirty-documents-in-commit-order", test_outbox_in_commit_order);
  ADD ("/store/stamps/only-changed-fields-restamped", test_stamps_only_changed_fields);
  ADD ("/store/permissions/role-checked-on-every-mutation", test_permissions_by_role);
  ADD ("/store/prescriptions/status-follows-workflow", test_prescription_status_follows_workflow);
  ADD ("/store/documents/committed-signal-once-per-commit", test_committed_signal);
  g_test_add_func ("/store/plan/limit-enforced-on-create", test_plan_limit_on_create);

  return g_test_run ();
}
