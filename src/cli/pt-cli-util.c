/* pt-cli-util.c: option parsing, store opening, input/output and the one
 * error printer shared by the commands of pharmatrack-admin. */
#define G_LOG_DOMAIN "pt-cli"
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <inttypes.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>
#include <fcntl.h>
#include <stdlib.h>
#include <gio/gunixinputstream.h>

#include "pt-cli-private.h"

/* ---- Errors --------------------------------------------------------------- */

/* One line: newlines in a message would break scripts that read stderr. */
static void
print_line (const gchar *prefix, const gchar *message)
{
  g_autofree gchar *flat = g_strdup (message);

  g_strdelimit (flat, "\r\n", ' ');
  g_strchomp (flat);
  g_printerr ("pharmatrack-admin: %s%s\n", prefix, flat);
}

int
pt_cli_fail (PtCli *cli, const GError *error)
{
  print_line ("", error != NULL ? error->message : _("The command failed."));
  return PT_CLI_EXIT_FAILURE;
}

int
pt_cli_fail_msg (PtCli *cli, const gchar *format, ...)
{
  g_autofree gchar *message = NULL;
  va_list args;

  va_start (args, format);
  message = g_strdup_vprintf (format, args);
  va_end (args);
  print_line ("", message);
  return PT_CLI_EXIT_FAILURE;
}

int
pt_cli_usage (PtCli *cli, const gchar *format, ...)
{
  g_autofree gchar *message = NULL;
  g_autofree gchar *line = NULL;
  va_list args;

  va_start (args, format);
  message = g_strdup_vprintf (format, args);
  va_end (args);
  line = g_strdup_printf (_("%s (see “pharmatrack-admin %s --help”)"),
                          message, cli->command != NULL ? cli->command : "");
  if (cli->command != NULL)
    {
      g_autofree gchar *prefix = g_strdup_printf ("%s: ", cli->command);
      print_line (prefix, line);
    }
  else
    print_line ("", line);
  return PT_CLI_EXIT_USAGE;
}

void
pt_cli_warn (PtCli *cli, const gchar *format, ...)
{
  g_autofree gchar *message = NULL;
  g_autofree gchar *prefix = NULL;
  va_list args;

  va_start (args, format);
  message = g_strdup_vprintf (format, args);
  va_end (args);
  prefix = g_strdup_printf ("%s: ", _("warning"));
  print_line (prefix, message);
}

/* ---- Options -------------------------------------------------------------- */

/* Appends @paragraph wrapped at 76 columns (GOption prints descriptions
 * as they are). */
static void
wrap_into (GString *out, const gchar *paragraph)
{
  g_auto(GStrv) words = g_strsplit_set (paragraph, " \n", -1);
  glong column = 0;

  for (guint i = 0; words[i] != NULL; i++)
    {
      glong len = g_utf8_strlen (words[i], -1);

      if (len == 0)
        continue;
      if (column > 0 && column + 1 + len > 76)
        {
          g_string_append_c (out, '\n');
          column = 0;
        }
      else if (column > 0)
        {
          g_string_append_c (out, ' ');
          column++;
        }
      g_string_append (out, words[i]);
      column += len;
    }
}

