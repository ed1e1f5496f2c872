/* pt-sync-bson.c: the BSON codec between store rows and Atlas documents. */
#define G_LOG_DOMAIN "pt-sync"
#include "config.h"

#include <math.h>
#include <string.h>
#include "pt-sync-bson.h"

static void normalize_into (bson_t             *out,
                            const PtCollection *collection,
                            const PtField      *parent,
                            const bson_t       *in);

static const PtField *
lookup_field (const PtCollection *collection,
              const PtField      *parent,
              const gchar        *key)
{
  if (parent != NULL)
    return pt_field_lookup_child (parent, key);
  if (collection != NULL)
    return pt_collection_lookup_field (collection, key);
  return NULL;
}

static void
append_coerced (bson_t            *out,
                const gchar       *key,
                gint               key_len,
                bson_iter_t       *iter,
                const PtField     *field,
                PtFieldType        type)
{
  bson_type_t t = bson_iter_type (iter);

  if (field == NULL)
    {
      bson_append_iter (out, key, key_len, iter);
      return;
    }

  switch (type)
    {
    case PT_FIELD_INT:
    case PT_FIELD_MONEY:
      if (t == BSON_TYPE_INT32)
        {
          bson_append_int64 (out, key, key_len, bson_iter_int32 (iter));
          return;
        }
      if (t == BSON_TYPE_DOUBLE)
        {
          gdouble d = bson_iter_double (iter);
          if (isfinite (d) && d == floor (d) && fabs (d) < 9.0e15)
            {
              bson_append_int64 (out, key, key_len, (gint64) d);
              return;
            }
        }
      break;

    case PT_FIELD_DATE:
      if (t == BSON_TYPE_INT64)
        {
          bson_append_date_time (out, key, key_len, bson_iter_int64 (iter));
          return;
        }
      if (t == BSON_TYPE_UTF8)
        {
          g_autoptr(GDateTime) dt = g_date_time_new_from_iso8601 (bson_iter_utf8 (iter, NULL), NULL);
          if (dt != NULL)
            {
              bson_append_date_time (out, key, key_len,
                                     g_date_time_to_unix (dt) * 1000
                                     + g_date_time_get_microsecond (dt) / 1000);
              return;
            }
        }
      break;

    case PT_FIELD_OID:
      if (t == BSON_TYPE_UTF8)
        {
          const gchar *s = bson_iter_utf8 (iter, NULL);
          if (pt_oid_is_valid (s))
            {
              bson_oid_t oid;
              bson_oid_init_from_string (&oid, s);
              bson_append_oid (out, key, key_len, &oid);
              return;
            }
        }
      break;

    case PT_FIELD_DOCUMENT:
      if (t == BSON_TYPE_DOCUMENT)
        {
          const uint8_t *data;
          uint32_t len;
          bson_t sub, child;

          bson_iter_document (iter, &len, &data);
          if (bson_init_static (&sub, data, len))
            {
              bson_append_document_begin (out, key, key_len, &child);
              normalize_into (&child, NULL, field, &sub);
              bson_append_document_end (out, &child);
              return;
            }
        }
      break;

    case PT_FIELD_ARRAY:
      if (t == BSON_TYPE_ARRAY)
        {
          bson_iter_t elems;
          bson_t child;

          if (bson_iter_recurse (iter, &elems))
            {
              bson_append_array_begin (out, key, key_len, &child);
              while (bson_iter_next (&elems))
                append_coerced (&child, bson_iter_key (&elems), -1, &elems,
                                field, field->element_type == PT_FIELD_ARRAY
                                       ? PT_FIELD_STRING /* no nesting */
                                       : field->element_type);
              bson_append_array_end (out, &child);
              return;
            }
        }
      break;

    case PT_FIELD_STRING:
    case PT_FIELD_BOOL:
    case PT_FIELD_ENUM:
    default:
      break;
    }

  bson_append_iter (out, key, key_len, iter);
}

static void
normalize_into (bson_t             *out,
                const PtCollection *collection,
                const PtField      *parent,
                const bson_t       *in)
{
  bson_iter_t iter;

  if (!bson_iter_init (&iter, in))
    return;
  while (bson_iter_next (&iter))
    {
      const gchar *key = bson_iter_key (&iter);
      const PtField *field = lookup_field (collection, parent, key);

      append_coerced (out, key, (gint) bson_iter_key_len (&iter), &iter,
                      field, field != NULL ? field->type : PT_FIELD_STRING);
    }
}

bson_t *
pt_sync_bson_normalize (const PtCollection *collection,
                        const bson_t       *doc)
{
  bson_t *out = bson_new ();

  g_return_val_if_fail (doc != NULL, out);
  normalize_into (out, collection, NULL, doc);
  return out;
}

