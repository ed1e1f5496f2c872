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
