#define G_LOG_DOMAIN "pt-core"
#include "config.h"

#include <inttypes.h>
#include <string.h>
#include <glib/gi18n-lib.h>

#include "pt-error.h"
#include "pt-money.h"
#include "pt-schema.h"
#include "pt-schema-private.h"

/* Dates outside this range are typing mistakes, not pharmacy data. */
#define DATE_MIN_MS ((gint64) -2208988800000)   /* 1900-01-01 */
#define DATE_MAX_MS ((gint64) 253402300799999)  /* 9999-12-31T23:59:59.999 */
/* Tolerance for "not in the future": the counter's and the patient's time
 * zones may differ by up to a day. */
#define FUTURE_SLACK_MS PT_MS_PER_DAY
/* How much of a bad value is quoted back in a message. */
#define QUOTE_MAX 40

typedef struct
{
  const PtCollection *collection;
  PtValidateFlags     flags;
  GString            *path;
  GError            **error;
  gint64              now_ms;
} Ctx;

static gboolean fail (Ctx *ctx, const gchar *format, ...) G_GNUC_PRINTF (2, 3);

static gboolean
fail (Ctx         *ctx,
      const gchar *format,
      ...)
{
  va_list args;
  gchar *message;

  va_start (args, format);
  message = g_strdup_vprintf (format, args);
  va_end (args);
  g_set_error_literal (ctx->error, PT_ERROR, PT_ERROR_INVALID, message);
  g_free (message);
  return FALSE;
}

static gsize
path_push (Ctx         *ctx,
           const gchar *name)
{
  gsize old = ctx->path->len;

  if (old > 0)
    g_string_append_c (ctx->path, '.');
  g_string_append (ctx->path, name);
  return old;
}

static gsize
path_push_index (Ctx  *ctx,
                 guint index)
{
  gsize old = ctx->path->len;

  g_string_append_printf (ctx->path, ".%u", index);
  return old;
}

static void
path_pop (Ctx   *ctx,
          gsize  old)
{
  g_string_truncate (ctx->path, old);
}

/* A bad value quoted back to the user: short, valid UTF-8 only. */
static gchar *
quote_value (const gchar *s,
             gsize        len)
{
  if (!g_utf8_validate_len (s, len, NULL))
    return g_strdup ("…");
  if (len > QUOTE_MAX * 4 || g_utf8_strlen (s, len) > QUOTE_MAX)
    {
      const gchar *end = g_utf8_offset_to_pointer (s, QUOTE_MAX);
      g_autofree gchar *head = g_strndup (s, end - s);
      return g_strconcat (head, "…", NULL);
    }
  return g_strndup (s, len);
}

static const gchar *
label_of (const PtField *f)
{
  return _(f->label);
}

static gboolean
is_blank (const gchar *s,
          gsize        len)
{
  for (gsize i = 0; i < len; i++)
    if (!g_ascii_isspace (s[i]))
      return FALSE;
  return TRUE;
}

static gboolean
check_string_format (Ctx           *ctx,
                     const PtField *f,
                     const gchar   *s,
                     gsize          len)
{
  g_autofree gchar *q = NULL;

  switch (f->format)
    {
    case PT_FORMAT_SLUG:
      if (_pt_is_slug (s, len))
        return TRUE;
      q = quote_value (s, len);
      return fail (ctx, _("%s “%s” may only contain lowercase letters, digits and dashes (%s)."),
                   label_of (f), q, ctx->path->str);
    case PT_FORMAT_EMAIL:
      if (pt_email_is_valid (s))
        return TRUE;
      q = quote_value (s, len);
      return fail (ctx, _("%s “%s” is not a valid lowercase e-mail address (%s)."),
                   label_of (f), q, ctx->path->str);
    case PT_FORMAT_CURRENCY:
      if (len == 3 && g_ascii_isupper (s[0]) && g_ascii_isupper (s[1]) && g_ascii_isupper (s[2]))
        return TRUE;
      q = quote_value (s, len);
      return fail (ctx, _("%s “%s” must be a three-letter ISO 4217 code such as EUR (%s)."),
                   label_of (f), q, ctx->path->str);
    case PT_FORMAT_GTIN:
      if (pt_gtin_is_valid (s))
        return TRUE;
      q = quote_value (s, len);
      return fail (ctx, _("%s “%s” is not a valid GTIN (%s)."),
                   label_of (f), q, ctx->path->str);
    case PT_FORMAT_TIME_OF_DAY:
      if (_pt_is_time_of_day (s, len))
        return TRUE;
      q = quote_value (s, len);
      return fail (ctx, _("%s “%s” is not a time of day in the form HH:MM (%s)."),
                   label_of (f), q, ctx->path->str);
    case PT_FORMAT_PHONE:
      if (_pt_is_phone (s, len))
        return TRUE;
      q = quote_value (s, len);
      return fail (ctx, _("%s “%s” is not a phone number (%s)."),
                   label_of (f), q, ctx->path->str);
    case PT_FORMAT_NONE:
    case PT_FORMAT_PAST_DATE:
    case PT_FORMAT_NONZERO:
    default:
      return TRUE;
    }
}

