/* pt-store.c: PtStore — opening and creating a tenant's store, who is
 * acting, device settings and status. */
#define G_LOG_DOMAIN "pt-store"
#include "config.h"

#include <errno.h>
#include <string.h>
#include <unistd.h>
#include <glib/gstdio.h>

#include "pt-store-impl.h"

enum
{
  SIGNAL_COMMITTED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

G_DEFINE_FINAL_TYPE (PtStore, pt_store, G_TYPE_OBJECT)

static void
pt_store_finalize (GObject *object)
{
  PtStore *self = PT_STORE (object);

  g_clear_pointer (&self->rows, g_array_unref);
  g_clear_pointer (&self->rows_key, g_free);
  g_clear_pointer (&self->stmts, g_hash_table_unref);
  g_clear_pointer (&self->fts_pending, g_hash_table_unref);
  if (self->db != NULL)
    {
      if (self->tx_depth > 0)
        sqlite3_exec (self->db, "ROLLBACK", NULL, NULL, NULL);
      sqlite3_close_v2 (self->db);
      self->db = NULL;
    }
  g_clear_pointer (&self->clock, pt_hlc_unref);
  g_free (self->data_dir);
  g_free (self->path);
  g_free (self->tenant_id);
  g_free (self->device_id);
  g_free (self->user_id);
  g_free (self->tenant_name);
  g_free (self->currency);

  G_OBJECT_CLASS (pt_store_parent_class)->finalize (object);
}

static void
pt_store_class_init (PtStoreClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = pt_store_finalize;

  /* Emitted after every successful local mutation, on the committing
   * thread; the sync engine pushes at once. */
  signals[SIGNAL_COMMITTED] =
    g_signal_new ("committed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 0);
}

static void
pt_store_init (PtStore *self)
{
  self->stmts = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                       (GDestroyNotify) sqlite3_finalize);
  self->role = PT_ROLE_SYSTEM;
  self->plan = PT_PLAN_STARTER;
  self->currency = g_strdup ("EUR");
}

void
_pt_store_emit_committed (PtStore *self)
{
  g_signal_emit (self, signals[SIGNAL_COMMITTED], 0);
}

/* ---- Finding the file --------------------------------------------------- */

gchar *
pt_store_resolve_data_dir (const gchar *dir)
{
  const gchar *env;

  if (dir != NULL && *dir != '\0')
    return g_strdup (dir);
  env = g_getenv ("PHARMATRACK_DATA_DIR");
  if (env != NULL && *env != '\0')
    return g_strdup (env);
  return g_build_filename (g_get_user_data_dir (), "pharmatrack", NULL);
}

static gboolean
is_store_file_name (const gchar *name)
{
  gsize len = strlen (name);

  /* tenant-<24 hex>.db */
  return len == 7 + 24 + 3 && g_str_has_prefix (name, "tenant-")
         && g_str_has_suffix (name, ".db")
         && strspn (name + 7, "0123456789abcdef") == 24;
}

static gint
compare_paths (gconstpointer a,
               gconstpointer b)
{
  return g_strcmp0 (*(const gchar * const *) a, *(const gchar * const *) b);
}

/* The store files in @data_dir (sorted). */
static GPtrArray *
list_store_files (const gchar *data_dir)
{
  GPtrArray *out = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GDir) dir = g_dir_open (data_dir, 0, NULL);
  const gchar *name;

  if (dir == NULL)
    return out;
  while ((name = g_dir_read_name (dir)) != NULL)
    if (is_store_file_name (name))
      g_ptr_array_add (out, g_build_filename (data_dir, name, NULL));
  g_ptr_array_sort (out, compare_paths);
  return out;
}

gboolean
pt_store_exists (const gchar *data_dir)
{
  g_autofree gchar *dir = pt_store_resolve_data_dir (data_dir);
  g_autoptr(GPtrArray) files = list_store_files (dir);

  return files->len > 0;
}

static gchar *
store_file_name (const gchar *data_dir,
                 const gchar *tenant_id)
{
  g_autofree gchar *base = g_strdup_printf ("tenant-%s.db", tenant_id);
  return g_build_filename (data_dir, base, NULL);
}

