/* ms-admin.c — handshake, server information, databases, collections,
 * indexes and the replica-set commands
 */
#define G_LOG_DOMAIN "mongosim"
#include "config.h"

#include <string.h>
#include <unistd.h>

#include "ms-private.h"

static void
append_uuid (bson_t *doc, const char *key, const guint8 *uuid)
{
  bson_append_binary (doc, key, -1, BSON_SUBTYPE_UUID, uuid, 16);
}

gboolean
ms_cmd_hello (MsCmd *c, MsErr **err)
{
  bson_iter_t it, sub;
  gboolean legacy_name = !g_str_equal (c->name, "hello");
  gboolean primary;
  guint64 ts = ms_server.last_ts ? ms_server.last_ts : ms_server.oplog_start_ts | 1;

  /* client metadata arrives with the first handshake only */
  if (c->conn->app_name == NULL && bson_iter_init_find (&it, c->cmd, "client") &&
      BSON_ITER_HOLDS_DOCUMENT (&it) && bson_iter_recurse (&it, &sub) &&
      bson_iter_find_descendant (&sub, "application.name", &sub) && BSON_ITER_HOLDS_UTF8 (&sub))
    c->conn->app_name = g_strdup (bson_iter_utf8 (&sub, NULL));

  if (ms_server.stepped_down && g_get_monotonic_time () >= ms_server.stepdown_until)
    {
      ms_server.stepped_down = FALSE;
      ms_server.election_term++;
    }
  primary = !ms_server.stepped_down;

  if (bson_iter_init_find (&it, c->cmd, "helloOk") && bson_iter_as_bool (&it))
    BSON_APPEND_BOOL (c->reply, "helloOk", TRUE);
  if (ms_server.replset != NULL)
    {
      bson_t hosts;

      BSON_APPEND_ARRAY_BEGIN (c->reply, "hosts", &hosts);
      BSON_APPEND_UTF8 (&hosts, "0", ms_server.host);
      bson_append_array_end (c->reply, &hosts);
      BSON_APPEND_UTF8 (c->reply, "setName", ms_server.replset);
      BSON_APPEND_INT32 (c->reply, "setVersion", 1);
    }
  BSON_APPEND_BOOL (c->reply, legacy_name ? "ismaster" : "isWritablePrimary", primary);
  if (ms_server.replset != NULL)
    {
      bson_t last_write, optime;
      bson_oid_t election;
      char hex[25];

      BSON_APPEND_BOOL (c->reply, "secondary", !primary);
      if (primary)
        BSON_APPEND_UTF8 (c->reply, "primary", ms_server.host);
      BSON_APPEND_UTF8 (c->reply, "me", ms_server.host);
      g_snprintf (hex, sizeof hex, "7fffffff%016" G_GINT64_MODIFIER "x", ms_server.election_term);
      bson_oid_init_from_string (&election, hex);
      if (primary)
        BSON_APPEND_OID (c->reply, "electionId", &election);
      BSON_APPEND_DOCUMENT_BEGIN (c->reply, "lastWrite", &last_write);
      BSON_APPEND_DOCUMENT_BEGIN (&last_write, "opTime", &optime);
      BSON_APPEND_TIMESTAMP (&optime, "ts", (guint32) (ts >> 32), (guint32) ts);
      BSON_APPEND_INT64 (&optime, "t", ms_server.election_term);
      bson_append_document_end (&last_write, &optime);
      BSON_APPEND_DATE_TIME (&last_write, "lastWriteDate", (gint64) (ts >> 32) * 1000);
      BSON_APPEND_DOCUMENT_BEGIN (&last_write, "majorityOpTime", &optime);
      BSON_APPEND_TIMESTAMP (&optime, "ts", (guint32) (ts >> 32), (guint32) ts);
      BSON_APPEND_INT64 (&optime, "t", ms_server.election_term);
      bson_append_document_end (&last_write, &optime);
      BSON_APPEND_DATE_TIME (&last_write, "majorityWriteDate", (gint64) (ts >> 32) * 1000);
      bson_append_document_end (c->reply, &last_write);
    }
  BSON_APPEND_INT32 (c->reply, "maxBsonObjectSize", MS_MAX_BSON_SIZE);
  BSON_APPEND_INT32 (c->reply, "maxMessageSizeBytes", MS_MAX_MESSAGE_SIZE);
  BSON_APPEND_INT32 (c->reply, "maxWriteBatchSize", MS_MAX_WRITE_BATCH);
  BSON_APPEND_DATE_TIME (c->reply, "localTime", g_get_real_time () / 1000);
  BSON_APPEND_INT32 (c->reply, "logicalSessionTimeoutMinutes", 30);
  BSON_APPEND_INT32 (c->reply, "connectionId", (gint32) c->conn->id);
  BSON_APPEND_INT32 (c->reply, "minWireVersion", 0);
  BSON_APPEND_INT32 (c->reply, "maxWireVersion", 17);
  BSON_APPEND_BOOL (c->reply, "readOnly", FALSE);
  if (ms_server.auth_user != NULL && bson_iter_init_find (&it, c->cmd, "saslSupportedMechs") &&
      BSON_ITER_HOLDS_UTF8 (&it))
    {
      g_autofree char *want = g_strdup_printf ("admin.%s", ms_server.auth_user);
      if (g_str_equal (bson_iter_utf8 (&it, NULL), want))
        {
          bson_t mechs;
          BSON_APPEND_ARRAY_BEGIN (c->reply, "saslSupportedMechs", &mechs);
          BSON_APPEND_UTF8 (&mechs, "0", "SCRAM-SHA-1");
          BSON_APPEND_UTF8 (&mechs, "1", "SCRAM-SHA-256");
          bson_append_array_end (c->reply, &mechs);
        }
    }
  return TRUE;
}

