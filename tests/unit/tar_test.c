/* tar_test.c - tar reading and writing: our writer read back, GNU tar's
 * formats read, GNU tar reading ours, and hostile headers refused */
#include "tests/unit/unit.h"
#include "core/tar.h"

#include <stdlib.h>
#include <fcntl.h>
#include <unistd.h>

static int mem_write(void *ctx, const void *p, size_t n)
{
  buf_add(ctx, p, n);
  return 0;
}

/* Read every entry of a memory archive; paths joined with '|'. -1 on a
 * reader error. */
static int read_all(const char *p, size_t n, struct buf *paths)
{
  struct io_mem m = { (const unsigned char *)p, n, 0 };
  struct io_reader in = { io_mem_read, &m };
  struct tar_reader *t = tar_reader_new(&in);
  struct tar_entry *e;
  char data[4096];
  int r;

  while ((r = tar_next(t, &e)) > 0) {
    ssize_t k;
    buf_printf(paths, "%s%s", paths->len ? "|" : "", e->path);
    while ((k = tar_read(t, data, sizeof(data))) > 0);
    if (k < 0) {
      r = -1;
      break;
    }
  }
  tar_reader_free(t);
  return r;
}

static int test_roundtrip(void)
{
  struct buf out = { 0 }, paths = { 0 };
  struct io_writer w = { mem_write, &out };
  struct tar_writer *tw = tar_writer_new(&w);
  char longname[300], longlink[200];
  struct tar_xattr x = { "security.capability", (unsigned char *)"\1\0\2", 3 };
  struct tar_entry e = { 0 }, *r;
  struct io_mem m;
  struct io_reader in;
  struct tar_reader *t;
  char data[16];

  memset(longname, 'n', sizeof(longname));
  longname[0] = 'd';
  longname[1] = '/';
  longname[299] = 0;
  memset(longlink, 'l', sizeof(longlink));
  longlink[199] = 0;
  CHECK(tar_write_file(tw, "short", "hello", 5, 0644, 100) == 0);
  e.path = longname;
  e.type = TAR_REG;
  e.mode = 04755;
  e.uid = 3000000;
  e.gid = 7;
  e.size = 3;
  e.mtime = 1700000000;
  e.mtime_nsec = 123456789;
  e.xattrs = &x;
  e.nxattrs = 1;
  CHECK(tar_write_header(tw, &e) == 0 && tar_write_data(tw, "abc", 3) == 0 &&
        tar_write_end_entry(tw) == 0);
  memset(&e, 0, sizeof(e));
  e.path = "link";
  e.type = TAR_SYMLINK;
  e.linkpath = longlink;
  e.mode = 0777;
  CHECK(tar_write_header(tw, &e) == 0);
  CHECK(tar_writer_finish(tw) == 0);
  tar_writer_free(tw);
  CHECK(out.len % 512 == 0);

  m = (struct io_mem){ (unsigned char *)out.p, out.len, 0 };
  in = (struct io_reader){ io_mem_read, &m };
  t = tar_reader_new(&in);
  CHECK(tar_next(t, &r) == 1);
  CHECK_STR(r->path, "short");
  CHECK(r->size == 5 && r->mtime == 100 && r->mode == 0644);
  CHECK(tar_read(t, data, sizeof(data)) == 5 && !memcmp(data, "hello", 5));
  CHECK(tar_next(t, &r) == 1);
  CHECK_STR(r->path, longname);
  CHECK(r->uid == 3000000 && r->gid == 7 && r->mode == 04755);
  CHECK(r->mtime == 1700000000 && r->mtime_nsec == 123456789);
  CHECK(r->nxattrs == 1 && r->xattrs[0].len == 3 &&
        !strcmp(r->xattrs[0].name, "security.capability") &&
        !memcmp(r->xattrs[0].value, "\1\0\2", 3));
  CHECK(tar_next(t, &r) == 1);      /* data skipped unread */
  CHECK(r->type == TAR_SYMLINK);
  CHECK_STR(r->linkpath, longlink);
  CHECK(tar_next(t, &r) == 0);
  tar_reader_free(t);

  /* GNU tar reads it too */
  {
    FILE *f = fopen("/tmp/ocibox-tar-test.tar", "w");
    int ok;
    CHECK(f && fwrite(out.p, 1, out.len, f) == out.len);
    fclose(f);
    if (access("/usr/bin/tar", X_OK)) return 77;
    ok = system("tar -tf /tmp/ocibox-tar-test.tar > /tmp/ocibox-tar-test.lst "
                "2>&1 && test $(wc -l < /tmp/ocibox-tar-test.lst) = 3 && "
                "grep -q '^link$' /tmp/ocibox-tar-test.lst && "
                "test $(sed -n 2p /tmp/ocibox-tar-test.lst | wc -c) = 300");
    unlink("/tmp/ocibox-tar-test.tar");
    unlink("/tmp/ocibox-tar-test.lst");
    CHECK(ok == 0);
  }
  free(out.p);
  free(paths.p);
  return 0;
}

