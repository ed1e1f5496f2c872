/* ms-dispatch.c — command table and the common path of every command
 *
 * Order as in mongod: parse ($db), find the command (59 otherwise), check
 * authentication, apply the failCommand fail point, replay a retried write,
 * run, then decorate the reply with ok, $clusterTime and operationTime.
 */
#define G_LOG_DOMAIN "mongosim"
#include "config.h"

#include <string.h>

#include "ms-private.h"

enum
{
  F_NO_AUTH = 1 << 0,     /* allowed before authentication */
  F_WRITE = 1 << 1,       /* needs a writable primary */
  F_READ = 1 << 2,        /* a read that needs the primary by default */
  F_ADMIN = 1 << 3,       /* admin database only */
};

typedef struct
{
  const char *name;
  MsCmdFunc func;
  guint flags;
} CmdEntry;

static const CmdEntry commands[] = {
  { "hello", ms_cmd_hello, F_NO_AUTH },
  { "isMaster", ms_cmd_hello, F_NO_AUTH },
  { "ismaster", ms_cmd_hello, F_NO_AUTH },
  { "ping", ms_cmd_ping, F_NO_AUTH },
  { "buildInfo", ms_cmd_build_info, F_NO_AUTH },
  { "buildinfo", ms_cmd_build_info, F_NO_AUTH },
  { "hostInfo", ms_cmd_host_info, 0 },
  { "serverStatus", ms_cmd_server_status, 0 },
  { "endSessions", ms_cmd_end_sessions, F_NO_AUTH },
  { "saslStart", ms_cmd_sasl_start, F_NO_AUTH },
  { "saslContinue", ms_cmd_sasl_continue, F_NO_AUTH },
  { "listDatabases", ms_cmd_list_databases, F_ADMIN | F_READ },
  { "listCollections", ms_cmd_list_collections, F_READ },
  { "create", ms_cmd_create, F_WRITE },
  { "collMod", ms_cmd_coll_mod, F_WRITE },
  { "drop", ms_cmd_drop, F_WRITE },
  { "dropDatabase", ms_cmd_drop_database, F_WRITE },
  { "createIndexes", ms_cmd_create_indexes, F_WRITE },
  { "listIndexes", ms_cmd_list_indexes, F_READ },
  { "dropIndexes", ms_cmd_drop_indexes, F_WRITE },
  { "deleteIndexes", ms_cmd_drop_indexes, F_WRITE },
  { "insert", ms_cmd_insert, F_WRITE },
  { "update", ms_cmd_update, F_WRITE },
  { "delete", ms_cmd_delete, F_WRITE },
  { "findAndModify", ms_cmd_find_and_modify, F_WRITE },
  { "findandmodify", ms_cmd_find_and_modify, F_WRITE },
  { "find", ms_cmd_find, F_READ },
  { "getMore", ms_cmd_get_more, F_READ },
  { "killCursors", ms_cmd_kill_cursors, 0 },
  { "count", ms_cmd_count, F_READ },
  { "distinct", ms_cmd_distinct, F_READ },
  { "aggregate", ms_cmd_aggregate, F_READ },
  { "configureFailPoint", ms_cmd_configure_fail_point, F_ADMIN },
  { "waitForFailPoint", ms_cmd_wait_for_fail_point, F_ADMIN },
  { "replSetStepDown", ms_cmd_repl_set_step_down, F_ADMIN },
  { "replSetGetStatus", ms_cmd_repl_set_get_status, F_ADMIN },
  { "getParameter", ms_cmd_get_parameter, F_ADMIN },
};

const char *
ms_cmd_string (const bson_t *cmd, const char *key)
{
  bson_iter_t it;

  if (bson_iter_init_find (&it, cmd, key) && BSON_ITER_HOLDS_UTF8 (&it))
    return bson_iter_utf8 (&it, NULL);
  return NULL;
}

/* The collection a command names in its first field. */
gboolean
ms_cmd_target (MsCmd *c, char **coll_name, MsErr **err)
{
  bson_iter_t it;

  if (!bson_iter_init (&it, c->cmd) || !bson_iter_next (&it) || !BSON_ITER_HOLDS_UTF8 (&it))
    {
      ms_err_set (err, MS_INVALID_NAMESPACE, "collection name has invalid type %s",
                  ms_type_alias (bson_iter_type (&it)));
      return FALSE;
    }
  *coll_name = g_strdup (bson_iter_utf8 (&it, NULL));
  return ms_coll_valid_name (c->db, *coll_name, err);
}

