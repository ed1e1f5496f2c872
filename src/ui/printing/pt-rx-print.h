/* pt-rx-print.h: dispensing labels and receipts through GtkPrintOperation.
 *
 * A label per dispensed item (patient, medicine and strength, quantity,
 * instructions, date, pharmacy name and address, prescription number,
 * pharmacist) laid out for a common 89 × 36 mm label; on A4 the same
 * labels are placed in a grid of 89 × 36 mm cells, so they can also be
 * cut from plain paper.  A receipt lists the items, the total and the
 * payments.
 */
#pragma once

#include <gtk/gtk.h>
#include "pt-store.h"

G_BEGIN_DECLS

typedef enum
{
  PT_RX_PRINT_LABELS,
  PT_RX_PRINT_RECEIPT,
} PtRxPrintKind;

typedef enum
{
  PT_RX_PAPER_LABEL,             /* 89 × 36 mm, one label per page */
  PT_RX_PAPER_A4,                /* A4, labels in a grid */
} PtRxPaper;

#define PT_LABEL_WIDTH_MM  89.0
#define PT_LABEL_HEIGHT_MM 36.0

typedef struct _PtRxPrintJob PtRxPrintJob;

/* Gathers what is printed from the store: the prescription, its patient,
 * medicines, pharmacy and the acting user (the pharmacist). */
PtRxPrintJob *pt_rx_print_job_new   (PtStore     *store,
                                     const gchar *prescription_id,
                                     GError     **error);
void          pt_rx_print_job_free  (PtRxPrintJob *job);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (PtRxPrintJob, pt_rx_print_job_free)

/* Number of labels (items with something dispensed). */
guint         pt_rx_print_job_get_n_labels (PtRxPrintJob *job);

/* Prints through GtkPrintOperation: with @export_pdf set, straight to that
 * PDF file (the "Print to File" path, no dialog); otherwise the print
 * dialog, unless $PHARMATRACK_PRINT_DIR names a folder, where counters
 * without a printer get one PDF per print.  *@exported_path (may be NULL)
 * gets the file written, if any. */
gboolean      pt_rx_print_run       (PtRxPrintJob  *job,
                                     PtRxPrintKind  kind,
                                     PtRxPaper      paper,
                                     GtkWindow     *parent,
                                     const gchar   *export_pdf,
                                     gchar        **exported_path,
                                     GError       **error);

G_END_DECLS
