/* pt-sync-engine.c: the sync engine object — waking its worker, its
 * status and signals, the live worker thread, the conflict, quarantine and
 * unreadable lists (one whole run, `sync --once`: pt-sync-engine-once.c). */
#define G_LOG_DOMAIN "pt-sync"
#include "config.h"

#include "pt-sync-backoff.h"
#include "pt-sync-engine-private.h"

G_DEFINE_FINAL_TYPE (PtSyncEngine, pt_sync_engine, G_TYPE_OBJECT)

enum
{
  STATUS_CHANGED,
  CONFLICT,
  N_SIGNALS
};
static guint signals[N_SIGNALS];

static void
pt_sync_engine_dispose (GObject *object)
{
  PtSyncEngine *self = PT_SYNC_ENGINE (object);

  pt_sync_engine_stop (self);
  if (self->gui_store != NULL && self->committed_id != 0)
    g_clear_signal_handler (&self->committed_id, self->gui_store);
  g_clear_object (&self->gui_store);
  if (self->monitor != NULL && self->network_id != 0)
    g_clear_signal_handler (&self->network_id, self->monitor);
  g_clear_object (&self->monitor);
  G_OBJECT_CLASS (pt_sync_engine_parent_class)->dispose (object);
}

static void
pt_sync_engine_finalize (GObject *object)
{
  PtSyncEngine *self = PT_SYNC_ENGINE (object);

  g_free (self->data_dir);
  g_free (self->uri);
  g_free (self->database);
  g_free (self->status.message);
  g_clear_pointer (&self->context, g_main_context_unref);
  g_mutex_clear (&self->lock);
  g_cond_clear (&self->cond);
  G_OBJECT_CLASS (pt_sync_engine_parent_class)->finalize (object);
}

static void
pt_sync_engine_class_init (PtSyncEngineClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = pt_sync_engine_dispose;
  object_class->finalize = pt_sync_engine_finalize;

  signals[STATUS_CHANGED] = g_signal_new ("status-changed", G_TYPE_FROM_CLASS (klass),
                                          G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                                          G_TYPE_NONE, 0);
  signals[CONFLICT] = g_signal_new ("conflict", G_TYPE_FROM_CLASS (klass),
                                    G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                                    G_TYPE_NONE, 0);
}

static void
pt_sync_engine_init (PtSyncEngine *self)
{
  g_mutex_init (&self->lock);
  g_cond_init (&self->cond);
  self->poll_interval_ms = 2000;
  self->status.state = PT_SYNC_STATE_OFFLINE;
  self->status.error_code = -1;
}

PtSyncEngine *
pt_sync_engine_new (const gchar *data_dir,
                    const gchar *uri,
                    const gchar *database)
{
  PtSyncEngine *self;

  g_return_val_if_fail (data_dir != NULL, NULL);
  g_return_val_if_fail (uri != NULL, NULL);

  self = g_object_new (PT_TYPE_SYNC_ENGINE, NULL);
  self->data_dir = g_strdup (data_dir);
  self->uri = g_strdup (uri);
  self->database = g_strdup (database != NULL ? database : PT_SYNC_DEFAULT_DATABASE);
  self->context = g_main_context_ref_thread_default ();
  self->home = g_thread_self ();
  return self;
}

/* ---- Waking the worker -------------------------------------------------- */

static void
wake_worker (PtSyncEngine *self)
{
  g_mutex_lock (&self->lock);
  self->wake = TRUE;
  g_cond_signal (&self->cond);
  g_mutex_unlock (&self->lock);
}

static void
store_committed_cb (PtStore      *store,
                    PtSyncEngine *self)
{
  wake_worker (self);
}

static void
network_changed_cb (GNetworkMonitor *monitor,
                    gboolean         available,
                    PtSyncEngine    *self)
{
  if (!available)
    return;
  g_mutex_lock (&self->lock);
  self->network_back = TRUE;
  self->wake = TRUE;
  g_cond_signal (&self->cond);
  g_mutex_unlock (&self->lock);
}

