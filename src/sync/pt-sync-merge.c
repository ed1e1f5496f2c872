/* pt-sync-merge.c: the per-field 3-way merge of DESIGN §5. */
#define G_LOG_DOMAIN "pt-sync"
#include "config.h"

#include <string.h>
#include "pt-sync-bson.h"
#include "pt-sync-merge.h"

void
pt_sync_merge_conflict_free (PtSyncMergeConflict *conflict)
{
  if (conflict == NULL)
    return;
  g_free (conflict->field);
  g_free (conflict->lost_value);
  g_free (conflict->kept_value);
  g_free (conflict->lost_stamp);
  g_free (conflict->kept_stamp);
  g_free (conflict);
}

void
pt_sync_merge_result_free (PtSyncMergeResult *result)
{
  if (result == NULL)
    return;
  g_clear_pointer (&result->doc, bson_destroy);
  g_clear_pointer (&result->stamps, bson_destroy);
  g_clear_pointer (&result->conflicts, g_ptr_array_unref);
  g_free (result->version);
  g_free (result);
}

gchar *
pt_sync_merge_remote_stamp (const bson_t *base_stamps,
                            const bson_t *remote_doc,
                            const bson_t *remote_stamps,
                            const gchar  *field)
{
  const gchar *declared = pt_sync_stamp_get (remote_stamps, field);
  const gchar *base = pt_sync_stamp_get (base_stamps, field);

  if (declared != NULL && g_strcmp0 (declared, base) != 0)
    return g_strdup (declared);
  /* The value changed but its stamp did not: a foreign writer. */
  return pt_hlc_stamp_from_time (pt_sync_doc_updated_at (remote_doc));
}

/* Lookup returning a pointer to @iter, or NULL when absent. */
static bson_iter_t *
find (const bson_t *doc,
      const gchar  *key,
      bson_iter_t  *iter)
{
  if (doc != NULL && bson_iter_init_find (iter, doc, key))
    return iter;
  return NULL;
}

static void
collect_keys (GPtrArray    *keys,
              GHashTable   *seen,
              const bson_t *doc)
{
  bson_iter_t iter;

  if (doc == NULL || !bson_iter_init (&iter, doc))
    return;
  while (bson_iter_next (&iter))
    {
      const gchar *key = bson_iter_key (&iter);

      if (strcmp (key, "_sync") == 0 || g_hash_table_contains (seen, key))
        continue;
      g_hash_table_add (seen, (gpointer) key);
      g_ptr_array_add (keys, (gpointer) key);
    }
}

static gboolean
iter_int (const bson_iter_t *iter,
          gint64            *out)
{
  if (iter == NULL)
    return FALSE;
  switch (bson_iter_type (iter))
    {
    case BSON_TYPE_INT64:
      *out = bson_iter_int64 (iter);
      return TRUE;
    case BSON_TYPE_INT32:
      *out = bson_iter_int32 (iter);
      return TRUE;
    case BSON_TYPE_DOUBLE:
      *out = (gint64) bson_iter_double (iter);
      return TRUE;
    default:
      return FALSE;
    }
}

static gboolean
field_has_max_children (const PtField *field)
{
  if (field == NULL || field->children == NULL)
    return FALSE;
  for (guint i = 0; i < field->n_children; i++)
    if (field->children[i].merge == PT_MERGE_MAX)
      return TRUE;
  return FALSE;
}

/* @winner with each MAX child raised to @loser's value where larger. */
static void
append_doc_with_max (bson_t        *out,
                     const gchar   *key,
                     const PtField *field,
                     const bson_t  *winner,
                     const bson_t  *loser)
{
  bson_t child;
  bson_iter_t iter;

  bson_append_document_begin (out, key, -1, &child);
  if (bson_iter_init (&iter, winner))
    while (bson_iter_next (&iter))
      {
        const gchar *k = bson_iter_key (&iter);
        const PtField *cf = pt_field_lookup_child (field, k);
        bson_iter_t li;
        gint64 w, l;

        if (cf != NULL && cf->merge == PT_MERGE_MAX
            && iter_int (&iter, &w)
            && iter_int (find (loser, k, &li), &l) && l > w)
          bson_append_int64 (&child, k, -1, l);
        else
          bson_append_iter (&child, k, -1, &iter);
      }
  /* A MAX counter only the loser has. */
  if (loser != NULL && bson_iter_init (&iter, loser))
    while (bson_iter_next (&iter))
      {
        const gchar *k = bson_iter_key (&iter);
        const PtField *cf = pt_field_lookup_child (field, k);
        bson_iter_t wi;

        if (cf != NULL && cf->merge == PT_MERGE_MAX && !find (winner, k, &wi))
          bson_append_iter (&child, k, -1, &iter);
      }
  bson_append_document_end (out, &child);
}

