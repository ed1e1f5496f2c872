/* pt-store-session.c: device settings, who is acting (sign-in, roles)
 * and the store's status. */
#define G_LOG_DOMAIN "pt-store"
#include "config.h"

#include "pt-store-impl.h"

/* ---- Settings ----------------------------------------------------------- */

gchar *
pt_store_get_setting (PtStore     *self,
                      const gchar *key)
{
  g_return_val_if_fail (PT_IS_STORE (self), NULL);
  g_return_val_if_fail (key != NULL, NULL);

  return _pt_store_kv_get (self, "settings", key);
}

gboolean
pt_store_set_setting (PtStore     *self,
                      const gchar *key,
                      const gchar *value,
                      GError     **error)
{
  g_return_val_if_fail (PT_IS_STORE (self), FALSE);
  g_return_val_if_fail (key != NULL, FALSE);

  if (!_pt_store_begin (self, error))
    return FALSE;
  if (!_pt_store_kv_set (self, "settings", key, value, error))
    {
      _pt_store_rollback (self);
      return FALSE;
    }
  return _pt_store_commit (self, error);
}

/* The device's branch: the "pharmacy_id" setting, else the first live
 * pharmacy. */
gchar *
_pt_store_current_pharmacy (PtStore *self)
{
  g_autofree gchar *id = pt_store_get_setting (self, "pharmacy_id");
  sqlite3_stmt *stmt;
  gchar *first = NULL;

  if (id != NULL && pt_oid_is_valid (id))
    return g_steal_pointer (&id);
  stmt = _pt_store_prepare (self, "SELECT id FROM pharmacies WHERE deleted = 0 "
                                  "ORDER BY id LIMIT 1", NULL);
  if (stmt == NULL)
    return NULL;
  if (sqlite3_step (stmt) == SQLITE_ROW)
    first = g_strdup ((const gchar *) sqlite3_column_text (stmt, 0));
  sqlite3_reset (stmt);
  return first;
}

gchar *
pt_store_get_pharmacy_id (PtStore *self)
{
  g_return_val_if_fail (PT_IS_STORE (self), NULL);
  return _pt_store_current_pharmacy (self);
}

gboolean
pt_store_set_pharmacy_id (PtStore     *self,
                          const gchar *pharmacy_id,
                          GError     **error)
{
  g_autoptr(bson_t) pharmacy = NULL;

  g_return_val_if_fail (PT_IS_STORE (self), FALSE);

  pharmacy = pt_oid_is_valid (pharmacy_id)
             ? _pt_store_get_doc (self, "pharmacies", pharmacy_id) : NULL;
  if (pharmacy == NULL || pt_bson_get_bool (pharmacy, "deleted", FALSE))
    {
      g_set_error (error, PT_ERROR, PT_ERROR_NOT_FOUND,
                   _("There is no pharmacy with id “%s”."), pharmacy_id ? pharmacy_id : "");
      return FALSE;
    }
  return pt_store_set_setting (self, "pharmacy_id", pharmacy_id, error);
}

/* ---- Who is acting ------------------------------------------------------ */

static bson_t *
find_user_by_email (PtStore     *self,
                    const gchar *email)
{
  sqlite3_stmt *stmt;
  bson_t *doc = NULL;

  stmt = _pt_store_prepare (self, "SELECT doc FROM users WHERE email = ?1 AND deleted = 0 "
                                  "ORDER BY id LIMIT 1", NULL);
  if (stmt == NULL)
    return NULL;
  sqlite3_bind_text (stmt, 1, email, -1, SQLITE_TRANSIENT);
  if (sqlite3_step (stmt) == SQLITE_ROW)
    doc = bson_new_from_data (sqlite3_column_blob (stmt, 0),
                              (size_t) sqlite3_column_bytes (stmt, 0));
  sqlite3_reset (stmt);
  return doc;
}

static gboolean
become_user (PtStore      *self,
             const bson_t *user,
             GError      **error)
{
  const gchar *role_name = pt_bson_get_string (user, "role");
  PtRole role;

  if (!pt_bson_get_bool (user, "active", TRUE) || pt_bson_get_bool (user, "deleted", FALSE)
      || role_name == NULL || !pt_role_from_string (role_name, &role)
      || role == PT_ROLE_SYSTEM)
    {
      g_set_error (error, PT_ERROR, PT_ERROR_AUTH_FAILED,
                   _("This account is not active; ask an administrator."));
      return FALSE;
    }
  g_free (self->user_id);
  self->user_id = pt_bson_dup_oid_hex (user, "_id");
  self->role = role;
  return TRUE;
}

