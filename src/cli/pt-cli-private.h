/* pt-cli-private.h: what the command files of pharmatrack-admin share.
 *
 * Every command is a function `int pt_cli_cmd_NAME (PtCli *cli, int argc,
 * char **argv)`: argv[0] is the command name, the rest its own arguments.
 * It parses its options with pt_cli_parse (), opens the store with
 * pt_cli_open_store () when it needs one, and returns an exit code
 * (PT_CLI_EXIT_*).  Failures go through pt_cli_fail () / pt_cli_usage ():
 * ONE line on stderr, "pharmatrack-admin: …".
 *
 * Adding commands from another topic file (e.g. src/cli/pt-cli-sync.c):
 *   1. declare `int pt_cli_cmd_sync (PtCli *cli, int argc, char **argv);`
 *      below (section "Commands"),
 *   2. add one line `{ "sync", N_("…summary…"), pt_cli_cmd_sync },` to
 *      the command table in pt-cli-main.c,
 *   3. add the file to src/cli/meson.build.
 * `status` calls pt_cli_sync_status_hook () when a file defines it (it is
 * a weak symbol: nothing to register).
 */
#pragma once

#include <glib.h>
#include <glib/gi18n-lib.h>
#include <gio/gio.h>
#include <json-glib/json-glib.h>
#include "pt-store.h"

G_BEGIN_DECLS

/* Exit codes (documented in `pharmatrack-admin --help`). */
enum
{
  PT_CLI_EXIT_OK = 0,
  PT_CLI_EXIT_FAILURE = 1,   /* the command failed; nothing was changed */
  PT_CLI_EXIT_USAGE = 2,     /* bad command line */
};

typedef struct _PtCli PtCli;

struct _PtCli
{
  /* Global options. */
  gchar    *data_dir_option; /* --data-dir as given (NULL = default) */
  gchar    *user_email;      /* --user */
  gboolean  verbose;         /* --verbose: log messages on stderr */

  /* Resolved state. */
  gchar    *data_dir;        /* pt_store_resolve_data_dir () */
  PtStore  *store;           /* opened by pt_cli_open_store () */
  const gchar *command;      /* name of the running command */
  gboolean  stdout_is_tty;
  gboolean  stderr_is_tty;
};

typedef int (*PtCliCommandFunc) (PtCli *cli, int argc, char **argv);

typedef struct
{
  const gchar      *name;
  const gchar      *summary;  /* N_() one line for the overview */
  PtCliCommandFunc  func;
} PtCliCommand;

/* ---- Shared helpers (pt-cli-util.c) ------------------------------------ */

/* Prints "pharmatrack-admin: MESSAGE" (one line) and returns
 * PT_CLI_EXIT_FAILURE. */
int       pt_cli_fail        (PtCli *cli, const GError *error);
int       pt_cli_fail_msg    (PtCli *cli, const gchar *format, ...) G_GNUC_PRINTF (2, 3);
/* Prints "pharmatrack-admin: COMMAND: MESSAGE (see …--help)" and returns
 * PT_CLI_EXIT_USAGE. */
int       pt_cli_usage       (PtCli *cli, const gchar *format, ...) G_GNUC_PRINTF (2, 3);
/* One-line warning on stderr; the command goes on. */
void      pt_cli_warn        (PtCli *cli, const gchar *format, ...) G_GNUC_PRINTF (2, 3);

/* Parses a command's options.  @entries may be NULL.  @parameter is the
 * positional part of the usage line ("COLLECTION ID"), @description the
 * --help text.  The global options are accepted here too.  On --help it
 * prints the help and sets *exit_code to 0; on bad options it prints one
 * line and sets *exit_code to PT_CLI_EXIT_USAGE; both return FALSE. */
gboolean  pt_cli_parse       (PtCli              *cli,
                              int                *argc,
                              char             ***argv,
                              const GOptionEntry *entries,
                              const gchar        *parameter,
                              const gchar        *description,
                              int                *exit_code);
