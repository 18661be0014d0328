/* pull.c - an image from a registry into the store, verified and ready
 * See https://docs.docker.com/reference/cli/docker/image/pull/ */
#include "core/core.h"
#include "core/gz.h"
#include "core/image.h"
#include "core/layer.h"
#include "core/ref.h"
#include "core/registry.h"

#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <time.h>
#include <sys/prctl.h>
#include <sys/statvfs.h>
#include <sys/wait.h>

static const char usage[] =
"usage: pull [-a] [-q] [--platform OS/ARCH[/VARIANT]] [--insecure] NAME[:TAG|@DIGEST]\n\n"
"Download an image (the host's platform from a multi-platform index),\n"
"verifying every digest, size and diff_id, and unpack its layers. An\n"
"interrupted download resumes where it stopped.\n\n"
"-a, --all-tags   every tag of the repository\n"
"-q, --quiet      print only the image's reference\n"
"--platform P     the platform to pick from an index\n"
"--insecure       allow plain HTTP to this registry\n"
"--max-concurrent-downloads N  layers fetched at once (default 3)\n";

static int quiet, insecure, alltags;
static long jobs = 3;
static char *platform;
static const struct opt opts[] = {
  OPT_FLAG('q', "quiet", &quiet), OPT_STR(0, "platform", &platform),
  OPT_FLAG('a', "all-tags", &alltags),
  OPT_FLAG(0, "insecure", &insecure),
  OPT_INT(0, "max-concurrent-downloads", &jobs), OPT_END
};

enum { MANIFEST_MAX = 4 << 20 };

static const char *const accept_manifests[] = {
  "Accept: " MT_OCI_MANIFEST ", " MT_OCI_INDEX ", " MT_DOCKER_MANIFEST ", "
  MT_DOCKER_LIST, NULL
};

static void say(const char *fmt, ...) PRINTF(1, 2);
static void say(const char *fmt, ...)
{
  va_list ap;

  if (quiet) return;
  va_start(ap, fmt);
  vprintf(fmt, ap);
  va_end(ap);
  fflush(stdout);
}

/* GET a manifest (or index) by tag or digest: its bytes, digest checked. */
static char *get_manifest(struct registry *r, const char *repo,
                          const char *scope, const char *ref,
                          size_t *len, char *digest, char **mt)
{
  cleanup_free char *path = xasprintf("/v2/%s/manifests/%s", repo, ref);
  struct http_resp resp;
  const char *hd, *ct;
  char *body;

  if (registry_do(r, "GET", path, scope, accept_manifests, NULL, 0,
                  &resp) < 0)
    return NULL;
  if (resp.status != 200)
    return registry_fail(r, &resp, ref), NULL;
  if (resp.length > MANIFEST_MAX) {
    http_resp_free(&resp);
    return fail("%s: manifest of %lld bytes is over the 4 MiB limit",
                r->name, (long long)resp.length), NULL;
  }
  hd = http_header(&resp, "docker-content-digest");
  ct = http_header(&resp, "content-type");
  *mt = ct ? xstrndup(ct, strcspn(ct, "; ")) : NULL;
  if (!(body = http_slurp(&resp, MANIFEST_MAX, len))) {
    http_resp_free(&resp);
    return fail_wrap("%s: manifest", r->name), NULL;
  }
  digest_buf(body, *len, digest);
  /* by digest: it must be that; by tag: what the registry says, if it
   * says anything */
  if ((!strncmp(ref, "sha256:", 7) && strcmp(ref, digest)) ||
      (hd && !strncmp(hd, "sha256:", 7) && strncmp(hd, digest, 71))) {
    fail("%s: manifest %s does not match its digest (content is %s)",
         r->name, !strncmp(ref, "sha256:", 7) ? ref : hd, digest);
    http_resp_free(&resp);
    free(body);
    return NULL;
  }
  http_resp_free(&resp);
  return body;
}

