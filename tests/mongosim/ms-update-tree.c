/* ms-update-tree.c — a BSON document as a mutable tree (for updates) */
#define G_LOG_DOMAIN "mongosim"
#include "config.h"

#include <string.h>

#include "ms-update-private.h"

void
ms_upd_node_free (MsNode *n)
{
  if (n == NULL)
    return;
  if (n->kids)
    g_ptr_array_unref (n->kids);
  else
    bson_value_destroy (&n->v);
  g_free (n->key);
  g_free (n);
}

MsNode *
ms_upd_node_container (const char *key, bson_type_t type)
{
  MsNode *n = g_new0 (MsNode, 1);

  n->key = g_strdup (key);
  n->v.value_type = type;
  n->kids = g_ptr_array_new_with_free_func ((GDestroyNotify) ms_upd_node_free);
  return n;
}

MsNode *
ms_upd_node_from_value (const char *key, const bson_value_t *v)
{
  MsNode *n;

  if (v->value_type == BSON_TYPE_DOCUMENT || v->value_type == BSON_TYPE_ARRAY)
    {
      bson_t d;
      bson_iter_t it;

      n = ms_upd_node_container (key, v->value_type);
      ms_value_doc (v, &d);
      if (bson_iter_init (&it, &d))
        while (bson_iter_next (&it))
          g_ptr_array_add (n->kids, ms_upd_node_from_value (bson_iter_key (&it), bson_iter_value (&it)));
      return n;
    }
  n = g_new0 (MsNode, 1);
  n->key = g_strdup (key);
  bson_value_copy (v, &n->v);
  return n;
}

MsNode *
ms_upd_node_from_doc (const bson_t *doc)
{
  bson_value_t v;

  v.value_type = BSON_TYPE_DOCUMENT;
  v.value.v_doc.data = (guint8 *) bson_get_data (doc);
  v.value.v_doc.data_len = doc->len;
  return ms_upd_node_from_value ("", &v);
}

void
ms_upd_node_append_kids (MsNode *n, bson_t *out)
{
  for (guint i = 0; i < n->kids->len; i++)
    {
      MsNode *k = g_ptr_array_index (n->kids, i);
      if (n->v.value_type == BSON_TYPE_ARRAY)
        {
          char buf[16];
          const char *key;
          bson_uint32_to_string (i, &key, buf, sizeof buf);
          ms_upd_node_append (k, out, key);
        }
      else
        ms_upd_node_append (k, out, k->key);
    }
}

void
ms_upd_node_append (MsNode *n, bson_t *parent, const char *key)
{
  bson_t child;

  if (n->kids == NULL)
    {
      bson_append_value (parent, key, -1, &n->v);
      return;
    }
  if (n->v.value_type == BSON_TYPE_ARRAY)
    bson_append_array_begin (parent, key, -1, &child);
  else
    bson_append_document_begin (parent, key, -1, &child);
  ms_upd_node_append_kids (n, &child);
  if (n->v.value_type == BSON_TYPE_ARRAY)
    bson_append_array_end (parent, &child);
  else
    bson_append_document_end (parent, &child);
}

void
ms_upd_node_value (MsNode *n, bson_t *holder, bson_value_t *out)
{
  bson_iter_t it;

  if (n->kids == NULL)
    {
      *out = n->v;
      return;
    }
  bson_reinit (holder);
  ms_upd_node_append (n, holder, "v");
  bson_iter_init_find (&it, holder, "v");
  *out = *bson_iter_value (&it);
}

gboolean
ms_upd_nodes_identical (MsNode *a, MsNode *b)
{
  bson_t ha = BSON_INITIALIZER, hb = BSON_INITIALIZER;
  gboolean same;

  ms_upd_node_append (a, &ha, "v");
  ms_upd_node_append (b, &hb, "v");
  same = bson_equal (&ha, &hb);
  bson_destroy (&ha);
  bson_destroy (&hb);
  return same;
}

gboolean
ms_upd_parse_index (const char *s, guint *out)
{
  char *end;
  guint64 n;

  if (!g_ascii_isdigit (*s))
    return FALSE;
  n = g_ascii_strtoull (s, &end, 10);
  if (*end != '\0' || n > 1000000)
    return FALSE;
  *out = (guint) n;
  return TRUE;
}

MsNode *
ms_upd_child_get (MsNode *n, const char *key, guint *pos)
{
  if (n->kids == NULL)
    return NULL;
  if (n->v.value_type == BSON_TYPE_ARRAY)
    {
      guint i;
      if (!ms_upd_parse_index (key, &i) || i >= n->kids->len)
        return NULL;
      if (pos)
        *pos = i;
      return g_ptr_array_index (n->kids, i);
    }
  for (guint i = 0; i < n->kids->len; i++)
    {
      MsNode *k = g_ptr_array_index (n->kids, i);
      if (g_str_equal (k->key, key))
        {
          if (pos)
            *pos = i;
          return k;
        }
    }
  return NULL;
}

void
ms_upd_child_set (MsNode *n, const char *key, MsNode *child)
{
  guint pos;

  g_free (child->key);
  child->key = g_strdup (key);
  if (ms_upd_child_get (n, key, &pos) != NULL)
    {
      ms_upd_node_free (g_ptr_array_index (n->kids, pos));
      g_ptr_array_index (n->kids, pos) = child;
      return;
    }
  if (n->v.value_type == BSON_TYPE_ARRAY)
    {
      guint index;
      bson_value_t null_value = { .value_type = BSON_TYPE_NULL };

      ms_upd_parse_index (key, &index);
      while (n->kids->len < index)
        g_ptr_array_add (n->kids, ms_upd_node_from_value ("", &null_value));
    }
  g_ptr_array_add (n->kids, child);
}