/* Checks the number of positional arguments left after pt_cli_parse
 * (argv[0] is the command). */
gboolean  pt_cli_expect_args (PtCli *cli, int argc, int min, int max,
                              int *exit_code);

/* Opens the store of the data dir and signs in (--user) or acts as the
 * device.  Prints the error itself; returns FALSE then. */
gboolean  pt_cli_open_store  (PtCli *cli);

/* Reads a whole file, or stdin when @path is NULL or "-", refusing more
 * than @max_bytes. */
gchar    *pt_cli_read_input  (const gchar *path, gsize max_bytes,
                              gsize *length, GError **error);
/* Parses one Extended JSON document (checks UTF-8 and syntax first, with
 * messages a user can act on). */
bson_t   *pt_cli_parse_document (const gchar *text, gsize length,
                                 GError **error);
/* Writes @doc as relaxed Extended JSON on one line to stdout. */
void      pt_cli_print_document (const bson_t *doc);

/* Parses a decimal integer option value (whole string, optional sign). */
gboolean  pt_cli_parse_int   (const gchar *text, const gchar *option,
                              gint64 min, gint64 max, gint64 *out,
                              GError **error);
/* A progress line on stderr when it is a terminal (PtProgressFunc). */
void      pt_cli_progress_cb (gint64 done, gint64 total, gpointer data);
void      pt_cli_progress_end (PtCli *cli);

/* Reads a password: $PHARMATRACK_PASSWORD, else a prompt without echo on
 * the terminal.  NULL with an error when neither is possible. */
gchar    *pt_cli_read_password (const gchar *prompt, GError **error);

/* ---- Commands --------------------------------------------------------- */

/* pt-cli-setup.c */
int pt_cli_cmd_init       (PtCli *cli, int argc, char **argv);
int pt_cli_cmd_demo_data  (PtCli *cli, int argc, char **argv);
/* pt-cli-docs.c */
int pt_cli_cmd_put        (PtCli *cli, int argc, char **argv);
int pt_cli_cmd_get        (PtCli *cli, int argc, char **argv);
int pt_cli_cmd_delete     (PtCli *cli, int argc, char **argv);
int pt_cli_cmd_list       (PtCli *cli, int argc, char **argv);
int pt_cli_cmd_search     (PtCli *cli, int argc, char **argv);
/* pt-cli-stock.c */
int pt_cli_cmd_receive    (PtCli *cli, int argc, char **argv);
int pt_cli_cmd_adjust     (PtCli *cli, int argc, char **argv);
int pt_cli_cmd_dispense   (PtCli *cli, int argc, char **argv);
int pt_cli_cmd_cancel     (PtCli *cli, int argc, char **argv);
int pt_cli_cmd_stock      (PtCli *cli, int argc, char **argv);
/* pt-cli-admin.c */
int pt_cli_cmd_export     (PtCli *cli, int argc, char **argv);
int pt_cli_cmd_import     (PtCli *cli, int argc, char **argv);
int pt_cli_cmd_backup     (PtCli *cli, int argc, char **argv);
int pt_cli_cmd_restore    (PtCli *cli, int argc, char **argv);
int pt_cli_cmd_status     (PtCli *cli, int argc, char **argv);

/* pt-cli-sync.c */
int pt_cli_cmd_setup_atlas (PtCli *cli, int argc, char **argv);
int pt_cli_cmd_connect    (PtCli *cli, int argc, char **argv);
int pt_cli_cmd_sync       (PtCli *cli, int argc, char **argv);

/* ---- Extension point for sync (pt-cli-sync.c) ------------------------- */

/* Defined by pt-cli-sync.c when it is built; `status` calls it after the
 * store fields.  With --json, @builder is inside the top-level object (add
 * members, e.g. a "sync" object) and @text is NULL; without, @builder is
 * NULL and lines "Label: value\n" are appended to @text. */
void pt_cli_sync_status_hook (PtCli       *cli,
                              JsonBuilder *builder,
                              GString     *text) __attribute__ ((weak));

G_END_DECLS