/* what one pull works with */
struct job {
  struct store *s;
  struct registry *r;
  char *repo, *scope;
  int prog;          /* on a terminal: where a worker reports its bytes */
  size_t idx;        /* the worker's layer */
};

/* A worker's progress, at most ten times a second ("layer bytes\n": short
 * enough for a pipe write to be atomic). */
static void progress(struct job *j, uint64_t bytes, int force)
{
  static struct timespec last;
  struct timespec now;
  char b[64];
  int n;

  if (j->prog < 0) return;
  clock_gettime(CLOCK_MONOTONIC, &now);
  if (!force && (now.tv_sec - last.tv_sec) * 1000 +
                (now.tv_nsec - last.tv_nsec) / 1000000 < 100)
    return;
  last = now;
  n = snprintf(b, sizeof(b), "%zu %llu\n", j->idx, (unsigned long long)bytes);
  write(j->prog, b, n);
}

/* Hash and inflate what arrives: blob digest and diff_id in one pass. */
struct sink {
  struct ingest *in;
  struct gz_inflate *gz;     /* gzip layers */
  struct digest_tee diff;    /* the uncompressed stream's digest */
  struct io_writer w;
  int plain;                 /* an uncompressed layer (or a config) */
  /* the extractor: a process unpacking the layer from a pipe as the bytes
   * arrive (it checks the diff_id); without one, gz/diff check it here */
  struct job *j;
  const char *blob, *diff_id;
  pid_t ex;
  int tee, res;              /* its input, and its answer ("O<size>") */
};

static void ex_stop(struct sink *k)
{
  if (k->tee >= 0) close(k->tee);
  if (k->ex > 0) {
    kill(k->ex, SIGKILL);
    waitpid(k->ex, NULL, 0);
  }
  if (k->res >= 0) close(k->res);
  k->tee = k->res = -1;
  k->ex = 0;
}

static int ex_start(struct sink *k)
{
  int in[2], out[2];

  k->tee = k->res = -1;
  k->ex = 0;
  if (pipe2(in, O_CLOEXEC) < 0) return pfail("pipe");
  if (pipe2(out, O_CLOEXEC) < 0) {
    close(in[0]), close(in[1]);
    return pfail("pipe");
  }
  if ((k->ex = fork()) < 0) return pfail("fork");
  if (!k->ex) {
    uint64_t usize = 0;
    char msg[1200];
    int n;
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    close(in[1]);
    close(out[0]);
    if (layer_unpack_fd(k->j->s, k->blob, in[0], k->diff_id, &usize) < 0)
      n = snprintf(msg, sizeof(msg), "E%s", fail_msg());
    else
      n = snprintf(msg, sizeof(msg), "O%llu", (unsigned long long)usize);
    write(out[1], msg, n < (int)sizeof(msg) ? n : (int)sizeof(msg) - 1);
    _exit(0);
  }
  close(in[0]);
  close(out[1]);
  k->tee = in[1];
  k->res = out[0];
  return 0;
}

/* All bytes sent: the extractor's verdict, and the uncompressed size. */
static int ex_finish(struct sink *k, uint64_t *usize)
{
  char msg[1200];
  ssize_t n;

  close(k->tee);
  k->tee = -1;
  do n = read(k->res, msg, sizeof(msg) - 1);
  while (n < 0 && errno == EINTR);
  waitpid(k->ex, NULL, 0);
  k->ex = 0;
  close(k->res);
  k->res = -1;
  if (n <= 0) return fail("layer %s: the unpacking process died", k->blob);
  msg[n] = 0;
  if (msg[0] != 'O') return fail("%s", msg + 1);
  *usize = strtoull(msg + 1, NULL, 10);
  return 0;
}

static int sink_feed(struct sink *k, const void *p, size_t n)
{
  digest_update(&k->in->d, p, n);
  if (k->ex > 0)
    return write_full(k->tee, p, n) < 0
      ? fail("layer %s: the unpacking process stopped", k->blob) : 0;
  if (k->plain) return 0;
  return gz_inflate_write(k->gz, p, n);
}

