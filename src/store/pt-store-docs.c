/* pt-store-docs.c: the one write path of every local mutation (validate,
 * check permission and plan, stamp changed fields, write the row, audit,
 * queue) and the generic document API. */
#define G_LOG_DOMAIN "pt-store"
#include "config.h"

#include <string.h>

#include "pt-store-impl.h"

/* ---- Building documents ------------------------------------------------- */

static void append_normalized (bson_t *out, const gchar *key, gint key_len,
                               const bson_iter_t *iter, const PtField *field);

static void
append_normalized_doc (bson_t            *out,
                       const bson_iter_t *iter,
                       const PtField     *field,
                       gboolean           is_array_of_docs)
{
  bson_iter_t child;
  bson_t sub;
  gboolean is_array = BSON_ITER_HOLDS_ARRAY (iter);

  if (!bson_iter_recurse (iter, &child))
    return;
  if (is_array)
    bson_append_array_begin (out, bson_iter_key (iter), -1, &sub);
  else
    bson_append_document_begin (out, bson_iter_key (iter), -1, &sub);
  while (bson_iter_next (&child))
    {
      const PtField *f = NULL;

      if (is_array)
        {
          if (is_array_of_docs && BSON_ITER_HOLDS_DOCUMENT (&child))
            {
              /* An element: a document described by the field's children. */
              PtField element = *field;
              element.type = PT_FIELD_DOCUMENT;
              append_normalized_doc (&sub, &child, &element, FALSE);
              continue;
            }
          if (field->element_type == PT_FIELD_INT || field->element_type == PT_FIELD_MONEY)
            {
              PtField element = { .type = field->element_type };
              append_normalized (&sub, bson_iter_key (&child), -1, &child, &element);
              continue;
            }
          bson_append_iter (&sub, NULL, 0, &child);
          continue;
        }
      f = pt_field_lookup_child (field, bson_iter_key (&child));
      append_normalized (&sub, bson_iter_key (&child), -1, &child, f);
    }
  if (is_array)
    bson_append_array_end (out, &sub);
  else
    bson_append_document_end (out, &sub);
}

/* Appends a value as the registry stores it: integers as int64 (inputs may
 * carry int32 or integral doubles), embedded documents likewise. */
static void
append_normalized (bson_t            *out,
                   const gchar       *key,
                   gint               key_len,
                   const bson_iter_t *iter,
                   const PtField     *field)
{
  if (field != NULL && (field->type == PT_FIELD_INT || field->type == PT_FIELD_MONEY))
    {
      if (BSON_ITER_HOLDS_INT32 (iter))
        {
          bson_append_int64 (out, key, key_len, bson_iter_int32 (iter));
          return;
        }
      if (BSON_ITER_HOLDS_DOUBLE (iter))
        {
          gdouble d = bson_iter_double (iter);
          if (d >= -9007199254740992.0 && d <= 9007199254740992.0 && d == (gdouble) (gint64) d)
            {
              bson_append_int64 (out, key, key_len, (gint64) d);
              return;
            }
        }
    }
  else if (field != NULL && field->children != NULL
           && (BSON_ITER_HOLDS_DOCUMENT (iter) || BSON_ITER_HOLDS_ARRAY (iter)))
    {
      gboolean docs = field->type == PT_FIELD_ARRAY && field->element_type == PT_FIELD_DOCUMENT;

      if (key_len < 0 || key_len == (gint) strlen (bson_iter_key (iter)))
        {
          append_normalized_doc (out, iter, field, docs);
          return;
        }
    }
  else if (field != NULL && field->type == PT_FIELD_ARRAY
           && (field->element_type == PT_FIELD_INT || field->element_type == PT_FIELD_MONEY)
           && BSON_ITER_HOLDS_ARRAY (iter))
    {
      append_normalized_doc (out, iter, field, FALSE);
      return;
    }
  bson_append_iter (out, key, key_len, iter);
}

