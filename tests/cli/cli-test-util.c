/* cli-test-util.c: see cli-test-util.h. */
#include "config.h"

#include <string.h>
#include <unistd.h>
#include <glib/gstdio.h>
#include <json-glib/json-glib.h>

#include "cli-test-util.h"
#include "pt-core.h"

#define RUN_TIMEOUT_S 60

void
cli_result_clear (CliResult *r)
{
  g_clear_pointer (&r->out, g_free);
  g_clear_pointer (&r->err, g_free);
}

static const gchar *
admin_path (void)
{
  const gchar *path = g_getenv ("PT_ADMIN");

  if (path == NULL)
    g_error ("PT_ADMIN is not set (meson sets it to the built pharmatrack-admin)");
  return path;
}

typedef struct
{
  gboolean  done;
  GBytes   *out;
  GBytes   *err;
  GError   *error;
} Wait;

static void
communicate_cb (GObject *source, GAsyncResult *result, gpointer data)
{
  Wait *w = data;

  g_subprocess_communicate_finish (G_SUBPROCESS (source), result, &w->out, &w->err, &w->error);
  w->done = TRUE;
}

static gboolean
timeout_cb (gpointer data)
{
  gboolean *timed_out = data;
  *timed_out = TRUE;
  return G_SOURCE_REMOVE;
}

static gchar *
bytes_to_string (GBytes *bytes)
{
  gsize len = 0;
  const gchar *data = bytes ? g_bytes_get_data (bytes, &len) : NULL;

  return g_strndup (data ? data : "", len);
}

/* In the child, before exec: root ignores file modes, "nobody" does not. */
static void
drop_root_cb (gpointer data)
{
  if (setgid (65534) != 0 || setuid (65534) != 0)
    _exit (125);
}

void
cli_run_argv (CliFixture          *f,
              CliResult           *r,
              const gchar         *input,
              gsize                input_len,
              const gchar * const *argv)
{
  g_autoptr(GSubprocessLauncher) launcher = NULL;
  g_autoptr(GSubprocess) proc = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) stdin_bytes = NULL;
  Wait w = { 0 };
  gboolean timed_out = FALSE;
  guint timeout_id;
  GSubprocessFlags flags = G_SUBPROCESS_FLAGS_STDOUT_PIPE | G_SUBPROCESS_FLAGS_STDERR_PIPE;

  if (input != NULL)
    {
      flags |= G_SUBPROCESS_FLAGS_STDIN_PIPE;
      stdin_bytes = g_bytes_new (input, input_len == (gsize) -1 ? strlen (input) : input_len);
    }

  launcher = g_subprocess_launcher_new (flags);
  g_subprocess_launcher_unsetenv (launcher, "PHARMATRACK_DATA_DIR");
  if (f != NULL && f->password != NULL)
    g_subprocess_launcher_setenv (launcher, "PHARMATRACK_PASSWORD", f->password, TRUE);
  else
    g_subprocess_launcher_unsetenv (launcher, "PHARMATRACK_PASSWORD");

  if (f != NULL && f->unprivileged && geteuid () == 0)
    g_subprocess_launcher_set_child_setup (launcher, drop_root_cb, NULL, NULL);
  proc = g_subprocess_launcher_spawnv (launcher, (const gchar * const *) argv, &error);
  g_assert_no_error (error);

  g_subprocess_communicate_async (proc, stdin_bytes, NULL, communicate_cb, &w);
  timeout_id = g_timeout_add_seconds (RUN_TIMEOUT_S, timeout_cb, &timed_out);
  while (!w.done && !timed_out)
    g_main_context_iteration (NULL, TRUE);
  if (!timed_out)
    g_source_remove (timeout_id);
  if (timed_out)
    {
      g_subprocess_force_exit (proc);
      g_error ("pharmatrack-admin %s did not finish within %d s", argv[1], RUN_TIMEOUT_S);
    }
  g_assert_no_error (w.error);

  r->out = bytes_to_string (w.out);
  r->err = bytes_to_string (w.err);
  g_clear_pointer (&w.out, g_bytes_unref);
  g_clear_pointer (&w.err, g_bytes_unref);
  r->status = g_subprocess_get_if_exited (proc) ? g_subprocess_get_exit_status (proc) : -1;
  if (r->status < 0)
    g_error ("pharmatrack-admin crashed (signal %d); stderr: %s",
             g_subprocess_get_term_sig (proc), r->err);
}

