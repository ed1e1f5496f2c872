/* pt-error.h: the one error domain of libpharmatrack.
 *
 * Every message carried by a PT_ERROR is a sentence a pharmacist can read:
 * it says what went wrong and, where it can, what to do.  Raw SQLite or
 * driver errors go to the log (g_debug/g_warning), never into the message.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define PT_ERROR (pt_error_quark ())

typedef enum
{
  PT_ERROR_FAILED,              /* anything not listed below */
  PT_ERROR_INVALID,             /* validation: bad field value, bad input */
  PT_ERROR_NOT_FOUND,           /* no such document / file / store */
  PT_ERROR_EXISTS,              /* already there (unique key, store exists) */
  PT_ERROR_PERMISSION_DENIED,   /* the signed-in role may not do this */
  PT_ERROR_PLAN_LIMIT,          /* the tenant's plan does not allow more */
  PT_ERROR_INSUFFICIENT_STOCK,  /* not enough non-expired stock */
  PT_ERROR_EXPIRED_STOCK,       /* only expired stock left / expired batch */
  PT_ERROR_WARNING_UNACKNOWLEDGED, /* dispense warnings need an override */
  PT_ERROR_INVALID_TRANSITION,  /* workflow forbids this status change */
  PT_ERROR_ALREADY_DONE,        /* e.g. cancelling twice */
  PT_ERROR_FOREIGN_TENANT,      /* document / backup of another tenant */
  PT_ERROR_CORRUPT,             /* file is not a PharmaTrack store / damaged */
  PT_ERROR_READ_ONLY,           /* data dir or file not writable */
  PT_ERROR_DISK_FULL,           /* no space left */
  PT_ERROR_BUSY,                /* another process holds the store too long */
  PT_ERROR_IO,                  /* other file / network I/O failure */
  PT_ERROR_AUTH_FAILED,         /* wrong e-mail or password */
  PT_ERROR_NETWORK,             /* server unreachable, DNS, TLS */
  PT_ERROR_CANCELLED,
} PtErrorCode;

GQuark pt_error_quark (void);

G_END_DECLS
