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

#include "ms-private.h"

typedef struct Node Node;
struct Node
{
  char *key;
  bson_value_t v;         /* scalars; for containers only value_type */
  GPtrArray *kids;        /* Node*, documents and arrays */
};

static void
node_free (Node *n)
{
  if (n == NULL)
    return;
  if (n->kids)
    g_ptr_array_unref (n->kids);
  else
    bson_value_destroy (&n->v);
  g_free (n->key);
  g_free (n);
}

static Node *
node_container (const char *key, bson_type_t type)
{
  Node *n = g_new0 (Node, 1);

  n->key = g_strdup (key);
  n->v.value_type = type;
  n->kids = g_ptr_array_new_with_free_func ((GDestroyNotify) node_free);
  return n;
}

static Node *
node_from_value (const char *key, const bson_value_t *v)
{
  Node *n;

  if (v->value_type == BSON_TYPE_DOCUMENT || v->value_type == BSON_TYPE_ARRAY)
    {
      bson_t d;
      bson_iter_t it;

      n = node_container (key, v->value_type);
      ms_value_doc (v, &d);
      if (bson_iter_init (&it, &d))
        while (bson_iter_next (&it))
          g_ptr_array_add (n->kids, node_from_value (bson_iter_key (&it), bson_iter_value (&it)));
      return n;
    }
  n = g_new0 (Node, 1);
  n->key = g_strdup (key);
  bson_value_copy (v, &n->v);
  return n;
}

static Node *
node_from_doc (const bson_t *doc)
{
  bson_value_t v;

  v.value_type = BSON_TYPE_DOCUMENT;
  v.value.v_doc.data = (guint8 *) bson_get_data (doc);
  v.value.v_doc.data_len = doc->len;
  return node_from_value ("", &v);
}

static void node_append (Node *n, bson_t *parent, const char *key);

static void
node_append_kids (Node *n, bson_t *out)
{
  for (guint i = 0; i < n->kids->len; i++)
    {
      Node *k = g_ptr_array_index (n->kids, i);
      if (n->v.value_type == BSON_TYPE_ARRAY)
        {
          char buf[16];
          const char *key;
          bson_uint32_to_string (i, &key, buf, sizeof buf);
          node_append (k, out, key);
        }
      else
        node_append (k, out, k->key);
    }
}

static void
node_append (Node *n, bson_t *parent, const char *key)
{
  bson_t child;

  if (n->kids == NULL)
    {
      bson_append_value (parent, key, -1, &n->v);
      return;
    }
  if (n->v.value_type == BSON_TYPE_ARRAY)
    bson_append_array_begin (parent, key, -1, &child);
  else
    bson_append_document_begin (parent, key, -1, &child);
  node_append_kids (n, &child);
  if (n->v.value_type == BSON_TYPE_ARRAY)
    bson_append_array_end (parent, &child);
  else
    bson_append_document_end (parent, &child);
}

/* The node as a bson_value_t; containers are serialized into holder. */
static void
node_value (Node *n, bson_t *holder, bson_value_t *out)
{
  bson_iter_t it;

  if (n->kids == NULL)
    {
      *out = n->v;
      return;
    }
  bson_reinit (holder);
  node_append (n, holder, "v");
  bson_iter_init_find (&it, holder, "v");
  *out = *bson_iter_value (&it);
}

static gboolean
nodes_identical (Node *a, Node *b)
{
  bson_t ha = BSON_INITIALIZER, hb = BSON_INITIALIZER;
  gboolean same;

  node_append (a, &ha, "v");
  node_append (b, &hb, "v");
  same = bson_equal (&ha, &hb);
  bson_destroy (&ha);
  bson_destroy (&hb);
  return same;
}

static gboolean
parse_index (const char *s, guint *out)
{
  char *end;
  guint64 n;

  if (!g_ascii_isdigit (*s))
    return FALSE;
  n = g_ascii_strtoull (s, &end, 10);
  if (*end != '\0' || n > 1000000)
    return FALSE;
  *out = (guint) n;
  return TRUE;
}

