/* ms-read.c — find, getMore, killCursors, count, distinct, aggregate
 *
 * A find materialises its result as references to the stored (immutable)
 * documents, so later writes do not disturb an open cursor.  Batches hold
 * 101 documents first (or batchSize) and stop before 16 MiB.
 */
#define G_LOG_DOMAIN "mongosim"
#include "config.h"

#include <string.h>

#include "ms-private.h"

#define BATCH_BYTES (MS_MAX_BSON_SIZE - 64 * 1024)

MsCursor *
ms_cursor_new (const char *db, const char *coll, GPtrArray *docs)
{
  MsCursor *cursor = g_new0 (MsCursor, 1);

  do
    cursor->id = (((gint64) g_random_int () << 31) ^ g_random_int ()) & G_MAXINT64;
  while (cursor->id == 0 || g_hash_table_contains (ms_server.cursors, &cursor->id));
  cursor->db = g_strdup (db);
  cursor->coll = g_strdup (coll);
  cursor->ns = g_strdup_printf ("%s.%s", db, coll);
  cursor->docs = docs ? g_ptr_array_ref (docs) : NULL;
  cursor->last_used = g_get_monotonic_time ();
  ms_cursor_sweep ();
  return cursor;
}

/* Like mongod's cursorTimeoutMillis (10 minutes): idle cursors go away,
 * so abandoned ones do not hold documents forever. */
void
ms_cursor_sweep (void)
{
  static guint calls;
  GHashTableIter it;
  gpointer value;
  gint64 limit = g_get_monotonic_time () - 600 * G_USEC_PER_SEC;

  if (++calls % 64 != 0)
    return;
  g_hash_table_iter_init (&it, ms_server.cursors);
  while (g_hash_table_iter_next (&it, NULL, &value))
    {
      MsCursor *cursor = value;
      if (cursor->last_used < limit && !ms_change_stream_busy (cursor))
        g_hash_table_iter_remove (&it);
    }
}

void
ms_cursor_free (MsCursor *cursor)
{
  g_clear_pointer (&cursor->docs, g_ptr_array_unref);
  g_clear_pointer (&cursor->projection, bson_destroy);
  g_clear_pointer (&cursor->stream, ms_change_stream_free);
  g_free (cursor->db);
  g_free (cursor->coll);
  g_free (cursor->ns);
  g_free (cursor);
}

/* batch_size < 0: no count limit (only the byte limit). */
void
ms_cursor_fill_batch (MsCursor *cursor, gint64 batch_size, gboolean first, bson_t *array, gboolean *exhausted)
{
  guint n = 0;

  while (cursor->pos < cursor->docs->len && (batch_size < 0 || n < batch_size))
    {
      bson_t doc;
      char buf[16];
      const char *k;

      ms_bytes_bson (g_ptr_array_index (cursor->docs, cursor->pos), &doc);
      if (n > 0 && array->len + doc.len > BATCH_BYTES)
        break;
      bson_uint32_to_string (n, &k, buf, sizeof buf);
      if (cursor->projection != NULL)
        {
          bson_t projected = BSON_INITIALIZER;
          ms_project (&doc, cursor->projection, &projected);
          bson_append_document (array, k, -1, &projected);
          bson_destroy (&projected);
        }
      else
        bson_append_document (array, k, -1, &doc);
      cursor->pos++;
      n++;
    }
  *exhausted = cursor->pos >= cursor->docs->len;
}

void
ms_reply_cursor (bson_t *reply, gint64 id, const char *ns, const char *batch_name, const bson_t *batch,
                 const bson_t *post_batch_token)
{
  bson_t cur;

  BSON_APPEND_DOCUMENT_BEGIN (reply, "cursor", &cur);
  bson_append_array (&cur, batch_name, -1, batch);
  if (post_batch_token != NULL)
    BSON_APPEND_DOCUMENT (&cur, "postBatchResumeToken", post_batch_token);
  BSON_APPEND_INT64 (&cur, "id", id);
  BSON_APPEND_UTF8 (&cur, "ns", ns);
  bson_append_document_end (reply, &cur);
}

