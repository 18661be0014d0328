/* core_test.c - known answers for digest, json, util, tmpl, change, gz */
#include "tests/unit/unit.h"
#include "core/change.h"
#include "core/digest.h"
#include "core/gz.h"
#include "core/json.h"
#include "core/tmpl.h"

#include <stdlib.h>
#include <stdio.h>
#include <string.h>

static int test_sha256_vectors(void)
{
  char d[DIGEST_LEN];
  struct digest st;

  digest_buf("", 0, d);
  CHECK_STR(d, "sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  digest_buf("abc", 3, d);
  CHECK_STR(d, "sha256:ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  /* streamed in pieces: same answer */
  digest_init(&st);
  digest_update(&st, "a", 1);
  digest_update(&st, "bc", 2);
  digest_final(&st, d);
  CHECK_STR(d, "sha256:ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  CHECK(st.size == 3);
  return 0;
}

/* The SHA-NI path (where the CPU has it) against BearSSL's: every length
 * around the block and padding boundaries, fed in uneven pieces. */
static int test_sha256_paths(void)
{
  static unsigned char data[4099];
  unsigned seed = 12345;

  for (size_t i = 0; i < sizeof(data); i++)
    data[i] = (seed = seed * 1103515245 + 12345) >> 16;
  for (size_t n = 0; n < sizeof(data); n += n < 200 ? 1 : 61) {
    char a[DIGEST_LEN], b[DIGEST_LEN];
    struct digest st;
    size_t off = 0, step = 1;

    digest_portable = 1;
    digest_buf(data, n, a);
    digest_portable = 0;
    digest_init(&st);
    while (off < n) {
      size_t k = step < n - off ? step : n - off;
      digest_update(&st, data + off, k);
      off += k;
      step = step * 3 % 97 + 1;
    }
    digest_final(&st, b);
    if (strcmp(a, b)) {
      printf("# length %zu: %s != %s\n", n, b, a);
      return 1;
    }
  }
  return 0;
}

static int test_digest_valid(void)
{
  CHECK(digest_valid("sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"));
  CHECK(!digest_valid("sha256:E3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"));
  CHECK(!digest_valid("sha256:e3b0"));
  CHECK(!digest_valid("sha512:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"));
  CHECK(!digest_valid("sha256:../../../../etc/passwd/aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"));
  CHECK(!digest_valid(NULL));
  return 0;
}

static int test_fmt_size(void)
{
  char b[32];

  CHECK_STR(fmt_size(b, 0), "0B");
  CHECK_STR(fmt_size(b, 999), "999B");
  CHECK_STR(fmt_size(b, 1000), "1kB");
  CHECK_STR(fmt_size(b, 4261550), "4.26MB");
  CHECK_STR(fmt_size(b, 1240), "1.24kB");
  CHECK_STR(fmt_size(b, 170000000), "170MB");
  CHECK_STR(fmt_size(b, 1500000000), "1.5GB");
  return 0;
}

static int test_fmt_ago(void)
{
  char b[40];
  time_t now = time(NULL);

  CHECK_STR(fmt_ago(b, now), "Less than a second ago");
  CHECK_STR(fmt_ago(b, now - 30), "30 seconds ago");
  CHECK_STR(fmt_ago(b, now - 90), "About a minute ago");
  CHECK_STR(fmt_ago(b, now - 3600), "About an hour ago");
  CHECK_STR(fmt_ago(b, now - 5 * 3600), "5 hours ago");
  CHECK_STR(fmt_ago(b, now - 3 * 86400), "3 days ago");
  CHECK_STR(fmt_ago(b, now - 20 * 86400), "2 weeks ago");
  CHECK_STR(fmt_ago(b, now - 90 * 86400), "3 months ago");
  CHECK_STR(fmt_ago(b, now - 800 * 86400), "2 years ago");
  return 0;
}

static int test_time_parse(void)
{
  time_t t;
  char b[40];

  CHECK(time_parse("2024-01-02T03:04:05Z", &t) == 0 && t == 1704164645);
  CHECK(time_parse("2024-01-02T03:04:05.123456789Z", &t) == 0 &&
        t == 1704164645);
  CHECK(time_parse("2024-01-02T05:04:05+02:00", &t) == 0 && t == 1704164645);
  CHECK(time_parse("yesterday", &t) < 0);
  CHECK(time_parse("2024-01-02T03:04:05Zjunk", &t) < 0);
  CHECK_STR(time_fmt(b, 1704164645), "2024-01-02T03:04:05Z");
  return 0;
}

static int test_json_limits(void)
{
  char *deep = malloc(20001);
  cJSON *j;

  for (int i = 0; i < 10000; i++) deep[i] = '[';
  for (int i = 0; i < 10000; i++) deep[10000 + i] = ']';
  deep[20000] = 0;
  CHECK(!json_parse(deep, 20000));       /* nesting limit, no crash */
  free(deep);
  CHECK(!json_parse("{\"a\":1} x", 9));  /* trailing garbage */
  CHECK(!json_parse("{\"a\":", 5));
  CHECK((j = json_parse("{\"a\":[1,2]}", 11)));
  CHECK(cJSON_GetArraySize(json_arr(j, "a")) == 2);
  cJSON_Delete(j);
  return 0;
}

static int test_json_print_go(void)
{
  const char *doc = "{\"n\":1234567890123,\"s\":\"<a&b>\",\"e\":[],"
                    "\"o\":{}}";
  cJSON *j = json_parse(doc, strlen(doc));
  char *p;

  CHECK(j);
  p = json_print(j);
  CHECK_STR(p, "{\"n\":1234567890123,\"s\":\"\\u003ca\\u0026b\\u003e\","
            "\"e\":[],\"o\":{}}");
  free(p);
  p = json_print_pretty(j);
  CHECK_STR(p, "{\n    \"n\": 1234567890123,\n    \"s\": \"\\u003ca\\u0026b"
            "\\u003e\",\n    \"e\": [],\n    \"o\": {}\n}");
  free(p);
  cJSON_Delete(j);
  return 0;
}

static int test_tmpl(void)
{
  const char *doc = "{\"Id\":\"sha256:ab\",\"Config\":{\"Cmd\":[\"sh\",\"-c\"],"
    "\"Labels\":{\"k\":\"v\"},\"Env\":null},\"Tags\":[\"a:1\",\"b:2\"],"
    "\"Size\":42}";
  cJSON *j = json_parse(doc, strlen(doc));
  struct buf b = { 0 };
  static const char *const cases[][2] = {
    { "{{.Id}}", "sha256:ab" },
    { "{{.Config.Cmd}}", "[sh -c]" },
    { "{{json .Config.Cmd}}", "[\"sh\",\"-c\"]" },
    { "{{index .Config.Labels \"k\"}}", "v" },
    { "{{range .Tags}}<{{.}}>{{end}}", "<a:1><b:2>" },
    { "{{join .Tags \",\"}}", "a:1,b:2" },
    { "{{.Size}} {{.Missing}}", "42 <no value>" },
    { "{{.Config.Env}}", "<nil>" },
    { "{{if .Config.Env}}y{{else}}n{{end}}", "n" },
    { "{{upper .Id}}", "SHA256:AB" },
    { "{{len .Tags}}", "2" },
  };

  CHECK(j);
  for (size_t i = 0; i < ARRAY_LEN(cases); i++) {
    b.len = 0;
    CHECK(tmpl_render(cases[i][0], j, &b) == 0);
    CHECK_STR(buf_str(&b), cases[i][1]);
  }
  CHECK(tmpl_render("{{.Id", j, &b) < 0);
  CHECK(tmpl_render("{{nosuch .Id}}", j, &b) < 0);
  CHECK(tmpl_render("{{range .Tags}}x", j, &b) < 0);
  free(b.p);
  cJSON_Delete(j);
  return 0;
}

static int test_change(void)
{
  cJSON *c = cJSON_CreateObject();
  char *p;

  CHECK(change_apply(c, "CMD [\"/bin/httpd\",\"-f\"]") == 0);
  CHECK(change_apply(c, "ENTRYPOINT echo hi") == 0);
  CHECK(change_apply(c, "ENV A=1 B=\"two words\"") == 0);
  CHECK(change_apply(c, "ENV A 3") == 0);
  CHECK(change_apply(c, "EXPOSE 80 53/udp") == 0);
  CHECK(change_apply(c, "LABEL x=y") == 0);
  CHECK(change_apply(c, "USER www") == 0);
  CHECK(change_apply(c, "VOLUME [\"/data\"]") == 0);
  CHECK(change_apply(c, "WORKDIR /srv") == 0);
  p = json_print(c);
  CHECK_STR(p, "{\"Cmd\":[\"/bin/httpd\",\"-f\"],\"Entrypoint\":[\"/bin/sh\","
            "\"-c\",\"echo hi\"],\"Env\":[\"A=3\",\"B=two words\"],"
            "\"ExposedPorts\":{\"80/tcp\":{},\"53/udp\":{}},\"Labels\":{\"x\":"
            "\"y\"},\"User\":\"www\",\"Volumes\":{\"/data\":{}},"
            "\"WorkingDir\":\"/srv\"}");
  free(p);
  CHECK(change_apply(c, "FROB x") < 0);
  CHECK_STR(fail_msg(), "FROB is not a valid change command");
  CHECK(change_apply(c, "EXPOSE abc") < 0);
  CHECK_STR(fail_msg(), "invalid containerPort: abc");
  CHECK(change_apply(c, "CMD [\"a\"") < 0);
  CHECK(change_apply(c, "CMD [1]") < 0);
  cJSON_Delete(c);
  return 0;
}

static int buf_write(void *ctx, const void *p, size_t n)
{
  buf_add(ctx, p, n);
  return 0;
}

static int test_gz_roundtrip(void)
{
  struct buf out = { 0 };
  static char data[200000];
  char back[4096];
  struct gz_writer *w;
  struct gz_reader *r;
  struct io_mem m;
  struct io_reader in;
  size_t got = 0;
  ssize_t k;

  for (size_t i = 0; i < sizeof(data); i++) data[i] = (i * 7) % 251;
  /* gzip into memory */
  {
    struct io_writer ow = { buf_write, &out };
    CHECK((w = gz_writer_new(&ow, 6)));
    CHECK(gz_write(w, data, sizeof(data)) == 0 && gz_writer_finish(w) == 0);
    gz_writer_free(w);
  }
  CHECK(gz_sniff(out.p, out.len) == GZ_GZIP);
  m = (struct io_mem){ (unsigned char *)out.p, out.len, 0 };
  in = (struct io_reader){ io_mem_read, &m };
  r = gz_reader_new(&in, 1);
  while ((k = gz_read(r, back, sizeof(back))) > 0) {
    CHECK(!memcmp(back, data + got, k));
    got += k;
  }
  CHECK(k == 0 && got == sizeof(data));
  gz_reader_free(r);
  /* truncated: an error, not a short stream */
  m = (struct io_mem){ (unsigned char *)out.p, out.len / 2, 0 };
  r = gz_reader_new(&in, 1);
  while ((k = gz_read(r, back, sizeof(back))) > 0);
  CHECK(k < 0);
  gz_reader_free(r);
  free(out.p);
  return 0;
}

int main(void)
{
  RUN_TEST(test_sha256_vectors);
  RUN_TEST(test_sha256_paths);
  RUN_TEST(test_digest_valid);
  RUN_TEST(test_fmt_size);
  RUN_TEST(test_fmt_ago);
  RUN_TEST(test_time_parse);
  RUN_TEST(test_json_limits);
  RUN_TEST(test_json_print_go);
  RUN_TEST(test_tmpl);
  RUN_TEST(test_change);
  RUN_TEST(test_gz_roundtrip);
  return UNIT_END();
}
