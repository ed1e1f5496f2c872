/* pt-counter-page.h: today's queue by status — received, in progress,
 * ready, dispensed today — moved on with one key per workflow step. */
#pragma once

#include <adwaita.h>
#include "pt-store.h"

G_BEGIN_DECLS

#define PT_TYPE_COUNTER_PAGE (pt_counter_page_get_type ())
G_DECLARE_FINAL_TYPE (PtCounterPage, pt_counter_page, PT, COUNTER_PAGE, GtkWidget)

void pt_counter_page_set_store (PtCounterPage *self,
                                PtStore       *store,
                                const gchar   *pharmacy_id);
void pt_counter_page_refresh   (PtCounterPage *self);
/* TRUE when the queue shows at least one prescription. */
gboolean pt_counter_page_has_queue (PtCounterPage *self);
/* Focus on the queue (the first prescription waiting). */
void pt_counter_page_focus     (PtCounterPage *self);

/* Opens the new-prescription flow (shared with the Prescriptions page):
 * on "save and dispense" it goes on to the dispense dialog. */
void pt_counter_new_prescription (GtkWidget   *from,
                                  PtStore     *store,
                                  const gchar *pharmacy_id,
                                  const gchar *patient_id);
/* Opens the dispense dialog for @prescription_id. */
void pt_counter_dispense         (GtkWidget   *from,
                                  PtStore     *store,
                                  const gchar *prescription_id);
/* Asks for a reason and cancels @prescription_id: what was dispensed
 * goes back into stock (the store refuses a second cancel). */
void pt_counter_cancel           (GtkWidget   *from,
                                  PtStore     *store,
                                  const gchar *prescription_id);

G_END_DECLS