bson_t *
pt_sync_bson_to_remote (const PtCollection *collection,
                        const bson_t       *doc,
                        const bson_t       *stamps,
                        const gchar        *version,
                        gint64              pushed_at_ms)
{
  bson_t *out = bson_new ();
  bson_iter_t iter;

  g_return_val_if_fail (doc != NULL, out);

  if (bson_iter_init (&iter, doc))
    while (bson_iter_next (&iter))
      {
        const gchar *key = bson_iter_key (&iter);
        const PtField *field;

        if (strcmp (key, "_sync") == 0)
          continue;
        field = lookup_field (collection, NULL, key);
        append_coerced (out, key, (gint) bson_iter_key_len (&iter), &iter,
                        field, field != NULL ? field->type : PT_FIELD_STRING);
      }

  if (collection == NULL || collection->kind == PT_COLLECTION_MUTABLE)
    {
      bson_t sync, f;
      const gchar *dash = version != NULL ? strchr (version, '-') : NULL;

      BSON_APPEND_DOCUMENT_BEGIN (out, "_sync", &sync);
      if (version != NULL)
        BSON_APPEND_UTF8 (&sync, "v", version);
      else
        BSON_APPEND_NULL (&sync, "v");
      BSON_APPEND_DOCUMENT_BEGIN (&sync, "f", &f);
      if (stamps != NULL && bson_iter_init (&iter, stamps))
        while (bson_iter_next (&iter))
          if (BSON_ITER_HOLDS_UTF8 (&iter))
            bson_append_iter (&f, NULL, 0, &iter);
      bson_append_document_end (&sync, &f);
      if (dash != NULL)
        BSON_APPEND_UTF8 (&sync, "by", dash + 1);
      if (pushed_at_ms != 0)
        BSON_APPEND_DATE_TIME (&sync, "t", pushed_at_ms);
      bson_append_document_end (out, &sync);
    }

  return out;
}

void
pt_sync_bson_from_remote (const PtCollection *collection,
                          const bson_t       *remote,
                          bson_t            **doc,
                          bson_t            **stamps,
                          gchar             **version,
                          gchar             **by)
{
  bson_t *d = bson_new ();
  bson_t *s = bson_new ();
  gchar *v = NULL, *b = NULL;
  bson_iter_t iter;

  if (bson_iter_init (&iter, remote))
    while (bson_iter_next (&iter))
      {
        const gchar *key = bson_iter_key (&iter);

        if (strcmp (key, "_sync") == 0)
          {
            bson_iter_t sub;

            if (!BSON_ITER_HOLDS_DOCUMENT (&iter) || !bson_iter_recurse (&iter, &sub))
              continue;
            while (bson_iter_next (&sub))
              {
                const gchar *skey = bson_iter_key (&sub);

                if (strcmp (skey, "v") == 0 && BSON_ITER_HOLDS_UTF8 (&sub))
                  {
                    g_free (v);
                    v = g_strdup (bson_iter_utf8 (&sub, NULL));
                  }
                else if (strcmp (skey, "by") == 0 && BSON_ITER_HOLDS_UTF8 (&sub))
                  {
                    g_free (b);
                    b = g_strdup (bson_iter_utf8 (&sub, NULL));
                  }
                else if (strcmp (skey, "f") == 0 && BSON_ITER_HOLDS_DOCUMENT (&sub))
                  {
                    bson_iter_t f;

                    if (bson_iter_recurse (&sub, &f))
                      while (bson_iter_next (&f))
                        if (BSON_ITER_HOLDS_UTF8 (&f)
                            && pt_hlc_stamp_is_valid (bson_iter_utf8 (&f, NULL)))
                          bson_append_iter (s, NULL, 0, &f);
                  }
              }
            continue;
          }

        {
          const PtField *field = lookup_field (collection, NULL, key);
          append_coerced (d, key, (gint) bson_iter_key_len (&iter), &iter,
                          field, field != NULL ? field->type : PT_FIELD_STRING);
        }
      }

  if (v != NULL && !pt_hlc_stamp_is_valid (v))
    g_clear_pointer (&v, g_free);

  if (doc) *doc = d; else bson_destroy (d);
  if (stamps) *stamps = s; else bson_destroy (s);
  if (version) *version = v; else g_free (v);
  if (by) *by = b; else g_free (b);
}

