#define G_LOG_DOMAIN "pt-core"
#include "config.h"

#include <string.h>
#include <glib/gi18n-lib.h>

#include "pt-error.h"
#include "pt-schema.h"

/* The schema registry: every collection and field of DESIGN §2, once.
 * Field names are the Atlas (camelCase) keys. */

#define R   PT_FIELD_FLAG_REQUIRED
#define S   PT_FIELD_FLAG_SEARCHABLE
#define X   PT_FIELD_FLAG_SENSITIVE
#define I   PT_FIELD_FLAG_INDEXED
#define U   PT_FIELD_FLAG_UNIQUE
#define M   PT_FIELD_FLAG_IMMUTABLE
#define SYS PT_FIELD_FLAG_SYSTEM
#define SG  PT_FIELD_FLAG_SIGNED

#define MERGE_OF(fl) (((fl) & M) ? PT_MERGE_IMMUTABLE : PT_MERGE_LWW)

#define STRF(n, l, fl, mn, mx, fmt) \
  { .name = n, .label = l, .type = PT_FIELD_STRING, .flags = (fl), \
    .merge = MERGE_OF (fl), .min = (mn), .max = (mx), .format = (fmt) }
#define STR(n, l, fl, mn, mx) STRF (n, l, fl, mn, mx, PT_FORMAT_NONE)
#define INTF(n, l, fl, mn, mx, fmt) \
  { .name = n, .label = l, .type = PT_FIELD_INT, .flags = (fl), \
    .merge = MERGE_OF (fl), .min = (mn), .max = (mx), .format = (fmt) }
#define INT(n, l, fl, mn, mx) INTF (n, l, fl, mn, mx, PT_FORMAT_NONE)
#define MONEY(n, l, fl, mx) \
  { .name = n, .label = l, .type = PT_FIELD_MONEY, .flags = (fl), \
    .merge = MERGE_OF (fl), .min = 0, .max = (mx) }
#define BOOL(n, l, fl) \
  { .name = n, .label = l, .type = PT_FIELD_BOOL, .flags = (fl), \
    .merge = MERGE_OF (fl) }
#define DATEF(n, l, fl, fmt) \
  { .name = n, .label = l, .type = PT_FIELD_DATE, .flags = (fl), \
    .merge = MERGE_OF (fl), .format = (fmt) }
#define DATE(n, l, fl) DATEF (n, l, fl, PT_FORMAT_NONE)
#define OID(n, l, fl) \
  { .name = n, .label = l, .type = PT_FIELD_OID, .flags = (fl), \
    .merge = MERGE_OF (fl) }
#define ENUM(n, l, fl, values) \
  { .name = n, .label = l, .type = PT_FIELD_ENUM, .flags = (fl), \
    .merge = MERGE_OF (fl), .enum_values = (values) }
#define DOC(n, l, fl, kids) \
  { .name = n, .label = l, .type = PT_FIELD_DOCUMENT, .flags = (fl), \
    .merge = MERGE_OF (fl), .children = (kids), \
    .n_children = G_N_ELEMENTS (kids) }
#define ARRAY(n, l, fl, elem, mn, mx) \
  { .name = n, .label = l, .type = PT_FIELD_ARRAY, .element_type = (elem), \
    .flags = (fl), .merge = MERGE_OF (fl), .min = (mn), .max = (mx) }
#define ARRAY_DOC(n, l, fl, kids, mn, mx) \
  { .name = n, .label = l, .type = PT_FIELD_ARRAY, \
    .element_type = PT_FIELD_DOCUMENT, .flags = (fl), .merge = MERGE_OF (fl), \
    .min = (mn), .max = (mx), .children = (kids), \
    .n_children = G_N_ELEMENTS (kids) }

/* Limits used throughout. */
#define PT_NAME_MAX     200
#define CODE_MAX     64
#define EMAIL_MAX    254
#define PHONE_MAX    32
#define NOTE_MAX     4000
#define REASON_MAX   500
#define MONEY_MAX    ((gint64) 100000000000)  /* 1,000,000,000.00 */
#define QTY_MAX      ((gint64) 100000000)

/* Common fields, first in every collection. */
#define COMMON_ID \
  OID ("_id", N_("Id"), SYS | M)
#define COMMON_TENANT \
  OID ("tenantId", N_("Organisation"), SYS | M)
#define COMMON_TAIL \
  DATE ("createdAt", N_("Created"), SYS | M), \
  DATE ("updatedAt", N_("Last changed"), SYS), \
  BOOL ("deleted", N_("Deleted"), SYS)

