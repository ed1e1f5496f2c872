/* ms-write.c — insert, update, delete and findAndModify
 *
 * Each applied write commits one oplog entry (its own cluster time), which
 * is what change streams read.  Errors of single statements become
 * writeErrors; ordered batches stop at the first one.
 */
#define G_LOG_DOMAIN "mongosim"
#include "config.h"

#include <string.h>

#include "ms-private.h"

/* The document as stored: _id first, generated when absent. */
static gboolean
with_id_first (const bson_t *doc, bson_t *out, MsErr **err)
{
  bson_iter_t it;

  bson_init (out);
  if (bson_iter_init_find (&it, doc, "_id"))
    {
      bson_type_t t = bson_iter_type (&it);
      if (t == BSON_TYPE_ARRAY || t == BSON_TYPE_REGEX || t == BSON_TYPE_UNDEFINED)
        {
          ms_err_set (err, MS_BAD_VALUE, "can't use a%s %s for _id", t == BSON_TYPE_UNDEFINED ? "n" : "",
                      t == BSON_TYPE_ARRAY ? "array" : t == BSON_TYPE_REGEX ? "regex" : "undefined");
          bson_destroy (out);
          return FALSE;
        }
      bson_append_value (out, "_id", 3, bson_iter_value (&it));
    }
  else
    {
      bson_oid_t oid;
      bson_oid_init (&oid, NULL);
      BSON_APPEND_OID (out, "_id", &oid);
    }
  if (bson_iter_init (&it, doc))
    while (bson_iter_next (&it))
      if (!g_str_equal (bson_iter_key (&it), "_id"))
        bson_append_value (out, bson_iter_key (&it), -1, bson_iter_value (&it));
  if (out->len > MS_MAX_BSON_SIZE)
    {
      ms_err_set (err, MS_BSON_OBJECT_TOO_LARGE, "object to insert too large. size in bytes: %u, max size: %d",
                  out->len, MS_MAX_BSON_SIZE);
      bson_destroy (out);
      return FALSE;
    }
  return TRUE;
}

static void
append_write_error (bson_t *errors, guint *n, gint32 index, const MsErr *e)
{
  bson_t we;
  char buf[16];
  const char *k;
  bson_iter_t it;

  bson_uint32_to_string ((*n)++, &k, buf, sizeof buf);
  bson_append_document_begin (errors, k, -1, &we);
  BSON_APPEND_INT32 (&we, "index", index);
  BSON_APPEND_INT32 (&we, "code", e->code);
  if (e->extra != NULL && bson_iter_init (&it, e->extra))
    while (bson_iter_next (&it))
      bson_append_value (&we, bson_iter_key (&it), -1, bson_iter_value (&it));
  BSON_APPEND_UTF8 (&we, "errmsg", e->msg);
  bson_append_document_end (errors, &we);
}

static gboolean
get_statements (MsCmd *c, const char *field, bson_iter_t *out, gboolean *ordered, MsErr **err)
{
  bson_iter_t it;
  guint count = 0;

  *ordered = !(bson_iter_init_find (&it, c->cmd, "ordered") && !bson_iter_as_bool (&it));
  if (!bson_iter_init_find (&it, c->cmd, field) || !BSON_ITER_HOLDS_ARRAY (&it))
    {
      ms_err_set (err, 40414, "BSON field '%s.%s' is missing but a required field", c->name, field);
      return FALSE;
    }
  bson_iter_recurse (&it, out);
  {
    bson_iter_t counter = *out;
    while (bson_iter_next (&counter))
      {
        if (!BSON_ITER_HOLDS_DOCUMENT (&counter))
          {
            ms_err_set (err, MS_TYPE_MISMATCH, "BSON field '%s.%s.%u' is the wrong type '%s', expected type "
                        "'object'", c->name, field, count, ms_type_alias (bson_iter_type (&counter)));
            return FALSE;
          }
        count++;
      }
  }
  if (count == 0)
    {
      ms_err_set (err, MS_INVALID_OPTIONS, "Write batch sizes must be between 1 and 100000. Got 0 operations.");
      return FALSE;
    }
  if (count > MS_MAX_WRITE_BATCH)
    {
      ms_err_set (err, MS_INVALID_OPTIONS, "Write batch sizes must be between 1 and 100000. Got %u operations.",
                  count);
      return FALSE;
    }
  return TRUE;
}