static int test_big_size_header(void)
{
  struct buf out = { 0 };
  struct io_writer w = { mem_write, &out };
  struct tar_writer *tw = tar_writer_new(&w);
  struct tar_entry e = { 0 }, *r;
  struct io_mem m;
  struct io_reader in;
  struct tar_reader *t;

  e.path = "huge";
  e.type = TAR_REG;
  e.mode = 0600;
  e.size = 9ULL << 30;    /* 9 GiB: beyond ustar's octal size field */
  CHECK(tar_write_header(tw, &e) == 0);
  tar_writer_free(tw);
  m = (struct io_mem){ (unsigned char *)out.p, out.len, 0 };
  in = (struct io_reader){ io_mem_read, &m };
  t = tar_reader_new(&in);
  CHECK(tar_next(t, &r) == 1);
  CHECK(r->size == 9ULL << 30);
  tar_reader_free(t);
  free(out.p);
  return 0;
}

/* A ustar header block with a valid checksum. */
static void block(char *b, const char *name, char type, const char *size)
{
  unsigned sum = 0;

  memset(b, 0, 512);
  strcpy(b, name);
  strcpy(b + 100, "0000644");
  strcpy(b + 108, "0000000");
  strcpy(b + 116, "0000000");
  memcpy(b + 124, size, 12);
  strcpy(b + 136, "00000000000");
  b[156] = type;
  memcpy(b + 257, "ustar", 6);
  memcpy(b + 263, "00", 2);
  memset(b + 148, ' ', 8);
  for (int i = 0; i < 512; i++) sum += (unsigned char)b[i];
  snprintf(b + 148, 8, "%06o", sum);
}

static int test_gnu_formats(void)
{
  static const char *const fmts[] = { "gnu", "pax", "ustar", "v7" };
  char cmd[600];

  if (access("/usr/bin/tar", X_OK)) return 77;
  CHECK(system("rm -rf /tmp/ocibox-tt && mkdir -p /tmp/ocibox-tt/d/"
               "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa/"
               "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb && "
               "echo hi > /tmp/ocibox-tt/d/aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
               "aaaaaaaaaaaaaaaa/bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"
               "bbbbbbbbbb/file && ln -s file /tmp/ocibox-tt/d/l") == 0);
  for (size_t i = 0; i < ARRAY_LEN(fmts); i++) {
    struct buf paths = { 0 };
    size_t n;
    char *p;
    snprintf(cmd, sizeof(cmd), "tar --format=%s -C /tmp/ocibox-tt -cf "
             "/tmp/ocibox-tt.tar d 2>/dev/null", fmts[i]);
    if (system(cmd)) continue;   /* v7 cannot hold the long name */
    CHECK((p = file_read(AT_FDCWD, "/tmp/ocibox-tt.tar", 1 << 20, &n)));
    CHECK(read_all(p, n, &paths) == 0);
    CHECK(strstr(paths.p, "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb/"
                 "file"));
    free(p);
    free(paths.p);
  }
  system("rm -rf /tmp/ocibox-tt /tmp/ocibox-tt.tar");
  return 0;
}

static int test_hostile(void)
{
  char b[2048];
  struct buf paths = { 0 };
  int r;

  /* bad checksum */
  block(b, "x", '0', "00000000000");
  b[0] = 'y';
  memset(b + 512, 0, 1024);
  CHECK(read_all(b, 1536, &paths) < 0);
  /* data truncated */
  block(b, "x", '0', "00000001000");
  memset(b + 512, 'a', 100);
  CHECK(read_all(b, 612, &paths) < 0);
  /* header truncated */
  CHECK(read_all(b, 300, &paths) < 0);
  /* PAX record whose length runs past the header's data */
  block(b, "p", 'x', "00000000020");
  memcpy(b + 512, "99 path=aaaaaa\n", 15);
  memset(b + 527, 0, 1024 - 15);
  block(b + 1024, "x", '0', "00000000000");
  CHECK(read_all(b, 2048, &paths) < 0);
  /* PAX header over 1 MiB */
  block(b, "p", 'x', "00010000000");
  CHECK(read_all(b, 512, &paths) < 0);
  /* base-256 size: 0x80 then big-endian */
  block(b, "x", '0', "00000000000");
  memset(b + 124, 0, 12);
  b[124] = (char)0x80;
  b[135] = 5;
  {
    unsigned sum = 0;
    memset(b + 148, ' ', 8);
    for (int i = 0; i < 512; i++) sum += (unsigned char)b[i];
    snprintf(b + 148, 8, "%06o", sum);
  }
  memcpy(b + 512, "hello", 5);
  memset(b + 517, 0, 1531);
  paths.len = 0;
  r = read_all(b, 2048, &paths);
  CHECK(r == 0);
  CHECK_STR(paths.p, "x");
  /* negative base-256 */
  b[124] = (char)0xff;
  {
    unsigned sum = 0;
    memset(b + 148, ' ', 8);
    for (int i = 0; i < 512; i++) sum += (unsigned char)b[i];
    snprintf(b + 148, 8, "%06o", sum);
  }
  CHECK(read_all(b, 2048, &paths) < 0);
  /* an empty stream is an empty archive */
  CHECK(read_all(b, 0, &paths) == 0);
  free(paths.p);
  return 0;
}

int main(void)
{
  RUN_TEST(test_roundtrip);
  RUN_TEST(test_big_size_header);
  RUN_TEST(test_gnu_formats);
  RUN_TEST(test_hostile);
  return UNIT_END();
}
