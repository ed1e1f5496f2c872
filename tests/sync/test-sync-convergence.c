/* test-sync-convergence.c: the property test of DESIGN §5.
 *
 * Three counters of one tenant and a foreign writer do random work
 * (medicines, patients, prescriptions, receipts, dispensing, cancels,
 * tombstones) while counters go offline for random spans and the server
 * injects failures (closeConnection, blockConnection, errors 10107, 11602
 * and 91, a writeConcernError) and steps down.  In the end every counter
 * and the server hold the same data, every ledger entry exists exactly
 * once, per-medicine stock equals the ledger sum everywhere, and every
 * edit is in the final state or in a conflict log. */
#define G_LOG_DOMAIN "pt-test"
#include "config.h"

#include <string.h>
#include "pt-store-counter.h"
#include "pt-store-private.h"
#include "pt-sync-bson.h"
#include "sync-test-util.h"

#define N_COUNTERS 3

typedef struct
{
  gchar   *dir;
  PtStore *store;
  gboolean offline;
} Counter;

typedef struct
{
  gchar *stamp;
  gchar *value_json;
  gchar *who;
} LastEdit;

static void
last_edit_free (LastEdit *e)
{
  g_free (e->stamp);
  g_free (e->value_json);
  g_free (e->who);
  g_free (e);
}

typedef struct
{
  MongosimFixture *sim;
  const gchar     *uri;
  mongoc_client_t *web;
  mongoc_client_t *admin;        /* direct connection: works while stepped down */
  Counter          c[N_COUNTERS];
  GRand           *rand;
  GPtrArray       *medicines;    /* ids, any counter */
  GPtrArray       *patients;
  GPtrArray       *prescriptions;
  GHashTable      *last_edits;   /* "coll/id/field" → LastEdit */
  gint64           movements;    /* ledger entries created by counters */
  guint            n_syncs, n_sync_failures, n_failpoints, n_stepdowns, n_foreign;
} World;

static gchar *
value_json_of (const bson_t *doc,
               const gchar  *field)
{
  bson_iter_t it;

  if (doc == NULL || !bson_iter_init_find (&it, doc, field))
    return pt_sync_value_to_json (NULL);
  return pt_sync_value_to_json (&it);
}

static void
note_edit (World       *w,
           const gchar *coll,
           const gchar *id,
           const gchar *field,
           const gchar *stamp,
           gchar       *value_json,
           const gchar *who)
{
  g_autofree gchar *key = g_strdup_printf ("%s/%s/%s", coll, id, field);
  LastEdit *e = g_hash_table_lookup (w->last_edits, key);

  if (e != NULL && pt_hlc_stamp_compare (e->stamp, stamp) >= 0)
    {
      g_free (value_json);
      return;
    }
  e = g_new0 (LastEdit, 1);
  e->stamp = g_strdup (stamp);
  e->value_json = value_json;
  e->who = g_strdup (who);
  g_hash_table_replace (w->last_edits, g_steal_pointer (&key), e);
}

/* A local LWW edit, remembered with the stamp the store gave it. */
static void
counter_edit (World       *w,
              Counter     *c,
              const gchar *coll,
              const gchar *id,
              const gchar *field,
              const gchar *value_literal)
{
  g_autofree gchar *json = g_strdup_printf ("{\"%s\": %s}", field, value_literal);
  g_autoptr(GError) error = NULL;
  bson_t *fields = sync_test_json (json);
  PtRawRow *row;

  if (!pt_store_update (c->store, coll, id, fields, &error))
    {
      /* A document this counter has not seen yet: nothing happened. */
      g_assert_error (error, PT_ERROR, PT_ERROR_NOT_FOUND);
      bson_destroy (fields);
      return;
    }
  bson_destroy (fields);
  row = _pt_store_read_row (c->store, pt_schema_lookup (coll), id, &error);
  g_assert_no_error (error);
  note_edit (w, coll, id, field, pt_sync_stamp_get (row->stamps, field),
             value_json_of (row->doc, field), c->dir);
  _pt_raw_row_free (row);
}

