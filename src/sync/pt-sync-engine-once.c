/* pt-sync-engine-once.c: one whole run of the engine (`sync --once`,
 * `connect`, the Connect page): connect, first sync if needed, push and
 * pull until nothing moves, then say what still keeps this counter and the
 * cloud apart. */
#define G_LOG_DOMAIN "pt-sync"
#include "config.h"

#include <inttypes.h>
#include <glib/gi18n-lib.h>
#include "pt-sync-engine-private.h"

typedef struct
{
  PtSyncEngine   *self;
  PtProgressFunc  progress;
  gpointer        progress_data;
} OnceReport;

static void
once_report_cb (PtSyncSession *s,
                gpointer       data)
{
  OnceReport *r = data;

  if (r->progress != NULL && s->state == PT_SYNC_STATE_INITIAL_SYNC)
    r->progress (s->initial_done, s->initial_total, r->progress_data);
  _pt_sync_engine_publish (r->self, s, s->state, NULL, 0);
}

/* After a whole push and pull: what still keeps this counter and the
 * cloud apart, one sentence per line, the most urgent first — changes made
 * here that are not in the cloud yet, changes the cloud refused for good,
 * then records of the cloud this counter cannot read.  The error's code
 * is the first one's (PT_SYNC_ERROR_RECORDS_UNREADABLE when nothing
 * else).  Records left out here need the administrator: *failure is then
 * ATTENTION (no retry). */
static gboolean
explain_what_keeps_apart (PtSyncSession  *s,
                          PtSyncFailure  *failure,
                          GError        **error)
{
  gint64 pending = _pt_store_outbox_length (s->store);
  gint64 quarantined = pt_store_sync_count_quarantined (s->store);
  gint64 unreadable = pt_sync_count_unreadable (s->store);
  g_autoptr(GString) text = g_string_new (NULL);
  GQuark domain = PT_ERROR;
  gint code = PT_ERROR_FAILED;

  /* The kept length must agree with the outbox itself (a queued entry
   * exactly when it is above zero).  When it does not, the outbox is the
   * truth: the length is corrected, so a wrong count can neither hold the
   * counter "not in agreement" for ever nor hide queued changes. */
  if (pending < 0 || (pending == 0) != (_pt_store_outbox_oldest_ms (s->store) == 0))
    {
      g_autoptr(GError) recount_error = NULL;
      gint64 entries = _pt_store_outbox_recount (s->store, &recount_error);

      if (entries >= 0)
        pending = entries;
      else
        g_debug ("outbox recount failed: %s", recount_error->message);
    }
  if (pending == 0 && quarantined == 0 && unreadable == 0)
    return TRUE;
  if (pending > 0)
    g_string_append_printf (text, g_dngettext (GETTEXT_PACKAGE, "%" PRId64 " change is still waiting to be sent.",
                                               "%" PRId64 " changes are still waiting to be sent.", pending),
                            pending);
  if (quarantined > 0)
    {
      if (text->len > 0)
        g_string_append_c (text, '\n');
      else
        code = PT_ERROR_INVALID;
      g_string_append_printf (text, g_dngettext (GETTEXT_PACKAGE,
                                                 "The cloud refused %" PRId64 " change made here; it is kept "
                                                 "on this computer and listed on the Sync page under "
                                                 "“Refused by the Server”: correct the record and it is "
                                                 "sent again.",
                                                 "The cloud refused %" PRId64 " changes made here; they are "
                                                 "kept on this computer and listed on the Sync page under "
                                                 "“Refused by the Server”: correct the records and they are "
                                                 "sent again.", quarantined),
                              quarantined);
    }
  if (unreadable > 0)
    {
      g_autoptr(GPtrArray) list = pt_sync_list_unreadable (s->store, NULL);
      g_auto(GStrv) sentences = pt_sync_unreadable_summarise (list);

      if (text->len == 0)
        {
          domain = PT_SYNC_ERROR;
          code = PT_SYNC_ERROR_RECORDS_UNREADABLE;
        }
      for (guint i = 0; sentences != NULL && sentences[i] != NULL; i++)
        {
          if (text->len > 0)
            g_string_append_c (text, '\n');
          g_string_append (text, sentences[i]);
        }
      pt_sync_failure_set (failure, PT_SYNC_FAILURE_ATTENTION);
    }
  if (text->len == 0)
    {
      /* Nothing above explains it (the outbox could not be recounted):
       * never an empty sentence. */
      g_debug ("store and cloud apart: pending %" PRId64 ", quarantined %" PRId64
               ", unreadable %" PRId64, pending, quarantined, unreadable);
      g_string_append (text, _("This computer could not confirm that all its changes reached the "
                               "cloud. Run the sync again; if this message comes back, contact "
                               "your support."));
    }
  g_set_error_literal (error, domain, code, text->str);
  return FALSE;
}

