/* test-merge.c: the per-field 3-way merge and the codec (DESIGN §5). */
#include "config.h"

#include <string.h>
#include "pt-core.h"
#include "pt-sync-bson.h"
#include "pt-sync-merge.h"

/* A collection of the shape the registry gives prescriptions, declared
 * here so the merge rules are tested independently of the registry. */
static const PtField item_fields[] = {
  { .name = "medicineId", .type = PT_FIELD_OID, .merge = PT_MERGE_LWW },
  { .name = "quantity", .type = PT_FIELD_INT, .merge = PT_MERGE_LWW },
  { .name = "dispensedQuantity", .type = PT_FIELD_INT, .merge = PT_MERGE_MAX },
};
static const PtField rx_fields[] = {
  { .name = "_id", .type = PT_FIELD_OID, .flags = PT_FIELD_FLAG_SYSTEM, .merge = PT_MERGE_IMMUTABLE },
  { .name = "tenantId", .type = PT_FIELD_OID, .flags = PT_FIELD_FLAG_SYSTEM, .merge = PT_MERGE_IMMUTABLE },
  { .name = "createdAt", .type = PT_FIELD_DATE, .flags = PT_FIELD_FLAG_SYSTEM, .merge = PT_MERGE_IMMUTABLE },
  { .name = "updatedAt", .type = PT_FIELD_DATE, .flags = PT_FIELD_FLAG_SYSTEM, .merge = PT_MERGE_LWW },
  { .name = "number", .type = PT_FIELD_STRING, .flags = PT_FIELD_FLAG_IMMUTABLE, .merge = PT_MERGE_IMMUTABLE },
  { .name = "notes", .type = PT_FIELD_STRING, .merge = PT_MERGE_LWW },
  { .name = "doctor", .type = PT_FIELD_STRING, .merge = PT_MERGE_LWW },
  { .name = "status", .type = PT_FIELD_ENUM, .merge = PT_MERGE_WORKFLOW },
  { .name = "refills", .type = PT_FIELD_INT, .merge = PT_MERGE_MAX },
  { .name = "patientId", .type = PT_FIELD_OID, .merge = PT_MERGE_LWW },
  { .name = "prescribedAt", .type = PT_FIELD_DATE, .merge = PT_MERGE_LWW },
  { .name = "items", .type = PT_FIELD_ARRAY, .element_type = PT_FIELD_DOCUMENT,
    .merge = PT_MERGE_LWW, .children = item_fields, .n_children = G_N_ELEMENTS (item_fields) },
};
static const PtCollection rx = {
  .name = "prescriptions", .kind = PT_COLLECTION_MUTABLE,
  .fields = rx_fields, .n_fields = G_N_ELEMENTS (rx_fields),
  .synced = TRUE, .tenant_scoped = TRUE,
};
static const PtCollection ledger = {
  .name = "stock_movements", .kind = PT_COLLECTION_INSERT_ONLY,
  .fields = rx_fields, .n_fields = 4, .synced = TRUE, .tenant_scoped = TRUE,
};

#define DEV_A "aaaaaaaaaaaaaaaa"
#define DEV_B "bbbbbbbbbbbbbbbb"

/* A stamp at @ms on @dev. */
static gchar *
stamp (gint64       ms,
       const gchar *dev)
{
  return g_strdup_printf ("%016" G_GINT64_MODIFIER "x-%s", (gint64) (ms << 16), dev);
}

static bson_t *
json (const gchar *text)
{
  bson_error_t err;
  bson_t *b = bson_new_from_json ((const uint8_t *) text, -1, &err);

  if (b == NULL)
    g_error ("bad test JSON: %s: %s", err.message, text);
  return b;
}

static gchar *
get_str (const bson_t *doc,
         const gchar  *key)
{
  bson_iter_t it;

  if (!bson_iter_init_find (&it, doc, key) || !BSON_ITER_HOLDS_UTF8 (&it))
    return NULL;
  return g_strdup (bson_iter_utf8 (&it, NULL));
}

