/* pt-store-impl.h: shared by the pt-store-*.c files only (the PtStore
 * instance struct and helpers).  Other parts use pt-store-private.h. */
#pragma once

#include <glib/gi18n-lib.h>
#include "pt-store-private.h"

G_BEGIN_DECLS

/* "PTrk" in the SQLite header: marks a file as a PharmaTrack store. */
#define PT_STORE_APPLICATION_ID 0x5054726b
/* How long a writer waits for another process's write lock. */
#define PT_STORE_DEFAULT_BUSY_MS 30000
/* BEGIN IMMEDIATE is retried after a pause drawn from this range (µs)
 * until the busy timeout: dense, evenly spread checks for the lock. */
#define PT_STORE_BEGIN_RETRY_MIN_US 250
#define PT_STORE_BEGIN_RETRY_MAX_US 1250

/* The doc_stats row of the outbox (schema 5): live = entries, total =
 * the last seq handed out.  Not a collection: status does not list it. */
#define PT_STORE_OUTBOX_STATS "outbox"
/* The doc_stats row that keeps the clock's high-water mark (schema 6):
 * total = the 64-bit value of the latest stamp noted.  doc_stats' page is
 * written by every mutation anyway (meta's was one page more). */
#define PT_STORE_HLC_STATS "hlc"


/* Days before expiry from which stock counts as short-dated. */
#define PT_SHORT_DATED_DAYS 30
/* Window of the duplicate-therapy warning. */
#define PT_DUPLICATE_DAYS 7

struct _PtStore
{
  GObject      parent_instance;

  sqlite3     *db;
  gchar       *data_dir;
  gchar       *path;
  gchar       *tenant_id;
  gchar       *device_id;
  PtHlc       *clock;
  GHashTable  *stmts;            /* SQL text → sqlite3_stmt * */

  /* Who is acting. */
  PtRole       role;
  gchar       *user_id;

  /* Cached from the tenant document. */
  gchar       *tenant_name;
  gchar       *currency;
  PtPlan       plan;


  /* The catalogue's last ordering (rowids), valid while nothing was
   * committed on this or another connection. */
  gchar       *rows_key;
  GArray      *rows;
  guint64      rows_commits;
  gint64       rows_data_version;
  guint64      commits;          /* outermost commits on this connection */

  guint        tx_depth;
  gboolean     tx_local_change;
  /* Bulk mode (_pt_store_set_bulk): nested levels open no savepoint. */
  gboolean     bulk;
  gboolean     tx_poisoned;
  sqlite3_int64 tx_changes[16];  /* total changes when each level began */
  /* Search entries held back in bulk mode: PtCollectionInfo * →
   * (rowid → GPtrArray of texts), written at the outermost commit. */
  GHashTable  *fts_pending;
  /* The latest stamp written in this transaction, noted in meta at its
   * outermost commit. */
  gchar        bulk_stamp[PT_HLC_STAMP_LEN + 1];

  gint         busy_ms;          /* the busy timeout */
  gint         wal_pages;        /* WAL pages after this connection's last commit */
  guint64      lock_waits;       /* begins that found the lock taken */
};

/* pt-store.c */
void         _pt_store_emit_committed    (PtStore *self);

/* pt-store-checkpoint.c: checkpoints off the committing thread. */
void         _pt_store_install_checkpointer (PtStore *self);

/* pt-store-schema.c: tables from the registry, migrations. */
gchar       *_pt_snake_case              (const gchar *camel);
/* The indexed top-level fields of @collection that get a column. */
GPtrArray   *_pt_store_indexed_fields    (const PtCollection *collection);
/* The searchable fields of @collection (FTS columns); NULL when none. */
GPtrArray   *_pt_store_searchable_fields (const PtCollection *collection);

/* The above, computed once per collection for the write path. */
typedef struct
{
  const PtCollection *collection;
  GPtrArray   *cols;             /* const PtField *: the typed columns */
  GPtrArray   *col_names;        /* gchar *: their snake_case names */
  GPtrArray   *fts;              /* const PtField *: FTS columns; NULL = none */
  gchar       *select_sql;       /* rowid, deleted, doc, columns… by id */
  gchar       *insert_sql;
  gchar       *fts_insert_sql;
  gchar       *fts_delete_sql;
} PtCollectionInfo;
const PtCollectionInfo *_pt_store_collection_info (const PtCollection *collection);
gboolean     _pt_store_migrate           (PtStore *self,
                                          GError **error);
gboolean     _pt_store_ensure_schema     (PtStore *self,
                                          GError **error);

/* pt-store-db.c: one row of a key/value table ("meta", "settings"), in
 * the caller's transaction; @value NULL deletes the key. */
gchar       *_pt_store_kv_get            (PtStore      *self,
                                          const gchar  *table,
                                          const gchar  *key);