static Node *
child_get (Node *n, const char *key, guint *pos)
{
  if (n->kids == NULL)
    return NULL;
  if (n->v.value_type == BSON_TYPE_ARRAY)
    {
      guint i;
      if (!parse_index (key, &i) || i >= n->kids->len)
        return NULL;
      if (pos)
        *pos = i;
      return g_ptr_array_index (n->kids, i);
    }
  for (guint i = 0; i < n->kids->len; i++)
    {
      Node *k = g_ptr_array_index (n->kids, i);
      if (g_str_equal (k->key, key))
        {
          if (pos)
            *pos = i;
          return k;
        }
    }
  return NULL;
}

/* Puts child under n at key (replacing); arrays are padded with nulls. */
static void
child_set (Node *n, const char *key, Node *child)
{
  guint pos;

  g_free (child->key);
  child->key = g_strdup (key);
  if (child_get (n, key, &pos) != NULL)
    {
      node_free (g_ptr_array_index (n->kids, pos));
      g_ptr_array_index (n->kids, pos) = child;
      return;
    }
  if (n->v.value_type == BSON_TYPE_ARRAY)
    {
      guint index;
      bson_value_t null_value = { .value_type = BSON_TYPE_NULL };

      parse_index (key, &index);
      while (n->kids->len < index)
        g_ptr_array_add (n->kids, node_from_value ("", &null_value));
    }
  g_ptr_array_add (n->kids, child);
}

typedef struct
{
  Node *root;
  const bson_t *original;
  GPtrArray *updated;     /* char* paths */
  GPtrArray *removed;     /* char* paths */
  gboolean upsert_insert;
} Ctx;

static void
log_updated (Ctx *ctx, const char *path)
{
  g_ptr_array_add (ctx->updated, g_strdup (path));
}

/* Walks to the parent of the last component.  create: make missing
 * intermediate documents (logging the shallowest new path).  Returns NULL
 * with *err unset when the path does not exist and create is FALSE. */
static Node *
resolve_parent (Ctx *ctx, char **parts, gboolean create, char **created, MsErr **err)
{
  Node *n = ctx->root;
  guint nparts = g_strv_length (parts);

  for (guint i = 0; i + 1 < nparts; i++)
    {
      Node *next = child_get (n, parts[i], NULL);

      if (next == NULL)
        {
          guint dummy;
          if (!create)
            return NULL;
          if (n->v.value_type == BSON_TYPE_ARRAY && !parse_index (parts[i], &dummy))
            {
              GString *msg = g_string_new (NULL);
              bson_t holder = BSON_INITIALIZER;
              bson_value_t v;
              node_value (n, &holder, &v);
              g_string_append_printf (msg, "Cannot create field '%s' in element {%s: ", parts[i], n->key);
              ms_value_to_shell (msg, &v);
              g_string_append (msg, "}");
              ms_err_set (err, MS_PATH_NOT_VIABLE, "%s", msg->str);
              g_string_free (msg, TRUE);
              bson_destroy (&holder);
              return NULL;
            }
          next = node_container (parts[i], BSON_TYPE_DOCUMENT);
          child_set (n, parts[i], next);
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
      if (!parse_index (parts[nparts - 1], &dummy))
        {
          ms_err_set (err, MS_PATH_NOT_VIABLE, "Cannot create field '%s' in element {%s: [...]}",
                      parts[nparts - 1], n->key);
          return NULL;
        }
    }
  return n;
}

/* Sets path to a new node, logging the change when there is one. */
static gboolean
set_path (Ctx *ctx, const char *path, Node *value, MsErr **err)
{
  char **parts = g_strsplit (path, ".", -1);
  g_autofree char *created = NULL;
  Node *parent, *old;
  const char *last;

  if (path[0] == '\0' || strstr (path, "..") || g_str_has_suffix (path, "."))
    {
      ms_err_set (err, MS_EMPTY_FIELD_NAME, "An empty update path is not valid.");
      g_strfreev (parts);
      node_free (value);
      return FALSE;
    }
  created = NULL;
  parent = resolve_parent (ctx, parts, TRUE, &created, err);
  if (parent == NULL)
    {
      g_strfreev (parts);
      node_free (value);
      return FALSE;
    }
  last = parts[g_strv_length (parts) - 1];
  old = child_get (parent, last, NULL);
  if (old != NULL && nodes_identical (old, value) && old->v.value_type == value->v.value_type)
    node_free (value);
  else
    {
      child_set (parent, last, value);
      log_updated (ctx, created && *created ? created : path);
    }
  g_strfreev (parts);
  return TRUE;
}

static Node *
get_path (Ctx *ctx, const char *path, Node **parent_out)
{
  char **parts = g_strsplit (path, ".", -1);
  Node *parent = resolve_parent (ctx, parts, FALSE, NULL, NULL);
  Node *n = parent ? child_get (parent, parts[g_strv_length (parts) - 1], NULL) : NULL;

  if (parent_out)
    *parent_out = parent;
  g_strfreev (parts);
  return n;
}

static void
unset_path (Ctx *ctx, const char *path)
{
  Node *parent;
  Node *n = get_path (ctx, path, &parent);
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
          child_set (parent, last, node_from_value ("", &null_value));
          log_updated (ctx, path);
        }
      return;
    }
  child_get (parent, last, &pos);
  g_ptr_array_remove_index (parent->kids, pos);
  g_ptr_array_add (ctx->removed, g_strdup (path));
}

