/* ms-conn.c — one thread per client connection, and server errors
 *
 * A connection reads whole messages (header first, then the announced
 * length, refused above maxMessageSizeBytes), runs them and writes the
 * reply.  Broken framing closes this connection only.  Sends time out so a
 * client that stops reading cannot pin a thread or memory forever.
 */
#define G_LOG_DOMAIN "mongosim"
#include "config.h"

#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "ms-private.h"

/* ---------------------------------------------------------------- errors */

void
ms_err_set (MsErr **err, int code, const char *fmt, ...)
{
  va_list ap;
  MsErr *e;

  if (err == NULL)
    return;
  g_return_if_fail (*err == NULL);
  e = g_new0 (MsErr, 1);
  e->code = code;
  va_start (ap, fmt);
  e->msg = g_strdup_vprintf (fmt, ap);
  va_end (ap);
  *err = e;
}

void
ms_err_free (MsErr *err)
{
  if (err == NULL)
    return;
  g_clear_pointer (&err->extra, bson_destroy);
  g_clear_pointer (&err->labels, g_ptr_array_unref);
  g_free (err->msg);
  g_free (err);
}

void
ms_err_add_label (MsErr *err, const char *label)
{
  if (err->labels == NULL)
    err->labels = g_ptr_array_new_with_free_func (g_free);
  for (guint i = 0; i < err->labels->len; i++)
    if (g_str_equal (g_ptr_array_index (err->labels, i), label))
      return;
  g_ptr_array_add (err->labels, g_strdup (label));
}

