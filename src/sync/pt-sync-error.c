/* pt-sync-error.c: driver errors in the pharmacist's language. */
#define G_LOG_DOMAIN "pt-sync"
#include "config.h"

#include <string.h>
#include <glib/gi18n-lib.h>
#include <mongoc/mongoc.h>
#include "pt-sync-engine.h"
#include "pt-sync-error.h"

G_DEFINE_QUARK (pt-sync-error-quark, pt_sync_error)

static gboolean
contains (const gchar *haystack,
          const gchar *needle)
{
  g_autofree gchar *h = g_ascii_strdown (haystack, -1);
  return strstr (h, needle) != NULL;
}

PtSyncFailure
pt_sync_error_classify_code (gint code)
{
  switch (code)
    {
    case 11000: case 11001: case 12582:
      return PT_SYNC_FAILURE_DUPLICATE;
    case 18:        /* AuthenticationFailed */
    case 13:        /* Unauthorized */
    case 8000:      /* Atlas: AtlasError (bad auth) */
      return PT_SYNC_FAILURE_ATTENTION;
    case 286:       /* ChangeStreamHistoryLost */
    case 280:       /* ChangeStreamFatalError */
    case 136:       /* CappedPositionLost */
    case 260:       /* InvalidResumeToken */
      return PT_SYNC_FAILURE_HISTORY_LOST;
    case 40573:     /* $changeStream only on replica sets */
    case 40602:
    case 115:       /* CommandNotSupported */
      return PT_SYNC_FAILURE_NO_CHANGE_STREAMS;
    case 121:       /* DocumentValidationFailure */
    case 2:         /* BadValue */
    case 9:         /* FailedToParse */
    case 14:        /* TypeMismatch */
    case 17:        /* ProtocolError? sent for invalid BSON */
    case 52:        /* DollarPrefixedFieldName */
    case 55:        /* InvalidDBRef */
    case 56:        /* EmptyFieldName */
    case 57:        /* DottedFieldName */
    case 10334:     /* BSONObjectTooLarge */
    case 17419:     /* document too large */
    case 66:        /* ImmutableField */
      return PT_SYNC_FAILURE_REJECTED;
    default:
      return PT_SYNC_FAILURE_TRANSIENT;
    }
}

PtSyncFailure
pt_sync_error_classify (const bson_error_t *e)
{
  switch (e->domain)
    {
    case MONGOC_ERROR_CLIENT:
      if (e->code == MONGOC_ERROR_CLIENT_AUTHENTICATE)
        return PT_SYNC_FAILURE_ATTENTION;
      return PT_SYNC_FAILURE_TRANSIENT;
    case MONGOC_ERROR_SASL:
    case MONGOC_ERROR_SCRAM:
      return PT_SYNC_FAILURE_ATTENTION;
    case MONGOC_ERROR_COMMAND:
      if (e->code == MONGOC_ERROR_COMMAND_INVALID_ARG)
        return PT_SYNC_FAILURE_ATTENTION;
      return pt_sync_error_classify_code ((gint) e->code);
    case MONGOC_ERROR_STREAM:
      if (e->code == MONGOC_ERROR_STREAM_NAME_RESOLUTION)
        return PT_SYNC_FAILURE_ATTENTION;
      return PT_SYNC_FAILURE_TRANSIENT;
    case MONGOC_ERROR_SERVER_SELECTION:
      if (contains (e->message, "authentication failed"))
        return PT_SYNC_FAILURE_ATTENTION;
      return PT_SYNC_FAILURE_TRANSIENT;
    case MONGOC_ERROR_SERVER:
    case MONGOC_ERROR_QUERY:
    case MONGOC_ERROR_WRITE_CONCERN:
      return pt_sync_error_classify_code ((gint) e->code);
    default:
      return PT_SYNC_FAILURE_TRANSIENT;
    }
}

