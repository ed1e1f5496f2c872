#define G_LOG_DOMAIN "pt-cli"
#include "config.h"

#include <stdio.h>
#include "pt-core.h"

int
main (int argc, char **argv)
{
  g_printerr ("pharmatrack-admin: no commands yet\n");
  return 1;
}