static gint64
get_int_path (const bson_t *doc,
              const gchar  *path)
{
  bson_iter_t it, d;

  if (!bson_iter_init (&it, doc) || !bson_iter_find_descendant (&it, path, &d))
    return G_MININT64;
  return bson_iter_as_int64 (&d);
}

static const PtSyncMergeConflict *
find_conflict (PtSyncMergeResult *r,
               const gchar       *field)
{
  for (guint i = 0; i < r->conflicts->len; i++)
    {
      PtSyncMergeConflict *c = g_ptr_array_index (r->conflicts, i);
      if (g_strcmp0 (c->field, field) == 0)
        return c;
    }
  return NULL;
}

/* Base at t=1000 by A; both sides start from it. */
#define BASE_DOC "{\"number\": \"RX-1\", \"notes\": \"base\", \"doctor\": \"Dr Who\", " \
                 "\"status\": \"in_progress\", \"updatedAt\": {\"$date\": 1000}}"

typedef struct
{
  bson_t *base, *base_stamps;
  gchar  *s1000a;
} Fixture;

static void
fixture_setup (Fixture      *f,
               gconstpointer data)
{
  g_autofree gchar *st = stamp (1000, DEV_A);
  g_autofree gchar *stamps = g_strdup_printf ("{\"number\": \"%s\", \"notes\": \"%s\", "
                                              "\"doctor\": \"%s\", \"status\": \"%s\"}",
                                              st, st, st, st);
  f->base = json (BASE_DOC);
  f->base_stamps = json (stamps);
  f->s1000a = g_steal_pointer (&st);
}

static void
fixture_teardown (Fixture      *f,
                  gconstpointer data)
{
  bson_destroy (f->base);
  bson_destroy (f->base_stamps);
  g_free (f->s1000a);
}

/* @doc_json = base with @field set to @value (a JSON literal). */
static bson_t *
with_field (const bson_t *base,
            const gchar  *field,
            const gchar  *value,
            gint64        updated_at)
{
  bson_t *out = bson_new ();
  bson_iter_t it;
  g_autofree gchar *wrap = g_strdup_printf ("{\"v\": %s}", value);
  g_autoptr(GString) dummy = NULL;
  bson_t *v = json (wrap);
  bson_iter_t vi;
  gboolean done = FALSE;

  bson_iter_init_find (&vi, v, "v");
  bson_iter_init (&it, base);
  while (bson_iter_next (&it))
    {
      const gchar *k = bson_iter_key (&it);
      if (strcmp (k, "updatedAt") == 0)
        continue;
      if (strcmp (k, field) == 0)
        {
          bson_append_iter (out, k, -1, &vi);
          done = TRUE;
        }
      else
        bson_append_iter (out, k, -1, &it);
    }
  if (!done)
    bson_append_iter (out, field, -1, &vi);
  BSON_APPEND_DATE_TIME (out, "updatedAt", updated_at);
  bson_destroy (v);
  return out;
}

static bson_t *
stamps_with (const bson_t *stamps,
             const gchar  *field,
             const gchar  *st)
{
  bson_t *out = bson_new ();
  bson_iter_t it;

  bson_iter_init (&it, stamps);
  while (bson_iter_next (&it))
    if (strcmp (bson_iter_key (&it), field) != 0)
      bson_append_iter (out, NULL, 0, &it);
  BSON_APPEND_UTF8 (out, field, st);
  return out;
}

static void
test_remote_only_change_is_taken (Fixture *f, gconstpointer data)
{
  g_autofree gchar *s2000b = stamp (2000, DEV_B);
  bson_t *remote = with_field (f->base, "notes", "\"remote\"", 2000);
  bson_t *rstamps = stamps_with (f->base_stamps, "notes", s2000b);
  g_autoptr(PtSyncMergeResult) r = pt_sync_merge (&rx, f->base, f->base_stamps,
                                                  f->base, f->base_stamps, f->s1000a,
                                                  remote, rstamps);
  g_autofree gchar *notes = get_str (r->doc, "notes");

  g_assert_cmpstr (notes, ==, "remote");
  g_assert_cmpstr (pt_sync_stamp_get (r->stamps, "notes"), ==, s2000b);
  g_assert_false (r->differs_from_remote);
  g_assert_true (r->differs_from_local);
  g_assert_cmpuint (r->conflicts->len, ==, 0);
  g_assert_cmpint (pt_sync_doc_updated_at (r->doc), ==, 2000);
  bson_destroy (remote);
  bson_destroy (rstamps);
}