gboolean
ms_is_retryable_code (int code)
{
  static const int codes[] = { 6, 7, 89, 91, 189, 262, 9001, 10107, 11600, 11602, 13435, 13436, 63, 150, 134 };

  for (guint i = 0; i < G_N_ELEMENTS (codes); i++)
    if (codes[i] == code)
      return TRUE;
  return FALSE;
}

static void
refresh_step_down (void)
{
  if (ms_server.stepped_down && g_get_monotonic_time () >= ms_server.stepdown_until)
    {
      ms_server.stepped_down = FALSE;
      ms_server.election_term++;
    }
}

gboolean
ms_check_writable (MsCmd *c, MsErr **err)
{
  refresh_step_down ();
  if (ms_server.stepped_down)
    {
      ms_err_set (err, MS_NOT_WRITABLE_PRIMARY, "not primary");
      return FALSE;
    }
  return TRUE;
}

static gboolean
read_pref_allows_secondary (const bson_t *cmd)
{
  bson_iter_t it, mode;

  if (bson_iter_init_find (&it, cmd, "$readPreference") && BSON_ITER_HOLDS_DOCUMENT (&it) &&
      bson_iter_recurse (&it, &mode) && bson_iter_find (&mode, "mode") && BSON_ITER_HOLDS_UTF8 (&mode))
    return !g_str_equal (bson_iter_utf8 (&mode, NULL), "primary");
  return FALSE;
}

void
ms_append_cluster_time (bson_t *reply)
{
  bson_t ct, sig;
  static const guint8 zero_hash[20] = { 0 };
  guint64 ts = ms_server.last_ts ? ms_server.last_ts : ms_server.oplog_start_ts | 1;

  if (ms_server.replset == NULL)
    return;
  BSON_APPEND_DOCUMENT_BEGIN (reply, "$clusterTime", &ct);
  BSON_APPEND_TIMESTAMP (&ct, "clusterTime", (guint32) (ts >> 32), (guint32) ts);
  BSON_APPEND_DOCUMENT_BEGIN (&ct, "signature", &sig);
  BSON_APPEND_BINARY (&sig, "hash", BSON_SUBTYPE_BINARY, zero_hash, 20);
  BSON_APPEND_INT64 (&sig, "keyId", 0);
  bson_append_document_end (&ct, &sig);
  bson_append_document_end (reply, &ct);
  BSON_APPEND_TIMESTAMP (reply, "operationTime", (guint32) (ts >> 32), (guint32) ts);
}

static void
append_error (bson_t *reply, const MsErr *err)
{
  const char *name = ms_code_name (err->code);
  bson_iter_t it;

  BSON_APPEND_DOUBLE (reply, "ok", 0.0);
  BSON_APPEND_UTF8 (reply, "errmsg", err->msg);
  BSON_APPEND_INT32 (reply, "code", err->code);
  if (name != NULL)
    BSON_APPEND_UTF8 (reply, "codeName", name);
  if (err->extra != NULL && bson_iter_init (&it, err->extra))
    while (bson_iter_next (&it))
      bson_append_value (reply, bson_iter_key (&it), -1, bson_iter_value (&it));
  if (err->labels != NULL && err->labels->len > 0)
    {
      bson_t arr;
      BSON_APPEND_ARRAY_BEGIN (reply, "errorLabels", &arr);
      for (guint i = 0; i < err->labels->len; i++)
        {
          char key[16];
          const char *k;
          bson_uint32_to_string (i, &k, key, sizeof key);
          bson_append_utf8 (&arr, k, -1, g_ptr_array_index (err->labels, i), -1);
        }
      bson_append_array_end (reply, &arr);
    }
}

static const CmdEntry *
find_command (const char *name)
{
  for (guint i = 0; i < G_N_ELEMENTS (commands); i++)
    if (g_str_equal (commands[i].name, name))
      return &commands[i];
  return NULL;
}

