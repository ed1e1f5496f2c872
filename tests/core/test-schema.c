#include "config.h"

#include <string.h>

#include "pt-error.h"
#include "pt-money.h"
#include "pt-schema.h"

#define OID1 "{\"$oid\": \"65f000000000000000000001\"}"
#define OID2 "{\"$oid\": \"65f000000000000000000002\"}"

static bson_t *
doc_from_json (const gchar *json)
{
  bson_error_t berr;
  bson_t *doc = bson_new_from_json ((const guint8 *) json, -1, &berr);

  if (doc == NULL)
    g_error ("bad test JSON %s: %s", json, berr.message);
  return doc;
}

/* Validates @json against @collection; NULL when valid, else the message. */
static gchar *
validate (const gchar    *collection,
          PtValidateFlags flags,
          const gchar    *json)
{
  g_autoptr(GError) error = NULL;
  bson_t *doc = doc_from_json (json);
  gboolean ok = pt_schema_validate (pt_schema_lookup (collection), doc, flags, &error);

  bson_destroy (doc);
  if (ok)
    {
      g_assert_no_error (error);
      return NULL;
    }
  g_assert_error (error, PT_ERROR, PT_ERROR_INVALID);
  return g_strdup (error->message);
}

static void
assert_valid (const gchar *collection,
              const gchar *json)
{
  g_autofree gchar *msg = validate (collection, PT_VALIDATE_CREATE, json);

  if (msg != NULL)
    g_error ("expected %s to be valid in %s, got: %s", json, collection, msg);
}

static void
assert_invalid (const gchar    *collection,
                PtValidateFlags flags,
                const gchar    *json,
                const gchar    *expected)
{
  g_autofree gchar *msg = validate (collection, flags, json);

  if (msg == NULL)
    g_error ("expected %s to be refused in %s", json, collection);
  g_assert_cmpstr (msg, ==, expected);
}

#define MEDICINE_OK \
  "\"name\": \"Paracetamol 500 mg tablets\", \"schedule\": \"otc\", \"price\": 250"

static void
test_registry_lists_every_collection (void)
{
  const gchar *expected[] = {
    "tenants", "users", "pharmacies", "medicines", "batches", "patients",
    "prescriptions", "stock_movements", "audit_events",
  };
  guint n = 0;
  const PtCollection * const *all = pt_schema_collections (&n);

  g_assert_cmpuint (n, ==, G_N_ELEMENTS (expected));
  for (guint i = 0; i < n; i++)
    {
      const PtCollection *c = all[i];

      g_assert_cmpstr (c->name, ==, expected[i]);
      g_assert_true (pt_schema_lookup (expected[i]) == c);
      /* Common fields first. */
      g_assert_cmpstr (c->fields[0].name, ==, "_id");
      if (c->tenant_scoped)
        g_assert_cmpstr (c->fields[1].name, ==, "tenantId");
      else
        g_assert_null (pt_collection_lookup_field (c, "tenantId"));
      g_assert_nonnull (pt_collection_lookup_field (c, "createdAt"));
      g_assert_nonnull (pt_collection_lookup_field (c, "updatedAt"));
      g_assert_true (pt_collection_lookup_field (c, "deleted")->flags & PT_FIELD_FLAG_SYSTEM);
      g_assert_true (pt_collection_lookup_field (c, "_id")->merge == PT_MERGE_IMMUTABLE);
      /* Every field has a label and enums have values. */
      for (guint f = 0; f < c->n_fields; f++)
        {
          g_assert_nonnull (c->fields[f].label);
          if (c->fields[f].type == PT_FIELD_ENUM)
            g_assert_nonnull (c->fields[f].enum_values);
        }
    }
  g_assert_null (all[n]);
  g_assert_false (pt_schema_lookup ("tenants")->tenant_scoped);
  g_assert_cmpint (pt_schema_lookup ("stock_movements")->kind, ==, PT_COLLECTION_INSERT_ONLY);
  g_assert_cmpint (pt_schema_lookup ("audit_events")->kind, ==, PT_COLLECTION_INSERT_ONLY);
  g_assert_cmpint (pt_schema_lookup ("medicines")->kind, ==, PT_COLLECTION_MUTABLE);
}

static void
test_lookup_checked_lists_known (void)
{
  g_autoptr(GError) error = NULL;

  g_assert_nonnull (pt_schema_lookup_checked ("patients", NULL));
  g_assert_null (pt_schema_lookup_checked ("drugs", &error));
  g_assert_error (error, PT_ERROR, PT_ERROR_INVALID);
  g_assert_true (g_str_has_prefix (error->message, "Unknown collection “drugs”; known collections: tenants, users,"));
  g_assert_null (pt_schema_lookup (NULL));
}

static void
test_field_flags_and_merge_rules (void)
{
  const PtCollection *med = pt_schema_lookup ("medicines");
  const PtCollection *rx = pt_schema_lookup ("prescriptions");
  const PtCollection *pat = pt_schema_lookup ("patients");
  const PtField *items = pt_collection_lookup_field (rx, "items");

  g_assert_true (pt_collection_lookup_field (med, "name")->flags & PT_FIELD_FLAG_SEARCHABLE);
  g_assert_true (pt_collection_lookup_field (med, "barcode")->flags & PT_FIELD_FLAG_UNIQUE);
  g_assert_cmpint (pt_collection_lookup_field (med, "price")->type, ==, PT_FIELD_MONEY);
  g_assert_cmpint (pt_collection_lookup_field (rx, "status")->merge, ==, PT_MERGE_WORKFLOW);
  g_assert_cmpint (pt_field_lookup_child (items, "dispensedQuantity")->merge, ==, PT_MERGE_MAX);
  g_assert_cmpint (pt_collection_lookup_field (rx, "number")->merge, ==, PT_MERGE_IMMUTABLE);
  g_assert_cmpint (pt_collection_lookup_field (med, "name")->merge, ==, PT_MERGE_LWW);
  g_assert_null (pt_field_lookup_child (items, "colour"));
  /* All personal fields of a patient are sensitive. */
  for (guint i = 0; i < pat->n_fields; i++)
    if (!(pat->fields[i].flags & PT_FIELD_FLAG_SYSTEM))
      g_assert_true (pat->fields[i].flags & PT_FIELD_FLAG_SENSITIVE);
  /* A password hash is not encrypted: the web dashboard checks it. */
  g_assert_false (pt_collection_lookup_field (pt_schema_lookup ("users"), "passwordHash")->flags
                  & PT_FIELD_FLAG_SENSITIVE);
}

