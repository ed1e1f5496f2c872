/* ms-value.c — BSON values in MongoDB's comparison order
 *
 * MongoDB compares values of different types by a canonical type order
 * (MinKey < null < numbers < strings < objects < arrays < binData <
 * ObjectId < bool < date < timestamp < regex < MaxKey) and numbers across
 * int32/int64/double/decimal by value.
 */
#define G_LOG_DOMAIN "mongosim"
#include "config.h"

#include <math.h>
#include <string.h>

#include "ms-private.h"

int
ms_type_order (bson_type_t type)
{
  switch (type)
    {
    case BSON_TYPE_MINKEY: return -1;
    case BSON_TYPE_EOD:
    case BSON_TYPE_UNDEFINED: return 0;
    case BSON_TYPE_NULL: return 5;
    case BSON_TYPE_DOUBLE:
    case BSON_TYPE_INT32:
    case BSON_TYPE_INT64:
    case BSON_TYPE_DECIMAL128: return 10;
    case BSON_TYPE_UTF8:
    case BSON_TYPE_SYMBOL: return 15;
    case BSON_TYPE_DOCUMENT: return 20;
    case BSON_TYPE_ARRAY: return 25;
    case BSON_TYPE_BINARY: return 30;
    case BSON_TYPE_OID: return 35;
    case BSON_TYPE_BOOL: return 40;
    case BSON_TYPE_DATE_TIME: return 45;
    case BSON_TYPE_TIMESTAMP: return 47;
    case BSON_TYPE_REGEX: return 50;
    case BSON_TYPE_DBPOINTER: return 55;
    case BSON_TYPE_CODE: return 60;
    case BSON_TYPE_CODEWSCOPE: return 65;
    case BSON_TYPE_MAXKEY: return 127;
    default: return 100;
    }
}

gboolean
ms_value_is_number (const bson_value_t *v)
{
  return v->value_type == BSON_TYPE_DOUBLE || v->value_type == BSON_TYPE_INT32 ||
         v->value_type == BSON_TYPE_INT64 || v->value_type == BSON_TYPE_DECIMAL128;
}

static long double
decimal_as_long_double (const bson_decimal128_t *d)
{
  char buf[BSON_DECIMAL128_STRING];

  bson_decimal128_to_string (d, buf);
  if (g_str_equal (buf, "NaN"))
    return NAN;
  if (g_str_equal (buf, "Infinity"))
    return INFINITY;
  if (g_str_equal (buf, "-Infinity"))
    return -INFINITY;
  return strtold (buf, NULL);
}

static long double
as_long_double (const bson_value_t *v)
{
  switch (v->value_type)
    {
    case BSON_TYPE_DOUBLE: return v->value.v_double;
    case BSON_TYPE_INT32: return v->value.v_int32;
    case BSON_TYPE_INT64: return v->value.v_int64;
    case BSON_TYPE_DECIMAL128: return decimal_as_long_double (&v->value.v_decimal128);
    default: return 0;
    }
}

double
ms_value_as_double (const bson_value_t *v)
{
  return (double) as_long_double (v);
}

gint64
ms_value_as_int64 (const bson_value_t *v)
{
  switch (v->value_type)
    {
    case BSON_TYPE_INT32: return v->value.v_int32;
    case BSON_TYPE_INT64: return v->value.v_int64;
    case BSON_TYPE_DOUBLE: return (gint64) v->value.v_double;
    case BSON_TYPE_DECIMAL128: return (gint64) decimal_as_long_double (&v->value.v_decimal128);
    case BSON_TYPE_BOOL: return v->value.v_bool;
    default: return 0;
    }
}

gboolean
ms_value_truthy (const bson_value_t *v)
{
  switch (v->value_type)
    {
    case BSON_TYPE_BOOL: return v->value.v_bool;
    case BSON_TYPE_NULL:
    case BSON_TYPE_UNDEFINED:
    case BSON_TYPE_EOD: return FALSE;
    default:
      if (ms_value_is_number (v))
        return as_long_double (v) != 0;
      return TRUE;
    }
}

