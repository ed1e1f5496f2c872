/* ms-storage.c — databases, collections, unique indexes and the oplog
 *
 * Documents are immutable GBytes of BSON kept in insertion (natural) order;
 * cursors and oplog entries hold references, so reads never copy.  Every
 * function here runs with ms_server.lock held.
 */
#define G_LOG_DOMAIN "mongosim"
#include "config.h"

#include <string.h>

#include "ms-private.h"

MsServer ms_server;

static void
db_free (MsDb *db)
{
  g_hash_table_unref (db->colls);
  g_free (db->name);
  g_free (db);
}

static void
coll_free (MsColl *coll)
{
  g_queue_clear_full (&coll->docs, (GDestroyNotify) g_bytes_unref);
  g_hash_table_unref (coll->by_id);
  g_tree_unref (coll->id_order);
  g_ptr_array_unref (coll->indexes);
  g_clear_pointer (&coll->validator, bson_destroy);
  g_free (coll->validation_level);
  g_free (coll->validation_action);
  g_free (coll->db);
  g_free (coll->name);
  g_free (coll->ns);
  g_free (coll);
}

void
ms_storage_init (void)
{
  ms_server.dbs = g_hash_table_new_full (g_str_hash, g_str_equal, NULL, (GDestroyNotify) db_free);
  ms_server.oplog = g_new0 (MsOplogEntry *, MAX (ms_server.oplog_size, 1));
  ms_server.oplog_start_ts = ((guint64) (g_get_real_time () / G_USEC_PER_SEC)) << 32;
  ms_server.last_ts = ms_server.oplog_start_ts;
}

MsDb *
ms_db_lookup (const char *name)
{
  return g_hash_table_lookup (ms_server.dbs, name);
}

MsColl *
ms_coll_lookup (const char *db, const char *name)
{
  MsDb *d = ms_db_lookup (db);

  return d ? g_hash_table_lookup (d->colls, name) : NULL;
}

gboolean
ms_coll_valid_name (const char *db, const char *name, MsErr **err)
{
  if (db == NULL || *db == '\0' || strpbrk (db, "/\\. \"$") != NULL)
    {
      ms_err_set (err, MS_INVALID_NAMESPACE, "Invalid database name: '%s'", db ? db : "");
      return FALSE;
    }
  if (name == NULL || *name == '\0' || strchr (name, '$') != NULL || name[0] == '.')
    {
      ms_err_set (err, MS_INVALID_NAMESPACE, "Invalid collection name: %s", name ? name : "");
      return FALSE;
    }
  return TRUE;
}

MsIndex *
ms_index_new (const bson_t *spec)
{
  MsIndex *index = g_new0 (MsIndex, 1);
  bson_iter_t it;

  index->spec = bson_copy (spec);
  if (bson_iter_init_find (&it, spec, "key") && BSON_ITER_HOLDS_DOCUMENT (&it))
    {
      const guint8 *data;
      guint32 len;
      bson_iter_document (&it, &len, &data);
      index->key = bson_new_from_data (data, len);
    }
  else
    index->key = bson_new ();
  if (bson_iter_init_find (&it, spec, "name") && BSON_ITER_HOLDS_UTF8 (&it))
    index->name = g_strdup (bson_iter_utf8 (&it, NULL));
  else
    index->name = ms_index_default_name (index->key);
  index->unique = bson_iter_init_find (&it, spec, "unique") && bson_iter_as_bool (&it);
  index->sparse = bson_iter_init_find (&it, spec, "sparse") && bson_iter_as_bool (&it);
  if (index->unique)
    index->entries = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  return index;
}

void
ms_index_free (MsIndex *index)
{
  g_clear_pointer (&index->entries, g_hash_table_unref);
  bson_destroy (index->key);
  bson_destroy (index->spec);
  g_free (index->name);
  g_free (index);
}