static gboolean
check_string (Ctx           *ctx,
              const PtField *f,
              gboolean       required,
              const gchar   *s,
              guint32        len)
{
  gint64 max = f->max > 0 ? f->max : PT_STRING_DEFAULT_MAX;
  glong n_chars;

  /* A character is at most 4 bytes: anything longer than 4 × max is
   * refused before the text is even scanned (a 10 MB paste). */
  if ((gint64) len > max * 4)
    return fail (ctx, _("%s is too long: at most %" PRId64 " characters are allowed (%s)."),
                 label_of (f), max, ctx->path->str);
  if (!g_utf8_validate_len (s, len, NULL))
    return fail (ctx, _("%s contains characters that are not valid text (invalid UTF-8 or a NUL byte) (%s)."),
                 label_of (f), ctx->path->str);
  n_chars = g_utf8_strlen (s, len);
  if (n_chars > max)
    return fail (ctx, _("%s is too long: %ld characters, at most %" PRId64 " are allowed (%s)."),
                 label_of (f), n_chars, max, ctx->path->str);
  if (is_blank (s, len))
    {
      if (required)
        return fail (ctx, _("%s is required (%s)."), label_of (f), ctx->path->str);
      return TRUE;    /* an emptied optional field */
    }
  /* A format (GTIN, HH:MM, ...) says more than a length would. */
  if (n_chars < f->min && f->format == PT_FORMAT_NONE)
    return fail (ctx, g_dngettext (GETTEXT_PACKAGE,
                                   "%s must have at least %" PRId64 " character (%s).",
                                   "%s must have at least %" PRId64 " characters (%s).",
                                   f->min),
                 label_of (f), f->min, ctx->path->str);
  return check_string_format (ctx, f, s, len);
}

static gboolean
get_integer (const bson_iter_t *iter,
             gint64            *out)
{
  switch (bson_iter_type (iter))
    {
    case BSON_TYPE_INT32:
      *out = bson_iter_int32 (iter);
      return TRUE;
    case BSON_TYPE_INT64:
      *out = bson_iter_int64 (iter);
      return TRUE;
    case BSON_TYPE_DOUBLE:
      {
        /* JavaScript writers (the web dashboard) store whole numbers as
         * doubles; accept those that are exactly whole. */
        gdouble d = bson_iter_double (iter);

        if (d >= -9007199254740992.0 && d <= 9007199254740992.0 && d == (gdouble) (gint64) d)
          {
            *out = (gint64) d;
            return TRUE;
          }
        return FALSE;
      }
    default:
      return FALSE;
    }
}

static gchar *
format_number (const PtField *f,
               gint64         v)
{
  if (f->type == PT_FIELD_MONEY)
    return pt_money_to_plain (v, NULL);
  return g_strdup_printf ("%" G_GINT64_FORMAT, v);
}

static gboolean
check_number (Ctx           *ctx,
              const PtField *f,
              const bson_iter_t *iter)
{
  gint64 v;
  gint64 min = f->min;
  g_autofree gchar *limit = NULL;

  if (!get_integer (iter, &v))
    {
      if (f->type == PT_FIELD_MONEY)
        return fail (ctx, _("%s must be a whole number of minor units, e.g. 1250 for 12.50 (%s)."),
                     label_of (f), ctx->path->str);
      return fail (ctx, _("%s must be a whole number (%s)."), label_of (f), ctx->path->str);
    }
  if (!(f->flags & PT_FIELD_FLAG_SIGNED) && min < 0)
    min = 0;
  if (v < min)
    {
      if (min == 0)
        return fail (ctx, _("%s must not be negative (%s)."), label_of (f), ctx->path->str);
      limit = format_number (f, min);
      return fail (ctx, _("%s must be at least %s (%s)."), label_of (f), limit, ctx->path->str);
    }
  if (f->max != 0 && v > f->max)
    {
      limit = format_number (f, f->max);
      return fail (ctx, _("%s must be at most %s (%s)."), label_of (f), limit, ctx->path->str);
    }
  if (f->format == PT_FORMAT_NONZERO && v == 0)
    return fail (ctx, _("%s must not be zero (%s)."), label_of (f), ctx->path->str);
  return TRUE;
}

