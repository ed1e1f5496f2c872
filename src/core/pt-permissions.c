#define G_LOG_DOMAIN "pt-core"
#include "config.h"

#include <inttypes.h>
#include <string.h>
#include <glib/gi18n-lib.h>

#include "pt-error.h"
#include "pt-permissions.h"
#include "pt-schema.h"

/* Roles, from the least to the most trusted person at the counter. */
static const struct
{
  const gchar *name;
  const gchar *label;
  const gchar *ask;        /* who to ask when a role may not do something */
} roles[PT_N_ROLES] = {
  [PT_ROLE_OWNER]      = { "owner",      N_("Owner"),      N_("Ask the owner.") },
  [PT_ROLE_ADMIN]      = { "admin",      N_("Administrator"), N_("Ask an administrator.") },
  [PT_ROLE_PHARMACIST] = { "pharmacist", N_("Pharmacist"), N_("Ask a pharmacist.") },
  [PT_ROLE_TECHNICIAN] = { "technician", N_("Technician"), N_("Ask a technician or a pharmacist.") },
  [PT_ROLE_CASHIER]    = { "cashier",    N_("Cashier"),    N_("Ask a cashier or a pharmacist.") },
  [PT_ROLE_SYSTEM]     = { "system",     N_("This device"), N_("Ask an administrator.") },
};

static const struct
{
  const gchar *name;
  const gchar *label;
} perms[PT_N_PERMS] = {
  [PT_PERM_VIEW_CATALOGUE]        = { "view-catalogue",        N_("view the medicine catalogue") },
  [PT_PERM_EDIT_MEDICINE]         = { "edit-medicine",         N_("edit medicines") },
  [PT_PERM_EDIT_PRICE]            = { "edit-price",            N_("change prices") },
  [PT_PERM_RECEIVE_STOCK]         = { "receive-stock",         N_("receive stock") },
  [PT_PERM_ADJUST_STOCK]          = { "adjust-stock",          N_("adjust stock") },
  [PT_PERM_WRITE_OFF_STOCK]       = { "write-off-stock",       N_("write off stock") },
  [PT_PERM_VIEW_PATIENTS]         = { "view-patients",         N_("view patients") },
  [PT_PERM_EDIT_PATIENTS]         = { "edit-patients",         N_("edit patients") },
  [PT_PERM_CREATE_PRESCRIPTION]   = { "create-prescription",   N_("enter prescriptions") },
  [PT_PERM_ADVANCE_PRESCRIPTION]  = { "advance-prescription",  N_("prepare prescriptions") },
  [PT_PERM_DISPENSE]              = { "dispense",              N_("dispense prescriptions") },
  [PT_PERM_OVERRIDE_WARNING]      = { "override-warning",      N_("override dispensing warnings") },
  [PT_PERM_CANCEL_PRESCRIPTION]   = { "cancel-prescription",   N_("cancel prescriptions") },
  [PT_PERM_TAKE_PAYMENT]          = { "take-payment",          N_("take payments") },
  [PT_PERM_VIEW_REPORTS]          = { "view-reports",          N_("view reports") },
  [PT_PERM_MANAGE_USERS]          = { "manage-users",          N_("manage users") },
  [PT_PERM_MANAGE_PHARMACIES]     = { "manage-pharmacies",     N_("manage pharmacies") },
  [PT_PERM_MANAGE_TENANT]         = { "manage-tenant",         N_("change the organisation’s settings") },
  [PT_PERM_BACKUP_RESTORE]        = { "backup-restore",        N_("back up or restore data") },
  [PT_PERM_IMPORT_EXPORT]         = { "import-export",         N_("import or export data") },
  [PT_PERM_MANAGE_SYNC]           = { "manage-sync",           N_("change the cloud connection") },
  [PT_PERM_VIEW_AUDIT]            = { "view-audit",            N_("view the audit log") },
  [PT_PERM_HAND_OVER_PRESCRIPTION] = { "hand-over-prescription", N_("hand over prescriptions") },
};