bson_t *
pt_store_sign_in (PtStore     *self,
                  const gchar *email,
                  const gchar *password,
                  GError     **error)
{
  g_autofree gchar *lower = NULL;
  g_autoptr(bson_t) user = NULL;
  const gchar *hash;

  g_return_val_if_fail (PT_IS_STORE (self), NULL);

  lower = g_utf8_strdown (email ? email : "", -1);
  user = find_user_by_email (self, lower);
  hash = user ? pt_bson_get_string (user, "passwordHash") : NULL;
  if (user == NULL || hash == NULL || password == NULL
      || !pt_password_verify (password, hash)
      || !pt_bson_get_bool (user, "active", TRUE))
    {
      if (user == NULL)
        /* The same work as a real check, so timing does not tell which
         * of the two was wrong. */
        pt_password_verify (password ? password : "",
                            "pbkdf2-sha256$1000$AAAAAAAAAAAAAAAAAAAAAA==$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=");
      g_set_error (error, PT_ERROR, PT_ERROR_AUTH_FAILED,
                   _("The e-mail address or the password is not right."));
      return NULL;
    }
  if (!become_user (self, user, error))
    return NULL;
  return g_steal_pointer (&user);
}

void
pt_store_act_as_system (PtStore *self)
{
  g_return_if_fail (PT_IS_STORE (self));
  g_clear_pointer (&self->user_id, g_free);
  self->role = PT_ROLE_SYSTEM;
}

gboolean
pt_store_act_as_user (PtStore     *self,
                      const gchar *user_id,
                      GError     **error)
{
  g_autoptr(bson_t) user = NULL;

  g_return_val_if_fail (PT_IS_STORE (self), FALSE);

  user = pt_oid_is_valid (user_id) ? _pt_store_get_doc (self, "users", user_id) : NULL;
  if (user == NULL)
    {
      g_set_error (error, PT_ERROR, PT_ERROR_NOT_FOUND,
                   _("There is no user with id “%s”."), user_id ? user_id : "");
      return FALSE;
    }
  return become_user (self, user, error);
}

PtRole
pt_store_get_role (PtStore *self)
{
  g_return_val_if_fail (PT_IS_STORE (self), PT_ROLE_CASHIER);
  return self->role;
}

const gchar *
pt_store_get_user_id (PtStore *self)
{
  g_return_val_if_fail (PT_IS_STORE (self), NULL);
  return self->user_id;
}

gboolean
pt_store_can (PtStore      *self,
              PtPermission  perm)
{
  g_return_val_if_fail (PT_IS_STORE (self), FALSE);
  return pt_role_can (self->role, perm);
}

/* ---- Status ------------------------------------------------------------- */

void
pt_store_status_free (PtStoreStatus *status)
{
  if (status == NULL)
    return;
  g_free (status->tenant_id);
  g_free (status->tenant_name);
  g_free (status->device_id);
  g_free (status->path);
  g_clear_pointer (&status->counts, g_hash_table_unref);
  g_free (status);
}

PtStoreStatus *
pt_store_get_status (PtStore *self,
                     GError **error)
{
  g_autoptr(PtStoreStatus) status = g_new0 (PtStoreStatus, 1);
  sqlite3_stmt *stmt;
  int rc;

  g_return_val_if_fail (PT_IS_STORE (self), NULL);

  _pt_store_load_tenant (self);
  status->tenant_id = g_strdup (self->tenant_id);
  status->tenant_name = g_strdup (self->tenant_name);
  status->device_id = g_strdup (self->device_id);
  status->path = g_strdup (self->path);
  status->schema_version = pt_store_get_schema_version (self);
  status->plan = self->plan;
  status->counts = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);

  stmt = _pt_store_prepare (self, "SELECT collection, live, bytes FROM doc_stats "
                                  "WHERE collection NOT IN ('" PT_STORE_OUTBOX_STATS "', '"
                                  PT_STORE_HLC_STATS "')", error);
  if (stmt == NULL)
    return NULL;
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      gint64 *live = g_new (gint64, 1);

      *live = sqlite3_column_int64 (stmt, 1);
      g_hash_table_insert (status->counts,
                           g_strdup ((const gchar *) sqlite3_column_text (stmt, 0)), live);
      status->storage_bytes += sqlite3_column_int64 (stmt, 2);
    }
  sqlite3_reset (stmt);
  if (rc != SQLITE_DONE)
    {
      _pt_store_set_sqlite_error (self, rc, "status", error);
      return NULL;
    }
  status->outbox_length = _pt_store_outbox_length (self);
  status->oldest_pending_ms = _pt_store_outbox_oldest_ms (self);
  status->storage_quota = pt_plan_storage_quota (self->plan);
  return g_steal_pointer (&status);
}
