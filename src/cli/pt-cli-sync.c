/* pt-cli-sync.c: `setup-atlas`, `connect`, `sync` and the sync fields of
 * `status`. */
#define G_LOG_DOMAIN "pt-cli"
#include "config.h"

#include <inttypes.h>
#include <string.h>
#include <glib/gstdio.h>
#include <glib-unix.h>
#include <mongoc/mongoc.h>

#include "pt-cli-private.h"
#include "pt-demo.h"
#include "pt-store-sync.h"
#include "pt-sync-crypt.h"
#include "pt-sync-engine.h"
#include "pt-sync-error.h"
#include "pt-sync-private.h"

/* ---- Shared ------------------------------------------------------------- */

/* --uri, else $MONGODB_URI.  Never printed with its password. */
static gchar *
resolve_uri (PtCli       *cli,
             const gchar *option,
             int         *status)
{
  const gchar *env = g_getenv ("MONGODB_URI");

  if (option != NULL && *option != '\0')
    return g_strdup (option);
  if (env != NULL && *env != '\0')
    return g_strdup (env);
  *status = pt_cli_usage (cli, _("no MongoDB connection address: pass --uri URI or set MONGODB_URI"));
  return NULL;
}

typedef struct
{
  PtCli  *cli;
  gint64  last_us;
  gint64  last_done;
  gboolean shown;
} Progress;

/* A progress line on stderr: updated in place on a terminal, one line per
 * second otherwise (scripts and logs). */
static void
progress_cb (gint64   done,
             gint64   total,
             gpointer data)
{
  Progress *p = data;
  gint64 now = g_get_monotonic_time ();

  if (total <= 0)
    return;
  if (p->shown && now - p->last_us < (p->cli->stderr_is_tty ? 100000 : G_USEC_PER_SEC)
      && done != total)
    return;
  if (p->shown && done == p->last_done)
    return;
  p->last_us = now;
  p->last_done = done;
  p->shown = TRUE;
  g_printerr (p->cli->stderr_is_tty ? "\r%s: %" G_GINT64_FORMAT " of %" G_GINT64_FORMAT " documents\033[K"
                                    : "%s: %" G_GINT64_FORMAT " of %" G_GINT64_FORMAT " documents\n",
              p->cli->command, done, total);
}

static void
progress_end (Progress *p)
{
  if (p->shown && p->cli->stderr_is_tty)
    g_printerr ("\n");
}

static gchar *
saved_database (PtCli       *cli,
                const gchar *option)
{
  g_autofree gchar *saved = NULL;

  if (option != NULL)
    return g_strdup (option);
  if (cli->store != NULL)
    saved = pt_store_sync_get (cli->store, "database");
  return saved != NULL ? g_steal_pointer (&saved) : g_strdup (PT_SYNC_DEFAULT_DATABASE);
}

/* Fails with @error one line per sentence: a one-shot sync reports each
 * thing that keeps this computer and the cloud apart on its own line, the
 * most urgent first. */
static int
fail_lines (PtCli        *cli,
            const GError *error)
{
  g_auto(GStrv) lines = NULL;

  if (error == NULL || strchr (error->message, '\n') == NULL)
    return pt_cli_fail (cli, error);
  lines = g_strsplit (error->message, "\n", -1);
  for (guint i = 0; lines[i] != NULL; i++)
    if (*lines[i] != '\0')
      pt_cli_fail_msg (cli, "%s", lines[i]);
  return PT_CLI_EXIT_FAILURE;
}

/* ---- setup-atlas -------------------------------------------------------- */

static void
append_index (bson_t       *indexes,
              guint        *n,
              const gchar  *name,
              const gchar  *first,
              const gchar  *second,
              gboolean      unique)
{
  bson_t idx, key, pfe, ex;
  gchar k[16];

  g_snprintf (k, sizeof k, "%u", (*n)++);
  BSON_APPEND_DOCUMENT_BEGIN (indexes, k, &idx);
  BSON_APPEND_DOCUMENT_BEGIN (&idx, "key", &key);
  BSON_APPEND_INT32 (&key, first, 1);
  if (second != NULL)
    BSON_APPEND_INT32 (&key, second, 1);
  bson_append_document_end (&idx, &key);
  BSON_APPEND_UTF8 (&idx, "name", name);
  if (unique)
    {
      const gchar *field = second != NULL ? second : first;

      BSON_APPEND_BOOL (&idx, "unique", true);
      /* Unique where present (a medicine without a barcode is fine). */
      BSON_APPEND_DOCUMENT_BEGIN (&idx, "partialFilterExpression", &pfe);
      BSON_APPEND_DOCUMENT_BEGIN (&pfe, field, &ex);
      BSON_APPEND_BOOL (&ex, "$exists", true);
      bson_append_document_end (&pfe, &ex);
      bson_append_document_end (&idx, &pfe);
    }
  bson_append_document_end (indexes, &idx);
}