static void
test_medicine_valid_and_required (void)
{
  assert_valid ("medicines", "{" MEDICINE_OK "}");
  assert_valid ("medicines",
                "{\"_id\": " OID1 ", \"tenantId\": " OID2 ", "
                "\"createdAt\": {\"$date\": \"2026-01-01T00:00:00Z\"}, "
                "\"updatedAt\": {\"$date\": \"2026-01-02T00:00:00Z\"}, \"deleted\": false, "
                MEDICINE_OK ", \"genericName\": \"paracetamol\", \"strength\": \"500 mg\", "
                "\"form\": \"tablet\", \"packSize\": 16, \"barcode\": \"4006381333931\", "
                "\"code\": \"PAR500\", \"manufacturer\": \"Acme\", \"category\": \"Analgesics\", "
                "\"taxRate\": 700, \"reorderLevel\": 20, \"supplier\": \"Phoenix\", \"active\": true, "
                "\"_sync\": {\"v\": \"x\", \"f\": {}, \"by\": \"y\"}}");
  assert_invalid ("medicines", PT_VALIDATE_CREATE, "{\"schedule\": \"otc\", \"price\": 250}",
                  "Medicine name is required (name).");
  assert_invalid ("medicines", PT_VALIDATE_CREATE, "{\"name\": \"   \", \"schedule\": \"otc\", \"price\": 250}",
                  "Medicine name is required (name).");
  assert_invalid ("medicines", PT_VALIDATE_CREATE, "{\"name\": null, \"schedule\": \"otc\", \"price\": 250}",
                  "Medicine name is required (name).");
  /* A partial update need not repeat required fields... */
  g_assert_null (validate ("medicines", PT_VALIDATE_UPDATE, "{\"price\": 300}"));
  /* ...but may not clear them. */
  assert_invalid ("medicines", PT_VALIDATE_UPDATE, "{\"name\": null}",
                  "Medicine name is required (name).");
}

static void
test_medicine_values (void)
{
  assert_invalid ("medicines", PT_VALIDATE_CREATE,
                  "{\"name\": \"X\", \"schedule\": \"otc\", \"price\": -1}",
                  "Price must not be negative (price).");
  assert_invalid ("medicines", PT_VALIDATE_CREATE,
                  "{\"name\": \"X\", \"schedule\": \"otc\", \"price\": \"2.50\"}",
                  "Price must be a whole number of minor units, e.g. 1250 for 12.50 (price).");
  assert_invalid ("medicines", PT_VALIDATE_CREATE,
                  "{\"name\": \"X\", \"schedule\": \"otc\", \"price\": 2.5}",
                  "Price must be a whole number of minor units, e.g. 1250 for 12.50 (price).");
  /* int32, int64 and whole doubles (JavaScript writers) are accepted. */
  assert_valid ("medicines", "{\"name\": \"X\", \"schedule\": \"otc\", \"price\": {\"$numberLong\": \"250\"}}");
  assert_valid ("medicines", "{\"name\": \"X\", \"schedule\": \"otc\", \"price\": 250.0}");
  assert_invalid ("medicines", PT_VALIDATE_CREATE,
                  "{\"name\": \"X\", \"schedule\": \"herbal\", \"price\": 1}",
                  "Schedule “herbal” is not allowed; use one of: otc, rx, controlled (schedule).");
  assert_invalid ("medicines", PT_VALIDATE_CREATE,
                  "{\"name\": \"X\", \"schedule\": 3, \"price\": 1}",
                  "Schedule must be text (schedule).");
  assert_invalid ("medicines", PT_VALIDATE_CREATE,
                  "{" MEDICINE_OK ", \"barcode\": \"123\"}",
                  "Barcode “123” is not a valid GTIN (barcode).");
  assert_invalid ("medicines", PT_VALIDATE_CREATE,
                  "{" MEDICINE_OK ", \"barcode\": \"4006381333932\"}",
                  "Barcode “4006381333932” is not a valid GTIN (barcode).");
  assert_invalid ("medicines", PT_VALIDATE_CREATE,
                  "{" MEDICINE_OK ", \"colour\": \"red\"}",
                  "Unknown field “colour” in medicines.");
  g_assert_null (validate ("medicines", PT_VALIDATE_ALLOW_UNKNOWN, "{" MEDICINE_OK ", \"colour\": \"red\"}"));
  assert_invalid ("medicines", PT_VALIDATE_CREATE, "{" MEDICINE_OK ", \"packSize\": 0}",
                  "Pack size must be at least 1 (packSize).");
  assert_invalid ("medicines", PT_VALIDATE_CREATE, "{" MEDICINE_OK ", \"taxRate\": 10001}",
                  "Tax rate must be at most 10000 (taxRate).");
  assert_invalid ("medicines", PT_VALIDATE_CREATE, "{" MEDICINE_OK ", \"active\": 1}",
                  "Active must be true or false (active).");
  assert_invalid ("medicines", PT_VALIDATE_CREATE,
                  "{" MEDICINE_OK ", \"form\": \"a form name that is far longer than forty characters\"}",
                  "Form is too long: 52 characters, at most 40 are allowed (form).");
  assert_invalid ("medicines", PT_VALIDATE_CREATE, "{" MEDICINE_OK ", \"_id\": \"abc\"}",
                  "Id must be an ObjectId (_id).");
  assert_invalid ("medicines", PT_VALIDATE_CREATE, "{" MEDICINE_OK ", \"createdAt\": \"yesterday\"}",
                  "Created must be a date (createdAt).");
}

