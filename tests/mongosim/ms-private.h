/* ms-private.h — internals shared by the parts of mongosim
 *
 * mongosim is a test fixture: a MongoDB 6.0 replica-set primary simulator.
 * All data lives behind one global lock (ms_server.lock); connection threads
 * parse and write outside it and run commands inside it.
 */
#pragma once

#include <glib.h>
#include <gio/gio.h>
#include <bson/bson.h>

G_BEGIN_DECLS

/* Server error codes used here (names in ms_code_name ()). */
enum
{
  MS_INTERNAL_ERROR = 1,
  MS_BAD_VALUE = 2,
  MS_NO_SUCH_KEY = 4,
  MS_FAILED_TO_PARSE = 9,
  MS_UNAUTHORIZED = 13,
  MS_TYPE_MISMATCH = 14,
  MS_AUTHENTICATION_FAILED = 18,
  MS_ILLEGAL_OPERATION = 20,
  MS_INVALID_BSON = 22,
  MS_NAMESPACE_NOT_FOUND = 26,
  MS_INDEX_NOT_FOUND = 27,
  MS_PATH_NOT_VIABLE = 28,
  MS_CONFLICTING_UPDATE_OPERATORS = 40,
  MS_CURSOR_NOT_FOUND = 43,
  MS_NAMESPACE_EXISTS = 48,
  MS_DOLLAR_PREFIXED_FIELD_NAME = 52,
  MS_EMPTY_FIELD_NAME = 56,
  MS_COMMAND_NOT_FOUND = 59,
  MS_IMMUTABLE_FIELD = 66,
  MS_INVALID_OPTIONS = 72,
  MS_INVALID_NAMESPACE = 73,
  MS_INDEX_OPTIONS_CONFLICT = 85,
  MS_INDEX_KEY_SPECS_CONFLICT = 86,
  MS_DOCUMENT_VALIDATION_FAILURE = 121,
  MS_MAX_TIME_MS_EXPIRED = 50,
  MS_TRANSACTION_TOO_OLD = 225,
  MS_INVALID_RESUME_TOKEN = 260,
  MS_CHANGE_STREAM_FATAL_ERROR = 280,
  MS_CHANGE_STREAM_HISTORY_LOST = 286,
  MS_NO_MATCHING_DOCUMENT = 47,
  MS_LOCATION_40573 = 40573,
  MS_LOCATION_40324 = 40324,
  MS_DUPLICATE_KEY = 11000,
  MS_NOT_WRITABLE_PRIMARY = 10107,
  MS_INTERRUPTED_DUE_TO_REPL_STATE_CHANGE = 11602,
  MS_NOT_PRIMARY_NO_SECONDARY_OK = 13435,
  MS_BSON_OBJECT_TOO_LARGE = 10334,
};

#define MS_MAX_BSON_SIZE (16 * 1024 * 1024)
#define MS_MAX_MESSAGE_SIZE 48000000
#define MS_MAX_WRITE_BATCH 100000

/* An error as the server reports it: code, message, optional extra fields
 * (keyPattern, keyValue, errInfo…) and error labels. */
typedef struct
{
  int code;
  char *msg;
  bson_t *extra;
  GPtrArray *labels;
} MsErr;

void ms_err_set (MsErr **err, int code, const char *fmt, ...) G_GNUC_PRINTF (3, 4);
void ms_err_free (MsErr *err);
void ms_err_add_label (MsErr *err, const char *label);
const char *ms_code_name (int code);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (MsErr, ms_err_free)

/* ---------------------------------------------------------------- storage */

typedef struct
{
  char *name;
  bson_t *key;            /* key pattern */
  bson_t *spec;           /* full spec as listIndexes shows it */
  gboolean unique;
  gboolean sparse;
  GHashTable *entries;    /* unique only: key string -> GList node */
} MsIndex;

