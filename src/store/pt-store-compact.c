/* pt-store-compact.c: what a row keeps in compact form on disk — the
 * per-field stamps (schema 2) — and its expansion back to the full maps
 * the merge and the push work with. */
#define G_LOG_DOMAIN "pt-store"
#include "config.h"

#include <string.h>

#include "pt-store-impl.h"

/* ---- Stamps on disk ------------------------------------------------------ */

/* The stamps column holds only what one default stamp does not say.  The
 * default is the stamp most fields of the document share (usually the
 * write that created it), stored under the key "" when it is not the
 * row's version.  Then:
 *   - a field of the document with another stamp: field: stamp;
 *   - a field of the document without a stamp (a foreign writer's): field: "";
 *   - a stamped field no longer in the document (a removal): field: stamp;
 * every other field of the document (but _id and tenantId) has the
 * default.  A row without stamps (ledger, audit) stores NULL.  A document
 * created in one write stores none at all instead of ~45 bytes per field,
 * an edited one only its edited fields; expansion gives back the full
 * map (DESIGN §3), so merge and push see exactly what they saw before. */
static gboolean
implied_key (const gchar *key)
{
  return !g_str_equal (key, "_id") && !g_str_equal (key, "tenantId");
}

/* The stamp most implied fields of @doc carry in @full (ties: the first). */
static const gchar *
common_stamp (const bson_t *full,
              const bson_t *doc)
{
  const gchar *stamps[64];
  guint counts[64];
  guint n = 0, best = 0;
  bson_iter_t iter, found;

  if (doc == NULL || !bson_iter_init (&iter, doc))
    return NULL;
  while (bson_iter_next (&iter))
    {
      const gchar *st;
      guint i;

      if (!implied_key (bson_iter_key (&iter))
          || !bson_iter_init_find (&found, full, bson_iter_key (&iter))
          || !BSON_ITER_HOLDS_UTF8 (&found))
        continue;
      st = bson_iter_utf8 (&found, NULL);
      for (i = 0; i < n && strcmp (stamps[i], st) != 0; i++)
        ;
      if (i == n)
        {
          if (n == G_N_ELEMENTS (stamps))
            continue;
          stamps[n] = st;
          counts[n++] = 0;
        }
      counts[i]++;
    }
  for (guint i = 1; i < n; i++)
    if (counts[i] > counts[best])
      best = i;
  return n > 0 ? stamps[best] : NULL;
}

bson_t *
_pt_stamps_compact (const bson_t *full,
                    const bson_t *doc,
                    const gchar  *version)
{
  const gchar *fallback;
  bson_t *out;
  bson_iter_t iter, found;

  if (full == NULL || bson_count_keys (full) == 0)
    return NULL;
  out = bson_new ();
  fallback = common_stamp (full, doc);
  if (fallback == NULL)
    fallback = version;
  if (fallback != NULL && g_strcmp0 (fallback, version) != 0)
    bson_append_utf8 (out, "", 0, fallback, -1);
  if (doc != NULL && bson_iter_init (&iter, doc))
    while (bson_iter_next (&iter))
      {
        const gchar *key = bson_iter_key (&iter);

        if (!bson_iter_init_find (&found, full, key) || !BSON_ITER_HOLDS_UTF8 (&found))
          {
            if (implied_key (key) && fallback != NULL)
              bson_append_utf8 (out, key, -1, "", 0);
            continue;
          }
        if (!implied_key (key) || g_strcmp0 (bson_iter_utf8 (&found, NULL), fallback) != 0)
          bson_append_iter (out, key, -1, &found);
      }
  if (bson_iter_init (&iter, full))
    while (bson_iter_next (&iter))
      {
        const gchar *key = bson_iter_key (&iter);

        if (doc == NULL || !bson_iter_init_find (&found, doc, key))
          bson_append_iter (out, key, -1, &iter);
      }
  return out;
}

