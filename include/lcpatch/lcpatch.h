/* lcpatch: the library's umbrella header. */
#ifndef LCPATCH_LCPATCH_H
#define LCPATCH_LCPATCH_H

#define LCPATCH_VERSION "0.1.0"

#include "lcpatch/apple_space.h"
#include "lcpatch/audit.h"
#include "lcpatch/dylib_edit.h"
#include "lcpatch/error.h"
#include "lcpatch/file.h"
#include "lcpatch/fix_paths.h"
#include "lcpatch/image.h"
#include "lcpatch/macho.h"
#include "lcpatch/names.h"
#include "lcpatch/symbols.h"
#include "lcpatch/disasm.h"
#include "lcpatch/rescue.h"
#include "lcpatch/sign.h"
#include "lcpatch/slices.h"
#include "lcpatch/version.h"
#include "lcpatch/write.h"

#endif