/* Creates the indexes every query of the engine needs; returns how many
 * were new, -1 on error. */
static gint64
create_indexes (mongoc_database_t *db,
                GError           **error)
{
  guint n_colls;
  const PtCollection * const *colls = pt_schema_collections (&n_colls);
  gint64 created = 0;

  for (guint c = 0; c < n_colls; c++)
    {
      const PtCollection *coll = colls[c];
      bson_t cmd = BSON_INITIALIZER, indexes, reply;
      bson_error_t berr;
      bson_iter_t it;
      guint n = 0;
      gint64 before = 0, after = 0;

      if (!coll->synced)
        continue;
      BSON_APPEND_UTF8 (&cmd, "createIndexes", coll->name);
      BSON_APPEND_ARRAY_BEGIN (&cmd, "indexes", &indexes);
      if (coll->tenant_scoped)
        {
          append_index (&indexes, &n, "tenantId_1__id_1", "tenantId", "_id", FALSE);
          append_index (&indexes, &n, "tenantId_1_updatedAt_1", "tenantId", "updatedAt", FALSE);
          if (coll->kind == PT_COLLECTION_MUTABLE)
            append_index (&indexes, &n, "tenantId_1__sync.t_1", "tenantId", "_sync.t", FALSE);
        }
      for (guint f = 0; f < coll->n_fields; f++)
        if (coll->fields[f].flags & PT_FIELD_FLAG_UNIQUE)
          {
            g_autofree gchar *name = NULL;

            if (coll->tenant_scoped)
              {
                name = g_strdup_printf ("tenantId_1_%s_1_unique", coll->fields[f].name);
                append_index (&indexes, &n, name, "tenantId", coll->fields[f].name, TRUE);
              }
            else
              {
                name = g_strdup_printf ("%s_1_unique", coll->fields[f].name);
                append_index (&indexes, &n, name, coll->fields[f].name, NULL, TRUE);
              }
          }
      bson_append_array_end (&cmd, &indexes);

      if (!mongoc_database_write_command_with_opts (db, &cmd, NULL, &reply, &berr))
        {
          bson_destroy (&cmd);
          bson_destroy (&reply);
          pt_sync_error_set (error, &berr, "create indexes");
          return -1;
        }
      if (bson_iter_init_find (&it, &reply, "numIndexesBefore"))
        before = bson_iter_as_int64 (&it);
      if (bson_iter_init_find (&it, &reply, "numIndexesAfter"))
        after = bson_iter_as_int64 (&it);
      created += MAX (0, after - before);
      bson_destroy (&cmd);
      bson_destroy (&reply);
    }
  return created;
}

static gchar *
read_first_line (const gchar *path,
                 GError     **error)
{
  g_autofree gchar *contents = NULL;

  if (!g_file_get_contents (path, &contents, NULL, NULL))
    {
      g_set_error (error, PT_ERROR, PT_ERROR_NOT_FOUND,
                   _("Cannot read the password file “%s”."), path);
      return NULL;
    }
  contents[strcspn (contents, "\r\n")] = '\0';
  if (!pt_password_check_policy (contents, error))
    return NULL;
  return g_steal_pointer (&contents);
}

/* Returns 1 created, 0 already there, -1 error. */
static gint
ensure_super_admin (mongoc_database_t *db,
                    const gchar       *email,
                    const gchar       *password,
                    GError           **error)
{
  mongoc_collection_t *users = mongoc_database_get_collection (db, "users");
  bson_t filter = BSON_INITIALIZER;
  bson_error_t berr;
  gint64 n;
  gint result = -1;

  BSON_APPEND_UTF8 (&filter, "email", email);
  BSON_APPEND_UTF8 (&filter, "role", "super_admin");
  n = mongoc_collection_count_documents (users, &filter, NULL, NULL, NULL, &berr);
  if (n < 0)
    pt_sync_error_set (error, &berr, "find super admin");
  else if (n > 0)
    result = 0;
  else
    {
      /* The cloud system's operator: no tenantId, so it never reaches a
       * counter (the tenant guard drops it). */
      g_autofree gchar *hash = pt_password_hash (password, 0);
      gint64 now = g_get_real_time () / 1000;
      bson_t doc = BSON_INITIALIZER;
      bson_oid_t oid;

      bson_oid_init (&oid, NULL);
      BSON_APPEND_OID (&doc, "_id", &oid);
      BSON_APPEND_UTF8 (&doc, "email", email);
      BSON_APPEND_UTF8 (&doc, "displayName", "Super admin");
      BSON_APPEND_UTF8 (&doc, "role", "super_admin");
      BSON_APPEND_UTF8 (&doc, "passwordHash", hash);
      BSON_APPEND_BOOL (&doc, "active", true);
      BSON_APPEND_DATE_TIME (&doc, "createdAt", now);
      BSON_APPEND_DATE_TIME (&doc, "updatedAt", now);
      if (mongoc_collection_insert_one (users, &doc, NULL, NULL, &berr))
        result = 1;
      else
        pt_sync_error_set (error, &berr, "create super admin");
      bson_destroy (&doc);
    }
  bson_destroy (&filter);
  mongoc_collection_destroy (users);
  return result;
}

