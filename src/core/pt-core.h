/* pt-core.h: everything of src/core. */
#pragma once

#include "pt-types.h"
#include "pt-error.h"
#include "pt-oid.h"
#include "pt-hlc.h"
#include "pt-money.h"
#include "pt-schema.h"
#include "pt-permissions.h"
#include "pt-password.h"