/* Enumerations (Atlas values). */
static const gchar * const plan_values[] = { "starter", "professional", "enterprise", NULL };
static const gchar * const tenant_status_values[] = { "active", "trial", "suspended", "cancelled", NULL };
static const gchar * const role_values[] = { "owner", "admin", "pharmacist", "technician", "cashier", NULL };
static const gchar * const day_values[] = { "mon", "tue", "wed", "thu", "fri", "sat", "sun", NULL };
static const gchar * const schedule_values[] = { "otc", "rx", "controlled", NULL };
static const gchar * const allergy_kind_values[] = { "generic", "category", "other", NULL };
static const gchar * const severity_values[] = { "mild", "moderate", "severe", NULL };
static const gchar * const rx_status_values[] = {
  "received", "in_progress", "ready", "dispensed", "picked_up", "cancelled", NULL
};
static const gchar * const payment_values[] = { "cash", "card", "insurance", NULL };
static const gchar * const movement_values[] = {
  "receipt", "dispense", "return", "adjustment", "transfer_in", "transfer_out",
  "write_off", NULL
};
static const gchar * const audit_action_values[] = {
  "create", "update", "delete", "receive", "adjust", "write_off", "dispense",
  "override", "cancel", "status", "sign_in", "sign_in_failed", "import",
  "restore", NULL
};

/* Embedded documents. */
static const PtField contact_fields[] = {
  STR ("name", N_("Contact name"), 0, 0, PT_NAME_MAX),
  STRF ("email", N_("Contact e-mail"), 0, 0, EMAIL_MAX, PT_FORMAT_EMAIL),
  STRF ("phone", N_("Contact phone"), 0, 0, PHONE_MAX, PT_FORMAT_PHONE),
};

static const PtField address_fields[] = {
  STR ("line1", N_("Address line 1"), 0, 0, PT_NAME_MAX),
  STR ("line2", N_("Address line 2"), 0, 0, PT_NAME_MAX),
  STR ("city", N_("City"), 0, 0, 100),
  STR ("region", N_("Region"), 0, 0, 100),
  STR ("postcode", N_("Postcode"), 0, 0, 16),
  STR ("country", N_("Country"), 0, 0, 64),
};

/* The same address, all of it patient data. */
static const PtField patient_address_fields[] = {
  STR ("line1", N_("Address line 1"), X, 0, PT_NAME_MAX),
  STR ("line2", N_("Address line 2"), X, 0, PT_NAME_MAX),
  STR ("city", N_("City"), X, 0, 100),
  STR ("region", N_("Region"), X, 0, 100),
  STR ("postcode", N_("Postcode"), X, 0, 16),
  STR ("country", N_("Country"), X, 0, 64),
};

static const PtField settings_fields[] = {
  STRF ("currency", N_("Currency"), 0, 3, 3, PT_FORMAT_CURRENCY),
  STR ("locale", N_("Locale"), 0, 2, 35),
  STR ("timezone", N_("Time zone"), 0, 1, 64),
};

static const PtField opening_hours_fields[] = {
  ENUM ("day", N_("Day"), R, day_values),
  STRF ("opens", N_("Opening time"), R, 5, 5, PT_FORMAT_TIME_OF_DAY),
  STRF ("closes", N_("Closing time"), R, 5, 5, PT_FORMAT_TIME_OF_DAY),
};

static const PtField allergy_fields[] = {
  STR ("substance", N_("Allergy substance"), R | X, 1, PT_NAME_MAX),
  ENUM ("kind", N_("Allergy kind"), X, allergy_kind_values),
  STR ("reaction", N_("Reaction"), X, 0, REASON_MAX),
  ENUM ("severity", N_("Severity"), X, severity_values),
};

static const PtField insurance_fields[] = {
  STR ("provider", N_("Insurance provider"), X, 0, PT_NAME_MAX),
  STR ("memberId", N_("Member number"), X, 0, CODE_MAX),
  STR ("groupNumber", N_("Group number"), X, 0, CODE_MAX),
};

static const PtField prescriber_fields[] = {
  STR ("name", N_("Prescriber name"), R, 1, PT_NAME_MAX),
  STR ("licence", N_("Prescriber licence"), 0, 0, CODE_MAX),
};

static const PtField rx_item_fields[] = {
  OID ("medicineId", N_("Medicine"), R),
  STR ("dose", N_("Dose"), 0, 0, 100),
  INT ("quantity", N_("Quantity"), R, 1, QTY_MAX),
  STR ("instructions", N_("Instructions"), 0, 0, REASON_MAX),
  INT ("refills", N_("Refills"), 0, 0, 99),
  { .name = "dispensedQuantity", .label = N_("Dispensed quantity"),
    .type = PT_FIELD_INT, .flags = 0, .merge = PT_MERGE_MAX,
    .min = 0, .max = QTY_MAX },
  MONEY ("unitPrice", N_("Unit price"), 0, MONEY_MAX),
  INT ("taxRate", N_("Tax rate"), 0, 0, 10000),
};