typedef struct
{
  char *db;
  char *name;
  char *ns;
  guint8 uuid[16];
  GQueue docs;            /* GBytes* (BSON), natural order */
  GHashTable *by_id;      /* normalized _id key (GBytes) -> GList node */
  GTree *id_order;        /* GList node -> GList node, ordered by _id */
  GPtrArray *indexes;     /* MsIndex*, [0] is _id_ (entries unused) */
  bson_t *validator;      /* NULL when none */
  char *validation_level;
  char *validation_action;
  gboolean images;        /* changeStreamPreAndPostImages.enabled */
} MsColl;

typedef struct
{
  char *name;
  GHashTable *colls;      /* name -> MsColl* */
} MsDb;

typedef enum
{
  MS_OP_INSERT,
  MS_OP_UPDATE,
  MS_OP_REPLACE,
  MS_OP_DELETE,
  MS_OP_DROP,
  MS_OP_DROP_DATABASE,
} MsOpType;

typedef struct
{
  guint64 ts;             /* Timestamp as (t << 32) | i */
  gint64 wall_ms;
  MsOpType op;
  const char *db;         /* interned */
  const char *coll;       /* interned, NULL for dropDatabase */
  GBytes *key;            /* unused: documentKey comes from post or pre */
  GBytes *post;           /* document after the write */
  GBytes *pre;            /* document before the write */
  gboolean images;        /* pre/post images recorded for this write */
  GBytes *desc;           /* updateDescription */
} MsOplogEntry;

typedef struct _MsConn MsConn;
typedef struct _MsCursor MsCursor;

typedef struct
{
  /* options */
  char *bind;
  guint16 port;
  char *replset;          /* NULL when standalone */
  guint oplog_size;
  char *auth_user;
  char *auth_password;
  char *dbpath;
  gboolean verbose;
  char *host;             /* "127.0.0.1:PORT" */

  GMutex lock;
  GCond oplog_cond;       /* broadcast after commits and at step-down */
  guint waiters;          /* threads waiting on oplog_cond */
  gboolean committed;     /* an oplog entry since the last broadcast */

  GHashTable *dbs;        /* name -> MsDb* */
  GHashTable *cursors;    /* gint64* -> MsCursor* */
  GHashTable *sessions;   /* lsid key -> MsSession* */

  /* bounded oplog: a ring of capacity oplog_size */
  MsOplogEntry **oplog;
  guint oplog_head;
  guint oplog_len;
  guint64 oplog_start_ts; /* first ts this server can serve */
  guint64 oplog_lost_ts;  /* newest ts that fell out, 0 when none */
  guint64 last_ts;

  /* topology */
  gboolean stepped_down;
  gint64 stepdown_until;  /* monotonic us */
  guint stepdown_epoch;
  bson_oid_t process_id;
  gint64 election_term;

  GPtrArray *conns;       /* MsConn* alive */
  guint64 next_conn_id;
  guint64 total_conns;
  gint64 start_time;

  /* counters for serverStatus */
  gint64 n_insert, n_query, n_update, n_delete, n_getmore, n_command;
} MsServer;

extern MsServer ms_server;

