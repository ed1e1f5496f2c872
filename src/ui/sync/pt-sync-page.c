#define G_LOG_DOMAIN "pt-ui"
#include "config.h"

#include <inttypes.h>
#include <glib/gi18n-lib.h>

#include "pt-sync-page.h"
#include "pt-ui-util.h"
#include "pt-sync-engine.h"

struct _PtSyncPage
{
  GtkWidget       parent_instance;

  GtkButton      *sync_now_button;
  AdwActionRow   *state_row;
  GtkImage       *state_icon;
  GtkProgressBar *initial_progress;
  AdwActionRow   *server_row;
  AdwActionRow   *pending_row;
  AdwActionRow   *last_push_row;
  AdwActionRow   *last_pull_row;
  GtkSwitch      *offline_switch;
  AdwActionRow   *tenant_row;
  AdwActionRow   *records_row;
  AdwActionRow   *device_row;
  AdwActionRow   *dropped_row;
  GtkListBox     *conflicts_list;
  GtkListBox     *quarantine_list;
  AdwPreferencesGroup *unreadable_group;
  GtkListBox     *unreadable_list;

  GSettings      *settings;
  PtStore        *store;
  GObject        *engine;
  gulong          status_id;
  gulong          conflict_id;
  gint64          shown_conflicts;   /* what the lists show, -1 = stale */
  gint64          shown_quarantined;
  gchar          *shown_unreadable;  /* the sentences the list shows */
  gboolean        stale;             /* a refresh came while not shown */
};

G_DEFINE_FINAL_TYPE (PtSyncPage, pt_sync_page, GTK_TYPE_WIDGET)

static gchar *
format_when (gint64 ms)
{
  g_autofree gchar *ago = NULL;
  g_autofree gchar *when = NULL;

  if (ms <= 0)
    return g_strdup (_("Never"));
  ago = pt_ui_format_duration (pt_time_now () - ms);
  when = pt_ui_format_date_time (ms);
  /* Translators: "12 Mar 2027 14:05 (3 minutes ago)" */
  return g_strdup_printf (_("%s (%s ago)"), when, ago);
}

static gchar *
format_pending (gint64 count,
                gint64 oldest_ms)
{
  g_autofree gchar *n = NULL;
  g_autofree gchar *age = NULL;

  if (count <= 0)
    return g_strdup (_("None — everything made here has been sent"));
  n = pt_ui_format_count (count);
  age = pt_ui_format_duration (pt_time_now () - oldest_ms);
  if (oldest_ms <= 0)
    return g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%s change", "%s changes", count), n);
  /* Translators: "12 changes, the oldest from 3 hours ago" */
  return g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%s change, from %s ago",
                                       "%s changes, the oldest from %s ago", count), n, age);
}

static void
set_placeholder (GtkListBox  *list,
                 const gchar *text)
{
  GtkWidget *label = gtk_label_new (text);

  gtk_widget_add_css_class (label, "dim-label");
  gtk_label_set_wrap (GTK_LABEL (label), TRUE);
  gtk_widget_set_margin_top (label, 12);
  gtk_widget_set_margin_bottom (label, 12);
  gtk_widget_set_margin_start (label, 12);
  gtk_widget_set_margin_end (label, 12);
  gtk_list_box_set_placeholder (list, label);
}

static void
clear_list (GtkListBox *list)
{
  GtkWidget *child;

  while ((child = gtk_widget_get_first_child (GTK_WIDGET (list))) != NULL)
    gtk_list_box_remove (list, child);
}

static void
refresh_store_part (PtSyncPage *self,
                    gint64     *pending,
                    gint64     *oldest)
{
  g_autoptr(PtStoreStatus) status = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree gchar *records = NULL;
  GHashTableIter iter;
  gpointer value;
  gint64 total = 0;

  *pending = 0;
  *oldest = 0;
  if (self->store == NULL)
    return;
  status = pt_store_get_status (self->store, &error);
  if (status == NULL)
    {
      g_autofree gchar *sentence = pt_ui_error_sentence (error);

      adw_action_row_set_subtitle (self->records_row, sentence);
      return;
    }
  *pending = status->outbox_length;
  *oldest = status->oldest_pending_ms;
  adw_action_row_set_subtitle (self->tenant_row, status->tenant_name ? status->tenant_name : "");
  adw_action_row_set_subtitle (self->device_row, status->device_id ? status->device_id : "");
  if (status->counts != NULL)
    {
      g_hash_table_iter_init (&iter, status->counts);
      while (g_hash_table_iter_next (&iter, NULL, &value))
        total += *(gint64 *) value;
    }
  records = pt_ui_format_count (total);
  adw_action_row_set_subtitle (self->records_row, records);
}

