/* pt-store.h: the local SQLite store of one tenant (DESIGN §3).
 *
 * A PtStore is one connection to the tenant's file under the data dir; it
 * is used from one thread at a time (the sync worker opens its own).
 * Every mutation is ONE transaction that writes the document rows, the
 * ledger rows, one audit event and the outbox entries together, and is
 * checked against the acting user's role (pt-permissions.h).
 *
 * Documents are bson_t as in Atlas (see pt-schema.h).  Functions returning
 * bson_t * return a new document the caller frees with bson_destroy().
 */
#pragma once

#include <gio/gio.h>
#include <bson/bson.h>
#include "pt-core.h"

G_BEGIN_DECLS

/* g_autoptr(bson_t) for every user of the store. */
#ifndef PT_BSON_AUTOPTR_DEFINED
#define PT_BSON_AUTOPTR_DEFINED
G_DEFINE_AUTOPTR_CLEANUP_FUNC (bson_t, bson_destroy)
#endif

#define PT_TYPE_STORE (pt_store_get_type ())
G_DECLARE_FINAL_TYPE (PtStore, pt_store, PT, STORE, GObject)

#define PT_STORE_SCHEMA_VERSION 7

/* ---- Opening ---------------------------------------------------------- */

/* The data dir: @dir if given, else $PHARMATRACK_DATA_DIR, else
 * $XDG_DATA_HOME/pharmatrack.  Newly allocated. */
gchar    *pt_store_resolve_data_dir (const gchar *dir);
/* TRUE when @data_dir holds a tenant store. */
gboolean  pt_store_exists           (const gchar *data_dir);

typedef struct
{
  const gchar *tenant_id;       /* hex ObjectId; NULL = new one */
  const gchar *tenant_name;     /* required */
  const gchar *plan;            /* "starter" (default) | ... */
  const gchar *currency;        /* "EUR" default */
  const gchar *locale;          /* "en_GB" default */
  const gchar *timezone;        /* "Europe/London" default */
  const gchar *pharmacy_name;   /* first branch; default "Main pharmacy" */
  const gchar *admin_email;     /* owner user; NULL = none yet */
  const gchar *admin_password;
  const gchar *admin_name;
  gboolean     enrolment;       /* TRUE: an empty store waiting for the
                                   first sync (no tenant/pharmacy/user docs
                                   are created locally) */
} PtStoreInit;

/* Creates the tenant store in @data_dir (creating the dir), with the
 * tenant, its first pharmacy and the owner.  PT_ERROR_EXISTS when a store
 * is already there. */
PtStore  *pt_store_create  (const gchar       *data_dir,
                            const PtStoreInit *init,
                            GError           **error);
/* Opens the existing store: PT_ERROR_NOT_FOUND when there is none
 * ("No pharmacy data in DIR; run “pharmatrack-admin init” first"),
 * PT_ERROR_CORRUPT for a file that is not a PharmaTrack store of a known
 * version (the message names the file; the file is never modified),
 * PT_ERROR_READ_ONLY when the dir/file cannot be written. */
PtStore  *pt_store_open    (const gchar *data_dir,
                            GError     **error);

const gchar *pt_store_get_path        (PtStore *self);  /* the .db file */
const gchar *pt_store_get_data_dir    (PtStore *self);
const gchar *pt_store_get_tenant_id   (PtStore *self);
const gchar *pt_store_get_device_id   (PtStore *self);
PtHlc       *pt_store_get_clock       (PtStore *self);
/* From the tenant document (defaults when not yet synced). */
PtPlan       pt_store_get_plan        (PtStore *self);
const gchar *pt_store_get_currency    (PtStore *self);
gint         pt_store_get_schema_version (PtStore *self);

/* The branch this device works for: the "pharmacy_id" setting, else the
 * first pharmacy.  Newly allocated; NULL when there is none yet. */