static gboolean
bypass_validation (MsCmd *c)
{
  bson_iter_t it;

  return bson_iter_init_find (&it, c->cmd, "bypassDocumentValidation") && bson_iter_as_bool (&it);
}

/* Inserts one document and logs it. */
static gboolean
insert_one (MsColl *coll, const bson_t *doc, gboolean validate, bson_t *stored_id, MsErr **err)
{
  bson_t stored;
  GBytes *bytes;
  MsOplogEntry *e;

  bson_iter_t first;

  /* drivers put a generated _id first: store such documents as they came */
  if (bson_iter_init (&first, doc) && bson_iter_next (&first) && g_str_equal (bson_iter_key (&first), "_id") &&
      bson_iter_type (&first) != BSON_TYPE_ARRAY && bson_iter_type (&first) != BSON_TYPE_REGEX &&
      bson_iter_type (&first) != BSON_TYPE_UNDEFINED)
    {
      if (validate && !ms_validate_doc (coll, doc, err))
        return FALSE;
      bytes = ms_bson_to_bytes (doc);
    }
  else
    {
      if (!with_id_first (doc, &stored, err))
        return FALSE;
      if (validate && !ms_validate_doc (coll, &stored, err))
        {
          bson_destroy (&stored);
          return FALSE;
        }
      bytes = ms_bson_to_bytes (&stored);
      bson_destroy (&stored);
    }
  if (!ms_coll_insert (coll, bytes, err))
    {
      g_bytes_unref (bytes);
      return FALSE;
    }
  e = ms_oplog_entry_new (MS_OP_INSERT, coll->db, coll->name);
  ms_bytes_bson (bytes, &stored);
  e->post = bytes;
  e->images = coll->images;
  if (stored_id != NULL)
    {
      bson_iter_t it;
      bson_iter_init_find (&it, &stored, "_id");
      bson_append_value (stored_id, "_id", 3, bson_iter_value (&it));
    }
  ms_oplog_append (e);
  ms_server.n_insert++;
  return TRUE;
}

gboolean
ms_cmd_insert (MsCmd *c, MsErr **err)
{
  g_autofree char *name = NULL;
  bson_iter_t docs;
  gboolean ordered, validate = !bypass_validation (c);
  MsColl *coll;
  bson_t errors = BSON_INITIALIZER;
  guint n_errors = 0;
  gint32 n = 0, index = 0;

  if (!ms_cmd_target (c, &name, err) || !get_statements (c, "documents", &docs, &ordered, err))
    {
      bson_destroy (&errors);
      return FALSE;
    }
  coll = ms_coll_get_or_create (c->db, name, err);
  if (coll == NULL)
    {
      bson_destroy (&errors);
      return FALSE;
    }
  while (bson_iter_next (&docs))
    {
      bson_t doc;
      bson_value_t v = *bson_iter_value (&docs);
      g_autoptr(MsErr) e = NULL;

      ms_value_doc (&v, &doc);
      if (insert_one (coll, &doc, validate, NULL, &e))
        n++;
      else
        {
          append_write_error (&errors, &n_errors, index, e);
          if (ordered)
            break;
        }
      index++;
    }
  BSON_APPEND_INT32 (c->reply, "n", n);
  if (n_errors > 0)
    BSON_APPEND_ARRAY (c->reply, "writeErrors", &errors);
  bson_destroy (&errors);
  return TRUE;
}