gboolean
ms_cmd_ping (MsCmd *c, MsErr **err)
{
  return TRUE;
}

gboolean
ms_cmd_build_info (MsCmd *c, MsErr **err)
{
  bson_t arr;

  BSON_APPEND_UTF8 (c->reply, "version", "6.0.0");
  BSON_APPEND_UTF8 (c->reply, "gitVersion", "mongosim");
  BSON_APPEND_ARRAY_BEGIN (c->reply, "versionArray", &arr);
  BSON_APPEND_INT32 (&arr, "0", 6);
  BSON_APPEND_INT32 (&arr, "1", 0);
  BSON_APPEND_INT32 (&arr, "2", 0);
  BSON_APPEND_INT32 (&arr, "3", 0);
  bson_append_array_end (c->reply, &arr);
  BSON_APPEND_INT32 (c->reply, "bits", 64);
  BSON_APPEND_BOOL (c->reply, "debug", FALSE);
  BSON_APPEND_INT32 (c->reply, "maxBsonObjectSize", MS_MAX_BSON_SIZE);
  BSON_APPEND_ARRAY_BEGIN (c->reply, "storageEngines", &arr);
  BSON_APPEND_UTF8 (&arr, "0", "mongosim");
  bson_append_array_end (c->reply, &arr);
  return TRUE;
}

gboolean
ms_cmd_host_info (MsCmd *c, MsErr **err)
{
  bson_t system, os;
  char hostname[256] = "localhost";

  gethostname (hostname, sizeof hostname - 1);
  BSON_APPEND_DOCUMENT_BEGIN (c->reply, "system", &system);
  BSON_APPEND_DATE_TIME (&system, "currentTime", g_get_real_time () / 1000);
  BSON_APPEND_UTF8 (&system, "hostname", hostname);
  BSON_APPEND_INT32 (&system, "numCores", (gint32) g_get_num_processors ());
  BSON_APPEND_UTF8 (&system, "cpuArch", "x86_64");
  bson_append_document_end (c->reply, &system);
  BSON_APPEND_DOCUMENT_BEGIN (c->reply, "os", &os);
  BSON_APPEND_UTF8 (&os, "type", "Linux");
  bson_append_document_end (c->reply, &os);
  return TRUE;
}

