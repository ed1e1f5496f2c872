/* ms-changestream.c — $changeStream over the bounded oplog
 *
 * A stream is a position in the oplog (the first cluster time it has not
 * read) plus its namespace and options.  Events are built from oplog
 * entries when read, in commit order; later pipeline stages run on the
 * event documents; a getMore waits on ms_server.oplog_cond (no polling)
 * until an event passes or maxAwaitTimeMS (default 1 s) ends.
 *
 * Resume tokens are {_data: hex} strings ordered like the server's:
 * "82" + 8-byte cluster time + "2B02" + kind + "04", kind 00 for a
 * high-water mark (position "before ts"), 80 for an event at ts, 81 for
 * the invalidate that follows a drop at ts.
 */
#define G_LOG_DOMAIN "mongosim"
#include "config.h"

#include <string.h>

#include "ms-private.h"

typedef enum
{
  LEVEL_COLLECTION,
  LEVEL_DATABASE,
  LEVEL_CLUSTER,
} Level;

enum
{
  KIND_HWM = 0x00,
  KIND_EVENT = 0x80,
  KIND_INVALIDATE = 0x81,
};

typedef struct
{
  Level level;
  char *db;
  char *coll;
  char *full_document;          /* default | updateLookup | whenAvailable | required */
  char *before_change;          /* off | whenAvailable | required */
  bson_t *pipeline;             /* the whole pipeline; stages from 1 apply */
  gboolean has_stages;
  guint64 pos;                  /* first cluster time not yet read */
  gboolean pending_invalidate;  /* an invalidate at pos - 1 still to deliver */
  gboolean invalidated;
  gboolean in_use;
  gboolean killed;
} Stream;

void
ms_change_stream_free (gpointer data)
{
  Stream *s = data;

  g_free (s->db);
  g_free (s->coll);
  g_free (s->full_document);
  g_free (s->before_change);
  g_clear_pointer (&s->pipeline, bson_destroy);
  g_free (s);
}

static void
append_token (bson_t *doc, const char *key, guint64 ts, int kind)
{
  bson_t tok;
  char hex[32];

  g_snprintf (hex, sizeof hex, "82%016" G_GINT64_MODIFIER "X2B02%02X04", ts, kind);
  bson_append_document_begin (doc, key, -1, &tok);
  BSON_APPEND_UTF8 (&tok, "_data", hex);
  bson_append_document_end (doc, &tok);
}

/* Decodes a resume token; FALSE with *err for anything malformed. */
static gboolean
parse_token (const bson_value_t *v, guint64 *ts, int *kind, MsErr **err)
{
  bson_t d;
  bson_iter_t it;
  const char *hex;
  char tsbuf[17], kbuf[3];

  if (v->value_type != BSON_TYPE_DOCUMENT)
    goto bad;
  ms_value_doc (v, &d);
  if (!bson_iter_init_find (&it, &d, "_data"))
    goto bad;
  if (!BSON_ITER_HOLDS_UTF8 (&it))
    {
      ms_err_set (err, MS_FAILED_TO_PARSE, "Bad resume token: _data of missing or of wrong type. Expected "
                  "string, got %s", ms_type_alias (bson_iter_type (&it)));
      return FALSE;
    }
  hex = bson_iter_utf8 (&it, NULL);
  if (strlen (hex) != 26 || !g_str_has_prefix (hex, "82") || strncmp (hex + 18, "2B02", 4) != 0 ||
      !g_str_has_suffix (hex, "04"))
    goto bad;
  for (const char *p = hex; *p; p++)
    if (!g_ascii_isxdigit (*p))
      goto bad;
  memcpy (tsbuf, hex + 2, 16);
  tsbuf[16] = '\0';
  memcpy (kbuf, hex + 22, 2);
  kbuf[2] = '\0';
  *ts = g_ascii_strtoull (tsbuf, NULL, 16);
  *kind = (int) g_ascii_strtoull (kbuf, NULL, 16);
  if (*kind != KIND_HWM && *kind != KIND_EVENT && *kind != KIND_INVALIDATE)
    goto bad;
  return TRUE;

bad:
  {
    bson_t holder = BSON_INITIALIZER;
    g_autofree char *shown = NULL;
    bson_append_value (&holder, "resumeToken", -1, v);
    shown = bson_as_relaxed_extended_json (&holder, NULL);
    ms_err_set (err, MS_FAILED_TO_PARSE, "Invalid resume token: %s", shown ? shown : "?");
    bson_destroy (&holder);
    return FALSE;
  }
}

