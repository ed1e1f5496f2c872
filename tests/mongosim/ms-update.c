/* ms-update.c — update operators on a mutable document tree
 *
 * The document is turned into a tree, each operator edits it along dotted
 * paths (creating embedded documents, padding arrays with nulls), and the
 * edited paths are logged the way mongod's update system logs them, which
 * is what a change stream's updateDescription shows.
 */
#define G_LOG_DOMAIN "mongosim"
#include "config.h"

#include <string.h>

#include "ms-update-private.h"








/* The node as a bson_value_t; containers are serialized into holder. */




/* Puts child under n at key (replacing); arrays are padded with nulls. */


void
ms_upd_log_updated (MsUpdCtx *ctx, const char *path)
{
  g_ptr_array_add (ctx->updated, g_strdup (path));
}

/* Walks to the parent of the last component.  create: make missing
 * intermediate documents (logging the shallowest new path).  Returns NULL
 * with *err unset when the path does not exist and create is FALSE. */
MsNode *
ms_upd_resolve_parent (MsUpdCtx *ctx, char **parts, gboolean create, char **created, MsErr **err)
{
  MsNode *n = ctx->root;
  guint nparts = g_strv_length (parts);

  for (guint i = 0; i + 1 < nparts; i++)
    {
      MsNode *next = ms_upd_child_get (n, parts[i], NULL);

      if (next == NULL)
        {
          guint dummy;
          if (!create)
            return NULL;
          if (n->v.value_type == BSON_TYPE_ARRAY && !ms_upd_parse_index (parts[i], &dummy))
            {
              GString *msg = g_string_new (NULL);
              bson_t holder = BSON_INITIALIZER;
              bson_value_t v;
              ms_upd_node_value (n, &holder, &v);
              g_string_append_printf (msg, "Cannot create field '%s' in element {%s: ", parts[i], n->key);
              ms_value_to_shell (msg, &v);
              g_string_append (msg, "}");
              ms_err_set (err, MS_PATH_NOT_VIABLE, "%s", msg->str);
              g_string_free (msg, TRUE);
              bson_destroy (&holder);
              return NULL;
            }
          next = ms_upd_node_container (parts[i], BSON_TYPE_DOCUMENT);
          ms_upd_child_set (n, parts[i], next);
          if (created != NULL && *created == NULL)
            {
              char *saved = parts[i + 1];
              parts[i + 1] = NULL;
              *created = g_strjoinv (".", parts);
              parts[i + 1] = saved;
            }
        }
      else if (next->kids == NULL)
        {
          if (!create)
            return NULL;
          {
            GString *msg = g_string_new (NULL);
            g_string_append_printf (msg, "Cannot create field '%s' in element {%s: ", parts[i + 1], next->key);
            ms_value_to_shell (msg, &next->v);
            g_string_append (msg, "}");
            ms_err_set (err, MS_PATH_NOT_VIABLE, "%s", msg->str);
            g_string_free (msg, TRUE);
          }
          return NULL;
        }
      n = next;
    }
  if (create && n->v.value_type == BSON_TYPE_ARRAY)
    {
      guint dummy;
      if (!ms_upd_parse_index (parts[nparts - 1], &dummy))
        {
          ms_err_set (err, MS_PATH_NOT_VIABLE, "Cannot create field '%s' in element {%s: [...]}",
                      parts[nparts - 1], n->key);
          return NULL;
        }
    }
  return n;
}

/* Sets path to a new node, logging the change when there is one. */
gboolean
ms_upd_set_path (MsUpdCtx *ctx, const char *path, MsNode *value, MsErr **err)
{
  char **parts = g_strsplit (path, ".", -1);
  g_autofree char *created = NULL;
  MsNode *parent, *old;
  const char *last;

  if (path[0] == '\0' || strstr (path, "..") || g_str_has_suffix (path, "."))
    {
      ms_err_set (err, MS_EMPTY_FIELD_NAME, "An empty update path is not valid.");
      g_strfreev (parts);
      ms_upd_node_free (value);
      return FALSE;
    }
  created = NULL;
  parent = ms_upd_resolve_parent (ctx, parts, TRUE, &created, err);
  if (parent == NULL)
    {
      g_strfreev (parts);
      ms_upd_node_free (value);
      return FALSE;
    }
  last = parts[g_strv_length (parts) - 1];
  old = ms_upd_child_get (parent, last, NULL);
  if (old != NULL && ms_upd_nodes_identical (old, value) && old->v.value_type == value->v.value_type)
    ms_upd_node_free (value);
  else
    {
      ms_upd_child_set (parent, last, value);
      ms_upd_log_updated (ctx, created && *created ? created : path);
    }
  g_strfreev (parts);
  return TRUE;
}

