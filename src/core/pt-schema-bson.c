#define G_LOG_DOMAIN "pt-core"
#include "config.h"

#include <string.h>
#include <glib/gi18n-lib.h>

#include "pt-error.h"
#include "pt-schema.h"

static gboolean
find (const bson_t *doc,
      const gchar  *dotted_key,
      bson_iter_t  *out)
{
  bson_iter_t iter;

  if (doc == NULL || dotted_key == NULL || !bson_iter_init (&iter, doc))
    return FALSE;
  if (strchr (dotted_key, '.') == NULL)
    return bson_iter_find (&iter, dotted_key) && (*out = iter, TRUE);
  return bson_iter_find_descendant (&iter, dotted_key, out);
}

const gchar *
pt_bson_get_string (const bson_t *doc,
                    const gchar  *dotted_key)
{
  bson_iter_t iter;

  if (!find (doc, dotted_key, &iter) || !BSON_ITER_HOLDS_UTF8 (&iter))
    return NULL;
  return bson_iter_utf8 (&iter, NULL);
}

gint64
pt_bson_get_int (const bson_t *doc,
                 const gchar  *dotted_key,
                 gint64        fallback)
{
  bson_iter_t iter;

  if (!find (doc, dotted_key, &iter))
    return fallback;
  switch (bson_iter_type (&iter))
    {
    case BSON_TYPE_INT32:
      return bson_iter_int32 (&iter);
    case BSON_TYPE_INT64:
      return bson_iter_int64 (&iter);
    case BSON_TYPE_DATE_TIME:
      return bson_iter_date_time (&iter);
    case BSON_TYPE_DOUBLE:
      {
        gdouble d = bson_iter_double (&iter);

        if (d >= -9007199254740992.0 && d <= 9007199254740992.0 && d == (gdouble) (gint64) d)
          return (gint64) d;
        return fallback;
      }
    default:
      return fallback;
    }
}

gboolean
pt_bson_get_bool (const bson_t *doc,
                  const gchar  *dotted_key,
                  gboolean      fallback)
{
  bson_iter_t iter;

  if (!find (doc, dotted_key, &iter) || !BSON_ITER_HOLDS_BOOL (&iter))
    return fallback;
  return bson_iter_bool (&iter);
}

gchar *
pt_bson_dup_oid_hex (const bson_t *doc,
                     const gchar  *dotted_key)
{
  bson_iter_t iter;
  gchar *hex;

  if (!find (doc, dotted_key, &iter) || !BSON_ITER_HOLDS_OID (&iter))
    return NULL;
  hex = g_malloc (25);
  bson_oid_to_string (bson_iter_oid (&iter), hex);
  return hex;
}

/* Equality of two BSON values as a user would see it: int32 5 equals
 * int64 5; embedded documents compare byte for byte. */
static gboolean
values_equal (const bson_iter_t *a,
              const bson_iter_t *b)
{
  bson_type_t ta = bson_iter_type (a);
  bson_type_t tb = bson_iter_type (b);
  gboolean a_int = ta == BSON_TYPE_INT32 || ta == BSON_TYPE_INT64;
  gboolean b_int = tb == BSON_TYPE_INT32 || tb == BSON_TYPE_INT64;

  if (a_int && b_int)
    return bson_iter_as_int64 (a) == bson_iter_as_int64 (b);
  if (ta != tb)
    return FALSE;

  switch (ta)
    {
    case BSON_TYPE_UTF8:
      {
        guint32 la, lb;
        const gchar *sa = bson_iter_utf8 (a, &la);
        const gchar *sb = bson_iter_utf8 (b, &lb);
        return la == lb && memcmp (sa, sb, la) == 0;
      }
    case BSON_TYPE_DOUBLE:
      return bson_iter_double (a) == bson_iter_double (b);
    case BSON_TYPE_BOOL:
      return bson_iter_bool (a) == bson_iter_bool (b);
    case BSON_TYPE_DATE_TIME:
      return bson_iter_date_time (a) == bson_iter_date_time (b);
    case BSON_TYPE_OID:
      return bson_oid_equal (bson_iter_oid (a), bson_iter_oid (b));
    case BSON_TYPE_NULL:
    case BSON_TYPE_UNDEFINED:
      return TRUE;
    case BSON_TYPE_DOCUMENT:
    case BSON_TYPE_ARRAY:
      {
        guint32 la, lb;
        const guint8 *da, *db;

        if (ta == BSON_TYPE_DOCUMENT)
          {
            bson_iter_document (a, &la, &da);
            bson_iter_document (b, &lb, &db);
          }
        else
          {
            bson_iter_array (a, &la, &da);
            bson_iter_array (b, &lb, &db);
          }
        return la == lb && memcmp (da, db, la) == 0;
      }
    case BSON_TYPE_BINARY:
      {
        bson_subtype_t sa, sb;
        guint32 la, lb;
        const guint8 *da, *db;

        bson_iter_binary (a, &sa, &la, &da);
        bson_iter_binary (b, &sb, &lb, &db);
        return sa == sb && la == lb && memcmp (da, db, la) == 0;
      }
    case BSON_TYPE_DECIMAL128:
      {
        bson_decimal128_t va, vb;

        bson_iter_decimal128 (a, &va);
        bson_iter_decimal128 (b, &vb);
        return va.high == vb.high && va.low == vb.low;
      }
    default:
      /* Types the registry never uses: treat as different, so an audit
       * lists the field rather than hiding a change. */
      return FALSE;
    }
}

