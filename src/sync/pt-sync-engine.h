/* pt-sync-engine.h: the sync engine of DESIGN §5, as the GUI and the CLI
 * see it.
 *
 * A PtSyncEngine reconciles the tenant store in one data dir with a MongoDB
 * database (Atlas) in both directions.  It runs on a worker thread with its
 * own mongoc client and its own PtStore connection; the caller only sees
 * status snapshots and the "status-changed" signal, which is emitted on the
 * GMainContext that was the thread-default when the engine was created.
 *
 * Signals:
 *   "status-changed" (PtSyncEngine *engine, gpointer user_data)
 *       The state or any figure of pt_sync_engine_get_status() changed.
 *   "conflict" (PtSyncEngine *engine, gpointer user_data)
 *       New entries were added to the conflict log.
 */
#pragma once

#include <gio/gio.h>
#include "pt-core.h"
#include "pt-store.h"

G_BEGIN_DECLS

/* Failures of the sync engine that callers tell apart by their code (the
 * Connect page, `connect`, the Sync page); the message is always a
 * sentence for staff.  Every other failure is in PT_ERROR.  The values are
 * stored (sync_unreadable.reason): add new ones at the end only. */
#define PT_SYNC_ERROR (pt_sync_error_quark ())

typedef enum
{
  PT_SYNC_ERROR_KEY_MISSING = 1,     /* the pharmacy encrypts patient records
                                        and this counter has no key file */
  PT_SYNC_ERROR_WRONG_KEY,           /* this counter's key is not the
                                        pharmacy's */
  PT_SYNC_ERROR_KEY_FILE_UNREADABLE, /* a key file that cannot be read */
  PT_SYNC_ERROR_KEY_FILE_INVALID,    /* a file that is not a key file */
  PT_SYNC_ERROR_RECORD_KEY_MISSING,  /* a record in the cloud encrypted with
                                        a key the pharmacy does not have */
  PT_SYNC_ERROR_RECORD_DAMAGED,      /* a record in the cloud whose
                                        encrypted bytes are damaged */
  PT_SYNC_ERROR_RECORDS_UNREADABLE,  /* a one-shot sync: everything is in
                                        step but records of the cloud this
                                        counter cannot read, left out here
                                        (the message says which, one line
                                        per kind and cause) */
  PT_SYNC_ERROR_KEY_FILE_UNSAFE,     /* this counter's copy of the key can
                                        be read by other users and could not
                                        be made private */
} PtSyncError;

GQuark pt_sync_error_quark (void);

typedef enum
{
  PT_SYNC_STATE_OFFLINE,         /* stopped, or "work offline" chosen */
  PT_SYNC_STATE_CONNECTING,
  PT_SYNC_STATE_INITIAL_SYNC,    /* first sync / catch-up: n of N */
  PT_SYNC_STATE_LIVE,            /* up to date, following the server */
  PT_SYNC_STATE_BACKING_OFF,     /* transient failure; retry in s */
  PT_SYNC_STATE_NEEDS_ATTENTION, /* bad credentials, tenant not found,
                                    bad URI: staff must act (message) */
} PtSyncState;

/* "offline", "connecting", "initial-sync", "live", "backing-off",
 * "needs-attention" (stable, used by `status --json`). */
const gchar *pt_sync_state_to_string (PtSyncState state);
/* Translated label for the GUI ("Working offline", "Up to date", …). */
const gchar *pt_sync_state_to_label  (PtSyncState state);

#define PT_TYPE_SYNC_STATUS (pt_sync_status_get_type ())

typedef struct
{
  PtSyncState state;
  gchar      *message;           /* a sentence for staff: what is wrong and
                                    what to do (BACKING_OFF,
                                    NEEDS_ATTENTION); NULL otherwise */
  gint        error_code;        /* PtErrorCode of the last failure, -1 */
  gint        retry_in_seconds;  /* BACKING_OFF: seconds until the retry */
  gboolean    polling;           /* pulling by polling (no change streams) */
  gint64      last_push_ms;      /* epoch ms of the last successful push
                                    round; 0 = never */
  gint64      last_pull_ms;      /* epoch ms of the last applied pull */
  gint64      pending_count;     /* outbox entries waiting to be pushed */
  gint64      oldest_pending_ms; /* epoch ms of the oldest; 0 = none */
  gint64      conflicts;         /* conflict log entries not reviewed */
  gint64      quarantined;       /* writes the server refused for good */
  gint64      dropped_foreign;   /* inbound documents of another tenant
                                    dropped (never stored) */
  gint64      max_clock_skew_ms; /* largest skew seen in remote stamps */
  gint64      initial_done;      /* initial sync: documents done … */
  gint64      initial_total;     /* … of total (countDocuments); 0/0 when
                                    not in an initial sync */
  gint64      pushed_total;      /* documents pushed since start */
  gint64      pulled_total;      /* documents applied since start */
  gboolean    running;           /* a sync engine runs on this store now
                                    (in this process or another one) */
  gint64      unreadable;        /* documents in the cloud this counter
                                    cannot decrypt, left out here
                                    (pt_sync_unreadable_describe()) */
  GQuark      error_domain;      /* domain of error_code (PT_ERROR or
                                    PT_SYNC_ERROR); 0 when none */
} PtSyncStatus;