/* ms-storage.c */
void ms_storage_init (void);
MsDb *ms_db_lookup (const char *name);
MsColl *ms_coll_lookup (const char *db, const char *name);
MsColl *ms_coll_create (const char *db, const char *name, MsErr **err);
MsColl *ms_coll_get_or_create (const char *db, const char *name, MsErr **err);
gboolean ms_coll_valid_name (const char *db, const char *name, MsErr **err);
void ms_coll_drop (MsColl *coll, gboolean log);
void ms_db_drop (const char *name);
GList *ms_coll_find_id (MsColl *coll, const bson_value_t *id);
int ms_node_id_cmp (gconstpointer a, gconstpointer b, gpointer unused);
gboolean ms_coll_check_unique (MsColl *coll, const bson_t *doc, GList *self, MsErr **err);
gboolean ms_coll_insert (MsColl *coll, GBytes *doc, MsErr **err);
gboolean ms_coll_replace (MsColl *coll, GList *node, GBytes *doc, MsErr **err);
void ms_coll_remove (MsColl *coll, GList *node);
MsIndex *ms_index_new (const bson_t *spec);
void ms_index_free (MsIndex *index);
gboolean ms_coll_add_index (MsColl *coll, MsIndex *index, MsErr **err);
char *ms_index_default_name (const bson_t *key);
gboolean ms_validate_doc (MsColl *coll, const bson_t *doc, MsErr **err);
guint64 ms_next_ts (void);
void ms_oplog_append (MsOplogEntry *entry);
void ms_oplog_notify (void);
void ms_wait_until (gint64 deadline);
MsOplogEntry *ms_oplog_entry_new (MsOpType op, const char *db, const char *coll);
void ms_oplog_entry_free (MsOplogEntry *entry);
gboolean ms_snapshot_save (GError **error);
gboolean ms_snapshot_load (GError **error);

/* a GBytes of BSON as a static bson_t */
static inline void
ms_bytes_bson (GBytes *bytes, bson_t *out)
{
  gsize len;
  const guint8 *data = g_bytes_get_data (bytes, &len);
  bson_init_static (out, data, len);
}
GBytes *ms_bson_to_bytes (const bson_t *doc);

/* ms-value.c: comparison and keys in MongoDB's order */
int ms_type_order (bson_type_t type);
int ms_value_cmp (const bson_value_t *a, const bson_value_t *b);
gboolean ms_value_equal (const bson_value_t *a, const bson_value_t *b);
gboolean ms_value_is_number (const bson_value_t *v);
double ms_value_as_double (const bson_value_t *v);
gint64 ms_value_as_int64 (const bson_value_t *v);
gboolean ms_value_truthy (const bson_value_t *v);
void ms_value_key (GString *out, const bson_value_t *v);
void ms_value_to_shell (GString *out, const bson_value_t *v);
char *ms_doc_to_shell (const bson_t *doc);
void ms_value_doc (const bson_value_t *v, bson_t *out);
const char *ms_type_alias (bson_type_t type);
gboolean ms_lookup_path (const bson_t *doc, const char *path, bson_value_t *out);

/* ms-match.c: the query language */
gboolean ms_query_check (const bson_t *filter, MsErr **err);
gboolean ms_match (const bson_t *doc, const bson_t *filter);
gboolean ms_match_value_ops (const bson_value_t *value, const bson_t *ops);
gboolean ms_value_is_operator_doc (const bson_value_t *v);

/* ms-update.c: update operators */
typedef struct
{
  gboolean is_upsert_insert;
  gboolean changed;
  bson_t *desc;           /* updateDescription out, may be NULL */
} MsUpdateResult;
gboolean ms_update_is_operator_doc (const bson_t *update);
gboolean ms_update_check (const bson_t *update, MsErr **err);
gboolean ms_update_apply (const bson_t *doc, const bson_t *update, gboolean upsert_insert,
                          bson_t *out, bson_t *desc, MsErr **err);
gboolean ms_update_replace (const bson_t *old_doc, const bson_t *replacement,
                            bson_t *out, MsErr **err);
void ms_update_upsert_seed (const bson_t *query, bson_t *out);
void ms_update_diff (const bson_t *before, const bson_t *after, bson_t *desc);

/* ms-project.c: projection and sort */
typedef struct _MsSort MsSort;
MsSort *ms_sort_new (const bson_t *spec, MsErr **err);
void ms_sort_free (MsSort *sort);
void ms_sort_docs (MsSort *sort, GPtrArray *docs);
gboolean ms_projection_check (const bson_t *proj, MsErr **err);
void ms_project (const bson_t *doc, const bson_t *proj, bson_t *out);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (MsSort, ms_sort_free)

/* ms-aggregate.c */
gboolean ms_pipeline_run (GPtrArray *docs, const bson_t *pipeline, guint first_stage,
                          GPtrArray **out, MsErr **err);