gboolean
ms_cmd_server_status (MsCmd *c, MsErr **err)
{
  bson_t sub;
  char hostname[256] = "localhost";
  gint64 up_ms = (g_get_monotonic_time () - ms_server.start_time) / 1000;

  gethostname (hostname, sizeof hostname - 1);
  BSON_APPEND_UTF8 (c->reply, "host", hostname);
  BSON_APPEND_UTF8 (c->reply, "version", "6.0.0");
  BSON_APPEND_UTF8 (c->reply, "process", "mongosim");
  BSON_APPEND_INT64 (c->reply, "pid", getpid ());
  BSON_APPEND_DOUBLE (c->reply, "uptime", up_ms / 1000.0);
  BSON_APPEND_INT64 (c->reply, "uptimeMillis", up_ms);
  BSON_APPEND_DATE_TIME (c->reply, "localTime", g_get_real_time () / 1000);
  BSON_APPEND_DOCUMENT_BEGIN (c->reply, "connections", &sub);
  BSON_APPEND_INT32 (&sub, "current", (gint32) ms_server.conns->len);
  BSON_APPEND_INT32 (&sub, "available", 1000000);
  BSON_APPEND_INT64 (&sub, "totalCreated", (gint64) ms_server.total_conns);
  bson_append_document_end (c->reply, &sub);
  BSON_APPEND_DOCUMENT_BEGIN (c->reply, "opcounters", &sub);
  BSON_APPEND_INT64 (&sub, "insert", ms_server.n_insert);
  BSON_APPEND_INT64 (&sub, "query", ms_server.n_query);
  BSON_APPEND_INT64 (&sub, "update", ms_server.n_update);
  BSON_APPEND_INT64 (&sub, "delete", ms_server.n_delete);
  BSON_APPEND_INT64 (&sub, "getmore", ms_server.n_getmore);
  BSON_APPEND_INT64 (&sub, "command", ms_server.n_command);
  bson_append_document_end (c->reply, &sub);
  if (ms_server.replset != NULL)
    {
      BSON_APPEND_DOCUMENT_BEGIN (c->reply, "repl", &sub);
      BSON_APPEND_UTF8 (&sub, "setName", ms_server.replset);
      BSON_APPEND_BOOL (&sub, "isWritablePrimary", !ms_server.stepped_down);
      BSON_APPEND_UTF8 (&sub, "me", ms_server.host);
      bson_append_document_end (c->reply, &sub);
    }
  BSON_APPEND_DOCUMENT_BEGIN (c->reply, "mongosim", &sub);
  BSON_APPEND_INT64 (&sub, "oplogEntries", ms_server.oplog_len);
  BSON_APPEND_INT64 (&sub, "oplogCapacity", ms_server.oplog_size);
  BSON_APPEND_INT64 (&sub, "openCursors", g_hash_table_size (ms_server.cursors));
  bson_append_document_end (c->reply, &sub);
  return TRUE;
}

gboolean
ms_cmd_end_sessions (MsCmd *c, MsErr **err)
{
  return TRUE;
}

gboolean
ms_cmd_get_parameter (MsCmd *c, MsErr **err)
{
  bson_iter_t it;

  if (bson_iter_init_find (&it, c->cmd, "featureCompatibilityVersion"))
    {
      bson_t fcv;
      BSON_APPEND_DOCUMENT_BEGIN (c->reply, "featureCompatibilityVersion", &fcv);
      BSON_APPEND_UTF8 (&fcv, "version", "6.0");
      bson_append_document_end (c->reply, &fcv);
    }
  return TRUE;
}

gboolean
ms_cmd_repl_set_get_status (MsCmd *c, MsErr **err)
{
  bson_t members, m;

  if (ms_server.replset == NULL)
    {
      ms_err_set (err, 76, "not running with --replSet");
      return FALSE;
    }
  BSON_APPEND_UTF8 (c->reply, "set", ms_server.replset);
  BSON_APPEND_DATE_TIME (c->reply, "date", g_get_real_time () / 1000);
  BSON_APPEND_INT32 (c->reply, "myState", ms_server.stepped_down ? 2 : 1);
  BSON_APPEND_ARRAY_BEGIN (c->reply, "members", &members);
  BSON_APPEND_DOCUMENT_BEGIN (&members, "0", &m);
  BSON_APPEND_INT32 (&m, "_id", 0);
  BSON_APPEND_UTF8 (&m, "name", ms_server.host);
  BSON_APPEND_DOUBLE (&m, "health", 1.0);
  BSON_APPEND_INT32 (&m, "state", ms_server.stepped_down ? 2 : 1);
  BSON_APPEND_UTF8 (&m, "stateStr", ms_server.stepped_down ? "SECONDARY" : "PRIMARY");
  BSON_APPEND_BOOL (&m, "self", TRUE);
  bson_append_document_end (&members, &m);
  bson_append_array_end (c->reply, &members);
  return TRUE;
}