GType         pt_sync_status_get_type (void) G_GNUC_CONST;
PtSyncStatus *pt_sync_status_copy     (const PtSyncStatus *status);
void          pt_sync_status_free     (PtSyncStatus *status);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (PtSyncStatus, pt_sync_status_free)

/* The sync status of @store computed now from the store itself, whether a
 * sync runs in this process, in another one or in none: pending count and
 * time of the oldest pending change (outbox), conflicts to review,
 * quarantined writes, dropped foreign-tenant documents, last push/pull,
 * initial-sync progress and clock skew.  @state and @message: while an
 * engine runs on the store (@running; it holds a lock the system releases
 * when the process dies, however it dies), the ones it recorded last; when
 * none runs, OFFLINE — or NEEDS_ATTENTION with its message when the last
 * run stopped on something staff must fix.  pushed_total and pulled_total
 * are 0 (they count one run).  Never NULL. */
PtSyncStatus *pt_sync_status_new_from_store (PtStore *store);
/* The state the last sync run on @store recorded (NULL: none ever ran),
 * whether or not it still runs. */
gchar        *pt_sync_status_dup_recorded_state (PtStore *store);
/* TRUE while a sync engine (live worker or one-shot run) of any process
 * works on the tenant store of @data_dir. */
gboolean      pt_sync_is_running          (const gchar *data_dir,
                                           const gchar *tenant_id);

/* One entry of the conflict log: a field value that lost a merge. */
typedef struct
{
  gint64   id;
  gchar   *collection;
  gchar   *document_id;          /* hex ObjectId */
  gchar   *field;                /* top-level field name */
  gchar   *lost_value;           /* relaxed Extended JSON of the value that
                                    lost ("null" when it was absent) */
  gchar   *kept_value;           /* … and of the value that was kept */
  gchar   *lost_device;          /* device id of the losing write;
                                    "0000000000000000" = a foreign writer
                                    (web dashboard, mongosh) */
  gchar   *kept_device;
  gint64   lost_at_ms;           /* time of the losing write (its stamp) */
  gint64   logged_at_ms;         /* when the merge happened */
  gchar   *reason;               /* "newer-write-wins",
                                    "dispensed-vs-cancelled", … */
  gboolean reviewed;
} PtSyncConflict;

void pt_sync_conflict_free (PtSyncConflict *conflict);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (PtSyncConflict, pt_sync_conflict_free)

/* A local write the server refused for good (validation, schema).  The
 * local document is kept as it is; it is pushed again when it changes. */
typedef struct
{
  gchar   *collection;
  gchar   *document_id;
  gint     server_code;          /* the server's error code, e.g. 121; 0:
                                    refused here (the message is ours);
                                    -1: refused by the driver (too large) */
  gchar   *server_message;       /* the server's own words */
  gint64   at_ms;
} PtSyncQuarantined;

void pt_sync_quarantined_free (PtSyncQuarantined *q);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (PtSyncQuarantined, pt_sync_quarantined_free)

/* What staff read about @q: why the cloud refused it and what to do, in a
 * sentence (a barcode, e-mail address or prescription number another
 * record holds is named).  The server's own words stay in
 * q->server_message, for the log and support. */
gchar *pt_sync_quarantined_describe (const PtSyncQuarantined *q);

/* A document of this tenant in the cloud whose encrypted fields this
 * counter cannot decrypt (damaged bytes, or a key the pharmacy does not
 * have, e.g. written by a foreign writer).  It is left out of the local
 * store (a local copy stays as it was; a local change to it is
 * quarantined), every other document keeps syncing, and it leaves this
 * list when a readable version of it arrives. */
