// The Solo5 ABI is header-only (include/solo5_abi.h): this file only makes the compiler check
// the layout assertions there for the host, as the guest's builds check them for the target.
#include "solo5_abi.h"