static void
test_local_only_change_is_kept_and_still_pushed (Fixture *f, gconstpointer data)
{
  g_autofree gchar *s3000a = stamp (3000, DEV_A);
  g_autofree gchar *s2000b = stamp (2000, DEV_B);
  bson_t *local = with_field (f->base, "notes", "\"local\"", 3000);
  bson_t *lstamps = stamps_with (f->base_stamps, "notes", s3000a);
  bson_t *remote = with_field (f->base, "doctor", "\"Dr Remote\"", 2000);
  bson_t *rstamps = stamps_with (f->base_stamps, "doctor", s2000b);
  g_autoptr(PtSyncMergeResult) r = pt_sync_merge (&rx, f->base, f->base_stamps,
                                                  local, lstamps, s3000a, remote, rstamps);
  g_autofree gchar *notes = get_str (r->doc, "notes");
  g_autofree gchar *doctor = get_str (r->doc, "doctor");

  /* Edits of different fields are both kept. */
  g_assert_cmpstr (notes, ==, "local");
  g_assert_cmpstr (doctor, ==, "Dr Remote");
  g_assert_true (r->differs_from_remote);
  g_assert_true (r->differs_from_local);
  g_assert_cmpuint (r->conflicts->len, ==, 0);
  g_assert_cmpstr (r->version, ==, s3000a);
  bson_destroy (local); bson_destroy (lstamps);
  bson_destroy (remote); bson_destroy (rstamps);
}

static void
test_both_changed_newer_stamp_wins_loser_logged (Fixture *f, gconstpointer data)
{
  g_autofree gchar *s3000a = stamp (3000, DEV_A);
  g_autofree gchar *s4000b = stamp (4000, DEV_B);
  bson_t *local = with_field (f->base, "notes", "\"local\"", 3000);
  bson_t *lstamps = stamps_with (f->base_stamps, "notes", s3000a);
  bson_t *remote = with_field (f->base, "notes", "\"remote\"", 4000);
  bson_t *rstamps = stamps_with (f->base_stamps, "notes", s4000b);
  g_autoptr(PtSyncMergeResult) r = pt_sync_merge (&rx, f->base, f->base_stamps,
                                                  local, lstamps, s3000a, remote, rstamps);
  g_autofree gchar *notes = get_str (r->doc, "notes");
  const PtSyncMergeConflict *c = find_conflict (r, "notes");

  g_assert_cmpstr (notes, ==, "remote");
  g_assert_false (r->differs_from_remote);
  g_assert_nonnull (c);
  g_assert_cmpstr (c->lost_value, ==, "\"local\"");
  g_assert_cmpstr (c->kept_value, ==, "\"remote\"");
  g_assert_cmpstr (c->lost_stamp, ==, s3000a);
  g_assert_cmpstr (c->reason, ==, "newer-write-wins");

  /* The same merge seen from the other side keeps the same value. */
  {
    g_autoptr(PtSyncMergeResult) r2 = pt_sync_merge (&rx, f->base, f->base_stamps,
                                                     remote, rstamps, s4000b, local, lstamps);
    g_autofree gchar *n2 = get_str (r2->doc, "notes");
    g_assert_cmpstr (n2, ==, "remote");
    g_assert_true (r2->differs_from_remote);
  }
  bson_destroy (local); bson_destroy (lstamps);
  bson_destroy (remote); bson_destroy (rstamps);
}