static gboolean
is_null_iter (const bson_iter_t *iter)
{
  return BSON_ITER_HOLDS_NULL (iter) || bson_iter_type (iter) == BSON_TYPE_UNDEFINED;
}

static gboolean
check_immutable_fields (const PtCollection *collection,
                        const PtField      *fields,
                        guint               n_fields,
                        const bson_t       *old_doc,
                        const bson_t       *new_doc,
                        GString            *path,
                        GError            **error)
{
  for (guint i = 0; i < n_fields; i++)
    {
      const PtField *f = &fields[i];
      bson_iter_t io, in;
      gsize old_len = path->len;
      gboolean ok = TRUE;

      if (!bson_iter_init_find (&in, new_doc, f->name))
        continue;       /* not part of this change */

      if (path->len > 0)
        g_string_append_c (path, '.');
      g_string_append (path, f->name);

      if ((f->flags & PT_FIELD_FLAG_IMMUTABLE)
          && bson_iter_init_find (&io, old_doc, f->name)
          && !is_null_iter (&io)
          && !values_equal (&io, &in))
        {
          g_set_error (error, PT_ERROR, PT_ERROR_INVALID,
                       _("%s cannot be changed once set (%s)."), _(f->label), path->str);
          ok = FALSE;
        }
      else if (f->type == PT_FIELD_DOCUMENT && f->children
               && BSON_ITER_HOLDS_DOCUMENT (&in)
               && bson_iter_init_find (&io, old_doc, f->name)
               && BSON_ITER_HOLDS_DOCUMENT (&io))
        {
          const guint8 *d;
          guint32 l;
          bson_t so, sn;

          bson_iter_document (&io, &l, &d);
          if (bson_init_static (&so, d, l))
            {
              bson_iter_document (&in, &l, &d);
              if (bson_init_static (&sn, d, l))
                ok = check_immutable_fields (collection, f->children, f->n_children,
                                             &so, &sn, path, error);
            }
        }
      g_string_truncate (path, old_len);
      if (!ok)
        return FALSE;
    }
  return TRUE;
}

gboolean
pt_schema_check_immutable (const PtCollection *collection,
                           const bson_t       *old_doc,
                           const bson_t       *new_doc,
                           GError            **error)
{
  g_autoptr(GString) path = g_string_new (NULL);

  g_return_val_if_fail (collection != NULL, FALSE);
  if (old_doc == NULL || new_doc == NULL)
    return TRUE;
  return check_immutable_fields (collection, collection->fields, collection->n_fields,
                                 old_doc, new_doc, path, error);
}

static gboolean
field_differs (const bson_t *a,
               const bson_t *b,
               const gchar  *name)
{
  bson_iter_t ia, ib;
  gboolean has_a = a && bson_iter_init_find (&ia, a, name) && !is_null_iter (&ia);
  gboolean has_b = b && bson_iter_init_find (&ib, b, name) && !is_null_iter (&ib);

  if (has_a != has_b)
    return TRUE;
  if (!has_a)
    return FALSE;
  return !values_equal (&ia, &ib);
}

static gboolean
is_skipped (const gchar *name)
{
  return strcmp (name, "_id") == 0 || strcmp (name, "tenantId") == 0
         || strcmp (name, "createdAt") == 0 || strcmp (name, "updatedAt") == 0
         || strcmp (name, "_sync") == 0;
}

static void
add_unknown (const PtCollection *collection,
             const bson_t       *doc,
             const bson_t       *other,
             GPtrArray          *out)
{
  bson_iter_t iter;

  if (doc == NULL || !bson_iter_init (&iter, doc))
    return;
  while (bson_iter_next (&iter))
    {
      const gchar *key = bson_iter_key (&iter);
      gboolean listed = FALSE;

      if (is_skipped (key) || pt_collection_lookup_field (collection, key))
        continue;
      for (guint i = 0; i < out->len; i++)
        if (strcmp (g_ptr_array_index (out, i), key) == 0)
          listed = TRUE;
      if (!listed && field_differs (doc, other, key))
        g_ptr_array_add (out, g_strdup (key));
    }
}

gchar **
pt_schema_changed_fields (const PtCollection *collection,
                          const bson_t       *a,
                          const bson_t       *b)
{
  GPtrArray *out;

  g_return_val_if_fail (collection != NULL, NULL);

  out = g_ptr_array_new ();
  for (guint i = 0; i < collection->n_fields; i++)
    {
      const gchar *name = collection->fields[i].name;

      if (!is_skipped (name) && field_differs (a, b, name))
        g_ptr_array_add (out, g_strdup (name));
    }
  add_unknown (collection, a, b, out);
  add_unknown (collection, b, a, out);
  g_ptr_array_add (out, NULL);
  return (gchar **) g_ptr_array_free (out, FALSE);
}