PtSyncFailure
pt_sync_error_set (GError           **error,
                   const bson_error_t *e,
                   const gchar        *what)
{
  PtSyncFailure failure = pt_sync_error_classify (e);
  const gchar *msg = e->message;
  gint code = PT_ERROR_NETWORK;
  const gchar *text;

  g_debug ("%s failed: domain %u code %u: %s", what, e->domain, e->code, msg);

  if ((e->domain == MONGOC_ERROR_CLIENT && e->code == MONGOC_ERROR_CLIENT_AUTHENTICATE)
      || e->domain == MONGOC_ERROR_SASL || e->domain == MONGOC_ERROR_SCRAM
      || ((e->domain == MONGOC_ERROR_SERVER || e->domain == MONGOC_ERROR_QUERY
           || e->domain == MONGOC_ERROR_COMMAND) && e->code == 18)
      || contains (msg, "authentication failed") || contains (msg, "bad auth"))
    {
      code = PT_ERROR_AUTH_FAILED;
      failure = PT_SYNC_FAILURE_ATTENTION;
      text = _("The cloud database refused the sign-in (authentication failed). "
               "Check the user name and password in the connection address, "
               "and that this database user has access to the database.");
    }
  else if ((e->domain == MONGOC_ERROR_SERVER || e->domain == MONGOC_ERROR_QUERY
            || e->domain == MONGOC_ERROR_COMMAND) && e->code == 13)
    {
      code = PT_ERROR_PERMISSION_DENIED;
      failure = PT_SYNC_FAILURE_ATTENTION;
      text = _("The database user may not read or write the pharmacy data. "
               "In Atlas, give this user the “readWrite” role on the database.");
    }
  else if (e->domain == MONGOC_ERROR_COMMAND && e->code == MONGOC_ERROR_COMMAND_INVALID_ARG)
    {
      code = PT_ERROR_INVALID;
      failure = PT_SYNC_FAILURE_ATTENTION;
      text = _("The connection address is not valid. Copy it again from Atlas "
               "(Connect → Drivers); it starts with “mongodb+srv://”.");
    }
  else if (contains (msg, "srv") || contains (msg, "resolve")
           || contains (msg, "dns") || contains (msg, "name resolution")
           || (e->domain == MONGOC_ERROR_STREAM && e->code == MONGOC_ERROR_STREAM_NAME_RESOLUTION))
    {
      failure = PT_SYNC_FAILURE_ATTENTION;
      text = _("The cloud database’s address could not be found (DNS lookup failed). "
               "Check the cluster name in the connection address and this "
               "computer’s internet connection.");
    }
  else if (contains (msg, "tls") || contains (msg, "ssl") || contains (msg, "certificate"))
    {
      failure = PT_SYNC_FAILURE_ATTENTION;
      text = _("A secure connection to the cloud database could not be set up "
               "(TLS failure). Check that the computer’s date and time are right "
               "and that no firewall or proxy intercepts the connection.");
    }
  else if (e->domain == MONGOC_ERROR_SERVER_SELECTION
           || e->domain == MONGOC_ERROR_STREAM
           || contains (msg, "timed out") || contains (msg, "timeout"))
    {
      text = _("The cloud database cannot be reached. Check this computer’s "
               "internet connection, and that the cluster’s network access list "
               "in Atlas allows this computer’s address. PharmaTrack keeps "
               "working offline and retries automatically.");
    }
  else if (failure == PT_SYNC_FAILURE_REJECTED)
    {
      code = PT_ERROR_INVALID;
      text = _("The cloud database refused a change; it is kept on this computer "
               "and listed under quarantined changes for staff to review.");
    }
  else if (failure == PT_SYNC_FAILURE_HISTORY_LOST)
    {
      code = PT_ERROR_FAILED;
      text = _("This computer was offline longer than the cloud keeps its change "
               "history; it catches up by reading the pharmacy data again. "
               "No local change is lost.");
    }
  else
    {
      text = _("The cloud database is temporarily unavailable. PharmaTrack keeps "
               "working offline and retries automatically.");
    }

  if (failure == PT_SYNC_FAILURE_ATTENTION)
    g_message ("%s failed (needs attention): %s", what, msg);

  g_set_error_literal (error, PT_ERROR, code, text);
  return failure;
}

gboolean
pt_sync_error_fail (const bson_error_t *berr,
                    const gchar        *what,
                    PtSyncFailure      *failure,
                    GError            **error)
{
  return pt_sync_failure_set (failure, pt_sync_error_set (error, berr, what));
}

gboolean
pt_sync_failure_set (PtSyncFailure *failure,
                     PtSyncFailure  value)
{
  if (failure != NULL)
    *failure = value;
  return FALSE;
}

