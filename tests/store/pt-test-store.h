/* pt-test-store.h: temporary data dirs and stores, shared by the store
 * and the sync tests (tests/sync links it), and store fixtures. */
#pragma once

#include <sqlite3.h>
#include "pt-store.h"
#include "pt-store-private.h"

G_BEGIN_DECLS

#define PT_TEST_TENANT "64b000000000000000000001"
#define PT_TEST_OTHER_TENANT "64b0000000000000000000ff"
#define PT_TEST_PASSWORD "correct horse battery"

typedef struct
{
  gchar   *dir;           /* temporary data dir, removed at teardown */
  PtStore *store;         /* acting as SYSTEM */
  gchar   *pharmacy_id;   /* the first branch */
} PtTestFixture;

/* A temporary directory (removed by pt_test_rmdir). */
gchar    *pt_test_mkdtemp       (void);
void      pt_test_rmdir         (const gchar *dir);

/* A new store of PT_TEST_TENANT (enterprise plan) in a new temp dir. */
void      pt_test_setup         (PtTestFixture *fx, gconstpointer data);
void      pt_test_teardown      (PtTestFixture *fx, gconstpointer data);
PtStore  *pt_test_create_store  (const gchar *dir, const gchar *tenant_id,
                                 const gchar *plan);
/* A new store of @tenant_id named @tenant_name (branch "High Street",
 * owner owner@example.org with @password) on @plan (NULL: enterprise). */
PtStore  *pt_test_create_tenant_store (const gchar *dir, const gchar *tenant_id,
                                       const gchar *tenant_name, const gchar *password,
                                       const gchar *plan);

PtTime    pt_test_days_from_now (gint days);

gchar    *pt_test_add_medicine  (PtStore *store, const gchar *name,
                                 const gchar *generic, const gchar *category,
                                 const gchar *barcode, PtMoney price);
gchar    *pt_test_add_patient   (PtStore *store, const gchar *first,
                                 const gchar *last, const gchar *phone,
                                 const gchar *allergy_kind,
                                 const gchar *allergy_substance);
/* One item per (medicine id, quantity) pair, NULL-terminated pairs given
 * as medicine, "quantity", ... */
gchar    *pt_test_add_prescription (PtStore *store, const gchar *patient_id,
                                    const gchar *pharmacy_id,
                                    const gchar *medicine_id, gint64 quantity,
                                    ...) G_GNUC_NULL_TERMINATED;
gchar    *pt_test_receive       (PtStore *store, const gchar *medicine_id,
                                 const gchar *pharmacy_id, const gchar *lot,
                                 gint expiry_days, PtQuantity quantity);
/* A user with @role ("cashier", ...) and PT_TEST_PASSWORD. */
gchar    *pt_test_add_user      (PtStore *store, const gchar *email,
                                 const gchar *role);

/* SELECT count(*) ... through the store's connection. */
gint64    pt_test_count         (PtStore *store, const gchar *sql_where_table);
gint64    pt_test_query_int     (PtStore *store, const gchar *sql);

/* Stock of a batch as the sum of its ledger entries. */
PtQuantity pt_test_batch_ledger_sum (PtStore *store, const gchar *batch_id);

/* A file's contents as a checksum, for "left untouched" checks. */
gchar    *pt_test_file_checksum (const gchar *path);

G_END_DECLS
