/* pt-reports-page.h: the end-of-day counter check — takings of a day per
 * person and per payment method. */
#pragma once

#include <adwaita.h>
#include "pt-store.h"

G_BEGIN_DECLS

#define PT_TYPE_REPORTS_PAGE (pt_reports_page_get_type ())
G_DECLARE_FINAL_TYPE (PtReportsPage, pt_reports_page, PT, REPORTS_PAGE, GtkWidget)

void pt_reports_page_set_store (PtReportsPage *self,
                                PtStore       *store,
                                const gchar   *pharmacy_id);
void pt_reports_page_refresh   (PtReportsPage *self);

G_END_DECLS
