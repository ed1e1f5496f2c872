/* pt-cli-sync.c: `connect` and `sync`, and what the sync commands share
 * (`setup-atlas` is in pt-cli-sync-setup.c, the sync fields of `status` in
 * pt-cli-sync-status.c). */
#define G_LOG_DOMAIN "pt-cli"
#include "config.h"

#include <inttypes.h>
#include <string.h>
#include <glib/gstdio.h>
#include <glib-unix.h>
#include <mongoc/mongoc.h>

#include "pt-cli-private.h"
#include "pt-store-sync.h"
#include "pt-sync-crypt.h"
#include "pt-sync-engine.h"
#include "pt-sync-error.h"
#include "pt-sync-private.h"
#include "pt-cli-sync-private.h"

/* ---- Shared ------------------------------------------------------------- */

gchar *
_pt_cli_sync_resolve_uri (PtCli       *cli,
                          const gchar *option,
                          int         *status)
{
  const gchar *env = g_getenv ("MONGODB_URI");

  if (option != NULL && *option != '\0')
    return g_strdup (option);
  if (env != NULL && *env != '\0')
    return g_strdup (env);
  *status = pt_cli_usage (cli, _("no MongoDB connection address: pass --uri URI or set MONGODB_URI"));
  return NULL;
}

typedef struct
{
  PtCli  *cli;
  gint64  last_us;
  gint64  last_done;
  gboolean shown;
} Progress;

/* A progress line on stderr: updated in place on a terminal, one line per
 * second otherwise (scripts and logs). */
static void
progress_cb (gint64   done,
             gint64   total,
             gpointer data)
{
  Progress *p = data;
  gint64 now = g_get_monotonic_time ();

  if (total <= 0)
    return;
  if (p->shown && now - p->last_us < (p->cli->stderr_is_tty ? 100000 : G_USEC_PER_SEC)
      && done != total)
    return;
  if (p->shown && done == p->last_done)
    return;
  p->last_us = now;
  p->last_done = done;
  p->shown = TRUE;
  g_printerr (p->cli->stderr_is_tty ? "\r%s: %" G_GINT64_FORMAT " of %" G_GINT64_FORMAT " documents\033[K"
                                    : "%s: %" G_GINT64_FORMAT " of %" G_GINT64_FORMAT " documents\n",
              p->cli->command, done, total);
}

static void
progress_end (Progress *p)
{
  if (p->shown && p->cli->stderr_is_tty)
    g_printerr ("\n");
}

static gchar *
saved_database (PtCli       *cli,
                const gchar *option)
{
  g_autofree gchar *saved = NULL;

  if (option != NULL)
    return g_strdup (option);
  if (cli->store != NULL)
    saved = pt_store_sync_get (cli->store, "database");
  return saved != NULL ? g_steal_pointer (&saved) : g_strdup (PT_SYNC_DEFAULT_DATABASE);
}

/* Fails with @error one line per sentence: a one-shot sync reports each
 * thing that keeps this computer and the cloud apart on its own line, the
 * most urgent first. */
static int
fail_lines (PtCli        *cli,
            const GError *error)
{
  g_auto(GStrv) lines = NULL;

  if (error == NULL || strchr (error->message, '\n') == NULL)
    return pt_cli_fail (cli, error);
  lines = g_strsplit (error->message, "\n", -1);
  for (guint i = 0; lines[i] != NULL; i++)
    if (*lines[i] != '\0')
      pt_cli_fail_msg (cli, "%s", lines[i]);
  return PT_CLI_EXIT_FAILURE;
}

/* ---- connect ------------------------------------------------------------ */

static void
remove_store_files (const gchar *data_dir)
{
  g_autoptr(GDir) dir = g_dir_open (data_dir, 0, NULL);
  const gchar *name;

  while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
    if (g_str_has_suffix (name, ".db") || g_str_has_suffix (name, ".db-wal")
        || g_str_has_suffix (name, ".db-shm") || g_str_has_suffix (name, ".db-journal"))
      {
        g_autofree gchar *path = g_build_filename (data_dir, name, NULL);
        g_unlink (path);
      }
}

