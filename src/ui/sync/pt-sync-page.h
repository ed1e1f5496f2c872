/* pt-sync-page.h: the state of synchronisation with the server. */
#pragma once

#include <adwaita.h>
#include "pt-store.h"

G_BEGIN_DECLS

#define PT_TYPE_SYNC_PAGE (pt_sync_page_get_type ())
G_DECLARE_FINAL_TYPE (PtSyncPage, pt_sync_page, PT, SYNC_PAGE, GtkWidget)

void pt_sync_page_set_store (PtSyncPage *self,
                             PtStore    *store);
/* The PtSyncEngine when this build has one and the counter is connected;
 * NULL shows "Offline — not connected". */
void pt_sync_page_set_engine (PtSyncPage *self,
                              GObject    *engine);
void pt_sync_page_refresh   (PtSyncPage *self);

G_END_DECLS