char *
ms_index_default_name (const bson_t *key)
{
  GString *s = g_string_new (NULL);
  bson_iter_t it;

  if (bson_iter_init (&it, key))
    while (bson_iter_next (&it))
      {
        if (s->len)
          g_string_append_c (s, '_');
        g_string_append (s, bson_iter_key (&it));
        g_string_append_c (s, '_');
        if (BSON_ITER_HOLDS_UTF8 (&it))
          g_string_append (s, bson_iter_utf8 (&it, NULL));
        else
          g_string_append_printf (s, "%" G_GINT64_FORMAT, bson_iter_as_int64 (&it));
      }
  return g_string_free (s, FALSE);
}

static MsColl *
coll_new (const char *db, const char *name)
{
  MsColl *coll = g_new0 (MsColl, 1);
  bson_t spec = BSON_INITIALIZER, key;

  coll->db = g_strdup (db);
  coll->name = g_strdup (name);
  coll->ns = g_strdup_printf ("%s.%s", db, name);
  for (guint i = 0; i < 16; i++)
    coll->uuid[i] = (guint8) g_random_int_range (0, 256);
  coll->uuid[6] = (coll->uuid[6] & 0x0f) | 0x40;
  coll->uuid[8] = (coll->uuid[8] & 0x3f) | 0x80;
  g_queue_init (&coll->docs);
  coll->by_id = g_hash_table_new_full (g_bytes_hash, g_bytes_equal, (GDestroyNotify) g_bytes_unref, NULL);
  coll->id_order = g_tree_new_full (ms_node_id_cmp, NULL, NULL, NULL);
  coll->indexes = g_ptr_array_new_with_free_func ((GDestroyNotify) ms_index_free);
  BSON_APPEND_INT32 (&spec, "v", 2);
  BSON_APPEND_DOCUMENT_BEGIN (&spec, "key", &key);
  BSON_APPEND_INT32 (&key, "_id", 1);
  bson_append_document_end (&spec, &key);
  BSON_APPEND_UTF8 (&spec, "name", "_id_");
  g_ptr_array_add (coll->indexes, ms_index_new (&spec));
  bson_destroy (&spec);
  return coll;
}

MsColl *
ms_coll_create (const char *db, const char *name, MsErr **err)
{
  MsDb *d;
  MsColl *coll;

  if (!ms_coll_valid_name (db, name, err))
    return NULL;
  d = ms_db_lookup (db);
  if (d == NULL)
    {
      d = g_new0 (MsDb, 1);
      d->name = g_strdup (db);
      d->colls = g_hash_table_new_full (g_str_hash, g_str_equal, NULL, (GDestroyNotify) coll_free);
      g_hash_table_insert (ms_server.dbs, d->name, d);
    }
  if (g_hash_table_contains (d->colls, name))
    {
      ms_err_set (err, MS_NAMESPACE_EXISTS, "Collection %s.%s already exists.", db, name);
      return NULL;
    }
  coll = coll_new (db, name);
  g_hash_table_insert (d->colls, coll->name, coll);
  return coll;
}

MsColl *
ms_coll_get_or_create (const char *db, const char *name, MsErr **err)
{
  MsColl *coll = ms_coll_lookup (db, name);

  return coll ? coll : ms_coll_create (db, name, err);
}

void
ms_coll_drop (MsColl *coll, gboolean log)
{
  MsDb *d = ms_db_lookup (coll->db);

  if (log)
    {
      MsOplogEntry *e = ms_oplog_entry_new (MS_OP_DROP, coll->db, coll->name);
      ms_oplog_append (e);
    }
  g_hash_table_remove (d->colls, coll->name);
}

void
ms_db_drop (const char *name)
{
  MsDb *d = ms_db_lookup (name);
  GList *names, *l;

  if (d == NULL)
    return;
  names = g_list_sort (g_hash_table_get_keys (d->colls), (GCompareFunc) strcmp);
  for (l = names; l; l = l->next)
    ms_oplog_append (ms_oplog_entry_new (MS_OP_DROP, name, l->data));
  g_list_free (names);
  ms_oplog_append (ms_oplog_entry_new (MS_OP_DROP_DATABASE, name, NULL));
  g_hash_table_remove (ms_server.dbs, name);
}

static GBytes *
id_key (const bson_value_t *id)
{
  GString *s = g_string_new (NULL);
  gsize len;

  ms_value_key (s, id);
  len = s->len;
  return g_bytes_new_take (g_string_free (s, FALSE), len);
}

