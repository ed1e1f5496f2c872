/* pt-store-rules.c: what a local mutation must respect beyond the
 * schema — the acting role's permissions and unique fields. */
#define G_LOG_DOMAIN "pt-store"
#include "config.h"

#include "pt-store-impl.h"

/* ---- Permissions -------------------------------------------------------- */

gboolean
_pt_store_check_permission (PtStore            *self,
                  const PtCollection *c,
                  const bson_t       *old,
                  const bson_t       *doc,
                  const gchar * const *changed,
                  GError            **error)
{
  const gchar *name = c->name;
  gboolean deleting = doc && pt_bson_get_bool (doc, "deleted", FALSE)
                      && !(old && pt_bson_get_bool (old, "deleted", FALSE));

  if (g_str_equal (name, "tenants"))
    return pt_role_check (self->role, PT_PERM_MANAGE_TENANT, error);
  if (g_str_equal (name, "users"))
    return pt_role_check (self->role, PT_PERM_MANAGE_USERS, error);
  if (g_str_equal (name, "pharmacies"))
    return pt_role_check (self->role, PT_PERM_MANAGE_PHARMACIES, error);
  if (g_str_equal (name, "batches"))
    return pt_role_check (self->role, PT_PERM_RECEIVE_STOCK, error);
  if (g_str_equal (name, "patients"))
    return pt_role_check (self->role, PT_PERM_EDIT_PATIENTS, error);
  if (g_str_equal (name, "medicines"))
    {
      gboolean price = FALSE, other = old == NULL;

      for (guint i = 0; changed && changed[i]; i++)
        {
          if (g_str_equal (changed[i], "price") || g_str_equal (changed[i], "taxRate"))
            price = TRUE;
          else
            other = TRUE;
        }
      if (other && !pt_role_check (self->role, PT_PERM_EDIT_MEDICINE, error))
        return FALSE;
      if (price && old != NULL && !pt_role_check (self->role, PT_PERM_EDIT_PRICE, error))
        return FALSE;
      return TRUE;
    }
  if (g_str_equal (name, "prescriptions"))
    {
      const gchar *from = old ? pt_bson_get_string (old, "status") : NULL;
      const gchar *to = pt_bson_get_string (doc, "status");
      gboolean billing = FALSE, other = FALSE;

      if (deleting)
        return pt_role_check (self->role, PT_PERM_CANCEL_PRESCRIPTION, error);
      if (old == NULL)
        return pt_role_check (self->role, PT_PERM_CREATE_PRESCRIPTION, error)
               && pt_role_check_rx_transition (self->role, NULL, to, error);
      for (guint i = 0; changed && changed[i]; i++)
        {
          if (g_str_equal (changed[i], "billing"))
            billing = TRUE;
          else if (!g_str_equal (changed[i], "status"))
            other = TRUE;
        }
      if (g_strcmp0 (from, to) != 0)
        {
          /* Dispensing and cancelling move stock: they go through
           * pt_store_dispense / pt_store_cancel_prescription. */
          if (g_strcmp0 (to, "dispensed") == 0 || g_strcmp0 (to, "cancelled") == 0)
            {
              g_set_error (error, PT_ERROR, PT_ERROR_INVALID_TRANSITION,
                           g_strcmp0 (to, "dispensed") == 0
                           ? _("A prescription is marked dispensed by dispensing it, "
                               "which also takes the stock.")
                           : _("A prescription is cancelled with “cancel”, which also "
                               "returns its stock."));
              return FALSE;
            }
          if (!pt_role_check_rx_transition (self->role, from, to, error))
            return FALSE;
        }
      if (billing && !pt_role_check (self->role, PT_PERM_TAKE_PAYMENT, error))
        return FALSE;
      if (other && !pt_role_check (self->role, PT_PERM_CREATE_PRESCRIPTION, error))
        return FALSE;
      return TRUE;
    }
  if (c->kind == PT_COLLECTION_INSERT_ONLY)
    {
      g_set_error (error, PT_ERROR, PT_ERROR_PERMISSION_DENIED,
                   g_str_equal (name, "stock_movements")
                   ? _("Stock movements are written by receiving, adjusting, "
                       "dispensing and writing off stock, never directly.")
                   : _("The audit log is written by the app itself, never directly."));
      return FALSE;
    }
  return TRUE;
}

/* Unique-per-tenant fields among live documents (e.g. a barcode). */
gboolean
_pt_store_check_unique (PtStore            *self,
              const PtCollection *c,
              const gchar        *id,
              const bson_t       *doc,
              GError            **error)
{
  const PtCollectionInfo *info = _pt_store_collection_info (c);
  GPtrArray *cols = info->cols;

  for (guint i = 0; i < cols->len; i++)
    {
      const PtField *f = cols->pdata[i];
      const gchar *col = info->col_names->pdata[i];
      g_autofree gchar *sql = NULL;
      const gchar *value;
      sqlite3_stmt *stmt;
      gboolean taken;

      if (!(f->flags & PT_FIELD_FLAG_UNIQUE) || f->type != PT_FIELD_STRING)
        continue;
      value = pt_bson_get_string (doc, f->name);
      if (value == NULL || *value == '\0')
        continue;
      sql = g_strdup_printf ("SELECT 1 FROM \"%s\" WHERE \"%s\" = ?1 AND +deleted = 0 "
                             "AND +id != ?2 LIMIT 1", c->name, col);
      stmt = _pt_store_prepare (self, sql, error);
      if (stmt == NULL)
        return FALSE;
      sqlite3_bind_text (stmt, 1, value, -1, SQLITE_TRANSIENT);
      sqlite3_bind_text (stmt, 2, id, -1, SQLITE_TRANSIENT);
      taken = sqlite3_step (stmt) == SQLITE_ROW;
      sqlite3_reset (stmt);
      if (taken)
        {
          g_set_error (error, PT_ERROR, PT_ERROR_EXISTS,
                       _("%s “%s” is already used by another entry (%s)."),
                       _(f->label), value, f->name);
          return FALSE;
        }
    }
  return TRUE;
}

