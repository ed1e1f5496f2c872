/* ms-project.c — sort orders and projections
 *
 * Sort keys follow MongoDB: a missing field sorts as null, an array sorts
 * by its smallest element ascending and its largest descending, values of
 * different types by the canonical type order.  Projections are inclusion
 * or exclusion (never mixed, except _id), with dotted paths reaching into
 * embedded documents and arrays of documents.
 */
#define G_LOG_DOMAIN "mongosim"
#include "config.h"

#include <string.h>

#include "ms-private.h"

typedef struct
{
  char *path;
  int dir;
} SortKey;

struct _MsSort
{
  GArray *keys;
};

MsSort *
ms_sort_new (const bson_t *spec, MsErr **err)
{
  MsSort *sort = g_new0 (MsSort, 1);
  bson_iter_t it;

  sort->keys = g_array_new (FALSE, FALSE, sizeof (SortKey));
  if (spec != NULL && bson_iter_init (&it, spec))
    while (bson_iter_next (&it))
      {
        SortKey k;
        const bson_value_t *v = bson_iter_value (&it);

        if (!ms_value_is_number (v) || (ms_value_as_double (v) != 1 && ms_value_as_double (v) != -1))
          {
            if (v->value_type == BSON_TYPE_DOCUMENT)
              {
                /* {$meta: …} has no meaning without text search */
                ms_err_set (err, 17312, "$meta is the only expression supported by $sort right now");
              }
            else
              ms_err_set (err, 15975, "$sort key ordering must be 1 (for ascending) or -1 (for descending)");
            ms_sort_free (sort);
            return NULL;
          }
        k.path = g_strdup (bson_iter_key (&it));
        k.dir = ms_value_as_double (v) < 0 ? -1 : 1;
        g_array_append_val (sort->keys, k);
      }
  return sort;
}

void
ms_sort_free (MsSort *sort)
{
  if (sort == NULL)
    return;
  for (guint i = 0; i < sort->keys->len; i++)
    g_free (g_array_index (sort->keys, SortKey, i).path);
  g_array_unref (sort->keys);
  g_free (sort);
}

static void
sort_key_of (const bson_t *doc, const SortKey *k, bson_value_t *out)
{
  bson_value_t v;

  out->value_type = BSON_TYPE_NULL;
  if (!ms_lookup_path (doc, k->path, &v))
    {
      /* a dotted path through an array of documents: take the elements' values */
      const char *dot = strchr (k->path, '.');
      if (dot != NULL)
        {
          g_autofree char *head = g_strndup (k->path, dot - k->path);
          bson_value_t hv;
          if (ms_lookup_path (doc, head, &hv) && hv.value_type == BSON_TYPE_ARRAY)
            {
              bson_t arr;
              bson_iter_t it;
              gboolean have = FALSE;

              ms_value_doc (&hv, &arr);
              if (bson_iter_init (&it, &arr))
                while (bson_iter_next (&it))
                  if (BSON_ITER_HOLDS_DOCUMENT (&it))
                    {
                      bson_t ed;
                      bson_value_t ev = *bson_iter_value (&it), fv;
                      SortKey sub = { (char *) dot + 1, k->dir };

                      ms_value_doc (&ev, &ed);
                      sort_key_of (&ed, &sub, &fv);
                      if (!have || k->dir * ms_value_cmp (&fv, out) < 0)
                        *out = fv;
                      have = TRUE;
                    }
            }
        }
      return;
    }
  if (v.value_type == BSON_TYPE_ARRAY)
    {
      bson_t arr;
      bson_iter_t it;
      gboolean have = FALSE;

      ms_value_doc (&v, &arr);
      out->value_type = BSON_TYPE_UNDEFINED;
      if (bson_iter_init (&it, &arr))
        while (bson_iter_next (&it))
          {
            const bson_value_t *ev = bson_iter_value (&it);
            if (!have || k->dir * ms_value_cmp (ev, out) < 0)
              *out = *ev;
            have = TRUE;
          }
      return;
    }
  *out = v;
}

typedef struct
{
  GBytes *doc;
  bson_value_t *keys;
  guint seq;
} SortItem;

static gint
sort_item_cmp (gconstpointer a, gconstpointer b, gpointer data)
{
  const SortItem *x = a, *y = b;
  MsSort *sort = data;

  for (guint i = 0; i < sort->keys->len; i++)
    {
      int c = ms_value_cmp (&x->keys[i], &y->keys[i]);
      if (c != 0)
        return c * g_array_index (sort->keys, SortKey, i).dir;
    }
  return x->seq < y->seq ? -1 : x->seq > y->seq;
}

