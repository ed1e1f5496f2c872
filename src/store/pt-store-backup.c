/* pt-store-backup.c: online backup (sqlite3_backup) and restore. */
#define G_LOG_DOMAIN "pt-store"
#include "config.h"

#include <errno.h>
#include <glib/gstdio.h>

#include "pt-store-impl.h"

static gboolean
set_file_error (int          rc,
                sqlite3     *db,
                const gchar *path,
                const gchar *what,
                GError     **error)
{
  int primary = rc & 0xff;
  int sys_errno = db ? sqlite3_system_errno (db) : 0;

  g_debug ("%s %s: SQLite %d (%s): %s", what, path, rc, sqlite3_errstr (rc),
           db ? sqlite3_errmsg (db) : "");
  if (primary == SQLITE_FULL || sys_errno == ENOSPC)
    g_set_error (error, PT_ERROR, PT_ERROR_DISK_FULL,
                 _("The disk is full: “%s” could not be written. Free some space "
                   "and try again."), path);
  else if (primary == SQLITE_READONLY || primary == SQLITE_PERM || primary == SQLITE_CANTOPEN
           || sys_errno == EACCES || sys_errno == EROFS)
    g_set_error (error, PT_ERROR, PT_ERROR_READ_ONLY,
                 _("“%s” cannot be written; choose a folder you may write to."), path);
  else if (primary == SQLITE_NOTADB || primary == SQLITE_CORRUPT)
    g_set_error (error, PT_ERROR, PT_ERROR_CORRUPT,
                 _("The file “%s” is damaged or is not a PharmaTrack backup."), path);
  else if (primary == SQLITE_BUSY || primary == SQLITE_LOCKED)
    g_set_error (error, PT_ERROR, PT_ERROR_BUSY,
                 _("The pharmacy data is in use by another program; close it and "
                   "try again."));
  else
    g_set_error (error, PT_ERROR, PT_ERROR_IO,
                 _("“%s” could not be read or written; check the disk."), path);
  return FALSE;
}

/* Copies all of @src into @dest in one step. */
static int
copy_database (sqlite3 *dest,
               sqlite3 *src)
{
  sqlite3_backup *backup = sqlite3_backup_init (dest, "main", src, "main");
  int rc;

  if (backup == NULL)
    return sqlite3_errcode (dest);
  do
    {
      rc = sqlite3_backup_step (backup, -1);
      if (rc == SQLITE_BUSY || rc == SQLITE_LOCKED)
        g_usleep (20 * 1000);
    }
  while (rc == SQLITE_OK || rc == SQLITE_BUSY || rc == SQLITE_LOCKED);
  if (rc == SQLITE_DONE)
    rc = SQLITE_OK;
  sqlite3_backup_finish (backup);
  if (rc == SQLITE_OK)
    rc = sqlite3_errcode (dest);
  return rc;
}

gboolean
pt_store_backup (PtStore     *self,
                 const gchar *path,
                 GError     **error)
{
  g_autofree gchar *partial = NULL;
  sqlite3 *dest = NULL;
  int rc;

  g_return_val_if_fail (PT_IS_STORE (self), FALSE);
  g_return_val_if_fail (path != NULL, FALSE);

  if (!pt_role_check (self->role, PT_PERM_BACKUP_RESTORE, error))
    return FALSE;
  if (g_file_test (path, G_FILE_TEST_EXISTS))
    {
      g_set_error (error, PT_ERROR, PT_ERROR_EXISTS,
                   _("“%s” already exists; choose another file name for the backup."), path);
      return FALSE;
    }

  /* Written beside the target, then renamed: a backup file is complete or
   * absent. */
  partial = g_strconcat (path, ".partial", NULL);
  g_unlink (partial);
  rc = sqlite3_open_v2 (partial, &dest, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL);
  if (rc == SQLITE_OK)
    rc = copy_database (dest, self->db);
  /* A single self-contained file, not a WAL database. */
  if (rc == SQLITE_OK)
    rc = sqlite3_exec (dest, "PRAGMA journal_mode = DELETE", NULL, NULL, NULL);
  if (rc != SQLITE_OK)
    {
      set_file_error (rc, dest, path, "backup", error);
      sqlite3_close_v2 (dest);
      g_unlink (partial);
      return FALSE;
    }
  sqlite3_close_v2 (dest);
  if (g_rename (partial, path) != 0)
    {
      int saved = errno;
      g_unlink (partial);
      g_set_error (error, PT_ERROR, saved == ENOSPC ? PT_ERROR_DISK_FULL : PT_ERROR_IO,
                   _("The backup “%s” could not be written: %s."), path, g_strerror (saved));
      return FALSE;
    }
  return TRUE;
}

/* meta values of a store file read through a read-only connection. */
static gchar *
read_meta (const gchar *path,
           const gchar *key)
{
  sqlite3 *db = NULL;
  sqlite3_stmt *stmt = NULL;
  gchar *value = NULL;

  if (sqlite3_open_v2 (path, &db, SQLITE_OPEN_READONLY, NULL) == SQLITE_OK
      && sqlite3_prepare_v2 (db, "SELECT value FROM meta WHERE key = ?1", -1, &stmt, NULL) == SQLITE_OK)
    {
      sqlite3_bind_text (stmt, 1, key, -1, SQLITE_STATIC);
      if (sqlite3_step (stmt) == SQLITE_ROW && sqlite3_column_type (stmt, 0) != SQLITE_NULL)
        value = g_strdup ((const gchar *) sqlite3_column_text (stmt, 0));
    }
  sqlite3_finalize (stmt);
  sqlite3_close_v2 (db);
  return value;
}