/* THE permission table.  Decisions, in pharmacy terms:
 * - Cashier: sells from the catalogue, takes payment and hands a dispensed
 *   prescription to the patient (dispensed → picked_up), so may look a
 *   patient up; may not change prices, stock, prescriptions or patients,
 *   and never overrides a warning.
 * - Technician: receives deliveries, keeps the catalogue (not its prices),
 *   registers patients, enters and prepares prescriptions (received →
 *   in_progress → ready), takes payment; may not dispense, override,
 *   cancel, adjust or write off stock.
 * - Pharmacist: everything clinical and stock-related, including prices,
 *   dispensing, overrides with a reason, cancellations, adjustments and
 *   write-offs, reports and the audit log; not users, branches, the
 *   organisation, backups, imports or the cloud connection.
 * - Admin, owner and the device itself (SYSTEM): everything. */
#define Y TRUE
#define N FALSE
static const gboolean table[PT_N_ROLES][PT_N_PERMS] = {
  /*                              cat  med  prc  rcv  adj  wof  vpt  ept  crx  adv  dsp  ovr  cnl  pay  rep  usr  phm  tnt  bak  imp  syn  aud  hnd */
  [PT_ROLE_OWNER]      = {          Y,   Y,   Y,   Y,   Y,   Y,   Y,   Y,   Y,   Y,   Y,   Y,   Y,   Y,   Y,   Y,   Y,   Y,   Y,   Y,   Y,   Y,   Y },
  [PT_ROLE_ADMIN]      = {          Y,   Y,   Y,   Y,   Y,   Y,   Y,   Y,   Y,   Y,   Y,   Y,   Y,   Y,   Y,   Y,   Y,   Y,   Y,   Y,   Y,   Y,   Y },
  [PT_ROLE_PHARMACIST] = {          Y,   Y,   Y,   Y,   Y,   Y,   Y,   Y,   Y,   Y,   Y,   Y,   Y,   Y,   Y,   N,   N,   N,   N,   N,   N,   Y,   Y },
  [PT_ROLE_TECHNICIAN] = {          Y,   Y,   N,   Y,   N,   N,   Y,   Y,   Y,   Y,   N,   N,   N,   Y,   N,   N,   N,   N,   N,   N,   N,   N,   Y },
  [PT_ROLE_CASHIER]    = {          Y,   N,   N,   N,   N,   N,   Y,   N,   N,   N,   N,   N,   N,   Y,   N,   N,   N,   N,   N,   N,   N,   N,   Y },
  [PT_ROLE_SYSTEM]     = {          Y,   Y,   Y,   Y,   Y,   Y,   Y,   Y,   Y,   Y,   Y,   Y,   Y,   Y,   Y,   Y,   Y,   Y,   Y,   Y,   Y,   Y,   Y },
};
#undef Y
#undef N

G_STATIC_ASSERT (PT_N_PERMS == 23);

const gchar *
pt_role_to_string (PtRole role)
{
  g_return_val_if_fail (role < PT_N_ROLES, NULL);
  return roles[role].name;
}

const gchar *
pt_role_get_label (PtRole role)
{
  g_return_val_if_fail (role < PT_N_ROLES, NULL);
  return _(roles[role].label);
}

gboolean
pt_role_from_string (const gchar *s,
                     PtRole      *out)
{
  if (s == NULL)
    return FALSE;
  for (guint i = 0; i < PT_N_ROLES; i++)
    if (strcmp (s, roles[i].name) == 0)
      {
        if (out)
          *out = i;
        return TRUE;
      }
  return FALSE;
}

const gchar *
pt_permission_to_string (PtPermission perm)
{
  g_return_val_if_fail (perm < PT_N_PERMS, NULL);
  return perms[perm].name;
}

const gchar *
pt_permission_get_label (PtPermission perm)
{
  g_return_val_if_fail (perm < PT_N_PERMS, NULL);
  return _(perms[perm].label);
}

gboolean
pt_role_can (PtRole       role,
             PtPermission perm)
{
  if (role >= PT_N_ROLES || perm >= PT_N_PERMS)
    return FALSE;
  return table[role][perm];
}

static const gchar *
denied_format (PtRole role)
{
  switch (role)
    {
    case PT_ROLE_OWNER:      return _("The owner may not %s.");
    case PT_ROLE_ADMIN:      return _("An administrator may not %s.");
    case PT_ROLE_PHARMACIST: return _("A pharmacist may not %s.");
    case PT_ROLE_TECHNICIAN: return _("A technician may not %s.");
    case PT_ROLE_CASHIER:    return _("A cashier may not %s.");
    case PT_ROLE_SYSTEM:
    case PT_N_ROLES:
    default:                 return _("This device may not %s.");
    }
}