/* The sample tenant: demo data generated locally and pushed through the
 * sync engine, so it is exactly what a counter would write.  Returns 1
 * created, 0 already there, -1 error; *tenant_id gets its id. */
static gint
ensure_sample_tenant (PtCli              *cli,
                      mongoc_database_t  *db,
                      const gchar        *uri,
                      const gchar        *database,
                      GBytes             *master_key,
                      gchar             **tenant_id,
                      GError            **error)
{
  g_autofree gchar *tmp = NULL;
  g_autoptr(PtStore) store = NULL;
  g_autoptr(PtSyncEngine) engine = NULL;
  g_autoptr(bson_t) tenant = NULL;
  PtDemoOptions options = { .medicines = 200, .patients = 100, .prescriptions = 100, .seed = 42 };
  const gchar *slug;
  gint result = -1;

  tmp = g_dir_make_tmp ("pharmatrack-sample-XXXXXX", NULL);
  if (tmp == NULL)
    {
      g_set_error_literal (error, PT_ERROR, PT_ERROR_IO,
                           _("Cannot create a temporary folder for the sample data."));
      return -1;
    }
  store = pt_demo_create_store (tmp, &options, NULL, NULL, error);
  if (store == NULL)
    goto out;
  tenant = pt_store_get (store, "tenants", pt_store_get_tenant_id (store), error);
  if (tenant == NULL)
    goto out;
  slug = pt_bson_get_string (tenant, "slug");

  {
    mongoc_collection_t *tenants = mongoc_database_get_collection (db, "tenants");
    bson_t filter = BSON_INITIALIZER;
    const bson_t *found;
    mongoc_cursor_t *cursor;
    bson_error_t berr;

    BSON_APPEND_UTF8 (&filter, "slug", slug != NULL ? slug : "");
    cursor = mongoc_collection_find_with_opts (tenants, &filter, NULL, NULL);
    if (mongoc_cursor_next (cursor, &found))
      {
        *tenant_id = pt_bson_dup_oid_hex (found, "_id");
        result = 0;
      }
    else if (mongoc_cursor_error (cursor, &berr))
      pt_sync_error_set (error, &berr, "find sample tenant");
    mongoc_cursor_destroy (cursor);
    mongoc_collection_destroy (tenants);
    bson_destroy (&filter);
    if (result == 0 || (error != NULL && *error != NULL))
      goto out;
  }

  *tenant_id = g_strdup (pt_store_get_tenant_id (store));
  g_clear_object (&store);
  /* Its patient data goes up encrypted, like a counter's. */
  if (master_key != NULL && !pt_sync_crypt_install_key (tmp, *tenant_id, master_key, error))
    goto out;
  engine = pt_sync_engine_new (tmp, uri, database);
  if (pt_sync_engine_run_once (engine, NULL, NULL, NULL, error))
    result = 1;

out:
  g_clear_object (&engine);
  g_clear_object (&store);
  {
    /* The temporary store is not needed any more. */
    g_autoptr(GDir) dir = g_dir_open (tmp, 0, NULL);
    const gchar *name;

    while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
      {
        g_autofree gchar *path = g_build_filename (tmp, name, NULL);
        g_unlink (path);
      }
    g_rmdir (tmp);
  }
  (void) cli;
  return result;
}