void
ms_value_doc (const bson_value_t *v, bson_t *out)
{
  g_assert (v->value_type == BSON_TYPE_DOCUMENT || v->value_type == BSON_TYPE_ARRAY);
  if (!bson_init_static (out, v->value.v_doc.data, v->value.v_doc.data_len))
    bson_init (out);
}

static int
cmp_numbers (const bson_value_t *a, const bson_value_t *b)
{
  long double x, y;

  if (a->value_type == BSON_TYPE_INT64 && b->value_type == BSON_TYPE_INT64)
    return a->value.v_int64 < b->value.v_int64 ? -1 : a->value.v_int64 > b->value.v_int64;
  x = as_long_double (a);
  y = as_long_double (b);
  /* NaN sorts before every other number */
  if (isnan (x) || isnan (y))
    return isnan (x) ? (isnan (y) ? 0 : -1) : 1;
  return x < y ? -1 : x > y;
}

static int
cmp_docs (const bson_value_t *a, const bson_value_t *b, gboolean is_array)
{
  bson_t da, db;
  bson_iter_t ia, ib;

  ms_value_doc (a, &da);
  ms_value_doc (b, &db);
  if (!bson_iter_init (&ia, &da) || !bson_iter_init (&ib, &db))
    return 0;
  for (;;)
    {
      gboolean na = bson_iter_next (&ia);
      gboolean nb = bson_iter_next (&ib);
      const bson_value_t *va, *vb;
      int c;

      if (!na || !nb)
        return na ? 1 : nb ? -1 : 0;
      va = bson_iter_value (&ia);
      vb = bson_iter_value (&ib);
      c = ms_type_order (va->value_type) - ms_type_order (vb->value_type);
      if (c != 0)
        return c < 0 ? -1 : 1;
      if (!is_array)
        {
          c = strcmp (bson_iter_key (&ia), bson_iter_key (&ib));
          if (c != 0)
            return c < 0 ? -1 : 1;
        }
      c = ms_value_cmp (va, vb);
      if (c != 0)
        return c;
    }
}

int
ms_value_cmp (const bson_value_t *a, const bson_value_t *b)
{
  int ta = ms_type_order (a->value_type);
  int tb = ms_type_order (b->value_type);
  int c;

  if (ta != tb)
    return ta < tb ? -1 : 1;

  switch (a->value_type)
    {
    case BSON_TYPE_MINKEY:
    case BSON_TYPE_MAXKEY:
    case BSON_TYPE_NULL:
    case BSON_TYPE_UNDEFINED:
    case BSON_TYPE_EOD:
      return 0;
    case BSON_TYPE_DOUBLE:
    case BSON_TYPE_INT32:
    case BSON_TYPE_INT64:
    case BSON_TYPE_DECIMAL128:
      return cmp_numbers (a, b);
    case BSON_TYPE_UTF8:
    case BSON_TYPE_SYMBOL:
      {
        const char *sa = a->value_type == BSON_TYPE_UTF8 ? a->value.v_utf8.str : a->value.v_symbol.symbol;
        const char *sb = b->value_type == BSON_TYPE_UTF8 ? b->value.v_utf8.str : b->value.v_symbol.symbol;
        guint32 la = a->value_type == BSON_TYPE_UTF8 ? a->value.v_utf8.len : a->value.v_symbol.len;
        guint32 lb = b->value_type == BSON_TYPE_UTF8 ? b->value.v_utf8.len : b->value.v_symbol.len;

        c = memcmp (sa, sb, MIN (la, lb));
        if (c != 0)
          return c < 0 ? -1 : 1;
        return la < lb ? -1 : la > lb;
      }
    case BSON_TYPE_DOCUMENT:
      return cmp_docs (a, b, FALSE);
    case BSON_TYPE_ARRAY:
      return cmp_docs (a, b, TRUE);
    case BSON_TYPE_BINARY:
      if (a->value.v_binary.data_len != b->value.v_binary.data_len)
        return a->value.v_binary.data_len < b->value.v_binary.data_len ? -1 : 1;
      if (a->value.v_binary.subtype != b->value.v_binary.subtype)
        return a->value.v_binary.subtype < b->value.v_binary.subtype ? -1 : 1;
      c = memcmp (a->value.v_binary.data, b->value.v_binary.data, a->value.v_binary.data_len);
      return c < 0 ? -1 : c > 0;
    case BSON_TYPE_OID:
      c = bson_oid_compare (&a->value.v_oid, &b->value.v_oid);
      return c < 0 ? -1 : c > 0;
    case BSON_TYPE_BOOL:
      return (int) a->value.v_bool - (int) b->value.v_bool;
    case BSON_TYPE_DATE_TIME:
      return a->value.v_datetime < b->value.v_datetime ? -1 : a->value.v_datetime > b->value.v_datetime;
    case BSON_TYPE_TIMESTAMP:
      {
        guint64 x = ((guint64) a->value.v_timestamp.timestamp << 32) | a->value.v_timestamp.increment;
        guint64 y = ((guint64) b->value.v_timestamp.timestamp << 32) | b->value.v_timestamp.increment;
        return x < y ? -1 : x > y;
      }
    case BSON_TYPE_REGEX:
      c = strcmp (a->value.v_regex.regex, b->value.v_regex.regex);
      if (c == 0)
        c = strcmp (a->value.v_regex.options, b->value.v_regex.options);
      return c < 0 ? -1 : c > 0;
    case BSON_TYPE_CODE:
      c = g_strcmp0 (a->value.v_code.code, b->value.v_code.code);
      return c < 0 ? -1 : c > 0;
    default:
      return 0;
    }
}