gboolean     _pt_store_kv_set            (PtStore      *self,
                                          const gchar  *table,
                                          const gchar  *key,
                                          const gchar  *value,
                                          GError      **error);

/* Whether the table (or index, trigger) exists; whether a table has the
 * column.  pt-store-schema.c. */
gboolean     _pt_store_table_exists      (PtStore      *self,
                                          const gchar  *name);
gboolean     _pt_store_table_has_column  (PtStore      *self,
                                          const gchar  *table,
                                          const gchar  *column);
/* pt-store-db.c: whether @table has no row (one step). */
gboolean     _pt_store_table_is_empty    (PtStore      *self,
                                          const gchar  *table,
                                          gboolean     *empty,
                                          GError      **error);
/* pt-store-db.c: drops @table's secondary indexes (not its primary key's)
 * and/or its triggers, for a bulk load that recreates them at the end. */
gboolean     _pt_store_drop_table_derived (PtStore      *self,
                                           const gchar  *table,
                                           gboolean      indexes,
                                           gboolean      triggers,
                                           GError      **error);

/* pt-store-compact.c: the stamps column (schema version 2): only the stamps
 * the row's version does not imply; NULL when the map is empty.  Expand
 * gives back the full { field: stamp } map (never NULL). */
bson_t      *_pt_stamps_compact          (const bson_t *full,
                                          const bson_t *doc,
                                          const gchar  *version);
bson_t      *_pt_stamps_expand           (const bson_t *compact,
                                          const bson_t *doc,
                                          const gchar  *version);

/* pt-store-compact.c: the base column (schema version 3): @base as a
 * difference from the row (@doc, its full @stamps as _pt_stamps_expand
 * gives them back, @version); NULL for NULL.  Expand gives back the base
 * byte for byte (NULL for NULL, or when the row no longer matches). */
bson_t      *_pt_base_compact            (const bson_t *base,
                                          const bson_t *doc,
                                          const bson_t *stamps,
                                          const gchar  *version);
bson_t      *_pt_base_expand             (const bson_t *stored,
                                          const bson_t *doc,
                                          const bson_t *stamps,
                                          const gchar  *version);
/* pt-store-compact.c: both columns of a row as it is written, at once:
 * *@stamps_out = _pt_stamps_compact (@stamps, @doc, @version) and
 * *@base_out = _pt_base_compact (@base, @doc, <the stamps a read gives
 * back>, @version), byte for byte, in one pass over the document when
 * its keys are distinct and the stamps are in its order (a row built from
 * a server document), without compacting and expanding the stamps again. */
void         _pt_row_compact             (const bson_t  *stamps,
                                          const bson_t  *doc,
                                          const gchar   *version,
                                          const bson_t  *base,
                                          bson_t       **stamps_out,
                                          bson_t       **base_out);

/* pt-store-fts.c: the search index.  The texts indexed for @doc's
 * searchable fields @fts (const PtField *), one per field. */
GPtrArray   *_pt_store_search_texts      (GPtrArray    *fts,
                                          const bson_t *doc);
gchar       *_pt_search_text_for_field   (const bson_t  *doc,
                                          const PtField *field);
gboolean     _pt_store_same_search_texts (GPtrArray *a,
                                          GPtrArray *b);
/* Replaces the entry of @rowid (@had_entry: one exists) by @texts (NULL:
 * none); held back until the commit in bulk mode. */
gboolean     _pt_store_write_search_index (PtStore                *self,
                                           const PtCollectionInfo *info,
                                           gint64                  rowid,
                                           gboolean                had_entry,
                                           GPtrArray              *texts,
                                           GError                **error);
gboolean     _pt_store_rebuild_search_index (PtStore            *self,
                                             const PtCollection *collection,
                                             GPtrArray          *fts,
                                             GError            **error);
/* The search entries held back in bulk mode. */
gboolean     _pt_store_flush_search      (PtStore  *self,
                                          GError  **error);
void         _pt_store_drop_pending_search (PtStore *self);

/* pt-store-outbox.c: notes the stamp held back in bulk mode. */
gboolean     _pt_store_flush_stamp       (PtStore  *self,
                                          GError  **error);

/* pt-store.c */
gboolean     _pt_store_identify_file     (const gchar *path,
                                          gint        *version,
                                          GError     **error);

/* pt-store-rows.c */
const PtCollection *_pt_store_collection_checked (const gchar *name,
                                                  GError     **error);
gboolean     _pt_bson_equal_values       (const bson_iter_t *a,
                                          const bson_iter_t *b);
gboolean     _pt_store_check_sqlite      (PtStore      *self,
                                          int           rc,
                                          const gchar  *what,
                                          GError      **error);
gint64       _pt_store_query_int         (PtStore      *self,
                                          const gchar  *sql,
                                          const gchar  *text_arg,
                                          gint64        fallback);