bson_t *
_pt_stamps_expand (const bson_t *compact,
                   const bson_t *doc,
                   const gchar  *version)
{
  bson_t *out = bson_new ();
  const gchar *fallback = version;
  bson_iter_t iter, found;

  if (compact == NULL)
    return out;
  if (bson_iter_init_find (&found, compact, "") && BSON_ITER_HOLDS_UTF8 (&found))
    fallback = bson_iter_utf8 (&found, NULL);
  if (doc != NULL && bson_iter_init (&iter, doc))
    while (bson_iter_next (&iter))
      {
        const gchar *key = bson_iter_key (&iter);

        if (bson_iter_init_find (&found, compact, key))
          {
            if (BSON_ITER_HOLDS_UTF8 (&found) && bson_iter_utf8 (&found, NULL)[0] != '\0')
              bson_append_iter (out, key, -1, &found);
          }
        else if (implied_key (key) && fallback != NULL)
          bson_append_utf8 (out, key, -1, fallback, -1);
      }
  if (bson_iter_init (&iter, compact))
    while (bson_iter_next (&iter))
      {
        const gchar *key = bson_iter_key (&iter);

        if (*key != '\0' && (doc == NULL || !bson_iter_init_find (&found, doc, key)))
          bson_append_iter (out, key, -1, &iter);
      }
  return out;
}

/* ---- The base on disk (schema 3) ------------------------------------------ */

/* The base (the last version known on the server, DESIGN §3) is mostly the
 * row itself: the server copy of what was pushed or pulled, its fields the
 * document's, its _sync { v, f, by } the row's version, stamps and device.
 * Stored in full it doubled every synced row (a medicine's _sync.f alone
 * is ~1 KB).  The base column holds instead, after a first element
 * "": BASE_MAGIC, the base's fields in order as:
 *   "": n            the next n fields of the document, equal in value;
 *   field: MinKey    the document's field of that name, equal in value
 *                    (the next run continues after it);
 *   _sync: { ... }   its v, f, by as MinKey when they are the row's
 *                    version, full stamps and device; other keys as they are;
 *   field: value     a field that differs, as it is.
 * Expansion gives back the base byte for byte.  A base the form cannot
 * say (a MinKey value or an empty key of its own) is stored as it is, or
 * under "\x01" when it would look compact; a stored base without the
 * magic (schema 2, or stored as it is) reads as it is. */
#define BASE_MAGIC 0x31427450   /* "PtB1" */
#define BASE_VERBATIM "\x01"

typedef struct
{
  const gchar *key;
  bson_iter_t  iter;
} DocField;

static GArray *
doc_fields (const bson_t *doc)
{
  GArray *fields = g_array_sized_new (FALSE, FALSE, sizeof (DocField), 32);
  DocField f;

  if (doc != NULL && bson_iter_init (&f.iter, doc))
    while (bson_iter_next (&f.iter))
      {
        f.key = bson_iter_key (&f.iter);
        g_array_append_val (fields, f);
      }
  return fields;
}

static gint
find_doc_field (GArray      *fields,
                const gchar *key)
{
  for (guint i = 0; i < fields->len; i++)
    if (strcmp (g_array_index (fields, DocField, i).key, key) == 0)
      return (gint) i;
  return -1;
}

static gboolean
holds_magic (const bson_iter_t *iter)
{
  return *bson_iter_key (iter) == '\0' && BSON_ITER_HOLDS_INT32 (iter)
         && bson_iter_int32 (iter) == BASE_MAGIC;
}

static const gchar *
version_device (const gchar *version)
{
  const gchar *dash = version != NULL ? strchr (version, '-') : NULL;
  return dash != NULL ? dash + 1 : NULL;
}

static void
flush_run (bson_t *out,
           gint32 *run)
{
  if (*run > 0)
    bson_append_int32 (out, "", 0, *run);
  *run = 0;
}

/* The _sync document of @base under @iter, with what the row implies as
 * MinKey; FALSE when it holds a MinKey of its own. */
