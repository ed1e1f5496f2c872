/* pt-store-catalogue.h: the catalogue's search results in pieces that each
 * cost what they return, for a list that types ahead at 100,000 medicines.
 *
 * A search lists, in this order: the medicines whose barcode is the query
 * (a scan), the medicines whose name starts with the query (name order),
 * then every other medicine whose name, generic name, code or manufacturer
 * has words starting with the query's words (name order).  The first two
 * are index lookups and ranges (count and slice without reading the
 * others); only the third has to read all its matches, and a list needs it
 * only once the pharmacist scrolls past the names.
 *
 * Medicines are named by rowid here: stable until the row is deleted,
 * which the store never does (tombstones). */
#pragma once

#include "pt-store.h"

G_BEGIN_DECLS

/* Live medicines whose barcode is @query (normally one). */
GArray    *pt_store_catalogue_barcode_rowids (PtStore      *self,
                                              const gchar  *query,
                                              GError      **error);
/* How many live medicines have a name starting with @prefix (case is
 * ignored for ASCII letters); "" or NULL counts all of them. */
guint      pt_store_catalogue_name_count     (PtStore      *self,
                                              const gchar  *prefix);
/* Those medicines in name order from @offset, at most @limit (0: all). */
GArray    *pt_store_catalogue_name_rowids    (PtStore      *self,
                                              const gchar  *prefix,
                                              guint         offset,
                                              guint         limit,
                                              GError      **error);
/* Live medicines matching every word of @query as a word prefix in the
 * search index, whose name does NOT start with @query, in name order. */
GArray    *pt_store_catalogue_other_rowids   (PtStore      *self,
                                              const gchar  *query,
                                              GError      **error);
/* The list's row for each of @rowids at @pharmacy_id (NULL: every branch),
 * in the same order; NULL entries for medicines no longer listed. */
GPtrArray *pt_store_catalogue_rows           (PtStore      *self,
                                              const gint64 *rowids,
                                              guint         n_rowids,
                                              const gchar  *pharmacy_id,
                                              GError      **error);

G_END_DECLS
