/* pt-cli-admin.c: `export`, `import`, `backup`, `restore` and `status`. */
#define G_LOG_DOMAIN "pt-cli"
#include "config.h"

#include <stdio.h>
#include <inttypes.h>
#include <string.h>
#include <unistd.h>
#include <gio/gunixoutputstream.h>

#include "pt-cli-private.h"

int
pt_cli_cmd_export (PtCli *cli, int argc, char **argv)
{
  g_autofree gchar *collection = NULL;
  g_autofree gchar *out_path = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GOutputStream) out = NULL;
  g_autoptr(GFile) file = NULL;
  gboolean include_deleted = FALSE;
  gint64 n;
  int status;
  const GOptionEntry entries[] = {
    { "collection", 'c', 0, G_OPTION_ARG_STRING, &collection,
      N_("Only this collection (default: all, one after the other)"), N_("C") },
    { "out", 'o', 0, G_OPTION_ARG_FILENAME, &out_path,
      N_("Write to F (replaced only when the export succeeds) instead of stdout"), N_("F") },
    { "include-deleted", 0, 0, G_OPTION_ARG_NONE, &include_deleted,
      N_("Export deleted documents (tombstones) too"), NULL },
    { NULL }
  };

  if (!pt_cli_parse (cli, &argc, &argv, entries, "",
                     _("Writes documents as relaxed MongoDB Extended JSON, one per line, as "
                       "mongoexport does; mongoimport and “pharmatrack-admin import” read "
                       "it back."),
                     &status))
    return status;
  if (!pt_cli_expect_args (cli, argc, 0, 0, &status))
    return status;
  if (collection != NULL && pt_schema_lookup_checked (collection, &error) == NULL)
    return pt_cli_fail (cli, error);
  if (!pt_cli_open_store (cli))
    return PT_CLI_EXIT_FAILURE;

  if (out_path != NULL)
    {
      file = g_file_new_for_commandline_arg (out_path);
      out = G_OUTPUT_STREAM (g_file_replace (file, NULL, FALSE, G_FILE_CREATE_NONE,
                                             NULL, &error));
      if (out == NULL)
        return pt_cli_fail_msg (cli, _("Cannot write “%s”: %s"), out_path, error->message);
    }
  else
    out = g_unix_output_stream_new (STDOUT_FILENO, FALSE);

  n = pt_store_export (cli->store, collection, include_deleted, out, &error);
  if (n < 0)
    {
      /* Closing with a cancelled cancellable leaves an existing --out
       * file as it was. */
      g_autoptr(GCancellable) cancel = g_cancellable_new ();
      g_cancellable_cancel (cancel);
      g_output_stream_close (out, cancel, NULL);
      return pt_cli_fail (cli, error);
    }
  if (!g_output_stream_close (out, NULL, &error))
    return pt_cli_fail_msg (cli, _("Cannot write “%s”: %s"),
                            out_path ? out_path : "stdout", error->message);
  if (out_path != NULL && cli->stderr_is_tty)
    g_printerr (_("Exported %" PRId64 " documents to %s.\n"), n, out_path);
  return PT_CLI_EXIT_OK;
}

/* "…/medicines.json" → "medicines", as mongoimport names collections. */
static gchar *
collection_from_source (const gchar *source)
{
  g_autofree gchar *path = NULL;
  g_autofree gchar *base = NULL;
  gchar *dot;

  if (g_str_has_prefix (source, "http://") || g_str_has_prefix (source, "https://"))
    {
      g_autoptr(GUri) uri = g_uri_parse (source, G_URI_FLAGS_NONE, NULL);
      if (uri == NULL)
        return NULL;
      path = g_strdup (g_uri_get_path (uri));
    }
  else
    path = g_strdup (source);

  base = g_path_get_basename (path);
  dot = strchr (base, '.');
  if (dot != NULL)
    *dot = '\0';
  if (pt_schema_lookup (base) == NULL)
    return NULL;
  return g_steal_pointer (&base);
}

