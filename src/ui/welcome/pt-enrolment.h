/* pt-enrolment.h: what connecting a counter to a pharmacy needs — the
 * server address, the organisation (tenant) id and the database — typed
 * in or read from an enrolment file.  GTK-free, tested without a display.
 *
 * An enrolment file is a small JSON object an administrator hands out:
 *
 *   { "uri": "mongodb+srv://counter:secret@cluster0.example.net/",
 *     "tenantId": "65a00000000000000000a001",
 *     "database": "pharmatrack" }            (database optional)
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef struct
{
  gchar *uri;
  gchar *tenant_id;
  gchar *database;   /* NULL = the default, "pharmatrack" */
} PtEnrolment;

void         pt_enrolment_free       (PtEnrolment *enrolment);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (PtEnrolment, pt_enrolment_free)

/* Checks a typed or loaded address and organisation id; FALSE with
 * PT_ERROR_INVALID and a sentence saying what to fix. */
gboolean     pt_enrolment_check      (const gchar  *uri,
                                      const gchar  *tenant_id,
                                      GError      **error);

/* Reads and checks an enrolment file (PT_ERROR_INVALID / PT_ERROR_IO). */
PtEnrolment *pt_enrolment_load_file  (const gchar  *path,
                                      GError      **error);
PtEnrolment *pt_enrolment_load_data  (const gchar  *data,
                                      gssize        length,
                                      GError      **error);

/* TRUE when @uri carries credentials (user[:password]@host), so the
 * password must come from the keyring. */
gboolean     pt_enrolment_uri_has_credentials (const gchar *uri);

G_END_DECLS
