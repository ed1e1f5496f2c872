#define G_LOG_DOMAIN "pt-ui"
#include "config.h"

#include <glib/gi18n-lib.h>
#include <locale.h>

#include "pt-application.h"
#include "pt-startup.h"

int
main (int    argc,
      char **argv)
{
  g_autoptr(PtApplication) app = NULL;
  const gchar *localedir;

  pt_startup_mark ("main");
  setlocale (LC_ALL, "");
  /* PHARMATRACK_LOCALEDIR: catalogues that are not installed, such as
   * <builddir>/po/<lang>/LC_MESSAGES/pharmatrack.mo, so that the app runs
   * translated from the build tree (the localisation test does). */
  localedir = g_getenv ("PHARMATRACK_LOCALEDIR");
  if (localedir == NULL || *localedir == '\0')
    localedir = LOCALEDIR;
  bindtextdomain (GETTEXT_PACKAGE, localedir);
  bind_textdomain_codeset (GETTEXT_PACKAGE, "UTF-8");
  textdomain (GETTEXT_PACKAGE);

  app = pt_application_new ();
  return g_application_run (G_APPLICATION (app), argc, argv);
}