static gchar *
tenant_id_from_path (const gchar *path)
{
  g_autofree gchar *base = g_path_get_basename (path);

  if (!is_store_file_name (base))
    return NULL;
  return g_strndup (base + 7, 24);
}

/* ---- Identifying a file without changing it ----------------------------- */

static gboolean
refuse_file (const gchar *path,
             const gchar *why,
             GError     **error)
{
  g_debug ("refusing %s: %s", path, why);
  g_set_error (error, PT_ERROR, PT_ERROR_CORRUPT,
               _("The file “%s” is not a PharmaTrack store or is damaged; it "
                 "was left untouched. Restore a backup or choose another data "
                 "folder."), path);
  return FALSE;
}

/* Reads the SQLite header and the schema through a read-only connection,
 * which never writes the file: a file that is not SQLite, a SQLite file
 * of another program, or a store of a newer version is refused.
 * *@version gets the schema version (0 = a new, empty file). */
gboolean
_pt_store_identify_file (const gchar *path,
                         gint        *version,
                         GError     **error)
{
  GStatBuf sb;
  sqlite3 *db = NULL;
  sqlite3_stmt *stmt = NULL;
  gint64 app_id = -1, user_version = -1, n_objects = -1;
  int rc;

  /* Never open() the file ourselves: closing that descriptor would drop
   * the POSIX locks every SQLite connection of this process holds on it
   * (the sync worker opens a store while the GUI's is open), and another
   * process closing the last connection it sees would then checkpoint and
   * delete the WAL under them.  SQLite reads the header itself: a file
   * that is not SQLite fails with SQLITE_NOTADB, an empty one is an empty
   * database. */
  if (g_stat (path, &sb) != 0)
    {
      int saved = errno;
      if (saved == ENOENT)
        {
          g_set_error (error, PT_ERROR, PT_ERROR_NOT_FOUND,
                       _("There is no pharmacy data in “%s”."), path);
          return FALSE;
        }
      g_set_error (error, PT_ERROR, saved == EACCES ? PT_ERROR_READ_ONLY : PT_ERROR_IO,
                   _("The pharmacy data in “%s” cannot be opened: %s."),
                   path, g_strerror (saved));
      return FALSE;
    }
  if (g_access (path, R_OK) != 0)
    {
      int saved = errno;
      g_set_error (error, PT_ERROR, saved == EACCES ? PT_ERROR_READ_ONLY : PT_ERROR_IO,
                   _("The pharmacy data in “%s” cannot be opened: %s."),
                   path, g_strerror (saved));
      return FALSE;
    }

  *version = 0;
  if (sb.st_size == 0)
    return TRUE;                /* an empty file: a store not yet set up */

  rc = sqlite3_open_v2 (path, &db, SQLITE_OPEN_READONLY | SQLITE_OPEN_EXRESCODE, NULL);
  /* Another process may be writing (or recovering the WAL): wait for it
   * like the main connection does instead of failing at once. */
  if (rc == SQLITE_OK)
    sqlite3_busy_timeout (db, PT_STORE_DEFAULT_BUSY_MS);
  if (rc == SQLITE_OK)
    rc = sqlite3_prepare_v2 (db, "SELECT (SELECT application_id FROM pragma_application_id), "
                                 "(SELECT user_version FROM pragma_user_version), "
                                 "(SELECT count(*) FROM sqlite_master)", -1, &stmt, NULL);
  if (rc == SQLITE_OK && (rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      app_id = sqlite3_column_int64 (stmt, 0);
      user_version = sqlite3_column_int64 (stmt, 1);
      n_objects = sqlite3_column_int64 (stmt, 2);
      rc = SQLITE_OK;
    }
  sqlite3_finalize (stmt);
  sqlite3_close_v2 (db);

  if (rc != SQLITE_OK)
    {
      if ((rc & 0xff) == SQLITE_BUSY)
        {
          g_set_error (error, PT_ERROR, PT_ERROR_BUSY,
                       _("Another program kept the pharmacy data busy for too "
                         "long; try again in a moment."));
          return FALSE;
        }
      if ((rc & 0xff) == SQLITE_CANTOPEN || (rc & 0xff) == SQLITE_READONLY
          || (rc & 0xff) == SQLITE_PERM)
        {
          g_set_error (error, PT_ERROR, PT_ERROR_READ_ONLY,
                       _("The pharmacy data in “%s” cannot be opened: the file "
                         "or its folder is not accessible. Check the folder’s "
                         "permissions."), path);
          return FALSE;
        }
      return refuse_file (path, sqlite3_errstr (rc), error);
    }
  if (app_id == 0 && user_version == 0 && n_objects == 0)
    return TRUE;                /* SQLite file, nothing in it yet */
  if (app_id != PT_STORE_APPLICATION_ID)
    return refuse_file (path, "application_id is not PharmaTrack's", error);
  if (user_version > PT_STORE_SCHEMA_VERSION)
    {
      g_set_error (error, PT_ERROR, PT_ERROR_CORRUPT,
                   _("The file “%s” was written by a newer version of "
                     "PharmaTrack (data version %d; this one knows up to %d). "
                     "It was left untouched; update PharmaTrack to open it."),
                   path, (gint) user_version, PT_STORE_SCHEMA_VERSION);
      return FALSE;
    }
  *version = (gint) user_version;
  return TRUE;
}

/* ---- Opening ------------------------------------------------------------ */

static gboolean
check_writable (const gchar *data_dir,
                const gchar *path,
                GError     **error)
{
  if (g_access (data_dir, W_OK | X_OK) != 0
      || (g_file_test (path, G_FILE_TEST_EXISTS) && g_access (path, W_OK | R_OK) != 0))
    {
      g_set_error (error, PT_ERROR, PT_ERROR_READ_ONLY,
                   _("The pharmacy data in “%s” cannot be written: the file or "
                     "its folder is read-only. Check the folder’s permissions."),
                   path);
      return FALSE;
    }
  return TRUE;
}

/* Opens the SQLite connection of @self->path (creating the file when
 * @create) with the store's settings, migrates it and loads identity. */
static gboolean
open_connection (PtStore  *self,
                 gboolean  create,
                 GError  **error)
{
  int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX | SQLITE_OPEN_EXRESCODE;
  g_autofree gchar *last_stamp = NULL;
  g_autofree gchar *journal_limit = g_strdup_printf ("PRAGMA journal_size_limit = %" G_GINT64_FORMAT,
                                                     PT_STORE_WAL_LIMIT_BYTES);
  int rc;

  if (create)
    flags |= SQLITE_OPEN_CREATE;
  rc = sqlite3_open_v2 (self->path, &self->db, flags, NULL);
  if (rc != SQLITE_OK)
    return _pt_store_set_sqlite_error (self, rc, "open", error);
  sqlite3_extended_result_codes (self->db, 1);
  self->busy_ms = PT_STORE_DEFAULT_BUSY_MS;
  sqlite3_busy_timeout (self->db, self->busy_ms);
  if (sqlite3_db_readonly (self->db, "main") == 1)
    return _pt_store_set_sqlite_error (self, SQLITE_READONLY, "open", error);

  /* WAL: readers never block the writer; FULL: a commit survives power
   * loss.  Foreign keys on (the store declares none between documents,
   * which sync in any order, but the setting is part of the contract). */
  if (!_pt_store_exec (self, "PRAGMA journal_mode = WAL", error)
      || !_pt_store_exec (self, "PRAGMA synchronous = FULL", error)
      || !_pt_store_exec (self, "PRAGMA foreign_keys = ON", error)
      || !_pt_store_exec (self, "PRAGMA temp_store = MEMORY", error)
      || !_pt_store_exec (self, "PRAGMA cache_size = -16384", error)
      /* A WAL that grew during a big import shrinks back to the hard
       * bound's length when it starts again — not shorter: commits then
       * write over the allocated file instead of growing it again. */
      || !_pt_store_exec (self, journal_limit, error))
    return FALSE;
  _pt_store_install_checkpointer (self);

  if (!_pt_store_migrate (self, error) || !_pt_store_ensure_schema (self, error)
      || !_pt_store_load_recover (self, error))
    return FALSE;

  self->tenant_id = _pt_store_meta_get (self, "tenant_id");
  self->device_id = _pt_store_meta_get (self, "device_id");
  if (self->tenant_id == NULL || self->device_id == NULL)
    {
      /* A file that was created but never set up (a version-0 file). */
      if (!_pt_store_begin (self, error))
        return FALSE;
      if (self->tenant_id == NULL)
        {
          self->tenant_id = tenant_id_from_path (self->path);
          if (self->tenant_id == NULL
              || !_pt_store_meta_set (self, "tenant_id", self->tenant_id, error))
            {
              _pt_store_rollback (self);
              return refuse_file (self->path, "no tenant id", error);
            }
        }
      if (self->device_id == NULL)
        {
          self->device_id = pt_device_id_new ();
          if (!_pt_store_meta_set (self, "device_id", self->device_id, error))
            {
              _pt_store_rollback (self);
              return FALSE;
            }
        }
      if (!_pt_store_commit (self, error))
        return FALSE;
    }

  /* One clock per device per process (DESIGN §4): the GUI's connection
   * and the sync worker's never issue the same stamp. */
  self->clock = pt_hlc_get_for_device (self->device_id);
  last_stamp = _pt_store_noted_stamp (self);
  if (last_stamp != NULL)
    pt_hlc_restore (self->clock, last_stamp);
  _pt_store_load_tenant (self);
  return TRUE;
}

PtStore *
pt_store_open (const gchar *data_dir,
               GError     **error)
{
  g_autoptr(PtStore) self = NULL;
  g_autofree gchar *dir = pt_store_resolve_data_dir (data_dir);
  g_autoptr(GPtrArray) files = NULL;
  gint version = 0;

  if (!g_file_test (dir, G_FILE_TEST_IS_DIR)
      || (files = list_store_files (dir))->len == 0)
    {
      g_set_error (error, PT_ERROR, PT_ERROR_NOT_FOUND,
                   _("No pharmacy data in %s; run “pharmatrack-admin init” first."),
                   dir);
      return NULL;
    }
  if (files->len > 1)
    {
      g_set_error (error, PT_ERROR, PT_ERROR_FAILED,
                   _("The folder %s holds the data of more than one organisation "
                     "(%s and %s); use one data folder per organisation."),
                   dir, (gchar *) files->pdata[0], (gchar *) files->pdata[1]);
      return NULL;
    }

  self = g_object_new (PT_TYPE_STORE, NULL);
  self->data_dir = g_steal_pointer (&dir);
  self->path = g_strdup (files->pdata[0]);

  if (!check_writable (self->data_dir, self->path, error)
      || !_pt_store_identify_file (self->path, &version, error)
      || !open_connection (self, FALSE, error))
    return NULL;
  return g_steal_pointer (&self);
}

/* ---- Creating ----------------------------------------------------------- */

static gchar *
slug_from_name (const gchar *name)
{
  g_autofree gchar *ascii = g_str_to_ascii (name, "C");
  GString *s = g_string_new (NULL);

  for (const gchar *p = ascii; *p && s->len < 50; p++)
    {
      if (g_ascii_isalnum (*p))
        g_string_append_c (s, g_ascii_tolower (*p));
      else if (s->len > 0 && s->str[s->len - 1] != '-')
        g_string_append_c (s, '-');
    }
  while (s->len > 0 && s->str[s->len - 1] == '-')
    g_string_truncate (s, s->len - 1);
  if (s->len < 2)
    g_string_append (s, "pharmacy");
  return g_string_free (s, FALSE);
}

static gboolean
create_initial_documents (PtStore           *self,
                          const PtStoreInit *init,
                          GError           **error)
{
  g_autoptr(bson_t) tenant = bson_new ();
  g_autoptr(bson_t) pharmacy = bson_new ();
  g_autofree gchar *slug = slug_from_name (init->tenant_name);
  g_autofree gchar *pharmacy_id = NULL;
  g_autofree gchar *tenant_out = NULL;
  bson_t settings;
  PtWriteOptions opts = { .action = "create", .skip_permission = TRUE };

  _pt_bson_append_oid_hex (tenant, "_id", self->tenant_id);
  BSON_APPEND_UTF8 (tenant, "name", init->tenant_name);
  BSON_APPEND_UTF8 (tenant, "slug", slug);
  BSON_APPEND_UTF8 (tenant, "plan", init->plan ? init->plan : "starter");
  BSON_APPEND_DOCUMENT_BEGIN (tenant, "settings", &settings);
  BSON_APPEND_UTF8 (&settings, "currency", init->currency ? init->currency : "EUR");
  BSON_APPEND_UTF8 (&settings, "locale", init->locale ? init->locale : "en_GB");
  BSON_APPEND_UTF8 (&settings, "timezone", init->timezone ? init->timezone : "Europe/London");
  bson_append_document_end (tenant, &settings);
  BSON_APPEND_UTF8 (tenant, "status", "active");
  if (!_pt_store_write_doc (self, pt_schema_lookup ("tenants"), NULL, tenant, TRUE,
                            &opts, &tenant_out, NULL, error))
    return FALSE;
  _pt_store_load_tenant (self);

  BSON_APPEND_UTF8 (pharmacy, "name",
                    init->pharmacy_name ? init->pharmacy_name : _("Main pharmacy"));
  BSON_APPEND_BOOL (pharmacy, "active", TRUE);
  if (!_pt_store_write_doc (self, pt_schema_lookup ("pharmacies"), NULL, pharmacy, TRUE,
                            &opts, &pharmacy_id, NULL, error))
    return FALSE;

  if (init->admin_email != NULL)
    {
      g_autoptr(bson_t) user = bson_new ();
      g_autofree gchar *hash = NULL;
      g_autofree gchar *email = g_utf8_strdown (init->admin_email, -1);
      bson_t ids;

      if (!pt_password_check_policy (init->admin_password, error))
        return FALSE;
      hash = pt_password_hash (init->admin_password, 0);
      BSON_APPEND_UTF8 (user, "email", email);
      BSON_APPEND_UTF8 (user, "displayName",
                        init->admin_name ? init->admin_name : init->admin_email);
      BSON_APPEND_UTF8 (user, "role", "owner");
      BSON_APPEND_UTF8 (user, "passwordHash", hash);
      BSON_APPEND_ARRAY_BEGIN (user, "pharmacyIds", &ids);
      _pt_bson_append_oid_hex (&ids, "0", pharmacy_id);
      bson_append_array_end (user, &ids);
      BSON_APPEND_BOOL (user, "active", TRUE);
      if (!_pt_store_write_doc (self, pt_schema_lookup ("users"), NULL, user, TRUE,
                                &opts, NULL, NULL, error))
        return FALSE;
    }
  return TRUE;
}

PtStore *
pt_store_create (const gchar       *data_dir,
                 const PtStoreInit *init,
                 GError           **error)
{
  g_autoptr(PtStore) self = NULL;
  g_autofree gchar *dir = pt_store_resolve_data_dir (data_dir);
  g_autofree gchar *created_at = NULL;
  PtPlan plan;

  g_return_val_if_fail (init != NULL, NULL);

  if (!init->enrolment && (init->tenant_name == NULL || *init->tenant_name == '\0'))
    {
      g_set_error (error, PT_ERROR, PT_ERROR_INVALID,
                   _("The organisation needs a name."));
      return NULL;
    }
  if (init->plan != NULL && !pt_plan_from_string (init->plan, &plan))
    {
      g_set_error (error, PT_ERROR, PT_ERROR_INVALID,
                   _("Unknown plan “%s”; choose starter, professional or enterprise."),
                   init->plan);
      return NULL;
    }
  if (init->tenant_id != NULL && !pt_oid_is_valid (init->tenant_id))
    {
      g_set_error (error, PT_ERROR, PT_ERROR_INVALID,
                   _("“%s” is not a valid organisation id (24 hexadecimal digits expected)."),
                   init->tenant_id);
      return NULL;
    }
  if (g_mkdir_with_parents (dir, 0700) != 0)
    {
      int saved = errno;
      g_set_error (error, PT_ERROR,
                   saved == ENOSPC ? PT_ERROR_DISK_FULL
                   : (saved == EACCES || saved == EROFS || saved == EPERM) ? PT_ERROR_READ_ONLY
                   : PT_ERROR_IO,
                   _("The data folder %s cannot be created: %s."), dir, g_strerror (saved));
      return NULL;
    }
  if (pt_store_exists (dir))
    {
      g_set_error (error, PT_ERROR, PT_ERROR_EXISTS,
                   _("There is already pharmacy data in %s; open it, or choose "
                     "an empty folder."), dir);
      return NULL;
    }

  self = g_object_new (PT_TYPE_STORE, NULL);
  self->data_dir = g_steal_pointer (&dir);
  self->tenant_id = init->tenant_id ? g_ascii_strdown (init->tenant_id, -1) : pt_oid_new_hex ();
  self->path = store_file_name (self->data_dir, self->tenant_id);
  if (!check_writable (self->data_dir, self->path, error))
    return NULL;

  if (!open_connection (self, TRUE, error))
    goto fail;

  created_at = g_strdup_printf ("%" G_GINT64_FORMAT, pt_hlc_wall_ms ());
  if (!_pt_store_begin (self, error))
    goto fail;
  if (!_pt_store_meta_set (self, "created_at", created_at, error)
      || (!init->enrolment && !create_initial_documents (self, init, error)))
    {
      _pt_store_rollback (self);
      goto fail;
    }
  if (!_pt_store_commit (self, error))
    goto fail;
  return g_steal_pointer (&self);

fail:
  /* Only the files this call created are removed, so "init" can be
   * retried; nothing else in the folder is touched. */
  {
    g_autofree gchar *path = g_strdup (self->path);
    g_autofree gchar *wal = g_strconcat (path, "-wal", NULL);
    g_autofree gchar *shm = g_strconcat (path, "-shm", NULL);

    g_clear_object (&self);
    g_unlink (path);
    g_unlink (wal);
    g_unlink (shm);
  }
  return NULL;
}

/* ---- Accessors ---------------------------------------------------------- */

const gchar *
pt_store_get_path (PtStore *self)
{
  g_return_val_if_fail (PT_IS_STORE (self), NULL);
  return self->path;
}

const gchar *
pt_store_get_data_dir (PtStore *self)
{
  g_return_val_if_fail (PT_IS_STORE (self), NULL);
  return self->data_dir;
}

const gchar *
pt_store_get_tenant_id (PtStore *self)
{
  g_return_val_if_fail (PT_IS_STORE (self), NULL);
  return self->tenant_id;
}

const gchar *
pt_store_get_device_id (PtStore *self)
{
  g_return_val_if_fail (PT_IS_STORE (self), NULL);
  return self->device_id;
}

PtHlc *
pt_store_get_clock (PtStore *self)
{
  g_return_val_if_fail (PT_IS_STORE (self), NULL);
  return self->clock;
}

void
_pt_store_load_tenant (PtStore *self)
{
  g_autoptr(bson_t) tenant = _pt_store_get_doc (self, "tenants", self->tenant_id);
  const gchar *s;
  PtPlan plan;

  if (tenant == NULL)
    return;
  if ((s = pt_bson_get_string (tenant, "name")) != NULL)
    {
      g_free (self->tenant_name);
      self->tenant_name = g_strdup (s);
    }
  if ((s = pt_bson_get_string (tenant, "plan")) != NULL && pt_plan_from_string (s, &plan))
    self->plan = plan;
  if ((s = pt_bson_get_string (tenant, "settings.currency")) != NULL)
    {
      g_free (self->currency);
      self->currency = g_strdup (s);
    }
}

PtPlan
pt_store_get_plan (PtStore *self)
{
  g_return_val_if_fail (PT_IS_STORE (self), PT_PLAN_STARTER);
  return self->plan;
}

const gchar *
pt_store_get_currency (PtStore *self)
{
  g_return_val_if_fail (PT_IS_STORE (self), "EUR");
  return self->currency;
}

gint
pt_store_get_schema_version (PtStore *self)
{
  g_return_val_if_fail (PT_IS_STORE (self), 0);
  return (gint) _pt_store_query_int (self, "PRAGMA user_version", NULL, 0);
}

