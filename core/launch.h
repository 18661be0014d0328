/* launch.h - start a container from its record, in the foreground or under
 * a detached monitor, and record how it ends (run and start share this)
 *
 * A container's config.json holds its "Spec": Args, Env, Cwd, User,
 * Hostname, Binds, NetHost, ReadOnly, Privileged, Init, Caps, Memory,
 * Pids, Cpus, Lowers: everything needed to start it again. */
#ifndef OCIBOX_LAUNCH_H
#define OCIBOX_LAUNCH_H

#include "core/container.h"
#include "core/sandbox.h"

enum {
  LAUNCH_DETACH = 1,   /* fork a monitor; output goes to containers/ID/log */
  LAUNCH_STDIN = 2,    /* keep standard input (-i) */
  LAUNCH_RM = 4,       /* remove the container when it ends */
};

/* The Spec object for a sandbox spec (the user-level parts). */
cJSON *launch_spec_json(const struct sb_spec *sp);

/* Start c. Foreground: returns the container's exit code (125, 126, 127
 * with the message printed when it could not start). Detached: returns 0
 * once the container runs, after printing nothing (the caller prints the
 * ID or name), or the failure code with the message printed. The store's
 * writer lock is released while the container runs. */
int launch(struct store *s, struct container *c, int flags);

/* Freeze (1) or thaw (0) a running container, and record it as paused
 * or running again. */
int launch_pause(struct store *s, struct container *c, int on);

/* Stop by hand: mark the container so that no restart policy brings it
 * back (a restarting one's monitor ends), then send sig to a running or
 * paused container's main process; a paused one is thawed, as its
 * processes get the signal only then (Docker does the same). Then wait up
 * to ms milliseconds for the process to be gone: 1 if it still runs. */
int launch_kill(struct store *s, struct container *c, int sig, long ms);
/* What stop does: sig, SIGKILL after seconds, then wait until the exit
 * is recorded (c's state is then the recorded one). */
void launch_stop(struct store *s, struct container *c, int sig, long seconds);

#endif