gboolean
pt_store_restore (const gchar *data_dir,
                  const gchar *path,
                  GError     **error)
{
  g_autofree gchar *dir = pt_store_resolve_data_dir (data_dir);
  g_autofree gchar *backup_tenant = NULL;
  g_autofree gchar *target = NULL;
  g_autofree gchar *device_id = NULL;
  g_autofree gchar *hlc = NULL;
  g_autoptr(PtStore) existing = NULL;
  g_autoptr(PtStore) reopened = NULL;
  sqlite3 *src = NULL;
  sqlite3 *dest = NULL;
  gint version = 0;
  int rc;

  g_return_val_if_fail (path != NULL, FALSE);

  if (!_pt_store_identify_file (path, &version, error))
    return FALSE;
  backup_tenant = version > 0 ? read_meta (path, "tenant_id") : NULL;
  if (backup_tenant == NULL || !pt_oid_is_valid (backup_tenant))
    {
      g_set_error (error, PT_ERROR, PT_ERROR_CORRUPT,
                   _("The file “%s” is not a PharmaTrack backup."), path);
      return FALSE;
    }

  if (pt_store_exists (dir))
    {
      existing = pt_store_open (dir, error);
      if (existing == NULL)
        return FALSE;
      if (g_strcmp0 (existing->tenant_id, backup_tenant) != 0)
        {
          g_set_error (error, PT_ERROR, PT_ERROR_FOREIGN_TENANT,
                       _("The backup “%s” belongs to another organisation (%s); this "
                         "data folder holds %s. Nothing was changed."),
                       path, backup_tenant, existing->tenant_id);
          return FALSE;
        }
      /* This device keeps its identity and its clock never goes back. */
      device_id = g_strdup (existing->device_id);
      hlc = _pt_store_noted_stamp (existing);
      target = g_strdup (existing->path);
      g_clear_object (&existing);
    }
  else
    {
      g_autofree gchar *base = g_strdup_printf ("tenant-%s.db", backup_tenant);
      if (g_mkdir_with_parents (dir, 0700) != 0)
        {
          int saved = errno;
          g_set_error (error, PT_ERROR, saved == ENOSPC ? PT_ERROR_DISK_FULL : PT_ERROR_READ_ONLY,
                       _("The data folder %s cannot be created: %s."), dir, g_strerror (saved));
          return FALSE;
        }
      target = g_build_filename (dir, base, NULL);
      /* A new device: a new device id, so two counters never share one. */
      device_id = pt_device_id_new ();
    }

  rc = sqlite3_open_v2 (path, &src, SQLITE_OPEN_READONLY, NULL);
  if (rc != SQLITE_OK)
    {
      set_file_error (rc, src, path, "restore source", error);
      sqlite3_close_v2 (src);
      return FALSE;
    }
  rc = sqlite3_open_v2 (target, &dest, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL);
  if (rc == SQLITE_OK)
    {
      sqlite3_busy_timeout (dest, PT_STORE_DEFAULT_BUSY_MS);
      rc = copy_database (dest, src);
    }
  sqlite3_close_v2 (src);
  if (rc == SQLITE_OK)
    rc = sqlite3_exec (dest, "PRAGMA journal_mode = WAL; BEGIN IMMEDIATE", NULL, NULL, NULL);
  if (rc == SQLITE_OK)
    {
      sqlite3_stmt *stmt = NULL;

      rc = sqlite3_prepare_v2 (dest, "INSERT INTO meta (key, value) VALUES (?1, ?2) "
                                     "ON CONFLICT (key) DO UPDATE SET value = excluded.value "
                                     "WHERE ?1 = 'device_id' OR excluded.value > meta.value",
                               -1, &stmt, NULL);
      if (rc == SQLITE_OK)
        {
          sqlite3_bind_text (stmt, 1, "device_id", -1, SQLITE_STATIC);
          sqlite3_bind_text (stmt, 2, device_id, -1, SQLITE_STATIC);
          rc = sqlite3_step (stmt) == SQLITE_DONE ? SQLITE_OK : sqlite3_errcode (dest);
        }
      if (rc == SQLITE_OK && hlc != NULL && version < 6)
        {
          /* An older backup keeps the mark in meta; its migration to
           * version 6 at the reopen below moves it. */
          sqlite3_reset (stmt);
          sqlite3_bind_text (stmt, 1, "hlc", -1, SQLITE_STATIC);
          sqlite3_bind_text (stmt, 2, hlc, -1, SQLITE_STATIC);
          rc = sqlite3_step (stmt) == SQLITE_DONE ? SQLITE_OK : sqlite3_errcode (dest);
        }
      sqlite3_finalize (stmt);
      if (rc == SQLITE_OK && hlc != NULL && version >= 6)
        {
          g_autofree gchar *mark = g_strndup (hlc, 16);
          g_autofree gchar *sql = g_strdup_printf (
            "INSERT INTO doc_stats (collection, total) VALUES ('" PT_STORE_HLC_STATS "', %"
            G_GINT64_FORMAT ") ON CONFLICT (collection) DO UPDATE "
            "SET total = max(total, excluded.total)",
            (gint64) g_ascii_strtoull (mark, NULL, 16));

          rc = sqlite3_exec (dest, sql, NULL, NULL, NULL);
        }
      rc = sqlite3_exec (dest, rc == SQLITE_OK ? "COMMIT" : "ROLLBACK", NULL, NULL, NULL) == SQLITE_OK
           ? rc : sqlite3_errcode (dest);
    }
  if (rc != SQLITE_OK)
    {
      set_file_error (rc, dest, target, "restore", error);
      sqlite3_close_v2 (dest);
      return FALSE;
    }
  sqlite3_close_v2 (dest);

  /* Opening runs the migrations of an older backup and checks it. */
  reopened = pt_store_open (dir, error);
  return reopened != NULL;
}
