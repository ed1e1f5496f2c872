/* pt-store-db.c: the SQLite layer — statements, transactions, errors. */
#define G_LOG_DOMAIN "pt-store"
#include "config.h"

#include <errno.h>
#include <string.h>

#include "pt-store-impl.h"

/* ---- Statements --------------------------------------------------------- */

sqlite3 *
_pt_store_get_db (PtStore *self)
{
  g_return_val_if_fail (PT_IS_STORE (self), NULL);
  return self->db;
}

sqlite3_stmt *
_pt_store_prepare (PtStore      *self,
                   const gchar  *sql,
                   GError      **error)
{
  sqlite3_stmt *stmt;
  int rc;

  stmt = g_hash_table_lookup (self->stmts, sql);
  if (stmt != NULL)
    {
      sqlite3_reset (stmt);
      sqlite3_clear_bindings (stmt);
      return stmt;
    }
  rc = sqlite3_prepare_v3 (self->db, sql, -1, SQLITE_PREPARE_PERSISTENT,
                           &stmt, NULL);
  if (rc != SQLITE_OK)
    {
      g_debug ("prepare failed for: %s", sql);
      _pt_store_set_sqlite_error (self, rc, "prepare", error);
      return NULL;
    }
  g_hash_table_insert (self->stmts, g_strdup (sql), stmt);
  return stmt;
}

gboolean
_pt_store_exec (PtStore      *self,
                const gchar  *sql,
                GError      **error)
{
  int rc = sqlite3_exec (self->db, sql, NULL, NULL, NULL);

  if (rc != SQLITE_OK)
    {
      g_debug ("exec failed for: %.200s", sql);
      return _pt_store_set_sqlite_error (self, rc, "exec", error);
    }
  return TRUE;
}

gboolean
_pt_store_set_sqlite_error (PtStore      *self,
                            int           rc,
                            const gchar  *what,
                            GError      **error)
{
  const gchar *path = self && self->path ? self->path : "?";
  int sys_errno = self && self->db ? sqlite3_system_errno (self->db) : 0;
  int primary = rc & 0xff;

  g_debug ("SQLite error %d (%s) during %s on %s: %s (errno %d)",
           rc, sqlite3_errstr (rc), what ? what : "?", path,
           self && self->db ? sqlite3_errmsg (self->db) : "", sys_errno);

  if (primary == SQLITE_FULL
      || (primary == SQLITE_IOERR && (sys_errno == ENOSPC || sys_errno == EDQUOT)))
    g_set_error (error, PT_ERROR, PT_ERROR_DISK_FULL,
                 _("The disk is full; free some space and try again. "
                   "Nothing was saved."));
  else if (primary == SQLITE_READONLY || primary == SQLITE_PERM
           || sys_errno == EACCES || sys_errno == EROFS || sys_errno == EPERM)
    g_set_error (error, PT_ERROR, PT_ERROR_READ_ONLY,
                 _("The pharmacy data in “%s” cannot be written: the file or "
                   "its folder is read-only. Check the folder’s permissions."),
                 path);
  else if (primary == SQLITE_CORRUPT || primary == SQLITE_NOTADB)
    g_set_error (error, PT_ERROR, PT_ERROR_CORRUPT,
                 _("The file “%s” is damaged or is not a PharmaTrack store. "
                   "It was left untouched; restore a backup or choose "
                   "another data folder."), path);
  else if (primary == SQLITE_BUSY || primary == SQLITE_LOCKED)
    g_set_error (error, PT_ERROR, PT_ERROR_BUSY,
                 _("Another program kept the pharmacy data busy for too "
                   "long; nothing was changed. Try again in a moment."));
  else if (primary == SQLITE_IOERR || primary == SQLITE_CANTOPEN)
    g_set_error (error, PT_ERROR, PT_ERROR_IO,
                 _("The pharmacy data in “%s” could not be read or written. "
                   "Check the disk; nothing was changed."), path);
  else if (primary == SQLITE_NOMEM)
    g_set_error (error, PT_ERROR, PT_ERROR_FAILED,
                 _("The computer ran out of memory; nothing was changed."));
  else
    g_set_error (error, PT_ERROR, PT_ERROR_FAILED,
                 _("The change could not be saved because of an internal "
                   "error; nothing was changed."));
  return FALSE;
}