/* Stepping down: the node is a secondary for stepDownSecs, every other
 * connection is closed (drivers see a network error and rediscover), and
 * operations blocked in the server are interrupted with 11602. */
gboolean
ms_cmd_repl_set_step_down (MsCmd *c, MsErr **err)
{
  bson_iter_t it;
  gint64 secs = 60;

  if (ms_server.replset == NULL)
    {
      ms_err_set (err, 76, "not running with --replSet");
      return FALSE;
    }
  if (ms_server.stepped_down && g_get_monotonic_time () < ms_server.stepdown_until)
    {
      ms_err_set (err, MS_NOT_WRITABLE_PRIMARY, "not primary so can't step down");
      return FALSE;
    }
  if (bson_iter_init_find (&it, c->cmd, "replSetStepDown") && (BSON_ITER_HOLDS_NUMBER (&it)))
    secs = bson_iter_as_int64 (&it);
  if (secs < 0)
    {
      ms_err_set (err, MS_BAD_VALUE, "stepdown period must be a positive integer");
      return FALSE;
    }
  ms_server.stepped_down = TRUE;
  ms_server.stepdown_until = g_get_monotonic_time () + secs * G_USEC_PER_SEC;
  ms_server.stepdown_epoch++;
  g_cond_broadcast (&ms_server.oplog_cond);
  for (guint i = 0; i < ms_server.conns->len; i++)
    {
      MsConn *other = g_ptr_array_index (ms_server.conns, i);
      if (other != c->conn)
        ms_conn_close (other);
    }
  c->conn->close_after_reply = FALSE;
  return TRUE;
}

/* ------------------------------------------------------------- databases */

static gint64
coll_size (MsColl *coll)
{
  gint64 size = 0;

  for (GList *l = coll->docs.head; l; l = l->next)
    size += (gint64) g_bytes_get_size (l->data);
  return size;
}

gboolean
ms_cmd_list_databases (MsCmd *c, MsErr **err)
{
  bson_iter_t it;
  gboolean name_only = bson_iter_init_find (&it, c->cmd, "nameOnly") && bson_iter_as_bool (&it);
  const bson_t *filter = NULL;
  bson_t filter_doc;
  GList *names = g_list_sort (g_hash_table_get_keys (ms_server.dbs), (GCompareFunc) strcmp);
  bson_t arr;
  guint i = 0;
  gint64 total = 0;

  if (bson_iter_init_find (&it, c->cmd, "filter") && BSON_ITER_HOLDS_DOCUMENT (&it))
    {
      bson_value_t v = *bson_iter_value (&it);
      ms_value_doc (&v, &filter_doc);
      filter = &filter_doc;
      if (!ms_query_check (filter, err))
        {
          g_list_free (names);
          return FALSE;
        }
    }
  BSON_APPEND_ARRAY_BEGIN (c->reply, "databases", &arr);
  for (GList *l = names; l; l = l->next)
    {
      MsDb *d = ms_db_lookup (l->data);
      GHashTableIter hi;
      gpointer value;
      gint64 size = 0;
      bson_t entry = BSON_INITIALIZER;
      char key[16];
      const char *k;

      if (g_hash_table_size (d->colls) == 0)
        continue;
      g_hash_table_iter_init (&hi, d->colls);
      while (g_hash_table_iter_next (&hi, NULL, &value))
        size += coll_size (value);
      size = MAX (size, 4096);
      total += size;
      BSON_APPEND_UTF8 (&entry, "name", d->name);
      if (!name_only)
        {
          BSON_APPEND_INT64 (&entry, "sizeOnDisk", size);
          BSON_APPEND_BOOL (&entry, "empty", FALSE);
        }
      if (filter == NULL || ms_match (&entry, filter))
        {
          bson_uint32_to_string (i++, &k, key, sizeof key);
          bson_append_document (&arr, k, -1, &entry);
        }
      bson_destroy (&entry);
    }
  bson_append_array_end (c->reply, &arr);
  if (!name_only)
    {
      BSON_APPEND_INT64 (c->reply, "totalSize", total);
      BSON_APPEND_INT64 (c->reply, "totalSizeMb", total / (1024 * 1024));
    }
  g_list_free (names);
  return TRUE;
}