/* Blocks for the fail point's blockTimeMS; a step-down interrupts it. */
static gboolean
block_command (gint64 block_ms, guint flags, MsErr **err)
{
  gint64 deadline = g_get_monotonic_time () + block_ms * 1000;
  guint epoch = ms_server.stepdown_epoch;

  while (g_get_monotonic_time () < deadline)
    {
      ms_wait_until (deadline);
      if (ms_server.stepdown_epoch != epoch && (flags & F_WRITE))
        {
          ms_err_set (err, MS_INTERRUPTED_DUE_TO_REPL_STATE_CHANGE, "operation was interrupted");
          return FALSE;
        }
    }
  return TRUE;
}

static void
run_command (MsConn *conn, MsRequest *req, const char *db, bson_t *reply)
{
  bson_iter_t it;
  const char *name;
  const CmdEntry *entry;
  g_autoptr(MsErr) err = NULL;
  MsCmd c = { 0 };
  MsFailResult fail = { 0 };
  gboolean retryable = FALSE, ok = FALSE, replayed = FALSE;
  bson_t fields = BSON_INITIALIZER;

  bson_iter_init (&it, req->body);
  if (!bson_iter_next (&it))
    {
      ms_err_set (&err, MS_FAILED_TO_PARSE, "Command document is empty");
      goto done;
    }
  name = bson_iter_key (&it);
  ms_log ("conn%" G_GUINT64_FORMAT ": %s.%s", conn->id, db, name);
  entry = find_command (name);
  if (req->opcode == MS_OP_QUERY && (entry == NULL || entry->func != ms_cmd_hello))
    {
      ms_err_set (&err, 352, "Unsupported OP_QUERY command: %s. The client driver may require an upgrade. "
                  "For more details see https://dochub.mongodb.org/core/legacy-opcode-removal", name);
      goto done;
    }
  if (entry == NULL)
    {
      ms_err_set (&err, MS_COMMAND_NOT_FOUND, "no such command: '%s'", name);
      goto done;
    }
  if (!conn->authenticated && !(entry->flags & F_NO_AUTH))
    {
      ms_err_set (&err, MS_UNAUTHORIZED, "command %s requires authentication", name);
      goto done;
    }
  if ((entry->flags & F_ADMIN) && !g_str_equal (db, "admin"))
    {
      ms_err_set (&err, MS_UNAUTHORIZED, "%s may only be run against the admin database.", name);
      goto done;
    }
  ms_server.n_command++;

  c.conn = conn;
  c.db = db;
  c.name = name;
  c.cmd = req->body;
  c.reply = &fields;
  c.legacy = req->opcode == MS_OP_QUERY;
  retryable = ms_is_retryable_write (name, req->body);

  if (entry->func != ms_cmd_configure_fail_point && entry->func != ms_cmd_wait_for_fail_point)
    ms_failpoint_check (conn, name, &fail);
  if (fail.block_ms > 0 && !block_command (fail.block_ms, entry->flags, &err))
    goto done;
  if (fail.action == MS_FAIL_CLOSE)
    {
      conn->close_after_reply = TRUE;
      goto done;
    }
  if (fail.action == MS_FAIL_ERROR)
    {
      ms_err_set (&err, fail.code, "Failing command via 'failCommand' failpoint");
      if (fail.labels != NULL)
        for (guint i = 0; i < fail.labels->len; i++)
          ms_err_add_label (err, g_ptr_array_index (fail.labels, i));
      else if (retryable && ms_is_retryable_code (fail.code))
        ms_err_add_label (err, "RetryableWriteError");
      goto done;
    }

  refresh_step_down ();
  if ((entry->flags & F_READ) && ms_server.stepped_down && !read_pref_allows_secondary (req->body))
    {
      ms_err_set (&err, MS_NOT_PRIMARY_NO_SECONDARY_OK, "not primary and secondaryOk=false");
      goto done;
    }
  if ((entry->flags & F_WRITE) && !ms_check_writable (&c, &err))
    {
      if (retryable)
        ms_err_add_label (err, "RetryableWriteError");
      goto done;
    }
  if (retryable)
    {
      bson_t recorded = BSON_INITIALIZER;
      if (!ms_retry_lookup (req->body, &recorded, &err))
        {
          bson_destroy (&recorded);
          goto done;
        }
      if (!bson_empty (&recorded))
        {
          bson_destroy (&fields);
          bson_steal (&fields, &recorded);
          replayed = TRUE;
          ok = TRUE;
          goto done;
        }
      bson_destroy (&recorded);
    }

  ok = entry->func (&c, &err);
  if (ok && retryable)
    ms_retry_record (req->body, &fields);

done:
  if (conn->close_after_reply)
    {
      bson_destroy (&fields);
      ms_fail_result_clear (&fail);
      return;
    }
  if (ok)
    {
      bson_iter_t fi;

      if (bson_iter_init (&fi, &fields))
        while (bson_iter_next (&fi))
          bson_append_value (reply, bson_iter_key (&fi), -1, bson_iter_value (&fi));
      if (fail.write_concern_error != NULL)
        {
          bson_iter_t ci;
          int wce_code = 0;

          BSON_APPEND_DOCUMENT (reply, "writeConcernError", fail.write_concern_error);
          if (bson_iter_init_find (&ci, fail.write_concern_error, "code"))
            wce_code = (int) bson_iter_as_int64 (&ci);
          if (fail.labels != NULL && fail.labels->len > 0)
            {
              bson_t arr;
              BSON_APPEND_ARRAY_BEGIN (reply, "errorLabels", &arr);
              for (guint i = 0; i < fail.labels->len; i++)
                {
                  char key[16];
                  const char *k;
                  bson_uint32_to_string (i, &k, key, sizeof key);
                  bson_append_utf8 (&arr, k, -1, g_ptr_array_index (fail.labels, i), -1);
                }
              bson_append_array_end (reply, &arr);
            }
          else if (retryable && ms_is_retryable_code (wce_code))
            {
              bson_t arr;
              BSON_APPEND_ARRAY_BEGIN (reply, "errorLabels", &arr);
              BSON_APPEND_UTF8 (&arr, "0", "RetryableWriteError");
              bson_append_array_end (reply, &arr);
            }
        }
      if (!bson_has_field (reply, "ok"))
        BSON_APPEND_DOUBLE (reply, "ok", 1.0);
      (void) replayed;
    }
  else
    {
      if (retryable && err->labels == NULL && ms_is_retryable_code (err->code))
        ms_err_add_label (err, "RetryableWriteError");
      append_error (reply, err);
    }
  if (!c.no_cluster_time)
    ms_append_cluster_time (reply);
  bson_destroy (&fields);
  ms_fail_result_clear (&fail);
}

