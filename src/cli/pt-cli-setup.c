/* pt-cli-setup.c: `init` and `demo-data`. */
#define G_LOG_DOMAIN "pt-cli"
#include "config.h"

#include <string.h>

#include "pt-cli-private.h"
#include "pt-demo.h"

static gchar *
read_password_file (const gchar *path, GError **error)
{
  g_autofree gchar *contents = NULL;
  g_autoptr(GError) local_error = NULL;
  gsize length;

  if (!g_file_get_contents (path, &contents, &length, &local_error))
    {
      g_set_error (error, PT_ERROR, PT_ERROR_NOT_FOUND,
                   _("Cannot read the password file “%s”: %s"), path,
                   local_error->message);
      return NULL;
    }
  /* Only the first line: files written by `echo` end with a newline. */
  contents[strcspn (contents, "\r\n")] = '\0';
  if (!g_utf8_validate (contents, -1, NULL))
    {
      g_set_error (error, PT_ERROR, PT_ERROR_INVALID,
                   _("The password file “%s” is not UTF-8 text."), path);
      return NULL;
    }
  if (g_utf8_strlen (contents, -1) < PT_PASSWORD_MIN_LENGTH)
    {
      g_set_error (error, PT_ERROR, PT_ERROR_INVALID,
                   _("The password in “%s” is too short; use at least %d characters."),
                   path, PT_PASSWORD_MIN_LENGTH);
      return NULL;
    }
  return g_steal_pointer (&contents);
}

int
pt_cli_cmd_init (PtCli *cli, int argc, char **argv)
{
  g_autofree gchar *tenant_id = NULL;
  g_autofree gchar *tenant_name = NULL;
  g_autofree gchar *plan = NULL;
  g_autofree gchar *pharmacy_name = NULL;
  g_autofree gchar *admin_email = NULL;
  g_autofree gchar *admin_name = NULL;
  g_autofree gchar *password_file = NULL;
  g_autofree gchar *password = NULL;
  g_autofree gchar *currency = NULL;
  g_autofree gchar *locale = NULL;
  g_autofree gchar *timezone = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(PtStore) store = NULL;
  PtStoreInit init = { 0 };
  PtPlan plan_value;
  int status;
  const GOptionEntry entries[] = {
    { "tenant-id", 0, 0, G_OPTION_ARG_STRING, &tenant_id,
      N_("The tenant’s ObjectId (24 hex digits), as in Atlas; a new one when omitted"), N_("OID") },
    { "tenant-name", 0, 0, G_OPTION_ARG_STRING, &tenant_name,
      N_("The tenant’s name (required)"), N_("NAME") },
    { "plan", 0, 0, G_OPTION_ARG_STRING, &plan,
      N_("starter (default), professional or enterprise"), N_("PLAN") },
    { "pharmacy-name", 0, 0, G_OPTION_ARG_STRING, &pharmacy_name,
      N_("Name of the first branch (default “Main pharmacy”)"), N_("NAME") },
    { "admin-email", 0, 0, G_OPTION_ARG_STRING, &admin_email,
      N_("E-mail of the owner user to create"), N_("E") },
    { "admin-password-file", 0, 0, G_OPTION_ARG_FILENAME, &password_file,
      N_("File whose first line is the owner’s password"), N_("F") },
    { "admin-name", 0, 0, G_OPTION_ARG_STRING, &admin_name,
      N_("Display name of the owner"), N_("NAME") },
    { "currency", 0, 0, G_OPTION_ARG_STRING, &currency,
      N_("ISO 4217 currency (default EUR)"), N_("CODE") },
    { "locale", 0, 0, G_OPTION_ARG_STRING, &locale,
      N_("Locale (default en_GB)"), N_("LOCALE") },
    { "timezone", 0, 0, G_OPTION_ARG_STRING, &timezone,
      N_("Time zone (default Europe/London)"), N_("TZ") },
    { NULL }
  };

  if (!pt_cli_parse (cli, &argc, &argv, entries, "",
                     _("Creates the local store of a tenant in the data dir, with its first "
                       "pharmacy and, with --admin-email, an owner user.  Prints the id of "
                       "this device.  Refuses when the data dir already holds a store."),
                     &status))
    return status;
  if (!pt_cli_expect_args (cli, argc, 0, 0, &status))
    return status;

  if (tenant_name == NULL || *tenant_name == '\0')
    return pt_cli_usage (cli, _("--tenant-name is required"));
  if (tenant_id != NULL && !pt_oid_is_valid (tenant_id))
    return pt_cli_usage (cli, _("--tenant-id must be an ObjectId of 24 hex digits, not “%s”"),
                         tenant_id);
  if (plan != NULL && !pt_plan_from_string (plan, &plan_value))
    return pt_cli_usage (cli, _("--plan must be starter, professional or enterprise, not “%s”"),
                         plan);
  if ((admin_email == NULL) != (password_file == NULL))
    return pt_cli_usage (cli, _("--admin-email and --admin-password-file go together"));

  if (password_file != NULL)
    {
      password = read_password_file (password_file, &error);
      if (password == NULL)
        return pt_cli_fail (cli, error);
    }

  cli->data_dir = pt_store_resolve_data_dir (cli->data_dir_option);

  init.tenant_id = tenant_id;
  init.tenant_name = tenant_name;
  init.plan = plan;
  init.currency = currency;
  init.locale = locale;
  init.timezone = timezone;
  init.pharmacy_name = pharmacy_name;
  init.admin_email = admin_email;
  init.admin_password = password;
  init.admin_name = admin_name;

  store = pt_store_create (cli->data_dir, &init, &error);
  if (password != NULL)
    memset (password, 0, strlen (password));
  if (store == NULL)
    return pt_cli_fail (cli, error);

  g_print ("%s\n", pt_store_get_device_id (store));
  return PT_CLI_EXIT_OK;
}