int
pt_cli_cmd_connect (PtCli *cli, int argc, char **argv)
{
  g_autofree gchar *uri_option = NULL;
  g_autofree gchar *database = NULL;
  g_autofree gchar *tenant_id = NULL;
  g_autofree gchar *key_file = NULL;
  g_autofree gchar *uri = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(PtStore) store = NULL;
  g_autoptr(PtSyncEngine) engine = NULL;
  g_autoptr(PtSyncStatus) st = NULL;
  g_autoptr(GBytes) key = NULL;
  PtStoreInit init = { 0 };
  Progress progress = { cli };
  int status = 0;
  gboolean ok, resume = FALSE;
  const GOptionEntry entries[] = {
    { "uri", 0, 0, G_OPTION_ARG_STRING, &uri_option,
      N_("MongoDB connection address (else $MONGODB_URI)"), N_("URI") },
    { "tenant-id", 0, 0, G_OPTION_ARG_STRING, &tenant_id,
      N_("The tenant’s ObjectId in the cloud (required)"), N_("OID") },
    { "database", 0, 0, G_OPTION_ARG_STRING, &database,
      N_("Database name (default pharmatrack)"), N_("NAME") },
    { "key-file", 0, 0, G_OPTION_ARG_FILENAME, &key_file,
      N_("The pharmacy’s encryption key file (from the enrolment)"), N_("F") },
    { NULL }
  };

  if (!pt_cli_parse (cli, &argc, &argv, entries, NULL,
                     _("Enrols this computer to an existing tenant: creates the local "
                       "store in an empty data dir and downloads the tenant’s data "
                       "(progress on stderr).  Interrupted, it continues where it "
                       "stopped when run again (or with `sync`)."), &status))
    return status;
  if (!pt_cli_expect_args (cli, argc, 0, 0, &status))
    return status;
  if (tenant_id == NULL)
    return pt_cli_usage (cli, _("--tenant-id is required"));
  if (!pt_oid_is_valid (tenant_id))
    return pt_cli_usage (cli, _("--tenant-id must be 24 hexadecimal digits"));
  uri = _pt_cli_sync_resolve_uri (cli, uri_option, &status);
  if (uri == NULL)
    return status;
  g_free (cli->data_dir);
  cli->data_dir = pt_store_resolve_data_dir (cli->data_dir_option);
  if (pt_store_exists (cli->data_dir))
    {
      /* An enrolment to this tenant that was interrupted (killed, network
       * lost) continues where it stopped; anything else is refused. */
      g_autoptr(PtStore) existing = pt_store_open (cli->data_dir, &error);

      if (existing == NULL)
        return pt_cli_fail (cli, error);
      resume = g_strcmp0 (pt_store_get_tenant_id (existing), tenant_id) == 0
               && pt_store_sync_ensure_schema (existing, NULL)
               && pt_store_sync_get_int (existing, "initial_complete", 0) != 1
               && pt_store_count (existing, "tenants") <= 1;
      if (!resume)
        return pt_cli_fail_msg (cli, _("%s already holds pharmacy data; connect needs an empty data dir"),
                                cli->data_dir);
      if (database == NULL)
        database = pt_store_sync_get (existing, "database");
    }
  /* A bad key file is refused before anything is created. */
  if (key_file != NULL && (key = pt_sync_crypt_read_key_file (key_file, &error)) == NULL)
    return pt_cli_fail (cli, error);

  {
    /* A malformed address is refused before anything is created. */
    bson_error_t berr;
    mongoc_uri_t *muri;

    pt_sync_init_driver ();
    muri = mongoc_uri_new_with_error (uri, &berr);
    if (muri == NULL)
      {
        pt_sync_error_set_bad_uri (&error, &berr);
        return pt_cli_fail (cli, error);
      }
    mongoc_uri_destroy (muri);
  }

  if (!resume)
    {
      init.tenant_id = tenant_id;
      init.tenant_name = tenant_id;  /* replaced by the tenant document */
      init.enrolment = TRUE;
      store = pt_store_create (cli->data_dir, &init, &error);
      if (store == NULL)
        return pt_cli_fail (cli, error);
      if (!pt_store_sync_ensure_schema (store, &error)
          || !pt_store_sync_set (store, "database", database != NULL ? database : PT_SYNC_DEFAULT_DATABASE,
                                 &error))
        return pt_cli_fail (cli, error);
      g_clear_object (&store);
    }
  if (key != NULL && !pt_sync_crypt_install_key (cli->data_dir, tenant_id, key, &error))
    return pt_cli_fail (cli, error);

  engine = pt_sync_engine_new (cli->data_dir, uri, database);
  ok = pt_sync_engine_run_once (engine, progress_cb, &progress, NULL, &error);
  progress_end (&progress);
  st = pt_sync_engine_get_status (engine);
  if (!ok)
    {
      if (!resume && st->pulled_total == 0
          && (g_error_matches (error, PT_ERROR, PT_ERROR_NOT_FOUND)
              || g_error_matches (error, PT_ERROR, PT_ERROR_PERMISSION_DENIED)
              || g_error_matches (error, PT_SYNC_ERROR, PT_SYNC_ERROR_KEY_MISSING)
              || g_error_matches (error, PT_SYNC_ERROR, PT_SYNC_ERROR_WRONG_KEY)))
        {
          /* An empty enrolment store: connect can be run again (with the
           * right key file). */
          g_autofree gchar *key_path = pt_sync_crypt_key_path (cli->data_dir, tenant_id);

          remove_store_files (cli->data_dir);
          g_unlink (key_path);
        }
      return fail_lines (cli, error);
    }
  g_print (_("Connected to tenant %s: %" PRId64 " documents downloaded.\n"),
           tenant_id, st->pulled_total);
  return PT_CLI_EXIT_OK;
}

