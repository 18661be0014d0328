/* export.c - a container's file system as one tar
 * See https://docs.docker.com/reference/cli/docker/container/export/ */
#include "core/core.h"
#include "core/container.h"
#include "core/tar.h"
#include "core/tree.h"

#include <sched.h>
#include <sys/mount.h>
#include <sys/wait.h>

static const char usage[] =
"usage: export [-o FILE] CONTAINER\n\n"
"Write the container's merged file system (image layers with its own\n"
"changes on top, whiteouts applied) as a tar archive, which import turns\n"
"back into an image. Mounts inside it (/proc, volumes) are left out.\n\n"
"-o, --output  write to FILE (atomically) instead of standard output\n";

static char *output;
static const struct opt opts[] = { OPT_STR('o', "output", &output), OPT_END };

/* In a child of ours: find the container's root as it sees it, write the
 * tar to out. A running container's root is reached through its mount
 * namespace; a stopped one's is mounted read-only (its upper dir as the
 * top lower layer) in a mount namespace of our own. */
static int dump(struct store *s, struct container *c, int out)
{
  const cJSON *spec = json_obj(c->config, "Spec"), *l;
  struct io_writer w = IO_FD_WRITER(&out);
  struct tar_writer *t;
  char rp[4096];
  int root;

  if (container_status(c) == CT_RUNNING || container_status(c) == CT_PAUSED) {
    char p[64];
    int ns;
    snprintf(p, sizeof(p), "/proc/%d/ns/mnt", (int)json_int(c->state, "Pid",
                                                            0));
    if ((ns = open(p, O_RDONLY | O_CLOEXEC)) < 0 || setns(ns, CLONE_NEWNS) < 0)
      return pfail("enter the container's mount namespace");
    root = open("/", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  } else if (json_str(spec, "Flat")) {
    root = openat(s->dfd, json_str(spec, "Flat"), O_RDONLY | O_DIRECTORY |
                  O_CLOEXEC);
  } else {
    struct buf b = { 0 };
    cleanup_free char *up = container_path(c, "upper");
    cleanup_free char *mnt = container_path(c, "rootfs");
    cleanup_free char *opts = NULL;
    if (!realpath(s->root, rp) || unshare(CLONE_NEWNS) < 0 ||
        mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0 ||
        chdir(rp) < 0)
      return pfail("private mount namespace");
    buf_printf(&b, "lowerdir=%s", up);
    cJSON_ArrayForEach(l, json_arr(spec, "Lowers"))
      if (cJSON_IsString(l)) buf_printf(&b, ":%s", l->valuestring);
    opts = buf_str(&b);
    if (mount("overlay", mnt, "overlay", MS_RDONLY, opts) < 0)
      return pfail("mount the container's file system");
    root = open(mnt, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  }
  if (root < 0) return pfail("open the container's root");
  t = tar_writer_new(&w);
  if (tree_tar_all(root, t) < 0 || tar_writer_finish(t) < 0) return -1;
  tar_writer_free(t);
  return 0;
}

static int export_main(int argc, char **argv)
{
  cleanup_free char *tmp = NULL;
  struct container c;
  struct store s;
  int fd = 1, ret, status;
  pid_t pid;

  if (!output && isatty(1))
    return fail("cowardly refusing to save to a terminal. Use the -o flag "
                "or redirect");
  if (store_open(&s, STORE_READ) < 0 || container_find(&s, argv[0], &c) < 0)
    return -1;
  if ((fd = out_open(output, &tmp)) < 0) return -1;
  /* namespaces are for a child to change, not us */
  if ((pid = fork()) < 0) return pfail("fork");
  if (!pid) _exit(dump(&s, &c, fd) < 0 ? (fail_print(), 1) : 0);
  while (waitpid(pid, &status, 0) < 0)
    if (errno != EINTR) return pfail("wait");
  /* a failing child has said why: exit 1 without a second line */
  ret = WIFEXITED(status) && !WEXITSTATUS(status) ? 0 : 1;
  if (out_close(fd, tmp, output, !ret) < 0 && !ret) ret = -1;
  return ret;
}

APPLET(export, 1, 1);
