/* ms-match.c — MongoDB's query language with its array semantics
 *
 * A dotted path expands through arrays of documents; a comparison matches
 * when any reached value — or any element of a reached array — matches;
 * $ne/$nin/$not are the negations of the whole field predicate; missing
 * equals null; comparisons stay within a canonical type (type bracketing).
 */
#define G_LOG_DOMAIN "mongosim"
#include "config.h"

#include <string.h>

#include "ms-private.h"

typedef struct
{
  bson_value_t value;
  gboolean missing;
} Leaf;

static gboolean match_doc (const bson_t *doc, const bson_t *filter);

static gboolean
is_index (const char *s, guint *index)
{
  char *end;
  guint64 n;

  if (!g_ascii_isdigit (*s))
    return FALSE;
  n = g_ascii_strtoull (s, &end, 10);
  if (*end != '\0' || n > G_MAXINT32)
    return FALSE;
  *index = (guint) n;
  return TRUE;
}

static void collect (const bson_value_t *container, char **parts, GArray *out);

static void
emit_missing (GArray *out)
{
  Leaf leaf = { 0 };

  leaf.missing = TRUE;
  leaf.value.value_type = BSON_TYPE_NULL;
  g_array_append_val (out, leaf);
}

static void
collect_from_value (const bson_value_t *v, char **parts, GArray *out)
{
  if (parts[0] == NULL)
    {
      Leaf leaf = { *v, FALSE };
      g_array_append_val (out, leaf);
      return;
    }
  if (v->value_type == BSON_TYPE_DOCUMENT || v->value_type == BSON_TYPE_ARRAY)
    collect (v, parts, out);
  else
    emit_missing (out);
}

/* Values reached by parts in container (a document or an array). */
static void
collect (const bson_value_t *container, char **parts, GArray *out)
{
  bson_t d;
  bson_iter_t it;

  ms_value_doc (container, &d);
  if (container->value_type == BSON_TYPE_DOCUMENT)
    {
      if (bson_iter_init_find (&it, &d, parts[0]))
        collect_from_value (bson_iter_value (&it), parts + 1, out);
      else
        emit_missing (out);
      return;
    }

  /* array: a numeric component indexes it; every document element is
   * also searched for the component as a field name */
  {
    guint index = 0;
    gboolean numeric = is_index (parts[0], &index);
    gboolean found_any = FALSE;
    guint i = 0;

    if (!bson_iter_init (&it, &d))
      return;
    while (bson_iter_next (&it))
      {
        const bson_value_t *ev = bson_iter_value (&it);

        if (numeric && i == index)
          {
            bson_value_t copy = *ev;
            collect_from_value (&copy, parts + 1, out);
            found_any = TRUE;
          }
        else if (ev->value_type == BSON_TYPE_DOCUMENT)
          {
            bson_value_t copy = *ev;
            collect (&copy, parts, out);
            found_any = TRUE;
          }
        i++;
      }
    if (!found_any)
      emit_missing (out);
  }
}

static GArray *
leaves_for (const bson_t *doc, const char *path)
{
  GArray *out = g_array_new (FALSE, FALSE, sizeof (Leaf));
  /* g_strsplit gives no component at all for "" */
  char **parts = *path ? g_strsplit (path, ".", -1) : g_strsplit ("\x01", ".", -1);

  if (*path == '\0')
    parts[0][0] = '\0';
  bson_value_t root;

  root.value_type = BSON_TYPE_DOCUMENT;
  root.value.v_doc.data = (guint8 *) bson_get_data (doc);
  root.value.v_doc.data_len = doc->len;
  collect (&root, parts, out);
  g_strfreev (parts);
  return out;
}

/* ------------------------------------------------------------- regexes */

static GHashTable *regex_cache;