MsNode *
ms_upd_get_path (MsUpdCtx *ctx, const char *path, MsNode **parent_out)
{
  char **parts = g_strsplit (path, ".", -1);
  MsNode *parent = ms_upd_resolve_parent (ctx, parts, FALSE, NULL, NULL);
  MsNode *n = parent ? ms_upd_child_get (parent, parts[g_strv_length (parts) - 1], NULL) : NULL;

  if (parent_out)
    *parent_out = parent;
  g_strfreev (parts);
  return n;
}

void
ms_upd_unset_path (MsUpdCtx *ctx, const char *path)
{
  MsNode *parent;
  MsNode *n = ms_upd_get_path (ctx, path, &parent);
  guint pos;
  const char *last = strrchr (path, '.');

  last = last ? last + 1 : path;
  if (n == NULL)
    return;
  if (parent->v.value_type == BSON_TYPE_ARRAY)
    {
      bson_value_t null_value = { .value_type = BSON_TYPE_NULL };
      if (n->v.value_type != BSON_TYPE_NULL)
        {
          ms_upd_child_set (parent, last, ms_upd_node_from_value ("", &null_value));
          ms_upd_log_updated (ctx, path);
        }
      return;
    }
  ms_upd_child_get (parent, last, &pos);
  g_ptr_array_remove_index (parent->kids, pos);
  g_ptr_array_add (ctx->removed, g_strdup (path));
}

char *
ms_upd_doc_id_shell (MsUpdCtx *ctx)
{
  bson_iter_t it;
  GString *s = g_string_new ("{_id: ");

  if (bson_iter_init_find (&it, ctx->original, "_id"))
    ms_value_to_shell (s, bson_iter_value (&it));
  g_string_append (s, "}");
  return g_string_free (s, FALSE);
}

static bson_value_t
arith (const bson_value_t *a, const bson_value_t *b, gboolean mul)
{
  bson_value_t r = { 0 };

  if (a->value_type == BSON_TYPE_DOUBLE || b->value_type == BSON_TYPE_DOUBLE ||
      a->value_type == BSON_TYPE_DECIMAL128 || b->value_type == BSON_TYPE_DECIMAL128)
    {
      double x = ms_value_as_double (a), y = ms_value_as_double (b);
      r.value_type = BSON_TYPE_DOUBLE;
      r.value.v_double = mul ? x * y : x + y;
    }
  else
    {
      gint64 x = ms_value_as_int64 (a), y = ms_value_as_int64 (b), z;
      gboolean overflow = mul ? __builtin_mul_overflow (x, y, &z) : __builtin_add_overflow (x, y, &z);

      if (overflow)
        {
          r.value_type = BSON_TYPE_DOUBLE;
          r.value.v_double = mul ? (double) x * (double) y : (double) x + (double) y;
        }
      else if (a->value_type == BSON_TYPE_INT32 && b->value_type == BSON_TYPE_INT32 && z >= G_MININT32 &&
               z <= G_MAXINT32)
        {
          r.value_type = BSON_TYPE_INT32;
          r.value.v_int32 = (gint32) z;
        }
      else
        {
          r.value_type = BSON_TYPE_INT64;
          r.value.v_int64 = z;
        }
    }
  return r;
}