/* Sorts GBytes documents in place, stably. */
void
ms_sort_docs (MsSort *sort, GPtrArray *docs)
{
  guint n = docs->len, nk;
  SortItem *items;

  if (sort == NULL || sort->keys->len == 0 || n < 2)
    return;
  nk = sort->keys->len;
  items = g_new0 (SortItem, n);
  for (guint i = 0; i < n; i++)
    {
      bson_t doc;

      items[i].doc = g_ptr_array_index (docs, i);
      items[i].seq = i;
      items[i].keys = g_new0 (bson_value_t, nk);
      ms_bytes_bson (items[i].doc, &doc);
      for (guint k = 0; k < nk; k++)
        sort_key_of (&doc, &g_array_index (sort->keys, SortKey, k), &items[i].keys[k]);
    }
  g_qsort_with_data (items, (gint) n, sizeof (SortItem), sort_item_cmp, sort);
  for (guint i = 0; i < n; i++)
    {
      g_ptr_array_index (docs, i) = items[i].doc;
      g_free (items[i].keys);
    }
  g_free (items);
}

/* ------------------------------------------------------------ projection */

typedef enum
{
  P_EXCLUDE,
  P_INCLUDE,
  P_EXPR,
  P_NESTED,
} PKind;

static PKind
spec_kind (const bson_value_t *v)
{
  if (v->value_type == BSON_TYPE_BOOL || ms_value_is_number (v))
    return ms_value_truthy (v) ? P_INCLUDE : P_EXCLUDE;
  if (v->value_type == BSON_TYPE_DOCUMENT)
    {
      bson_t d;
      bson_iter_t it;
      ms_value_doc (v, &d);
      if (bson_iter_init (&it, &d) && bson_iter_next (&it) && bson_iter_key (&it)[0] == '$')
        return P_EXPR;
      return P_NESTED;
    }
  return P_EXPR;
}

/* Turns {"a.b": 1, c: 1} into the nested {a: {b: 1}, c: 1}. */
static void
nest_spec (const bson_t *proj, bson_t *out)
{
  bson_iter_t it;
  GPtrArray *seen = g_ptr_array_new_with_free_func (g_free);

  bson_init (out);
  if (!bson_iter_init (&it, proj))
    goto done;
  while (bson_iter_next (&it))
    {
      const char *k = bson_iter_key (&it);
      const char *dot = strchr (k, '.');
      g_autofree char *head = NULL;
      bson_t sub = BSON_INITIALIZER, nested, child;
      bson_iter_t j;
      gboolean dup = FALSE;

      if (dot == NULL)
        {
          if (spec_kind (bson_iter_value (&it)) == P_NESTED)
            {
              bson_t d, n;
              bson_value_t v = *bson_iter_value (&it);
              ms_value_doc (&v, &d);
              nest_spec (&d, &n);
              bson_append_document (out, k, -1, &n);
              bson_destroy (&n);
            }
          else
            bson_append_value (out, k, -1, bson_iter_value (&it));
          bson_destroy (&sub);
          continue;
        }
      head = g_strndup (k, dot - k);
      for (guint i = 0; i < seen->len; i++)
        if (g_str_equal (g_ptr_array_index (seen, i), head))
          dup = TRUE;
      if (dup)
        {
          bson_destroy (&sub);
          continue;
        }
      g_ptr_array_add (seen, g_strdup (head));
      /* gather every entry under head */
      bson_iter_init (&j, proj);
      while (bson_iter_next (&j))
        {
          const char *k2 = bson_iter_key (&j);
          if (g_str_has_prefix (k2, head) && k2[strlen (head)] == '.')
            bson_append_value (&sub, k2 + strlen (head) + 1, -1, bson_iter_value (&j));
        }
      nest_spec (&sub, &nested);
      bson_append_document_begin (out, head, -1, &child);
      {
        bson_iter_t ni;
        if (bson_iter_init (&ni, &nested))
          while (bson_iter_next (&ni))
            bson_append_value (&child, bson_iter_key (&ni), -1, bson_iter_value (&ni));
      }
      bson_append_document_end (out, &child);
      bson_destroy (&nested);
      bson_destroy (&sub);
    }
done:
  g_ptr_array_unref (seen);
}

static gboolean
is_inclusion (const bson_t *nested, gboolean top)
{
  bson_iter_t it;

  if (!bson_iter_init (&it, nested))
    return FALSE;
  while (bson_iter_next (&it))
    {
      PKind k;
      if (top && g_str_equal (bson_iter_key (&it), "_id"))
        continue;
      k = spec_kind (bson_iter_value (&it));
      if (k == P_INCLUDE || k == P_EXPR)
        return TRUE;
      if (k == P_NESTED)
        {
          bson_t d;
          bson_value_t v = *bson_iter_value (&it);
          ms_value_doc (&v, &d);
          if (is_inclusion (&d, FALSE))
            return TRUE;
        }
    }
  return FALSE;
}

static void project_include (const bson_t *doc, const bson_t *spec, const bson_t *root, bson_t *out, gboolean top);
static void project_exclude (const bson_t *doc, const bson_t *spec, bson_t *out);