static const char *
token_hex (const bson_value_t *v)
{
  bson_t d;
  bson_iter_t it;

  ms_value_doc (v, &d);
  return bson_iter_init_find (&it, &d, "_data") && BSON_ITER_HOLDS_UTF8 (&it) ? bson_iter_utf8 (&it, NULL) : "";
}

/* Index in the ring of the first entry with ts >= pos (oplog_len when none). */
static guint
oplog_seek (guint64 pos)
{
  guint lo = 0, hi = ms_server.oplog_len;
  guint cap = MAX (ms_server.oplog_size, 1);

  while (lo < hi)
    {
      guint mid = (lo + hi) / 2;
      MsOplogEntry *e = ms_server.oplog[(ms_server.oplog_head + mid) % cap];
      if (e->ts < pos)
        lo = mid + 1;
      else
        hi = mid;
    }
  return lo;
}

static MsOplogEntry *
oplog_at (guint i)
{
  return ms_server.oplog[(ms_server.oplog_head + i) % MAX (ms_server.oplog_size, 1)];
}

static gboolean
history_lost (guint64 pos, MsErr **err)
{
  if ((ms_server.oplog_lost_ts != 0 && pos <= ms_server.oplog_lost_ts) || pos < ms_server.oplog_start_ts)
    {
      ms_err_set (err, MS_CHANGE_STREAM_HISTORY_LOST, "Resume of change stream was not possible, as the resume "
                  "point may no longer be in the oplog.");
      ms_err_add_label (*err, "NonResumableChangeStreamError");
      return TRUE;
    }
  return FALSE;
}

static gboolean
internal_db (const char *db)
{
  return g_str_equal (db, "admin") || g_str_equal (db, "config") || g_str_equal (db, "local");
}

/* Does this entry concern the stream, and does it invalidate it? */
static gboolean
entry_visible (Stream *s, MsOplogEntry *e, gboolean *invalidates)
{
  *invalidates = FALSE;
  if (internal_db (e->db) || (e->coll != NULL && g_str_has_prefix (e->coll, "system.")))
    return FALSE;
  switch (s->level)
    {
    case LEVEL_COLLECTION:
      if (!g_str_equal (e->db, s->db) || e->op == MS_OP_DROP_DATABASE || g_strcmp0 (e->coll, s->coll) != 0)
        return FALSE;
      *invalidates = e->op == MS_OP_DROP;
      return TRUE;
    case LEVEL_DATABASE:
      if (!g_str_equal (e->db, s->db))
        return FALSE;
      *invalidates = e->op == MS_OP_DROP_DATABASE;
      return TRUE;
    case LEVEL_CLUSTER:
    default:
      return TRUE;
    }
}

static const char *
op_name (MsOpType op)
{
  switch (op)
    {
    case MS_OP_INSERT: return "insert";
    case MS_OP_UPDATE: return "update";
    case MS_OP_REPLACE: return "replace";
    case MS_OP_DELETE: return "delete";
    case MS_OP_DROP: return "drop";
    case MS_OP_DROP_DATABASE: return "dropDatabase";
    default: return "unknown";
    }
}

static void
append_bytes_doc (bson_t *doc, const char *key, GBytes *bytes)
{
  bson_t d;

  ms_bytes_bson (bytes, &d);
  bson_append_document (doc, key, -1, &d);
}

/* documentKey {_id}: from the document after the write, or before it */
static gboolean
document_key (MsOplogEntry *e, bson_t *key)
{
  GBytes *src = e->post ? e->post : e->pre;
  bson_t d;
  bson_iter_t it;

  bson_init (key);
  if (src == NULL)
    return FALSE;
  ms_bytes_bson (src, &d);
  if (!bson_iter_init_find (&it, &d, "_id"))
    return FALSE;
  bson_append_value (key, "_id", 3, bson_iter_value (&it));
  return TRUE;
}