static void
append_coll_options (bson_t *doc, MsColl *coll)
{
  bson_t opts, images;

  BSON_APPEND_DOCUMENT_BEGIN (doc, "options", &opts);
  if (coll->validator != NULL)
    {
      BSON_APPEND_DOCUMENT (&opts, "validator", coll->validator);
      BSON_APPEND_UTF8 (&opts, "validationLevel", coll->validation_level ? coll->validation_level : "strict");
      BSON_APPEND_UTF8 (&opts, "validationAction", coll->validation_action ? coll->validation_action : "error");
    }
  if (coll->images)
    {
      BSON_APPEND_DOCUMENT_BEGIN (&opts, "changeStreamPreAndPostImages", &images);
      BSON_APPEND_BOOL (&images, "enabled", TRUE);
      bson_append_document_end (&opts, &images);
    }
  bson_append_document_end (doc, &opts);
}

gboolean
ms_cmd_list_collections (MsCmd *c, MsErr **err)
{
  bson_iter_t it;
  gboolean name_only = bson_iter_init_find (&it, c->cmd, "nameOnly") && bson_iter_as_bool (&it);
  const bson_t *filter = NULL;
  bson_t filter_doc, batch = BSON_INITIALIZER;
  MsDb *d = ms_db_lookup (c->db);
  GList *names = d ? g_list_sort (g_hash_table_get_keys (d->colls), (GCompareFunc) strcmp) : NULL;
  guint i = 0;
  g_autofree char *ns = g_strdup_printf ("%s.$cmd.listCollections", c->db);

  if (bson_iter_init_find (&it, c->cmd, "filter") && BSON_ITER_HOLDS_DOCUMENT (&it))
    {
      bson_value_t v = *bson_iter_value (&it);
      ms_value_doc (&v, &filter_doc);
      filter = &filter_doc;
      if (!ms_query_check (filter, err))
        {
          g_list_free (names);
          return FALSE;
        }
    }
  for (GList *l = names; l; l = l->next)
    {
      MsColl *coll = g_hash_table_lookup (d->colls, l->data);
      bson_t entry = BSON_INITIALIZER, info, id_index, key;
      char kbuf[16];
      const char *k;

      BSON_APPEND_UTF8 (&entry, "name", coll->name);
      BSON_APPEND_UTF8 (&entry, "type", "collection");
      if (!name_only)
        {
          append_coll_options (&entry, coll);
          BSON_APPEND_DOCUMENT_BEGIN (&entry, "info", &info);
          BSON_APPEND_BOOL (&info, "readOnly", FALSE);
          append_uuid (&info, "uuid", coll->uuid);
          bson_append_document_end (&entry, &info);
          BSON_APPEND_DOCUMENT_BEGIN (&entry, "idIndex", &id_index);
          BSON_APPEND_INT32 (&id_index, "v", 2);
          BSON_APPEND_DOCUMENT_BEGIN (&id_index, "key", &key);
          BSON_APPEND_INT32 (&key, "_id", 1);
          bson_append_document_end (&id_index, &key);
          BSON_APPEND_UTF8 (&id_index, "name", "_id_");
          bson_append_document_end (&entry, &id_index);
        }
      if (filter == NULL || ms_match (&entry, filter))
        {
          bson_uint32_to_string (i++, &k, kbuf, sizeof kbuf);
          bson_append_document (&batch, k, -1, &entry);
        }
      bson_destroy (&entry);
    }
  g_list_free (names);
  ms_reply_cursor (c->reply, 0, ns, "firstBatch", &batch, NULL);
  bson_destroy (&batch);
  return TRUE;
}