gboolean
ms_value_equal (const bson_value_t *a, const bson_value_t *b)
{
  return ms_value_cmp (a, b) == 0;
}

static void
key_append_hex (GString *out, const guint8 *data, gsize len)
{
  static const char digits[] = "0123456789abcdef";

  for (gsize i = 0; i < len; i++)
    {
      g_string_append_c (out, digits[data[i] >> 4]);
      g_string_append_c (out, digits[data[i] & 0xf]);
    }
}

/* Strings may hold NUL bytes (BSON strings are counted): escape them. */
static void
key_append_escaped (GString *out, const char *str, gsize len)
{
  for (gsize i = 0; i < len; i++)
    {
      if (str[i] == '\0')
        g_string_append (out, "\\0");
      else if (str[i] == '\\')
        g_string_append (out, "\\\\");
      else
        g_string_append_c (out, str[i]);
    }
}

/* A string equal for values MongoDB treats as equal, used for _id, unique
 * index, $group, $addToSet and distinct lookups: 1, 1.0 and NumberLong(1)
 * share one key.  It never contains a NUL byte, because callers hash it
 * as a C string (g_str_hash): raw ObjectId bytes used to cut the key at
 * the first 0x00, so every document of a tenant whose id holds a zero
 * byte collided on a {tenantId, …} unique index. */
