/* pt-patient-item.c: one patient of a search, and its text forms. */
#define G_LOG_DOMAIN "pt-ui"
#include "config.h"

#include <glib/gi18n-lib.h>

#include "pt-patient-item.h"
#include "pt-ui-util.h"

struct _PtPatientItem
{
  GObject   parent_instance;
  gchar    *id;
  gchar    *name;
  gchar    *description;
  gboolean  allergies;
};

G_DEFINE_FINAL_TYPE (PtPatientItem, pt_patient_item, G_TYPE_OBJECT)

enum { PROP_0, PROP_ID, PROP_NAME, PROP_DESCRIPTION, N_PROPS };
static GParamSpec *props[N_PROPS];

static void
pt_patient_item_get_property (GObject    *object,
                              guint       prop_id,
                              GValue     *value,
                              GParamSpec *pspec)
{
  PtPatientItem *self = PT_PATIENT_ITEM (object);

  switch (prop_id)
    {
    case PROP_ID: g_value_set_string (value, self->id); break;
    case PROP_NAME: g_value_set_string (value, self->name); break;
    case PROP_DESCRIPTION: g_value_set_string (value, self->description); break;
    default: G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
pt_patient_item_finalize (GObject *object)
{
  PtPatientItem *self = PT_PATIENT_ITEM (object);

  g_free (self->id);
  g_free (self->name);
  g_free (self->description);
  G_OBJECT_CLASS (pt_patient_item_parent_class)->finalize (object);
}

static void
pt_patient_item_class_init (PtPatientItemClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = pt_patient_item_finalize;
  object_class->get_property = pt_patient_item_get_property;
  props[PROP_ID] = g_param_spec_string ("id", NULL, NULL, NULL,
                                        G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  props[PROP_NAME] = g_param_spec_string ("name", NULL, NULL, NULL,
                                          G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  props[PROP_DESCRIPTION] = g_param_spec_string ("description", NULL, NULL, NULL,
                                                 G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, props);
}

static void
pt_patient_item_init (PtPatientItem *self)
{
}

PtPatientItem *
pt_patient_item_new (const gchar  *id,
                     const bson_t *patient)
{
  PtPatientItem *self;
  bson_iter_t iter;

  g_return_val_if_fail (id != NULL && patient != NULL, NULL);

  self = g_object_new (PT_TYPE_PATIENT_ITEM, NULL);
  self->id = g_strdup (id);
  self->name = pt_patient_display_name (patient);
  self->description = pt_patient_describe (patient);
  self->allergies = bson_iter_init_find (&iter, patient, "allergies")
                    && BSON_ITER_HOLDS_ARRAY (&iter) && bson_iter_recurse (&iter, &iter)
                    && bson_iter_next (&iter);
  return self;
}

const gchar *
pt_patient_item_get_id (PtPatientItem *self)
{
  g_return_val_if_fail (PT_IS_PATIENT_ITEM (self), NULL);
  return self->id;
}

const gchar *
pt_patient_item_get_name (PtPatientItem *self)
{
  g_return_val_if_fail (PT_IS_PATIENT_ITEM (self), NULL);
  return self->name;
}

const gchar *
pt_patient_item_get_description (PtPatientItem *self)
{
  g_return_val_if_fail (PT_IS_PATIENT_ITEM (self), NULL);
  return self->description;
}

gboolean
pt_patient_item_has_allergies (PtPatientItem *self)
{
  g_return_val_if_fail (PT_IS_PATIENT_ITEM (self), FALSE);
  return self->allergies;
}

/* ---- Text forms ---------------------------------------------------------- */

gchar *
pt_patient_display_name (const bson_t *patient)
{
  return g_strdup_printf ("%s %s", pt_bson_get_string (patient, "firstName") ?: "",
                          pt_bson_get_string (patient, "lastName") ?: "");
}

gchar *
pt_patient_describe (const bson_t *patient)
{
  g_autoptr(GString) s = g_string_new (NULL);
  g_autofree gchar *allergies = pt_patient_format_allergies (patient);
  const gchar *phone = pt_bson_get_string (patient, "phone");
  bson_iter_t iter;

  if (bson_iter_init_find (&iter, patient, "dateOfBirth") && BSON_ITER_HOLDS_DATE_TIME (&iter))
    {
      g_autofree gchar *dob = pt_ui_format_date (bson_iter_date_time (&iter));
      g_string_append_printf (s, _("born %s"), dob);
    }
  if (phone && *phone)
    g_string_append_printf (s, "%s%s", s->len ? " · " : "", phone);
  if (*allergies)
    g_string_append_printf (s, _("%sallergies: %s"), s->len ? " · " : "", allergies);
  return g_string_free (g_steal_pointer (&s), FALSE);
}

bson_t *
pt_patient_parse_allergies (const gchar *text)
{
  bson_t *array = bson_new ();
  g_auto(GStrv) parts = g_regex_split_simple ("[,;\n]", text ? text : "", 0, 0);
  guint n = 0;

  for (guint i = 0; parts[i]; i++)
    {
      g_autofree gchar *part = g_strstrip (g_strdup (parts[i]));
      const gchar *substance = part;
      const gchar *kind = "generic";
      gchar key[16];
      const gchar *k;
      bson_t item;

      if (g_ascii_strncasecmp (part, "category:", 9) == 0)
        {
          kind = "category";
          substance = part + 9;
          while (*substance == ' ')
            substance++;
        }
      if (*substance == '\0')
        continue;
      bson_uint32_to_string (n++, &k, key, sizeof key);
      BSON_APPEND_DOCUMENT_BEGIN (array, k, &item);
      BSON_APPEND_UTF8 (&item, "substance", substance);
      BSON_APPEND_UTF8 (&item, "kind", kind);
      bson_append_document_end (array, &item);
    }
  return array;
}

gchar *
pt_patient_format_allergies (const bson_t *patient)
{
  g_autoptr(GString) s = g_string_new (NULL);
  bson_iter_t iter, child;

  if (patient && bson_iter_init_find (&iter, patient, "allergies") && BSON_ITER_HOLDS_ARRAY (&iter)
      && bson_iter_recurse (&iter, &child))
    while (bson_iter_next (&child))
      {
        const uint8_t *data;
        uint32_t len;
        bson_t a;

        if (!BSON_ITER_HOLDS_DOCUMENT (&child))
          continue;
        bson_iter_document (&child, &len, &data);
        if (!bson_init_static (&a, data, len))
          continue;
        if (s->len > 0)
          g_string_append (s, ", ");
        if (g_strcmp0 (pt_bson_get_string (&a, "kind"), "category") == 0)
          g_string_append (s, "category: ");
        g_string_append (s, pt_bson_get_string (&a, "substance") ?: "");
      }
  return g_string_free (g_steal_pointer (&s), FALSE);
}