/* One payment taken at the counter (a partial fill may be paid in parts). */
static const PtField payment_fields[] = {
  MONEY ("amount", N_("Amount paid"), R, MONEY_MAX),
  ENUM ("method", N_("Payment method"), R, payment_values),
  MONEY ("tendered", N_("Amount tendered"), 0, MONEY_MAX),
  MONEY ("change", N_("Change given"), 0, MONEY_MAX),
  DATE ("at", N_("Paid at"), R),
  OID ("userId", N_("Taken by"), 0),
};

static const PtField billing_fields[] = {
  MONEY ("total", N_("Total"), 0, MONEY_MAX),
  MONEY ("paid", N_("Paid"), 0, MONEY_MAX),
  ENUM ("method", N_("Payment method"), 0, payment_values),
  STRF ("currency", N_("Currency"), 0, 3, 3, PT_FORMAT_CURRENCY),
  DATE ("paidAt", N_("Paid at"), 0),
  ARRAY_DOC ("payments", N_("Payments"), 0, payment_fields, 0, 100),
};

/* Collections. */
static const PtField tenant_fields[] = {
  COMMON_ID,
  COMMON_TAIL,
  STR ("name", N_("Organisation name"), R, 1, PT_NAME_MAX),
  STRF ("slug", N_("Short name"), R | U | M, 2, 63, PT_FORMAT_SLUG),
  ENUM ("plan", N_("Plan"), 0, plan_values),
  DOC ("contact", N_("Contact"), 0, contact_fields),
  DOC ("address", N_("Address"), 0, address_fields),
  DOC ("settings", N_("Settings"), 0, settings_fields),
  ENUM ("status", N_("Status"), 0, tenant_status_values),
};

static const PtField user_fields[] = {
  COMMON_ID,
  COMMON_TENANT,
  COMMON_TAIL,
  STRF ("email", N_("E-mail"), R | I | U, 3, EMAIL_MAX, PT_FORMAT_EMAIL),
  STR ("displayName", N_("Display name"), R, 1, PT_NAME_MAX),
  ENUM ("role", N_("Role"), R, role_values),
  /* A slow salted one-way hash: not encrypted, the web dashboard must
   * read it to check a password (README, "Encrypted fields"). */
  STR ("passwordHash", N_("Password"), 0, 0, 256),
  ARRAY ("pharmacyIds", N_("Pharmacies"), 0, PT_FIELD_OID, 0, 1000),
  BOOL ("active", N_("Active"), 0),
  DATE ("lastSignInAt", N_("Last sign-in"), 0),
};

static const PtField pharmacy_fields[] = {
  COMMON_ID,
  COMMON_TENANT,
  COMMON_TAIL,
  STR ("name", N_("Pharmacy name"), R | S, 1, PT_NAME_MAX),
  STR ("licenceNumber", N_("Licence number"), 0, 0, CODE_MAX),
  DOC ("address", N_("Address"), 0, address_fields),
  STRF ("phone", N_("Phone"), 0, 0, PHONE_MAX, PT_FORMAT_PHONE),
  STRF ("email", N_("E-mail"), 0, 0, EMAIL_MAX, PT_FORMAT_EMAIL),
  ARRAY_DOC ("openingHours", N_("Opening hours"), 0, opening_hours_fields, 0, 50),
  ARRAY ("services", N_("Services"), 0, PT_FIELD_STRING, 0, 100),
  BOOL ("active", N_("Active"), 0),
};

static const PtField medicine_fields[] = {
  COMMON_ID,
  COMMON_TENANT,
  COMMON_TAIL,
  STR ("name", N_("Medicine name"), R | S | I, 1, PT_NAME_MAX),
  STR ("genericName", N_("Generic name"), S | I, 0, PT_NAME_MAX),
  STR ("strength", N_("Strength"), 0, 0, 60),
  STR ("form", N_("Form"), 0, 0, 40),
  INT ("packSize", N_("Pack size"), 0, 1, 100000),
  STRF ("barcode", N_("Barcode"), I | U, 8, 14, PT_FORMAT_GTIN),
  STR ("code", N_("Code"), S | I, 0, CODE_MAX),
  STR ("manufacturer", N_("Manufacturer"), S, 0, PT_NAME_MAX),
  STR ("category", N_("Category"), I, 0, 100),
  ENUM ("schedule", N_("Schedule"), R, schedule_values),
  MONEY ("price", N_("Price"), R, MONEY_MAX),
  INT ("taxRate", N_("Tax rate"), 0, 0, 10000),
  INT ("reorderLevel", N_("Reorder level"), 0, 0, QTY_MAX),
  STR ("supplier", N_("Supplier"), 0, 0, PT_NAME_MAX),
  STR ("description", N_("Description"), 0, 0, NOTE_MAX),
  BOOL ("active", N_("Active"), 0),
};