static GRegex *
get_regex (const char *pattern, const char *options)
{
  g_autofree char *key = g_strdup_printf ("%s/%s", options, pattern);
  GRegex *re;
  GRegexCompileFlags flags = G_REGEX_OPTIMIZE;

  if (regex_cache == NULL)
    regex_cache = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, (GDestroyNotify) g_regex_unref);
  re = g_hash_table_lookup (regex_cache, key);
  if (re != NULL)
    return re;
  /* GRegex wants UTF-8; BSON does not guarantee it */
  if (!g_utf8_validate (pattern, -1, NULL))
    return NULL;
  for (const char *o = options; o && *o; o++)
    switch (*o)
      {
      case 'i': flags |= G_REGEX_CASELESS; break;
      case 'm': flags |= G_REGEX_MULTILINE; break;
      case 'x': flags |= G_REGEX_EXTENDED; break;
      case 's': flags |= G_REGEX_DOTALL; break;
      default: break;
      }
  re = g_regex_new (pattern, flags, 0, NULL);
  if (re == NULL)
    return NULL;
  if (g_hash_table_size (regex_cache) > 256)
    g_hash_table_remove_all (regex_cache);
  g_hash_table_insert (regex_cache, g_steal_pointer (&key), re);
  return re;
}

static gboolean
regex_matches (const bson_value_t *v, const char *pattern, const char *options)
{
  GRegex *re;
  const char *s;

  if (v->value_type == BSON_TYPE_UTF8)
    s = v->value.v_utf8.str;
  else if (v->value_type == BSON_TYPE_SYMBOL)
    s = v->value.v_symbol.symbol;
  else if (v->value_type == BSON_TYPE_REGEX)
    return g_strcmp0 (v->value.v_regex.regex, pattern) == 0 &&
           g_strcmp0 (v->value.v_regex.options, options) == 0;
  else
    return FALSE;
  re = get_regex (pattern, options);
  return re != NULL && g_utf8_validate (s, -1, NULL) && g_regex_match (re, s, 0, NULL);
}

/* ---------------------------------------------------------- predicates */

static gboolean
same_bracket (const bson_value_t *a, const bson_value_t *b)
{
  return ms_type_order (a->value_type) == ms_type_order (b->value_type);
}

static gboolean
is_nullish (const bson_value_t *v)
{
  return v->value_type == BSON_TYPE_NULL || v->value_type == BSON_TYPE_UNDEFINED;
}

/* One comparison operator against one value (no array expansion). */
static gboolean
cmp_op (const char *op, const bson_value_t *v, const bson_value_t *x)
{
  int c;

  if (g_str_equal (op, "$eq"))
    {
      if (x->value_type == BSON_TYPE_REGEX)
        return regex_matches (v, x->value.v_regex.regex, x->value.v_regex.options);
      return ms_value_cmp (v, x) == 0;
    }
  if (x->value_type == BSON_TYPE_MINKEY || x->value_type == BSON_TYPE_MAXKEY)
    c = ms_value_cmp (v, x);
  else if (!same_bracket (v, x))
    return FALSE;
  else
    c = ms_value_cmp (v, x);
  if (g_str_equal (op, "$gt"))
    return c > 0;
  if (g_str_equal (op, "$gte"))
    return c >= 0;
  if (g_str_equal (op, "$lt"))
    return c < 0;
  if (g_str_equal (op, "$lte"))
    return c <= 0;
  return FALSE;
}

static gboolean
type_matches (const bson_value_t *v, const bson_value_t *spec)
{
  if (spec->value_type == BSON_TYPE_ARRAY)
    {
      bson_t d;
      bson_iter_t it;

      ms_value_doc (spec, &d);
      if (bson_iter_init (&it, &d))
        while (bson_iter_next (&it))
          if (type_matches (v, bson_iter_value (&it)))
            return TRUE;
      return FALSE;
    }
  if (spec->value_type == BSON_TYPE_UTF8)
    {
      if (g_str_equal (spec->value.v_utf8.str, "number"))
        return ms_value_is_number (v);
      return g_str_equal (spec->value.v_utf8.str, ms_type_alias (v->value_type));
    }
  if (ms_value_is_number (spec))
    {
      gint64 n = ms_value_as_int64 (spec);
      if (n == -1)
        return v->value_type == BSON_TYPE_MINKEY;
      if (n == 127)
        return v->value_type == BSON_TYPE_MAXKEY;
      return (gint64) v->value_type == n;
    }
  return FALSE;
}