/* ---- sync --------------------------------------------------------------- */

typedef struct
{
  PtCli        *cli;
  GMainLoop    *loop;
  PtSyncEngine *engine;
  PtSyncState   last_state;
  gchar        *last_message;
  gint64        last_unreadable;
  gboolean      interrupted;
} Watch;

static gboolean
watch_quit_cb (gpointer data)
{
  Watch *w = data;

  w->interrupted = TRUE;
  g_main_loop_quit (w->loop);
  return G_SOURCE_CONTINUE;
}

static gboolean
watch_timeout_cb (gpointer data)
{
  Watch *w = data;

  g_main_loop_quit (w->loop);
  return G_SOURCE_REMOVE;
}

static void
watch_status_cb (PtSyncEngine *engine,
                 Watch        *w)
{
  g_autoptr(PtSyncStatus) st = pt_sync_engine_get_status (engine);

  if (st->unreadable != w->last_unreadable)
    {
      g_autoptr(GPtrArray) list = pt_sync_engine_list_unreadable (engine, NULL);
      g_auto(GStrv) sentences = pt_sync_unreadable_summarise (list);

      w->last_unreadable = st->unreadable;
      for (guint i = 0; sentences != NULL && sentences[i] != NULL; i++)
        g_printerr ("%s: %s\n", w->cli->command, sentences[i]);
    }
  if (st->state == w->last_state && g_strcmp0 (st->message, w->last_message) == 0)
    return;
  w->last_state = st->state;
  g_free (w->last_message);
  w->last_message = g_strdup (st->message);
  if (st->state == PT_SYNC_STATE_BACKING_OFF || st->state == PT_SYNC_STATE_NEEDS_ATTENTION)
    {
      /* TRANSLATORS: the delay before the next attempt */
      g_autofree gchar *retry = g_strdup_printf (_("retry in %d s"), st->retry_in_seconds);
      g_printerr ("%s: %s: %s (%s)\n", w->cli->command, pt_sync_state_to_string (st->state),
                  st->message != NULL ? st->message : "", retry);
    }
  else
    g_printerr ("%s: %s\n", w->cli->command, pt_sync_state_to_string (st->state));
}

