/* ms-aggregate.c — the aggregation stages the sync engine and its tests
 * use: $match $project $addFields/$set $unset $sort $skip $limit $count
 * $group ($sum $avg $min $max $first $last $push $addToSet)
 */
#define G_LOG_DOMAIN "mongosim"
#include "config.h"

#include <string.h>

#include "ms-private.h"

/* Evaluates an aggregation expression against doc.  The result may point
 * into holder (reinitialised here) or into doc/expr; a missing field
 * gives BSON_TYPE_EOD. */
void
ms_expr_eval (const bson_t *doc, const bson_value_t *expr, bson_t *holder, bson_value_t *out)
{
  bson_iter_t it;

  out->value_type = BSON_TYPE_EOD;
  if (expr->value_type == BSON_TYPE_UTF8 && expr->value.v_utf8.str[0] == '$')
    {
      const char *path = expr->value.v_utf8.str + 1;

      if (g_str_equal (path, "$ROOT") || g_str_equal (path, "$CURRENT"))
        {
          out->value_type = BSON_TYPE_DOCUMENT;
          out->value.v_doc.data = (guint8 *) bson_get_data (doc);
          out->value.v_doc.data_len = doc->len;
          return;
        }
      if (!ms_lookup_path (doc, path, out))
        out->value_type = BSON_TYPE_EOD;
      return;
    }
  if (expr->value_type == BSON_TYPE_DOCUMENT)
    {
      bson_t d, child;
      bson_iter_t di;

      ms_value_doc (expr, &d);
      if (bson_iter_init (&di, &d) && bson_iter_next (&di) && bson_iter_key (&di)[0] == '$')
        {
          if (g_str_equal (bson_iter_key (&di), "$literal"))
            *out = *bson_iter_value (&di);
          else
            out->value_type = BSON_TYPE_NULL;
          return;
        }
      bson_reinit (holder);
      bson_append_document_begin (holder, "v", 1, &child);
      if (bson_iter_init (&di, &d))
        while (bson_iter_next (&di))
          {
            bson_t h2 = BSON_INITIALIZER;
            bson_value_t r;
            ms_expr_eval (doc, bson_iter_value (&di), &h2, &r);
            if (r.value_type != BSON_TYPE_EOD)
              bson_append_value (&child, bson_iter_key (&di), -1, &r);
            bson_destroy (&h2);
          }
      bson_append_document_end (holder, &child);
      bson_iter_init_find (&it, holder, "v");
      *out = *bson_iter_value (&it);
      return;
    }
  if (expr->value_type == BSON_TYPE_ARRAY)
    {
      bson_t d, child;
      bson_iter_t di;
      guint i = 0;

      ms_value_doc (expr, &d);
      bson_reinit (holder);
      bson_append_array_begin (holder, "v", 1, &child);
      if (bson_iter_init (&di, &d))
        while (bson_iter_next (&di))
          {
            bson_t h2 = BSON_INITIALIZER;
            bson_value_t r;
            char buf[16];
            const char *k;

            ms_expr_eval (doc, bson_iter_value (&di), &h2, &r);
            if (r.value_type == BSON_TYPE_EOD)
              r.value_type = BSON_TYPE_NULL;
            bson_uint32_to_string (i++, &k, buf, sizeof buf);
            bson_append_value (&child, k, -1, &r);
            bson_destroy (&h2);
          }
      bson_append_array_end (holder, &child);
      bson_iter_init_find (&it, holder, "v");
      *out = *bson_iter_value (&it);
      return;
    }
  *out = *expr;
}

/* ------------------------------------------------------------------ $group */

typedef struct
{
  char *field;
  char *op;
  bson_value_t expr;
  /* state */
  gboolean have;
  gboolean all_int32;
  gboolean any_double;
  gint64 isum;
  double dsum;
  gint64 count;
  bson_t *holder;         /* min/max/first/last value as {v: …} */
  bson_t *list;           /* $push/$addToSet array being built */
  guint list_len;
  GHashTable *set_keys;
} Acc;

typedef struct
{
  bson_t *id;             /* {_id: …} */
  GArray *accs;           /* Acc */
} Group;