static gboolean
compact_sync (bson_t            *out,
              const bson_iter_t *iter,
              const bson_t      *stamps,
              const gchar       *version)
{
  const gchar *device = version_device (version);
  bson_iter_t sub;
  bson_t sync;

  if (!bson_iter_recurse (iter, &sub))
    return FALSE;
  bson_append_document_begin (out, "_sync", 5, &sync);
  while (bson_iter_next (&sub))
    {
      const gchar *key = bson_iter_key (&sub);
      gboolean implied = FALSE;

      if (BSON_ITER_HOLDS_MINKEY (&sub))
        {
          bson_append_document_end (out, &sync);
          return FALSE;
        }
      if (strcmp (key, "v") == 0 && version != NULL && BSON_ITER_HOLDS_UTF8 (&sub))
        implied = strcmp (bson_iter_utf8 (&sub, NULL), version) == 0;
      else if (strcmp (key, "by") == 0 && device != NULL && BSON_ITER_HOLDS_UTF8 (&sub))
        implied = strcmp (bson_iter_utf8 (&sub, NULL), device) == 0;
      else if (strcmp (key, "f") == 0 && stamps != NULL && BSON_ITER_HOLDS_DOCUMENT (&sub))
        {
          const uint8_t *data = NULL;
          uint32_t len = 0;

          bson_iter_document (&sub, &len, &data);
          implied = len == stamps->len && memcmp (data, bson_get_data (stamps), len) == 0;
        }
      if (implied)
        bson_append_minkey (&sync, key, -1);
      else
        bson_append_iter (&sync, key, -1, &sub);
    }
  bson_append_document_end (out, &sync);
  return TRUE;
}

static bson_t *
base_verbatim (const bson_t *base)
{
  bson_iter_t iter;
  bson_t *out;

  if (!bson_iter_init (&iter, base) || !bson_iter_next (&iter) || !holds_magic (&iter))
    return bson_copy (base);
  out = bson_new ();
  bson_append_int32 (out, "", 0, BASE_MAGIC);
  bson_append_document (out, BASE_VERBATIM, -1, base);
  return out;
}

static bson_t *base_compact_fields (const bson_t   *base,
                                    const DocField *fields,
                                    guint           n_fields,
                                    gboolean        distinct,
                                    const bson_t   *stamps,
                                    const gchar    *version);

bson_t *
_pt_base_compact (const bson_t *base,
                  const bson_t *doc,
                  const bson_t *stamps,
                  const gchar  *version)
{
  g_autoptr(GArray) fields = NULL;

  if (base == NULL)
    return NULL;
  fields = doc_fields (doc);
  return base_compact_fields (base, (const DocField *) fields->data, fields->len, FALSE,
                              stamps, version);
}

static gboolean
expand_sync (bson_t            *out,
             const bson_iter_t *iter,
             const bson_t      *stamps,
             const gchar       *version)
{
  const gchar *device = version_device (version);
  bson_iter_t sub;
  bson_t sync;
  gboolean ok = TRUE;

  if (!bson_iter_recurse (iter, &sub))
    return FALSE;
  bson_append_document_begin (out, "_sync", 5, &sync);
  while (ok && bson_iter_next (&sub))
    {
      const gchar *key = bson_iter_key (&sub);

      if (!BSON_ITER_HOLDS_MINKEY (&sub))
        bson_append_iter (&sync, key, -1, &sub);
      else if (strcmp (key, "v") == 0 && version != NULL)
        bson_append_utf8 (&sync, "v", 1, version, -1);
      else if (strcmp (key, "by") == 0 && device != NULL)
        bson_append_utf8 (&sync, "by", 2, device, -1);
      else if (strcmp (key, "f") == 0 && stamps != NULL)
        bson_append_document (&sync, "f", 1, stamps);
      else
        ok = FALSE;
    }
  bson_append_document_end (out, &sync);
  return ok;
}

