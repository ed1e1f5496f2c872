/* pt-cli-sync-setup.c: `setup-atlas`, which prepares a MongoDB database
 * (Atlas) for PharmaTrack: indexes, unique keys, the key vault, a super
 * admin and a sample tenant. */
#define G_LOG_DOMAIN "pt-cli"
#include "config.h"

#include <inttypes.h>
#include <string.h>
#include <glib/gstdio.h>
#include <mongoc/mongoc.h>

#include "pt-cli-private.h"
#include "pt-cli-sync-private.h"
#include "pt-demo.h"
#include "pt-sync-crypt.h"
#include "pt-sync-engine.h"
#include "pt-sync-error.h"
#include "pt-sync-private.h"

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
  uri = _pt_cli_sync_resolve_uri (cli, uri_option, &status);
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