static void
acc_clear (gpointer p)
{
  Acc *a = p;

  g_free (a->field);
  g_free (a->op);
  if (a->holder)
    bson_destroy (a->holder);
  if (a->list)
    bson_destroy (a->list);
  if (a->set_keys)
    g_hash_table_unref (a->set_keys);
}

static void
group_free (Group *g)
{
  bson_destroy (g->id);
  g_array_unref (g->accs);
  g_free (g);
}

static void
acc_keep (Acc *a, const bson_value_t *v)
{
  if (a->holder)
    bson_destroy (a->holder);
  a->holder = bson_new ();
  bson_append_value (a->holder, "v", 1, v);
  a->have = TRUE;
}

static void
acc_feed (Acc *a, const bson_t *doc)
{
  bson_t holder = BSON_INITIALIZER;
  bson_value_t v;

  ms_expr_eval (doc, &a->expr, &holder, &v);
  if (g_str_equal (a->op, "$sum") || g_str_equal (a->op, "$avg"))
    {
      if (ms_value_is_number (&v))
        {
          if (v.value_type == BSON_TYPE_DOUBLE || v.value_type == BSON_TYPE_DECIMAL128)
            a->any_double = TRUE;
          if (v.value_type != BSON_TYPE_INT32)
            a->all_int32 = FALSE;
          a->isum += ms_value_as_int64 (&v);
          a->dsum += ms_value_as_double (&v);
          a->count++;
        }
    }
  else if (g_str_equal (a->op, "$min") || g_str_equal (a->op, "$max"))
    {
      if (v.value_type != BSON_TYPE_EOD && v.value_type != BSON_TYPE_NULL && v.value_type != BSON_TYPE_UNDEFINED)
        {
          bson_iter_t it;
          int c = 0;

          if (a->have && bson_iter_init_find (&it, a->holder, "v"))
            c = ms_value_cmp (&v, bson_iter_value (&it));
          if (!a->have || (g_str_equal (a->op, "$min") ? c < 0 : c > 0))
            acc_keep (a, &v);
        }
    }
  else if (g_str_equal (a->op, "$first"))
    {
      if (!a->have)
        {
          bson_value_t null_value = { .value_type = BSON_TYPE_NULL };
          acc_keep (a, v.value_type == BSON_TYPE_EOD ? &null_value : &v);
        }
    }
  else if (g_str_equal (a->op, "$last"))
    {
      bson_value_t null_value = { .value_type = BSON_TYPE_NULL };
      acc_keep (a, v.value_type == BSON_TYPE_EOD ? &null_value : &v);
    }
  else if (g_str_equal (a->op, "$push") || g_str_equal (a->op, "$addToSet"))
    {
      if (v.value_type != BSON_TYPE_EOD)
        {
          gboolean add = TRUE;

          if (g_str_equal (a->op, "$addToSet"))
            {
              GString *key = g_string_new (NULL);
              ms_value_key (key, &v);
              if (g_hash_table_contains (a->set_keys, key->str))
                add = FALSE;
              else
                g_hash_table_add (a->set_keys, g_strdup (key->str));
              g_string_free (key, TRUE);
            }
          if (add)
            {
              char buf[16];
              const char *k;
              bson_uint32_to_string (a->list_len++, &k, buf, sizeof buf);
              bson_append_value (a->list, k, -1, &v);
            }
        }
    }
  bson_destroy (&holder);
}

static void
acc_result (Acc *a, bson_t *out)
{
  bson_iter_t it;

  if (g_str_equal (a->op, "$sum"))
    {
      if (a->any_double)
        BSON_APPEND_DOUBLE (out, a->field, a->dsum);
      else if (a->all_int32 && a->isum >= G_MININT32 && a->isum <= G_MAXINT32)
        BSON_APPEND_INT32 (out, a->field, (gint32) a->isum);
      else
        BSON_APPEND_INT64 (out, a->field, a->isum);
    }
  else if (g_str_equal (a->op, "$avg"))
    {
      if (a->count == 0)
        BSON_APPEND_NULL (out, a->field);
      else
        BSON_APPEND_DOUBLE (out, a->field, a->dsum / (double) a->count);
    }
  else if (a->list != NULL)
    BSON_APPEND_ARRAY (out, a->field, a->list);
  else if (a->have && bson_iter_init_find (&it, a->holder, "v"))
    bson_append_value (out, a->field, -1, bson_iter_value (&it));
  else
    BSON_APPEND_NULL (out, a->field);
}

