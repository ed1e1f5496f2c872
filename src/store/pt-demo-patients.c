/* pt-demo-patients.c: demo patients (names, contacts, allergies, conditions). */
#define G_LOG_DOMAIN "pt-demo"
#include "config.h"

#include <string.h>
#include <glib/gi18n-lib.h>

#include "pt-demo-private.h"
#include "pt-store-private.h"

/* ---- Patients ------------------------------------------------------------- */

static const gchar * const reactions[] = {
  "Rash", "Hives", "Swelling of the face", "Anaphylaxis", "Nausea", "Wheezing",
};
static const gchar * const severities[] = { "mild", "moderate", "severe" };
static const gchar * const allergy_generics[] = {
  "amoxicillin", "phenoxymethylpenicillin", "flucloxacillin", "co-amoxiclav", "ibuprofen",
  "naproxen", "codeine phosphate", "trimethoprim", "co-trimoxazole", "clarithromycin",
  "acetylsalicylic acid", "morphine sulfate",
};
static const gchar * const allergy_categories[] = { "J01", "M01", "N02" };
static const gchar * const insurers[] = {
  "Meridian Health Cover", "Albion Mutual", "Northstar Insurance", "Harbour Health",
};

gboolean
_pt_demo_create_patient (Demo *demo, GError **error)
{
  DemoPatient patient = { 0 };
  g_auto(DemoBson) doc = BSON_INITIALIZER;
  bson_t child, item;
  const gchar *first = _pt_demo_pick (demo, _pt_demo_given_names, _pt_demo_n_given_names);
  const gchar *last = _pt_demo_pick (demo, _pt_demo_family_names, _pt_demo_n_family_names);
  g_autofree gchar *phone = NULL;
  g_autofree gchar *postcode = NULL;
  g_autofree gchar *line1 = NULL;
  g_autofree gchar *id = NULL;
  gint age = _pt_demo_chance (demo, 0.15) ? _pt_demo_range (demo, 0, 17) : _pt_demo_range (demo, 18, 96);
  gint n_allergies = 0, n_conditions;

  _pt_demo_append_str (&doc, "firstName", first);
  _pt_demo_append_str (&doc, "lastName", last);
  BSON_APPEND_DATE_TIME (&doc, "dateOfBirth",
                         _pt_demo_days_from_now (demo, -(age * 365 + _pt_demo_range (demo, 1, 364))));
  /* Ofcom's range reserved for fiction: 07700 900000–900999. */
  phone = g_strdup_printf ("07700 900%03d", _pt_demo_range (demo, 0, 999));
  _pt_demo_append_str (&doc, "phone", phone);
  if (_pt_demo_chance (demo, 0.4) && g_str_is_ascii (first) && g_str_is_ascii (last))
    {
      g_autofree gchar *email = g_strdup_printf ("%s.%s%d@example.com", first, last,
                                                 _pt_demo_range (demo, 1, 99));
      g_autofree gchar *lower = g_ascii_strdown (email, -1);
      g_strdelimit (lower, "'", '-');
      _pt_demo_append_str (&doc, "email", lower);
    }

  {
    gint number = _pt_demo_range (demo, 1, 220);
    line1 = g_strdup_printf ("%d %s", number, _pt_demo_pick (demo, _pt_demo_streets, _pt_demo_n_streets));
  }
  postcode = _pt_demo_random_code (demo, "LL9 9LL");
  BSON_APPEND_DOCUMENT_BEGIN (&doc, "address", &child);
  _pt_demo_append_str (&child, "line1", line1);
  _pt_demo_append_str (&child, "city", _pt_demo_pick (demo, _pt_demo_towns, _pt_demo_n_towns));
  _pt_demo_append_str (&child, "postcode", postcode);
  _pt_demo_append_str (&child, "country", "United Kingdom");
  bson_append_document_end (&doc, &child);

  BSON_APPEND_ARRAY_BEGIN (&doc, "allergies", &child);
  if (_pt_demo_chance (demo, 0.2))
    {
      const gchar *generic = _pt_demo_pick (demo, allergy_generics, G_N_ELEMENTS (allergy_generics));

      BSON_APPEND_DOCUMENT_BEGIN (&child, "0", &item);
      _pt_demo_append_str (&item, "substance", generic);
      _pt_demo_append_str (&item, "kind", "generic");
      _pt_demo_append_str (&item, "reaction", _pt_demo_pick (demo, reactions, G_N_ELEMENTS (reactions)));
      _pt_demo_append_str (&item, "severity", _pt_demo_pick (demo, severities, G_N_ELEMENTS (severities)));
      bson_append_document_end (&child, &item);
      patient.allergy_generic = g_strdup (generic);
      n_allergies++;
    }
  if (_pt_demo_chance (demo, 0.06))
    {
      const PtDemoCategory *cat =
        _pt_demo_category_lookup (_pt_demo_pick (demo, allergy_categories, G_N_ELEMENTS (allergy_categories)));
      g_autofree gchar *key = g_strdup_printf ("%d", n_allergies);

      patient.allergy_category = g_strdup_printf ("%s %s", cat->code, cat->label);
      BSON_APPEND_DOCUMENT_BEGIN (&child, key, &item);
      _pt_demo_append_str (&item, "substance", patient.allergy_category);
      _pt_demo_append_str (&item, "kind", "category");
      _pt_demo_append_str (&item, "reaction", _pt_demo_pick (demo, reactions, G_N_ELEMENTS (reactions)));
      _pt_demo_append_str (&item, "severity", _pt_demo_pick (demo, severities, G_N_ELEMENTS (severities)));
      bson_append_document_end (&child, &item);
    }
  bson_append_array_end (&doc, &child);

  n_conditions = age > 40 ? _pt_demo_range (demo, 0, 3) : (_pt_demo_chance (demo, 0.2) ? 1 : 0);
  BSON_APPEND_ARRAY_BEGIN (&doc, "conditions", &child);
  for (gint i = 0; i < n_conditions; i++)
    {
      g_autofree gchar *key = g_strdup_printf ("%d", i);
      _pt_demo_append_str (&child, key, _pt_demo_pick (demo, _pt_demo_conditions, _pt_demo_n_conditions));
    }
  bson_append_array_end (&doc, &child);

  if (_pt_demo_chance (demo, 0.3))
    {
      g_autofree gchar *member = g_strdup_printf ("%08d", _pt_demo_range (demo, 0, 99999999));
      BSON_APPEND_DOCUMENT_BEGIN (&doc, "insurance", &child);
      _pt_demo_append_str (&child, "provider", _pt_demo_pick (demo, insurers, G_N_ELEMENTS (insurers)));
      _pt_demo_append_str (&child, "memberId", member);
      bson_append_document_end (&doc, &child);
    }

  if (demo->load != NULL)
    {
      if (!_pt_store_load_insert (demo->load, "patients", &doc, "create", NULL, patient.id,
                                  error))
        id = NULL;
      else
        id = g_strdup (patient.id);
    }
  else
    id = pt_store_put (demo->store, "patients", &doc, error);
  if (id == NULL)
    {
      g_free (patient.allergy_generic);
      g_free (patient.allergy_category);
      return FALSE;
    }
  g_strlcpy (patient.id, id, sizeof patient.id);
  g_array_append_val (demo->patients, patient);
  return _pt_demo_tick (demo, error);
}