int
pt_cli_cmd_setup_atlas (PtCli *cli, int argc, char **argv)
{
  g_autofree gchar *uri_option = NULL;
  g_autofree gchar *database = NULL;
  g_autofree gchar *admin_email = NULL;
  g_autofree gchar *admin_password_file = NULL;
  g_autofree gchar *master_key_file = NULL;
  g_autoptr(GBytes) master_key = NULL;
  g_autofree gchar *uri = NULL;
  g_autofree gchar *redacted = NULL;
  gboolean sample = FALSE;
  gint vault_created = 0;
  g_autoptr(GError) error = NULL;
  int status = 0;
  mongoc_client_t *client = NULL;
  mongoc_database_t *db = NULL;
  mongoc_uri_t *muri;
  bson_error_t berr;
  bson_t ping = BSON_INITIALIZER;
  gint64 created;
  const GOptionEntry entries[] = {
    { "uri", 0, 0, G_OPTION_ARG_STRING, &uri_option,
      N_("MongoDB connection address (else $MONGODB_URI)"), N_("URI") },
    { "database", 0, 0, G_OPTION_ARG_STRING, &database,
      N_("Database name (default pharmatrack)"), N_("NAME") },
    { "sample-data", 0, 0, G_OPTION_ARG_NONE, &sample,
      N_("Also create a sample tenant with realistic data"), NULL },
    { "super-admin-email", 0, 0, G_OPTION_ARG_STRING, &admin_email,
      N_("E-mail of the super admin to create"), N_("E") },
    { "super-admin-password-file", 0, 0, G_OPTION_ARG_FILENAME, &admin_password_file,
      N_("File whose first line is the super admin’s password"), N_("F") },
    { "master-key-file", 0, 0, G_OPTION_ARG_FILENAME, &master_key_file,
      N_("The pharmacy’s encryption master key (created when F does not exist); the "
         "sample tenant’s patient data is encrypted with it"), N_("F") },
    { NULL }
  };

  if (!pt_cli_parse (cli, &argc, &argv, entries, NULL,
                     _("Prepares a MongoDB database (Atlas) for PharmaTrack: the indexes "
                       "every query of the sync engine needs, the unique keys, a super "
                       "admin and, with --sample-data, a sample tenant.  Idempotent: "
                       "running it again changes nothing."), &status))
    return status;
  if (!pt_cli_expect_args (cli, argc, 0, 0, &status))
    return status;
  if ((admin_email == NULL) != (admin_password_file == NULL))
    return pt_cli_usage (cli, _("--super-admin-email and --super-admin-password-file go together"));
  uri = resolve_uri (cli, uri_option, &status);
  if (uri == NULL)
    return status;
  if (database == NULL)
    database = g_strdup (PT_SYNC_DEFAULT_DATABASE);
  redacted = pt_sync_redact_uri (uri);
  g_debug ("setup-atlas on %s, database %s", redacted, database);

  pt_sync_init_driver ();
  muri = mongoc_uri_new_with_error (uri, &berr);
  if (muri == NULL)
    {
      pt_sync_error_set_bad_uri (&error, &berr);
      return pt_cli_fail (cli, error);
    }
  if (mongoc_uri_get_option_as_int32 (muri, MONGOC_URI_SERVERSELECTIONTIMEOUTMS, 0) == 0)
    mongoc_uri_set_option_as_int32 (muri, MONGOC_URI_SERVERSELECTIONTIMEOUTMS, 10000);
  client = mongoc_client_new_from_uri_with_error (muri, &berr);
  mongoc_uri_destroy (muri);
  if (client == NULL)
    {
      pt_sync_error_set_bad_uri (&error, &berr);
      return pt_cli_fail (cli, error);
    }
  mongoc_client_set_error_api (client, MONGOC_ERROR_API_VERSION_2);
  db = mongoc_client_get_database (client, database);

  BSON_APPEND_INT32 (&ping, "ping", 1);
  if (!mongoc_client_command_simple (client, "admin", &ping, NULL, NULL, &berr))
    {
      pt_sync_error_set (&error, &berr, "connect");
      status = pt_cli_fail (cli, error);
      goto out;
    }

  created = create_indexes (db, &error);
  if (created < 0 || !pt_sync_crypt_ensure_key_vault (client, &vault_created, &error))
    {
      status = pt_cli_fail (cli, error);
      goto out;
    }
  created += vault_created;
  g_print (_("Indexes: %" PRId64 " created\n"), created);

  if (admin_email != NULL)
    {
      g_autofree gchar *password = read_first_line (admin_password_file, &error);
      gint r = password != NULL ? ensure_super_admin (db, admin_email, password, &error) : -1;

      if (r < 0)
        {
          status = pt_cli_fail (cli, error);
          goto out;
        }
      g_print (r == 1 ? _("Super admin %s: created\n") : _("Super admin %s: already present\n"),
               admin_email);
    }

  if (master_key_file != NULL)
    {
      gboolean existed = g_file_test (master_key_file, G_FILE_TEST_EXISTS);

      master_key = existed ? pt_sync_crypt_read_key_file (master_key_file, &error)
                           : pt_sync_crypt_new_master_key ();
      if (master_key == NULL
          || (!existed && !pt_sync_crypt_write_key_file (master_key_file, master_key, &error)))
        {
          status = pt_cli_fail (cli, error);
          goto out;
        }
      g_print (existed ? _("Encryption master key %s: already present\n")
                       : _("Encryption master key %s: created; give it to every counter of the "
                           "pharmacy (connect --key-file), never to the cloud\n"),
               master_key_file);
    }

  if (sample)
    {
      g_autofree gchar *tenant_id = NULL;
      gint r = ensure_sample_tenant (cli, db, uri, database, master_key, &tenant_id, &error);

      if (r < 0)
        {
          status = pt_cli_fail (cli, error);
          goto out;
        }
      g_print (r == 1 ? _("Sample tenant %s: created\n") : _("Sample tenant %s: already present\n"),
               tenant_id);
    }
  status = PT_CLI_EXIT_OK;

out:
  bson_destroy (&ping);
  g_clear_pointer (&db, mongoc_database_destroy);
  g_clear_pointer (&client, mongoc_client_destroy);
  return status;
}