static gboolean
check_enum (Ctx               *ctx,
            const PtField     *f,
            gboolean           required,
            const bson_iter_t *iter)
{
  const gchar *s;
  guint32 len;
  g_autofree gchar *allowed = NULL;
  g_autofree gchar *q = NULL;

  if (!BSON_ITER_HOLDS_UTF8 (iter))
    return fail (ctx, _("%s must be text (%s)."), label_of (f), ctx->path->str);
  s = bson_iter_utf8 (iter, &len);
  if (len == 0 && required)
    return fail (ctx, _("%s is required (%s)."), label_of (f), ctx->path->str);
  if (len == 0)
    return TRUE;
  if (strlen (s) == len)
    for (guint i = 0; f->enum_values && f->enum_values[i]; i++)
      if (strcmp (s, f->enum_values[i]) == 0)
        return TRUE;

  allowed = g_strjoinv (", ", (gchar **) f->enum_values);
  q = quote_value (s, len);
  return fail (ctx, _("%s “%s” is not allowed; use one of: %s (%s)."),
               label_of (f), q, allowed, ctx->path->str);
}

static gboolean check_document (Ctx *ctx, const PtField *fields, guint n_fields,
                                const bson_t *doc, gboolean partial,
                                gboolean top, const PtField *parent);

static gboolean
check_value (Ctx               *ctx,
             const PtField     *f,
             PtFieldType        type,
             gboolean           required,
             const bson_iter_t *iter)
{
  switch (type)
    {
    case PT_FIELD_STRING:
      {
        const gchar *s;
        guint32 len;

        if (!BSON_ITER_HOLDS_UTF8 (iter))
          return fail (ctx, _("%s must be text (%s)."), label_of (f), ctx->path->str);
        s = bson_iter_utf8 (iter, &len);
        return check_string (ctx, f, required, s, len);
      }

    case PT_FIELD_INT:
    case PT_FIELD_MONEY:
      return check_number (ctx, f, iter);

    case PT_FIELD_BOOL:
      if (!BSON_ITER_HOLDS_BOOL (iter))
        return fail (ctx, _("%s must be true or false (%s)."), label_of (f), ctx->path->str);
      return TRUE;

    case PT_FIELD_DATE:
      {
        gint64 ms;

        if (!BSON_ITER_HOLDS_DATE_TIME (iter))
          return fail (ctx, _("%s must be a date (%s)."), label_of (f), ctx->path->str);
        ms = bson_iter_date_time (iter);
        if (ms < DATE_MIN_MS || ms > DATE_MAX_MS)
          return fail (ctx, _("%s must be a date between the years 1900 and 9999 (%s)."),
                       label_of (f), ctx->path->str);
        if (f->format == PT_FORMAT_PAST_DATE && ms > ctx->now_ms + FUTURE_SLACK_MS)
          return fail (ctx, _("%s must not be in the future (%s)."), label_of (f), ctx->path->str);
        return TRUE;
      }

    case PT_FIELD_OID:
      if (!BSON_ITER_HOLDS_OID (iter))
        return fail (ctx, _("%s must be an ObjectId (%s)."), label_of (f), ctx->path->str);
      return TRUE;

    case PT_FIELD_ENUM:
      return check_enum (ctx, f, required, iter);

    case PT_FIELD_DOCUMENT:
      {
        const guint8 *data;
        guint32 len;
        bson_t sub;

        if (!BSON_ITER_HOLDS_DOCUMENT (iter))
          return fail (ctx, _("%s must be an embedded document (%s)."), label_of (f), ctx->path->str);
        bson_iter_document (iter, &len, &data);
        if (!bson_init_static (&sub, data, len))
          return fail (ctx, _("%s is damaged (%s)."), label_of (f), ctx->path->str);
        /* An embedded document is always written whole: its own required
         * fields must be there, even in a partial update. */
        return check_document (ctx, f->children, f->n_children, &sub, FALSE, FALSE, f);
      }

    case PT_FIELD_ARRAY:
      {
        const guint8 *data;
        guint32 len;
        bson_t sub;
        bson_iter_t child;
        guint count = 0;
        gint64 max = f->max > 0 ? f->max : PT_ARRAY_DEFAULT_MAX;
        PtField element;

        if (!BSON_ITER_HOLDS_ARRAY (iter))
          return fail (ctx, _("%s must be a list (%s)."), label_of (f), ctx->path->str);
        bson_iter_array (iter, &len, &data);
        if (!bson_init_static (&sub, data, len) || !bson_iter_init (&child, &sub))
          return fail (ctx, _("%s is damaged (%s)."), label_of (f), ctx->path->str);

        /* The element: the field's own description with the element type,
         * its count limits left out. */
        element = *f;
        element.type = f->element_type;
        element.min = 0;
        element.max = 0;

        while (bson_iter_next (&child))
          {
            gsize old;
            gboolean ok;

            if (++count > max)
              return fail (ctx, _("%s has too many entries: at most %" PRId64 " are allowed (%s)."),
                           label_of (f), max, ctx->path->str);
            old = path_push_index (ctx, count - 1);
            if (BSON_ITER_HOLDS_NULL (&child) || bson_iter_type (&child) == BSON_TYPE_UNDEFINED)
              ok = fail (ctx, _("%s must not contain empty entries (%s)."), label_of (f), ctx->path->str);
            else
              ok = check_value (ctx, &element, element.type, TRUE, &child);
            path_pop (ctx, old);
            if (!ok)
              return FALSE;
          }
        if (count < f->min)
          {
            if (f->min == 1)
              return fail (ctx, _("%s must have at least one entry (%s)."), label_of (f), ctx->path->str);
            return fail (ctx, _("%s must have at least %" PRId64 " entries (%s)."),
                         label_of (f), f->min, ctx->path->str);
          }
        return TRUE;
      }

    default:
      g_return_val_if_reached (FALSE);
    }
}

