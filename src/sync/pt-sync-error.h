/* pt-sync-error.h: driver errors → PT_ERROR with a sentence that says what
 * to do.  The raw driver text goes to the log only. */
#pragma once

#include <glib.h>
#include <bson/bson.h>
#include "pt-core.h"

G_BEGIN_DECLS

/* What the engine does about a failure. */
typedef enum
{
  PT_SYNC_FAILURE_TRANSIENT,      /* network, election, timeout: back off */
  PT_SYNC_FAILURE_ATTENTION,      /* credentials, URI, DNS, TLS, tenant,
                                     permissions: staff must act; retried
                                     slowly (backoff) */
  PT_SYNC_FAILURE_REJECTED,       /* the server refuses this document for
                                     good (validation): quarantine */
  PT_SYNC_FAILURE_HISTORY_LOST,   /* resume point gone (286…): catch up */
  PT_SYNC_FAILURE_NO_CHANGE_STREAMS, /* standalone server: poll */
  PT_SYNC_FAILURE_DUPLICATE,      /* E11000 */
} PtSyncFailure;

/* Classifies a mongoc error (error API version 2). */
PtSyncFailure pt_sync_error_classify (const bson_error_t *error);
/* Classifies a server error code (writeErrors[].code, code of a reply). */
PtSyncFailure pt_sync_error_classify_code (gint code);

/* Sets @error (PT_ERROR) from @berr: the code (NETWORK, AUTH_FAILED,
 * PERMISSION_DENIED, INVALID, …) and a pharmacist's sentence; @what says
 * what the engine was doing ("sending changes") for the log line.
 * Returns the classification. */
PtSyncFailure pt_sync_error_set      (GError           **error,
                                      const bson_error_t *berr,
                                      const gchar        *what);

/* PT_ERROR_INVALID for a URI mongoc refused (message is not echoed: it may
 * contain the password). */
/* pt_sync_error_set() that also stores the classification in *@failure
 * (may be NULL).  Returns FALSE: `return pt_sync_error_fail (…);`. */
gboolean      pt_sync_error_fail     (const bson_error_t *berr,
                                      const gchar        *what,
                                      PtSyncFailure      *failure,
                                      GError            **error);
/* *@failure = @value (@failure may be NULL).  Returns FALSE. */
gboolean      pt_sync_failure_set    (PtSyncFailure      *failure,
                                      PtSyncFailure       value);

void          pt_sync_error_set_bad_uri (GError           **error,
                                         const bson_error_t *berr);
/* PT_ERROR_NOT_FOUND: the tenant is not in the cloud database. */
void          pt_sync_error_set_tenant_not_found (GError     **error,
                                                  const gchar *tenant_id);

G_END_DECLS