/* ---- connect ------------------------------------------------------------ */

static void
remove_store_files (const gchar *data_dir)
{
  g_autoptr(GDir) dir = g_dir_open (data_dir, 0, NULL);
  const gchar *name;

  while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
    if (g_str_has_suffix (name, ".db") || g_str_has_suffix (name, ".db-wal")
        || g_str_has_suffix (name, ".db-shm") || g_str_has_suffix (name, ".db-journal"))
      {
        g_autofree gchar *path = g_build_filename (data_dir, name, NULL);
        g_unlink (path);
      }
}

int
pt_cli_cmd_connect (PtCli *cli, int argc, char **argv)
{
  g_autofree gchar *uri_option = NULL;
  g_autofree gchar *database = NULL;
  g_autofree gchar *tenant_id = NULL;
  g_autofree gchar *key_file = NULL;
  g_autofree gchar *uri = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(PtStore) store = NULL;
  g_autoptr(PtSyncEngine) engine = NULL;
  g_autoptr(PtSyncStatus) st = NULL;
  g_autoptr(GBytes) key = NULL;
  PtStoreInit init = { 0 };
  Progress progress = { cli };
  int status = 0;
  gboolean ok, resume = FALSE;
  const GOptionEntry entries[] = {
    { "uri", 0, 0, G_OPTION_ARG_STRING, &uri_option,
      N_("MongoDB connection address (else $MONGODB_URI)"), N_("URI") },
    { "tenant-id", 0, 0, G_OPTION_ARG_STRING, &tenant_id,
      N_("The tenant’s ObjectId in the cloud (required)"), N_("OID") },
    { "database", 0, 0, G_OPTION_ARG_STRING, &database,
      N_("Database name (default pharmatrack)"), N_("NAME") },
    { "key-file", 0, 0, G_OPTION_ARG_FILENAME, &key_file,
      N_("The pharmacy’s encryption key file (from the enrolment)"), N_("F") },
    { NULL }
  };

  if (!pt_cli_parse (cli, &argc, &argv, entries, NULL,
                     _("Enrols this computer to an existing tenant: creates the local "
                       "store in an empty data dir and downloads the tenant’s data "
                       "(progress on stderr).  Interrupted, it continues where it "
                       "stopped when run again (or with `sync`)."), &status))
    return status;
  if (!pt_cli_expect_args (cli, argc, 0, 0, &status))
    return status;
  if (tenant_id == NULL)
    return pt_cli_usage (cli, _("--tenant-id is required"));
  if (!pt_oid_is_valid (tenant_id))
    return pt_cli_usage (cli, _("--tenant-id must be 24 hexadecimal digits"));
  uri = resolve_uri (cli, uri_option, &status);
  if (uri == NULL)
    return status;
  g_free (cli->data_dir);
  cli->data_dir = pt_store_resolve_data_dir (cli->data_dir_option);
  if (pt_store_exists (cli->data_dir))
    {
      /* An enrolment to this tenant that was interrupted (killed, network
       * lost) continues where it stopped; anything else is refused. */
      g_autoptr(PtStore) existing = pt_store_open (cli->data_dir, &error);

      if (existing == NULL)
        return pt_cli_fail (cli, error);
      resume = g_strcmp0 (pt_store_get_tenant_id (existing), tenant_id) == 0
               && pt_store_sync_ensure_schema (existing, NULL)
               && pt_store_sync_get_int (existing, "initial_complete", 0) != 1
               && pt_store_count (existing, "tenants") <= 1;
      if (!resume)
        return pt_cli_fail_msg (cli, _("%s already holds pharmacy data; connect needs an empty data dir"),
                                cli->data_dir);
      if (database == NULL)
        database = pt_store_sync_get (existing, "database");
    }
  /* A bad key file is refused before anything is created. */
  if (key_file != NULL && (key = pt_sync_crypt_read_key_file (key_file, &error)) == NULL)
    return pt_cli_fail (cli, error);

  {
    /* A malformed address is refused before anything is created. */
    bson_error_t berr;
    mongoc_uri_t *muri;

    pt_sync_init_driver ();
    muri = mongoc_uri_new_with_error (uri, &berr);
    if (muri == NULL)
      {
        pt_sync_error_set_bad_uri (&error, &berr);
        return pt_cli_fail (cli, error);
      }
    mongoc_uri_destroy (muri);
  }

  if (!resume)
    {
      init.tenant_id = tenant_id;
      init.tenant_name = tenant_id;  /* replaced by the tenant document */
      init.enrolment = TRUE;
      store = pt_store_create (cli->data_dir, &init, &error);
      if (store == NULL)
        return pt_cli_fail (cli, error);
      if (!pt_store_sync_ensure_schema (store, &error)
          || !pt_store_sync_set (store, "database", database != NULL ? database : PT_SYNC_DEFAULT_DATABASE,
                                 &error))
        return pt_cli_fail (cli, error);
      g_clear_object (&store);
    }
  if (key != NULL && !pt_sync_crypt_install_key (cli->data_dir, tenant_id, key, &error))
    return pt_cli_fail (cli, error);

  engine = pt_sync_engine_new (cli->data_dir, uri, database);
  ok = pt_sync_engine_run_once (engine, progress_cb, &progress, NULL, &error);
  progress_end (&progress);
  st = pt_sync_engine_get_status (engine);
  if (!ok)
    {
      if (!resume && st->pulled_total == 0
          && (g_error_matches (error, PT_ERROR, PT_ERROR_NOT_FOUND)
              || g_error_matches (error, PT_ERROR, PT_ERROR_PERMISSION_DENIED)
              || g_error_matches (error, PT_SYNC_ERROR, PT_SYNC_ERROR_KEY_MISSING)
              || g_error_matches (error, PT_SYNC_ERROR, PT_SYNC_ERROR_WRONG_KEY)))
        {
          /* An empty enrolment store: connect can be run again (with the
           * right key file). */
          g_autofree gchar *key_path = pt_sync_crypt_key_path (cli->data_dir, tenant_id);

          remove_store_files (cli->data_dir);
          g_unlink (key_path);
        }
      return fail_lines (cli, error);
    }
  g_print (_("Connected to tenant %s: %" PRId64 " documents downloaded.\n"),
           tenant_id, st->pulled_total);
  return PT_CLI_EXIT_OK;
}

