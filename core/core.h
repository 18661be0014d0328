/* core.h - everything an applet needs, in one include */
#ifndef OCIBOX_CORE_H
#define OCIBOX_CORE_H

#include "config.h"
#include "core/util.h"
#include "core/opt.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>

#endif
