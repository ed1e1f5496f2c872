/* pt-store-sync-private.h: shared by the pt-store-sync*.c files. */
#pragma once

#include "pt-store-sync.h"

G_BEGIN_DECLS

/* Commits the transaction opened by the caller's _pt_store_begin (), or
 * rolls it back when !@ok. */
gboolean  _pt_store_sync_finish     (PtStore  *store,
                                     gboolean  ok,
                                     GError  **error);

G_END_DECLS
