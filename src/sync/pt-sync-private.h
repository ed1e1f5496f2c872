/* pt-sync-private.h: the sync session shared by the engine's worker thread
 * and the blocking one-shot run (CLI).  One session = one mongoc client +
 * one PtStore connection, used from one thread. */
#pragma once

#include <mongoc/mongoc.h>
#include "pt-store-sync.h"
#include "pt-sync-crypt.h"
#include "pt-sync-engine.h"
#include "pt-sync-error.h"

G_BEGIN_DECLS

#define PT_SYNC_PUSH_BATCH 1000
/* Outbox entries read at a time: a counter's edit comes with its audit
 * event, so each collection's bulk still carries up to PT_SYNC_PUSH_BATCH. */
#define PT_SYNC_PUSH_READ 2000
#define PT_SYNC_PAGE 1000
/* Initial sync / catch-up: documents per server batch, each applied in
 * one transaction with its checkpoint (fewer, larger commits: every
 * commit is an fsync and rewrites the touched index pages). */
#define PT_SYNC_CATCHUP_BATCH 5000
/* A stop request acts within this many documents of a catch-up page. */
#define PT_SYNC_CANCEL_SLICE 500
#define PT_SYNC_DEFAULT_DATABASE "pharmatrack"
/* Polling re-reads what changed in this window before the last poll, so
 * counters' clocks may disagree by this much. */
#define PT_SYNC_POLL_SLACK_MS (5 * 60 * 1000)

typedef struct _PtSyncSession PtSyncSession;

/* Progress/status callback: the session calls it whenever a figure moves. */
typedef void (*PtSyncReportFunc) (PtSyncSession *session, gpointer data);

struct _PtSyncSession
{
  PtStore              *store;
  gchar                *uri_string;
  gchar                *db_name;
  gchar                *tenant_id;
  bson_oid_t            tenant_oid;

  mongoc_client_t      *client;
  mongoc_database_t    *db;
  mongoc_change_stream_t *stream;
  PtSyncCrypt          *crypt;         /* NULL: tenant not encrypted */
  gboolean              polling;       /* server without change streams */
  guint                 poll_interval_ms;
  gint64                next_poll_ms;  /* monotonic */
  guint                 await_ms;      /* maxAwaitTimeMS of the stream */
  gint64                token_saved_ms; /* monotonic */

  /* Figures for the status. */
  PtSyncState           state;
  gint64                initial_done;
  gint64                initial_total;
  gint64                pushed_total;
  gint64                pulled_total;
  gint64                last_push_ms;
  gint64                last_pull_ms;
  gint64                new_conflicts;

  PtSyncReportFunc      report;
  gpointer              report_data;
  GCancellable         *cancellable;
};

PtSyncSession *_pt_sync_session_new      (const gchar *data_dir,
                                          const gchar *uri,
                                          const gchar *database,
                                          GError     **error);
void           _pt_sync_session_free     (PtSyncSession *session);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (PtSyncSession, _pt_sync_session_free)

/* Drops the connection (kept data: none; everything is in the store). */
void           _pt_sync_session_disconnect (PtSyncSession *session);

/* Connects, checks the server answers and the tenant exists (or is
 * waiting in our outbox).  *failure gets the classification on error. */
gboolean       _pt_sync_session_connect  (PtSyncSession  *session,
                                          PtSyncFailure  *failure,
                                          GError        **error);
gboolean       _pt_sync_session_initial_complete (PtSyncSession *session);

/* Initial sync / catch-up: opens the stream first, pages every collection
 * by {tenantId} in _id order with a checkpoint, then leaves the stream
 * open for live tailing.  Resumes after a crash. */
gboolean       _pt_sync_session_catch_up (PtSyncSession  *session,
                                          PtSyncFailure  *failure,
                                          GError        **error);
/* Pushes the whole outbox (batches of ≤ 1,000).  *pushed (may be NULL)
 * gets the number of documents acknowledged. */
gboolean       _pt_sync_session_push_all (PtSyncSession  *session,
                                          gint64         *pushed,
                                          PtSyncFailure  *failure,
                                          GError        **error);
/* One pull step: one change-stream batch (waits up to await_ms), or a poll
 * when due.  *got gets the number of changes applied. */
gboolean       _pt_sync_session_pull     (PtSyncSession  *session,
                                          gint64         *got,
                                          PtSyncFailure  *failure,
                                          GError        **error);
/* Marks the resume point as lost: the next run catches up (this tenant
 * only; nothing local is dropped). */
gboolean       _pt_sync_session_reset_resume (PtSyncSession *session,
                                              GError       **error);

/* Local figures for the status. */
void           _pt_sync_session_fill_status (PtSyncSession *session,
                                             PtSyncStatus  *status);

/* Server agrees with the store: same number of documents per collection
 * and nothing pending.  FALSE with a sentence otherwise. */
gboolean       _pt_sync_session_verify   (PtSyncSession  *session,
                                          GError        **error);