GList *
ms_coll_find_id (MsColl *coll, const bson_value_t *id)
{
  g_autoptr(GBytes) key = id_key (id);

  return g_hash_table_lookup (coll->by_id, key);
}

/* Orders GList nodes of a collection by their document's _id. */
int
ms_node_id_cmp (gconstpointer a, gconstpointer b, gpointer unused)
{
  const GList *x = a, *y = b;
  bson_t dx, dy;
  bson_iter_t ix, iy;

  if (x == y)
    return 0;
  ms_bytes_bson (x->data, &dx);
  ms_bytes_bson (y->data, &dy);
  if (!bson_iter_init_find (&ix, &dx, "_id") || !bson_iter_init_find (&iy, &dy, "_id"))
    return x < y ? -1 : 1;
  return ms_value_cmp (bson_iter_value (&ix), bson_iter_value (&iy));
}

/* ------------------------------------------------------ index key values */

typedef struct
{
  GPtrArray *keys;        /* char* key strings */
  GPtrArray *shells;      /* char* "{ a: 1 }" for messages */
  GPtrArray *values;      /* bson_t* keyValue documents */
} IndexKeys;

static void
values_for_field (const bson_t *doc, const char *path, GArray *out, gboolean *present)
{
  bson_value_t v;
  bson_value_t null_value = { .value_type = BSON_TYPE_NULL };

  /* dotted paths through one array level are expanded like multikey */
  if (!ms_lookup_path (doc, path, &v))
    {
      const char *dot = strchr (path, '.');
      if (dot != NULL)
        {
          g_autofree char *head = g_strndup (path, dot - path);
          bson_value_t hv;
          if (ms_lookup_path (doc, head, &hv) && hv.value_type == BSON_TYPE_ARRAY)
            {
              bson_t arr;
              bson_iter_t it;
              gboolean any = FALSE;

              ms_value_doc (&hv, &arr);
              if (bson_iter_init (&it, &arr))
                while (bson_iter_next (&it))
                  if (BSON_ITER_HOLDS_DOCUMENT (&it))
                    {
                      bson_t ed;
                      bson_value_t ev = *bson_iter_value (&it);
                      ms_value_doc (&ev, &ed);
                      values_for_field (&ed, dot + 1, out, present);
                      any = TRUE;
                    }
              if (any)
                return;
            }
        }
      g_array_append_val (out, null_value);
      return;
    }
  *present = TRUE;
  if (v.value_type == BSON_TYPE_ARRAY)
    {
      bson_t arr;
      bson_iter_t it;
      gboolean any = FALSE;

      ms_value_doc (&v, &arr);
      if (bson_iter_init (&it, &arr))
        while (bson_iter_next (&it))
          {
            g_array_append_val (out, *bson_iter_value (&it));
            any = TRUE;
          }
      if (!any)
        {
          bson_value_t undef = { .value_type = BSON_TYPE_UNDEFINED };
          g_array_append_val (out, undef);
        }
      return;
    }
  g_array_append_val (out, v);
}

static void
index_keys_clear (IndexKeys *k)
{
  g_clear_pointer (&k->keys, g_ptr_array_unref);
  g_clear_pointer (&k->shells, g_ptr_array_unref);
  g_clear_pointer (&k->values, g_ptr_array_unref);
}

/* All keys a document produces for index (cartesian over multikey fields).
 * Returns FALSE for a sparse index that skips the document. */