static gint64
movements_of (Counter *c)
{
  PtListOptions opts = { .include_deleted = TRUE };
  g_autoptr(GPtrArray) l = pt_store_list (c->store, "stock_movements", &opts, NULL);
  return l != NULL ? (gint64) l->len : 0;
}

static void
counter_op (World   *w,
            Counter *c)
{
  guint r = g_rand_int_range (w->rand, 0, 100);
  g_autoptr(GError) error = NULL;
  gint64 before = movements_of (c);

  if (w->medicines->len < 4 || r < 14)
    {
      g_autofree gchar *name = g_strdup_printf ("Medicine %u", w->medicines->len);
      g_ptr_array_add (w->medicines, sync_test_put_medicine (c->store, name, g_rand_int_range (w->rand, 100, 5000)));
    }
  else if (w->patients->len < 2 || r < 20)
    {
      g_autofree gchar *json = g_strdup_printf ("{\"firstName\": \"Pat\", \"lastName\": \"Patient %u\"}",
                                                w->patients->len);
      bson_t *doc = sync_test_json (json);
      gchar *id = pt_store_put (c->store, "patients", doc, &error);
      g_assert_no_error (error);
      g_ptr_array_add (w->patients, id);
      bson_destroy (doc);
    }
  else if (r < 45)
    {
      const gchar *m = g_ptr_array_index (w->medicines, g_rand_int_range (w->rand, 0, w->medicines->len));
      g_autofree gchar *v = g_strdup_printf ("%u", g_rand_int_range (w->rand, 100, 9000));
      counter_edit (w, c, "medicines", m, "price", v);
    }
  else if (r < 55)
    {
      const gchar *m = g_ptr_array_index (w->medicines, g_rand_int_range (w->rand, 0, w->medicines->len));
      g_autofree gchar *v = g_strdup_printf ("\"note %u by %s\"", g_rand_int (w->rand), c->dir + strlen (c->dir) - 6);
      counter_edit (w, c, "medicines", m, "description", v);
    }
  else if (r < 60)
    {
      const gchar *p = g_ptr_array_index (w->patients, g_rand_int_range (w->rand, 0, w->patients->len));
      g_autofree gchar *v = g_strdup_printf ("\"Patient renamed %u\"", g_rand_int (w->rand));
      counter_edit (w, c, "patients", p, "lastName", v);
    }
  else if (r < 62)
    {
      const gchar *m = g_ptr_array_index (w->medicines, g_rand_int_range (w->rand, 0, w->medicines->len));
      counter_edit (w, c, "medicines", m, "deleted", "true");
    }
  else if (r < 75)
    {
      const gchar *m = g_ptr_array_index (w->medicines, g_rand_int_range (w->rand, 0, w->medicines->len));
      PtReceipt rc = {
        .medicine_id = m,
        .lot_number = "LOT-PROP",
        .expiry_date = g_get_real_time () / 1000 + (gint64) 400 * 24 * 3600 * 1000,
        .quantity = g_rand_int_range (w->rand, 1, 30),
        .cost_price = 100,
      };
      /* Refused for a medicine this counter has not seen or deleted. */
      g_autofree gchar *b = pt_store_receive_stock (c->store, &rc, &error);
    }
  else if (r < 85)
    {
      const gchar *m = g_ptr_array_index (w->medicines, g_rand_int_range (w->rand, 0, w->medicines->len));
      const gchar *p = g_ptr_array_index (w->patients, g_rand_int_range (w->rand, 0, w->patients->len));
      PtRxItemSpec item = { .medicine_id = m, .quantity = g_rand_int_range (w->rand, 1, 20) };
      PtRxSpec spec = { .patient_id = p, .items = &item, .n_items = 1 };
      gchar *rx = pt_store_counter_create_prescription (c->store, &spec, NULL, &error);

      if (rx != NULL)
        g_ptr_array_add (w->prescriptions, rx);
    }
  else if (r < 95 && w->prescriptions->len > 0)
    {
      const gchar *rx = g_ptr_array_index (w->prescriptions, g_rand_int_range (w->rand, 0, w->prescriptions->len));
      g_autoptr(PtDispensePlan) plan = pt_store_dispense (c->store, rx, "property test",
                                                         g_get_real_time () / 1000, &error);
    }
  else if (w->prescriptions->len > 0)
    {
      const gchar *rx = g_ptr_array_index (w->prescriptions, g_rand_int_range (w->rand, 0, w->prescriptions->len));
      pt_store_cancel_prescription (c->store, rx, "property test", &error);
    }
  w->movements += movements_of (c) - before;
}