static void
test_foreign_write_is_stamped_with_updated_at (Fixture *f, gconstpointer data)
{
  g_autofree gchar *s3000a = stamp (3000, DEV_A);
  bson_t *local = with_field (f->base, "notes", "\"local at 3000\"", 3000);
  bson_t *lstamps = stamps_with (f->base_stamps, "notes", s3000a);
  /* Foreign writer: value and updatedAt change, _sync.f does not. */
  bson_t *newer = with_field (f->base, "notes", "\"web app at 5000\"", 5000);
  bson_t *older = with_field (f->base, "notes", "\"web app at 2000\"", 2000);

  {
    g_autoptr(PtSyncMergeResult) r = pt_sync_merge (&rx, f->base, f->base_stamps,
                                                    local, lstamps, s3000a,
                                                    newer, f->base_stamps);
    g_autofree gchar *notes = get_str (r->doc, "notes");
    g_autofree gchar *foreign = pt_hlc_stamp_from_time (5000);

    g_assert_cmpstr (notes, ==, "web app at 5000");
    g_assert_cmpstr (pt_sync_stamp_get (r->stamps, "notes"), ==, foreign);
    g_assert_nonnull (find_conflict (r, "notes"));
  }
  {
    g_autoptr(PtSyncMergeResult) r = pt_sync_merge (&rx, f->base, f->base_stamps,
                                                    local, lstamps, s3000a,
                                                    older, f->base_stamps);
    g_autofree gchar *notes = get_str (r->doc, "notes");
    const PtSyncMergeConflict *c = find_conflict (r, "notes");

    g_assert_cmpstr (notes, ==, "local at 3000");
    g_assert_true (r->differs_from_remote);
    g_assert_nonnull (c);
    g_assert_cmpstr (c->lost_value, ==, "\"web app at 2000\"");
    g_assert_true (g_str_has_suffix (c->lost_stamp, "-0000000000000000"));
  }
  /* A foreign change of another field merges without conflict. */
  {
    bson_t *other = with_field (f->base, "doctor", "\"Dr Web\"", 2500);
    g_autoptr(PtSyncMergeResult) r = pt_sync_merge (&rx, f->base, f->base_stamps,
                                                    local, lstamps, s3000a,
                                                    other, f->base_stamps);
    g_autofree gchar *notes = get_str (r->doc, "notes");
    g_autofree gchar *doctor = get_str (r->doc, "doctor");

    g_assert_cmpstr (notes, ==, "local at 3000");
    g_assert_cmpstr (doctor, ==, "Dr Web");
    g_assert_cmpuint (r->conflicts->len, ==, 0);
    bson_destroy (other);
  }
  bson_destroy (local); bson_destroy (lstamps);
  bson_destroy (newer); bson_destroy (older);
}

static void
test_dispensed_never_undone_by_stale_cancel (Fixture *f, gconstpointer data)
{
  g_autofree gchar *s3000a = stamp (3000, DEV_A);
  g_autofree gchar *s9000b = stamp (9000, DEV_B);
  bson_t *local = with_field (f->base, "status", "\"dispensed\"", 3000);
  bson_t *lstamps = stamps_with (f->base_stamps, "status", s3000a);
  /* The cancel is even newer by the clock: the workflow still wins. */
  bson_t *remote = with_field (f->base, "status", "\"cancelled\"", 9000);
  bson_t *rstamps = stamps_with (f->base_stamps, "status", s9000b);
  g_autoptr(PtSyncMergeResult) r = pt_sync_merge (&rx, f->base, f->base_stamps,
                                                  local, lstamps, s3000a, remote, rstamps);
  g_autoptr(PtSyncMergeResult) r2 = pt_sync_merge (&rx, f->base, f->base_stamps,
                                                   remote, rstamps, s9000b, local, lstamps);
  g_autofree gchar *status = get_str (r->doc, "status");
  g_autofree gchar *status2 = get_str (r2->doc, "status");
  const PtSyncMergeConflict *c = find_conflict (r, "status");

  g_assert_cmpstr (status, ==, "dispensed");
  g_assert_cmpstr (status2, ==, "dispensed");
  g_assert_nonnull (c);
  g_assert_cmpstr (c->reason, ==, "dispensed-vs-cancelled");
  g_assert_cmpstr (c->lost_value, ==, "\"cancelled\"");
  g_assert_true (r->differs_from_remote);
  bson_destroy (local); bson_destroy (lstamps);
  bson_destroy (remote); bson_destroy (rstamps);
}