static void
test_gtin_check_digits (void)
{
  const gchar *good[] = { "4006381333931", "96385074", "036000291452", "00012345600012", "5901234123457" };
  const gchar *bad[] = { "4006381333932", "96385075", "03600029145", "0001234560001x", "", NULL, "123456789012345" };

  for (guint i = 0; i < G_N_ELEMENTS (good); i++)
    g_assert_true (pt_gtin_is_valid (good[i]));
  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    g_assert_false (pt_gtin_is_valid (bad[i]));
}

static void
test_invalid_utf8_refused (void)
{
  bson_t doc = BSON_INITIALIZER;
  g_autoptr(GError) error = NULL;

  /* bson_append_utf8 does not check: the bytes land as they are. */
  bson_append_utf8 (&doc, "name", -1, "Ibu\xff\xfeprofen", -1);
  bson_append_utf8 (&doc, "schedule", -1, "otc", -1);
  bson_append_int64 (&doc, "price", -1, 100);
  g_assert_false (pt_schema_validate (pt_schema_lookup ("medicines"), &doc, 0, &error));
  g_assert_error (error, PT_ERROR, PT_ERROR_INVALID);
  g_assert_cmpstr (error->message, ==,
                   "Medicine name contains characters that are not valid text (invalid UTF-8 or a NUL byte) (name).");
  bson_destroy (&doc);
}

static void
test_huge_string_refused_quickly (void)
{
  gsize len = 10 * 1024 * 1024;
  gchar *big = g_malloc (len + 1);
  bson_t doc = BSON_INITIALIZER;
  g_autoptr(GError) error = NULL;
  gint64 start, elapsed;

  memset (big, 'a', len);
  big[len] = '\0';
  bson_append_utf8 (&doc, "name", -1, "Aspirin", -1);
  bson_append_utf8 (&doc, "schedule", -1, "otc", -1);
  bson_append_int64 (&doc, "price", -1, 100);
  bson_append_utf8 (&doc, "description", -1, big, (int) len);
  g_free (big);

  start = g_get_monotonic_time ();
  g_assert_false (pt_schema_validate (pt_schema_lookup ("medicines"), &doc, 0, &error));
  elapsed = g_get_monotonic_time () - start;
  g_assert_error (error, PT_ERROR, PT_ERROR_INVALID);
  g_assert_cmpstr (error->message, ==, "Description is too long: at most 4000 characters are allowed (description).");
  /* Refused without scanning 10 MB (generous bound for slow CI). */
  g_test_message ("validation of a 10 MB string took %" G_GINT64_FORMAT " us", elapsed);
  g_assert_cmpint (elapsed, <, 50000);
  bson_destroy (&doc);
}

static void
test_batch_expiry_after_receipt (void)
{
  assert_valid ("batches",
                "{\"medicineId\": " OID1 ", \"pharmacyId\": " OID2 ", \"lotNumber\": \"L1\", "
                "\"expiryDate\": {\"$date\": \"2027-06-30T00:00:00Z\"}, "
                "\"receivedAt\": {\"$date\": \"2026-11-27T00:00:00Z\"}, \"costPrice\": 120}");
  assert_invalid ("batches", PT_VALIDATE_CREATE,
                  "{\"medicineId\": " OID1 ", \"pharmacyId\": " OID2 ", \"lotNumber\": \"L1\", "
                  "\"expiryDate\": {\"$date\": \"2026-01-01T00:00:00Z\"}, "
                  "\"receivedAt\": {\"$date\": \"2026-11-27T00:00:00Z\"}}",
                  "Expiry date must be after the received date (expiryDate).");
  assert_invalid ("batches", PT_VALIDATE_CREATE,
                  "{\"medicineId\": \"65f000000000000000000001\", \"pharmacyId\": " OID2 ", \"lotNumber\": \"L1\", "
                  "\"expiryDate\": {\"$date\": \"2027-01-01T00:00:00Z\"}, "
                  "\"receivedAt\": {\"$date\": \"2026-11-27T00:00:00Z\"}}",
                  "Medicine must be an ObjectId (medicineId).");
  assert_invalid ("batches", PT_VALIDATE_CREATE,
                  "{\"medicineId\": " OID1 ", \"pharmacyId\": " OID2 ", \"lotNumber\": \"L1\", "
                  "\"expiryDate\": \"2027-01-01\", "
                  "\"receivedAt\": {\"$date\": \"2026-11-27T00:00:00Z\"}}",
                  "Expiry date must be a date (expiryDate).");
}