static gboolean eval_ops_on_leaf (const Leaf *leaf, const bson_t *ops, gboolean allow_expand);

static gboolean
elem_match (const bson_value_t *array, const bson_value_t *spec)
{
  bson_t sub, arr;
  bson_iter_t it;
  gboolean ops_only = TRUE;

  if (array->value_type != BSON_TYPE_ARRAY || spec->value_type != BSON_TYPE_DOCUMENT)
    return FALSE;
  ms_value_doc (spec, &sub);
  if (bson_iter_init (&it, &sub))
    while (bson_iter_next (&it))
      {
        const char *k = bson_iter_key (&it);
        if (k[0] != '$' || g_str_equal (k, "$and") || g_str_equal (k, "$or") || g_str_equal (k, "$nor"))
          ops_only = FALSE;
      }
  ms_value_doc (array, &arr);
  if (!bson_iter_init (&it, &arr))
    return FALSE;
  while (bson_iter_next (&it))
    {
      const bson_value_t *e = bson_iter_value (&it);

      if (ops_only && !bson_empty (&sub))
        {
          Leaf leaf = { *e, FALSE };
          if (eval_ops_on_leaf (&leaf, &sub, FALSE))
            return TRUE;
        }
      else if (e->value_type == BSON_TYPE_DOCUMENT)
        {
          bson_t ed;
          ms_value_doc (e, &ed);
          if (match_doc (&ed, &sub))
            return TRUE;
        }
    }
  return FALSE;
}

/* A predicate that tests single values; arrays are also tested element
 * by element unless the operator looks at the array itself. */
static gboolean
value_or_elements (const Leaf *leaf, gboolean allow_expand,
                   gboolean (*pred) (const bson_value_t *, gconstpointer, gconstpointer),
                   gconstpointer a, gconstpointer b)
{
  if (pred (&leaf->value, a, b))
    return TRUE;
  if (allow_expand && !leaf->missing && leaf->value.value_type == BSON_TYPE_ARRAY)
    {
      bson_t d;
      bson_iter_t it;

      ms_value_doc (&leaf->value, &d);
      if (bson_iter_init (&it, &d))
        while (bson_iter_next (&it))
          if (pred (bson_iter_value (&it), a, b))
            return TRUE;
    }
  return FALSE;
}

static gboolean
pred_cmp (const bson_value_t *v, gconstpointer op, gconstpointer x)
{
  return cmp_op (op, v, x);
}

static gboolean
pred_regex (const bson_value_t *v, gconstpointer pattern, gconstpointer options)
{
  return regex_matches (v, pattern, options);
}

static gboolean
pred_type (const bson_value_t *v, gconstpointer spec, gconstpointer unused)
{
  return type_matches (v, spec);
}

static gboolean
leaf_eq (const Leaf *leaf, const bson_value_t *x, gboolean allow_expand)
{
  if (is_nullish (x))
    {
      if (leaf->missing || is_nullish (&leaf->value))
        return TRUE;
    }
  if (leaf->missing)
    return FALSE;
  return value_or_elements (leaf, allow_expand, pred_cmp, "$eq", x);
}

static gboolean
leaf_in (const Leaf *leaf, const bson_value_t *arr, gboolean allow_expand)
{
  bson_t d;
  bson_iter_t it;

  ms_value_doc (arr, &d);
  if (bson_iter_init (&it, &d))
    while (bson_iter_next (&it))
      if (leaf_eq (leaf, bson_iter_value (&it), allow_expand))
        return TRUE;
  return FALSE;
}