int
pt_cli_cmd_demo_data (PtCli *cli, int argc, char **argv)
{
  g_autofree gchar *medicines = NULL;
  g_autofree gchar *patients = NULL;
  g_autofree gchar *prescriptions = NULL;
  g_autofree gchar *seed = NULL;
  g_autoptr(GError) error = NULL;
  PtDemoOptions options = { 500, 200, 300, 42 };
  gint64 value;
  gint64 t0;
  int status;
  const GOptionEntry entries[] = {
    { "medicines", 0, 0, G_OPTION_ARG_STRING, &medicines,
      N_("Number of medicines (default 500)"), N_("N") },
    { "patients", 0, 0, G_OPTION_ARG_STRING, &patients,
      N_("Number of patients (default 200)"), N_("N") },
    { "prescriptions", 0, 0, G_OPTION_ARG_STRING, &prescriptions,
      N_("Number of prescriptions (default 300)"), N_("N") },
    { "seed", 0, 0, G_OPTION_ARG_STRING, &seed,
      N_("Seed of the generator: the same seed gives the same data (default 42)"), N_("S") },
    { NULL }
  };

  /* The addresses and password are arguments, not glued into the string:
   * xgettext would cut the message at the first macro. */
  g_autofree gchar *summary =
    g_strdup_printf (_("Adds realistic synthetic data: medicines with real generic names, "
                       "strengths, forms and valid GTIN-13 barcodes; batches with spread-out "
                       "expiries and a consistent stock ledger; patients; prescriptions in "
                       "every workflow state.  When the data dir holds no store yet, creates "
                       "the tenant “Demo Pharmacy” (enterprise plan, two branches) with the "
                       "users %s, %s, %s and %s (password “%s”)."),
                     PT_DEMO_OWNER_EMAIL, PT_DEMO_PHARMACIST_EMAIL,
                     PT_DEMO_TECHNICIAN_EMAIL, PT_DEMO_CASHIER_EMAIL, PT_DEMO_PASSWORD);

  if (!pt_cli_parse (cli, &argc, &argv, entries, "", summary, &status))
    return status;
  if (!pt_cli_expect_args (cli, argc, 0, 0, &status))
    return status;

  if (medicines != NULL)
    {
      if (!pt_cli_parse_int (medicines, "--medicines", 1, 10000000, &value, &error))
        return pt_cli_usage (cli, "%s", error->message);
      options.medicines = value;
    }
  if (patients != NULL)
    {
      if (!pt_cli_parse_int (patients, "--patients", 1, 10000000, &value, &error))
        return pt_cli_usage (cli, "%s", error->message);
      options.patients = value;
    }
  if (prescriptions != NULL)
    {
      if (!pt_cli_parse_int (prescriptions, "--prescriptions", 1, 10000000, &value, &error))
        return pt_cli_usage (cli, "%s", error->message);
      options.prescriptions = value;
    }
  if (seed != NULL)
    {
      if (!pt_cli_parse_int (seed, "--seed", 0, G_MAXINT64, &value, &error))
        return pt_cli_usage (cli, "%s", error->message);
      options.seed = value;
    }

  cli->data_dir = pt_store_resolve_data_dir (cli->data_dir_option);
  t0 = g_get_monotonic_time ();

  if (pt_store_exists (cli->data_dir))
    {
      if (!pt_cli_open_store (cli))
        return PT_CLI_EXIT_FAILURE;
      if (cli->user_email != NULL
          && !pt_role_check (pt_store_get_role (cli->store), PT_PERM_IMPORT_EXPORT, &error))
        return pt_cli_fail (cli, error);
      if (!pt_demo_generate (cli->store, &options, pt_cli_progress_cb, cli, &error))
        {
          pt_cli_progress_end (cli);
          return pt_cli_fail (cli, error);
        }
    }
  else
    {
      cli->store = pt_demo_create_store (cli->data_dir, &options,
                                         pt_cli_progress_cb, cli, &error);
      if (cli->store == NULL)
        {
          pt_cli_progress_end (cli);
          return pt_cli_fail (cli, error);
        }
    }
  pt_cli_progress_end (cli);

  if (cli->stderr_is_tty)
    g_printerr (_("Added %u medicines, %u patients and %u prescriptions in %.1f s.\n"),
                options.medicines, options.patients, options.prescriptions,
                (g_get_monotonic_time () - t0) / 1e6);
  return PT_CLI_EXIT_OK;
}