int
pt_cli_cmd_import (PtCli *cli, int argc, char **argv)
{
  g_autofree gchar *collection = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GInputStream) in = NULL;
  g_autoptr(PtImportReport) report = NULL;
  gint64 total = -1;
  gboolean ok;
  int status;
  const GOptionEntry entries[] = {
    { "collection", 'c', 0, G_OPTION_ARG_STRING, &collection,
      N_("The collection (default: the file name, e.g. medicines.json → medicines)"),
      N_("C") },
    { NULL }
  };

  if (!pt_cli_parse (cli, &argc, &argv, entries, _("FILE|URL"),
                     _("Imports Extended JSON documents, one per line (mongoexport’s format), "
                       "from a file or an http:// or https:// URL.  ALL OR NOTHING: every "
                       "line is parsed and validated first; if any is bad, nothing is "
                       "imported and the bad line numbers are reported (all of them with "
                       "--verbose).  Documents with the _id of an existing one update it.  "
                       "Progress goes to stderr when it is a terminal."),
                     &status))
    return status;
  if (!pt_cli_expect_args (cli, argc, 1, 1, &status))
    return status;

  if (collection == NULL)
    {
      collection = collection_from_source (argv[1]);
      if (collection == NULL)
        return pt_cli_usage (cli, _("cannot tell the collection from “%s”; give --collection"),
                             argv[1]);
    }
  else if (pt_schema_lookup_checked (collection, &error) == NULL)
    return pt_cli_fail (cli, error);

  if (!pt_cli_open_store (cli))
    return PT_CLI_EXIT_FAILURE;

  in = pt_open_import_source (argv[1], &total, NULL, &error);
  if (in == NULL)
    return pt_cli_fail (cli, error);

  ok = pt_store_import (cli->store, collection, in, &report,
                        pt_cli_progress_cb, cli, NULL, &error);
  pt_cli_progress_end (cli);
  if (!ok)
    {
      if (report != NULL && report->errors != NULL && report->errors->len > 0)
        {
          if (cli->verbose)
            for (guint i = 0; i < report->errors->len; i++)
              g_printerr ("%s\n", (const gchar *) g_ptr_array_index (report->errors, i));
          return pt_cli_fail_msg (cli,
                                  g_dngettext (GETTEXT_PACKAGE,
                                               "Nothing was imported: %u document is invalid (%s).",
                                               "Nothing was imported: %u documents are invalid (first: %s).",
                                               report->errors->len),
                                  report->errors->len,
                                  (const gchar *) g_ptr_array_index (report->errors, 0));
        }
      return pt_cli_fail (cli, error);
    }

  if (cli->stderr_is_tty)
    g_printerr (_("Imported %" PRId64 " documents into %s.\n"),
                report ? report->imported : 0, collection);
  return PT_CLI_EXIT_OK;
}

int
pt_cli_cmd_backup (PtCli *cli, int argc, char **argv)
{
  g_autofree gchar *out_path = NULL;
  g_autoptr(GError) error = NULL;
  gboolean force = FALSE;
  int status;
  const GOptionEntry entries[] = {
    { "out", 'o', 0, G_OPTION_ARG_FILENAME, &out_path, N_("The backup file"), N_("F") },
    { "force", 0, 0, G_OPTION_ARG_NONE, &force, N_("Replace F when it exists"), NULL },
    { NULL }
  };

  if (!pt_cli_parse (cli, &argc, &argv, entries, "",
                     _("Copies the whole store to a file while it stays in use (SQLite online "
                       "backup).  “pharmatrack-admin restore” puts it back."),
                     &status))
    return status;
  if (!pt_cli_expect_args (cli, argc, 0, 0, &status))
    return status;
  if (out_path == NULL)
    return pt_cli_usage (cli, _("--out is required"));
  if (!force && g_file_test (out_path, G_FILE_TEST_EXISTS))
    return pt_cli_fail_msg (cli, _("“%s” already exists; choose another name or add --force."),
                            out_path);
  if (!pt_cli_open_store (cli))
    return PT_CLI_EXIT_FAILURE;
  if (cli->user_email != NULL
      && !pt_role_check (pt_store_get_role (cli->store), PT_PERM_BACKUP_RESTORE, &error))
    return pt_cli_fail (cli, error);

  if (!pt_store_backup (cli->store, out_path, &error))
    return pt_cli_fail (cli, error);
  return PT_CLI_EXIT_OK;
}

