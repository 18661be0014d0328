/* change.h - Dockerfile instructions applied to an image config, for
 * `import -c` and `commit -c`
 * See https://docs.docker.com/reference/dockerfile/ */
#ifndef OCIBOX_CHANGE_H
#define OCIBOX_CHANGE_H

#include "core/json.h"

/* Apply one instruction ("CMD [\"sh\"]", "ENV A=b", "EXPOSE 80/tcp",
 * "LABEL a=b", "USER u", "VOLUME /v", "WORKDIR /w", "ENTRYPOINT ...",
 * "ONBUILD ...") to cfg, the "config" object of an image config. -1 with
 * the reason ("FOO is not a valid change command", "invalid containerPort:
 * abc", ...). */
int change_apply(cJSON *cfg, const char *instruction);

#endif
