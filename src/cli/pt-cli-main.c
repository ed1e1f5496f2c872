/* pt-cli-main.c: pharmatrack-admin, the scriptable face of libpharmatrack.
 *
 *   pharmatrack-admin [--data-dir DIR] [--user EMAIL] COMMAND [ARGS]
 *
 * The global options are parsed up to the command name; the command parses
 * the rest itself (pt-cli-private.h).  The names and flags of the commands
 * are a contract: tests and users script against them. */
#define G_LOG_DOMAIN "pt-cli"
#include "config.h"

#include <locale.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "pt-cli-private.h"

/* The command table.  Other topic files add ONE line each here (see
 * pt-cli-private.h for the three steps). */
static const PtCliCommand commands[] = {
  { "init",      N_("Create the local store of a tenant"),            pt_cli_cmd_init },
  { "demo-data", N_("Add realistic synthetic data (or create a demo store)"), pt_cli_cmd_demo_data },
  { "put",       N_("Create or update a document from Extended JSON"), pt_cli_cmd_put },
  { "get",       N_("Print one document"),                            pt_cli_cmd_get },
  { "delete",    N_("Delete a document (tombstone)"),                 pt_cli_cmd_delete },
  { "list",      N_("Print the documents of a collection"),           pt_cli_cmd_list },
  { "search",    N_("Search medicines or patients"),                  pt_cli_cmd_search },
  { "receive",   N_("Receive a batch of stock"),                      pt_cli_cmd_receive },
  { "adjust",    N_("Adjust the stock of a batch"),                   pt_cli_cmd_adjust },
  { "dispense",  N_("Dispense a prescription"),                       pt_cli_cmd_dispense },
  { "cancel",    N_("Cancel a prescription (returns dispensed stock)"), pt_cli_cmd_cancel },
  { "stock",     N_("Show the stock of a medicine per batch"),        pt_cli_cmd_stock },
  { "export",    N_("Export documents as Extended JSON"),             pt_cli_cmd_export },
  { "import",    N_("Import documents from a file or an http(s) URL"), pt_cli_cmd_import },
  { "backup",    N_("Back up the store to a file"),                   pt_cli_cmd_backup },
  { "restore",   N_("Replace the store with a backup"),               pt_cli_cmd_restore },
  { "status",    N_("Show counts, outbox, tenant, device and storage"), pt_cli_cmd_status },
  /* Sync commands (pt-cli-sync.c) go here, one line each. */
  { "setup-atlas", N_("Prepare a MongoDB database: indexes, super admin, sample data"), pt_cli_cmd_setup_atlas },
  { "connect",   N_("Enrol this computer to a tenant in the cloud and download its data"), pt_cli_cmd_connect },
  { "sync",      N_("Synchronise with the cloud (--once, or --watch to stay live)"), pt_cli_cmd_sync },
};

static gchar *
overview (void)
{
  GString *s = g_string_new (NULL);
  gsize width = 0;

  for (gsize i = 0; i < G_N_ELEMENTS (commands); i++)
    width = MAX (width, strlen (commands[i].name));

  g_string_append (s, _("Commands:\n"));
  for (gsize i = 0; i < G_N_ELEMENTS (commands); i++)
    g_string_append_printf (s, "  %-*s  %s\n", (int) width, commands[i].name,
                            _(commands[i].summary));
  g_string_append (s, "\n");
  g_string_append (s, _("Run “pharmatrack-admin COMMAND --help” for the options of a command.\n"
                        "Without --user the command acts as this device (full rights); with\n"
                        "--user the password comes from PHARMATRACK_PASSWORD or a prompt.\n"
                        "The data dir is --data-dir, else $PHARMATRACK_DATA_DIR, else\n"
                        "$XDG_DATA_HOME/pharmatrack.\n\n"
                        "Exit status: 0 success, 1 the command failed (one line on stderr;\n"
                        "nothing was changed), 2 bad command line."));
  return g_string_free (s, FALSE);
}

/* Log messages: raw SQLite / driver text is for developers (--verbose or
 * G_MESSAGES_DEBUG); a user sees only the one-line errors. */
static GLogWriterOutput
log_writer (GLogLevelFlags   level,
            const GLogField *fields,
            gsize            n_fields,
            gpointer         user_data)
{
  PtCli *cli = user_data;

  if (cli->verbose || (level & (G_LOG_LEVEL_ERROR | G_LOG_LEVEL_CRITICAL)))
    return g_log_writer_standard_streams (level, fields, n_fields, NULL);
  if (level & G_LOG_LEVEL_WARNING)
    return G_LOG_WRITER_HANDLED;
  return g_log_writer_default (level, fields, n_fields, NULL);
}

