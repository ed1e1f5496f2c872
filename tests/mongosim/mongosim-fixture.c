/* mongosim-fixture.c — start and stop a mongosim child from a test */
#define G_LOG_DOMAIN "mongosim-fixture"
#include "config.h"

#include <signal.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/types.h>

#include <gio/gio.h>
#include <glib/gstdio.h>

#include "mongosim-fixture.h"

#define START_TIMEOUT_MS 10000
#define STOP_TIMEOUT_MS 10000

struct _MongosimFixture
{
  GStrv args;
  char *dir;
  char *port_file;
  GPid pid;
  gboolean exited;
  gint wait_status;
  guint16 port;
  char *host;
  char *uri;
  GMainContext *context;
};

static void
child_setup (gpointer data)
{
  /* never outlive the test that started us */
  prctl (PR_SET_PDEATHSIG, SIGTERM);
}

static void
child_exited_cb (GPid pid, gint status, gpointer data)
{
  MongosimFixture *self = data;

  self->exited = TRUE;
  self->wait_status = status;
  g_spawn_close_pid (pid);
}

static gboolean
timeout_cb (gpointer data)
{
  gboolean *flag = data;

  *flag = TRUE;
  return G_SOURCE_REMOVE;
}

static void
dir_changed_cb (GFileMonitor *monitor, GFile *file, GFile *other, GFileMonitorEvent event, gpointer data)
{
  /* only wakes the loop; the loop checks the file itself */
}

static gboolean
read_port (MongosimFixture *self)
{
  g_autofree char *text = NULL;
  guint64 port;

  if (!g_file_get_contents (self->port_file, &text, NULL, NULL))
    return FALSE;
  port = g_ascii_strtoull (text, NULL, 10);
  if (port == 0 || port > 65535)
    return FALSE;
  self->port = (guint16) port;
  return TRUE;
}

static const char *
arg_value (GStrv args, const char *name)
{
  for (guint i = 0; args && args[i]; i++)
    if (g_str_equal (args[i], name) && args[i + 1] != NULL)
      return args[i + 1];
  return NULL;
}

static gboolean
has_arg (GStrv args, const char *name)
{
  for (guint i = 0; args && args[i]; i++)
    if (g_str_equal (args[i], name))
      return TRUE;
  return FALSE;
}

static void
build_uri (MongosimFixture *self)
{
  const char *auth = arg_value (self->args, "--auth");
  const char *replset = arg_value (self->args, "--replset");
  g_autofree char *cred = NULL;

  g_free (self->host);
  g_free (self->uri);
  self->host = g_strdup_printf ("127.0.0.1:%u", self->port);
  if (auth != NULL)
    {
      const char *colon = strchr (auth, ':');
      g_autofree char *user = g_strndup (auth, colon ? (gsize) (colon - auth) : strlen (auth));
      g_autofree char *u = g_uri_escape_string (user, NULL, FALSE);
      g_autofree char *p = g_uri_escape_string (colon ? colon + 1 : "", NULL, FALSE);
      cred = g_strdup_printf ("%s:%s@", u, p);
    }
  if (has_arg (self->args, "--standalone"))
    self->uri = g_strdup_printf ("mongodb://%s%s/?directConnection=true", cred ? cred : "", self->host);
  else
    self->uri = g_strdup_printf ("mongodb://%s%s/?replicaSet=%s", cred ? cred : "", self->host,
                                 replset ? replset : "rs0");
}

