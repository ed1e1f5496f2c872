/* pt-patients-page.h: patients — instant search by name, phone or date of
 * birth, the profile with its prescription history, new and edit. */
#pragma once

#include <adwaita.h>
#include "pt-patient-item.h"
#include "pt-store.h"

G_BEGIN_DECLS

#define PT_TYPE_PATIENTS_PAGE (pt_patients_page_get_type ())
G_DECLARE_FINAL_TYPE (PtPatientsPage, pt_patients_page, PT, PATIENTS_PAGE, GtkWidget)

void pt_patients_page_set_store    (PtPatientsPage *self,
                                    PtStore        *store);
void pt_patients_page_focus_search (PtPatientsPage *self);
void pt_patients_page_refresh      (PtPatientsPage *self);

/* A search result row (title = name, subtitle = description, a warning
 * icon when the patient has allergies), carrying its patient id as data
 * "patient-id": the patients page and the prescription editor use it. */
GtkWidget *pt_patient_row_new (PtPatientItem *item);

G_END_DECLS