static gboolean
parse_coll_options (MsCmd *c, MsColl *coll, gboolean coll_mod, MsErr **err)
{
  bson_iter_t it;

  if (!bson_iter_init (&it, c->cmd))
    return FALSE;
  bson_iter_next (&it);
  while (bson_iter_next (&it))
    {
      const char *k = bson_iter_key (&it);

      if (g_str_equal (k, "validator"))
        {
          bson_value_t v = *bson_iter_value (&it);
          bson_t doc;

          if (v.value_type != BSON_TYPE_DOCUMENT)
            {
              ms_err_set (err, MS_TYPE_MISMATCH, "'validator' has to be a document");
              return FALSE;
            }
          ms_value_doc (&v, &doc);
          if (!ms_query_check (&doc, err))
            return FALSE;
          g_clear_pointer (&coll->validator, bson_destroy);
          if (!bson_empty (&doc))
            coll->validator = bson_copy (&doc);
        }
      else if (g_str_equal (k, "validationLevel") && BSON_ITER_HOLDS_UTF8 (&it))
        {
          g_free (coll->validation_level);
          coll->validation_level = g_strdup (bson_iter_utf8 (&it, NULL));
        }
      else if (g_str_equal (k, "validationAction") && BSON_ITER_HOLDS_UTF8 (&it))
        {
          g_free (coll->validation_action);
          coll->validation_action = g_strdup (bson_iter_utf8 (&it, NULL));
        }
      else if (g_str_equal (k, "changeStreamPreAndPostImages"))
        {
          bson_iter_t sub;

          if (!BSON_ITER_HOLDS_DOCUMENT (&it) || !bson_iter_recurse (&it, &sub) ||
              !bson_iter_find (&sub, "enabled"))
            {
              ms_err_set (err, 40414, "BSON field 'changeStreamPreAndPostImages.enabled' is missing but a "
                          "required field");
              return FALSE;
            }
          coll->images = bson_iter_as_bool (&sub);
        }
    }
  return TRUE;
}

gboolean
ms_cmd_create (MsCmd *c, MsErr **err)
{
  g_autofree char *name = NULL;
  MsColl *coll;

  if (!ms_cmd_target (c, &name, err))
    return FALSE;
  coll = ms_coll_create (c->db, name, err);
  if (coll == NULL)
    return FALSE;
  if (!parse_coll_options (c, coll, FALSE, err))
    {
      ms_coll_drop (coll, FALSE);
      return FALSE;
    }
  return TRUE;
}

gboolean
ms_cmd_coll_mod (MsCmd *c, MsErr **err)
{
  g_autofree char *name = NULL;
  MsColl *coll;

  if (!ms_cmd_target (c, &name, err))
    return FALSE;
  coll = ms_coll_lookup (c->db, name);
  if (coll == NULL)
    {
      ms_err_set (err, MS_NAMESPACE_NOT_FOUND, "ns does not exist");
      return FALSE;
    }
  return parse_coll_options (c, coll, TRUE, err);
}

gboolean
ms_cmd_drop (MsCmd *c, MsErr **err)
{
  g_autofree char *name = NULL;
  MsColl *coll;

  if (!ms_cmd_target (c, &name, err))
    return FALSE;
  coll = ms_coll_lookup (c->db, name);
  if (coll == NULL)
    {
      ms_err_set (err, MS_NAMESPACE_NOT_FOUND, "ns not found");
      return FALSE;
    }
  BSON_APPEND_INT32 (c->reply, "nIndexesWas", (gint32) coll->indexes->len);
  BSON_APPEND_UTF8 (c->reply, "ns", coll->ns);
  ms_coll_drop (coll, TRUE);
  return TRUE;
}

gboolean
ms_cmd_drop_database (MsCmd *c, MsErr **err)
{
  if (ms_db_lookup (c->db) != NULL)
    {
      ms_db_drop (c->db);
      BSON_APPEND_UTF8 (c->reply, "dropped", c->db);
    }
  return TRUE;
}

/* ----------------------------------------------------------------- indexes */