static void
test_prescription_items_paths (void)
{
  const gchar *head = "{\"number\": \"RX-1\", \"patientId\": " OID1 ", \"pharmacyId\": " OID2 ", "
                      "\"status\": \"received\", \"prescriber\": {\"name\": \"Dr Who\"}, ";
  g_autofree gchar *ok = g_strconcat (head, "\"items\": [{\"medicineId\": " OID1 ", \"quantity\": 2}]}", NULL);
  g_autofree gchar *bad_qty = g_strconcat (head, "\"items\": [{\"medicineId\": " OID1 ", \"quantity\": 2}, "
                                           "{\"medicineId\": " OID1 ", \"quantity\": 0}]}", NULL);
  g_autofree gchar *missing = g_strconcat (head, "\"items\": [{\"medicineId\": " OID1 ", \"quantity\": 2}, "
                                           "{\"quantity\": 1}]}", NULL);
  g_autofree gchar *empty = g_strconcat (head, "\"items\": []}", NULL);
  g_autofree gchar *unknown = g_strconcat (head, "\"items\": [{\"medicineId\": " OID1 ", \"quantity\": 1, \"colour\": 1}]}", NULL);
  g_autofree gchar *status = g_strconcat ("{\"number\": \"RX-1\", \"patientId\": " OID1 ", \"pharmacyId\": " OID2 ", "
                                          "\"status\": \"lost\", ", "\"items\": [{\"medicineId\": " OID1 ", \"quantity\": 2}]}", NULL);

  assert_valid ("prescriptions", ok);
  assert_invalid ("prescriptions", 0, bad_qty, "Quantity must be at least 1 (items.1.quantity).");
  assert_invalid ("prescriptions", 0, missing, "Medicine is required (items.1.medicineId).");
  assert_invalid ("prescriptions", 0, empty, "Items must have at least one entry (items).");
  assert_invalid ("prescriptions", 0, unknown, "Unknown field “colour” in prescriptions (items.0.colour).");
  assert_invalid ("prescriptions", 0, status,
                  "Status “lost” is not allowed; use one of: received, in_progress, ready, dispensed, picked_up, cancelled (status).");
  assert_invalid ("prescriptions", PT_VALIDATE_UPDATE, "{\"prescriber\": {\"licence\": \"L-9\"}}",
                  "Prescriber name is required (prescriber.name).");
}

static void
test_tenant_and_user_formats (void)
{
  assert_valid ("tenants", "{\"name\": \"Green Cross\", \"slug\": \"green-cross-2\", \"plan\": \"starter\", "
                "\"settings\": {\"currency\": \"EUR\", \"locale\": \"de_DE\", \"timezone\": \"Europe/Berlin\"}, "
                "\"contact\": {\"email\": \"info@green.example\", \"phone\": \"+49 30 1234567\"}, \"status\": \"trial\"}");
  assert_invalid ("tenants", 0, "{\"name\": \"G\", \"slug\": \"Green Cross\"}",
                  "Short name “Green Cross” may only contain lowercase letters, digits and dashes (slug).");
  assert_invalid ("tenants", 0, "{\"name\": \"G\", \"slug\": \"green\", \"settings\": {\"currency\": \"eur\"}}",
                  "Currency “eur” must be a three-letter ISO 4217 code such as EUR (settings.currency).");
  assert_invalid ("tenants", 0, "{\"name\": \"G\", \"slug\": \"green\", \"tenantId\": " OID1 "}",
                  "Unknown field “tenantId” in tenants.");
  assert_valid ("users", "{\"email\": \"ana@pharmacy.example\", \"displayName\": \"Ana\", \"role\": \"pharmacist\", "
                "\"pharmacyIds\": [" OID1 ", " OID2 "], \"active\": true}");
  assert_invalid ("users", 0, "{\"email\": \"Ana@Pharmacy.example\", \"displayName\": \"Ana\", \"role\": \"pharmacist\"}",
                  "E-mail “Ana@Pharmacy.example” is not a valid lowercase e-mail address (email).");
  assert_invalid ("users", 0, "{\"email\": \"ana@x.example\", \"displayName\": \"Ana\", \"role\": \"boss\"}",
                  "Role “boss” is not allowed; use one of: owner, admin, pharmacist, technician, cashier (role).");
  assert_invalid ("users", 0, "{\"email\": \"ana@x.example\", \"displayName\": \"Ana\", \"role\": \"admin\", "
                  "\"pharmacyIds\": [" OID1 ", \"nope\"]}",
                  "Pharmacies must be an ObjectId (pharmacyIds.1).");
}

static void
test_pharmacy_opening_hours (void)
{
  assert_valid ("pharmacies", "{\"name\": \"Main St\", \"openingHours\": [{\"day\": \"mon\", \"opens\": \"08:30\", \"closes\": \"18:00\"}], "
                "\"services\": [\"vaccinations\", \"blood pressure\"]}");
  assert_invalid ("pharmacies", 0, "{\"name\": \"Main St\", \"openingHours\": [{\"day\": \"mon\", \"opens\": \"8:30\", \"closes\": \"18:00\"}]}",
                  "Opening time “8:30” is not a time of day in the form HH:MM (openingHours.0.opens).");
  assert_invalid ("pharmacies", 0, "{\"name\": \"Main St\", \"openingHours\": [{\"day\": \"mon\", \"opens\": \"25:00\", \"closes\": \"18:00\"}]}",
                  "Opening time “25:00” is not a time of day in the form HH:MM (openingHours.0.opens).");
  assert_invalid ("pharmacies", 0, "{\"name\": \"Main St\", \"openingHours\": [{\"day\": \"mon\", \"opens\": \"18:00\", \"closes\": \"08:00\"}]}",
                  "Closing time must be after the opening time (openingHours.0.closes).");
}

