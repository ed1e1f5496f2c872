/* pt-window-sync.c: the window's sync engine — started for the open store
 * when the store has a server address, stopped with the window — and the
 * sync indicator in the header bar. */
#define G_LOG_DOMAIN "pt-ui"
#include "config.h"

#include <glib/gi18n-lib.h>

#include "pt-window-private.h"
#include "pt-enrolment.h"
#include "pt-secret.h"
#include "pt-store-sync.h"
#include "pt-sync-engine.h"
#include "pt-ui-util.h"

/* ---- Indicator ---------------------------------------------------------- */

static const gchar *
indicator_state (PtWindow           *self,
                 const PtSyncStatus *st,
                 const gchar       **icon)
{
  gboolean offline_chosen = self->settings != NULL
                            && g_settings_get_boolean (self->settings, "work-offline");

  if (st == NULL)
    {
      *icon = "network-offline-symbolic";
      return offline_chosen ? _("Working offline") : _("Offline");
    }
  switch (st->state)
    {
    case PT_SYNC_STATE_LIVE:
      /* Syncing, but records of the cloud cannot be read here (Sync
       * page): staff must tell the administrator. */
      if (st->unreadable > 0)
        {
          *icon = "dialog-warning-symbolic";
          return _("Sync needs attention");
        }
      *icon = "emblem-ok-symbolic";
      return _("Online");
    case PT_SYNC_STATE_CONNECTING:
      *icon = "emblem-synchronizing-symbolic";
      return _("Connecting…");
    case PT_SYNC_STATE_INITIAL_SYNC:
      *icon = "emblem-synchronizing-symbolic";
      return _("Downloading");
    case PT_SYNC_STATE_BACKING_OFF:
      *icon = "network-offline-symbolic";
      return _("Offline");
    case PT_SYNC_STATE_NEEDS_ATTENTION:
      *icon = "dialog-warning-symbolic";
      return _("Sync needs attention");
    case PT_SYNC_STATE_OFFLINE:
    default:
      *icon = "network-offline-symbolic";
      return offline_chosen ? _("Working offline") : _("Offline");
    }
}

static const gchar *
offline_label_for_no_server (PtWindow *self)
{
  return self->settings != NULL && g_settings_get_boolean (self->settings, "work-offline")
         ? _("Working offline") : _("Not connected");
}

void
_pt_window_update_sync_indicator (PtWindow *self)
{
  g_autoptr(PtStoreStatus) status = NULL;
  g_autoptr(PtSyncStatus) st = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree gchar *label = NULL;
  g_autofree gchar *tooltip = NULL;
  g_autofree gchar *accessible = NULL;
  g_autofree gchar *last = NULL;
  const gchar *icon = NULL;
  const gchar *state;
  gint64 pending, last_ms;

  /* The indicator is in the workspace's header: nobody sees it before a
   * sign-in (which updates it), and the status counts the outbox. */
  if (self->user_id == NULL)
    return;

  if (self->store == NULL)
    return;
  status = pt_store_get_status (self->store, &error);
  if (status == NULL)
    {
      g_debug ("No store status: %s", error->message);
      return;
    }
  if (self->sync_engine != NULL)
    st = pt_sync_engine_get_status (PT_SYNC_ENGINE (self->sync_engine));
  state = indicator_state (self, st, &icon);
  /* The store's own count is exact at once after a local commit; the
   * engine's comes with its next status. */
  pending = status->outbox_length;

  if (self->sync_engine == NULL)
    /* No server for this pharmacy: nothing is "pending", it simply stays
     * here (the Sync page still counts what a future server would get). */
    label = g_strdup (offline_label_for_no_server (self));
  else if (st != NULL && st->state == PT_SYNC_STATE_INITIAL_SYNC && st->initial_total > 0)
    /* Translators: the sync indicator: "Downloading 40 %" */
    label = g_strdup_printf (_("%s %d %%"), state,
                             (gint) CLAMP (100 * st->initial_done / st->initial_total, 0, 100));
  else if (pending > 0)
    {
      g_autofree gchar *n = pt_ui_format_count (pending);
      /* Translators: the sync indicator: "Offline · 12 pending" */
      label = g_strdup_printf (_("%s · %s pending"), state, n);
    }
  else
    label = g_strdup (state);

  last_ms = st != NULL ? MAX (st->last_push_ms, st->last_pull_ms) : 0;
  if (last_ms > 0)
    {
      g_autofree gchar *when = pt_ui_format_date_time (last_ms);
      g_autofree gchar *ago = pt_ui_format_duration (pt_time_now () - last_ms);

      /* Translators: "12 Mar 2027 14:05 (3 minutes ago)" */
      last = g_strdup_printf (_("%s (%s ago)"), when, ago);
    }
  else
    last = g_strdup (_("never"));

  if (self->sync_engine == NULL)
    tooltip = g_strdup (_("This pharmacy is not connected to a server: everything is kept on this computer. "
                          "Add the server address in Preferences to connect it."));
  else if (st != NULL && st->message != NULL)
    /* Translators: "<what is wrong>. Last sync: <when>." */
    tooltip = g_strdup_printf (_("%s Last sync: %s."), st->message, last);
  else if (st != NULL && st->unreadable > 0)
    {
      g_autoptr(GPtrArray) list = pt_sync_engine_list_unreadable (PT_SYNC_ENGINE (self->sync_engine), NULL);
      g_auto(GStrv) sentences = pt_sync_unreadable_summarise (list);
      g_autofree gchar *joined = g_strjoinv (" ", sentences);

      tooltip = g_strdup_printf (_("%s Last sync: %s."), joined, last);
    }
  else
    tooltip = g_strdup_printf (_("Last sync: %s. Changes made here are kept on this computer until they are sent."),
                               last);

  gtk_label_set_label (self->sync_label, label);
  gtk_image_set_from_icon_name (self->sync_icon, icon);
  gtk_widget_set_tooltip_text (GTK_WIDGET (self->sync_button), tooltip);
  accessible = g_strdup_printf (_("Sync status: %s. Last sync: %s"), label, last);
  gtk_accessible_update_property (GTK_ACCESSIBLE (self->sync_button),
                                  GTK_ACCESSIBLE_PROPERTY_DESCRIPTION, accessible,
                                  -1);
}