void
pt_sync_engine_set_store (PtSyncEngine *self,
                          PtStore      *store)
{
  g_return_if_fail (PT_IS_SYNC_ENGINE (self));

  if (self->gui_store != NULL && self->committed_id != 0)
    g_clear_signal_handler (&self->committed_id, self->gui_store);
  g_set_object (&self->gui_store, store);
  if (store != NULL)
    self->committed_id = g_signal_connect (store, "committed",
                                           G_CALLBACK (store_committed_cb), self);
}

void
pt_sync_engine_set_poll_interval (PtSyncEngine *self,
                                  guint         ms)
{
  g_return_if_fail (PT_IS_SYNC_ENGINE (self));
  self->poll_interval_ms = MAX (ms, 50);
}

void
pt_sync_engine_sync_now (PtSyncEngine *self)
{
  g_return_if_fail (PT_IS_SYNC_ENGINE (self));
  wake_worker (self);
}

void
pt_sync_engine_set_offline (PtSyncEngine *self,
                            gboolean      offline)
{
  g_return_if_fail (PT_IS_SYNC_ENGINE (self));
  g_mutex_lock (&self->lock);
  self->offline = !!offline;
  self->wake = TRUE;
  g_cond_signal (&self->cond);
  g_mutex_unlock (&self->lock);
}

gboolean
pt_sync_engine_get_offline (PtSyncEngine *self)
{
  gboolean offline;

  g_return_val_if_fail (PT_IS_SYNC_ENGINE (self), FALSE);
  g_mutex_lock (&self->lock);
  offline = self->offline;
  g_mutex_unlock (&self->lock);
  return offline;
}

/* ---- Status ------------------------------------------------------------- */

PtSyncStatus *
pt_sync_engine_get_status (PtSyncEngine *self)
{
  PtSyncStatus *copy;

  g_return_val_if_fail (PT_IS_SYNC_ENGINE (self), NULL);
  g_mutex_lock (&self->lock);
  copy = pt_sync_status_copy (&self->status);
  g_mutex_unlock (&self->lock);
  return copy;
}

static gboolean
emit_cb (gpointer data)
{
  PtSyncEngine *self = data;
  gboolean conflict;

  g_mutex_lock (&self->lock);
  self->emit_pending = FALSE;
  conflict = self->conflict_pending;
  self->conflict_pending = FALSE;
  g_mutex_unlock (&self->lock);

  g_signal_emit (self, signals[STATUS_CHANGED], 0);
  if (conflict)
    g_signal_emit (self, signals[CONFLICT], 0);
  return G_SOURCE_REMOVE;
}

/* The deferred emission holds the engine weakly: once its owner dropped
 * it, nothing is emitted to handlers whose data may be gone. */
static gboolean
emit_idle_cb (gpointer data)
{
  g_autoptr(PtSyncEngine) self = g_weak_ref_get (data);

  if (self != NULL)
    emit_cb (self);
  return G_SOURCE_REMOVE;
}

static void
weak_ref_free (gpointer data)
{
  g_weak_ref_clear (data);
  g_free (data);
}

static gboolean
status_equal (const PtSyncStatus *a,
              const PtSyncStatus *b)
{
  return a->state == b->state
         && g_strcmp0 (a->message, b->message) == 0
         && a->error_code == b->error_code
         && a->error_domain == b->error_domain
         && a->retry_in_seconds == b->retry_in_seconds
         && a->polling == b->polling
         && a->last_push_ms == b->last_push_ms
         && a->last_pull_ms == b->last_pull_ms
         && a->pending_count == b->pending_count
         && a->oldest_pending_ms == b->oldest_pending_ms
         && a->conflicts == b->conflicts
         && a->quarantined == b->quarantined
         && a->dropped_foreign == b->dropped_foreign
         && a->max_clock_skew_ms == b->max_clock_skew_ms
         && a->initial_done == b->initial_done
         && a->initial_total == b->initial_total
         && a->pushed_total == b->pushed_total
         && a->pulled_total == b->pulled_total
         && a->running == b->running
         && a->unreadable == b->unreadable;
}