/* ---- sync --------------------------------------------------------------- */

typedef struct
{
  PtCli        *cli;
  GMainLoop    *loop;
  PtSyncEngine *engine;
  PtSyncState   last_state;
  gchar        *last_message;
  gint64        last_unreadable;
  gboolean      interrupted;
} Watch;

static gboolean
watch_quit_cb (gpointer data)
{
  Watch *w = data;

  w->interrupted = TRUE;
  g_main_loop_quit (w->loop);
  return G_SOURCE_CONTINUE;
}

static gboolean
watch_timeout_cb (gpointer data)
{
  Watch *w = data;

  g_main_loop_quit (w->loop);
  return G_SOURCE_REMOVE;
}

static void
watch_status_cb (PtSyncEngine *engine,
                 Watch        *w)
{
  g_autoptr(PtSyncStatus) st = pt_sync_engine_get_status (engine);

  if (st->unreadable != w->last_unreadable)
    {
      g_autoptr(GPtrArray) list = pt_sync_engine_list_unreadable (engine, NULL);
      g_auto(GStrv) sentences = pt_sync_unreadable_summarise (list);

      w->last_unreadable = st->unreadable;
      for (guint i = 0; sentences != NULL && sentences[i] != NULL; i++)
        g_printerr ("%s: %s\n", w->cli->command, sentences[i]);
    }
  if (st->state == w->last_state && g_strcmp0 (st->message, w->last_message) == 0)
    return;
  w->last_state = st->state;
  g_free (w->last_message);
  w->last_message = g_strdup (st->message);
  if (st->state == PT_SYNC_STATE_BACKING_OFF || st->state == PT_SYNC_STATE_NEEDS_ATTENTION)
    {
      /* TRANSLATORS: the delay before the next attempt */
      g_autofree gchar *retry = g_strdup_printf (_("retry in %d s"), st->retry_in_seconds);
      g_printerr ("%s: %s: %s (%s)\n", w->cli->command, pt_sync_state_to_string (st->state),
                  st->message != NULL ? st->message : "", retry);
    }
  else
    g_printerr ("%s: %s\n", w->cli->command, pt_sync_state_to_string (st->state));
}

