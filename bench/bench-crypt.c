/* bench-crypt: what encrypting the sensitive fields costs the sync engine,
 * against mongosim.  The limit is the same work for a tenant without
 * encryption, measured in the same run: the ratio is encrypted / clear.
 * It prints figures; it never fails on time.
 *
 *   _build/bench/bench-crypt [--patients N] [--runs R]
 */
#define G_LOG_DOMAIN "pt-bench"
#include "config.h"

#include <stdio.h>
#include <string.h>
#include <glib/gstdio.h>
#include "pt-store.h"
#include "pt-sync-crypt.h"
#include "pt-sync-engine.h"
#include "pt-sync-private.h"
#include "mongosim-fixture.h"

static gchar *
make_dir (void)
{
  g_autoptr(GError) error = NULL;
  gchar *dir = g_dir_make_tmp ("pt-bench-crypt-XXXXXX", &error);

  if (dir == NULL)
    g_error ("%s", error->message);
  return dir;
}

static void
remove_dir (const gchar *dir)
{
  g_autoptr(GDir) d = g_dir_open (dir, 0, NULL);
  const gchar *name;

  while (d != NULL && (name = g_dir_read_name (d)) != NULL)
    {
      g_autofree gchar *path = g_build_filename (dir, name, NULL);
      g_unlink (path);
    }
  g_rmdir (dir);
}

/* A tenant store with @n patients, every sensitive field filled. */
static PtStore *
make_tenant (const gchar *dir,
             const gchar *tenant_id,
             guint        n,
             GRand       *rand)
{
  g_autoptr(GError) error = NULL;
  PtStoreInit init = {
    .tenant_id = tenant_id,
    .tenant_name = "Bench Pharmacy",
    .plan = "enterprise",
    .pharmacy_name = "Main Street",
    .admin_email = "owner@example.org",
    .admin_password = "correct-horse-battery",
    .admin_name = "Olive Owner",
  };
  PtStore *store = pt_store_create (dir, &init, &error);

  if (store == NULL)
    g_error ("%s", error->message);
  pt_store_act_as_system (store);
  for (guint i = 0; i < n; i++)
    {
      g_autofree gchar *json = g_strdup_printf (
        "{\"firstName\": \"Patient%u\", \"lastName\": \"Family%u\","
        " \"dateOfBirth\": {\"$date\": {\"$numberLong\": \"%d000\"}},"
        " \"phone\": \"+44 20 7946 %04u\", \"email\": \"p%u@example.org\","
        " \"address\": {\"line1\": \"%u High Street\", \"city\": \"Oxford\", \"postcode\": \"OX1 1AA\"},"
        " \"allergies\": [{\"substance\": \"Penicillin\", \"severity\": \"severe\"}],"
        " \"conditions\": [\"Asthma\"], \"notes\": \"Large-print labels\","
        " \"insurance\": {\"provider\": \"Bupa\", \"memberId\": \"M%08u\"}}",
        i, g_rand_int_range (rand, 0, 5000), g_rand_int_range (rand, 0, 1500000000),
        i % 10000, i, i, g_rand_int (rand) % 100000000);
      bson_t *doc = bson_new_from_json ((const uint8_t *) json, -1, NULL);
      g_autofree gchar *id = NULL;

      if (doc == NULL)
        g_error ("bad patient JSON");
      id = pt_store_put (store, "patients", doc, &error);
      if (id == NULL)
        g_error ("%s", error->message);
      bson_destroy (doc);
    }
  return store;
}

static gdouble
sync_seconds (const gchar *dir,
              const gchar *uri)
{
  g_autoptr(PtSyncEngine) engine = pt_sync_engine_new (dir, uri, NULL);
  g_autoptr(GError) error = NULL;
  gint64 t0 = g_get_monotonic_time ();

  if (!pt_sync_engine_run_once (engine, NULL, NULL, NULL, &error))
    g_error ("sync: %s", error->message);
  return (g_get_monotonic_time () - t0) / 1e6;
}

static gint
cmp_double (gconstpointer a, gconstpointer b)
{
  gdouble x = *(const gdouble *) a, y = *(const gdouble *) b;
  return x < y ? -1 : x > y;
}

static gdouble
median (GArray *values)
{
  g_array_sort (values, cmp_double);
  return g_array_index (values, gdouble, values->len / 2);
}

