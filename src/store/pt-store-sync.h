/* pt-store-sync.h: the store side of the sync engine (DESIGN §5).
 *
 * Works on the caller's PtStore connection (the sync worker opens its own).
 * The conflict log, the quarantine and the sync bookkeeping live in tables
 * this module creates itself (idempotently) on first use, apart from the
 * store's own migrations: sync_conflicts, sync_quarantine; the resume token
 * and checkpoints are meta keys "sync.*".
 */
#pragma once

#include <glib.h>
#include <bson/bson.h>
#include "pt-store.h"
#include "pt-store-private.h"

G_BEGIN_DECLS

/* Creates the sync tables when missing.  Cheap; called by every entry
 * point below, once per connection. */
gboolean  pt_store_sync_ensure_schema (PtStore *store, GError **error);

/* ---- Push --------------------------------------------------------------- */

typedef struct
{
  gint64              seq;
  const PtCollection *collection;
  PtRawRow           *row;       /* the row as it is now */
} PtSyncOutboxItem;

void pt_sync_outbox_item_free (PtSyncOutboxItem *item);

/* Up to @limit outbox entries after @after_seq with their rows, in seq
 * order.  Entries whose document no longer exists are removed. */
GPtrArray *pt_store_sync_outbox_batch (PtStore  *store,
                                       gint64    after_seq,
                                       guint     limit,
                                       GError  **error);

/* The server acknowledged @server_doc (what was written, incl. _sync) for
 * the row at @pushed_version: base := @server_doc; the outbox entry goes
 * only when the row was not edited since; a quarantine entry is cleared.
 * Opens its own transaction unless one is open; inside the caller's
 * transaction a failure leaves it to the caller to roll back. */
gboolean  pt_store_sync_mark_pushed  (PtStore            *store,
                                      const PtCollection *collection,
                                      const gchar        *id,
                                      const gchar        *pushed_version,
                                      const bson_t       *server_doc,
                                      GError            **error);

/* One acknowledged write of a bulk: the outbox item it was sent from
 * (the row as read) and what the server now holds, the new base. */
typedef struct
{
  const PtSyncOutboxItem *item;
  const bson_t           *server_doc;
} PtSyncPushed;

/* pt_store_sync_mark_pushed() for the writes of one acknowledged bulk of
 * @collection, inside the caller's transaction.  A row still as it was
 * read (version, document and stamps, checked by the statement that sets
 * its base) is not read again and the outbox entries of those rows go in
 * one statement; a row edited since goes through
 * pt_store_sync_mark_pushed() and stays queued. */
gboolean  pt_store_sync_mark_pushed_many (PtStore            *store,
                                          const PtCollection *collection,
                                          const PtSyncPushed *pushed,
                                          guint               n_pushed,
                                          GError            **error);

/* The server lost this document (CAS on a document that no longer
 * exists): forget the base so the next push inserts it again. */
gboolean  pt_store_sync_forget_base  (PtStore            *store,
                                      const PtCollection *collection,
                                      const gchar        *id,
                                      GError            **error);

/* The server refused the write for good: keep the row, record the
 * server's message, take it out of the queue (a later local edit queues it
 * again). */
gboolean  pt_store_sync_quarantine   (PtStore            *store,
                                      const PtCollection *collection,
                                      const gchar        *id,
                                      const gchar        *version,
                                      gint                server_code,
                                      const gchar        *server_message,
                                      GError            **error);

/* ---- Pull --------------------------------------------------------------- */

typedef struct
{
  gint64 applied;        /* rows written or changed */
  gint64 unchanged;      /* already known (echo of our own push, replay) */
  gint64 conflicts;      /* conflict log entries added */
  gint64 dropped_foreign;/* documents of another tenant, never stored */
  gint64 requeued;       /* merged rows that must still be pushed */
  gchar  max_stamp[PT_HLC_STAMP_LEN + 1]; /* newest remote stamp seen: the
                                             caller records it with
                                             pt_store_sync_note_stamps()
                                             before committing */
} PtSyncApplyStats;

/* Records @stats->max_stamp as the clock's high-water mark (once per
 * transaction rather than once per document). */
gboolean  pt_store_sync_note_stamps  (PtStore                *store,
                                      const PtSyncApplyStats *stats,
                                      GError                **error);

/* Applies one document read from the server (change event, catch-up page,
 * lost-CAS find) through the merge.  Must be called inside a transaction
 * (_pt_store_begin) that also saves the resume token / checkpoint the
 * document is covered by.  A document of another tenant is dropped and
 * counted (meta "sync.dropped_foreign"). */
gboolean  pt_store_sync_apply_remote (PtStore            *store,
                                      const PtCollection *collection,
                                      const bson_t       *remote,
                                      PtSyncApplyStats   *stats,
                                      GError            **error);

/* Applies a page of server documents of @collection, in order, inside
 * the caller's transaction (which must also save the checkpoint or resume
 * token covering them).  The outcome is that of
 * pt_store_sync_apply_remote() on each document in turn, but built for
 * initial sync and catch-up: which rows exist locally is learnt with one
 * query for the whole page, and a document with no local row is inserted
 * directly with base = the server copy (nothing to merge), without
 * copying it.  Documents of another tenant are dropped and counted once
 * per page.  @stats is required; the caller records stats->max_stamp with
 * pt_store_sync_note_stamps() before committing. */
gboolean  pt_store_sync_apply_batch  (PtStore            *store,
                                      const PtCollection *collection,
                                      const bson_t * const *docs,
                                      guint               n_docs,
                                      PtSyncApplyStats   *stats,
                                      GError            **error);

/* A first sync into empty tables (enrolment) writes rows without the
 * secondary indexes and triggers of the synced collections and builds
 * them once at the end.  Inside the caller's transaction:
 * pt_store_sync_defer_derived() drops them when every synced table is
 * empty and the first sync has not completed, or again when a deferred
 * first sync resumes (*@deferred says whether they are deferred now);
 * pt_store_sync_restore_derived() rebuilds indexes, triggers and the
 * counters they maintain (doc_stats, stock cache) — a no-op when nothing
 * is deferred.  A store opened in between gets its indexes back at open;
 * its counters are right once the first sync completes. */
gboolean  pt_store_sync_defer_derived    (PtStore *store, gboolean *deferred,
                                          GError **error);
gboolean  pt_store_sync_derived_deferred (PtStore *store);
gboolean  pt_store_sync_restore_derived  (PtStore *store, GError **error);

/* ---- Bookkeeping -------------------------------------------------------- */

/* Meta "sync.<key>"; NULL when unset. */
gchar    *pt_store_sync_get          (PtStore *store, const gchar *key);
gboolean  pt_store_sync_set          (PtStore *store, const gchar *key,
                                      const gchar *value, GError **error);
gint64    pt_store_sync_get_int      (PtStore *store, const gchar *key,
                                      gint64 fallback);
gboolean  pt_store_sync_set_int      (PtStore *store, const gchar *key,
                                      gint64 value, GError **error);

gint64    pt_store_sync_count_conflicts   (PtStore *store, gboolean include_reviewed);
gint64    pt_store_sync_count_quarantined (PtStore *store);
/* PtSyncConflict * (pt-sync-engine.h), newest first. */
GPtrArray *pt_store_sync_list_conflicts   (PtStore *store, gboolean include_reviewed,
                                           GError **error);
gboolean  pt_store_sync_mark_conflict_reviewed (PtStore *store, gint64 id,
                                                GError **error);
/* PtSyncQuarantined *. */
GPtrArray *pt_store_sync_list_quarantined (PtStore *store, GError **error);

G_END_DECLS
