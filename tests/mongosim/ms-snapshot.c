/* ms-snapshot.c — --dbpath persistence: a snapshot written at a clean stop
 * and read at start
 *
 * The file is a sequence of BSON documents: a header, then per collection
 * a {$coll: …} description followed by its documents, then the oplog as
 * {$oplog: …} entries (so resume tokens survive a restart).
 */
#define G_LOG_DOMAIN "mongosim"
#include "config.h"

#include <string.h>

#include <glib/gstdio.h>

#include "ms-private.h"

#define SNAPSHOT_NAME "mongosim.snapshot"

static void
put (GByteArray *out, const bson_t *doc)
{
  g_byte_array_append (out, bson_get_data (doc), doc->len);
}

static void
put_bytes_field (bson_t *doc, const char *key, GBytes *bytes)
{
  bson_t d;

  if (bytes == NULL)
    return;
  ms_bytes_bson (bytes, &d);
  bson_append_document (doc, key, -1, &d);
}

gboolean
ms_snapshot_save (GError **error)
{
  g_autofree char *path = g_build_filename (ms_server.dbpath, SNAPSHOT_NAME, NULL);
  g_autoptr(GByteArray) out = g_byte_array_new ();
  GHashTableIter di;
  gpointer dv;
  bson_t header = BSON_INITIALIZER;
  guint cap = MAX (ms_server.oplog_size, 1);

  BSON_APPEND_INT32 (&header, "$mongosim", 1);
  BSON_APPEND_INT64 (&header, "lastTs", (gint64) ms_server.last_ts);
  BSON_APPEND_INT64 (&header, "oplogStart", (gint64) ms_server.oplog_start_ts);
  BSON_APPEND_INT64 (&header, "oplogLost", (gint64) ms_server.oplog_lost_ts);
  put (out, &header);
  bson_destroy (&header);

  g_hash_table_iter_init (&di, ms_server.dbs);
  while (g_hash_table_iter_next (&di, NULL, &dv))
    {
      MsDb *db = dv;
      GHashTableIter ci;
      gpointer cv;

      g_hash_table_iter_init (&ci, db->colls);
      while (g_hash_table_iter_next (&ci, NULL, &cv))
        {
          MsColl *coll = cv;
          bson_t rec = BSON_INITIALIZER, desc, indexes;

          BSON_APPEND_DOCUMENT_BEGIN (&rec, "$coll", &desc);
          BSON_APPEND_UTF8 (&desc, "db", coll->db);
          BSON_APPEND_UTF8 (&desc, "name", coll->name);
          bson_append_binary (&desc, "uuid", -1, BSON_SUBTYPE_UUID, coll->uuid, 16);
          if (coll->validator)
            BSON_APPEND_DOCUMENT (&desc, "validator", coll->validator);
          if (coll->validation_level)
            BSON_APPEND_UTF8 (&desc, "validationLevel", coll->validation_level);
          if (coll->validation_action)
            BSON_APPEND_UTF8 (&desc, "validationAction", coll->validation_action);
          BSON_APPEND_BOOL (&desc, "images", coll->images);
          BSON_APPEND_ARRAY_BEGIN (&desc, "indexes", &indexes);
          for (guint i = 1; i < coll->indexes->len; i++)
            {
              char buf[16];
              const char *k;
              bson_uint32_to_string (i - 1, &k, buf, sizeof buf);
              bson_append_document (&indexes, k, -1, ((MsIndex *) g_ptr_array_index (coll->indexes, i))->spec);
            }
          bson_append_array_end (&desc, &indexes);
          bson_append_document_end (&rec, &desc);
          put (out, &rec);
          bson_destroy (&rec);
          for (GList *l = coll->docs.head; l; l = l->next)
            {
              gsize len;
              const guint8 *data = g_bytes_get_data (l->data, &len);
              g_byte_array_append (out, data, len);
            }
        }
    }
  for (guint i = 0; i < ms_server.oplog_len; i++)
    {
      MsOplogEntry *e = ms_server.oplog[(ms_server.oplog_head + i) % cap];
      bson_t rec = BSON_INITIALIZER, d;

      BSON_APPEND_DOCUMENT_BEGIN (&rec, "$oplog", &d);
      BSON_APPEND_INT64 (&d, "ts", (gint64) e->ts);
      BSON_APPEND_INT64 (&d, "wall", e->wall_ms);
      BSON_APPEND_INT32 (&d, "op", e->op);
      BSON_APPEND_UTF8 (&d, "db", e->db);
      if (e->coll)
        BSON_APPEND_UTF8 (&d, "coll", e->coll);
      BSON_APPEND_BOOL (&d, "images", e->images);
      put_bytes_field (&d, "key", e->key);
      put_bytes_field (&d, "post", e->post);
      put_bytes_field (&d, "pre", e->pre);
      put_bytes_field (&d, "desc", e->desc);
      bson_append_document_end (&rec, &d);
      put (out, &rec);
      bson_destroy (&rec);
    }
  return g_file_set_contents (path, (const char *) out->data, (gssize) out->len, error);
}

static GBytes *
field_bytes (const bson_t *doc, const char *key)
{
  bson_iter_t it;
  const guint8 *data;
  guint32 len;

  if (!bson_iter_init_find (&it, doc, key) || !BSON_ITER_HOLDS_DOCUMENT (&it))
    return NULL;
  bson_iter_document (&it, &len, &data);
  return g_bytes_new (data, len);
}

