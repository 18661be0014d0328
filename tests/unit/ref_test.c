/* ref_test.c - the reference grammar and normalisation, with the cases of
 * Docker's own tests (distribution/reference normalize_test.go and
 * reference_test.go) */
#include "tests/unit/unit.h"
#include "core/ref.h"

#include <stdlib.h>

#define H64 "ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff"

static const struct {
  const char *in, *full, *familiar;
} good[] = {
  { "busybox", "docker.io/library/busybox:latest", "busybox:latest" },
  { "test_com", "docker.io/library/test_com:latest", "test_com:latest" },
  { "test.com:tag", "docker.io/library/test.com:tag", "test.com:tag" },
  { "test.com:5000", "docker.io/library/test.com:5000", "test.com:5000" },
  { "test.com/repo:tag", "test.com/repo:tag", "test.com/repo:tag" },
  { "test:5000/repo", "test:5000/repo:latest", "test:5000/repo:latest" },
  { "test:5000/repo:tag", "test:5000/repo:tag", "test:5000/repo:tag" },
  { "test:5000/repo@sha256:" H64, "test:5000/repo@sha256:" H64,
    "test:5000/repo@sha256:" H64 },
  { "test:5000/repo:tag@sha256:" H64, "test:5000/repo:tag@sha256:" H64,
    "test:5000/repo:tag@sha256:" H64 },
  { "lowercase:Uppercase", "docker.io/library/lowercase:Uppercase",
    "lowercase:Uppercase" },
  { "sub-dom1.foo.com/bar/baz/quux", "sub-dom1.foo.com/bar/baz/quux:latest",
    "sub-dom1.foo.com/bar/baz/quux:latest" },
  { "sub-dom1.foo.com/bar/baz/quux:some-long-tag",
    "sub-dom1.foo.com/bar/baz/quux:some-long-tag",
    "sub-dom1.foo.com/bar/baz/quux:some-long-tag" },
  { "b.gcr.io/test.example.com/my-app:test.example.com",
    "b.gcr.io/test.example.com/my-app:test.example.com",
    "b.gcr.io/test.example.com/my-app:test.example.com" },
  { "xn--n3h.com/myimage:xn--n3h.com", "xn--n3h.com/myimage:xn--n3h.com",
    "xn--n3h.com/myimage:xn--n3h.com" },
  { "foo_bar.com:8080", "docker.io/library/foo_bar.com:8080",
    "foo_bar.com:8080" },
  { "foo/foo_bar.com:8080", "docker.io/foo/foo_bar.com:8080",
    "foo/foo_bar.com:8080" },
  { "docker.io/library/foo", "docker.io/library/foo:latest", "foo:latest" },
  { "docker.io/foo/bar:1", "docker.io/foo/bar:1", "foo/bar:1" },
  { "index.docker.io/library/foo:bar", "docker.io/library/foo:bar",
    "foo:bar" },
  { "docker.io/library/foo/bar", "docker.io/library/foo/bar:latest",
    "library/foo/bar:latest" },
  { "localhost/repo", "localhost/repo:latest", "localhost/repo:latest" },
  { "localhost:5000/a/b__c--d.e", "localhost:5000/a/b__c--d.e:latest",
    "localhost:5000/a/b__c--d.e:latest" },
  { "[2001:db8::1]:5000/repo", "[2001:db8::1]:5000/repo:latest",
    "[2001:db8::1]:5000/repo:latest" },
  { "me/app@sha256:" H64, "docker.io/me/app@sha256:" H64,
    "me/app@sha256:" H64 },
};

static const struct {
  const char *in, *err;
} bad[] = {
  { "", "invalid reference format: repository name must have at least one "
        "component" },
  { ":justtag", "invalid reference format" },
  { "@sha256:" H64, "invalid reference format" },
  { "validname@invaliddigest:" H64, "unsupported digest algorithm" },
  { "repo@sha256:ffff", "invalid reference format" },
  { "Uppercase:tag", "invalid reference format: repository name "
                     "(library/Uppercase) must be lowercase" },
  { "test:5000/Uppercase/lowercase:tag", "invalid reference format: "
    "repository name (Uppercase/lowercase) must be lowercase" },
  { "aa/asdf$$^/aa", "invalid reference format" },
  { "a b", "invalid reference format" },
  { "foo:bar:baz", "invalid reference format" },
  { "foo/", "invalid reference format" },
  { "/foo", "invalid reference format" },
  { "foo//bar", "invalid reference format" },
  { "-foo", "invalid reference format" },
  { "foo.", "invalid reference format" },
  { "foo:-tag", "invalid reference format" },
  { H64, "invalid repository name (" H64 "), cannot specify 64-byte "
         "hexadecimal strings" },
};