static void
test_dispensed_quantity_takes_max_in_items (Fixture *f, gconstpointer data)
{
  g_autofree gchar *s3000a = stamp (3000, DEV_A);
  g_autofree gchar *s4000b = stamp (4000, DEV_B);
  const gchar *items_l = "[{\"quantity\": 10, \"dispensedQuantity\": 6}, {\"quantity\": 5, \"dispensedQuantity\": 0}]";
  const gchar *items_r = "[{\"quantity\": 12, \"dispensedQuantity\": 4}, {\"quantity\": 5, \"dispensedQuantity\": 5}]";
  bson_t *local = with_field (f->base, "items", items_l, 3000);
  bson_t *lstamps = stamps_with (f->base_stamps, "items", s3000a);
  bson_t *remote = with_field (f->base, "items", items_r, 4000);
  bson_t *rstamps = stamps_with (f->base_stamps, "items", s4000b);
  bson_t *l2 = with_field (f->base, "refills", "3", 3000);
  bson_t *r2 = with_field (f->base, "refills", "2", 4000);
  g_autoptr(PtSyncMergeResult) r = pt_sync_merge (&rx, f->base, f->base_stamps,
                                                  local, lstamps, s3000a, remote, rstamps);
  g_autoptr(PtSyncMergeResult) rr = pt_sync_merge (&rx, f->base, f->base_stamps,
                                                   l2, lstamps, s3000a, r2, rstamps);

  /* Newer items win for quantity; dispensed counts never go down. */
  g_assert_cmpint (get_int_path (r->doc, "items.0.quantity"), ==, 12);
  g_assert_cmpint (get_int_path (r->doc, "items.0.dispensedQuantity"), ==, 6);
  g_assert_cmpint (get_int_path (r->doc, "items.1.dispensedQuantity"), ==, 5);
  g_assert_true (r->differs_from_remote);
  /* A top-level MAX field: the larger value, although older. */
  g_assert_cmpint (get_int_path (rr->doc, "refills"), ==, 3);
  g_assert_cmpstr (find_conflict (rr, "refills")->reason, ==, "max-wins");
  bson_destroy (local); bson_destroy (lstamps);
  bson_destroy (remote); bson_destroy (rstamps);
  bson_destroy (l2); bson_destroy (r2);
}

static void
test_immutable_field_keeps_original (Fixture *f, gconstpointer data)
{
  g_autofree gchar *s3000a = stamp (3000, DEV_A);
  g_autofree gchar *s4000b = stamp (4000, DEV_B);
  bson_t *local = with_field (f->base, "number", "\"RX-LOCAL\"", 3000);
  bson_t *lstamps = stamps_with (f->base_stamps, "number", s3000a);
  bson_t *remote = with_field (f->base, "number", "\"RX-REMOTE\"", 4000);
  bson_t *rstamps = stamps_with (f->base_stamps, "number", s4000b);
  g_autoptr(PtSyncMergeResult) r = pt_sync_merge (&rx, f->base, f->base_stamps,
                                                  local, lstamps, s3000a, remote, rstamps);
  g_autofree gchar *number = get_str (r->doc, "number");

  g_assert_cmpstr (number, ==, "RX-1");
  g_assert_cmpuint (r->conflicts->len, ==, 2);
  bson_destroy (local); bson_destroy (lstamps);
  bson_destroy (remote); bson_destroy (rstamps);
}

