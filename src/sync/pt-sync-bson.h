/* pt-sync-bson.h: the BSON codec between store rows and Atlas documents.
 *
 * A store row is {doc, stamps, version}: doc is the document as in Atlas
 * without `_sync`, stamps is {field: HLC stamp}, version the stamp of the
 * last write.  In Atlas a mutable document carries
 * `_sync: {v: version, f: stamps, by: device id}` (DESIGN §5); insert-only
 * collections (ledger, audit) carry no `_sync`.
 *
 * Types are normalised from the schema registry in both directions, so a
 * foreign writer's document (mongosh writes numbers as doubles, some tools
 * write ids as strings and dates as ISO strings) compares equal to ours:
 * INT/MONEY → int64, OID → ObjectId, DATE → BSON date, recursively into
 * embedded documents and arrays of documents.
 */
#pragma once

#include <glib.h>
#include <bson/bson.h>
#include "pt-core.h"

G_BEGIN_DECLS

/* A copy of @doc with the registry's types (see above).  Unknown fields
 * are kept unchanged.  @collection may be NULL (no coercion). */
bson_t   *pt_sync_bson_normalize     (const PtCollection *collection,
                                      const bson_t       *doc);

/* The Atlas document of a row: normalised @doc plus `_sync` for mutable
 * collections (`by` is the device part of @version).  @pushed_at_ms (0 =
 * none) adds `_sync.t`, the push time, which lets a server without change
 * streams be polled for documents pushed late by a counter that was
 * offline (their updatedAt is the time of the edit, not of the push). */
bson_t   *pt_sync_bson_to_remote     (const PtCollection *collection,
                                      const bson_t       *doc,
                                      const bson_t       *stamps,
                                      const gchar        *version,
                                      gint64              pushed_at_ms);

/* Splits an Atlas document: *doc gets the normalised document without
 * `_sync`; *stamps the declared `_sync.f` (empty when absent); *version
 * `_sync.v` (NULL when absent: a foreign writer's document); *by `_sync.by`
 * (may be NULL).  Any out argument may be NULL. */
void      pt_sync_bson_from_remote   (const PtCollection *collection,
                                      const bson_t       *remote,
                                      bson_t            **doc,
                                      bson_t            **stamps,
                                      gchar             **version,
                                      gchar             **by);

/* Value equality of two elements (NULL = absent; absent == absent). */
gboolean  pt_sync_value_equal        (const bson_iter_t *a,
                                      const bson_iter_t *b);
/* Top-level field-by-field equality, key order ignored, skipping the keys
 * in @ignore (NULL-terminated, may be NULL). */
gboolean  pt_sync_docs_equal         (const bson_t        *a,
                                      const bson_t        *b,
                                      const gchar * const *ignore);
/* A stamp value from a {field: stamp} document, NULL when absent. */
const gchar *pt_sync_stamp_get       (const bson_t *stamps,
                                      const gchar  *field);
/* updatedAt of @doc in ms (date or int64), 0 when absent. */
gint64    pt_sync_doc_updated_at     (const bson_t *doc);
/* _id of @doc as hex (ObjectId or string), NULL when absent. */
gchar    *pt_sync_doc_id_hex         (const bson_t *doc);
/* Relaxed Extended JSON of one value (for the conflict log); "null" for
 * absent. */
gchar    *pt_sync_value_to_json      (const bson_iter_t *value);

G_END_DECLS
