/* json.c - JSON documents with limits, and Go-compatible printing
 *
 * Printing is ours, not cJSON's: Docker's output (inspect, manifest.json)
 * comes from Go's encoding/json, which writes integers without exponents,
 * escapes <, > and & as \u003c.. and indents with 4 spaces. */
#include "core/json.h"
#include "core/util.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

/* see json.h */

cJSON *json_parse(const char *p, size_t len)
{
  const char *end = NULL;
  cJSON *j;

  if (len > JSON_MAX)
    return fail("JSON document too large (%zu bytes, limit %d)", len,
                JSON_MAX), NULL;
  if (!(j = cJSON_ParseWithLengthOpts(p, len, &end, 0))) {
    end = cJSON_GetErrorPtr();
    return fail("invalid JSON at byte %ld",
                end && end >= p && end <= p + len ? (long)(end - p) : 0L),
           NULL;
  }
  /* trailing garbage after the document is as bad as a broken one */
  while (end && end < p + len && strchr(" \t\r\n", *end)) end++;
  if (end && end < p + len && *end) {
    cJSON_Delete(j);
    return fail("invalid JSON at byte %ld: trailing data", (long)(end - p)),
           NULL;
  }
  return j;
}

cJSON *json_read(int dirfd, const char *path, size_t max)
{
  cleanup_free char *p = NULL;
  size_t len;
  cJSON *j;

  if (!(p = file_read(dirfd, path, max, &len))) return NULL;
  if (!(j = json_parse(p, len))) fail_wrap("'%s'", path);
  return j;
}

const char *json_str(const cJSON *o, const char *key)
{
  cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
  return cJSON_IsString(v) ? v->valuestring : NULL;
}

int64_t json_int(const cJSON *o, const char *key, int64_t def)
{
  cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
  return cJSON_IsNumber(v) ? (int64_t)v->valuedouble : def;
}

cJSON *json_obj(const cJSON *o, const char *key)
{
  cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
  return cJSON_IsObject(v) ? v : NULL;
}

cJSON *json_arr(const cJSON *o, const char *key)
{
  cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
  return cJSON_IsArray(v) ? v : NULL;
}

void json_set(cJSON *o, const char *key, cJSON *value)
{
  if (cJSON_HasObjectItem(o, key))
    cJSON_ReplaceItemInObjectCaseSensitive(o, key, value);
  else
    cJSON_AddItemToObject(o, key, value);
}

void json_set_str(cJSON *o, const char *key, const char *s)
{
  json_set(o, key, s ? cJSON_CreateString(s) : cJSON_CreateNull());
}

static void put_str(struct buf *b, const char *s)
{
  static const char hex[] = "0123456789abcdef";

  buf_add(b, "\"", 1);
  for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
    char e[7] = "\\u00";
    switch (*p) {
    case '"': buf_add(b, "\\\"", 2); continue;
    case '\\': buf_add(b, "\\\\", 2); continue;
    case '\n': buf_add(b, "\\n", 2); continue;
    case '\r': buf_add(b, "\\r", 2); continue;
    case '\t': buf_add(b, "\\t", 2); continue;
    }
    if (*p < 0x20 || *p == '<' || *p == '>' || *p == '&') {
      e[4] = hex[*p >> 4];
      e[5] = hex[*p & 15];
      buf_add(b, e, 6);
    } else if (*p == 0xe2 && p[1] == 0x80 && (p[2] == 0xa8 || p[2] == 0xa9)) {
      buf_add(b, p[2] == 0xa8 ? "\\u2028" : "\\u2029", 6);
      p += 2;
    } else {
      buf_add(b, p, 1);
    }
  }
  buf_add(b, "\"", 1);
}

static void indent(struct buf *b, int pretty, int depth)
{
  if (!pretty) return;
  buf_add(b, "\n", 1);
  for (int i = 0; i < depth; i++) buf_add(b, "    ", 4);
}

static void put(struct buf *b, const cJSON *j, int pretty, int depth)
{
  const cJSON *c;
  int obj;

  switch (j->type & 0xff) {
  case cJSON_False: buf_add(b, "false", 5); return;
  case cJSON_True: buf_add(b, "true", 4); return;
  case cJSON_NULL: buf_add(b, "null", 4); return;
  case cJSON_Raw: buf_add(b, j->valuestring, strlen(j->valuestring)); return;
  case cJSON_String: put_str(b, j->valuestring); return;
  case cJSON_Number: {
    double v = j->valuedouble;
    if (v == floor(v) && fabs(v) < 9.2e18) buf_printf(b, "%lld", (long long)v);
    else buf_printf(b, "%.17g", v);
    return;
  }
  }
  obj = cJSON_IsObject(j);
  buf_add(b, obj ? "{" : "[", 1);
  for (c = j->child; c; c = c->next) {
    indent(b, pretty, depth + 1);
    if (obj) {
      put_str(b, c->string ? c->string : "");
      buf_add(b, pretty ? ": " : ":", pretty ? 2 : 1);
    }
    put(b, c, pretty, depth + 1);
    if (c->next) buf_add(b, ",", 1);
  }
  if (j->child) indent(b, pretty, depth);
  buf_add(b, obj ? "}" : "]", 1);
}

char *json_print(const cJSON *o)
{
  struct buf b = { 0 };

  put(&b, o, 0, 0);
  return buf_str(&b);
}

char *json_print_pretty(const cJSON *o)
{
  struct buf b = { 0 };

  put(&b, o, 1, 0);
  return buf_str(&b);
}
