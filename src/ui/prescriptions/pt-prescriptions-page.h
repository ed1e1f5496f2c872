/* pt-prescriptions-page.h: recent prescriptions with dispense, refill,
 * labels, receipt and cancel. */
#pragma once

#include <adwaita.h>
#include "pt-store.h"

G_BEGIN_DECLS

#define PT_TYPE_PRESCRIPTIONS_PAGE (pt_prescriptions_page_get_type ())
G_DECLARE_FINAL_TYPE (PtPrescriptionsPage, pt_prescriptions_page, PT, PRESCRIPTIONS_PAGE, GtkWidget)

void pt_prescriptions_page_set_store (PtPrescriptionsPage *self,
                                      PtStore             *store,
                                      const gchar         *pharmacy_id);
void pt_prescriptions_page_refresh   (PtPrescriptionsPage *self);
void pt_prescriptions_page_focus_search (PtPrescriptionsPage *self);

G_END_DECLS
