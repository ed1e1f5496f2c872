/* pt-medicines-page.h: the catalogue, its stock, and the stock actions. */
#pragma once

#include <adwaita.h>
#include "pt-store.h"

G_BEGIN_DECLS

#define PT_TYPE_MEDICINES_PAGE (pt_medicines_page_get_type ())
G_DECLARE_FINAL_TYPE (PtMedicinesPage, pt_medicines_page, PT, MEDICINES_PAGE, GtkWidget)

void pt_medicines_page_set_store          (PtMedicinesPage *self,
                                           PtStore         *store,
                                           const gchar     *pharmacy_id);
void pt_medicines_page_focus_search       (PtMedicinesPage *self);
/* Re-reads rows, detail and the enabled actions after a change. */
void pt_medicines_page_refresh            (PtMedicinesPage *self);
void pt_medicines_page_update_permissions (PtMedicinesPage *self);

G_END_DECLS