static void
foreign_op (World *w)
{
  const gchar *m = g_ptr_array_index (w->medicines, g_rand_int_range (w->rand, 0, w->medicines->len));
  mongoc_collection_t *coll = mongoc_client_get_collection (w->web, "pharmatrack", "medicines");
  gint64 now = g_get_real_time () / 1000;
  gint64 price = g_rand_int_range (w->rand, 100, 9000);
  bson_t filter = BSON_INITIALIZER, update = BSON_INITIALIZER, set;
  bson_oid_t oid;
  bson_t reply;
  bson_iter_t it;

  bson_oid_init_from_string (&oid, m);
  BSON_APPEND_OID (&filter, "_id", &oid);
  BSON_APPEND_DOCUMENT_BEGIN (&update, "$set", &set);
  BSON_APPEND_INT64 (&set, "price", price);
  BSON_APPEND_DATE_TIME (&set, "updatedAt", now);
  bson_append_document_end (&update, &set);
  if (mongoc_collection_update_one (coll, &filter, &update, NULL, &reply, NULL)
      && bson_iter_init_find (&it, &reply, "matchedCount") && bson_iter_as_int64 (&it) == 1)
    {
      g_autofree gchar *stamp = pt_hlc_stamp_from_time (now);
      note_edit (w, "medicines", m, "price", stamp,
                 g_strdup_printf ("%" G_GINT64_FORMAT, price), "web");
      w->n_foreign++;
    }
  bson_destroy (&reply);
  bson_destroy (&filter);
  bson_destroy (&update);
  mongoc_collection_destroy (coll);
}

static void
failpoint_op (World *w)
{
  static const gchar * const fps[] = {
    "{\"failCommands\": [\"insert\", \"update\", \"find\", \"getMore\", \"aggregate\"], \"closeConnection\": true}",
    "{\"failCommands\": [\"insert\", \"update\", \"find\"], \"blockConnection\": true, \"blockTimeMS\": 300}",
    "{\"failCommands\": [\"insert\", \"update\"], \"errorCode\": 10107}",
    "{\"failCommands\": [\"insert\", \"update\", \"find\"], \"errorCode\": 11602}",
    "{\"failCommands\": [\"insert\", \"update\", \"aggregate\"], \"errorCode\": 91}",
    "{\"failCommands\": [\"insert\", \"update\"], \"writeConcernError\": {\"code\": 64, \"errmsg\": \"waiting for replication timed out\"}}",
  };
  /* Only the counters' connections fail (appName): the foreign writer
   * must know whether its own write landed. */
  g_autofree gchar *cmd = g_strdup_printf ("{\"configureFailPoint\": \"failCommand\", \"mode\": {\"times\": %d}, "
                                           "\"data\": {\"appName\": \"pharmatrack-desktop\", %s}",
                                           g_rand_int_range (w->rand, 1, 4),
                                           fps[g_rand_int_range (w->rand, 0, G_N_ELEMENTS (fps))] + 1);
  sync_test_server_command (w->admin, "admin", cmd);
  w->n_failpoints++;
}

static gboolean
counter_sync (World   *w,
              Counter *c)
{
  g_autoptr(GError) error = NULL;
  gboolean ok;

  /* The GUI's connection would be open too; the engine opens its own. */
  ok = sync_test_sync_once (c->dir, w->uri, &error);
  w->n_syncs++;
  if (!ok)
    {
      w->n_sync_failures++;
      g_test_message ("sync of %s failed: %s", c->dir, error->message);
    }
  return ok;
}