static gboolean
iter_is_null (const bson_iter_t *iter)
{
  return BSON_ITER_HOLDS_NULL (iter) || bson_iter_type (iter) == BSON_TYPE_UNDEFINED;
}

static gboolean
is_system_key (const gchar *key)
{
  return g_str_equal (key, "_id") || g_str_equal (key, "tenantId")
         || g_str_equal (key, "createdAt") || g_str_equal (key, "updatedAt")
         || g_str_equal (key, "_sync");
}

/* The new document: registry fields in registry order taken from @fields
 * (BSON null = removed) or, for an update, from @old; then unknown fields
 * (foreign writers may add some) kept from @old unless @replace. */
bson_t *
_pt_store_build_document (const PtCollection *c,
                          const gchar        *id,
                          const gchar        *tenant_id,
                          const bson_t       *old,
                          const bson_t       *fields,
                          gboolean            replace,
                          gboolean            keep_times,
                          PtTime              now)
{
  bson_t *doc = bson_new ();
  bson_iter_t iter;

  for (guint i = 0; i < c->n_fields; i++)
    {
      const PtField *f = &c->fields[i];
      const gchar *name = f->name;

      if (g_str_equal (name, "_id"))
        {
          _pt_bson_append_oid_hex (doc, "_id", id);
          continue;
        }
      if (g_str_equal (name, "tenantId"))
        {
          if (c->tenant_scoped)
            _pt_bson_append_oid_hex (doc, "tenantId", tenant_id);
          continue;
        }
      if (g_str_equal (name, "createdAt"))
        {
          if (old && bson_iter_init_find (&iter, old, "createdAt")
              && BSON_ITER_HOLDS_DATE_TIME (&iter))
            bson_append_iter (doc, "createdAt", -1, &iter);
          else if (keep_times && bson_iter_init_find (&iter, fields, "createdAt")
                   && BSON_ITER_HOLDS_DATE_TIME (&iter))
            bson_append_iter (doc, "createdAt", -1, &iter);
          else
            BSON_APPEND_DATE_TIME (doc, "createdAt", now);
          continue;
        }
      if (g_str_equal (name, "updatedAt"))
        {
          if (keep_times && bson_iter_init_find (&iter, fields, "updatedAt")
              && BSON_ITER_HOLDS_DATE_TIME (&iter))
            bson_append_iter (doc, "updatedAt", -1, &iter);
          else
            BSON_APPEND_DATE_TIME (doc, "updatedAt", now);
          continue;
        }
      if (bson_iter_init_find (&iter, fields, name))
        {
          if (!iter_is_null (&iter))
            append_normalized (doc, name, -1, &iter, f);
          continue;
        }
      if (!replace && old && bson_iter_init_find (&iter, old, name))
        bson_append_iter (doc, name, -1, &iter);
    }

  /* Unknown fields: from the input (refused later unless they are the
   * stored ones), and for updates the stored ones. */
  if (bson_iter_init (&iter, fields))
    while (bson_iter_next (&iter))
      {
        const gchar *key = bson_iter_key (&iter);
        if (!is_system_key (key) && !pt_collection_lookup_field (c, key) && !iter_is_null (&iter))
          bson_append_iter (doc, key, -1, &iter);
      }
  if (!replace && old && bson_iter_init (&iter, old))
    while (bson_iter_next (&iter))
      {
        const gchar *key = bson_iter_key (&iter);
        bson_iter_t in;
        if (!is_system_key (key) && !pt_collection_lookup_field (c, key)
            && !bson_iter_init_find (&in, fields, key))
          bson_append_iter (doc, key, -1, &iter);
      }
  return doc;
}

/* Fields of @fields the registry does not know and that are not already
 * stored with the same value: refused with the registry's message. */
