/* pt-types.h: forward typedefs so headers never include each other in circles. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef struct _PtHlc           PtHlc;
typedef struct _PtField         PtField;
typedef struct _PtCollection    PtCollection;
typedef struct _PtStore         PtStore;
typedef struct _PtSyncEngine    PtSyncEngine;

/* Money: an integer count of minor units (cents) of the tenant currency. */
typedef gint64 PtMoney;
/* Quantity: an integer count of base units (tablets, ml). */
typedef gint64 PtQuantity;
/* Dates: milliseconds since the Unix epoch, UTC (BSON's date). */
typedef gint64 PtTime;

G_END_DECLS