gboolean
pt_sync_value_equal (const bson_iter_t *a,
                     const bson_iter_t *b)
{
  const bson_value_t *va, *vb;

  if (a == NULL || b == NULL)
    return a == b;

  va = bson_iter_value ((bson_iter_t *) a);
  vb = bson_iter_value ((bson_iter_t *) b);
  if (va->value_type != vb->value_type)
    return FALSE;

  switch (va->value_type)
    {
    case BSON_TYPE_DOUBLE:
      return va->value.v_double == vb->value.v_double;
    case BSON_TYPE_UTF8:
      return va->value.v_utf8.len == vb->value.v_utf8.len
             && memcmp (va->value.v_utf8.str, vb->value.v_utf8.str, va->value.v_utf8.len) == 0;
    case BSON_TYPE_DOCUMENT:
    case BSON_TYPE_ARRAY:
      return va->value.v_doc.data_len == vb->value.v_doc.data_len
             && memcmp (va->value.v_doc.data, vb->value.v_doc.data, va->value.v_doc.data_len) == 0;
    case BSON_TYPE_BINARY:
      return va->value.v_binary.subtype == vb->value.v_binary.subtype
             && va->value.v_binary.data_len == vb->value.v_binary.data_len
             && memcmp (va->value.v_binary.data, vb->value.v_binary.data, va->value.v_binary.data_len) == 0;
    case BSON_TYPE_OID:
      return bson_oid_equal (&va->value.v_oid, &vb->value.v_oid);
    case BSON_TYPE_BOOL:
      return va->value.v_bool == vb->value.v_bool;
    case BSON_TYPE_DATE_TIME:
      return va->value.v_datetime == vb->value.v_datetime;
    case BSON_TYPE_NULL:
    case BSON_TYPE_UNDEFINED:
    case BSON_TYPE_MAXKEY:
    case BSON_TYPE_MINKEY:
      return TRUE;
    case BSON_TYPE_INT32:
      return va->value.v_int32 == vb->value.v_int32;
    case BSON_TYPE_INT64:
      return va->value.v_int64 == vb->value.v_int64;
    case BSON_TYPE_TIMESTAMP:
      return va->value.v_timestamp.timestamp == vb->value.v_timestamp.timestamp
             && va->value.v_timestamp.increment == vb->value.v_timestamp.increment;
    case BSON_TYPE_DECIMAL128:
      return va->value.v_decimal128.low == vb->value.v_decimal128.low
             && va->value.v_decimal128.high == vb->value.v_decimal128.high;
    case BSON_TYPE_REGEX:
      return g_strcmp0 (va->value.v_regex.regex, vb->value.v_regex.regex) == 0
             && g_strcmp0 (va->value.v_regex.options, vb->value.v_regex.options) == 0;
    case BSON_TYPE_EOD:
    case BSON_TYPE_DBPOINTER:
    case BSON_TYPE_CODE:
    case BSON_TYPE_SYMBOL:
    case BSON_TYPE_CODEWSCOPE:
    default:
      return FALSE;
    }
}

static gboolean
key_ignored (const gchar         *key,
             const gchar * const *ignore)
{
  return ignore != NULL && g_strv_contains (ignore, key);
}

gboolean
pt_sync_docs_equal (const bson_t        *a,
                    const bson_t        *b,
                    const gchar * const *ignore)
{
  bson_iter_t ia, ib;
  guint na = 0, nb = 0;

  if (a == NULL || b == NULL)
    return a == b;

  if (!bson_iter_init (&ia, a))
    return FALSE;
  while (bson_iter_next (&ia))
    {
      const gchar *key = bson_iter_key (&ia);

      if (key_ignored (key, ignore))
        continue;
      na++;
      if (!bson_iter_init_find (&ib, b, key) || !pt_sync_value_equal (&ia, &ib))
        return FALSE;
    }
  if (!bson_iter_init (&ib, b))
    return FALSE;
  while (bson_iter_next (&ib))
    if (!key_ignored (bson_iter_key (&ib), ignore))
      nb++;
  return na == nb;
}

const gchar *
pt_sync_stamp_get (const bson_t *stamps,
                   const gchar  *field)
{
  bson_iter_t iter;

  if (stamps != NULL && bson_iter_init_find (&iter, stamps, field)
      && BSON_ITER_HOLDS_UTF8 (&iter))
    return bson_iter_utf8 (&iter, NULL);
  return NULL;
}

gint64
pt_sync_doc_updated_at (const bson_t *doc)
{
  bson_iter_t iter;

  if (doc == NULL || !bson_iter_init_find (&iter, doc, "updatedAt"))
    return 0;
  if (BSON_ITER_HOLDS_DATE_TIME (&iter))
    return bson_iter_date_time (&iter);
  if (BSON_ITER_HOLDS_INT64 (&iter))
    return bson_iter_int64 (&iter);
  return 0;
}

gchar *
pt_sync_doc_id_hex (const bson_t *doc)
{
  bson_iter_t iter;

  if (doc == NULL || !bson_iter_init_find (&iter, doc, "_id"))
    return NULL;
  if (BSON_ITER_HOLDS_OID (&iter))
    {
      gchar hex[25];
      bson_oid_to_string (bson_iter_oid (&iter), hex);
      return g_strdup (hex);
    }
  if (BSON_ITER_HOLDS_UTF8 (&iter))
    return g_strdup (bson_iter_utf8 (&iter, NULL));
  return NULL;
}

gchar *
pt_sync_value_to_json (const bson_iter_t *value)
{
  bson_t wrap = BSON_INITIALIZER;
  g_autofree gchar *json = NULL;
  gsize len;
  gchar *start, *end;

  if (value == NULL)
    return g_strdup ("null");
  bson_append_iter (&wrap, "v", 1, (bson_iter_t *) value);
  {
    gchar *j = bson_as_relaxed_extended_json (&wrap, NULL);
    json = g_strdup (j);
    bson_free (j);
  }
  bson_destroy (&wrap);

  /* "{ "v" : VALUE }" → VALUE */
  start = strchr (json, ':');
  len = strlen (json);
  end = json + len - 1;
  if (start == NULL || *end != '}')
    return g_steal_pointer (&json);
  start++;
  while (*start == ' ')
    start++;
  end--;
  while (end > start && *end == ' ')
    end--;
  return g_strndup (start, end - start + 1);
}