static gboolean
iter_as_doc (const bson_iter_t *iter,
             bson_t            *doc)
{
  const uint8_t *data;
  uint32_t len;

  if (iter == NULL)
    return FALSE;
  if (BSON_ITER_HOLDS_DOCUMENT (iter))
    bson_iter_document (iter, &len, &data);
  else if (BSON_ITER_HOLDS_ARRAY (iter))
    bson_iter_array (iter, &len, &data);
  else
    return FALSE;
  return bson_init_static (doc, data, len);
}

/* Appends @winner under @key, with MAX children of @field (a document or
 * an array of documents) raised to @loser's values element by element. */
static void
append_with_child_max (bson_t            *out,
                       const gchar       *key,
                       const PtField     *field,
                       const bson_iter_t *winner,
                       const bson_iter_t *loser)
{
  bson_t wdoc, ldoc;

  if (!iter_as_doc (winner, &wdoc) || !iter_as_doc (loser, &ldoc)
      || bson_iter_type (winner) != bson_iter_type (loser))
    {
      bson_append_iter (out, key, -1, (bson_iter_t *) winner);
      return;
    }

  if (field->type == PT_FIELD_DOCUMENT)
    {
      append_doc_with_max (out, key, field, &wdoc, &ldoc);
      return;
    }

  {
    bson_t arr;
    bson_iter_t wi;

    bson_append_array_begin (out, key, -1, &arr);
    if (bson_iter_init (&wi, &wdoc))
      while (bson_iter_next (&wi))
        {
          bson_iter_t li;
          bson_t we, le;

          if (iter_as_doc (&wi, &we) && BSON_ITER_HOLDS_DOCUMENT (&wi)
              && find (&ldoc, bson_iter_key (&wi), &li) && iter_as_doc (&li, &le)
              && BSON_ITER_HOLDS_DOCUMENT (&li))
            append_doc_with_max (&arr, bson_iter_key (&wi), field, &we, &le);
          else
            bson_append_iter (&arr, bson_iter_key (&wi), -1, &wi);
        }
    bson_append_array_end (out, &arr);
  }
}

static gboolean
is_final_dispensed (const gchar *status)
{
  return g_strcmp0 (status, "dispensed") == 0
         || g_strcmp0 (status, "picked_up") == 0;
}

static void
add_conflict (GPtrArray         *conflicts,
              const gchar       *field,
              const bson_iter_t *lost,
              const gchar       *lost_stamp,
              const bson_iter_t *kept,
              const gchar       *kept_stamp,
              const gchar       *reason)
{
  PtSyncMergeConflict *c = g_new0 (PtSyncMergeConflict, 1);

  c->field = g_strdup (field);
  c->lost_value = pt_sync_value_to_json (lost);
  c->kept_value = pt_sync_value_to_json (kept);
  c->lost_stamp = g_strdup (lost_stamp);
  c->kept_stamp = g_strdup (kept_stamp);
  c->reason = reason;
  g_ptr_array_add (conflicts, c);
}