gchar    *pt_store_get_pharmacy_id (PtStore *self);
gboolean  pt_store_set_pharmacy_id (PtStore *self, const gchar *pharmacy_id,
                                    GError **error);

/* Device-local settings (never synced): key/value strings in the store. */
gchar    *pt_store_get_setting (PtStore *self, const gchar *key);
gboolean  pt_store_set_setting (PtStore *self, const gchar *key,
                                const gchar *value, GError **error);

/* ---- Who is acting ----------------------------------------------------- */

/* Verifies e-mail + password against the users collection (active users
 * only).  On success the store acts as that user (audit, permissions) and
 * the user document is returned.  PT_ERROR_AUTH_FAILED otherwise, with a
 * message that does not say which of the two was wrong. */
bson_t   *pt_store_sign_in        (PtStore     *self,
                                   const gchar *email,
                                   const gchar *password,
                                   GError     **error);
/* Act as the device itself (role SYSTEM: the CLI without --user, sync). */
void      pt_store_act_as_system  (PtStore *self);
/* Act as an already-verified user id (GUI quick switch after sign-in). */
gboolean  pt_store_act_as_user    (PtStore *self, const gchar *user_id,
                                   GError **error);
PtRole       pt_store_get_role    (PtStore *self);
const gchar *pt_store_get_user_id (PtStore *self); /* NULL for SYSTEM */
gboolean  pt_store_can            (PtStore *self, PtPermission perm);

/* ---- Generic documents ------------------------------------------------- */

/* Creates or updates a document of @collection.  @doc is the whole user
 * view of the document (as mongoimport --mode upsert): _id optional (a new
 * ObjectId is made), tenantId optional (must be ours if present:
 * PT_ERROR_FOREIGN_TENANT otherwise), createdAt/updatedAt set by the store.
 * Validated (pt_schema_validate), permission- and plan-checked, audited,
 * stamped per changed field, queued in the outbox.  Insert-only
 * collections refuse updates.  Returns the id (hex) or NULL. */
gchar    *pt_store_put      (PtStore      *self,
                             const gchar  *collection,
                             const bson_t *doc,
                             GError      **error);
/* Changes only the top-level fields present in @fields ($set semantics);
 * a field whose value is BSON null is removed ($unset). */
gboolean  pt_store_update   (PtStore      *self,
                             const gchar  *collection,
                             const gchar  *id,
                             const bson_t *fields,
                             GError      **error);
/* Tombstone: sets deleted: true.  Nothing is ever hard-deleted. */
gboolean  pt_store_delete   (PtStore      *self,
                             const gchar  *collection,
                             const gchar  *id,
                             GError      **error);
/* The document, or NULL with PT_ERROR_NOT_FOUND.  Tombstones are returned
 * (they carry deleted: true). */
bson_t   *pt_store_get      (PtStore      *self,
                             const gchar  *collection,
                             const gchar  *id,
                             GError      **error);

typedef struct
{
  guint        limit;            /* 0 = no limit */
  guint        offset;
  gboolean     include_deleted;
  const gchar *pharmacy_id;      /* filter where the collection has one */
} PtListOptions;

/* Documents in _id order; a GPtrArray of bson_t * (free func set). */
GPtrArray *pt_store_list    (PtStore             *self,
                             const gchar         *collection,
                             const PtListOptions *options,
                             GError             **error);
/* Live (non-deleted) documents of @collection. */
gint64     pt_store_count   (PtStore *self, const gchar *collection);

/* ---- Stock (the ledger) ------------------------------------------------ */

typedef struct
{
  const gchar *medicine_id;      /* required */
  const gchar *pharmacy_id;      /* NULL = the device's current branch */
  const gchar *lot_number;       /* required */
  PtTime       expiry_date;      /* required, after today */
  PtQuantity   quantity;         /* > 0 */
  PtMoney      cost_price;       /* per base unit, >= 0 */
  const gchar *supplier;         /* optional */
} PtReceipt;

