/* pt-cli-sync-status.c: the sync fields of `status` (text and --json),
 * computed from the store whether or not a sync runs. */
#define G_LOG_DOMAIN "pt-cli"
#include "config.h"

#include <inttypes.h>

#include "pt-cli-private.h"
#include "pt-store-sync.h"
#include "pt-sync-engine.h"

/* ---- status ------------------------------------------------------------- */

static gchar *
iso_time (gint64 ms)
{
  g_autoptr(GDateTime) dt = NULL;

  if (ms <= 0)
    return NULL;
  dt = g_date_time_new_from_unix_utc (ms / 1000);
  return dt != NULL ? g_date_time_format_iso8601 (dt) : NULL;
}

void
pt_cli_sync_status_hook (PtCli       *cli,
                         JsonBuilder *builder,
                         GString     *text)
{
  PtStore *store = cli->store;
  g_autoptr(PtSyncStatus) st = NULL;
  g_autofree gchar *saved_state = NULL;
  g_autofree gchar *last_push = NULL;
  g_autofree gchar *last_pull = NULL;
  g_autofree gchar *oldest = NULL;
  g_autofree gchar *unreadable = NULL;
  const gchar *state;
  const gchar *message;
  gint64 pending, age_s = 0;
  gboolean complete;

  if (store == NULL || !pt_store_sync_ensure_schema (store, NULL))
    return;

  /* Computed now from the store, not what the last sync run published:
   * a change made since (by the GUI, by `docs`) counts at once. */
  st = pt_sync_status_new_from_store (store);
  saved_state = pt_sync_status_dup_recorded_state (store);
  /* The state of the sync running now; offline when none runs (a sync
   * killed while live is not live), needs-attention kept. */
  state = saved_state != NULL || st->running ? pt_sync_state_to_string (st->state) : "never-synced";
  message = st->message;
  pending = st->pending_count;
  if (st->oldest_pending_ms > 0)
    age_s = MAX (0, (pt_hlc_wall_ms () - st->oldest_pending_ms) / 1000);
  last_push = iso_time (st->last_push_ms);
  last_pull = iso_time (st->last_pull_ms);
  oldest = iso_time (st->oldest_pending_ms);
  complete = pt_store_sync_get_int (store, "initial_complete", 0) == 1;
  if (st->unreadable > 0)
    {
      g_autoptr(GPtrArray) list = pt_sync_list_unreadable (store, NULL);
      g_auto(GStrv) sentences = pt_sync_unreadable_summarise (list);

      if (sentences != NULL && sentences[0] != NULL)
        unreadable = g_strjoinv ("\n", sentences);
    }

#define STR_OR_NULL(b, v) do { if (v) json_builder_add_string_value (b, v); else json_builder_add_null_value (b); } while (0)
  if (builder != NULL)
    {
      json_builder_set_member_name (builder, "sync");
      json_builder_begin_object (builder);
      json_builder_set_member_name (builder, "state");
      json_builder_add_string_value (builder, state);
      json_builder_set_member_name (builder, "running");
      json_builder_add_boolean_value (builder, st->running);
      json_builder_set_member_name (builder, "lastRecordedState");
      STR_OR_NULL (builder, saved_state);
      json_builder_set_member_name (builder, "message");
      STR_OR_NULL (builder, message);
      json_builder_set_member_name (builder, "lastPushAt");
      STR_OR_NULL (builder, last_push);
      json_builder_set_member_name (builder, "lastPullAt");
      STR_OR_NULL (builder, last_pull);
      json_builder_set_member_name (builder, "pendingCount");
      json_builder_add_int_value (builder, pending);
      json_builder_set_member_name (builder, "oldestPendingAt");
      STR_OR_NULL (builder, oldest);
      json_builder_set_member_name (builder, "oldestPendingAgeSeconds");
      json_builder_add_int_value (builder, age_s);
      json_builder_set_member_name (builder, "conflicts");
      json_builder_add_int_value (builder, st->conflicts);
      json_builder_set_member_name (builder, "quarantined");
      json_builder_add_int_value (builder, st->quarantined);
      json_builder_set_member_name (builder, "unreadableFromCloud");
      json_builder_add_int_value (builder, st->unreadable);
      json_builder_set_member_name (builder, "unreadableMessage");
      STR_OR_NULL (builder, unreadable);  /* one sentence per line */
      json_builder_set_member_name (builder, "droppedForeignTenant");
      json_builder_add_int_value (builder, st->dropped_foreign);
      json_builder_set_member_name (builder, "maxClockSkewMs");
      json_builder_add_int_value (builder, st->max_clock_skew_ms);
      json_builder_set_member_name (builder, "initialSync");
      json_builder_begin_object (builder);
      json_builder_set_member_name (builder, "complete");
      json_builder_add_boolean_value (builder, complete);
      json_builder_set_member_name (builder, "done");
      json_builder_add_int_value (builder, st->initial_done);
      json_builder_set_member_name (builder, "total");
      json_builder_add_int_value (builder, st->initial_total);
      json_builder_end_object (builder);
      json_builder_end_object (builder);
    }
  else if (text != NULL)
    {
      g_string_append_printf (text, _("Sync state: %s\n"), state);
      if (!st->running && saved_state != NULL)
        g_string_append_printf (text, _("No sync is running on this computer now (the last one "
                                        "recorded: %s).\n"), saved_state);
      if (message != NULL)
        g_string_append_printf (text, _("Sync message: %s\n"), message);
      g_string_append_printf (text, _("Waiting to be sent: %" PRId64 "\n"), pending);
      if (oldest != NULL)
        g_string_append_printf (text, _("Oldest waiting change: %s\n"), oldest);
      g_string_append_printf (text, _("Last sent: %s\n"), last_push != NULL ? last_push : _("never"));
      g_string_append_printf (text, _("Last received: %s\n"), last_pull != NULL ? last_pull : _("never"));
      g_string_append_printf (text, _("Conflicts to review: %" PRId64 "\n"), st->conflicts);
      g_string_append_printf (text, _("Quarantined changes: %" PRId64 "\n"), st->quarantined);
      if (unreadable != NULL)
        g_string_append_printf (text, "%s\n", unreadable);
      g_string_append_printf (text, _("Other tenants' documents dropped: %" PRId64 "\n"),
                              st->dropped_foreign);
    }
#undef STR_OR_NULL
}