void
ms_value_key (GString *out, const bson_value_t *v)
{
  switch (v->value_type)
    {
    case BSON_TYPE_DOUBLE:
    case BSON_TYPE_INT32:
    case BSON_TYPE_INT64:
    case BSON_TYPE_DECIMAL128:
      {
        long double x = as_long_double (v);

        g_string_append_c (out, 'N');
        if (v->value_type == BSON_TYPE_INT32 || v->value_type == BSON_TYPE_INT64)
          g_string_append_printf (out, "%" G_GINT64_FORMAT, ms_value_as_int64 (v));
        else if (x == floorl (x) && fabsl (x) < 9.2e18L)
          g_string_append_printf (out, "%" G_GINT64_FORMAT, (gint64) x);
        else
          g_string_append_printf (out, "%.21Lg", x);
        g_string_append_c (out, ';');
        return;
      }
    case BSON_TYPE_DOCUMENT:
    case BSON_TYPE_ARRAY:
      {
        bson_t d;
        bson_iter_t it;

        ms_value_doc (v, &d);
        g_string_append_c (out, v->value_type == BSON_TYPE_DOCUMENT ? '{' : '[');
        if (bson_iter_init (&it, &d))
          while (bson_iter_next (&it))
            {
              if (v->value_type == BSON_TYPE_DOCUMENT)
                {
                  const char *k = bson_iter_key (&it);
                  g_string_append_printf (out, "%zu:%s", strlen (k), k);
                }
              ms_value_key (out, bson_iter_value (&it));
            }
        g_string_append_c (out, v->value_type == BSON_TYPE_DOCUMENT ? '}' : ']');
        return;
      }
    case BSON_TYPE_UTF8:
      g_string_append_c (out, 'S');
      g_string_append_printf (out, "%u:", v->value.v_utf8.len);
      key_append_escaped (out, v->value.v_utf8.str, v->value.v_utf8.len);
      return;
    case BSON_TYPE_OID:
      g_string_append_c (out, 'O');
      key_append_hex (out, v->value.v_oid.bytes, 12);
      return;
    case BSON_TYPE_BINARY:
      g_string_append_printf (out, "B%u:%u:", v->value.v_binary.subtype, v->value.v_binary.data_len);
      key_append_hex (out, v->value.v_binary.data, v->value.v_binary.data_len);
      return;
    case BSON_TYPE_BOOL:
      g_string_append (out, v->value.v_bool ? "T" : "F");
      return;
    case BSON_TYPE_DATE_TIME:
      g_string_append_printf (out, "D%" G_GINT64_FORMAT ";", v->value.v_datetime);
      return;
    case BSON_TYPE_TIMESTAMP:
      g_string_append_printf (out, "t%u:%u;", v->value.v_timestamp.timestamp, v->value.v_timestamp.increment);
      return;
    case BSON_TYPE_NULL:
    case BSON_TYPE_UNDEFINED:
    case BSON_TYPE_EOD:
      g_string_append_c (out, 'Z');
      return;
    case BSON_TYPE_MINKEY:
      g_string_append_c (out, '<');
      return;
    case BSON_TYPE_MAXKEY:
      g_string_append_c (out, '>');
      return;
    case BSON_TYPE_REGEX:
      g_string_append_printf (out, "R%zu:%s/%s;", strlen (v->value.v_regex.regex),
                              v->value.v_regex.regex, v->value.v_regex.options);
      return;
    default:
      g_string_append_printf (out, "?%d", v->value_type);
      return;
    }
}

/* The server's log-style rendering, used in E11000 messages:
 * { _id: ObjectId('…') }, { email: "a@b" }, { n: 1 }. */
void
ms_value_to_shell (GString *out, const bson_value_t *v)
{
  switch (v->value_type)
    {
    case BSON_TYPE_DOUBLE:
      {
        char buf[G_ASCII_DTOSTR_BUF_SIZE];
        double d = v->value.v_double;

        if (d == floor (d) && fabs (d) < 1e15)
          g_string_append_printf (out, "%.1f", d);
        else
          g_string_append (out, g_ascii_dtostr (buf, sizeof buf, d));
        return;
      }
    case BSON_TYPE_INT32:
      g_string_append_printf (out, "%d", v->value.v_int32);
      return;
    case BSON_TYPE_INT64:
      g_string_append_printf (out, "%" G_GINT64_FORMAT, v->value.v_int64);
      return;
    case BSON_TYPE_UTF8:
      g_string_append_c (out, '"');
      g_string_append_len (out, v->value.v_utf8.str, v->value.v_utf8.len);
      g_string_append_c (out, '"');
      return;
    case BSON_TYPE_OID:
      {
        char hex[25];

        bson_oid_to_string (&v->value.v_oid, hex);
        g_string_append_printf (out, "ObjectId('%s')", hex);
        return;
      }
    case BSON_TYPE_BOOL:
      g_string_append (out, v->value.v_bool ? "true" : "false");
      return;
    case BSON_TYPE_NULL:
      g_string_append (out, "null");
      return;
    case BSON_TYPE_UNDEFINED:
      g_string_append (out, "undefined");
      return;
    case BSON_TYPE_DATE_TIME:
      g_string_append_printf (out, "new Date(%" G_GINT64_FORMAT ")", v->value.v_datetime);
      return;
    case BSON_TYPE_DOCUMENT:
    case BSON_TYPE_ARRAY:
      {
        bson_t d;
        bson_iter_t it;
        gboolean first = TRUE;
        gboolean arr = v->value_type == BSON_TYPE_ARRAY;

        ms_value_doc (v, &d);
        g_string_append (out, arr ? "[ " : "{ ");
        if (bson_iter_init (&it, &d))
          while (bson_iter_next (&it))
            {
              if (!first)
                g_string_append (out, ", ");
              first = FALSE;
              if (!arr)
                g_string_append_printf (out, "%s: ", bson_iter_key (&it));
              ms_value_to_shell (out, bson_iter_value (&it));
            }
        g_string_append (out, first ? (arr ? "]" : "}") : (arr ? " ]" : " }"));
        if (first)
          {
            /* "{ }" → "{}" as the server prints empty objects */
            g_string_truncate (out, out->len - 2);
            g_string_append (out, arr ? "[]" : "{}");
          }
        return;
      }
    default:
      {
        bson_t tmp = BSON_INITIALIZER;
        char *json;

        bson_append_value (&tmp, "v", 1, v);
        json = bson_as_relaxed_extended_json (&tmp, NULL);
        g_string_append (out, json ? json : "?");
        bson_free (json);
        bson_destroy (&tmp);
        return;
      }
    }
}