static gboolean
get_doc_arg (const bson_t *cmd, const char *key, bson_t *out, gboolean *present, MsErr **err)
{
  bson_iter_t it;

  *present = FALSE;
  if (!bson_iter_init_find (&it, cmd, key))
    return TRUE;
  if (!BSON_ITER_HOLDS_DOCUMENT (&it))
    {
      ms_err_set (err, MS_TYPE_MISMATCH, "BSON field '%s' is the wrong type '%s', expected type 'object'", key,
                  ms_type_alias (bson_iter_type (&it)));
      return FALSE;
    }
  {
    bson_value_t v = *bson_iter_value (&it);
    ms_value_doc (&v, out);
  }
  *present = TRUE;
  return TRUE;
}

static gboolean
get_int_arg (const bson_t *cmd, const char *key, gint64 *out, MsErr **err)
{
  bson_iter_t it;

  if (!bson_iter_init_find (&it, cmd, key))
    return TRUE;
  if (!BSON_ITER_HOLDS_NUMBER (&it))
    {
      ms_err_set (err, MS_TYPE_MISMATCH, "BSON field '%s' is the wrong type '%s', expected types '[long, int, "
                  "decimal, double']", key, ms_type_alias (bson_iter_type (&it)));
      return FALSE;
    }
  *out = bson_iter_as_int64 (&it);
  return TRUE;
}

/* _id values a filter pins down ({_id: v}, {_id: {$eq: v}}, {_id: {$in: […]}}),
 * or NULL when it does not. */
static GArray *
pinned_ids (const bson_t *filter)
{
  bson_iter_t it;
  bson_value_t v;
  GArray *ids;

  if (filter == NULL || !bson_iter_init_find (&it, filter, "_id"))
    return NULL;
  v = *bson_iter_value (&it);
  ids = g_array_new (FALSE, FALSE, sizeof (bson_value_t));
  if (v.value_type == BSON_TYPE_DOCUMENT)
    {
      bson_t d;
      bson_iter_t di;

      ms_value_doc (&v, &d);
      if (!bson_iter_init (&di, &d) || !bson_iter_next (&di) || bson_iter_key (&di)[0] != '$')
        g_array_append_val (ids, v);
      else if (bson_iter_init_find (&di, &d, "$eq"))
        g_array_append_val (ids, *bson_iter_value (&di));
      else if (bson_iter_init_find (&di, &d, "$in") && BSON_ITER_HOLDS_ARRAY (&di))
        {
          bson_t arr;
          bson_iter_t ai;
          bson_value_t av = *bson_iter_value (&di);

          ms_value_doc (&av, &arr);
          if (bson_iter_init (&ai, &arr))
            while (bson_iter_next (&ai))
              {
                if (BSON_ITER_HOLDS_REGEX (&ai))
                  {
                    g_array_unref (ids);
                    return NULL;
                  }
                g_array_append_val (ids, *bson_iter_value (&ai));
              }
        }
      else
        {
          g_array_unref (ids);
          return NULL;
        }
    }
  else if (v.value_type == BSON_TYPE_REGEX || v.value_type == BSON_TYPE_ARRAY)
    {
      g_array_unref (ids);
      return NULL;
    }
  else
    g_array_append_val (ids, v);
  return ids;
}

/* For {_id: {$gt|$gte: v}} (the paging of a catch-up), where an ascending
 * _id walk may start: the first node with _id >= v, or NULL. */