static char *
doc_id_shell (Ctx *ctx)
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
op_arith (Ctx *ctx, const char *op, const char *path, const bson_value_t *arg, MsErr **err)
{
  gboolean mul = g_str_equal (op, "$mul");
  Node *old = get_path (ctx, path, NULL);
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
      g_autofree char *id = doc_id_shell (ctx);
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
          return set_path (ctx, path, node_from_value ("", &zero), err);
        }
      return set_path (ctx, path, node_from_value ("", arg), err);
    }
  r = arith (&old->v, arg, mul);
  return set_path (ctx, path, node_from_value ("", &r), err);
}

static gboolean
op_min_max (Ctx *ctx, gboolean is_min, const char *path, const bson_value_t *arg, MsErr **err)
{
  Node *old = get_path (ctx, path, NULL);
  bson_t holder = BSON_INITIALIZER;
  bson_value_t ov;
  int c;

  if (old == NULL)
    {
      bson_destroy (&holder);
      return set_path (ctx, path, node_from_value ("", arg), err);
    }
  node_value (old, &holder, &ov);
  c = ms_value_cmp (arg, &ov);
  bson_destroy (&holder);
  if ((is_min && c < 0) || (!is_min && c > 0))
    return set_path (ctx, path, node_from_value ("", arg), err);
  return TRUE;
}

static Node *
array_at (Ctx *ctx, const char *op, const char *path, gboolean create, gboolean *created, MsErr **err)
{
  Node *arr = get_path (ctx, path, NULL);

  *created = FALSE;
  if (arr == NULL)
    {
      if (!create)
        return NULL;
      if (!set_path (ctx, path, node_container ("", BSON_TYPE_ARRAY), err))
        return NULL;
      *created = TRUE;
      return get_path (ctx, path, NULL);
    }
  if (arr->v.value_type != BSON_TYPE_ARRAY)
    {
      g_autofree char *id = doc_id_shell (ctx);
      ms_err_set (err, MS_BAD_VALUE, "The field '%s' must be an array but is of type %s in document %s",
                  path, ms_type_alias (arr->v.value_type), id);
      return NULL;
    }
  return arr;
}

static gboolean
array_contains (Node *arr, const bson_value_t *v)
{
  bson_t holder = BSON_INITIALIZER;
  gboolean found = FALSE;

  for (guint i = 0; i < arr->kids->len && !found; i++)
    {
      bson_value_t ev;
      node_value (g_ptr_array_index (arr->kids, i), &holder, &ev);
      found = ms_value_cmp (&ev, v) == 0 && ev.value_type == v->value_type;
    }
  bson_destroy (&holder);
  return found;
}