gboolean
pt_role_check (PtRole         role,
               PtPermission   perm,
               GError       **error)
{
  g_autofree gchar *first = NULL;
  /* Who to ask: the least trusted role that may do it. */
  static const PtRole by_trust[] = {
    PT_ROLE_CASHIER, PT_ROLE_TECHNICIAN, PT_ROLE_PHARMACIST,
    PT_ROLE_ADMIN, PT_ROLE_OWNER,
  };
  const gchar *ask = "";

  if (pt_role_can (role, perm))
    return TRUE;
  if (role >= PT_N_ROLES || perm >= PT_N_PERMS)
    {
      g_set_error (error, PT_ERROR, PT_ERROR_PERMISSION_DENIED,
                   _("This action is not allowed."));
      return FALSE;
    }

  for (guint i = 0; i < G_N_ELEMENTS (by_trust); i++)
    if (pt_role_can (by_trust[i], perm))
      {
        ask = _(roles[by_trust[i]].ask);
        break;
      }

#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
  first = g_strdup_printf (denied_format (role), pt_permission_get_label (perm));
#pragma GCC diagnostic pop
  g_set_error (error, PT_ERROR, PT_ERROR_PERMISSION_DENIED, "%s %s", first, ask);
  return FALSE;
}

gboolean
pt_rx_status_required_permission (const gchar  *to_status,
                                  PtPermission *out)
{
  PtPermission perm;

  if (g_strcmp0 (to_status, "received") == 0)
    perm = PT_PERM_CREATE_PRESCRIPTION;
  else if (g_strcmp0 (to_status, "in_progress") == 0
           || g_strcmp0 (to_status, "ready") == 0)
    perm = PT_PERM_ADVANCE_PRESCRIPTION;
  else if (g_strcmp0 (to_status, "dispensed") == 0)
    perm = PT_PERM_DISPENSE;
  else if (g_strcmp0 (to_status, "picked_up") == 0)
    perm = PT_PERM_HAND_OVER_PRESCRIPTION;
  else if (g_strcmp0 (to_status, "cancelled") == 0)
    perm = PT_PERM_CANCEL_PRESCRIPTION;
  else
    return FALSE;
  if (out)
    *out = perm;
  return TRUE;
}

gboolean
pt_role_check_rx_transition (PtRole       role,
                             const gchar *from,
                             const gchar *to,
                             GError     **error)
{
  PtPermission perm;

  if (!pt_rx_status_can_transition (from, to))
    {
      if (!pt_rx_status_is_valid (to))
        g_set_error (error, PT_ERROR, PT_ERROR_INVALID_TRANSITION,
                     _("“%s” is not a prescription status."), to ? to : "");
      else
        g_set_error (error, PT_ERROR, PT_ERROR_INVALID_TRANSITION,
                     _("A prescription that is %s cannot become %s."),
                     pt_rx_status_get_label (from), pt_rx_status_get_label (to));
      return FALSE;
    }
  if (g_strcmp0 (from, to) == 0)
    return TRUE;
  if (!pt_rx_status_required_permission (to, &perm))
    g_return_val_if_reached (FALSE);
  return pt_role_check (role, perm, error);
}

/* Plans. */
static const struct
{
  const gchar *name;
  const gchar *label;
  gint64       limits[3];   /* users, medicines, prescriptions; -1 = none */
  gint64       quota;
} plans[] = {
  [PT_PLAN_STARTER]      = { "starter",      N_("Starter"),      { 5, 1000, 10000 },
                             (gint64) 100 * 1000 * 1000 },
  [PT_PLAN_PROFESSIONAL] = { "professional", N_("Professional"), { 25, 10000, 100000 },
                             (gint64) 1000 * 1000 * 1000 },
  [PT_PLAN_ENTERPRISE]   = { "enterprise",   N_("Enterprise"),   { -1, -1, -1 },
                             (gint64) 10 * 1000 * 1000 * 1000 },
};

const gchar *
pt_plan_to_string (PtPlan plan)
{
  g_return_val_if_fail (plan < G_N_ELEMENTS (plans), NULL);
  return plans[plan].name;
}

const gchar *
pt_plan_get_label (PtPlan plan)
{
  g_return_val_if_fail (plan < G_N_ELEMENTS (plans), NULL);
  return _(plans[plan].label);
}

