/* pt-patient-search-model.h: patients matching a query (name, phone or
 * date of birth) as a GListModel of PtPatientItem.  No GTK. */
#pragma once

#include <gio/gio.h>
#include "pt-item-list.h"
#include "pt-patient-item.h"

G_BEGIN_DECLS

#define PT_TYPE_PATIENT_SEARCH_MODEL (pt_patient_search_model_get_type ())
G_DECLARE_FINAL_TYPE (PtPatientSearchModel, pt_patient_search_model, PT, PATIENT_SEARCH_MODEL,
                      PtItemList)

PtPatientSearchModel *pt_patient_search_model_new       (guint                 limit);
void                  pt_patient_search_model_set_store (PtPatientSearchModel *self,
                                                         PtStore              *store);
/* Searches at once; an empty query empties the list. */
void                  pt_patient_search_model_set_query (PtPatientSearchModel *self,
                                                         const gchar          *query);
/* Searches again (after an edit). */
void                  pt_patient_search_model_reload    (PtPatientSearchModel *self);
gint                  pt_patient_search_model_find      (PtPatientSearchModel *self,
                                                         const gchar          *id);

G_END_DECLS