PtSyncMergeResult *
pt_sync_merge (const PtCollection *collection,
               const bson_t       *base_doc,
               const bson_t       *base_stamps,
               const bson_t       *local_doc,
               const bson_t       *local_stamps,
               const gchar        *local_version,
               const bson_t       *remote_doc,
               const bson_t       *remote_stamps)
{
  static const gchar * const ignore_updated[] = { "updatedAt", NULL };
  g_autoptr(PtSyncMergeResult) res = g_new0 (PtSyncMergeResult, 1);
  g_autoptr(GPtrArray) keys = g_ptr_array_new ();
  g_autoptr(GHashTable) seen = g_hash_table_new (g_str_hash, g_str_equal);
  gchar *version = NULL;

  g_return_val_if_fail (remote_doc != NULL, NULL);

  res->doc = bson_new ();
  res->stamps = bson_new ();
  res->conflicts = g_ptr_array_new_with_free_func ((GDestroyNotify) pt_sync_merge_conflict_free);

  collect_keys (keys, seen, local_doc);
  collect_keys (keys, seen, remote_doc);
  collect_keys (keys, seen, base_doc);

  for (guint k = 0; k < keys->len; k++)
    {
      const gchar *key = g_ptr_array_index (keys, k);
      bson_iter_t b_it, l_it, r_it;
      bson_iter_t *bi = find (base_doc, key, &b_it);
      bson_iter_t *li = find (local_doc, key, &l_it);
      bson_iter_t *ri = find (remote_doc, key, &r_it);
      const PtField *field = collection != NULL ? pt_collection_lookup_field (collection, key) : NULL;
      PtMergeRule rule = field != NULL ? field->merge : PT_MERGE_LWW;
      const bson_iter_t *win;
      g_autofree gchar *rstamp = NULL;
      const gchar *lstamp;
      const gchar *win_stamp;
      gboolean r_changed, l_changed;

      if (strcmp (key, "updatedAt") == 0)
        continue;  /* decided below, from the merged result */

      if (field != NULL && (field->flags & PT_FIELD_FLAG_IMMUTABLE))
        rule = PT_MERGE_IMMUTABLE;

      lstamp = pt_sync_stamp_get (local_stamps, key);
      if (lstamp == NULL)
        lstamp = local_version;

      if (strcmp (key, "_id") == 0 || strcmp (key, "tenantId") == 0
          || strcmp (key, "createdAt") == 0)
        {
          /* Identity and creation time: the server's copy is the first. */
          win = ri != NULL ? ri : li;
          if (win != NULL)
            bson_append_iter (res->doc, key, -1, (bson_iter_t *) win);
          continue;
        }

      r_changed = !pt_sync_value_equal (bi, ri);
      l_changed = local_doc != NULL && !pt_sync_value_equal (bi, li);

      if (!r_changed || (local_doc != NULL && pt_sync_value_equal (li, ri)))
        {
          /* Keep L (or both agree). */
          const gchar *st = lstamp;
          if (ri != NULL && r_changed)
            {
              rstamp = pt_sync_merge_remote_stamp (base_stamps, remote_doc, remote_stamps, key);
              if (pt_hlc_stamp_compare (rstamp, st) > 0)
                st = rstamp;
            }
          if (local_doc == NULL)
            {
              /* No local copy and no remote change: the base value. */
              win = bi;
              st = pt_sync_stamp_get (base_stamps, key);
            }
          else
            win = li;
          win_stamp = st;
        }
      else if (!l_changed)
        {
          rstamp = pt_sync_merge_remote_stamp (base_stamps, remote_doc, remote_stamps, key);
          win = ri;
          win_stamp = rstamp;
        }
      else
        {
          const bson_iter_t *lose;
          const gchar *lose_stamp;
          const gchar *reason = "newer-write-wins";
          gboolean local_wins;

          rstamp = pt_sync_merge_remote_stamp (base_stamps, remote_doc, remote_stamps, key);
          {
            gint cmp = pt_hlc_stamp_compare (lstamp, rstamp);
            if (cmp == 0)
              {
                /* Equal stamps (two clocks of one device): the same winner
                 * on every counter, by value. */
                g_autofree gchar *lj = pt_sync_value_to_json (li);
                g_autofree gchar *rj = pt_sync_value_to_json (ri);
                cmp = g_strcmp0 (lj, rj);
              }
            local_wins = cmp > 0;
          }

          switch (rule)
            {
            case PT_MERGE_IMMUTABLE:
              reason = "immutable-field";
              if (bi != NULL)
                {
                  /* Both changed a field that must not change: keep the
                   * original; both changes are logged. */
                  const gchar *bstamp = pt_sync_stamp_get (base_stamps, key);
                  if (li != NULL)
                    add_conflict (res->conflicts, key, li, lstamp, bi, bstamp, reason);
                  if (ri != NULL)
                    add_conflict (res->conflicts, key, ri, rstamp, bi, bstamp, reason);
                  bson_append_iter (res->doc, key, -1, bi);
                  if (bstamp != NULL)
                    BSON_APPEND_UTF8 (res->stamps, key, bstamp);
                  if (bstamp != NULL && pt_hlc_stamp_compare (bstamp, version) > 0)
                    {
                      g_free (version);
                      version = g_strdup (bstamp);
                    }
                  continue;
                }
              /* No base: the first write (older stamp) is kept. */
              local_wins = !local_wins;
              break;

            case PT_MERGE_WORKFLOW:
              if (li != NULL && ri != NULL && BSON_ITER_HOLDS_UTF8 (li) && BSON_ITER_HOLDS_UTF8 (ri))
                {
                  const gchar *ls = bson_iter_utf8 (li, NULL);
                  const gchar *rs = bson_iter_utf8 (ri, NULL);
                  gboolean conflict = FALSE;
                  gint cmp = pt_rx_status_merge_compare (ls, rs, &conflict);

                  if (conflict)
                    {
                      reason = "dispensed-vs-cancelled";
                      local_wins = is_final_dispensed (ls);
                    }
                  else if (cmp != 0)
                    {
                      reason = "workflow-later-stage-wins";
                      local_wins = cmp < 0;
                    }
                }
              break;

            case PT_MERGE_MAX:
              {
                gint64 lv, rv;
                if (iter_int (li, &lv) && iter_int (ri, &rv))
                  {
                    reason = "max-wins";
                    local_wins = lv > rv || (lv == rv && local_wins);
                  }
              }
              break;

            case PT_MERGE_LWW:
            default:
              break;
            }

          win = local_wins ? li : ri;
          win_stamp = local_wins ? lstamp : rstamp;
          lose = local_wins ? ri : li;
          lose_stamp = local_wins ? rstamp : lstamp;

          if (win != NULL && lose != NULL && field_has_max_children (field))
            {
              /* E.g. items[].dispensedQuantity: never lower a counter. */
              append_with_child_max (res->doc, key, field, win, lose);
              add_conflict (res->conflicts, key, lose, lose_stamp, win, win_stamp, reason);
              BSON_APPEND_UTF8 (res->stamps, key, win_stamp);
              if (pt_hlc_stamp_compare (win_stamp, version) > 0)
                {
                  g_free (version);
                  version = g_strdup (win_stamp);
                }
              continue;
            }

          add_conflict (res->conflicts, key, lose, lose_stamp, win, win_stamp, reason);
        }

      if (win != NULL)
        bson_append_iter (res->doc, key, -1, (bson_iter_t *) win);
      if (win_stamp != NULL && (win != NULL || bi != NULL))
        BSON_APPEND_UTF8 (res->stamps, key, win_stamp);
      if (win_stamp != NULL && pt_hlc_stamp_compare (win_stamp, version) > 0)
        {
          g_free (version);
          version = g_strdup (win_stamp);
        }
    }

  res->differs_from_remote = !pt_sync_docs_equal (res->doc, remote_doc, ignore_updated);

  {
    /* updatedAt: the server's when we agree with it, else the later one. */
    gint64 r_up = pt_sync_doc_updated_at (remote_doc);
    gint64 l_up = pt_sync_doc_updated_at (local_doc);
    gint64 up = res->differs_from_remote ? MAX (r_up, l_up) : r_up;

    if (up == 0)
      up = MAX (r_up, l_up);
    if (up != 0)
      BSON_APPEND_DATE_TIME (res->doc, "updatedAt", up);
  }

  res->differs_from_local = local_doc == NULL
                            || !pt_sync_docs_equal (res->doc, local_doc, NULL);
  if (version == NULL)
    version = g_strdup (local_version);
  res->version = version;

  return g_steal_pointer (&res);
}