void
cli_run (CliFixture  *f,
         CliResult   *r,
         const gchar *input,
         gsize        input_len,
         ...)
{
  g_autoptr(GPtrArray) argv = g_ptr_array_new ();
  const gchar *arg;
  va_list args;

  g_ptr_array_add (argv, (gpointer) admin_path ());
  g_ptr_array_add (argv, (gpointer) "--data-dir");
  g_ptr_array_add (argv, f->data_dir);
  va_start (args, input_len);
  while ((arg = va_arg (args, const gchar *)) != NULL)
    g_ptr_array_add (argv, (gpointer) arg);
  va_end (args);
  g_ptr_array_add (argv, NULL);

  cli_run_argv (f, r, input, input_len, (const gchar * const *) argv->pdata);
}

void
cli_assert_one_line_failure (const CliResult *r, gint expected_status, const gchar *needle)
{
  const gchar *nl;

  if (r->status == 0)
    g_error ("expected a failure, got success; stdout: %s", r->out);
  if (expected_status > 0)
    g_assert_cmpint (r->status, ==, expected_status);
  g_assert_true (g_str_has_prefix (r->err, "pharmatrack-admin: "));
  nl = strchr (r->err, '\n');
  g_assert_nonnull (nl);
  if (nl[1] != '\0')
    g_error ("expected one line on stderr, got: %s", r->err);
  if (needle != NULL)
    {
      g_autofree gchar *hay = g_utf8_strdown (r->err, -1);
      g_autofree gchar *low = g_utf8_strdown (needle, -1);

      if (strstr (hay, low) == NULL)
        g_error ("stderr “%s” does not mention “%s”", r->err, needle);
    }
}

void
cli_fixture_setup (CliFixture *f, gconstpointer with_store)
{
  g_autoptr(GError) error = NULL;
  g_autofree gchar *pw_file = NULL;

  f->tmp = g_dir_make_tmp ("pt-cli-XXXXXX", &error);
  g_assert_no_error (error);
  f->data_dir = g_build_filename (f->tmp, "data", NULL);
  if (!GPOINTER_TO_INT (with_store))
    return;

  pw_file = g_build_filename (f->tmp, "password", NULL);
  g_file_set_contents (pw_file, CLI_TEST_PASSWORD "\n", -1, &error);
  g_assert_no_error (error);

  {
    g_auto(CliResult) r = { 0 };
    cli_run (f, &r, NULL, 0, "init", "--tenant-id", CLI_TEST_TENANT,
             "--tenant-name", "Test Pharmacy", "--plan", "professional",
             "--pharmacy-name", "Test Branch",
             "--admin-email", CLI_TEST_EMAIL, "--admin-password-file", pw_file, NULL);
    cli_assert_ok (&r);
    f->device_id = g_strstrip (g_strdup (r.out));
  }
}

static void
rm_rf (const gchar *path)
{
  g_autoptr(GDir) dir = g_dir_open (path, 0, NULL);
  const gchar *name;

  if (dir != NULL)
    {
      while ((name = g_dir_read_name (dir)) != NULL)
        {
          g_autofree gchar *child = g_build_filename (path, name, NULL);
          rm_rf (child);
        }
    }
  g_chmod (path, 0700);
  g_remove (path);
}

void
cli_fixture_teardown (CliFixture *f, gconstpointer data)
{
  rm_rf (f->tmp);
  g_free (f->tmp);
  g_free (f->data_dir);
  g_free (f->device_id);
}