gboolean
pt_plan_from_string (const gchar *s,
                     PtPlan      *out)
{
  if (s == NULL)
    return FALSE;
  for (guint i = 0; i < G_N_ELEMENTS (plans); i++)
    if (strcmp (s, plans[i].name) == 0)
      {
        if (out)
          *out = i;
        return TRUE;
      }
  return FALSE;
}

gint64
pt_plan_limit (PtPlan      plan,
               PtLimitKind kind)
{
  g_return_val_if_fail (plan < G_N_ELEMENTS (plans), 0);
  g_return_val_if_fail (kind <= PT_LIMIT_PRESCRIPTIONS, 0);
  return plans[plan].limits[kind];
}

gint64
pt_plan_storage_quota (PtPlan plan)
{
  g_return_val_if_fail (plan < G_N_ELEMENTS (plans), 0);
  return plans[plan].quota;
}

/* "1,000": the messages are English sentences; grouping by comma keeps
 * the figures readable in them. */
static gchar *
format_count (gint64 n)
{
  g_autofree gchar *digits = g_strdup_printf ("%" G_GINT64_FORMAT, n);
  GString *out = g_string_new (NULL);
  gsize len = strlen (digits);

  for (gsize i = 0; i < len; i++)
    {
      if (i > 0 && (len - i) % 3 == 0 && g_ascii_isdigit (digits[i - 1]))
        g_string_append_c (out, ',');
      g_string_append_c (out, digits[i]);
    }
  return g_string_free (out, FALSE);
}

gboolean
pt_plan_check (PtPlan       plan,
               PtLimitKind  kind,
               gint64       current_count,
               GError     **error)
{
  gint64 limit = pt_plan_limit (plan, kind);
  g_autofree gchar *count = NULL;

  if (limit < 0 || current_count < limit)
    return TRUE;

  count = format_count (limit);
  switch (kind)
    {
    case PT_LIMIT_USERS:
      g_set_error (error, PT_ERROR, PT_ERROR_PLAN_LIMIT,
                   _("The %s plan allows %s users. Upgrade the plan to add more."),
                   pt_plan_get_label (plan), count);
      break;
    case PT_LIMIT_MEDICINES:
      g_set_error (error, PT_ERROR, PT_ERROR_PLAN_LIMIT,
                   _("The %s plan allows %s medicines. Upgrade the plan to add more."),
                   pt_plan_get_label (plan), count);
      break;
    case PT_LIMIT_PRESCRIPTIONS:
    default:
      g_set_error (error, PT_ERROR, PT_ERROR_PLAN_LIMIT,
                   _("The %s plan allows %s prescriptions. Upgrade the plan to add more."),
                   pt_plan_get_label (plan), count);
      break;
    }
  return FALSE;
}

gboolean
pt_plan_limit_for_collection (const gchar *collection,
                              PtLimitKind *out)
{
  PtLimitKind kind;

  if (g_strcmp0 (collection, "users") == 0)
    kind = PT_LIMIT_USERS;
  else if (g_strcmp0 (collection, "medicines") == 0)
    kind = PT_LIMIT_MEDICINES;
  else if (g_strcmp0 (collection, "prescriptions") == 0)
    kind = PT_LIMIT_PRESCRIPTIONS;
  else
    return FALSE;
  if (out)
    *out = kind;
  return TRUE;
}

gboolean
pt_plan_storage_near_quota (PtPlan   plan,
                            gint64   used_bytes,
                            gchar  **message)
{
  gint64 quota = pt_plan_storage_quota (plan);
  g_autofree gchar *used = NULL;
  g_autofree gchar *total = NULL;
  gint64 percent;

  if (message)
    *message = NULL;
  if (quota <= 0 || used_bytes < quota / 100 * PT_PLAN_STORAGE_WARN_PERCENT)
    return FALSE;
  if (message)
    {
      used = g_format_size (used_bytes);
      total = g_format_size (quota);
      percent = used_bytes / (quota / 100);
      *message = g_strdup_printf (_("This organisation uses %s of the %s plan’s %s of storage (%" PRId64 " %%). "
                                    "Counter work continues; upgrade the plan or archive old records."),
                                  used, pt_plan_get_label (plan), total, percent);
    }
  return TRUE;
}
