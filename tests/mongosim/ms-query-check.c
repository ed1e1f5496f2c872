/* ms-query-check.c — validating a filter before it runs: unknown
 * operators, malformed $and/$or/$nor, $in without an array, bad regexes —
 * with the server's codes and messages
 */
#define G_LOG_DOMAIN "mongosim"
#include "config.h"

#include <string.h>

#include "ms-private.h"

/* ---------------------------------------------------------- validation */

static const char *const field_ops[] = {
  "$eq", "$ne", "$gt", "$gte", "$lt", "$lte", "$in", "$nin", "$exists", "$type",
  "$not", "$regex", "$options", "$elemMatch", "$all", "$size", "$mod", NULL
};

static gboolean check_ops (const bson_t *ops, MsErr **err);

static gboolean
check_filter (const bson_t *filter, MsErr **err)
{
  bson_iter_t it;

  if (!bson_iter_init (&it, filter))
    {
      ms_err_set (err, MS_BAD_VALUE, "invalid filter document");
      return FALSE;
    }
  while (bson_iter_next (&it))
    {
      const char *key = bson_iter_key (&it);
      const bson_value_t *v = bson_iter_value (&it);

      if (key[0] == '$')
        {
          bson_t sub;
          bson_iter_t ai;

          if (g_str_equal (key, "$comment") || g_str_equal (key, "$jsonSchema"))
            continue;
          if (!g_str_equal (key, "$and") && !g_str_equal (key, "$or") && !g_str_equal (key, "$nor"))
            {
              ms_err_set (err, MS_BAD_VALUE, "unknown top level operator: %s. If you have a field name "
                          "that starts with a '$' symbol, consider using $getField or $setField.", key);
              return FALSE;
            }
          if (v->value_type != BSON_TYPE_ARRAY)
            {
              ms_err_set (err, MS_BAD_VALUE, "%s must be an array", key);
              return FALSE;
            }
          ms_value_doc (v, &sub);
          if (bson_count_keys (&sub) == 0)
            {
              ms_err_set (err, MS_BAD_VALUE, "$and/$or/$nor must be a nonempty array");
              return FALSE;
            }
          if (bson_iter_init (&ai, &sub))
            while (bson_iter_next (&ai))
              {
                bson_t clause;
                bson_value_t cv = *bson_iter_value (&ai);
                if (cv.value_type != BSON_TYPE_DOCUMENT)
                  {
                    ms_err_set (err, MS_BAD_VALUE, "$or/$and/$nor entries need to be full objects");
                    return FALSE;
                  }
                ms_value_doc (&cv, &clause);
                if (!check_filter (&clause, err))
                  return FALSE;
              }
          continue;
        }
      if (ms_value_is_operator_doc (v))
        {
          bson_t ops;
          ms_value_doc (v, &ops);
          if (!check_ops (&ops, err))
            return FALSE;
        }
    }
  return TRUE;
}

static gboolean
check_ops (const bson_t *ops, MsErr **err)
{
  bson_iter_t it;

  if (!bson_iter_init (&it, ops))
    return FALSE;
  while (bson_iter_next (&it))
    {
      const char *op = bson_iter_key (&it);
      const bson_value_t *v = bson_iter_value (&it);

      if (!g_strv_contains (field_ops, op))
        {
          ms_err_set (err, MS_BAD_VALUE, "unknown operator: %s", op);
          return FALSE;
        }
      if ((g_str_equal (op, "$in") || g_str_equal (op, "$nin") || g_str_equal (op, "$all")) &&
          v->value_type != BSON_TYPE_ARRAY)
        {
          ms_err_set (err, MS_BAD_VALUE, "%s needs an array", op);
          return FALSE;
        }
      if (g_str_equal (op, "$size") && !ms_value_is_number (v))
        {
          ms_err_set (err, MS_BAD_VALUE, "$size needs a number");
          return FALSE;
        }
      if (g_str_equal (op, "$elemMatch") && v->value_type != BSON_TYPE_DOCUMENT)
        {
          ms_err_set (err, MS_BAD_VALUE, "$elemMatch needs an Object");
          return FALSE;
        }
      if (g_str_equal (op, "$regex") && v->value_type != BSON_TYPE_UTF8 && v->value_type != BSON_TYPE_REGEX)
        {
          ms_err_set (err, MS_BAD_VALUE, "$regex has to be a string");
          return FALSE;
        }
      if (g_str_equal (op, "$regex"))
        {
          const char *p = v->value_type == BSON_TYPE_UTF8 ? v->value.v_utf8.str : v->value.v_regex.regex;
          g_autoptr(GRegex) re = g_utf8_validate (p, -1, NULL) ? g_regex_new (p, 0, 0, NULL) : NULL;
          if (re == NULL)
            {
              ms_err_set (err, 51091, "Regular expression is invalid");
              return FALSE;
            }
        }
      if (g_str_equal (op, "$not"))
        {
          if (v->value_type == BSON_TYPE_DOCUMENT)
            {
              bson_t sub;
              ms_value_doc (v, &sub);
              if (bson_empty (&sub))
                {
                  ms_err_set (err, MS_BAD_VALUE, "$not cannot be empty");
                  return FALSE;
                }
              if (!check_ops (&sub, err))
                return FALSE;
            }
          else if (v->value_type != BSON_TYPE_REGEX)
            {
              ms_err_set (err, MS_BAD_VALUE, "$not needs a regex or a document");
              return FALSE;
            }
        }
    }
  return TRUE;
}

gboolean
ms_query_check (const bson_t *filter, MsErr **err)
{
  if (filter == NULL)
    return TRUE;
  return check_filter (filter, err);
}