/* Applies an update (operators or replacement) to one stored document. */
static gboolean
update_node (MsColl *coll, GList *node, const bson_t *u, gboolean validate, gboolean *modified, MsErr **err)
{
  bson_t old, updated, desc = BSON_INITIALIZER;
  gboolean operators = ms_update_is_operator_doc (u);
  GBytes *bytes;
  GBytes *old_bytes;
  MsOplogEntry *e;

  *modified = FALSE;
  ms_bytes_bson (node->data, &old);
  if (operators ? !ms_update_apply (&old, u, FALSE, &updated, &desc, err)
                : !ms_update_replace (&old, u, &updated, err))
    {
      bson_destroy (&desc);
      return FALSE;
    }
  if (bson_equal (&old, &updated))
    {
      bson_destroy (&updated);
      bson_destroy (&desc);
      return TRUE;
    }
  if (updated.len > MS_MAX_BSON_SIZE)
    {
      ms_err_set (err, 17419, "Resulting document after update is larger than %d", MS_MAX_BSON_SIZE);
      bson_destroy (&updated);
      bson_destroy (&desc);
      return FALSE;
    }
  if (validate && !ms_validate_doc (coll, &updated, err))
    {
      bson_destroy (&updated);
      bson_destroy (&desc);
      return FALSE;
    }
  bytes = ms_bson_to_bytes (&updated);
  bson_destroy (&updated);
  old_bytes = g_bytes_ref (node->data);
  if (!ms_coll_replace (coll, node, bytes, err))
    {
      g_bytes_unref (bytes);
      g_bytes_unref (old_bytes);
      bson_destroy (&desc);
      return FALSE;
    }
  e = ms_oplog_entry_new (operators ? MS_OP_UPDATE : MS_OP_REPLACE, coll->db, coll->name);
  e->post = bytes;
  e->pre = old_bytes;
  e->images = coll->images;
  if (operators)
    e->desc = ms_bson_to_bytes (&desc);
  bson_destroy (&desc);
  ms_oplog_append (e);
  ms_server.n_update++;
  *modified = TRUE;
  return TRUE;
}

/* The document an upsert inserts. */
static gboolean
upsert_doc (const bson_t *q, const bson_t *u, bson_t *out, MsErr **err)
{
  bson_t seed;
  gboolean ok;

  ms_update_upsert_seed (q, &seed);
  if (ms_update_is_operator_doc (u))
    ok = ms_update_apply (&seed, u, TRUE, out, NULL, err);
  else
    {
      bson_iter_t it;

      bson_init (out);
      if (bson_iter_init_find (&it, &seed, "_id") && !bson_has_field (u, "_id"))
        bson_append_value (out, "_id", 3, bson_iter_value (&it));
      bson_concat (out, u);
      ok = TRUE;
    }
  bson_destroy (&seed);
  return ok;
}