/* Publishes the session's figures with @state; emits "status-changed" on
 * the engine's context when anything moved. */
void
_pt_sync_engine_publish (PtSyncEngine  *self,
                         PtSyncSession *s,
                         PtSyncState    state,
                         const GError  *error,
                         gint           retry_in_seconds)
{
  PtSyncStatus st = { 0 };
  gboolean changed, schedule = FALSE;

  if (s != NULL)
    {
      _pt_sync_session_fill_status (s, &st);
      st.unreadable = pt_sync_count_unreadable (s->store);
    }
  st.state = state;
  st.message = error != NULL ? error->message : NULL;
  st.error_code = error != NULL ? error->code : -1;
  st.error_domain = error != NULL ? error->domain : 0;
  st.retry_in_seconds = retry_in_seconds;

  if (s != NULL)
    {
      /* Remembered in the store for `status` in another process. */
      g_autofree gchar *saved_state = pt_store_sync_get (s->store, "state");
      g_autofree gchar *saved_message = pt_store_sync_get (s->store, "message");

      if (g_strcmp0 (saved_state, pt_sync_state_to_string (state)) != 0
          || g_strcmp0 (saved_message, st.message) != 0)
        {
          pt_store_sync_set (s->store, "state", pt_sync_state_to_string (state), NULL);
          pt_store_sync_set (s->store, "message", st.message, NULL);
        }
    }

  g_mutex_lock (&self->lock);
  st.running = self->runs > 0;
  changed = !status_equal (&st, &self->status);
  if (changed)
    {
      if (st.conflicts > self->last_conflicts)
        self->conflict_pending = TRUE;
      self->last_conflicts = st.conflicts;
      g_free (self->status.message);
      self->status = st;
      self->status.message = g_strdup (st.message);
      if (!self->emit_pending)
        self->emit_pending = schedule = TRUE;
    }
  g_mutex_unlock (&self->lock);

  /* Outside the lock.  On the engine's own thread, at once.  From the
   * worker, always through a source attached to the context, which wakes
   * its loop: g_main_context_invoke() would run the handlers right here,
   * on the worker thread, whenever the home thread was between two loop
   * iterations — the GUI's handlers off the main thread, and a loop about
   * to wait never woken (a bench sample "did not arrive" for 10 s). */
  if (schedule)
    {
      if (g_thread_self () == self->home && g_main_context_acquire (self->context))
        {
          emit_cb (self);
          g_main_context_release (self->context);
        }
      else
        {
          GSource *source = g_idle_source_new ();
          GWeakRef *weak = g_new0 (GWeakRef, 1);

          g_weak_ref_init (weak, self);
          g_source_set_priority (source, G_PRIORITY_DEFAULT);
          g_source_set_callback (source, emit_idle_cb, weak, weak_ref_free);
          g_source_set_static_name (source, "[pt-sync] status-changed");
          g_source_attach (source, self->context);
          g_source_unref (source);
        }
    }
}

/* A run starts or ends: the store's running lock (for `status` in any
 * process) and the engine's own count. */
gint
_pt_sync_engine_run_begin (PtSyncEngine  *self,
                           PtSyncSession *s)
{
  g_mutex_lock (&self->lock);
  self->runs++;
  g_mutex_unlock (&self->lock);
  return _pt_sync_running_lock (self->data_dir, s->tenant_id);
}

void
_pt_sync_engine_run_end (PtSyncEngine *self,
                         gint          lock_fd)
{
  g_mutex_lock (&self->lock);
  self->runs--;
  g_mutex_unlock (&self->lock);
  _pt_sync_running_unlock (lock_fd);
}

static void
session_report_cb (PtSyncSession *s,
                   gpointer       data)
{
  _pt_sync_engine_publish (PT_SYNC_ENGINE (data), s, s->state, NULL, 0);
}

/* ---- The worker --------------------------------------------------------- */

/* Waits until @deadline_us (monotonic) or a wake-up.  Returns FALSE when
 * stopping.  Called with the lock NOT held. */
