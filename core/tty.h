/* tty.h - a container's terminal (-t): a pty from the container's own
 * devpts instance, its master handed to ocibox, relayed to ours
 *
 * The container side runs in the container (after pivot_root), so the
 * slave is /dev/pts/N of the container's devpts and /dev/console a bind of
 * it, as Docker's. The master travels to the parent over a socketpair
 * (SCM_RIGHTS); the parent relays it to its standard input and output, in
 * raw mode when those are a terminal, and follows window size changes. */
#ifndef OCIBOX_TTY_H
#define OCIBOX_TTY_H

#include <sys/types.h>

/* In the container: open a pty, size it (rows, cols: 0 for unknown), bind
 * it on /dev/console when console is set, send the master over sock, and
 * make the slave our controlling terminal and standard input, output and
 * error. -1 with the reason. */
int tty_child(int sock, unsigned short rows, unsigned short cols,
              int console);

/* In the parent: receive the master (after the child has exec'd), -1 if
 * none came. */
int tty_recv(int sock);

/* The size of our terminal (standard input, else output), 0 if none. */
void tty_size(unsigned short *rows, unsigned short *cols);

/* Relay until the container's init (pid) exits: in (or -1) to the master,
 * the master to out; raw mode on in while it lasts, SIGWINCH resizes the
 * pty, SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2 go to pid.
 * Returns pid's exit code (128+N for a signal), 125 if waiting failed. */
int tty_relay(pid_t pid, int master, int in, int out);

#endif