static void
assert_counter_matches_server (World   *w,
                               Counter *c)
{
  guint n;
  const PtCollection * const *colls = pt_schema_collections (&n);

  for (guint i = 0; i < n; i++)
    {
      PtListOptions opts = { .include_deleted = TRUE };
      g_autoptr(GPtrArray) docs = NULL;
      g_autofree gchar *filter = g_strdup_printf ("{\"%s\": {\"$oid\": \"%s\"}}",
                                                  colls[i]->tenant_scoped ? "tenantId" : "_id",
                                                  SYNC_TEST_TENANT);
      if (!colls[i]->synced)
        continue;
      docs = pt_store_list (c->store, colls[i]->name, &opts, NULL);
      g_assert_cmpint (sync_test_server_count (w->web, colls[i]->name, filter), ==, docs->len);
      for (guint j = 0; j < docs->len; j++)
        {
          const bson_t *local = g_ptr_array_index (docs, j);
          g_autofree gchar *id = pt_sync_doc_id_hex (local);
          g_autoptr(bson_t) remote = sync_test_server_get (w->web, colls[i]->name, id);
          bson_t *rdoc = NULL;

          g_assert_nonnull (remote);
          pt_sync_bson_from_remote (colls[i], remote, &rdoc, NULL, NULL, NULL);
          if (!pt_sync_docs_equal (local, rdoc, NULL))
            {
              g_autofree gchar *jl = bson_as_relaxed_extended_json (local, NULL);
              g_autofree gchar *jr = bson_as_relaxed_extended_json (rdoc, NULL);
              g_error ("%s %s differs from the server:\n  %s\n  %s", colls[i]->name, id, jl, jr);
            }
          bson_destroy (rdoc);
        }
    }
}

static gint64
server_stock (World       *w,
              const gchar *medicine_id)
{
  mongoc_collection_t *coll = mongoc_client_get_collection (w->web, "pharmatrack", "stock_movements");
  bson_t filter = BSON_INITIALIZER;
  bson_oid_t oid;
  mongoc_cursor_t *cursor;
  const bson_t *doc;
  gint64 sum = 0;

  bson_oid_init_from_string (&oid, medicine_id);
  BSON_APPEND_OID (&filter, "medicineId", &oid);
  cursor = mongoc_collection_find_with_opts (coll, &filter, NULL, NULL);
  while (mongoc_cursor_next (cursor, &doc))
    sum += pt_bson_get_int (doc, "quantity", 0);
  mongoc_cursor_destroy (cursor);
  mongoc_collection_destroy (coll);
  bson_destroy (&filter);
  return sum;
}

static gboolean
in_some_conflict_log (World       *w,
                      const gchar *id,
                      const gchar *field,
                      const gchar *value_json)
{
  for (guint i = 0; i < N_COUNTERS; i++)
    {
      g_autoptr(GPtrArray) log = pt_store_sync_list_conflicts (w->c[i].store, TRUE, NULL);
      for (guint j = 0; log != NULL && j < log->len; j++)
        {
          PtSyncConflict *e = g_ptr_array_index (log, j);
          if (g_strcmp0 (e->document_id, id) == 0 && g_strcmp0 (e->field, field) == 0
              && g_strcmp0 (e->lost_value, value_json) == 0)
            return TRUE;
        }
    }
  return FALSE;
}