static gboolean
op_arith (MsUpdCtx *ctx, const char *op, const char *path, const bson_value_t *arg, MsErr **err)
{
  gboolean mul = g_str_equal (op, "$mul");
  MsNode *old = ms_upd_get_path (ctx, path, NULL);
  bson_value_t zero = { .value_type = BSON_TYPE_INT32 }, r;

  if (!ms_value_is_number (arg))
    {
      GString *s = g_string_new (NULL);
      ms_value_to_shell (s, arg);
      ms_err_set (err, MS_TYPE_MISMATCH, "Cannot %s with non-numeric argument: {%s: %s}",
                  mul ? "multiply" : "increment", path, s->str);
      g_string_free (s, TRUE);
      return FALSE;
    }
  if (old != NULL && !ms_value_is_number (&old->v))
    {
      g_autofree char *id = ms_upd_doc_id_shell (ctx);
      ms_err_set (err, MS_TYPE_MISMATCH, "Cannot apply %s to a value of non-numeric type. %s has the field "
                  "'%s' of non-numeric type %s", op, id, old->key, ms_type_alias (old->v.value_type));
      return FALSE;
    }
  if (old == NULL)
    {
      if (mul)
        {
          zero.value_type = arg->value_type == BSON_TYPE_DOUBLE ? BSON_TYPE_DOUBLE
                            : arg->value_type == BSON_TYPE_INT64 ? BSON_TYPE_INT64 : BSON_TYPE_INT32;
          memset (&zero.value, 0, sizeof zero.value);
          return ms_upd_set_path (ctx, path, ms_upd_node_from_value ("", &zero), err);
        }
      return ms_upd_set_path (ctx, path, ms_upd_node_from_value ("", arg), err);
    }
  r = arith (&old->v, arg, mul);
  return ms_upd_set_path (ctx, path, ms_upd_node_from_value ("", &r), err);
}

static gboolean
op_min_max (MsUpdCtx *ctx, gboolean is_min, const char *path, const bson_value_t *arg, MsErr **err)
{
  MsNode *old = ms_upd_get_path (ctx, path, NULL);
  bson_t holder = BSON_INITIALIZER;
  bson_value_t ov;
  int c;

  if (old == NULL)
    {
      bson_destroy (&holder);
      return ms_upd_set_path (ctx, path, ms_upd_node_from_value ("", arg), err);
    }
  ms_upd_node_value (old, &holder, &ov);
  c = ms_value_cmp (arg, &ov);
  bson_destroy (&holder);
  if ((is_min && c < 0) || (!is_min && c > 0))
    return ms_upd_set_path (ctx, path, ms_upd_node_from_value ("", arg), err);
  return TRUE;
}








static gboolean
op_rename (MsUpdCtx *ctx, const char *from, const bson_value_t *to, MsErr **err)
{
  MsNode *parent, *n;
  bson_t holder = BSON_INITIALIZER;
  bson_value_t v;
  MsNode *copy;

  if (to->value_type != BSON_TYPE_UTF8)
    {
      ms_err_set (err, MS_BAD_VALUE, "The 'to' field for $rename must be a string: %s: %s", from,
                  ms_type_alias (to->value_type));
      return FALSE;
    }
  n = ms_upd_get_path (ctx, from, &parent);
  if (n == NULL)
    return TRUE;
  if (parent->v.value_type == BSON_TYPE_ARRAY)
    {
      ms_err_set (err, MS_BAD_VALUE, "The source field cannot be an array element, '%s' in doc with _id", from);
      return FALSE;
    }
  ms_upd_node_value (n, &holder, &v);
  copy = ms_upd_node_from_value ("", &v);
  bson_destroy (&holder);
  ms_upd_unset_path (ctx, from);
  return ms_upd_set_path (ctx, to->value.v_utf8.str, copy, err);
}

static const char *const update_ops[] = {
  "$set", "$unset", "$inc", "$mul", "$min", "$max", "$setOnInsert", "$currentDate", "$push",
  "$addToSet", "$pull", "$pullAll", "$pop", "$rename", NULL
};

gboolean
ms_update_is_operator_doc (const bson_t *update)
{
  bson_iter_t it;

  return bson_iter_init (&it, update) && bson_iter_next (&it) && bson_iter_key (&it)[0] == '$';
}

static gboolean
paths_conflict (const char *a, const char *b)
{
  gsize la = strlen (a), lb = strlen (b);

  if (la == lb)
    return g_str_equal (a, b);
  if (la < lb)
    return strncmp (a, b, la) == 0 && b[la] == '.';
  return strncmp (a, b, lb) == 0 && a[lb] == '.';
}