static gboolean
stage_group (GPtrArray *in, const bson_t *spec, GPtrArray *out, MsErr **err)
{
  bson_iter_t it;
  bson_value_t id_expr = { .value_type = BSON_TYPE_NULL };
  GHashTable *index = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  GPtrArray *groups = g_ptr_array_new_with_free_func ((GDestroyNotify) group_free);
  gboolean ok = TRUE;

  if (!bson_iter_init_find (&it, spec, "_id"))
    {
      ms_err_set (err, 15955, "a group specification must include an _id");
      ok = FALSE;
      goto out;
    }
  id_expr = *bson_iter_value (&it);
  bson_iter_init (&it, spec);
  while (bson_iter_next (&it))
    {
      bson_iter_t op;
      if (g_str_equal (bson_iter_key (&it), "_id"))
        continue;
      if (!BSON_ITER_HOLDS_DOCUMENT (&it) || !bson_iter_recurse (&it, &op) || !bson_iter_next (&op) ||
          !(g_str_equal (bson_iter_key (&op), "$sum") || g_str_equal (bson_iter_key (&op), "$avg") ||
            g_str_equal (bson_iter_key (&op), "$min") || g_str_equal (bson_iter_key (&op), "$max") ||
            g_str_equal (bson_iter_key (&op), "$first") || g_str_equal (bson_iter_key (&op), "$last") ||
            g_str_equal (bson_iter_key (&op), "$push") || g_str_equal (bson_iter_key (&op), "$addToSet")))
        {
          ms_err_set (err, 15952, "unknown group operator '%s'",
                      BSON_ITER_HOLDS_DOCUMENT (&it) ? bson_iter_key (&op) : bson_iter_key (&it));
          ok = FALSE;
          goto out;
        }
    }

  for (guint d = 0; d < in->len; d++)
    {
      bson_t doc, holder = BSON_INITIALIZER;
      bson_value_t idv;
      GString *key = g_string_new (NULL);
      Group *g;

      ms_bytes_bson (g_ptr_array_index (in, d), &doc);
      ms_expr_eval (&doc, &id_expr, &holder, &idv);
      if (idv.value_type == BSON_TYPE_EOD)
        idv.value_type = BSON_TYPE_NULL;
      ms_value_key (key, &idv);
      g = g_hash_table_lookup (index, key->str);
      if (g == NULL)
        {
          g = g_new0 (Group, 1);
          g->id = bson_new ();
          bson_append_value (g->id, "_id", 3, &idv);
          g->accs = g_array_new (FALSE, TRUE, sizeof (Acc));
          g_array_set_clear_func (g->accs, acc_clear);
          bson_iter_init (&it, spec);
          while (bson_iter_next (&it))
            {
              bson_iter_t op;
              Acc a = { 0 };

              if (g_str_equal (bson_iter_key (&it), "_id"))
                continue;
              bson_iter_recurse (&it, &op);
              bson_iter_next (&op);
              a.field = g_strdup (bson_iter_key (&it));
              a.op = g_strdup (bson_iter_key (&op));
              a.expr = *bson_iter_value (&op);
              a.all_int32 = TRUE;
              if (g_str_equal (a.op, "$push") || g_str_equal (a.op, "$addToSet"))
                a.list = bson_new ();
              if (g_str_equal (a.op, "$addToSet"))
                a.set_keys = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
              g_array_append_val (g->accs, a);
            }
          g_hash_table_insert (index, g_strdup (key->str), g);
          g_ptr_array_add (groups, g);
        }
      for (guint a = 0; a < g->accs->len; a++)
        acc_feed (&g_array_index (g->accs, Acc, a), &doc);
      g_string_free (key, TRUE);
      bson_destroy (&holder);
    }
  for (guint i = 0; i < groups->len; i++)
    {
      Group *g = g_ptr_array_index (groups, i);
      bson_t res = BSON_INITIALIZER;
      bson_iter_t ii;

      bson_iter_init (&ii, g->id);
      bson_iter_next (&ii);
      bson_append_value (&res, "_id", 3, bson_iter_value (&ii));
      for (guint a = 0; a < g->accs->len; a++)
        acc_result (&g_array_index (g->accs, Acc, a), &res);
      g_ptr_array_add (out, ms_bson_to_bytes (&res));
      bson_destroy (&res);
    }
out:
  g_hash_table_unref (index);
  g_ptr_array_unref (groups);
  return ok;
}

