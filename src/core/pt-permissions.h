/* pt-permissions.h: roles, permissions and plan limits — one table each. */
#pragma once

#include <glib.h>
#include "pt-types.h"

G_BEGIN_DECLS

typedef enum
{
  PT_ROLE_OWNER,
  PT_ROLE_ADMIN,
  PT_ROLE_PHARMACIST,
  PT_ROLE_TECHNICIAN,
  PT_ROLE_CASHIER,
  PT_ROLE_SYSTEM,      /* the device itself (CLI without --user, sync) */
  PT_N_ROLES
} PtRole;

typedef enum
{
  PT_PERM_VIEW_CATALOGUE,
  PT_PERM_EDIT_MEDICINE,        /* name, strength, codes, ... */
  PT_PERM_EDIT_PRICE,           /* price, taxRate */
  PT_PERM_RECEIVE_STOCK,
  PT_PERM_ADJUST_STOCK,
  PT_PERM_WRITE_OFF_STOCK,
  PT_PERM_VIEW_PATIENTS,
  PT_PERM_EDIT_PATIENTS,
  PT_PERM_CREATE_PRESCRIPTION,
  PT_PERM_ADVANCE_PRESCRIPTION, /* move through the workflow */
  PT_PERM_DISPENSE,
  PT_PERM_OVERRIDE_WARNING,     /* dispense past a warning, with reason */
  PT_PERM_CANCEL_PRESCRIPTION,
  PT_PERM_TAKE_PAYMENT,
  PT_PERM_VIEW_REPORTS,
  PT_PERM_MANAGE_USERS,
  PT_PERM_MANAGE_PHARMACIES,
  PT_PERM_MANAGE_TENANT,
  PT_PERM_BACKUP_RESTORE,
  PT_PERM_IMPORT_EXPORT,
  PT_PERM_MANAGE_SYNC,
  PT_PERM_VIEW_AUDIT,
  PT_PERM_HAND_OVER_PRESCRIPTION, /* dispensed → picked_up at the till */
  PT_N_PERMS
} PtPermission;

const gchar *pt_role_to_string      (PtRole role);      /* "pharmacist" */
const gchar *pt_role_get_label      (PtRole role);      /* _("Pharmacist") */
gboolean     pt_role_from_string    (const gchar *s, PtRole *out);
const gchar *pt_permission_to_string (PtPermission perm); /* "edit-price" */
/* Human phrase for messages: _("change prices"). */
const gchar *pt_permission_get_label (PtPermission perm);
gboolean     pt_role_can            (PtRole role, PtPermission perm);
/* Sets PT_ERROR_PERMISSION_DENIED: "A cashier may not change prices." */
gboolean     pt_role_check          (PtRole role, PtPermission perm,
                                     GError **error);

/* The permission needed to move a prescription to @to_status:
 * in_progress/ready → ADVANCE_PRESCRIPTION, dispensed → DISPENSE,
 * picked_up → HAND_OVER_PRESCRIPTION, cancelled → CANCEL_PRESCRIPTION,
 * received → CREATE_PRESCRIPTION.  FALSE for an unknown status. */
gboolean     pt_rx_status_required_permission (const gchar  *to_status,
                                               PtPermission *out);
/* Workflow and role together: PT_ERROR_INVALID_TRANSITION when the
 * workflow forbids @from → @to, PT_ERROR_PERMISSION_DENIED when @role may
 * not make that move. @from NULL = a new prescription. */
gboolean     pt_role_check_rx_transition (PtRole       role,
                                          const gchar *from,
                                          const gchar *to,
                                          GError     **error);

typedef enum
{
  PT_PLAN_STARTER,
  PT_PLAN_PROFESSIONAL,
  PT_PLAN_ENTERPRISE,
} PtPlan;

typedef enum
{
  PT_LIMIT_USERS,
  PT_LIMIT_MEDICINES,
  PT_LIMIT_PRESCRIPTIONS,
} PtLimitKind;

const gchar *pt_plan_to_string      (PtPlan plan);      /* "starter" */
const gchar *pt_plan_get_label      (PtPlan plan);      /* _("Starter") */
gboolean     pt_plan_from_string    (const gchar *s, PtPlan *out);
/* -1 = unlimited. Starter 5/1,000/10,000; Professional 25/10,000/100,000. */
gint64       pt_plan_limit          (PtPlan plan, PtLimitKind kind);
/* Storage quota in bytes: 100 MB / 1 GB / 10 GB. */
gint64       pt_plan_storage_quota  (PtPlan plan);
/* Fails with PT_ERROR_PLAN_LIMIT when creating one more would pass the
 * limit: "The Starter plan allows 1,000 medicines; upgrade the plan to add
 * more." */
gboolean     pt_plan_check          (PtPlan plan, PtLimitKind kind,
                                     gint64 current_count, GError **error);
/* The collection a limit counts ("users", "medicines", "prescriptions"),
 * or FALSE when @collection has no limit. */
gboolean     pt_plan_limit_for_collection (const gchar *collection,
                                           PtLimitKind *out);

/* Storage: TRUE (and a sentence for staff in @message, may be NULL) when
 * @used_bytes reaches 80 % of the plan's quota.  Never blocks work. */
#define PT_PLAN_STORAGE_WARN_PERCENT 80
gboolean     pt_plan_storage_near_quota (PtPlan   plan,
                                         gint64   used_bytes,
                                         gchar  **message);

G_END_DECLS