gboolean
_pt_store_check_sqlite (PtStore      *self,
                        int           rc,
                        const gchar  *what,
                        GError      **error)
{
  if (rc == SQLITE_OK || rc == SQLITE_DONE || rc == SQLITE_ROW)
    return TRUE;
  return _pt_store_set_sqlite_error (self, rc, what, error);
}

/* First column of the first row as an integer; @fallback when no row or on
 * error.  @text_arg (may be NULL) is bound to ?1. */
gint64
_pt_store_query_int (PtStore      *self,
                     const gchar  *sql,
                     const gchar  *text_arg,
                     gint64        fallback)
{
  sqlite3_stmt *stmt = _pt_store_prepare (self, sql, NULL);
  gint64 result = fallback;

  if (stmt == NULL)
    return fallback;
  if (text_arg != NULL)
    sqlite3_bind_text (stmt, 1, text_arg, -1, SQLITE_TRANSIENT);
  if (sqlite3_step (stmt) == SQLITE_ROW
      && sqlite3_column_type (stmt, 0) != SQLITE_NULL)
    result = sqlite3_column_int64 (stmt, 0);
  sqlite3_reset (stmt);
  return result;
}

void
_pt_store_set_busy_timeout (PtStore *self,
                            gint     ms)
{
  g_return_if_fail (PT_IS_STORE (self));
  sqlite3_busy_timeout (self->db, ms);
}

/* ---- Transactions ------------------------------------------------------- */

gboolean
_pt_store_in_transaction (PtStore *self)
{
  return self->tx_depth > 0;
}

void
_pt_store_mark_local_change (PtStore *self)
{
  self->tx_local_change = TRUE;
}

gboolean
_pt_store_begin (PtStore  *self,
                 GError  **error)
{
  g_return_val_if_fail (PT_IS_STORE (self), FALSE);

  if (self->tx_depth == 0)
    {
      if (!_pt_store_exec (self, "BEGIN IMMEDIATE", error))
        return FALSE;
      self->tx_local_change = FALSE;
    }
  else
    {
      g_autofree gchar *sql = g_strdup_printf ("SAVEPOINT pt_%u", self->tx_depth);
      if (!_pt_store_exec (self, sql, error))
        return FALSE;
    }
  self->tx_depth++;
  return TRUE;
}

gboolean
_pt_store_commit (PtStore  *self,
                  GError  **error)
{
  g_return_val_if_fail (PT_IS_STORE (self), FALSE);
  g_return_val_if_fail (self->tx_depth > 0, FALSE);

  if (self->tx_depth > 1)
    {
      g_autofree gchar *sql = g_strdup_printf ("RELEASE pt_%u", self->tx_depth - 1);
      if (!_pt_store_exec (self, sql, error))
        {
          _pt_store_rollback (self);
          return FALSE;
        }
      self->tx_depth--;
      return TRUE;
    }

  if (!_pt_store_exec (self, "COMMIT", error))
    {
      _pt_store_rollback (self);
      return FALSE;
    }
  self->tx_depth = 0;
  self->commits++;
  if (self->tx_local_change)
    {
      self->tx_local_change = FALSE;
      _pt_store_emit_committed (self);
    }
  return TRUE;
}

void
_pt_store_rollback (PtStore *self)
{
  g_return_if_fail (PT_IS_STORE (self));
  g_return_if_fail (self->tx_depth > 0);

  if (self->tx_depth > 1)
    {
      g_autofree gchar *sql = g_strdup_printf ("ROLLBACK TO pt_%u; RELEASE pt_%u",
                                               self->tx_depth - 1, self->tx_depth - 1);
      /* Fails only when SQLite already rolled the whole transaction back
       * (e.g. on SQLITE_FULL); the outer rollback then finds none. */
      sqlite3_exec (self->db, sql, NULL, NULL, NULL);
      self->tx_depth--;
      return;
    }
  if (!sqlite3_get_autocommit (self->db))
    sqlite3_exec (self->db, "ROLLBACK", NULL, NULL, NULL);
  self->tx_depth = 0;
  self->tx_local_change = FALSE;
}