void ms_expr_eval (const bson_t *doc, const bson_value_t *expr, bson_t *holder, bson_value_t *out);

/* ------------------------------------------------------------ connections */

struct _MsConn
{
  gint ref;
  guint64 id;
  int fd;
  char *peer;
  GMutex write_lock;
  char *app_name;
  gboolean closed;
  gboolean authenticated;
  gpointer scram;         /* MsScram* during a conversation */
  gint sasl_conversation;
  gboolean close_after_reply;
};

MsConn *ms_conn_ref (MsConn *conn);
void ms_conn_unref (MsConn *conn);
void ms_conn_close (MsConn *conn);
void ms_conn_serve (MsConn *conn);

/* ms-wire.c: messages */
enum
{
  MS_OP_REPLY = 1,
  MS_OP_QUERY = 2004,
  MS_OP_COMPRESSED = 2012,
  MS_OP_MSG = 2013,
};

typedef struct
{
  gint32 request_id;
  gint32 opcode;
  guint32 flags;
  gboolean more_to_come;
  gboolean exhaust_allowed;
  bson_t *body;           /* OP_MSG body merged with document sequences,
                           * or the OP_QUERY query (unwrapped $query) */
  char *query_ns;         /* OP_QUERY only */
} MsRequest;

typedef enum
{
  MS_PARSE_OK,
  MS_PARSE_CLOSE,         /* framing is broken: close the connection */
  MS_PARSE_REPLY_ERROR,   /* answer with *err and keep going */
} MsParseResult;

MsParseResult ms_wire_parse (const guint8 *data, gsize len, MsRequest *req, MsErr **err);
void ms_request_clear (MsRequest *req);
GBytes *ms_wire_reply_msg (gint32 response_to, const bson_t *body);
GBytes *ms_wire_reply_query (gint32 response_to, const bson_t *body);

/* ms-dispatch.c */
typedef struct
{
  MsConn *conn;
  const char *db;
  const char *name;
  const bson_t *cmd;
  bson_t *reply;          /* command fields before ok */
  gboolean legacy;        /* came as OP_QUERY */
  gboolean no_cluster_time;
} MsCmd;

typedef gboolean (*MsCmdFunc) (MsCmd *c, MsErr **err);

GBytes *ms_dispatch (MsConn *conn, MsRequest *req);
void ms_append_cluster_time (bson_t *reply);
gboolean ms_check_writable (MsCmd *c, MsErr **err);
const char *ms_cmd_string (const bson_t *cmd, const char *key);
gboolean ms_cmd_target (MsCmd *c, char **coll_name, MsErr **err);
gboolean ms_is_retryable_code (int code);

