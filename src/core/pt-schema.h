/* pt-schema.h: the schema registry (DESIGN §2).
 *
 * One table describes every collection and field: type, required, limits,
 * searchable, sensitive, merge rule.  The SQLite DDL, the BSON codec,
 * validation, JSON export and the forms all read this registry; nothing
 * lists a collection's fields twice.
 *
 * Documents in memory are bson_t, exactly as they are in Atlas: _id and
 * tenantId are ObjectIds, dates are BSON dates (UTC ms), money and
 * quantities are int64, embedded documents and arrays as in Atlas.
 */
#pragma once

#include <glib.h>
#include <bson/bson.h>
#include "pt-types.h"

G_BEGIN_DECLS

typedef enum
{
  PT_FIELD_STRING,      /* UTF-8, length limits in min/max (characters) */
  PT_FIELD_INT,         /* int64 (int32 accepted on input), range min/max */
  PT_FIELD_MONEY,       /* int64 minor units, min 0 unless flagged signed */
  PT_FIELD_BOOL,
  PT_FIELD_DATE,        /* BSON date (UTC ms) */
  PT_FIELD_OID,         /* ObjectId */
  PT_FIELD_ENUM,        /* string from enum_values */
  PT_FIELD_DOCUMENT,    /* embedded document described by children */
  PT_FIELD_ARRAY,       /* array of element_type (DOCUMENT → children) */
} PtFieldType;

typedef enum
{
  PT_FIELD_FLAG_NONE       = 0,
  PT_FIELD_FLAG_REQUIRED   = 1 << 0,
  PT_FIELD_FLAG_SEARCHABLE = 1 << 1, /* in the FTS index of its collection */
  PT_FIELD_FLAG_SENSITIVE  = 1 << 2, /* patient data: encrypted off-device,
                                        never in audit values or logs */
  PT_FIELD_FLAG_INDEXED    = 1 << 3, /* gets a SQLite column + index */
  PT_FIELD_FLAG_UNIQUE     = 1 << 4, /* unique per tenant (when present) */
  PT_FIELD_FLAG_IMMUTABLE  = 1 << 5, /* set on create, never changed */
  PT_FIELD_FLAG_SYSTEM     = 1 << 6, /* _id, tenantId, createdAt, ... :
                                        managed by the store, not forms */
  PT_FIELD_FLAG_SIGNED     = 1 << 7, /* INT/MONEY may be negative */
} PtFieldFlags;

typedef enum
{
  PT_MERGE_LWW,         /* per-field last writer wins by HLC stamp */
  PT_MERGE_WORKFLOW,    /* prescription status: follows its workflow */
  PT_MERGE_IMMUTABLE,   /* never changes after create: keep the first */
  PT_MERGE_MAX,         /* monotonic counters (e.g. dispensedQuantity) */
} PtMergeRule;

/* Extra checks on a field's value beyond its type (additive to the
 * contract; forms may use it to pick an entry widget). */
typedef enum
{
  PT_FORMAT_NONE = 0,
  PT_FORMAT_SLUG,        /* STRING: lowercase letters, digits, dashes */
  PT_FORMAT_EMAIL,       /* STRING: lowercase e-mail address */
  PT_FORMAT_CURRENCY,    /* STRING: ISO 4217 code, three capital letters */
  PT_FORMAT_GTIN,        /* STRING: 8/12/13/14 digits, valid check digit */
  PT_FORMAT_TIME_OF_DAY, /* STRING: "HH:MM", 00:00–24:00 */
  PT_FORMAT_PHONE,       /* STRING: digits with + ( ) - . / and spaces */
  PT_FORMAT_PAST_DATE,   /* DATE: not in the future (date of birth) */
  PT_FORMAT_NONZERO,     /* INT/MONEY: must not be 0 (ledger quantities) */
} PtFieldFormat;

struct _PtField
{
  const gchar          *name;        /* BSON key, camelCase as in Atlas */
  const gchar          *label;       /* N_() human label for forms/errors */
  PtFieldType           type;
  PtFieldType           element_type; /* for PT_FIELD_ARRAY */
  guint                 flags;       /* PtFieldFlags */
  PtMergeRule           merge;
  gint64                min;         /* STRING: min length; INT/MONEY: min */
  gint64                max;         /* STRING: max length; INT/MONEY: max;
                                        ARRAY: max elements; 0 = default */
  const gchar * const  *enum_values; /* NULL-terminated, for ENUM */
  const PtField        *children;    /* DOCUMENT / ARRAY of DOCUMENT */
  guint                 n_children;
  PtFieldFormat         format;      /* extra value check, usually NONE */
};
/* Notes on min/max: ARRAY uses min as the least number of elements; DATE
 * min/max 0 mean 1900-01-01 … 9999-12-31; INT/MONEY max 0 means no upper
 * bound.  SYSTEM fields (_id, tenantId, createdAt, updatedAt, deleted) are
 * filled by the store: validation checks their type when present but does
 * not require them.  A BSON null counts as "absent". */

typedef enum
{
  PT_COLLECTION_MUTABLE,     /* documents change; per-field stamps, CAS */
  PT_COLLECTION_INSERT_ONLY, /* ledger and audit: immutable once written */
} PtCollectionKind;