static gint
sort_nodes_cb (gconstpointer a, gconstpointer b, gpointer data)
{
  const bson_value_t *spec = data;
  Node *x = *(Node **) a, *y = *(Node **) b;
  bson_t hx = BSON_INITIALIZER, hy = BSON_INITIALIZER;
  bson_value_t vx, vy;
  int c;

  node_value (x, &hx, &vx);
  node_value (y, &hy, &vy);
  if (spec->value_type == BSON_TYPE_DOCUMENT)
    {
      bson_t sd, dx, dy;
      bson_iter_t it;
      bson_value_t fx = { .value_type = BSON_TYPE_NULL }, fy = { .value_type = BSON_TYPE_NULL };
      int dir = 1;

      ms_value_doc (spec, &sd);
      c = 0;
      if (bson_iter_init (&it, &sd))
        while (c == 0 && bson_iter_next (&it))
          {
            fx.value_type = fy.value_type = BSON_TYPE_NULL;
            dir = bson_iter_as_int64 (&it) < 0 ? -1 : 1;
            if (vx.value_type == BSON_TYPE_DOCUMENT)
              {
                ms_value_doc (&vx, &dx);
                ms_lookup_path (&dx, bson_iter_key (&it), &fx);
              }
            if (vy.value_type == BSON_TYPE_DOCUMENT)
              {
                ms_value_doc (&vy, &dy);
                ms_lookup_path (&dy, bson_iter_key (&it), &fy);
              }
            c = dir * ms_value_cmp (&fx, &fy);
          }
    }
  else
    c = (ms_value_as_int64 (spec) < 0 ? -1 : 1) * ms_value_cmp (&vx, &vy);
  bson_destroy (&hx);
  bson_destroy (&hy);
  return c;
}

static gboolean
op_push (Ctx *ctx, gboolean add_to_set, const char *path, const bson_value_t *arg, MsErr **err)
{
  gboolean created, has_each = FALSE, modifiers = FALSE;
  bson_value_t each = { 0 }, slice = { 0 }, sort = { 0 }, position = { 0 };
  Node *arr;
  guint before;
  bson_t eachdoc;
  bson_iter_t it;

  if (arg->value_type == BSON_TYPE_DOCUMENT)
    {
      bson_t d;
      ms_value_doc (arg, &d);
      if (bson_iter_init_find (&it, &d, "$each"))
        {
          has_each = TRUE;
          each = *bson_iter_value (&it);
          if (each.value_type != BSON_TYPE_ARRAY)
            {
              ms_err_set (err, MS_BAD_VALUE, "The argument to $each in %s must be an array but it was of type: %s",
                          add_to_set ? "$addToSet" : "$push", ms_type_alias (each.value_type));
              return FALSE;
            }
          if (bson_iter_init_find (&it, &d, "$slice"))
            slice = *bson_iter_value (&it), modifiers = TRUE;
          if (bson_iter_init_find (&it, &d, "$sort"))
            sort = *bson_iter_value (&it), modifiers = TRUE;
          if (bson_iter_init_find (&it, &d, "$position"))
            position = *bson_iter_value (&it), modifiers = TRUE;
        }
    }
  arr = array_at (ctx, add_to_set ? "$addToSet" : "$push", path, TRUE, &created, err);
  if (arr == NULL)
    return FALSE;
  before = arr->kids->len;
  {
    GPtrArray *items = g_ptr_array_new ();
    gint64 pos = arr->kids->len;

    if (has_each)
      {
        ms_value_doc (&each, &eachdoc);
        if (bson_iter_init (&it, &eachdoc))
          while (bson_iter_next (&it))
            g_ptr_array_add (items, node_from_value ("", bson_iter_value (&it)));
      }
    else
      g_ptr_array_add (items, node_from_value ("", arg));
    if (position.value_type != 0)
      {
        pos = ms_value_as_int64 (&position);
        if (pos < 0)
          pos = MAX (0, (gint64) arr->kids->len + pos);
        pos = MIN (pos, (gint64) arr->kids->len);
      }
    for (guint i = 0; i < items->len; i++)
      {
        Node *item = g_ptr_array_index (items, i);
        if (add_to_set)
          {
            bson_t holder = BSON_INITIALIZER;
            bson_value_t iv;
            node_value (item, &holder, &iv);
            if (array_contains (arr, &iv))
              {
                bson_destroy (&holder);
                node_free (item);
                continue;
              }
            bson_destroy (&holder);
          }
        g_ptr_array_insert (arr->kids, (gint) pos++, item);
      }
    g_ptr_array_unref (items);
  }
  if (sort.value_type != 0)
    g_ptr_array_sort_with_data (arr->kids, sort_nodes_cb, &sort);
  if (slice.value_type != 0)
    {
      gint64 n = ms_value_as_int64 (&slice);
      if (n >= 0 && (guint64) n < arr->kids->len)
        g_ptr_array_remove_range (arr->kids, (guint) n, arr->kids->len - (guint) n);
      else if (n < 0 && (guint64) (-n) < arr->kids->len)
        g_ptr_array_remove_range (arr->kids, 0, arr->kids->len - (guint) (-n));
    }
  if (created)
    return TRUE;
  if (modifiers)
    log_updated (ctx, path);
  else
    for (guint i = before; i < arr->kids->len; i++)
      {
        g_autofree char *p = g_strdup_printf ("%s.%u", path, i);
        log_updated (ctx, p);
      }
  return TRUE;
}

