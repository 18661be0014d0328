/* container.h - container records: id, name, image, config, state, logs
 *
 *   containers/<id>/config.json   what was asked (written once, atomically)
 *   containers/<id>/state.json    pid, status, exit code, times (atomic)
 *   containers/<id>/upper, work   the overlay's writable layer
 *   containers/<id>/rootfs        mount point (mounted only inside the
 *                                 container's own mount namespace)
 *   containers/<id>/hostname, hosts, resolv.conf, log
 *
 * A container is "running" only if its recorded pid is alive with the same
 * start time in the same boot: after a reboot or a kill -9 of the monitor
 * it reads as exited, never as a corrupt record. */
#ifndef OCIBOX_CONTAINER_H
#define OCIBOX_CONTAINER_H

#include <stdint.h>
#include <time.h>

#include "core/json.h"
#include "core/store.h"

/* CT_RESTARTING: between two runs of a restart policy, its monitor
 * waiting (state "restarting", MonitorPid alive) */
enum { CT_CREATED, CT_RUNNING, CT_EXITED, CT_PAUSED, CT_RESTARTING };

struct container {
  char id[65];
  cJSON *config;      /* owned: Name, Image, ImageName, Path, Args, ... */
  cJSON *state;       /* owned: Pid, StartTime, BootId, Status, ExitCode,
                         Created, StartedAt, FinishedAt, RestartCount,
                         ManuallyStopped, MonitorPid, MonitorStart */
};

/* Allocate an id and a name (Docker's "adjective_name" when name is NULL),
 * create the directory and write config.json. -1 if the name is taken. */
int container_create(struct store *s, struct container *c, const char *name,
                     cJSON *config);
/* Find by full id, unique id prefix, or name. c can be given to
 * container_free whether or not it was found. */
int container_find(struct store *s, const char *key, struct container *c);
/* Every container, oldest first (by Created); caller frees with
 * container_list_free. */
int container_list(struct store *s, struct container **v, size_t *n);
void container_list_free(struct container *v, size_t n);
void container_free(struct container *c);

/* Remove what a power cut or a killed monitor left: --rm containers that
 * no longer run, and directories without a readable config.json. Call it
 * holding the writer lock (creation happens under it). */
void container_sweep(struct store *s);

/* Write state.json atomically. */
int container_save_state(struct store *s, struct container *c);
/* Read state.json again (another process may have written it). */
int container_reload_state(struct store *s, struct container *c);
/* CT_* from the state, checking that a "running" pid is really ours. */
int container_status(const struct container *c);
/* Whether the record is final: the container ran and its end is written,
 * or whoever would write it is gone (a power cut, a killed monitor). */
int container_settled(const struct container *c);
/* Docker's word for a CT_* status: "created", "running", "exited",
 * "paused", "restarting". */
const char *container_status_name(int st);
/* "Up 2 minutes", "Exited (0) 3 seconds ago", "Restarting (1) 2 seconds
 * ago", "Created". buf of 64. */
char *container_status_text(const struct container *c, char *buf);
/* A process's start time (field 22 of /proc/PID/stat), 0 if gone or a
 * zombie. */
uint64_t container_proc_start(int pid);
/* This boot's id (/proc/sys/kernel/random/boot_id), "" if unknown. */
const char *container_boot_id(void);
/* Delete the container's directory (it must not be running). */
int container_remove(struct store *s, const struct container *c);
/* The same, at once for every reader: the directory is renamed to
 * containers/.trash-ID and deleted by a detached process (and by
 * container_sweep if a power cut stops that). nsfd (or -1) is closed by
 * that process first: the container's mount namespace, whose teardown
 * then happens off the caller's path. */
int container_discard(struct store *s, const struct container *c, int nsfd);
/* The container's writable layer (overlay upper dir) and the image layers
 * below it (top first), opened as directories; -1 with the reason, e.g.
 * for a vfs container, which has no layer of its own. Caller closes the
 * fds and frees *lowers. */
int container_layers(struct store *s, const struct container *c, int *upper,
                     int **lowers, size_t *n);

/* What stop, rm, pause, unpause and restart do: for each NAME, find the
 * container and call fn; print NAME when fn returns 0. A name not found,
 * or fn failing (-1 after fail()), is said on stderr and makes the result
 * 1; -2 is a failure fn has already said. */
int container_each(struct store *s, int argc, char **argv,
                   int (*fn)(struct store *s, struct container *c,
                             const char *name));

/* Mark (on) or unmark the container as stopped by hand (stop, rm -f): a
 * file, "stopped", so that its monitor and a boot-time start see it
 * without racing on state.json. A restart policy never overrides it. */
int container_mark_stopped(struct store *s, const struct container *c, int on);
int container_stopped_by_hand(struct store *s, const struct container *c);

/* "containers/<id>/<name>"; caller frees. */
char *container_path(const struct container *c, const char *name);

#endif
