/* ms-main.c — mongosim: a MongoDB 6.0 replica-set primary simulator
 *
 * mongosim [--port N] [--port-file F] [--bind ADDR] [--replset NAME |
 *           --standalone] [--oplog-size N] [--auth USER:PASSWORD]
 *           [--dbpath DIR] [--verbose]
 *
 * A test fixture, never installed.  SIGTERM/SIGINT stop it cleanly (and
 * write the --dbpath snapshot).
 */
#define G_LOG_DOMAIN "mongosim"
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <malloc.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <glib-unix.h>
#include <glib/gstdio.h>

#include "ms-private.h"

static int listen_fd = -1;

static gpointer
conn_thread (gpointer data)
{
  MsConn *conn = data;

  ms_conn_serve (conn);
  g_mutex_lock (&ms_server.lock);
  conn->closed = TRUE;
  g_ptr_array_remove_fast (ms_server.conns, conn);
  g_mutex_unlock (&ms_server.lock);
  ms_log ("conn%" G_GUINT64_FORMAT ": end", conn->id);
  ms_conn_unref (conn);
  return NULL;
}

static gpointer
accept_thread (gpointer data)
{
  for (;;)
    {
      struct sockaddr_in peer;
      socklen_t peer_len = sizeof peer;
      int fd = accept (listen_fd, (struct sockaddr *) &peer, &peer_len);
      int one = 1;
      struct timeval send_timeout = { 30, 0 };
      MsConn *conn;
      GThread *thread;
      char addr[INET_ADDRSTRLEN];

      if (fd < 0)
        {
          if (errno == EINTR || errno == ECONNABORTED || errno == EMFILE || errno == ENFILE)
            continue;
          g_printerr ("mongosim: accept: %s\n", g_strerror (errno));
          return NULL;
        }
      setsockopt (fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
      setsockopt (fd, SOL_SOCKET, SO_SNDTIMEO, &send_timeout, sizeof send_timeout);

      conn = g_new0 (MsConn, 1);
      conn->ref = 1;
      conn->fd = fd;
      g_mutex_init (&conn->write_lock);
      inet_ntop (AF_INET, &peer.sin_addr, addr, sizeof addr);
      conn->peer = g_strdup_printf ("%s:%u", addr, ntohs (peer.sin_port));
      conn->authenticated = ms_server.auth_user == NULL;

      g_mutex_lock (&ms_server.lock);
      conn->id = ++ms_server.next_conn_id;
      ms_server.total_conns++;
      g_ptr_array_add (ms_server.conns, ms_conn_ref (conn));
      g_mutex_unlock (&ms_server.lock);
      ms_log ("conn%" G_GUINT64_FORMAT ": accepted from %s", conn->id, conn->peer);

      thread = g_thread_try_new ("mongosim-conn", conn_thread, conn, NULL);
      if (thread == NULL)
        {
          g_mutex_lock (&ms_server.lock);
          g_ptr_array_remove_fast (ms_server.conns, conn);
          g_mutex_unlock (&ms_server.lock);
          ms_conn_unref (conn);
          continue;
        }
      g_thread_unref (thread);
    }
  return NULL;
}

static gboolean
write_port_file (const char *path, guint16 port, GError **error)
{
  g_autofree char *tmp = g_strdup_printf ("%s.tmp", path);
  g_autofree char *text = g_strdup_printf ("%u\n", port);

  if (!g_file_set_contents (tmp, text, -1, error))
    return FALSE;
  if (g_rename (tmp, path) != 0)
    {
      g_set_error (error, G_FILE_ERROR, g_file_error_from_errno (errno), "rename %s: %s", path,
                   g_strerror (errno));
      return FALSE;
    }
  return TRUE;
}

static gboolean
stop_cb (gpointer data)
{
  GMainLoop *loop = data;

  g_main_loop_quit (loop);
  return G_SOURCE_REMOVE;
}

int
main (int argc, char **argv)
{
  gint port = 27017;
  g_autofree char *port_file = NULL;
  g_autofree char *bind_addr = NULL;
  g_autofree char *replset = NULL;
  gboolean standalone = FALSE;
  gint oplog_size = 1000000;
  g_autofree char *auth = NULL;
  g_autofree char *dbpath = NULL;
  gboolean verbose = FALSE;
  GOptionEntry entries[] = {
    { "port", 0, 0, G_OPTION_ARG_INT, &port, "TCP port (0 picks a free one)", "N" },
    { "port-file", 0, 0, G_OPTION_ARG_FILENAME, &port_file, "Write the port here once listening", "F" },
    { "bind", 0, 0, G_OPTION_ARG_STRING, &bind_addr, "Address to listen on (default 127.0.0.1)", "ADDR" },
    { "replset", 0, 0, G_OPTION_ARG_STRING, &replset, "Replica set name (default rs0)", "NAME" },
    { "standalone", 0, 0, G_OPTION_ARG_NONE, &standalone, "Behave as a standalone mongod", NULL },
    { "oplog-size", 0, 0, G_OPTION_ARG_INT, &oplog_size, "Oplog capacity in entries", "N" },
    { "auth", 0, 0, G_OPTION_ARG_STRING, &auth, "Require SCRAM authentication as USER:PASSWORD", "U:P" },
    { "dbpath", 0, 0, G_OPTION_ARG_FILENAME, &dbpath, "Keep a snapshot of the data in DIR", "DIR" },
    { "verbose", 'v', 0, G_OPTION_ARG_NONE, &verbose, "Log connections and commands", NULL },
    { NULL }
  };
  g_autoptr(GOptionContext) context = g_option_context_new ("— MongoDB 6.0 replica-set simulator");
  g_autoptr(GError) error = NULL;
  g_autoptr(GMainLoop) loop = NULL;
  struct sockaddr_in addr = { 0 };
  socklen_t addr_len = sizeof addr;
  int one = 1;

  signal (SIGPIPE, SIG_IGN);
  /* grow the heap in big steps: bulk inserts otherwise spend their time in
   * brk and page faults */
  mallopt (M_TOP_PAD, 64 * 1024 * 1024);
  mallopt (M_TRIM_THRESHOLD, 256 * 1024 * 1024);
  g_option_context_add_main_entries (context, entries, NULL);
  if (!g_option_context_parse (context, &argc, &argv, &error))
    {
      g_printerr ("mongosim: %s\n", error->message);
      return 2;
    }
  if (standalone && replset != NULL)
    {
      g_printerr ("mongosim: --replset and --standalone exclude each other\n");
      return 2;
    }
  if (port < 0 || port > 65535 || oplog_size < 1)
    {
      g_printerr ("mongosim: invalid --port or --oplog-size\n");
      return 2;
    }

  ms_server.verbose = verbose;
  ms_server.bind = g_strdup (bind_addr ? bind_addr : "127.0.0.1");
  ms_server.replset = standalone ? NULL : g_strdup (replset ? replset : "rs0");
  ms_server.oplog_size = (guint) oplog_size;
  ms_server.dbpath = g_strdup (dbpath);
  if (auth != NULL)
    {
      char *colon = strchr (auth, ':');
      if (colon == NULL || colon == auth)
        {
          g_printerr ("mongosim: --auth wants USER:PASSWORD\n");
          return 2;
        }
      ms_server.auth_user = g_strndup (auth, colon - auth);
      ms_server.auth_password = g_strdup (colon + 1);
    }
  g_mutex_init (&ms_server.lock);
  g_cond_init (&ms_server.oplog_cond);
  ms_server.cursors = g_hash_table_new_full (g_int64_hash, g_int64_equal, NULL,
                                             (GDestroyNotify) ms_cursor_free);
  ms_server.conns = g_ptr_array_new_with_free_func ((GDestroyNotify) ms_conn_unref);
  ms_server.start_time = g_get_monotonic_time ();
  ms_server.election_term = 1;
  bson_oid_init (&ms_server.process_id, NULL);
  ms_storage_init ();

  if (dbpath != NULL)
    {
      if (g_mkdir_with_parents (dbpath, 0700) != 0)
        {
          g_printerr ("mongosim: cannot create %s: %s\n", dbpath, g_strerror (errno));
          return 1;
        }
      if (!ms_snapshot_load (&error))
        {
          g_printerr ("mongosim: cannot load the snapshot in %s: %s\n", dbpath, error->message);
          return 1;
        }
    }

  listen_fd = socket (AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  setsockopt (listen_fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  addr.sin_family = AF_INET;
  addr.sin_port = htons ((guint16) port);
  if (inet_pton (AF_INET, ms_server.bind, &addr.sin_addr) != 1)
    {
      g_printerr ("mongosim: --bind wants an IPv4 address, not %s\n", ms_server.bind);
      return 2;
    }
  if (bind (listen_fd, (struct sockaddr *) &addr, sizeof addr) != 0 || listen (listen_fd, 128) != 0)
    {
      g_printerr ("mongosim: cannot listen on %s:%d: %s\n", ms_server.bind, port, g_strerror (errno));
      return 1;
    }
  getsockname (listen_fd, (struct sockaddr *) &addr, &addr_len);
  ms_server.port = ntohs (addr.sin_port);
  ms_server.host = g_strdup_printf ("%s:%u", g_str_equal (ms_server.bind, "0.0.0.0") ? "127.0.0.1"
                                    : ms_server.bind, ms_server.port);

  /* handlers before the port file: a test may stop us right after it */
  loop = g_main_loop_new (NULL, FALSE);
  g_unix_signal_add (SIGTERM, stop_cb, loop);
  g_unix_signal_add (SIGINT, stop_cb, loop);
  g_thread_unref (g_thread_new ("mongosim-accept", accept_thread, NULL));
  if (port_file != NULL && !write_port_file (port_file, ms_server.port, &error))
    {
      g_printerr ("mongosim: %s\n", error->message);
      return 1;
    }
  ms_log ("listening on %s (%s)", ms_server.host, ms_server.replset ? ms_server.replset : "standalone");

  g_main_loop_run (loop);

  /* clean stop: no new commands run while the snapshot is written */
  g_mutex_lock (&ms_server.lock);
  if (dbpath != NULL && !ms_snapshot_save (&error))
    {
      g_printerr ("mongosim: cannot save the snapshot: %s\n", error->message);
      return 1;
    }
  ms_log ("stopped");
  return 0;
}