gboolean
pt_cli_parse (PtCli              *cli,
              int                *argc,
              char             ***argv,
              const GOptionEntry *entries,
              const gchar        *parameter,
              const gchar        *description,
              int                *exit_code)
{
  g_autoptr(GOptionContext) context = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree gchar *prgname = NULL;
  g_autofree gchar *full_description = NULL;
  g_autofree gchar *data_dir = NULL;
  g_autofree gchar *user = NULL;
  gboolean verbose = FALSE;
  GOptionGroup *global;
  const GOptionEntry global_entries[] = {
    { "data-dir", 'd', 0, G_OPTION_ARG_FILENAME, &data_dir,
      N_("The data directory"), N_("DIR") },
    { "user", 'u', 0, G_OPTION_ARG_STRING, &user,
      N_("Act as this user (password from PHARMATRACK_PASSWORD or a prompt)"),
      N_("EMAIL") },
    { "verbose", 'v', 0, G_OPTION_ARG_NONE, &verbose,
      N_("Show log messages on stderr"), NULL },
    { NULL }
  };

  prgname = g_strdup_printf ("pharmatrack-admin %s", cli->command);
  g_set_prgname (prgname);

  context = g_option_context_new (parameter);
  g_option_context_set_translation_domain (context, GETTEXT_PACKAGE);
  {
    g_autoptr(GString) text = g_string_new (NULL);

    if (description != NULL)
      {
        wrap_into (text, description);
        g_string_append (text, "\n\n");
      }
    if (parameter != NULL && strstr (parameter, "COLLECTION") != NULL)
      {
        const PtCollection * const *all;
        guint n;
        g_autoptr(GString) names = g_string_new (_("Collections:"));

        all = pt_schema_collections (&n);
        for (guint i = 0; i < n; i++)
          g_string_append_printf (names, "%s %s", i ? "," : "", all[i]->name);
        g_string_append_c (names, '.');
        wrap_into (text, names->str);
        g_string_append (text, "\n\n");
      }
    wrap_into (text, _("Exit status: 0 success, 1 the command failed (one line on "
                       "stderr; nothing was changed), 2 bad command line."));
    full_description = g_string_free (g_steal_pointer (&text), FALSE);
  }
  g_option_context_set_description (context, full_description);
  if (entries != NULL)
    g_option_context_add_main_entries (context, entries, GETTEXT_PACKAGE);
  global = g_option_group_new ("global", _("Global options:"),
                               _("Show the global options"), NULL, NULL);
  g_option_group_add_entries (global, global_entries);
  g_option_group_set_translation_domain (global, GETTEXT_PACKAGE);
  g_option_context_add_group (context, global);

  if (!g_option_context_parse (context, argc, argv, &error))
    {
      *exit_code = pt_cli_usage (cli, "%s", error->message);
      return FALSE;
    }

  if (data_dir != NULL)
    {
      g_free (cli->data_dir_option);
      cli->data_dir_option = g_steal_pointer (&data_dir);
    }
  if (user != NULL)
    {
      g_free (cli->user_email);
      cli->user_email = g_steal_pointer (&user);
    }
  if (verbose)
    cli->verbose = TRUE;

  *exit_code = PT_CLI_EXIT_OK;
  return TRUE;
}

gboolean
pt_cli_expect_args (PtCli *cli, int argc, int min, int max, int *exit_code)
{
  int n = argc - 1;

  if (n < min)
    {
      *exit_code = pt_cli_usage (cli, _("missing argument"));
      return FALSE;
    }
  if (n > max)
    {
      *exit_code = pt_cli_usage (cli, _("too many arguments"));
      return FALSE;
    }
  return TRUE;
}

gboolean
pt_cli_parse_int (const gchar *text,
                  const gchar *option,
                  gint64       min,
                  gint64       max,
                  gint64      *out,
                  GError     **error)
{
  gint64 value;
  g_autoptr(GError) local_error = NULL;

  if (text == NULL
      || !g_ascii_string_to_signed (text, 10, min, max, &value, &local_error))
    {
      if (local_error != NULL
          && g_error_matches (local_error, G_NUMBER_PARSER_ERROR,
                              G_NUMBER_PARSER_ERROR_OUT_OF_BOUNDS))
        g_set_error (error, PT_ERROR, PT_ERROR_INVALID,
                     _("%s must be between %" PRId64 " and %"
                       PRId64 ", not “%s”"),
                     option, min, max, text);
      else
        g_set_error (error, PT_ERROR, PT_ERROR_INVALID,
                     _("%s must be a whole number, not “%s”"),
                     option, text ? text : "");
      return FALSE;
    }
  *out = value;
  return TRUE;
}

/* ---- The store -------------------------------------------------------- */

