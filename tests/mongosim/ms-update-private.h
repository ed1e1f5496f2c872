/* ms-update-private.h — the mutable document tree shared by the update
 * operators (ms-update.c, ms-update-tree.c, ms-update-array.c) */
#pragma once

#include "ms-private.h"

G_BEGIN_DECLS

typedef struct MsNode MsNode;
struct MsNode
{
  char *key;
  bson_value_t v;         /* scalars; for containers only value_type */
  GPtrArray *kids;        /* MsNode*, documents and arrays */
};

typedef struct
{
  MsNode *root;
  const bson_t *original;
  GPtrArray *updated;     /* char* paths */
  GPtrArray *removed;     /* char* paths */
  gboolean upsert_insert;
} MsUpdCtx;

void ms_upd_node_free (MsNode *n);
MsNode *ms_upd_node_container (const char *key, bson_type_t type);
MsNode *ms_upd_node_from_value (const char *key, const bson_value_t *v);
MsNode *ms_upd_node_from_doc (const bson_t *doc);
void ms_upd_node_append_kids (MsNode *n, bson_t *out);
void ms_upd_node_append (MsNode *n, bson_t *parent, const char *key);
void ms_upd_node_value (MsNode *n, bson_t *holder, bson_value_t *out);
gboolean ms_upd_nodes_identical (MsNode *a, MsNode *b);
gboolean ms_upd_parse_index (const char *s, guint *out);
MsNode *ms_upd_child_get (MsNode *n, const char *key, guint *pos);
void ms_upd_child_set (MsNode *n, const char *key, MsNode *child);

void ms_upd_log_updated (MsUpdCtx *ctx, const char *path);
MsNode *ms_upd_resolve_parent (MsUpdCtx *ctx, char **parts, gboolean create, char **created, MsErr **err);
gboolean ms_upd_set_path (MsUpdCtx *ctx, const char *path, MsNode *value, MsErr **err);
MsNode *ms_upd_get_path (MsUpdCtx *ctx, const char *path, MsNode **parent_out);
void ms_upd_unset_path (MsUpdCtx *ctx, const char *path);
char *ms_upd_doc_id_shell (MsUpdCtx *ctx);

gboolean ms_upd_op_push (MsUpdCtx *ctx, gboolean add_to_set, const char *path, const bson_value_t *arg, MsErr **err);
gboolean ms_upd_op_pull (MsUpdCtx *ctx, gboolean all, const char *path, const bson_value_t *arg, MsErr **err);
gboolean ms_upd_op_pop (MsUpdCtx *ctx, const char *path, const bson_value_t *arg, MsErr **err);

G_END_DECLS
