/* ms-update-array.c — the array update operators: $push (with $each,
 * $slice, $sort, $position), $addToSet, $pull, $pullAll, $pop */
#define G_LOG_DOMAIN "mongosim"
#include "config.h"

#include <string.h>

#include "ms-update-private.h"

static MsNode *
array_at (MsUpdCtx *ctx, const char *op, const char *path, gboolean create, gboolean *created, MsErr **err)
{
  MsNode *arr = ms_upd_get_path (ctx, path, NULL);

  *created = FALSE;
  if (arr == NULL)
    {
      if (!create)
        return NULL;
      if (!ms_upd_set_path (ctx, path, ms_upd_node_container ("", BSON_TYPE_ARRAY), err))
        return NULL;
      *created = TRUE;
      return ms_upd_get_path (ctx, path, NULL);
    }
  if (arr->v.value_type != BSON_TYPE_ARRAY)
    {
      g_autofree char *id = ms_upd_doc_id_shell (ctx);
      ms_err_set (err, MS_BAD_VALUE, "The field '%s' must be an array but is of type %s in document %s",
                  path, ms_type_alias (arr->v.value_type), id);
      return NULL;
    }
  return arr;
}

static gboolean
array_contains (MsNode *arr, const bson_value_t *v)
{
  bson_t holder = BSON_INITIALIZER;
  gboolean found = FALSE;

  for (guint i = 0; i < arr->kids->len && !found; i++)
    {
      bson_value_t ev;
      ms_upd_node_value (g_ptr_array_index (arr->kids, i), &holder, &ev);
      found = ms_value_cmp (&ev, v) == 0 && ev.value_type == v->value_type;
    }
  bson_destroy (&holder);
  return found;
}

static gint
sort_nodes_cb (gconstpointer a, gconstpointer b, gpointer data)
{
  const bson_value_t *spec = data;
  MsNode *x = *(MsNode **) a, *y = *(MsNode **) b;
  bson_t hx = BSON_INITIALIZER, hy = BSON_INITIALIZER;
  bson_value_t vx, vy;
  int c;

  ms_upd_node_value (x, &hx, &vx);
  ms_upd_node_value (y, &hy, &vy);
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

gboolean
ms_upd_op_push (MsUpdCtx *ctx, gboolean add_to_set, const char *path, const bson_value_t *arg, MsErr **err)
{
  gboolean created, has_each = FALSE, modifiers = FALSE;
  bson_value_t each = { 0 }, slice = { 0 }, sort = { 0 }, position = { 0 };
  MsNode *arr;
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
            g_ptr_array_add (items, ms_upd_node_from_value ("", bson_iter_value (&it)));
      }
    else
      g_ptr_array_add (items, ms_upd_node_from_value ("", arg));
    if (position.value_type != 0)
      {
        pos = ms_value_as_int64 (&position);
        if (pos < 0)
          pos = MAX (0, (gint64) arr->kids->len + pos);
        pos = MIN (pos, (gint64) arr->kids->len);
      }
    for (guint i = 0; i < items->len; i++)
      {
        MsNode *item = g_ptr_array_index (items, i);
        if (add_to_set)
          {
            bson_t holder = BSON_INITIALIZER;
            bson_value_t iv;
            ms_upd_node_value (item, &holder, &iv);
            if (array_contains (arr, &iv))
              {
                bson_destroy (&holder);
                ms_upd_node_free (item);
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
    ms_upd_log_updated (ctx, path);
  else
    for (guint i = before; i < arr->kids->len; i++)
      {
        g_autofree char *p = g_strdup_printf ("%s.%u", path, i);
        ms_upd_log_updated (ctx, p);
      }
  return TRUE;
}

static gboolean
pull_matches (MsNode *elem, const bson_value_t *cond, gboolean all)
{
  bson_t holder = BSON_INITIALIZER;
  bson_value_t ev;
  gboolean hit = FALSE;

  ms_upd_node_value (elem, &holder, &ev);
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

gboolean
ms_upd_op_pull (MsUpdCtx *ctx, gboolean all, const char *path, const bson_value_t *arg, MsErr **err)
{
  gboolean created, changed = FALSE;
  MsNode *arr = array_at (ctx, "$pull", path, FALSE, &created, err);

  if (arr == NULL)
    return err == NULL || *err == NULL;
  for (guint i = arr->kids->len; i-- > 0;)
    if (pull_matches (g_ptr_array_index (arr->kids, i), arg, all))
      {
        g_ptr_array_remove_index (arr->kids, i);
        changed = TRUE;
      }
  if (changed)
    ms_upd_log_updated (ctx, path);
  return TRUE;
}

gboolean
ms_upd_op_pop (MsUpdCtx *ctx, const char *path, const bson_value_t *arg, MsErr **err)
{
  gboolean created;
  MsNode *arr = array_at (ctx, "$pop", path, FALSE, &created, err);

  if (arr == NULL)
    return err == NULL || *err == NULL;
  if (arr->kids->len == 0)
    return TRUE;
  if (ms_value_as_int64 (arg) < 0)
    g_ptr_array_remove_index (arr->kids, 0);
  else
    g_ptr_array_remove_index (arr->kids, arr->kids->len - 1);
  ms_upd_log_updated (ctx, path);
  return TRUE;
}