static void
pt_cli_clear (PtCli *cli)
{
  g_clear_object (&cli->store);
  g_clear_pointer (&cli->data_dir, g_free);
  g_clear_pointer (&cli->data_dir_option, g_free);
  g_clear_pointer (&cli->user_email, g_free);
}

int
main (int argc, char **argv)
{
  PtCli cli = { 0 };
  g_autoptr(GOptionContext) context = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree gchar *summary = NULL;
  gboolean version = FALSE;
  int status;
  const GOptionEntry entries[] = {
    { "data-dir", 'd', 0, G_OPTION_ARG_FILENAME, &cli.data_dir_option,
      N_("The data directory"), N_("DIR") },
    { "user", 'u', 0, G_OPTION_ARG_STRING, &cli.user_email,
      N_("Act as this user (password from PHARMATRACK_PASSWORD or a prompt)"),
      N_("EMAIL") },
    { "verbose", 'v', 0, G_OPTION_ARG_NONE, &cli.verbose,
      N_("Show log messages on stderr"), NULL },
    { "version", 0, 0, G_OPTION_ARG_NONE, &version,
      N_("Print the version and exit"), NULL },
    { NULL }
  };

  setlocale (LC_ALL, "");
  bindtextdomain (GETTEXT_PACKAGE, LOCALEDIR);
  bind_textdomain_codeset (GETTEXT_PACKAGE, "UTF-8");
  textdomain (GETTEXT_PACKAGE);

  g_log_set_writer_func (log_writer, &cli, NULL);
  /* G_DEBUG=fatal-warnings must not turn a logged SQLite message into a
   * crash of the tool; criticals (bugs) stay fatal when asked. */
  g_log_set_always_fatal (g_log_set_always_fatal (G_LOG_FATAL_MASK)
                          & ~G_LOG_LEVEL_WARNING);

  cli.stdout_is_tty = isatty (STDOUT_FILENO);
  cli.stderr_is_tty = isatty (STDERR_FILENO);

  context = g_option_context_new (_("COMMAND [ARGS…]"));
  g_option_context_set_translation_domain (context, GETTEXT_PACKAGE);
  g_option_context_set_summary (context,
                                _("Administer the local PharmaTrack store of this counter."));
  summary = overview ();
  g_option_context_set_description (context, summary);
  g_option_context_add_main_entries (context, entries, GETTEXT_PACKAGE);
  /* Stop at the command name: the rest belongs to the command. */
  g_option_context_set_strict_posix (context, TRUE);

  if (!g_option_context_parse (context, &argc, &argv, &error))
    {
      g_printerr ("pharmatrack-admin: %s (see “pharmatrack-admin --help”)\n",
                  error->message);
      pt_cli_clear (&cli);
      return PT_CLI_EXIT_USAGE;
    }

  if (version)
    {
      g_print ("pharmatrack-admin %s\n", PACKAGE_VERSION);
      pt_cli_clear (&cli);
      return PT_CLI_EXIT_OK;
    }

  if (argc < 2)
    {
      g_printerr ("pharmatrack-admin: %s\n",
                  _("no command given (see “pharmatrack-admin --help”)"));
      pt_cli_clear (&cli);
      return PT_CLI_EXIT_USAGE;
    }

  if (g_strcmp0 (argv[1], "help") == 0)
    {
      g_autofree gchar *help = g_option_context_get_help (context, TRUE, NULL);
      g_print ("%s", help);
      pt_cli_clear (&cli);
      return PT_CLI_EXIT_OK;
    }

  for (gsize i = 0; i < G_N_ELEMENTS (commands); i++)
    {
      if (strcmp (argv[1], commands[i].name) != 0)
        continue;

      cli.command = commands[i].name;
      status = commands[i].func (&cli, argc - 1, argv + 1);
      /* Closing the store checkpoints the WAL; any error there was
       * already logged by the store. */
      pt_cli_clear (&cli);
      return status;
    }

  g_printerr ("pharmatrack-admin: ");
  g_printerr (_("unknown command “%s” (see “pharmatrack-admin --help”)"), argv[1]);
  g_printerr ("\n");
  pt_cli_clear (&cli);
  return PT_CLI_EXIT_USAGE;
}