static gboolean
build_event (Stream *s, MsOplogEntry *e, bson_t *ev, MsErr **err)
{
  bson_t ns, key;
  gboolean has_key = document_key (e, &key);

  append_token (ev, "_id", e->ts, KIND_EVENT);
  BSON_APPEND_UTF8 (ev, "operationType", op_name (e->op));
  BSON_APPEND_TIMESTAMP (ev, "clusterTime", (guint32) (e->ts >> 32), (guint32) e->ts);
  BSON_APPEND_DATE_TIME (ev, "wallTime", e->wall_ms);

  if (e->op == MS_OP_INSERT || e->op == MS_OP_REPLACE)
    append_bytes_doc (ev, "fullDocument", e->post);
  else if (e->op == MS_OP_UPDATE && !g_str_equal (s->full_document, "default"))
    {
      if (g_str_equal (s->full_document, "updateLookup"))
        {
          MsColl *coll = ms_coll_lookup (e->db, e->coll);
          bson_iter_t it;
          GList *node = NULL;

          if (coll != NULL && bson_iter_init_find (&it, &key, "_id"))
            node = ms_coll_find_id (coll, bson_iter_value (&it));
          if (node != NULL)
            append_bytes_doc (ev, "fullDocument", node->data);
          else
            BSON_APPEND_NULL (ev, "fullDocument");
        }
      else if (e->images)
        append_bytes_doc (ev, "fullDocument", e->post);
      else if (g_str_equal (s->full_document, "required"))
        {
          ms_err_set (err, MS_NO_MATCHING_DOCUMENT, "Change stream was configured to require a post-image for "
                      "all update, delete and replace events, but the post-image was not found for event: "
                      "{_id: ...}");
          ms_err_add_label (*err, "NonResumableChangeStreamError");
          bson_destroy (&key);
          return FALSE;
        }
      else
        BSON_APPEND_NULL (ev, "fullDocument");
    }

  BSON_APPEND_DOCUMENT_BEGIN (ev, "ns", &ns);
  BSON_APPEND_UTF8 (&ns, "db", e->db);
  if (e->coll != NULL)
    BSON_APPEND_UTF8 (&ns, "coll", e->coll);
  bson_append_document_end (ev, &ns);
  if (has_key)
    BSON_APPEND_DOCUMENT (ev, "documentKey", &key);
  bson_destroy (&key);
  if (e->op == MS_OP_UPDATE && e->desc != NULL)
    append_bytes_doc (ev, "updateDescription", e->desc);

  if ((e->op == MS_OP_UPDATE || e->op == MS_OP_REPLACE || e->op == MS_OP_DELETE) &&
      !g_str_equal (s->before_change, "off"))
    {
      if (e->images && e->pre != NULL)
        append_bytes_doc (ev, "fullDocumentBeforeChange", e->pre);
      else if (g_str_equal (s->before_change, "required"))
        {
          ms_err_set (err, MS_NO_MATCHING_DOCUMENT, "Change stream was configured to require a pre-image for "
                      "all update, delete and replace events, but the pre-image was not found for event: "
                      "{_id: ...}");
          ms_err_add_label (*err, "NonResumableChangeStreamError");
          return FALSE;
        }
      else
        BSON_APPEND_NULL (ev, "fullDocumentBeforeChange");
    }
  return TRUE;
}

static void
build_invalidate (guint64 ts, gint64 wall_ms, bson_t *ev)
{
  append_token (ev, "_id", ts, KIND_INVALIDATE);
  BSON_APPEND_UTF8 (ev, "operationType", "invalidate");
  BSON_APPEND_TIMESTAMP (ev, "clusterTime", (guint32) (ts >> 32), (guint32) ts);
  BSON_APPEND_DATE_TIME (ev, "wallTime", wall_ms);
}

/* Runs the stages after $changeStream; *out NULL when the event is
 * filtered out. */
