/* pt-store-private.h: the store's internal API for the other parts of
 * libpharmatrack (the sync engine, the demo generator).  Not for the GUI.
 *
 * Layout of the file (DESIGN §3):
 *   - one table per synced collection, named like the collection
 *     ("medicines"), with the columns
 *       id TEXT PRIMARY KEY   hex ObjectId
 *       doc BLOB              BSON of the current local document (no _sync)
 *       stamps BLOB           BSON { topLevelField: HLC stamp }
 *       version TEXT          latest local stamp = the _sync.v to push
 *       base BLOB             BSON of the last version known to be on the
 *                             server, including its _sync; NULL = never
 *       deleted INTEGER       doc.deleted == true
 *       updated_at INTEGER    doc.updatedAt (ms)
 *     plus one typed column per indexed top-level field (snake_case), kept
 *     in step with doc by _pt_store_write_row();
 *   - outbox(seq, collection, doc_id, queued_at): dirty documents, in the
 *     order they first became dirty;
 *   - meta(key, value): tenant id, device id, last HLC stamp, sync state.
 *
 * Every function here works on the caller's connection and inside the
 * caller's transaction when one is open.  Nothing here checks permissions,
 * validates, stamps or audits: that is the job of the public mutations
 * (pt-store.h).  The sync engine writes merged rows with
 * _pt_store_write_row() and must keep the stamps/version/base itself.
 */
#pragma once

#include <sqlite3.h>
#include "pt-store.h"

G_BEGIN_DECLS

/* ---- Connection and transactions ---------------------------------------- */

sqlite3  *_pt_store_get_db           (PtStore *self);

/* BEGIN IMMEDIATE (waits up to the busy timeout for another writer), or a
 * SAVEPOINT when a transaction is already open on this connection, so
 * operations nest: the outermost _pt_store_commit() commits.  Every
 * successful _pt_store_begin() is paired with exactly one
 * _pt_store_commit() or _pt_store_rollback(). */
gboolean  _pt_store_begin            (PtStore  *self,
                                      GError  **error);
/* COMMIT (or RELEASE when nested).  On failure the transaction (or the
 * savepoint) is rolled back and FALSE returned: nothing is half-written.
 * The outermost commit emits "committed" when a local mutation
 * (_pt_store_mark_local_change) happened inside it. */
gboolean  _pt_store_commit           (PtStore  *self,
                                      GError  **error);
void      _pt_store_rollback         (PtStore  *self);
gboolean  _pt_store_in_transaction   (PtStore  *self);
/* Marks the open transaction as containing a local change (the public
 * mutations do this; the sync engine's pull writes do not). */
void      _pt_store_mark_local_change (PtStore *self);

/* Bulk loading (demo data, large imports): while set, nested
 * _pt_store_begin () levels open no SAVEPOINT (each one costs a statement
 * and makes FTS5 flush its pending terms into a new segment).  A nested
 * _pt_store_rollback () after the level wrote something then fails the
 * outermost commit (everything since the outer BEGIN is undone); one
 * that wrote nothing (an operation refused before writing) costs
 * nothing. */
void      _pt_store_set_bulk         (PtStore  *self,
                                      gboolean  bulk);

/* How long a writer waits for another process's write lock (default
 * 30000 ms).  For tests. */
void      _pt_store_set_busy_timeout (PtStore *self,
                                      gint     ms);
/* How many outermost _pt_store_begin () found the write lock taken by
 * another connection and had to wait.  For tests. */
guint64   _pt_store_get_lock_waits   (PtStore *self);

/* The nearest expiry of a medicine at a branch (schema 7): the earliest
 * expiry date of its batches there with stock and not deleted — the same
 * as the catalogue's ROW_EXPIRY — kept in medicine_stock.nearest_expiry
 * (NULL when none), indexed (pharmacy_id, nearest_expiry, medicine_id) so
 * that a list sorted by nearest expiry walks an index.  @med and @pharm
 * are SQL expressions. */