static gboolean
wait_until (PtSyncEngine *self,
            gint64        deadline_us,
            gboolean     *network_back)
{
  gboolean running;

  g_mutex_lock (&self->lock);
  while (!self->stopping && !self->wake && g_get_monotonic_time () < deadline_us)
    g_cond_wait_until (&self->cond, &self->lock, deadline_us);
  self->wake = FALSE;
  if (network_back != NULL)
    *network_back = self->network_back;
  self->network_back = FALSE;
  running = !self->stopping;
  g_mutex_unlock (&self->lock);
  return running;
}

static gboolean
one_round (PtSyncSession  *s,
           PtSyncFailure  *failure,
           GError        **error)
{
  gint64 got = 0;

  if (!_pt_sync_session_connect (s, failure, error))
    return FALSE;
  if (!_pt_sync_session_initial_complete (s)
      && !_pt_sync_session_catch_up (s, failure, error))
    return FALSE;
  s->state = PT_SYNC_STATE_LIVE;
  if (!_pt_sync_session_push_all (s, NULL, failure, error))
    return FALSE;
  return _pt_sync_session_pull (s, &got, failure, error);
}

static gpointer
worker_thread (gpointer data)
{
  PtSyncEngine *self = data;
  g_autoptr(GError) error = NULL;
  g_autoptr(PtSyncSession) s = NULL;
  PtSyncBackoff backoff;
  gint lock_fd;

  s = _pt_sync_session_new (self->data_dir, self->uri, self->database, &error);
  if (s == NULL)
    {
      _pt_sync_engine_publish (self, NULL, PT_SYNC_STATE_NEEDS_ATTENTION, error, 0);
      while (wait_until (self, G_MAXINT64, NULL))
        ;
      return NULL;
    }
  s->poll_interval_ms = self->poll_interval_ms;
  s->report = session_report_cb;
  s->report_data = self;
  pt_sync_backoff_init (&backoff, 0);
  lock_fd = _pt_sync_engine_run_begin (self, s);

  for (;;)
    {
      PtSyncFailure failure = PT_SYNC_FAILURE_TRANSIENT;
      gboolean offline, stopping;

      g_mutex_lock (&self->lock);
      offline = self->offline;
      stopping = self->stopping;
      self->wake = FALSE;
      g_mutex_unlock (&self->lock);
      if (stopping)
        break;

      if (offline)
        {
          _pt_sync_session_disconnect (s);
          s->state = PT_SYNC_STATE_OFFLINE;
          _pt_sync_engine_publish (self, s, PT_SYNC_STATE_OFFLINE, NULL, 0);
          if (!wait_until (self, g_get_monotonic_time () + 2 * G_USEC_PER_SEC, NULL))
            break;
          continue;
        }

      g_clear_error (&error);
      if (one_round (s, &failure, &error))
        {
          pt_sync_backoff_reset (&backoff);
          _pt_sync_engine_publish (self, s, PT_SYNC_STATE_LIVE, NULL, 0);
          if (s->polling)
            {
              gint64 until = MAX (s->next_poll_ms * 1000, g_get_monotonic_time ());
              if (!wait_until (self, until, NULL))
                break;
            }
          continue;
        }

      if (failure == PT_SYNC_FAILURE_HISTORY_LOST)
        {
          /* Catch up for this tenant; local data stays as it is. */
          g_debug ("resume point lost: catching up");
          g_clear_error (&error);
          if (_pt_sync_session_reset_resume (s, &error))
            continue;
        }

      {
        guint delay = pt_sync_backoff_next (&backoff);
        gboolean network_back = FALSE;
        PtSyncState state = failure == PT_SYNC_FAILURE_ATTENTION
                            ? PT_SYNC_STATE_NEEDS_ATTENTION : PT_SYNC_STATE_BACKING_OFF;

        _pt_sync_session_disconnect (s);
        s->state = state;
        _pt_sync_engine_publish (self, s, state, error, (gint) ((delay + 999) / 1000));
        if (!wait_until (self, g_get_monotonic_time () + (gint64) delay * 1000, &network_back))
          break;
        if (network_back)
          pt_sync_backoff_reset (&backoff);
      }
    }

  pt_sync_backoff_clear (&backoff);
  _pt_sync_session_disconnect (s);
  _pt_sync_engine_run_end (self, lock_fd);
  _pt_sync_engine_publish (self, s, PT_SYNC_STATE_OFFLINE, NULL, 0);
  return NULL;
}

