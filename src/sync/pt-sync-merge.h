/* pt-sync-merge.h: the 3-way merge of DESIGN §5, a pure function used by
 * pull and by a lost compare-and-set alike.
 *
 * For each top-level field: base B (the last server version we knew),
 * local L, remote R.  R == B → keep L.  L == B → take R.  Both changed →
 * the field's rule decides: LWW by HLC stamp (a foreign change, recognised
 * by a changed value whose `_sync.f` stamp did not change, is stamped with
 * the document's updatedAt), WORKFLOW for prescription status (the later
 * stage wins; dispensed/picked up against cancelled keeps the dispensed
 * side and is a conflict for staff), MAX for monotonic counters (also
 * inside arrays of documents, element by element), IMMUTABLE keeps the
 * first value.  Every value that lost although it was written is returned
 * as a conflict for the log.
 */
#pragma once

#include <glib.h>
#include <bson/bson.h>
#include "pt-core.h"

G_BEGIN_DECLS

typedef struct
{
  gchar *field;
  gchar *lost_value;    /* relaxed Extended JSON, "null" when absent */
  gchar *kept_value;
  gchar *lost_stamp;
  gchar *kept_stamp;
  const gchar *reason;  /* static: "newer-write-wins",
                           "workflow-later-stage-wins",
                           "dispensed-vs-cancelled", "max-wins",
                           "immutable-field" */
} PtSyncMergeConflict;

void pt_sync_merge_conflict_free (PtSyncMergeConflict *conflict);

typedef struct
{
  bson_t    *doc;              /* the merged document (no _sync) */
  bson_t    *stamps;           /* its per-field stamps */
  gchar     *version;          /* the newest stamp of the merged fields */
  gboolean   differs_from_remote; /* must still be pushed */
  gboolean   differs_from_local;  /* the local row changes */
  GPtrArray *conflicts;        /* PtSyncMergeConflict * */
} PtSyncMergeResult;

void pt_sync_merge_result_free (PtSyncMergeResult *result);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (PtSyncMergeResult, pt_sync_merge_result_free)

/* @base_doc/@base_stamps: NULL when never pushed/pulled.  @local_doc NULL
 * when the document is new here.  @remote_stamps is the remote's declared
 * `_sync.f` (may be NULL: a foreign writer's document).  All documents are
 * already normalised (pt_sync_bson_normalize) and carry no `_sync`. */
PtSyncMergeResult *pt_sync_merge (const PtCollection *collection,
                                  const bson_t       *base_doc,
                                  const bson_t       *base_stamps,
                                  const bson_t       *local_doc,
                                  const bson_t       *local_stamps,
                                  const gchar        *local_version,
                                  const bson_t       *remote_doc,
                                  const bson_t       *remote_stamps);

/* The stamp the merge gives a remote field: its declared `_sync.f` stamp
 * when that changed since the base, else (a foreign write) the stamp of
 * the remote document's updatedAt.  Newly allocated. */
gchar *pt_sync_merge_remote_stamp (const bson_t *base_stamps,
                                   const bson_t *remote_doc,
                                   const bson_t *remote_stamps,
                                   const gchar  *field);

G_END_DECLS