/* Positive operators on one leaf. */
static gboolean
eval_op (const Leaf *leaf, const char *op, const bson_value_t *x, const bson_t *ops, gboolean allow_expand)
{
  if (g_str_equal (op, "$eq"))
    return leaf_eq (leaf, x, allow_expand);
  if (g_str_equal (op, "$gt") || g_str_equal (op, "$gte") || g_str_equal (op, "$lt") || g_str_equal (op, "$lte"))
    {
      if (leaf->missing)
        return is_nullish (x) && (g_str_equal (op, "$gte") || g_str_equal (op, "$lte"));
      return value_or_elements (leaf, allow_expand, pred_cmp, op, x);
    }
  if (g_str_equal (op, "$in"))
    return leaf_in (leaf, x, allow_expand);
  if (g_str_equal (op, "$regex"))
    {
      const char *pattern, *options = "";
      bson_iter_t it;

      if (leaf->missing)
        return FALSE;
      if (x->value_type == BSON_TYPE_REGEX)
        {
          pattern = x->value.v_regex.regex;
          options = x->value.v_regex.options;
        }
      else
        pattern = x->value.v_utf8.str;
      if (bson_iter_init_find (&it, ops, "$options") && BSON_ITER_HOLDS_UTF8 (&it))
        options = bson_iter_utf8 (&it, NULL);
      return value_or_elements (leaf, allow_expand, pred_regex, pattern, options);
    }
  if (g_str_equal (op, "$type"))
    return !leaf->missing && value_or_elements (leaf, allow_expand, pred_type, x, NULL);
  if (g_str_equal (op, "$size"))
    {
      bson_t d;
      if (leaf->missing || leaf->value.value_type != BSON_TYPE_ARRAY)
        return FALSE;
      ms_value_doc (&leaf->value, &d);
      return (gint64) bson_count_keys (&d) == ms_value_as_int64 (x);
    }
  if (g_str_equal (op, "$elemMatch"))
    return !leaf->missing && elem_match (&leaf->value, x);
  if (g_str_equal (op, "$all"))
    {
      bson_t d;
      bson_iter_t it;
      gboolean any = FALSE;

      ms_value_doc (x, &d);
      if (!bson_iter_init (&it, &d))
        return FALSE;
      while (bson_iter_next (&it))
        {
          const bson_value_t *item = bson_iter_value (&it);
          bson_t idoc;
          bson_iter_t em;

          any = TRUE;
          if (item->value_type == BSON_TYPE_DOCUMENT)
            {
              ms_value_doc (item, &idoc);
              if (bson_iter_init_find (&em, &idoc, "$elemMatch"))
                {
                  if (leaf->missing || !elem_match (&leaf->value, bson_iter_value (&em)))
                    return FALSE;
                  continue;
                }
            }
          if (!leaf_eq (leaf, item, allow_expand))
            return FALSE;
        }
      return any;
    }
  if (g_str_equal (op, "$mod"))
    {
      bson_t d;
      bson_iter_t it;
      gint64 div, rem;

      ms_value_doc (x, &d);
      if (leaf->missing || !ms_value_is_number (&leaf->value) || !bson_iter_init (&it, &d) ||
          !bson_iter_next (&it))
        return FALSE;
      div = bson_iter_as_int64 (&it);
      if (!bson_iter_next (&it) || div == 0)
        return FALSE;
      rem = bson_iter_as_int64 (&it);
      return ms_value_as_int64 (&leaf->value) % div == rem;
    }
  return FALSE;
}

/* Does the set of leaves satisfy the operator document ops?  Each operator
 * must hold for some leaf; negations hold when no leaf satisfies the
 * positive form. */