static const PtField batch_fields[] = {
  COMMON_ID,
  COMMON_TENANT,
  COMMON_TAIL,
  OID ("medicineId", N_("Medicine"), R | I | M),
  OID ("pharmacyId", N_("Pharmacy"), R | I | M),
  STR ("lotNumber", N_("Lot number"), R, 1, CODE_MAX),
  DATE ("expiryDate", N_("Expiry date"), R | I),
  MONEY ("costPrice", N_("Cost price"), 0, MONEY_MAX),
  STR ("supplier", N_("Supplier"), 0, 0, PT_NAME_MAX),
  DATE ("receivedAt", N_("Received date"), R),
};

static const PtField patient_fields[] = {
  COMMON_ID,
  COMMON_TENANT,
  COMMON_TAIL,
  STR ("firstName", N_("First name"), R | S | X, 1, 100),
  STR ("lastName", N_("Last name"), R | S | X, 1, 100),
  DATEF ("dateOfBirth", N_("Date of birth"), X, PT_FORMAT_PAST_DATE),
  STRF ("phone", N_("Phone"), S | I | X, 0, PHONE_MAX, PT_FORMAT_PHONE),
  STRF ("email", N_("E-mail"), X, 0, EMAIL_MAX, PT_FORMAT_EMAIL),
  DOC ("address", N_("Address"), X, patient_address_fields),
  ARRAY_DOC ("allergies", N_("Allergies"), X, allergy_fields, 0, 100),
  ARRAY ("conditions", N_("Conditions"), X, PT_FIELD_STRING, 0, 100),
  STR ("notes", N_("Notes"), X, 0, NOTE_MAX),
  DOC ("insurance", N_("Insurance"), X, insurance_fields),
};

static const PtField prescription_fields[] = {
  COMMON_ID,
  COMMON_TENANT,
  COMMON_TAIL,
  STR ("number", N_("Prescription number"), R | I | U | M, 1, CODE_MAX),
  OID ("patientId", N_("Patient"), R | I),
  DOC ("prescriber", N_("Prescriber"), 0, prescriber_fields),
  OID ("pharmacyId", N_("Pharmacy"), R | I),
  ARRAY_DOC ("items", N_("Items"), 0, rx_item_fields, 1, 200),
  /* A column (the queue filters on it), no index: no query looks
   * prescriptions up by status alone (the queue reads the branch's), and
   * a dispense moved the entry between two of its pages. */
  { .name = "status", .label = N_("Status"), .type = PT_FIELD_ENUM,
    .flags = R, .merge = PT_MERGE_WORKFLOW,
    .enum_values = rx_status_values },
  STR ("notes", N_("Notes"), 0, 0, NOTE_MAX),
  DOC ("billing", N_("Billing"), 0, billing_fields),
  DATE ("issuedAt", N_("Issued date"), 0),
  DATE ("dispensedAt", N_("Dispensed date"), 0),
  STR ("cancelReason", N_("Cancellation reason"), 0, 0, REASON_MAX),
  OID ("refillOf", N_("Refill of"), M),
};

static const PtField movement_fields[] = {
  COMMON_ID,
  COMMON_TENANT,
  COMMON_TAIL,
  /* No index on the batch, the branch or the kind: no query looks
   * movements up by them (a batch's stock is the batch_stock cache), and
   * every index is one more page written by each dispense.  The medicine
   * is indexed with the kind and time by the store
   * (stock_movements_medicine_kind_at: its dispenses of the last days). */
  OID ("batchId", N_("Batch"), R | M),
  OID ("medicineId", N_("Medicine"), R | M),
  OID ("pharmacyId", N_("Pharmacy"), R | M),
  INTF ("quantity", N_("Quantity"), R | SG | M, -QTY_MAX, QTY_MAX, PT_FORMAT_NONZERO),
  ENUM ("kind", N_("Movement kind"), R | M, movement_values),
  STR ("reason", N_("Reason"), M, 0, REASON_MAX),
  OID ("prescriptionId", N_("Prescription"), I | M),
  OID ("userId", N_("User"), M),
  STR ("deviceId", N_("Device"), M, 0, CODE_MAX),
  DATE ("at", N_("Time"), R | M),
};