int
pt_cli_cmd_restore (PtCli *cli, int argc, char **argv)
{
  g_autoptr(GError) error = NULL;
  int status;

  if (!pt_cli_parse (cli, &argc, &argv, NULL, _("F"),
                     _("Replaces the store in the data dir with the backup F.  A backup of "
                       "another tenant, or a file that is not a PharmaTrack backup, is "
                       "refused and the current store is left as it was.  Close the app and "
                       "stop syncing on this data dir first."),
                     &status))
    return status;
  if (!pt_cli_expect_args (cli, argc, 1, 1, &status))
    return status;

  cli->data_dir = pt_store_resolve_data_dir (cli->data_dir_option);

  /* With --user, only a role that may restore may replace the store. */
  if (cli->user_email != NULL && pt_store_exists (cli->data_dir))
    {
      if (!pt_cli_open_store (cli))
        return PT_CLI_EXIT_FAILURE;
      if (!pt_role_check (pt_store_get_role (cli->store), PT_PERM_BACKUP_RESTORE, &error))
        return pt_cli_fail (cli, error);
      g_clear_object (&cli->store);
    }

  if (!pt_store_restore (cli->data_dir, argv[1], &error))
    return pt_cli_fail (cli, error);
  return PT_CLI_EXIT_OK;
}

static gchar *
format_age (gint64 ms)
{
  gint64 s = ms / 1000;

  if (s < 60)
    return g_strdup_printf (_("%" PRId64 " s"), s);
  if (s < 3600)
    return g_strdup_printf (_("%" PRId64 " min"), s / 60);
  if (s < 86400 * 2)
    return g_strdup_printf (_("%" PRId64 " h"), s / 3600);
  return g_strdup_printf (_("%" PRId64 " days"), s / 86400);
}