void
pt_sync_error_set_bad_uri (GError           **error,
                           const bson_error_t *berr)
{
  /* The driver's text may quote the URI with its password: log the code. */
  g_debug ("URI refused by the driver: domain %u code %u",
           berr != NULL ? berr->domain : 0, berr != NULL ? berr->code : 0);
  g_set_error_literal (error, PT_ERROR, PT_ERROR_INVALID,
                       _("The connection address is not valid. Copy it again from "
                         "Atlas (Connect → Drivers); it starts with “mongodb+srv://” "
                         "or “mongodb://”."));
}

void
pt_sync_error_set_tenant_not_found (GError     **error,
                                    const gchar *tenant_id)
{
  g_set_error (error, PT_ERROR, PT_ERROR_NOT_FOUND,
               _("The pharmacy organisation %s does not exist in the cloud "
                 "database. Check the tenant id with your administrator, and that "
                 "the connection address names the right database."),
               tenant_id);
}

/* The value of @field in a duplicate-key message's "dup key: { …, field:
 * "value" }", or NULL. */
static gchar *
dup_key_value (const gchar *message,
               const gchar *field)
{
  const gchar *key = message != NULL ? strstr (message, "dup key:") : NULL;
  g_autofree gchar *needle = g_strdup_printf (" %s: \"", field);
  const gchar *start, *end;

  if (key == NULL || (start = strstr (key, needle)) == NULL)
    return NULL;
  start += strlen (needle);
  end = strchr (start, '"');
  return end != NULL && end > start ? g_strndup (start, end - start) : NULL;
}

gchar *
pt_sync_quarantined_describe (const PtSyncQuarantined *q)
{
  g_autofree gchar *value = NULL;

  g_return_val_if_fail (q != NULL, NULL);

  /* Refused on this computer: the message is already a sentence of ours. */
  if (q->server_code == 0 && q->server_message != NULL && *q->server_message != '\0')
    return g_strdup (q->server_message);

  g_debug ("refused by the server: %s %s: %d %s", q->collection, q->document_id, q->server_code,
           q->server_message != NULL ? q->server_message : "");
  switch (pt_sync_error_classify_code (q->server_code))
    {
    case PT_SYNC_FAILURE_DUPLICATE:
      if (q->server_message != NULL && strstr (q->server_message, "another tenant") != NULL)
        return g_strdup (_("Its identifier is already used in the cloud by a record of another "
                           "organisation, so it cannot be sent. Send the log to your support."));
      if ((value = dup_key_value (q->server_message, "barcode")) != NULL)
        return g_strdup_printf (_("Another medicine in the cloud already has the barcode %s. Correct "
                                  "the barcode of one of the two; this change is then sent again."),
                                value);
      if ((value = dup_key_value (q->server_message, "email")) != NULL)
        return g_strdup_printf (_("Another user in the cloud already has the e-mail address %s. "
                                  "Correct the address of one of the two; this change is then sent "
                                  "again."), value);
      if ((value = dup_key_value (q->server_message, "number")) != NULL)
        return g_strdup_printf (_("Another prescription in the cloud already has the number %s. "
                                  "Correct the number of one of the two; this change is then sent "
                                  "again."), value);
      return g_strdup (_("Another record in the cloud already has a value that must be unique "
                         "(a barcode, an e-mail address or a number). Correct it; this change is "
                         "then sent again."));
    case PT_SYNC_FAILURE_REJECTED:
      if (q->server_code == 10334 || q->server_code == 17419)
        break;
      return g_strdup (_("The cloud’s rules for this kind of record refuse it. Correct the record; "
                         "this change is then sent again. If it is refused again, ask your "
                         "administrator to check the cloud’s validation rules."));
    default:
      if (q->server_code > 0)
        return g_strdup_printf (_("The cloud refused this change for good (error %d). Correct the "
                                  "record; this change is then sent again. If it is refused again, "
                                  "send the log to your support."), q->server_code);
      break;
    }
  /* Too large for the server, or refused by the driver before sending
   * (-1; a document is checked for its size there). */
  return g_strdup (_("This record is too large for the cloud. Shorten its longest texts; this "
                     "change is then sent again."));
}