static gboolean
get_date (const bson_t *doc,
          const gchar  *key,
          gint64       *out)
{
  bson_iter_t iter;

  if (!bson_iter_init_find (&iter, doc, key) || !BSON_ITER_HOLDS_DATE_TIME (&iter))
    return FALSE;
  *out = bson_iter_date_time (&iter);
  return TRUE;
}

static gboolean
get_utf8 (const bson_t *doc,
          const gchar  *key,
          const gchar **out)
{
  bson_iter_t iter;

  if (!bson_iter_init_find (&iter, doc, key) || !BSON_ITER_HOLDS_UTF8 (&iter))
    return FALSE;
  *out = bson_iter_utf8 (&iter, NULL);
  return TRUE;
}

/* Rules across fields of one document; @parent NULL for the top level. */
static gboolean
check_cross_fields (Ctx           *ctx,
                    const bson_t  *doc,
                    const PtField *parent)
{
  if (parent == NULL && strcmp (ctx->collection->name, "batches") == 0)
    {
      gint64 expiry, received;

      if (get_date (doc, "expiryDate", &expiry) && get_date (doc, "receivedAt", &received)
          && expiry <= received)
        {
          gsize old = path_push (ctx, "expiryDate");
          fail (ctx, _("Expiry date must be after the received date (%s)."), ctx->path->str);
          path_pop (ctx, old);
          return FALSE;
        }
    }
  if (parent != NULL && parent->children != NULL
      && pt_field_lookup_child (parent, "opens") != NULL
      && pt_field_lookup_child (parent, "closes") != NULL)
    {
      const gchar *opens, *closes;

      /* "HH:MM" strings compare in time order. */
      if (get_utf8 (doc, "opens", &opens) && get_utf8 (doc, "closes", &closes)
          && strcmp (closes, opens) <= 0)
        {
          gsize old = path_push (ctx, "closes");
          fail (ctx, _("Closing time must be after the opening time (%s)."), ctx->path->str);
          path_pop (ctx, old);
          return FALSE;
        }
    }
  return TRUE;
}