gboolean
pt_sync_engine_run_once (PtSyncEngine   *self,
                         PtProgressFunc  progress,
                         gpointer        progress_data,
                         GCancellable   *cancellable,
                         GError        **error)
{
  g_autoptr(PtSyncSession) s = NULL;
  g_autoptr(GError) local_error = NULL;
  PtSyncFailure failure = PT_SYNC_FAILURE_TRANSIENT;
  OnceReport r = { self, progress, progress_data };
  gboolean ok = FALSE;
  gint lock_fd;

  g_return_val_if_fail (PT_IS_SYNC_ENGINE (self), FALSE);

  pt_sync_init_driver ();
  s = _pt_sync_session_new (self->data_dir, self->uri, self->database, error);
  if (s == NULL)
    return FALSE;
  s->poll_interval_ms = self->poll_interval_ms;
  s->report = once_report_cb;
  s->report_data = &r;
  s->cancellable = cancellable;
  lock_fd = _pt_sync_engine_run_begin (self, s);

  for (guint attempt = 0; attempt < 3; attempt++)
    {
      g_clear_error (&local_error);
      ok = _pt_sync_session_connect (s, &failure, &local_error);
      if (ok && !_pt_sync_session_initial_complete (s))
        ok = _pt_sync_session_catch_up (s, &failure, &local_error);

      /* Push and pull until nothing moves (merges may requeue). */
      for (guint round = 0; ok && round < 20; round++)
        {
          gint64 pushed = 0, pulled = 0, got = 1;

          if (g_cancellable_set_error_if_cancelled (cancellable, &local_error))
            {
              ok = FALSE;
              failure = PT_SYNC_FAILURE_ATTENTION;
              break;
            }
          ok = _pt_sync_session_push_all (s, &pushed, &failure, &local_error);
          for (guint drain = 0; ok && got > 0 && drain < 1000; drain++)
            {
              s->next_poll_ms = 0;
              s->token_saved_ms = 0;  /* save the post-batch token too */
              ok = _pt_sync_session_pull (s, &got, &failure, &local_error);
              pulled += got;
            }
          if (ok && pushed == 0 && pulled == 0 && _pt_store_outbox_length (s->store) == 0)
            break;
        }
      if (ok && !explain_what_keeps_apart (s, &failure, &local_error))
        {
          ok = FALSE;
          if (failure == PT_SYNC_FAILURE_ATTENTION)
            break;
        }
      if (ok)
        ok = _pt_sync_session_verify (s, &local_error);
      if (ok)
        break;
      if (failure == PT_SYNC_FAILURE_HISTORY_LOST)
        {
          if (!_pt_sync_session_reset_resume (s, &local_error))
            {
              ok = FALSE;
              break;
            }
          continue;
        }
      /* Stopped by the caller: no retry (each retry would read another
         page before noticing). */
      if (failure == PT_SYNC_FAILURE_ATTENTION || attempt == 2
          || g_cancellable_is_cancelled (cancellable))
        break;
      _pt_sync_session_disconnect (s);
    }

  _pt_sync_engine_run_end (self, lock_fd);
  _pt_sync_engine_publish (self, s, ok ? PT_SYNC_STATE_LIVE
                                       : failure == PT_SYNC_FAILURE_ATTENTION ? PT_SYNC_STATE_NEEDS_ATTENTION
                                                                              : PT_SYNC_STATE_BACKING_OFF,
                           local_error, 0);
  if (!ok)
    g_propagate_error (error, g_steal_pointer (&local_error));
  return ok;
}