int
pt_cli_cmd_sync (PtCli *cli, int argc, char **argv)
{
  g_autofree gchar *uri_option = NULL;
  g_autofree gchar *database_option = NULL;
  g_autofree gchar *uri = NULL;
  g_autofree gchar *database = NULL;
  g_autofree gchar *key_file = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(PtSyncEngine) engine = NULL;
  g_autoptr(PtSyncStatus) st = NULL;
  gboolean once = FALSE, watch = FALSE;
  gint seconds = 0, poll_ms = 0;
  int status = 0;
  const GOptionEntry entries[] = {
    { "uri", 0, 0, G_OPTION_ARG_STRING, &uri_option,
      N_("MongoDB connection address (else $MONGODB_URI)"), N_("URI") },
    { "database", 0, 0, G_OPTION_ARG_STRING, &database_option,
      N_("Database name (default: as at connect, else pharmatrack)"), N_("NAME") },
    { "once", 0, 0, G_OPTION_ARG_NONE, &once,
      N_("Push everything, pull everything, exit 0 when this computer and the cloud agree (default)"), NULL },
    { "watch", 0, 0, G_OPTION_ARG_NONE, &watch,
      N_("Stay live until --seconds pass or SIGINT/SIGTERM"), NULL },
    { "seconds", 0, 0, G_OPTION_ARG_INT, &seconds,
      N_("With --watch: stop after N seconds"), N_("N") },
    { "poll-interval", 0, 0, G_OPTION_ARG_INT, &poll_ms,
      N_("Polling interval in ms when the server has no change streams (default 2000)"), N_("MS") },
    { "key-file", 0, 0, G_OPTION_ARG_FILENAME, &key_file,
      N_("Import the pharmacy’s encryption key file (from the enrolment) first"), N_("F") },
    { NULL }
  };

  if (!pt_cli_parse (cli, &argc, &argv, entries, NULL,
                     _("Synchronises this computer's pharmacy data with the cloud database."),
                     &status))
    return status;
  if (!pt_cli_expect_args (cli, argc, 0, 0, &status))
    return status;
  if (once && watch)
    return pt_cli_usage (cli, _("--once and --watch exclude each other"));
  if (seconds < 0 || (seconds > 0 && !watch))
    return pt_cli_usage (cli, _("--seconds needs --watch and a positive number"));
  uri = _pt_cli_sync_resolve_uri (cli, uri_option, &status);
  if (uri == NULL)
    return status;
  if (!pt_cli_open_store (cli))
    return PT_CLI_EXIT_FAILURE;
  database = saved_database (cli, database_option);
  if (key_file != NULL
      && !pt_sync_crypt_import_key (cli->data_dir, pt_store_get_tenant_id (cli->store), key_file, &error))
    return pt_cli_fail (cli, error);
  g_clear_object (&cli->store);  /* the engine opens its own connection */

  engine = pt_sync_engine_new (cli->data_dir, uri, database);
  if (poll_ms > 0)
    pt_sync_engine_set_poll_interval (engine, (guint) poll_ms);

  if (!watch)
    {
      Progress progress = { cli };
      gboolean ok = pt_sync_engine_run_once (engine, progress_cb, &progress, NULL, &error);

      progress_end (&progress);
      if (!ok)
        return fail_lines (cli, error);
      st = pt_sync_engine_get_status (engine);
      g_print (_("In sync: %" PRId64 " sent, %" PRId64 " received.\n"),
               st->pushed_total, st->pulled_total);
      return PT_CLI_EXIT_OK;
    }

  {
    Watch w = { cli };
    guint sigint, sigterm, timeout = 0;

    w.loop = g_main_loop_new (NULL, FALSE);
    w.engine = engine;
    w.last_state = (PtSyncState) -1;
    g_signal_connect (engine, "status-changed", G_CALLBACK (watch_status_cb), &w);
    sigint = g_unix_signal_add (SIGINT, watch_quit_cb, &w);
    sigterm = g_unix_signal_add (SIGTERM, watch_quit_cb, &w);
    /* Not g_timeout_add_seconds(): it fires on the clock's next whole
     * second, up to a second early (--seconds 2 ended after 1.9 s). */
    if (seconds > 0)
      timeout = g_timeout_add ((guint) MIN (seconds, G_MAXINT / 1000) * 1000, watch_timeout_cb, &w);

    if (!pt_sync_engine_start (engine, &error))
      status = pt_cli_fail (cli, error);
    else
      {
        g_main_loop_run (w.loop);
        /* Clean shutdown: the worker finishes its step; the resume token
         * of everything applied is already committed. */
        pt_sync_engine_stop (engine);
        st = pt_sync_engine_get_status (engine);
        status = PT_CLI_EXIT_OK;
        if (w.last_state == PT_SYNC_STATE_NEEDS_ATTENTION)
          status = pt_cli_fail_msg (cli, "%s", w.last_message != NULL ? w.last_message : "");
      }
    g_source_remove (sigint);
    g_source_remove (sigterm);
    if (timeout != 0 && g_main_context_find_source_by_id (NULL, timeout) != NULL)
      g_source_remove (timeout);
    g_signal_handlers_disconnect_by_data (engine, &w);
    g_main_loop_unref (w.loop);
    g_free (w.last_message);
  }
  return status;
}