gboolean
pt_sync_engine_start (PtSyncEngine *self,
                      GError      **error)
{
  mongoc_uri_t *uri;
  bson_error_t berr;

  g_return_val_if_fail (PT_IS_SYNC_ENGINE (self), FALSE);

  if (self->thread != NULL)
    return TRUE;

  pt_sync_init_driver ();
  uri = mongoc_uri_new_with_error (self->uri, &berr);
  if (uri == NULL)
    {
      pt_sync_error_set_bad_uri (error, &berr);
      return FALSE;
    }
  mongoc_uri_destroy (uri);

  if (self->monitor == NULL)
    {
      self->monitor = g_object_ref (g_network_monitor_get_default ());
      self->network_id = g_signal_connect (self->monitor, "network-changed",
                                           G_CALLBACK (network_changed_cb), self);
    }

  g_mutex_lock (&self->lock);
  self->stopping = FALSE;
  g_mutex_unlock (&self->lock);
  self->thread = g_thread_new ("pt-sync", worker_thread, self);
  return TRUE;
}

void
pt_sync_engine_stop (PtSyncEngine *self)
{
  g_return_if_fail (PT_IS_SYNC_ENGINE (self));

  if (self->thread == NULL)
    return;
  g_mutex_lock (&self->lock);
  self->stopping = TRUE;
  g_cond_signal (&self->cond);
  g_mutex_unlock (&self->lock);
  g_thread_join (g_steal_pointer (&self->thread));
}

/* ---- Conflicts and quarantine ------------------------------------------- */

static PtStore *
ref_store (PtSyncEngine  *self,
           GError       **error)
{
  if (self->gui_store != NULL)
    return g_object_ref (self->gui_store);
  return pt_store_open (self->data_dir, error);
}

GPtrArray *
pt_sync_engine_list_conflicts (PtSyncEngine *self,
                               gboolean      include_reviewed,
                               GError      **error)
{
  g_autoptr(PtStore) store = NULL;

  g_return_val_if_fail (PT_IS_SYNC_ENGINE (self), NULL);
  store = ref_store (self, error);
  return store != NULL ? pt_store_sync_list_conflicts (store, include_reviewed, error) : NULL;
}

gboolean
pt_sync_engine_mark_conflict_reviewed (PtSyncEngine *self,
                                       gint64        id,
                                       GError      **error)
{
  g_autoptr(PtStore) store = NULL;
  gboolean ok;

  g_return_val_if_fail (PT_IS_SYNC_ENGINE (self), FALSE);
  store = ref_store (self, error);
  if (store == NULL)
    return FALSE;
  ok = pt_store_sync_mark_conflict_reviewed (store, id, error);
  if (ok)
    wake_worker (self);  /* the worker republishes the count */
  return ok;
}

GPtrArray *
pt_sync_engine_list_unreadable (PtSyncEngine *self,
                                GError      **error)
{
  g_autoptr(PtStore) store = NULL;

  g_return_val_if_fail (PT_IS_SYNC_ENGINE (self), NULL);
  store = ref_store (self, error);
  return store != NULL ? pt_sync_list_unreadable (store, error) : NULL;
}

GPtrArray *
pt_sync_engine_list_quarantined (PtSyncEngine *self,
                                 GError      **error)
{
  g_autoptr(PtStore) store = NULL;

  g_return_val_if_fail (PT_IS_SYNC_ENGINE (self), NULL);
  store = ref_store (self, error);
  return store != NULL ? pt_store_sync_list_quarantined (store, error) : NULL;
}
