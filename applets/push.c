/* push.c - an image of the store to a registry
 * See https://docs.docker.com/reference/cli/docker/image/push/ */
#include "core/core.h"
#include "core/image.h"
#include "core/ref.h"
#include "core/registry.h"

#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>

static const char usage[] =
"usage: push [-a] [-q] [--insecure] NAME[:TAG]\n\n"
"Upload an image: blobs the registry has already are skipped, blobs of\n"
"another repository of the same registry are mounted, the rest uploaded\n"
"(three at a time, in 32 MiB chunks when large, resuming an interrupted\n"
"upload), then the\n"
"manifest, byte for byte as the store has it.\n\n"
"-a, --all-tags  every local tag of the repository\n"
"-q, --quiet   print only the digest line\n"
"--insecure    allow plain HTTP to this registry\n";

static int quiet, insecure, alltags;
static const struct opt opts[] = {
  OPT_FLAG('q', "quiet", &quiet), OPT_FLAG(0, "insecure", &insecure),
  OPT_FLAG('a', "all-tags", &alltags), OPT_END
};

enum { CHUNK = 32 << 20 };  /* larger blobs go up in PATCH chunks */

struct job {
  struct store *s;
  struct registry *r;
  const char *repo;
  char *scope;
};

/* 1 if the registry has the blob, 0 if not, -1 on error. */
static int has_blob(struct job *j, const char *digest)
{
  cleanup_free char *path = xasprintf("/v2/%s/blobs/%s", j->repo, digest);
  struct http_resp resp;
  int st;

  if (registry_do(j->r, "HEAD", path, j->scope, NULL, NULL, 0, &resp) < 0)
    return -1;
  st = resp.status;
  if (st != 200 && st != 404) return registry_fail(j->r, &resp, digest);
  http_resp_free(&resp);
  return st == 200;
}

/* Where to send the next part of an upload: the registry's Location. */
static char *location(struct job *j, struct http_resp *resp)
{
  const char *l = http_header(resp, "location");
  struct url base;
  char *u;

  if (!l) return fail("%s: upload without a Location", j->r->name), NULL;
  if (url_parse(j->r->base, &base) < 0) return NULL;
  u = url_resolve(&base, l);
  url_free(&base);
  return u;
}

static char *with_query(const char *url, const char *kv)
{
  return xasprintf("%s%c%s", url, strchr(url, '?') ? '&' : '?', kv);
}

/* Upload one blob of the store. */
static int upload(struct job *j, const char *digest, int64_t size)
{
  cleanup_free char *path = xasprintf("/v2/%s/blobs/uploads/", j->repo);
  cleanup_free char *loc = NULL, *dq = xasprintf("digest=%s", digest);
  static const char *const octet[] = {
    "Content-Type: application/octet-stream", NULL };
  struct http_resp resp;
  int64_t off = 0;
  int fd, ret = -1;

  if ((fd = store_blob_open(j->s, digest)) < 0) return -1;
  if (registry_do(j->r, "POST", path, j->scope, NULL, NULL, 0, &resp) < 0)
    goto out;
  if (resp.status != 202) {
    registry_fail(j->r, &resp, "start upload");
    goto out;
  }
  loc = location(j, &resp);
  http_resp_free(&resp);
  if (!loc) goto out;

  /* large: PATCH chunks with Content-Range; on a broken chunk, ask where
   * the upload stands (GET the Location) and go on from there */
  while (size > CHUNK && off < size) {
    int64_t n = size - off < CHUNK ? size - off : CHUNK;
    cleanup_free char *cr = xasprintf("Content-Range: %lld-%lld",
                                      (long long)off, (long long)(off + n - 1));
    const char *hdr[] = { octet[0], cr, NULL };
    struct io_reader rd = IO_FD_READER(&fd);
    if (lseek(fd, off, SEEK_SET) < 0) {
      pfail("seek");
      goto out;
    }
    if (registry_do(j->r, "PATCH", loc, j->scope, hdr, &rd, n, &resp) < 0 ||
        resp.status != 202) {
      const char *range;
      if (resp.status) http_resp_free(&resp);
      debug("chunk at %lld: %s; asking where the upload stands",
            (long long)off, fail_msg());
      if (registry_do(j->r, "GET", loc, j->scope, NULL, NULL, 0, &resp) < 0)
        goto out;
      if (resp.status != 204 || !(range = http_header(&resp, "range"))) {
        registry_fail(j->r, &resp, "resume upload");
        goto out;
      }
      off = strtoll(range + strcspn(range, "-") + 1, NULL, 10) + 1;
      http_resp_free(&resp);
      continue;
    }
    {
      char *next = location(j, &resp);
      http_resp_free(&resp);
      if (!next) goto out;
      free(loc);
      loc = next;
    }
    off += n;
  }
  {
    cleanup_free char *url = with_query(loc, dq);
    struct io_reader rd = IO_FD_READER(&fd);
    int64_t rest = size - off;
    if (lseek(fd, off, SEEK_SET) < 0) {
      pfail("seek");
      goto out;
    }
    if (registry_do(j->r, "PUT", url, j->scope, octet, rest ? &rd : NULL,
                    rest, &resp) < 0)
      goto out;
    if (resp.status != 201) {
      registry_fail(j->r, &resp, digest);
      goto out;
    }
    http_resp_free(&resp);
  }
  ret = 0;
out:
  close(fd);
  return ret;
}

