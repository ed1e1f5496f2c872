/* pt-medicine-list-model.h: the catalogue as a lazy GListModel.
 *
 * It asks the store for the number of matching rows and then for pages of
 * rows as the view scrolls (a search in the default order in parts, see
 * pt_medicine_list_model_load_rest), keeping a bounded cache of pages: never one
 * object per medicine, never a full copy per keystroke.  No GTK. */
#pragma once

#include <gio/gio.h>
#include "pt-store.h"

G_BEGIN_DECLS

#define PT_MEDICINE_LIST_PAGE_SIZE 32
#define PT_MEDICINE_LIST_MAX_PAGES 64

#define PT_TYPE_MEDICINE_LIST_MODEL (pt_medicine_list_model_get_type ())
G_DECLARE_FINAL_TYPE (PtMedicineListModel, pt_medicine_list_model, PT, MEDICINE_LIST_MODEL, GObject)

PtMedicineListModel *pt_medicine_list_model_new (PtStore *store);

PtStore     *pt_medicine_list_model_get_store       (PtMedicineListModel *self);
void         pt_medicine_list_model_set_store       (PtMedicineListModel *self,
                                                     PtStore             *store);
const gchar *pt_medicine_list_model_get_query       (PtMedicineListModel *self);
void         pt_medicine_list_model_set_query       (PtMedicineListModel *self,
                                                     const gchar         *query);
const gchar *pt_medicine_list_model_get_pharmacy_id (PtMedicineListModel *self);
void         pt_medicine_list_model_set_pharmacy_id (PtMedicineListModel *self,
                                                     const gchar         *pharmacy_id);
void         pt_medicine_list_model_set_sort        (PtMedicineListModel *self,
                                                     PtMedicineSort       sort,
                                                     gboolean             descending);
PtMedicineSort pt_medicine_list_model_get_sort      (PtMedicineListModel *self,
                                                     gboolean            *descending);
/* With the default order a search lists first the medicines whose name
 * starts with the query, then the other matches; those are read as a
 * view reaches the end of what is listed (or by this call: the next part
 * of them, or all when they are few), and until the last is read the
 * model is not complete: n-items is a lower bound. */
void         pt_medicine_list_model_load_rest       (PtMedicineListModel *self);
gboolean     pt_medicine_list_model_is_complete     (PtMedicineListModel *self);
/* Re-reads everything (after a local change or a sync). */
void         pt_medicine_list_model_refresh         (PtMedicineListModel *self);
/* At most @max_pages pages stay cached (default
 * PT_MEDICINE_LIST_MAX_PAGES); the least recently used go first. */
void         pt_medicine_list_model_set_max_pages   (PtMedicineListModel *self,
                                                     guint                max_pages);
/* How many pages are cached and how many store queries were made: for
 * tests and the benchmark. */
guint        pt_medicine_list_model_get_cached_pages (PtMedicineListModel *self);
guint        pt_medicine_list_model_get_n_queries    (PtMedicineListModel *self);

G_END_DECLS