/* --------------------------------------------------------------- pipeline */

static GPtrArray *
new_docs (void)
{
  return g_ptr_array_new_with_free_func ((GDestroyNotify) g_bytes_unref);
}

/* Runs stages [first_stage..] of pipeline over docs (GBytes).  *out gets a
 * new array of GBytes. */
gboolean
ms_pipeline_run (GPtrArray *docs, const bson_t *pipeline, guint first_stage, GPtrArray **out, MsErr **err)
{
  g_autoptr(GPtrArray) cur = new_docs ();
  bson_iter_t it;
  guint n = 0;

  for (guint i = 0; i < docs->len; i++)
    g_ptr_array_add (cur, g_bytes_ref (g_ptr_array_index (docs, i)));
  if (pipeline != NULL && bson_iter_init (&it, pipeline))
    while (bson_iter_next (&it))
      {
        bson_iter_t st;
        const char *name;
        bson_value_t arg;
        g_autoptr(GPtrArray) next = NULL;

        if (n++ < first_stage)
          continue;
        if (!BSON_ITER_HOLDS_DOCUMENT (&it) || !bson_iter_recurse (&it, &st) || !bson_iter_next (&st))
          {
            ms_err_set (err, 40323, "A pipeline stage specification object must contain exactly one field.");
            return FALSE;
          }
        name = bson_iter_key (&st);
        arg = *bson_iter_value (&st);
        next = new_docs ();
        if (g_str_equal (name, "$match"))
          {
            bson_t q;
            if (arg.value_type != BSON_TYPE_DOCUMENT)
              {
                ms_err_set (err, 15959, "the match filter must be an expression in an object");
                return FALSE;
              }
            ms_value_doc (&arg, &q);
            if (!ms_query_check (&q, err))
              return FALSE;
            for (guint i = 0; i < cur->len; i++)
              {
                bson_t d;
                ms_bytes_bson (g_ptr_array_index (cur, i), &d);
                if (ms_match (&d, &q))
                  g_ptr_array_add (next, g_bytes_ref (g_ptr_array_index (cur, i)));
              }
          }
        else if (g_str_equal (name, "$project") || g_str_equal (name, "$unset") ||
                 g_str_equal (name, "$addFields") || g_str_equal (name, "$set"))
          {
            bson_t spec = BSON_INITIALIZER;

            if (g_str_equal (name, "$unset"))
              {
                if (arg.value_type == BSON_TYPE_UTF8)
                  BSON_APPEND_INT32 (&spec, arg.value.v_utf8.str, 0);
                else if (arg.value_type == BSON_TYPE_ARRAY)
                  {
                    bson_t a;
                    bson_iter_t ai;
                    ms_value_doc (&arg, &a);
                    if (bson_iter_init (&ai, &a))
                      while (bson_iter_next (&ai))
                        if (BSON_ITER_HOLDS_UTF8 (&ai))
                          BSON_APPEND_INT32 (&spec, bson_iter_utf8 (&ai, NULL), 0);
                  }
              }
            else if (arg.value_type == BSON_TYPE_DOCUMENT)
              {
                bson_t a;
                ms_value_doc (&arg, &a);
                bson_concat (&spec, &a);
              }
            else
              {
                ms_err_set (err, 15969, "%s specification must be an object", name);
                bson_destroy (&spec);
                return FALSE;
              }
            if (g_str_equal (name, "$project") && bson_empty (&spec))
              {
                ms_err_set (err, 51272, "Invalid $project :: caused by :: projection specification must "
                            "have at least one field");
                bson_destroy (&spec);
                return FALSE;
              }
            if (!ms_projection_check (&spec, err))
              {
                bson_destroy (&spec);
                return FALSE;
              }
            for (guint i = 0; i < cur->len; i++)
              {
                bson_t d, res = BSON_INITIALIZER;

                ms_bytes_bson (g_ptr_array_index (cur, i), &d);
                if (g_str_equal (name, "$addFields") || g_str_equal (name, "$set"))
                  {
                    bson_iter_t si;
                    bson_t upd = BSON_INITIALIZER, set;

                    BSON_APPEND_DOCUMENT_BEGIN (&upd, "$set", &set);
                    if (bson_iter_init (&si, &spec))
                      while (bson_iter_next (&si))
                        {
                          bson_t holder = BSON_INITIALIZER;
                          bson_value_t r;
                          ms_expr_eval (&d, bson_iter_value (&si), &holder, &r);
                          if (r.value_type != BSON_TYPE_EOD)
                            bson_append_value (&set, bson_iter_key (&si), -1, &r);
                          bson_destroy (&holder);
                        }
                    bson_append_document_end (&upd, &set);
                    if (!ms_update_apply (&d, &upd, FALSE, &res, NULL, NULL))
                      bson_init (&res);
                    bson_destroy (&upd);
                  }
                else
                  ms_project (&d, &spec, &res);
                g_ptr_array_add (next, ms_bson_to_bytes (&res));
                bson_destroy (&res);
              }
            bson_destroy (&spec);
          }
        else if (g_str_equal (name, "$sort"))
          {
            bson_t spec;
            g_autoptr(MsSort) sort = NULL;

            if (arg.value_type != BSON_TYPE_DOCUMENT)
              {
                ms_err_set (err, 15973, "the $sort key specification must be an object");
                return FALSE;
              }
            ms_value_doc (&arg, &spec);
            sort = ms_sort_new (&spec, err);
            if (sort == NULL)
              return FALSE;
            ms_sort_docs (sort, cur);
            g_ptr_array_extend_and_steal (next, g_steal_pointer (&cur));
            cur = new_docs ();
          }
        else if (g_str_equal (name, "$limit") || g_str_equal (name, "$skip"))
          {
            gint64 v = ms_value_is_number (&arg) ? ms_value_as_int64 (&arg) : -1;

            if (v < 0 || (v == 0 && g_str_equal (name, "$limit")))
              {
                ms_err_set (err, 15958, "the %s must be positive", g_str_equal (name, "$limit") ? "limit" : "skip");
                return FALSE;
              }
            for (guint i = 0; i < cur->len; i++)
              if (g_str_equal (name, "$limit") ? i < (guint64) v : i >= (guint64) v)
                g_ptr_array_add (next, g_bytes_ref (g_ptr_array_index (cur, i)));
          }
        else if (g_str_equal (name, "$count"))
          {
            if (arg.value_type != BSON_TYPE_UTF8 || arg.value.v_utf8.len == 0 || arg.value.v_utf8.str[0] == '$')
              {
                ms_err_set (err, 40156, "the count field must be a non-empty string");
                return FALSE;
              }
            if (cur->len > 0)
              {
                bson_t res = BSON_INITIALIZER;
                BSON_APPEND_INT32 (&res, arg.value.v_utf8.str, (gint32) cur->len);
                g_ptr_array_add (next, ms_bson_to_bytes (&res));
                bson_destroy (&res);
              }
          }
        else if (g_str_equal (name, "$group"))
          {
            bson_t spec;
            if (arg.value_type != BSON_TYPE_DOCUMENT)
              {
                ms_err_set (err, 15947, "a group's fields must be specified in an object");
                return FALSE;
              }
            ms_value_doc (&arg, &spec);
            if (!stage_group (cur, &spec, next, err))
              return FALSE;
          }
        else if (g_str_equal (name, "$changeStream"))
          {
            ms_err_set (err, 40602, "$changeStream is only valid as the first stage in a pipeline");
            return FALSE;
          }
        else
          {
            ms_err_set (err, MS_LOCATION_40324, "Unrecognized pipeline stage name: '%s'", name);
            return FALSE;
          }
        g_ptr_array_unref (cur);
        cur = g_steal_pointer (&next);
      }
  *out = g_steal_pointer (&cur);
  return TRUE;
}