gboolean
ms_update_check (const bson_t *update, MsErr **err)
{
  bson_iter_t it, fi;
  g_autoptr(GPtrArray) paths = g_ptr_array_new ();

  if (!ms_update_is_operator_doc (update))
    {
      if (bson_iter_init (&it, update))
        while (bson_iter_next (&it))
          if (bson_iter_key (&it)[0] == '$')
            {
              ms_err_set (err, MS_DOLLAR_PREFIXED_FIELD_NAME, "The dollar ($) prefixed field '%s' in '%s' is "
                          "not allowed in the context of an update's replacement document.",
                          bson_iter_key (&it), bson_iter_key (&it));
              return FALSE;
            }
      return TRUE;
    }
  bson_iter_init (&it, update);
  while (bson_iter_next (&it))
    {
      const char *op = bson_iter_key (&it);

      if (!g_strv_contains (update_ops, op))
        {
          if (op[0] != '$')
            ms_err_set (err, MS_FAILED_TO_PARSE, "Unknown modifier: %s. Expected a valid update modifier or "
                        "pipeline-style update specified as an array", op);
          else
            ms_err_set (err, MS_FAILED_TO_PARSE, "Unknown modifier: %s. Expected a valid update modifier or "
                        "pipeline-style update specified as an array", op);
          return FALSE;
        }
      if (!BSON_ITER_HOLDS_DOCUMENT (&it))
        {
          ms_err_set (err, MS_FAILED_TO_PARSE, "Modifiers operate on fields but we found type %s instead. For "
                      "example: {$mod: {<field>: ...}} not {%s: %s}", ms_type_alias (bson_iter_type (&it)), op,
                      ms_type_alias (bson_iter_type (&it)));
          return FALSE;
        }
      bson_iter_recurse (&it, &fi);
      while (bson_iter_next (&fi))
        {
          const char *p = bson_iter_key (&fi);
          const char *extra[2] = { p, NULL };

          if (g_str_equal (op, "$rename") && BSON_ITER_HOLDS_UTF8 (&fi))
            extra[1] = bson_iter_utf8 (&fi, NULL);
          for (guint e = 0; e < 2 && extra[e]; e++)
            if (*extra[e] == '\0' || extra[e][0] == '.' || g_str_has_suffix (extra[e], ".") ||
                strstr (extra[e], "..") != NULL)
              {
                if (*extra[e] == '\0')
                  ms_err_set (err, MS_EMPTY_FIELD_NAME, "An empty update path is not valid.");
                else
                  ms_err_set (err, MS_EMPTY_FIELD_NAME, "The update path '%s' contains an empty field name, "
                              "which is not allowed.", extra[e]);
                return FALSE;
              }
          for (guint e = 0; e < 2 && extra[e]; e++)
            {
              for (guint i = 0; i < paths->len; i++)
                if (paths_conflict (g_ptr_array_index (paths, i), extra[e]))
                  {
                    ms_err_set (err, MS_CONFLICTING_UPDATE_OPERATORS, "Updating the path '%s' would create a "
                                "conflict at '%s'", extra[e], (const char *) g_ptr_array_index (paths, i));
                    return FALSE;
                  }
              g_ptr_array_add (paths, (gpointer) extra[e]);
            }
        }
    }
  return TRUE;
}

static void
build_desc (MsUpdCtx *ctx, bson_t *desc)
{
  bson_t updated, removed, truncated;
  bson_t holder = BSON_INITIALIZER;

  BSON_APPEND_DOCUMENT_BEGIN (desc, "updatedFields", &updated);
  for (guint i = 0; i < ctx->updated->len; i++)
    {
      const char *p = g_ptr_array_index (ctx->updated, i);
      gboolean covered = FALSE;
      MsNode *n;

      for (guint j = 0; j < ctx->updated->len && !covered; j++)
        if (j != i && strlen (g_ptr_array_index (ctx->updated, j)) < strlen (p) &&
            paths_conflict (g_ptr_array_index (ctx->updated, j), p))
          covered = TRUE;
      for (guint j = 0; j < i && !covered; j++)
        if (g_str_equal (g_ptr_array_index (ctx->updated, j), p))
          covered = TRUE;
      n = covered ? NULL : ms_upd_get_path (ctx, p, NULL);
      if (n != NULL)
        {
          bson_value_t v;
          ms_upd_node_value (n, &holder, &v);
          bson_append_value (&updated, p, -1, &v);
        }
    }
  bson_append_document_end (desc, &updated);
  BSON_APPEND_ARRAY_BEGIN (desc, "removedFields", &removed);
  for (guint i = 0; i < ctx->removed->len; i++)
    {
      char buf[16];
      const char *k;
      bson_uint32_to_string (i, &k, buf, sizeof buf);
      bson_append_utf8 (&removed, k, -1, g_ptr_array_index (ctx->removed, i), -1);
    }
  bson_append_array_end (desc, &removed);
  BSON_APPEND_ARRAY_BEGIN (desc, "truncatedArrays", &truncated);
  bson_append_array_end (desc, &truncated);
  bson_destroy (&holder);
}