static void sink_reset(struct sink *k)
{
  /* a stream that starts over needs a new extractor */
  if (k->ex > 0) {
    ex_stop(k);
    if (ex_start(k) < 0) k->ex = 0;
  }
  if (k->gz) gz_inflate_free(k->gz);
  k->gz = NULL;
  digest_init(&k->in->d);
  digest_init(&k->diff.d);
  k->diff.next = NULL;
  k->w = (struct io_writer){ digest_tee_write, &k->diff };
  if (!k->plain && k->ex <= 0) k->gz = gz_inflate_new(&k->w);
}

/* Feed what a partial file already holds through the hashes. */
static int sink_replay(struct sink *k)
{
  static unsigned char buf[65536];
  uint64_t off = 0;

  while (off < k->in->size) {
    ssize_t n = pread(k->in->fd, buf, sizeof(buf), off);
    if (n <= 0) return n < 0 ? pfail("read '%s'", k->in->name) : -1;
    if (sink_feed(k, buf, n) < 0) return -1;
    off += n;
  }
  return 0;
}

/* GET the blob from offset `from` into the partial file. */
static int download(struct job *j, const struct desc *d, struct sink *k)
{
  static unsigned char buf[65536];
  cleanup_free char *path = xasprintf("/v2/%s/blobs/%s", j->repo, d->digest);
  cleanup_free char *range = NULL;
  const char *hdr[2] = { NULL, NULL };
  struct http_resp resp;
  ssize_t n;

  if (k->in->size) {
    range = xasprintf("Range: bytes=%llu-", (unsigned long long)k->in->size);
    hdr[0] = range;
  }
  if (registry_do(j->r, "GET", path, j->scope, hdr, NULL, 0, &resp) < 0)
    return -1;
  if (k->in->size && resp.status == 206) {
    const char *cr = http_header(&resp, "content-range");
    if (!cr || strtoull(cr + strcspn(cr, "0123456789"), NULL, 10) !=
                 k->in->size) {
      http_resp_free(&resp);
      return fail("%s: bad Content-Range for %s", j->r->name, d->digest);
    }
  } else if (resp.status == 200) {
    /* the whole blob again (a server that ignores Range): start over */
    if (k->in->size) {
      debug("%s: Range ignored, restarting %s", j->r->name, d->digest);
      if (store_partial_restart(k->in) < 0) {
        http_resp_free(&resp);
        return -1;
      }
      sink_reset(k);
    }
  } else if (resp.status == 416 && k->in->size == (uint64_t)d->size) {
    http_resp_free(&resp);      /* we have it all already */
    return 0;
  } else {
    return registry_fail(j->r, &resp, d->digest);
  }
  while ((n = http_read(&resp, buf, sizeof(buf))) > 0) {
    if (k->in->size + n > (uint64_t)d->size) {
      http_resp_free(&resp);
      /* longer than declared: what we have is worthless */
      store_partial_restart(k->in);
      return fail("%s: blob %s is longer than its %lld bytes", j->r->name,
                  d->digest, (long long)d->size);
    }
    if (write_full(k->in->fd, buf, n) < 0) {
      http_resp_free(&resp);
      return pfail("write '%s'", k->in->name);
    }
    k->in->size += n;
    progress(j, k->in->size, 0);
    if (sink_feed(k, buf, n) < 0) {
      http_resp_free(&resp);
      store_partial_restart(k->in);
      return fail_wrap("%s: blob %s", j->r->name, d->digest);
    }
  }
  http_resp_free(&resp);
  return n < 0 ? fail_wrap("%s: blob %s", j->r->name, d->digest) : 0;
}

/* One blob into the store, verified: digest, size and (for a layer)
 * diff_id. What arrived stays in ingest/ when the transfer breaks. */