static gboolean
apply_stages (Stream *s, const bson_t *ev, GBytes **out, MsErr **err)
{
  g_autoptr(GPtrArray) in = NULL;
  g_autoptr(GPtrArray) res = NULL;
  bson_t d;
  bson_iter_t a, b;

  *out = NULL;
  if (!s->has_stages)
    {
      *out = ms_bson_to_bytes (ev);
      return TRUE;
    }
  in = g_ptr_array_new_with_free_func ((GDestroyNotify) g_bytes_unref);
  g_ptr_array_add (in, ms_bson_to_bytes (ev));
  if (!ms_pipeline_run (in, s->pipeline, 1, &res, err))
    return FALSE;
  if (res->len == 0)
    return TRUE;
  ms_bytes_bson (g_ptr_array_index (res, 0), &d);
  if (!bson_iter_init_find (&a, &d, "_id") || !bson_iter_init_find (&b, ev, "_id") ||
      ms_value_cmp (bson_iter_value (&a), bson_iter_value (&b)) != 0)
    {
      ms_err_set (err, MS_CHANGE_STREAM_FATAL_ERROR, "Encountered an event whose _id field, which contains the "
                  "resume token, was modified by the pipeline. Modifying the _id field of an event makes it "
                  "impossible to resume the stream from that point. Only transformations that retain the "
                  "unmodified _id field are allowed.");
      ms_err_add_label (*err, "NonResumableChangeStreamError");
      return FALSE;
    }
  *out = g_bytes_ref (g_ptr_array_index (res, 0));
  return TRUE;
}

static void
append_event (bson_t *batch, guint *n, GBytes *ev, bson_t *last_token)
{
  bson_t d;
  char buf[16];
  const char *k;
  bson_iter_t it;

  ms_bytes_bson (ev, &d);
  bson_uint32_to_string ((*n)++, &k, buf, sizeof buf);
  bson_append_document (batch, k, -1, &d);
  if (bson_iter_init_find (&it, &d, "_id") && BSON_ITER_HOLDS_DOCUMENT (&it))
    {
      bson_value_t v = *bson_iter_value (&it);
      bson_t tok;
      ms_value_doc (&v, &tok);
      bson_reinit (last_token);
      bson_concat (last_token, &tok);
    }
}

/* Reads events from the stream's position into batch.  Returns the number
 * appended; *pbrt gets the post-batch resume token. */
static gboolean
read_events (Stream *s, gint64 batch_size, bson_t *batch, guint *n, bson_t *pbrt, MsErr **err)
{
  bson_t last_token = BSON_INITIALIZER;
  gboolean full = FALSE;
  guint i;

  if (history_lost (s->pos, err))
    {
      bson_destroy (&last_token);
      return FALSE;
    }
  if (s->pending_invalidate)
    {
      bson_t ev = BSON_INITIALIZER;
      GBytes *bytes;
      MsOplogEntry *e = NULL;
      guint idx = oplog_seek (s->pos - 1);

      if (idx < ms_server.oplog_len)
        e = oplog_at (idx);
      build_invalidate (s->pos - 1, e ? e->wall_ms : g_get_real_time () / 1000, &ev);
      bytes = ms_bson_to_bytes (&ev);
      append_event (batch, n, bytes, &last_token);
      g_bytes_unref (bytes);
      bson_destroy (&ev);
      s->pending_invalidate = FALSE;
      s->invalidated = TRUE;
    }
  for (i = oplog_seek (s->pos); !s->invalidated && i < ms_server.oplog_len; i++)
    {
      MsOplogEntry *e = oplog_at (i);
      gboolean invalidates;
      bson_t ev = BSON_INITIALIZER;
      GBytes *out = NULL;

      if ((batch_size >= 0 && *n >= batch_size) || batch->len > MS_MAX_BSON_SIZE - 1024 * 1024)
        {
          full = TRUE;
          break;
        }
      s->pos = e->ts + 1;
      if (!entry_visible (s, e, &invalidates))
        {
          bson_destroy (&ev);
          continue;
        }
      if (!build_event (s, e, &ev, err) || !apply_stages (s, &ev, &out, err))
        {
          bson_destroy (&ev);
          bson_destroy (&last_token);
          return FALSE;
        }
      if (out != NULL)
        {
          append_event (batch, n, out, &last_token);
          g_bytes_unref (out);
        }
      bson_destroy (&ev);
      if (invalidates)
        {
          if (batch_size >= 0 && *n >= batch_size)
            s->pending_invalidate = TRUE;
          else
            {
              bson_t inv = BSON_INITIALIZER;
              GBytes *bytes;

              build_invalidate (e->ts, e->wall_ms, &inv);
              bytes = ms_bson_to_bytes (&inv);
              append_event (batch, n, bytes, &last_token);
              g_bytes_unref (bytes);
              bson_destroy (&inv);
              s->invalidated = TRUE;
            }
          break;
        }
    }
  bson_reinit (pbrt);
  if ((full || s->invalidated || s->pending_invalidate) && !bson_empty (&last_token))
    bson_concat (pbrt, &last_token);
  else
    {
      /* nothing more to read: a high-water mark past everything scanned */
      guint64 hwm = MAX (s->pos, ms_server.last_ts + 1);
      bson_t holder = BSON_INITIALIZER;
      bson_iter_t it;

      append_token (&holder, "t", hwm, KIND_HWM);
      bson_iter_init_find (&it, &holder, "t");
      {
        bson_value_t v = *bson_iter_value (&it);
        bson_t tok;
        ms_value_doc (&v, &tok);
        bson_concat (pbrt, &tok);
      }
      bson_destroy (&holder);
      s->pos = hwm;
    }
  bson_destroy (&last_token);
  return TRUE;
}

