/* tmpl.c - a small text/template subset over JSON, and tabwriter layout */
#include <stdio.h>

#include "core/tmpl.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

/* see tmpl.h */

struct tp {
  const char *p;      /* position in the template */
  int depth;
};

/* Go's fmt %v of a JSON value. */
static void show(struct buf *b, const cJSON *v)
{
  const cJSON *c;

  if (!v) {
    buf_add(b, "<no value>", 10);
  } else if (cJSON_IsString(v)) {
    buf_add(b, v->valuestring, strlen(v->valuestring));
  } else if (cJSON_IsNumber(v)) {
    double d = v->valuedouble;
    if (d == (long long)d) buf_printf(b, "%lld", (long long)d);
    else buf_printf(b, "%g", d);
  } else if (cJSON_IsBool(v)) {
    buf_add(b, cJSON_IsTrue(v) ? "true" : "false", cJSON_IsTrue(v) ? 4 : 5);
  } else if (cJSON_IsNull(v)) {
    buf_add(b, "<nil>", 5);
  } else {
    int obj = cJSON_IsObject(v);
    buf_add(b, obj ? "map[" : "[", obj ? 4 : 1);
    for (c = v->child; c; c = c->next) {
      if (obj) buf_printf(b, "%s:", c->string);
      show(b, c);
      if (c->next) buf_add(b, " ", 1);
    }
    buf_add(b, "]", 1);
  }
}

static int truthy(const cJSON *v)
{
  if (!v || cJSON_IsNull(v) || cJSON_IsFalse(v)) return 0;
  if (cJSON_IsString(v)) return *v->valuestring != 0;
  if (cJSON_IsNumber(v)) return v->valuedouble != 0;
  if (cJSON_IsArray(v) || cJSON_IsObject(v)) return v->child != NULL;
  return 1;
}

static void skip_ws(const char **p)
{
  while (**p == ' ' || **p == '\t' || **p == '\n') (*p)++;
}

/* One argument: ".A.B", ".", or a "string"; *tmp receives a created value
 * the caller deletes. */
static const cJSON *arg(const char **p, const cJSON *dot, cJSON **tmp)
{
  const cJSON *v = dot;

  skip_ws(p);
  if (**p == '"') {
    const char *s = ++*p;
    while (**p && **p != '"') (*p)++;
    *tmp = cJSON_CreateString("");
    free((*tmp)->valuestring);
    (*tmp)->valuestring = xstrndup(s, *p - s);
    if (**p) (*p)++;
    return *tmp;
  }
  if (isdigit((unsigned char)**p) || (**p == '-' && isdigit((unsigned char)(*p)[1]))) {
    /* a number literal: {{index .RepoTags 0}} */
    *tmp = cJSON_CreateNumber(strtod(*p, (char **)p));
    return *tmp;
  }
  if (**p != '.') return NULL;
  (*p)++;
  while (**p && (isalnum((unsigned char)**p) || **p == '_')) {
    const char *s = *p;
    char key[128];
    while (isalnum((unsigned char)**p) || **p == '_') (*p)++;
    snprintf(key, sizeof(key), "%.*s", (int)(*p - s), s);
    v = cJSON_IsObject(v) ? cJSON_GetObjectItemCaseSensitive(v, key) : NULL;
    if (**p == '.') (*p)++;
  }
  return v;
}

static int render(struct tp *t, const cJSON *dot, struct buf *out, int emit);

/* Find the matching {{else}}/{{end}}: render the body while running. */
static int block(struct tp *t, const cJSON *dot, struct buf *out, int emit)
{
  return render(t, dot, out, emit);
}