static int fetch(struct job *j, const struct desc *d, const char *diff_id,
                 int plain, int unpack)
{
  struct ingest in;
  struct sink k;
  char diff[DIGEST_LEN];
  uint64_t usize = 0;
  int ret = -1;

  memset(&k, 0, sizeof(k));
  k.in = &in;
  k.plain = plain;
  k.j = j;
  k.blob = d->digest;
  k.diff_id = diff_id;
  k.tee = k.res = -1;
  if (store_partial_open(j->s, d->digest, &in) < 0) return -1;
  /* a layer not unpacked yet is unpacked as it arrives */
  if (diff_id && unpack) {
    cleanup_free char *lp = xasprintf("layers/%s", digest_hex(diff_id));
    if (faccessat(j->s->dfd, lp, F_OK, 0) < 0 && ex_start(&k) < 0) {
      store_partial_keep(&in);
      return -1;
    }
  }
  sink_reset(&k);
  if (in.size > (uint64_t)d->size) store_partial_restart(&in);
  if (in.size && sink_replay(&k) < 0) {
    store_partial_restart(&in);
    sink_reset(&k);
  }
  /* a broken transfer resumes from what arrived, twice more */
  for (int tries = 0; in.size < (uint64_t)d->size; tries++) {
    if (download(j, d, &k) == 0) break;
    if (tries == 2 || in.size > (uint64_t)d->size) {
      store_partial_keep(&in);
      goto out;
    }
    debug("%s; resuming at %llu", fail_msg(), (unsigned long long)in.size);
    sleep(1 + tries);
  }
  if (in.size != (uint64_t)d->size) {
    fail("%s: blob %s: got %llu of %lld bytes", j->r->name, d->digest,
         (unsigned long long)in.size, (long long)d->size);
    store_partial_keep(&in);
    goto out;
  }
  if (store_ingest_done(&in) < 0) goto bad;
  if (strcmp(in.digest, d->digest)) {
    fail("%s: blob %s does not match its digest (content is %s)",
         j->r->name, d->digest, in.digest);
    goto bad;
  }
  if (diff_id && k.ex > 0) {
    /* the extractor checked the diff_id while unpacking */
    if (ex_finish(&k, &usize) < 0) goto bad;
  } else if (diff_id) {
    if (!plain && gz_inflate_finish(k.gz) < 0) {
      fail_wrap("layer %s", d->digest);
      goto bad;
    }
    digest_final(&k.diff.d, diff);
    if (strcmp(plain ? in.digest : diff, diff_id)) {
      fail("layer %s does not match its diff_id %s (content is %s)",
           d->digest, diff_id, plain ? in.digest : diff);
      goto bad;
    }
    usize = plain ? (uint64_t)d->size : k.diff.d.size;
  }
  if (store_relock(j->s) < 0 || store_ingest_commit(&in) < 0 ||
      (diff_id && store_diff_put(j->s, d->digest, diff_id, usize) < 0))
    goto bad;
  store_unlock(j->s);
  ret = 0;
  goto out;
bad:
  /* bytes that do not verify are not worth resuming */
  store_ingest_abort(&in);
out:
  if (k.ex > 0) ex_stop(&k);     /* failed: its unpacking is abandoned */
  if (k.gz) gz_inflate_free(k.gz);
  return ret;
}

/* Worker w ended: a failure stops the others (their partial blobs stay
 * for the next pull). */
static void reaped(pid_t *pid, size_t n, pid_t w, int status, int *failed)
{
  if (!WIFEXITED(status) || WEXITSTATUS(status)) {
    if (!*failed)
      for (size_t k = 0; k < n; k++)
        if (pid[k] > 0 && pid[k] != w) kill(pid[k], SIGTERM);
    *failed = 1;
  }
  for (size_t k = 0; k < n; k++)
    if (pid[k] == w) pid[k] = -1;
}

/* On a terminal, Docker's per-layer lines, redrawn in place. */
struct board {
  int on;
  size_t n;
  char (*line)[96];
  const struct manifest *m;
  char **err;         /* a failed worker's message, printed at the end */
};

static void board_set(struct board *b, size_t i, const char *fmt, ...)
  PRINTF(3, 4);
