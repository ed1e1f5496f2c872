/* pt-sync-engine-private.h: what the engine's files share
 * (pt-sync-engine.c: the object, its status and the live worker;
 * pt-sync-engine-once.c: one whole run, `sync --once`). */
#pragma once

#include "pt-sync-private.h"

G_BEGIN_DECLS

struct _PtSyncEngine
{
  GObject          parent_instance;

  gchar           *data_dir;
  gchar           *uri;
  gchar           *database;
  guint            poll_interval_ms;
  GMainContext    *context;          /* where signals are emitted … */
  GThread         *home;             /* … by the thread that created it */

  PtStore         *gui_store;
  gulong           committed_id;
  GNetworkMonitor *monitor;
  gulong           network_id;

  GMutex           lock;
  GCond            cond;
  GThread         *thread;
  gboolean         stopping;
  gboolean         wake;
  gboolean         offline;
  gboolean         network_back;
  PtSyncStatus     status;           /* under lock */
  gboolean         emit_pending;     /* under lock */
  gint64           last_conflicts;   /* under lock */
  gint             runs;             /* worker + one-shot runs; under lock */
  gboolean         conflict_pending; /* under lock */
};

/* Publishes the session's figures with @state; emits "status-changed" on
 * the engine's context when anything moved. */
void     _pt_sync_engine_publish   (PtSyncEngine  *self,
                                    PtSyncSession *s,
                                    PtSyncState    state,
                                    const GError  *error,
                                    gint           retry_in_seconds);
/* A run starts or ends: the store's running lock (for `status` in any
 * process) and the engine's own count. */
gint     _pt_sync_engine_run_begin (PtSyncEngine  *self,
                                    PtSyncSession *s);
void     _pt_sync_engine_run_end   (PtSyncEngine  *self,
                                    gint           lock_fd);

G_END_DECLS