static gboolean
check_unknown_fields (const PtCollection *c,
                      const bson_t       *old,
                      const bson_t       *fields,
                      GError            **error)
{
  g_autoptr(bson_t) unknown = bson_new ();
  bson_iter_t iter, stored;
  gboolean any = FALSE;

  if (!bson_iter_init (&iter, fields))
    return TRUE;
  while (bson_iter_next (&iter))
    {
      const gchar *key = bson_iter_key (&iter);

      if (is_system_key (key) || pt_collection_lookup_field (c, key) || iter_is_null (&iter))
        continue;
      if (old && bson_iter_init_find (&stored, old, key) && _pt_bson_equal_values (&iter, &stored))
        continue;
      bson_append_iter (unknown, key, -1, &iter);
      any = TRUE;
    }
  if (!any)
    return TRUE;
  if (!pt_schema_validate (c, unknown, PT_VALIDATE_UPDATE, error))
    return FALSE;
  /* The registry accepted it (it should not): refuse anyway. */
  g_set_error (error, PT_ERROR, PT_ERROR_INVALID, _("Unknown field in %s."), c->name);
  return FALSE;
}

/* ---- The write path ----------------------------------------------------- */

static gchar *
resolve_id (const gchar  *id,
            const bson_t *fields,
            GError      **error)
{
  bson_iter_t iter;
  gchar *from_doc = NULL;

  if (fields != NULL && bson_iter_init_find (&iter, fields, "_id"))
    {
      from_doc = _pt_bson_iter_dup_id (&iter);
      if (from_doc == NULL)
        {
          g_set_error (error, PT_ERROR, PT_ERROR_INVALID,
                       _("The document id (_id) must be an ObjectId."));
          return NULL;
        }
    }
  if (id != NULL)
    {
      if (!pt_oid_is_valid (id))
        {
          g_set_error (error, PT_ERROR, PT_ERROR_INVALID,
                       _("“%s” is not a valid document id (24 hexadecimal digits expected)."),
                       id);
          g_free (from_doc);
          return NULL;
        }
      if (from_doc != NULL && g_ascii_strcasecmp (from_doc, id) != 0)
        {
          g_set_error (error, PT_ERROR, PT_ERROR_INVALID,
                       _("The document’s _id %s does not match %s."), from_doc, id);
          g_free (from_doc);
          return NULL;
        }
      g_free (from_doc);
      return g_ascii_strdown (id, -1);
    }
  return from_doc ? from_doc : pt_oid_new_hex ();
}

static gboolean
check_tenant (PtStore            *self,
              const PtCollection *c,
              const gchar        *id,
              const bson_t       *fields,
              GError            **error)
{
  bson_iter_t iter;
  g_autofree gchar *tenant = NULL;

  if (!c->tenant_scoped)
    {
      if (g_strcmp0 (id, self->tenant_id) != 0)
        {
          g_set_error (error, PT_ERROR, PT_ERROR_FOREIGN_TENANT,
                       _("This document belongs to another organisation (%s); "
                         "this store holds %s only."), id, self->tenant_id);
          return FALSE;
        }
      return TRUE;
    }
  if (fields == NULL || !bson_iter_init_find (&iter, fields, "tenantId") || iter_is_null (&iter))
    return TRUE;
  tenant = _pt_bson_iter_dup_id (&iter);
  if (tenant == NULL || g_strcmp0 (tenant, self->tenant_id) != 0)
    {
      g_set_error (error, PT_ERROR, PT_ERROR_FOREIGN_TENANT,
                   _("This document belongs to another organisation (%s); "
                     "this store holds %s only."),
                   tenant ? tenant : "?", self->tenant_id);
      return FALSE;
    }
  return TRUE;
}

/* Top-level fields whose value differs between @old and @doc, including
 * system fields (they are stamped too). */
