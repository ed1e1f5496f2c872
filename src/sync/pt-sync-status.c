/* pt-sync-status.c: the status, conflict and quarantine value types of the
 * sync engine's public API. */
/* F_OFD_SETLK / F_OFD_GETLK (open file description locks, Linux). */
#define _GNU_SOURCE
#define G_LOG_DOMAIN "pt-sync"
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>
#include <glib/gstdio.h>
#include <glib/gi18n-lib.h>
#include <mongoc/mongoc.h>
#include "pt-sync-private.h"

const gchar *
pt_sync_state_to_string (PtSyncState state)
{
  switch (state)
    {
    case PT_SYNC_STATE_OFFLINE: return "offline";
    case PT_SYNC_STATE_CONNECTING: return "connecting";
    case PT_SYNC_STATE_INITIAL_SYNC: return "initial-sync";
    case PT_SYNC_STATE_LIVE: return "live";
    case PT_SYNC_STATE_BACKING_OFF: return "backing-off";
    case PT_SYNC_STATE_NEEDS_ATTENTION: return "needs-attention";
    default: return "unknown";
    }
}

const gchar *
pt_sync_state_to_label (PtSyncState state)
{
  switch (state)
    {
    case PT_SYNC_STATE_OFFLINE: return _("Working offline");
    case PT_SYNC_STATE_CONNECTING: return _("Connecting…");
    case PT_SYNC_STATE_INITIAL_SYNC: return _("Downloading pharmacy data");
    case PT_SYNC_STATE_LIVE: return _("Up to date");
    case PT_SYNC_STATE_BACKING_OFF: return _("Cloud unreachable, retrying");
    case PT_SYNC_STATE_NEEDS_ATTENTION: return _("Sync needs attention");
    default: return "";
    }
}

PtSyncStatus *
pt_sync_status_copy (const PtSyncStatus *status)
{
  PtSyncStatus *copy;

  g_return_val_if_fail (status != NULL, NULL);
  copy = g_memdup2 (status, sizeof *status);
  copy->message = g_strdup (status->message);
  return copy;
}

void
pt_sync_status_free (PtSyncStatus *status)
{
  if (status == NULL)
    return;
  g_free (status->message);
  g_free (status);
}

G_DEFINE_BOXED_TYPE (PtSyncStatus, pt_sync_status, pt_sync_status_copy, pt_sync_status_free)

static PtSyncState
state_from_string (const gchar *s)
{
  for (PtSyncState st = PT_SYNC_STATE_OFFLINE; st <= PT_SYNC_STATE_NEEDS_ATTENTION; st++)
    if (g_strcmp0 (s, pt_sync_state_to_string (st)) == 0)
      return st;
  return PT_SYNC_STATE_OFFLINE;
}

/* ---- Is a sync running? ------------------------------------------------ */

static gchar *
running_lock_path (const gchar *data_dir,
                   const gchar *tenant_id)
{
  g_autofree gchar *base = g_strdup_printf ("tenant-%s.sync-lock", tenant_id);

  return g_build_filename (data_dir, base, NULL);
}

/* Open file description locks: they conflict between two open() of the
 * file even inside one process (the GUI's status and its own engine), and
 * the kernel drops them with the last descriptor, whatever kills it. */