GBytes *
ms_dispatch (MsConn *conn, MsRequest *req)
{
  bson_t reply = BSON_INITIALIZER;
  g_autofree char *db = NULL;
  GBytes *out;

  if (req->opcode == MS_OP_QUERY)
    {
      const char *dot = strstr (req->query_ns, ".$cmd");
      db = dot ? g_strndup (req->query_ns, dot - req->query_ns) : g_strdup (req->query_ns);
    }
  else
    {
      const char *d = ms_cmd_string (req->body, "$db");
      if (d == NULL)
        {
          BSON_APPEND_DOUBLE (&reply, "ok", 0.0);
          BSON_APPEND_UTF8 (&reply, "errmsg", "OP_MSG requests require a $db argument");
          BSON_APPEND_INT32 (&reply, "code", 40571);
          BSON_APPEND_UTF8 (&reply, "codeName", "Location40571");
          goto encode;
        }
      db = g_strdup (d);
    }

  g_mutex_lock (&ms_server.lock);
  run_command (conn, req, db, &reply);
  ms_oplog_notify ();
  g_mutex_unlock (&ms_server.lock);

encode:
  if (conn->close_after_reply && !bson_has_field (&reply, "ok"))
    {
      bson_destroy (&reply);
      return NULL;
    }
  if (reply.len > MS_MAX_BSON_SIZE + 16 * 1024)
    {
      bson_reinit (&reply);
      BSON_APPEND_DOUBLE (&reply, "ok", 0.0);
      BSON_APPEND_UTF8 (&reply, "errmsg", "BSONObj size: is invalid. Size must be between 0 and 16793600(16MB)");
      BSON_APPEND_INT32 (&reply, "code", MS_BSON_OBJECT_TOO_LARGE);
      BSON_APPEND_UTF8 (&reply, "codeName", "BSONObjectTooLarge");
    }
  if (req->more_to_come)
    {
      bson_destroy (&reply);
      return NULL;
    }
  if (req->opcode == MS_OP_QUERY)
    out = ms_wire_reply_query (req->request_id, &reply);
  else
    out = ms_wire_reply_msg (req->request_id, &reply);
  bson_destroy (&reply);
  return out;
}