static gboolean
index_keys (MsIndex *index, const bson_t *doc, IndexKeys *out)
{
  bson_iter_t it;
  GPtrArray *fields = g_ptr_array_new ();
  GPtrArray *per_field = g_ptr_array_new_with_free_func ((GDestroyNotify) g_array_unref);
  gboolean any_present = FALSE;
  guint n_combos = 1;

  out->keys = g_ptr_array_new_with_free_func (g_free);
  out->shells = g_ptr_array_new_with_free_func (g_free);
  out->values = g_ptr_array_new_with_free_func ((GDestroyNotify) bson_destroy);
  if (bson_iter_init (&it, index->key))
    while (bson_iter_next (&it))
      {
        GArray *vals = g_array_new (FALSE, FALSE, sizeof (bson_value_t));
        g_ptr_array_add (fields, (gpointer) bson_iter_key (&it));
        values_for_field (doc, bson_iter_key (&it), vals, &any_present);
        g_ptr_array_add (per_field, vals);
        n_combos *= MAX (vals->len, 1);
      }
  if (index->sparse && !any_present)
    {
      g_ptr_array_unref (fields);
      g_ptr_array_unref (per_field);
      return FALSE;
    }
  for (guint combo = 0; combo < n_combos && combo < 4096; combo++)
    {
      GString *key = g_string_new (NULL);
      GString *shell = g_string_new ("{ ");
      bson_t *kv = bson_new ();
      guint rest = combo;

      for (guint f = 0; f < fields->len; f++)
        {
          GArray *vals = g_ptr_array_index (per_field, f);
          const bson_value_t *v = &g_array_index (vals, bson_value_t, rest % vals->len);

          rest /= vals->len;
          ms_value_key (key, v);
          g_string_append_c (key, '|');
          if (f > 0)
            g_string_append (shell, ", ");
          g_string_append_printf (shell, "%s: ", (const char *) g_ptr_array_index (fields, f));
          ms_value_to_shell (shell, v);
          bson_append_value (kv, g_ptr_array_index (fields, f), -1, v);
        }
      g_string_append (shell, " }");
      g_ptr_array_add (out->keys, g_string_free (key, FALSE));
      g_ptr_array_add (out->shells, g_string_free (shell, FALSE));
      g_ptr_array_add (out->values, kv);
    }
  g_ptr_array_unref (fields);
  g_ptr_array_unref (per_field);
  return TRUE;
}

static void
set_dup_error (MsErr **err, MsColl *coll, MsIndex *index, const char *shell, const bson_t *key_value)
{
  ms_err_set (err, MS_DUPLICATE_KEY, "E11000 duplicate key error collection: %s index: %s dup key: %s",
              coll->ns, index->name, shell);
  if (err != NULL && *err != NULL)
    {
      (*err)->extra = bson_new ();
      BSON_APPEND_DOCUMENT ((*err)->extra, "keyPattern", index->key);
      BSON_APPEND_DOCUMENT ((*err)->extra, "keyValue", key_value);
    }
}

/* Would doc violate a unique index?  self is the node the document
 * replaces (its own keys do not count). */
gboolean
ms_coll_check_unique (MsColl *coll, const bson_t *doc, GList *self, MsErr **err)
{
  bson_iter_t it;

  if (bson_iter_init_find (&it, doc, "_id"))
    {
      GList *other = ms_coll_find_id (coll, bson_iter_value (&it));
      if (other != NULL && other != self)
        {
          GString *shell = g_string_new ("{ _id: ");
          bson_t kv = BSON_INITIALIZER;

          ms_value_to_shell (shell, bson_iter_value (&it));
          g_string_append (shell, " }");
          bson_append_value (&kv, "_id", 3, bson_iter_value (&it));
          set_dup_error (err, coll, g_ptr_array_index (coll->indexes, 0), shell->str, &kv);
          bson_destroy (&kv);
          g_string_free (shell, TRUE);
          return FALSE;
        }
    }
  for (guint i = 1; i < coll->indexes->len; i++)
    {
      MsIndex *index = g_ptr_array_index (coll->indexes, i);
      IndexKeys keys = { 0 };

      if (!index->unique)
        continue;
      if (!index_keys (index, doc, &keys))
        {
          index_keys_clear (&keys);
          continue;
        }
      for (guint k = 0; k < keys.keys->len; k++)
        {
          GList *other = g_hash_table_lookup (index->entries, g_ptr_array_index (keys.keys, k));
          if (other != NULL && other != self)
            {
              set_dup_error (err, coll, index, g_ptr_array_index (keys.shells, k),
                             g_ptr_array_index (keys.values, k));
              index_keys_clear (&keys);
              return FALSE;
            }
        }
      index_keys_clear (&keys);
    }
  return TRUE;
}

