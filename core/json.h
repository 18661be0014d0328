/* json.h - JSON documents (cJSON) with the limits hostile input needs
 *
 * Every metadata document (manifest, index, config, manifest.json) is read
 * with a size limit (JSON_MAX) and parsed with a nesting limit (64, set when
 * cJSON is built), so memory stays bounded whatever an archive or a
 * registry sends. The cJSON API is used directly for building documents. */
#ifndef OCIBOX_JSON_H
#define OCIBOX_JSON_H

#include <stddef.h>
#include <stdint.h>
#include <cJSON.h>

enum { JSON_MAX = 4 << 20 };  /* 4 MiB: any larger document is refused */

/* Parse len bytes; NULL with "invalid JSON at byte N" (or "JSON document
 * too large") recorded. Caller frees with cJSON_Delete. */
cJSON *json_parse(const char *p, size_t len);
/* Read and parse a file relative to dirfd, at most max bytes. */
cJSON *json_read(int dirfd, const char *path, size_t max);

/* Typed getters: NULL / def when the key is missing or of another type. */
const char *json_str(const cJSON *o, const char *key);
int64_t json_int(const cJSON *o, const char *key, int64_t def);
cJSON *json_obj(const cJSON *o, const char *key);
cJSON *json_arr(const cJSON *o, const char *key);

/* Set (replace) o[key]; value owned by o afterwards. */
void json_set(cJSON *o, const char *key, cJSON *value);
void json_set_str(cJSON *o, const char *key, const char *s);
/* Compact serialisation; caller frees. Never NULL. */
char *json_print(const cJSON *o);
/* Indented serialisation with Docker's style (4 spaces); caller frees. */
char *json_print_pretty(const cJSON *o);

#endif