gboolean
ms_cmd_update (MsCmd *c, MsErr **err)
{
  g_autofree char *name = NULL;
  bson_iter_t stmts;
  gboolean ordered, validate = !bypass_validation (c);
  MsColl *coll;
  bson_t errors = BSON_INITIALIZER, upserted = BSON_INITIALIZER;
  guint n_errors = 0, n_upserted = 0;
  gint32 n = 0, n_modified = 0, index = -1;

  if (!ms_cmd_target (c, &name, err) || !get_statements (c, "updates", &stmts, &ordered, err))
    goto fail;
  coll = ms_coll_lookup (c->db, name);
  while (bson_iter_next (&stmts))
    {
      bson_t stmt, q = BSON_INITIALIZER, u;
      bson_value_t sv = *bson_iter_value (&stmts);
      bson_iter_t f;
      gboolean multi, upsert;
      g_autoptr(MsErr) e = NULL;
      g_autoptr(GPtrArray) nodes = NULL;

      index++;
      ms_value_doc (&sv, &stmt);
      multi = bson_iter_init_find (&f, &stmt, "multi") && bson_iter_as_bool (&f);
      upsert = bson_iter_init_find (&f, &stmt, "upsert") && bson_iter_as_bool (&f);
      if (bson_iter_init_find (&f, &stmt, "q") && BSON_ITER_HOLDS_DOCUMENT (&f))
        {
          bson_value_t qv = *bson_iter_value (&f);
          ms_value_doc (&qv, &q);
        }
      if (!bson_iter_init_find (&f, &stmt, "u") || !(BSON_ITER_HOLDS_DOCUMENT (&f)))
        {
          if (bson_iter_init_find (&f, &stmt, "u") && BSON_ITER_HOLDS_ARRAY (&f))
            ms_err_set (&e, MS_BAD_VALUE, "pipeline-style updates are not supported by mongosim");
          else
            ms_err_set (&e, MS_FAILED_TO_PARSE, "BSON field 'update.updates.u' is missing but a required field");
        }
      else
        {
          bson_value_t uv = *bson_iter_value (&f);
          ms_value_doc (&uv, &u);
          if (ms_query_check (&q, &e) && ms_update_check (&u, &e) && multi && !ms_update_is_operator_doc (&u))
            ms_err_set (&e, MS_FAILED_TO_PARSE, "multi update is not supported for replacement-style update");
        }
      if (e == NULL)
        {
          if (coll == NULL && upsert)
            coll = ms_coll_get_or_create (c->db, name, &e);
          nodes = ms_select_nodes (coll, &q, multi);
        }
      if (e == NULL && nodes->len > 0)
        {
          for (guint i = 0; i < nodes->len && e == NULL; i++)
            {
              gboolean modified;
              if (update_node (coll, g_ptr_array_index (nodes, i), &u, validate, &modified, &e))
                {
                  n++;
                  n_modified += modified;
                }
            }
        }
      else if (e == NULL && upsert)
        {
          bson_t doc, id_holder = BSON_INITIALIZER;

          if (upsert_doc (&q, &u, &doc, &e))
            {
              if (insert_one (coll, &doc, validate, &id_holder, &e))
                {
                  bson_t entry;
                  bson_iter_t idi;
                  char buf[16];
                  const char *k;

                  bson_uint32_to_string (n_upserted++, &k, buf, sizeof buf);
                  bson_append_document_begin (&upserted, k, -1, &entry);
                  BSON_APPEND_INT32 (&entry, "index", index);
                  bson_iter_init_find (&idi, &id_holder, "_id");
                  bson_append_value (&entry, "_id", 3, bson_iter_value (&idi));
                  bson_append_document_end (&upserted, &entry);
                  n++;
                }
              bson_destroy (&doc);
            }
          bson_destroy (&id_holder);
        }
      bson_destroy (&q);
      if (e != NULL)
        {
          append_write_error (&errors, &n_errors, index, e);
          if (ordered)
            break;
        }
    }
  BSON_APPEND_INT32 (c->reply, "n", n);
  BSON_APPEND_INT32 (c->reply, "nModified", n_modified);
  if (n_upserted > 0)
    BSON_APPEND_ARRAY (c->reply, "upserted", &upserted);
  if (n_errors > 0)
    BSON_APPEND_ARRAY (c->reply, "writeErrors", &errors);
  bson_destroy (&errors);
  bson_destroy (&upserted);
  return TRUE;

fail:
  bson_destroy (&errors);
  bson_destroy (&upserted);
  return FALSE;
}

static void
delete_node (MsColl *coll, GList *node)
{
  MsOplogEntry *e = ms_oplog_entry_new (MS_OP_DELETE, coll->db, coll->name);

  e->pre = g_bytes_ref (node->data);
  e->images = coll->images;
  ms_coll_remove (coll, node);
  ms_oplog_append (e);
  ms_server.n_delete++;
}