static void
refresh_server (PtSyncPage *self)
{
  g_autofree gchar *uri = self->store ? pt_store_get_setting (self->store, PT_UI_SERVER_URI_KEY) : NULL;
  g_autofree gchar *host = pt_ui_uri_host (uri);

  adw_action_row_set_subtitle (self->server_row,
                               host ? host : _("None set up — add the server address in Preferences"));
}

static void
conflict_reviewed_cb (GtkButton  *button,
                      PtSyncPage *self)
{
  gint64 id = GPOINTER_TO_SIZE (g_object_get_data (G_OBJECT (button), "conflict-id"));
  g_autoptr(GError) error = NULL;

  if (!pt_sync_engine_mark_conflict_reviewed (PT_SYNC_ENGINE (self->engine), id, &error))
    g_debug ("Marking conflict %" G_GINT64_FORMAT " reviewed: %s", id, error->message);
  self->shown_conflicts = -1;
  pt_sync_page_refresh (self);
}

static void
refresh_engine_lists (PtSyncPage *self)
{
  g_autoptr(GPtrArray) conflicts = NULL;
  g_autoptr(GPtrArray) quarantined = NULL;

  clear_list (self->conflicts_list);
  clear_list (self->quarantine_list);
  conflicts = pt_sync_engine_list_conflicts (PT_SYNC_ENGINE (self->engine), FALSE, NULL);
  for (guint i = 0; conflicts != NULL && i < conflicts->len; i++)
    {
      PtSyncConflict *c = g_ptr_array_index (conflicts, i);
      GtkWidget *row = adw_action_row_new ();
      GtkWidget *button = gtk_button_new_with_mnemonic (_("_Reviewed"));
      g_autofree gchar *title = g_strdup_printf ("%s · %s", c->collection, c->field);
      g_autofree gchar *subtitle = g_strdup_printf (_("Kept %s; lost %s (%s)"),
                                                    c->kept_value, c->lost_value,
                                                    g_str_equal (c->lost_device, "0000000000000000")
                                                    ? _("changed on the web") : c->lost_device);

      adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), title);
      adw_preferences_row_set_use_markup (ADW_PREFERENCES_ROW (row), FALSE);
      adw_action_row_set_subtitle (ADW_ACTION_ROW (row), subtitle);
      gtk_widget_set_valign (button, GTK_ALIGN_CENTER);
      g_object_set_data (G_OBJECT (button), "conflict-id", GSIZE_TO_POINTER (c->id));
      g_signal_connect (button, "clicked", G_CALLBACK (conflict_reviewed_cb), self);
      gtk_accessible_update_property (GTK_ACCESSIBLE (button), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                      _("Mark conflict reviewed"), -1);
      adw_action_row_add_suffix (ADW_ACTION_ROW (row), button);
      gtk_list_box_append (self->conflicts_list, row);
    }
  quarantined = pt_sync_engine_list_quarantined (PT_SYNC_ENGINE (self->engine), NULL);
  for (guint i = 0; quarantined != NULL && i < quarantined->len; i++)
    {
      PtSyncQuarantined *q = g_ptr_array_index (quarantined, i);
      GtkWidget *row = adw_action_row_new ();
      g_autofree gchar *title = g_strdup_printf ("%s %s", q->collection, q->document_id);
      g_autofree gchar *why = pt_sync_quarantined_describe (q);

      adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), title);
      adw_preferences_row_set_use_markup (ADW_PREFERENCES_ROW (row), FALSE);
      /* What to do, in a sentence; the server's own words go to the log. */
      adw_action_row_set_subtitle (ADW_ACTION_ROW (row), why);
      gtk_list_box_append (self->quarantine_list, row);
    }
}