gboolean
ms_update_apply (const bson_t *doc, const bson_t *update, gboolean upsert_insert, bson_t *out,
                 bson_t *desc, MsErr **err)
{
  MsUpdCtx ctx = { 0 };
  bson_iter_t it, fi, before_id, after_id;
  gboolean ok = TRUE;

  ctx.root = ms_upd_node_from_doc (doc);
  ctx.original = doc;
  ctx.updated = g_ptr_array_new_with_free_func (g_free);
  ctx.removed = g_ptr_array_new_with_free_func (g_free);
  ctx.upsert_insert = upsert_insert;

  bson_iter_init (&it, update);
  while (ok && bson_iter_next (&it))
    {
      const char *op = bson_iter_key (&it);

      bson_iter_recurse (&it, &fi);
      while (ok && bson_iter_next (&fi))
        {
          const char *path = bson_iter_key (&fi);
          const bson_value_t *arg = bson_iter_value (&fi);

          if (g_str_equal (op, "$set") || (g_str_equal (op, "$setOnInsert") && upsert_insert))
            ok = ms_upd_set_path (&ctx, path, ms_upd_node_from_value ("", arg), err);
          else if (g_str_equal (op, "$unset"))
            ms_upd_unset_path (&ctx, path);
          else if (g_str_equal (op, "$inc") || g_str_equal (op, "$mul"))
            ok = op_arith (&ctx, op, path, arg, err);
          else if (g_str_equal (op, "$min") || g_str_equal (op, "$max"))
            ok = op_min_max (&ctx, g_str_equal (op, "$min"), path, arg, err);
          else if (g_str_equal (op, "$currentDate"))
            {
              bson_value_t now = { 0 };
              gboolean ts = FALSE;

              if (arg->value_type == BSON_TYPE_DOCUMENT)
                {
                  bson_t d;
                  bson_iter_t ti;
                  ms_value_doc (arg, &d);
                  ts = bson_iter_init_find (&ti, &d, "$type") && BSON_ITER_HOLDS_UTF8 (&ti) &&
                       g_str_equal (bson_iter_utf8 (&ti, NULL), "timestamp");
                }
              if (ts)
                {
                  guint64 t = ms_next_ts ();
                  now.value_type = BSON_TYPE_TIMESTAMP;
                  now.value.v_timestamp.timestamp = (guint32) (t >> 32);
                  now.value.v_timestamp.increment = (guint32) t;
                }
              else
                {
                  now.value_type = BSON_TYPE_DATE_TIME;
                  now.value.v_datetime = g_get_real_time () / 1000;
                }
              ok = ms_upd_set_path (&ctx, path, ms_upd_node_from_value ("", &now), err);
            }
          else if (g_str_equal (op, "$push") || g_str_equal (op, "$addToSet"))
            ok = ms_upd_op_push (&ctx, g_str_equal (op, "$addToSet"), path, arg, err);
          else if (g_str_equal (op, "$pull") || g_str_equal (op, "$pullAll"))
            {
              if (g_str_equal (op, "$pullAll") && arg->value_type != BSON_TYPE_ARRAY)
                {
                  ms_err_set (err, MS_BAD_VALUE, "$pullAll requires an array argument but was given a %s",
                              ms_type_alias (arg->value_type));
                  ok = FALSE;
                }
              else
                ok = ms_upd_op_pull (&ctx, g_str_equal (op, "$pullAll"), path, arg, err);
            }
          else if (g_str_equal (op, "$pop"))
            ok = ms_upd_op_pop (&ctx, path, arg, err);
          else if (g_str_equal (op, "$rename"))
            ok = op_rename (&ctx, path, arg, err);
        }
    }
  if (ok)
    {
      bson_init (out);
      ms_upd_node_append_kids (ctx.root, out);
      if (bson_iter_init_find (&before_id, doc, "_id") &&
          (!bson_iter_init_find (&after_id, out, "_id") ||
           ms_value_cmp (bson_iter_value (&before_id), bson_iter_value (&after_id)) != 0 ||
           bson_iter_type (&before_id) != bson_iter_type (&after_id)))
        {
          ms_err_set (err, MS_IMMUTABLE_FIELD, "Performing an update on the path '_id' would modify the "
                      "immutable field '_id'");
          bson_destroy (out);
          ok = FALSE;
        }
      else if (desc != NULL)
        build_desc (&ctx, desc);
    }
  ms_upd_node_free (ctx.root);
  g_ptr_array_unref (ctx.updated);
  g_ptr_array_unref (ctx.removed);
  return ok;
}