static GPtrArray *
stamped_changes (const bson_t *old,
                 const bson_t *doc)
{
  GPtrArray *out = g_ptr_array_new ();
  bson_iter_t iter, other;

  bson_iter_init (&iter, doc);
  while (bson_iter_next (&iter))
    {
      const gchar *key = bson_iter_key (&iter);
      if (g_str_equal (key, "_id") || g_str_equal (key, "tenantId"))
        continue;
      if (old == NULL || !bson_iter_init_find (&other, old, key)
          || !_pt_bson_equal_values (&iter, &other))
        g_ptr_array_add (out, (gpointer) key);
    }
  if (old != NULL)
    {
      bson_iter_init (&iter, old);
      while (bson_iter_next (&iter))
        if (!bson_iter_init_find (&other, doc, bson_iter_key (&iter)))
          g_ptr_array_add (out, (gpointer) bson_iter_key (&iter));
    }
  return out;
}

static bson_t *
new_stamps (const bson_t *old_stamps,
            GPtrArray    *changed,
            const gchar  *stamp)
{
  bson_t *out = bson_new ();
  bson_iter_t iter;

  if (old_stamps != NULL && bson_iter_init (&iter, old_stamps))
    while (bson_iter_next (&iter))
      {
        gboolean restamped = FALSE;
        for (guint i = 0; i < changed->len && !restamped; i++)
          restamped = g_str_equal (changed->pdata[i], bson_iter_key (&iter));
        if (!restamped)
          bson_append_iter (out, NULL, 0, &iter);
      }
  for (guint i = 0; i < changed->len; i++)
    BSON_APPEND_UTF8 (out, (const gchar *) changed->pdata[i], stamp);
  return out;
}