typedef struct
{
  gchar   *collection;
  gchar   *document_id;
  gchar   *message;              /* a sentence for staff */
  gint64   at_ms;                /* when it was last seen unreadable */
  gint     reason;               /* PT_SYNC_ERROR_KEY_MISSING,
                                    _RECORD_KEY_MISSING or
                                    _RECORD_DAMAGED; 0 = not recorded
                                    (listed by an earlier version) */
} PtSyncUnreadable;

void       pt_sync_unreadable_free     (PtSyncUnreadable *u);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (PtSyncUnreadable, pt_sync_unreadable_free)
gint64     pt_sync_count_unreadable    (PtStore  *store);
/* PtSyncUnreadable *, newest first. */
GPtrArray *pt_sync_list_unreadable     (PtStore  *store,
                                        GError  **error);
/* The sentence staff read about @n unreadable documents; NULL for 0. */
gchar     *pt_sync_unreadable_describe (gint64    n);
/* What staff read about the unreadable documents of @list
 * (PtSyncUnreadable *): one sentence per kind of record and cause, saying
 * what to do ("3 patient records from the cloud cannot be read on this
 * counter: the encryption key is missing. Ask your administrator for the
 * key file."), the largest group first.  NULL-terminated; empty for an
 * empty list. */
GStrv      pt_sync_unreadable_summarise (GPtrArray *list);

#define PT_TYPE_SYNC_ENGINE (pt_sync_engine_get_type ())
G_DECLARE_FINAL_TYPE (PtSyncEngine, pt_sync_engine, PT, SYNC_ENGINE, GObject)

/* @data_dir: the tenant store's dir (must exist).  @uri: mongodb:// or
 * mongodb+srv:// (never logged with its password).  @database: NULL =
 * "pharmatrack".  Nothing connects until pt_sync_engine_start(). */
PtSyncEngine *pt_sync_engine_new          (const gchar *data_dir,
                                           const gchar *uri,
                                           const gchar *database);

/* The GUI's own store: its "committed" signal wakes the pusher at once,
 * and the conflict/quarantine calls below use it.  Optional. */
void          pt_sync_engine_set_store    (PtSyncEngine *self,
                                           PtStore      *store);
/* Polling interval when the server has no change streams (default 2000). */
void          pt_sync_engine_set_poll_interval (PtSyncEngine *self,
                                                guint         ms);

/* Starts the worker (returns at once; progress comes as status).  FALSE
 * with PT_ERROR_INVALID for a malformed URI. */
gboolean      pt_sync_engine_start        (PtSyncEngine *self,
                                           GError      **error);
/* Stops the worker and waits for it: the resume token and checkpoints are
 * saved; nothing local is lost.  Safe to call twice. */
void          pt_sync_engine_stop         (PtSyncEngine *self);
/* Push and pull now; also ends a backoff wait. */
void          pt_sync_engine_sync_now     (PtSyncEngine *self);
/* TRUE: disconnect and stay offline (the outbox keeps filling). */
void          pt_sync_engine_set_offline  (PtSyncEngine *self,
                                           gboolean      offline);
gboolean      pt_sync_engine_get_offline  (PtSyncEngine *self);

/* A snapshot; free with pt_sync_status_free(). Thread-safe. */
PtSyncStatus *pt_sync_engine_get_status   (PtSyncEngine *self);

/* Blocking, on the calling thread (CLI `sync --once`, `connect`): push
 * everything, pull everything (initial sync when needed), and succeed only
 * when the local store and the server agree.  @progress (may be NULL) gets
 * documents done/total during an initial sync. */
gboolean      pt_sync_engine_run_once     (PtSyncEngine   *self,
                                           PtProgressFunc  progress,
                                           gpointer        progress_data,
                                           GCancellable   *cancellable,
                                           GError        **error);

/* Conflict log, newest first (PtSyncConflict *). */
GPtrArray    *pt_sync_engine_list_conflicts (PtSyncEngine *self,
                                             gboolean      include_reviewed,
                                             GError      **error);
gboolean      pt_sync_engine_mark_conflict_reviewed (PtSyncEngine *self,
                                                     gint64        id,
                                                     GError      **error);
/* Quarantined writes (PtSyncQuarantined *). */
GPtrArray    *pt_sync_engine_list_quarantined (PtSyncEngine *self,
                                               GError      **error);

/* Documents in the cloud this counter cannot decrypt
 * (PtSyncUnreadable *). */
GPtrArray    *pt_sync_engine_list_unreadable (PtSyncEngine *self,
                                              GError      **error);

/* @uri with its password replaced by "****", for messages and logs. */
gchar        *pt_sync_redact_uri          (const gchar *uri);

G_END_DECLS