char *
ms_doc_to_shell (const bson_t *doc)
{
  GString *out = g_string_new (NULL);
  bson_value_t v;

  v.value_type = BSON_TYPE_DOCUMENT;
  v.value.v_doc.data = (guint8 *) bson_get_data (doc);
  v.value.v_doc.data_len = doc->len;
  ms_value_to_shell (out, &v);
  return g_string_free (out, FALSE);
}

const char *
ms_type_alias (bson_type_t type)
{
  switch (type)
    {
    case BSON_TYPE_DOUBLE: return "double";
    case BSON_TYPE_UTF8: return "string";
    case BSON_TYPE_DOCUMENT: return "object";
    case BSON_TYPE_ARRAY: return "array";
    case BSON_TYPE_BINARY: return "binData";
    case BSON_TYPE_UNDEFINED: return "undefined";
    case BSON_TYPE_OID: return "objectId";
    case BSON_TYPE_BOOL: return "bool";
    case BSON_TYPE_DATE_TIME: return "date";
    case BSON_TYPE_NULL: return "null";
    case BSON_TYPE_REGEX: return "regex";
    case BSON_TYPE_DBPOINTER: return "dbPointer";
    case BSON_TYPE_CODE: return "javascript";
    case BSON_TYPE_SYMBOL: return "symbol";
    case BSON_TYPE_CODEWSCOPE: return "javascriptWithScope";
    case BSON_TYPE_INT32: return "int";
    case BSON_TYPE_TIMESTAMP: return "timestamp";
    case BSON_TYPE_INT64: return "long";
    case BSON_TYPE_DECIMAL128: return "decimal";
    case BSON_TYPE_MINKEY: return "minKey";
    case BSON_TYPE_MAXKEY: return "maxKey";
    default: return "unknown";
    }
}

/* Plain dotted lookup through embedded documents (and numeric array
 * indexes); no array expansion. */
gboolean
ms_lookup_path (const bson_t *doc, const char *path, bson_value_t *out)
{
  bson_iter_t it, child;

  if (!bson_iter_init (&it, doc))
    return FALSE;
  if (strchr (path, '.') == NULL)
    {
      if (!bson_iter_find (&it, path))
        return FALSE;
      *out = *bson_iter_value (&it);
      return TRUE;
    }
  if (!bson_iter_find_descendant (&it, path, &child))
    return FALSE;
  *out = *bson_iter_value (&child);
  return TRUE;
}

GBytes *
ms_bson_to_bytes (const bson_t *doc)
{
  return g_bytes_new (bson_get_data (doc), doc->len);
}