gboolean
_pt_store_write_doc (PtStore              *self,
                     const PtCollection   *c,
                     const gchar          *id_arg,
                     const bson_t         *fields,
                     gboolean              replace,
                     const PtWriteOptions *options,
                     gchar               **out_id,
                     gboolean             *changed_out,
                     GError              **error)
{
  static const PtWriteOptions defaults = { 0 };
  g_autofree gchar *id = NULL;
  g_autoptr(PtRawRow) old = NULL;
  g_autoptr(PtRawRow) row = NULL;
  g_autoptr(bson_t) doc = NULL;
  g_autoptr(GPtrArray) stamped = NULL;
  g_auto(GStrv) audit_fields = NULL;
  g_autoptr(GError) local_error = NULL;
  gchar stamp[PT_HLC_STAMP_LEN + 1];
  PtTime now = pt_hlc_wall_ms ();
  const gchar *action;
  bson_iter_t iter;

  g_assert (self->tx_depth > 0);
  if (options == NULL)
    options = &defaults;
  if (changed_out != NULL)
    *changed_out = FALSE;

  id = resolve_id (id_arg, fields, error);
  if (id == NULL || !check_tenant (self, c, id, fields, error))
    return FALSE;

  if (options->fresh)
    g_assert (id_arg == NULL && replace);
  else
    old = _pt_store_read_row (self, c, id, &local_error);
  if (old == NULL && local_error != NULL && !g_error_matches (local_error, PT_ERROR, PT_ERROR_NOT_FOUND))
    {
      g_propagate_error (error, g_steal_pointer (&local_error));
      return FALSE;
    }
  if (old == NULL && !replace)
    {
      g_set_error (error, PT_ERROR, PT_ERROR_NOT_FOUND,
                   _("There is no document %s in %s."), id, c->name);
      return FALSE;
    }
  if (old != NULL && c->kind == PT_COLLECTION_INSERT_ONLY && !options->import)
    {
      g_set_error (error, PT_ERROR, PT_ERROR_INVALID,
                   _("%s cannot be changed once written (%s)."), _(c->label), id);
      return FALSE;
    }

  if (!options->fresh && !check_unknown_fields (c, old ? old->doc : NULL, fields, error))
    return FALSE;
  doc = _pt_store_build_document (c, id, self->tenant_id, old ? old->doc : NULL, fields,
                                  replace, options->import, now);
  if (!pt_schema_validate (c, doc, PT_VALIDATE_CREATE | PT_VALIDATE_ALLOW_UNKNOWN, error))
    return FALSE;
  if (old != NULL && !pt_schema_check_immutable (c, old->doc, doc, error))
    return FALSE;

  /* The changed fields feed the audit event and the permission check; a
   * new ledger or audit document (a dispense writes two) needs neither. */
  if (old != NULL || !options->no_audit || !options->skip_permission)
    audit_fields = pt_schema_changed_fields (c, old ? old->doc : NULL, doc);
  if (old != NULL && audit_fields[0] == NULL)
    {
      /* Nothing but the times would change: no write, no audit, no push. */
      if (out_id != NULL)
        *out_id = g_steal_pointer (&id);
      return TRUE;
    }
  if (old != NULL && c->kind == PT_COLLECTION_INSERT_ONLY)
    {
      g_set_error (error, PT_ERROR, PT_ERROR_INVALID,
                   _("%s cannot be changed once written (%s)."), _(c->label), id);
      return FALSE;
    }

  if (!options->skip_permission
      && !_pt_store_check_permission (self, c, old ? old->doc : NULL, doc,
                            (const gchar * const *) audit_fields, error))
    return FALSE;

  if (old == NULL || (pt_bson_get_bool (old->doc, "deleted", FALSE)
                      && !pt_bson_get_bool (doc, "deleted", FALSE)))
    {
      PtLimitKind kind;

      if (pt_plan_limit_for_collection (c->name, &kind)
          && !pt_plan_check (self->plan, kind, pt_store_count (self, c->name), error))
        return FALSE;
    }
  if (!options->fresh && !pt_bson_get_bool (doc, "deleted", FALSE)
      && !_pt_store_check_unique (self, c, id, doc, error))
    return FALSE;

  /* The edit follows the version it changes, even one another process
   * (another clock) wrote: a new stamp is never the base's, so the row is
   * dirty until pushed. */
  if (old != NULL)
    {
      pt_hlc_observe (self->clock, old->version);
      if (old->base != NULL)
        pt_hlc_observe (self->clock, _pt_server_doc_get_version (old->base));
    }
  pt_hlc_now_into (self->clock, stamp);
  if (c->kind != PT_COLLECTION_INSERT_ONLY)
    stamped = stamped_changes (old ? old->doc : NULL, doc);
  row = _pt_raw_row_new ();
  row->id = g_strdup (id);
  row->doc = g_steal_pointer (&doc);
  /* Ledger and audit documents never change: per-field stamps would only
   * take space (they are half of a small document). */
  row->stamps = c->kind == PT_COLLECTION_INSERT_ONLY
                ? bson_new () : new_stamps (old ? old->stamps : NULL, stamped, stamp);
  row->version = g_strdup (stamp);
  row->base = old && old->base ? bson_copy (old->base) : NULL;

  if (!_pt_store_write_row (self, c, row, error)
      || !_pt_store_note_stamp (self, stamp, error)
      || !_pt_store_outbox_add (self, c->name, id, error))
    return FALSE;

  if (!options->no_audit)
    {
      action = options->action;
      if (action == NULL)
        {
          if (old == NULL)
            action = "create";
          else if (bson_iter_init_find (&iter, row->doc, "deleted") && bson_iter_bool (&iter)
                   && !pt_bson_get_bool (old->doc, "deleted", FALSE))
            action = "delete";
          else
            action = "update";
        }
      if (!_pt_store_audit (self, c->name, id, action,
                            (const gchar * const *) audit_fields, options->reason, error))
        return FALSE;
    }

  _pt_store_mark_local_change (self);
  if (changed_out != NULL)
    *changed_out = TRUE;
  if (out_id != NULL)
    *out_id = g_steal_pointer (&id);
  return TRUE;
}