bson_t *
_pt_base_expand (const bson_t *stored,
                 const bson_t *doc,
                 const bson_t *stamps,
                 const gchar  *version)
{
  g_autoptr(GArray) fields = NULL;
  bson_t *out;
  bson_iter_t iter;
  guint cursor = 0;

  if (stored == NULL)
    return NULL;
  if (!bson_iter_init (&iter, stored) || !bson_iter_next (&iter) || !holds_magic (&iter))
    return bson_copy (stored);
  fields = doc_fields (doc);
  out = bson_new ();
  while (bson_iter_next (&iter))
    {
      const gchar *key = bson_iter_key (&iter);

      if (*key == '\0' && BSON_ITER_HOLDS_INT32 (&iter))
        {
          gint32 n = bson_iter_int32 (&iter);

          if (n < 0 || cursor + (guint) n > fields->len)
            goto broken;
          for (gint32 j = 0; j < n; j++, cursor++)
            {
              DocField *f = &g_array_index (fields, DocField, cursor);
              bson_append_iter (out, f->key, -1, &f->iter);
            }
        }
      else if (strcmp (key, BASE_VERBATIM) == 0 && BSON_ITER_HOLDS_DOCUMENT (&iter))
        {
          const uint8_t *data = NULL;
          uint32_t len = 0;

          bson_destroy (out);
          bson_iter_document (&iter, &len, &data);
          return bson_new_from_data (data, len);
        }
      else if (BSON_ITER_HOLDS_MINKEY (&iter))
        {
          gint pos = find_doc_field (fields, key);

          if (pos < 0)
            goto broken;
          bson_append_iter (out, key, -1, &g_array_index (fields, DocField, pos).iter);
          cursor = (guint) pos + 1;
        }
      else if (strcmp (key, "_sync") == 0 && BSON_ITER_HOLDS_DOCUMENT (&iter))
        {
          if (!expand_sync (out, &iter, stamps, version))
            goto broken;
        }
      else
        bson_append_iter (out, key, -1, &iter);
    }
  return out;

broken:
  /* The row no longer holds what the base was stored against (never so
   * through the store's writes).  No base is safer than a wrong one: the
   * push then treats the document as new and merges with the server's. */
  g_warning ("a stored base does not match its row; it is dropped");
  bson_destroy (out);
  return NULL;
}

/* ---- A row as it is written ----------------------------------------------- */

/* Every write compacts the row's stamps, then its base against the stamps
 * a read will give back.  Done with the general functions above, that is
 * a search of the stamps for each field, an expansion of what was just
 * compacted, a search of the document for each field of the base and two
 * scratch documents per comparison: a fifth of a first sync's CPU.  The
 * rows the sync builds from server documents (and most others) have
 * distinct keys and one stamp per field in the document's order; for
 * them one pass in step gives the same bytes. */
#define STEP_MAX_FIELDS 64

typedef struct
{
  DocField    f[STEP_MAX_FIELDS];
  guint       n;
} StepFields;

/* @doc's fields, when it has at most STEP_MAX_FIELDS of them, none with
 * an empty key and no key twice. */
static gboolean
step_fields (const bson_t *doc,
             StepFields   *out)
{
  guint64 seen = 0;
  bson_iter_t iter;

  out->n = 0;
  if (doc == NULL || !bson_iter_init (&iter, doc))
    return FALSE;
  while (bson_iter_next (&iter))
    {
      const gchar *key = bson_iter_key (&iter);
      guint32 len = bson_iter_key_len (&iter);
      guint64 bit;

      if (len == 0 || out->n == STEP_MAX_FIELDS)
        return FALSE;
      /* A cheap filter before the exact check for a repeated key. */
      bit = G_GUINT64_CONSTANT (1) << ((len * 7u + (guchar) key[0] + (guchar) key[len - 1] * 3u) & 63u);
      if (seen & bit)
        for (guint i = 0; i < out->n; i++)
          if (strcmp (out->f[i].key, key) == 0)
            return FALSE;
      seen |= bit;
      out->f[out->n].key = key;
      out->f[out->n].iter = iter;
      out->n++;
    }
  return TRUE;
}