static void
test_new_remote_document_is_taken_whole (Fixture *f, gconstpointer data)
{
  g_autoptr(PtSyncMergeResult) r = pt_sync_merge (&rx, NULL, NULL, NULL, NULL, NULL,
                                                  f->base, NULL);
  g_autofree gchar *foreign = pt_hlc_stamp_from_time (1000);

  g_assert_true (pt_sync_docs_equal (r->doc, f->base, NULL));
  g_assert_false (r->differs_from_remote);
  g_assert_true (r->differs_from_local);
  /* A foreign writer's new document: every field stamped with updatedAt. */
  g_assert_cmpstr (pt_sync_stamp_get (r->stamps, "notes"), ==, foreign);
}

static void
test_tombstone_and_edit_both_survive (Fixture *f, gconstpointer data)
{
  g_autofree gchar *s3000a = stamp (3000, DEV_A);
  g_autofree gchar *s4000b = stamp (4000, DEV_B);
  bson_t *local = with_field (f->base, "deleted", "true", 3000);
  bson_t *lstamps = stamps_with (f->base_stamps, "deleted", s3000a);
  bson_t *remote = with_field (f->base, "notes", "\"late edit\"", 4000);
  bson_t *rstamps = stamps_with (f->base_stamps, "notes", s4000b);
  g_autoptr(PtSyncMergeResult) r = pt_sync_merge (&rx, f->base, f->base_stamps,
                                                  local, lstamps, s3000a, remote, rstamps);
  g_autofree gchar *notes = get_str (r->doc, "notes");
  bson_iter_t it;

  g_assert_cmpstr (notes, ==, "late edit");
  g_assert_true (bson_iter_init_find (&it, r->doc, "deleted") && bson_iter_as_bool (&it));
  g_assert_true (r->differs_from_remote);
  bson_destroy (local); bson_destroy (lstamps);
  bson_destroy (remote); bson_destroy (rstamps);
}

/* ---- Codec -------------------------------------------------------------- */

static void
test_codec_round_trip_carries_sync_metadata (void)
{
  g_autofree gchar *s = stamp (5000, DEV_A);
  g_autofree gchar *stamps_json = g_strdup_printf ("{\"notes\": \"%s\"}", s);
  bson_t *doc = json ("{\"_id\": {\"$oid\": \"65a000000000000000000001\"}, \"notes\": \"x\", "
                      "\"refills\": 2, \"updatedAt\": {\"$date\": 5000}}");
  bson_t *stamps = json (stamps_json);
  bson_t *remote = pt_sync_bson_to_remote (&rx, doc, stamps, s, 0);
  bson_t *back = NULL, *back_stamps = NULL;
  g_autofree gchar *v = NULL, *by = NULL;
  bson_iter_t it;

  /* int32 becomes int64 as Atlas has it; _sync = {v, f, by}. */
  g_assert_true (bson_iter_init_find (&it, remote, "refills") && BSON_ITER_HOLDS_INT64 (&it));
  g_assert_true (bson_iter_init (&it, remote) && bson_iter_find_descendant (&it, "_sync.by", &it));
  g_assert_cmpstr (bson_iter_utf8 (&it, NULL), ==, DEV_A);

  pt_sync_bson_from_remote (&rx, remote, &back, &back_stamps, &v, &by);
  g_assert_cmpstr (v, ==, s);
  g_assert_cmpstr (by, ==, DEV_A);
  g_assert_false (bson_has_field (back, "_sync"));
  g_assert_cmpstr (pt_sync_stamp_get (back_stamps, "notes"), ==, s);
  g_assert_cmpint (get_int_path (back, "refills"), ==, 2);

  /* Insert-only documents carry no _sync. */
  {
    bson_t *l = pt_sync_bson_to_remote (&ledger, doc, stamps, s, 0);
    g_assert_false (bson_has_field (l, "_sync"));
    bson_destroy (l);
  }
  bson_destroy (doc); bson_destroy (stamps); bson_destroy (remote);
  bson_destroy (back); bson_destroy (back_stamps);
}