/* ---- Engine ------------------------------------------------------------- */

static void
engine_status_cb (PtWindow *self)
{
  _pt_window_update_sync_indicator (self);
}

static void
offline_changed_cb (PtWindow *self)
{
  if (self->sync_engine != NULL && self->settings != NULL)
    pt_sync_engine_set_offline (PT_SYNC_ENGINE (self->sync_engine),
                                g_settings_get_boolean (self->settings, "work-offline"));
  _pt_window_update_sync_indicator (self);
}

void
_pt_window_sync_stop (PtWindow *self)
{
  g_cancellable_cancel (self->secret_cancellable);
  g_clear_object (&self->secret_cancellable);
  if (self->sync_engine == NULL)
    return;
  g_clear_signal_handler (&self->engine_status_id, self->sync_engine);
  pt_sync_page_set_engine (self->sync_page, NULL);
  /* Saves the resume point; waits for the worker (it never blocks long:
   * every server call has a timeout). */
  pt_sync_engine_stop (PT_SYNC_ENGINE (self->sync_engine));
  g_clear_object (&self->sync_engine);
}

static void
start_engine (PtWindow    *self,
              const gchar *uri)
{
  g_autoptr(PtSyncEngine) engine = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree gchar *database = pt_store_sync_get (self->store, "database");

  engine = pt_sync_engine_new (pt_store_get_data_dir (self->store), uri, database);
  pt_sync_engine_set_store (engine, self->store);
  if (self->settings != NULL)
    {
      pt_sync_engine_set_offline (engine, g_settings_get_boolean (self->settings, "work-offline"));
      pt_sync_engine_set_poll_interval (engine, 1000 * (guint) g_settings_get_int (self->settings, "sync-interval"));
    }
  if (!pt_sync_engine_start (engine, &error))
    {
      /* A malformed address: the Sync page says so, work goes on. */
      pt_window_show_error (self, _("Sync Could Not Start"), error);
      return;
    }
  self->sync_engine = G_OBJECT (g_steal_pointer (&engine));
  self->engine_status_id = g_signal_connect_swapped (self->sync_engine, "status-changed",
                                                     G_CALLBACK (engine_status_cb), self);
  pt_sync_page_set_engine (self->sync_page, self->sync_engine);
  _pt_window_update_sync_indicator (self);
}

static void
secret_found_cb (GObject      *source,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  g_autoptr(GError) error = NULL;
  g_autofree gchar *password = pt_secret_lookup_finish (result, &error);
  PtWindow *self;
  g_autofree gchar *bare = NULL;
  g_autofree gchar *uri = NULL;

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  self = PT_WINDOW (user_data);
  g_clear_object (&self->secret_cancellable);
  if (error != NULL)
    g_debug ("No server password from the keyring: %s", error->message);
  if (self->store == NULL || self->sync_engine != NULL)
    return;
  bare = pt_store_get_setting (self->store, PT_UI_SERVER_URI_KEY);
  if (bare == NULL || *bare == '\0')
    return;
  /* Without a password the engine still starts: the server's refusal
   * shows as "needs attention" with what to do. */
  uri = password != NULL ? pt_secret_join_uri (bare, password) : g_strdup (bare);
  start_engine (self, uri);
}

void
_pt_window_sync_start (PtWindow *self)
{
  g_autofree gchar *bare = NULL;

  _pt_window_sync_stop (self);
  if (self->offline_changed_id == 0 && self->settings != NULL)
    self->offline_changed_id = g_signal_connect_swapped (self->settings, "changed::work-offline",
                                                         G_CALLBACK (offline_changed_cb), self);
  if (self->store == NULL || pt_welcome_page_store_needs_enrolment (self->store))
    return;
  bare = pt_store_get_setting (self->store, PT_UI_SERVER_URI_KEY);
  if (bare == NULL || *bare == '\0')
    {
      _pt_window_update_sync_indicator (self);
      return;
    }
  if (!pt_enrolment_uri_has_credentials (bare))
    {
      start_engine (self, bare);
      return;
    }
  self->secret_cancellable = g_cancellable_new ();
  /* The callback checks the cancellable before touching the window. */
  pt_secret_lookup_async (bare, self->secret_cancellable, secret_found_cb, self);
}

void
pt_window_restart_sync (PtWindow *self)
{
  g_return_if_fail (PT_IS_WINDOW (self));
  _pt_window_sync_start (self);
}

void
_pt_window_sync_dispose (PtWindow *self)
{
  _pt_window_sync_stop (self);
  if (self->settings != NULL)
    g_clear_signal_handler (&self->offline_changed_id, self->settings);
}