static gboolean
eval_ops (GArray *leaves, const bson_t *ops)
{
  bson_iter_t it;

  if (!bson_iter_init (&it, ops))
    return FALSE;
  while (bson_iter_next (&it))
    {
      const char *op = bson_iter_key (&it);
      const bson_value_t *x = bson_iter_value (&it);
      gboolean ok = FALSE;

      if (g_str_equal (op, "$options"))
        continue;
      if (g_str_equal (op, "$exists"))
        {
          gboolean present = FALSE;
          for (guint i = 0; i < leaves->len; i++)
            if (!g_array_index (leaves, Leaf, i).missing)
              present = TRUE;
          if (present != ms_value_truthy (x))
            return FALSE;
          continue;
        }
      if (g_str_equal (op, "$ne") || g_str_equal (op, "$nin") || g_str_equal (op, "$not"))
        {
          const char *pos = g_str_equal (op, "$ne") ? "$eq" : "$in";
          gboolean any = FALSE;

          for (guint i = 0; i < leaves->len && !any; i++)
            {
              const Leaf *leaf = &g_array_index (leaves, Leaf, i);

              if (g_str_equal (op, "$not"))
                {
                  if (x->value_type == BSON_TYPE_REGEX)
                    any = !leaf->missing && eval_op (leaf, "$regex", x, ops, TRUE);
                  else
                    {
                      bson_t sub;
                      ms_value_doc (x, &sub);
                      any = eval_ops_on_leaf (leaf, &sub, TRUE);
                    }
                }
              else
                any = eval_op (leaf, pos, x, ops, TRUE);
            }
          if (g_str_equal (op, "$not") && x->value_type == BSON_TYPE_DOCUMENT)
            {
              /* $not applies to the whole field predicate */
              bson_t sub;
              ms_value_doc (x, &sub);
              any = eval_ops (leaves, &sub);
            }
          if (any)
            return FALSE;
          continue;
        }
      for (guint i = 0; i < leaves->len && !ok; i++)
        ok = eval_op (&g_array_index (leaves, Leaf, i), op, x, ops, TRUE);
      if (!ok)
        return FALSE;
    }
  return TRUE;
}

static gboolean
eval_ops_on_leaf (const Leaf *leaf, const bson_t *ops, gboolean allow_expand)
{
  g_autoptr(GArray) one = g_array_new (FALSE, FALSE, sizeof (Leaf));

  g_array_append_val (one, *leaf);
  if (!allow_expand)
    {
      /* $elemMatch on values: the element itself, not its elements */
      bson_iter_t it;
      if (!bson_iter_init (&it, ops))
        return FALSE;
      while (bson_iter_next (&it))
        {
          const char *op = bson_iter_key (&it);
          if (g_str_equal (op, "$ne") || g_str_equal (op, "$nin") || g_str_equal (op, "$not") ||
              g_str_equal (op, "$exists") || g_str_equal (op, "$options"))
            {
              bson_t single = BSON_INITIALIZER;
              gboolean r;
              bson_append_value (&single, op, -1, bson_iter_value (&it));
              r = eval_ops (one, &single);
              bson_destroy (&single);
              if (!r)
                return FALSE;
            }
          else if (!eval_op (leaf, op, bson_iter_value (&it), ops, FALSE))
            return FALSE;
        }
      return TRUE;
    }
  return eval_ops (one, ops);
}

gboolean
ms_value_is_operator_doc (const bson_value_t *v)
{
  bson_t d;
  bson_iter_t it;

  if (v->value_type != BSON_TYPE_DOCUMENT)
    return FALSE;
  ms_value_doc (v, &d);
  return bson_iter_init (&it, &d) && bson_iter_next (&it) && bson_iter_key (&it)[0] == '$';
}