gboolean
_pt_store_audit (PtStore             *self,
                 const gchar         *collection,
                 const gchar         *doc_id,
                 const gchar         *action,
                 const gchar * const *fields,
                 const gchar         *reason,
                 GError             **error)
{
  static const PtWriteOptions opts = {
    .skip_permission = TRUE, .no_audit = TRUE, .fresh = TRUE
  };
  g_autoptr(bson_t) event = bson_new ();
  bson_t array;
  guint n = 0;

  if (self->user_id != NULL)
    _pt_bson_append_oid_hex (event, "userId", self->user_id);
  BSON_APPEND_UTF8 (event, "deviceId", self->device_id);
  BSON_APPEND_UTF8 (event, "collection", collection);
  BSON_APPEND_UTF8 (event, "documentId", doc_id);
  BSON_APPEND_UTF8 (event, "action", action);
  BSON_APPEND_ARRAY_BEGIN (event, "fields", &array);
  for (guint i = 0; fields && fields[i]; i++)
    {
      const gchar *key;
      gchar buf[16];

      bson_uint32_to_string (n++, &key, buf, sizeof buf);
      BSON_APPEND_UTF8 (&array, key, fields[i]);
    }
  bson_append_array_end (event, &array);
  if (reason != NULL && *reason != '\0')
    {
      /* The reason is staff's own text, never patient data; cut to the
       * registry's limit rather than lose the event. */
      g_autofree gchar *cut = g_utf8_substring (reason, 0, MIN (g_utf8_strlen (reason, -1), 500));
      BSON_APPEND_UTF8 (event, "reason", cut);
    }
  BSON_APPEND_DATE_TIME (event, "at", pt_hlc_wall_ms ());
  return _pt_store_write_doc (self, pt_schema_lookup ("audit_events"), NULL, event, TRUE,
                              &opts, NULL, NULL, error);
}

/* ---- Generic API -------------------------------------------------------- */

bson_t *
_pt_store_get_doc (PtStore     *self,
                   const gchar *collection,
                   const gchar *id)
{
  g_autofree gchar *sql = g_strdup_printf ("SELECT doc FROM \"%s\" WHERE id = ?1", collection);
  sqlite3_stmt *stmt;
  bson_t *doc = NULL;

  if (id == NULL)
    return NULL;
  stmt = _pt_store_prepare (self, sql, NULL);
  if (stmt == NULL)
    return NULL;
  sqlite3_bind_text (stmt, 1, id, -1, SQLITE_TRANSIENT);
  if (sqlite3_step (stmt) == SQLITE_ROW)
    doc = bson_new_from_data (sqlite3_column_blob (stmt, 0),
                              (size_t) sqlite3_column_bytes (stmt, 0));
  sqlite3_reset (stmt);
  return doc;
}

static gboolean
write_one (PtStore      *self,
           const gchar  *collection,
           const gchar  *id,
           const bson_t *fields,
           gboolean      replace,
           gchar       **out_id,
           GError      **error)
{
  const PtCollection *c;

  g_return_val_if_fail (PT_IS_STORE (self), FALSE);
  g_return_val_if_fail (fields != NULL, FALSE);

  c = pt_schema_lookup_checked (collection, error);
  if (c == NULL || !_pt_store_begin (self, error))
    return FALSE;
  if (!_pt_store_write_doc (self, c, id, fields, replace, NULL, out_id, NULL, error))
    {
      _pt_store_rollback (self);
      return FALSE;
    }
  return _pt_store_commit (self, error);
}

gchar *
pt_store_put (PtStore      *self,
              const gchar  *collection,
              const bson_t *doc,
              GError      **error)
{
  gchar *id = NULL;

  if (!write_one (self, collection, NULL, doc, TRUE, &id, error))
    {
      g_free (id);
      return NULL;
    }
  return id;
}