gint
_pt_sync_running_lock (const gchar *data_dir,
                       const gchar *tenant_id)
{
  g_autofree gchar *path = running_lock_path (data_dir, tenant_id);
  struct flock fl = { .l_type = F_RDLCK, .l_whence = SEEK_SET };
  gint fd;

  fd = g_open (path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (fd < 0)
    {
      g_debug ("%s: %s", path, g_strerror (errno));
      return -1;
    }
  /* Shared: two engines on one store (GUI and `sync --once`) may run. */
  if (fcntl (fd, F_OFD_SETLK, &fl) != 0)
    {
      g_debug ("lock %s: %s", path, g_strerror (errno));
      close (fd);
      return -1;
    }
  return fd;
}

void
_pt_sync_running_unlock (gint fd)
{
  if (fd >= 0)
    close (fd);
}

gboolean
pt_sync_is_running (const gchar *data_dir,
                    const gchar *tenant_id)
{
  g_autofree gchar *path = NULL;
  struct flock fl = { .l_type = F_WRLCK, .l_whence = SEEK_SET };
  gint fd, rc;

  g_return_val_if_fail (data_dir != NULL && tenant_id != NULL, FALSE);
  path = running_lock_path (data_dir, tenant_id);
  fd = g_open (path, O_RDONLY | O_CLOEXEC, 0);
  if (fd < 0)
    return FALSE;  /* no engine ever ran here */
  /* Only asks: would an exclusive lock conflict?  Two `status` at once
   * never see each other. */
  rc = fcntl (fd, F_OFD_GETLK, &fl);
  close (fd);
  if (rc != 0)
    {
      g_debug ("test lock %s: %s", path, g_strerror (errno));
      return FALSE;
    }
  return fl.l_type != F_UNLCK;
}

gchar *
pt_sync_status_dup_recorded_state (PtStore *store)
{
  g_return_val_if_fail (PT_IS_STORE (store), NULL);
  if (!pt_store_sync_ensure_schema (store, NULL))
    return NULL;
  return pt_store_sync_get (store, "state");
}

PtSyncStatus *
pt_sync_status_new_from_store (PtStore *store)
{
  PtSyncStatus *st = g_new0 (PtSyncStatus, 1);
  g_autofree gchar *state = NULL;

  st->state = PT_SYNC_STATE_OFFLINE;
  st->error_code = -1;
  g_return_val_if_fail (PT_IS_STORE (store), st);
  if (!pt_store_sync_ensure_schema (store, NULL))
    return st;

  state = pt_store_sync_get (store, "state");
  st->running = pt_sync_is_running (pt_store_get_data_dir (store), pt_store_get_tenant_id (store));
  st->state = state_from_string (state);
  if (st->running || st->state == PT_SYNC_STATE_NEEDS_ATTENTION)
    st->message = pt_store_sync_get (store, "message");
  else
    /* What the last run recorded is over: a sync killed while live is
     * not live. */
    st->state = PT_SYNC_STATE_OFFLINE;
  /* The length is a counter kept by triggers and the oldest entry the
   * first by seq: a count(*) scanned the whole outbox (about 1 s at
   * 810,000 queued changes) every time the header indicator refreshed. */
  st->pending_count = _pt_store_outbox_length (store);
  st->oldest_pending_ms = _pt_store_outbox_oldest_ms (store);
  st->conflicts = pt_store_sync_count_conflicts (store, FALSE);
  st->quarantined = pt_store_sync_count_quarantined (store);
  st->unreadable = pt_sync_count_unreadable (store);
  st->dropped_foreign = pt_store_sync_get_int (store, "dropped_foreign", 0);
  st->max_clock_skew_ms = MAX (pt_store_sync_get_int (store, "max_skew_ms", 0),
                               pt_hlc_get_max_skew_ms (pt_store_get_clock (store)));
  st->last_push_ms = pt_store_sync_get_int (store, "last_push", 0);
  st->last_pull_ms = pt_store_sync_get_int (store, "last_pull", 0);
  st->initial_done = pt_store_sync_get_int (store, "initial_done", 0);
  st->initial_total = pt_store_sync_get_int (store, "initial_total", 0);
  return st;
}

void
pt_sync_conflict_free (PtSyncConflict *c)
{
  if (c == NULL)
    return;
  g_free (c->collection);
  g_free (c->document_id);
  g_free (c->field);
  g_free (c->lost_value);
  g_free (c->kept_value);
  g_free (c->lost_device);
  g_free (c->kept_device);
  g_free (c->reason);
  g_free (c);
}

void
pt_sync_quarantined_free (PtSyncQuarantined *q)
{
  if (q == NULL)
    return;
  g_free (q->collection);
  g_free (q->document_id);
  g_free (q->server_message);
  g_free (q);
}

gchar *
pt_sync_redact_uri (const gchar *uri)
{
  const gchar *scheme_end, *at, *colon, *slash;

  if (uri == NULL)
    return NULL;
  scheme_end = strstr (uri, "://");
  if (scheme_end == NULL)
    return g_strdup (uri);
  scheme_end += 3;
  slash = strchr (scheme_end, '/');
  /* userinfo ends at the last '@' before the path. */
  at = NULL;
  for (const gchar *p = scheme_end; *p != '\0' && (slash == NULL || p < slash); p++)
    if (*p == '@')
      at = p;
  if (at == NULL)
    return g_strdup (uri);
  colon = memchr (scheme_end, ':', at - scheme_end);
  if (colon == NULL)
    return g_strdup (uri);
  return g_strdup_printf ("%.*s:****%s", (int) (colon - uri), uri, at);
}

/* The driver's own log goes to the GLib log (stdout stays clean for
 * `status --json` and TAP), as debug output: it may quote hosts. */
static void
driver_log_cb (mongoc_log_level_t  level,
               const char         *domain,
               const char         *message,
               void               *data)
{
  if (level <= MONGOC_LOG_LEVEL_WARNING)
    g_log ("pt-mongoc", G_LOG_LEVEL_MESSAGE, "%s: %s", domain, message);
  else
    g_log ("pt-mongoc", G_LOG_LEVEL_DEBUG, "%s: %s", domain, message);
}

void
pt_sync_init_driver (void)
{
  static gsize once = 0;

  if (g_once_init_enter (&once))
    {
      /* mongoc's shared-memory counters are diagnostics only; a stale
       * /dev/shm file left by a killed process makes it print a warning on
       * stderr, which a pharmacist's terminal must never see. */
      g_setenv ("MONGOC_DISABLE_SHM", "1", FALSE);
      mongoc_log_set_handler (driver_log_cb, NULL);
      mongoc_init ();
      g_once_init_leave (&once, 1);
    }
}
