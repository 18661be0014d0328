/* seccomp.h - Docker's default seccomp policy as a deny-list
 * See https://docs.docker.com/engine/security/seccomp/
 *
 * Docker's profile is an allow-list; what it leaves out is what matters:
 * syscalls that reach kernel state no namespace covers (keyrings, kexec,
 * modules, swap, clocks, BPF, perf, handles by inode), some only without
 * the capability that Docker's profile pairs them with. This filter
 * returns EPERM for those (ENOSYS for clone3, so that libcs fall back to
 * clone, whose namespace flags are then checked), and allows the rest. */
#ifndef OCIBOX_SECCOMP_H
#define OCIBOX_SECCOMP_H

#include <stdint.h>

/* Install the filter for a process keeping the capability set caps (bit
 * N = capability N). Needs no_new_privs (or CAP_SYS_ADMIN). 0 on an
 * architecture the filter does not know (no filter), -1 on error. */
int seccomp_apply(uint64_t caps);

#endif