static GTreeNode *
id_lower_bound (MsColl *coll, const bson_t *filter, gboolean *used)
{
  bson_iter_t it, op;
  bson_t key = BSON_INITIALIZER;
  GList fake = { 0 };
  GTreeNode *tn = NULL;

  *used = FALSE;
  if (filter == NULL || !bson_iter_init_find (&it, filter, "_id") || !BSON_ITER_HOLDS_DOCUMENT (&it) ||
      !bson_iter_recurse (&it, &op))
    return NULL;
  while (bson_iter_next (&op))
    if (g_str_equal (bson_iter_key (&op), "$gt") || g_str_equal (bson_iter_key (&op), "$gte"))
      {
        g_autoptr(GBytes) bytes = NULL;

        bson_append_value (&key, "_id", 3, bson_iter_value (&op));
        bytes = ms_bson_to_bytes (&key);
        fake.data = bytes;
        tn = g_tree_lower_bound (coll->id_order, &fake);
        *used = TRUE;
        break;
      }
  bson_destroy (&key);
  return tn;
}

static gboolean
is_id_sort (const bson_t *sort, int *dir)
{
  bson_iter_t it;

  if (sort == NULL || !bson_iter_init (&it, sort) || !bson_iter_next (&it) ||
      !g_str_equal (bson_iter_key (&it), "_id") || !BSON_ITER_HOLDS_NUMBER (&it))
    return FALSE;
  *dir = bson_iter_as_int64 (&it) < 0 ? -1 : 1;
  return !bson_iter_next (&it);
}

/* Documents of coll matching filter, sorted, skipped and limited. */
static GPtrArray *
select_docs (MsColl *coll, const bson_t *filter, const bson_t *sort_spec, gint64 skip, gint64 limit,
             MsErr **err)
{
  GPtrArray *out = g_ptr_array_new_with_free_func ((GDestroyNotify) g_bytes_unref);
  g_autoptr(GArray) ids = NULL;
  g_autoptr(MsSort) sort = NULL;
  int dir = 1;

  if (sort_spec != NULL && !bson_empty (sort_spec))
    {
      sort = ms_sort_new (sort_spec, err);
      if (sort == NULL)
        {
          g_ptr_array_unref (out);
          return NULL;
        }
    }
  if (coll == NULL)
    return out;
  ids = pinned_ids (filter);
  if (ids != NULL)
    {
      for (guint i = 0; i < ids->len; i++)
        {
          GList *node = ms_coll_find_id (coll, &g_array_index (ids, bson_value_t, i));
          bson_t doc;

          if (node == NULL)
            continue;
          ms_bytes_bson (node->data, &doc);
          if (ms_match (&doc, filter) && !g_ptr_array_find (out, node->data, NULL))
            g_ptr_array_add (out, g_bytes_ref (node->data));
        }
      ms_sort_docs (sort, out);
    }
  else if (sort != NULL && is_id_sort (sort_spec, &dir))
    {
      /* walk the _id order and stop as soon as the page is full */
      gboolean bounded = FALSE;
      GTreeNode *tn = dir > 0 ? id_lower_bound (coll, filter, &bounded) : NULL;
      gint64 want = limit > 0 ? skip + limit : -1;

      if (!bounded)
        tn = dir > 0 ? g_tree_node_first (coll->id_order) : g_tree_node_last (coll->id_order);
      while (tn != NULL && (want < 0 || (gint64) out->len < want))
        {
          GList *node = g_tree_node_key (tn);
          bson_t doc;

          ms_bytes_bson (node->data, &doc);
          if (ms_match (&doc, filter))
            g_ptr_array_add (out, g_bytes_ref (node->data));
          tn = dir > 0 ? g_tree_node_next (tn) : g_tree_node_previous (tn);
        }
    }
  else
    {
      gint64 want = (sort == NULL && limit > 0) ? skip + limit : -1;

      for (GList *l = coll->docs.head; l && (want < 0 || (gint64) out->len < want); l = l->next)
        {
          bson_t doc;

          ms_bytes_bson (l->data, &doc);
          if (ms_match (&doc, filter))
            g_ptr_array_add (out, g_bytes_ref (l->data));
        }
      ms_sort_docs (sort, out);
    }
  if (skip > 0)
    g_ptr_array_remove_range (out, 0, MIN ((guint) MIN (skip, G_MAXUINT), out->len));
  if (limit > 0 && (gint64) out->len > limit)
    g_ptr_array_set_size (out, (guint) limit);
  return out;
}