/* TRUE when @full holds exactly one non-empty stamp (without a NUL in it)
 * per implied field of @fields, in their order, and nothing else: then
 * _pt_stamps_expand (_pt_stamps_compact (full)) is @full byte for byte.
 * @stamps gets the stamp of each implied field. */
static gboolean
stamps_in_step (const bson_t     *full,
                const StepFields *fields,
                const gchar     **stamps,
                guint            *n_stamps)
{
  bson_iter_t iter;

  *n_stamps = 0;
  if (full == NULL || !bson_iter_init (&iter, full))
    return FALSE;
  for (guint i = 0; i < fields->n; i++)
    {
      const gchar *key = fields->f[i].key;
      const gchar *st;
      guint32 len = 0;

      if (!implied_key (key))
        continue;
      if (!bson_iter_next (&iter) || strcmp (bson_iter_key (&iter), key) != 0
          || !BSON_ITER_HOLDS_UTF8 (&iter))
        return FALSE;
      st = bson_iter_utf8 (&iter, &len);
      if (len == 0 || strlen (st) != len)
        return FALSE;
      stamps[(*n_stamps)++] = st;
    }
  return !bson_iter_next (&iter);
}

/* _pt_stamps_compact () of stamps in step with the document. */
static bson_t *
stamps_compact_in_step (const StepFields *fields,
                        const gchar     **stamps,
                        guint             n_stamps,
                        const gchar      *version)
{
  const gchar *distinct[64];
  guint counts[64];
  guint n = 0, best = 0, k = 0;
  const gchar *fallback;
  bson_t *out;

  if (n_stamps == 0)
    return NULL;
  /* common_stamp (): the most frequent, the first on a tie. */
  for (guint i = 0; i < n_stamps; i++)
    {
      guint j;

      for (j = 0; j < n && strcmp (distinct[j], stamps[i]) != 0; j++)
        ;
      if (j == n)
        {
          if (n == G_N_ELEMENTS (distinct))
            continue;
          distinct[n] = stamps[i];
          counts[n++] = 0;
        }
      counts[j]++;
    }
  for (guint i = 1; i < n; i++)
    if (counts[i] > counts[best])
      best = i;
  fallback = distinct[best];

  out = bson_new ();
  if (g_strcmp0 (fallback, version) != 0)
    bson_append_utf8 (out, "", 0, fallback, -1);
  for (guint i = 0; i < fields->n; i++)
    {
      const gchar *key = fields->f[i].key;

      if (!implied_key (key))
        continue;
      if (strcmp (stamps[k], fallback) != 0)
        bson_append_utf8 (out, key, -1, stamps[k], -1);
      k++;
    }
  return out;
}

/* _pt_bson_equal_values () without scratch documents for the usual
 * types: the same type and the same value bytes. */
static gboolean
values_equal (const bson_iter_t *a,
              const bson_iter_t *b)
{
  bson_type_t type = bson_iter_type (a);

  if (type != bson_iter_type (b))
    return FALSE;
  switch (type)
    {
    case BSON_TYPE_UTF8:
      {
        guint32 la = 0, lb = 0;
        const gchar *sa = bson_iter_utf8 (a, &la);
        const gchar *sb = bson_iter_utf8 (b, &lb);

        return la == lb && memcmp (sa, sb, la) == 0;
      }
    case BSON_TYPE_INT32:
      return bson_iter_int32 (a) == bson_iter_int32 (b);
    case BSON_TYPE_INT64:
      return bson_iter_int64 (a) == bson_iter_int64 (b);
    case BSON_TYPE_DATE_TIME:
      return bson_iter_date_time (a) == bson_iter_date_time (b);
    case BSON_TYPE_DOUBLE:
      {
        gdouble da = bson_iter_double (a), db = bson_iter_double (b);

        return memcmp (&da, &db, sizeof da) == 0;
      }
    case BSON_TYPE_OID:
      return bson_oid_equal (bson_iter_oid (a), bson_iter_oid (b));
    case BSON_TYPE_DOCUMENT:
    case BSON_TYPE_ARRAY:
      {
        const uint8_t *da = NULL, *db = NULL;
        uint32_t la = 0, lb = 0;

        if (type == BSON_TYPE_DOCUMENT)
          {
            bson_iter_document (a, &la, &da);
            bson_iter_document (b, &lb, &db);
          }
        else
          {
            bson_iter_array (a, &la, &da);
            bson_iter_array (b, &lb, &db);
          }
        return la == lb && (la == 0 || memcmp (da, db, la) == 0);
      }
    case BSON_TYPE_NULL:
      return TRUE;
    default:
      return _pt_bson_equal_values (a, b);
    }
}