struct _PtCollection
{
  const gchar      *name;       /* "medicines" */
  const gchar      *label;      /* N_("Medicines") */
  PtCollectionKind  kind;
  const PtField    *fields;     /* includes the common fields first */
  guint             n_fields;
  gboolean          synced;     /* FALSE for local-only collections */
  gboolean          tenant_scoped; /* FALSE only for "tenants" (the tenant
                                      document's _id is the tenantId) */
};

/* Default maximum for strings without an explicit max (characters). */
#define PT_STRING_DEFAULT_MAX 1000
/* Default maximum number of elements of an array. */
#define PT_ARRAY_DEFAULT_MAX 1000
/* Largest document accepted (bytes of BSON), below MongoDB's 16 MiB. */
#define PT_DOCUMENT_MAX_BYTES (4 * 1024 * 1024)

/* All collections, in dependency order (tenants first). */
const PtCollection * const *pt_schema_collections  (guint *n_collections);
/* NULL when @name is not a collection of the registry. */
const PtCollection *pt_schema_lookup               (const gchar *name);
/* Same, but sets PT_ERROR_INVALID "Unknown collection “x”; known: …". */
const PtCollection *pt_schema_lookup_checked       (const gchar *name,
                                                    GError     **error);
const PtField      *pt_collection_lookup_field     (const PtCollection *collection,
                                                    const gchar        *name);
/* Child of a DOCUMENT / ARRAY-of-DOCUMENT field. */
const PtField      *pt_field_lookup_child          (const PtField *field,
                                                    const gchar   *name);

typedef enum
{
  PT_VALIDATE_CREATE = 0,      /* required fields must be present */
  PT_VALIDATE_UPDATE = 1 << 0, /* partial document: only given fields */
  PT_VALIDATE_ALLOW_UNKNOWN = 1 << 1, /* keep unknown fields (foreign
                                         writers may add some) */
} PtValidateFlags;

/* Validates @doc against @collection: required, type, length, ranges, enum
 * values, valid UTF-8, dates, unknown fields (refused unless
 * ALLOW_UNKNOWN), cross-field rules (a batch's expiryDate after its
 * receivedAt, non-negative prices).  The GError message names the field by
 * its path and label and says what is wrong, e.g.
 * "Medicine name is required", "Price must not be negative (price)". */
gboolean pt_schema_validate (const PtCollection *collection,
                             const bson_t       *doc,
                             PtValidateFlags     flags,
                             GError            **error);

/* Refuses a change to an IMMUTABLE field (top level and inside embedded
 * documents) between the stored @old_doc and the proposed @new_doc:
 * PT_ERROR_INVALID "Lot number cannot be changed once set (lotNumber)."
 * A field absent from @new_doc is not a change (partial updates). */
gboolean pt_schema_check_immutable (const PtCollection *collection,
                                    const bson_t       *old_doc,
                                    const bson_t       *new_doc,
                                    GError            **error);

/* Top-level field names whose values differ between @a and @b (either may
 * be NULL = empty), in registry order, then unknown fields; SYSTEM fields
 * (_id, tenantId, createdAt, updatedAt) and _sync are left out.  For the
 * audit log's `fields`. NULL-terminated; free with g_strfreev (). */
gchar **pt_schema_changed_fields (const PtCollection *collection,
                                  const bson_t       *a,
                                  const bson_t       *b);

/* Value checks shared with forms and the CLI. */
gboolean pt_gtin_is_valid   (const gchar *code);
gboolean pt_email_is_valid  (const gchar *email);   /* lowercase only */

/* Field values from bson iterators, NULL/0 when absent or another type. */
const gchar *pt_bson_get_string (const bson_t *doc, const gchar *dotted_key);
gint64       pt_bson_get_int    (const bson_t *doc, const gchar *dotted_key,
                                 gint64 fallback);
gboolean     pt_bson_get_bool   (const bson_t *doc, const gchar *dotted_key,
                                 gboolean fallback);
/* ObjectId as a newly allocated hex string, NULL when absent. */
gchar       *pt_bson_dup_oid_hex (const bson_t *doc, const gchar *dotted_key);

/* Prescription workflow: received → in_progress → ready → dispensed →
 * picked_up; cancelled from any state before picked_up.  Status strings
 * are exactly those (Atlas values). */
gboolean     pt_rx_status_is_valid          (const gchar *status);
/* _("ready for collection") style phrase for messages; "" for NULL =
 * a new prescription; the raw string for an unknown status. */
const gchar *pt_rx_status_get_label         (const gchar *status);
/* Forward moves along the workflow (steps may be skipped before
 * dispensed: a pharmacist may dispense a received prescription at once),
 * ready → in_progress (a check failed: back to preparation), picked_up
 * only from dispensed, cancelled from any state before picked_up.  @from
 * NULL = creation: any valid status (imports carry history).  @from ==
 * @to (valid) is allowed: a no-op. */
gboolean     pt_rx_status_can_transition    (const gchar *from,
                                             const gchar *to);
/* Workflow rank used by PT_MERGE_WORKFLOW: the later stage wins; a
 * "cancelled" against "dispensed"/"picked_up" is a conflict for staff
 * (returns 0 and sets *conflict). Returns <0 when @a wins, >0 when @b. */
gint         pt_rx_status_merge_compare     (const gchar *a,
                                             const gchar *b,
                                             gboolean    *conflict);

G_END_DECLS