/* GList nodes of coll matching filter in natural order (first only
 * unless multi); callers modify the collection afterwards. */
GPtrArray *
ms_select_nodes (MsColl *coll, const bson_t *filter, gboolean multi)
{
  GPtrArray *out = g_ptr_array_new ();
  g_autoptr(GArray) ids = pinned_ids (filter);

  if (coll == NULL)
    return out;
  if (ids != NULL)
    {
      for (guint i = 0; i < ids->len && (multi || out->len == 0); i++)
        {
          GList *node = ms_coll_find_id (coll, &g_array_index (ids, bson_value_t, i));
          bson_t doc;

          if (node == NULL || g_ptr_array_find (out, node, NULL))
            continue;
          ms_bytes_bson (node->data, &doc);
          if (ms_match (&doc, filter))
            g_ptr_array_add (out, node);
        }
      return out;
    }
  for (GList *l = coll->docs.head; l && (multi || out->len == 0); l = l->next)
    {
      bson_t doc;

      ms_bytes_bson (l->data, &doc);
      if (ms_match (&doc, filter))
        g_ptr_array_add (out, l);
    }
  return out;
}

static gboolean
first_batch_reply (MsCmd *c, const char *coll_name, GPtrArray *docs, const bson_t *projection,
                   gint64 batch_size, gboolean single_batch)
{
  MsCursor *cursor = ms_cursor_new (c->db, coll_name, docs);
  bson_t batch = BSON_INITIALIZER;
  gboolean exhausted;
  gint64 id = 0;

  if (projection != NULL && !bson_empty (projection))
    cursor->projection = bson_copy (projection);
  ms_cursor_fill_batch (cursor, batch_size, TRUE, &batch, &exhausted);
  if (!exhausted && !single_batch)
    {
      id = cursor->id;
      g_hash_table_insert (ms_server.cursors, &cursor->id, cursor);
    }
  ms_reply_cursor (c->reply, id, cursor->ns, "firstBatch", &batch, NULL);
  if (id == 0)
    ms_cursor_free (cursor);
  bson_destroy (&batch);
  return TRUE;
}

gboolean
ms_cmd_find (MsCmd *c, MsErr **err)
{
  g_autofree char *name = NULL;
  bson_t filter, sort, projection;
  gboolean has_filter, has_sort, has_projection;
  gint64 skip = 0, limit = 0, batch_size = 101;
  bson_iter_t it;
  gboolean single_batch;
  g_autoptr(GPtrArray) docs = NULL;

  if (!ms_cmd_target (c, &name, err) ||
      !get_doc_arg (c->cmd, "filter", &filter, &has_filter, err) ||
      !get_doc_arg (c->cmd, "sort", &sort, &has_sort, err) ||
      !get_doc_arg (c->cmd, "projection", &projection, &has_projection, err) ||
      !get_int_arg (c->cmd, "skip", &skip, err) || !get_int_arg (c->cmd, "limit", &limit, err) ||
      !get_int_arg (c->cmd, "batchSize", &batch_size, err))
    return FALSE;
  if (skip < 0)
    {
      ms_err_set (err, 51024, "BSON field 'skip' value must be >= 0, actual value '%" G_GINT64_FORMAT "'", skip);
      return FALSE;
    }
  if (limit < 0)
    {
      ms_err_set (err, 51024, "BSON field 'limit' value must be >= 0, actual value '%" G_GINT64_FORMAT "'", limit);
      return FALSE;
    }
  if (batch_size < 0)
    {
      ms_err_set (err, 51024, "BSON field 'batchSize' value must be >= 0, actual value '%" G_GINT64_FORMAT "'",
                  batch_size);
      return FALSE;
    }
  if (has_filter && !ms_query_check (&filter, err))
    return FALSE;
  if (has_projection && !ms_projection_check (&projection, err))
    return FALSE;
  single_batch = bson_iter_init_find (&it, c->cmd, "singleBatch") && bson_iter_as_bool (&it);
  ms_server.n_query++;
  docs = select_docs (ms_coll_lookup (c->db, name), has_filter ? &filter : NULL, has_sort ? &sort : NULL,
                      skip, limit, err);
  if (docs == NULL)
    return FALSE;
  return first_batch_reply (c, name, docs, has_projection ? &projection : NULL, batch_size, single_batch);
}