gchar *
pt_cli_read_password (const gchar *prompt, GError **error)
{
  const gchar *env = g_getenv ("PHARMATRACK_PASSWORD");
  struct termios saved, quiet;
  GString *line;
  int fd;
  char c;
  gboolean restore;

  if (env != NULL)
    return g_strdup (env);

  fd = open ("/dev/tty", O_RDWR | O_NOCTTY | O_CLOEXEC);
  if (fd < 0)
    {
      g_set_error (error, PT_ERROR, PT_ERROR_AUTH_FAILED,
                   _("No password: set PHARMATRACK_PASSWORD or run the command on a terminal."));
      return NULL;
    }

  /* Echo off BEFORE the prompt (as getpass does): a password typed as
   * soon as the prompt shows must neither be echoed nor be thrown away by
   * the flush of the mode change (then the read would wait forever). */
  restore = tcgetattr (fd, &saved) == 0;
  if (restore)
    {
      quiet = saved;
      quiet.c_lflag &= ~(ECHO);
      quiet.c_lflag |= ECHONL;
      tcsetattr (fd, TCSAFLUSH, &quiet);
    }
  if (write (fd, prompt, strlen (prompt)) < 0)
    g_debug ("Could not write the password prompt: %s", g_strerror (errno));

  line = g_string_new (NULL);
  while (read (fd, &c, 1) == 1 && c != '\n')
    g_string_append_c (line, c);

  if (restore)
    tcsetattr (fd, TCSAFLUSH, &saved);
  close (fd);
  return g_string_free (line, FALSE);
}

gboolean
pt_cli_open_store (PtCli *cli)
{
  g_autoptr(GError) error = NULL;

  g_return_val_if_fail (cli->store == NULL, TRUE);

  g_free (cli->data_dir);
  cli->data_dir = pt_store_resolve_data_dir (cli->data_dir_option);

  cli->store = pt_store_open (cli->data_dir, &error);
  if (cli->store == NULL)
    {
      pt_cli_fail (cli, error);
      return FALSE;
    }

  if (cli->user_email != NULL)
    {
      g_autofree gchar *prompt = g_strdup_printf (_("Password for %s: "), cli->user_email);
      g_autofree gchar *password = pt_cli_read_password (prompt, &error);
      bson_t *user;

      if (password == NULL)
        {
          pt_cli_fail (cli, error);
          g_clear_object (&cli->store);
          return FALSE;
        }
      user = pt_store_sign_in (cli->store, cli->user_email, password, &error);
      memset (password, 0, strlen (password));
      if (user == NULL)
        {
          pt_cli_fail (cli, error);
          g_clear_object (&cli->store);
          return FALSE;
        }
      bson_destroy (user);
    }
  else
    pt_store_act_as_system (cli->store);

  return TRUE;
}

/* ---- Input ---------------------------------------------------------------- */

gchar *
pt_cli_read_input (const gchar *path,
                   gsize        max_bytes,
                   gsize       *length,
                   GError     **error)
{
  g_autoptr(GInputStream) in = NULL;
  g_autoptr(GError) local_error = NULL;
  g_autoptr(GByteArray) data = g_byte_array_new ();
  guint8 buffer[65536];
  gssize n;

  if (path == NULL || strcmp (path, "-") == 0)
    in = g_unix_input_stream_new (STDIN_FILENO, FALSE);
  else
    {
      g_autoptr(GFile) file = g_file_new_for_commandline_arg (path);

      in = G_INPUT_STREAM (g_file_read (file, NULL, &local_error));
      if (in == NULL)
        {
          g_set_error (error, PT_ERROR,
                       g_error_matches (local_error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND)
                       ? PT_ERROR_NOT_FOUND : PT_ERROR_IO,
                       _("Cannot read “%s”: %s"), path, local_error->message);
          return NULL;
        }
    }

  while ((n = g_input_stream_read (in, buffer, sizeof buffer, NULL, &local_error)) > 0)
    {
      if (data->len + (gsize) n > max_bytes)
        {
          g_set_error (error, PT_ERROR, PT_ERROR_INVALID,
                       _("The input is larger than %zu MB; "
                         "a document may hold at most %d MB."),
                       max_bytes / (1024 * 1024),
                       PT_DOCUMENT_MAX_BYTES / (1024 * 1024));
          return NULL;
        }
      g_byte_array_append (data, buffer, n);
    }
  if (n < 0)
    {
      g_set_error (error, PT_ERROR, PT_ERROR_IO, _("Cannot read the input: %s"),
                   local_error->message);
      return NULL;
    }

  *length = data->len;
  g_byte_array_append (data, (const guint8 *) "", 1);
  return (gchar *) g_byte_array_free (g_steal_pointer (&data), FALSE);
}