static void
test_counters_and_server_converge (void)
{
  World w = { 0 };
  g_autofree gchar *uri = NULL;
  const gchar *env_ops = g_getenv ("PT_SYNC_CONVERGENCE_OPS");
  guint n_ops = env_ops != NULL ? (guint) g_ascii_strtoull (env_ops, NULL, 10) : 2500;
  const gchar *env_seed = g_getenv ("PT_SYNC_CONVERGENCE_SEED");
  guint32 seed = env_seed != NULL ? (guint32) g_ascii_strtoull (env_seed, NULL, 10) : 4242;
  gint64 t0 = g_get_monotonic_time ();
  GHashTableIter hit;
  gpointer key, value;
  guint checked = 0, in_log = 0;
  gboolean converged = FALSE;

  g_test_message ("seed %u, %u operations (PT_SYNC_CONVERGENCE_SEED / _OPS to change)", seed, n_ops);
  w.rand = g_rand_new_with_seed (seed);
  w.sim = sync_test_server (NULL);
  /* Fail fast while the server is stepped down: counters retry later. */
  uri = g_strdup_printf ("%s&serverSelectionTimeoutMS=1200", mongosim_fixture_get_uri (w.sim));
  w.uri = uri;
  w.web = sync_test_client (w.uri);
  {
    g_autofree gchar *direct = g_strdup_printf ("mongodb://%s/?directConnection=true",
                                                mongosim_fixture_get_host (w.sim));
    w.admin = sync_test_client (direct);
  }
  w.medicines = g_ptr_array_new_with_free_func (g_free);
  w.patients = g_ptr_array_new_with_free_func (g_free);
  w.prescriptions = g_ptr_array_new_with_free_func (g_free);
  w.last_edits = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, (GDestroyNotify) last_edit_free);

  /* Counter 0 creates the tenant; the others enrol. */
  for (guint i = 0; i < N_COUNTERS; i++)
    {
      w.c[i].dir = sync_test_mkdtemp ();
      if (i == 0)
        {
          w.c[i].store = sync_test_create_tenant (w.c[i].dir);
          sync_test_sync_ok (w.c[i].dir, w.uri);
        }
      else
        {
          w.c[i].store = sync_test_create_enrolment (w.c[i].dir);
          sync_test_sync_ok (w.c[i].dir, w.uri);
        }
      _pt_store_set_busy_timeout (w.c[i].store, 20000);
    }

  for (guint op = 0; op < n_ops; op++)
    {
      guint r = g_rand_int_range (w.rand, 0, 1000);
      Counter *c = &w.c[g_rand_int_range (w.rand, 0, N_COUNTERS)];

      if (r < 760)
        {
          /* An enrolled counter works only once it has the tenant. */
          if (pt_store_count (c->store, "pharmacies") > 0)
            counter_op (&w, c);
        }
      else if (r < 900)
        {
          if (!c->offline)
            counter_sync (&w, c);
        }
      else if (r < 950)
        c->offline = !c->offline;       /* a partition starts or ends */
      else if (r < 975)
        foreign_op (&w);
      else if (r < 996)
        failpoint_op (&w);
      else
        {
          bson_t *cmd = sync_test_json ("{\"replSetStepDown\": 1, \"force\": true}");
          /* Refused while already stepped down: that is fine. */
          if (mongoc_client_command_simple (w.admin, "admin", cmd, NULL, NULL, NULL))
            w.n_stepdowns++;
          bson_destroy (cmd);
        }
    }

  /* Everyone back online, no more failures: converge. */
  sync_test_server_command (w.admin, "admin", "{\"configureFailPoint\": \"failCommand\", \"mode\": \"off\"}");
  for (guint round = 0; round < 12 && !converged; round++)
    {
      gboolean all = TRUE;
      for (guint i = 0; i < N_COUNTERS; i++)
        {
          w.c[i].offline = FALSE;
          all = counter_sync (&w, &w.c[i]) && all;
        }
      /* A round where everyone succeeded, then one more so every counter
       * has what the others pushed last. */
      if (all)
        {
          for (guint i = 0; i < N_COUNTERS; i++)
            all = counter_sync (&w, &w.c[i]) && all;
          converged = all;
        }
    }
  g_test_message ("%u syncs (%u failed), %u fail points, %u step-downs, %u foreign writes, "
                  "%u medicines, %u prescriptions, %" G_GINT64_FORMAT " ledger entries, %.1f s",
                  w.n_syncs, w.n_sync_failures, w.n_failpoints, w.n_stepdowns, w.n_foreign,
                  w.medicines->len, w.prescriptions->len, w.movements,
                  (g_get_monotonic_time () - t0) / 1e6);
  g_assert_true (converged);

  /* Identical data everywhere. */
  for (guint i = 1; i < N_COUNTERS; i++)
    sync_test_assert_same_data (w.c[0].store, w.c[i].store);
  assert_counter_matches_server (&w, &w.c[0]);

  /* Every ledger entry exactly once (the server has unique _ids; the
   * count is what the counters wrote). */
  {
    g_autofree gchar *tf = g_strdup_printf ("{\"tenantId\": {\"$oid\": \"%s\"}}", SYNC_TEST_TENANT);
    g_assert_cmpint (sync_test_server_count (w.web, "stock_movements", tf), ==, w.movements);
    g_assert_cmpint (movements_of (&w.c[0]), ==, w.movements);
  }
  /* Stock = ledger sum, everywhere. */
  for (guint m = 0; m < w.medicines->len; m++)
    {
      const gchar *id = g_ptr_array_index (w.medicines, m);
      gint64 s = server_stock (&w, id);
      for (guint i = 0; i < N_COUNTERS; i++)
        g_assert_cmpint (pt_store_stock_on_hand (w.c[i].store, id, NULL), ==, s);
    }
  /* Each field's newest edit is the final value, or a conflict for staff. */
  g_hash_table_iter_init (&hit, w.last_edits);
  while (g_hash_table_iter_next (&hit, &key, &value))
    {
      g_auto(GStrv) parts = g_strsplit (key, "/", 3);
      LastEdit *e = value;
      g_autoptr(bson_t) doc = pt_store_get (w.c[0].store, parts[0], parts[1], NULL);
      g_autofree gchar *final = value_json_of (doc, parts[2]);

      checked++;
      if (g_strcmp0 (final, e->value_json) == 0)
        continue;
      if (in_some_conflict_log (&w, parts[1], parts[2], e->value_json))
        {
          in_log++;
          continue;
        }
      {
        g_autoptr(bson_t) remote = sync_test_server_get (w.web, parts[0], parts[1]);
        g_autofree gchar *jr = remote != NULL ? bson_as_relaxed_extended_json (remote, NULL) : NULL;
        g_test_message ("server: %s", jr);
        for (guint i = 0; i < N_COUNTERS; i++)
          {
            g_autoptr(GPtrArray) log = pt_store_sync_list_conflicts (w.c[i].store, TRUE, NULL);
            for (guint j = 0; log != NULL && j < log->len; j++)
              {
                PtSyncConflict *ce = g_ptr_array_index (log, j);
                if (g_strcmp0 (ce->document_id, parts[1]) == 0)
                  g_test_message ("conflict at %u: %s lost %s kept %s (%s)", i, ce->field,
                                  ce->lost_value, ce->kept_value, ce->reason);
              }
          }
      }
      for (guint i = 0; i < N_COUNTERS; i++)
        {
          PtRawRow *row = _pt_store_read_row (w.c[i].store, pt_schema_lookup (parts[0]), parts[1], NULL);
          if (row != NULL)
            {
              g_autofree gchar *jd = bson_as_relaxed_extended_json (row->doc, NULL);
              g_autofree gchar *js = bson_as_relaxed_extended_json (row->stamps, NULL);
              g_test_message ("counter %u (%s, device %s): %s %s version %s", i, w.c[i].dir,
                              pt_store_get_device_id (w.c[i].store), jd, js, row->version);
              _pt_raw_row_free (row);
            }
        }
      g_error ("edit %s = %s (%s, stamp %s) is neither the final value (%s) nor in a conflict log",
               (gchar *) key, e->value_json, e->who, e->stamp, final);
    }
  g_test_message ("%u edited fields checked, %u resolved through the conflict log", checked, in_log);

  for (guint i = 0; i < N_COUNTERS; i++)
    {
      g_clear_object (&w.c[i].store);
      sync_test_rmdir (w.c[i].dir);
      g_free (w.c[i].dir);
    }
  g_hash_table_unref (w.last_edits);
  g_ptr_array_unref (w.medicines);
  g_ptr_array_unref (w.patients);
  g_ptr_array_unref (w.prescriptions);
  mongoc_client_destroy (w.web);
  mongoc_client_destroy (w.admin);
  mongosim_fixture_free (w.sim);
  g_rand_free (w.rand);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/sync/convergence/counters-and-server-converge", test_counters_and_server_converge);
  return g_test_run ();
}