gboolean
ms_snapshot_load (GError **error)
{
  g_autofree char *path = g_build_filename (ms_server.dbpath, SNAPSHOT_NAME, NULL);
  g_autofree char *contents = NULL;
  gsize len, pos = 0;
  MsColl *coll = NULL;

  if (!g_file_test (path, G_FILE_TEST_EXISTS))
    return TRUE;
  if (!g_file_get_contents (path, &contents, &len, error))
    return FALSE;
  while (pos + 5 <= len)
    {
      gint32 dlen;
      bson_t doc;
      bson_iter_t it;

      memcpy (&dlen, contents + pos, 4);
      dlen = GINT32_FROM_LE (dlen);
      if (dlen < 5 || (gsize) dlen > len - pos || !bson_init_static (&doc, (const guint8 *) contents + pos, dlen))
        {
          g_set_error (error, G_FILE_ERROR, G_FILE_ERROR_INVAL, "%s is damaged at byte %" G_GSIZE_FORMAT, path, pos);
          return FALSE;
        }
      pos += (gsize) dlen;
      if (bson_iter_init_find (&it, &doc, "$mongosim"))
        {
          if (bson_iter_init_find (&it, &doc, "lastTs"))
            ms_server.last_ts = MAX (ms_server.last_ts, (guint64) bson_iter_as_int64 (&it));
          if (bson_iter_init_find (&it, &doc, "oplogStart"))
            ms_server.oplog_start_ts = (guint64) bson_iter_as_int64 (&it);
          if (bson_iter_init_find (&it, &doc, "oplogLost"))
            ms_server.oplog_lost_ts = (guint64) bson_iter_as_int64 (&it);
        }
      else if (bson_iter_init_find (&it, &doc, "$coll") && BSON_ITER_HOLDS_DOCUMENT (&it))
        {
          bson_value_t v = *bson_iter_value (&it);
          bson_t desc;
          bson_iter_t f;
          const char *db, *name;

          ms_value_doc (&v, &desc);
          db = ms_cmd_string (&desc, "db");
          name = ms_cmd_string (&desc, "name");
          coll = (db && name) ? ms_coll_create (db, name, NULL) : NULL;
          if (coll == NULL)
            continue;
          if (bson_iter_init_find (&f, &desc, "uuid") && BSON_ITER_HOLDS_BINARY (&f))
            {
              const guint8 *data;
              guint32 blen;
              bson_subtype_t st;
              bson_iter_binary (&f, &st, &blen, &data);
              if (blen == 16)
                memcpy (coll->uuid, data, 16);
            }
          if (bson_iter_init_find (&f, &desc, "validator") && BSON_ITER_HOLDS_DOCUMENT (&f))
            {
              const guint8 *data;
              guint32 vlen;
              bson_iter_document (&f, &vlen, &data);
              coll->validator = bson_new_from_data (data, vlen);
            }
          coll->validation_level = g_strdup (ms_cmd_string (&desc, "validationLevel"));
          coll->validation_action = g_strdup (ms_cmd_string (&desc, "validationAction"));
          coll->images = bson_iter_init_find (&f, &desc, "images") && bson_iter_as_bool (&f);
          if (bson_iter_init_find (&f, &desc, "indexes") && BSON_ITER_HOLDS_ARRAY (&f))
            {
              bson_iter_t ii;
              bson_iter_recurse (&f, &ii);
              while (bson_iter_next (&ii))
                if (BSON_ITER_HOLDS_DOCUMENT (&ii))
                  {
                    bson_value_t sv = *bson_iter_value (&ii);
                    bson_t spec;
                    ms_value_doc (&sv, &spec);
                    ms_coll_add_index (coll, ms_index_new (&spec), NULL);
                  }
            }
        }
      else if (bson_iter_init_find (&it, &doc, "$oplog") && BSON_ITER_HOLDS_DOCUMENT (&it))
        {
          bson_value_t v = *bson_iter_value (&it);
          bson_t d;
          bson_iter_t f;
          MsOplogEntry *e;

          ms_value_doc (&v, &d);
          e = ms_oplog_entry_new (bson_iter_init_find (&f, &d, "op") ? (MsOpType) bson_iter_as_int64 (&f) : 0,
                                  ms_cmd_string (&d, "db"), ms_cmd_string (&d, "coll"));
          e->ts = bson_iter_init_find (&f, &d, "ts") ? (guint64) bson_iter_as_int64 (&f) : 0;
          e->wall_ms = bson_iter_init_find (&f, &d, "wall") ? bson_iter_as_int64 (&f) : 0;
          e->images = bson_iter_init_find (&f, &d, "images") && bson_iter_as_bool (&f);
          e->key = field_bytes (&d, "key");
          e->post = field_bytes (&d, "post");
          e->pre = field_bytes (&d, "pre");
          e->desc = field_bytes (&d, "desc");
          ms_oplog_append (e);
        }
      else if (coll != NULL)
        {
          GBytes *bytes = g_bytes_new (bson_get_data (&doc), doc.len);
          ms_coll_insert (coll, bytes, NULL);
          g_bytes_unref (bytes);
        }
    }
  return TRUE;
}