bson_t *
pt_cli_parse_document (const gchar *text, gsize length, GError **error)
{
  const gchar *end = NULL;
  const gchar *p;
  bson_error_t berror;
  bson_t *doc;

  if (!g_utf8_validate_len (text, length, &end))
    {
      g_set_error (error, PT_ERROR, PT_ERROR_INVALID,
                   _("The input is not valid UTF-8 text (byte %zu); save it as UTF-8 "
                     "and try again."),
                   (gsize) (end - text));
      return NULL;
    }

  for (p = text; p < text + length && g_ascii_isspace (*p); p++)
    ;
  if (p == text + length)
    {
      g_set_error_literal (error, PT_ERROR, PT_ERROR_INVALID,
                           _("The input is empty; give one Extended JSON document."));
      return NULL;
    }
  if (*p != '{')
    {
      g_set_error_literal (error, PT_ERROR, PT_ERROR_INVALID,
                           _("The input is not a JSON document: it must start with “{”."));
      return NULL;
    }

  doc = bson_new_from_json ((const uint8_t *) text, (ssize_t) length, &berror);
  if (doc == NULL)
    {
      const gchar *pos = strstr (berror.message, "position ");

      g_debug ("bson_new_from_json: %s", berror.message);
      if (pos != NULL)
        g_set_error (error, PT_ERROR, PT_ERROR_INVALID,
                     _("The input is not valid Extended JSON (near byte %d); "
                       "check that the document is complete and well formed."),
                     atoi (pos + strlen ("position ")));
      else
        g_set_error_literal (error, PT_ERROR, PT_ERROR_INVALID,
                             _("The input is not valid Extended JSON; check that the "
                               "document is complete and well formed."));
      return NULL;
    }

  if (doc->len > PT_DOCUMENT_MAX_BYTES)
    {
      g_set_error (error, PT_ERROR, PT_ERROR_INVALID,
                   _("The document is %.1f MB; a document may hold at most %d MB."),
                   doc->len / (1024.0 * 1024.0), PT_DOCUMENT_MAX_BYTES / (1024 * 1024));
      bson_destroy (doc);
      return NULL;
    }

  return doc;
}

/* ---- Output --------------------------------------------------------------- */

void
pt_cli_print_document (const bson_t *doc)
{
  size_t len = 0;
  char *json = bson_as_relaxed_extended_json (doc, &len);

  if (json == NULL)
    {
      g_warning ("A stored document could not be converted to JSON");
      return;
    }
  fwrite (json, 1, len, stdout);
  fputc ('\n', stdout);
  bson_free (json);
}

static gint64 progress_last_us;
static gboolean progress_shown;

void
pt_cli_progress_cb (gint64 done, gint64 total, gpointer data)
{
  PtCli *cli = data;
  gint64 now = g_get_monotonic_time ();

  if (!cli->stderr_is_tty)
    return;
  if (progress_shown && now - progress_last_us < 100000 && done != total)
    return;
  progress_last_us = now;
  progress_shown = TRUE;

  if (total > 0)
    g_printerr ("\r%s: %" PRId64 " / %" PRId64 " (%d %%)\033[K",
                cli->command, done, total, (int) (100 * done / total));
  else
    g_printerr ("\r%s: %" PRId64 "\033[K", cli->command, done);
}

void
pt_cli_progress_end (PtCli *cli)
{
  if (progress_shown)
    g_printerr ("\r\033[K");
  progress_shown = FALSE;
}