#define PT_STORE_NEAREST_EXPIRY(med, pharm) \
  "(SELECT min(b.expiry_date) FROM batch_stock bs JOIN batches b ON b.id = bs.batch_id " \
  "WHERE bs.medicine_id = " med " AND bs.pharmacy_id IS " pharm " AND bs.quantity > 0 " \
  "AND b.deleted = 0)"
/* A medicine row's keys, for the medicines list and its sorts; @pharm is
 * the SQL parameter of the branch (NULL = every branch), @now that of the
 * time.  Stock on hand, from the stock cache. */
#define PT_STORE_ROW_STOCK(pharm) \
  "(SELECT coalesce(sum(s.quantity), 0) FROM medicine_stock s WHERE s.medicine_id = m.id " \
  "AND (" pharm " IS NULL OR s.pharmacy_id = " pharm "))"
/* The nearest expiry, kept per branch in medicine_stock (above): one row
 * per branch instead of a join over the medicine's batches, so that
 * sorting the whole catalogue by it reads 100,000 small rows. */
#define PT_STORE_ROW_EXPIRY(pharm) \
  "(SELECT min(s.nearest_expiry) FROM medicine_stock s WHERE s.medicine_id = m.id " \
  "AND (" pharm " IS NULL OR s.pharmacy_id = " pharm "))"
/* Expired stock on the shelf: batches expired by @now, which dispensing
 * never sells (pt-store-dispense.c). */
#define PT_STORE_ROW_EXPIRED_STOCK(pharm, now) \
  "(SELECT coalesce(sum(bs.quantity), 0) FROM batches b INDEXED BY batches_fefo " \
  "JOIN batch_stock bs ON bs.batch_id = b.id " \
  "WHERE b.medicine_id = m.id AND (" pharm " IS NULL OR b.pharmacy_id = " pharm ") " \
  "AND b.expiry_date <= " now " AND b.deleted = 0 AND bs.quantity > 0)"
/* Recomputes every row's (after a rebuild of the stock cache). */
#define PT_STORE_FILL_NEAREST_EXPIRY \
  "UPDATE medicine_stock SET nearest_expiry = " \
  PT_STORE_NEAREST_EXPIRY ("medicine_stock.medicine_id", "medicine_stock.pharmacy_id") ";"

/* WAL checkpoints (pt-store-checkpoint.c): a worker thread checkpoints
 * PASSIVE once the store had no commit for PT_STORE_WAL_IDLE_MS, or, for
 * bulk work (big commits), every PT_STORE_WAL_SOFT_PAGES of growth; past
 * PT_STORE_WAL_HARD_PAGES the committing connection checkpoints inline.
 * The WAL file is kept at most PT_STORE_WAL_LIMIT_BYTES long (the hard
 * bound's frames of 4 KiB pages) when it starts again. */
#define PT_STORE_WAL_IDLE_MS    100
#define PT_STORE_WAL_SOFT_PAGES 1000
#define PT_STORE_WAL_HARD_PAGES 8000
#define PT_STORE_WAL_LIMIT_BYTES ((gint64) PT_STORE_WAL_HARD_PAGES * (4096 + 24) + 32)
/* Waits until no checkpoint is queued or running; FALSE on timeout. */
gboolean  _pt_store_checkpoints_wait (guint     timeout_ms);
/* Checkpoints run by the worker and inline so far, in this process. */
void      _pt_store_checkpoint_counts (guint64 *background,
                                       guint64 *inline_);

/* A cached prepared statement, reset and with bindings cleared.  Do not
 * nest two uses of the same SQL text. */
sqlite3_stmt *_pt_store_prepare      (PtStore      *self,
                                      const gchar  *sql,
                                      GError      **error);
/* Runs SQL without results. */
gboolean  _pt_store_exec             (PtStore      *self,
                                      const gchar  *sql,
                                      GError      **error);