static void
test_patient_dates_and_allergies (void)
{
  g_autofree gchar *future = NULL;
  g_autofree gchar *json = NULL;

  assert_valid ("patients", "{\"firstName\": \"Mia\", \"lastName\": \"Lee\", \"dateOfBirth\": {\"$date\": \"1980-05-01T00:00:00Z\"}, "
                "\"allergies\": [{\"substance\": \"penicillin\", \"kind\": \"generic\", \"severity\": \"severe\"}], "
                "\"conditions\": [\"asthma\"], \"insurance\": {\"provider\": \"AOK\", \"memberId\": \"A1\"}}");
  future = g_strdup_printf ("{\"$date\": {\"$numberLong\": \"%" G_GINT64_FORMAT "\"}}",
                            g_get_real_time () / 1000 + 3 * PT_MS_PER_DAY);
  json = g_strdup_printf ("{\"firstName\": \"Mia\", \"lastName\": \"Lee\", \"dateOfBirth\": %s}", future);
  assert_invalid ("patients", 0, json, "Date of birth must not be in the future (dateOfBirth).");
  assert_invalid ("patients", 0, "{\"firstName\": \"Mia\", \"lastName\": \"Lee\", \"dateOfBirth\": {\"$date\": \"1850-05-01T00:00:00Z\"}}",
                  "Date of birth must be a date between the years 1900 and 9999 (dateOfBirth).");
  assert_invalid ("patients", 0, "{\"firstName\": \"Mia\", \"lastName\": \"Lee\", \"allergies\": [{\"kind\": \"generic\"}]}",
                  "Allergy substance is required (allergies.0.substance).");
  assert_invalid ("patients", 0, "{\"firstName\": \"Mia\", \"lastName\": \"Lee\", \"allergies\": [{\"substance\": \"x\", \"severity\": \"deadly\"}]}",
                  "Severity “deadly” is not allowed; use one of: mild, moderate, severe (allergies.0.severity).");
  assert_invalid ("patients", 0, "{\"firstName\": \"Mia\", \"lastName\": \"Lee\", \"conditions\": [\"asthma\", null]}",
                  "Conditions must not contain empty entries (conditions.1).");
}

static void
test_stock_movement_quantity (void)
{
  const gchar *base = "{\"batchId\": " OID1 ", \"medicineId\": " OID1 ", \"pharmacyId\": " OID2 ", "
                      "\"kind\": \"dispense\", \"at\": {\"$date\": \"2026-11-27T10:00:00Z\"}, \"quantity\": ";
  g_autofree gchar *neg = g_strconcat (base, "-5}", NULL);
  g_autofree gchar *zero = g_strconcat (base, "0}", NULL);

  assert_valid ("stock_movements", neg);
  assert_invalid ("stock_movements", 0, zero, "Quantity must not be zero (quantity).");
}

static void
test_audit_event (void)
{
  assert_valid ("audit_events", "{\"deviceId\": \"0123456789abcdef\", \"collection\": \"patients\", "
                "\"documentId\": \"65f000000000000000000001\", \"action\": \"update\", "
                "\"fields\": [\"phone\", \"notes\"], \"at\": {\"$date\": \"2026-11-27T10:00:00Z\"}}");
  assert_invalid ("audit_events", 0, "{\"deviceId\": \"d\", \"collection\": \"patients\", "
                  "\"documentId\": \"x\", \"action\": \"peek\", \"at\": {\"$date\": \"2026-11-27T10:00:00Z\"}}",
                  "Action “peek” is not allowed; use one of: create, update, delete, receive, adjust, write_off, "
                  "dispense, override, cancel, status, sign_in, sign_in_failed, import, restore (action).");
}

static void
test_bson_getters (void)
{
  bson_t *doc = doc_from_json ("{\"name\": \"X\", \"n32\": 5, \"n64\": {\"$numberLong\": \"9000000000\"}, "
                               "\"d\": 7.0, \"half\": 7.5, \"flag\": true, \"id\": " OID1 ", "
                               "\"when\": {\"$date\": {\"$numberLong\": \"1234\"}}, "
                               "\"prescriber\": {\"name\": \"Dr No\"}, \"items\": [{\"quantity\": 3}, {\"quantity\": 4}]}");
  g_autofree gchar *oid = pt_bson_dup_oid_hex (doc, "id");

  g_assert_cmpstr (pt_bson_get_string (doc, "name"), ==, "X");
  g_assert_cmpstr (pt_bson_get_string (doc, "prescriber.name"), ==, "Dr No");
  g_assert_null (pt_bson_get_string (doc, "n32"));
  g_assert_null (pt_bson_get_string (doc, "missing"));
  g_assert_cmpint (pt_bson_get_int (doc, "n32", -1), ==, 5);
  g_assert_cmpint (pt_bson_get_int (doc, "n64", -1), ==, 9000000000LL);
  g_assert_cmpint (pt_bson_get_int (doc, "d", -1), ==, 7);
  g_assert_cmpint (pt_bson_get_int (doc, "half", -1), ==, -1);
  g_assert_cmpint (pt_bson_get_int (doc, "when", -1), ==, 1234);
  g_assert_cmpint (pt_bson_get_int (doc, "items.1.quantity", -1), ==, 4);
  g_assert_cmpint (pt_bson_get_int (doc, "name", -1), ==, -1);
  g_assert_true (pt_bson_get_bool (doc, "flag", FALSE));
  g_assert_true (pt_bson_get_bool (doc, "missing", TRUE));
  g_assert_false (pt_bson_get_bool (doc, "n32", FALSE));
  g_assert_cmpstr (oid, ==, "65f000000000000000000001");
  g_assert_null (pt_bson_dup_oid_hex (doc, "name"));
  g_assert_null (pt_bson_get_string (NULL, "name"));
  bson_destroy (doc);
}

static void
test_immutable_fields_keep_the_first (void)
{
  const PtCollection *batches = pt_schema_lookup ("batches");
  bson_t *old_doc = doc_from_json ("{\"medicineId\": " OID1 ", \"lotNumber\": \"L1\"}");
  bson_t *same = doc_from_json ("{\"medicineId\": " OID1 ", \"lotNumber\": \"L2\"}");
  bson_t *changed = doc_from_json ("{\"medicineId\": " OID2 "}");
  bson_t *partial = doc_from_json ("{\"lotNumber\": \"L3\"}");
  g_autoptr(GError) error = NULL;

  g_assert_true (pt_schema_check_immutable (batches, old_doc, same, NULL));
  g_assert_true (pt_schema_check_immutable (batches, old_doc, partial, NULL));
  g_assert_false (pt_schema_check_immutable (batches, old_doc, changed, &error));
  g_assert_error (error, PT_ERROR, PT_ERROR_INVALID);
  g_assert_cmpstr (error->message, ==, "Medicine cannot be changed once set (medicineId).");
  bson_destroy (old_doc);
  bson_destroy (same);
  bson_destroy (changed);
  bson_destroy (partial);
}