static void
index_add (MsColl *coll, MsIndex *index, const bson_t *doc, GList *node)
{
  IndexKeys keys = { 0 };

  if (index->unique && index_keys (index, doc, &keys))
    for (guint k = 0; k < keys.keys->len; k++)
      g_hash_table_insert (index->entries, g_strdup (g_ptr_array_index (keys.keys, k)), node);
  index_keys_clear (&keys);
}

static void
index_remove (MsColl *coll, MsIndex *index, const bson_t *doc, GList *node)
{
  IndexKeys keys = { 0 };

  if (index->unique && index_keys (index, doc, &keys))
    for (guint k = 0; k < keys.keys->len; k++)
      if (g_hash_table_lookup (index->entries, g_ptr_array_index (keys.keys, k)) == node)
        g_hash_table_remove (index->entries, g_ptr_array_index (keys.keys, k));
  index_keys_clear (&keys);
}

static void
link_doc (MsColl *coll, GList *node)
{
  bson_t doc;
  bson_iter_t it;

  ms_bytes_bson (node->data, &doc);
  if (bson_iter_init_find (&it, &doc, "_id"))
    {
      g_hash_table_insert (coll->by_id, id_key (bson_iter_value (&it)), node);
      g_tree_insert (coll->id_order, node, node);
    }
  for (guint i = 1; i < coll->indexes->len; i++)
    index_add (coll, g_ptr_array_index (coll->indexes, i), &doc, node);
}

static void
unlink_doc (MsColl *coll, GList *node)
{
  bson_t doc;
  bson_iter_t it;

  ms_bytes_bson (node->data, &doc);
  if (bson_iter_init_find (&it, &doc, "_id"))
    {
      g_autoptr(GBytes) key = id_key (bson_iter_value (&it));
      g_hash_table_remove (coll->by_id, key);
      g_tree_remove (coll->id_order, node);
    }
  for (guint i = 1; i < coll->indexes->len; i++)
    index_remove (coll, g_ptr_array_index (coll->indexes, i), &doc, node);
}

gboolean
ms_coll_insert (MsColl *coll, GBytes *bytes, MsErr **err)
{
  bson_t doc;

  ms_bytes_bson (bytes, &doc);
  if (!ms_coll_check_unique (coll, &doc, NULL, err))
    return FALSE;
  g_queue_push_tail (&coll->docs, g_bytes_ref (bytes));
  link_doc (coll, coll->docs.tail);
  return TRUE;
}

gboolean
ms_coll_replace (MsColl *coll, GList *node, GBytes *bytes, MsErr **err)
{
  bson_t doc;

  ms_bytes_bson (bytes, &doc);
  if (!ms_coll_check_unique (coll, &doc, node, err))
    return FALSE;
  unlink_doc (coll, node);
  g_bytes_unref (node->data);
  node->data = g_bytes_ref (bytes);
  link_doc (coll, node);
  return TRUE;
}

void
ms_coll_remove (MsColl *coll, GList *node)
{
  unlink_doc (coll, node);
  g_bytes_unref (node->data);
  g_queue_delete_link (&coll->docs, node);
}

gboolean
ms_coll_add_index (MsColl *coll, MsIndex *index, MsErr **err)
{
  if (index->unique)
    {
      for (GList *l = coll->docs.head; l; l = l->next)
        {
          bson_t doc;
          IndexKeys keys = { 0 };

          ms_bytes_bson (l->data, &doc);
          if (index_keys (index, &doc, &keys))
            for (guint k = 0; k < keys.keys->len; k++)
              {
                GList *other = g_hash_table_lookup (index->entries, g_ptr_array_index (keys.keys, k));
                if (other != NULL && other != l)
                  {
                    set_dup_error (err, coll, index, g_ptr_array_index (keys.shells, k),
                                   g_ptr_array_index (keys.values, k));
                    index_keys_clear (&keys);
                    return FALSE;
                  }
                g_hash_table_insert (index->entries, g_strdup (g_ptr_array_index (keys.keys, k)), l);
              }
          index_keys_clear (&keys);
        }
    }
  g_ptr_array_add (coll->indexes, index);
  return TRUE;
}