/* ---- Shared by pt-sync-session.c, -catchup.c, -pull.c ------------------ */

/* Calls the session's report callback (a figure moved). */
void           _pt_sync_session_report   (PtSyncSession *session);
/* Sets @error from a driver error (the pharmacist's sentence; the raw
 * text to the log) and *@failure (may be NULL).  Returns FALSE. */
gboolean       _pt_sync_fail             (const bson_error_t *berr,
                                          const gchar        *what,
                                          PtSyncFailure      *failure,
                                          GError            **error);
/* A local (SQLite) failure: retried like a transient one.  FALSE. */
gboolean       _pt_sync_fail_local       (PtSyncFailure *failure);
/* {tenantId: T} — or {_id: T} for the tenants collection. */
void           _pt_sync_session_append_tenant_filter (PtSyncSession      *session,
                                                      const PtCollection *collection,
                                                      bson_t             *filter);
/* The synced collections of the registry (borrowed PtCollection *). */
GPtrArray     *_pt_sync_synced_collections (void);
/* A resume token saved as canonical Extended JSON; NULL for NULL. */
bson_t        *_pt_sync_token_from_json  (const gchar *json);
/* Adds a transaction's apply figures to the session's totals. */
void           _pt_sync_session_account  (PtSyncSession          *session,
                                          const PtSyncApplyStats *stats);
/* Opens the change stream on the database (tenant $match, updateLookup),
 * from @resume_after when not NULL.  *@failure says
 * PT_SYNC_FAILURE_NO_CHANGE_STREAMS for a server that has none. */
gboolean       _pt_sync_session_open_stream (PtSyncSession  *session,
                                             const bson_t   *resume_after,
                                             PtSyncFailure  *failure,
                                             GError        **error);
/* Saves the stream's current resume token as meta "sync.<key>" (inside
 * the caller's transaction). */
gboolean       _pt_sync_session_save_stream_token (PtSyncSession *session,
                                                   const gchar   *key,
                                                   GError       **error);

/* Encryption hooks (pt-sync-crypt.c).  Opens s->crypt on the connected
 * client: the tenant's data key with this counter's master key. */
gboolean       _pt_sync_session_open_crypt (PtSyncSession  *session,
                                            PtSyncFailure  *failure,
                                            GError        **error);
/* pt_store_sync_apply_remote() of the clear document of @remote (as the
 * server sent it): sensitive fields decrypted; a sensitive value a foreign
 * writer left in clear is kept and queued to go back encrypted. */
gboolean       _pt_sync_session_apply_remote (PtSyncSession      *session,
                                              const PtCollection *collection,
                                              const bson_t       *remote,
                                              PtSyncApplyStats   *stats,
                                              GError            **error);
/* The same for pt_store_sync_apply_batch() (catch-up pages, live
 * batches): a pass-through for collections without sensitive fields. */
gboolean       _pt_sync_session_apply_batch (PtSyncSession       *session,
                                             const PtCollection  *collection,
                                             const bson_t * const *docs,
                                             guint                n_docs,
                                             PtSyncApplyStats    *stats,
                                             GError             **error);
/* *wire: @doc with its sensitive fields encrypted, NULL to send @doc. */
gboolean       _pt_sync_session_encrypt  (PtSyncSession      *session,
                                          const PtCollection *collection,
                                          const bson_t       *doc,
                                          bson_t            **wire,
                                          GError            **error);
/* TRUE when the server copy behind @base holds sensitive values in clear
 * that this counter must push again, encrypted. */
gboolean       _pt_sync_session_base_in_clear (PtSyncSession *session,
                                               const bson_t  *base);

/* Unreadable documents (pt-sync-crypt-unreadable.c): TRUE when a
 * decryption @error is about the value (damaged, unknown key), not the
 * connection. */
gboolean       _pt_sync_unreadable_is_value_error (const GError *error);
/* Lists (or updates) @id as unreadable because of @why (its message and
 * its PT_SYNC_ERROR code), inside the caller's transaction. */
gboolean       _pt_sync_unreadable_note  (PtStore            *store,
                                          const PtCollection *collection,
                                          const gchar        *id,
                                          const GError       *why,
                                          GError            **error);
/* A readable version of @id arrived: off the list. */
gboolean       _pt_sync_unreadable_forget (PtStore            *store,
                                           const PtCollection *collection,
                                           const gchar        *id,
                                           GError            **error);

/* Held by every running engine (worker thread, one-shot run) on its
 * store: a shared lock on DATA_DIR/tenant-<id>.sync-lock that the kernel
 * drops when the process ends, even by SIGKILL.  -1 when it cannot be
 * taken (the sync still runs; `status` may then say offline). */
gint           _pt_sync_running_lock     (const gchar *data_dir,
                                          const gchar *tenant_id);
void           _pt_sync_running_unlock   (gint         fd);

/* mongoc_init() once per process (idempotent, thread-safe). */
void           pt_sync_init_driver       (void);

G_END_DECLS