int
pt_cli_cmd_sync (PtCli *cli, int argc, char **argv)
{
  g_autofree gchar *uri_option = NULL;
  g_autofree gchar *database_option = NULL;
  g_autofree gchar *uri = NULL;
  g_autofree gchar *database = NULL;
  g_autofree gchar *key_file = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(PtSyncEngine) engine = NULL;
  g_autoptr(PtSyncStatus) st = NULL;
  gboolean once = FALSE, watch = FALSE;
  gint seconds = 0, poll_ms = 0;
  int status = 0;
  const GOptionEntry entries[] = {
    { "uri", 0, 0, G_OPTION_ARG_STRING, &uri_option,
      N_("MongoDB connection address (else $MONGODB_URI)"), N_("URI") },
    { "database", 0, 0, G_OPTION_ARG_STRING, &database_option,
      N_("Database name (default: as at connect, else pharmatrack)"), N_("NAME") },
    { "once", 0, 0, G_OPTION_ARG_NONE, &once,
      N_("Push everything, pull everything, exit 0 when this computer and the cloud agree (default)"), NULL },
    { "watch", 0, 0, G_OPTION_ARG_NONE, &watch,
      N_("Stay live until --seconds pass or SIGINT/SIGTERM"), NULL },
    { "seconds", 0, 0, G_OPTION_ARG_INT, &seconds,
      N_("With --watch: stop after N seconds"), N_("N") },
    { "poll-interval", 0, 0, G_OPTION_ARG_INT, &poll_ms,
      N_("Polling interval in ms when the server has no change streams (default 2000)"), N_("MS") },
    { "key-file", 0, 0, G_OPTION_ARG_FILENAME, &key_file,
      N_("Import the pharmacy’s encryption key file (from the enrolment) first"), N_("F") },
    { NULL }
  };

  if (!pt_cli_parse (cli, &argc, &argv, entries, NULL,
                     _("Synchronises this computer's pharmacy data with the cloud database."),
                     &status))
    return status;
  if (!pt_cli_expect_args (cli, argc, 0, 0, &status))
    return status;
  if (once && watch)
    return pt_cli_usage (cli, _("--once and --watch exclude each other"));
  if (seconds < 0 || (seconds > 0 && !watch))
    return pt_cli_usage (cli, _("--seconds needs --watch and a positive number"));
  uri = resolve_uri (cli, uri_option, &status);
  if (uri == NULL)
    return status;
  if (!pt_cli_open_store (cli))
    return PT_CLI_EXIT_FAILURE;
  database = saved_database (cli, database_option);
  if (key_file != NULL
      && !pt_sync_crypt_import_key (cli->data_dir, pt_store_get_tenant_id (cli->store), key_file, &error))
    return pt_cli_fail (cli, error);
  g_clear_object (&cli->store);  /* the engine opens its own connection */

  engine = pt_sync_engine_new (cli->data_dir, uri, database);
  if (poll_ms > 0)
    pt_sync_engine_set_poll_interval (engine, (guint) poll_ms);

  if (!watch)
    {
      Progress progress = { cli };
      gboolean ok = pt_sync_engine_run_once (engine, progress_cb, &progress, NULL, &error);

      progress_end (&progress);
      if (!ok)
        return fail_lines (cli, error);
      st = pt_sync_engine_get_status (engine);
      g_print (_("In sync: %" PRId64 " sent, %" PRId64 " received.\n"),
               st->pushed_total, st->pulled_total);
      return PT_CLI_EXIT_OK;
    }

  {
    Watch w = { cli };
    guint sigint, sigterm, timeout = 0;

    w.loop = g_main_loop_new (NULL, FALSE);
    w.engine = engine;
    w.last_state = (PtSyncState) -1;
    g_signal_connect (engine, "status-changed", G_CALLBACK (watch_status_cb), &w);
    sigint = g_unix_signal_add (SIGINT, watch_quit_cb, &w);
    sigterm = g_unix_signal_add (SIGTERM, watch_quit_cb, &w);
    if (seconds > 0)
      timeout = g_timeout_add_seconds ((guint) seconds, watch_timeout_cb, &w);

    if (!pt_sync_engine_start (engine, &error))
      status = pt_cli_fail (cli, error);
    else
      {
        g_main_loop_run (w.loop);
        /* Clean shutdown: the worker finishes its step; the resume token
         * of everything applied is already committed. */
        pt_sync_engine_stop (engine);
        st = pt_sync_engine_get_status (engine);
        status = PT_CLI_EXIT_OK;
        if (w.last_state == PT_SYNC_STATE_NEEDS_ATTENTION)
          status = pt_cli_fail_msg (cli, "%s", w.last_message != NULL ? w.last_message : "");
      }
    g_source_remove (sigint);
    g_source_remove (sigterm);
    if (timeout != 0 && g_main_context_find_source_by_id (NULL, timeout) != NULL)
      g_source_remove (timeout);
    g_signal_handlers_disconnect_by_data (engine, &w);
    g_main_loop_unref (w.loop);
    g_free (w.last_message);
  }
  return status;
}

/* ---- status ------------------------------------------------------------- */

static gchar *
iso_time (gint64 ms)
{
  g_autoptr(GDateTime) dt = NULL;

  if (ms <= 0)
    return NULL;
  dt = g_date_time_new_from_unix_utc (ms / 1000);
  return dt != NULL ? g_date_time_format_iso8601 (dt) : NULL;
}