gboolean
ms_update_replace (const bson_t *old_doc, const bson_t *replacement, bson_t *out, MsErr **err)
{
  bson_iter_t oid, nid, it;

  bson_init (out);
  if (bson_iter_init_find (&oid, old_doc, "_id"))
    {
      if (bson_iter_init_find (&nid, replacement, "_id") &&
          (ms_value_cmp (bson_iter_value (&oid), bson_iter_value (&nid)) != 0 ||
           bson_iter_type (&oid) != bson_iter_type (&nid)))
        {
          GString *s = g_string_new (NULL);
          ms_value_to_shell (s, bson_iter_value (&nid));
          ms_err_set (err, MS_IMMUTABLE_FIELD, "After applying the update, the (immutable) field '_id' was found "
                      "to have been altered to _id: %s", s->str);
          g_string_free (s, TRUE);
          bson_destroy (out);
          return FALSE;
        }
      bson_append_value (out, "_id", 3, bson_iter_value (&oid));
    }
  if (bson_iter_init (&it, replacement))
    while (bson_iter_next (&it))
      if (!g_str_equal (bson_iter_key (&it), "_id") || !bson_has_field (out, "_id"))
        bson_append_value (out, bson_iter_key (&it), -1, bson_iter_value (&it));
  return TRUE;
}

static void
seed_from (MsUpdCtx *ctx, const bson_t *query)
{
  bson_iter_t it;

  if (!bson_iter_init (&it, query))
    return;
  while (bson_iter_next (&it))
    {
      const char *k = bson_iter_key (&it);
      const bson_value_t *v = bson_iter_value (&it);

      if (g_str_equal (k, "$and") && v->value_type == BSON_TYPE_ARRAY)
        {
          bson_t arr;
          bson_iter_t ai;
          ms_value_doc (v, &arr);
          if (bson_iter_init (&ai, &arr))
            while (bson_iter_next (&ai))
              if (BSON_ITER_HOLDS_DOCUMENT (&ai))
                {
                  bson_t clause;
                  bson_value_t cv = *bson_iter_value (&ai);
                  ms_value_doc (&cv, &clause);
                  seed_from (ctx, &clause);
                }
          continue;
        }
      if (k[0] == '$')
        continue;
      if (v->value_type == BSON_TYPE_DOCUMENT)
        {
          bson_t d;
          bson_iter_t di;
          ms_value_doc (v, &d);
          if (bson_iter_init (&di, &d) && bson_iter_next (&di) && bson_iter_key (&di)[0] == '$')
            {
              if (bson_iter_init_find (&di, &d, "$eq"))
                ms_upd_set_path (ctx, k, ms_upd_node_from_value ("", bson_iter_value (&di)), NULL);
              continue;
            }
        }
      if (v->value_type == BSON_TYPE_REGEX)
        continue;
      ms_upd_set_path (ctx, k, ms_upd_node_from_value ("", v), NULL);
    }
}

/* The document an upsert starts from: the query's equality fields. */
void
ms_update_upsert_seed (const bson_t *query, bson_t *out)
{
  bson_t empty = BSON_INITIALIZER;
  MsUpdCtx ctx = { 0 };

  ctx.root = ms_upd_node_from_doc (&empty);
  ctx.original = &empty;
  ctx.updated = g_ptr_array_new_with_free_func (g_free);
  ctx.removed = g_ptr_array_new_with_free_func (g_free);
  if (query != NULL)
    seed_from (&ctx, query);
  bson_init (out);
  ms_upd_node_append_kids (ctx.root, out);
  ms_upd_node_free (ctx.root);
  g_ptr_array_unref (ctx.updated);
  g_ptr_array_unref (ctx.removed);
  bson_destroy (&empty);
}