gboolean
ms_validate_doc (MsColl *coll, const bson_t *doc, MsErr **err)
{
  bson_iter_t it;

  if (coll->validator == NULL || g_strcmp0 (coll->validation_level, "off") == 0 ||
      g_strcmp0 (coll->validation_action, "warn") == 0)
    return TRUE;
  if (ms_match (doc, coll->validator))
    return TRUE;
  ms_err_set (err, MS_DOCUMENT_VALIDATION_FAILURE, "Document failed validation");
  if (err != NULL && *err != NULL)
    {
      bson_t info, details;

      (*err)->extra = bson_new ();
      BSON_APPEND_DOCUMENT_BEGIN ((*err)->extra, "errInfo", &info);
      if (bson_iter_init_find (&it, doc, "_id"))
        bson_append_value (&info, "failingDocumentId", -1, bson_iter_value (&it));
      BSON_APPEND_DOCUMENT_BEGIN (&info, "details", &details);
      BSON_APPEND_UTF8 (&details, "operatorName", "$jsonSchema");
      BSON_APPEND_ARRAY (&details, "schemaRulesNotSatisfied", &(bson_t) BSON_INITIALIZER);
      bson_append_document_end (&info, &details);
      bson_append_document_end ((*err)->extra, &info);
    }
  return FALSE;
}

/* -------------------------------------------------------------- the oplog */

guint64
ms_next_ts (void)
{
  guint64 now = (guint64) (g_get_real_time () / G_USEC_PER_SEC);
  guint64 t = ms_server.last_ts >> 32;

  if (now > t)
    ms_server.last_ts = (now << 32) | 1;
  else
    ms_server.last_ts++;
  return ms_server.last_ts;
}

MsOplogEntry *
ms_oplog_entry_new (MsOpType op, const char *db, const char *coll)
{
  MsOplogEntry *e = g_new0 (MsOplogEntry, 1);

  e->op = op;
  e->db = g_intern_string (db);
  e->coll = g_intern_string (coll);
  return e;
}

void
ms_oplog_entry_free (MsOplogEntry *e)
{
  g_clear_pointer (&e->key, g_bytes_unref);
  g_clear_pointer (&e->post, g_bytes_unref);
  g_clear_pointer (&e->pre, g_bytes_unref);
  g_clear_pointer (&e->desc, g_bytes_unref);
  g_free (e);
}

/* Commits an entry: it gets the next cluster time, the oldest entry falls
 * out when the ring is full, and waiting change streams wake up. */
void
ms_oplog_append (MsOplogEntry *e)
{
  guint cap = MAX (ms_server.oplog_size, 1);

  if (e->ts == 0)
    e->ts = ms_next_ts ();
  if (e->wall_ms == 0)
    e->wall_ms = g_get_real_time () / 1000;
  if (ms_server.oplog_len == cap)
    {
      MsOplogEntry *old = ms_server.oplog[ms_server.oplog_head];
      ms_server.oplog_lost_ts = old->ts;
      ms_oplog_entry_free (old);
      ms_server.oplog[ms_server.oplog_head] = e;
      ms_server.oplog_head = (ms_server.oplog_head + 1) % cap;
    }
  else
    {
      ms_server.oplog[(ms_server.oplog_head + ms_server.oplog_len) % cap] = e;
      ms_server.oplog_len++;
    }
  ms_server.committed = TRUE;
}

/* Wakes waiting change streams once per command, not once per document:
 * a futex call per insert would halve the bulk insert rate. */
void
ms_oplog_notify (void)
{
  if (ms_server.committed && ms_server.waiters > 0)
    g_cond_broadcast (&ms_server.oplog_cond);
  ms_server.committed = FALSE;
}

/* Waits on oplog_cond (lock held) until woken or deadline (monotonic). */
void
ms_wait_until (gint64 deadline)
{
  ms_server.waiters++;
  g_cond_wait_until (&ms_server.oplog_cond, &ms_server.lock, deadline);
  ms_server.waiters--;
}