gboolean
ms_cmd_delete (MsCmd *c, MsErr **err)
{
  g_autofree char *name = NULL;
  bson_iter_t stmts;
  gboolean ordered;
  MsColl *coll;
  bson_t errors = BSON_INITIALIZER;
  guint n_errors = 0;
  gint32 n = 0, index = -1;

  if (!ms_cmd_target (c, &name, err) || !get_statements (c, "deletes", &stmts, &ordered, err))
    {
      bson_destroy (&errors);
      return FALSE;
    }
  coll = ms_coll_lookup (c->db, name);
  while (bson_iter_next (&stmts))
    {
      bson_t stmt, q = BSON_INITIALIZER;
      bson_value_t sv = *bson_iter_value (&stmts);
      bson_iter_t f;
      gint64 limit = 0;
      g_autoptr(MsErr) e = NULL;

      index++;
      ms_value_doc (&sv, &stmt);
      if (bson_iter_init_find (&f, &stmt, "limit"))
        limit = bson_iter_as_int64 (&f);
      if (bson_iter_init_find (&f, &stmt, "q") && BSON_ITER_HOLDS_DOCUMENT (&f))
        {
          bson_value_t qv = *bson_iter_value (&f);
          ms_value_doc (&qv, &q);
        }
      else
        ms_err_set (&e, 40414, "BSON field 'delete.deletes.q' is missing but a required field");
      if (e == NULL && limit != 0 && limit != 1)
        ms_err_set (&e, MS_FAILED_TO_PARSE, "The limit field in delete objects must be 0 or 1. Got %" G_GINT64_FORMAT,
                    limit);
      if (e == NULL && ms_query_check (&q, &e))
        {
          g_autoptr(GPtrArray) nodes = ms_select_nodes (coll, &q, limit == 0);
          for (guint i = 0; i < nodes->len; i++)
            delete_node (coll, g_ptr_array_index (nodes, i));
          n += (gint32) nodes->len;
        }
      if (e != NULL)
        {
          append_write_error (&errors, &n_errors, index, e);
          if (ordered)
            break;
        }
    }
  BSON_APPEND_INT32 (c->reply, "n", n);
  if (n_errors > 0)
    BSON_APPEND_ARRAY (c->reply, "writeErrors", &errors);
  bson_destroy (&errors);
  return TRUE;
}

static void
append_value_doc (bson_t *reply, GBytes *doc, const bson_t *fields)
{
  bson_t d;

  if (doc == NULL)
    {
      BSON_APPEND_NULL (reply, "value");
      return;
    }
  ms_bytes_bson (doc, &d);
  if (fields != NULL && !bson_empty (fields))
    {
      bson_t projected = BSON_INITIALIZER;
      ms_project (&d, fields, &projected);
      BSON_APPEND_DOCUMENT (reply, "value", &projected);
      bson_destroy (&projected);
    }
  else
    BSON_APPEND_DOCUMENT (reply, "value", &d);
}

static gboolean
doc_arg (const bson_t *cmd, const char *key, bson_t *out)
{
  bson_iter_t it;

  if (!bson_iter_init_find (&it, cmd, key) || !BSON_ITER_HOLDS_DOCUMENT (&it))
    return FALSE;
  {
    bson_value_t v = *bson_iter_value (&it);
    ms_value_doc (&v, out);
  }
  return TRUE;
}