/* Creates the batch and its receipt movement.  Returns the batch id. */
gchar    *pt_store_receive_stock   (PtStore         *self,
                                    const PtReceipt *receipt,
                                    GError         **error);
/* Signed adjustment with a reason (required).  Returns the movement id. */
gchar    *pt_store_adjust_stock    (PtStore     *self,
                                    const gchar *batch_id,
                                    PtQuantity   delta,
                                    const gchar *reason,
                                    GError     **error);
/* Writes off every expired batch with stock > 0 at @pharmacy_id (NULL =
 * current branch) as of @now; *n_batches gets how many. */
gboolean  pt_store_write_off_expired (PtStore     *self,
                                      const gchar *pharmacy_id,
                                      PtTime       now,
                                      guint       *n_batches,
                                      GError     **error);

typedef struct
{
  gchar      *batch_id;
  gchar      *lot_number;
  PtTime      expiry_date;
  PtQuantity  quantity;          /* ledger sum; may be negative after
                                    merged offline sales (an alert) */
  gchar      *pharmacy_id;
} PtBatchStock;
void pt_batch_stock_free (PtBatchStock *b);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (PtBatchStock, pt_batch_stock_free)

/* Stock on hand as the ledger sum; @pharmacy_id NULL = all branches. */
PtQuantity pt_store_stock_on_hand (PtStore     *self,
                                   const gchar *medicine_id,
                                   const gchar *pharmacy_id);
/* Batches of a medicine with their ledger sums, nearest expiry first. */
GPtrArray *pt_store_batch_stock   (PtStore     *self,
                                   const gchar *medicine_id,
                                   const gchar *pharmacy_id,
                                   GError     **error);
/* Batches with stock > 0 expiring before @before (PtBatchStock *). */
GPtrArray *pt_store_expiring      (PtStore     *self,
                                   const gchar *pharmacy_id,
                                   PtTime       before,
                                   GError     **error);
/* Batches whose ledger sum is below zero (the negative-stock alert). */
GPtrArray *pt_store_negative_stock (PtStore     *self,
                                    const gchar *pharmacy_id,
                                    GError     **error);
/* Medicine ids whose stock at @pharmacy_id is below their reorderLevel. */
GPtrArray *pt_store_below_reorder (PtStore     *self,
                                   const gchar *pharmacy_id,
                                   GError     **error);
/* Movements of a medicine, newest first (bson_t *). */
GPtrArray *pt_store_ledger        (PtStore     *self,
                                   const gchar *medicine_id,
                                   const gchar *pharmacy_id,
                                   guint        limit,
                                   GError     **error);

/* ---- Prescriptions ----------------------------------------------------- */

typedef enum
{
  PT_WARNING_SHORT_DATED   = 1 << 0, /* a batch expires within 30 days */
  PT_WARNING_INSUFFICIENT  = 1 << 1, /* not enough stock: partial fill */
  PT_WARNING_ALLERGY       = 1 << 2, /* patient allergy matches */
  PT_WARNING_DUPLICATE     = 1 << 3, /* same medicine in the last 7 days */
} PtDispenseWarning;
#define PT_DISPENSE_N_WARNINGS 4

typedef struct
{
  gchar      *batch_id;
  gchar      *lot_number;
  PtTime      expiry_date;
  PtQuantity  quantity;
} PtAllocation;

typedef struct
{
  guint       item_index;
  gchar      *medicine_id;
  PtQuantity  requested;         /* quantity - dispensedQuantity */
  PtQuantity  allocated;         /* sum of allocations */
  GPtrArray  *allocations;       /* PtAllocation *, FEFO order */
  guint       warnings;          /* PtDispenseWarning */
  gchar      *message;           /* human sentence for the warnings */
  gchar      *notes[PT_DISPENSE_N_WARNINGS]; /* the sentences of each warning,
                                  * by bit number; see pt_dispense_line_get_note() */
} PtDispenseLine;