/* A blob other repositories of the registry have: mount it (from= a repo
 * this store knows on the same registry). 1 if mounted. */
static int mount_blob(struct job *j, const char *digest, const char *from)
{
  cleanup_free char *path = xasprintf("/v2/%s/blobs/uploads/?mount=%s&from=%s",
                                      j->repo, digest, from);
  struct http_resp resp;
  int st;

  if (registry_do(j->r, "POST", path, j->scope, NULL, NULL, 0, &resp) < 0)
    return -1;
  st = resp.status;
  http_resp_free(&resp);
  return st == 201;
}

static int push_one(struct job *j, const char *blob, int64_t size,
                    const char *from)
{
  int h = has_blob(j, blob);

  if (h < 0) return -1;
  if (h) {
    if (!quiet) printf("%.12s: Layer already exists\n", digest_hex(blob));
    return 0;
  }
  if (!quiet) printf("%.12s: Preparing\n", digest_hex(blob));
  if (from && mount_blob(j, blob, from) == 1) {
    if (!quiet) printf("%.12s: Mounted from %s\n", digest_hex(blob), from);
    return 0;
  }
  if (upload(j, blob, size) < 0) return -1;
  if (!quiet) printf("%.12s: Pushed\n", digest_hex(blob));
  return 0;
}

/* -a: every tag of the repository in the store, each by a push of its
 * own. */
static int push_all(struct ref *ref)
{
  cleanup_free char *repo = ref_repo_familiar(ref);
  struct image *v;
  struct store s;
  cJSON *idx;
  size_t n, found = 0;
  int ret = 0;

  if (ref->tag) return fail("tag can't be used with --all-tags/-a");
  if (store_open(&s, STORE_READ) < 0 || !(idx = store_index_load(&s)))
    return -1;
  image_list(&s, idx, &v, &n);
  for (size_t i = 0; i < n; i++)
    for (size_t t = 0; t < v[i].tags.n; t++) {
      const char *tag = v[i].tags.v[t], *colon = strrchr(tag, ':');
      const char *args[6];
      int a = 0;
      if (!colon || strlen(repo) != (size_t)(colon - tag) ||
          strncmp(tag, repo, colon - tag))
        continue;
      found++;
      args[a++] = "push";
      if (quiet) args[a++] = "-q";
      if (insecure) args[a++] = "--insecure";
      args[a++] = tag;
      args[a] = NULL;
      if (applet_spawn(args, 0)) ret = 1;
    }
  image_list_free(v, n);
  if (!found) return fail("An image does not exist locally with the tag: %s",
                          repo);
  return ret;
}