gboolean
ms_cmd_find_and_modify (MsCmd *c, MsErr **err)
{
  g_autofree char *name = NULL;
  bson_t query = BSON_INITIALIZER, sort, update, fields, leo;
  gboolean has_sort, has_update, has_fields, remove, want_new, upsert;
  bson_iter_t it;
  MsColl *coll;
  GList *target = NULL;
  gboolean validate = !bypass_validation (c);

  if (!ms_cmd_target (c, &name, err))
    return FALSE;
  doc_arg (c->cmd, "query", &query);
  has_sort = doc_arg (c->cmd, "sort", &sort);
  has_update = doc_arg (c->cmd, "update", &update);
  has_fields = doc_arg (c->cmd, "fields", &fields);
  remove = bson_iter_init_find (&it, c->cmd, "remove") && bson_iter_as_bool (&it);
  want_new = bson_iter_init_find (&it, c->cmd, "new") && bson_iter_as_bool (&it);
  upsert = bson_iter_init_find (&it, c->cmd, "upsert") && bson_iter_as_bool (&it);
  if (remove == has_update)
    {
      ms_err_set (err, MS_FAILED_TO_PARSE, remove ? "Cannot specify both an update and remove=true"
                  : "Either an update or remove=true must be specified");
      return FALSE;
    }
  if (remove && (upsert || want_new))
    {
      ms_err_set (err, MS_FAILED_TO_PARSE, "Cannot specify both upsert=true and remove=true");
      return FALSE;
    }
  if (!ms_query_check (&query, err) || (has_update && !ms_update_check (&update, err)))
    return FALSE;
  coll = ms_coll_lookup (c->db, name);
  if (coll != NULL)
    {
      g_autoptr(GPtrArray) nodes = ms_select_nodes (coll, &query, has_sort);
      if (has_sort && nodes->len > 1)
        {
          g_autoptr(MsSort) s = ms_sort_new (&sort, err);
          GPtrArray *docs;

          if (s == NULL)
            return FALSE;
          docs = g_ptr_array_new ();
          for (guint i = 0; i < nodes->len; i++)
            g_ptr_array_add (docs, ((GList *) g_ptr_array_index (nodes, i))->data);
          ms_sort_docs (s, docs);
          for (guint i = 0; i < nodes->len && target == NULL; i++)
            if (((GList *) g_ptr_array_index (nodes, i))->data == g_ptr_array_index (docs, 0))
              target = g_ptr_array_index (nodes, i);
          g_ptr_array_unref (docs);
        }
      else if (nodes->len > 0)
        target = g_ptr_array_index (nodes, 0);
    }

  if (target == NULL && !(upsert && has_update))
    {
      BSON_APPEND_DOCUMENT_BEGIN (c->reply, "lastErrorObject", &leo);
      BSON_APPEND_INT32 (&leo, "n", 0);
      if (has_update)
        BSON_APPEND_BOOL (&leo, "updatedExisting", FALSE);
      bson_append_document_end (c->reply, &leo);
      BSON_APPEND_NULL (c->reply, "value");
      return TRUE;
    }
  if (remove)
    {
      g_autoptr(GBytes) old = g_bytes_ref (target->data);
      delete_node (coll, target);
      BSON_APPEND_DOCUMENT_BEGIN (c->reply, "lastErrorObject", &leo);
      BSON_APPEND_INT32 (&leo, "n", 1);
      bson_append_document_end (c->reply, &leo);
      append_value_doc (c->reply, old, has_fields ? &fields : NULL);
      return TRUE;
    }
  if (target != NULL)
    {
      g_autoptr(GBytes) old = g_bytes_ref (target->data);
      gboolean modified;

      if (!update_node (coll, target, &update, validate, &modified, err))
        return FALSE;
      BSON_APPEND_DOCUMENT_BEGIN (c->reply, "lastErrorObject", &leo);
      BSON_APPEND_INT32 (&leo, "n", 1);
      BSON_APPEND_BOOL (&leo, "updatedExisting", TRUE);
      bson_append_document_end (c->reply, &leo);
      append_value_doc (c->reply, want_new ? target->data : old, has_fields ? &fields : NULL);
      return TRUE;
    }
  {
    bson_t doc, id_holder = BSON_INITIALIZER;
    bson_iter_t idi;

    if (coll == NULL && (coll = ms_coll_get_or_create (c->db, name, err)) == NULL)
      return FALSE;
    if (!upsert_doc (&query, &update, &doc, err))
      {
        bson_destroy (&id_holder);
        return FALSE;
      }
    if (!insert_one (coll, &doc, validate, &id_holder, err))
      {
        bson_destroy (&doc);
        bson_destroy (&id_holder);
        return FALSE;
      }
    bson_destroy (&doc);
    BSON_APPEND_DOCUMENT_BEGIN (c->reply, "lastErrorObject", &leo);
    BSON_APPEND_INT32 (&leo, "n", 1);
    BSON_APPEND_BOOL (&leo, "updatedExisting", FALSE);
    bson_iter_init_find (&idi, &id_holder, "_id");
    bson_append_value (&leo, "upserted", -1, bson_iter_value (&idi));
    bson_append_document_end (c->reply, &leo);
    if (want_new)
      {
        GList *node = ms_coll_find_id (coll, bson_iter_value (&idi));
        append_value_doc (c->reply, node ? node->data : NULL, has_fields ? &fields : NULL);
      }
    else
      BSON_APPEND_NULL (c->reply, "value");
    bson_destroy (&id_holder);
    return TRUE;
  }
}