/* Records of the cloud this counter cannot decrypt: one row per kind of
 * record and cause, each saying what to do; the group is shown only when
 * there are any.  Read from the engine, or from the store when this
 * counter has no server now (the list stays until a readable version
 * arrives).  Rebuilt only when the sentences change. */
static void
refresh_unreadable (PtSyncPage *self,
                    gint64      count)
{
  g_autoptr(GPtrArray) list = NULL;
  g_auto(GStrv) sentences = NULL;
  g_autofree gchar *joined = NULL;

  if (count > 0 && self->engine != NULL)
    list = pt_sync_engine_list_unreadable (PT_SYNC_ENGINE (self->engine), NULL);
  else if (count > 0 && self->store != NULL)
    list = pt_sync_list_unreadable (self->store, NULL);
  sentences = pt_sync_unreadable_summarise (list);
  joined = g_strjoinv ("\n", sentences);
  if (self->shown_unreadable != NULL && g_str_equal (joined, self->shown_unreadable))
    return;
  g_free (self->shown_unreadable);
  self->shown_unreadable = g_steal_pointer (&joined);
  clear_list (self->unreadable_list);
  for (guint i = 0; sentences[i] != NULL; i++)
    {
      GtkWidget *row = adw_action_row_new ();
      GtkWidget *icon = gtk_image_new_from_icon_name ("dialog-warning-symbolic");

      adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), sentences[i]);
      adw_preferences_row_set_use_markup (ADW_PREFERENCES_ROW (row), FALSE);
      gtk_accessible_update_property (GTK_ACCESSIBLE (icon), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                      _("Needs attention"), -1);
      adw_action_row_add_prefix (ADW_ACTION_ROW (row), icon);
      gtk_list_box_append (self->unreadable_list, row);
    }
  gtk_widget_set_visible (GTK_WIDGET (self->unreadable_group), sentences[0] != NULL);
}

