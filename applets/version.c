/* version.c - what this ocibox is
 * See https://docs.docker.com/reference/cli/docker/version/ */
#include "core/core.h"
#include "core/image.h"
#include "core/tmpl.h"

#include <sys/utsname.h>

#include "buildtime.h"

static const char usage[] =
"usage: version [-f FORMAT]\n\n"
"Show the version, build time, platform and store of this ocibox. There\n"
"is no daemon: the Server section Docker prints is absent.\n\n"
"-f, --format   Go template ({{.Client.Version}}, {{.Client.Os}},\n"
"               {{.Client.Arch}}, {{.Client.BuildTime}}, {{.Client.Root}},\n"
"               {{.Client.KernelVersion}}), or {{json .}}\n";

static char *format;
static const struct opt opts[] = { OPT_STR('f', "format", &format), OPT_END };

static int version_main(int argc, char **argv)
{
  cJSON *dot = cJSON_CreateObject(), *c = cJSON_AddObjectToObject(dot, "Client");
  struct platform p;
  struct utsname u;
  char built[40], plat[40];
  struct buf out = { 0 };
  int r = 0;

  image_host_platform(&p);
  uname(&u);
  time_fmt(built, (time_t)OCIBOX_BUILD_TIME);
  snprintf(plat, sizeof(plat), "%s/%s%s%s", p.os, p.arch, *p.variant ? "/" : "",
           p.variant);
  cJSON_AddStringToObject(c, "Platform", "ocibox");
  cJSON_AddStringToObject(c, "Version", OCIBOX_VERSION);
  cJSON_AddStringToObject(c, "BuildTime", built);
  cJSON_AddStringToObject(c, "Os", p.os);
  cJSON_AddStringToObject(c, "Arch", p.arch);
  cJSON_AddStringToObject(c, "KernelVersion", u.release);
  cJSON_AddStringToObject(c, "Root", store_root());
  if (format) {
    if ((r = tmpl_render(format, dot, &out)) == 0) printf("%s\n", buf_str(&out));
  } else {
    printf("Client: ocibox\n Version:        %s\n Built:          %s\n"
           " OS/Arch:        %s\n Kernel:         %s\n Root:           %s\n",
           OCIBOX_VERSION, built, plat, u.release, store_root());
  }
  free(out.p);
  cJSON_Delete(dot);
  return r;
}

APPLET(version, 0, 0);