static void board_set(struct board *b, size_t i, const char *fmt, ...)
{
  va_list ap;
  int k = snprintf(b->line[i], sizeof(b->line[i]), "%.12s: ",
                   digest_hex(b->m->layers[i].digest));

  va_start(ap, fmt);
  vsnprintf(b->line[i] + k, sizeof(b->line[i]) - k, fmt, ap);
  va_end(ap);
}

static void board_draw(struct board *b, int first)
{
  if (!first) printf("\033[%zuA", b->n);
  for (size_t i = 0; i < b->n; i++) printf("\033[2K%s\n", b->line[i]);
  fflush(stdout);
}

static void board_bytes(struct board *b, size_t i, uint64_t got)
{
  char bar[51], a[32], t[32];
  int64_t size = b->m->layers[i].size;
  int fill = size > 0 ? (int)(got * 50 / (uint64_t)size) : 0;

  for (int k = 0; k < 50; k++)
    bar[k] = k < fill ? '=' : k == fill ? '>' : ' ';
  bar[50] = 0;
  board_set(b, i, "Downloading [%s] %s/%s", bar, fmt_size(a, got),
            fmt_size(t, size));
}

/* What the workers sent: "LAYER BYTES" lines, or "ELAYER message" when one
 * failed (each line is one write of at most 1 KiB: never interleaved). */
static void board_read(struct board *b, int fd)
{
  char buf[2 * PIPE_BUF + 1];
  size_t have = 0;
  ssize_t n;

  /* a read may end inside a line: the rest waits for the next read (each
   * write is atomic, so at EAGAIN no line is left half-written) */
  while ((n = read(fd, buf + have, sizeof(buf) - 1 - have)) > 0) {
    char *l = buf, *nl;
    have += n;
    buf[have] = 0;
    while ((nl = strchr(l, '\n'))) {
      char *sp;
      size_t i;
      *nl = 0;
      i = strtoul(l + (*l == 'E'), &sp, 10);
      if (i < b->n && *l != 'E') board_bytes(b, i, strtoull(sp, NULL, 10));
      else if (i < b->n && !b->err[i]) b->err[i] = xstrdup(sp + (*sp == ' '));
      l = nl + 1;
    }
    have = buf + have - l;
    memmove(buf, l, have);
  }
}

/* The missing layers, up to `jobs` at a time, each in a process of its
 * own, with its own connection. */