/* Maps a SQLite result code to a PT_ERROR a pharmacist can read (disk
 * full, read-only, corrupt naming the file, busy) and logs the raw SQLite
 * message with g_debug.  Always returns FALSE. */
gboolean  _pt_store_set_sqlite_error (PtStore      *self,
                                      int           rc,
                                      const gchar  *what,
                                      GError      **error);

/* ---- Raw rows ----------------------------------------------------------- */

typedef struct
{
  gchar    *id;           /* hex ObjectId */
  bson_t   *doc;          /* current local document, without _sync */
  bson_t   *stamps;       /* { field: stamp }; an empty document when none */
  gchar    *version;      /* latest local stamp; NULL when never stamped */
  bson_t   *base;         /* last server version incl. _sync; NULL = never */
  gboolean  deleted;      /* read only: derived from doc on write */
  gint64    updated_at;   /* read only: derived from doc on write */
} PtRawRow;

PtRawRow *_pt_raw_row_new            (void);
void      _pt_raw_row_free           (PtRawRow *row);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (PtRawRow, _pt_raw_row_free)

/* The row, or NULL with PT_ERROR_NOT_FOUND (or a SQLite error). */
PtRawRow *_pt_store_read_row         (PtStore             *self,
                                      const PtCollection  *collection,
                                      const gchar         *id,
                                      GError             **error);
/* Inserts or updates the row (doc, stamps, version, base) and keeps the
 * indexed columns, the search index, the stock cache and the storage
 * counters in step.  @row->id must equal the doc's _id.  Does not touch the
 * outbox.  Use inside a transaction. */
gboolean  _pt_store_write_row        (PtStore             *self,
                                      const PtCollection  *collection,
                                      const PtRawRow      *row,
                                      GError             **error);
/* For bulk writers (initial sync): inserts a row that does not exist yet
 * (the caller knows, so the current row is not looked up) with its
 * indexed columns, and its search index entry unless @search_later.  With
 * @search_later the caller adds the entry with _pt_store_index_row() later
 * in the same transaction: a run of row inserts followed by a run of
 * search index inserts lets FTS5 keep its pending terms in memory until
 * the commit (SQLite 3.40's FTS5 flushes them at every statement savepoint,
 * which every insert into a table with triggers opens).  *@rowid (may be
 * NULL) gets the new rowid. */
gboolean  _pt_store_insert_row       (PtStore             *self,
                                      const PtCollection  *collection,
                                      const PtRawRow      *row,
                                      gboolean             search_later,
                                      gint64              *rowid,
                                      GError             **error);
/* The search index entry of a row inserted with @search_later (no-op for
 * a collection without search, or a deleted document). */
gboolean  _pt_store_index_row        (PtStore             *self,
                                      const PtCollection  *collection,
                                      gint64               rowid,
                                      const bson_t        *doc,
                                      GError             **error);
/* Sets only the base of an existing row (after a push was acknowledged). */
gboolean  _pt_store_set_base         (PtStore             *self,
                                      const PtCollection  *collection,
                                      const gchar         *id,
                                      const bson_t        *base,
                                      GError             **error);
/* A row is dirty when its version is not the base's _sync.v. */
gboolean  _pt_raw_row_is_dirty       (const PtRawRow *row);
/* The document as it goes to Atlas: doc + _sync { v: version,
 * f: stamps, by: the device id of the version stamp }. */
bson_t   *_pt_raw_row_to_server_doc  (const PtRawRow *row);
/* _sync.v of a server document, or NULL. */
const gchar *_pt_server_doc_get_version (const bson_t *server_doc);

/* ---- Outbox ------------------------------------------------------------- */

typedef struct
{
  gint64  seq;            /* commit order */
  gchar  *collection;
  gchar  *doc_id;
  gint64  queued_at;      /* epoch ms when it first became dirty */
} PtOutboxEntry;
void      _pt_outbox_entry_free      (PtOutboxEntry *entry);