static void
test_changed_fields_for_audit (void)
{
  const PtCollection *pat = pt_schema_lookup ("patients");
  bson_t *a = doc_from_json ("{\"_id\": " OID1 ", \"firstName\": \"Mia\", \"lastName\": \"Lee\", \"phone\": \"123\", "
                             "\"updatedAt\": {\"$date\": \"2026-01-01T00:00:00Z\"}, \"extra\": 1}");
  bson_t *b = doc_from_json ("{\"_id\": " OID1 ", \"firstName\": \"Mia\", \"lastName\": \"Li\", \"notes\": \"n\", "
                             "\"updatedAt\": {\"$date\": \"2026-01-02T00:00:00Z\"}, \"extra\": {\"$numberLong\": \"1\"}}");
  g_auto(GStrv) changed = pt_schema_changed_fields (pat, a, b);
  g_auto(GStrv) created = pt_schema_changed_fields (pat, NULL, a);
  g_autofree gchar *joined = g_strjoinv (",", changed);
  g_autofree gchar *joined2 = g_strjoinv (",", created);

  /* Names only, never values; system fields left out. */
  g_assert_cmpstr (joined, ==, "lastName,phone,notes");
  g_assert_cmpstr (joined2, ==, "firstName,lastName,phone,extra");
  bson_destroy (a);
  bson_destroy (b);
}

static void
check_fields_consistent (const gchar   *where,
                         const PtField *fields,
                         guint          n_fields)
{
  g_autoptr(GHashTable) names = g_hash_table_new (g_str_hash, g_str_equal);

  for (guint i = 0; i < n_fields; i++)
    {
      const PtField *f = &fields[i];
      gboolean scalar = f->type != PT_FIELD_DOCUMENT && f->type != PT_FIELD_ARRAY;

      if (!g_hash_table_add (names, (gpointer) f->name))
        g_error ("%s: field %s listed twice", where, f->name);
      g_assert_true (f->label != NULL && f->label[0] != '\0');
      g_assert_null (strchr (f->name, '.'));
      g_assert_true (f->name[0] != '$');
      /* IMMUTABLE fields merge as immutable, and only they do. */
      if (f->flags & PT_FIELD_FLAG_IMMUTABLE)
        g_assert_cmpint (f->merge, ==, PT_MERGE_IMMUTABLE);
      else
        g_assert_cmpint (f->merge, !=, PT_MERGE_IMMUTABLE);
      if (f->merge == PT_MERGE_MAX)
        g_assert_cmpint (f->type, ==, PT_FIELD_INT);
      if (f->merge == PT_MERGE_WORKFLOW)
        g_assert_true (f->type == PT_FIELD_ENUM && f->enum_values != NULL);
      /* Columns, indexes and FTS need scalars; FTS needs text. */
      if (f->flags & (PT_FIELD_FLAG_INDEXED | PT_FIELD_FLAG_UNIQUE))
        g_assert_true (scalar);
      if (f->flags & PT_FIELD_FLAG_SEARCHABLE)
        g_assert_cmpint (f->type, ==, PT_FIELD_STRING);
      if (f->type == PT_FIELD_ENUM || (f->type == PT_FIELD_ARRAY && f->element_type == PT_FIELD_ENUM))
        g_assert_nonnull (f->enum_values);
      if (f->type == PT_FIELD_DOCUMENT || (f->type == PT_FIELD_ARRAY && f->element_type == PT_FIELD_DOCUMENT))
        {
          g_autofree gchar *sub = g_strconcat (where, ".", f->name, NULL);
          g_assert_nonnull (f->children);
          g_assert_cmpuint (f->n_children, >, 0);
          check_fields_consistent (sub, f->children, f->n_children);
        }
      else
        g_assert_null (f->children);
      if (f->type == PT_FIELD_STRING && f->max > 0)
        g_assert_cmpint (f->min, <=, f->max);
    }
}

static void
test_registry_is_consistent (void)
{
  guint n = 0;
  const PtCollection * const *all = pt_schema_collections (&n);

  for (guint i = 0; i < n; i++)
    check_fields_consistent (all[i]->name, all[i]->fields, all[i]->n_fields);
}