gboolean
ms_cmd_get_more (MsCmd *c, MsErr **err)
{
  bson_iter_t it;
  gint64 id, batch_size = 0, max_time_ms = -1;
  MsCursor *cursor;
  const char *coll = ms_cmd_string (c->cmd, "collection");
  bson_t batch = BSON_INITIALIZER;
  gboolean exhausted;

  if (!bson_iter_init_find (&it, c->cmd, "getMore") || !BSON_ITER_HOLDS_INT64 (&it))
    {
      ms_err_set (err, MS_TYPE_MISMATCH, "BSON field 'getMore.getMore' is the wrong type '%s', expected type "
                  "'long'", ms_type_alias (bson_iter_type (&it)));
      return FALSE;
    }
  id = bson_iter_int64 (&it);
  if (coll == NULL)
    {
      ms_err_set (err, 40414, "BSON field 'getMore.collection' is missing but a required field");
      return FALSE;
    }
  if (!get_int_arg (c->cmd, "batchSize", &batch_size, err) || !get_int_arg (c->cmd, "maxTimeMS", &max_time_ms, err))
    return FALSE;
  ms_server.n_getmore++;
  cursor = g_hash_table_lookup (ms_server.cursors, &id);
  if (cursor == NULL)
    {
      ms_err_set (err, MS_CURSOR_NOT_FOUND, "cursor id %" G_GINT64_FORMAT " not found", id);
      return FALSE;
    }
  if (!g_str_equal (cursor->db, c->db) || !g_str_equal (cursor->coll, coll))
    {
      ms_err_set (err, MS_UNAUTHORIZED, "Requested getMore on namespace '%s.%s', but cursor belongs to a "
                  "different namespace %s", c->db, coll, cursor->ns);
      return FALSE;
    }
  cursor->last_used = g_get_monotonic_time ();
  if (cursor->stream != NULL)
    return ms_change_stream_get_more (c, cursor, batch_size, max_time_ms, err);

  ms_cursor_fill_batch (cursor, batch_size > 0 ? batch_size : -1, FALSE, &batch, &exhausted);
  ms_reply_cursor (c->reply, exhausted ? 0 : id, cursor->ns, "nextBatch", &batch, NULL);
  bson_destroy (&batch);
  if (exhausted)
    g_hash_table_remove (ms_server.cursors, &id);
  return TRUE;
}

