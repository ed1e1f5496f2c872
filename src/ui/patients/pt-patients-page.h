/* pt-patients-page.h: patients — instant search by name, phone or date of
 * birth, the profile with its prescription history, new and edit. */
#pragma once

#include <adwaita.h>
#include "pt-store.h"

G_BEGIN_DECLS

#define PT_TYPE_PATIENTS_PAGE (pt_patients_page_get_type ())
G_DECLARE_FINAL_TYPE (PtPatientsPage, pt_patients_page, PT, PATIENTS_PAGE, GtkWidget)

void pt_patients_page_set_store    (PtPatientsPage *self,
                                    PtStore        *store);
void pt_patients_page_focus_search (PtPatientsPage *self);
void pt_patients_page_refresh      (PtPatientsPage *self);

/* "Ada Lovelace" */
gchar *pt_patient_display_name (const bson_t *patient);
/* "born 1 Jan 1980 · +44 20 7946 0001 · allergies: amoxicillin" */
gchar *pt_patient_describe     (const bson_t *patient);
/* Search results as list rows (title = name, subtitle = description),
 * each carrying its patient id as data "patient-id".  Clears @list. */
guint  pt_patient_fill_results (GtkListBox  *list,
                                PtStore     *store,
                                const gchar *query,
                                guint        limit);

G_END_DECLS
