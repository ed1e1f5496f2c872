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

/* ---- Key/value tables (meta, settings) ---------------------------------- */

gchar *
_pt_store_kv_get (PtStore     *self,
                  const gchar *table,
                  const gchar *key)
{
  g_autofree gchar *sql = g_strdup_printf ("SELECT value FROM %s WHERE key = ?1", table);
  sqlite3_stmt *stmt = _pt_store_prepare (self, sql, NULL);
  gchar *value = NULL;

  if (stmt == NULL)
    return NULL;
  sqlite3_bind_text (stmt, 1, key, -1, SQLITE_TRANSIENT);
  if (sqlite3_step (stmt) == SQLITE_ROW && sqlite3_column_type (stmt, 0) != SQLITE_NULL)
    value = g_strdup ((const gchar *) sqlite3_column_text (stmt, 0));
  sqlite3_reset (stmt);
  return value;
}

gboolean
_pt_store_kv_set (PtStore      *self,
                  const gchar  *table,
                  const gchar  *key,
                  const gchar  *value,
                  GError      **error)
{
  g_autofree gchar *sql = NULL;
  sqlite3_stmt *stmt;
  int rc;

  if (value == NULL)
    sql = g_strdup_printf ("DELETE FROM %s WHERE key = ?1", table);
  else
    sql = g_strdup_printf ("INSERT INTO %s (key, value) VALUES (?1, ?2) "
                           "ON CONFLICT (key) DO UPDATE SET value = excluded.value", table);
  stmt = _pt_store_prepare (self, sql, error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_text (stmt, 1, key, -1, SQLITE_TRANSIENT);
  if (value != NULL)
    sqlite3_bind_text (stmt, 2, value, -1, SQLITE_TRANSIENT);
  rc = sqlite3_step (stmt);
  sqlite3_reset (stmt);
  return _pt_store_check_sqlite (self, rc, table, error);
}

gboolean
_pt_store_table_is_empty (PtStore      *self,
                          const gchar  *table,
                          gboolean     *empty,
                          GError      **error)
{
  g_autofree gchar *sql = g_strdup_printf ("SELECT 1 FROM \"%s\" LIMIT 1", table);
  sqlite3_stmt *stmt = _pt_store_prepare (self, sql, error);
  int rc;

  if (stmt == NULL)
    return FALSE;
  rc = sqlite3_step (stmt);
  sqlite3_reset (stmt);
  if (rc != SQLITE_ROW && rc != SQLITE_DONE)
    return _pt_store_set_sqlite_error (self, rc, "look at a table", error);
  *empty = rc == SQLITE_DONE;
  return TRUE;
}

gboolean
_pt_store_drop_table_derived (PtStore      *self,
                              const gchar  *table,
                              gboolean      indexes,
                              gboolean      triggers,
                              GError      **error)
{
  g_autoptr(GPtrArray) drops = g_ptr_array_new_with_free_func (g_free);
  sqlite3_stmt *stmt;
  int rc;

  stmt = _pt_store_prepare (self, "SELECT type, name FROM sqlite_master WHERE tbl_name = ?1 "
                                  "AND ((?2 AND type = 'index' AND sql IS NOT NULL) "
                                  "OR (?3 AND type = 'trigger'))", error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_text (stmt, 1, table, -1, SQLITE_STATIC);
  sqlite3_bind_int (stmt, 2, indexes);
  sqlite3_bind_int (stmt, 3, triggers);
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    g_ptr_array_add (drops, g_strdup_printf ("DROP %s IF EXISTS \"%s\"",
                                             strcmp ((const gchar *) sqlite3_column_text (stmt, 0),
                                                     "index") == 0 ? "INDEX" : "TRIGGER",
                                             (const gchar *) sqlite3_column_text (stmt, 1)));
  sqlite3_reset (stmt);
  if (rc != SQLITE_DONE)
    return _pt_store_set_sqlite_error (self, rc, "list indexes and triggers", error);
  for (guint i = 0; i < drops->len; i++)
    if (!_pt_store_exec (self, drops->pdata[i], error))
      return FALSE;
  return TRUE;
}

void
_pt_store_set_busy_timeout (PtStore *self,
                            gint     ms)
{
  g_return_if_fail (PT_IS_STORE (self));
  self->busy_ms = ms;
  sqlite3_busy_timeout (self->db, ms);
}

guint64
_pt_store_get_lock_waits (PtStore *self)
{
  g_return_val_if_fail (PT_IS_STORE (self), 0);
  return self->lock_waits;
}

/* ---- Transactions ------------------------------------------------------- */

/* One cached statement of transaction control (no results). */
static int
step_cached (PtStore     *self,
             const gchar *sql)
{
  sqlite3_stmt *stmt = _pt_store_prepare (self, sql, NULL);
  int rc;

  if (stmt == NULL)
    return sqlite3_errcode (self->db);
  rc = sqlite3_step (stmt);
  sqlite3_reset (stmt);
  return rc == SQLITE_DONE || rc == SQLITE_ROW ? SQLITE_OK : rc;
}

/* Savepoint names per depth, so their statements stay cached. */
static const gchar *
savepoint_sql (const gchar *verb,
               guint        depth,
               gchar       *buf,
               gsize        len)
{
  g_snprintf (buf, len, "%s pt_%u", verb, depth);
  return buf;
}

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

void
_pt_store_set_bulk (PtStore  *self,
                    gboolean  bulk)
{
  g_return_if_fail (PT_IS_STORE (self));
  self->bulk = bulk;
}

/* BEGIN IMMEDIATE takes the write lock.  SQLite's busy handler sleeps
 * longer and longer between checks (100 ms apart after the first quarter
 * second), and its lock is not fair: another connection that holds the
 * lock for long transactions and frees it for a few milliseconds between
 * them (a bulk import on another counter) starves such a waiter past any
 * timeout.  So the begin does not use the handler: it tries, and retries
 * after a jittered pause of a quarter to one and a quarter millisecond —
 * a few tries in every gap — until the store's busy timeout has passed.
 * The connection keeps the full timeout for every other statement. */
static gboolean
begin_immediate (PtStore  *self,
                 GError  **error)
{
  gint64 deadline = g_get_monotonic_time () + (gint64) self->busy_ms * 1000;
  guint attempts = 0;
  int rc;

  sqlite3_busy_timeout (self->db, 0);
  for (;;)
    {
      rc = step_cached (self, "BEGIN IMMEDIATE");
      attempts++;
      if (((rc & 0xff) != SQLITE_BUSY && (rc & 0xff) != SQLITE_LOCKED)
          || g_get_monotonic_time () >= deadline)
        break;
      g_usleep (g_random_int_range (PT_STORE_BEGIN_RETRY_MIN_US, PT_STORE_BEGIN_RETRY_MAX_US));
    }
  sqlite3_busy_timeout (self->db, self->busy_ms);
  if (attempts > 1)
    {
      self->lock_waits++;
      g_debug ("BEGIN IMMEDIATE: %u attempts, %s", attempts, sqlite3_errstr (rc));
    }
  if (rc != SQLITE_OK)
    return _pt_store_set_sqlite_error (self, rc, "begin", error);
  return TRUE;
}

gboolean
_pt_store_begin (PtStore  *self,
                 GError  **error)
{
  g_return_val_if_fail (PT_IS_STORE (self), FALSE);

  if (self->tx_depth == 0)
    {
      if (!begin_immediate (self, error))
        return FALSE;
      self->tx_local_change = FALSE;
      self->tx_poisoned = FALSE;
    }
  else if (self->bulk)
    {
      /* No savepoint (each one makes FTS5 flush its pending terms to a
       * new segment): remember how much was written, so that a rollback
       * of this level after a write fails the whole transaction instead
       * of leaving half an operation. */
      if (self->tx_depth < G_N_ELEMENTS (self->tx_changes))
        self->tx_changes[self->tx_depth] = sqlite3_total_changes64 (self->db);
    }
  else
    {
      gchar buf[32];
      int rc = step_cached (self, savepoint_sql ("SAVEPOINT", self->tx_depth, buf, sizeof buf));
      if (rc != SQLITE_OK)
        return _pt_store_set_sqlite_error (self, rc, "savepoint", error);
    }
  self->tx_depth++;
  return TRUE;
}

gboolean
_pt_store_commit (PtStore  *self,
                  GError  **error)
{
  int rc;

  g_return_val_if_fail (PT_IS_STORE (self), FALSE);
  g_return_val_if_fail (self->tx_depth > 0, FALSE);

  if (self->tx_depth > 1)
    {
      if (!self->bulk)
        {
          gchar buf[32];
          rc = step_cached (self, savepoint_sql ("RELEASE", self->tx_depth - 1, buf, sizeof buf));
          if (rc != SQLITE_OK)
            {
              _pt_store_rollback (self);
              return _pt_store_set_sqlite_error (self, rc, "release", error);
            }
        }
      self->tx_depth--;
      return TRUE;
    }

  if (self->tx_poisoned)
    {
      _pt_store_rollback (self);
      g_set_error_literal (error, PT_ERROR, PT_ERROR_FAILED,
                           _("A step of a bulk change failed half-way; the whole "
                             "change was undone."));
      return FALSE;
    }
  if (!_pt_store_flush_search (self, error) || !_pt_store_flush_stamp (self, error))
    {
      _pt_store_rollback (self);
      return FALSE;
    }
  rc = step_cached (self, "COMMIT");
  if (rc != SQLITE_OK)
    {
      _pt_store_rollback (self);
      return _pt_store_set_sqlite_error (self, rc, "commit", error);
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
      if (self->bulk)
        {
          guint level = self->tx_depth - 1;

          if (level >= G_N_ELEMENTS (self->tx_changes)
              || sqlite3_total_changes64 (self->db) != self->tx_changes[level])
            self->tx_poisoned = TRUE;
        }
      else
        {
          gchar buf[32];
          /* Fails only when SQLite already rolled the whole transaction
           * back (e.g. on SQLITE_FULL); the outer rollback then finds
           * none. */
          step_cached (self, savepoint_sql ("ROLLBACK TO", self->tx_depth - 1, buf, sizeof buf));
          step_cached (self, savepoint_sql ("RELEASE", self->tx_depth - 1, buf, sizeof buf));
        }
      self->tx_depth--;
      return;
    }
  if (!sqlite3_get_autocommit (self->db))
    step_cached (self, "ROLLBACK");
  _pt_store_drop_pending_search (self);
  self->bulk_stamp[0] = '\0';
  self->tx_depth = 0;
  self->tx_local_change = FALSE;
  self->tx_poisoned = FALSE;
}