/* One realistic, complete document per collection. */
static const struct
{
  const gchar *collection;
  const gchar *json;
} samples[] = {
  { "tenants", "{\"_id\": " OID1 ", \"name\": \"Green Cross Pharmacies\", \"slug\": \"green-cross\", "
    "\"plan\": \"professional\", \"contact\": {\"name\": \"Eva Braun\", \"email\": \"eva@green.example\", \"phone\": \"+49 30 555 0100\"}, "
    "\"address\": {\"line1\": \"Hauptstr. 1\", \"city\": \"Berlin\", \"postcode\": \"10115\", \"country\": \"DE\"}, "
    "\"settings\": {\"currency\": \"EUR\", \"locale\": \"de_DE\", \"timezone\": \"Europe/Berlin\"}, \"status\": \"active\"}" },
  { "users", "{\"_id\": " OID1 ", \"tenantId\": " OID2 ", \"email\": \"tom@green.example\", \"displayName\": \"Tom\", "
    "\"role\": \"cashier\", \"passwordHash\": \"pbkdf2-sha256$1000$c2FsdHNhbHQ=$AAAA\", \"pharmacyIds\": [" OID1 "], "
    "\"active\": true, \"lastSignInAt\": {\"$date\": \"2026-11-20T08:00:00Z\"}}" },
  { "pharmacies", "{\"name\": \"Green Cross Mitte\", \"licenceNumber\": \"BE-12345\", \"phone\": \"030 1234\", "
    "\"email\": \"mitte@green.example\", \"openingHours\": [{\"day\": \"sat\", \"opens\": \"09:00\", \"closes\": \"14:00\"}], "
    "\"services\": [\"delivery\"], \"active\": true}" },
  { "medicines", "{\"name\": \"Amoxicillin 500 mg capsules\", \"genericName\": \"amoxicillin\", \"strength\": \"500 mg\", "
    "\"form\": \"capsule\", \"packSize\": 21, \"barcode\": \"5901234123457\", \"schedule\": \"rx\", \"price\": 899, "
    "\"taxRate\": 1900, \"reorderLevel\": 10, \"active\": true}" },
  { "batches", "{\"medicineId\": " OID1 ", \"pharmacyId\": " OID2 ", \"lotNumber\": \"A12B\", "
    "\"expiryDate\": {\"$date\": \"2028-01-31T00:00:00Z\"}, \"costPrice\": 410, \"supplier\": \"Phoenix\", "
    "\"receivedAt\": {\"$date\": \"2026-11-27T09:00:00Z\"}}" },
  { "patients", "{\"firstName\": \"Jonas\", \"lastName\": \"Weber\", \"dateOfBirth\": {\"$date\": \"1950-02-03T00:00:00Z\"}, "
    "\"phone\": \"+49 170 000000\", \"email\": \"jonas@example.org\", \"address\": {\"city\": \"Berlin\"}, "
    "\"allergies\": [{\"substance\": \"Penicillins\", \"kind\": \"category\", \"reaction\": \"rash\", \"severity\": \"moderate\"}], "
    "\"conditions\": [\"hypertension\"], \"notes\": \"Prefers blister packs\", "
    "\"insurance\": {\"provider\": \"TK\", \"memberId\": \"X123\", \"groupNumber\": \"G7\"}}" },
  { "prescriptions", "{\"number\": \"RX-2026-000123\", \"patientId\": " OID1 ", \"pharmacyId\": " OID2 ", "
    "\"prescriber\": {\"name\": \"Dr. Anna Roth\", \"licence\": \"LANR 123456789\"}, "
    "\"items\": [{\"medicineId\": " OID1 ", \"dose\": \"1 capsule\", \"quantity\": 21, \"instructions\": \"three times a day\", "
    "\"refills\": 0, \"dispensedQuantity\": 21, \"unitPrice\": 899, \"taxRate\": 1900}], \"status\": \"dispensed\", "
    "\"billing\": {\"total\": 899, \"paid\": 899, \"method\": \"card\", \"currency\": \"EUR\", "
    "\"paidAt\": {\"$date\": \"2026-11-27T10:00:00Z\"}}, \"issuedAt\": {\"$date\": \"2026-11-26T00:00:00Z\"}, "
    "\"dispensedAt\": {\"$date\": \"2026-11-27T10:00:00Z\"}}" },
  { "stock_movements", "{\"batchId\": " OID1 ", \"medicineId\": " OID1 ", \"pharmacyId\": " OID2 ", \"quantity\": 100, "
    "\"kind\": \"receipt\", \"userId\": " OID2 ", \"deviceId\": \"0123456789abcdef\", \"at\": {\"$date\": \"2026-11-27T09:00:00Z\"}}" },
  { "audit_events", "{\"userId\": " OID2 ", \"deviceId\": \"0123456789abcdef\", \"collection\": \"medicines\", "
    "\"documentId\": \"65f000000000000000000001\", \"action\": \"create\", \"at\": {\"$date\": \"2026-11-27T09:00:00Z\"}}" },
};

static void
test_every_collection_accepts_a_real_document (void)
{
  guint n = 0;

  pt_schema_collections (&n);
  g_assert_cmpuint (G_N_ELEMENTS (samples), ==, n);
  for (guint i = 0; i < G_N_ELEMENTS (samples); i++)
    assert_valid (samples[i].collection, samples[i].json);
}

static void
test_keys_are_case_sensitive (void)
{
  bson_t *doc = doc_from_json ("{\"Name\": \"X\", \"prescriber\": {\"Name\": \"Y\"}}");

  g_assert_null (pt_bson_get_string (doc, "name"));
  g_assert_null (pt_bson_get_string (doc, "prescriber.name"));
  bson_destroy (doc);
  assert_invalid ("medicines", PT_VALIDATE_CREATE, "{\"Name\": \"X\", \"schedule\": \"otc\", \"price\": 1}",
                  "Unknown field “Name” in medicines.");
}

static void
test_duplicate_keys_refused (void)
{
  bson_t doc = BSON_INITIALIZER;
  g_autoptr(GError) error = NULL;

  bson_append_utf8 (&doc, "name", -1, "A", -1);
  bson_append_utf8 (&doc, "schedule", -1, "otc", -1);
  bson_append_int32 (&doc, "price", -1, 1);
  bson_append_int32 (&doc, "price", -1, -5);
  g_assert_false (pt_schema_validate (pt_schema_lookup ("medicines"), &doc, 0, &error));
  g_assert_cmpstr (error->message, ==, "Price appears twice in the document (price).");
  bson_destroy (&doc);
}