void
pt_sync_page_refresh (PtSyncPage *self)
{
  g_autofree gchar *pending_text = NULL;
  gint64 pending, oldest;

  g_return_if_fail (PT_IS_SYNC_PAGE (self));

  /* The store's status counts the outbox (hundreds of milliseconds with
   * 800,000 queued changes): only for a page someone looks at.  Shown
   * later, the page refreshes then (map). */
  if (!gtk_widget_get_mapped (GTK_WIDGET (self)))
    {
      self->stale = TRUE;
      return;
    }
  self->stale = FALSE;
  refresh_store_part (self, &pending, &oldest);
  refresh_server (self);

  if (self->engine != NULL)
    {
      g_autoptr(PtSyncStatus) status = pt_sync_engine_get_status (PT_SYNC_ENGINE (self->engine));
      g_autofree gchar *push = format_when (status->last_push_ms);
      g_autofree gchar *pull = format_when (status->last_pull_ms);
      g_autofree gchar *state = NULL;

      if (status->message != NULL)
        state = g_strdup_printf ("%s — %s", pt_sync_state_to_label (status->state), status->message);
      else if (status->state == PT_SYNC_STATE_BACKING_OFF)
        state = g_strdup_printf (_("%s — retrying in %d s"), pt_sync_state_to_label (status->state),
                                 status->retry_in_seconds);
      else if (status->state == PT_SYNC_STATE_LIVE && status->unreadable > 0)
        /* Translators: "Up to date — but some records …" */
        state = g_strdup_printf (_("%s — but some records from the cloud cannot be read on this counter "
                                   "(see below)"), pt_sync_state_to_label (status->state));
      else
        state = g_strdup (pt_sync_state_to_label (status->state));
      adw_action_row_set_subtitle (self->state_row, state);
      gtk_image_set_from_icon_name (self->state_icon,
                                    status->state == PT_SYNC_STATE_LIVE && status->unreadable > 0
                                    ? "dialog-warning-symbolic"
                                    : status->state == PT_SYNC_STATE_LIVE ? "emblem-ok-symbolic"
                                    : status->state == PT_SYNC_STATE_NEEDS_ATTENTION ? "dialog-warning-symbolic"
                                    : status->state == PT_SYNC_STATE_OFFLINE ? "network-offline-symbolic"
                                    : "emblem-synchronizing-symbolic");
      gtk_widget_set_visible (GTK_WIDGET (self->initial_progress),
                              status->state == PT_SYNC_STATE_INITIAL_SYNC && status->initial_total > 0);
      if (status->initial_total > 0)
        {
          g_autofree gchar *text = g_strdup_printf (_("%" PRId64 " of %" PRId64 " records"),
                                                    status->initial_done, status->initial_total);

          gtk_progress_bar_set_fraction (self->initial_progress,
                                         CLAMP ((gdouble) status->initial_done / status->initial_total, 0, 1));
          gtk_progress_bar_set_text (self->initial_progress, text);
        }
      pending_text = format_pending (status->pending_count, status->oldest_pending_ms);
      adw_action_row_set_subtitle (self->pending_row, pending_text);
      adw_action_row_set_subtitle (self->last_push_row, push);
      adw_action_row_set_subtitle (self->last_pull_row, pull);
      gtk_widget_set_sensitive (GTK_WIDGET (self->sync_now_button), TRUE);
      gtk_widget_set_tooltip_text (GTK_WIDGET (self->sync_now_button), _("Send and receive changes now"));
      {
        g_autofree gchar *dropped = pt_ui_format_count (status->dropped_foreign);

        adw_action_row_set_subtitle (self->dropped_row, status->dropped_foreign > 0 ? dropped : _("None"));
      }
      refresh_unreadable (self, status->unreadable);
      /* Rebuilding the lists on every status tick would make them flicker
       * (and screen readers lose their place): only when a count moved. */
      if (status->conflicts != self->shown_conflicts || status->quarantined != self->shown_quarantined)
        {
          refresh_engine_lists (self);
          self->shown_conflicts = status->conflicts;
          self->shown_quarantined = status->quarantined;
        }
      return;
    }

  adw_action_row_set_subtitle (self->state_row, _("Offline — not connected. Every change is kept on this computer."));
  gtk_image_set_from_icon_name (self->state_icon, "network-offline-symbolic");
  gtk_widget_set_visible (GTK_WIDGET (self->initial_progress), FALSE);
  pending_text = format_pending (pending, oldest);
  adw_action_row_set_subtitle (self->pending_row, pending_text);
  adw_action_row_set_subtitle (self->last_push_row, _("Never"));
  adw_action_row_set_subtitle (self->last_pull_row, _("Never"));
  gtk_widget_set_sensitive (GTK_WIDGET (self->sync_now_button), FALSE);
  gtk_widget_set_tooltip_text (GTK_WIDGET (self->sync_now_button),
                               _("This counter is not connected to a server"));
  adw_action_row_set_subtitle (self->dropped_row, _("None"));
  refresh_unreadable (self, self->store != NULL ? pt_sync_count_unreadable (self->store) : 0);
  clear_list (self->conflicts_list);
  clear_list (self->quarantine_list);
  self->shown_conflicts = self->shown_quarantined = -1;
  self->stale = TRUE;
}

static void
sync_now_clicked_cb (PtSyncPage *self)
{
  if (self->engine != NULL)
    pt_sync_engine_sync_now (PT_SYNC_ENGINE (self->engine));
}

static void
conflict_logged_cb (PtSyncPage *self)
{
  self->shown_conflicts = -1;
  pt_sync_page_refresh (self);
}

void
pt_sync_page_set_store (PtSyncPage *self,
                        PtStore    *store)
{
  g_return_if_fail (PT_IS_SYNC_PAGE (self));
  g_set_object (&self->store, store);
  pt_sync_page_refresh (self);
}