typedef struct
{
  gchar      *prescription_id;
  GPtrArray  *lines;             /* PtDispenseLine * */
  guint       warnings;          /* union of the lines' */
  PtMoney     total;             /* price × quantity incl. tax */
} PtDispensePlan;
void pt_dispense_plan_free (PtDispensePlan *plan);
/* The sentences of one warning of @line ("Batch A1 of Calmora expires on
 * 14 Dec 2026 (short-dated)."), or NULL when @line does not raise it. */
const gchar *pt_dispense_line_get_note (const PtDispenseLine *line,
                                        PtDispenseWarning     warning);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (PtDispensePlan, pt_dispense_plan_free)

/* FEFO allocation across the branch's non-expired batches as of @now,
 * with warnings; changes nothing. */
PtDispensePlan *pt_store_plan_dispense (PtStore     *self,
                                        const gchar *prescription_id,
                                        PtTime       now,
                                        GError     **error);
/* Dispenses per pt_store_plan_dispense in ONE transaction: dispense
 * movements, items' dispensedQuantity, status → dispensed (or stays
 * in_progress with what is still owed on a partial fill), audit, outbox.
 * Expired stock is never used.  With warnings and no @override_reason:
 * PT_ERROR_INSUFFICIENT_STOCK / PT_ERROR_WARNING_UNACKNOWLEDGED and nothing
 * changes; with a reason (and PT_PERM_OVERRIDE_WARNING) the override is
 * audited.  Returns the plan that was committed. */
PtDispensePlan *pt_store_dispense      (PtStore     *self,
                                        const gchar *prescription_id,
                                        const gchar *override_reason,
                                        PtTime       now,
                                        GError     **error);
/* Return movements for everything dispensed, status → cancelled, once
 * only (PT_ERROR_ALREADY_DONE the second time). */
gboolean  pt_store_cancel_prescription (PtStore     *self,
                                        const gchar *prescription_id,
                                        const gchar *reason,
                                        GError     **error);
/* Workflow step; PT_ERROR_INVALID_TRANSITION when core forbids it. */
gboolean  pt_store_set_prescription_status (PtStore     *self,
                                            const gchar *prescription_id,
                                            const gchar *status,
                                            GError     **error);

/* ---- Search ------------------------------------------------------------ */

/* Medicine ids matching @query: exact barcode/GTIN first, then prefix
 * matches on name, then generic name, code, manufacturer (FTS5).  Empty
 * query = all in name order.  Tombstones excluded. */
GPtrArray *pt_store_search_medicines (PtStore     *self,
                                      const gchar *query,
                                      guint        limit,
                                      GError     **error);
/* Patient ids by name (prefix, any name part), phone (digits), or date of
 * birth (YYYY-MM-DD). */
GPtrArray *pt_store_search_patients  (PtStore     *self,
                                      const gchar *query,
                                      guint        limit,
                                      GError     **error);
/* The medicine id with this exact barcode/GTIN, or NULL. */
gchar     *pt_store_find_by_barcode  (PtStore     *self,
                                      const gchar *barcode);

/* Rows for the catalogue view: one query per page, never the whole list. */
typedef enum
{
  PT_MEDICINE_SORT_NAME,
  PT_MEDICINE_SORT_STOCK,
  PT_MEDICINE_SORT_EXPIRY,
  PT_MEDICINE_SORT_PRICE,
} PtMedicineSort;

typedef struct
{
  gchar      *id;
  gchar      *name;
  gchar      *generic_name;
  gchar      *strength;
  gchar      *form;
  gchar      *barcode;
  gchar      *code;
  PtMoney     price;
  PtQuantity  stock;             /* at the given branch */
  PtTime      nearest_expiry;    /* of batches with stock > 0; 0 = none */
  PtQuantity  reorder_level;
  gboolean    active;
  /* Of @stock, what is not in an expired batch (expiry ≤ the time read):
   * what can be sold.  @stock − @sellable is expired stock on the shelf,
   * waiting to be written off. */
  PtQuantity  sellable;
} PtMedicineRow;
void pt_medicine_row_free (PtMedicineRow *row);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (PtMedicineRow, pt_medicine_row_free)