static void
test_damaged_bytes_never_crash (void)
{
  /* Flip random bytes of real documents: validation either accepts or
   * refuses with PT_ERROR_INVALID, and never reads out of bounds. */
  guint32 seed = 20261127;
  GRand *rand = g_rand_new_with_seed (seed);
  guint refused = 0;

  g_test_message ("seed %u", seed);
  for (guint s = 0; s < G_N_ELEMENTS (samples); s++)
    {
      bson_t *doc = doc_from_json (samples[s].json);
      const PtCollection *c = pt_schema_lookup (samples[s].collection);

      for (guint round = 0; round < 300; round++)
        {
          guint8 *bytes = g_memdup2 (bson_get_data (doc), doc->len);
          guint flips = g_rand_int_range (rand, 1, 4);
          bson_t copy;
          g_autoptr(GError) error = NULL;

          for (guint k = 0; k < flips; k++)
            bytes[g_rand_int_range (rand, 4, doc->len - 1)] = (guint8) g_rand_int_range (rand, 0, 256);
          if (bson_init_static (&copy, bytes, doc->len))
            {
              if (!pt_schema_validate (c, &copy, 0, &error))
                {
                  g_assert_error (error, PT_ERROR, PT_ERROR_INVALID);
                  if (!g_utf8_validate (error->message, -1, NULL))
                    g_error ("message is not UTF-8: %s", error->message);
                  refused++;
                }
            }
          g_free (bytes);
        }
      bson_destroy (doc);
    }
  g_rand_free (rand);
  /* Most damage is caught. */
  g_assert_cmpuint (refused, >, G_N_ELEMENTS (samples) * 300 / 2);
}

static void
test_document_size_limit (void)
{
  bson_t doc = BSON_INITIALIZER;
  bson_t child;
  g_autoptr(GError) error = NULL;
  gsize big_len = PT_DOCUMENT_MAX_BYTES + 1000;
  gchar *big = g_malloc (big_len + 1);

  /* Allowed-size entries add up to a valid ~100 kB document... */
  memset (big, 'x', big_len);
  big[big_len] = '\0';
  bson_append_utf8 (&doc, "firstName", -1, "A", -1);
  bson_append_utf8 (&doc, "lastName", -1, "B", -1);
  bson_append_array_begin (&doc, "conditions", -1, &child);
  for (guint i = 0; i < 100; i++)
    {
      gchar key[16];
      g_snprintf (key, sizeof key, "%u", i);
      bson_append_utf8 (&child, key, -1, big, PT_STRING_DEFAULT_MAX);
    }
  bson_append_array_end (&doc, &child);
  g_assert_true (pt_schema_validate (pt_schema_lookup ("patients"), &doc, 0, NULL));

  /* ...but a foreign writer's extra field cannot push it past the limit. */
  bson_append_utf8 (&doc, "scan", -1, big, (int) big_len);
  g_free (big);
  g_assert_false (pt_schema_validate (pt_schema_lookup ("patients"), &doc, PT_VALIDATE_ALLOW_UNKNOWN, &error));
  g_assert_error (error, PT_ERROR, PT_ERROR_INVALID);
  g_assert_true (g_str_has_prefix (error->message, "The document is too large ("));
  bson_destroy (&doc);

  /* 101 entries are too many. */
  bson_init (&doc);
  g_clear_error (&error);
  bson_append_utf8 (&doc, "firstName", -1, "A", -1);
  bson_append_utf8 (&doc, "lastName", -1, "B", -1);
  bson_append_array_begin (&doc, "conditions", -1, &child);
  for (guint i = 0; i < 101; i++)
    {
      gchar key[16];
      g_snprintf (key, sizeof key, "%u", i);
      bson_append_utf8 (&child, key, -1, "asthma", -1);
    }
  bson_append_array_end (&doc, &child);
  g_assert_false (pt_schema_validate (pt_schema_lookup ("patients"), &doc, 0, &error));
  g_assert_cmpstr (error->message, ==, "Conditions has too many entries: at most 100 are allowed (conditions).");
  bson_destroy (&doc);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/core/schema/registry-lists-every-collection", test_registry_lists_every_collection);
  g_test_add_func ("/core/schema/lookup-checked-lists-known", test_lookup_checked_lists_known);
  g_test_add_func ("/core/schema/field-flags-and-merge-rules", test_field_flags_and_merge_rules);
  g_test_add_func ("/core/schema/medicine-valid-and-required", test_medicine_valid_and_required);
  g_test_add_func ("/core/schema/medicine-values", test_medicine_values);
  g_test_add_func ("/core/schema/gtin-check-digits", test_gtin_check_digits);
  g_test_add_func ("/core/schema/invalid-utf8-refused", test_invalid_utf8_refused);
  g_test_add_func ("/core/schema/huge-string-refused-quickly", test_huge_string_refused_quickly);
  g_test_add_func ("/core/schema/batch-expiry-after-receipt", test_batch_expiry_after_receipt);
  g_test_add_func ("/core/schema/prescription-items-paths", test_prescription_items_paths);
  g_test_add_func ("/core/schema/tenant-and-user-formats", test_tenant_and_user_formats);
  g_test_add_func ("/core/schema/pharmacy-opening-hours", test_pharmacy_opening_hours);
  g_test_add_func ("/core/schema/patient-dates-and-allergies", test_patient_dates_and_allergies);
  g_test_add_func ("/core/schema/stock-movement-quantity", test_stock_movement_quantity);
  g_test_add_func ("/core/schema/audit-event", test_audit_event);
  g_test_add_func ("/core/schema/bson-getters", test_bson_getters);
  g_test_add_func ("/core/schema/immutable-fields-keep-the-first", test_immutable_fields_keep_the_first);
  g_test_add_func ("/core/schema/changed-fields-for-audit", test_changed_fields_for_audit);
  g_test_add_func ("/core/schema/registry-is-consistent", test_registry_is_consistent);
  g_test_add_func ("/core/schema/every-collection-accepts-a-real-document", test_every_collection_accepts_a_real_document);
  g_test_add_func ("/core/schema/keys-are-case-sensitive", test_keys_are_case_sensitive);
  g_test_add_func ("/core/schema/duplicate-keys-refused", test_duplicate_keys_refused);
  g_test_add_func ("/core/schema/damaged-bytes-never-crash", test_damaged_bytes_never_crash);
  g_test_add_func ("/core/schema/document-size-limit", test_document_size_limit);
  return g_test_run ();
}