void
pt_sync_page_set_engine (PtSyncPage *self,
                         GObject    *engine)
{
  g_return_if_fail (PT_IS_SYNC_PAGE (self));

  if (self->engine != NULL)
    {
      g_clear_signal_handler (&self->status_id, self->engine);
      g_clear_signal_handler (&self->conflict_id, self->engine);
    }
  g_set_object (&self->engine, engine);
  self->shown_conflicts = self->shown_quarantined = -1;
  if (engine != NULL)
    {
      self->status_id = g_signal_connect_swapped (engine, "status-changed",
                                                  G_CALLBACK (pt_sync_page_refresh), self);
      self->conflict_id = g_signal_connect_swapped (engine, "conflict",
                                                    G_CALLBACK (conflict_logged_cb), self);
    }
  pt_sync_page_refresh (self);
}

static void
pt_sync_page_dispose (GObject *object)
{
  PtSyncPage *self = PT_SYNC_PAGE (object);

  if (self->engine != NULL)
    {
      g_clear_signal_handler (&self->status_id, self->engine);
      g_clear_signal_handler (&self->conflict_id, self->engine);
    }
  g_clear_object (&self->engine);
  gtk_widget_dispose_template (GTK_WIDGET (self), PT_TYPE_SYNC_PAGE);
  /* The template's unnamed root box is not unparented by the above. */
  for (GtkWidget *c; (c = gtk_widget_get_first_child (GTK_WIDGET (self))) != NULL;)
    gtk_widget_unparent (c);
  g_clear_object (&self->store);
  g_clear_object (&self->settings);
  g_clear_pointer (&self->shown_unreadable, g_free);
  G_OBJECT_CLASS (pt_sync_page_parent_class)->dispose (object);
}

static void
pt_sync_page_map (GtkWidget *widget)
{
  PtSyncPage *self = PT_SYNC_PAGE (widget);

  GTK_WIDGET_CLASS (pt_sync_page_parent_class)->map (widget);
  if (self->stale)
    pt_sync_page_refresh (self);
}

static void
pt_sync_page_class_init (PtSyncPageClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = pt_sync_page_dispose;
  widget_class->map = pt_sync_page_map;
  gtk_widget_class_set_template_from_resource (widget_class, "/io/github/pharmatrack/Desktop/sync/pt-sync-page.ui");
  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
  gtk_widget_class_bind_template_child (widget_class, PtSyncPage, sync_now_button);
  gtk_widget_class_bind_template_child (widget_class, PtSyncPage, state_row);
  gtk_widget_class_bind_template_child (widget_class, PtSyncPage, state_icon);
  gtk_widget_class_bind_template_child (widget_class, PtSyncPage, initial_progress);
  gtk_widget_class_bind_template_child (widget_class, PtSyncPage, server_row);
  gtk_widget_class_bind_template_child (widget_class, PtSyncPage, pending_row);
  gtk_widget_class_bind_template_child (widget_class, PtSyncPage, last_push_row);
  gtk_widget_class_bind_template_child (widget_class, PtSyncPage, last_pull_row);
  gtk_widget_class_bind_template_child (widget_class, PtSyncPage, offline_switch);
  gtk_widget_class_bind_template_child (widget_class, PtSyncPage, tenant_row);
  gtk_widget_class_bind_template_child (widget_class, PtSyncPage, records_row);
  gtk_widget_class_bind_template_child (widget_class, PtSyncPage, device_row);
  gtk_widget_class_bind_template_child (widget_class, PtSyncPage, dropped_row);
  gtk_widget_class_bind_template_child (widget_class, PtSyncPage, conflicts_list);
  gtk_widget_class_bind_template_child (widget_class, PtSyncPage, quarantine_list);
  gtk_widget_class_bind_template_child (widget_class, PtSyncPage, unreadable_group);
  gtk_widget_class_bind_template_child (widget_class, PtSyncPage, unreadable_list);
  gtk_widget_class_bind_template_callback (widget_class, sync_now_clicked_cb);
}

static void
pt_sync_page_init (PtSyncPage *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
  self->settings = pt_ui_settings_new ();
  if (self->settings != NULL)
    g_settings_bind (self->settings, "work-offline", self->offline_switch, "active", G_SETTINGS_BIND_DEFAULT);
  set_placeholder (self->conflicts_list, _("No conflicts to review."));
  set_placeholder (self->quarantine_list, _("Nothing refused."));
  self->shown_conflicts = self->shown_quarantined = -1;
  self->stale = TRUE;
}
