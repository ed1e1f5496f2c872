#define G_LOG_DOMAIN "pt-core"
#include "config.h"

#include "pt-error.h"

G_DEFINE_QUARK (pt-error-quark, pt_error)