/* Returns 0 at end of template, 1 at {{end}}, 2 at {{else}}, -1 error. */
static int render(struct tp *t, const cJSON *dot, struct buf *out, int emit)
{
  while (*t->p) {
    const char *open = strstr(t->p, "{{"), *close, *a;
    char word[16];
    size_t wl;
    cJSON *tmp = NULL, *tmp2 = NULL;

    if (!open) {
      if (emit) buf_add(out, t->p, strlen(t->p));
      t->p += strlen(t->p);
      break;
    }
    if (emit) buf_add(out, t->p, open - t->p);
    a = open + 2;
    if (*a == '-') a++;
    if (!(close = strstr(a, "}}"))) return fail("template: unclosed action");
    t->p = close + 2;
    skip_ws(&a);
    for (wl = 0; isalpha((unsigned char)a[wl]) && wl < sizeof(word) - 1; wl++)
      word[wl] = a[wl];
    word[wl] = 0;
    if (wl) a += wl;
    if (!strcmp(word, "end")) return 1;
    if (!strcmp(word, "else")) return 2;
    if (!strcmp(word, "range") || !strcmp(word, "if")) {
      const cJSON *v = arg(&a, dot, &tmp);
      const char *body = t->p;
      int r, any = 0;
      if (!strcmp(word, "if")) {
        int yes = truthy(v);
        r = block(t, dot, out, emit && yes);
        if (r == 2) r = block(t, dot, out, emit && !yes);
      } else {
        const cJSON *c = (cJSON_IsArray(v) || cJSON_IsObject(v)) ? v->child
                                                                  : NULL;
        r = block(t, dot, out, 0);   /* find the end once */
        for (; c && emit; c = c->next) {
          t->p = body;
          any = 1;
          r = block(t, c, out, 1);
        }
        (void)any;
        if (r == 2) r = block(t, dot, out, emit && !(v && v->child));
      }
      cJSON_Delete(tmp);
      if (r != 1) return r < 0 ? -1 : fail("template: missing {{end}}");
      continue;
    }
    if (!emit) continue;
    if (!strcmp(word, "println")) {
      buf_add(out, "\n", 1);
    } else if (!strcmp(word, "json")) {
      const cJSON *v = arg(&a, dot, &tmp);
      char *s = v ? json_print(v) : xstrdup("null");
      buf_add(out, s, strlen(s));
      free(s);
    } else if (!strcmp(word, "index")) {
      const cJSON *v = arg(&a, dot, &tmp), *k = arg(&a, dot, &tmp2);
      if (cJSON_IsObject(v) && cJSON_IsString(k))
        show(out, cJSON_GetObjectItemCaseSensitive(v, k->valuestring));
      else if (cJSON_IsArray(v) && (cJSON_IsString(k) || cJSON_IsNumber(k)))
        show(out, cJSON_GetArrayItem(v, cJSON_IsNumber(k) ? (int)k->valuedouble
                                                         : atoi(k->valuestring)));
      else
        show(out, NULL);
    } else if (!strcmp(word, "join")) {
      const cJSON *v = arg(&a, dot, &tmp), *sep = arg(&a, dot, &tmp2), *c;
      for (c = cJSON_IsArray(v) ? v->child : NULL; c; c = c->next) {
        show(out, c);
        if (c->next && sep) show(out, sep);
      }
    } else if (!strcmp(word, "upper") || !strcmp(word, "lower")) {
      struct buf s = { 0 };
      show(&s, arg(&a, dot, &tmp));
      for (size_t i = 0; i < s.len; i++)
        s.p[i] = word[0] == 'u' ? toupper((unsigned char)s.p[i])
                                : tolower((unsigned char)s.p[i]);
      buf_add(out, buf_str(&s), s.len);
      free(s.p);
    } else if (!strcmp(word, "len")) {
      const cJSON *v = arg(&a, dot, &tmp);
      buf_printf(out, "%d", cJSON_IsString(v) ? (int)strlen(v->valuestring)
                                              : cJSON_GetArraySize(v));
    } else if (!wl && *a == '.') {
      show(out, arg(&a, dot, &tmp));
    } else {
      return fail("template: function \"%s\" not defined", word);
    }
    cJSON_Delete(tmp);
    cJSON_Delete(tmp2);
  }
  return 0;
}

int tmpl_render(const char *tmpl, const cJSON *dot, struct buf *out)
{
  struct tp t = { tmpl, 0 };
  int r = render(&t, dot, out, 1);

  if (r < 0) return -1;
  if (r) return fail("template: unexpected {{%s}}", r == 1 ? "end" : "else");
  return 0;
}

/* Display width: UTF-8 continuation bytes take no column. */
static size_t width(const char *p, size_t n)
{
  size_t w = 0;

  for (size_t i = 0; i < n; i++) w += ((unsigned char)p[i] & 0xc0) != 0x80;
  return w;
}

void tab_print(const char *text, FILE *f)
{
  size_t w[64] = { 0 };
  const char *p, *line;

  /* widths of tab-terminated cells, per column */
  for (p = text; *p;) {
    int col = 0;
    const char *cell = p;
    for (; *p && *p != '\n'; p++)
      if (*p == '\t') {
        if (col < 64 && width(cell, p - cell) > w[col])
          w[col] = width(cell, p - cell);
        col++;
        cell = p + 1;
      }
    if (*p) p++;
  }
  for (line = text; *line;) {
    int col = 0;
    const char *cell = line;
    for (p = line; *p && *p != '\n'; p++)
      if (*p == '\t') {
        size_t cw = col < 64 ? w[col] + 3 : 0, n = p - cell;
        if (cw < 10) cw = 10;
        fprintf(f, "%.*s%*s", (int)n, cell, (int)(cw - width(cell, n)), "");
        col++;
        cell = p + 1;
      }
    fprintf(f, "%.*s\n", (int)(p - cell), cell);
    line = *p ? p + 1 : p;
  }
}