static int test_good(void)
{
  for (size_t i = 0; i < ARRAY_LEN(good); i++) {
    struct ref r;
    char *full, *fam;
    if (ref_parse(&r, good[i].in, REF_DEFAULT_TAG) < 0) {
      fprintf(stderr, "# '%s': %s\n", good[i].in, fail_msg());
      return -1;
    }
    full = ref_full(&r);
    fam = ref_familiar(&r);
    CHECK_STR(full, good[i].full);
    CHECK_STR(fam, good[i].familiar);
    free(full);
    free(fam);
    ref_free(&r);
  }
  return 0;
}

static int test_bad(void)
{
  for (size_t i = 0; i < ARRAY_LEN(bad); i++) {
    struct ref r;
    if (ref_parse(&r, bad[i].in, REF_DEFAULT_TAG) == 0) {
      fprintf(stderr, "# '%s' parsed\n", bad[i].in);
      ref_free(&r);
      return -1;
    }
    if (strcmp(fail_msg(), bad[i].err))
      fprintf(stderr, "# input '%s'\n", bad[i].in);
    CHECK_STR(fail_msg(), bad[i].err);
  }
  return 0;
}

static int test_lengths(void)
{
  char name[300], tag[140];
  struct ref r;

  /* 255 characters of name in all, docker.io/ included, is the limit */
  memset(name, 'a', sizeof(name));
  name[255 - 18] = 0;   /* "docker.io/library/" is 18 */
  CHECK(ref_parse(&r, name, 0) == 0);
  ref_free(&r);
  name[255 - 17] = 0;
  name[255 - 18] = 'a';
  CHECK(ref_parse(&r, name, 0) < 0);
  CHECK_STR(fail_msg(), "invalid reference format: repository name must not "
            "be more than 255 characters");
  memset(tag, 'b', sizeof(tag));
  tag[0] = 'x';
  tag[1] = ':';
  tag[2 + 128] = 0;
  CHECK(ref_parse(&r, tag, 0) == 0);
  ref_free(&r);
  tag[2 + 128] = 'b';
  tag[2 + 129] = 0;
  CHECK(ref_parse(&r, tag, 0) < 0);
  return 0;
}

static int test_flags(void)
{
  struct ref r;

  CHECK(ref_parse(&r, "busybox", 0) == 0 && !r.tag && !r.digest);
  ref_free(&r);
  CHECK(ref_parse(&r, "busybox@sha256:" H64, REF_DEFAULT_TAG) == 0 &&
        !r.tag);
  ref_free(&r);
  CHECK(ref_parse(&r, "busybox@sha256:" H64, REF_NO_DIGEST) < 0);
  CHECK(ref_parse(&r, "busybox:1", REF_NO_TAG) < 0);
  CHECK(ref_parse(&r, "busybox:1", 0) == 0);
  CHECK_STR(r.domain, "docker.io");
  CHECK_STR(r.path, "library/busybox");
  CHECK_STR(r.tag, "1");
  ref_free(&r);
  CHECK(ref_is_id("sha256:" H64) && ref_is_id(H64) && !ref_is_id("abc"));
  return 0;
}

static int test_match(void)
{
  CHECK(ref_match("busybox", "busybox:latest"));
  CHECK(ref_match("busybox:latest", "busybox:latest"));
  CHECK(!ref_match("busybox:1", "busybox:latest"));
  CHECK(ref_match("bus*", "busybox:latest"));
  CHECK(!ref_match("*", "me/app:1"));           /* '*' stops at '/' */
  CHECK(ref_match("*/*", "me/app:1"));
  CHECK(ref_match("me/*:1", "me/app:1"));
  CHECK(ref_match("localhost:5000/*", "localhost:5000/x:y"));
  CHECK(!ref_match("nothing", "busybox:latest"));
  return 0;
}

int main(void)
{
  RUN_TEST(test_good);
  RUN_TEST(test_bad);
  RUN_TEST(test_lengths);
  RUN_TEST(test_flags);
  RUN_TEST(test_match);
  return UNIT_END();
}
