/* sync-e2e-fixture.h: counter A (a tenant), counter B (enrolled when a
 * test asks) and a foreign writer (the web dashboard) against mongosim,
 * for test-sync-e2e*.c. */
#pragma once

#include "sync-test-util.h"

G_BEGIN_DECLS

typedef struct
{
  MongosimFixture *sim;
  const gchar     *uri;
  gchar           *dir_a, *dir_b;
  PtStore         *a, *b;
  mongoc_client_t *web;       /* the foreign writer (web dashboard) */
} SyncE2eFixture;

/* The simulator started with @args (NULL-terminated, may be NULL). */
void   sync_e2e_setup_args (SyncE2eFixture      *f,
                            const gchar * const *args);
/* GTest set-up: @data is the simulator's arguments. */
void   sync_e2e_setup      (SyncE2eFixture *f,
                            gconstpointer   data);
void   sync_e2e_teardown   (SyncE2eFixture *f,
                            gconstpointer   data);
/* A pushes, B enrols: both hold the tenant's data. */
void   sync_e2e_enrol_b    (SyncE2eFixture *f);
/* {"@key": {"$oid": "@hex"}} */
gchar *sync_e2e_oid_filter (const gchar *key,
                            const gchar *hex);

G_END_DECLS