static gboolean
same_options (const bson_t *a, const bson_t *b)
{
  bson_iter_t x, y;
  gboolean ua = bson_iter_init_find (&x, a, "unique") && bson_iter_as_bool (&x);
  gboolean ub = bson_iter_init_find (&y, b, "unique") && bson_iter_as_bool (&y);

  return ua == ub;
}

gboolean
ms_cmd_create_indexes (MsCmd *c, MsErr **err)
{
  g_autofree char *name = NULL;
  MsColl *coll;
  bson_iter_t it, ai;
  gboolean created = FALSE;
  gint32 before;
  guint added = 0;

  if (!ms_cmd_target (c, &name, err))
    return FALSE;
  if (!bson_iter_init_find (&it, c->cmd, "indexes") || !BSON_ITER_HOLDS_ARRAY (&it))
    {
      ms_err_set (err, MS_FAILED_TO_PARSE, "BSON field 'createIndexes.indexes' is missing but a required field");
      return FALSE;
    }
  coll = ms_coll_lookup (c->db, name);
  if (coll == NULL)
    {
      coll = ms_coll_create (c->db, name, err);
      if (coll == NULL)
        return FALSE;
      created = TRUE;
    }
  before = (gint32) coll->indexes->len;
  bson_iter_recurse (&it, &ai);
  while (bson_iter_next (&ai))
    {
      bson_t spec;
      bson_value_t sv = *bson_iter_value (&ai);
      MsIndex *index;
      gboolean skip = FALSE;

      if (sv.value_type != BSON_TYPE_DOCUMENT)
        {
          ms_err_set (err, MS_TYPE_MISMATCH, "The field 'indexes' must be an array of objects");
          return FALSE;
        }
      ms_value_doc (&sv, &spec);
      index = ms_index_new (&spec);
      if (bson_empty (index->key))
        {
          ms_index_free (index);
          ms_err_set (err, 67, "Index key pattern must not be empty");
          return FALSE;
        }
      for (guint i = 0; i < coll->indexes->len && !skip; i++)
        {
          MsIndex *old = g_ptr_array_index (coll->indexes, i);
          gboolean same_key = bson_equal (old->key, index->key);
          gboolean same_name = g_str_equal (old->name, index->name);

          if (same_key && same_name && same_options (old->spec, &spec))
            skip = TRUE;
          else if (same_name)
            {
              g_autofree char *a = ms_doc_to_shell (&spec);
              g_autofree char *b = ms_doc_to_shell (old->spec);
              ms_err_set (err, MS_INDEX_KEY_SPECS_CONFLICT,
                          "An existing index has the same name as the requested index. When index names are "
                          "not specified, they are auto generated and can cause conflicts. Please refer to "
                          "our documentation. Requested index: %s, existing index: %s", a, b);
              ms_index_free (index);
              return FALSE;
            }
          else if (same_key)
            {
              ms_err_set (err, MS_INDEX_OPTIONS_CONFLICT, "Index already exists with a different name: %s",
                          old->name);
              ms_index_free (index);
              return FALSE;
            }
        }
      if (skip)
        {
          ms_index_free (index);
          continue;
        }
      {
        /* keep the spec shaped like listIndexes output: v, key, name, … */
        bson_t *shaped = bson_new ();
        bson_iter_t si;

        BSON_APPEND_INT32 (shaped, "v", 2);
        BSON_APPEND_DOCUMENT (shaped, "key", index->key);
        BSON_APPEND_UTF8 (shaped, "name", index->name);
        if (bson_iter_init (&si, &spec))
          while (bson_iter_next (&si))
            if (!g_str_equal (bson_iter_key (&si), "key") && !g_str_equal (bson_iter_key (&si), "name") &&
                !g_str_equal (bson_iter_key (&si), "v") && !g_str_equal (bson_iter_key (&si), "ns"))
              bson_append_value (shaped, bson_iter_key (&si), -1, bson_iter_value (&si));
        bson_destroy (index->spec);
        index->spec = shaped;
      }
      if (!ms_coll_add_index (coll, index, err))
        {
          ms_index_free (index);
          return FALSE;
        }
      added++;
    }
  BSON_APPEND_INT32 (c->reply, "numIndexesBefore", before);
  BSON_APPEND_INT32 (c->reply, "numIndexesAfter", (gint32) coll->indexes->len);
  if (added == 0)
    BSON_APPEND_UTF8 (c->reply, "note", "all indexes already exist");
  BSON_APPEND_BOOL (c->reply, "createdCollectionAutomatically", created);
  return TRUE;
}