/* The base as a difference from @fields, the document's fields in order.
 * A field of the base is the document's first of that name; with
 * @distinct (no name twice) it is looked for first where the previous
 * one ended. */
static bson_t *
base_compact_fields (const bson_t   *base,
                     const DocField *fields,
                     guint           n_fields,
                     gboolean        distinct,
                     const bson_t   *stamps,
                     const gchar    *version)
{
  bson_t *out;
  bson_iter_t iter;
  guint cursor = 0;
  gint32 run = 0;

  if (!bson_iter_init (&iter, base))
    return bson_copy (base);
  out = bson_new ();
  bson_append_int32 (out, "", 0, BASE_MAGIC);
  while (bson_iter_next (&iter))
    {
      const gchar *key = bson_iter_key (&iter);
      gint pos = -1;

      if (*key == '\0' || strcmp (key, BASE_VERBATIM) == 0 || BSON_ITER_HOLDS_MINKEY (&iter))
        goto verbatim;
      if (strcmp (key, "_sync") == 0 && BSON_ITER_HOLDS_DOCUMENT (&iter))
        {
          flush_run (out, &run);
          if (!compact_sync (out, &iter, stamps, version))
            goto verbatim;
          continue;
        }
      if (distinct && cursor < n_fields && strcmp (fields[cursor].key, key) == 0)
        pos = (gint) cursor;
      else
        for (guint i = 0; i < n_fields && pos < 0; i++)
          if (strcmp (fields[i].key, key) == 0)
            pos = (gint) i;
      if (pos >= 0 && values_equal (&iter, &fields[pos].iter))
        {
          if ((guint) pos == cursor)
            run++;
          else
            {
              flush_run (out, &run);
              bson_append_minkey (out, key, -1);
            }
          cursor = (guint) pos + 1;
          continue;
        }
      flush_run (out, &run);
      bson_append_iter (out, key, -1, &iter);
    }
  flush_run (out, &run);
  /* Not worth it for a base that shares nothing with the row. */
  if (out->len >= base->len)
    {
      bson_destroy (out);
      return base_verbatim (base);
    }
  return out;

verbatim:
  bson_destroy (out);
  return base_verbatim (base);
}

void
_pt_row_compact (const bson_t  *stamps,
                 const bson_t  *doc,
                 const gchar   *version,
                 const bson_t  *base,
                 bson_t       **stamps_out,
                 bson_t       **base_out)
{
  StepFields fields_in_step;
  StepFields *fields = &fields_in_step;
  const gchar *in_step[STEP_MAX_FIELDS];
  guint n_in_step = 0;
  gboolean distinct = step_fields (doc, fields);
  g_autoptr(bson_t) expanded = NULL;
  const bson_t *read_back;

  g_return_if_fail (stamps_out != NULL && base_out != NULL);

  if (distinct && stamps_in_step (stamps, fields, in_step, &n_in_step))
    {
      *stamps_out = stamps_compact_in_step (fields, in_step, n_in_step, version);
      read_back = stamps;
    }
  else
    {
      *stamps_out = _pt_stamps_compact (stamps, doc, version);
      if (base != NULL)
        expanded = _pt_stamps_expand (*stamps_out, doc, version);
      read_back = expanded;
    }

  if (base == NULL)
    *base_out = NULL;
  else if (distinct)
    *base_out = base_compact_fields (base, fields->f, fields->n, TRUE, read_back, version);
  else
    *base_out = _pt_base_compact (base, doc, read_back, version);
}