static int fetch_all(struct job *j, const struct manifest *m,
                     const cJSON *ids)
{
  pid_t *pid = xzalloc(m->nlayers * sizeof(pid_t));
  size_t next = 0, running = 0;
  int failed = 0, own = 0, status, prog[2] = { -1, -1 };
  pid_t parent = getpid();
  struct board b = { !quiet && isatty(1), m->nlayers,
                     xzalloc(m->nlayers * sizeof(*b.line)), m,
                     xzalloc(m->nlayers * sizeof(char *)) };

  j->prog = -1;
  if (b.on && pipe2(prog, O_CLOEXEC | O_NONBLOCK) < 0) b.on = 0;
  for (size_t i = 0; i < m->nlayers; i++) {
    const char *st = store_has_blob(j->s, m->layers[i].digest, NULL)
                     ? "Already exists" : "Pulling fs layer";
    if (b.on) board_set(&b, i, "%s", st);
    else say("%.12s: %s\n", digest_hex(m->layers[i].digest), st);
  }
  if (b.on) board_draw(&b, 1);
  fflush(stdout);
  for (;;) {
    while (!failed && running < (size_t)jobs && next < m->nlayers) {
      const struct desc *d = &m->layers[next];
      const char *diff = cJSON_GetArrayItem(ids, next)->valuestring;
      /* an uncompressed layer: its diff_id is its digest */
      int plain = !strcmp(d->media_type, MT_OCI_LAYER) ||
                  !strcmp(d->media_type, MT_DOCKER_LAYER) ||
                  !strcmp(d->media_type,
                          "application/vnd.oci.image.layer.nondistributable.v1.tar");
      if (store_has_blob(j->s, d->digest, NULL)) {
        next++;
        continue;
      }
      if ((pid[next] = fork()) < 0) {
        failed = own = 1;
        pfail("fork");
        break;
      }
      if (!pid[next]) {
        /* die with the pull (kill -9 of it included) */
        prctl(PR_SET_PDEATHSIG, SIGKILL);
        if (getppid() != parent) _exit(1);
        j->r->http.c = NULL;     /* the parent's connection stays its own */
        j->prog = prog[1];
        j->idx = next;
        /* unpacked as it arrives: layers download and unpack in
         * parallel, each stream read once */
        signal(SIGPIPE, SIG_IGN);
        if (fetch(j, d, diff, plain, 1) < 0 ||
            layer_unpack(j->s, d->digest, diff) < 0) {
          /* on a terminal, the parent says it under the finished board */
          if (j->prog >= 0) {
            char e[1024];
            int n = snprintf(e, sizeof(e), "E%zu %s", next, fail_msg());
            if (n >= (int)sizeof(e)) n = sizeof(e) - 1;
            for (int k = 0; k < n; k++) if (e[k] == '\n') e[k] = ' ';
            e[n++] = '\n';
            if (write(j->prog, e, n) == n) _exit(1);
          }
          fail_print();
          _exit(1);
        }
        if (!b.on) say("%.12s: Pull complete\n", digest_hex(d->digest));
        _exit(0);
      }
      if (b.on) board_set(&b, next, "Waiting");
      running++;
      next++;
    }
    if (!running) break;
    if (b.on) {
      /* progress until a worker ends */
      struct pollfd p = { prog[0], POLLIN, 0 };
      pid_t w;
      poll(&p, 1, 200);
      board_read(&b, prog[0]);
      if ((w = waitpid(-1, &status, WNOHANG)) <= 0) {
        board_draw(&b, 0);
        continue;
      }
      for (size_t k = 0; k < m->nlayers; k++)
        if (pid[k] == w)
          board_set(&b, k, "%s", WIFEXITED(status) && !WEXITSTATUS(status)
                                 ? "Pull complete" : "Failed");
      board_draw(&b, 0);
      running--;
      reaped(pid, m->nlayers, w, status, &failed);
      continue;
    }
    {
      pid_t w = wait(&status);
      if (w < 0 && errno == EINTR) continue;
      if (w < 0) break;
      running--;
      reaped(pid, m->nlayers, w, status, &failed);
    }
  }
  if (prog[0] >= 0) {
    board_read(&b, prog[0]);     /* what came after the last poll */
    close(prog[0]), close(prog[1]);
  }
  for (size_t i = 0; i < m->nlayers; i++)
    if (b.err[i]) {
      fail("%s", b.err[i]);
      fail_print();
      free(b.err[i]);
    }
  free(b.err);
  free(b.line);
  free(pid);
  /* -1: our own error; 1: a worker has said why */
  return own ? -1 : failed;
}

/* -a: every tag the registry lists, each by a pull of its own. */
static int pull_all(struct ref *ref)
{
  cleanup_free char *path = xasprintf("/v2/%s/tags/list", ref->path);
  cleanup_free char *scope = xasprintf("repository:%s:pull", ref->path);
  cleanup_free char *repo = ref_repo_familiar(ref);
  struct registry reg;
  struct http_resp resp;
  const cJSON *t;
  cJSON *j;
  char *body;
  int ret = 0;

  if (ref->tag || ref->digest)
    return fail("tag can't be used with --all-tags/-a");
  if (registry_open(&reg, ref->domain, insecure) < 0) return -1;
  if (registry_do(&reg, "GET", path, scope, NULL, NULL, 0, &resp) < 0)
    return -1;
  if (resp.status != 200) return registry_fail(&reg, &resp, "tags");
  body = http_slurp(&resp, MANIFEST_MAX, NULL);
  http_resp_free(&resp);
  registry_close(&reg);
  if (!body || !(j = cJSON_Parse(body)))
    return fail("%s: the tag list is not JSON", ref->domain);
  free(body);
  cJSON_ArrayForEach(t, json_arr(j, "tags")) {
    cleanup_free char *name = NULL;
    const char *args[8];
    int n = 0;
    if (!cJSON_IsString(t)) continue;
    name = xasprintf("%s:%s", repo, t->valuestring);
    args[n++] = "pull";
    if (quiet) args[n++] = "-q";
    if (insecure) args[n++] = "--insecure";
    if (platform) args[n++] = "--platform", args[n++] = platform;
    args[n++] = name;
    args[n] = NULL;
    if (applet_spawn(args, 0)) ret = 1;
  }
  cJSON_Delete(j);
  return ret;
}

