/* pt-item-list.h: the base of the store query models — a GListModel of
 * items that a subclass fills with pt_item_list_splice(), which keeps the
 * objects of the unchanged head and tail so views keep their rows,
 * selection and focus.  No GTK. */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

#define PT_TYPE_ITEM_LIST (pt_item_list_get_type ())
G_DECLARE_DERIVABLE_TYPE (PtItemList, pt_item_list, PT, ITEM_LIST, GObject)

struct _PtItemListClass
{
  GObjectClass parent_class;

  /* Set by the subclass in class_init. */
  GType          item_type;
  /* Whether two items would show the same row. */
  gboolean     (*same)   (gpointer a,
                          gpointer b);
  /* The id of the document behind an item. */
  const gchar *(*get_id) (gpointer item);
};

/* Replaces the items with those of @fresh (references taken). */
void  pt_item_list_splice (PtItemList  *self,
                           GPtrArray   *fresh);
/* The position of the item whose id is @id, or -1. */
gint  pt_item_list_find   (PtItemList  *self,
                           const gchar *id);

G_END_DECLS