static gboolean
pull_matches (Node *elem, const bson_value_t *cond, gboolean all)
{
  bson_t holder = BSON_INITIALIZER;
  bson_value_t ev;
  gboolean hit = FALSE;

  node_value (elem, &holder, &ev);
  if (all)
    {
      bson_t arr;
      bson_iter_t it;
      ms_value_doc (cond, &arr);
      if (bson_iter_init (&it, &arr))
        while (!hit && bson_iter_next (&it))
          hit = ms_value_cmp (&ev, bson_iter_value (&it)) == 0;
    }
  else if (cond->value_type == BSON_TYPE_DOCUMENT)
    {
      bson_t cd;
      bson_iter_t it;
      ms_value_doc (cond, &cd);
      if (bson_iter_init (&it, &cd) && bson_iter_next (&it) && bson_iter_key (&it)[0] == '$')
        hit = ms_match_value_ops (&ev, &cd);
      else if (ev.value_type == BSON_TYPE_DOCUMENT)
        {
          bson_t ed;
          ms_value_doc (&ev, &ed);
          hit = ms_match (&ed, &cd);
        }
    }
  else
    hit = ms_value_cmp (&ev, cond) == 0;
  bson_destroy (&holder);
  return hit;
}

static gboolean
op_pull (Ctx *ctx, gboolean all, const char *path, const bson_value_t *arg, MsErr **err)
{
  gboolean created, changed = FALSE;
  Node *arr = array_at (ctx, "$pull", path, FALSE, &created, err);

  if (arr == NULL)
    return err == NULL || *err == NULL;
  for (guint i = arr->kids->len; i-- > 0;)
    if (pull_matches (g_ptr_array_index (arr->kids, i), arg, all))
      {
        g_ptr_array_remove_index (arr->kids, i);
        changed = TRUE;
      }
  if (changed)
    log_updated (ctx, path);
  return TRUE;
}

static gboolean
op_pop (Ctx *ctx, const char *path, const bson_value_t *arg, MsErr **err)
{
  gboolean created;
  Node *arr = array_at (ctx, "$pop", path, FALSE, &created, err);

  if (arr == NULL)
    return err == NULL || *err == NULL;
  if (arr->kids->len == 0)
    return TRUE;
  if (ms_value_as_int64 (arg) < 0)
    g_ptr_array_remove_index (arr->kids, 0);
  else
    g_ptr_array_remove_index (arr->kids, arr->kids->len - 1);
  log_updated (ctx, path);
  return TRUE;
}