static int pull_main(int argc, char **argv)
{
  cleanup_free char *fam = NULL, *full = NULL, *mtext = NULL, *mt = NULL;
  cleanup_free char *ctext = NULL;
  char md[DIGEST_LEN], id[DIGEST_LEN], cd[DIGEST_LEN], idig[DIGEST_LEN] = "";
  struct registry reg;
  struct platform pl;
  struct manifest m;
  struct store s;
  struct ref ref;
  struct job j;
  struct statvfs fs;
  const cJSON *ids, *pick;
  cJSON *idx, *cfg = NULL, *desc, *old;
  size_t mlen, clen, nids;
  int64_t need = 0;
  int fresh;

  if (platform ? image_parse_platform(platform, &pl) < 0
               : (image_host_platform(&pl), 0))
    return -1;
  if (ref_parse(&ref, argv[0], 0) < 0) return -1;
  if (alltags) return pull_all(&ref);
  if (!ref.tag && !ref.digest) {
    ref.tag = xstrdup("latest");
    say("Using default tag: latest\n");
  }
  fam = ref_familiar(&ref);
  full = ref_full(&ref);
  /* no garbage collection while blobs arrive without the writer lock */
  if (store_open(&s, STORE_WRITE | STORE_PULL) < 0) return -1;
  store_unlock(&s);
  if (registry_open(&reg, ref.domain, insecure) < 0) return -1;
  j = (struct job){ &s, &reg, ref.path,
                    xasprintf("repository:%s:pull", ref.path), -1, 0 };

  if (!(mtext = get_manifest(&reg, ref.path, j.scope,
                             ref.digest ? ref.digest : ref.tag, &mlen, md,
                             &mt)))
    return -1;
  {
    /* an index (by its Content-Type or its own mediaType): the entry for
     * our platform, by digest; the tag's digest stays the index's */
    cJSON *ix = cJSON_Parse(mtext);
    if (image_media_kind(mt) == 2 ||
        image_media_kind(json_str(ix, "mediaType")) == 2) {
      char want[DIGEST_LEN];
      if (!ix) return fail("%s: index is not valid JSON", reg.name);
      if (!(pick = image_pick(ix, &pl))) return -1;
      snprintf(want, sizeof(want), "%s", json_str(pick, "digest"));
      memcpy(idig, md, DIGEST_LEN);
      free(mtext);
      free(mt);
      mt = NULL;
      if (!(mtext = get_manifest(&reg, ref.path, j.scope, want, &mlen, md,
                                 &mt))) {
        cJSON_Delete(ix);
        return -1;
      }
    }
    cJSON_Delete(ix);
  }
  if (manifest_parse(&m, mtext, mlen) < 0)
    return fail_wrap("%s: manifest %s", reg.name, md);
  say("%s: Pulling from %s\n", ref.tag ? ref.tag : ref.digest, ref.path);

  /* the config: small, verified, kept in memory until the end */
  {
    struct http_resp resp;
    cleanup_free char *path = xasprintf("/v2/%s/blobs/%s", ref.path,
                                        m.config.digest);
    if (m.config.size > MANIFEST_MAX)
      return fail("%s: config of %lld bytes is over the 4 MiB limit",
                  reg.name, (long long)m.config.size);
    if (registry_do(&reg, "GET", path, j.scope, NULL, NULL, 0, &resp) < 0)
      return -1;
    if (resp.status != 200) return registry_fail(&reg, &resp, "config");
    if (!(ctext = http_slurp(&resp, MANIFEST_MAX, &clen))) return -1;
    http_resp_free(&resp);
    if ((int64_t)clen > m.config.size)
      return fail("%s: blob %s is longer than its %lld bytes", reg.name,
                  m.config.digest, (long long)m.config.size);
    digest_buf(ctext, clen, cd);
    if (strcmp(cd, m.config.digest) || (int64_t)clen != m.config.size)
      return fail("%s: config %s does not match its digest or size "
                  "(content is %s, %zu bytes)", reg.name, m.config.digest,
                  cd, clen);
    if (!(cfg = cJSON_Parse(ctext)) || config_check(cfg, &nids) < 0)
      return fail_wrap("%s: config %s", reg.name, cd);
    if (nids != m.nlayers)
      return fail("%s: config has %zu diff_ids for %zu layers", reg.name,
                  nids, m.nlayers);
  }
  ids = json_arr(json_obj(cfg, "rootfs"), "diff_ids");

  /* room for what is missing: the blobs and their unpacked copies */
  for (size_t i = 0; i < m.nlayers; i++) {
    if (!image_layer_ok(m.layers[i].media_type))
      return fail("%s: layer %s: unsupported media type %s", reg.name,
                  m.layers[i].digest, m.layers[i].media_type);
    if (!store_has_blob(&s, m.layers[i].digest, NULL))
      need += m.layers[i].size * 3;
  }
  if (need && fstatvfs(s.dfd, &fs) == 0 &&
      (int64_t)(fs.f_bavail * fs.f_frsize) < need) {
    char a[32], b[32];
    return fail("not enough space in %s: need %s, have %s", s.root,
                fmt_size(a, need), fmt_size(b, fs.f_bavail * fs.f_frsize));
  }

  {
    int f = fetch_all(&j, &m, ids);
    if (f) return f < 0 ? -1 : 1;
  }
  /* ready to run: unpacked once, as run would (the workers did theirs) */
  if (store_relock(&s) < 0) return -1;
  for (size_t i = 0; i < m.nlayers; i++)
    if (layer_unpack(&s, m.layers[i].digest,
                     cJSON_GetArrayItem(ids, i)->valuestring) < 0)
      return fail_wrap("layer %s", m.layers[i].digest);

  /* config and manifest blobs, then the name */
  if (store_blob_put(&s, ctext, clen, id) < 0 ||
      store_blob_put(&s, mtext, mlen, md) < 0 ||
      !(idx = store_index_load(&s)))
    return -1;
  old = store_index_find(idx, fam);
  fresh = !old || strcmp(json_str(old, "digest") ? json_str(old, "digest")
                                                 : "", md);
  desc = image_desc_json(m.media_type ? m.media_type : MT_OCI_MANIFEST, md,
                         mlen);
  store_index_tag(idx, desc, fam, full);
  /* the digest the registry knows it by: the index's, if we came through
   * one (as Docker records it) */
  memcpy(cd, *idig ? idig : md, DIGEST_LEN);
  {
    cleanup_free char *repo = ref_repo_familiar(&ref);
    cleanup_free char *rd = xasprintf("%s@%s", repo, cd);
    json_set_str(json_obj(store_index_find(idx, fam), "annotations"),
                 ANN_REPO_DIGEST, rd);
  }
  if (store_index_save(&s, idx) < 0) return -1;
  say("Digest: %s\n", cd);
  say("Status: %s for %s\n", fresh ? "Downloaded newer image"
                                   : "Image is up to date", fam);
  printf("%s\n", full);
  manifest_free(&m);
  cJSON_Delete(cfg);
  registry_close(&reg);
  ref_free(&ref);
  free(j.scope);
  return 0;
}

APPLET(pull, 1, 1);