/* $jsonSchema subset: required, bsonType, properties (recursive). */
static gboolean
schema_matches (const bson_value_t *value, gboolean present, const bson_t *schema)
{
  bson_iter_t it;

  if (!bson_iter_init (&it, schema))
    return TRUE;
  while (bson_iter_next (&it))
    {
      const char *k = bson_iter_key (&it);

      if (g_str_equal (k, "bsonType") && present)
        {
          bson_value_t spec = *bson_iter_value (&it);
          if (!type_matches (value, &spec))
            return FALSE;
        }
      else if (g_str_equal (k, "required") && present && value->value_type == BSON_TYPE_DOCUMENT &&
               BSON_ITER_HOLDS_ARRAY (&it))
        {
          bson_iter_t r;
          bson_t d;

          ms_value_doc (value, &d);
          if (bson_iter_recurse (&it, &r))
            while (bson_iter_next (&r))
              {
                bson_iter_t f;
                if (BSON_ITER_HOLDS_UTF8 (&r) && !bson_iter_init_find (&f, &d, bson_iter_utf8 (&r, NULL)))
                  return FALSE;
              }
        }
      else if (g_str_equal (k, "properties") && present && value->value_type == BSON_TYPE_DOCUMENT &&
               BSON_ITER_HOLDS_DOCUMENT (&it))
        {
          bson_iter_t p;
          bson_t d;

          ms_value_doc (value, &d);
          if (bson_iter_recurse (&it, &p))
            while (bson_iter_next (&p))
              {
                bson_iter_t f;
                bson_t sub;
                bson_value_t fv = { 0 };
                gboolean has;

                if (!BSON_ITER_HOLDS_DOCUMENT (&p))
                  continue;
                has = bson_iter_init_find (&f, &d, bson_iter_key (&p));
                if (has)
                  fv = *bson_iter_value (&f);
                {
                  bson_value_t sv = *bson_iter_value (&p);
                  ms_value_doc (&sv, &sub);
                }
                if (!schema_matches (&fv, has, &sub))
                  return FALSE;
              }
        }
    }
  return TRUE;
}

static gboolean
match_doc (const bson_t *doc, const bson_t *filter)
{
  bson_iter_t it;

  if (!bson_iter_init (&it, filter))
    return FALSE;
  while (bson_iter_next (&it))
    {
      const char *key = bson_iter_key (&it);
      const bson_value_t *v = bson_iter_value (&it);

      if (key[0] == '$')
        {
          bson_t sub;
          bson_iter_t ai;
          gboolean any = FALSE;

          if (g_str_equal (key, "$comment"))
            continue;
          if (g_str_equal (key, "$jsonSchema"))
            {
              bson_value_t root;
              root.value_type = BSON_TYPE_DOCUMENT;
              root.value.v_doc.data = (guint8 *) bson_get_data (doc);
              root.value.v_doc.data_len = doc->len;
              ms_value_doc (v, &sub);
              if (!schema_matches (&root, TRUE, &sub))
                return FALSE;
              continue;
            }
          if (v->value_type != BSON_TYPE_ARRAY)
            return FALSE;
          ms_value_doc (v, &sub);
          if (!bson_iter_init (&ai, &sub))
            return FALSE;
          if (g_str_equal (key, "$and"))
            {
              while (bson_iter_next (&ai))
                {
                  bson_t clause;
                  bson_value_t cv = *bson_iter_value (&ai);
                  ms_value_doc (&cv, &clause);
                  if (!match_doc (doc, &clause))
                    return FALSE;
                }
              continue;
            }
          while (bson_iter_next (&ai) && !any)
            {
              bson_t clause;
              bson_value_t cv = *bson_iter_value (&ai);
              ms_value_doc (&cv, &clause);
              any = match_doc (doc, &clause);
            }
          if (g_str_equal (key, "$or") ? !any : any)
            return FALSE;
          continue;
        }

      {
        g_autoptr(GArray) leaves = leaves_for (doc, key);
        gboolean ok;

        if (ms_value_is_operator_doc (v))
          {
            bson_t ops;
            ms_value_doc (v, &ops);
            ok = eval_ops (leaves, &ops);
          }
        else
          {
            ok = FALSE;
            for (guint i = 0; i < leaves->len && !ok; i++)
              ok = eval_op (&g_array_index (leaves, Leaf, i), "$eq", v, NULL, TRUE);
          }
        if (!ok)
          return FALSE;
      }
    }
  return TRUE;
}

gboolean
ms_match (const bson_t *doc, const bson_t *filter)
{
  if (filter == NULL || bson_empty (filter))
    return TRUE;
  return match_doc (doc, filter);
}

gboolean
ms_match_value_ops (const bson_value_t *value, const bson_t *ops)
{
  Leaf leaf = { *value, FALSE };
  return eval_ops_on_leaf (&leaf, ops, TRUE);
}