/* pt-store-docs.c: the one path of every local mutation. */
typedef struct
{
  const gchar *action;           /* audit action: "create", "update", ... */
  const gchar *reason;           /* audit reason (overrides, cancels) */
  gboolean     skip_permission;  /* caller already checked */
  gboolean     no_audit;         /* audit written by the caller */
  gboolean     import;           /* keep given createdAt/updatedAt */
  gboolean     fresh;            /* a new document of the store's own
                                  * making (ledger, audit): its id was just
                                  * generated, so no stored row is read */
} PtWriteOptions;

/* Creates (@id NULL or unknown) or updates a document: @fields are the
 * top-level fields to set (BSON null = unset) or, with @replace, the whole
 * user view.  Validates, checks permissions and plan, stamps changed fields,
 * writes the row, one audit event and the outbox entry.  Must be called
 * inside _pt_store_begin().  *@out_id gets the id; *@changed whether
 * anything changed. */
gboolean     _pt_store_write_doc         (PtStore              *self,
                                          const PtCollection   *collection,
                                          const gchar          *id,
                                          const bson_t         *fields,
                                          gboolean              replace,
                                          const PtWriteOptions *options,
                                          gchar               **out_id,
                                          gboolean             *changed,
                                          GError              **error);
/* The stored form of a document: registry fields in registry order from
 * @fields (BSON null = removed) or, unless @replace, from @old; _id,
 * tenantId, createdAt (kept from @old) and updatedAt (@now, or the given
 * ones with @keep_times); then unknown fields. */
bson_t      *_pt_store_build_document    (const PtCollection *c,
                                          const gchar        *id,
                                          const gchar        *tenant_id,
                                          const bson_t       *old,
                                          const bson_t       *fields,
                                          gboolean            replace,
                                          gboolean            keep_times,
                                          PtTime              now);
/* pt-store-rows.c: inserts a row that does not exist yet and has no base
 * (a document the store has just made) with its indexed columns and its
 * search entry; @stored_stamps is already the stamps column's form
 * (_pt_stamps_compact; NULL for none), so nothing is compacted. */
gboolean     _pt_store_insert_new_row    (PtStore            *self,
                                          const PtCollection *collection,
                                          const gchar        *id,
                                          const bson_t       *doc,
                                          const bson_t       *stored_stamps,
                                          const gchar        *version,
                                          gint64             *rowid,
                                          GError            **error);
/* pt-store-load.c: the collections' doc_stats rows and the stock cache
 * recomputed from the rows (in the caller's transaction). */
gboolean     _pt_store_recount_derived   (PtStore  *self,
                                          GError  **error);
/* At open: finishes what a load that did not end left (triggers back,
 * counters recomputed).  Opens its own transaction when needed. */
gboolean     _pt_store_load_recover      (PtStore  *self,
                                          GError  **error);
/* pt-store-rules.c: the acting role may make this change (@old NULL =
 * create; @changed = changed field names); unique fields are free. */
gboolean     _pt_store_check_permission  (PtStore             *self,
                                          const PtCollection  *c,
                                          const bson_t        *old,
                                          const bson_t        *doc,
                                          const gchar * const *changed,
                                          GError             **error);
gboolean     _pt_store_check_unique      (PtStore            *self,
                                          const PtCollection *c,
                                          const gchar        *id,
                                          const bson_t       *doc,
                                          GError            **error);

/* One audit_events document (insert-only, synced). */
gboolean     _pt_store_audit             (PtStore      *self,
                                          const gchar  *collection,
                                          const gchar  *doc_id,
                                          const gchar  *action,
                                          const gchar * const *fields,
                                          const gchar  *reason,
                                          GError      **error);
/* Current document or NULL (no error when absent). */
bson_t      *_pt_store_get_doc           (PtStore      *self,
                                          const gchar  *collection,
                                          const gchar  *id);
/* The branch used when an operation names none. */
gchar       *_pt_store_current_pharmacy  (PtStore *self);
/* Reloads tenant name, plan and currency from the tenant document. */
void         _pt_store_load_tenant       (PtStore *self);

/* pt-store-stock.c */
gboolean     _pt_store_write_movement    (PtStore     *self,
                                          const gchar *batch_id,
                                          const gchar *medicine_id,
                                          const gchar *pharmacy_id,
                                          PtQuantity   quantity,
                                          const gchar *kind,
                                          const gchar *reason,
                                          const gchar *prescription_id,
                                          PtTime       at,
                                          gchar      **out_id,
                                          GError     **error);
PtQuantity   _pt_store_batch_quantity    (PtStore     *self,
                                          const gchar *batch_id);

/* BSON helpers. */
void         _pt_bson_append_oid_hex     (bson_t       *doc,
                                          const gchar  *key,
                                          const gchar  *hex);
gchar       *_pt_bson_iter_dup_id        (const bson_iter_t *iter);

G_END_DECLS