guint      pt_store_count_medicine_rows (PtStore        *self,
                                         const gchar    *query,
                                         const gchar    *pharmacy_id);
GPtrArray *pt_store_medicine_rows       (PtStore        *self,
                                         const gchar    *query,
                                         const gchar    *pharmacy_id,
                                         PtMedicineSort  sort,
                                         gboolean        descending,
                                         guint           offset,
                                         guint           limit,
                                         GError        **error);

/* ---- Backup, export, import -------------------------------------------- */

/* Online backup (sqlite3_backup) to @path. */
gboolean  pt_store_backup   (PtStore *self, const gchar *path, GError **error);
/* Replaces the store in @data_dir with the backup at @path; refuses a
 * backup of another tenant (PT_ERROR_FOREIGN_TENANT) or a file that is not
 * a store (PT_ERROR_CORRUPT).  The store must not be open elsewhere. */
gboolean  pt_store_restore  (const gchar *data_dir, const gchar *path,
                             GError **error);

/* Relaxed Extended JSON, one document per line (mongoexport's format).
 * @collection NULL = every collection, each line then prefixed by nothing
 * but written collection after collection (use per-collection files for
 * round trips).  Returns the number of documents written or -1. */
gint64    pt_store_export   (PtStore       *self,
                             const gchar   *collection,
                             gboolean       include_deleted,
                             GOutputStream *out,
                             GError       **error);

typedef struct
{
  gint64     imported;           /* documents written */
  gint64     rejected;           /* documents refused */
  GPtrArray *errors;             /* gchar *: "line 12: Price must …" */
} PtImportReport;
void pt_import_report_free (PtImportReport *report);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (PtImportReport, pt_import_report_free)

/* Imports one document per line into @collection, all or nothing: every
 * line is parsed and validated first; if any is bad nothing is written and
 * the report lists each bad line (and FALSE/PT_ERROR_INVALID is returned).
 * @progress (may be NULL) is called with bytes read. */
typedef void (*PtProgressFunc) (gint64 done, gint64 total, gpointer data);
gboolean  pt_store_import   (PtStore        *self,
                             const gchar    *collection,
                             GInputStream   *in,
                             PtImportReport **report,
                             PtProgressFunc  progress,
                             gpointer        progress_data,
                             GCancellable   *cancellable,
                             GError        **error);
/* Opens a local path or an http(s):// URL (libsoup, streamed) for import;
 * *total gets the size when known, else -1. */
GInputStream *pt_open_import_source (const gchar  *path_or_url,
                                     gint64       *total,
                                     GCancellable *cancellable,
                                     GError      **error);

/* ---- Status ------------------------------------------------------------ */

typedef struct
{
  gchar      *tenant_id;
  gchar      *tenant_name;
  gchar      *device_id;
  gchar      *path;
  gint        schema_version;
  PtPlan      plan;
  GHashTable *counts;            /* collection → gint64 * live docs */
  gint64      outbox_length;
  gint64      oldest_pending_ms; /* epoch ms of the oldest outbox entry;
                                    0 when the outbox is empty */
  gint64      storage_bytes;     /* sum of BSON sizes of the tenant docs */
  gint64      storage_quota;
} PtStoreStatus;
void pt_store_status_free (PtStoreStatus *status);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (PtStoreStatus, pt_store_status_free)

PtStoreStatus *pt_store_get_status (PtStore *self, GError **error);

/* Signal "committed" (no arguments) is emitted on the thread that
 * committed, after every successful local mutation; the sync engine
 * connects to it to push at once. */

G_END_DECLS