int
main (int argc, char **argv)
{
  gint patients = 2000, runs = 3;
  guint32 seed = 20261127;
  const GOptionEntry entries[] = {
    { "patients", 0, 0, G_OPTION_ARG_INT, &patients, "Patients per tenant (default 2000)", "N" },
    { "runs", 0, 0, G_OPTION_ARG_INT, &runs, "Runs (default 3)", "R" },
    { NULL }
  };
  g_autoptr(GOptionContext) ctx = g_option_context_new (NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(MongosimFixture) sim = NULL;
  g_autoptr(GArray) push_clear = g_array_new (FALSE, FALSE, sizeof (gdouble));
  g_autoptr(GArray) push_enc = g_array_new (FALSE, FALSE, sizeof (gdouble));
  g_autoptr(GArray) pull_clear = g_array_new (FALSE, FALSE, sizeof (gdouble));
  g_autoptr(GArray) pull_enc = g_array_new (FALSE, FALSE, sizeof (gdouble));
  g_autofree gchar *key_dir = make_dir ();
  g_autofree gchar *key_file = g_build_filename (key_dir, "pharmacy.key", NULL);
  g_autoptr(GBytes) key = pt_sync_crypt_new_master_key ();
  g_autoptr(GRand) rand = g_rand_new_with_seed (seed);
  const gchar *uri;

  g_option_context_add_main_entries (ctx, entries, NULL);
  if (!g_option_context_parse (ctx, &argc, &argv, &error) || patients < 1 || runs < 1)
    {
      g_printerr ("%s\n", error != NULL ? error->message : "bad arguments");
      return 2;
    }
  pt_sync_init_driver ();
  if (!pt_sync_crypt_write_key_file (key_file, key, &error))
    g_error ("%s", error->message);
  sim = mongosim_fixture_start (NULL, &error);
  if (sim == NULL)
    g_error ("mongosim: %s", error->message);
  uri = mongosim_fixture_get_uri (sim);
  printf ("bench-crypt: mongosim at %s, %d patients per tenant, %d runs, seed %u\n",
          uri, patients, runs, seed);

  for (gint r = 0; r < runs; r++)
    for (guint encrypted = 0; encrypted < 2; encrypted++)
      {
        g_autofree gchar *dir = make_dir ();
        g_autofree gchar *dir2 = make_dir ();
        g_autofree gchar *tenant = g_strdup_printf ("65b0000000000000%02x%06x", encrypted, r);
        g_autoptr(PtStore) store = make_tenant (dir, tenant, (guint) patients, rand);
        gdouble push, pull;

        g_clear_object (&store);
        if (encrypted
            && (!pt_sync_crypt_import_key (dir, tenant, key_file, &error)
                || !pt_sync_crypt_import_key (dir2, tenant, key_file, &error)))
          g_error ("%s", error->message);
        push = sync_seconds (dir, uri);
        {
          PtStoreInit init = { .tenant_id = tenant, .tenant_name = tenant, .enrolment = TRUE };
          g_autoptr(PtStore) enrol = pt_store_create (dir2, &init, &error);
          if (enrol == NULL)
            g_error ("%s", error->message);
        }
        pull = sync_seconds (dir2, uri);
        g_array_append_val (encrypted ? push_enc : push_clear, push);
        g_array_append_val (encrypted ? pull_enc : pull_clear, pull);
        printf ("run %d %-9s: first push %.2f s, enrolment of a second counter %.2f s\n",
                r + 1, encrypted ? "encrypted" : "clear", push, pull);
        remove_dir (dir);
        remove_dir (dir2);
      }

  {
    gdouble pc = median (push_clear), pe = median (push_enc);
    gdouble lc = median (pull_clear), le = median (pull_enc);
    /* Each patient has 10 sensitive fields; the tenant's other documents
     * (tenant, pharmacy, owner, audit events) travel too. */
    printf ("\n| Figure (%d patients, median of %d) | Encrypted | Clear (limit) | Ratio |\n"
            "|---|---|---|---|\n", patients, runs);
    printf ("| First push of the tenant (`sync --once`) | %.0f patients/s | %.0f patients/s | %.2f |\n",
            patients / pe, patients / pc, pc / pe);
    printf ("| Enrolment of a second counter (initial sync) | %.0f patients/s | %.0f patients/s | %.2f |\n",
            patients / le, patients / lc, lc / le);
  }
  remove_dir (key_dir);
  mongosim_fixture_stop (sim, NULL);
  return 0;
}