/* handlers */
gboolean ms_cmd_hello (MsCmd *c, MsErr **err);
gboolean ms_cmd_ping (MsCmd *c, MsErr **err);
gboolean ms_cmd_build_info (MsCmd *c, MsErr **err);
gboolean ms_cmd_host_info (MsCmd *c, MsErr **err);
gboolean ms_cmd_server_status (MsCmd *c, MsErr **err);
gboolean ms_cmd_end_sessions (MsCmd *c, MsErr **err);
gboolean ms_cmd_list_databases (MsCmd *c, MsErr **err);
gboolean ms_cmd_list_collections (MsCmd *c, MsErr **err);
gboolean ms_cmd_create (MsCmd *c, MsErr **err);
gboolean ms_cmd_coll_mod (MsCmd *c, MsErr **err);
gboolean ms_cmd_drop (MsCmd *c, MsErr **err);
gboolean ms_cmd_drop_database (MsCmd *c, MsErr **err);
gboolean ms_cmd_create_indexes (MsCmd *c, MsErr **err);
gboolean ms_cmd_list_indexes (MsCmd *c, MsErr **err);
gboolean ms_cmd_drop_indexes (MsCmd *c, MsErr **err);
gboolean ms_cmd_insert (MsCmd *c, MsErr **err);
gboolean ms_cmd_update (MsCmd *c, MsErr **err);
gboolean ms_cmd_delete (MsCmd *c, MsErr **err);
gboolean ms_cmd_find_and_modify (MsCmd *c, MsErr **err);
gboolean ms_cmd_find (MsCmd *c, MsErr **err);
gboolean ms_cmd_get_more (MsCmd *c, MsErr **err);
gboolean ms_cmd_kill_cursors (MsCmd *c, MsErr **err);
gboolean ms_cmd_count (MsCmd *c, MsErr **err);
gboolean ms_cmd_distinct (MsCmd *c, MsErr **err);
gboolean ms_cmd_aggregate (MsCmd *c, MsErr **err);
gboolean ms_cmd_sasl_start (MsCmd *c, MsErr **err);
gboolean ms_cmd_sasl_continue (MsCmd *c, MsErr **err);
gboolean ms_cmd_configure_fail_point (MsCmd *c, MsErr **err);
gboolean ms_cmd_wait_for_fail_point (MsCmd *c, MsErr **err);
gboolean ms_cmd_repl_set_step_down (MsCmd *c, MsErr **err);
gboolean ms_cmd_get_parameter (MsCmd *c, MsErr **err);
gboolean ms_cmd_repl_set_get_status (MsCmd *c, MsErr **err);

/* ms-cursor.c */
struct _MsCursor
{
  gint64 id;
  char *db;
  char *coll;
  char *ns;
  GPtrArray *docs;        /* GBytes* results not yet returned */
  guint pos;
  bson_t *projection;
  gpointer stream;        /* MsChangeStream* for change streams */
  gint64 last_used;       /* monotonic us, for the idle timeout */
};
MsCursor *ms_cursor_new (const char *db, const char *coll, GPtrArray *docs);
void ms_cursor_free (MsCursor *cursor);
void ms_cursor_fill_batch (MsCursor *cursor, gint64 batch_size, gboolean first, bson_t *array, gboolean *exhausted);
void ms_reply_cursor (bson_t *reply, gint64 id, const char *ns, const char *batch_name,
                      const bson_t *batch, const bson_t *post_batch_token);

GPtrArray *ms_select_nodes (MsColl *coll, const bson_t *filter, gboolean multi);

/* ms-changestream.c */
gboolean ms_change_stream_open (MsCmd *c, const bson_t *pipeline, const char *coll, MsErr **err);
gboolean ms_change_stream_get_more (MsCmd *c, MsCursor *cursor, gint64 batch_size,
                                    gint64 max_time_ms, MsErr **err);
void ms_change_stream_free (gpointer stream);
gboolean ms_change_stream_kill (MsCursor *cursor);
gboolean ms_change_stream_busy (MsCursor *cursor);
void ms_cursor_sweep (void);

/* ms-auth.c */
gboolean ms_auth_required (const char *command);
void ms_auth_free_conversation (MsConn *conn);

/* ms-failpoint.c */
typedef enum
{
  MS_FAIL_NONE,
  MS_FAIL_ERROR,
  MS_FAIL_CLOSE,
} MsFailAction;

typedef struct
{
  MsFailAction action;
  int code;
  GPtrArray *labels;      /* NULL when the fail point gave none */
  gint64 block_ms;
  bson_t *write_concern_error;
} MsFailResult;

void ms_failpoint_check (MsConn *conn, const char *command, MsFailResult *result);
void ms_fail_result_clear (MsFailResult *result);

/* ms-session.c: retryable writes */
gboolean ms_retry_lookup (const bson_t *cmd, bson_t *reply, MsErr **err);
void ms_retry_record (const bson_t *cmd, const bson_t *reply);
gboolean ms_is_retryable_write (const char *command, const bson_t *cmd);

void ms_log (const char *fmt, ...) G_GNUC_PRINTF (1, 2);

G_END_DECLS