static gboolean
spawn (MongosimFixture *self, guint16 port, GError **error)
{
  g_autoptr(GPtrArray) argv = g_ptr_array_new_with_free_func (g_free);
  const char *path = g_getenv ("MONGOSIM");
  g_autoptr(GFile) dir = g_file_new_for_path (self->dir);
  g_autoptr(GFileMonitor) monitor = NULL;
  gboolean timed_out = FALSE;
  GSource *timeout, *watch;
  gboolean ok = FALSE;

  g_unlink (self->port_file);
  g_ptr_array_add (argv, g_strdup (path && *path ? path : MONGOSIM_PATH));
  if (!has_arg (self->args, "--port"))
    {
      g_ptr_array_add (argv, g_strdup ("--port"));
      g_ptr_array_add (argv, g_strdup_printf ("%u", port));
    }
  g_ptr_array_add (argv, g_strdup ("--port-file"));
  g_ptr_array_add (argv, g_strdup (self->port_file));
  for (guint i = 0; self->args && self->args[i]; i++)
    g_ptr_array_add (argv, g_strdup (self->args[i]));
  g_ptr_array_add (argv, NULL);

  g_main_context_push_thread_default (self->context);
  monitor = g_file_monitor_directory (dir, G_FILE_MONITOR_NONE, NULL, error);
  if (monitor == NULL)
    goto out;
  g_signal_connect (monitor, "changed", G_CALLBACK (dir_changed_cb), NULL);
  self->exited = FALSE;
  if (!g_spawn_async (NULL, (char **) argv->pdata, NULL, G_SPAWN_DO_NOT_REAP_CHILD, child_setup, NULL,
                      &self->pid, error))
    goto out;
  watch = g_child_watch_source_new (self->pid);
  g_source_set_callback (watch, (GSourceFunc) (void (*) (void)) child_exited_cb, self, NULL);
  g_source_attach (watch, self->context);
  g_source_unref (watch);
  timeout = g_timeout_source_new (START_TIMEOUT_MS);
  g_source_set_callback (timeout, timeout_cb, &timed_out, NULL);
  g_source_attach (timeout, self->context);

  while (!read_port (self) && !self->exited && !timed_out)
    g_main_context_iteration (self->context, TRUE);
  g_source_destroy (timeout);
  g_source_unref (timeout);

  if (self->port != 0 && !self->exited)
    {
      build_uri (self);
      ok = TRUE;
    }
  else if (self->exited)
    {
      self->pid = 0;
      g_set_error (error, G_SPAWN_ERROR, G_SPAWN_ERROR_FAILED, "mongosim exited at start (status %d)",
                   self->wait_status);
    }
  else
    g_set_error (error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT, "mongosim did not write its port file within %d ms",
                 START_TIMEOUT_MS);
out:
  g_main_context_pop_thread_default (self->context);
  if (!ok && self->pid != 0 && !self->exited)
    mongosim_fixture_kill (self);
  return ok;
}

MongosimFixture *
mongosim_fixture_start (const char *const *args, GError **error)
{
  MongosimFixture *self = g_new0 (MongosimFixture, 1);

  self->args = g_strdupv ((char **) args);
  self->context = g_main_context_new ();
  self->dir = g_dir_make_tmp ("mongosim-XXXXXX", error);
  if (self->dir == NULL)
    {
      mongosim_fixture_free (self);
      return NULL;
    }
  self->port_file = g_build_filename (self->dir, "port", NULL);
  if (!spawn (self, 0, error))
    {
      mongosim_fixture_free (self);
      return NULL;
    }
  return self;
}

const char *
mongosim_fixture_get_uri (MongosimFixture *self)
{
  return self->uri;
}

const char *
mongosim_fixture_get_host (MongosimFixture *self)
{
  return self->host;
}

guint16
mongosim_fixture_get_port (MongosimFixture *self)
{
  return self->port;
}

GPid
mongosim_fixture_get_pid (MongosimFixture *self)
{
  return self->exited ? 0 : self->pid;
}

static gboolean
wait_exit (MongosimFixture *self, guint timeout_ms)
{
  gboolean timed_out = FALSE;
  GSource *timeout = g_timeout_source_new (timeout_ms);

  g_source_set_callback (timeout, timeout_cb, &timed_out, NULL);
  g_source_attach (timeout, self->context);
  while (!self->exited && !timed_out)
    g_main_context_iteration (self->context, TRUE);
  g_source_destroy (timeout);
  g_source_unref (timeout);
  return self->exited;
}

gboolean
mongosim_fixture_stop (MongosimFixture *self, GError **error)
{
  if (self->pid == 0 || self->exited)
    return TRUE;
  kill (self->pid, SIGTERM);
  if (!wait_exit (self, STOP_TIMEOUT_MS))
    {
      mongosim_fixture_kill (self);
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT, "mongosim did not stop within %d ms; killed",
                   STOP_TIMEOUT_MS);
      return FALSE;
    }
  self->pid = 0;
  if (!g_spawn_check_wait_status (self->wait_status, error))
    return FALSE;
  return TRUE;
}

void
mongosim_fixture_kill (MongosimFixture *self)
{
  if (self->pid == 0 || self->exited)
    return;
  kill (self->pid, SIGKILL);
  wait_exit (self, STOP_TIMEOUT_MS);
  self->pid = 0;
}

gboolean
mongosim_fixture_restart (MongosimFixture *self, GError **error)
{
  if (!mongosim_fixture_stop (self, error))
    return FALSE;
  return spawn (self, self->port, error);
}

void
mongosim_fixture_free (MongosimFixture *self)
{
  if (self == NULL)
    return;
  mongosim_fixture_kill (self);
  if (self->port_file)
    g_unlink (self->port_file);
  if (self->dir)
    g_rmdir (self->dir);
  g_strfreev (self->args);
  g_free (self->dir);
  g_free (self->port_file);
  g_free (self->host);
  g_free (self->uri);
  g_main_context_unref (self->context);
  g_free (self);
}