static void
test_codec_normalises_foreign_types (void)
{
  /* What mongosh or a web form may write: doubles, string ids, ISO dates. */
  bson_t *foreign = json ("{\"refills\": 3.0, \"patientId\": \"65a000000000000000000009\", "
                          "\"prescribedAt\": \"2026-11-01T10:00:00Z\", "
                          "\"items\": [{\"quantity\": 2.0, \"medicineId\": \"65a00000000000000000000a\"}], "
                          "\"extra\": 1.5}");
  bson_t *doc = NULL;
  bson_iter_t it;

  pt_sync_bson_from_remote (&rx, foreign, &doc, NULL, NULL, NULL);
  g_assert_true (bson_iter_init_find (&it, doc, "refills") && BSON_ITER_HOLDS_INT64 (&it));
  g_assert_true (bson_iter_init_find (&it, doc, "patientId") && BSON_ITER_HOLDS_OID (&it));
  g_assert_true (bson_iter_init_find (&it, doc, "prescribedAt") && BSON_ITER_HOLDS_DATE_TIME (&it));
  g_assert_cmpint (bson_iter_date_time (&it), ==, G_GINT64_CONSTANT (1793527200000));
  g_assert_true (bson_iter_init (&it, doc) && bson_iter_find_descendant (&it, "items.0.quantity", &it)
                 && BSON_ITER_HOLDS_INT64 (&it));
  g_assert_true (bson_iter_init (&it, doc) && bson_iter_find_descendant (&it, "items.0.medicineId", &it)
                 && BSON_ITER_HOLDS_OID (&it));
  /* Unknown fields are kept as they are. */
  g_assert_true (bson_iter_init_find (&it, doc, "extra") && BSON_ITER_HOLDS_DOUBLE (&it));
  bson_destroy (foreign);
  bson_destroy (doc);
}

static void
test_docs_equal_ignores_key_order (void)
{
  bson_t *a = json ("{\"a\": 1, \"b\": \"x\", \"updatedAt\": 5}");
  bson_t *b = json ("{\"b\": \"x\", \"a\": 1, \"updatedAt\": 6}");
  bson_t *c = json ("{\"b\": \"x\", \"a\": 1, \"c\": null}");
  static const gchar * const ign[] = { "updatedAt", NULL };

  g_assert_true (pt_sync_docs_equal (a, b, ign));
  g_assert_false (pt_sync_docs_equal (a, b, NULL));
  g_assert_false (pt_sync_docs_equal (a, c, ign));
  bson_destroy (a); bson_destroy (b); bson_destroy (c);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);

#define ADD(path, fn) g_test_add (path, Fixture, NULL, fixture_setup, fn, fixture_teardown)
  ADD ("/sync/merge/remote-only-change-is-taken", test_remote_only_change_is_taken);
  ADD ("/sync/merge/local-only-change-is-kept-and-still-pushed", test_local_only_change_is_kept_and_still_pushed);
  ADD ("/sync/merge/both-changed-newer-stamp-wins-loser-logged", test_both_changed_newer_stamp_wins_loser_logged);
  ADD ("/sync/merge/foreign-write-is-stamped-with-updated-at", test_foreign_write_is_stamped_with_updated_at);
  ADD ("/sync/merge/dispensed-never-undone-by-stale-cancel", test_dispensed_never_undone_by_stale_cancel);
  ADD ("/sync/merge/dispensed-quantity-takes-max-in-items", test_dispensed_quantity_takes_max_in_items);
  ADD ("/sync/merge/immutable-field-keeps-original", test_immutable_field_keeps_original);
  ADD ("/sync/merge/new-remote-document-is-taken-whole", test_new_remote_document_is_taken_whole);
  ADD ("/sync/merge/tombstone-and-edit-both-survive", test_tombstone_and_edit_both_survive);
#undef ADD
  g_test_add_func ("/sync/codec/round-trip-carries-sync-metadata", test_codec_round_trip_carries_sync_metadata);
  g_test_add_func ("/sync/codec/normalises-foreign-types", test_codec_normalises_foreign_types);
  g_test_add_func ("/sync/codec/docs-equal-ignores-key-order", test_docs_equal_ignores_key_order);

  return g_test_run ();
}