static gboolean
op_rename (Ctx *ctx, const char *from, const bson_value_t *to, MsErr **err)
{
  Node *parent, *n;
  bson_t holder = BSON_INITIALIZER;
  bson_value_t v;
  Node *copy;

  if (to->value_type != BSON_TYPE_UTF8)
    {
      ms_err_set (err, MS_BAD_VALUE, "The 'to' field for $rename must be a string: %s: %s", from,
                  ms_type_alias (to->value_type));
      return FALSE;
    }
  n = get_path (ctx, from, &parent);
  if (n == NULL)
    return TRUE;
  if (parent->v.value_type == BSON_TYPE_ARRAY)
    {
      ms_err_set (err, MS_BAD_VALUE, "The source field cannot be an array element, '%s' in doc with _id", from);
      return FALSE;
    }
  node_value (n, &holder, &v);
  copy = node_from_value ("", &v);
  bson_destroy (&holder);
  unset_path (ctx, from);
  return set_path (ctx, to->value.v_utf8.str, copy, err);
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
build_desc (Ctx *ctx, bson_t *desc)
{
  bson_t updated, removed, truncated;
  bson_t holder = BSON_INITIALIZER;

  BSON_APPEND_DOCUMENT_BEGIN (desc, "updatedFields", &updated);
  for (guint i = 0; i < ctx->updated->len; i++)
    {
      const char *p = g_ptr_array_index (ctx->updated, i);
      gboolean covered = FALSE;
      Node *n;

      for (guint j = 0; j < ctx->updated->len && !covered; j++)
        if (j != i && strlen (g_ptr_array_index (ctx->updated, j)) < strlen (p) &&
            paths_conflict (g_ptr_array_index (ctx->updated, j), p))
          covered = TRUE;
      for (guint j = 0; j < i && !covered; j++)
        if (g_str_equal (g_ptr_array_index (ctx->updated, j), p))
          covered = TRUE;
      n = covered ? NULL : get_path (ctx, p, NULL);
      if (n != NULL)
        {
          bson_value_t v;
          node_value (n, &holder, &v);
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
  Ctx ctx = { 0 };
  bson_iter_t it, fi, before_id, after_id;
  gboolean ok = TRUE;

  ctx.root = node_from_doc (doc);
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
            ok = set_path (&ctx, path, node_from_value ("", arg), err);
          else if (g_str_equal (op, "$unset"))
            unset_path (&ctx, path);
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
              ok = set_path (&ctx, path, node_from_value ("", &now), err);
            }
          else if (g_str_equal (op, "$push") || g_str_equal (op, "$addToSet"))
            ok = op_push (&ctx, g_str_equal (op, "$addToSet"), path, arg, err);
          else if (g_str_equal (op, "$pull") || g_str_equal (op, "$pullAll"))
            {
              if (g_str_equal (op, "$pullAll") && arg->value_type != BSON_TYPE_ARRAY)
                {
                  ms_err_set (err, MS_BAD_VALUE, "$pullAll requires an array argument but was given a %s",
                              ms_type_alias (arg->value_type));
                  ok = FALSE;
                }
              else
                ok = op_pull (&ctx, g_str_equal (op, "$pullAll"), path, arg, err);
            }
          else if (g_str_equal (op, "$pop"))
            ok = op_pop (&ctx, path, arg, err);
          else if (g_str_equal (op, "$rename"))
            ok = op_rename (&ctx, path, arg, err);
        }
    }
  if (ok)
    {
      bson_init (out);
      node_append_kids (ctx.root, out);
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
  node_free (ctx.root);
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
seed_from (Ctx *ctx, const bson_t *query)
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
                set_path (ctx, k, node_from_value ("", bson_iter_value (&di)), NULL);
              continue;
            }
        }
      if (v->value_type == BSON_TYPE_REGEX)
        continue;
      set_path (ctx, k, node_from_value ("", v), NULL);
    }
}

/* The document an upsert starts from: the query's equality fields. */
void
ms_update_upsert_seed (const bson_t *query, bson_t *out)
{
  bson_t empty = BSON_INITIALIZER;
  Ctx ctx = { 0 };

  ctx.root = node_from_doc (&empty);
  ctx.original = &empty;
  ctx.updated = g_ptr_array_new_with_free_func (g_free);
  ctx.removed = g_ptr_array_new_with_free_func (g_free);
  if (query != NULL)
    seed_from (&ctx, query);
  bson_init (out);
  node_append_kids (ctx.root, out);
  node_free (ctx.root);
  g_ptr_array_unref (ctx.updated);
  g_ptr_array_unref (ctx.removed);
  bson_destroy (&empty);
}