static const char *
string_option (const bson_t *spec, const char *key, const char *fallback, const char *const *allowed, MsErr **err)
{
  bson_iter_t it;
  const char *v;

  if (!bson_iter_init_find (&it, spec, key))
    return fallback;
  if (!BSON_ITER_HOLDS_UTF8 (&it))
    {
      ms_err_set (err, MS_TYPE_MISMATCH, "BSON field '$changeStream.%s' is the wrong type '%s', expected type "
                  "'string'", key, ms_type_alias (bson_iter_type (&it)));
      return NULL;
    }
  v = bson_iter_utf8 (&it, NULL);
  if (!g_strv_contains (allowed, v))
    {
      ms_err_set (err, MS_BAD_VALUE, "'%s' is not a valid value for $changeStream.%s", v, key);
      return NULL;
    }
  return v;
}

gboolean
ms_change_stream_open (MsCmd *c, const bson_t *pipeline, const char *coll, MsErr **err)
{
  static const char *const full_modes[] = { "default", "updateLookup", "whenAvailable", "required", NULL };
  static const char *const before_modes[] = { "off", "whenAvailable", "required", NULL };
  bson_iter_t it, st, opt;
  bson_t spec;
  Stream *s;
  MsCursor *cursor;
  const char *full, *before;
  gboolean all_cluster = FALSE;
  int n_resume = 0;
  guint64 pos = ms_server.last_ts + 1;
  gboolean pending_invalidate = FALSE;
  gint64 batch_size = 101;
  bson_t batch = BSON_INITIALIZER, pbrt = BSON_INITIALIZER;
  guint n = 0;
  g_autofree char *ns = NULL;

  if (ms_server.replset == NULL)
    {
      ms_err_set (err, MS_LOCATION_40573, "The $changeStream stage is only supported on replica sets");
      return FALSE;
    }
  bson_iter_init (&it, pipeline);
  bson_iter_next (&it);
  bson_iter_recurse (&it, &st);
  bson_iter_next (&st);
  if (!BSON_ITER_HOLDS_DOCUMENT (&st))
    {
      ms_err_set (err, MS_TYPE_MISMATCH, "$changeStream stage expects a document as argument");
      return FALSE;
    }
  {
    bson_value_t v = *bson_iter_value (&st);
    ms_value_doc (&v, &spec);
  }
  full = string_option (&spec, "fullDocument", "default", full_modes, err);
  if (full == NULL)
    return FALSE;
  before = string_option (&spec, "fullDocumentBeforeChange", "off", before_modes, err);
  if (before == NULL)
    return FALSE;
  all_cluster = bson_iter_init_find (&opt, &spec, "allChangesForCluster") && bson_iter_as_bool (&opt);

  if (coll == NULL && all_cluster && !g_str_equal (c->db, "admin"))
    {
      ms_err_set (err, MS_INVALID_NAMESPACE, "A $changeStream with 'allChangesForCluster:true' may only be opened "
                  "on the 'admin' database");
      return FALSE;
    }
  if ((coll != NULL || !all_cluster) && internal_db (c->db))
    {
      ms_err_set (err, MS_INVALID_NAMESPACE, "$changeStream may not be opened on the internal %s database", c->db);
      return FALSE;
    }
  if (coll != NULL && (!ms_coll_valid_name (c->db, coll, err)))
    return FALSE;
  if (coll != NULL && g_str_has_prefix (coll, "system."))
    {
      ms_err_set (err, MS_INVALID_NAMESPACE, "$changeStream may not be opened on the internal %s.%s collection",
                  c->db, coll);
      return FALSE;
    }

  /* the later stages must be ones that keep one event per event */
  bson_iter_init (&it, pipeline);
  bson_iter_next (&it);
  while (bson_iter_next (&it))
    {
      bson_iter_t si;
      static const char *const allowed[] = { "$match", "$project", "$addFields", "$set", "$unset", NULL };

      if (!BSON_ITER_HOLDS_DOCUMENT (&it) || !bson_iter_recurse (&it, &si) || !bson_iter_next (&si))
        {
          ms_err_set (err, 40323, "A pipeline stage specification object must contain exactly one field.");
          return FALSE;
        }
      if (!g_strv_contains (allowed, bson_iter_key (&si)))
        {
          ms_err_set (err, MS_ILLEGAL_OPERATION,
                      "%s is not permitted in a $changeStream pipeline", bson_iter_key (&si));
          return FALSE;
        }
    }

  if (bson_iter_init_find (&opt, &spec, "resumeAfter"))
    {
      guint64 ts;
      int kind;

      n_resume++;
      if (!parse_token (bson_iter_value (&opt), &ts, &kind, err))
        return FALSE;
      if (kind == KIND_INVALIDATE)
        {
          ms_err_set (err, MS_INVALID_RESUME_TOKEN, "Attempting to resume a change stream using 'resumeAfter' is "
                      "not allowed from an invalidate notification.");
          return FALSE;
        }
      pos = kind == KIND_HWM ? ts : ts + 1;
      if (kind == KIND_EVENT && !history_lost (ts, err))
        {
          guint idx = oplog_seek (ts);
          if (idx >= ms_server.oplog_len || oplog_at (idx)->ts != ts)
            {
              ms_err_set (err, MS_CHANGE_STREAM_FATAL_ERROR, "cannot resume stream; the resume token was not "
                          "found. {_data: \"%s\"}", token_hex (bson_iter_value (&opt)));
              ms_err_add_label (*err, "NonResumableChangeStreamError");
              return FALSE;
            }
        }
      if (err != NULL && *err != NULL)
        return FALSE;
      if (kind == KIND_EVENT)
        {
          /* resuming after a drop that invalidates: the invalidate comes next */
          guint idx = oplog_seek (ts);
          if (idx < ms_server.oplog_len && oplog_at (idx)->ts == ts)
            {
              gboolean inv;
              Stream probe = { 0 };
              probe.level = coll ? LEVEL_COLLECTION : all_cluster ? LEVEL_CLUSTER : LEVEL_DATABASE;
              probe.db = (char *) c->db;
              probe.coll = (char *) coll;
              if (entry_visible (&probe, oplog_at (idx), &inv) && inv)
                pending_invalidate = TRUE;
            }
        }
    }
  if (bson_iter_init_find (&opt, &spec, "startAfter"))
    {
      guint64 ts;
      int kind;

      n_resume++;
      if (!parse_token (bson_iter_value (&opt), &ts, &kind, err))
        return FALSE;
      pos = kind == KIND_HWM ? ts : ts + 1;
    }
  if (bson_iter_init_find (&opt, &spec, "startAtOperationTime"))
    {
      guint32 t, i;

      n_resume++;
      if (!BSON_ITER_HOLDS_TIMESTAMP (&opt))
        {
          ms_err_set (err, MS_TYPE_MISMATCH, "BSON field '$changeStream.startAtOperationTime' is the wrong type "
                      "'%s', expected type 'timestamp'", ms_type_alias (bson_iter_type (&opt)));
          return FALSE;
        }
      bson_iter_timestamp (&opt, &t, &i);
      pos = ((guint64) t << 32) | i;
    }
  if (n_resume > 1)
    {
      ms_err_set (err, 40674, "Only one type of resume option is allowed, but multiple were found.");
      return FALSE;
    }
  if (history_lost (pos, err))
    return FALSE;

  if (bson_iter_init_find (&it, c->cmd, "cursor") && BSON_ITER_HOLDS_DOCUMENT (&it) &&
      bson_iter_recurse (&it, &opt) && bson_iter_find (&opt, "batchSize"))
    batch_size = bson_iter_as_int64 (&opt);

  s = g_new0 (Stream, 1);
  s->level = coll ? LEVEL_COLLECTION : all_cluster ? LEVEL_CLUSTER : LEVEL_DATABASE;
  s->db = g_strdup (c->db);
  s->coll = g_strdup (coll);
  s->full_document = g_strdup (full);
  s->before_change = g_strdup (before);
  s->pipeline = bson_copy (pipeline);
  s->has_stages = bson_count_keys (pipeline) > 1;
  s->pos = pos;
  s->pending_invalidate = pending_invalidate;

  cursor = ms_cursor_new (c->db, coll ? coll : "$cmd.aggregate", NULL);
  cursor->stream = s;
  ns = g_strdup (cursor->ns);
  if (!read_events (s, batch_size, &batch, &n, &pbrt, err))
    {
      ms_cursor_free (cursor);
      bson_destroy (&batch);
      bson_destroy (&pbrt);
      return FALSE;
    }
  if (s->invalidated)
    {
      ms_reply_cursor (c->reply, 0, ns, "firstBatch", &batch, &pbrt);
      ms_cursor_free (cursor);
    }
  else
    {
      g_hash_table_insert (ms_server.cursors, &cursor->id, cursor);
      ms_reply_cursor (c->reply, cursor->id, ns, "firstBatch", &batch, &pbrt);
    }
  bson_destroy (&batch);
  bson_destroy (&pbrt);
  return TRUE;
}