gchar *
cli_snapshot (CliFixture *f)
{
  g_auto(CliResult) r = { 0 };

  cli_run (f, &r, NULL, 0, "export", "--include-deleted", NULL);
  cli_assert_ok (&r);
  return g_steal_pointer (&r.out);
}

gchar *
cli_put (CliFixture *f, const gchar *collection, const gchar *json)
{
  g_auto(CliResult) r = { 0 };

  cli_run (f, &r, json, -1, "put", collection, NULL);
  cli_assert_ok (&r);
  g_strstrip (r.out);
  g_assert_true (pt_oid_is_valid (r.out));
  return g_steal_pointer (&r.out);
}

bson_t *
cli_get (CliFixture *f, const gchar *collection, const gchar *id)
{
  g_auto(CliResult) r = { 0 };
  bson_error_t berror;
  bson_t *doc;

  cli_run (f, &r, NULL, 0, "get", collection, id, NULL);
  cli_assert_ok (&r);
  g_assert_cmpuint (cli_count_lines (r.out), ==, 1);
  doc = bson_new_from_json ((const uint8_t *) r.out, -1, &berror);
  if (doc == NULL)
    g_error ("get printed no JSON document: %s (%s)", r.out, berror.message);
  return doc;
}

gchar *
cli_first_id (CliFixture *f, const gchar *collection)
{
  g_auto(CliResult) r = { 0 };
  bson_t *doc;
  gchar *id;

  cli_run (f, &r, NULL, 0, "list", collection, "--limit", "1", NULL);
  cli_assert_ok (&r);
  doc = bson_new_from_json ((const uint8_t *) r.out, -1, NULL);
  g_assert_nonnull (doc);
  id = pt_bson_dup_oid_hex (doc, "_id");
  bson_destroy (doc);
  g_assert_nonnull (id);
  return id;
}

gint64
cli_stock_total (CliFixture *f, const gchar *medicine_id)
{
  g_auto(CliResult) r = { 0 };
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GError) error = NULL;

  cli_run (f, &r, NULL, 0, "stock", "--medicine", medicine_id, "--json", NULL);
  cli_assert_ok (&r);
  json_parser_load_from_data (parser, r.out, -1, &error);
  g_assert_no_error (error);
  return json_object_get_int_member (json_node_get_object (json_parser_get_root (parser)),
                                     "total");
}

guint
cli_count_lines (const gchar *text)
{
  g_auto(GStrv) lines = g_strsplit (text, "\n", -1);
  guint n = 0;

  for (guint i = 0; lines[i]; i++)
    if (*g_strstrip (lines[i]) != '\0')
      n++;
  return n;
}

gchar *
cli_date_from_today (gint days)
{
  g_autoptr(GDateTime) now = g_date_time_new_now_utc ();
  g_autoptr(GDateTime) then = g_date_time_add_days (now, days);

  return g_date_time_format (then, "%Y-%m-%d");
}

gint64
cli_status_int (CliFixture *f, const gchar *member, const gchar *count_of)
{
  g_auto(CliResult) r = { 0 };
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GError) error = NULL;
  JsonObject *root;

  cli_run (f, &r, NULL, 0, "status", "--json", NULL);
  cli_assert_ok (&r);
  json_parser_load_from_data (parser, r.out, -1, &error);
  g_assert_no_error (error);
  root = json_node_get_object (json_parser_get_root (parser));
  if (count_of != NULL)
    return json_object_get_int_member (json_object_get_object_member (root, "counts"), count_of);
  return json_object_get_int_member (root, member);
}

gchar *
cli_status_str (CliFixture *f, const gchar *member)
{
  g_auto(CliResult) r = { 0 };
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GError) error = NULL;
  JsonObject *root;

  cli_run (f, &r, NULL, 0, "status", "--json", NULL);
  cli_assert_ok (&r);
  json_parser_load_from_data (parser, r.out, -1, &error);
  g_assert_no_error (error);
  root = json_node_get_object (json_parser_get_root (parser));
  return g_strdup (json_object_get_string_member (root, member));
}