gboolean
ms_cmd_list_indexes (MsCmd *c, MsErr **err)
{
  g_autofree char *name = NULL;
  MsColl *coll;
  bson_t batch = BSON_INITIALIZER;

  if (!ms_cmd_target (c, &name, err))
    return FALSE;
  coll = ms_coll_lookup (c->db, name);
  if (coll == NULL)
    {
      ms_err_set (err, MS_NAMESPACE_NOT_FOUND, "ns does not exist: %s.%s", c->db, name);
      return FALSE;
    }
  for (guint i = 0; i < coll->indexes->len; i++)
    {
      MsIndex *index = g_ptr_array_index (coll->indexes, i);
      char key[16];
      const char *k;

      bson_uint32_to_string (i, &k, key, sizeof key);
      bson_append_document (&batch, k, -1, index->spec);
    }
  ms_reply_cursor (c->reply, 0, coll->ns, "firstBatch", &batch, NULL);
  bson_destroy (&batch);
  return TRUE;
}

static gboolean
drop_one_index (MsColl *coll, const bson_value_t *which, MsErr **err)
{
  for (guint i = 0; i < coll->indexes->len; i++)
    {
      MsIndex *index = g_ptr_array_index (coll->indexes, i);
      gboolean hit;

      if (which->value_type == BSON_TYPE_UTF8)
        hit = g_str_equal (index->name, which->value.v_utf8.str);
      else
        {
          bson_t key;
          ms_value_doc (which, &key);
          hit = bson_equal (index->key, &key);
        }
      if (hit)
        {
          if (i == 0)
            {
              ms_err_set (err, MS_INVALID_OPTIONS, "cannot drop _id index");
              return FALSE;
            }
          g_ptr_array_remove_index (coll->indexes, i);
          return TRUE;
        }
    }
  if (which->value_type == BSON_TYPE_UTF8)
    ms_err_set (err, MS_INDEX_NOT_FOUND, "index not found with name [%s]", which->value.v_utf8.str);
  else
    {
      bson_t key;
      g_autofree char *shell = NULL;
      ms_value_doc (which, &key);
      shell = ms_doc_to_shell (&key);
      ms_err_set (err, MS_INDEX_NOT_FOUND, "can't find index with key: %s", shell);
    }
  return FALSE;
}

gboolean
ms_cmd_drop_indexes (MsCmd *c, MsErr **err)
{
  g_autofree char *name = NULL;
  MsColl *coll;
  bson_iter_t it;
  const bson_value_t *which;

  if (!ms_cmd_target (c, &name, err))
    return FALSE;
  coll = ms_coll_lookup (c->db, name);
  if (coll == NULL)
    {
      ms_err_set (err, MS_NAMESPACE_NOT_FOUND, "ns not found %s.%s", c->db, name);
      return FALSE;
    }
  if (!bson_iter_init_find (&it, c->cmd, "index"))
    {
      ms_err_set (err, MS_FAILED_TO_PARSE, "BSON field 'dropIndexes.index' is missing but a required field");
      return FALSE;
    }
  BSON_APPEND_INT32 (c->reply, "nIndexesWas", (gint32) coll->indexes->len);
  which = bson_iter_value (&it);
  if (which->value_type == BSON_TYPE_UTF8 && g_str_equal (which->value.v_utf8.str, "*"))
    {
      g_ptr_array_set_size (coll->indexes, 1);
      return TRUE;
    }
  if (which->value_type == BSON_TYPE_ARRAY)
    {
      bson_t arr;
      bson_iter_t ai;

      ms_value_doc (which, &arr);
      if (bson_iter_init (&ai, &arr))
        while (bson_iter_next (&ai))
          if (!drop_one_index (coll, bson_iter_value (&ai), err))
            return FALSE;
      return TRUE;
    }
  return drop_one_index (coll, which, err);
}