gboolean
ms_change_stream_get_more (MsCmd *c, MsCursor *cursor, gint64 batch_size, gint64 max_time_ms, MsErr **err)
{
  Stream *s = cursor->stream;
  gint64 deadline = g_get_monotonic_time () + (max_time_ms > 0 ? max_time_ms : 1000) * 1000;
  bson_t batch = BSON_INITIALIZER, pbrt = BSON_INITIALIZER;
  guint n = 0;
  gint64 id = cursor->id;
  g_autofree char *ns = g_strdup (cursor->ns);

  if (s->in_use)
    {
      ms_err_set (err, 50737, "Cursor id %" G_GINT64_FORMAT " is already in use", id);
      bson_destroy (&batch);
      bson_destroy (&pbrt);
      return FALSE;
    }
  s->in_use = TRUE;
  for (;;)
    {
      if (!read_events (s, batch_size > 0 ? batch_size : -1, &batch, &n, &pbrt, err))
        {
          s->in_use = FALSE;
          g_hash_table_remove (ms_server.cursors, &id);
          bson_destroy (&batch);
          bson_destroy (&pbrt);
          return FALSE;
        }
      if (n > 0 || g_get_monotonic_time () >= deadline || c->conn->closed)
        break;
      ms_wait_until (deadline);
      if (s->killed)
        {
          ms_cursor_free (cursor);
          ms_err_set (err, 237, "cursor killed");
          bson_destroy (&batch);
          bson_destroy (&pbrt);
          return FALSE;
        }
    }
  s->in_use = FALSE;
  ms_reply_cursor (c->reply, s->invalidated ? 0 : id, ns, "nextBatch", &batch, &pbrt);
  if (s->invalidated)
    g_hash_table_remove (ms_server.cursors, &id);
  bson_destroy (&batch);
  bson_destroy (&pbrt);
  return TRUE;
}

/* killCursors on a stream that a getMore is waiting in: the waiter frees
 * it.  Returns TRUE when the caller must not free the cursor. */
gboolean
ms_change_stream_kill (MsCursor *cursor)
{
  Stream *s = cursor->stream;

  if (s == NULL || !s->in_use)
    return FALSE;
  s->killed = TRUE;
  g_cond_broadcast (&ms_server.oplog_cond);
  return TRUE;
}

gboolean
ms_change_stream_busy (MsCursor *cursor)
{
  Stream *s = cursor->stream;

  return s != NULL && s->in_use;
}