const char *
ms_code_name (int code)
{
  static const struct { int code; const char *name; } names[] = {
    { 1, "InternalError" }, { 2, "BadValue" }, { 4, "NoSuchKey" }, { 6, "HostUnreachable" },
    { 7, "HostNotFound" }, { 8, "UnknownError" }, { 9, "FailedToParse" }, { 11, "UserNotFound" },
    { 13, "Unauthorized" }, { 14, "TypeMismatch" }, { 18, "AuthenticationFailed" },
    { 20, "IllegalOperation" }, { 22, "InvalidBSON" }, { 24, "LockTimeout" },
    { 26, "NamespaceNotFound" }, { 27, "IndexNotFound" }, { 28, "PathNotViable" },
    { 40, "ConflictingUpdateOperators" }, { 43, "CursorNotFound" }, { 47, "NoMatchingDocument" },
    { 48, "NamespaceExists" }, { 50, "MaxTimeMSExpired" }, { 52, "DollarPrefixedFieldName" },
    { 56, "EmptyFieldName" }, { 59, "CommandNotFound" }, { 63, "StaleShardVersion" },
    { 66, "ImmutableField" }, { 67, "CannotCreateIndex" }, { 72, "InvalidOptions" },
    { 73, "InvalidNamespace" }, { 85, "IndexOptionsConflict" }, { 86, "IndexKeySpecsConflict" },
    { 89, "NetworkTimeout" }, { 91, "ShutdownInProgress" }, { 96, "OperationFailed" },
    { 112, "WriteConflict" }, { 115, "CommandNotSupported" }, { 121, "DocumentValidationFailure" },
    { 125, "CommandFailed" }, { 134, "ReadConcernMajorityNotAvailableYet" },
    { 136, "CappedPositionLost" }, { 150, "StaleEpoch" }, { 189, "PrimarySteppedDown" },
    { 225, "TransactionTooOld" }, { 237, "CursorKilled" }, { 251, "NoSuchTransaction" },
    { 260, "InvalidResumeToken" }, { 262, "ExceededTimeLimit" }, { 280, "ChangeStreamFatalError" },
    { 286, "ChangeStreamHistoryLost" }, { 352, "UnsupportedOpQueryCommand" },
    { 9001, "SocketException" }, { 10107, "NotWritablePrimary" }, { 10334, "BSONObjectTooLarge" },
    { 11000, "DuplicateKey" }, { 11600, "InterruptedAtShutdown" }, { 11601, "Interrupted" },
    { 11602, "InterruptedDueToReplStateChange" }, { 13435, "NotPrimaryNoSecondaryOk" },
    { 13436, "NotPrimaryOrSecondary" }, { 40573, "Location40573" }, { 40324, "Location40324" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (names); i++)
    if (names[i].code == code)
      return names[i].name;
  return NULL;
}

void
ms_log (const char *fmt, ...)
{
  va_list ap;
  g_autofree char *msg = NULL;

  if (!ms_server.verbose)
    return;
  va_start (ap, fmt);
  msg = g_strdup_vprintf (fmt, ap);
  va_end (ap);
  g_printerr ("mongosim: %s\n", msg);
}

/* ----------------------------------------------------------- connections */

MsConn *
ms_conn_ref (MsConn *conn)
{
  g_atomic_int_inc (&conn->ref);
  return conn;
}

void
ms_conn_unref (MsConn *conn)
{
  if (!g_atomic_int_dec_and_test (&conn->ref))
    return;
  ms_auth_free_conversation (conn);
  if (conn->fd >= 0)
    close (conn->fd);
  g_mutex_clear (&conn->write_lock);
  g_free (conn->peer);
  g_free (conn->app_name);
  g_free (conn);
}

/* Called with ms_server.lock held, from any thread: wakes the connection's
 * thread out of its read with an error. */
void
ms_conn_close (MsConn *conn)
{
  if (conn->closed)
    return;
  conn->closed = TRUE;
  shutdown (conn->fd, SHUT_RDWR);
}

static gboolean
read_exact (int fd, guint8 *buf, gsize len)
{
  gsize done = 0;

  while (done < len)
    {
      ssize_t n = recv (fd, buf + done, len - done, 0);
      if (n == 0)
        return FALSE;
      if (n < 0)
        {
          if (errno == EINTR)
            continue;
          return FALSE;
        }
      done += (gsize) n;
    }
  return TRUE;
}

static gboolean
write_all (MsConn *conn, GBytes *bytes)
{
  gsize len, done = 0;
  const guint8 *data = g_bytes_get_data (bytes, &len);
  gboolean ok = TRUE;

  g_mutex_lock (&conn->write_lock);
  while (done < len)
    {
      ssize_t n = send (conn->fd, data + done, len - done, MSG_NOSIGNAL);
      if (n < 0)
        {
          if (errno == EINTR)
            continue;
          /* EAGAIN here is SO_SNDTIMEO: the client stopped reading */
          ms_log ("conn%" G_GUINT64_FORMAT ": send failed: %s", conn->id, g_strerror (errno));
          ok = FALSE;
          break;
        }
      done += (gsize) n;
    }
  g_mutex_unlock (&conn->write_lock);
  return ok;
}

/* MONGOSIM_RECORD_DIR=DIR saves every received message as DIR/msg-N.bin
 * (how the fuzz corpus of real driver messages was made). */
static void
record_message (const guint8 *data, gsize len)
{
  static gint counter;
  const char *dir = g_getenv ("MONGOSIM_RECORD_DIR");
  g_autofree char *path = NULL;

  if (dir == NULL || *dir == '\0')
    return;
  path = g_strdup_printf ("%s/msg-%d-%05d.bin", dir, (int) getpid (), g_atomic_int_add (&counter, 1));
  g_file_set_contents (path, (const char *) data, (gssize) len, NULL);
}

static GBytes *
error_reply (const MsRequest *req, const MsErr *err)
{
  bson_t body = BSON_INITIALIZER;
  GBytes *out;
  const char *name = ms_code_name (err->code);

  BSON_APPEND_DOUBLE (&body, "ok", 0.0);
  BSON_APPEND_UTF8 (&body, "errmsg", err->msg);
  BSON_APPEND_INT32 (&body, "code", err->code);
  if (name != NULL)
    BSON_APPEND_UTF8 (&body, "codeName", name);
  if (req->opcode == MS_OP_QUERY)
    out = ms_wire_reply_query (req->request_id, &body);
  else
    out = ms_wire_reply_msg (req->request_id, &body);
  bson_destroy (&body);
  return out;
}

void
ms_conn_serve (MsConn *conn)
{
  for (;;)
    {
      guint8 header[16];
      gint32 len;
      g_autofree guint8 *buf = NULL;
      MsRequest req;
      g_autoptr(MsErr) err = NULL;
      g_autoptr(GBytes) reply = NULL;
      MsParseResult r;

      if (!read_exact (conn->fd, header, sizeof header))
        break;
      memcpy (&len, header, 4);
      len = GINT32_FROM_LE (len);
      if (len < 16 || len > MS_MAX_MESSAGE_SIZE)
        {
          /* what mongod does: log "recv(): message msgLen is invalid" and
           * end the session */
          ms_log ("conn%" G_GUINT64_FORMAT ": message length %d is invalid, closing", conn->id, len);
          break;
        }
      buf = g_malloc (len);
      memcpy (buf, header, 16);
      if (!read_exact (conn->fd, buf + 16, (gsize) len - 16))
        break;
      record_message (buf, (gsize) len);
      r = ms_wire_parse (buf, (gsize) len, &req, &err);
      if (r == MS_PARSE_CLOSE)
        {
          ms_log ("conn%" G_GUINT64_FORMAT ": malformed message (opcode %d), closing", conn->id,
                  req.opcode);
          ms_request_clear (&req);
          break;
        }
      if (r == MS_PARSE_REPLY_ERROR)
        {
          ms_log ("conn%" G_GUINT64_FORMAT ": %s", conn->id, err->msg);
          reply = error_reply (&req, err);
        }
      else
        reply = ms_dispatch (conn, &req);
      ms_request_clear (&req);
      if (reply != NULL && !write_all (conn, reply))
        break;
      if (conn->close_after_reply || conn->closed)
        break;
    }
}