static const PtField audit_fields[] = {
  COMMON_ID,
  COMMON_TENANT,
  COMMON_TAIL,
  OID ("userId", N_("User"), M),
  STR ("deviceId", N_("Device"), R | M, 1, CODE_MAX),
  STR ("collection", N_("Collection"), R | M, 1, CODE_MAX),
  STR ("documentId", N_("Document"), R | M, 1, CODE_MAX),
  ENUM ("action", N_("Action"), R | M, audit_action_values),
  ARRAY ("fields", N_("Changed fields"), M, PT_FIELD_STRING, 0, 200),
  STR ("reason", N_("Reason"), M, 0, REASON_MAX),
  DATE ("at", N_("Time"), R | M),
};

#define COLLECTION(n, l, k, f, t) \
  { .name = n, .label = l, .kind = (k), .fields = (f), \
    .n_fields = G_N_ELEMENTS (f), .synced = TRUE, .tenant_scoped = (t) }

static const PtCollection tenants = COLLECTION ("tenants", N_("Organisations"), PT_COLLECTION_MUTABLE, tenant_fields, FALSE);
static const PtCollection users = COLLECTION ("users", N_("Users"), PT_COLLECTION_MUTABLE, user_fields, TRUE);
static const PtCollection pharmacies = COLLECTION ("pharmacies", N_("Pharmacies"), PT_COLLECTION_MUTABLE, pharmacy_fields, TRUE);
static const PtCollection medicines = COLLECTION ("medicines", N_("Medicines"), PT_COLLECTION_MUTABLE, medicine_fields, TRUE);
static const PtCollection batches = COLLECTION ("batches", N_("Batches"), PT_COLLECTION_MUTABLE, batch_fields, TRUE);
static const PtCollection patients = COLLECTION ("patients", N_("Patients"), PT_COLLECTION_MUTABLE, patient_fields, TRUE);
static const PtCollection prescriptions = COLLECTION ("prescriptions", N_("Prescriptions"), PT_COLLECTION_MUTABLE, prescription_fields, TRUE);
static const PtCollection stock_movements = COLLECTION ("stock_movements", N_("Stock movements"), PT_COLLECTION_INSERT_ONLY, movement_fields, TRUE);
static const PtCollection audit_events = COLLECTION ("audit_events", N_("Audit events"), PT_COLLECTION_INSERT_ONLY, audit_fields, TRUE);

static const PtCollection * const all_collections[] = {
  &tenants, &users, &pharmacies, &medicines, &batches, &patients,
  &prescriptions, &stock_movements, &audit_events, NULL
};

const PtCollection * const *
pt_schema_collections (guint *n_collections)
{
  if (n_collections)
    *n_collections = G_N_ELEMENTS (all_collections) - 1;
  return all_collections;
}

const PtCollection *
pt_schema_lookup (const gchar *name)
{
  if (name == NULL)
    return NULL;
  for (guint i = 0; all_collections[i]; i++)
    if (strcmp (all_collections[i]->name, name) == 0)
      return all_collections[i];
  return NULL;
}

const PtCollection *
pt_schema_lookup_checked (const gchar *name,
                          GError     **error)
{
  const PtCollection *c = pt_schema_lookup (name);
  g_autoptr(GString) known = NULL;

  if (c != NULL)
    return c;

  known = g_string_new (NULL);
  for (guint i = 0; all_collections[i]; i++)
    {
      if (i > 0)
        g_string_append (known, ", ");
      g_string_append (known, all_collections[i]->name);
    }
  g_set_error (error, PT_ERROR, PT_ERROR_INVALID,
               _("Unknown collection “%s”; known collections: %s."),
               name ? name : "", known->str);
  return NULL;
}

const PtField *
pt_collection_lookup_field (const PtCollection *collection,
                            const gchar        *name)
{
  g_return_val_if_fail (collection != NULL, NULL);
  if (name == NULL)
    return NULL;
  for (guint i = 0; i < collection->n_fields; i++)
    if (strcmp (collection->fields[i].name, name) == 0)
      return &collection->fields[i];
  return NULL;
}

const PtField *
pt_field_lookup_child (const PtField *field,
                       const gchar   *name)
{
  g_return_val_if_fail (field != NULL, NULL);
  if (name == NULL || field->children == NULL)
    return NULL;
  for (guint i = 0; i < field->n_children; i++)
    if (strcmp (field->children[i].name, name) == 0)
      return &field->children[i];
  return NULL;
}