static void
project_value (const bson_value_t *v, const bson_t *sub, const bson_t *root, gboolean include,
               bson_t *out, const char *key)
{
  if (v->value_type == BSON_TYPE_DOCUMENT)
    {
      bson_t d, child;
      ms_value_doc (v, &d);
      bson_append_document_begin (out, key, -1, &child);
      if (include)
        project_include (&d, sub, root, &child, FALSE);
      else
        project_exclude (&d, sub, &child);
      bson_append_document_end (out, &child);
    }
  else if (v->value_type == BSON_TYPE_ARRAY)
    {
      bson_t d, child;
      bson_iter_t it;
      guint i = 0;

      ms_value_doc (v, &d);
      bson_append_array_begin (out, key, -1, &child);
      if (bson_iter_init (&it, &d))
        while (bson_iter_next (&it))
          {
            char buf[16];
            const char *k;
            const bson_value_t *ev = bson_iter_value (&it);

            if (include && ev->value_type != BSON_TYPE_DOCUMENT && ev->value_type != BSON_TYPE_ARRAY)
              continue;
            bson_uint32_to_string (i++, &k, buf, sizeof buf);
            if (ev->value_type == BSON_TYPE_DOCUMENT || ev->value_type == BSON_TYPE_ARRAY)
              project_value (ev, sub, root, include, &child, k);
            else
              bson_append_value (&child, k, -1, ev);
          }
      bson_append_array_end (out, &child);
    }
  else if (!include)
    bson_append_value (out, key, -1, v);
}

static void
project_include (const bson_t *doc, const bson_t *spec, const bson_t *root, bson_t *out, gboolean top)
{
  bson_iter_t it, s;

  if (bson_iter_init (&it, doc))
    while (bson_iter_next (&it))
      {
        const char *k = bson_iter_key (&it);
        PKind kind;

        if (!bson_iter_init_find (&s, spec, k))
          {
            if (top && g_str_equal (k, "_id"))
              bson_append_value (out, k, -1, bson_iter_value (&it));
            continue;
          }
        kind = spec_kind (bson_iter_value (&s));
        if (kind == P_INCLUDE)
          bson_append_value (out, k, -1, bson_iter_value (&it));
        else if (kind == P_NESTED)
          {
            bson_t sub;
            bson_value_t sv = *bson_iter_value (&s);
            ms_value_doc (&sv, &sub);
            project_value (bson_iter_value (&it), &sub, root, TRUE, out, k);
          }
      }
  /* computed fields come after the kept ones, in projection order */
  if (bson_iter_init (&s, spec))
    while (bson_iter_next (&s))
      if (spec_kind (bson_iter_value (&s)) == P_EXPR)
        {
          bson_t holder = BSON_INITIALIZER;
          bson_value_t r;

          ms_expr_eval (root, bson_iter_value (&s), &holder, &r);
          if (r.value_type != BSON_TYPE_EOD)
            bson_append_value (out, bson_iter_key (&s), -1, &r);
          bson_destroy (&holder);
        }
}

static void
project_exclude (const bson_t *doc, const bson_t *spec, bson_t *out)
{
  bson_iter_t it, s;

  if (bson_iter_init (&it, doc))
    while (bson_iter_next (&it))
      {
        const char *k = bson_iter_key (&it);
        PKind kind;

        if (!bson_iter_init_find (&s, spec, k))
          {
            bson_append_value (out, k, -1, bson_iter_value (&it));
            continue;
          }
        kind = spec_kind (bson_iter_value (&s));
        if (kind == P_NESTED)
          {
            bson_t sub;
            bson_value_t sv = *bson_iter_value (&s);
            ms_value_doc (&sv, &sub);
            project_value (bson_iter_value (&it), &sub, doc, FALSE, out, k);
          }
        else if (kind != P_EXCLUDE)
          bson_append_value (out, k, -1, bson_iter_value (&it));
      }
}

gboolean
ms_projection_check (const bson_t *proj, MsErr **err)
{
  bson_iter_t it;
  const char *incl = NULL, *excl = NULL;

  if (proj == NULL || !bson_iter_init (&it, proj))
    return TRUE;
  while (bson_iter_next (&it))
    {
      PKind k = spec_kind (bson_iter_value (&it));
      const char *key = bson_iter_key (&it);

      if (g_str_equal (key, "_id"))
        continue;
      if (k == P_EXCLUDE)
        excl = excl ? excl : key;
      else if (k != P_NESTED)
        incl = incl ? incl : key;
    }
  if (incl && excl)
    {
      ms_err_set (err, 31254, "Cannot do exclusion on field %s in inclusion projection", excl);
      return FALSE;
    }
  return TRUE;
}

void
ms_project (const bson_t *doc, const bson_t *proj, bson_t *out)
{
  bson_t nested;
  bson_iter_t it;

  nest_spec (proj, &nested);
  if (is_inclusion (&nested, TRUE))
    {
      gboolean drop_id = bson_iter_init_find (&it, &nested, "_id") &&
                         spec_kind (bson_iter_value (&it)) == P_EXCLUDE;
      if (drop_id)
        {
          bson_t without = BSON_INITIALIZER;
          bson_copy_to_excluding_noinit (&nested, &without, "_id", NULL);
          project_include (doc, &without, doc, out, FALSE);
          bson_destroy (&without);
        }
      else
        project_include (doc, &nested, doc, out, TRUE);
    }
  else
    project_exclude (doc, &nested, out);
  bson_destroy (&nested);
}