gboolean
ms_cmd_kill_cursors (MsCmd *c, MsErr **err)
{
  bson_iter_t it, ai;
  bson_t killed, not_found, empty;
  guint nk = 0, nn = 0;

  if (!bson_iter_init_find (&it, c->cmd, "cursors") || !BSON_ITER_HOLDS_ARRAY (&it))
    {
      ms_err_set (err, 40414, "BSON field 'killCursors.cursors' is missing but a required field");
      return FALSE;
    }
  BSON_APPEND_ARRAY_BEGIN (c->reply, "cursorsKilled", &killed);
  bson_iter_recurse (&it, &ai);
  while (bson_iter_next (&ai))
    {
      gint64 id = bson_iter_as_int64 (&ai);
      char buf[16];
      const char *k;

      MsCursor *victim = g_hash_table_lookup (ms_server.cursors, &id);

      if (victim != NULL)
        {
          if (ms_change_stream_kill (victim))
            g_hash_table_steal (ms_server.cursors, &id);
          else
            g_hash_table_remove (ms_server.cursors, &id);
          bson_uint32_to_string (nk++, &k, buf, sizeof buf);
          BSON_APPEND_INT64 (&killed, k, id);
        }
    }
  bson_append_array_end (c->reply, &killed);
  BSON_APPEND_ARRAY_BEGIN (c->reply, "cursorsNotFound", &not_found);
  bson_iter_recurse (&it, &ai);
  while (bson_iter_next (&ai))
    {
      gint64 id = bson_iter_as_int64 (&ai);
      char buf[16];
      const char *k;
      bson_iter_t check;
      gboolean was_killed = FALSE;

      if (bson_iter_init (&check, &killed))
        while (bson_iter_next (&check))
          was_killed |= bson_iter_as_int64 (&check) == id;
      if (!was_killed)
        {
          bson_uint32_to_string (nn++, &k, buf, sizeof buf);
          BSON_APPEND_INT64 (&not_found, k, id);
        }
    }
  bson_append_array_end (c->reply, &not_found);
  BSON_APPEND_ARRAY_BEGIN (c->reply, "cursorsAlive", &empty);
  bson_append_array_end (c->reply, &empty);
  BSON_APPEND_ARRAY_BEGIN (c->reply, "cursorsUnknown", &empty);
  bson_append_array_end (c->reply, &empty);
  return TRUE;
}

gboolean
ms_cmd_count (MsCmd *c, MsErr **err)
{
  g_autofree char *name = NULL;
  bson_t query;
  gboolean has_query;
  gint64 skip = 0, limit = 0;
  g_autoptr(GPtrArray) docs = NULL;

  if (!ms_cmd_target (c, &name, err) || !get_doc_arg (c->cmd, "query", &query, &has_query, err) ||
      !get_int_arg (c->cmd, "skip", &skip, err) || !get_int_arg (c->cmd, "limit", &limit, err))
    return FALSE;
  if (has_query && !ms_query_check (&query, err))
    return FALSE;
  docs = select_docs (ms_coll_lookup (c->db, name), has_query ? &query : NULL, NULL, MAX (skip, 0),
                      limit < 0 ? -limit : limit, err);
  if (docs == NULL)
    return FALSE;
  BSON_APPEND_INT32 (c->reply, "n", (gint32) docs->len);
  return TRUE;
}

static void
distinct_add (bson_t *values, GHashTable *seen, guint *n, const bson_value_t *v)
{
  GString *key = g_string_new (NULL);

  ms_value_key (key, v);
  if (!g_hash_table_contains (seen, key->str))
    {
      char buf[16];
      const char *k;

      g_hash_table_add (seen, g_strdup (key->str));
      bson_uint32_to_string ((*n)++, &k, buf, sizeof buf);
      bson_append_value (values, k, -1, v);
    }
  g_string_free (key, TRUE);
}

gboolean
ms_cmd_distinct (MsCmd *c, MsErr **err)
{
  g_autofree char *name = NULL;
  const char *key = ms_cmd_string (c->cmd, "key");
  bson_t query, values;
  gboolean has_query;
  g_autoptr(GPtrArray) docs = NULL;
  g_autoptr(GHashTable) seen = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  guint n = 0;

  if (!ms_cmd_target (c, &name, err) || !get_doc_arg (c->cmd, "query", &query, &has_query, err))
    return FALSE;
  if (key == NULL)
    {
      ms_err_set (err, 40414, "BSON field 'distinct.key' is missing but a required field");
      return FALSE;
    }
  if (has_query && !ms_query_check (&query, err))
    return FALSE;
  docs = select_docs (ms_coll_lookup (c->db, name), has_query ? &query : NULL, NULL, 0, 0, err);
  BSON_APPEND_ARRAY_BEGIN (c->reply, "values", &values);
  for (guint i = 0; docs && i < docs->len; i++)
    {
      bson_t doc;
      bson_value_t v;

      ms_bytes_bson (g_ptr_array_index (docs, i), &doc);
      if (!ms_lookup_path (&doc, key, &v))
        continue;
      if (v.value_type == BSON_TYPE_ARRAY)
        {
          bson_t arr;
          bson_iter_t ai;
          ms_value_doc (&v, &arr);
          if (bson_iter_init (&ai, &arr))
            while (bson_iter_next (&ai))
              distinct_add (&values, seen, &n, bson_iter_value (&ai));
        }
      else
        distinct_add (&values, seen, &n, &v);
    }
  bson_append_array_end (c->reply, &values);
  return TRUE;
}

