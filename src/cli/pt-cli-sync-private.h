/* pt-cli-sync-private.h: shared by the sync commands of pharmatrack-admin
 * (pt-cli-sync*.c). */
#pragma once

#include "pt-cli-private.h"

G_BEGIN_DECLS

/* --uri, else $MONGODB_URI (a usage error in *@status otherwise).  Never
 * printed with its password. */
gchar *_pt_cli_sync_resolve_uri (PtCli       *cli,
                                 const gchar *option,
                                 int         *status);

G_END_DECLS