static int push_main(int argc, char **argv)
{
  cleanup_free char *fam = NULL, *repo = NULL, *mtext = NULL, *from = NULL;
  cleanup_free char *path = NULL, *ct = NULL;
  struct image *v;
  struct registry reg;
  struct http_resp resp;
  struct store s;
  struct ref ref;
  struct job j;
  cJSON *idx;
  size_t n, mlen;
  int k;

  if (ref_parse(&ref, argv[0], REF_NO_DIGEST) < 0) return -1;
  if (alltags) return push_all(&ref);
  if (!ref.tag) {
    ref.tag = xstrdup("latest");
    if (!quiet) printf("Using default tag: latest\n");
  }
  fam = ref_familiar(&ref);
  if (store_open(&s, STORE_READ) < 0 || !(idx = store_index_load(&s)))
    return -1;
  image_list(&s, idx, &v, &n);
  if ((k = image_find(v, n, fam)) < 0)
    return fail("An image does not exist locally with the tag: %s", fam);
  /* another repository of the same registry that has these blobs */
  for (size_t i = 0; i < n && !from; i++)
    for (size_t t = 0; t < v[i].tags.n && !from; t++) {
      struct ref o;
      if (ref_parse(&o, v[i].tags.v[t], 0) < 0) continue;
      if (!strcmp(o.domain, ref.domain) && strcmp(o.path, ref.path) &&
          !strcmp(v[i].digest, v[k].digest))
        from = xstrdup(o.path);
      ref_free(&o);
    }
  if (!(mtext = store_blob_read(&s, v[k].digest, 4 << 20, &mlen))) return -1;
  repo = ref_repo_full(&ref);
  if (!quiet)
    printf("The push refers to repository [%s]\n", repo);
  if (registry_open(&reg, ref.domain, insecure) < 0) return -1;
  j = (struct job){ &s, &reg, ref.path,
                    xasprintf("repository:%s:pull,push", ref.path) };
  /* Docker's order: the top layer first; three at a time, each in a
   * process of its own (its own connection), dying with the push */
  {
    size_t running = 0, failed = 0, next = v[k].m.nlayers;
    pid_t parent = getpid();
    fflush(stdout);
    while (next > 0 || running) {
      int status;
      if (next > 0 && !failed && running < 3) {
        size_t i = --next;
        pid_t p = fork();
        if (p < 0) return pfail("fork");
        if (!p) {
          prctl(PR_SET_PDEATHSIG, SIGKILL);
          if (getppid() != parent) _exit(1);
          reg.http.c = NULL;   /* the parent's connection stays its own */
          if (push_one(&j, v[k].m.layers[i].digest, v[k].m.layers[i].size,
                       from) < 0) {
            fail_print();
            _exit(1);
          }
          fflush(stdout);
          _exit(0);
        }
        running++;
        continue;
      }
      if (failed && next) next = 0;       /* start no more */
      if (!running) break;
      if (wait(&status) < 0) break;
      running--;
      if (!WIFEXITED(status) || WEXITSTATUS(status)) failed = 1;
    }
    if (failed) return 1;        /* a worker has said why */
  }
  if (has_blob(&j, v[k].m.config.digest) == 0 &&
      upload(&j, v[k].m.config.digest, v[k].m.config.size) < 0)
    return -1;

  path = xasprintf("/v2/%s/manifests/%s", ref.path, ref.tag);
  ct = xasprintf("Content-Type: %s", v[k].m.media_type ? v[k].m.media_type
                                                       : MT_OCI_MANIFEST);
  {
    const char *hdr[] = { ct, NULL };
    struct io_mem mem = { (unsigned char *)mtext, mlen, 0 };
    struct io_reader rd = { io_mem_read, &mem };
    if (registry_do(&reg, "PUT", path, j.scope, hdr, &rd, mlen, &resp) < 0)
      return -1;
    if (resp.status != 201) return registry_fail(&reg, &resp, "manifest");
    {
      const char *d = http_header(&resp, "docker-content-digest");
      if (d && strncmp(d, v[k].digest, 71))
        debug("the registry names the manifest %s, we %s", d, v[k].digest);
    }
    http_resp_free(&resp);
  }
  printf("%s: digest: %s size: %zu\n", ref.tag, v[k].digest, mlen);
  /* inspect's RepoDigests: where this manifest now is */
  {
    struct store w;
    cJSON *wi, *e;
    cleanup_free char *rf = ref_repo_familiar(&ref);
    cleanup_free char *rd = xasprintf("%s@%s", rf, v[k].digest);
    if (store_open(&w, STORE_WRITE) == 0 && (wi = store_index_load(&w)) &&
        (e = store_index_find(wi, fam)) &&
        !strcmp(json_str(e, "digest"), v[k].digest)) {
      json_set_str(json_obj(e, "annotations"), ANN_REPO_DIGEST, rd);
      store_index_save(&w, wi);
    }
    store_close(&w);
  }
  registry_close(&reg);
  free(j.scope);
  ref_free(&ref);
  image_list_free(v, n);
  return 0;
}

APPLET(push, 1, 1);