static gboolean
check_document (Ctx           *ctx,
                const PtField *fields,
                guint          n_fields,
                const bson_t  *doc,
                gboolean       partial,
                gboolean       top,
                const PtField *parent)
{
  bson_iter_t iter;
  g_autofree gboolean *seen = g_new0 (gboolean, n_fields + 1);

  if (!bson_iter_init (&iter, doc))
    return fail (ctx, _("The document is damaged and cannot be read."));

  while (bson_iter_next (&iter))
    {
      const gchar *key = bson_iter_key (&iter);
      const PtField *f = NULL;
      guint index = 0;
      gsize old;
      gboolean ok;
      gboolean is_null;

      /* Sync metadata (DESIGN §5) is the engine's, not the user's. */
      if (top && strcmp (key, "_sync") == 0)
        continue;

      for (guint i = 0; i < n_fields; i++)
        if (strcmp (fields[i].name, key) == 0)
          {
            f = &fields[i];
            index = i;
            break;
          }

      if (f == NULL)
        {
          g_autofree gchar *q = NULL;

          if (ctx->flags & PT_VALIDATE_ALLOW_UNKNOWN)
            continue;
          q = quote_value (key, strlen (key));
          if (ctx->path->len == 0)
            return fail (ctx, _("Unknown field “%s” in %s."), q, ctx->collection->name);
          old = path_push (ctx, q);
          fail (ctx, _("Unknown field “%s” in %s (%s)."), q, ctx->collection->name, ctx->path->str);
          path_pop (ctx, old);
          return FALSE;
        }

      old = path_push (ctx, key);
      if (seen[index])
        {
          fail (ctx, _("%s appears twice in the document (%s)."), label_of (f), ctx->path->str);
          path_pop (ctx, old);
          return FALSE;
        }
      seen[index] = TRUE;

      is_null = BSON_ITER_HOLDS_NULL (&iter) || bson_iter_type (&iter) == BSON_TYPE_UNDEFINED;
      if (is_null)
        {
          ok = TRUE;
          if (f->flags & PT_FIELD_FLAG_REQUIRED)
            ok = fail (ctx, _("%s is required (%s)."), label_of (f), ctx->path->str);
          seen[index] = FALSE;
        }
      else
        ok = check_value (ctx, f, f->type, (f->flags & PT_FIELD_FLAG_REQUIRED) != 0, &iter);
      path_pop (ctx, old);
      if (!ok)
        return FALSE;
    }

  if (!partial)
    for (guint i = 0; i < n_fields; i++)
      if ((fields[i].flags & PT_FIELD_FLAG_REQUIRED) && !seen[i])
        {
          gsize old = path_push (ctx, fields[i].name);
          fail (ctx, _("%s is required (%s)."), label_of (&fields[i]), ctx->path->str);
          path_pop (ctx, old);
          return FALSE;
        }

  return check_cross_fields (ctx, doc, parent);
}

/* Lengths, terminators and nesting of every element are consistent.
 * bson_iter_next () checks each element in O(1) (string contents are not
 * scanned, so a 10 MB string costs nothing here). */
static gboolean
is_sound (const bson_t *doc,
          guint         depth)
{
  bson_iter_t iter;

  if (depth > 100 || !bson_iter_init (&iter, doc))
    return FALSE;
  while (bson_iter_next (&iter))
    {
      if (BSON_ITER_HOLDS_DOCUMENT (&iter) || BSON_ITER_HOLDS_ARRAY (&iter))
        {
          const guint8 *data;
          guint32 len;
          bson_t sub;

          if (BSON_ITER_HOLDS_DOCUMENT (&iter))
            bson_iter_document (&iter, &len, &data);
          else
            bson_iter_array (&iter, &len, &data);
          if (data == NULL || !bson_init_static (&sub, data, len) || !is_sound (&sub, depth + 1))
            return FALSE;
        }
    }
  /* bson_iter_next () stops early, with err_off set, on damage. */
  return iter.err_off == 0;
}

gboolean
pt_schema_validate (const PtCollection *collection,
                    const bson_t       *doc,
                    PtValidateFlags     flags,
                    GError            **error)
{
  g_autoptr(GString) path = NULL;
  Ctx ctx;

  g_return_val_if_fail (collection != NULL, FALSE);
  g_return_val_if_fail (doc != NULL, FALSE);

  /* Structure first: a damaged document must not be walked. */
  if (!is_sound (doc, 0))
    {
      g_set_error (error, PT_ERROR, PT_ERROR_INVALID,
                   _("The document is damaged and cannot be read."));
      return FALSE;
    }

  path = g_string_sized_new (64);
  ctx.collection = collection;
  ctx.flags = flags;
  ctx.path = path;
  ctx.error = error;
  ctx.now_ms = g_get_real_time () / 1000;

  if (!check_document (&ctx, collection->fields, collection->n_fields, doc,
                       (flags & PT_VALIDATE_UPDATE) != 0, TRUE, NULL))
    return FALSE;

  if (doc->len > PT_DOCUMENT_MAX_BYTES)
    {
      g_autofree gchar *size = g_format_size (doc->len);
      g_autofree gchar *limit = g_format_size (PT_DOCUMENT_MAX_BYTES);

      g_set_error (error, PT_ERROR, PT_ERROR_INVALID,
                   _("The document is too large (%s; at most %s). Shorten long notes or lists."),
                   size, limit);
      return FALSE;
    }
  return TRUE;
}