int
pt_cli_cmd_status (PtCli *cli, int argc, char **argv)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(PtStoreStatus) st = NULL;
  gboolean json = FALSE;
  const PtCollection * const *collections;
  guint n_collections;
  gint64 age_ms = -1;
  gdouble percent = 0;
  gboolean warn;
  int status;
  const GOptionEntry entries[] = {
    { "json", 0, 0, G_OPTION_ARG_NONE, &json, N_("Print one JSON object"), NULL },
    { NULL }
  };

  if (!pt_cli_parse (cli, &argc, &argv, entries, "",
                     _("Shows the tenant, this device, the schema version, documents per "
                       "collection, the outbox (changes not yet in the cloud) and storage "
                       "used against the plan’s quota, with a warning from 80 %.  With "
                       "--json the same as one JSON object (keys tenantId, tenantName, "
                       "deviceId, path, schemaVersion, plan, counts, outboxLength, "
                       "oldestPendingAgeSeconds, storageBytes, storageQuotaBytes, "
                       "storagePercent, storageWarning)."),
                     &status))
    return status;
  if (!pt_cli_expect_args (cli, argc, 0, 0, &status))
    return status;
  if (!pt_cli_open_store (cli))
    return PT_CLI_EXIT_FAILURE;

  st = pt_store_get_status (cli->store, &error);
  if (st == NULL)
    return pt_cli_fail (cli, error);

  if (st->oldest_pending_ms > 0)
    age_ms = MAX (0, pt_time_now () - st->oldest_pending_ms);
  if (st->storage_quota > 0)
    percent = 100.0 * st->storage_bytes / st->storage_quota;
  warn = percent >= 80.0;
  collections = pt_schema_collections (&n_collections);

  if (json)
    {
      g_autoptr(JsonBuilder) b = json_builder_new ();
      g_autoptr(JsonGenerator) generator = json_generator_new ();
      g_autoptr(JsonNode) root = NULL;
      g_autofree gchar *text = NULL;

      json_builder_begin_object (b);
      json_builder_set_member_name (b, "tenantId");
      json_builder_add_string_value (b, st->tenant_id);
      json_builder_set_member_name (b, "tenantName");
      json_builder_add_string_value (b, st->tenant_name);
      json_builder_set_member_name (b, "deviceId");
      json_builder_add_string_value (b, st->device_id);
      json_builder_set_member_name (b, "path");
      json_builder_add_string_value (b, st->path);
      json_builder_set_member_name (b, "schemaVersion");
      json_builder_add_int_value (b, st->schema_version);
      json_builder_set_member_name (b, "plan");
      json_builder_add_string_value (b, pt_plan_to_string (st->plan));
      json_builder_set_member_name (b, "counts");
      json_builder_begin_object (b);
      for (guint i = 0; i < n_collections; i++)
        {
          const gint64 *count = st->counts
            ? g_hash_table_lookup (st->counts, collections[i]->name) : NULL;
          json_builder_set_member_name (b, collections[i]->name);
          json_builder_add_int_value (b, count ? *count : 0);
        }
      json_builder_end_object (b);
      json_builder_set_member_name (b, "outboxLength");
      json_builder_add_int_value (b, st->outbox_length);
      json_builder_set_member_name (b, "oldestPendingAgeSeconds");
      if (age_ms >= 0)
        json_builder_add_int_value (b, age_ms / 1000);
      else
        json_builder_add_null_value (b);
      json_builder_set_member_name (b, "storageBytes");
      json_builder_add_int_value (b, st->storage_bytes);
      json_builder_set_member_name (b, "storageQuotaBytes");
      json_builder_add_int_value (b, st->storage_quota);
      json_builder_set_member_name (b, "storagePercent");
      json_builder_add_double_value (b, percent);
      json_builder_set_member_name (b, "storageWarning");
      json_builder_add_boolean_value (b, warn);
      if (pt_cli_sync_status_hook != NULL)
        pt_cli_sync_status_hook (cli, b, NULL);
      json_builder_end_object (b);

      root = json_builder_get_root (b);
      json_generator_set_root (generator, root);
      json_generator_set_pretty (generator, TRUE);
      text = json_generator_to_data (generator, NULL);
      g_print ("%s\n", text);
    }
  else
    {
      g_autoptr(GString) s = g_string_new (NULL);
      g_autofree gchar *used = g_format_size (st->storage_bytes);
      g_autofree gchar *quota = g_format_size (st->storage_quota);

      g_string_append_printf (s, "%-16s %s (%s)\n", _("Tenant:"),
                              st->tenant_name ? st->tenant_name : "", st->tenant_id);
      g_string_append_printf (s, "%-16s %s\n", _("Plan:"), pt_plan_get_label (st->plan));
      g_string_append_printf (s, "%-16s %s\n", _("Device:"), st->device_id);
      g_string_append_printf (s, "%-16s %s\n", _("Store:"), st->path);
      g_string_append_printf (s, "%-16s %d\n", _("Schema version:"), st->schema_version);
      if (age_ms >= 0)
        {
          g_autofree gchar *age = format_age (age_ms);
          g_string_append_printf (s, "%-16s ", _("Outbox:"));
          g_string_append_printf (s, _("%" PRId64 " changes (oldest %s ago)"),
                                  st->outbox_length, age);
          g_string_append_c (s, '\n');
        }
      else
        g_string_append_printf (s, "%-16s %s\n", _("Outbox:"), _("empty"));
      g_string_append_printf (s, "%-16s %s of %s (%.0f %%)\n", _("Storage:"),
                              used, quota, percent);
      g_string_append_printf (s, "%s\n", _("Documents:"));
      for (guint i = 0; i < n_collections; i++)
        {
          const gint64 *count = st->counts
            ? g_hash_table_lookup (st->counts, collections[i]->name) : NULL;
          g_string_append_printf (s, "  %-16s %" PRId64 "\n",
                                  collections[i]->name, count ? *count : 0);
        }
      if (pt_cli_sync_status_hook != NULL)
        pt_cli_sync_status_hook (cli, NULL, s);
      g_print ("%s", s->str);
    }

  if (warn)
    {
      g_autofree gchar *quota = g_format_size (st->storage_quota);
      pt_cli_warn (cli, _("storage is at %.0f %% of the %s plan’s %s quota; counter work "
                          "goes on, but ask the tenant owner to upgrade the plan or "
                          "archive data."),
                   percent, pt_plan_get_label (st->plan), quota);
    }
  return PT_CLI_EXIT_OK;
}
