#include "whiten/version.h"

const char *wh_version(void)
{
    return WH_VERSION_STRING;
}