gboolean
pt_store_update (PtStore      *self,
                 const gchar  *collection,
                 const gchar  *id,
                 const bson_t *fields,
                 GError      **error)
{
  g_autofree gchar *out = NULL;

  g_return_val_if_fail (id != NULL, FALSE);
  return write_one (self, collection, id, fields, FALSE, &out, error);
}

gboolean
pt_store_delete (PtStore      *self,
                 const gchar  *collection,
                 const gchar  *id,
                 GError      **error)
{
  g_autoptr(bson_t) fields = bson_new ();
  g_autofree gchar *out = NULL;

  g_return_val_if_fail (id != NULL, FALSE);
  BSON_APPEND_BOOL (fields, "deleted", TRUE);
  return write_one (self, collection, id, fields, FALSE, &out, error);
}

bson_t *
pt_store_get (PtStore      *self,
              const gchar  *collection,
              const gchar  *id,
              GError      **error)
{
  const PtCollection *c;
  bson_t *doc;

  g_return_val_if_fail (PT_IS_STORE (self), NULL);

  c = pt_schema_lookup_checked (collection, error);
  if (c == NULL)
    return NULL;
  doc = pt_oid_is_valid (id) ? _pt_store_get_doc (self, c->name, id) : NULL;
  if (doc == NULL)
    g_set_error (error, PT_ERROR, PT_ERROR_NOT_FOUND,
                 _("There is no document %s in %s."), id ? id : "", c->name);
  return doc;
}

GPtrArray *
pt_store_list (PtStore             *self,
               const gchar         *collection,
               const PtListOptions *options,
               GError             **error)
{
  static const PtListOptions defaults = { 0 };
  const PtCollection *c;
  g_autofree gchar *sql = NULL;
  g_autofree gchar *pharmacy_filter = NULL;
  sqlite3_stmt *stmt;
  GPtrArray *out;
  int rc;

  g_return_val_if_fail (PT_IS_STORE (self), NULL);

  c = pt_schema_lookup_checked (collection, error);
  if (c == NULL)
    return NULL;
  if (options == NULL)
    options = &defaults;

  if (options->pharmacy_id != NULL)
    {
      const PtField *f = pt_collection_lookup_field (c, "pharmacyId");
      if (f != NULL && f->type == PT_FIELD_OID)
        pharmacy_filter = g_strdup (" AND pharmacy_id = ?2");
    }
  sql = g_strdup_printf ("SELECT doc FROM \"%s\" WHERE (deleted = 0 OR ?1)%s "
                         "ORDER BY id LIMIT ?3 OFFSET ?4",
                         c->name, pharmacy_filter ? pharmacy_filter : "");
  stmt = _pt_store_prepare (self, sql, error);
  if (stmt == NULL)
    return NULL;
  sqlite3_bind_int (stmt, 1, options->include_deleted ? 1 : 0);
  if (pharmacy_filter != NULL)
    sqlite3_bind_text (stmt, 2, options->pharmacy_id, -1, SQLITE_TRANSIENT);
  sqlite3_bind_int64 (stmt, 3, options->limit > 0 ? (gint64) options->limit : -1);
  sqlite3_bind_int64 (stmt, 4, options->offset);

  out = g_ptr_array_new_with_free_func ((GDestroyNotify) bson_destroy);
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    g_ptr_array_add (out, bson_new_from_data (sqlite3_column_blob (stmt, 0),
                                              (size_t) sqlite3_column_bytes (stmt, 0)));
  sqlite3_reset (stmt);
  if (rc != SQLITE_DONE)
    {
      g_ptr_array_unref (out);
      _pt_store_set_sqlite_error (self, rc, "list", error);
      return NULL;
    }
  return out;
}

gint64
pt_store_count (PtStore     *self,
                const gchar *collection)
{
  g_return_val_if_fail (PT_IS_STORE (self), 0);
  return _pt_store_query_int (self, "SELECT live FROM doc_stats WHERE collection = ?1",
                              collection, 0);
}