gboolean
ms_cmd_aggregate (MsCmd *c, MsErr **err)
{
  bson_iter_t it, cur;
  bson_t pipeline;
  gint64 batch_size = 101;
  const char *coll_name = NULL;
  const char *first_stage = NULL;
  MsColl *coll;
  g_autoptr(GPtrArray) input = NULL;
  g_autoptr(GPtrArray) output = NULL;

  if (!bson_iter_init_find (&it, c->cmd, "pipeline") || !BSON_ITER_HOLDS_ARRAY (&it))
    {
      ms_err_set (err, 40414, "BSON field 'aggregate.pipeline' is missing but a required field");
      return FALSE;
    }
  {
    bson_value_t v = *bson_iter_value (&it);
    bson_iter_t pi, si;
    ms_value_doc (&v, &pipeline);
    if (bson_iter_init (&pi, &pipeline) && bson_iter_next (&pi) && BSON_ITER_HOLDS_DOCUMENT (&pi) &&
        bson_iter_recurse (&pi, &si) && bson_iter_next (&si))
      first_stage = bson_iter_key (&si);
  }
  if (!bson_iter_init_find (&it, c->cmd, "cursor") && !bson_iter_init_find (&it, c->cmd, "explain"))
    {
      ms_err_set (err, MS_FAILED_TO_PARSE, "The 'cursor' option is required, except for aggregate with the "
                  "explain argument");
      return FALSE;
    }
  if (bson_iter_init_find (&it, c->cmd, "cursor") && BSON_ITER_HOLDS_DOCUMENT (&it) &&
      bson_iter_recurse (&it, &cur) && bson_iter_find (&cur, "batchSize"))
    batch_size = bson_iter_as_int64 (&cur);

  bson_iter_init (&it, c->cmd);
  bson_iter_next (&it);
  if (BSON_ITER_HOLDS_UTF8 (&it))
    coll_name = bson_iter_utf8 (&it, NULL);
  else if (!(BSON_ITER_HOLDS_NUMBER (&it) && bson_iter_as_int64 (&it) == 1))
    {
      ms_err_set (err, MS_FAILED_TO_PARSE, "Invalid command format: the 'aggregate' field must specify a "
                  "collection name or 1");
      return FALSE;
    }
  if (first_stage != NULL && g_str_equal (first_stage, "$changeStream"))
    return ms_change_stream_open (c, &pipeline, coll_name, err);
  if (coll_name == NULL)
    {
      ms_err_set (err, MS_INVALID_NAMESPACE, "{aggregate: 1} is not valid for '%s'; a collection is required.",
                  first_stage ? first_stage : "$match");
      return FALSE;
    }
  if (!ms_coll_valid_name (c->db, coll_name, err))
    return FALSE;
  coll = ms_coll_lookup (c->db, coll_name);
  input = g_ptr_array_new_with_free_func ((GDestroyNotify) g_bytes_unref);
  if (coll != NULL)
    for (GList *l = coll->docs.head; l; l = l->next)
      g_ptr_array_add (input, g_bytes_ref (l->data));
  if (!ms_pipeline_run (input, &pipeline, 0, &output, err))
    return FALSE;
  return first_batch_reply (c, coll_name, output, NULL, batch_size, FALSE);
}
