/* sync-e2e-fixture.c: see sync-e2e-fixture.h. */
#define G_LOG_DOMAIN "pt-test"
#include "config.h"

#include "sync-e2e-fixture.h"

void
sync_e2e_setup_args (SyncE2eFixture      *f,
                     const gchar * const *args)
{
  f->sim = sync_test_server (args);
  f->uri = mongosim_fixture_get_uri (f->sim);
  f->dir_a = sync_test_mkdtemp ();
  f->dir_b = sync_test_mkdtemp ();
  f->a = sync_test_create_tenant (f->dir_a);
  f->web = sync_test_client (f->uri);
}

void
sync_e2e_setup (SyncE2eFixture *f, gconstpointer data)
{
  sync_e2e_setup_args (f, data);
}

void
sync_e2e_teardown (SyncE2eFixture *f, gconstpointer data)
{
  g_clear_pointer (&f->web, mongoc_client_destroy);
  g_clear_object (&f->a);
  g_clear_object (&f->b);
  sync_test_rmdir (f->dir_a);
  sync_test_rmdir (f->dir_b);
  g_free (f->dir_a);
  g_free (f->dir_b);
  g_clear_pointer (&f->sim, mongosim_fixture_free);
}

void
sync_e2e_enrol_b (SyncE2eFixture *f)
{
  sync_test_sync_ok (f->dir_a, f->uri);
  g_clear_object (&f->b);
  f->b = sync_test_create_enrolment (f->dir_b);
  sync_test_sync_ok (f->dir_b, f->uri);
}

gchar *
sync_e2e_oid_filter (const gchar *key, const gchar *hex)
{
  return g_strdup_printf ("{\"%s\": {\"$oid\": \"%s\"}}", key, hex);
}