void
pt_cli_sync_status_hook (PtCli       *cli,
                         JsonBuilder *builder,
                         GString     *text)
{
  PtStore *store = cli->store;
  g_autoptr(PtSyncStatus) st = NULL;
  g_autofree gchar *saved_state = NULL;
  g_autofree gchar *last_push = NULL;
  g_autofree gchar *last_pull = NULL;
  g_autofree gchar *oldest = NULL;
  g_autofree gchar *unreadable = NULL;
  const gchar *state;
  const gchar *message;
  gint64 pending, age_s = 0;
  gboolean complete;

  if (store == NULL || !pt_store_sync_ensure_schema (store, NULL))
    return;

  /* Computed now from the store, not what the last sync run published:
   * a change made since (by the GUI, by `docs`) counts at once. */
  st = pt_sync_status_new_from_store (store);
  saved_state = pt_sync_status_dup_recorded_state (store);
  /* The state of the sync running now; offline when none runs (a sync
   * killed while live is not live), needs-attention kept. */
  state = saved_state != NULL || st->running ? pt_sync_state_to_string (st->state) : "never-synced";
  message = st->message;
  pending = st->pending_count;
  if (st->oldest_pending_ms > 0)
    age_s = MAX (0, (pt_hlc_wall_ms () - st->oldest_pending_ms) / 1000);
  last_push = iso_time (st->last_push_ms);
  last_pull = iso_time (st->last_pull_ms);
  oldest = iso_time (st->oldest_pending_ms);
  complete = pt_store_sync_get_int (store, "initial_complete", 0) == 1;
  if (st->unreadable > 0)
    {
      g_autoptr(GPtrArray) list = pt_sync_list_unreadable (store, NULL);
      g_auto(GStrv) sentences = pt_sync_unreadable_summarise (list);

      if (sentences != NULL && sentences[0] != NULL)
        unreadable = g_strjoinv ("\n", sentences);
    }

#define STR_OR_NULL(b, v) do { if (v) json_builder_add_string_value (b, v); else json_builder_add_null_value (b); } while (0)
  if (builder != NULL)
    {
      json_builder_set_member_name (builder, "sync");
      json_builder_begin_object (builder);
      json_builder_set_member_name (builder, "state");
      json_builder_add_string_value (builder, state);
      json_builder_set_member_name (builder, "running");
      json_builder_add_boolean_value (builder, st->running);
      json_builder_set_member_name (builder, "lastRecordedState");
      STR_OR_NULL (builder, saved_state);
      json_builder_set_member_name (builder, "message");
      STR_OR_NULL (builder, message);
      json_builder_set_member_name (builder, "lastPushAt");
      STR_OR_NULL (builder, last_push);
      json_builder_set_member_name (builder, "lastPullAt");
      STR_OR_NULL (builder, last_pull);
      json_builder_set_member_name (builder, "pendingCount");
      json_builder_add_int_value (builder, pending);
      json_builder_set_member_name (builder, "oldestPendingAt");
      STR_OR_NULL (builder, oldest);
      json_builder_set_member_name (builder, "oldestPendingAgeSeconds");
      json_builder_add_int_value (builder, age_s);
      json_builder_set_member_name (builder, "conflicts");
      json_builder_add_int_value (builder, st->conflicts);
      json_builder_set_member_name (builder, "quarantined");
      json_builder_add_int_value (builder, st->quarantined);
      json_builder_set_member_name (builder, "unreadableFromCloud");
      json_builder_add_int_value (builder, st->unreadable);
      json_builder_set_member_name (builder, "unreadableMessage");
      STR_OR_NULL (builder, unreadable);  /* one sentence per line */
      json_builder_set_member_name (builder, "droppedForeignTenant");
      json_builder_add_int_value (builder, st->dropped_foreign);
      json_builder_set_member_name (builder, "maxClockSkewMs");
      json_builder_add_int_value (builder, st->max_clock_skew_ms);
      json_builder_set_member_name (builder, "initialSync");
      json_builder_begin_object (builder);
      json_builder_set_member_name (builder, "complete");
      json_builder_add_boolean_value (builder, complete);
      json_builder_set_member_name (builder, "done");
      json_builder_add_int_value (builder, st->initial_done);
      json_builder_set_member_name (builder, "total");
      json_builder_add_int_value (builder, st->initial_total);
      json_builder_end_object (builder);
      json_builder_end_object (builder);
    }
  else if (text != NULL)
    {
      g_string_append_printf (text, _("Sync state: %s\n"), state);
      if (!st->running && saved_state != NULL)
        g_string_append_printf (text, _("No sync is running on this computer now (the last one "
                                        "recorded: %s).\n"), saved_state);
      if (message != NULL)
        g_string_append_printf (text, _("Sync message: %s\n"), message);
      g_string_append_printf (text, _("Waiting to be sent: %" PRId64 "\n"), pending);
      if (oldest != NULL)
        g_string_append_printf (text, _("Oldest waiting change: %s\n"), oldest);
      g_string_append_printf (text, _("Last sent: %s\n"), last_push != NULL ? last_push : _("never"));
      g_string_append_printf (text, _("Last received: %s\n"), last_pull != NULL ? last_pull : _("never"));
      g_string_append_printf (text, _("Conflicts to review: %" PRId64 "\n"), st->conflicts);
      g_string_append_printf (text, _("Quarantined changes: %" PRId64 "\n"), st->quarantined);
      if (unreadable != NULL)
        g_string_append_printf (text, "%s\n", unreadable);
      g_string_append_printf (text, _("Other tenants' documents dropped: %" PRId64 "\n"),
                              st->dropped_foreign);
    }
#undef STR_OR_NULL
}