/* Entries with seq > @after_seq in seq order, at most @limit (0 = all). */
GPtrArray *_pt_store_outbox_list     (PtStore  *self,
                                      gint64    after_seq,
                                      guint     limit,
                                      GError  **error);
/* Queues a document (no-op when it is already queued: it keeps its place
 * and its queued_at). */
gboolean  _pt_store_outbox_add       (PtStore      *self,
                                      const gchar  *collection,
                                      const gchar  *doc_id,
                                      GError      **error);
/* Removes the entry of a document whose push was acknowledged.  When
 * @pushed_version is not NULL the entry is only removed if the row's
 * current version is still @pushed_version — a local edit made while the
 * push was in flight keeps the document queued.  *@removed (may be NULL)
 * says whether it was removed. */
gboolean  _pt_store_outbox_remove    (PtStore      *self,
                                      const gchar  *collection,
                                      const gchar  *doc_id,
                                      const gchar  *pushed_version,
                                      gboolean     *removed,
                                      GError      **error);
gint64    _pt_store_outbox_length    (PtStore *self);
/* Sets the kept outbox length to the number of entries (count(*), a
 * scan) when they differ, in its own write transaction, and returns the
 * number of entries (-1 on error).  For a caller that has found the kept
 * length contradicting the outbox (e.g. negative, or entries left when it
 * says none). */
gint64    _pt_store_outbox_recount   (PtStore  *self,
                                      GError  **error);
/* When the oldest queued entry was queued (ms since the epoch), 0 when
 * the outbox is empty: one seek, whatever its length. */
gint64    _pt_store_outbox_oldest_ms (PtStore *self);

/* ---- Meta (per file, never synced) -------------------------------------- */

/* Keys used by the store: "tenant_id", "device_id", "hlc" (largest stamp
 * issued or observed), "created_at".  The sync engine may add its own
 * ("sync.resume_token", ...). */
gchar    *_pt_store_meta_get         (PtStore      *self,
                                      const gchar  *key);
/* @value NULL deletes the key. */
gboolean  _pt_store_meta_set         (PtStore      *self,
                                      const gchar  *key,
                                      const gchar  *value,
                                      GError      **error);
/* Records @stamp as the clock's high-water mark (in doc_stats "hlc")
 * when it is newer than the one stored, so the clock restarts past it.
 * Call inside the transaction that stores data carrying @stamp: the
 * latest stamp of the transaction is written once, at its outermost
 * commit. */
gboolean  _pt_store_note_stamp       (PtStore      *self,
                                      const gchar  *stamp,
                                      GError      **error);
/* The high-water mark noted so far, as a stamp of this device; NULL when
 * none was. */
gchar    *_pt_store_noted_stamp      (PtStore      *self);

/* ---- Derived data ------------------------------------------------------- */

/* Rebuilds the stock cache (per batch and per medicine sums) from the
 * ledger and the search index from the documents. */
gboolean  _pt_store_rebuild_derived  (PtStore  *self,
                                      GError  **error);

/* Merges each search index into one segment (after a bulk load: fewer
 * segments, faster queries).  Opens its own transaction. */
gboolean  _pt_store_optimize_search  (PtStore  *self,
                                      GError  **error);

/* ---- Direct load of documents the store makes itself ------------------ */

/* pt-store-load.c.  For data valid by construction (demo data): no validation, permission,
 * plan or unique check, no stored row read; the rows, outbox entries and
 * audit events are those of the public operations.  Use inside an open
 * bulk transaction (_pt_store_set_bulk, _pt_store_begin); a load may span
 * several transactions. */
typedef struct _PtStoreLoad PtStoreLoad;

/* Starts a load that will fill @tables (NULL-terminated collection
 * names): the secondary indexes of those that are empty now, and the
 * triggers of all of them and of the audit log, are dropped until
 * _pt_store_load_finish () (or the next open of the store, after a crash),
 * which recomputes the counters and the stock cache.  Until then, look
 * nothing up by those indexes and trust no count or stock figure. */
