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
/* How many live medicines the search index matches for @query (the
 * names starting with it among them, in general): a few doclist reads. */
guint      pt_store_catalogue_match_count    (PtStore      *self,
                                              const gchar  *query);
/* The same medicines as pt_store_catalogue_other_rowids, a page at a
 * time: at most @limit after the medicine @after_rowid (0: from the
 * first), in the name index's order (name, then id); fewer than @limit
 * means there are no more.  Cheap when the matches are many (short
 * queries), up to one walk of the name index when they are few: read
 * those at once with pt_store_catalogue_other_rowids. */
GArray    *pt_store_catalogue_other_rowids_page (PtStore     *self,
                                                 const gchar *query,
                                                 gint64       after_rowid,
                                                 guint        limit,
                                                 GError     **error);
/* A page of a search's matches (@query as pt_store_medicine_rows takes
 * it: every word a prefix, or the barcode) in another order: positions
 * @offset … @offset + @limit − 1 of the order of pt_store_medicine_rows
 * (the key, then name, then rowid; by name: name, then id).  By name or price it walks that index and stops
 * after the page; by stock or expiry it keeps only @offset + @limit rows
 * while reading the matches (no full ordering, no cache): for the first
 * pages of a search, where reading every match in order took seconds on a
 * cold 100k store. */
GArray    *pt_store_catalogue_sorted_rowids  (PtStore        *self,
                                              const gchar    *query,
                                              const gchar    *pharmacy_id,
                                              PtMedicineSort  sort,
                                              gboolean        descending,
                                              guint           offset,
                                              guint           limit,
                                              GError        **error);
/* The list's row for each of @rowids at @pharmacy_id (NULL: every branch),
 * in the same order; NULL entries for medicines no longer listed. */
GPtrArray *pt_store_catalogue_rows           (PtStore      *self,
                                              const gint64 *rowids,
                                              guint         n_rowids,
                                              const gchar  *pharmacy_id,
                                              GError      **error);

G_END_DECLS
