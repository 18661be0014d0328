/* tty.c - a container's terminal: pty in the container, relay outside */
#include "core/tty.h"
#include "core/util.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

/* see tty.h */

int tty_child(int sock, unsigned short rows, unsigned short cols,
              int console)
{
  union { struct cmsghdr h; char buf[CMSG_SPACE(sizeof(int))]; } u;
  struct msghdr msg = { 0 };
  struct iovec iov = { "t", 1 };
  char path[32];
  int m, s, n, unlock = 0;

  if ((m = open("/dev/ptmx", O_RDWR | O_NOCTTY | O_CLOEXEC)) < 0)
    return pfail("open /dev/ptmx");
  if (ioctl(m, TIOCSPTLCK, &unlock) < 0 || ioctl(m, TIOCGPTN, &n) < 0)
    return pfail("pty");
  snprintf(path, sizeof(path), "/dev/pts/%d", n);
  if ((s = open(path, O_RDWR | O_NOCTTY)) < 0) return pfail("open %s", path);
  if (rows && cols) {
    struct winsize ws = { .ws_row = rows, .ws_col = cols };
    ioctl(s, TIOCSWINSZ, &ws);
  }
  if (console) {
    int c = open("/dev/console", O_WRONLY | O_CREAT | O_NOFOLLOW | O_CLOEXEC,
                 0600);
    if (c >= 0) close(c);
    if (mount(path, "/dev/console", NULL, MS_BIND, NULL) < 0)
      return pfail("bind /dev/console");
  }
  msg.msg_iov = &iov;
  msg.msg_iovlen = 1;
  msg.msg_control = u.buf;
  msg.msg_controllen = sizeof(u.buf);
  u.h.cmsg_len = CMSG_LEN(sizeof(int));
  u.h.cmsg_level = SOL_SOCKET;
  u.h.cmsg_type = SCM_RIGHTS;
  memcpy(CMSG_DATA(&u.h), &m, sizeof(int));
  if (sendmsg(sock, &msg, 0) < 0) return pfail("send the pty");
  close(m);
  close(sock);
  /* a session of our own with the pty as its terminal */
  setsid();
  if (ioctl(s, TIOCSCTTY, 0) < 0) return pfail("set the controlling tty");
  for (int fd = 0; fd < 3; fd++)
    if (dup2(s, fd) < 0) return pfail("dup2");
  if (s > 2) close(s);
  return 0;
}

int tty_recv(int sock)
{
  union { struct cmsghdr h; char buf[CMSG_SPACE(sizeof(int))]; } u;
  struct msghdr msg = { 0 };
  char c;
  struct iovec iov = { &c, 1 };
  int fd = -1;

  msg.msg_iov = &iov;
  msg.msg_iovlen = 1;
  msg.msg_control = u.buf;
  msg.msg_controllen = sizeof(u.buf);
  if (recvmsg(sock, &msg, MSG_DONTWAIT | MSG_CMSG_CLOEXEC) <= 0) return -1;
  if (msg.msg_controllen >= CMSG_LEN(sizeof(int)) &&
      u.h.cmsg_type == SCM_RIGHTS)
    memcpy(&fd, CMSG_DATA(&u.h), sizeof(int));
  return fd;
}

void tty_size(unsigned short *rows, unsigned short *cols)
{
  struct winsize ws;

  *rows = *cols = 0;
  if (ioctl(0, TIOCGWINSZ, &ws) == 0 || ioctl(1, TIOCGWINSZ, &ws) == 0) {
    *rows = ws.ws_row;
    *cols = ws.ws_col;
  }
}

static volatile sig_atomic_t winch, chld;
static pid_t relayed;

static void on_signal(int sig)
{
  if (sig == SIGWINCH) winch = 1;
  else if (sig == SIGCHLD) chld = 1;
  else if (relayed > 0) kill(relayed, sig);
}

int tty_relay(pid_t pid, int master, int in, int out)
{
  static const int sigs[] = { SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGUSR1,
                              SIGUSR2, SIGWINCH, SIGCHLD };
  static char buf[16384];
  struct termios saved;
  struct sigaction sa;
  sigset_t block, old;
  int raw = 0, status = 0, done = 0, reaped = 0, tin = in;

  relayed = pid;
  memset(&sa, 0, sizeof(sa));
  sa.sa_handler = on_signal;       /* no SA_RESTART: wake ppoll */
  sigemptyset(&block);
  for (size_t i = 0; i < ARRAY_LEN(sigs); i++) {
    sigaction(sigs[i], &sa, NULL);
    sigaddset(&block, sigs[i]);
  }
  /* signals arrive only inside ppoll: none is lost between checks */
  sigprocmask(SIG_BLOCK, &block, &old);
  if (in >= 0 && isatty(in) && tcgetattr(in, &saved) == 0) {
    struct termios t = saved;
    cfmakeraw(&t);
    raw = tcsetattr(in, TCSANOW, &t) == 0;
  }
  fcntl(master, F_SETFL, fcntl(master, F_GETFL) | O_NONBLOCK);
  winch = 1;
  while (!done) {
    struct pollfd p[2] = { { master, POLLIN, 0 }, { in, POLLIN, 0 } };
    ssize_t n;

    if (winch) {
      struct winsize ws;
      winch = 0;
      if (ioctl(in >= 0 ? in : out, TIOCGWINSZ, &ws) == 0 ||
          ioctl(out, TIOCGWINSZ, &ws) == 0)
        ioctl(master, TIOCSWINSZ, &ws);
    }
    if (chld) {
      chld = 0;
      if (waitpid(pid, &status, WNOHANG) == pid) {
        /* what is still buffered in the pty, then stop */
        reaped = 1;
        while ((n = read(master, buf, sizeof(buf))) > 0)
          write_full(out, buf, n);
        break;
      }
    }
    if (ppoll(p, in >= 0 ? 2 : 1, NULL, &old) < 0) {
      if (errno == EINTR) continue;
      break;
    }
    if (p[0].revents & (POLLIN | POLLHUP | POLLERR)) {
      n = read(master, buf, sizeof(buf));
      if (n > 0) write_full(out, buf, n);
      else if (n == 0 || errno != EAGAIN) done = 1;   /* EIO: all closed */
    }
    if (in >= 0 && (p[1].revents & (POLLIN | POLLHUP | POLLERR))) {
      n = read(in, buf, sizeof(buf));
      if (n > 0) {
        write_full(master, buf, n);
      } else {
        /* end of our input: end of file for the terminal's reader */
        if (!raw) write(master, "\4", 1);
        in = -1;
      }
    }
  }
  if (raw) tcsetattr(tin, TCSANOW, &saved);
  sigprocmask(SIG_SETMASK, &old, NULL);
  if (!reaped)
    while (waitpid(pid, &status, 0) < 0)
      if (errno != EINTR) return 125;
  return exit_code(status);
}