PtStoreLoad *_pt_store_load_begin    (PtStore             *self,
                                      const gchar * const *tables,
                                      GError             **error);
gboolean  _pt_store_load_indexes_deferred (PtStoreLoad *load);
/* Builds the dropped indexes and triggers and recomputes the counters
 * and the stock cache (inside the caller's transaction). */
gboolean  _pt_store_load_finish      (PtStoreLoad  *load,
                                      GError      **error);
void      _pt_store_load_free        (PtStoreLoad  *load);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (PtStoreLoad, _pt_store_load_free)

/* A new document made of @fields (registry fields), as pt_store_put ()
 * stores it, with its outbox entry and, unless @action is NULL, its audit
 * event (@action, @reason).  @out_id (may be NULL) gets the new id. */
gboolean  _pt_store_load_insert      (PtStoreLoad   *load,
                                      const gchar   *collection,
                                      const bson_t  *fields,
                                      const gchar   *action,
                                      const gchar   *reason,
                                      gchar          out_id[PT_OID_HEX_LEN + 1],
                                      GError       **error);
/* pt_store_receive_stock () for a receipt already checked (quantity > 0,
 * expiry in the future, lot stripped, pharmacy given): a new batch, or a
 * top-up of @same_lot_batch_id, and the receipt movement. */
gboolean  _pt_store_load_receive     (PtStoreLoad     *load,
                                      const PtReceipt *receipt,
                                      const gchar     *same_lot_batch_id,
                                      gchar            out_batch_id[PT_OID_HEX_LEN + 1],
                                      GError         **error);
/* pt_store_adjust_stock () for a delta known not to take the batch below
 * zero: the movement and its audit event. */
gboolean  _pt_store_load_adjust      (PtStoreLoad  *load,
                                      const gchar  *batch_id,
                                      const gchar  *medicine_id,
                                      const gchar  *pharmacy_id,
                                      PtQuantity    delta,
                                      const gchar  *reason,
                                      GError      **error);
/* One ledger movement without an audit event of its own. */
gboolean  _pt_store_load_movement    (PtStoreLoad  *load,
                                      const gchar  *batch_id,
                                      const gchar  *medicine_id,
                                      const gchar  *pharmacy_id,
                                      PtQuantity    quantity,
                                      const gchar  *kind,
                                      const gchar  *reason,
                                      PtTime        at,
                                      gchar         out_id[PT_OID_HEX_LEN + 1],
                                      GError      **error);
/* One audit event (@fields: NULL-terminated names). */
gboolean  _pt_store_load_audit       (PtStoreLoad         *load,
                                      const gchar         *collection,
                                      const gchar         *doc_id,
                                      const gchar         *action,
                                      const gchar * const *fields,
                                      const gchar         *reason,
                                      GError             **error);

/* ---- Search internals (shared with the benchmark) ----------------------- */

/* The FTS5 query that matches every word of @query as a prefix, in
 * @columns only when not NULL ("{first_name last_name}"); NULL when the
 * query has no word. */
gchar    *_pt_fts_prefix_query       (const gchar *query,
                                      const gchar *columns);
/* The medicine search, stage by stage: the barcode (?1 the query), names
 * starting with the query (?1 the query, ?2 its upper bound: the query
 * followed by U+10FFFF, ?3 the limit), then the FTS statement (?1 an FTS
 * query, ?2 the limit) for each of _pt_medicine_search_stages (). */
extern const gchar *const _pt_medicine_barcode_sql;
extern const gchar *const _pt_medicine_prefix_sql;
extern const gchar *const _pt_medicine_fts_sql;
GPtrArray *_pt_medicine_search_stages (const gchar *query);
/* The catalogue row of a statement's current result; the statement
 * selects (id, doc, stock on hand, nearest expiry). */
PtMedicineRow *_pt_medicine_row_from_stmt (sqlite3_stmt *stmt);

G_END_DECLS
